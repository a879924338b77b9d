"""Loading plays and tasks: every keyword lands in the model, arguments as Ansible reads them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dockyard.modules import registry
from dockyard.modules.args import arg
from dockyard.modules.base import ControllerModule, ModuleContext
from dockyard.playbook.load import load_playbook
from dockyard.playbook.model import Block, LoopControl, Play, Task, Template, iter_tasks
from dockyard.source import MarkedDict


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path / "site.yml"


def one_play(tmp_path: Path, text: str) -> Play:
    (play,) = load_playbook(write(tmp_path, {"site.yml": text})).plays
    return play


def tasks_of(tmp_path: Path, tasks: str, *, handler: str = "") -> list[Task]:
    """The tasks of a play holding ``tasks`` (they start on line 3), and a handler."""
    body = textwrap.indent(textwrap.dedent(tasks).lstrip("\n"), "    ")
    handlers = f"  handlers:\n    - name: {handler}\n      file: path=/h\n" if handler else ""
    play = one_play(tmp_path, "- hosts: all\n  tasks:\n" + body + handlers)
    return iter_tasks(play.tasks)


@dataclass(frozen=True)
class CommandArgs:
    _raw_params: str | None = arg(None)
    cmd: str | None = arg(None)
    creates: str | None = arg(None)
    removes: str | None = arg(None)
    chdir: str | None = arg(None)


def _stand_in(module_name: str) -> type[ControllerModule]:
    class StandIn(ControllerModule):
        """A stand-in under a free-form module's name: these tests only parse arguments."""

        name = module_name
        Args = CommandArgs

        def execute(self, args: Any, ctx: ModuleContext) -> dict[str, Any]:
            raise AssertionError("never run")

    return StandIn


