"""``dockyard lab up | status | ssh | down``: a throwaway cluster from one lab file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from dockyard.cli.output import ConsoleOutput, JsonLinesOutput

__all__ = ["register"]

EPILOG = """\
A lab file is a playbook: a `vm` task on localhost makes the machines (with a literal
`lab:` name), the plays after it install the container runtime and form the cluster.
The lab gets its own SSH key pair ($DOCKYARD_HOME/labs/NAME, default
~/.local/share/dockyard/labs/NAME), passed to the playbook as dockyard_lab_key and
dockyard_lab_public_key (give the vm task `ssh_keys: ["{{ dockyard_lab_public_key }}"]`
and `provider_options: {ssh_private_key: "{{ dockyard_lab_key }}"}`); plays log in with it.
The machines carry the lab's name in their metadata, so status, ssh and down find them
again without any state file.

examples:
  dockyard lab up playbooks/swarm-lab.yml           create the VMs, form the swarm (re-run: no change)
  dockyard lab up playbooks/swarm-lab.yml --check   what would be created, nothing touched
  dockyard lab status playbooks/swarm-lab.yml       machines, addresses, swarm nodes and services
  dockyard lab ssh playbooks/swarm-lab.yml manager1 -- docker node ls
  dockyard lab down playbooks/swarm-lab.yml         remove every machine of the lab, its disks and seeds

exit codes: 0 ok, 1 load or provider error, 2 a host failed, 4 a host was unreachable.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lab", help="bring a lab of VMs (and its cluster) up, inspect it, take it down",
        description="Create, inspect and remove a lab: VMs declared in a playbook, turned into a cluster.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="create the machines and run the lab playbook")
    up.add_argument("file", type=Path, metavar="LAB_FILE")
    up.add_argument("-C", "--check", action="store_true", help="change nothing; report what would change")
    up.add_argument("-D", "--diff", action="store_true", help="show differences")
    up.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                    help="key=value, JSON/YAML text, or @file.yml")
    up.add_argument("--output", choices=("console", "json"), default="console")
    up.add_argument("-v", "--verbose", action="count", default=0)
    up.set_defaults(func=_up)
    status = actions.add_parser("status", help="machines, addresses, swarm nodes and services of the lab")
    status.add_argument("file", type=Path, metavar="LAB_FILE")
    status.set_defaults(func=_status)
    ssh = actions.add_parser("ssh", help="log in to a machine of the lab (or run a command there)")
    ssh.add_argument("file", type=Path, metavar="LAB_FILE")
    ssh.add_argument("machine")
    ssh.add_argument("command", nargs=argparse.REMAINDER, help="command to run instead of a shell (after --)")
    ssh.set_defaults(func=_ssh)
    down = actions.add_parser("down", help="remove every machine of the lab with its disks and seeds")
    down.add_argument("file", type=Path, metavar="LAB_FILE")
    down.add_argument("-C", "--check", action="store_true", help="only list what would be removed")
    down.set_defaults(func=_down)


def _labs(path: Path) -> tuple[Any, list[Any]]:
    from dockyard.lab import find_labs
    from dockyard.playbook.load import load_playbook

    playbook = load_playbook(path)
    return playbook, find_labs(playbook)


def _machines(lab: Any) -> list[Any]:
    from dockyard.vm.base import owned_machines

    return owned_machines(lab.provider, lab.options, lab.name)


