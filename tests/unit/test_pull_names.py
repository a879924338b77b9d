"""What ``dockyard pull`` shows of a URL, where its checkout goes, and which of git's lines it quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockyard.pull import _first_error, default_checkout, identity, redact, repository, scrub


@pytest.mark.parametrize(("url", "shown"), [
    ("https://deploy:t0ken@git.example.org/ops/site.git", "https://deploy:***@git.example.org/ops/site.git"),
    ("https://ghp_0123456789abcdefghij@github.com/ops/site.git", "https://***@github.com/ops/site.git"),
    ("https://git@git.example.org/ops/git-site.git", "https://git@git.example.org/ops/git-site.git"),
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
    # One checkout per repository: a new token keeps it (and its record); another repository does not.
    assert default_checkout("https://deploy:n3w@git.example.org/ops/site.git/") == path
    assert default_checkout("https://git.example.org/ops/other.git") != path
    assert default_checkout("git@git.example.org:ops/site.git").name.startswith("site-")


def test_the_first_fatal_line_is_quoted_not_the_advice_after_it() -> None:
    said = ("fatal: '/srv/nope' does not appear to be a git repository\n"
            "fatal: Could not read from remote repository.\n\n"
            "Please make sure you have the correct access rights\nand the repository exists.\n")
    assert _first_error(said) == "fatal: '/srv/nope' does not appear to be a git repository"
    assert _first_error("something odd\n") == "something odd"


@pytest.mark.parametrize(("url", "same"), [
    ("https://deploy:t0ken@git.example.org/ops/site.git/", "https://git.example.org/ops/site.git"),
    ("https://glpat-0123456789abcdef@git.example.org/ops/site.git", "https://git.example.org/ops/site.git"),
    ("ssh://git:pw@git.example.org/ops/site.git", "ssh://git@git.example.org/ops/site.git"),
    ("git@git.example.org:ops/site.git", "git@git.example.org:ops/site.git"),
])
def test_identity_leaves_out_credentials_only(url: str, same: str) -> None:
    assert identity(url) == same


def test_a_relative_path_becomes_absolute_and_urls_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path)
    assert repository("repo") == str(tmp_path / "repo")
    assert repository("git@git.example.org:ops/site.git") == "git@git.example.org:ops/site.git"
    assert repository("https://git.example.org/x.git") == "https://git.example.org/x.git"


def test_gits_words_lose_the_secret_where_it_stands_as_one() -> None:
    url = "https://deploy:git@git.example.org/ops/git.git"  # a password that is also a common word
    said = "fatal: unable to access 'https://deploy:git@git.example.org/ops/git.git/': not a git repository"
    assert scrub(said, url) == ("fatal: unable to access 'https://deploy:***@git.example.org/ops/git.git/': "
                                "not a git repository")
