"""Shell text that every transport sends: the /bin/sh wrapper, sudo, atomic writes.

Everything here is pure string building, so it is unit-tested without a host and
shared by the SSH and local connections. Every argument is quoted with
:func:`shlex.quote`; the targets need nothing but a POSIX shell and coreutils.

Become with a password, in one round trip and without the password ever being on
a command line: the password is the first line of stdin, read by the outer shell
with the ``read`` builtin. If the sudo policy needs no password (``sudo -n true``
succeeds) the rest of stdin goes straight to the command; otherwise the password
and then the rest of stdin are piped into ``sudo -S -k``, which, because ``-k``
ignores cached credentials, always consumes exactly that one line.
"""

from __future__ import annotations

import re
import shlex

from dockyard.connection.base import Become, CommandResult
from dockyard.errors import CommandError

__all__ = ["AtomicPut", "atomic_write_command", "become_command", "env_prefix", "valid_env_name",
           "without_env_values"]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUOTED = r"""(?:'[^']*'(?:"'"'[^']*')*|[\w@%+=:,./-]*)"""  # what shlex.quote makes of a value
_EXPORT = re.compile(rf"export ((?:[A-Za-z_][A-Za-z0-9_]*={_QUOTED} ?)+); ")
_ASSIGNMENT = re.compile(rf"([A-Za-z_][A-Za-z0-9_]*)={_QUOTED}")


def valid_env_name(name: str) -> bool:
    """Whether ``name`` can be set by a POSIX shell (``export NAME=...``)."""
    return bool(_ENV_NAME.match(name))


def env_prefix(env: dict[str, str] | None) -> str:
    """``export A='1' B='2'; `` for the given variables (names are validated)."""
    if not env:
        return ""
    parts = []
    for name, value in env.items():
        if not valid_env_name(name):
            raise ValueError(f"invalid environment variable name {name!r}")
        parts.append(f"{name}={shlex.quote(str(value))}")
    return "export " + " ".join(parts) + "; "


def without_env_values(text: str) -> str:
    """``text`` with the values of every :func:`env_prefix` in it masked, for logs: a task's
    ``environment:`` may carry a secret, and scripts (probe batches) carry their variables."""
    return _EXPORT.sub(lambda found: "export " + _ASSIGNMENT.sub(r"\1=***", found.group(1)) + "; ", text)


def become_command(
    command: str, become: Become | None, env: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """The full command line to send and the bytes to put before the caller's stdin."""
    inner = env_prefix(env) + command
    if become is None:
        return f"/bin/sh -c {shlex.quote(inner)}", b""
    if become.method != "sudo":
        raise ValueError(f"become method {become.method!r} is not supported (only sudo)")
    user = shlex.quote(become.user)
    flags = f" {become.flags}" if become.flags else ""
    target = f"-H -u {user}{flags} -- /bin/sh -c {shlex.quote(inner)}"
    if become.password is None:
        return f"sudo -n {target}", b""
    script = (
        "IFS= read -r __dy_p; "
        f"if sudo -n -u {user} true 2>/dev/null; then unset __dy_p; sudo -n {target}; "
        "else { printf '%s\\n' \"$__dy_p\"; unset __dy_p; cat; } "
        f"| sudo -S -k -p '' {target}; fi"
    )
    return f"/bin/sh -c {shlex.quote(script)}", become.password.encode() + b"\n"


def atomic_write_command(
    path: str,
    *,
    size: int | None = None,
    mode: int | None = None,
    owner: str | None = None,
    group: str | None = None,
) -> str:
    """A script that writes stdin to ``path`` so that no reader ever sees half a file.

    The data goes to a temp file in the same directory (same filesystem, so the
    rename is atomic); mode and owner are set on the temp file before the rename.
    When ``size`` is given, a temp file of any other length (the connection dropped
    mid-transfer, so ``cat`` saw an early end of input) is discarded, not renamed.
    Without an explicit mode or owner, an existing file's are kept; a new file gets
    0666 masked by the umask, like any other new file. The temp file is removed if
    anything fails or the connection drops.
    """
    target = shlex.quote(path)
    lines = [
        "set -e",
        f"d=$(dirname -- {target})",
        # the traps come first: a signal between mktemp and them would leave the temp file
        "t=",
        "trap '[ -z \"$t\" ] || rm -f \"$t\"' EXIT",
        "trap 'exit 1' HUP INT TERM PIPE",
        't=$(mktemp "$d/.dockyard-tmp.XXXXXXXX")',
        'cat > "$t"',
    ]
    if size is not None:
        lines.append(
            f'n=$(wc -c < "$t"); [ "$n" -eq {int(size)} ] || '
            f'{{ echo "incomplete transfer: $n of {int(size)} bytes arrived" >&2; exit 1; }}'
        )
    if mode is not None:
        lines.append(f'chmod {mode:o} "$t"')
    else:
        lines.append(
            f'if [ -e {target} ]; then chmod "$(stat -c %a {target})" "$t"; '
            'else chmod "$(printf %o $((0666 & ~$(umask))))" "$t"; fi'
        )
    if owner is not None or group is not None:
        spec = shlex.quote(owner or "") + (":" + shlex.quote(group) if group else "")
        lines.append(f'chown {spec} "$t"')
    else:
        lines.append(f'if [ -e {target} ]; then chown "$(stat -c %u:%g {target})" "$t" 2>/dev/null || true; fi')
    lines.append(f'mv -f "$t" {target}')
    lines.append("trap - EXIT HUP INT TERM PIPE")
    return "\n".join(lines)


class AtomicPut:
    """``put`` for any transport whose ``run`` feeds stdin to a shell command (SSH, local)."""

    host: str

    def run(self, command: str, *, stdin: bytes | None = None, become: Become | None = None,
            timeout: float | None = None, env: dict[str, str] | None = None) -> CommandResult:
        raise NotImplementedError

    def put(
        self,
        data: bytes,
        path: str,
        *,
        mode: int | None = None,
        owner: str | None = None,
        group: str | None = None,
        become: Become | None = None,
    ) -> None:
        """Write ``data`` to ``path`` atomically (see :func:`atomic_write_command`)."""
        command = atomic_write_command(path, size=len(data), mode=mode, owner=owner, group=group)
        result = self.run(command, stdin=data, become=become)
        if not result.ok:
            raise CommandError(
                f"cannot write {shlex.quote(path)}: {result.tail()}",
                rc=result.rc,
                stderr=result.error_text(),
                host=self.host,
            )
