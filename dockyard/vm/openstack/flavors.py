"""Which flavor a declaration means: by name (or id), or the smallest that fits. Pure.

"Fits" means at least the declared cpus, memory (MiB) and disk (GiB). Flavors with
``disk: 0`` (root disk as large as the image) fit only a declaration of ``disk: 0``, since
their real size is unknown until boot. Among the fitting flavors the smallest wins, by
memory, then cpus, then disk, then name, so the choice is stable from run to run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dockyard.errors import ProviderError
from dockyard.source import did_you_mean

__all__ = ["Flavor", "find_flavor", "select_flavor"]


@dataclass(frozen=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram: int
    disk: int

    def describe(self) -> str:
        return f"{self.name} ({self.vcpus} cpu{'s' if self.vcpus != 1 else ''}, {self.ram} MiB, {self.disk} GiB)"


def find_flavor(flavors: Iterable[Flavor], wanted: str) -> Flavor:
    """The flavor named (or with the id) ``wanted``."""
    flavors = list(flavors)
    for flavor in flavors:
        if wanted in (flavor.name, flavor.id):
            return flavor
    names = sorted(flavor.name for flavor in flavors)
    raise ProviderError(f"no flavor '{wanted}' in this cloud",
                        hint=did_you_mean(wanted, names) or f"flavors: {', '.join(names) or 'none'}")


def select_flavor(flavors: Iterable[Flavor], cpus: int, memory_mib: int, disk_gib: int) -> Flavor:
    """The smallest flavor with at least ``cpus``, ``memory_mib`` and ``disk_gib``."""
    flavors = list(flavors)
    fitting = [flavor for flavor in flavors
               if flavor.vcpus >= cpus and flavor.ram >= memory_mib
               and (flavor.disk >= disk_gib if flavor.disk else disk_gib == 0)]
    if not fitting:
        largest = ", ".join(flavor.describe() for flavor in sorted(flavors, key=_size)[-3:])
        raise ProviderError(
            f"no flavor has {cpus} cpus, {memory_mib} MiB and {disk_gib} GiB disk or more",
            hint=f"declare less, or name a flavor (provider_options: {{flavor: ...}}); largest: {largest or 'none'}")
    return min(fitting, key=_size)


def _size(flavor: Flavor) -> tuple[int, int, int, str]:
    return (flavor.ram, flavor.vcpus, flavor.disk, flavor.name)