def _up(args: argparse.Namespace) -> int:
    from dockyard.connection.spec import ConnectionOptions
    from dockyard.engine.run import Runner, RunOptions
    from dockyard.inventory.load import load_inventory
    from dockyard.lab import lab_key, lab_variables
    from dockyard.playbook.variables import load_extra_vars

    playbook, labs = _labs(args.file)
    extra: dict[str, Any] = {}
    for lab in labs:
        extra.update(lab_variables(lab.name))
    extra.update(load_extra_vars(args.extra_vars))
    sink = JsonLinesOutput() if args.output == "json" else ConsoleOutput(verbosity=args.verbose, diff=args.diff)
    # Lab machines are new on every `up`: their host keys are not worth recording. Plays log in
    # with the (first) lab's key.
    connection = ConnectionOptions(host_key_checking="off", private_key=str(lab_key(labs[0].name).private))
    options = RunOptions(check=args.check, diff=args.diff, extra_vars=extra, verbosity=args.verbose,
                         connection=connection)
    code = Runner(playbook, load_inventory([]), options, sink).run()
    if args.output == "console" and not args.check:
        for lab in labs:
            _print_machines(lab, args.file, _machines(lab))
    return code


def _print_machines(lab: Any, path: Path, machines: list[Any]) -> None:
    print(f"\nlab {lab.name}: {len(machines)} machine(s)")
    for machine in machines:
        where = f"{machine.address}" if machine.address else "-"
        groups = ",".join(machine.groups) or "-"
        lans = "".join(f"  lan {name} {address}" for name, address in sorted(machine.extra.get("lans", {}).items()))
        print(f"  {machine.name:<16} {machine.status:<8} {machine.cpus} cpu {machine.memory_mib:>5} MiB"
              f"  ssh {where:<18} groups {groups}{lans}")
    if machines:
        print(f"log in: dockyard lab ssh {path} {machines[0].name}")


def _status(args: argparse.Namespace) -> int:
    import subprocess

    from dockyard.lab import lab_key, ssh_command

    _, labs = _labs(args.file)
    for lab in labs:
        machines = _machines(lab)  # one listing serves the table and the manager
        _print_machines(lab, args.file, machines)
        managers = [m for m in machines if m.status == "running" and m.address is not None
                    and any("manager" in group for group in m.groups)]
        if managers:
            for what, words in (("nodes", ["node", "ls"]), ("services", ["service", "ls"])):
                command = ssh_command(managers[0], lab.user, lab_key(lab.name).private, ["sudo", "docker", *words])
                print(f"\nswarm {what} (from {managers[0].name}):", flush=True)
                subprocess.run(command, check=False, timeout=60)
    return 0


def _ssh(args: argparse.Namespace) -> int:
    from dockyard.errors import PlaybookError
    from dockyard.lab import lab_key, ssh_command

    _, labs = _labs(args.file)
    command = [part for part in args.command if part != "--"] if args.command[:1] == ["--"] else args.command
    for lab in labs:
        for machine in _machines(lab):
            if machine.name == args.machine:
                argv = ssh_command(machine, lab.user, lab_key(lab.name).private, command)
                sys.stdout.flush()
                os.execvp(argv[0], argv)
    known = ", ".join(m.name for lab in labs for m in _machines(lab)) or "none (is the lab up?)"
    raise PlaybookError(f"no machine '{args.machine}' in this lab", hint=f"machines: {known}")


def _down(args: argparse.Namespace) -> int:
    from dockyard.lab import remove_lab_home
    from dockyard.vm.base import open_provider
    from dockyard.vm.plan import VmChange, VmOp
    from dockyard.vm.spec import VmSpec

    _, labs = _labs(args.file)
    for lab in labs:
        provider = open_provider(lab.provider, lab.options)
        try:
            machines = sorted(provider.owned(lab.name), key=lambda machine: machine.name)
            verb = "would delete" if args.check else "deleting"
            for machine in machines:
                print(f"{verb} vm {machine.name} (lab {lab.name}) with its disk and seed")
                if not args.check:
                    spec = VmSpec(name=machine.name, provider=lab.provider, state="absent", lab=lab.name,
                                  options=lab.options)
                    provider.apply(spec, VmChange(VmOp.DELETE, machine.name, f"delete vm {machine.name}"),
                                   lambda line: print(f"  ... {line}"))
            if not machines:
                print(f"lab {lab.name}: nothing to remove")
        finally:
            provider.close()
        if not args.check:
            remove_lab_home(lab.name)
    return 0
