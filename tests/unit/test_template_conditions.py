"""Conditions (when, changed_when, failed_when, until, assert's that) and whole-file rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.lazy import UndefinedVariableError
from dockyard.playbook.template import Templar
from dockyard.source import Span, load_yaml

VARS: dict[str, Any] = {
    "result": {"rc": 0, "stdout": "active", "changed": True, "failed": False},
    "items": [1, 2],
    "empty": [],
    "name": "web",
    "yes_text": "yes",
    "check": "{{ result.rc == 0 }}",
    "expression": "name == 'web'",
}


def condition(expr: Any) -> bool:
    return Templar(VARS).condition(expr)


@pytest.mark.parametrize(("expr", "expected"), [
    ("result.rc == 0", True),
    ("result.rc != 0", False),
    ("x is defined", False),
    ("result is defined", True),
    ("not (x is defined)", True),
    ("result is changed", True),
    ("result is failed", False),
    ("result is succeeded", True),
    ("'act' in result.stdout", True),
    ("items | length > 1", True),
    ("empty | length == 0", True),
    ("yes_text | bool", True),
    ("name == 'web' and items | length == 2", True),
    ("  result.rc == 0  ", True),
    ("check", True),                        # a variable holding a template
    ("{{ result.rc == 0 }}", True),         # a whole template works too
    ("{{ expression }}", True),             # ... and may give an expression to evaluate
    (True, True),
    (False, False),
    (["result.rc == 0", "items | length == 2"], True),
    (["result.rc == 0", "items | length == 3"], False),
])
def test_conditions(expr: Any, expected: bool) -> None:
    assert condition(expr) is expected


@pytest.mark.parametrize("expr", ["items", "name", "result.rc", "empty"])
def test_a_condition_must_give_a_boolean(expr: str) -> None:
    with pytest.raises(PlaybookError, match="not true or false") as caught:
        Templar(VARS).condition(expr, span=Span("site.yml", 3, 11))
    assert caught.value.span == Span("site.yml", 3, 11)
    assert "length > 0" in (caught.value.hint or "")


@pytest.mark.parametrize("expr", ["", "   ", None, 1])
def test_empty_or_odd_conditions_are_errors(expr: Any) -> None:
    with pytest.raises(PlaybookError):
        condition(expr)


def test_an_undefined_name_in_a_condition_is_named() -> None:
    with pytest.raises(UndefinedVariableError, match="'reslt' is undefined") as caught:
        condition("reslt.rc == 0")
    assert caught.value.hint == "did you mean 'result'?"


def test_a_condition_keeps_the_span_of_a_marked_list_item() -> None:
    data = load_yaml("when:\n  - result.rc == 0\n  - nope\n", "t.yml")
    with pytest.raises(UndefinedVariableError) as caught:
        condition(data["when"])
    assert caught.value.span == Span("t.yml", 3, 5)


def test_syntax_errors_in_conditions() -> None:
    with pytest.raises(PlaybookError, match="template syntax error"):
        condition("result.rc ==")
    with pytest.raises(PlaybookError, match="after the expression"):
        condition("result.rc == 0 }}")


def test_render_text_keeps_text_and_the_trailing_newline() -> None:
    templar = Templar({"port": 80, "items": [1, 2], "nothing": None})
    text = "port={{ port }}\n{% for i in items %}\nitem {{ i }}\n{% endfor %}\nnone=[{{ nothing }}]\n"
    assert templar.render_text(text) == "port=80\nitem 1\nitem 2\nnone=[]\n"
    assert templar.render_text("{{ port }}") == "80"
    assert templar.render_text("{{ items }}\n\n") == "[1, 2]\n\n"
    assert templar.render_text("{% if false %}x{% endif %}\n") == ""  # no output: empty file


def test_render_text_lstrip_and_trim_options() -> None:
    templar = Templar({"a": 1})
    text = "x\n  {% if a %}\ny\n  {% endif %}\n"
    assert templar.render_text(text) == "x\n  y\n  \n"
    assert templar.render_text(text, lstrip_blocks=True) == "x\ny\n"
    assert templar.render_text(text, trim_blocks=False) == "x\n  \ny\n  \n"


def test_render_text_defines_the_template_variables(tmp_path: Path) -> None:
    path = tmp_path / "motd.j2"
    path.write_text("{{ ansible_managed }} {{ template_path }} {{ template_fullpath }}\n")
    text = path.read_text()
    assert Templar({}).render_text(text, path=str(path)) == f"Ansible managed {path} {path}\n"
    own = Templar({"ansible_managed": "by {{ who }}", "who": "me"})
    assert own.render_text("{{ ansible_managed }}", path=str(path)) == "by me"


def test_render_text_errors_point_at_the_template_line(tmp_path: Path) -> None:
    path = tmp_path / "app.conf.j2"
    text = "a\nb\nport={{ app_port }}\n"
    with pytest.raises(UndefinedVariableError) as caught:
        Templar({"app_prot": 1}).render_text(text, path=str(path))
    assert caught.value.span == Span(str(path), 3)
    assert caught.value.hint == "did you mean 'app_prot'?"
    with pytest.raises(PlaybookError, match="template syntax error") as syntax:
        Templar({}).render_text("ok\n{% if x %}\n", path=str(path))
    assert syntax.value.span is not None and syntax.value.span.file == str(path)


def test_render_text_includes_next_to_the_template(tmp_path: Path) -> None:
    (tmp_path / "part.j2").write_text("part {{ n }}")
    main = tmp_path / "main.j2"
    text = "{% for n in [1, 2] %}{% include 'part.j2' %};{% endfor %}"
    assert Templar({}).render_text(text, path=str(main)) == "part 1;part 2;"
    with pytest.raises(PlaybookError, match=r"template 'nope.j2' not found"):
        Templar({}).render_text("{% include 'nope.j2' %}", path=str(main))
