"""Gather a host's facts in one round trip, with ansible-core's names and shapes.

::

    facts = gather_facts(conn)             # exactly one conn.run()
    facts["ansible_distribution"]          # "Debian"
    facts["ansible_default_ipv4"]["address"]
    fact_variables(facts)["ansible_facts"]["distribution"]

:func:`gather_facts` sends ``gather.sh`` on the stdin of one ``conn.run``
(``exec /bin/sh -s``; a ``become`` password goes first on the same stdin) and :func:`parse_facts` turns
the document it prints into the dict Ansible's ``setup`` module returns under
``ansible_facts``: keys ``ansible_*`` plus dockyard's own ``dockyard_*``.
:func:`fact_variables` gives the playbook layer both spellings, as Ansible
does: ``ansible_facts['distribution']`` and the top-level ``ansible_distribution``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dockyard.connection.base import Become, CommandResult, Connection
from dockyard.errors import FactError
from dockyard.facts.base import (
    FACTS_SHELL,
    Document,
    Facts,
    facts_command,
    new_marker,
    parse_document,
)
from dockyard.facts.dockyard import dockyard_facts
from dockyard.facts.hardware import cpu_facts, memory_facts, mount_facts
from dockyard.facts.network import network_facts
from dockyard.facts.platform import platform_facts
from dockyard.facts.system import pkg_mgr_facts, service_mgr_facts
from dockyard.facts.user import date_time_facts, env_facts, python_facts, user_facts
from dockyard.facts.virtual import virtualization_facts

__all__ = [
    "FACT_TOPICS", "GATHER_TIMEOUT", "fact_topics_from", "fact_variables", "gather_facts",
    "merge_topics", "namespace_facts", "parse_fact_topics", "parse_facts",
]

GATHER_TIMEOUT = 60.0
"""Seconds the whole script may take; each slow probe in it has its own smaller limit."""


def gather_facts(
    conn: Connection,
    *,
    become: Become | None = None,
    python_interpreter: str | None = None,
    timeout: float = GATHER_TIMEOUT,
    run: Callable[..., CommandResult] | None = None,
) -> Facts:
    """Run the facts script on ``conn``'s host (one command) and return its facts.

    ``python_interpreter`` is the host's ``ansible_python_interpreter`` (if set), so
    that ``ansible_python`` describes the interpreter Ansible would use. ``run``: what
    sends the command, if not ``conn.run`` (the engine's, which takes probes along).
    """
    try:
        command = facts_command(new_marker(), python_interpreter)
    except FactError as exc:
        exc.host = conn.host
        raise
    result = (run or conn.run)(FACTS_SHELL, stdin=command.encode(), become=become, timeout=timeout)
    return merge_topics(fact_topics_from(result, host=conn.host))


def fact_topics_from(result: CommandResult, *, host: str | None) -> dict[str, Facts]:
    """The facts by topic from what the facts script's command left (FactError if it failed)."""
    if result.rc != 0:
        raise FactError(
            f"the facts script failed with exit code {result.rc}: {result.tail()}",
            host=host,
            hint="the script itself always exits 0; a failure means the shell, sudo or "
            "the connection failed",
        )
    return parse_fact_topics(result.text(), host=host)


def _topic(doc: Document, name: str, collect: Callable[[], Facts]) -> Facts:
    """Run one topic's parser; turn a stray parsing exception into a FactError."""
    try:
        return collect()
    except FactError:
        raise
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise FactError(
            f"cannot parse the {name} facts: {type(exc).__name__}: {exc}",
            host=doc.host,
            hint="the facts script printed something unexpected for this host",
        ) from exc


def parse_facts(document: str, *, host: str | None = None) -> Facts:
    """Turn the script's output into facts (``ansible_*`` and ``dockyard_*`` keys)."""
    return merge_topics(parse_fact_topics(document, host=host))


def merge_topics(topics: Mapping[str, Facts]) -> Facts:
    """All facts of ``topics`` in one mapping."""
    facts: Facts = {}
    for topic in topics.values():
        facts.update(topic)
    return facts


FACT_TOPICS = ("platform", "env", "user", "python", "date_time", "cpu", "memory", "mounts",
               "virtualization", "network", "pkg_mgr", "service_mgr", "dockyard")
"""The topics :func:`parse_fact_topics` returns, in order (the ``setup`` module's subsets)."""


def parse_fact_topics(document: str, *, host: str | None = None) -> dict[str, Facts]:
    """The script's output as facts by topic (:data:`FACT_TOPICS`), with their final names."""
    doc = parse_document(document, host)
    found: dict[str, Facts] = {}
    found["platform"] = _topic(doc, "platform", lambda: platform_facts(doc))
    env = found["env"] = _topic(doc, "env", lambda: env_facts(doc))
    found["user"] = _topic(doc, "user", lambda: user_facts(doc, env["env"]))
    found["python"] = _topic(doc, "python", lambda: python_facts(doc))
    found["date_time"] = _topic(doc, "date_time", lambda: date_time_facts(doc))
    platform = found["platform"]
    found["cpu"] = _topic(doc, "cpu", lambda: cpu_facts(doc, platform["architecture"]))
    found["memory"] = _topic(doc, "memory", lambda: memory_facts(doc))
    found["mounts"] = _topic(doc, "mounts", lambda: mount_facts(doc))
    found["virtualization"] = _topic(doc, "virtualization", lambda: virtualization_facts(doc))
    found["network"] = _topic(doc, "network", lambda: network_facts(doc))
    found["pkg_mgr"] = _topic(doc, "pkg_mgr", lambda: pkg_mgr_facts(doc, platform["os_family"]))
    found["service_mgr"] = _topic(
        doc, "service_mgr", lambda: service_mgr_facts(doc, platform["system"], platform["distribution"]))
    topics = {name: {f"ansible_{key}": value for key, value in facts.items()}
              for name, facts in found.items()}
    topics["dockyard"] = _topic(doc, "dockyard", lambda: dockyard_facts(doc))
    return topics


def namespace_facts(facts: Facts) -> dict[str, Any]:
    """``ansible_facts``: the same facts without the ``ansible_`` prefix (as Ansible stores them)."""
    return {key.removeprefix("ansible_"): value for key, value in facts.items()}


def fact_variables(facts: Facts) -> dict[str, Any]:
    """Host variables from facts: every fact at top level, plus ``ansible_facts``.

    ``ansible_facts['distribution']`` and ``ansible_distribution`` then both work,
    and so do ``ansible_facts['dockyard_swarm']`` and ``dockyard_swarm``.
    """
    return {**facts, "ansible_facts": namespace_facts(facts)}
