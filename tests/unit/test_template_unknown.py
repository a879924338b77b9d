"""Values known only after apply: holding one is fine, using one names where it comes from."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from dockyard.playbook.template import Templar
from dockyard.playbook.unknown import Unknown, UnknownValueError
from dockyard.source import Span

TASK_SPAN = Span("site.yml", 12, 7)


def variables(**extra: Any) -> dict[str, Any]:
    out = Unknown("out", task="get version", span=TASK_SPAN)
    return {"out": out, "port": 80, "partly": {"rc": Unknown("partly.rc", task="probe"), "name": "x"},
            "derived": "v{{ out.stdout }}", **extra}


def fails_on(source: str, path: str, **extra: Any) -> UnknownValueError:
    with pytest.raises(UnknownValueError) as caught:
        Templar(variables(**extra)).template(source, span=Span("site.yml", 30, 9))
    assert caught.value.unknown.path == path
    assert caught.value.span == Span("site.yml", 30, 9)
    return caught.value


def test_the_message_names_the_value_and_the_task() -> None:
    error = fails_on("{{ out.stdout }}", "out.stdout")
    assert error.message == ("out.stdout is known only after apply "
                             "(registered by task 'get version' at site.yml:12:7)")


def test_holding_an_unknown_is_fine() -> None:
    templar = Templar(variables())
    assert templar.template("{{ port + 1 }}") == 81
    assert templar.template("{{ partly.name }}") == "x"
    assert templar.template({"a": "{{ port }}", "b": "plain"}) == {"a": 80, "b": "plain"}


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ out is defined }}", True),
    ("{{ out.stdout is defined }}", True),
    ("{{ out is undefined }}", False),
    ("{{ derived is defined }}", True),
    ("{{ partly.rc is defined }}", True),
])
def test_an_unknown_is_defined(source: str, expected: bool) -> None:
    assert Templar(variables()).template(source) is expected


@pytest.mark.parametrize(("source", "path"), [
    ("{{ out }}", "out"),
    ("{{ out.stdout }}", "out.stdout"),
    ("{{ out['stdout'] }}", "out.stdout"),
    ("{{ out['a-b'] }}", "out['a-b']"),
    ("{{ out.stdout_lines[0] }}", "out.stdout_lines[0]"),
    ("{{ out.path }}", "out.path"),             # member names that are also Python names
    ("{{ out.rc == 0 }}", "out.rc"),
    ("{{ 0 == out.rc }}", "out.rc"),
    ("{{ out.rc < 1 }}", "out.rc"),
    ("{{ 'x' in out.stdout }}", "out.stdout"),
    ("{{ out.stdout in ['x'] }}", "out.stdout"),
    ("{{ out.rc + 1 }}", "out.rc"),
    ("{{ 1 + out.rc }}", "out.rc"),
    ("{{ 'v' ~ out.stdout }}", "out.stdout"),
    ("{{ 'v' + out.stdout }}", "out.stdout"),
    ("v{{ out.stdout }}", "out.stdout"),
    ("{{ out.stdout | upper }}", "out.stdout"),
    ("{{ out.stdout | length }}", "out.stdout"),
    ("{{ out | to_json }}", "out"),
    ("{{ [out.stdout, 1] | to_json }}", "out.stdout"),
    ("{{ out.stdout | default('fallback') }}", "out.stdout"),
    ("{{ out.stdout | mandatory }}", "out.stdout"),
    ("{{ [1, out.stdout] }}", "out.stdout"),
    ("{{ {'k': out.stdout} }}", "out.stdout"),
    ("{{ {out.stdout: 1} }}", "out.stdout"),
    ("{% if out.changed %}x{% endif %}", "out.changed"),
    ("{% for line in out.stdout_lines %}{% endfor %}", "out.stdout_lines"),
    ("{{ out is changed }}", "out"),
    ("{{ out.stdout is match('x') }}", "out.stdout"),
    ("{{ out.stdout is string }}", "out.stdout"),
    ("{{ out.stdout() }}", "out.stdout"),
    ("{{ derived }}", "out.stdout"),
    ("{{ partly.rc == 0 }}", "partly.rc"),
    ("{{ partly }}", "partly.rc"),
    ("{{ ['a', out.stdout] | join(',') }}", "out.stdout"),
    ("{{ [out.x] | map('upper') | list }}", "out.x"),
])
def test_every_use_of_an_unknown_raises(source: str, path: str) -> None:
    fails_on(source, path)


def test_conditions_on_unknown_values_raise() -> None:
    templar = Templar(variables())
    with pytest.raises(UnknownValueError, match=r"out.rc is known only after apply"):
        templar.condition("out.rc == 0")
    with pytest.raises(UnknownValueError, match=r"^out is known only after apply"):
        templar.condition("out is succeeded")
    assert templar.condition("out is defined") is True


def test_render_text_with_an_unknown_raises() -> None:
    with pytest.raises(UnknownValueError, match=r"out.stdout"):
        Templar(variables()).render_text("version={{ out.stdout }}\n", path="app.conf.j2")


def test_templating_an_unknown_value_directly_raises() -> None:
    unknown = Unknown("token", task="join")
    with pytest.raises(UnknownValueError, match="token"):
        Templar({}).template(unknown)
    with pytest.raises(UnknownValueError, match="token"):
        Templar({}).template({"args": [unknown]})


def test_an_unknown_refuses_python_operations_but_not_repr() -> None:
    unknown = Unknown("out", task="t")
    assert repr(unknown) == "Unknown('out')"
    assert unknown["stdout"].path == "out.stdout"
    assert unknown.member(0).path == "out[0]"
    operations: list[Callable[[Any], Any]] = [bool, str, hash, len, iter, int, float, lambda u: u == 1, lambda u: u != 1,
                  lambda u: 1 in u, lambda u: u + 1, lambda u: "a" + u, lambda u: f"{u}",
                  lambda u: u < 1, lambda u: -u, lambda u: u()]
    for operation in operations:
        with pytest.raises(UnknownValueError):
            operation(unknown)


def test_an_unknown_survives_copy_and_pickle() -> None:
    unknown = Unknown("out", task="get version", span=TASK_SPAN)
    assert copy.copy(unknown) is unknown
    assert copy.deepcopy({"a": unknown})["a"] is unknown
    again = pickle.loads(pickle.dumps(unknown))
    assert (again.path, again.task, again.span) == ("out", "get version", TASK_SPAN)
    with pytest.raises(AttributeError):
        unknown.anything = 1


def test_the_error_carries_the_unknown_for_the_engine() -> None:
    try:
        Templar(variables()).template("{{ out.stdout | trim }}")
    except UnknownValueError as error:
        assert error.unknown.task == "get version"
        assert error.unknown.span == TASK_SPAN
        assert error.hint is not None
    else:
        pytest.fail("no UnknownValueError")
