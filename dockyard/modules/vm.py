"""vm: declare virtual machines; dockyard makes the provider match (read / plan / apply).

One machine, or several that share settings (created in parallel)::

    - hosts: localhost
      gather_facts: false
      tasks:
        - vm:
            provider: libvirt             # libvirt | openstack
            provider_options: {uri: "qemu:///system", pool: dockyard, restrict: true}
            image: /var/lib/dockyard/images/debian-bookworm-<hash>.qcow2   # empty: newest built image
            cpus: 1
            memory: 1024                  # MiB
            disk: 8                       # GiB, grows only
            ssh_keys: ["{{ lookup('file', '~/.ssh/id_ed25519.pub') }}"]
            user: debian
            lab: swarm-lab
            machines:                     # or `name: node1` for one machine
              - {name: manager1, groups: [managers], vars: {swarm_labels: {zone: a}}}
              - {name: worker1, groups: [workers]}
              - {name: worker2, groups: [workers], memory: 2048}
            state: running                # running | stopped | absent

The plan (check mode) lists, per machine, create / start / stop / resize (with "restart
required") / re-seed / grow disk / delete. Machines that are running and reachable join the
run's inventory under their name with ``ansible_host``/``ansible_port``/``ansible_user``,
their ``groups`` and ``vars``, so the next play can target them. In check mode a machine that
does not exist yet has no address: it joins only after apply.

Result: ``vms`` (one summary per machine: name, status, cpus, memory_mib, disk_gib, address).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from dockyard.errors import DockyardError, ModuleError, ProviderError
from dockyard.modules.args import arg, validate
from dockyard.modules.base import ModuleContext, ResourceModule
from dockyard.modules.registry import register
from dockyard.modules.step import Action, Diff, Step
from dockyard.vm.base import Provider, open_provider, resolve_spec
from dockyard.vm.plan import VmChange, VmOp, plan_vm
from dockyard.vm.spec import SshAddress, VmSpec, VmState

__all__ = ["VmArgs", "VmModule", "specs_from_args"]

_ACTIONS = {VmOp.CREATE: Action.CREATE, VmOp.DELETE: Action.DELETE}


@dataclass(frozen=True)
class VmArgs:
    name: str | None = arg(None, doc="the machine's name (or give `machines`)")
    machines: list[dict[str, Any]] = arg([], doc="several machines: each a mapping with `name` and any "
                                               "argument below that differs from the common one")
    provider: str = arg("libvirt", choices=("libvirt", "openstack"), doc="where the machines live")
    provider_options: dict[str, Any] = arg({}, aliases=("options",),
                                           doc="provider settings: libvirt uri/pool/..., openstack cloud/flavor/...")
    state: str = arg("running", choices=("running", "stopped", "absent"), doc="what the machines should be")
    cpus: int = arg(1, doc="virtual CPUs")
    memory: int = arg(1024, doc="memory in MiB")
    disk: int = arg(8, doc="root disk in GiB (grows, never shrinks)")
    image: str = arg("", doc="base image: a local qcow2, an https URL (with image_checksum), or a cloud image name")
    image_checksum: str | None = arg(None, doc="'sha256:<hex>' of a downloaded image")
    networks: list[str] = arg([], doc="networks to attach (provider names); default: the provider's")
    ssh_keys: list[str] = arg([], aliases=("ssh_key",), doc="public keys authorized for `user`")
    user: str = arg("debian", doc="the login user made at first boot")
    hostname: str | None = arg(None, doc="the guest's hostname (default: the machine's name)")
    user_data: dict[str, Any] = arg({}, doc="extra cloud-init user-data merged into the seed")
    groups: list[str] = arg([], doc="inventory groups the machine joins")
    vars: dict[str, Any] = arg({}, doc="inventory host variables of the machine")
    lab: str = arg("", doc="the lab the machines belong to (kept in their metadata)")
    adopt: bool = arg(False, doc="manage a same-named machine that dockyard did not make")
    wait_for_ssh: bool = arg(True, doc="after apply, wait until sshd answers on each running machine")
    ssh_timeout: int = arg(900, doc="seconds to wait for SSH before failing (TCG boots are slow)")
    parallel: int = arg(5, doc="machines worked on at the same time")


_PER_MACHINE = ("name", "state", "cpus", "memory", "disk", "image", "image_checksum", "networks",
                "ssh_keys", "user", "hostname", "user_data", "groups", "vars", "provider_options")
_ALIASES = {"ssh_key": "ssh_keys", "options": "provider_options"}


def _spec(args: VmArgs, name: str) -> VmSpec:
    if not name:
        raise ModuleError("every machine needs a name")
    return VmSpec(
        name=name, provider=args.provider, state=args.state,  # type: ignore[arg-type]
        cpus=args.cpus, memory_mib=args.memory, disk_gib=args.disk, image=args.image,
        image_checksum=args.image_checksum, networks=tuple(args.networks),
        ssh_keys=tuple(key.strip() for key in args.ssh_keys), user=args.user,
        hostname=args.hostname or "", user_data=dict(args.user_data), groups=tuple(args.groups),
        host_vars=dict(args.vars), lab=args.lab, options=dict(args.provider_options))


def specs_from_args(args: VmArgs) -> list[VmSpec]:
    """One VmSpec per machine: the common arguments, overridden per entry of `machines`."""
    if args.name and args.machines:
        raise ModuleError("give either `name` (one machine) or `machines` (several), not both")
    if not args.machines:
        return [_spec(args, args.name or "")]
    common = {key: value for key, value in vars(args).items() if key not in ("name", "machines")}
    specs = []
    for raw in args.machines:
        entry = {_ALIASES.get(str(key), str(key)): value for key, value in raw.items()}
        unknown = sorted(set(entry) - set(_PER_MACHINE))
        if unknown:
            raise ModuleError(f"machine entry {entry.get('name', '?')!r}: unknown key(s) {', '.join(unknown)}",
                              hint=f"a machine entry takes: {', '.join(_PER_MACHINE)}")
        try:
            merged = validate(VmArgs, {**common, **entry}, module="vm")
        except DockyardError as error:
            raise ModuleError(f"machine {entry.get('name', '?')!r}: {error}", hint=error.hint) from None
        specs.append(_spec(merged, str(entry.get("name", ""))))
    names = [spec.name for spec in specs]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ModuleError(f"machine name(s) declared twice: {', '.join(duplicated)}")
    return specs


@dataclass(frozen=True)
class VmRead:
    """What the providers have now, by machine name (None: no such machine), and each
    declaration as its provider resolved it (see ``resolve_spec``)."""

    states: Mapping[str, VmState | None] = field(default_factory=dict)
    specs: Mapping[str, VmSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class VmOperation:
    spec: VmSpec
    change: VmChange


def _provider_key(spec: VmSpec) -> str:
    return json.dumps([spec.provider, spec.options], sort_keys=True, default=str)


class _Providers:
    """Providers opened for one read or apply, one per distinct (name, options); closed at the end."""

    def __init__(self) -> None:
        self._open: dict[str, Provider] = {}

    def __enter__(self) -> _Providers:
        return self

    def __exit__(self, *_exc: object) -> None:
        for provider in self._open.values():
            provider.close()

    def for_spec(self, spec: VmSpec) -> Provider:
        key = _provider_key(spec)
        if key not in self._open:
            self._open[key] = open_provider(spec.provider, spec.options)
        return self._open[key]


def _change_diff(change: VmChange) -> Diff | None:
    if not change.before and not change.after:
        return None
    before = json.dumps(dict(change.before), indent=2, sort_keys=True, default=str) + "\n" if change.before else ""
    after = json.dumps(dict(change.after), indent=2, sort_keys=True, default=str) + "\n" if change.after else ""
    return Diff(before, after, before_header=f"vm {change.name} (now)", after_header=f"vm {change.name} (declared)")


@register
class VmModule(ResourceModule[VmArgs, VmRead]):
    name = "vm"
    aliases = ("dockyard.vm",)
    Args = VmArgs

    def read(self, args: VmArgs, ctx: ModuleContext) -> VmRead:
        with _Providers() as providers:
            specs = [resolve_spec(providers.for_spec(spec), spec) for spec in specs_from_args(args)]
            return VmRead({spec.name: providers.for_spec(spec).read(spec) for spec in specs},
                          {spec.name: spec for spec in specs})

    def desired(self, args: VmArgs, ctx: ModuleContext) -> VmRead:
        return VmRead({spec.name: None for spec in specs_from_args(args)})

    def steps(self, current: VmRead, desired: VmRead, args: VmArgs) -> list[Step]:
        steps = []
        for declared in specs_from_args(args):
            spec = current.specs.get(declared.name, declared)
            for change in plan_vm(spec, current.states.get(spec.name), adopt=args.adopt):
                steps.append(Step(_ACTIONS.get(change.op, Action.UPDATE), change.summary, command="",
                                  diff=_change_diff(change), operation=VmOperation(spec, change)))
        return steps

    def result(self, args: VmArgs, current: VmRead, desired: VmRead, steps: Sequence[Step]) -> dict[str, Any]:
        """In check mode and for unchanged machines: what exists now, and the hosts it gives."""
        return _machines_result(specs_from_args(args), current.states)

    def apply(self, args: VmArgs, steps: Sequence[Step], ctx: ModuleContext) -> dict[str, Any]:
        specs = specs_from_args(args)
        by_machine: dict[str, list[VmChange]] = {spec.name: [] for spec in specs}
        resolved: dict[str, VmSpec] = {}
        for step in steps:
            operation = step.operation
            assert isinstance(operation, VmOperation)
            by_machine[operation.spec.name].append(operation.change)
            resolved[operation.spec.name] = operation.spec
        specs = [resolved.get(spec.name, spec) for spec in specs]
        with _Providers() as providers:
            for spec in specs:  # open every provider up front, in this thread
                providers.for_spec(spec)

            def converge(spec: VmSpec) -> VmState | None:
                provider = providers.for_spec(spec)
                for change in by_machine[spec.name]:
                    ctx.progress(f"{spec.name}: {change.summary}")
                    provider.apply(spec, change, ctx.progress)
                if spec.state == "running" and args.wait_for_ssh:
                    provider.wait_for_ssh(spec, float(args.ssh_timeout), ctx.progress)
                return provider.read(spec)

            with ThreadPoolExecutor(max_workers=max(1, min(args.parallel, len(specs)))) as pool:
                futures = {spec.name: pool.submit(converge, spec) for spec in specs}
                states: dict[str, VmState | None] = {}
                problems: list[str] = []
                for name, future in futures.items():
                    try:
                        states[name] = future.result()
                    except ProviderError as error:
                        problems.append(f"{name}: {error.message}" + (f" ({error.hint})" if error.hint else ""))
        if problems:
            raise ProviderError("; ".join(problems))
        return _machines_result(specs, states)


def _host_entry(spec: VmSpec, address: SshAddress) -> dict[str, Any]:
    host_vars = {**address.connection_vars(spec.user), **dict(spec.host_vars)}
    return {"host_name": spec.name, "groups": list(spec.groups), "host_vars": host_vars}


def _machines_result(specs: Sequence[VmSpec], states: Mapping[str, VmState | None]) -> dict[str, Any]:
    summaries = []
    hosts = []
    for spec in specs:
        state = states.get(spec.name)
        summaries.append(state.summary() if state is not None else {"name": spec.name, "status": "absent"})
        if state is not None and state.status == "running" and state.address is not None:
            hosts.append(_host_entry(spec, state.address))
    return {"vms": summaries, "add_host": hosts}
