"""The templar: native values, lazy variables, loops, errors with names and spans, omit."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.lazy import UndefinedVariableError
from dockyard.playbook.template import OMIT, Templar
from dockyard.playbook.unknown import Unsafe
from dockyard.source import MarkedStr, Span, load_yaml

VARS: dict[str, Any] = {
    "ports": [80, 443],
    "port": 8080,
    "name": "web",
    "flag": True,
    "nothing": None,
    "text_list": "[1, 2]",
    "number_text": "5",
    "config": {"db": {"host": "db1", "port": "{{ port }}"}, "web": {"host": "{{ missing_var }}"}},
    "url": "http://{{ name }}:{{ port }}",
    "base": "{{ url }}/api",
    "broken": "x{{ not_defined_anywhere }}",
}


def render(value: Any, **extra: Any) -> Any:
    return Templar({**VARS, **extra}).template(value)


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ ports }}", [80, 443]),
    ("{{ port }}", 8080),
    ("{{ flag }}", True),
    ("{{ nothing }}", None),
    ("{{ 1.5 }}", 1.5),
    ("{{ {'a': 1} }}", {"a": 1}),
    ("{{ (1, 2) }}", [1, 2]),
    ("{{ text_list }}", "[1, 2]"),            # a string is not parsed into a list
    ("{{ number_text }}", "5"),
    ("{{ number_text | int }}", 5),
    ("{{ port }}\n", 8080),                   # a single node stays native
    ("{% if flag %}{{ port }}{% endif %}", 8080),
    ("{# note #}{{ port }}", 8080),
    ("{% if not flag %}x{% endif %}", None),  # no output at all
    ("{{ ports | map('string') }}", ["80", "443"]),
    ("{{ {'a': 1}.items() }}", [["a", 1]]),
])
def test_a_single_expression_keeps_its_type(source: str, expected: Any) -> None:
    result = render(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(("source", "expected"), [
    ("port {{ port }}", "port 8080"),
    ("{{ port }}{{ port }}", "80808080"),
    (" {{ port }}", " 8080"),
    ("{{ ports }}!", "[80, 443]!"),
    ("a{{ nothing }}b", "ab"),                # None renders as nothing in text
    ("{{ flag }}-", "True-"),
    ("{{ port }}\n\n", "8080\n\n"),            # trailing newlines are kept
    ("{% for p in ports %}{{ p }},{% endfor %}", "80,443,"),
])
def test_anything_else_renders_to_text(source: str, expected: str) -> None:
    assert render(source) == expected


def test_strings_without_markers_are_returned_unchanged() -> None:
    marked = MarkedStr("plain {text}")
    marked.span = Span("site.yml", 3, 9)
    assert Templar({}).template(marked) is marked


def test_unsafe_strings_are_never_rendered() -> None:
    assert render(Unsafe("{{ port }}")) == "{{ port }}"
    assert render("{{ out }}", out=Unsafe("{{ port }}")) == "{{ port }}"


def test_containers_are_rendered_recursively_and_keep_spans() -> None:
    data = load_yaml("dest: /srv/{{ name }}\nlist: ['{{ port }}', x]\n'{{ name }}_key': 1\n", "t.yml")
    result = Templar(VARS).template(data)
    assert result == {"dest": "/srv/web", "list": [8080, "x"], "web_key": 1}
    assert result.value_span("dest") == Span("t.yml", 1, 7)
    assert result["dest"].span == Span("t.yml", 1, 7)


def test_omit_drops_mapping_entries_and_list_items() -> None:
    value = {"mode": "{{ mode | default(omit) }}", "owner": "root",
             "list": ["a", "{{ omit }}", "b"]}
    assert render(value, omit=OMIT) == {"owner": "root", "list": ["a", "b"]}
    assert render("{{ omit }}", omit=OMIT) == OMIT


def test_variables_are_rendered_when_read() -> None:
    assert render("{{ url }}") == "http://web:8080"
    assert render("{{ base }}") == "http://web:8080/api"
    assert render("{{ config.db.port }}") == 8080
    assert render("{{ config.db }}") == {"host": "db1", "port": 8080}


def test_reading_one_member_does_not_render_the_others() -> None:
    # config.web.host is undefined, but nothing reads it.
    assert render("{{ config.db.host }}") == "db1"
    with pytest.raises(UndefinedVariableError, match="'missing_var' is undefined"):
        render("{{ config }}")


def test_a_variable_using_an_undefined_name_is_itself_undefined() -> None:
    assert render("{{ broken | default('fallback') }}") == "fallback"
    assert render("{{ broken is defined }}") is False
    with pytest.raises(UndefinedVariableError) as caught:
        render("{{ broken }}")
    assert "'not_defined_anywhere' is undefined (via broken)" in caught.value.message


def test_the_variable_chain_is_named_in_the_error() -> None:
    variables = {"a": "{{ b }}", "b": "{{ c }}x"}
    with pytest.raises(UndefinedVariableError) as caught:
        Templar(variables).template("{{ a }}")
    assert caught.value.message == "'c' is undefined (via a -> b)"
    assert caught.value.name == "c"


def test_the_error_points_at_the_variable_that_uses_the_undefined_name() -> None:
    variables = load_yaml("app: web\nurl: 'http://{{ app }}:{{ app_port }}'\n", "group_vars/all.yml")
    with pytest.raises(UndefinedVariableError) as caught:
        Templar(variables).template("{{ url }}", span=Span("site.yml", 9, 5))
    assert caught.value.span == Span("group_vars/all.yml", 2, 6)
    assert "'app_port' is undefined" in caught.value.message


@pytest.mark.parametrize("variables", [
    {"a": "{{ a }}"},
    {"a": "{{ b }}", "b": "{{ a }}"},
    {"a": "{{ b }}", "b": "{{ c }}", "c": "x{{ a }}"},
    {"a": {"nested": "{{ a.nested }}"}},
])
def test_a_variable_that_uses_itself_is_a_loop(variables: dict[str, Any]) -> None:
    with pytest.raises(PlaybookError, match="recursive loop detected in template: a"):
        Templar(variables).template("{{ a }}")


def test_a_loop_names_the_chain() -> None:
    with pytest.raises(PlaybookError) as caught:
        Templar({"a": "{{ b }}", "b": "{{ a }}"}).template("{{ a }}")
    assert caught.value.message == "recursive loop detected in template: a -> b -> a"


def test_an_undefined_variable_is_named_with_the_span_and_a_hint() -> None:
    span = Span("site.yml", 12, 7)
    with pytest.raises(UndefinedVariableError) as caught:
        Templar({"app_port": 80, "app_name": "x"}).template("{{ app_prot }}", span=span)
    error = caught.value
    assert error.message == "'app_prot' is undefined"
    assert error.span == span
    assert error.hint == "did you mean 'app_port'?"


def test_the_span_of_a_marked_string_is_used() -> None:
    data = load_yaml("msg: '{{ nope }}'\n", "tasks.yml")
    with pytest.raises(UndefinedVariableError) as caught:
        Templar({}).template(data)
    assert caught.value.span == Span("tasks.yml", 1, 6)


def test_a_missing_attribute_names_the_variable_and_the_attribute() -> None:
    result = {"rc": 0, "stdout": "ok"}
    with pytest.raises(UndefinedVariableError) as caught:
        Templar({"result": result}).template("{{ result.stdot }}")
    assert caught.value.message == "'result' has no attribute 'stdot'"
    assert caught.value.hint == "did you mean 'stdout'?"
    with pytest.raises(UndefinedVariableError, match=r"'result.x' has no attribute 'y'"):
        Templar({"result": {"x": {}}}).template("{{ result.x.y }}")
    with pytest.raises(UndefinedVariableError, match="object of type 'int' has no attribute 'y'"):
        Templar({"n": 1}).template("{{ n.y }}")


def test_chained_attributes_of_undefined_values_stay_undefined() -> None:
    assert render("{{ missing.a.b is defined }}") is False
    assert render("{{ missing.a.b | default(3) }}") == 3
    assert render("{{ config.nope.deeper | default('d') }}") == "d"


@pytest.mark.parametrize("source", [
    "{% if missing %}x{% endif %}", "{{ missing + 1 }}", "{{ missing == 1 }}",
    "{% for x in missing %}{% endfor %}", "{{ missing | upper }}", "{{ [missing] }}",
])
def test_every_use_of_an_undefined_value_fails(source: str) -> None:
    with pytest.raises(UndefinedVariableError, match="'missing' is undefined"):
        render(source)


def test_syntax_errors_are_playbook_errors_with_the_span() -> None:
    span = Span("site.yml", 4, 3)
    with pytest.raises(PlaybookError, match="template syntax error") as caught:
        Templar({}).template("{{ x ", span=span)
    assert caught.value.span == span


def test_an_unknown_filter_gets_a_suggestion() -> None:
    with pytest.raises(PlaybookError) as caught:
        Templar({"x": "a"}).template("{{ x | uper }}")
    assert "No filter named 'uper'" in caught.value.message
    assert caught.value.hint == "did you mean 'upper'?"


def test_runtime_errors_are_playbook_errors() -> None:
    with pytest.raises(PlaybookError, match="can only concatenate str"):
        Templar({}).template("{{ 'a' + 1 }}")


def test_vars_gives_every_variable() -> None:
    assert render("{{ vars['port'] }}") == 8080
    assert render("{{ vars.url }}") == "http://web:8080"


def test_with_vars_adds_values_that_are_not_rendered_again() -> None:
    templar = Templar(VARS).with_vars({"item": "{{ port }}", "port": 1})
    assert templar.template("{{ item }}") == "{{ port }}"
    assert templar.template("{{ port }}") == 1
    trusted = Templar(VARS).with_vars({"item": "{{ port }}"}, trusted=True)
    assert trusted.template("{{ item }}") == 8080


def test_resolve_gives_a_rendered_variable() -> None:
    templar = Templar(VARS)
    assert templar.resolve("url") == "http://web:8080"
    assert templar.resolve("ports") == [80, 443]
    with pytest.raises(UndefinedVariableError, match="'missing_var' is undefined"):
        templar.resolve("config")
    with pytest.raises(UndefinedVariableError, match="'prot' is undefined"):
        templar.resolve("prot")


def test_a_rendered_list_variable_renders_its_items() -> None:
    assert render("{{ items }}", items=["{{ port }}", "{{ name }}x"]) == [8080, "webx"]


def test_globals_and_extensions() -> None:
    assert render("{{ range(3) | list }}") == [0, 1, 2]
    assert render("{% set ns = namespace(n=0) %}{% for i in ports %}{% set ns.n = ns.n + i %}"
                  "{% endfor %}{{ ns.n }}") == 523
    assert render("{% for p in ports %}{% if p > 100 %}{% break %}{% endif %}{{ p }}{% endfor %}") == 80
    assert render("{% set l = [] %}{% do l.append(1) %}{{ l }}") == [1]
    assert render("{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(nothing) }}") == "<>"


def test_backslashes_in_expressions_are_taken_literally() -> None:
    # What YAML gives for "{{ v | regex_replace('(\\d)', '<\\1>') }}": one backslash each.
    templar = Templar({"v": "x1", "lazy": r"{{ v | regex_replace('(\d)', '<\1>') }}"})
    assert templar.template(r"{{ v | regex_replace('(\d)', '<\1>') }}") == "x<1>"
    assert templar.template("{{ lazy }}") == "x<1>"
    assert templar.template(r"{{ 'a\tb' }}") == "a\\tb"
    # ... but not in statements, conditions or template files (as in Ansible).
    assert templar.template(r"{% set t = 'a\tb' %}{{ t }}") == "a\tb"
    assert templar.condition(r"'a\tb' == 'a	b'") is True
    assert templar.render_text(r"{{ 'a\tb' }}") == "a\tb"
