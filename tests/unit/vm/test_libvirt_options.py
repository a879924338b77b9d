"""The libvirt provider's options: defaults by URI, conversions, and errors that say what is wrong."""

from __future__ import annotations

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.libvirt_options import LibvirtOptions


def test_system_and_session_defaults() -> None:
    system = LibvirtOptions.from_mapping({})
    assert (system.uri, system.pool, system.pool_path) == ("qemu:///system", "dockyard", "/var/lib/dockyard/pool")
    assert system.console_log_dir == "/var/log/libvirt/qemu" and not system.kvm and system.is_local
    session = LibvirtOptions.from_mapping({"uri": "qemu:///session"})
    assert session.pool_path.endswith(".local/share/dockyard/pool")
    assert not LibvirtOptions.from_mapping({"uri": "qemu+ssh://root@hv1/system"}).is_local


def test_values_are_converted() -> None:
    options = LibvirtOptions.from_mapping({"kvm": "yes", "restrict": True, "ssh_port": "2222",
                                           "ssh_ports": [3000, 3010], "tb_cache_mib": "128"})
    assert (options.kvm, options.restrict, options.ssh_port, options.ssh_ports, options.tb_cache_mib) == (
        True, True, 2222, (3000, 3010), 128)


def test_unknown_and_bad_options_are_named() -> None:
    with pytest.raises(ProviderError, match="unknown libvirt option") as raised:
        LibvirtOptions.from_mapping({"pol": "x"})
    assert raised.value.hint == "did you mean 'pool'?"
    with pytest.raises(ProviderError, match="bad libvirt option value"):
        LibvirtOptions.from_mapping({"ssh_port": "twenty"})
