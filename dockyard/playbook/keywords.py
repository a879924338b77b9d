"""The playbook language's vocabulary: which keyword goes where, and what value it takes.

Each level (play, block, task, handler, role entry, ``import_playbook``) has a table
of the keywords dockyard understands. Anything else is either a keyword Ansible has
that dockyard does not (:data:`UNSUPPORTED`, reported with a reason), one dockyard
accepts and ignores (:data:`IGNORED`), or a mistake (reported with "did you mean").

The ``check_*`` functions turn a keyword's YAML value into the model's type, or raise a
:class:`~dockyard.errors.PlaybookError` that points at the value. A boolean or number
that is still a template is returned as a :class:`~dockyard.playbook.model.Template`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Mapping
from typing import Any

from dockyard.errors import PlaybookError
from dockyard.modules.args import is_template
from dockyard.playbook.model import Condition, EnvLayer, LoopControl, Template
from dockyard.source import MarkedDict, Span, did_you_mean, span_of
from dockyard.values import FALSE_WORDS, TRUE_WORDS

__all__ = [
    "BLOCK_KEYWORDS",
    "FREE_FORM_MODULES",
    "HANDLER_KEYWORDS",
    "IGNORED",
    "IMPORT_PLAYBOOK_KEYWORDS",
    "INHERITED_SCALARS",
    "KEYWORD_CHECKS",
    "LOOP_KINDS",
    "META_ACTIONS",
    "PLAY_KEYWORDS",
    "ROLE_ENTRY_KEYWORDS",
    "SPECIAL_ACTIONS",
    "STRATEGIES",
    "TASK_KEYWORDS",
    "UNSUPPORTED",
    "check_bool",
    "check_conditions",
    "check_environment",
    "check_identifier",
    "check_int",
    "check_loop_control",
    "check_names",
    "check_number",
    "check_serial",
    "check_str",
    "check_tags",
    "check_vars",
    "parse_kv",
    "split_args",
    "unknown_keyword",
]

#: Nearest-wins keywords a task inherits from its blocks, role entry and play.
INHERITED_SCALARS = (
    "become", "become_user", "become_method", "remote_user", "connection",
    "check_mode", "diff", "no_log", "ignore_errors", "ignore_unreachable",
    "any_errors_fatal", "run_once", "delegate_to",
)
_COMMON = frozenset({*INHERITED_SCALARS, "vars", "environment", "tags"}) - {"delegate_to"}

PLAY_KEYWORDS = _COMMON | {
    "name", "hosts", "vars_files", "gather_facts", "roles", "pre_tasks", "tasks",
    "post_tasks", "handlers", "serial", "strategy", "max_fail_percentage", "force_handlers",
}
BLOCK_KEYWORDS = _COMMON | {"name", "block", "rescue", "always", "when", "delegate_to", "notify"}
TASK_KEYWORDS = _COMMON | {
    "name", "action", "local_action", "args", "when", "delegate_to", "notify", "register",
    "loop", "loop_control", "changed_when", "failed_when", "until", "retries", "delay",
}
HANDLER_KEYWORDS = TASK_KEYWORDS | {"listen"}
#: Keys of a ``roles:`` entry that are keywords; every other key is a role parameter.
ROLE_ENTRY_KEYWORDS = _COMMON | {"role", "name", "when", "delegate_to"}
IMPORT_PLAYBOOK_KEYWORDS = frozenset({"import_playbook", "name", "vars", "tags", "when"})

#: The loop keywords dockyard runs (``loop`` plus the ``with_*`` lookups the engine knows).
LOOP_KINDS = ("loop", "with_items", "with_list", "with_dict", "with_indexed_items",
              "with_fileglob", "with_sequence")
LOOP_CONTROL_KEYS = ("loop_var", "index_var", "label", "pause", "extended",
                     "extended_allitems", "break_when")

#: The language's own actions (not modules), by short name.
SPECIAL_ACTIONS = ("meta", "include_tasks", "import_tasks", "include_role", "import_role")
META_ACTIONS = ("flush_handlers", "noop", "refresh_inventory", "clear_facts",
                "clear_host_errors", "end_play", "end_host", "end_batch", "end_role",
                "reset_connection")
STRATEGIES = ("linear",)

#: Ansible keywords dockyard accepts and ignores (they change nothing it does).
IGNORED = frozenset({"debugger", "collections", "gather_subset", "gather_timeout", "fact_path"})

#: Ansible keywords dockyard does not support, with what to do instead.
UNSUPPORTED: Mapping[str, str] = {
    "async": "background tasks are not supported; run the command in the foreground",
    "poll": "background tasks are not supported; remove 'poll'",
    "throttle": "limit parallelism with --forks or 'serial' on the play",
    "timeout": "task timeouts are not supported; wrap a command in 'timeout N ...'",
    "module_defaults": "repeat the arguments on each task, or use a variable",
    "vars_prompt": "pass the values with -e name=value instead",
    "order": "hosts run in inventory order",
    "port": "set ansible_port in the inventory",
    "become_exe": "set ansible_become_exe in the inventory",
    "become_flags": "set ansible_become_flags in the inventory",
    "delegate_facts": "facts of delegated hosts are not supported",
    "include": "'include' was removed from Ansible; use include_tasks or import_tasks",
    "static": "use import_tasks (static) or include_tasks (dynamic)",
}


def unknown_keyword(key: str, where: str, allowed: frozenset[str], span: Span | None) -> PlaybookError:
    """The error for a key that is not a keyword at this level."""
    if key in UNSUPPORTED:
        return PlaybookError(f"'{key}' is not supported by dockyard", span=span, hint=UNSUPPORTED[key])
    hint = did_you_mean(key, allowed) or f"{where} keywords are: {', '.join(sorted(allowed))}"
    return PlaybookError(f"'{key}' is not a valid {where} keyword", span=span, hint=hint)


def _error(key: str, expected: str, value: Any, span: Span | None, hint: str | None = None) -> PlaybookError:
    shown = repr(str(value)) if isinstance(value, str) else type(value).__name__
    if isinstance(value, bool | int | float) or value is None:
        shown = repr(value)
    return PlaybookError(f"'{key}' must be {expected}, got {shown}", span=span, hint=hint)


def check_bool(key: str, value: Any, span: Span | None) -> bool | Template:
    """``true``/``false`` and Ansible's words for them (yes/no/on/off/1/0)."""
    if isinstance(value, bool):
        return value
    if is_template(value):
        return Template(str(value), span)
    if isinstance(value, str | int) and str(value).strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return str(value).strip().lower() in TRUE_WORDS
    raise _error(key, "a boolean (true or false)", value, span)


