"""``dockyard pull``: keep a checkout of a git repository at the wanted commit, and remember
which commit the last run applied.

The command itself (``cli/pull.py``) then runs the repository's playbooks like ``play``::

    with PullLock(checkout):                          # one pull per checkout at a time
        head = update_checkout(url, checkout, ref)    # init/fetch/checkout --force/clean
        if only_if_changed and last_run(checkout) == head and it succeeded: nothing to do
        ... run the playbooks ...
        record_run(checkout, head, exit_code)

The checkout belongs to dockyard (a marker in ``.git`` says so; a repository without it
is never forced): it is forced to the fetched commit every time. Local edits and untracked
files are discarded (and counted in a warning); files that the repository's ``.gitignore``
ignores are kept (a host-local secret placed next to the playbooks survives). Only its owner
can read it (mode 0700: ``.git/config`` may hold a token). The record lives inside ``.git``,
out of the working tree.

``git`` runs on this machine (the controller), never on the managed hosts, with
``GIT_TERMINAL_PROMPT=0`` and ssh in batch mode so that it fails instead of asking for a
password, within a time limit, and every message that could carry the URL's password or
token has it replaced by ``***``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from dockyard.errors import PullError

__all__ = ["Commit", "PullLock", "default_checkout", "identity", "last_run", "record_run", "redact", "repository",
           "update_checkout"]

RECORD = "dockyard-pull.json"
"""The last run's record, in the checkout's ``.git`` directory."""
MARKER = "dockyard-pull-checkout"
"""In ``.git``: dockyard made this checkout, and may force it."""
GIT_TIMEOUT = 600.0
"""Seconds one git command may take (a server that accepts and never answers)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    #: Files changed or untracked in the checkout before it was forced to this commit.
    discarded: int = 0
    #: The commit the checkout was at before (None: a new checkout).
    before: str | None = None

    @property
    def short(self) -> str:
        return self.sha[:12]


def redact(url: str) -> str:
    """``url`` with its secret as ``***``: the password of its user part
    (``https://user:token@host/...``), or over http(s) a user part of 16 characters or more
    with no password, which is then a token (``https://TOKEN@host/...``); ``ssh://git@host``
    and ``https://git@host`` keep their user."""
    return scrub(url, url)


def scrub(text: str, url: str) -> str:
    """``text`` (git's words) with ``url``'s secret as ``***`` where it stands as one: after
    ``:`` and before ``@``, or as the whole user part (``//TOKEN@``)."""
    secret = _password(url)
    if not secret:
        return text
    return text.replace(f":{secret}@", ":***@").replace(f"//{secret}@", "//***@")


def _password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        password, user = parts.password, parts.username
    except ValueError:  # not a URL git would take either; nothing to hide
        return None
    if parts.scheme and password:
        return password
    if parts.scheme in ("http", "https") and user and len(user) >= 16:
        return user
    return None


def repository(url: str) -> str:
    """``url`` as git will be given it: a relative path (no scheme, not ``host:path``) that
    exists becomes absolute, since git runs in the checkout, not here."""
    if urlsplit(url).scheme or _SCP_LIKE.match(url) or not Path(url).exists():
        return url
    return str(Path(url).resolve())


_SCP_LIKE = re.compile(r"^[^/]+:")  # git@host:path (a path with ':' has a '/' before it: ./a:b)


def identity(url: str) -> str:
    """What names the repository, whatever the credentials: ``url`` without its password or
    token and without a trailing ``/``. Two URLs with the same identity are one repository."""
    if _password(url) is None:
        return url.rstrip("/")
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    keep_user = parts.scheme not in ("http", "https") and parts.username
    netloc = f"{parts.username}@{host}" if keep_user else host
    return urlunsplit(parts._replace(netloc=netloc)).rstrip("/")


