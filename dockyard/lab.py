"""Labs: a playbook whose `vm` tasks make the machines, plus what `dockyard lab` needs around it.

A lab file is an ordinary playbook. Its first play runs a ``vm`` task on localhost with a
literal ``lab:`` name; later plays configure the machines (runtime, cluster, a check
service). ``dockyard lab up`` runs it with a key pair of the lab's own, made on first use
and passed as variables::

    dockyard_lab_name          the lab's name
    dockyard_lab_key           path of the lab's private key (for ansible_ssh_private_key_file)
    dockyard_lab_public_key    the public key text (for the vm task's ssh_keys)

The machines themselves are found again from the provider (their metadata names the lab),
so ``status``, ``ssh`` and ``down`` need no state besides that key.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.errors import PlaybookError
from dockyard.playbook.model import Playbook, Task, iter_tasks
from dockyard.vm.spec import VmState

__all__ = ["LabDecl", "LabKey", "find_labs", "lab_home", "lab_key", "lab_variables", "remove_lab_home"]

_VM_NAMES = ("vm", "dockyard.vm", "dockyard.builtin.vm")


@dataclass(frozen=True)
class LabDecl:
    """Where a lab's machines live: the provider, its options, the lab name and the user."""

    name: str
    provider: str = "libvirt"
    options: Mapping[str, Any] = field(default_factory=dict)
    user: str = "debian"
    machines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabKey:
    private: Path
    public: str


def _literal(task: Task, key: str, default: Any) -> Any:
    value = task.args.get(key, default)
    text = repr(value)
    if "{{" in text or "{%" in text:
        raise PlaybookError(f"the vm task's '{key}' must be a literal value for `dockyard lab`",
                            span=task.span, hint="lab commands read it before anything runs")
    return value


def _provider_options(task: Task) -> dict[str, Any]:
    """The options that find the machines again; templated ones (a key path) are left out."""
    raw = task.args.get("provider_options") or task.args.get("options") or {}
    return {str(key): value for key, value in raw.items() if "{{" not in repr(value) and "{%" not in repr(value)}


def find_labs(playbook: Playbook) -> list[LabDecl]:
    """Every lab the playbook's vm tasks declare, merged by (provider, options, lab)."""
    found: dict[str, LabDecl] = {}
    for play in playbook.plays:
        for section in play.sections():
            for task in iter_tasks(section):
                if task.module not in _VM_NAMES and task.action not in _VM_NAMES:
                    continue
                name = str(_literal(task, "lab", "") or "")
                if not name:
                    raise PlaybookError("a lab's vm task needs a `lab:` name", span=task.span,
                                        hint="add e.g. `lab: demo`; the machines carry it in their metadata")
                options = _provider_options(task)
                machines = tuple(str(m.get("name")) for m in _literal(task, "machines", []) or [])
                single = task.args.get("name")
                machines += (str(single),) if single else ()
                decl = LabDecl(name=name, provider=str(_literal(task, "provider", "libvirt")), options=options,
                               user=str(_literal(task, "user", "debian")), machines=machines)
                key = repr((decl.provider, sorted(options.items()), name))
                previous = found.get(key)
                if previous is not None:
                    decl = LabDecl(name, decl.provider, options, previous.user, previous.machines + machines)
                found[key] = decl
    if not found:
        raise PlaybookError(f"{playbook.path} declares no machines: a lab file needs a `vm` task with `lab:`",
                            hint="see playbooks/swarm-lab.yml for an example")
    return list(found.values())


def lab_home(name: str) -> Path:
    """The lab's own directory (its key pair): $DOCKYARD_HOME/labs/NAME, default ~/.local/share/dockyard."""
    base = Path(os.environ.get("DOCKYARD_HOME") or Path.home() / ".local" / "share" / "dockyard")
    return base / "labs" / name


def lab_key(name: str) -> LabKey:
    """The lab's ed25519 key pair, made on first use (private key mode 0600)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    home = lab_home(name)
    private = home / "id_ed25519"
    public = home / "id_ed25519.pub"
    if not private.exists() or not public.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption())
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        text = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        public.write_text(f"{text.decode()} dockyard-lab-{name}\n")
    return LabKey(private, public.read_text().strip())


def lab_variables(name: str) -> dict[str, str]:
    key = lab_key(name)
    return {"dockyard_lab_name": name, "dockyard_lab_key": str(key.private),
            "dockyard_lab_public_key": key.public}


def remove_lab_home(name: str) -> None:
    shutil.rmtree(lab_home(name), ignore_errors=True)


def ssh_command(state: VmState, user: str, key: Path, command: list[str]) -> list[str]:
    """The OpenSSH command line that logs in to a lab machine (throwaway host keys not recorded)."""
    if state.address is None:
        raise PlaybookError(f"machine '{state.name}' has no address (is it running?)",
                            hint="dockyard lab status FILE shows every machine")
    return ["ssh", "-i", str(key), "-p", str(state.address.port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            f"{state.user or user}@{state.address.host}", *command]
