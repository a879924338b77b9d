"""user: local accounts with useradd / usermod / userdel (``ansible.builtin.user``).

Arguments::

    - user:
        name: deploy                # alias: user
        uid: 1500
        group: deploy               # primary group (name or gid)
        groups: [docker, adm]       # supplementary groups ...
        append: true                # ... added to the current ones (false: exactly these)
        shell: /bin/bash
        home: /srv/deploy
        create_home: true           # alias: createhome
        system: false
        comment: Deploy user
        password: "$6$...."         # an already-hashed password (crypt(3) format)
        update_password: always     # always | on_create
        state: present              # present | absent
        remove: false               # absent: also remove the home directory (userdel -r)

One probe reads ``getent passwd``, ``id -gn`` / ``id -Gn`` and, for ``password``, the
SHA-256 of the hash in ``/etc/shadow`` (so the hash itself never leaves the host and
never appears in output; reading shadow needs ``become``). A password is set with
``chpasswd -e`` reading ``NAME:HASH`` on stdin, never on a command line; that step is
``sensitive`` (no diff, summary only).
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe

__all__ = ["UserArgs", "UserModule", "UserState", "parse_user", "password_digest", "user_steps"]


@dataclass(frozen=True)
class UserArgs:
    name: str = arg(required=True, aliases=("user",), doc="account name")
    state: str = arg("present", choices=("present", "absent"), doc="present or absent")
    uid: int | None = arg(None, doc="numeric user id")
    non_unique: bool = arg(False, doc="allow a uid that another user has (-o)")
    group: str | None = arg(None, doc="primary group, name or gid")
    groups: list[str] | None = arg(None, doc="supplementary groups (see append)")
    append: bool = arg(False, doc="add to the listed groups, keep the others")
    comment: str | None = arg(None, doc="the GECOS field")
    home: str | None = arg(None, doc="home directory")
    shell: str | None = arg(None, doc="login shell")
    password: str | None = arg(None, no_log=True, doc="crypt(3) hash of the password (not plain text)")
    update_password: str = arg("always", choices=("always", "on_create"),
                               doc="always: keep the hash as given; on_create: only for new users")
    password_lock: bool | None = arg(None, doc="lock (true) or unlock (false) the password")
    create_home: bool = arg(True, aliases=("createhome",), doc="create the home directory")
    move_home: bool = arg(False, doc="home changed: move the contents (usermod -m)")
    skeleton: str | None = arg(None, doc="skeleton directory for a new home (useradd -k)")
    system: bool = arg(False, doc="create a system account")
    remove: bool = arg(False, doc="absent: remove home and mail spool too (userdel -r)")
    force: bool = arg(False, doc="absent: remove even when logged in (userdel -f)")


@dataclass(frozen=True)
class UserState:
    """An account as the host has it. ``password_digest``: sha256 of the shadow hash, or ""."""

    name: str
    exists: bool = False
    uid: int | None = None
    gid: int | None = None
    group: str = ""
    groups: tuple[str, ...] = ()
    comment: str = ""
    home: str = ""
    shell: str = ""
    password_digest: str = ""
    locked: bool = False
    own_group: bool = False


def password_digest(password: str) -> str:
    """What the probe prints for a shadow hash: sha256 of it without lock marks (``!``)."""
    return hashlib.sha256(password.lstrip("!").encode()).hexdigest()


def _probe_snippets(args: UserArgs) -> dict[str, str]:
    name = q(args.name)
    snippets = {
        "passwd": f"getent passwd -- {name}",
        "group": f"id -gn -- {name}",
        "groups": f"id -Gn -- {name}",
        "own-group": f"getent group -- {name} >/dev/null",
    }
    if args.password is not None or args.password_lock is not None:
        snippets["shadow"] = (
            "[ -r /etc/shadow ] || exit 9; "
            f"h=$(getent shadow -- {name} | cut -d: -f2); "
            "printf '%s' \"$h\" | sed 's/^!*//' | sha256sum | cut -d' ' -f1; "
            "case \"$h\" in '!'*) echo locked;; *) echo unlocked;; esac")
    return snippets


def parse_user(args: UserArgs, sections: dict[str, Section]) -> UserState:
    """The UserState from the probe's sections (data-driven unit tests use this)."""
    passwd = sections["passwd"]
    line = next((ln for ln in passwd.lines() if ln.split(":")[0] == args.name), "")
    fields = line.split(":")
    shadow = sections.get("shadow")
    if shadow is not None and shadow.rc == 9:
        raise ModuleError(f"reading the password of {args.name} needs root",
                          hint="run the task with 'become: true'")
    digest, locked = "", False
    if shadow is not None and shadow.ok and len(shadow.lines()) >= 2:
        digest, locked = shadow.lines()[0].strip(), shadow.lines()[1].strip() == "locked"
    if len(fields) < 7:
        return UserState(args.name, own_group=sections["own-group"].ok)
    primary = sections["group"].text.strip()
    groups = tuple(g for g in sections["groups"].text.split() if g != primary)
    return UserState(
        args.name, True, uid=int(fields[2]), gid=int(fields[3]), group=primary, groups=groups,
        comment=fields[4], home=fields[5], shell=fields[6], password_digest=digest,
        locked=locked, own_group=sections["own-group"].ok,
    )


