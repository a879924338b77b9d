"""What the Docker modules (swarm, swarm_node, docker_image, docker_service) share.

They drive the ``docker`` command-line client on the target, never an API socket from the
controller, and read its JSON (``--format '{{json .}}'``). Helpers here turn that output
into Python values and a failing ``docker`` into a :class:`ModuleError` a person can act on.
"""

from __future__ import annotations

import json
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.system import Section

__all__ = ["DAEMON_HINT", "json_lines", "json_value", "read_error", "require_daemon"]

DAEMON_HINT = ("is dockerd running, and may this user use it? (become: true, or the docker group; "
               "the container_runtime role does both)")


def json_value(text: str) -> Any:
    """The first JSON value in ``text`` (a ``docker ... --format '{{json .}}'`` output), or None."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(("{", "[")):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every JSON object of a one-object-per-line output (``docker node ls --format ...``)."""
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def require_daemon(section: Section, host: str) -> None:
    """Fail clearly when ``docker info`` (or another probe) could not reach the daemon."""
    if section.ok and json_value(section.text) is not None:
        return
    detail = section.text.strip().splitlines()
    message = detail[-1] if detail else "no output"
    if "command not found" in section.text or section.rc == 127:
        raise ModuleError(f"docker is not installed on {host}", host=host,
                          hint="install it first (the container_runtime role)")
    raise ModuleError(f"the docker daemon on {host} does not answer: {message}", host=host,
                      hint=DAEMON_HINT)


def read_error(what: str, text: str, host: str) -> ModuleError:
    """The error for a manager-only read (``docker node/service inspect``) that failed."""
    message = text.strip().splitlines()[-1] if text.strip() else "no output"
    hint = "run it on a manager (delegate_to a manager)" if "not a swarm manager" in text else DAEMON_HINT
    return ModuleError(f"cannot read {what} on {host}: {message}", host=host, hint=hint)
