"""The libvirt provider: machines as libvirt domains (QEMU, TCG by default), over libvirt-python.

``open_libvirt(options)`` connects (options: :mod:`dockyard.vm.libvirt_options`). Each machine is

- a domain named like the machine, its XML made by :mod:`dockyard.vm.domain`, carrying
  dockyard's metadata (owner, lab, image, seed hash, user, ssh port, groups, vars, volumes);
- ``<name>.qcow2`` in the pool: a qcow2 overlay backed by the cached base image;
- ``<name>-seed.iso`` in the pool: the NoCloud seed (:mod:`dockyard.vm.seed`);
- ``<console_log_dir>/<name>-console.log``: its serial console, written by virtlogd.

``state: absent`` removes exactly these. A create that fails removes what it made before the
error is reported. Networking is user-mode (slirp) with sshd forwarded to a free port on
127.0.0.1 unless ``networks:`` names libvirt networks or bridges; then the address comes from
the network's DHCP lease or the guest agent. ``lan:NAME`` adds a NIC on a private LAN between
machines, switched by a process over 127.0.0.1 that lives as long as a machine is on it
(:mod:`dockyard.vm.lan`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import libvirt

from dockyard.errors import ProviderError
from dockyard.vm.base import Progress
from dockyard.vm.domain import (
    DomainConfig,
    DomainFacts,
    Metadata,
    domain_xml,
    metadata_xml,
    parse_domain,
    resized_xml,
)
from dockyard.vm.image import resolve_image
from dockyard.vm.lan import LanSeat, hub_pid, release_seats, start_hub, stop_unused_hub, take_seats
from dockyard.vm.libvirt_options import LibvirtOptions
from dockyard.vm.nic import Nic, nics_of
from dockyard.vm.plan import VmChange, VmOp, plan_vm
from dockyard.vm.pool import Pool
from dockyard.vm.readiness import SshWait, console_tail
from dockyard.vm.seed import seed_files, seed_iso
from dockyard.vm.spec import OWNER, SshAddress, VmSpec, VmState

__all__ = ["LibvirtProvider", "open_libvirt"]

GIB = 1 << 30
INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
_PORTS_GUARD = threading.Lock()
_PORTS_TAKEN: set[int] = set()


#: libvirt errors of a start that are worth another try: the host kernel was busy setting up
#: the domain's cgroup ("failed to load cgroup BPF prog: Resource temporarily unavailable",
#: seen when 5 domains started at once on a loaded host).
TRANSIENT = ("Resource temporarily unavailable",)
BOOT_ATTEMPTS = 4


def _boot(domain: libvirt.virDomain) -> None:
    """Start ``domain``, trying again after transient host errors."""
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        try:
            domain.create()
            return
        except libvirt.libvirtError as error:
            if attempt == BOOT_ATTEMPTS or not any(text in (error.get_error_message() or "") for text in TRANSIENT):
                raise
        time.sleep(attempt)


@contextlib.contextmanager
def _unless_gone() -> Iterator[None]:
    """Let a libvirt "no such domain" error end the block quietly: the domain read was undefined
    meanwhile by someone else. Any other libvirt error goes on."""
    try:
        yield
    except libvirt.libvirtError as error:
        if error.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
            raise


def _quiet(_context: object, _error: object) -> None:
    """libvirt prints every error to stderr by default; dockyard reports them itself."""


def open_libvirt(options: Mapping[str, Any]) -> LibvirtProvider:
    parsed = LibvirtOptions.from_mapping(options)
    libvirt.registerErrorHandler(_quiet, None)
    try:
        conn = libvirt.open(parsed.uri)
    except libvirt.libvirtError as error:
        raise ProviderError(f"cannot connect to libvirt at {parsed.uri}: {error.get_error_message()}",
                            hint="is libvirtd running? (no systemd: start 'virtlogd -d' and 'libvirtd -d' as root)") from None
    return LibvirtProvider(conn, parsed)


class LibvirtProvider:
    name = "libvirt"

    def __init__(self, conn: libvirt.virConnect, options: LibvirtOptions) -> None:
        self.conn = conn
        self.options = options
        self._pool: Pool | None = None
        self._pool_guard = threading.Lock()
        self._guard = threading.Lock()
        self._restart_pending: set[str] = set()

    # ------------------------------------------------------------------ reading
    @property
    def pool(self) -> Pool:
        with self._pool_guard:
            if self._pool is None:
                self._pool = Pool(self.conn, self.options.uri, self.options.pool, self.options.pool_path)
            return self._pool

    def _domain(self, name: str) -> libvirt.virDomain | None:
        try:
            return self.conn.lookupByName(name)
        except libvirt.libvirtError as error:
            if error.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise ProviderError(f"vm {name}: libvirt: {error.get_error_message()}") from None

    def _facts(self, domain: libvirt.virDomain) -> DomainFacts:
        return parse_domain(domain.XMLDesc(INACTIVE))

    def _state(self, domain: libvirt.virDomain) -> VmState:
        facts = self._facts(domain)
        meta = facts.metadata or Metadata()
        running = bool(domain.isActive())
        disk = self._capacity(facts.disk_path)
        drift = tuple(f"LAN {lan} has no switch running" for lan in sorted({seat.lan for seat in meta.lans})
                      if running and self.options.is_local and hub_pid(self._lan_dir, lan) is None)
        return VmState(
            name=facts.name, status="running" if running else "stopped", cpus=facts.cpus,
            memory_mib=facts.memory_mib, disk_gib=round(disk / GIB), owner=meta.owner, lab=meta.lab,
            image=meta.image, seed_hash=meta.seed_hash, user=meta.user, groups=meta.groups,
            host_vars=dict(meta.host_vars), address=self._address(domain, meta, running),
            provider_id=domain.UUIDString(), drift=drift,
            extra={"console_log": facts.console_log, "pool": meta.pool,
                   "lans": {seat.lan: seat.address.partition("/")[0] for seat in meta.lans}})

    @property
    def _lan_dir(self) -> Path:
        return Path(self.options.lan_dir)

    def _capacity(self, path: str) -> int:
        """The virtual size of the volume at ``path``; 0 when libvirt does not know it (reading
        never makes the pool, so the inventory of a pool-less host stays read-only)."""
        if not path:
            return 0
        try:
            info: Any = self.conn.storageVolLookupByPath(path).info()
        except libvirt.libvirtError:
            return 0
        return int(info[1])

    def _address(self, domain: libvirt.virDomain, meta: Metadata, running: bool) -> SshAddress | None:
        if meta.ssh_port is not None:
            return SshAddress("127.0.0.1", meta.ssh_port)
        if not running:
            return None
        for source in (libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT):
            try:
                interfaces: dict[str, Any] = domain.interfaceAddresses(source, 0)
            except libvirt.libvirtError:
                continue
            for interface in interfaces.values():
                for address in interface.get("addrs") or []:
                    if address.get("type") == libvirt.VIR_IP_ADDR_TYPE_IPV4 and not str(address["addr"]).startswith("127."):
                        return SshAddress(str(address["addr"]))
        return None

    def read(self, spec: VmSpec) -> VmState | None:
        domain = self._domain(spec.name)
        if domain is not None:
            with _unless_gone():  # undefined since the lookup: absent, as it now is
                return self._state(domain)
        return None

    def owned(self, lab: str | None = None) -> list[VmState]:
        states = []
        for domain, meta in self._defined():
            if meta.owner == OWNER and (lab is None or meta.lab == lab):
                with _unless_gone():
                    states.append(self._state(domain))
        return states

    def _defined(self) -> list[tuple[libvirt.virDomain, Metadata]]:
        """Every domain defined now that has dockyard metadata, with it. A domain undefined
        between the listing and the reading (another thread or dockyard process deleting a
        machine at that moment) is left out: it is not defined any more."""
        found = []
        for domain in self.conn.listAllDomains(0):
            with _unless_gone():
                meta = self._facts(domain).metadata
                if meta is not None:
                    found.append((domain, meta))
        return found

    def close(self) -> None:
        with contextlib.suppress(libvirt.libvirtError):
            self.conn.close()

    # ------------------------------------------------------------------ applying
    def apply(self, spec: VmSpec, change: VmChange, progress: Progress) -> None:
        actions: dict[VmOp, Callable[[VmSpec, Progress], None]] = {
            VmOp.CREATE: self._create, VmOp.DELETE: self._delete, VmOp.REPLACE: self._replace,
            VmOp.START: self._start, VmOp.STOP: self._stop, VmOp.RESIZE: self._resize,
            VmOp.GROW_DISK: self._grow_disk, VmOp.RESEED: self._reseed,
            VmOp.UPDATE_METADATA: self._update_metadata, VmOp.REPAIR: self._repair,
        }
        try:
            actions[change.op](spec, progress)
        except libvirt.libvirtError as error:
            raise ProviderError(f"vm {spec.name}: {change.op.value} failed: {error.get_error_message()}") from None

    def _existing(self, spec: VmSpec) -> libvirt.virDomain:
        domain = self._domain(spec.name)
        if domain is None:
            raise ProviderError(f"vm {spec.name} disappeared while dockyard worked on it")
        return domain

    def _metadata(self, spec: VmSpec, ssh_port: int | None, image: str, lans: tuple[LanSeat, ...]) -> Metadata:
        return Metadata(owner=OWNER, lab=spec.lab, image=image, seed_hash=spec.seed_hash(), user=spec.user,
                        ssh_port=ssh_port, groups=tuple(spec.groups), host_vars=dict(spec.host_vars),
                        disk=f"{spec.name}.qcow2", seed=f"{spec.name}-seed.iso", pool=self.options.pool,
                        lans=lans)

    def _create(self, spec: VmSpec, progress: Progress) -> None:
        base = resolve_image(spec.image, spec.image_checksum,
                             Path(self.options.image_cache) if self.options.image_cache else None, log=progress)
        if base.virtual_bytes > spec.disk_gib * GIB:
            raise ProviderError(f"vm {spec.name}: disk {spec.disk_gib} GiB is smaller than its image "
                                f"({base.virtual_bytes / GIB:.1f} GiB)", hint="declare a larger disk")
        nics = tuple(nics_of(spec.name, spec.networks))
        port = self._free_port(spec) if any(nic.kind == "user" for nic in nics) else None
        try:
            seats = self._take_seats(spec, nics)
        except ProviderError:
            self._release(port, ())
            raise
        meta = self._metadata(spec, port, spec.image or str(base.path), seats)
        made: list[str] = []
        try:
            disk = self.pool.create_overlay(meta.disk, base, spec.disk_gib * GIB)
            made.append(meta.disk)
            seed = self.pool.upload(meta.seed, seed_iso(seed_files(spec, seats)))
            made.append(meta.seed)
            config = DomainConfig(
                name=spec.name, cpus=spec.cpus, memory_mib=spec.memory_mib, disk_path=disk, seed_path=seed,
                nics=nics, metadata=meta, kvm=self.options.kvm, restrict=self.options.restrict,
                tb_cache_mib=self.options.tb_cache_mib, console_log=self._console_log(spec.name))
            domain = self.conn.defineXML(domain_xml(config))
            made.append("domain")
            if spec.state == "running":
                self._power_on(domain, meta)
                progress(f"{spec.name}: started ({'127.0.0.1:' + str(port) if port else 'libvirt network'})")
        except (libvirt.libvirtError, ProviderError) as error:
            self._release(port, seats)  # before the roll-back, which stops a switch no machine is on
            self._roll_back(spec.name, made, seats)
            message = error.get_error_message() if isinstance(error, libvirt.libvirtError) else error.message
            raise ProviderError(f"vm {spec.name}: create failed, removed what it made: {message}",
                                hint=getattr(error, "hint", None)) from None
        finally:
            self._release(port, seats)

    def _release(self, port: int | None, seats: tuple[LanSeat, ...]) -> None:
        """Forget the ports and LAN places a create held while its domain was not defined yet."""
        with _PORTS_GUARD:
            _PORTS_TAKEN.discard(port or 0)
        release_seats(self._lan_dir, seats)

    def _seats_defined(self) -> list[LanSeat]:
        return [seat for _, meta in self._defined() for seat in meta.lans]

    def _take_seats(self, spec: VmSpec, nics: tuple[Nic, ...]) -> tuple[LanSeat, ...]:
        """A place on each ``lan:`` the machine names: the next free address, a UDP port of its
        own, and the LAN's switch port (the one its machines already use, else a new one)."""
        wanted = [nic for nic in nics if nic.kind == "lan"]
        if not wanted:
            return ()
        if not self.options.is_local:
            raise ProviderError(f"vm {spec.name}: lan: networks need libvirt on this host ({self.options.uri})",
                                hint="the LAN's switch runs beside QEMU on 127.0.0.1; use a libvirt network instead")
        # Under a lock on lan_dir, against the machines defined and the creates under way in any
        # thread or dockyard process (held until this create is done: _release).
        return take_seats(self._lan_dir, self.options.lan_cidr, [(nic.source, nic.index) for nic in wanted],
                          self._seats_defined)

    def _hubs_up(self, seats: tuple[LanSeat, ...]) -> list[str]:
        """Start the switch of every LAN in ``seats`` that has none, knowing all its machines' ports;
        the LANs whose switch this started."""
        if not seats:
            return []
        known = self._seats_defined()
        started = []
        for lan in sorted({seat.lan for seat in seats}):
            members = [seat for seat in known + list(seats) if seat.lan == lan]
            if start_hub(self._lan_dir, lan, members[0].hub_port, [seat.port for seat in members]) is not None:
                started.append(lan)
        return started

    def _hubs_down(self, seats: tuple[LanSeat, ...]) -> None:
        """Stop the switch of every LAN in ``seats`` that no machine is on any more."""
        if not seats:
            return
        for lan in sorted({seat.lan for seat in seats}):
            stop_unused_hub(self._lan_dir, lan, self._seats_defined)

    def _power_on(self, domain: libvirt.virDomain, meta: Metadata | None = None) -> None:
        """Start ``domain`` once the switches of its LANs run."""
        self._hubs_up((meta or self._facts(domain).metadata or Metadata()).lans)
        _boot(domain)

    def _repair(self, spec: VmSpec, progress: Progress) -> None:
        meta = self._facts(self._existing(spec)).metadata or Metadata()
        started = self._hubs_up(meta.lans)
        lans = ", ".join(sorted({seat.lan for seat in meta.lans}))
        progress(f"{spec.name}: LAN switch started ({lans})" if started else f"{spec.name}: LAN switch running ({lans})")

    def _roll_back(self, name: str, made: list[str], seats: tuple[LanSeat, ...]) -> None:
        if "domain" in made:
            domain = self._domain(name)
            if domain is not None:
                if domain.isActive():
                    domain.destroy()
                domain.undefine()
        for volume in made:
            if volume != "domain":
                self.pool.delete(volume)
        self._remove_logs(name, self._console_log(name))
        self._hubs_down(seats)

    def _remove_logs(self, name: str, console_log: str) -> None:
        """The serial console log and libvirt's own log of the domain, when they are on this host."""
        if self.options.is_local:
            if console_log:
                Path(console_log).unlink(missing_ok=True)
            (Path(self.options.console_log_dir) / f"{name}.log").unlink(missing_ok=True)

    def _console_log(self, name: str) -> str:
        return str(Path(self.options.console_log_dir) / f"{name}-console.log")

    def _free_port(self, spec: VmSpec) -> int:
        """A port on 127.0.0.1 that is free now and that no other machine has in its metadata."""
        if self.options.ssh_port is not None:
            return self.options.ssh_port
        with _PORTS_GUARD:
            recorded = {meta.ssh_port for _, meta in self._defined() if meta.ssh_port}
            low, high = self.options.ssh_ports
            for port in range(low, high + 1):
                if port in recorded or port in _PORTS_TAKEN:
                    continue
                with socket.socket() as probe:
                    try:
                        probe.bind(("127.0.0.1", port))
                    except OSError:
                        continue
                _PORTS_TAKEN.add(port)
                return port
        raise ProviderError(f"vm {spec.name}: no free port in {low}-{high} for ssh",
                            hint="set provider_options.ssh_ports to a wider range")

    def _delete(self, spec: VmSpec, progress: Progress) -> None:
        domain = self._existing(spec)
        facts = self._facts(domain)
        lans = (facts.metadata or Metadata()).lans
        if domain.isActive():
            domain.destroy()
        domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        deleted = [name for path in (facts.disk_path, facts.seed_path) if path
                   and (name := self.pool.delete_path(path)) is not None]
        self._remove_logs(spec.name, facts.console_log)
        self._hubs_down(lans)
        progress(f"{spec.name}: deleted (domain, {', '.join(deleted) or 'no volumes'})")

    def _replace(self, spec: VmSpec, progress: Progress) -> None:
        self._delete(spec, progress)
        self._create(spec, progress)

    def _start(self, spec: VmSpec, progress: Progress) -> None:
        domain = self._existing(spec)
        if not domain.isActive():
            self._power_on(domain)

    def _stop(self, spec: VmSpec, progress: Progress) -> None:
        """ACPI power-off, forced off after ``shutdown_timeout`` seconds."""
        domain = self._existing(spec)
        if not domain.isActive():
            return
        with contextlib.suppress(libvirt.libvirtError):  # not accepting ACPI yet: forced off below
            domain.shutdown()
        deadline = time.monotonic() + self.options.shutdown_timeout
        while domain.isActive() and time.monotonic() < deadline:
            time.sleep(1)
        if domain.isActive():
            progress(f"{spec.name}: no power-off after {self.options.shutdown_timeout:.0f} s, forcing it off")
            domain.destroy()

    def _with_restart(self, spec: VmSpec, progress: Progress, change: Callable[[libvirt.virDomain], None]) -> None:
        """Apply ``change`` to the stopped machine; start it again once no other change needs it stopped,
        so a resize and a re-seed in one run cost one restart."""
        domain = self._existing(spec)
        if domain.isActive():
            progress(f"{spec.name}: shutting down to apply the change")
            self._stop(spec, progress)
            with self._guard:
                self._restart_pending.add(spec.name)
        change(domain)
        with self._guard:
            pending = spec.name in self._restart_pending
        if pending and not self._needs_stopped(spec):
            self._power_on(self._existing(spec))
            with self._guard:
                self._restart_pending.discard(spec.name)
            progress(f"{spec.name}: started again")

    def _needs_stopped(self, spec: VmSpec) -> bool:
        """Whether a re-seed or resize is still to come for ``spec``."""
        remaining = plan_vm(spec, self.read(spec), adopt=True)
        return any(change.op in (VmOp.RESEED, VmOp.RESIZE) for change in remaining)

    def _resize(self, spec: VmSpec, progress: Progress) -> None:
        self._with_restart(spec, progress, lambda domain: self.conn.defineXML(
            resized_xml(domain.XMLDesc(INACTIVE), spec.cpus, spec.memory_mib)))

    def _grow_disk(self, spec: VmSpec, progress: Progress) -> None:
        domain = self._existing(spec)
        if domain.isActive():
            domain.blockResize("vda", spec.disk_gib * GIB, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
        else:
            meta = self._facts(domain).metadata or Metadata()
            self.pool.resize(meta.disk or f"{spec.name}.qcow2", spec.disk_gib * GIB)

    def _reseed(self, spec: VmSpec, progress: Progress) -> None:
        declared = sorted((nic.index, nic.source) for nic in nics_of(spec.name, spec.networks) if nic.kind == "lan")
        recorded = (self._facts(self._existing(spec)).metadata or Metadata()).lans
        if declared != sorted((seat.index, seat.lan) for seat in recorded):
            raise ProviderError(f"vm {spec.name}: its lan: networks changed; NICs are not changed in place",
                                hint="delete the machine (state: absent) and create it again")

        def write_seed(domain: libvirt.virDomain) -> None:
            meta = self._facts(domain).metadata or Metadata()
            self.pool.upload(meta.seed or f"{spec.name}-seed.iso", seed_iso(seed_files(spec, meta.lans)))
            self._set_metadata(domain, replace(meta, owner=OWNER, seed_hash=spec.seed_hash(), user=spec.user))
        self._with_restart(spec, progress, write_seed)

    def _update_metadata(self, spec: VmSpec, progress: Progress) -> None:
        domain = self._existing(spec)
        meta = self._facts(domain).metadata or Metadata()
        self._set_metadata(domain, replace(meta, groups=tuple(spec.groups), host_vars=dict(spec.host_vars)))

    def _set_metadata(self, domain: libvirt.virDomain, meta: Metadata) -> None:
        from dockyard.vm.domain import NAMESPACE

        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | (libvirt.VIR_DOMAIN_AFFECT_LIVE if domain.isActive() else 0)
        domain.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, metadata_xml(meta), "dockyard", NAMESPACE, flags)

    # ------------------------------------------------------------------ ssh
    def wait_for_ssh(self, spec: VmSpec, timeout: float, progress: Progress) -> SshAddress:
        deadline = time.monotonic() + timeout
        state = self.read(spec)
        while state is not None and state.address is None and state.status == "running" and time.monotonic() < deadline:
            time.sleep(2)  # a libvirt network's lease or the guest agent answers only after boot
            state = self.read(spec)
        if state is None or state.address is None:
            raise ProviderError(f"vm {spec.name}: no address found (status: {state.status if state else 'absent'})",
                                hint="user-mode networking forwards ssh to 127.0.0.1; libvirt networks need "
                                     "a DHCP lease or qemu-guest-agent in the guest")
        console = str(state.extra.get("console_log", ""))
        wait = SshWait(spec.name, state.address, spec.user, key_file=self.options.ssh_private_key,
                       is_running=lambda: self._is_running(spec.name),
                       console=lambda: console_tail(console) if self.options.is_local else "")
        wait.run(max(1.0, deadline - time.monotonic()), progress)
        return state.address

    def _is_running(self, name: str) -> bool:
        domain = self._domain(name)
        return domain is not None and bool(domain.isActive())
