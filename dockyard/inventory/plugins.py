"""Inventory plugins: a YAML file whose top-level ``plugin:`` key names a generator.

As in Ansible, ``inventory/lab.libvirt.yml`` containing::

    plugin: libvirt
    uri: qemu:///system

is not a list of hosts but the configuration of a plugin that produces them (VMs of
a hypervisor, servers of a cloud). A plugin implements :class:`InventoryPlugin` and
is added with :func:`register_plugin`; it may answer to several names (for
instance ``libvirt`` and ``community.libvirt.libvirt``). An unknown name is an error
pointing at the ``plugin:`` line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from dockyard.errors import Diagnostics, InventoryError
from dockyard.inventory.model import Inventory
from dockyard.source import MarkedDict, Span, did_you_mean

__all__ = ["PLUGINS", "InventoryPlugin", "register_plugin", "run_plugin"]


class InventoryPlugin(Protocol):
    """Adds hosts and groups to an inventory from a plugin configuration file."""

    #: every name a ``plugin:`` key may use for this plugin
    names: tuple[str, ...]

    def populate(self, inventory: Inventory, config: Mapping[str, Any], path: Path,
                 diagnostics: Diagnostics) -> None:
        """Add hosts/groups/vars; report problems to ``diagnostics`` (with spans)."""
        ...


PLUGINS: dict[str, InventoryPlugin] = {}


def _builtin_plugins() -> None:
    """The VM providers' plugins (``libvirt``, ``openstack``); their libraries load only when used."""
    if "libvirt" not in PLUGINS:
        from dockyard.vm.inventory import register_vm_plugins

        register_vm_plugins(register_plugin)


def register_plugin(plugin: InventoryPlugin) -> None:
    """Make ``plugin`` answer to each of its names."""
    for name in plugin.names:
        PLUGINS[name] = plugin


def run_plugin(inventory: Inventory, config: Mapping[str, Any], path: Path,
               diagnostics: Diagnostics) -> None:
    """Dispatch a plugin configuration to the plugin its ``plugin:`` key names."""
    _builtin_plugins()
    name = config.get("plugin")
    span = config.value_span("plugin") if isinstance(config, MarkedDict) else None
    plugin = PLUGINS.get(str(name))
    if plugin is None:
        close = did_you_mean(str(name), PLUGINS)
        known = ", ".join(sorted(PLUGINS)) or "none yet"
        diagnostics.add(InventoryError(
            f"unknown inventory plugin {name!r}",
            span=span or Span(str(path), 1),
            hint=close or f"inventory plugins dockyard knows: {known}",
        ))
        return
    plugin.populate(inventory, config, path, diagnostics)
