"""A libvirt storage pool holding dockyard's volumes: each machine's overlay and seed ISO.

Volume operations on one pool are serialised: libvirt refuses a pool refresh (and more) while
another volume is being built ("pool 'x' has asynchronous jobs running"), which is what
creating several machines in parallel runs into. Inside one process a lock per (URI, pool)
orders them; between processes the error is retried with a short back-off.

The pool is a ``dir`` pool that is created (defined, built, started, autostarted) when it is
missing. Base images stay outside it, in the image cache: the pool holds only what machines
own, so an empty pool means nothing of dockyard's is left.
"""

from __future__ import annotations

import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TypeVar

import libvirt

from dockyard.errors import ProviderError
from dockyard.vm.image import BaseImage

__all__ = ["Pool", "pool_lock"]

T = TypeVar("T")
BUSY = "asynchronous jobs running"
RETRIES = 40
UPLOAD_CHUNK = 1 << 20

_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def pool_lock(uri: str, pool: str) -> threading.Lock:
    """The one lock for volume operations on ``pool`` at ``uri`` in this process."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((uri, pool), threading.Lock())


def _volume_xml(name: str, capacity: int, fmt: str, backing: BaseImage | None = None) -> str:
    volume = ET.Element("volume")
    ET.SubElement(volume, "name").text = name
    ET.SubElement(volume, "capacity", unit="bytes").text = str(capacity)
    target = ET.SubElement(volume, "target")
    ET.SubElement(target, "format", type=fmt)
    if backing is not None:
        store = ET.SubElement(volume, "backingStore")
        ET.SubElement(store, "path").text = str(backing.path)
        ET.SubElement(store, "format", type=backing.format)
    return ET.tostring(volume, encoding="unicode")


def _pool_xml(name: str, path: str) -> str:
    pool = ET.Element("pool", type="dir")
    ET.SubElement(pool, "name").text = name
    target = ET.SubElement(pool, "target")
    ET.SubElement(target, "path").text = path
    return ET.tostring(pool, encoding="unicode")


class Pool:
    """One storage pool, opened (and made if missing) on a libvirt connection."""

    def __init__(self, conn: libvirt.virConnect, uri: str, name: str, path: str) -> None:
        self.conn = conn
        self.name = name
        self._lock = pool_lock(uri, name)
        with self._lock:
            self.pool = self._open_or_make(path)

    def _open_or_make(self, path: str) -> libvirt.virStoragePool:
        try:
            pool = self.conn.storagePoolLookupByName(self.name)
        except libvirt.libvirtError:
            try:
                os.makedirs(path, mode=0o711, exist_ok=True)
                pool = self.conn.storagePoolDefineXML(_pool_xml(self.name, path), 0)
                pool.build(0)
                pool.setAutostart(1)
            except libvirt.libvirtError as error:
                raise ProviderError(f"cannot make storage pool '{self.name}' at {path}: {error.get_error_message()}",
                                    hint="give provider_options.pool an existing pool, or pool_path a writable directory") from None
        try:
            if not pool.isActive():
                pool.create(0)
        except libvirt.libvirtError as error:
            raise ProviderError(f"cannot start storage pool '{self.name}': {error.get_error_message()}") from None
        return pool

    def _locked(self, what: str, action: Callable[[], T]) -> T:
        """Run ``action`` under the pool lock; retry while another process keeps the pool busy."""
        for attempt in range(RETRIES):
            with self._lock:
                try:
                    return action()
                except libvirt.libvirtError as error:
                    message = error.get_error_message() or str(error)
                    if BUSY not in message or attempt == RETRIES - 1:
                        raise ProviderError(f"pool '{self.name}': {what}: {message}") from None
            time.sleep(0.25 * (attempt + 1))
        raise AssertionError("unreachable")

    def _lookup(self, name: str) -> libvirt.virStorageVol | None:
        try:
            return self.pool.storageVolLookupByName(name)
        except libvirt.libvirtError:
            self.pool.refresh(0)
            try:
                return self.pool.storageVolLookupByName(name)
            except libvirt.libvirtError:
                return None

    def has(self, name: str) -> bool:
        return self._locked(f"look up {name}", lambda: self._lookup(name) is not None)

    def volume_names(self) -> list[str]:
        def names() -> list[str]:
            self.pool.refresh(0)
            return sorted(self.pool.listVolumes())
        return self._locked("list volumes", names)

    def create_overlay(self, name: str, base: BaseImage, capacity: int) -> str:
        """A qcow2 volume backed by ``base``; returns its path."""
        def create() -> str:
            if self._lookup(name) is not None:
                raise ProviderError(f"pool '{self.name}' already has a volume {name}",
                                    hint="a machine of that name was removed by hand? delete the volume: "
                                         f"virsh vol-delete {name} --pool {self.name}")
            volume = self.pool.createXML(_volume_xml(name, capacity, "qcow2", base), 0)
            return str(volume.path())
        return self._locked(f"create {name}", create)

    def upload(self, name: str, data: bytes) -> str:
        """A raw volume holding ``data`` (replacing one of that name); returns its path."""
        def write() -> str:
            old = self._lookup(name)
            if old is not None:
                old.delete(0)
            volume = self.pool.createXML(_volume_xml(name, len(data), "raw"), 0)
            stream = self.conn.newStream(0)
            volume.upload(stream, 0, len(data), 0)
            for offset in range(0, len(data), UPLOAD_CHUNK):
                chunk = data[offset:offset + UPLOAD_CHUNK]
                while chunk:
                    sent = stream.send(chunk)
                    chunk = chunk[sent:]
            stream.finish()
            return str(volume.path())
        return self._locked(f"upload {name}", write)

    def delete(self, name: str) -> bool:
        """Delete volume ``name`` if it exists; True when one was deleted."""
        def remove() -> bool:
            volume = self._lookup(name)
            if volume is None:
                return False
            volume.delete(0)
            return True
        return self._locked(f"delete {name}", remove)

    def delete_path(self, path: str) -> str | None:
        """Delete the volume at ``path`` if it is one of this pool's; its name, or None."""
        def remove() -> str | None:
            try:
                volume = self.conn.storageVolLookupByPath(path)
            except libvirt.libvirtError:
                return None
            if volume.storagePoolLookupByVolume().name() != self.name:
                return None
            name = str(volume.name())
            volume.delete(0)
            return name
        return self._locked(f"delete {path}", remove)

    def resize(self, name: str, capacity: int) -> None:
        def grow() -> None:
            volume = self._lookup(name)
            if volume is None:
                raise ProviderError(f"pool '{self.name}' has no volume {name}")
            volume.resize(capacity, 0)
        self._locked(f"resize {name}", grow)
