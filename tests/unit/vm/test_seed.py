"""The NoCloud seed: files as a pure function of the declaration, and a readable ISO."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import yaml

from dockyard.errors import ProviderError
from dockyard.vm.nic import nics_of
from dockyard.vm.seed import seed_files, seed_iso
from dockyard.vm.spec import VmSpec
from dockyard.vm.userdata import merge_user_data

SPEC = VmSpec(name="vm1", ssh_keys=("ssh-ed25519 BBBB b", "ssh-ed25519 AAAA a"), user="ops")


def user_data(spec: VmSpec) -> dict[str, object]:
    text = seed_files(spec)["user-data"].decode()
    assert text.startswith("#cloud-config\n")
    loaded: dict[str, object] = yaml.safe_load(text)
    return loaded


def test_user_keys_hostname_and_instance() -> None:
    data = user_data(SPEC)
    assert data["hostname"] == "vm1" and data["ssh_pwauth"] is False
    assert data["users"] == [{"name": "ops", "sudo": "ALL=(ALL) NOPASSWD:ALL", "shell": "/bin/bash",
                              "groups": ["sudo"], "lock_passwd": True,
                              "ssh_authorized_keys": ["ssh-ed25519 AAAA a", "ssh-ed25519 BBBB b"]}]
    meta = yaml.safe_load(seed_files(SPEC)["meta-data"])
    assert meta == {"instance-id": f"vm1-{SPEC.seed_hash()}", "local-hostname": "vm1"}


def test_equal_declarations_give_equal_files_and_a_changed_seed_a_new_instance() -> None:
    assert seed_files(SPEC) == seed_files(replace(SPEC, ssh_keys=tuple(reversed(SPEC.ssh_keys))))
    changed = seed_files(replace(SPEC, hostname="other"))
    assert changed["meta-data"] != seed_files(SPEC)["meta-data"]


def test_extra_user_data_is_merged() -> None:
    extra = {"runcmd": ["touch /x"], "users": [{"name": "second"}], "hostname": "h2"}
    data = user_data(replace(SPEC, user_data=extra))
    assert data["runcmd"] == ["touch /x"] and data["hostname"] == "h2"
    assert [user["name"] for user in data["users"]] == ["ops", "second"]  # type: ignore[index, union-attr]
    assert merge_user_data({"a": {"b": 1, "c": [1]}}, {"a": {"c": [1, 2], "d": 3}}) == {"a": {"b": 1, "c": [1, 2], "d": 3}}


def test_user_data_straight_from_a_playbook_is_written() -> None:
    from dockyard.source import load_yaml

    extra = load_yaml("write_files:\n  - {path: /etc/x, content: 'yes'}\n", "play.yml")
    data = user_data(replace(SPEC, user_data=extra))
    assert data["write_files"] == [{"path": "/etc/x", "content": "yes"}]


def test_network_config_matches_each_nic_by_mac() -> None:
    spec = replace(SPEC, networks=("user", "default"))
    config = yaml.safe_load(seed_files(spec)["network-config"])
    macs = [nic.mac for nic in nics_of("vm1", spec.networks)]
    assert config == {"version": 2, "ethernets": {
        "eth0": {"match": {"macaddress": macs[0]}, "set-name": "eth0", "dhcp4": True},
        "eth1": {"match": {"macaddress": macs[1]}, "set-name": "eth1", "dhcp4": True}}}
    assert len(set(macs)) == 2 and macs == [nic.mac for nic in nics_of("vm1", spec.networks)]


def test_bad_network_entries_are_refused() -> None:
    with pytest.raises(ProviderError, match="names nothing"):
        nics_of("vm1", ("bridge:",))
    with pytest.raises(ProviderError, match="listed twice"):
        nics_of("vm1", ("user", "user"))


def test_the_iso_is_a_cidata_volume_holding_the_files() -> None:
    pycdlib = pytest.importorskip("pycdlib")
    files = seed_files(SPEC)
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(seed_iso(files)))
    try:
        assert iso.pvd.volume_identifier.rstrip(b" ") == b"cidata"
        for name, data in files.items():
            out = io.BytesIO()
            iso.get_file_from_iso_fp(out, rr_path=f"/{name}")
            assert out.getvalue() == data
    finally:
        iso.close()
