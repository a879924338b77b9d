"""Variable precedence, one boundary at a time, plus magic variables, hostvars and origins.

The layout mirrors a real project: an inventory directory with group_vars/host_vars, a
playbook directory with its own, a role, vars files. Variable ``vK`` is written by
every layer up to K, so it must come out with layer K's name (the order was checked
against ansible-playbook 2.19 with the same layout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.inventory import load_inventory
from dockyard.inventory.model import Origin
from dockyard.playbook.template import OMIT, Templar
from dockyard.playbook.unknown import Unknown, Unsafe
from dockyard.playbook.variables import (
    HostState,
    PlayScope,
    Rank,
    RoleScope,
    RunScope,
    TaskScope,
    build_task_vars,
    layers,
    magic_vars,
    origins,
)
from dockyard.source import Span, load_yaml

LAYERS = [rank.name.lower() for rank in Rank if rank is not Rank.MAGIC]
TOP = len(LAYERS)


def upto(rank: Rank) -> dict[str, str]:
    """The values a layer writes: vK for every K from its rank on."""
    return {f"v{k}": rank.name.lower() for k in range(int(rank), TOP + 1)}


def yaml_of(values: dict[str, Any]) -> str:
    return "".join(f"{key}: {value}\n" for key, value in values.items())


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> tuple[RunScope, PlayScope, TaskScope]:
    inv, pb = tmp_path / "inventory", tmp_path / "playbooks"
    host_line = " ".join(f"{k}={v}" for k, v in upto(Rank.INVENTORY_HOST).items())
    lines = ["[web]", f"web1 {host_line}", "web2", "[db]", "db1 port=5432", "[all:vars]"]
    lines += [f"{k}={v}" for k, v in upto(Rank.INVENTORY_ALL).items()]
    lines += ["[web:vars]"] + [f"{k}={v}" for k, v in upto(Rank.INVENTORY_GROUPS).items()]
    write(inv / "hosts.ini", "\n".join(lines) + "\n")
    write(inv / "group_vars" / "all.yml", yaml_of(upto(Rank.GROUP_VARS_ALL)))
    write(pb / "group_vars" / "all.yml", yaml_of(upto(Rank.PLAYBOOK_GROUP_VARS_ALL)))
    write(inv / "group_vars" / "web.yml", yaml_of(upto(Rank.GROUP_VARS)))
    write(pb / "group_vars" / "web.yml", yaml_of(upto(Rank.PLAYBOOK_GROUP_VARS)))
    write(inv / "host_vars" / "web1.yml", yaml_of(upto(Rank.HOST_VARS)))
    write(pb / "host_vars" / "web1.yml", yaml_of(upto(Rank.PLAYBOOK_HOST_VARS)))
    write(pb / "vars" / "common.yml", yaml_of(upto(Rank.PLAY_VARS_FILES)))
    inventory = load_inventory([str(inv / "hosts.ini")])
    states = {name: HostState() for name in inventory.hosts}
    states["web1"].add_facts(upto(Rank.FACTS))
    states["web1"].include_vars(upto(Rank.INCLUDE_VARS))
    states["web1"].set_facts(upto(Rank.SET_FACT))
    run = RunScope(inventory, states=states, extra_vars=upto(Rank.EXTRA_VARS), playbook_dir=str(pb))
    role = RoleScope("nginx", str(pb / "roles" / "nginx"), defaults=upto(Rank.ROLE_DEFAULTS),
                     vars=upto(Rank.ROLE_VARS), params=upto(Rank.ROLE_PARAMS))
    play = PlayScope(name="web", hosts=("web1", "web2"), vars=upto(Rank.PLAY_VARS),
                     vars_files=("vars/common.yml",), base_dir=str(pb))
    task = TaskScope(name="t", vars=upto(Rank.TASK_VARS), block_vars=(upto(Rank.BLOCK_VARS),),
                     role=role, include_params=upto(Rank.INCLUDE_PARAMS))
    return run, play, task


@pytest.mark.parametrize("rank", [rank for rank in Rank if rank is not Rank.MAGIC], ids=LAYERS)
def test_each_layer_beats_the_one_below(project: tuple[RunScope, PlayScope, TaskScope], rank: Rank) -> None:
    run, play, task = project
    variables = build_task_vars(run, "web1", play, task)
    assert variables[f"v{int(rank)}"] == rank.name.lower()


def test_origins_list_every_layer_in_order(project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, play, task = project
    explained = origins(run, "web1", play, task)[f"v{TOP}"]
    assert explained.value == "extra_vars"
    assert [hidden.rank for hidden in explained.hidden] == list(range(1, TOP))
    ranks = {source.rank: str(source.origin) for source in explained.hidden}
    line = {rank: TOP - int(rank) + 1 for rank in Rank}  # vTOP is the last line of each file
    assert ranks[Rank.HOST_VARS].endswith(f"inventory/host_vars/web1.yml:{line[Rank.HOST_VARS]}")
    assert ranks[Rank.PLAYBOOK_GROUP_VARS].endswith(
        f"playbooks/group_vars/web.yml:{line[Rank.PLAYBOOK_GROUP_VARS]}")
    assert ranks[Rank.PLAY_VARS_FILES].endswith(f"playbooks/vars/common.yml:{line[Rank.PLAY_VARS_FILES]}")
    assert ranks[Rank.TASK_VARS] == "vars of task 't'"


def test_a_host_outside_the_group_gets_the_group_all_layers(project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, play, _ = project
    variables = build_task_vars(run, "db1", play)
    assert variables["v3"] == "inventory_all"  # no [web:vars] for db1
    assert variables["v7"] == "playbook_group_vars_all"  # no group_vars/web.yml either
    assert variables["v12"] == "play_vars"
    assert variables["port"] == 5432


def test_the_task_role_defaults_vars_and_params_only_with_the_task(
        project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, play, _ = project
    variables = build_task_vars(run, "web1", play, TaskScope(name="outside"))
    assert "v1" not in variables  # only the role's defaults set it
    assert variables["v2"] == "inventory_all"
    assert variables["v19"] == "set_fact"  # no role params
    assert "role_name" not in variables


def test_play_roles_are_visible_to_every_task(project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, _, _ = project
    role = RoleScope("base", defaults={"only_default": 1, "v1": "x"}, vars={"only_var": 2})
    variables = build_task_vars(run, "web2", PlayScope(name="p", hosts=("web2",), roles=(role,)))
    assert (variables["only_default"], variables["only_var"]) == (1, 2)
    assert variables["role_names"] == ["base"]


def test_block_vars_inner_wins() -> None:
    run = RunScope(load_inventory(["web1,"]))
    task = TaskScope(block_vars=({"a": "outer", "b": "outer"}, {"a": "inner"}))
    variables = build_task_vars(run, "web1", None, task)
    assert (variables["a"], variables["b"]) == ("inner", "outer")


def test_magic_variables(project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, play, task = project
    play = PlayScope(name="web", hosts=("web1", "web2", "db1"), batch=("web1", "web2"),
                     removed_hosts=frozenset({"web2"}), vars={"inventory_hostname": "fake"})
    magic = build_task_vars(run, "web1", play, task)
    assert magic["inventory_hostname"] == "web1"  # magic wins over every layer
    assert magic["inventory_hostname_short"] == "web1"
    assert magic["group_names"] == ["web"]
    assert magic["groups"]["web"] == ["web1", "web2"]
    assert magic["ansible_play_hosts_all"] == ["web1", "web2", "db1"]
    assert magic["ansible_play_hosts"] == ["web1", "db1"]
    assert magic["ansible_play_batch"] == magic["play_hosts"] == ["web1"]
    assert magic["ansible_play_name"] == "web"
    assert (magic["ansible_check_mode"], magic["ansible_diff_mode"]) == (False, False)
    assert magic["playbook_dir"] == run.playbook_dir
    assert magic["role_name"] == "nginx" and magic["role_path"].endswith("roles/nginx")
    assert magic["omit"] == OMIT
    assert magic["ansible_version"]["major"] == 2
    modes = magic_vars(RunScope(run.inventory, check_mode=True, diff_mode=True), "web1")
    assert (modes["ansible_check_mode"], modes["ansible_diff_mode"]) == (True, True)


def test_facts_are_also_under_ansible_facts() -> None:
    state = HostState()
    state.add_facts({"ansible_distribution": "Debian", "ansible_local": {}, "dockyard_x": 1})
    run = RunScope(load_inventory(["web1,"]), states={"web1": state})
    templar = Templar(build_task_vars(run, "web1"))
    assert templar.template("{{ ansible_distribution }}") == "Debian"
    assert templar.template("{{ ansible_facts.distribution }}") == "Debian"
    assert templar.template("{{ ansible_facts['dockyard_x'] }}") == 1
    assert Templar(build_task_vars(RunScope(run.inventory), "web1")).template("{{ ansible_facts }}") == {}


def test_registered_results_and_facts_are_never_rendered() -> None:
    state = HostState()
    state.register("out", {"stdout": "{{ secret }}", "lines": ["{{ x }}"]})
    state.add_facts({"ansible_motd": "{{ y }}"})
    state.set_facts({"later": "{{ z }}"})
    run = RunScope(load_inventory(["web1,"]), states={"web1": state})
    templar = Templar(build_task_vars(run, "web1"))
    assert templar.template("{{ out.stdout }}") == "{{ secret }}"
    assert templar.template("{{ out.lines[0] }}") == "{{ x }}"
    assert templar.template("{{ ansible_motd }}") == "{{ y }}"
    assert templar.template("{{ later }}") == "{{ z }}"
    assert isinstance(state.vars["out"]["stdout"], Unsafe)


def test_an_unknown_result_can_be_registered() -> None:
    state = HostState()
    state.register("out", Unknown("out", task="probe"))
    run = RunScope(load_inventory(["web1,"]), states={"web1": state})
    variables = build_task_vars(run, "web1")
    assert isinstance(variables["out"], Unknown)
    assert Templar(variables).template("{{ out is defined }}") is True


def test_state_origins_are_reported() -> None:
    state = HostState()
    span = Span("site.yml", 4, 7)
    state.register("out", {"rc": 0}, origin=Origin(span, "registered by task 'probe'"))
    state.set_facts({"x": 1}, cacheable=True)
    run = RunScope(load_inventory(["web1,"]), states={"web1": state})
    found = origins(run, "web1")
    assert found["out"].origin == Origin(span, "registered by task 'probe'")
    assert found["out"].rank == Rank.SET_FACT
    assert [s.rank for s in found["x"].hidden] == [Rank.FACTS]


def test_hostvars_render_with_the_other_hosts_variables(project: tuple[RunScope, PlayScope, TaskScope]) -> None:
    run, play, task = project
    run.states["db1"].add_facts({"ansible_default_ipv4": {"address": "10.0.0.5"}})
    run.inventory.groups["db"].vars["url"] = "pg://{{ ansible_default_ipv4.address }}:{{ port }}"
    templar = Templar(build_task_vars(run, "web1", play, task))
    assert templar.template("{{ hostvars['db1'].url }}") == "pg://10.0.0.5:5432"
    assert templar.template("{{ hostvars.db1.port }}") == 5432
    assert templar.template("{{ hostvars['web1'].v12 }}") == "facts"  # no play layers
    assert templar.template("{{ hostvars['web1'].v16 }}") == "facts"  # no task layers
    assert templar.template("{{ hostvars['web2'].inventory_hostname }}") == "web2"
    assert templar.template("{{ groups['all'] | map('extract', hostvars, 'inventory_hostname') | list }}") \
        == ["web1", "web2", "db1"]
    assert templar.template("{{ hostvars | length }}") == 3
    assert templar.template("{{ 'db1' in hostvars }}") is True
    assert templar.template("{{ hostvars['nope'] is defined }}") is False


def test_a_hostvars_value_may_use_hostvars() -> None:
    inventory = load_inventory(["a,b,"])
    inventory.hosts["a"].vars["peer"] = "{{ hostvars['b'].name }}"
    inventory.hosts["b"].vars["name"] = "bee"
    templar = Templar(build_task_vars(RunScope(inventory), "a"))
    assert templar.template("{{ hostvars['a'].peer }}") == "bee"
    assert templar.template("{{ hostvars['a'] | to_json }}").startswith("{")


def test_hostvars_loops_across_hosts_are_detected() -> None:
    inventory = load_inventory(["a,b,"])
    inventory.hosts["a"].vars["x"] = "{{ hostvars['b'].x }}"
    inventory.hosts["b"].vars["x"] = "{{ hostvars['a'].x }}"
    with pytest.raises(PlaybookError, match="recursive loop detected"):
        Templar(build_task_vars(RunScope(inventory), "a")).template("{{ x }}")


def test_vars_files_names_are_templates_and_lists_take_the_first_found(tmp_path: Path) -> None:
    write(tmp_path / "vars" / "Debian.yml", "pkg: apt\n")
    write(tmp_path / "vars" / "default.yml", "pkg: none\nother: 1\n")
    state = HostState()
    state.add_facts({"ansible_os_family": "Debian"})
    run = RunScope(load_inventory(["web1,"]), states={"web1": state})
    play = PlayScope(vars_files=("vars/default.yml", ["vars/{{ ansible_os_family }}.yml", "vars/x.yml"]),
                     base_dir=str(tmp_path))
    variables = build_task_vars(run, "web1", play)
    assert (variables["pkg"], variables["other"]) == ("apt", 1)
    loaded = PlayScope(vars_files=({"pkg": "given"},))
    assert build_task_vars(run, "web1", loaded)["pkg"] == "given"


def test_a_missing_vars_file_is_an_error_with_the_span(tmp_path: Path) -> None:
    entry = load_yaml("vars_files: [vars/nope.yml]\n", "site.yml")["vars_files"][0]
    play = PlayScope(vars_files=(entry,), base_dir=str(tmp_path))
    with pytest.raises(PlaybookError, match=r"vars file 'vars/nope.yml' not found") as caught:
        build_task_vars(RunScope(load_inventory(["web1,"])), "web1", play)
    assert caught.value.span == Span("site.yml", 1, 14)


def test_a_vars_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path / "list.yml", "- a\n")
    play = PlayScope(vars_files=("list.yml",), base_dir=str(tmp_path))
    with pytest.raises(PlaybookError, match="must be a mapping"):
        build_task_vars(RunScope(load_inventory(["web1,"])), "web1", play)


def test_the_playbook_dir_is_not_read_twice_when_it_is_the_inventory_dir(tmp_path: Path) -> None:
    write(tmp_path / "hosts.ini", "web1\n")
    write(tmp_path / "group_vars" / "all.yml", "x: 1\n")
    run = RunScope(load_inventory([str(tmp_path / "hosts.ini")]), playbook_dir=str(tmp_path))
    assert [layer.rank for layer in layers(run, "web1") if "x" in layer.values] == [Rank.GROUP_VARS_ALL]


def test_extra_vars_are_templates() -> None:
    run = RunScope(load_inventory(["web1,"]), extra_vars={"url": "http://{{ inventory_hostname }}"})
    assert Templar(build_task_vars(run, "web1")).template("{{ url }}") == "http://web1"