@pytest.fixture
def free_form_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``command`` and ``shell`` as stand-ins, so these tests do not depend on the real ones."""
    registry.known_names()  # the built-ins register first, so the stand-ins replace them
    for name in ("command", "shell"):
        monkeypatch.setitem(registry._MODULES, name, _stand_in(name))
    yield


def test_play_keywords(tmp_path: Path) -> None:
    play = one_play(tmp_path, """
        - name: web servers
          hosts: [web, db]
          gather_facts: no
          become: yes
          become_user: app
          become_method: sudo
          remote_user: deploy
          connection: ssh
          vars: {port: 80}
          tags: deploy
          serial: [1, "30%", 5]
          max_fail_percentage: 20
          any_errors_fatal: true
          ignore_errors: false
          ignore_unreachable: true
          force_handlers: true
          check_mode: false
          diff: true
          no_log: false
          run_once: false
          strategy: linear
          environment: {LANG: C}
          debugger: never
          collections: [community.general]
        """)
    assert (play.name, play.hosts, play.gather_facts) == ("web servers", "web,db", False)
    assert (play.become, play.become_user, play.become_method) == (True, "app", "sudo")
    assert (play.remote_user, play.connection, play.strategy) == ("deploy", "ssh", "linear")
    assert play.vars == {"port": 80}
    assert play.tags == frozenset({"deploy"})
    assert play.serial == (1, "30%", 5)
    assert (play.max_fail_percentage, play.any_errors_fatal, play.force_handlers) == (20.0, True, True)
    assert (play.ignore_errors, play.ignore_unreachable) == (False, True)
    assert (play.check_mode, play.diff, play.no_log, play.run_once) == (False, True, False, False)
    assert play.environment == ({"LANG": "C"},)
    assert play.path == tmp_path
    assert play.span.line == 1


def test_play_defaults(tmp_path: Path) -> None:
    play = one_play(tmp_path, "- hosts: all\n")
    assert (play.gather_facts, play.serial, play.strategy, play.become) == (True, (), "linear", None)
    assert play.sections() == ((), (), ())


def test_task_keywords(tmp_path: Path) -> None:
    (task,) = tasks_of(tmp_path, """
        - name: make the directory
          ansible.builtin.file:
            path: /srv/app
            state: directory
          register: made
          notify: restart app
          changed_when: false
          failed_when: [made.rc != 0, "'oops' in made.stdout"]
          until: made is succeeded
          retries: 5
          delay: 2.5
          delegate_to: localhost
          run_once: true
          ignore_errors: yes
          no_log: true
          check_mode: false
          diff: false
          become: true
          become_user: app
          environment: {PATH: /bin}
          vars: {owner: app}
          tags: a, b
          when: owner is defined
          loop: "{{ dirs }}"
          loop_control: {loop_var: dir, index_var: i, label: "{{ dir }}", pause: 1, extended: true}
        """, handler="restart app")
    assert (task.action, task.module, task.name) == ("ansible.builtin.file", "file", "make the directory")
    assert task.args == {"path": "/srv/app", "state": "directory"}
    assert isinstance(task.args, MarkedDict) and task.args.key_span("path") is not None
    assert (task.register, task.notify) == ("made", ("restart app",))
    assert task.changed_when == (False,)
    assert task.failed_when == ("made.rc != 0", "'oops' in made.stdout")
    assert (task.until, task.retries, task.delay) == (("made is succeeded",), 5, 2.5)
    assert (task.delegate_to, task.run_once, task.ignore_errors, task.no_log) == ("localhost", True, True, True)
    assert (task.check_mode, task.diff, task.become, task.become_user) == (False, False, True, "app")
    assert task.environment == ({"PATH": "/bin"},)
    assert task.vars == {"owner": "app"}
    assert task.tags == frozenset({"a", "b"})
    assert task.when == ("owner is defined",)
    assert (task.loop, task.loop_kind) == ("{{ dirs }}", "loop")
    assert task.loop_control == LoopControl(loop_var="dir", index_var="i", label="{{ dir }}", pause=1.0,
                                            extended=True, span=task.loop_control.span if task.loop_control else None)
    assert (task.span.line, task.span.col) == (3, 7)
    assert task.search_paths == (tmp_path,)


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("with_items", "[a, b]", ["a", "b"]),
    ("with_list", "[[1, 2], [3]]", [[1, 2], [3]]),
    ("with_dict", "{a: 1}", {"a": 1}),
    ("with_dict", '"{{ users }}"', "{{ users }}"),
    ("with_items", "users", "users"),
    ("with_fileglob", '"files/*.conf"', "files/*.conf"),
    ("with_indexed_items", "[x]", ["x"]),
    ("loop", '"{{ query(\'inventory_hostnames\', \'all\') }}"', "{{ query('inventory_hostnames', 'all') }}"),
])
def test_loop_kinds(tmp_path: Path, kind: str, value: str, expected: Any) -> None:
    (task,) = tasks_of(tmp_path, f"- file: path=/x\n  {kind}: {value}\n")
    assert (task.loop_kind, task.loop) == (kind, expected)
    assert task.loop_control is None


def test_templated_keywords_stay_templates(tmp_path: Path) -> None:
    (task,) = tasks_of(tmp_path, """
        - file: path=/x
          become: "{{ use_sudo }}"
          retries: "{{ attempts }}"
          become_user: "{{ owner }}"
        """)
    assert isinstance(task.become, Template) and task.become.text == "{{ use_sudo }}"
    assert task.become.span is not None and task.become.span.line == 4
    assert isinstance(task.retries, Template) and task.retries.text == "{{ attempts }}"
    assert task.become_user == "{{ owner }}"


def test_key_value_arguments_as_ansible_parses_them(tmp_path: Path) -> None:
    (task,) = tasks_of(tmp_path, """- file: path="/srv/my app" state=directory mode=0755 owner='a b'\n""")
    assert task.args == {"path": "/srv/my app", "state": "directory", "mode": "0755", "owner": "a b"}
    assert task.args.key_span("state") is not None and task.args.key_span("state").col == 32  # type: ignore[union-attr]


def test_args_keyword_merges_under_the_module_arguments(tmp_path: Path) -> None:
    (task,) = tasks_of(tmp_path, """
        - file: path=/a
          args:
            path: /ignored
            state: touch
        """)
    assert task.args == {"path": "/a", "state": "touch"}
    assert task.args.key_span("state").line == 6  # type: ignore[union-attr]


@pytest.mark.usefixtures("free_form_modules")
def test_free_form_commands(tmp_path: Path) -> None:
    tasks = tasks_of(tmp_path, """
        - command: ls -l /tmp
        - shell: echo {{ greeting }} > /tmp/out creates=/tmp/out
        - ansible.builtin.command: chdir=/srv make install removes=/x
        - shell: grep a=b /etc/x
        - command: cat
          args:
            chdir: /srv
        """)
    assert [t.module for t in tasks] == ["command", "shell", "command", "shell", "command"]
    assert [dict(t.args) for t in tasks] == [
        {"_raw_params": "ls -l /tmp"},
        {"_raw_params": "echo {{ greeting }} > /tmp/out", "creates": "/tmp/out"},
        {"chdir": "/srv", "_raw_params": "make install", "removes": "/x"},
        {"_raw_params": "grep a=b /etc/x"},
        {"chdir": "/srv", "_raw_params": "cat"},
    ]


def test_key_value_arguments_of_other_modules_keep_stray_words_as_raw(tmp_path: Path) -> None:
    """Ansible keeps words without '=' as _raw_params; a module without free form rejects it."""
    from dockyard.playbook.keywords import parse_kv

    assert parse_kv("path=/x extra") == [("path", "/x", 0), ("_raw_params", "extra", 8)]


def test_legacy_action_forms(tmp_path: Path) -> None:
    tasks = tasks_of(tmp_path, """
        - action: file path=/x state=touch
        - local_action: file path=/y state=touch
        - local_action:
            module: file
            path: /z
          delegate_to: other
        """)
    assert [(t.action, t.module, dict(t.args), t.delegate_to) for t in tasks] == [
        ("file", "file", {"path": "/x", "state": "touch"}, None),
        ("file", "file", {"path": "/y", "state": "touch"}, "localhost"),
        ("file", "file", {"path": "/z"}, "other"),
    ]


def test_language_actions(tmp_path: Path) -> None:
    (tmp_path / "extra.yml").write_text("- file: path=/x\n")
    tasks = tasks_of(tmp_path, """
        - meta: flush_handlers
        - ansible.builtin.include_tasks: extra.yml
        - include_tasks:
            file: "{{ which }}.yml"
            apply: {tags: [x]}
        - include_role:
            name: "{{ role_name }}"
            tasks_from: setup
        """)
    assert [(t.action, t.module) for t in tasks] == [
        ("meta", "meta"), ("ansible.builtin.include_tasks", "include_tasks"),
        ("include_tasks", "include_tasks"), ("include_role", "include_role")]
    assert tasks[0].args == {"_raw_params": "flush_handlers"}
    assert tasks[1].args == {"file": "extra.yml"}
    assert tasks[2].args == {"file": "{{ which }}.yml", "apply": {"tags": ["x"]}}
    assert tasks[3].args == {"name": "{{ role_name }}", "tasks_from": "setup"}


def test_blocks_keep_their_structure(tmp_path: Path) -> None:
    play = one_play(tmp_path, """
        - hosts: all
          tasks:
            - name: guarded
              when: ok
              block:
                - file: path=/a
                - block:
                    - file: path=/b
              rescue:
                - file: path=/c
              always:
                - file: path=/d
        """)
    (block,) = play.tasks
    assert isinstance(block, Block)
    assert (block.name, block.keywords) == ("guarded", {"name": "guarded", "when": "ok"})
    assert len(block.block) == 2 and isinstance(block.block[1], Block)
    assert [t.args["path"] for t in iter_tasks(play.tasks)] == ["/a", "/b", "/c", "/d"]


def test_sections_run_in_ansible_order(tmp_path: Path) -> None:
    write(tmp_path, {"roles/r/tasks/main.yml": "- file: path=/role\n"})
    play = one_play(tmp_path, """
        - hosts: all
          post_tasks: [{file: path=/post}]
          tasks: [{file: path=/task}]
          roles: [r]
          pre_tasks: [{file: path=/pre}]
        """)
    assert [[t.args["path"] for t in iter_tasks(nodes)] for nodes in play.sections()] == [
        ["/pre"], ["/role", "/task"], ["/post"]]
    assert [phase.name for phase in play.phases()] == ["pre_tasks", "tasks", "post_tasks"]


def test_handlers_with_listen(tmp_path: Path) -> None:
    play = one_play(tmp_path, """
        - hosts: all
          tasks:
            - file: path=/x
              notify: [restart web, web changed]
          handlers:
            - name: restart web
              file: path=/h
            - name: reload
              file: path=/h2
              listen: web changed
        """)
    restart, reload = iter_tasks(play.handlers)
    assert (restart.name, restart.listen) == ("restart web", ())
    assert (reload.name, reload.listen) == ("reload", ("web changed",))


def test_templated_notify_and_handler_names_are_not_checked(tmp_path: Path) -> None:
    play = one_play(tmp_path, """
        - hosts: all
          tasks:
            - file: path=/x
              notify: "restart {{ service }}"
        """)
    assert iter_tasks(play.tasks)[0].notify == ("restart {{ service }}",)


def test_import_playbook_inlines_plays(tmp_path: Path) -> None:
    path = write(tmp_path, {
        "site.yml": """
            - hosts: first
            - import_playbook: plays/web.yml
              vars: {tier: web}
              tags: [web]
              when: deploy_web
            - ansible.builtin.import_playbook: "{{ last }}.yml"
            """,
        "plays/web.yml": """
            - hosts: web
              vars: {tier: wrong, port: 80}
              tasks: [{file: path=/w}]
            - import_playbook: db.yml
            """,
        "plays/db.yml": "- hosts: db\n  tasks: [{file: path=/d}]\n",
        "final.yml": "- hosts: last\n",
    })
    playbook = load_playbook(path, extra_vars={"last": "final"})
    assert [p.hosts for p in playbook.plays] == ["first", "web", "db", "last"]
    web, db = playbook.plays[1:3]
    assert web.vars == {"tier": "web", "port": 80}
    assert (web.tags, web.when, web.path) == (frozenset({"web"}), ("deploy_web",), tmp_path / "plays")
    assert iter_tasks(web.tasks)[0].when == ("deploy_web",)
    assert iter_tasks(db.tasks)[0].tags == frozenset({"web"})
    assert db.vars == {"tier": "web"}


def test_vars_files_are_checked_and_kept_as_written(tmp_path: Path) -> None:
    write(tmp_path, {"vars/common.yml": "a: 1\n", "vars/debian.yml": "b: 2\n"})
    play = one_play(tmp_path, """
        - hosts: all
          vars_files:
            - vars/common.yml
            - ["vars/{{ ansible_os_family }}.yml", vars/debian.yml]
            - [vars/missing.yml, vars/debian.yml]
        """)
    assert play.vars_files == ("vars/common.yml", ["vars/{{ ansible_os_family }}.yml", "vars/debian.yml"],
                               ["vars/missing.yml", "vars/debian.yml"])


@pytest.mark.parametrize("extra", [
    "    - include_role: {name: \"{{ chosen }}\"}\n",
    "  handlers:\n    - name: \"restart {{ service }}\"\n      file: path=/h\n",
])
def test_notify_is_not_checked_when_handlers_are_known_only_at_run_time(tmp_path: Path,
                                                                        extra: str) -> None:
    play = one_play(tmp_path, "- hosts: all\n  tasks:\n    - file: path=/x\n      notify: restart web\n"
                    + extra)
    assert iter_tasks(play.tasks)[0].notify == ("restart web",)