def check_int(key: str, value: Any, span: Span | None, *, minimum: int = 0) -> int | Template:
    if is_template(value):
        return Template(str(value), span)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value)
    else:
        raise _error(key, "a whole number", value, span)
    if number < minimum:
        raise _error(key, f"at least {minimum}", value, span)
    return number


def check_number(key: str, value: Any, span: Span | None, *, minimum: float = 0,
                 maximum: float | None = None) -> float | Template:
    if is_template(value):
        return Template(str(value), span)
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise _error(key, "a number", value, span) from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise _error(key, bounds, value, span)
    return number


def check_str(key: str, value: Any, span: Span | None) -> str:
    """A scalar written where a string is wanted (``become_user: 1000`` is "1000")."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _error(key, "a string", value, span)


def check_names(key: str, value: Any, span: Span | None) -> tuple[str, ...]:
    """A string or a list of strings (``notify``, ``listen``)."""
    items = value if isinstance(value, list) else [value]
    names = []
    for index, item in enumerate(items):
        item_span = value.item_span(index) if hasattr(value, "item_span") else span
        names.append(check_str(key, item, span_of(item) or item_span))
    return tuple(names)


def check_tags(key: str, value: Any, span: Span | None) -> frozenset[str]:
    """Tags: a list, or a comma-separated string (``tags: web,db``)."""
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return frozenset(check_names(key, value, span))


def check_conditions(key: str, value: Any, span: Span | None) -> tuple[Condition, ...]:
    """``when`` and friends: an expression, a boolean, or a list of them (all must hold)."""
    items = value if isinstance(value, list) else [value]
    found: list[Condition] = []
    for item in items:
        if isinstance(item, bool | str):
            found.append(item)
        elif isinstance(item, int | float):
            found.append(str(item))
        else:
            hint = "write the condition as one expression, e.g. when: x is defined" if isinstance(
                item, Mapping) else "quote the expression"
            raise _error(key, "a condition (an expression or a list of them)", item,
                   span_of(item) or span, hint)
    return tuple(found)


def check_vars(key: str, value: Any, span: Span | None) -> MarkedDict:
    """A mapping of variable names (identifiers) to values."""
    if value is None:
        return MarkedDict()
    if not isinstance(value, Mapping):
        raise _error(key, "a mapping of variable names to values", value, span,
               "write one 'name: value' per line")
    marked = value if isinstance(value, MarkedDict) else MarkedDict(value)
    for name in marked:
        if not (isinstance(name, str) and name.isidentifier() and name.isascii()):
            raise PlaybookError(f"'{name}' is not a valid variable name", span=marked.key_span(name) or span,
                          hint="variable names are letters, digits and '_', not starting with "
                          "a digit")
    return marked


def check_environment(key: str, value: Any, span: Span | None) -> tuple[EnvLayer, ...]:
    """A mapping, a template of one, or a list of them (later ones win)."""
    items = value if isinstance(value, list) else [value]
    layers: list[EnvLayer] = []
    for item in items:
        if is_template(item):
            layers.append(Template(str(item), span_of(item) or span))
        elif isinstance(item, Mapping):
            layers.append(item)
        elif item is not None:
            raise _error(key, "a mapping of environment variables", item, span_of(item) or span)
    return tuple(layers)


def check_serial(key: str, value: Any, span: Span | None) -> tuple[int | str | Template, ...]:
    """A batch size: a number (0 = all), a percentage ("30%"), or a list of them."""
    items = value if isinstance(value, list) else [value]
    batches: list[int | str | Template] = []
    for item in items:
        if isinstance(item, str) and item.strip().endswith("%"):
            check_number(key, item.strip()[:-1], span_of(item) or span, minimum=0, maximum=100)
            batches.append(item.strip())
        else:
            batches.append(check_int(key, item, span_of(item) or span, minimum=0))
    return tuple(batches)


def check_loop_control(value: Any, span: Span | None) -> LoopControl:
    if not isinstance(value, MarkedDict):
        raise _error("loop_control", "a mapping", value, span)
    fields: dict[str, Any] = {"span": span}
    for key, item in value.items():
        where = value.value_span(key)
        if key not in LOOP_CONTROL_KEYS:
            hint = did_you_mean(str(key), LOOP_CONTROL_KEYS) or f"use one of: {', '.join(LOOP_CONTROL_KEYS)}"
            raise PlaybookError(f"'{key}' is not a valid loop_control key", span=value.key_span(key),
                          hint=hint)
        if key in ("loop_var", "index_var"):
            fields[key] = check_str(key, item, where)
        elif key == "pause":
            fields[key] = check_number(key, item, where)
        elif key in ("extended", "extended_allitems"):
            fields[key] = check_bool(key, item, where)
        elif key == "break_when":
            fields[key] = check_conditions(key, item, where)
        else:
            fields[key] = item
    return LoopControl(**fields)


def check_identifier(key: str, value: Any, span: Span | None) -> str:
    """A variable name (``register: result``)."""
    name = check_str(key, value, span)
    if not (name.isidentifier() and name.isascii()):
        raise PlaybookError(f"'{key}' must be a variable name, got {name!r}", span=span,
                            hint="use letters, digits and '_', not starting with a digit")
    return name


def check_strategy(key: str, value: Any, span: Span | None) -> str:
    name = check_str(key, value, span)
    if name not in STRATEGIES:
        raise PlaybookError(f"strategy '{name}' is not supported", span=span,
                            hint="dockyard runs each task on all hosts before the next one "
                            "(Ansible's 'linear'); remove 'strategy'")
    return name


def check_percentage(key: str, value: Any, span: Span | None) -> float | Template:
    return check_number(key, value, span, minimum=0, maximum=100)


Check = Callable[[str, Any, "Span | None"], Any]
#: How each keyword's value is checked and converted (``with_*``, ``loop``, ``args``,
#: ``hosts``, ``roles``, ``vars_files`` and the task lists have their own code).
KEYWORD_CHECKS: Mapping[str, Check] = {
    **dict.fromkeys(("name", "become_user", "become_method", "remote_user", "connection",
                     "delegate_to"), check_str),
    **dict.fromkeys(("become", "check_mode", "diff", "no_log", "ignore_errors",
                     "ignore_unreachable", "any_errors_fatal", "run_once", "gather_facts",
                     "force_handlers"), check_bool),
    **dict.fromkeys(("when", "changed_when", "failed_when", "until"), check_conditions),
    "notify": check_names,
    "listen": check_names,
    "tags": check_tags,
    "vars": check_vars,
    "environment": check_environment,
    "register": check_identifier,
    "retries": check_int,
    "delay": check_number,
    "serial": check_serial,
    "max_fail_percentage": check_percentage,
    "strategy": check_strategy,
    "loop_control": lambda _key, value, span: check_loop_control(value, span),
}


# -- the action line: ``file: path=/x state=directory`` -------------------------------

#: Modules whose free-form text is the command itself (Ansible's FREEFORM_ACTIONS).
FREE_FORM_MODULES = frozenset({"command", "shell", "raw", "script"})
#: The ``k=v`` words Ansible splits out of a free-form command line.
FREE_FORM_OPTIONS = frozenset({"creates", "removes", "chdir", "executable", "warn", "stdin",
                               "stdin_add_newline", "strip_empty_ends"})
_ESCAPES = re.compile(r"""(\\U[0-9a-fA-F]{8}|\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}"""
                      r"""|\\N\{[^}]+\}|\\[\\'"abfnrtv])""")


def _quote_state(token: str, quote: str | None) -> str | None:
    previous = ""
    for char in token:
        if char in "\"'" and previous != "\\":
            if quote is None:
                quote = char
            elif char == quote:
                quote = None
        previous = char
    return quote


def split_args(text: str) -> list[str]:
    """Split on whitespace like Ansible: quotes and ``{{ }}``/``{% %}``/``{# #}`` stay whole.

    Raises ValueError on an unbalanced quote or Jinja2 block.
    """
    params: list[str] = []
    quote: str | None = None
    depth = {"{{": 0, "{%": 0, "{#": 0}
    closing = {"{{": "}}", "{%": "%}", "{#": "#}"}
    lines = text.split("\n")
    for line_index, line in enumerate(lines):
        continuation = False
        for index, token in enumerate(line.split(" ")):
            if not token and index != 0:
                params[-1:] = [(params[-1] if params else "") + " "]
                continue
            if token == "\\" and quote is None:
                continuation = True
                continue
            was_quoted = quote is not None
            quote = _quote_state(token, quote)
            nested = any(depth.values())
            appended = False
            if quote is not None and not was_quoted and not nested:
                params.append(token)
                appended = True
            elif nested or quote is not None or was_quoted:
                spacer = "" if index == 0 and was_quoted else (" " if index > 0 else "")
                params[-1] += spacer + token
                appended = True
            for opener, count in depth.items():
                new = max(0, count + token.count(opener) - token.count(closing[opener]))
                if new != count and not appended:
                    params.append(token)
                    appended = True
                depth[opener] = new
            if not any(depth.values()) and quote is None and not appended and token:
                params.append(token)
        if len(lines) > 1 and line_index != len(lines) - 1 and not continuation:
            params[-1:] = [(params[-1] if params else "") + "\n"]
    if quote is not None or any(depth.values()):
        raise ValueError("unbalanced quotes or Jinja2 block")
    return params


def _unquote(text: str) -> str:
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'" and text[-2] != "\\":
        return text[1:-1]
    return text


def parse_kv(text: str, *, free_form: bool = False) -> list[tuple[str, str, int]]:
    """Ansible's ``parse_kv``: ``(key, value, offset)`` triples, offset into ``text``.

    Words without ``=`` (and, for free-form modules, every ``k=v`` that is not one of
    :data:`FREE_FORM_OPTIONS`) are joined into one ``_raw_params`` entry.
    """
    options: list[tuple[str, str, int]] = []
    raw: list[str] = []
    raw_offset = -1
    cursor = 0
    for original in split_args(text):
        offset = text.find(original.strip(), cursor)
        cursor = max(cursor, offset + len(original.strip())) if offset >= 0 else cursor
        word = _ESCAPES.sub(lambda m: codecs.decode(m.group(0), "unicode-escape"), original)
        position = _unescaped_equals(word)
        if position is None or (free_form and word[:position] not in FREE_FORM_OPTIONS):
            raw.append(word.replace("\\=", "=") if position is None and "=" in word else original)
            raw_offset = offset if raw_offset < 0 else raw_offset
            continue
        options.append((word[:position].strip(), _unquote(word[position + 1:].strip()), max(offset, 0)))
    if raw:
        joined = ""
        for part in raw:
            joined += part if not joined or joined.endswith("\n") else " " + part
        options.append(("_raw_params", joined, max(raw_offset, 0)))
    return options


def _unescaped_equals(word: str) -> int | None:
    position = 0
    while True:
        position = word.find("=", position + 1)
        if position < 0:
            return None
        if word[position - 1] != "\\":
            return position
