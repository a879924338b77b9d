"""The three tools under test: how each is installed, configured, started and read.

Each tool gets the same hosts (fresh for it), the same workload and the same parallelism
(one connection per host at once: dockyard `-f N`, ansible `forks = N`, pyinfra
`--parallel N`). Host keys are not checked and no tool reads or writes the user's
~/.ssh/known_hosts: the lab's hosts get new keys with every container.

    dockyard    python -m dockyard play workload/site.yml, from this checkout (PYTHONPATH)
    ansible     ansible-playbook workload/site.yml (the same file), pipelining on, facts on,
                its default ssh ControlMaster/ControlPersist=60s, but a control directory of
                its own for every invocation: the re-run starts as cold as dockyard's does
    pyinfra     pyinfra inventory.py workload/deploy.py -y --sudo (-y: no change detection
                pass and no prompt, its fastest way to apply)
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import BenchError
from bench.recap import Outcome, parse_play_recap, parse_pyinfra
from tests.lab import LabHost
from tests.lab.inventory import render_inventory

CHECKOUT = Path(__file__).resolve().parent.parent
WORKLOAD = Path(__file__).resolve().parent / "workload"
INSTALL_HINT = "install the benchmark's tools with: pip install -e '.[bench]'"


@dataclass(frozen=True)
class Invocation:
    """One command to run: argv, working directory and environment."""

    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Tool:
    """A tool under test; `invocation(rundir, hosts, phase)` writes its files, returns its command."""

    name: str
    module: str
    """The Python module that must be importable for the tool to be there."""
    version: Callable[[], str]
    invocation: Callable[[Path, Sequence[LabHost], str], Invocation]
    parse: Callable[[str], Outcome]
    cleanup: Callable[[Path], None] = lambda rundir: None

    def check_installed(self) -> None:
        if importlib.util.find_spec(self.module) is None:
            raise BenchError(f"{self.name} is not installed", hint=INSTALL_HINT)


def _script(name: str) -> str:
    """The console script `name` of this Python's environment (else the first on PATH)."""
    local = Path(sysconfig.get_path("scripts")) / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise BenchError(f"the `{name}` command is not installed", hint=INSTALL_HINT)
    return found


def _write_ini(rundir: Path, hosts: Sequence[LabHost]) -> Path:
    path = rundir / "hosts.ini"
    path.write_text(render_inventory(hosts, comment="dockyard benchmark"))
    return path


def _dockyard(rundir: Path, hosts: Sequence[LabHost], phase: str) -> Invocation:
    inventory = _write_ini(rundir, hosts)
    argv = [sys.executable, "-m", "dockyard", "play", str(WORKLOAD / "site.yml")]
    argv += ["-i", str(inventory), "-f", str(len(hosts)), "--no-retry-file"]
    argv += ["--host-key-checking", "off", "--known-hosts", str(rundir / "known_hosts")]
    return Invocation(argv=argv, cwd=rundir, env=_dockyard_env())


def _dockyard_env() -> dict[str, str]:
    """The environment that makes `python -m dockyard` this checkout's dockyard."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return env


#: timeout = 60: with ansible's default (10 s, so 12 s for the become prompt), 5 of 200 hosts came
#: back UNREACHABLE ("Timeout (12s) waiting for privilege escalation prompt") at load 150 on 2 cores,
#: twice in a row, and the run is not usable. The hosts were fine: the controller was too slow.
ANSIBLE_CFG = """\
[defaults]
forks = {forks}
timeout = 60
gathering = implicit
host_key_checking = False
retry_files_enabled = False
interpreter_python = /usr/bin/python3
nocolor = True

[ssh_connection]
pipelining = True
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
"""


def _ansible(rundir: Path, hosts: Sequence[LabHost], phase: str) -> Invocation:
    inventory = _write_ini(rundir, hosts)
    config = rundir / "ansible.cfg"
    config.write_text(ANSIBLE_CFG.format(forks=len(hosts)))
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(config)
    env["ANSIBLE_SSH_CONTROL_PATH_DIR"] = str(rundir / f"cp-{phase}")
    env["ANSIBLE_LOCAL_TEMP"] = str(rundir / "ansible-tmp")
    argv = [_script("ansible-playbook"), "-i", str(inventory), str(WORKLOAD / "site.yml")]
    return Invocation(argv=argv, cwd=rundir, env=env)


def _stop_control_masters(rundir: Path) -> None:
    """End the ssh ControlPersist masters ansible left behind (`ssh -O exit`, by socket)."""
    for socket in sorted(rundir.glob("cp-*/*")):
        subprocess.run(
            ["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "bench-host"],
            capture_output=True, timeout=10, check=False,
        )  # fmt: skip


def _pyinfra(rundir: Path, hosts: Sequence[LabHost], phase: str) -> Invocation:
    known_hosts = str(rundir / "known_hosts")
    lines = ["# dockyard benchmark: lab hosts", "bench_hosts = ["]
    for host in hosts:
        data = {
            "ssh_hostname": host.address,
            "ssh_port": host.port,
            "ssh_user": host.user,
            "ssh_key": str(host.key_path),
            "ssh_strict_host_key_checking": "off",
            "ssh_known_hosts_file": known_hosts,
        }
        lines.append(f"    ({host.name!r}, {data!r}),")
    inventory = rundir / "inventory.py"
    inventory.write_text("\n".join([*lines, "]", ""]))
    argv = [_script("pyinfra"), str(inventory), "deploy.py", "-y", "--sudo"]
    argv += ["--parallel", str(len(hosts))]
    return Invocation(argv=argv, cwd=WORKLOAD)


def _dockyard_version() -> str:
    """`python -m dockyard --version` of this checkout, with its commit (+dirty if edited)."""

    def run(*argv: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(list(argv), capture_output=True, text=True, env=env, check=False)
        return result.stdout.strip()

    version = run(sys.executable, "-m", "dockyard", "--version", env=_dockyard_env())
    version = version.removeprefix("dockyard").strip() or "unknown"
    commit = run("git", "-C", str(CHECKOUT), "rev-parse", "--short", "HEAD") or "unknown"
    edited = run("git", "-C", str(CHECKOUT), "status", "--porcelain", "--", "dockyard")
    return f"{version} ({commit}{'+dirty' if edited else ''})"


def _distribution_version(name: str) -> Callable[[], str]:
    return lambda: importlib.metadata.version(name)


TOOLS: dict[str, Tool] = {
    "dockyard": Tool("dockyard", "dockyard", _dockyard_version, _dockyard, parse_play_recap),
    "ansible": Tool(
        "ansible",
        "ansible",
        _distribution_version("ansible-core"),
        _ansible,
        parse_play_recap,
        _stop_control_masters,
    ),
    "pyinfra": Tool(
        "pyinfra", "pyinfra", _distribution_version("pyinfra"), _pyinfra, parse_pyinfra
    ),
}