def default_checkout(url: str) -> Path:
    """Where the checkout of ``url`` goes when ``-d`` is not given: ``/var/lib/dockyard/pull``
    for root, ``~/.cache/dockyard/pull`` for everyone else, one directory per repository (a
    new token in the URL keeps the checkout and its record)."""
    base = Path("/var/lib/dockyard/pull") if os.geteuid() == 0 else Path.home() / ".cache/dockyard/pull"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", identity(url).rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    digest = hashlib.sha256(identity(url).encode()).hexdigest()[:10]
    return base / f"{name.removesuffix('.git') or 'repo'}-{digest}"


@contextlib.contextmanager
def _checkout_errors() -> Iterator[None]:
    """An OSError of the checkout's files (a directory that cannot be made, a file where one
    is wanted) as a PullError that says so, not a traceback."""
    try:
        yield
    except OSError as error:
        raise PullError(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "),
                        hint="check -d and the permissions of the checkout's directory") from None


class PullLock:
    """An exclusive lock on a checkout (a file next to it), so that two pulls started by
    cron or a timer never work in the same directory at once; the second one fails at once
    with the first one's PID. The kernel drops the lock when its process dies."""

    def __init__(self, checkout: Path) -> None:
        self.path = checkout.with_name(checkout.name + ".lock")
        self._file: IO[str] | None = None

    @_checkout_errors()
    def __enter__(self) -> PullLock:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "r+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise PullError(f"another dockyard pull is working in {self.path.with_suffix('')} "
                            f"(pid {holder})",
                            hint="it will finish on its own; run again later") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.truncate(0)
            self._file.close()  # closing releases the lock
            self._file = None


def _git(args: list[str], *, cwd: Path | None, url: str, what: str, timeout: float = GIT_TIMEOUT) -> str:
    """Run git; its stdout, or a :class:`PullError` saying ``what`` failed with git's words."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=30")
    # A transfer slower than 1 KB/s for a minute is abandoned rather than waited for.
    command = ["git", "-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=60", *args]
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                              timeout=timeout)
    except FileNotFoundError:
        raise PullError("git is not installed on this machine",
                        hint="install it (apt-get install git); dockyard pull runs git here, "
                             "not on the managed hosts") from None
    except subprocess.TimeoutExpired:
        raise PullError(f"{what}: git did not finish within {timeout:g}s",
                        hint=f"is {redact(identity(url))} answering? --git-timeout sets the limit") from None
    if done.returncode != 0:
        said = scrub(done.stderr.strip() or done.stdout.strip() or f"git exited {done.returncode}", url)
        raise PullError(f"{what}: {_first_error(said)}", hint=_hint(said, url))
    return done.stdout


def _first_error(said: str) -> str:
    """git's first "fatal:"/"error:" line (what follows is advice), else its last line."""
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    return next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1])


def _hint(said: str, url: str) -> str:
    if "could not read Username" in said or "Authentication failed" in said or "terminal prompts disabled" in said:
        return ("the repository wants credentials: use an SSH URL with a key, or a credential "
                "helper (git config credential.helper); dockyard never prompts")
    if "couldn't find remote ref" in said or "not our ref" in said:
        return "check the branch, tag or commit given with --checkout"
    if "does not appear to be a git repository" in said or "not found" in said.lower():
        return f"check the URL: {redact(url)}"
    return "run the same git command by hand to see more"


