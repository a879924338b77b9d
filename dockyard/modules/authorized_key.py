"""authorized_key: SSH public keys in a user's authorized_keys (``ansible.posix.authorized_key``).

Arguments::

    - authorized_key:
        user: deploy
        key: "ssh-ed25519 AAAAC3... laptop"   # one key, or several lines
        state: present                        # present | absent
        exclusive: false                      # remove every other key from the file
        key_options: 'from="10.0.0.0/8",no-pty'
        comment: deploy@ci                    # replaces the keys' comments
        path: /etc/ssh/keys/deploy            # default: ~USER/.ssh/authorized_keys
        manage_dir: true                      # create ~/.ssh (0700, owned by the user)

Keys are compared by type and base64 blob; a known key with other options or another
comment is rewritten in place. Other lines (comments, blank lines) are kept. The file
is written atomically (temp file + rename) with mode 0600, owned by the user.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.paths import PathState, attribute_steps
from dockyard.modules.registry import register
from dockyard.modules.system import (
    Section,
    parse_sections,
    parse_stat,
    sections_probe,
    stat_snippet,
    write_file_step,
)

__all__ = ["AuthorizedKeyArgs", "AuthorizedKeyModule", "KeyFileState", "KeyLine", "merge_keys",
           "parse_key_line"]

_KEY_TYPE = re.compile(r"^(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com)"
                       r"(-cert-v\d\d@openssh\.com)?$")
_BLOB = re.compile(r"^[A-Za-z0-9+/]+={0,3}$")


@dataclass(frozen=True)
class AuthorizedKeyArgs:
    user: str = arg(required=True, doc="the account whose keys these are")
    key: str = arg(required=True, doc="public key line(s), as in id_ed25519.pub")
    state: str = arg("present", choices=("present", "absent"), doc="present or absent")
    path: str | None = arg(None, doc="the keys file (default ~USER/.ssh/authorized_keys)")
    manage_dir: bool = arg(True, doc="create and fix ~/.ssh (0700, owned by the user)")
    exclusive: bool = arg(False, doc="remove all other keys")
    key_options: str | None = arg(None, doc="options put before every key")
    comment: str | None = arg(None, doc="replace the keys' comments")
    follow: bool = arg(False, doc="if path is a symlink, write its target")
    validate_certs: bool = arg(True, doc="accepted for compatibility (keys from URLs are not supported)")


@dataclass(frozen=True)
class KeyFileState:
    """The user, the key file's resolved path, its directory and file attributes, its text."""

    user: str
    group: str = ""
    path: str = ""
    directory: PathState = field(default_factory=lambda: PathState(""))
    file: PathState = field(default_factory=lambda: PathState(""))
    content: str | None = None


@dataclass(frozen=True)
class KeyLine:
    """One key line: ``[options] type blob [comment]``; identity is (type, blob)."""

    type: str
    blob: str
    options: str | None = None
    comment: str | None = None

    @property
    def ident(self) -> tuple[str, str]:
        return self.type, self.blob

    def render(self) -> str:
        parts = [self.options] if self.options else []
        parts += [self.type, self.blob]
        if self.comment:
            parts.append(self.comment)
        return " ".join(parts)


def _split_options(line: str) -> tuple[str, str]:
    """Split ``opts rest`` where opts may contain quoted spaces (``command="a b"``)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            return line[:index], line[index:].strip()
    return line, ""


def parse_key_line(line: str) -> KeyLine | None:
    """A key line parsed, or None for comments, blank lines and anything else."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    options = None
    first = text.split(None, 1)[0]
    if not _KEY_TYPE.match(first):
        options, text = _split_options(text)
    parts = text.split(None, 2)
    if len(parts) < 2 or not _KEY_TYPE.match(parts[0]) or not _BLOB.match(parts[1]):
        return None
    return KeyLine(parts[0], parts[1], options, parts[2] if len(parts) > 2 else None)


def merge_keys(text: str, wanted: Sequence[KeyLine], *, present: bool, exclusive: bool) -> str:
    """The file's new text: wanted keys present (or absent), others kept unless exclusive.

    Keys already in the file keep their place; new keys are appended. Returns ``text``
    itself when no line changes, so a missing final newline is not a change.
    """
    by_ident = {key.ident: key for key in wanted}
    seen: set[tuple[str, str]] = set()
    lines: list[str] = []
    for line in text.splitlines():
        parsed = parse_key_line(line)
        if parsed is None:
            lines.append(line)
            continue
        key = by_ident.get(parsed.ident)
        if key is None:
            if not exclusive:
                lines.append(line)
        elif present and parsed.ident not in seen:
            seen.add(parsed.ident)
            lines.append(key.render() if key.comment else replace(key, comment=parsed.comment).render())
    if present:
        for key in wanted:
            if key.ident not in seen:
                seen.add(key.ident)
                lines.append(key.render())
    if lines == text.splitlines():
        return text
    return "\n".join(lines) + "\n" if lines else ""


