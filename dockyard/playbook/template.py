"""Jinja2 templating with ansible-core 2.19's semantics: native values, lazy variables, strict undefined.

::

    templar = Templar(task_vars)
    templar.template("{{ ports }}")              # [80, 443]: a single expression keeps its type
    templar.template("port {{ ports[0] }}")      # 'port 80': anything else renders to a string
    templar.template({"dest": "/srv/{{ app }}"}) # recursive over mappings and lists
    templar.condition("result.rc == 0")          # bare expressions, for when/changed_when/...
    templar.render_text(text, path="motd.j2")    # the template module: a whole file, always text

Rules, as in ansible-core 2.19:

* A string without ``{{``, ``{%`` or ``{#`` is returned as it is (no Jinja at all).
* A template whose output is one node returns that node's value, so ``"{{ 1 }}"`` is the
  int 1 and ``"{% if x %}{{ y }}{% endif %}"`` is ``y`` itself; several nodes are joined as
  text, ``None`` rendering as an empty string. Tuples and iterators come back as lists.
  A template that outputs nothing gives ``None``.
* Trailing newlines of the source are kept; ``trim_blocks`` is on.
* Variables are templates themselves and are rendered when read (see :mod:`.lazy`);
  a variable that uses itself, directly or not, is "recursive loop detected in template".
* An undefined variable raises :class:`~dockyard.playbook.lazy.UndefinedVariableError`
  (a PlaybookError) naming it, with the span given and a did-you-mean hint.
* A condition must give a boolean: ``when: some_list`` is an error (ansible-core 2.19's
  rule), with a hint to write ``some_list | length > 0``.
* Strings that are :class:`~dockyard.playbook.unknown.Unsafe` are never rendered, and
  using an :class:`~dockyard.playbook.unknown.Unknown` raises ``UnknownValueError``.
* A mapping entry or list item that renders to :data:`OMIT` (``default(omit)``) is dropped;
  a top-level value equal to it is returned, and the engine drops that argument.
"""

from __future__ import annotations