@register
class UserModule(HostModule[UserArgs, UserState]):
    steps_run_ahead = True
    name = "user"
    Args = UserArgs

    def probe(self, args: UserArgs, ctx: ModuleContext) -> str:
        if args.password is not None and not args.password.lstrip("!").startswith(("$", "*")) \
                and args.password.lstrip("!"):
            raise ModuleError(f"the password of {args.name} does not look like a crypt(3) hash",
                              hint="pass a hash, e.g. \"{{ 'secret' | password_hash('sha512') }}\" "
                              "or from `mkpasswd -m sha-512`")
        return sections_probe(_probe_snippets(args))

    def parse(self, args: UserArgs, output: CommandResult | None, ctx: ModuleContext) -> UserState:
        return parse_user(args, parse_sections(output, what=f"user {args.name} on {ctx.host}"))

    def desired(self, args: UserArgs, ctx: ModuleContext) -> UserState:
        return UserState(args.name, args.state == "present", uid=args.uid, comment=args.comment or "",
                         home=args.home or "", shell=args.shell or "")

    def steps(self, current: UserState, desired: UserState, args: UserArgs) -> list[Step]:
        return user_steps(current, args)

    def result(self, args: UserArgs, current: UserState, desired: UserState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        fields: dict[str, Any] = {"name": args.name, "state": args.state}
        if args.state == "absent":
            if current.exists:
                fields.update(remove=args.remove, force=args.force)
            return fields
        after = current
        for result in ran:
            for line in result.text().splitlines():
                if line.startswith(f"{args.name}:") and line.count(":") == 6:
                    parts = line.split(":")
                    after = UserState(args.name, True, uid=int(parts[2]), gid=int(parts[3]),
                                      comment=parts[4], home=parts[5], shell=parts[6])
        fields.update(
            uid=args.uid if args.uid is not None else after.uid,
            group=after.gid,
            home=args.home or after.home or posixpath.join("/home", args.name),
            shell=args.shell or after.shell,
            comment=args.comment if args.comment is not None else after.comment,
            system=args.system, create_home=args.create_home, append=args.append,
            move_home=args.move_home,
        )
        if args.groups is not None:
            fields["groups"] = ",".join(args.groups)
        if args.password is not None:
            fields["password"] = "NOT_LOGGING_PASSWORD"
        return fields


def _changes(current: UserState, args: UserArgs) -> tuple[list[str], list[str], list[str]]:
    """usermod options for what differs, and before/after lines for the diff."""
    options: list[str] = []
    before: list[str] = []
    after: list[str] = []

    def change(option: str, what: str, old: object, new: object) -> None:
        options.append(option)
        before.append(f"{what}: {old}")
        after.append(f"{what}: {new}")

    if args.uid is not None and args.uid != current.uid:
        change(f"-u {int(args.uid)}" + (" -o" if args.non_unique else ""), "uid", current.uid, args.uid)
    if args.group is not None and args.group not in (current.group, str(current.gid)):
        change(f"-g {q(args.group)}", "group", current.group, args.group)
    if args.groups is not None:
        wanted = [g.strip() for g in args.groups if g.strip()]
        have = set(current.groups)
        if args.append and not set(wanted) <= have:
            change(f"-a -G {q(','.join(wanted))}", "groups", ",".join(current.groups),
                   ",".join(sorted(have | set(wanted))))
        elif not args.append and set(wanted) != have:
            change(f"-G {q(','.join(wanted))}", "groups", ",".join(current.groups), ",".join(wanted))
    if args.comment is not None and args.comment != current.comment:
        change(f"-c {q(args.comment)}", "comment", current.comment, args.comment)
    if args.home is not None and args.home != current.home:
        change(f"-d {q(args.home)}" + (" -m" if args.move_home else ""), "home", current.home, args.home)
    if args.shell is not None and args.shell != current.shell:
        change(f"-s {q(args.shell)}", "shell", current.shell, args.shell)
    return options, before, after


def _useradd(current: UserState, args: UserArgs) -> Step:
    name = q(args.name)
    options = []
    if args.uid is not None:
        options.append(f"-u {int(args.uid)}" + (" -o" if args.non_unique else ""))
    if args.group is not None:
        options.append(f"-g {q(args.group)}")
    elif current.own_group:
        options.append("-N")  # a group named like the user exists: don't let useradd try to create it
    if args.groups:
        options.append(f"-G {q(','.join(g.strip() for g in args.groups if g.strip()))}")
    if args.comment is not None:
        options.append(f"-c {q(args.comment)}")
    if args.home is not None:
        options.append(f"-d {q(args.home)}")
    if args.shell is not None:
        options.append(f"-s {q(args.shell)}")
    if args.create_home:
        options.append("-m" + (f" -k {q(args.skeleton)}" if args.skeleton else ""))
    else:
        options.append("-M")
    if args.system:
        options.append("-r")
    prefix = ""
    if args.home is not None and args.create_home:
        prefix = f"mkdir -p -- {q(posixpath.dirname(args.home.rstrip('/')) or '/')} && "
    command = f"{prefix}useradd {' '.join(options)} -- {name} && getent passwd -- {name}"
    shown = [f"{key}: {value}" for key, value in (("uid", args.uid), ("group", args.group),
             ("groups", ",".join(args.groups or []) or None), ("home", args.home),
             ("shell", args.shell), ("comment", args.comment)) if value is not None]
    return Step(Action.CREATE, f"create user {args.name}", command,
                diff=Diff("absent\n", "\n".join([f"user {args.name}", *shown]) + "\n", "user", "user"))


def _password_steps(current: UserState, args: UserArgs, *, creating: bool) -> list[Step]:
    steps = []
    if args.password is not None and (creating or (
            args.update_password == "always" and password_digest(args.password) != current.password_digest)):
        hashed = args.password.lstrip("!") if args.password_lock is False else args.password
        steps.append(Step(Action.UPDATE, f"set the password of {args.name}", "chpasswd -e",
                          stdin=f"{args.name}:{hashed}\n".encode(), sensitive=True))
    if args.password_lock is not None and (creating or args.password_lock != current.locked):
        flag = "-L" if args.password_lock else "-U"
        verb = "lock" if args.password_lock else "unlock"
        steps.append(Step(Action.UPDATE, f"{verb} the password of {args.name}",
                          f"usermod {flag} -- {q(args.name)}", sensitive=True))
    return steps


def user_steps(current: UserState, args: UserArgs) -> list[Step]:
    """The steps from the account as it is to the account as declared. Pure."""
    name = q(args.name)
    if args.state == "absent":
        if not current.exists:
            return []
        flags = ("-r " if args.remove else "") + ("-f " if args.force else "")
        return [Step(Action.DELETE, f"remove user {args.name}", f"userdel {flags}-- {name}",
                     diff=Diff(f"user {args.name} (uid {current.uid})\n", "absent\n", "user", "user"))]
    if not current.exists:
        return [_useradd(current, args), *_password_steps(current, args, creating=True)]
    steps = []
    options, before, after = _changes(current, args)
    if options:
        steps.append(Step(Action.UPDATE, f"change user {args.name}: "
                          + ", ".join(line.split(":")[0] for line in after),
                          f"usermod {' '.join(options)} -- {name} && getent passwd -- {name}",
                          diff=Diff("\n".join(before) + "\n", "\n".join(after) + "\n", args.name, args.name)))
    return steps + _password_steps(current, args, creating=False)
