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

from collections.abc import Callable
from typing import Any

from dockyard.connection.base import Become, Connection
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

__all__ = ["GATHER_TIMEOUT", "fact_variables", "gather_facts", "namespace_facts", "parse_facts"]

GATHER_TIMEOUT = 60.0
"""Seconds the whole script may take; each slow probe in it has its own smaller limit."""


def gather_facts(
    conn: Connection,
    *,
    become: Become | None = None,
    python_interpreter: str | None = None,
    timeout: float = GATHER_TIMEOUT,
) -> Facts:
    """Run the facts script on ``conn``'s host (one command) and return its facts.

    ``python_interpreter`` is the host's ``ansible_python_interpreter`` (if set), so
    that ``ansible_python`` describes the interpreter Ansible would use.
    """
    try:
        command = facts_command(new_marker(), python_interpreter)
    except FactError as exc:
        exc.host = conn.host
        raise
    result = conn.run(FACTS_SHELL, stdin=command.encode(), become=become, timeout=timeout)
    if result.rc != 0:
        raise FactError(
            f"the facts script failed with exit code {result.rc}: {result.tail()}",
            host=conn.host,
            hint="the script itself always exits 0; a failure means the shell, sudo or "
            "the connection failed",
        )
    return parse_facts(result.text(), host=conn.host)


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
    doc = parse_document(document, host)
    facts: Facts = {}
    facts.update(_topic(doc, "platform", lambda: platform_facts(doc)))
    env = _topic(doc, "env", lambda: env_facts(doc))
    facts.update(env)
    facts.update(_topic(doc, "user", lambda: user_facts(doc, env["env"])))
    facts.update(_topic(doc, "python", lambda: python_facts(doc)))
    facts.update(_topic(doc, "date_time", lambda: date_time_facts(doc)))
    facts.update(_topic(doc, "cpu", lambda: cpu_facts(doc, facts["architecture"])))
    facts.update(_topic(doc, "memory", lambda: memory_facts(doc)))
    facts.update(_topic(doc, "mounts", lambda: mount_facts(doc)))
    facts.update(_topic(doc, "virtualization", lambda: virtualization_facts(doc)))
    facts.update(_topic(doc, "network", lambda: network_facts(doc)))
    facts.update(_topic(doc, "pkg_mgr", lambda: pkg_mgr_facts(doc, facts["os_family"])))
    facts.update(
        _topic(
            doc,
            "service_mgr",
            lambda: service_mgr_facts(doc, facts["system"], facts["distribution"]),
        )
    )
    prefixed = {f"ansible_{key}": value for key, value in facts.items()}
    prefixed.update(_topic(doc, "dockyard", lambda: dockyard_facts(doc)))
    return prefixed


def namespace_facts(facts: Facts) -> dict[str, Any]:
    """``ansible_facts``: the same facts without the ``ansible_`` prefix (as Ansible stores them)."""
    return {key.removeprefix("ansible_"): value for key, value in facts.items()}


def fact_variables(facts: Facts) -> dict[str, Any]:
    """Host variables from facts: every fact at top level, plus ``ansible_facts``.

    ``ansible_facts['distribution']`` and ``ansible_distribution`` then both work,
    and so do ``ansible_facts['dockyard_swarm']`` and ``dockyard_swarm``.
    """
    return {**facts, "ansible_facts": namespace_facts(facts)}
