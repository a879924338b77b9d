"""Keywords flow from play, blocks and imports onto each task; includes inherit at run time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dockyard.errors import DockyardError
from dockyard.playbook.load import include_context, load_include, load_playbook, load_task_file
from dockyard.playbook.model import Inherited, Play, Task, Template, iter_tasks


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path / "site.yml"


def load(tmp_path: Path, files: dict[str, str]) -> Play:
    (play,) = load_playbook(write(tmp_path, files)).plays
    return play


def by_path(play: Play) -> dict[str, Task]:
    return {str(task.args["path"]): task for task in iter_tasks(play.tasks)}


def test_blocks_pass_keywords_down(tmp_path: Path) -> None:
    play = load(tmp_path, {"site.yml": """
        - hosts: all
          become: true
          tags: [play]
          environment: {A: play}
          tasks:
            - block:
                - block:
                    - file: path=/inner
                      when: inner
                      tags: task
                      become_user: task_user
                      vars: {v: task, t: 1}
                      environment: {A: task}
                  when: middle
                  become_user: middle_user
                  vars: {v: middle, m: 1}
                  no_log: true
              rescue:
                - file: path=/rescue
              always:
                - file: path=/always
                  become: false
              when: outer
              tags: outer
              vars: {v: outer, o: 1}
              check_mode: true
              ignore_errors: true
              delegate_to: bastion
            - file: path=/plain
        """})
    tasks = by_path(play)
    inner = tasks["/inner"]
    assert inner.when == ("outer", "middle", "inner")
    assert inner.tags == frozenset({"play", "outer", "task"})
    assert inner.vars == {"v": "task", "o": 1, "m": 1, "t": 1}
    assert (inner.become, inner.become_user, inner.no_log) == (True, "task_user", True)
    assert (inner.check_mode, inner.ignore_errors, inner.delegate_to) == (True, True, "bastion")
    assert inner.environment == ({"A": "play"}, {"A": "task"})
    rescue, always = tasks["/rescue"], tasks["/always"]
    assert (rescue.when, rescue.vars, rescue.become_user) == (("outer",), {"v": "outer", "o": 1}, None)
    assert (always.become, always.check_mode, always.tags) == (False, True, frozenset({"play", "outer"}))
    plain = tasks["/plain"]
    assert (plain.when, plain.vars, plain.become, plain.check_mode) == ((), {}, True, None)
    assert plain.tags == frozenset({"play"})


def test_play_vars_stay_on_the_play(tmp_path: Path) -> None:
    """Play vars are their own precedence level: not copied into each task's vars."""
    play = load(tmp_path, {"site.yml": """
        - hosts: all
          vars: {a: 1}
          tasks: [{file: path=/x, vars: {b: 2}}]
        """})
    assert (play.vars, iter_tasks(play.tasks)[0].vars) == ({"a": 1}, {"b": 2})


def test_import_tasks_applies_its_keywords_to_every_imported_task(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": """
            - hosts: all
              tasks:
                - name: ignored name
                  import_tasks: tasks/setup.yml
                  vars: {pkg: nginx}
                  when: setup_wanted
                  tags: [setup]
                  become: true
            """,
        "tasks/setup.yml": """
            - file: path=/one
              when: one
            - import_tasks: nested.yml
              vars: {pkg: apache, depth: 2}
            """,
        "tasks/nested.yml": "- file: path=/two\n",
    })
    tasks = by_path(play)
    one, two = tasks["/one"], tasks["/two"]
    assert (one.when, one.tags, one.become, one.vars) == (
        ("setup_wanted", "one"), frozenset({"setup"}), True, {"pkg": "nginx"})
    assert (two.when, two.vars) == (("setup_wanted",), {"pkg": "apache", "depth": 2})
    assert one.span.file == str(tmp_path / "tasks" / "setup.yml")
    assert two.search_paths == (tmp_path / "tasks", tmp_path)


def test_templated_import_is_resolved_with_play_vars(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": """
            - hosts: all
              vars: {flavour: "{{ base }}-x", base: debian}
              tasks:
                - import_tasks: "{{ flavour }}.yml"
                - import_tasks: "{{ other }}.yml"
                  vars: {other: debian-x}
            """,
        "debian-x.yml": "- file: path=/flavoured\n",
    })
    assert [t.args["path"] for t in iter_tasks(play.tasks)] == ["/flavoured", "/flavoured"]


def test_include_keeps_its_keywords_to_itself(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": """
            - hosts: all
              tasks:
                - block:
                    - include_tasks:
                        file: extra.yml
                        apply: {become: true, tags: [applied]}
                      when: run_it
                      tags: [inc]
                      vars: {x: 1}
                  become_user: app
                  when: in_block
            """,
        "extra.yml": "- file: path=/extra\n",
    })
    (include,) = iter_tasks(play.tasks)
    assert (include.when, include.tags) == (("in_block", "run_it"), frozenset({"inc"}))
    context = include_context(include)
    assert context.when == ("in_block",)
    assert context.tags == frozenset({"applied"})
    assert context.vars == {"x": 1}
    assert dict(context.scalars) == {"become_user": "app", "become": True}
    nodes, key = load_include(include, {"file": "extra.yml", "apply": include.args["apply"]})
    (extra,) = iter_tasks(nodes)
    assert (extra.when, extra.become, extra.become_user, extra.vars) == (("in_block",), True, "app", {"x": 1})
    assert key == ("include_tasks", str((tmp_path / "extra.yml").resolve()))


def test_load_include_of_a_templated_name(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": """
            - hosts: all
              tasks:
                - include_tasks: "{{ item }}.yml"
                  loop: [a, b]
            """,
        "tasks/a.yml": "- file: path=/a\n",
    })
    (include,) = iter_tasks(play.tasks)
    nodes, _ = load_include(include, {"file": "a.yml"})
    assert [t.args["path"] for t in iter_tasks(nodes)] == ["/a"]
    with pytest.raises(DockyardError, match=r"task file 'b\.yml' not found"):
        load_include(include, {"file": "b.yml"})


def test_load_task_file_applies_what_it_is_given(tmp_path: Path) -> None:
    write(tmp_path, {"more.yml": "- file: path=/m\n  when: own\n"})
    inherited = Inherited(when=("outer",), tags=frozenset({"t"}), scalars={"become": Template("{{ b }}")},
                          search_paths=(tmp_path,))
    (task,) = iter_tasks(load_task_file(tmp_path / "more.yml", inherited=inherited))
    assert (task.when, task.tags, task.become) == (("outer", "own"), frozenset({"t"}), Template("{{ b }}"))
    assert task.context == inherited  # what an include_tasks inside it would pass on


def test_load_task_file_reports_its_problems(tmp_path: Path) -> None:
    write(tmp_path, {"bad.yml": "- file: path=/m\n  whn: x\n"})
    with pytest.raises(DockyardError, match="'whn' is not a valid task keyword"):
        load_task_file(tmp_path / "bad.yml")
