"""git: a checkout of a repository at a version (``ansible.builtin.git``).

Arguments::

    - git:
        repo: https://example.org/app.git   # alias: name; any URL or path git clones
        dest: /srv/app
        version: v2.1                       # branch, tag, commit (7-40 hex digits) or HEAD
        force: false                        # discard local modifications of tracked files
        update: true                        # false: never touch an existing checkout
        clone: true                         # false: never create a missing checkout
        depth: 1                            # shallow clone / fetch
        remote: origin
        key_file: ~/.ssh/deploy             # for ssh URLs (GIT_SSH_COMMAND)
        accept_hostkey: false

Needs git on the target (only for this module). One probe reads the checkout (HEAD,
branch, remote URL, modified tracked files) and what the version is on the remote
(``git ls-remote``), so the plan knows the commit it will check out: the result's
``before`` and ``after`` are commit ids, as in Ansible, also in check mode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register
from dockyard.modules.system import Section, parse_sections, sections_probe

__all__ = ["GitArgs", "GitModule", "GitState", "resolve_version"]

_COMMIT = re.compile(r"^[0-9a-fA-F]{7,40}$")
_QUIET = "-c advice.detachedHead=false"


@dataclass(frozen=True)
class GitArgs:
    repo: str = arg(required=True, aliases=("name",), doc="repository URL or path")
    dest: str = arg(required=True, doc="directory of the checkout")
    version: str = arg("HEAD", doc="branch, tag, commit id, or HEAD (the remote's default branch)")
    force: bool = arg(False, doc="discard local modifications of tracked files")
    update: bool = arg(True, doc="bring an existing checkout to the version")
    clone: bool = arg(True, doc="clone when dest is not a checkout yet")
    depth: int | None = arg(None, doc="shallow clone/fetch with this many commits")
    remote: str = arg("origin", doc="name of the remote")
    executable: str = arg("git", doc="the git program on the target")
    key_file: str | None = arg(None, doc="ssh private key for ssh URLs")
    accept_hostkey: bool = arg(False, doc="accept an unknown ssh host key of the remote")
    ssh_opts: str | None = arg(None, doc="more ssh options for ssh URLs")


@dataclass(frozen=True)
class GitState:
    """A checkout (``exists``: dest/.git is there) and the commit the version names.

    ``kind``: branch, tag or commit; ``ref``: the branch or tag name (for HEAD, the
    remote's default branch); ``target``: the commit id, or the given prefix of one
    the host does not know yet.
    """

    exists: bool = False
    head: str | None = None
    remote_url: str | None = None
    modified: tuple[str, ...] = ()
    kind: str = ""
    ref: str = ""
    target: str = ""


def _git(args: GitArgs) -> str:
    ssh = []
    if args.key_file:
        ssh += ["-i", args.key_file, "-o", "IdentitiesOnly=yes"]
    if args.accept_hostkey:
        ssh += ["-o", "StrictHostKeyChecking=accept-new"]
    prefix = ""
    if ssh or args.ssh_opts:
        command = " ".join(["ssh", *(q(word) for word in ssh), *([args.ssh_opts] if args.ssh_opts else [])])
        prefix = f"GIT_SSH_COMMAND={q(command)} "
    return prefix + q(args.executable)


def _in_dest(args: GitArgs) -> str:
    return f"{_git(args)} -C {q(args.dest)}"


def _probe_snippets(args: GitArgs) -> dict[str, str]:
    dest, here = q(args.dest), _in_dest(args)
    snippets = {
        "tools": f"command -v {q(args.executable)}",
        "exists": f"[ -e {dest}/.git ]",
    }
    snippets["head"] = f"[ -e {dest}/.git ] && {here} rev-parse --verify -q HEAD"
    snippets["url"] = f"[ -e {dest}/.git ] && {here} config --get remote.{q(args.remote)}.url"
    snippets["status"] = f"[ -e {dest}/.git ] && {here} status --porcelain --untracked-files=no"
    if _COMMIT.match(args.version):
        snippets["local"] = f"[ -e {dest}/.git ] && {here} rev-parse --verify -q {q(args.version + '^{commit}')}"
    snippets["remote"] = f"{_git(args)} ls-remote --symref -- {q(args.repo)} 2>&1"
    return snippets


def resolve_version(version: str, listing: str, local: str = "") -> tuple[str, str, str]:
    """``(kind, ref, commit)`` of ``version`` from ``git ls-remote --symref`` output.

    ``local``: the full id the checkout knows for a commit prefix (may be empty).
    """
    refs: dict[str, str] = {}
    head_branch = ""
    for line in listing.splitlines():
        value, _, name = line.partition("\t")
        if value.startswith("ref: ") and name == "HEAD":
            head_branch = value[5:].removeprefix("refs/heads/")
        elif re.fullmatch(r"[0-9a-f]{40,64}", value):
            refs[name] = value
    if version == "HEAD":
        if "HEAD" not in refs:
            raise ModuleError("the remote repository has no HEAD (is it empty?)")
        return ("branch", head_branch, refs["HEAD"]) if head_branch else ("commit", "", refs["HEAD"])
    if f"refs/heads/{version}" in refs:
        return "branch", version, refs[f"refs/heads/{version}"]
    tag = refs.get(f"refs/tags/{version}^{{}}") or refs.get(f"refs/tags/{version}")
    if tag:
        return "tag", version, tag
    if _COMMIT.match(version):
        return "commit", "", (local or version).lower()
    raise ModuleError(f"version '{version}' is neither a branch, a tag nor a commit id of the repository",
                      hint="check the name, e.g. with git ls-remote on the host")


def parse_state(args: GitArgs, sections: dict[str, Section]) -> GitState:
    """The GitState from the probe's sections (split out for data-driven unit tests)."""
    if not sections["tools"].ok:
        raise ModuleError(f"'{args.executable}' was not found on the host",
                          hint="the git module needs git on the target (apt: git)")
    exists = sections["exists"].ok
    remote = sections["remote"]
    if not remote.ok:
        raise ModuleError(f"cannot read the repository {args.repo}: {remote.text.strip()[-400:]}",
                          hint="check repo, and that the target can reach it")
    local = sections["local"].text.strip() if "local" in sections and sections["local"].ok else ""
    kind, ref, target = resolve_version(args.version, remote.text, local)
    return GitState(
        exists=exists,
        head=sections["head"].text.strip() or None if exists else None,
        remote_url=sections["url"].text.strip() or None if exists else None,
        modified=tuple(line for line in sections["status"].lines() if line.strip()) if exists else (),
        kind=kind, ref=ref, target=target,
    )


def _at_target(current: GitState) -> bool:
    return current.head is not None and current.head.startswith(current.target)


def _describe(state: GitState) -> str:
    where = f" ({state.kind} {state.ref})" if state.ref else ""
    return f"{state.target}{where}\n"


def _show_head(args: GitArgs) -> str:
    return f" && {_in_dest(args)} rev-parse HEAD"


@register
class GitModule(HostModule[GitArgs, GitState]):
    name = "git"
    Args = GitArgs

    def probe(self, args: GitArgs, ctx: ModuleContext) -> str:
        return sections_probe(_probe_snippets(args))

    def parse(self, args: GitArgs, output: CommandResult | None, ctx: ModuleContext) -> GitState:
        return parse_state(args, parse_sections(output, what=f"git on {ctx.host}"))

    def desired(self, args: GitArgs, ctx: ModuleContext) -> GitState:
        return GitState(exists=True, head=None, remote_url=args.repo)

    def steps(self, current: GitState, desired: GitState, args: GitArgs) -> list[Step]:
        if not current.exists:
            return [self._clone_step(current, args)] if args.clone else []
        if not args.update:
            return []
        steps: list[Step] = []
        if current.remote_url != args.repo:
            verb = "set-url" if current.remote_url else "add"
            steps.append(Step(Action.UPDATE, f"set remote {args.remote} of {args.dest} to {args.repo}",
                              f"{_in_dest(args)} remote {verb} -- {q(args.remote)} {q(args.repo)}",
                              diff=Diff(f"{current.remote_url or '(none)'}\n", f"{args.repo}\n",
                                        f"{args.dest} remote", f"{args.dest} remote")))
        if current.modified:
            if not args.force:
                raise ModuleError(f"Local modifications exist in the destination: {args.dest} (force=no).",
                                  hint="commit or stash them, or set force: true to discard them")
            steps.append(Step(Action.UPDATE, f"discard local modifications in {args.dest}",
                              f"{_in_dest(args)} reset -q --hard" + _show_head(args),
                              diff=Diff("".join(f"{line}\n" for line in current.modified), "",
                                        f"{args.dest} (modified)", f"{args.dest} (reset)")))
        if not _at_target(current):
            steps.append(self._update_step(current, args))
        return steps

    def _clone_step(self, current: GitState, args: GitArgs) -> Step:
        options = [f"--origin {q(args.remote)}"]
        if args.depth:
            options.append(f"--depth {int(args.depth)}")
        if current.kind in ("branch", "tag") and current.ref:
            options.append(f"--branch {q(current.ref)}")
        command = f"{_git(args)} {_QUIET} clone -q {' '.join(options)} -- {q(args.repo)} {q(args.dest)}"
        if current.kind == "commit":
            if args.depth:
                command += (f" && {_in_dest(args)} fetch -q --depth {int(args.depth)} "
                            f"{q(args.remote)} {q(current.target)}")
            command += f" && {_in_dest(args)} {_QUIET} checkout -q --detach {q(current.target)}"
        return Step(Action.CREATE, f"clone {args.repo} into {args.dest} at {current.target[:12]}",
                    command + _show_head(args),
                    diff=Diff("absent\n", _describe(current), args.dest, args.dest))

    def _update_step(self, current: GitState, args: GitArgs) -> Step:
        remote = q(args.remote)
        depth = f" --depth {int(args.depth)}" if args.depth else ""
        fetch = (f"{_in_dest(args)} fetch -q{depth} --tags --force {remote} "
                 f"{q(f'+refs/heads/*:refs/remotes/{args.remote}/*')}")
        if current.kind == "commit" and args.depth:
            fetch += f" && {_in_dest(args)} fetch -q{depth} {remote} {q(current.target)}"
        force = " --force" if args.force else ""
        if current.kind == "branch":
            checkout = (f"checkout -q{force} -B {q(current.ref)} --track "
                        f"{q(f'{args.remote}/{current.ref}')}")
        elif current.kind == "tag":
            checkout = f"checkout -q{force} --detach {q(f'refs/tags/{current.ref}')}"
        else:
            checkout = f"checkout -q{force} --detach {q(current.target)}"
        return Step(Action.UPDATE, f"update {args.dest} to {current.target[:12]}",
                    f"{fetch} && {_in_dest(args)} {_QUIET} {checkout}" + _show_head(args),
                    diff=Diff(f"{current.head}\n", _describe(current), args.dest, args.dest))

    def result(self, args: GitArgs, current: GitState, desired: GitState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        moves = args.update and not _at_target(current) if current.exists else args.clone
        after = current.target if moves else current.head
        if ran and ran[-1].text().strip():
            after = ran[-1].text().strip().splitlines()[-1]
        return {"before": current.head, "after": after,
                "remote_url_changed": current.exists and args.update and current.remote_url != args.repo}

