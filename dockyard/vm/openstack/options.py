"""The OpenStack provider's options (``provider_options:`` of a vm task, or an inventory source).

::

    provider_options:
      cloud: mycloud              # clouds.yaml entry; default: OS_CLOUD / OS_* variables
      region: RegionOne
      clouds_yaml: ./clouds.yaml  # a clouds.yaml outside the usual places
      flavor: m1.small            # default: the smallest flavor with the declared cpus/memory/disk
      image_file: ./bookworm.qcow2  # uploaded as `image` when the cloud has no such image
      image_format: qcow2         # disk format of image_file (default: from its suffix, else qcow2)
      floating_ip: true           # give each server a floating IP (its address then)
      floating_network: public    # where floating IPs come from (default: the only external network)
      security_groups: [default]  # existing groups to attach as well
      manage_security_group: true # dockyard-<lab>: SSH + Swarm + k3s ports (see firewall.py)
      ssh_from: 0.0.0.0/0         # who may reach port 22
      keypair: mykey              # an existing keypair instead of dockyard-<hash of the key>
      timeout: 600                # seconds a create / resize / stop / delete may take
      retry_for: 60               # seconds to retry 409 / 5xx / connection failures
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from dockyard.errors import ProviderError
from dockyard.source import did_you_mean
from dockyard.values import as_bool

__all__ = ["OpenStackOptions"]


@dataclass(frozen=True)
class OpenStackOptions:
    cloud: str | None = None
    region: str | None = None
    clouds_yaml: str | None = None
    flavor: str | None = None
    image_file: str | None = None
    image_format: str | None = None
    floating_ip: bool = False
    floating_network: str | None = None
    security_groups: tuple[str, ...] = ()
    manage_security_group: bool = True
    ssh_from: str = "0.0.0.0/0"
    keypair: str | None = None
    timeout: float = 600.0
    retry_for: float = 60.0

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> OpenStackOptions:
        known = {field.name for field in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            name = str(key)
            if name not in known:
                raise ProviderError(f"unknown openstack provider option '{name}'",
                                    hint=did_you_mean(name, known) or f"options: {', '.join(sorted(known))}")
            try:
                values[name] = _convert(name, value)
            except (TypeError, ValueError):
                raise ProviderError(f"openstack provider option '{name}': cannot use {value!r}",
                                    hint=f"see `dockyard modules vm`; {name} takes {_KIND.get(name, 'a string')}") from None
        return cls(**values)


_KIND = {"floating_ip": "true or false", "manage_security_group": "true or false",
         "timeout": "seconds", "retry_for": "seconds", "security_groups": "a list of names"}


def _convert(name: str, value: Any) -> Any:
    if name in ("floating_ip", "manage_security_group"):
        return as_bool(value)
    if name in ("timeout", "retry_for"):
        number = float(value)
        if number <= 0:
            raise ValueError(name)
        return number
    if name == "security_groups":
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise TypeError(name)
        return tuple(str(item) for item in value)
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise TypeError(name)
    return str(value)
