"""State one host's thread changes while other hosts' threads read it (a task runs on all
hosts at once): ``register``/``set_fact`` against ``hostvars``, and ``group_by``/``add_host``
against ``groups`` and the group order of variables.

These are races, so the tests make them likely (a tiny thread switch interval, many rounds)
rather than certain; each failed reliably here with its fix taken out, and none can fail
with the fix in."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from dockyard.inventory.load import load_inventory
from dockyard.playbook.variables import HostState, RunScope, layers


@pytest.fixture(autouse=True)
def switch_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _race(write: Callable[[int], None], read: Callable[[], None], rounds: int) -> list[BaseException]:
    """``write(i)`` for each round in one thread while another keeps calling ``read()``."""
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                read()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for index in range(rounds):
            write(index)
    finally:
        done.set()
        thread.join()
    return errors


def test_a_host_reading_another_hosts_variables_while_it_registers_never_sees_them_change() -> None:
    inventory = load_inventory(["web1,db1,"])
    states = {"web1": HostState(), "db1": HostState()}
    run = RunScope(inventory, states=states)
    seen: list[int] = []

    def read() -> None:  # what hostvars['db1'] builds: every layer of db1's variables
        merged: dict[str, object] = {}
        for layer in layers(run, "db1", with_hostvars=False):
            merged.update(layer.values)
        seen.append(len(merged))

    errors = _race(lambda index: states["db1"].register(f"out{index}", {"rc": 0}), read, 3000)
    assert not errors, f"{errors[0]!r} after {len(seen)} reads"
    assert seen == sorted(seen)  # a read never saw fewer variables than the one before


def test_groups_is_never_left_stale_by_group_by_while_other_hosts_read_it() -> None:
    # Many groups: building ``groups`` takes a while, so a reader is often in the middle of it.
    inventory = load_inventory(["h1,h2,"])
    for index in range(300):
        inventory.add_group(f"base{index}", hosts=["h2"])
    for trial in range(100):
        errors = _race(lambda _index, trial=trial: inventory.add_group(f"by_role_{trial}", hosts=["h1"]),
                       inventory.group_members, 1)
        assert not errors
        assert inventory.group_members().get(f"by_role_{trial}") == ["h1"], f"stale after trial {trial}"


def test_group_depths_never_read_zero_while_group_by_reorders_them() -> None:
    inventory = load_inventory(["h1,h2,"])
    inventory.add_group("zeta", hosts=["h1"])
    inventory.add_group("alpha", parents=["zeta"], hosts=["h1"])
    alpha = inventory.groups["alpha"]
    depths: set[int] = set()

    def read() -> None:
        depths.add(alpha.depth)

    errors = _race(lambda index: inventory.add_group(f"g{index}", hosts=["h2"]), read, 3000)
    assert not errors
    assert depths == {2}  # all > zeta > alpha, whatever group_by does meanwhile