@_checkout_errors()
def update_checkout(url: str, checkout: Path, ref: str | None, *, full: bool = False,
                    timeout: float = GIT_TIMEOUT) -> Commit:
    """Bring ``checkout`` to the commit ``ref`` names in ``url`` (its default branch when
    None): a new repository the first time, then fetch, checkout ``--force`` and clean.
    Call it holding :class:`PullLock` (it removes git's own lock files left by a killed git)."""
    git_dir = checkout / ".git"
    before = None
    existing = git_dir.is_dir()
    if existing:
        if not (git_dir / MARKER).exists():
            raise PullError(f"{checkout} is a git repository that dockyard pull did not make; it would "
                            "force it to the fetched commit and delete its untracked files",
                            hint="give a new or empty directory with -d")
        remote = _git(["config", "--get", "remote.origin.url"], cwd=checkout, url=url,
                      what=f"{checkout} is a git repository without an 'origin'").strip()
        if identity(remote) != identity(url):
            raise PullError(f"{checkout} is a checkout of {redact(remote)}, not of {redact(url)}",
                            hint="give another directory with -d, or remove this one")
        for stale in git_dir.glob("*.lock"):  # a git killed mid-way; no other git runs here (PullLock)
            stale.unlink(missing_ok=True)
        if remote != url:  # a new token, or the same URL spelled otherwise
            _git(["remote", "set-url", "origin", url], cwd=checkout, url=url, what="cannot update the remote")
        before = _head(checkout, url)
        _fetch(url, checkout, ref, full, timeout)
    elif checkout.exists() and any(checkout.iterdir()):
        raise PullError(f"{checkout} exists, is not empty and is not a git checkout",
                        hint="give an empty or new directory with -d")
    else:
        made = not checkout.exists()
        checkout.mkdir(mode=0o700, parents=True, exist_ok=True)
        checkout.chmod(0o700)  # .git/config may hold a token
        try:
            _git(["init", "--quiet", str(checkout)], cwd=None, url=url, what=f"cannot make a repository in {checkout}")
            (git_dir / MARKER).write_text("made by dockyard pull: forced to the fetched commit on each pull\n")
            _git(["remote", "add", "origin", url], cwd=checkout, url=url, what="cannot add the remote")
            _fetch(url, checkout, ref, full, timeout)
        except BaseException:  # nothing half-made is left: the next pull (another URL?) starts afresh
            shutil.rmtree(git_dir, ignore_errors=True)
            if made:
                checkout.rmdir()
            raise
    discarded = len([line for line in _git(["status", "--porcelain"], cwd=checkout, url=url,
                                           what="cannot read the checkout's status").splitlines() if line])
    _git(["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"], cwd=checkout, url=url,
         what="cannot check out the fetched commit")
    if (checkout / ".gitmodules").exists():
        _git(["submodule", "update", "--init", "--recursive", "--force"], cwd=checkout, url=url,
             what="cannot check out the submodules", timeout=timeout)
    _git(["clean", "--quiet", "-d", "--force", "--force"], cwd=checkout, url=url,
         what="cannot remove untracked files")
    sha = _head(checkout, url) or ""
    subject = _git(["log", "-1", "--format=%s", "HEAD"], cwd=checkout, url=url, what="cannot read the commit").strip()
    return Commit(sha, subject, discarded if before is not None else 0, before)


def _fetch(url: str, checkout: Path, ref: str | None, full: bool, timeout: float) -> None:
    depth = ["--depth", "1"] if not full else ["--unshallow"] if (checkout / ".git/shallow").exists() else []
    fetch = ["fetch", "--quiet", "--no-tags", *depth, "origin", ref or "HEAD"]
    _git(fetch, cwd=checkout, url=url, what=f"cannot fetch {ref or 'the default branch'} of {redact(url)}",
         timeout=timeout)


def _head(checkout: Path, url: str) -> str | None:
    try:
        return _git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=checkout, url=url, what="no commit").strip()
    except PullError:
        return None


def last_run(checkout: Path) -> dict[str, Any] | None:
    """The record of the last run in ``checkout`` (commit, exit code, when), if any."""
    try:
        data = json.loads((checkout / ".git" / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@_checkout_errors()
def record_run(checkout: Path, commit: Commit, playbooks: list[str], exit_code: int, when: str,
               run: str = "") -> None:
    """Write the record of this run (atomically: a crash leaves the old one or the new one).
    ``run``: a digest of how the playbooks were run (tags, limit, extra vars...)."""
    path = checkout / ".git" / RECORD
    data = {"commit": commit.sha, "subject": commit.subject, "playbooks": playbooks,
            "exit_code": exit_code, "finished": when, "run": run}
    fd, temp = tempfile.mkstemp(prefix=f".{RECORD}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2)
            stream.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
