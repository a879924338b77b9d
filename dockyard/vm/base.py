"""The provider contract: read, apply, address, list — the planning is shared (plan.py).

A provider is what turns :class:`~dockyard.vm.spec.VmSpec` declarations into machines::

    read(spec)              -> VmState | None   read-only: does it exist, owned by whom, how big
    apply(spec, change, progress)               make one planned VmChange happen (or raise ProviderError)
    wait_for_ssh(spec, timeout, progress) -> SshAddress
                                                 where sshd answers (forwarded port, lease, floating IP)
    owned(lab)              -> [VmState]        every dockyard-owned machine (dynamic inventory)
    close()                                     release the API connection

Optional: ``resolve(spec) -> VmSpec`` (read-only) says what a declaration means on this
provider before planning, e.g. OpenStack replaces cpus/memory/disk by those of the flavor the
declaration selects, so that a re-run compares flavor with flavor. Without it the
declaration is planned as written (:func:`resolve_spec`).

Providers are found by name (``libvirt``, ``openstack``) and imported only when used, so
``import dockyard`` never needs libvirt-python or openstacksdk.

Rules every provider keeps: never touch a machine whose metadata does not carry
:data:`~dockyard.vm.spec.OWNER` (``plan_vm`` refuses first); a failed create removes what it
made before re-raising; errors name the machine and carry a hint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from dockyard.errors import ProviderError
from dockyard.source import did_you_mean
from dockyard.vm.plan import VmChange
from dockyard.vm.spec import SshAddress, VmSpec, VmState

__all__ = ["PROVIDERS", "Progress", "Provider", "open_provider", "owned_machines", "resolve_spec"]

#: Receives one line of progress ("vm1: waiting for ssh (23 s)").
Progress = Callable[[str], None]

#: Provider name -> "module:factory"; the factory takes the provider options mapping.
PROVIDERS: dict[str, str] = {
    "libvirt": "dockyard.vm.libvirt:open_libvirt",
    "openstack": "dockyard.vm.openstack:open_openstack",
}


class Provider(Protocol):
    name: str

    def read(self, spec: VmSpec) -> VmState | None: ...

    def apply(self, spec: VmSpec, change: VmChange, progress: Progress) -> None: ...

    def wait_for_ssh(self, spec: VmSpec, timeout: float, progress: Progress) -> SshAddress: ...

    def owned(self, lab: str | None = None) -> list[VmState]: ...

    def close(self) -> None: ...


def resolve_spec(provider: Provider, spec: VmSpec) -> VmSpec:
    """The declaration as ``provider`` understands it (its optional ``resolve``), for planning."""
    resolve: Callable[[VmSpec], VmSpec] | None = getattr(provider, "resolve", None)
    return resolve(spec) if resolve is not None else spec


def open_provider(name: str, options: Mapping[str, Any]) -> Provider:
    """Open the provider called ``name`` with its connection options (uri, cloud, ...)."""
    target = PROVIDERS.get(name)
    if target is None:
        hint = did_you_mean(name, PROVIDERS) or f"known providers: {', '.join(sorted(PROVIDERS))}"
        raise ProviderError(f"unknown VM provider '{name}'", hint=hint)
    module_name, _, factory = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        extra = "libvirt" if name == "libvirt" else name
        raise ProviderError(f"the {name} provider is not available: {error}",
                            hint=f"pip install 'dockyard[{extra}]'") from None
    opened: Provider = getattr(module, factory)(options)
    return opened


def owned_machines(name: str, options: Mapping[str, Any], lab: str | None = None) -> list[VmState]:
    """Every dockyard-owned machine of provider ``name`` (of ``lab`` only, if given), by name."""
    provider = open_provider(name, options)
    try:
        return sorted(provider.owned(lab), key=lambda machine: machine.name)
    finally:
        provider.close()
