"""Every load-time problem is reported with the span of the offending key or value.

Each case is a playbook in which ``«`` marks where the error must point (the marker
is removed before the file is written). Cases that need more files give them too.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dockyard.errors import DiagnosticsError, DockyardError
from dockyard.playbook.load import load_playbook
from dockyard.source import Span

MARK = "«"


def write_marked(tmp_path: Path, files: dict[str, str]) -> tuple[Path, list[Span]]:
    """Write ``files`` (site.yml first); return its path and the spans of the markers."""
    spans = []
    for name, text in files.items():
        lines = textwrap.dedent(text).lstrip("\n").splitlines()
        for number, line in enumerate(lines, start=1):
            while MARK in line:
                spans.append(Span(str(tmp_path / name), number, line.index(MARK) + 1))
                line = line.replace(MARK, "", 1)
            lines[number - 1] = line
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    return tmp_path / "site.yml", spans


def load_errors(path: Path) -> list[DockyardError]:
    try:
        load_playbook(path)
    except DiagnosticsError as errors:
        return errors.errors
    except DockyardError as error:
        return [error]
    raise AssertionError("the playbook loaded without errors")


# (id, files, expected message fragment, expected hint fragment or None)
CASES: list[tuple[str, dict[str, str], str, str | None]] = [
    ("play keyword", {"site.yml": """
        - hosts: all
          «becom: true
        """}, "'becom' is not a valid play keyword", "did you mean 'become'?"),
    ("task keyword", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              «whn: x is defined
        """}, "'whn' is not a valid task keyword", "did you mean 'when'?"),
    ("block keyword", {"site.yml": """
        - hosts: all
          tasks:
            - block:
                - file: path=/x
              «resuce: []
        """}, "'resuce' is not a valid block keyword", "did you mean 'rescue'?"),
    ("handler keyword", {"site.yml": """
        - hosts: all
          handlers:
            - name: h
              file: path=/x
              «lisen: topic
        """}, "'lisen' is not a valid handler keyword", "did you mean 'listen'?"),
    ("unsupported keyword", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              «async: 30
        """}, "'async' is not supported by dockyard", "background"),
    ("no module", {"site.yml": """
        - hosts: all
          tasks:
            - «name: nothing to do
              when: true
        """}, "this task has no module", "add the module"),
    ("two modules", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/a
              «meta: noop
        """}, "conflicting action statements: file, meta", "one task per module"),
    ("unknown module", {"site.yml": """
        - hosts: all
          tasks:
            - name: x
              «frobnicate_widget: a=1
        """}, "unknown module 'frobnicate_widget'", None),
    ("unknown module close to a real one", {"site.yml": """
        - hosts: all
          tasks:
            - «fiel: path=/x
        """}, "unknown module 'fiel'", "did you mean 'file'?"),
    ("unknown module in action:", {"site.yml": """
        - hosts: all
          tasks:
            - action: «frobnicate_widget a=1
        """}, "unknown module 'frobnicate_widget'", None),
    ("unknown argument", {"site.yml": """
        - hosts: all
          tasks:
            - file:
                path: /x
                «mdoe: "0644"
        """}, "unknown argument 'mdoe' for module 'file'", "did you mean 'mode'?"),
    ("unknown k=v argument", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x «stat=directory
        """}, "unknown argument 'stat' for module 'file'", "did you mean 'state'?"),
    ("quoted k=v argument", {"site.yml": """
        - hosts: all
          tasks:
            - file: "path=/x «stat=directory"
        """}, "unknown argument 'stat' for module 'file'", "did you mean 'state'?"),
    ("bad choice", {"site.yml": """
        - hosts: all
          tasks:
            - file:
                path: /x
                state: «dirctory
        """}, "argument 'state' of 'file' must be one of", "did you mean 'directory'?"),
    ("missing required", {"site.yml": """
        - hosts: all
          tasks:
            - «file:
                state: directory
        """}, "module 'file' needs the argument 'path'", "path / dest / name"),
    ("free form not taken", {"site.yml": """
        - hosts: all
          tasks:
            - file: «/tmp/x
        """}, "module 'file' does not take free-form text", "key=value"),
    ("arguments of a wrong type", {"site.yml": """
        - hosts: all
          tasks:
            - file: «[1, 2]
        """}, "the arguments of 'file' must be a mapping", None),
    ("args not a mapping", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              args: «[1]
        """}, "'args' must be a mapping", None),
    ("loop over a mapping", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              loop: «{a: 1}
        """}, "'loop' must be a list or a template", "dict2items"),
    ("loop over a plain string", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              loop: «users
        """}, "'loop' must be a list or a template", "{{ VAR }}"),
    ("unsupported with_", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              «with_flattened: [[1], [2]]
        """}, "'with_flattened' is not supported", "loop"),
    ("two loops", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              loop: [1]
              «with_items: [2]
        """}, "a task can loop only once", None),
    ("loop_control key", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              loop: [1]
              loop_control: {«loopvar: x}
        """}, "'loopvar' is not a valid loop_control key", "did you mean 'loop_var'?"),
    ("loop_control pause", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              loop: [1]
              loop_control:
                pause: «soon
        """}, "'pause' must be a number", None),
    ("become: maybe", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              become: «maybe
        """}, "'become' must be a boolean (true or false), got 'maybe'", None),
    ("retries: many", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              retries: «many
        """}, "'retries' must be a whole number, got 'many'", None),
    ("delay", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              delay: «soon
        """}, "'delay' must be a number", None),
    ("serial: -1", {"site.yml": """
        - hosts: all
          serial: «-1
        """}, "'serial' must be at least 0, got -1", None),
    ("serial percentage", {"site.yml": """
        - hosts: all
          serial: [1, «"150%"]
        """}, "'serial' must be between 0 and 100", None),
    ("max_fail_percentage", {"site.yml": """
        - hosts: all
          max_fail_percentage: «many
        """}, "'max_fail_percentage' must be a number", None),
    ("gather_facts", {"site.yml": """
        - hosts: all
          gather_facts: «sometimes
        """}, "'gather_facts' must be a boolean", None),
    ("when as a mapping", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              when: «{a: 1}
        """}, "'when' must be a condition", "one expression"),
    ("tags as a mapping", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              tags: [«{a: 1}]
        """}, "'tags' must be a string", None),
    ("vars as a list", {"site.yml": """
        - hosts: all
          vars: «[1, 2]
        """}, "'vars' must be a mapping of variable names", None),
    ("variable name", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              vars:
                «my-var: 1
        """}, "'my-var' is not a valid variable name", None),
    ("register", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              register: «1result
        """}, "'register' must be a variable name", None),
    ("environment", {"site.yml": """
        - hosts: all
          environment: «[1]
        """}, "'environment' must be a mapping", None),
    ("strategy", {"site.yml": """
        - hosts: all
          strategy: «free
        """}, "strategy 'free' is not supported", "linear"),
    ("no hosts", {"site.yml": """
        - «name: nowhere
          tasks: []
        """}, "this play has no 'hosts'", "hosts: all"),
    ("empty hosts", {"site.yml": """
        - hosts: «""
        """}, "'hosts' is empty", None),
    ("task in play position", {"site.yml": """
        - hosts: all
          «file: path=/x
        """}, "'file' is not a valid play keyword", "this looks like a task"),
    ("playbook not a list", {"site.yml": """
        «hosts: all
        """}, "a playbook must be a list of plays", "- hosts"),
    ("play not a mapping", {"site.yml": """
        - «just a string
        """}, "a play must be a mapping", None),
    ("task not a mapping", {"site.yml": """
        - hosts: all
          tasks:
            - «file
        """}, "a task must be a mapping", None),
    ("tasks not a list", {"site.yml": """
        - hosts: all
          tasks: «file
        """}, "'tasks' must be a list of tasks", None),
    ("block not a list", {"site.yml": """
        - hosts: all
          tasks:
            - block: «foo
        """}, "'block' must be a list of tasks", None),
    ("rescue without block", {"site.yml": """
        - hosts: all
          tasks:
            - «rescue:
                - file: path=/x
        """}, "'rescue' without 'block'", None),
    ("meta action", {"site.yml": """
        - hosts: all
          tasks:
            - meta: «flush_handler
        """}, "unknown meta action 'flush_handler'", "did you mean 'flush_handlers'?"),
    ("YAML syntax", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
             «when: x
        """}, "YAML syntax error", None),
    ("duplicate key", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              when: a
              «when: b
        """}, "duplicate key 'when'", "already set at line 4"),
    ("missing import_tasks file", {"site.yml": """
        - hosts: all
          tasks:
            - import_tasks: «missing.yml
        """}, "task file 'missing.yml' not found", "looked in"),
    ("missing include_tasks file", {"site.yml": """
        - hosts: all
          tasks:
            - include_tasks: «missing.yml
        """}, "task file 'missing.yml' not found", None),
    ("import_tasks without a file", {"site.yml": """
        - hosts: all
          tasks:
            - «import_tasks:
        """}, "import_tasks needs a task file name", None),
    ("import_tasks with a loop", {"site.yml": """
        - hosts: all
          tasks:
            - import_tasks: other.yml
              «loop: [1, 2]
        """, "other.yml": "- file: path=/x\n"}, "'loop' cannot be used on import_tasks",
     "include_tasks"),
    ("import_tasks argument", {"site.yml": """
        - hosts: all
          tasks:
            - import_tasks:
                file: other.yml
                «apply: {tags: [a]}
        """, "other.yml": "- file: path=/x\n"}, "'apply' is not an argument of import_tasks", None),
    ("templated import that cannot be resolved", {"site.yml": """
        - hosts: all
          tasks:
            - import_tasks: «"{{ inventory_hostname }}.yml"
        """}, "cannot resolve '{{ inventory_hostname }}.yml' when loading",
     "use include_tasks"),
    ("import loop", {"site.yml": """
        - hosts: all
          tasks:
            - import_tasks: a.yml
        """, "a.yml": """
        - import_tasks: site_tasks.yml
        """, "site_tasks.yml": """
        - import_tasks: «a.yml
        """}, "import loop: a.yml -> site_tasks.yml -> a.yml", None),
    ("missing role", {"site.yml": """
        - hosts: all
          roles:
            - «nosuchrole
        """}, "role 'nosuchrole' not found", "looked in"),
    ("role entry without a name", {"site.yml": """
        - hosts: all
          roles:
            - «tags: [a]
        """}, "this role entry has no 'role:'", None),
    ("templated role in roles:", {"site.yml": """
        - hosts: all
          roles:
            - role: «"{{ which }}"
        """}, "cannot be named by a template", "include_role"),
    ("role keyword value", {"site.yml": """
        - hosts: all
          roles:
            - role: web
              become: «perhaps
        """, "roles/web/tasks/main.yml": "- file: path=/x\n"}, "'become' must be a boolean", None),
    ("apply value", {"site.yml": """
        - hosts: all
          tasks:
            - include_tasks:
                file: other.yml
                apply:
                  become: «perhaps
        """, "other.yml": "- file: path=/x\n"}, "'become' must be a boolean", None),
    ("apply keyword", {"site.yml": """
        - hosts: all
          tasks:
            - include_tasks:
                file: other.yml
                apply:
                  «loop: [1]
        """, "other.yml": "- file: path=/x\n"}, "'loop' is not a valid apply keyword", None),
    ("import_playbook in tasks", {"site.yml": """
        - hosts: all
          tasks:
            - «import_playbook: other.yml
        """}, "import_playbook is not a task", "top level"),
    ("missing playbook file", {}, "cannot read", None),
    ("missing include_role", {"site.yml": """
        - hosts: all
          tasks:
            - include_role:
                name: «nosuchrole
        """}, "role 'nosuchrole' not found", None),
    ("include_role argument", {"site.yml": """
        - hosts: all
          tasks:
            - include_role:
                name: web
                «task_from: other
        """, "roles/web/tasks/main.yml": "- file: path=/x\n"},
     "'task_from' is not an argument of include_role", "did you mean 'tasks_from'?"),
    ("missing tasks_from", {"site.yml": """
        - hosts: all
          tasks:
            - import_role:
                name: «web
                tasks_from: other
        """, "roles/web/tasks/main.yml": "- file: path=/x\n"}, "'other' not found in", None),
    ("missing vars file", {"site.yml": """
        - hosts: all
          vars_files:
            - «nope.yml
        """}, "vars file 'nope.yml' not found", "relative to"),
    ("empty vars_files choice", {"site.yml": """
        - hosts: all
          vars_files: [«[]]
        """}, "a vars_files entry must be a file name or a list", None),
    ("vars file not a mapping", {"site.yml": """
        - hosts: all
          vars_files: [vars.yml]
        """, "vars.yml": "«- 1\n"}, "'vars file' must be a mapping", None),
    ("missing import_playbook", {"site.yml": """
        - import_playbook: «other.yml
        """}, "playbook 'other.yml' not found", None),
    ("import_playbook loop", {"site.yml": """
        - import_playbook: other.yml
        """, "other.yml": """
        - import_playbook: «site.yml
        """}, "import_playbook loop: site.yml -> other.yml -> site.yml", None),
    ("import_playbook keyword", {"site.yml": """
        - import_playbook: other.yml
          «become: true
        """, "other.yml": "- hosts: all\n"}, "'become' is not a valid import_playbook keyword", None),
    ("notified handler missing", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              notify: «restart ngnix
          handlers:
            - name: restart nginx
              file: path=/y
        """}, "no handler is named or listens to 'restart ngnix'", "did you mean 'restart nginx'?"),
    ("notified handler missing, no handlers", {"site.yml": """
        - hosts: all
          tasks:
            - file: path=/x
              notify: [«restart nothing]
        """}, "no handler is named or listens to 'restart nothing'", "no handlers"),
    ("error inside a role task file", {"site.yml": """
        - hosts: all
          roles: [web]
        """, "roles/web/tasks/main.yml": """
        - file: path=/x
          «whn: x
        """}, "'whn' is not a valid task keyword", None),
    ("role dependency loop", {"site.yml": """
        - hosts: all
          roles: [a]
        """, "roles/a/meta/main.yml": "dependencies: [b]\n",
        "roles/b/meta/main.yml": "dependencies: [«a]\n"}, "role dependency loop: a -> b -> a", None),
    ("role defaults not a mapping", {"site.yml": """
        - hosts: all
          roles: [web]
        """, "roles/web/defaults/main.yml": "«[1, 2]\n"}, "'defaults file' must be a mapping", None),
]