import os
import secrets
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import (
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.utils import missing

from dockyard.errors import PlaybookError
from dockyard.playbook.jinja_env import (
    compile_expression,
    compile_file,
    compile_template,
    environment,
    file_environment,
    is_template,
    join_text,
    keep_newlines,
    syntax_hint,
    template_line,
    template_vars,
)
from dockyard.playbook.lazy import (
    DockyardUndefined,
    LazyDict,
    Scope,
    UndefinedUse,
    UndefinedVariableError,
    VarScope,
    materialize,
    member_path,
    rendering,
)
from dockyard.playbook.unknown import Unknown, UnknownValueError, Unsafe, untrusted
from dockyard.source import MarkedDict, MarkedList, MarkedStr, Span, did_you_mean, span_of

__all__ = ["OMIT", "Templar", "is_template"]

OMIT = f"__omit_place_holder__{secrets.token_hex(20)}"
"""The value of ``omit``: unique per run, so that no real value can be mistaken for it."""

_CONDITION_HINT = ("a condition must give true or false: compare explicitly, e.g. 'x | bool', "
                   "'x | length > 0', 'x is truthy' or 'x is defined'")


class Templar:
    """Renders templates with one set of variables (one host, one task); see the module docs.

    ``variables`` is read, never changed. ``search_paths`` are where ``{% include %}`` of
    :meth:`render_text` looks, besides the template's own directory. ``globals`` are names
    templates can read that are not variables (not listed by ``vars``, not rendered).
    """

    def __init__(self, variables: Mapping[str, Any], *, search_paths: Sequence[str | Path] = (),
                 label: str = "the variables", globals: Mapping[str, Any] | None = None) -> None:
        self._raw = variables
        self._search_paths = tuple(str(path) for path in search_paths)
        self._globals = globals or {}
        names = ChainMap(dict(self._globals), environment().globals) if globals else environment().globals
        self.variables = VarScope(variables, self._resolve, names, label)
        """The variables as templates see them: each rendered when first read."""

    def with_vars(self, values: Mapping[str, Any], *, trusted: bool = False) -> Templar:
        """A templar that also sees ``values`` (loop ``item``...), which win over the others.

        Unless ``trusted``, the strings in ``values`` are data, never rendered again (they
        are usually results of templates already).
        """
        extra = dict(values) if trusted else untrusted(dict(values))
        return Templar(ChainMap(extra, self._raw),  # type: ignore[arg-type]  # read only
                       search_paths=self._search_paths,
                       label=self.variables._scope_label, globals=self._globals)

    # public API --------------------------------------------------------------------------

    def template(self, value: Any, *, span: Span | None = None) -> Any:
        """``value`` with every template in it rendered (recursively); see the module docs."""
        span = span_of(value) or span
        if isinstance(value, str):
            if isinstance(value, Unsafe) or not is_template(value):
                return value
            result = self._run(lambda: compile_template(value), value, span, native=True)
            if isinstance(result, str) and span is not None and not isinstance(result, MarkedStr):
                marked = MarkedStr(result)
                marked.span = span
                return marked
            return result
        if isinstance(value, Mapping) and not isinstance(value, Scope | LazyDict):
            return self._template_mapping(value, span)
        if isinstance(value, list | tuple):
            return self._template_list(value, span)
        if isinstance(value, Unknown):
            raise UnknownValueError(value, span=span)
        return materialize(value)

    def condition(self, expr: Any, *, span: Span | None = None) -> bool:
        """Evaluate a ``when``-style condition: a bare expression, a boolean, or a list (all)."""
        span = span_of(expr) or span
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, list | tuple):
            spans = expr.item_spans if isinstance(expr, MarkedList) else []
            return all(self.condition(item, span=spans[i] if i < len(spans) else span)
                       for i, item in enumerate(expr))
        if isinstance(expr, Unknown):
            raise UnknownValueError(expr, span=span)
        if not isinstance(expr, str):
            raise PlaybookError(f"a condition must be an expression or true/false, not {type(expr).__name__} "
                                f"{expr!r}", span=span, hint="write e.g. 'x == 1' or 'x is defined'")
        text = expr.strip()
        if not text:
            raise PlaybookError("empty condition", span=span,
                                hint="write an expression such as 'x is defined', or remove the key")
        if text.startswith("{{") and text.endswith("}}"):
            value = self._run(lambda: compile_template(text), text, span, native=True)
            if isinstance(value, bool) or not isinstance(value, str):
                return self._boolean(value, text, span)
            text = value.strip()
        value = self._run(lambda: compile_expression(text), text, span, native=True)
        return self._boolean(value, text, span)

    def render_text(self, text: str, *, path: str | Path | None = None, dest: str | None = None,
                    search_paths: Sequence[str | Path] = (), trim_blocks: bool = True,
                    lstrip_blocks: bool = False) -> str:
        """Render a whole template file (the ``template`` module): always text.

        With ``path``, the ``template_*`` variables and ``ansible_managed`` (unless set)
        are defined, errors point at ``path:LINE`` and ``{% include %}`` also looks in its
        directory.
        """
        templar = self
        search = [str(p) for p in search_paths] + list(self._search_paths)
        if path is not None:
            templar = self.with_vars(template_vars(str(path), dest, "ansible_managed" in self._raw),
                                     trusted=True)
            search.append(os.path.dirname(os.path.abspath(path)))
        env = file_environment(trim_blocks, lstrip_blocks, tuple(search))
        name = str(path) if path is not None else "<template>"
        result = templar._run(lambda: compile_file(env, text), text, Span(name, 1), native=False,
                              file=name)
        return str(result)

    def resolve(self, name: str, *, span: Span | None = None) -> Any:
        """The fully rendered value of variable ``name``; undefined raises with a hint."""
        if name not in self._raw:
            raise UndefinedVariableError(f"'{name}' is undefined", name=name, span=span,
                                         hint=self._name_hint(name))
        return self._run(None, name, span, native=True, value=lambda: self.variables[name])

    # rendering ---------------------------------------------------------------------------

    def _render(self, template: Template, source: str, *, native: bool) -> Any:
        context = template.new_context(self.variables, shared=True)  # type: ignore[arg-type]
        chunks = list(template.root_render_func(context))
        if not chunks:  # no output at all (not even trailing newlines), as in Ansible
            return None if native else ""
        value = chunks[0] if native and len(chunks) == 1 else join_text(chunks)
        return keep_newlines(source, value)

    def _resolve(self, raw: Any, path: str) -> Any:
        """A variable's value as templates see it (the resolver of :class:`VarScope`)."""
        if isinstance(raw, str):
            if isinstance(raw, Unsafe) or not is_template(raw):
                return raw
            return self._render_variable(raw, path)
        if isinstance(raw, Scope | LazyDict | Unknown | DockyardUndefined):
            return raw
        if isinstance(raw, Mapping):
            return LazyDict(raw, path, self._resolve)
        if isinstance(raw, list | tuple):
            return [self._resolve(item, member_path(path, index)) for index, item in enumerate(raw)]
        return raw

    def _render_variable(self, source: str, path: str) -> Any:
        span = span_of(source)
        with rendering(self, path, span):
            try:
                value = self._render(compile_template(source), source, native=True)
                if isinstance(value, DockyardUndefined):
                    raise UndefinedUse(value)
                return value
            except UndefinedUse as exc:
                error = self._undefined_error(exc, span).nested(path, span)
                return DockyardUndefined(name=path, error=error)
            except UnknownValueError as exc:
                return exc.unknown
            except PlaybookError as exc:
                exc.span = exc.span or span
                raise
            except Exception as exc:
                raise self._error(exc, source, span, None) from None

    def _run(self, compile: Callable[[], Template] | None, source: str, span: Span | None, *,
             native: bool, file: str | None = None, value: Callable[[], Any] | None = None) -> Any:
        """Compile and render (or just read ``value``), turning every failure into a PlaybookError."""
        template: Template | None = None
        try:
            if compile is not None:
                template = compile()
                result = self._render(template, source, native=native)
            else:
                result = value() if value is not None else None
            return materialize(result)
        except UndefinedUse as exc:
            raise self._undefined_error(exc, self._where(span, file, template, exc)) from None
        except UnknownValueError as exc:
            raise UnknownValueError(exc.unknown, span=exc.span or span) from None
        except PlaybookError as exc:
            exc.span = exc.span or self._where(span, file, template, exc)
            raise
        except Exception as exc:
            raise self._error(exc, source, span, file, template) from None

    @staticmethod
    def _where(span: Span | None, file: str | None, template: Template | None,
               exc: BaseException) -> Span | None:
        if file is None or template is None:
            return span
        line = template_line(template, exc.__traceback__)
        return Span(file, line) if line else span

    @staticmethod
    def _boolean(value: Any, text: str, span: Span | None) -> bool:
        if isinstance(value, bool):
            return value
        raise PlaybookError(f"condition '{text}' gave {type(value).__name__} {value!r}, not true or false",
                            span=span, hint=_CONDITION_HINT)

    # mappings and lists --------------------------------------------------------------------

    def _template_mapping(self, value: Mapping[Any, Any], span: Span | None) -> dict[Any, Any]:
        marked = isinstance(value, MarkedDict)
        result: dict[Any, Any] = MarkedDict() if marked else {}
        for key, item in value.items():
            item_span = value.value_span(key) if isinstance(value, MarkedDict) else span
            new_key = self.template(key, span=value.key_span(key) if isinstance(value, MarkedDict) else span)
            rendered = self.template(item, span=item_span)
            if isinstance(rendered, str) and rendered == OMIT:
                continue
            result[new_key] = rendered
            if isinstance(value, MarkedDict) and isinstance(result, MarkedDict):
                if key in value.key_spans:
                    result.key_spans[new_key] = value.key_spans[key]
                if key in value.value_spans:
                    result.value_spans[new_key] = value.value_spans[key]
        if isinstance(value, MarkedDict) and isinstance(result, MarkedDict):
            result.span = value.span
        return result

    def _template_list(self, value: Sequence[Any], span: Span | None) -> list[Any]:
        spans = value.item_spans if isinstance(value, MarkedList) else []
        result = MarkedList() if isinstance(value, MarkedList) else []
        for index, item in enumerate(value):
            item_span = spans[index] if index < len(spans) else span
            rendered = self.template(item, span=item_span)
            if isinstance(rendered, str) and rendered == OMIT:
                continue
            result.append(rendered)
            if isinstance(result, MarkedList):
                result.item_spans.append(item_span or Span("<unknown>", 0))
        if isinstance(value, MarkedList) and isinstance(result, MarkedList):
            result.span = value.span
        return result

    # errors ----------------------------------------------------------------------------

    def _name_hint(self, name: str) -> str:
        return did_you_mean(name, self.variables.names()) or (
            "define it (play vars, group_vars, -e ...) or give a fallback with '| default(...)'")

    def _undefined_error(self, exc: UndefinedUse, span: Span | None) -> UndefinedVariableError:
        undefined = exc.undefined
        error = undefined._dockyard_error
        if error is not None:
            return error.located(span)
        name, obj = undefined._undefined_name, undefined._undefined_obj
        message = undefined._undefined_message
        hint = None
        if obj is missing and name is not None and not undefined._undefined_hint:
            hint = self._name_hint(str(name))
        elif isinstance(obj, Mapping) and isinstance(name, str):
            keys = [str(key) for key in obj]
            hint = did_you_mean(name, keys) or (
                f"it has: {', '.join(sorted(keys)[:12])}{', ...' if len(keys) > 12 else ''}"
                if keys else "it is empty")
        return UndefinedVariableError(message, name=str(name), span=span, hint=hint)

    def _error(self, exc: Exception, source: str, span: Span | None, file: str | None,
               template: Template | None = None) -> PlaybookError:
        if isinstance(exc, TemplateSyntaxError):
            where = Span(file, exc.lineno) if file else span
            return PlaybookError(f"template syntax error: {exc.message}", span=where,
                                 hint=syntax_hint(exc.message or ""))
        if isinstance(exc, TemplateNotFound):
            return PlaybookError(f"template '{exc.name}' not found", span=self._where(span, file, template, exc),
                                 hint="includes are looked up next to the template and in the role's templates/")
        if isinstance(exc, RecursionError):
            return PlaybookError("recursive loop detected in template (nesting too deep)", span=span)
        shown = source if len(source) <= 80 else source[:77] + "..."
        return PlaybookError(f"cannot render {shown!r}: {exc}", span=self._where(span, file, template, exc))
