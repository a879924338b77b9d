"""What ``dockyard pull`` shows of a URL, where its checkout goes, and which of git's lines it quotes."""

from __future__ import annotations

import pytest

from dockyard.pull import _first_error, default_checkout, redact


@pytest.mark.parametrize(("url", "shown"), [
    ("https://deploy:t0ken@git.example.org/ops/site.git", "https://deploy:***@git.example.org/ops/site.git"),
    ("https://ghp_t0ken@github.com/ops/site.git", "https://***@github.com/ops/site.git"),
    ("ssh://git@git.example.org/ops/site.git", "ssh://git@git.example.org/ops/site.git"),
    ("git@git.example.org:ops/site.git", "git@git.example.org:ops/site.git"),
    ("/srv/git/site.git", "/srv/git/site.git"),
    ("https://git.example.org/ops/site.git", "https://git.example.org/ops/site.git"),
])
def test_redact_hides_passwords_and_tokens_only(url: str, shown: str) -> None:
    assert redact(url) == shown


def test_the_default_checkout_is_named_after_the_url_without_its_secret() -> None:
    path = default_checkout("https://deploy:t0ken@git.example.org/ops/site.git")
    assert path.name.startswith("site-") and "t0ken" not in str(path)
    assert default_checkout("https://git.example.org/ops/site.git") != path  # one checkout per URL
    assert default_checkout("git@git.example.org:ops/site.git").name.startswith("site-")


def test_the_first_fatal_line_is_quoted_not_the_advice_after_it() -> None:
    said = ("fatal: '/srv/nope' does not appear to be a git repository\n"
            "fatal: Could not read from remote repository.\n\n"
            "Please make sure you have the correct access rights\nand the repository exists.\n")
    assert _first_error(said) == "fatal: '/srv/nope' does not appear to be a git repository"
    assert _first_error("something odd\n") == "something odd"
