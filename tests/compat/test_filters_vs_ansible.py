"""dockyard's templating against ansible-core's own, expression by expression.

Every case of the table is rendered by dockyard's Templar and by ansible-core's
``Templar`` (the templating engine ``ansible-playbook`` uses) with the same variables,
and the results compared as JSON (so the types count: ``5`` is not ``"5"``). Ansible
runs once, in a subprocess with an isolated configuration, for the whole table.

Modes: ``eq`` (same value), ``set`` (same items, any order: dockyard keeps input order
where ansible-core goes through a set), ``cond`` (a condition), ``text`` (a whole file,
as the template module renders it), ``error`` / ``error-cond`` (both refuse it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.template import Templar
from tests.compat.ansible_oracle import ansible_env, needs_ansible

pytestmark = [needs_ansible,
              pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")]

VARS: dict[str, Any] = {
    "n": 5, "f": 2.5, "s": "Hello World", "empty": "", "none": None, "yes": "yes", "flag": True,
    "l": [3, 1, 2, 1], "words": ["b", "a", "B"], "d": {"b": 2, "a": 1},
    "users": [{"name": "ann", "admin": True, "groups": ["wheel", "dev"]},
              {"name": "bob", "admin": False, "groups": ["dev"]}],
    "defaults": {"a": 1, "n": {"x": 1, "y": 2}, "l": [1, 2]},
    "overrides": {"b": 2, "n": {"y": 3}, "l": [2, 3]},
    "url": "http://{{ s | lower | replace(' ', '-') }}:{{ n * 2 }}",
    "lazy": {"x": "{{ n + 1 }}", "l": ["{{ s }}", 2]},
    "chain": "{{ url }}/api",
    "result": {"changed": True, "failed": False, "rc": 0, "stdout": "v1.2.3\nok",
               "stdout_lines": ["v1.2.3", "ok"]},
    "loop_result": {"results": [{"changed": False}, {"changed": True}]},
    "text_list": "[1, 2]", "num_text": "42", "path": "/etc/nginx/nginx.conf",
    "json_text": '{"a": [1, 2, {"b": null}]}', "yaml_text": "a: 1\nb: [x, y]\n",
    "regex_var": "{{ 'x1' | regex_replace('(\\d)', '<\\1>') }}",
    "statement_var": "{% set r = 'x1' | regex_replace('(\\d)', '<\\1>') %}{{ r }}",
}

CASES: list[tuple[str, str]] = [
    # native types and text
    ("eq", "{{ n }}"), ("eq", "{{ f }}"), ("eq", "{{ s }}"), ("eq", "{{ none }}"), ("eq", "{{ flag }}"),
    ("eq", "{{ l }}"), ("eq", "{{ d }}"), ("eq", "{{ text_list }}"), ("eq", "{{ num_text }}"),
    ("eq", "{{ num_text | int }}"), ("eq", "n={{ n }}"), ("eq", "{{ n }}{{ n }}"), ("eq", " {{ n }}"),
    ("eq", "{{ l }}!"), ("eq", "a{{ none }}b"), ("eq", "{{ flag }}-"), ("eq", "{{ n }}\n"),
    ("eq", "{{ s }}\n\n"), ("eq", "{% if flag %}{{ l }}{% endif %}"), ("eq", "{% if not flag %}x{% endif %}"),
    ("eq", "{{ (1, 2) }}"), ("eq", "{{ d.items() | list }}"), ("eq", "{{ d.keys() | list }}"),
    ("eq", "{% for i in l %}{{ i }},{% endfor %}"), ("eq", "{{ 'a' ~ none }}"), ("eq", "{{ d }}!"),
    ("eq", "{# c #}{{ n }}"), ("eq", "{{ n > 3 }}"), ("eq", "{{ 1.0 == 1 }}"),
    # lazy variables
    ("eq", "{{ url }}"), ("eq", "{{ chain }}"), ("eq", "{{ lazy }}"), ("eq", "{{ lazy.x }}"),
    ("eq", "{{ lazy.l }}"), ("eq", "{{ lazy | to_json }}"),
    ("eq", "{{ missing | default(url) }}"),
    # default / mandatory / ternary / bool
    ("eq", "{{ missing | default('d') }}"), ("eq", "{{ missing | d(3) }}"), ("eq", "{{ missing | default }}"),
    ("eq", "{{ empty | default('d') }}"), ("eq", "{{ empty | default('d', true) }}"),
    ("eq", "{{ missing.a.b | default(1) }}"), ("eq", "{{ d.zz | default(none) }}"),
    ("eq", "{{ s | mandatory }}"), ("error", "{{ missing | mandatory }}"),
    ("eq", "{{ flag | ternary('y', 'n') }}"), ("eq", "{{ none | ternary('y', 'n', 'none') }}"),
    ("eq", "{{ yes | bool }}"), ("eq", "{{ 'off' | bool }}"), ("eq", "{{ 1 | bool }}"),
    ("eq", "{{ '0' | bool }}"), ("eq", "{{ 'TRUE' | bool }}"),
    # strings
    ("eq", "{{ s | lower }}"), ("eq", "{{ s | upper }}"), ("eq", "{{ s | replace('o', '0') }}"),
    ("eq", "{{ '  x  ' | trim }}"), ("eq", "{{ s | split }}"), ("eq", "{{ 'a,b,,c' | split(',') }}"),
    ("eq", "{{ words | join('-') }}"), ("eq", "{{ s | length }}"), ("eq", "{{ n | string }}"),
    ("eq", "{{ -3 | abs }}"), ("eq", "{{ \"it's\" | quote }}"), ("eq", "{{ s | quote }}"),
    ("eq", "{{ none | quote }}"),
    # regex: backslashes inside {{ }} are written once, as after YAML parsing
    ("eq", r"{{ s | regex_replace('o', '0') }}"), ("eq", r"{{ s | regex_replace('^(\w+) (\w+)$', '\2 \1') }}"),
    ("eq", r"{{ s | regex_replace('^(\\w+) (\\w+)$', '\\2 \\1') }}"),
    ("eq", "{{ s | regex_replace('WORLD', 'x', ignorecase=true) }}"),
    ("eq", "{{ result.stdout | regex_search('v([0-9.]+)') }}"),
    ("eq", r"{{ result.stdout | regex_search('v(\d+)\.(\d+)', '\1', '\2') }}"),
    ("eq", r"{{ result.stdout | regex_search('(?P<maj>\d+)', '\g<maj>') }}"),
    ("eq", r"{{ s | regex_search('xyz') }}"), ("eq", r"{{ s | regex_search('(x)', '\1') }}"),
    ("eq", r"{{ 'a1b22' | regex_findall('\d+') }}"), ("eq", r"{{ 'k=v k2=v2' | regex_findall('(\w+)=(\w+)') }}"),
    ("eq", "{{ 'a.b' | regex_escape }}"), ("eq", "{{ result.stdout | regex_replace('^', '> ', multiline=true) }}"),
    ("eq", r"{{ 'a\tb' }}"), ("eq", r"{% set x = 'a\tb' %}{{ x }}"), ("eq", r"{{ 'x1' | regex_replace('(\d)', '<\1>') }}"),
    ("eq", "{{ regex_var }}"), ("eq", "{{ statement_var }}"),
    # json / yaml
    ("eq", "{{ d | to_json }}"), ("eq", "{{ 'é' | to_json }}"), ("eq", "{{ users | to_json }}"),
    ("eq", "{{ d | to_nice_json }}"), ("eq", "{{ l | to_nice_json(indent=2) }}"),
    ("eq", "{{ json_text | from_json }}"), ("eq", "{{ d | to_yaml }}"), ("eq", "{{ users | to_yaml }}"),
    ("eq", "{{ users | to_nice_yaml }}"), ("eq", "{{ defaults | to_nice_yaml(indent=2) }}"),
    ("eq", "{{ s | to_yaml }}"), ("eq", "{{ 'é' | to_yaml }}"), ("eq", "{{ yaml_text | from_yaml }}"),
    ("eq", "{{ 'a: 1\n---\nb: 2' | from_yaml_all | list }}"), ("eq", "{{ none | to_json }}"),
    # encodings, paths, hashes
    ("eq", "{{ s | b64encode }}"), ("eq", "{{ 'SGVsbG8gV29ybGQ=' | b64decode }}"),
    ("eq", "{{ path | basename }}"), ("eq", "{{ path | dirname }}"), ("eq", "{{ path | splitext }}"),
    ("eq", "{{ ['/a', 'b', 'c'] | path_join }}"), ("eq", "{{ s | hash('md5') }}"), ("eq", "{{ s | hash }}"),
    ("eq", "{{ s | hash('sha256') }}"), ("eq", "{{ s | sha1 }}"), ("eq", "{{ s | md5 }}"),
    ("eq", "{{ s | checksum }}"), ("eq", "{{ s | to_uuid }}"), ("eq", "{{ n | type_debug }}"),
    ("eq", "{{ d | type_debug }}"), ("eq", "{{ 100 | log(10) }}"), ("eq", "{{ 2 | pow(10) }}"),
    ("eq", "{{ 27 | root(3) }}"),
    # lists and mappings
    ("eq", "{{ l | unique }}"), ("eq", "{{ words | unique }}"), ("eq", "{{ words | unique(case_sensitive=true) }}"),
    ("eq", "{{ l | first }}"), ("eq", "{{ l | last }}"), ("eq", "{{ l | sort }}"), ("eq", "{{ l | min }}"),
    ("eq", "{{ l | max }}"), ("eq", "{{ l | sum }}"), ("eq", "{{ l | length }}"), ("eq", "{{ d | list }}"),
    ("set", "{{ l | union([4, 1]) }}"), ("set", "{{ l | intersect([1, 2, 9]) }}"),
    ("set", "{{ l | difference([1]) }}"), ("set", "{{ l | symmetric_difference([1, 7]) }}"),
    ("set", "{{ ['x', 'y'] | union(['z', 'x']) }}"),
    ("eq", "{{ [1, [2, [3, [4]]], none, 'x'] | flatten }}"), ("eq", "{{ [1, [2, [3]]] | flatten(levels=1) }}"),
    ("eq", "{{ defaults | combine(overrides) }}"), ("eq", "{{ defaults | combine(overrides, recursive=true) }}"),
    ("eq", "{{ defaults | combine(overrides, list_merge='append') }}"),
    ("eq", "{{ defaults | combine(overrides, list_merge='prepend_rp') }}"),
    ("eq", "{{ [defaults, overrides] | combine }}"), ("eq", "{{ d | dict2items }}"),
    ("eq", "{{ d | dict2items(key_name='k', value_name='v') }}"),
    ("eq", "{{ d | dict2items | items2dict }}"), ("eq", "{{ users | map(attribute='name') | list }}"),
    ("eq", "{{ users | selectattr('admin') | map(attribute='name') | list }}"),
    ("eq", "{{ users | rejectattr('admin') | map(attribute='name') | list }}"),
    ("eq", "{{ users | selectattr('groups', 'contains', 'wheel') | map(attribute='name') | list }}"),
    ("eq", "{{ users | map(attribute='groups') | flatten | unique }}"),
    ("eq", "{{ users | subelements('groups') | map('last') | list }}"),
    ("eq", "{{ ['ann'] | map('extract', {'ann': {'uid': 1}}, 'uid') | list }}"),
    ("eq", "{{ l | zip(['a', 'b']) | list }}"), ("eq", "{{ [1, 2] | zip_longest(['a']) | list }}"),
    ("eq", "{{ dict(['a', 'b'] | zip([1, 2])) }}"), ("eq", "{{ [1, 2] | product(['a']) | list }}"),
    ("eq", "{{ [1, 2, 3] | combinations(2) | list }}"), ("eq", "{{ l | select('odd') | list }}"),
    ("eq", "{{ l | map('string') | list }}"), ("eq", "{{ d | dictsort }}"),
    # tests
    ("eq", "{{ missing is defined }}"), ("eq", "{{ d.a is defined }}"), ("eq", "{{ d.zz is undefined }}"),
    ("eq", "{{ result is changed }}"), ("eq", "{{ result is succeeded }}"), ("eq", "{{ result is failed }}"),
    ("eq", "{{ result is skipped }}"), ("eq", "{{ loop_result is changed }}"),
    ("eq", "{{ s is match('Hello') }}"), ("eq", "{{ s is match('World') }}"), ("eq", "{{ s is search('World') }}"),
    ("eq", "{{ s is regex('world', ignorecase=true) }}"),
    ("eq", "{{ '1.10' is version('1.9', '>') }}"), ("eq", "{{ '1.2.3' is version('1.2.3', 'eq') }}"),
    ("eq", "{{ '2.0' is version('10.0', '<') }}"), ("eq", "{{ '1.0a1' is version('1.0', '<', strict=true) }}"),
    ("eq", "{{ '1.0.0-rc.1' is version('1.0.0', 'lt', version_type='semver') }}"),
    ("eq", "{{ '3.10a' is version('3.10', '>') }}"), ("eq", "{{ '22.04' is version_compare('20.04', '>=') }}"),
    ("error", "{{ '1.x' is version('1.0', strict=true) }}"), ("error", "{{ 'a' is version('1', '<') }}"),
    ("eq", "{{ 'no' is truthy }}"), ("eq", "{{ 'no' is truthy(convert_bool=true) }}"),
    ("eq", "{{ 'off' is falsy(convert_bool=true) }}"), ("eq", "{{ [1, 2] is contains(2) }}"),
    ("eq", "{{ [1] is subset([1, 2]) }}"), ("eq", "{{ [1, 2] is superset([3]) }}"),
    ("eq", "{{ [true, false] is any }}"), ("eq", "{{ [true, false] is all }}"), ("eq", "{{ s is string }}"),
    ("eq", "{{ n is number }}"), ("eq", "{{ d is mapping }}"), ("eq", "{{ l is sequence }}"),
    ("eq", "{{ '/' is directory }}"), ("eq", "{{ '/nonexistent' is exists }}"), ("eq", "{{ '/etc' is abs }}"),
    # conditions
    ("cond", "result.rc == 0"), ("cond", "missing is defined"), ("cond", "not (missing is defined)"),
    ("cond", "s is match('H')"), ("cond", "l | length > 3"), ("cond", "{{ n > 1 }}"), ("cond", "flag"),
    ("cond", "yes | bool"), ("cond", "'a\tb' == 'a\tb'"), ("cond", "'x1' | regex_replace('(\\d)', '<\\1>') == '<1>'"),
    ("error-cond", "l"), ("error-cond", "s"), ("error-cond", "missing"),
    ("error-cond", "result.stdout"),
    # whole files, as the template module renders them
    ("text", "port={{ n }}\n{% for i in l %}\nitem {{ i }}\n{% endfor %}\nnone=[{{ none }}]\n"),
    ("text", "x\n  {% if flag %}\ny\n  {% endif %}\n"), ("text", "{% if not flag %}x{% endif %}\n"),
    ("text", "{{ n }}"), ("text", "{{ l }}\n\n\n"), ("text", r"{{ 'a\tb' }}"), ("text", "{{ d | to_nice_yaml }}"),
    ("text", "{% macro m(x) %}<{{ x }}>{% endmacro %}{{ m(none) }}{{ m(n) }}\n"),
    ("text", "{% set ns = namespace(total=0) %}{% for i in l %}{% set ns.total = ns.total + i %}"
             "{% endfor %}{{ ns.total }}"),
    # errors
    ("error", "{{ missing }}"), ("error", "{{ d.zz }}"), ("error", "{{ missing | upper }}"),
    ("error", "{{ 'x' + 1 }}"), ("error", "{{ d | dict2items(1) | bogus }}"),
    ("error", "{{ [1] | dict2items }}"), ("error", "{{ 'x' | items2dict }}"),
]


_ORACLE = """
import json, sys
from ansible.template import Templar, trust_as_template
from ansible.parsing.dataloader import DataLoader

