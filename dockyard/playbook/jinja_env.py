"""The Jinja2 environment dockyard renders with, and its compiled-template caches.

One environment serves every templar (filters, tests and globals registered once, see
:mod:`.filters` and :mod:`.jinja_tests`). It differs from a stock Jinja environment in:

* code generation yields native values (``{{ 1 }}`` stays the int 1, no constant folding
  into text), and ``concat`` (macros, ``{% set %}`` blocks, multi-node output) joins text
  with ``None`` as an empty string, as ansible-core 2.19 does;
* ``trim_blocks`` is on; ``jinja2.ext.do`` and ``jinja2.ext.loopcontrols`` are loaded;
* undefined names are :class:`~dockyard.playbook.lazy.DockyardUndefined`;
* attributes of an :class:`~dockyard.playbook.unknown.Unknown` are unknown members;
* ``context.get_all()`` (includes, imports) is a lazy view, not a copy of every variable.

Templates are compiled once per source text (LRU caches), so a task run on 100 hosts
compiles its arguments once.
"""

from __future__ import annotations

import datetime
import functools
import os
import pwd
import re
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, TemplateSyntaxError, nodes
from jinja2.lexer import TOKEN_STRING, TOKEN_VARIABLE_BEGIN, TOKEN_VARIABLE_END, Lexer
from jinja2.nativetypes import NativeCodeGenerator
from jinja2.parser import Parser
from jinja2.runtime import Context

from dockyard.playbook.lazy import DockyardUndefined, materialize, plugin
from dockyard.playbook.unknown import Unknown
from dockyard.source import did_you_mean

__all__ = [
    "compile_expression", "compile_file", "compile_template", "environment", "file_environment",
    "is_template", "join_text", "keep_newlines", "syntax_hint", "template_line", "template_vars",
]

_MARKERS = ("{{", "{%", "{#")


def is_template(text: str) -> bool:
    """Whether ``text`` contains Jinja markers (and so must be rendered)."""
    return any(marker in text for marker in _MARKERS)


def _text(value: Any) -> str:
    value = materialize(value)
    return "" if value is None else str(value)


def join_text(chunks: Iterable[Any]) -> str:
    return "".join([_text(chunk) for chunk in chunks])