@pytest.mark.parametrize(("files", "message", "hint"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_error_points_at_the_offending_node(tmp_path: Path, files: dict[str, str], message: str,
                                             hint: str | None) -> None:
    path, spans = write_marked(tmp_path, files)
    errors = load_errors(path)
    matching = [error for error in errors if message in error.message]
    assert matching, f"no error contains {message!r}; got {[str(e) for e in errors]}"
    error = matching[0]
    expected = spans[0] if spans else None  # no marker: the problem is not in a file
    assert error.span == expected, f"{error.message}: {error.span} != {expected}"
    if hint is not None:
        assert error.hint is not None and hint in error.hint, error.hint


def test_every_problem_of_every_file_is_reported_together(tmp_path: Path) -> None:
    path, spans = write_marked(tmp_path, {
        "site.yml": """
            - hosts: all
              «becom: true
              tasks:
                - import_tasks: tasks/setup.yml
                - file: path=/x
                  retries: «many
              roles: [web]
            - «name: second play without hosts
            """,
        "tasks/setup.yml": """
            - «fiel: path=/x
            - file:
                path: /y
                «mdoe: "0644"
            """,
        "roles/web/tasks/main.yml": """
            - file: path=/x
              become: «maybe
            """,
    })
    errors = load_errors(path)
    assert sorted((e.span.file, e.span.line, e.span.col) for e in errors if e.span) == sorted(
        (s.file, s.line, s.col) for s in spans)


def test_the_same_problem_reached_twice_is_reported_once(tmp_path: Path) -> None:
    path, spans = write_marked(tmp_path, {
        "site.yml": """
            - hosts: all
              tasks:
                - import_tasks: common.yml
                - import_tasks: common.yml
                - include_tasks: common.yml
            """,
        "common.yml": "- file: path=/x «stat=touch\n",
    })
    errors = load_errors(path)
    assert [e.span for e in errors] == spans