def trust(value):
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trust(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trust(item) for item in value]
    return value

request = json.load(sys.stdin)
templar = Templar(loader=DataLoader(), variables=trust(request["vars"]))
answers = []
for mode, expr in request["cases"]:
    try:
        if mode.endswith("cond"):
            value = templar.evaluate_conditional(trust_as_template(expr))
        elif mode == "text":
            value = templar.template(trust_as_template(expr), escape_backslashes=False)
            value = "" if value is None else str(value)
        else:
            value = templar.template(trust_as_template(expr))
        answers.append({"value": json.loads(json.dumps(value, default=str))})
    except Exception as error:
        answers.append({"error": f"{type(error).__name__}: {error}"})
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def ansible_answers(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    home = tmp_path_factory.mktemp("ansible-home")
    result = subprocess.run([sys.executable, "-c", _ORACLE],
                            input=json.dumps({"vars": VARS, "cases": CASES}),
                            cwd=home, env=ansible_env(Path(home)), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answers: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(answers) == len(CASES)
    return answers


def dockyard_answer(mode: str, expr: str) -> dict[str, Any]:
    templar = Templar(VARS)
    value: Any
    try:
        if mode == "text":
            value = templar.render_text(expr)
        else:
            value = templar.condition(expr) if mode.endswith("cond") else templar.template(expr)
    except PlaybookError as error:
        return {"error": error.message}
    return {"value": json.loads(json.dumps(value, default=str))}


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{m}:{e}" for m, e in CASES])
def test_same_result_as_ansible(index: int, ansible_answers: list[dict[str, Any]]) -> None:
    mode, expr = CASES[index]
    theirs, ours = ansible_answers[index], dockyard_answer(mode, expr)
    if mode.startswith("error"):
        assert "error" in theirs, f"ansible-core accepted it: {theirs}"
        assert "error" in ours, f"dockyard accepted it: {ours}"
        return
    assert "error" not in ours, ours["error"]
    assert "error" not in theirs, theirs["error"]
    if mode == "set":
        assert sorted(map(_key, ours["value"])) == sorted(map(_key, theirs["value"]))
    else:
        assert ours["value"] == theirs["value"]


def test_the_table_covers_every_mode() -> None:
    assert {mode for mode, _ in CASES} == {"eq", "set", "cond", "text", "error", "error-cond"}
