"""Flavor choice as data: a declared size (or name) and the cloud's flavors in, one flavor out."""

from __future__ import annotations

import pytest

from dockyard.errors import ProviderError
from dockyard.vm.openstack.flavors import Flavor, find_flavor, select_flavor

FLAVORS = [
    Flavor("1", "m1.tiny", 1, 512, 1),
    Flavor("2", "m1.small", 1, 2048, 20),
    Flavor("3", "m1.medium", 2, 4096, 40),
    Flavor("4", "m1.large", 4, 8192, 80),
    Flavor("5", "c1.medium", 4, 4096, 40),
    Flavor("6", "image-sized", 2, 4096, 0),
    Flavor("7", "b.medium", 2, 4096, 40),
]


@pytest.mark.parametrize(("cpus", "memory", "disk", "expected"), [
    (1, 512, 1, "m1.tiny"),          # exact fit
    (1, 1024, 8, "m1.small"),        # the next one up in memory and disk
    (2, 1024, 8, "b.medium"),        # cpus decide; equal sizes: by name
    (3, 4096, 40, "c1.medium"),      # less memory beats more memory
    (4, 4097, 40, "m1.large"),
    (2, 4096, 0, "image-sized"),     # disk 0: an image-sized root disk is the smallest
])
def test_the_smallest_fitting_flavor_is_chosen(cpus: int, memory: int, disk: int, expected: str) -> None:
    assert select_flavor(FLAVORS, cpus, memory, disk).name == expected


def test_nothing_fits_says_what_is_largest() -> None:
    with pytest.raises(ProviderError, match="no flavor has 8 cpus") as raised:
        select_flavor(FLAVORS, 8, 1024, 1)
    assert "m1.large (4 cpus, 8192 MiB, 80 GiB)" in str(raised.value.hint)


def test_a_flavor_by_name_or_id_and_a_typo() -> None:
    assert find_flavor(FLAVORS, "m1.medium").id == "3"
    assert find_flavor(FLAVORS, "4").name == "m1.large"
    with pytest.raises(ProviderError, match=r"no flavor 'm1\.meduim'") as raised:
        find_flavor(FLAVORS, "m1.meduim")
    assert raised.value.hint == "did you mean 'm1.medium'?"
