"""What a tool's console output says it did, host by host, and whether that is what we expect.

dockyard and ansible-playbook end with the same PLAY RECAP:

    lab01 : ok=11  changed=10  unreachable=0  failed=0  skipped=0  rescued=0  ignored=0

pyinfra prints one line per host and operation, `[lab01] Success` for a change,
`[lab01] No changes` for none and `[lab01] Error` for a failure, after `[lab01] Connected`.

The benchmark trusts no timing whose run did not do the work: `problems()` compares an
`Outcome` with the hosts and the number of changes each must report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
    r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)",
    re.MULTILINE,
)
PYINFRA_HOST_LINE = re.compile(
    r"^\s+\[(?P<host>[^\]]+)\] (?P<status>Connected|Success|No changes|Error)\b", re.MULTILINE
)


@dataclass(frozen=True)
class Outcome:
    """Per host: how many tasks changed something; and which hosts failed or were unreachable."""

    changed: dict[str, int] = field(default_factory=dict)
    failed: frozenset[str] = frozenset()

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def parse_play_recap(output: str) -> Outcome:
    """The PLAY RECAP of dockyard or ansible-playbook (the last one, if several plays ran)."""
    changed: dict[str, int] = {}
    failed: set[str] = set()
    for match in RECAP_LINE.finditer(output):
        host = match["host"]
        changed[host] = int(match["changed"])
        if int(match["failed"]) or int(match["unreachable"]):
            failed.add(host)
    return Outcome(changed=changed, failed=frozenset(failed))


def parse_pyinfra(output: str) -> Outcome:
    """pyinfra's per-host lines: each `Success` is one changed operation."""
    changed: dict[str, int] = {}
    failed: set[str] = set()
    for match in PYINFRA_HOST_LINE.finditer(output):
        host, status = match["host"], match["status"]
        if status == "Connected":
            changed.setdefault(host, 0)
        elif status == "Success":
            changed[host] = changed.get(host, 0) + 1
        elif status == "Error":
            failed.add(host)
    return Outcome(changed=changed, failed=frozenset(failed))


def problems(outcome: Outcome, hosts: Sequence[str], changes_per_host: int) -> list[str]:
    """Why `outcome` is not "every host in `hosts` reported exactly `changes_per_host` changes"."""
    found = []
    missing = sorted(set(hosts) - set(outcome.changed))
    if missing:
        found.append(f"no result for {len(missing)} host(s): {', '.join(missing[:5])}")
    if outcome.failed:
        found.append(f"failed or unreachable: {', '.join(sorted(outcome.failed)[:5])}")
    wrong = {h: n for h, n in outcome.changed.items() if n != changes_per_host}
    if wrong:
        shown = ", ".join(f"{h}={n}" for h, n in sorted(wrong.items())[:5])
        found.append(f"expected changed={changes_per_host} on every host, got {shown}")
    return found
