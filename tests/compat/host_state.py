"""A lab host's state, read from outside (``docker exec``), to compare two hosts.

A snapshot lists every path of the root file system (type, mode, owner, group, link
target), the content hash of every regular file changed since :func:`mark` was called,
the accounts (``getent passwd``/``group``), the installed packages and the running
programs (by user and name). Two hosts made
from the same image and given the same playbook by two tools must have equal snapshots.

What is left out, and why (each differs between any two containers, whatever ran):

* ``/proc``, ``/sys``, ``/dev``, ``/run``: kernel and runtime state;
* ``/var/log``: login records (wtmp, lastlog) and the lab's command log;
* ``/etc/hostname``, ``/etc/hosts``, ``/etc/resolv.conf``: written by Docker per container;
* SSH host keys: generated per container when it starts;
* ``~/.ansible`` (and ``/tmp/ansible-*``): ansible-core's own working directories on the
  target, which dockyard (no remote Python) never makes;
* ``/var/cache/apt/*.bin``: apt's binary caches, rebuilt with the time of each update.

And what is normalised: the header that crontab(1) writes into a user's crontab names
the temporary file it was installed from and the time (``# (/tmp/crontabXYZ installed
on ...)``), so that line is left out of the hash (and the size) of crontabs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.lab import LabHost

MARK = "/.compat-mark"
PRUNE = ("/proc", "/sys", "/dev", "/run", "/var/log", "/tmp/.compat")
SKIP = re.compile(
    r"^(/etc/hostname|/etc/hosts|/etc/resolv\.conf|/etc/ssh/ssh_host_.*|"
    rf"{re.escape(MARK)}|/home/[^/]+/\.ansible(/.*)?|/root/\.ansible(/.*)?|/tmp/ansible-.*|"
    r"/var/tmp/ansible-.*|/var/cache/apt/[^/]*\.bin)$"
)
CRONTABS = "/var/spool/cron/crontabs/"
_HASH = (f'case "$p" in {CRONTABS}*) printf \'%s  %s\\n\' '
         '"$(sed \'/^# (.* installed on /d\' "$p" | sha256sum | cut -d" " -f1)" "$p";; '
         '*) sha256sum "$p";; esac')

# Processes of the lab itself and of the snapshot's own commands.
TRANSIENT = re.compile(r"\s(ps|sh|sshd|sleep|lab-init|sudo|find|counting-sh)$")


@dataclass(frozen=True)
class Snapshot:
    """Every path with its attributes, hashes of what changed since :func:`mark`, accounts,
    packages and programs; compared as text lines (:func:`state_lines`)."""

    paths: Mapping[str, str]
    digests: Mapping[str, str]
    accounts: tuple[str, ...]
    packages: tuple[str, ...]
    processes: tuple[str, ...]


def mark(host: LabHost) -> None:
    """Remember "now": files whose ctime is later than this are hashed by snapshots."""
    host.exec(f"touch {MARK}", check=True)


def _hash_script(paths: str) -> str:
    """Shell that prints ``sha256  path`` for each regular file named by ``paths``."""
    return (f'{paths} | while IFS= read -r p; do if [ -f "$p" ] && [ ! -L "$p" ]; then {_HASH}; '
            "fi; done")


def snapshot(host: LabHost) -> Snapshot:
    """The host's state in one ``docker exec`` (each exec costs dockerd CPU)."""
    prune = " -o ".join(f"-path {shlex.quote(path)}" for path in PRUNE)
    find = f"find / -xdev \\( {prune} \\) -prune -o"
    script = "; echo '@@'; ".join([
        f"{find} -printf '%p\\t%y\\t%m\\t%u\\t%g\\t%l\\t%s\\n'",
        _hash_script(f"{find} -type f -cnewer {MARK} -print"),
        "getent passwd; getent group",
        "dpkg-query -W -f '${Package} ${Version} ${Status}\\n'",
        "ps -e -o user=,comm=",
    ])
    entries, digests, accounts, packages, processes = host.exec(
        script, check=True, timeout=120).stdout.split("@@\n")
    paths = {}
    for line in entries.splitlines():
        path, _, rest = line.partition("\t")
        if not SKIP.match(path):
            kind = rest.split("\t", 1)[0]
            sized = kind == "f" and not path.startswith(CRONTABS)
            paths[path] = rest if sized else rest.rsplit("\t", 1)[0]  # size: files only
    running = {line for line in processes.splitlines() if line and not TRANSIENT.search(line)}
    return Snapshot(paths, _digests(digests), tuple(accounts.splitlines()),
                    tuple(sorted(packages.splitlines())), tuple(sorted(running)))


def _digests(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        digest, _, path = line.partition("  ")
        if not SKIP.match(path):
            found[path] = digest
    return found


def hashes(host: LabHost, paths: Iterable[str]) -> dict[str, str]:
    """sha256 of these regular files on ``host`` (paths missing there are left out)."""
    wanted = sorted(paths)
    if not wanted:
        return {}
    listed = "printf '%s\\n' " + " ".join(shlex.quote(path) for path in wanted)
    return _digests(host.exec(_hash_script(listed), check=True, timeout=120).stdout)


def state_lines(snap: Snapshot, digests: Mapping[str, str] | None = None) -> list[str]:
    """The snapshot as sorted text lines, ready for a readable diff."""
    known = {**snap.digests, **(digests or {})}
    lines = [f"{path}\t{attrs}\t{known.get(path, '')}" for path, attrs in sorted(snap.paths.items())]
    lines += [f"account: {line}" for line in snap.accounts]
    lines += [f"package: {line}" for line in snap.packages]
    lines += [f"process: {line}" for line in snap.processes]
    return lines


def compare_hosts(left: LabHost, right: LabHost) -> tuple[list[str], list[str]]:
    """Both hosts' state lines, with the content hash of every file changed on either.

    A file changed on one host only (say rewritten with the same content) is hashed on
    the other host too, so that equal content compares equal.
    """
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(snapshot, (left, right))
    extra_left = hashes(left, set(second.digests) - set(first.digests))
    extra_right = hashes(right, set(first.digests) - set(second.digests))
    return state_lines(first, extra_left), state_lines(second, extra_right)


def host_lines(host: LabHost) -> list[str]:
    """One host's state lines, hashing the files changed since :func:`mark`."""
    return state_lines(snapshot(host))