class _CodeGenerator(NativeCodeGenerator):
    """Outputs native values and never folds an expression into text at compile time."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Any, finalize: Any) -> Any:
        if isinstance(node, nodes.TemplateData):
            return node.as_const(frame.eval_ctx)
        raise nodes.Impossible()


class _Context(Context):
    def get_all(self) -> Any:  # a lazy view instead of a dict copy of every variable
        return self.parent if not self.vars else ChainMap(self.vars, self.parent)


class _EscapingLexer(Lexer):
    """Doubles backslashes in string literals inside ``{{ }}`` (not ``{% %}``), as Ansible does.

    A YAML double-quoted ``"{{ x | regex_replace('(\\\\d)', '\\\\1') }}"`` reaches Jinja as
    ``'(\\d)'`` and ``'\\1'``; without this, Jinja would read ``'\\1'`` as the character
    ``\\x01``. Backslashes then have one meaning inside and outside ``{{ }}``.
    """

    def tokeniter(self, *args: Any, **kwargs: Any) -> Iterator[tuple[int, str, str]]:
        in_variable = False
        for token in super().tokeniter(*args, **kwargs):
            kind = token[1]
            if kind == TOKEN_VARIABLE_BEGIN:
                in_variable = True
            elif kind == TOKEN_VARIABLE_END:
                in_variable = False
            elif in_variable and kind == TOKEN_STRING:
                token = (token[0], kind, token[2].replace("\\", "\\\\"))
            yield token


class _Environment(Environment):
    code_generator_class = _CodeGenerator
    context_class = _Context
    concat = staticmethod(join_text)
    escape_backslashes = False

    @property
    def lexer(self) -> Lexer:
        if not self.escape_backslashes:
            return super().lexer
        lexer = self.__dict__.get("_escaping_lexer")
        if lexer is None:
            lexer = self.__dict__["_escaping_lexer"] = _EscapingLexer(self)
        return lexer

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Unknown):
            return obj.member(attribute)
        return super().getattr(obj, attribute)


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    from dockyard.playbook.filters import FILTERS, GLOBALS
    from dockyard.playbook.jinja_tests import TESTS, TESTS_OF_UNDEFINED

    env = _Environment(trim_blocks=True, undefined=DockyardUndefined, autoescape=False,
                       extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"])
    filters: dict[str, Callable[..., Any]] = {**env.filters, **FILTERS}
    env.filters = {name: plugin(func, accepts_undefined=name in ("default", "d", "mandatory"),
                                per_member=name in ("map", "select", "reject"))
                   for name, func in filters.items()}
    tests: dict[str, Callable[..., Any]] = dict(env.tests)  # type: ignore[arg-type]
    tests.update(TESTS)
    env.tests = {name: plugin(func, accepts_undefined=name in TESTS_OF_UNDEFINED)
                 for name, func in tests.items()}
    env.globals.update(GLOBALS)
    return env


@functools.lru_cache(maxsize=1)
def _escaping_environment() -> Environment:
    env = environment().overlay()
    env.escape_backslashes = True  # type: ignore[attr-defined]
    return env


@functools.lru_cache(maxsize=4096)
def compile_template(source: str) -> Template:
    """A task value or variable (backslashes in ``{{ }}`` strings escaped, as in Ansible)."""
    return _escaping_environment().from_string(source)


@functools.lru_cache(maxsize=2048)
def compile_expression(source: str) -> Template:
    """A bare expression (a condition); backslashes are not escaped (Ansible's rule)."""
    env = environment()
    parser = Parser(env, source, state="variable")
    expr = parser.parse_expression()
    if not parser.stream.eos:
        token = parser.stream.current
        raise TemplateSyntaxError(f"unexpected {token.value!r} after the expression", token.lineno)
    expr.set_environment(env)
    return env.from_string(nodes.Template([nodes.Output([expr], lineno=1)], lineno=1))


@functools.lru_cache(maxsize=32)
def file_environment(trim_blocks: bool, lstrip_blocks: bool, search: tuple[str, ...]) -> Environment:
    return environment().overlay(trim_blocks=trim_blocks, lstrip_blocks=lstrip_blocks,
                                  loader=FileSystemLoader(list(search)), cache_size=0,
                                  finalize=_finalize_text)


def _finalize_text(value: Any) -> Any:
    """Each output of a template file, made plain where it is written (so errors know the line)."""
    return materialize(value)


@functools.lru_cache(maxsize=256)
def compile_file(env: Environment, text: str) -> Template:
    return env.from_string(text)


def _trailing_newlines(text: str) -> int:
    return len(text) - len(text.rstrip("\n"))


def keep_newlines(source: str, value: Any) -> Any:
    if isinstance(value, str) and (missing_lines := _trailing_newlines(source) - _trailing_newlines(value)) > 0:
        return value + "\n" * missing_lines
    return value


def template_line(template: Template, tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return line


def syntax_hint(message: str) -> str:
    unknown = re.match(r"No (filter|test) named '([^']+)'", message)
    if unknown:
        kind, name = unknown.groups()
        known = environment().filters if kind == "filter" else environment().tests
        return did_you_mean(name, known) or f"dockyard has no {kind} '{name}'; see docs/templating.md"
    return "check the {{ }} / {% %} pairs and the quoting inside them"


def template_vars(path: str, dest: str | None, has_managed: bool) -> dict[str, Any]:
    """The variables the template module defines (Ansible's names)."""
    full = os.path.abspath(path)
    values: dict[str, Any] = {
        "template_host": os.uname().nodename,
        "template_path": path,
        "template_fullpath": full,
        "template_destpath": dest,
        "template_run_date": datetime.datetime.now(),
    }
    try:
        stat = os.stat(full)
    except OSError:
        stat = None
    if stat is not None:
        values["template_mtime"] = datetime.datetime.fromtimestamp(stat.st_mtime)
        try:
            values["template_uid"] = pwd.getpwuid(stat.st_uid).pw_name
        except KeyError:
            values["template_uid"] = stat.st_uid
    if not has_managed:
        values["ansible_managed"] = "Ansible managed"
    return values
