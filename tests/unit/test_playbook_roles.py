"""Roles: lookup, defaults/vars/handlers/meta, dependencies, run-once de-duplication, imports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dockyard.errors import DockyardError
from dockyard.playbook.load import load_include, load_playbook, load_role
from dockyard.playbook.model import Play, iter_tasks
from dockyard.playbook.roles import BUILTIN_ROLES, find_role, role_search_paths, run_order
from tests.integration.cli import REPO, run_dockyard


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return tmp_path / "site.yml"


def load(tmp_path: Path, files: dict[str, str]) -> Play:
    (play,) = load_playbook(write(tmp_path, files)).plays
    return play


def paths(nodes: tuple[object, ...]) -> list[str]:
    return [str(task.args["path"]) for task in iter_tasks(nodes)]  # type: ignore[arg-type]


WEB_ROLE = {
    "roles/web/tasks/main.yml": "- file: path=/web\n  notify: restart web\n",
    "roles/web/tasks/extra.yml": "- file: path=/web-extra\n",
    "roles/web/handlers/main.yml": "- name: restart web\n  file: path=/web-handler\n",
    "roles/web/defaults/main.yml": "port: 80\nuser: www\n",
    "roles/web/vars/main.yaml": "config: /etc/web.conf\n",
    "roles/web/meta/main.yml": "dependencies:\n  - common\n",
    "roles/common/tasks/main.yml": "- file: path=/common\n",
}


def test_role_parts(tmp_path: Path) -> None:
    play = load(tmp_path, {**WEB_ROLE, "site.yml": """
        - hosts: all
          roles:
            - role: web
              port: 8080
              vars: {user: nginx}
              when: web_wanted
              tags: [web]
              become: true
        """})
    assert paths(play.role_tasks) == ["/common", "/web"]
    common, web = iter_tasks(play.role_tasks)
    assert web.role is not None and common.role is not None
    assert (web.role.name, web.role.path) == ("web", (tmp_path / "roles" / "web").resolve())
    assert web.role.defaults == {"port": 80, "user": "www"}
    assert web.role.vars == {"config": "/etc/web.conf"}
    assert web.role.params == {"port": 8080, "user": "nginx"}
    assert (web.when, web.tags, web.become, web.vars) == (("web_wanted",), frozenset({"web"}), True, {})
    assert (common.role.name, common.when, common.tags, common.become) == (
        "common", ("web_wanted",), frozenset({"web"}), True)
    assert web.display_name == "web : file" and web.role_name == "web"
    assert web.search_paths == (web.role.path, web.role.path / "tasks", tmp_path)
    assert [r.name for r in play.roles] == ["common", "web"]
    (handler,) = iter_tasks(play.handlers)
    assert (handler.name, handler.role and handler.role.name) == ("restart web", "web")


def test_defaults_directory_and_json(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": "- hosts: all\n  roles: [r]\n",
        "roles/r/defaults/main/b.yml": "b: 2\nshared: from-b\n",
        "roles/r/defaults/main/a.yml": "a: 1\nshared: from-a\n",
        "roles/r/vars/main.json": '{"j": true}',
        "roles/r/tasks/main.yml": "- file: path=/r\n",
    })
    role = iter_tasks(play.role_tasks)[0].role
    assert role is not None
    assert role.defaults == {"a": 1, "b": 2, "shared": "from-b"}
    assert role.vars == {"j": True}


def test_a_role_runs_once_unless_its_parameters_differ(tmp_path: Path) -> None:
    play = load(tmp_path, {**WEB_ROLE, "roles/db/meta/main.yml": "dependencies: [common]\n",
                           "roles/db/tasks/main.yml": "- file: path=/db\n", "site.yml": """
        - hosts: all
          roles:
            - web
            - web
            - db
            - {role: web, port: 81}
        """})
    assert paths(play.role_tasks) == ["/common", "/web", "/db", "/web"]
    assert [t.role.params for t in iter_tasks(play.role_tasks) if t.role] == [{}, {}, {}, {"port": 81}]
    (handler,) = iter_tasks(play.handlers)  # one copy, from the last use of the role
    assert handler.role is not None and handler.role.params == {"port": 81}


def test_allow_duplicates(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": "- hosts: all\n  roles: [r, r]\n",
        "roles/r/meta/main.yml": "allow_duplicates: true\n",
        "roles/r/tasks/main.yml": "- file: path=/r\n",
    })
    assert paths(play.role_tasks) == ["/r", "/r"]


def test_import_role_inlines_and_brings_handlers(tmp_path: Path) -> None:
    play = load(tmp_path, {**WEB_ROLE, "site.yml": """
        - hosts: all
          tasks:
            - file: path=/before
            - block:
                - import_role:
                    name: web
                    tasks_from: extra
                  vars: {x: 1}
              when: outer
            - ansible.builtin.import_role: name=web
          post_tasks:
            - file: path=/after
              notify: "web : restart web"
        """})
    assert paths(play.tasks) == ["/before", "/common", "/web-extra", "/common", "/web"]
    extra = iter_tasks(play.tasks)[2]
    assert (extra.when, extra.vars, extra.role and extra.role.name) == (("outer",), {"x": 1}, "web")
    assert [h.name for h in iter_tasks(play.handlers)] == ["restart web", "restart web"]
    assert [r.name for r in play.roles] == ["common", "web", "common", "web"]


def test_include_role_stays_a_task_and_is_checked(tmp_path: Path) -> None:
    play = load(tmp_path, {**WEB_ROLE, "site.yml": """
        - hosts: all
          tasks:
            - include_role:
                name: web
                tasks_from: extra
              when: later
            - file: path=/x
              notify: restart web
        """})
    include, _ = iter_tasks(play.tasks)
    assert (include.module, dict(include.args)) == ("include_role", {"name": "web", "tasks_from": "extra"})
    assert play.handlers == ()  # include_role's handlers arrive when it runs
    nodes, key = load_include(include, include.args)
    assert paths(nodes) == ["/common", "/web-extra"]
    assert key[:2] == ("include_role", str((tmp_path / "roles" / "web").resolve()))
    assert iter_tasks(nodes)[1].when == ()  # the include's own 'when' is not passed on


def test_load_role_for_include_role_at_run_time(tmp_path: Path) -> None:
    write(tmp_path, WEB_ROLE)
    role = load_role("web", search=role_search_paths(tmp_path), tasks_from="extra",
                     params={"port": 1})
    assert [r.ref.name for r in run_order([role])] == ["common", "web"]
    assert paths(role.tasks) == ["/web-extra"] and role.ref.params == {"port": 1}
    assert [h.name for h in iter_tasks(role.handlers)] == ["restart web"]
    with pytest.raises(DockyardError, match="role 'nope' not found"):
        load_role("nope", search=role_search_paths(tmp_path))


def test_role_search_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared, legacy = tmp_path / "shared", tmp_path / "legacy"
    write(tmp_path, {
        "shared/a/tasks/main.yml": "- file: path=/shared-a\n",
        "legacy/a/tasks/main.yml": "- file: path=/legacy-a\n",
        "legacy/b/tasks/main.yml": "- file: path=/legacy-b\n",
        "roles/c/tasks/main.yml": "- file: path=/local-c\n",
        "shared/c/tasks/main.yml": "- file: path=/shared-c\n",
        "elsewhere/d/tasks/main.yml": "- file: path=/by-path\n",
    })
    monkeypatch.setenv("DOCKYARD_ROLES_PATH", f"{shared}:/nonexistent")
    monkeypatch.setenv("ANSIBLE_ROLES_PATH", str(legacy))
    assert role_search_paths(tmp_path) == (tmp_path / "roles", shared, Path("/nonexistent"), legacy,
                                           BUILTIN_ROLES, tmp_path)
    play = load(tmp_path, {"site.yml": "- hosts: all\n  roles: [a, b, c, elsewhere/d]\n"})
    assert paths(play.role_tasks) == ["/shared-a", "/legacy-b", "/local-c", "/by-path"]


def test_notify_reaches_role_handlers_and_topics(tmp_path: Path) -> None:
    play = load(tmp_path, {
        "site.yml": """
            - hosts: all
              roles: [svc]
              tasks:
                - file: path=/a
                  notify: [restart svc, "svc : restart svc", svc changed, "svc : svc changed"]
            """,
        "roles/svc/tasks/main.yml": "- file: path=/svc\n",
        "roles/svc/handlers/main.yml": """
            - name: restart svc
              file: path=/h
            - name: reload svc
              file: path=/h2
              listen: svc changed
            """,
    })
    assert len(iter_tasks(play.handlers)) == 2


def test_a_role_may_include_itself_but_not_import_itself(tmp_path: Path) -> None:
    recursive = "- include_role: {name: r}\n  when: depth | int < 3\n"
    play = load(tmp_path, {"site.yml": "- hosts: all\n  roles: [r]\n", "roles/r/tasks/main.yml": recursive})
    assert [t.module for t in iter_tasks(play.role_tasks)] == ["include_role"]
    write(tmp_path, {"roles/r/tasks/main.yml": "- import_role: {name: r}\n"})
    with pytest.raises(DockyardError, match="import loop"):
        load_playbook(tmp_path / "site.yml")


def test_include_role_handlers_count_in_every_play(tmp_path: Path) -> None:
    play = ("- hosts: {group}\n  tasks:\n    - include_role: {{name: web}}\n"
            "    - file: path=/x\n      notify: restart web\n")
    playbook = load_playbook(write(tmp_path, {
        **WEB_ROLE, "site.yml": play.format(group="a") + play.format(group="b")}))
    assert [p.hosts for p in playbook.plays] == ["a", "b"]


def test_builtin_roles_ship_with_the_package_and_answer_to_dockyard_names(tmp_path: Path) -> None:
    search = role_search_paths(tmp_path)
    (tmp_path / "roles" / "swarm").mkdir(parents=True)  # a project role of the same name
    for name in ("container_runtime", "swarm", "swarm_check", "k3s"):
        assert find_role(f"dockyard.{name}", search) == (BUILTIN_ROLES / name).resolve()
    assert find_role("swarm", search) == (tmp_path / "roles" / "swarm").resolve()
    assert find_role("dockyard.nosuchrole", search) is None


def test_swarm_example_playbook_loads_with_the_builtin_roles() -> None:
    result = run_dockyard("check-syntax", str(REPO / "playbooks" / "swarm.yml"))
    assert result.returncode == 0, result.stderr
