"""The OpenStack provider (``provider: openstack``), through openstacksdk.

openstacksdk (``pip install 'dockyard[openstack]'``) is imported only when a cloud is opened,
so importing this package never needs it. See docs/openstack.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dockyard.vm.openstack.provider import OpenStackProvider

__all__ = ["OpenStackProvider", "open_openstack"]


def open_openstack(options: Mapping[str, Any]) -> OpenStackProvider:
    """The provider for the cloud ``options`` select (cloud, region, clouds_yaml; see options.py)."""
    return OpenStackProvider(options)
