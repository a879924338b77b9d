"""The cloud-init user-data of a declaration."""

from __future__ import annotations

import yaml

from dockyard.vm.spec import VmSpec
from dockyard.vm.userdata import render_user_data


def test_login_user_keys_hostname_and_merged_extras() -> None:
    spec = VmSpec(name="n1", user="ops", ssh_keys=(" ssh-ed25519 AAAA k ",), hostname="node-1",
                  user_data={"package_update": True, "users": [{"name": "extra"}]})
    text = render_user_data(spec)
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    assert config["hostname"] == "node-1" and config["package_update"] is True
    assert [user["name"] for user in config["users"]] == ["ops", "extra"]
    assert config["users"][0]["ssh_authorized_keys"] == ["ssh-ed25519 AAAA k"]
    assert render_user_data(spec) == text  # stable: equal declarations, equal seeds
