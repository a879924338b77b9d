"""`map`, `select` and `reject` see undefined members and let the filter or test applied
to each decide, as in ansible-core (checked with ``ansible -m debug`` on 2.19)."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.errors import PlaybookError
from dockyard.playbook.template import Templar

USERS = {"users": [{"name": "a", "shell": "/bin/bash"}, {"name": "b"}]}


@pytest.mark.parametrize(("expression", "expected"), [
    ("{{ users | map(attribute='shell') | map('default', '/bin/sh') | list }}", ["/bin/bash", "/bin/sh"]),
    ("{{ users | map(attribute='shell') | select('defined') | list }}", ["/bin/bash"]),
    ("{{ users | map(attribute='shell') | reject('undefined') | list }}", ["/bin/bash"]),
    ("{{ [1, nope] | map('default', 3) | list }}", [1, 3]),
])
def test_members_reach_the_filter(expression: str, expected: Any) -> None:
    assert Templar(USERS).template(expression) == expected


@pytest.mark.parametrize(("expression", "message"), [
    ("{{ users | map(attribute='shell') | list }}", "has no attribute 'shell'"),
    ("{{ [1, nope] | map('int') | list }}", "'nope' is undefined"),
    ("{{ [1, nope] | join(',') }}", "'nope' is undefined"),
])
def test_undefined_members_still_fail_where_used(expression: str, message: str) -> None:
    with pytest.raises(PlaybookError, match=message):
        Templar(USERS).template(expression)
