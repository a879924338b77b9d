"""Facts: one shell script per host, parsed into ansible-core's ``setup`` names (docs/facts.md)."""

from __future__ import annotations

from dockyard.facts.gather import fact_variables, gather_facts, namespace_facts, parse_facts

__all__ = ["fact_variables", "gather_facts", "namespace_facts", "parse_facts"]
