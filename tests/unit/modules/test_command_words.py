"""command's argument words: sh must expand them exactly as Python's expandvars/expanduser.

Ansible's command module runs ``os.path.expanduser(os.path.expandvars(arg))`` on each
argument and execs the result without a shell. dockyard builds shell words instead;
each case runs the word through the local /bin/sh and compares with Python.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from dockyard.errors import ModuleError
from dockyard.modules.command import Words, split_command

CASES = [
    "$HOME/x", "${HOME}", "pre${HOME}post", "$DY_SET", "$DY_UNSET", "${DY_UNSET}", "$1abc",
    "a b", "'quoted'", '"double"', "`id`", "$(id)", "*", "?", "${HOME:-x}", "${a/b}", "$",
    "a$", "price: $5", "~", "~/x", "~root/x", "~nosuchuser/x", "x~", "back\\slash", "",
    "$DY_SPACES", "tab\there", "new\nline",
]
ENV = {"HOME": "/home/tester", "DY_SET": "set value", "DY_SPACES": "  a  *  ", "PATH": os.environ["PATH"]}


def through_sh(word_text: str) -> str:
    words = Words()
    word = words.word(word_text)
    script = "\n".join([*words.preamble, f"printf '%s' {word}"])
    done = subprocess.run(["/bin/sh", "-c", script], env=ENV, capture_output=True, text=True,
                          check=True, timeout=10)
    return done.stdout


@pytest.mark.parametrize("text", CASES)
def test_word_expands_like_python(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        monkeypatch.delenv(name)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    assert through_sh(text) == os.path.expanduser(os.path.expandvars(text))


@pytest.mark.parametrize("text", ["$HOME", "~", "a b *"])
def test_no_expansion_is_literal(text: str) -> None:
    done = subprocess.run(["/bin/sh", "-c", f"printf '%s' {Words().word(text, expand=False)}"],
                          env=ENV, capture_output=True, text=True, check=True, timeout=10)
    assert done.stdout == text


def test_split_errors_are_clear() -> None:
    assert split_command("echo 'a b' c") == ["echo", "a b", "c"]
    with pytest.raises(ModuleError, match="No closing quotation"):
        split_command("echo 'unclosed")
