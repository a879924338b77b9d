"""Re-capture the facts documents in this directory from real shells on this machine.

Usage: python tests/unit/data/facts/capture.py   (as root, on a Debian host with
busybox installed and dockerd running). Each document is the unmodified output of
``gather.sh`` except the ``env0`` section, which is cut down to a few harmless
variables so that no developer's environment lands in the repository.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from dockyard.facts.base import facts_command

HERE = Path(__file__).parent
KEEP_ENV = ("HOME", "PATH", "LANG", "USER", "LOGNAME", "SHELL", "PWD", "TERM", "DOCKER_HOST")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _scrub_env(document: str, marker: str) -> str:
    head, sep, rest = document.partition(f"\n{marker} env0\n")
    if not sep:
        return document
    env, sep2, tail = rest.partition(f"\n{marker} ")
    kept = [e for e in env.split("\0") if e.split("=", 1)[0] in KEEP_ENV]
    return head + sep + "\0".join(kept) + "\0" + sep2 + tail


def _capture(name: str, argv: list[str], env: dict[str, str]) -> None:
    marker = f"@@dockyard-facts-{name.replace('.', '-')}"
    out = subprocess.run(
        [*argv, facts_command(marker)], env=env, capture_output=True, check=True, cwd="/"
    ).stdout.decode("utf-8", "replace")
    (HERE / f"{name}.txt").write_text(_scrub_env(out, marker), encoding="utf-8")


def main() -> None:
    base = {
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "USER": "root",
        "LOGNAME": "root",
        "SHELL": "/bin/bash",
        "TERM": "xterm",
    }
    _capture("debian12-docker", ["dash", "-c"], {**base, "PATH": SYSTEM_PATH})
    _capture(
        "debian12-docker-unreachable",
        ["dash", "-c"],
        {**base, "PATH": SYSTEM_PATH, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )
    _capture(
        "debian12-nobody",
        ["runuser", "-u", "nobody", "--", "dash", "-c"],
        {
            "HOME": "/nonexistent",
            "PATH": SYSTEM_PATH,
            "LANG": "C.UTF-8",
            "USER": "nobody",
            "LOGNAME": "nobody",
            "SHELL": "/usr/sbin/nologin",
        },
    )
    with tempfile.TemporaryDirectory() as applets:
        subprocess.run(["/usr/bin/busybox", "--install", "-s", applets], check=True)
        _capture(
            "busybox-minimal",
            ["/usr/bin/busybox", "sh", "-c"],
            {"HOME": "/root", "PATH": applets, "USER": "root", "LOGNAME": "root"},
        )


if __name__ == "__main__":
    main()