def _probe_snippets(args: AuthorizedKeyArgs) -> dict[str, str]:
    user = q(args.user)
    if args.path:
        where = f"f={q(args.path)}"
    else:
        where = f"f=\"$(getent passwd -- {user} | cut -d: -f6)/.ssh/authorized_keys\""
    if args.follow:
        where += "; [ -L \"$f\" ] && f=$(readlink -f -- \"$f\")"
    locate = f"{where}; printf '%s\\n' \"$f\""
    return {
        "passwd": f"getent passwd -- {user}",
        "group": f"id -gn -- {user}",
        "path": locate,
        "dir": f"{locate} >/dev/null; d=$(dirname -- \"$f\"); {stat_snippet('$d')}",
        "file": f"{locate} >/dev/null; {stat_snippet('$f')}",
        "content": f"{locate} >/dev/null; cat -- \"$f\"",
    }


def parse_key_file(args: AuthorizedKeyArgs, sections: dict[str, Section]) -> KeyFileState:
    if not sections["passwd"].ok:
        raise ModuleError(f"user {args.user} does not exist", hint="create it first with the user module")
    path = sections["path"].text.strip()
    directory = posixpath.dirname(path)
    file = parse_stat(path, sections["file"])
    return KeyFileState(args.user, sections["group"].text.strip(), path,
                        parse_stat(directory, sections["dir"]), file,
                        sections["content"].text if file.exists else None)


def wanted_keys(args: AuthorizedKeyArgs) -> list[KeyLine]:
    """The task's keys, parsed, with key_options and comment applied."""
    if args.key.strip().startswith(("http://", "https://")):
        raise ModuleError("keys from a URL are not supported",
                          hint="fetch them first (e.g. lookup('url', ...)) and pass the text as key")
    keys = []
    for line in args.key.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        parsed = parse_key_line(line)
        if parsed is None:
            raise ModuleError(f"invalid SSH public key: {line[:60]!r}",
                              hint="a key line looks like 'ssh-ed25519 AAAA... comment'")
        keys.append(replace(parsed, options=args.key_options if args.key_options is not None else parsed.options,
                            comment=args.comment if args.comment is not None else parsed.comment))
    return keys


@register
class AuthorizedKeyModule(HostModule[AuthorizedKeyArgs, KeyFileState]):
    name = "authorized_key"
    Args = AuthorizedKeyArgs

    def probe(self, args: AuthorizedKeyArgs, ctx: ModuleContext) -> str:
        wanted_keys(args)
        return sections_probe(_probe_snippets(args))

    def parse(self, args: AuthorizedKeyArgs, output: CommandResult | None, ctx: ModuleContext) -> KeyFileState:
        return parse_key_file(args, parse_sections(output, what=f"the keys of {args.user} on {ctx.host}"))

    def desired(self, args: AuthorizedKeyArgs, ctx: ModuleContext) -> KeyFileState:
        return KeyFileState(args.user)

    def steps(self, current: KeyFileState, desired: KeyFileState, args: AuthorizedKeyArgs) -> list[Step]:
        steps: list[Step] = []
        text = merge_keys(current.content or "", wanted_keys(args), present=args.state == "present",
                          exclusive=args.exclusive)
        changes = text != (current.content or "")
        if args.manage_dir and (changes or current.file.exists):
            steps += self._dir_steps(current)
        if changes and (current.file.exists or text):
            steps.append(write_file_step(current.path, current.content, text, mode=0o600,
                                         owner=args.user, group=current.group or None,
                                         summary=f"write {len(text.splitlines())} key line(s) to {current.path}"))
        elif current.file.exists and args.manage_dir:
            steps += attribute_steps(current.file, current.path, mode="0600", owner=args.user,
                                     group=current.group or None)
        return steps

    def _dir_steps(self, current: KeyFileState) -> list[Step]:
        directory = current.directory.path
        if not current.directory.exists:
            group = f":{q(current.group)}" if current.group else ""
            return [Step(Action.CREATE, f"create directory {directory} (0700)",
                         f"mkdir -p -m 0700 -- {q(directory)} && chown {q(current.user)}{group} -- {q(directory)}",
                         diff=Diff("absent\n", "directory\n", directory, directory))]
        return attribute_steps(current.directory, directory, mode="0700", owner=current.user,
                               group=current.group or None)

    def result(self, args: AuthorizedKeyArgs, current: KeyFileState, desired: KeyFileState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        return {"user": args.user, "key": args.key, "key_options": args.key_options,
                "keyfile": current.path, "exclusive": args.exclusive, "state": args.state,
                "manage_dir": args.manage_dir, "follow": args.follow, "comment": args.comment,
                "validate_certs": args.validate_certs}
