"""Provider options: typed, and a typo is named with a hint."""

from __future__ import annotations

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.openstack.options import OpenStackOptions


def test_options_are_converted() -> None:
    options = OpenStackOptions.parse({"cloud": "c1", "floating_ip": "yes", "timeout": "30",
                                      "security_groups": ["default"]})
    assert (options.cloud, options.floating_ip, options.timeout, options.security_groups) == (
        "c1", True, 30.0, ("default",))
    assert OpenStackOptions.parse({}).manage_security_group is True


def test_a_typo_and_a_bad_value_are_named() -> None:
    with pytest.raises(ProviderError, match="unknown openstack provider option 'floating_ips'") as raised:
        OpenStackOptions.parse({"floating_ips": True})
    assert raised.value.hint == "did you mean 'floating_ip'?"
    with pytest.raises(ProviderError, match="option 'timeout': cannot use 'soon'"):
        OpenStackOptions.parse({"timeout": "soon"})
    with pytest.raises(ProviderError, match="option 'security_groups'"):
        OpenStackOptions.parse({"security_groups": "default"})
