"""apt: Debian packages, read with one probe (dpkg-query, apt-cache policy, cache age).

Arguments (Ansible's ``ansible.builtin.apt``; see docs/modules/apt.md)::

    - apt:
        name: [nginx, "hello=2.10-3"]   # aliases: package, pkg; a list or "a,b"
        state: present                  # present | absent | latest
        update_cache: true              # apt-get update first ...
        cache_valid_time: 3600          # ... unless the last update is younger than this
        install_recommends: false
        purge: false                    # absent: remove configuration files too
        autoremove: false               # remove dependencies nothing needs any more

One probe reads everything: the state of every named package (``dpkg-query -W``), the
candidates (``apt-cache policy``), the age of the package lists and, with
``autoremove``, what ``apt-get -s autoremove`` would remove. The steps are at most: one
``apt-get update``, one ``apt-get install`` (or ``remove``/``purge``) for all packages
that differ, one ``apt-get autoremove``. Every apt-get runs with
``DEBIAN_FRONTEND=noninteractive``, keeps changed configuration files, and waits up to
``lock_timeout`` seconds for another apt or dpkg to let go of the lock.
"""

from __future__ import annotations

import fnmatch
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

__all__ = ["AptArgs", "AptModule", "AptState", "PackageState", "parse_policy", "split_spec"]

STAMP = "/var/lib/apt/periodic/update-success-stamp"
LISTS = "/var/lib/apt/lists"
UPDATE_SUMMARY = "update the apt package lists"
INSTALLED = ("installed", "triggers-awaited", "triggers-pending")
_SPEC = re.compile(r"^[a-z0-9][a-z0-9+.\-]*(:[a-z0-9\-]+)?(=[A-Za-z0-9.+~:*\-]+)?$")


@dataclass(frozen=True)
class AptArgs:
    name: list[str] = arg([], aliases=("package", "pkg"), doc="package names, optionally `name=version`")
    state: str = arg("present", choices=("present", "absent", "latest"), doc="what the packages should be")
    update_cache: bool | None = arg(None, aliases=("update-cache",), doc="run apt-get update first")
    cache_valid_time: int = arg(0, doc="skip the update when the lists are younger (seconds)")
    purge: bool = arg(False, doc="absent: also remove configuration files")
    install_recommends: bool | None = arg(None, aliases=("install-recommends",),
                                          doc="install recommended packages (default: apt's setting)")
    autoremove: bool = arg(False, doc="remove packages only installed as dependencies, now unused")
    default_release: str | None = arg(None, aliases=("default-release",), doc="apt-get -t RELEASE")
    allow_downgrade: bool = arg(False, aliases=("allow-downgrade", "allow_downgrades", "allow-downgrades"),
                                doc="allow a pinned version older than the installed one")
    lock_timeout: int = arg(60, doc="seconds to wait for the dpkg lock")
    dpkg_options: str = arg("force-confdef,force-confold", doc="comma-separated dpkg options")


@dataclass(frozen=True)
class PackageState:
    """One package as dpkg and apt-cache see it. ``status`` is dpkg's (installed, config-files, ...)."""

    name: str
    status: str = "not-installed"
    version: str = ""
    candidate: str = ""
    known: bool = False

    @property
    def installed(self) -> bool:
        return self.status in INSTALLED


@dataclass(frozen=True)
class AptState:
    packages: tuple[PackageState, ...] = ()
    cache_time: int = 0
    now: int = 0
    autoremovable: tuple[str, ...] = ()

    def get(self, name: str) -> PackageState:
        for package in self.packages:
            if package.name == name:
                return package
        return PackageState(name)


def split_spec(spec: str) -> tuple[str, str]:
    """``"hello=2.10*"`` -> ``("hello", "2.10*")``; rejects what is not a Debian package spec."""
    spec = spec.strip()
    if not _SPEC.match(spec):
        raise ModuleError(f"invalid package name {spec!r}",
                          hint="use NAME, NAME:ARCH or NAME=VERSION (lower case; version may end in *)")
    name, _, version = spec.partition("=")
    return name, version


def _names(args: AptArgs) -> list[str]:
    return [split_spec(spec)[0] for spec in args.name]


def _probe_snippets(args: AptArgs) -> dict[str, str]:
    names = " ".join(q(name) for name in _names(args))
    snippets = {
        "tools": "command -v apt-get",
        "now": "date +%s",
        "cache": (f"if [ -e {STAMP} ]; then stat -c %Y {STAMP}; "
                  f"elif ls {LISTS} | grep -q _Packages; then stat -c %Y {LISTS}; else echo 0; fi"),
    }
    if names:
        snippets["dpkg"] = f"dpkg-query -W -f='${{Package}}\\t${{Status}}\\t${{Version}}\\n' -- {names}"
        if args.state != "absent":
            snippets["policy"] = f"LC_ALL=C apt-cache policy -- {names}"
    if args.autoremove:
        snippets["autoremove"] = "LC_ALL=C apt-get -s -o Debug::NoLocking=1 autoremove"
    return snippets


def parse_dpkg(text: str) -> dict[str, tuple[str, str]]:
    """``dpkg-query -W`` lines -> {name: (status, version)}; status is the last word of Status."""
    found = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            name, status, version = fields
            found[name.split(":")[0]] = (status.split()[-1] if status.split() else "", version)
    return found


def parse_policy(text: str) -> dict[str, str]:
    """``apt-cache policy`` -> {name: candidate}; ``"(none)"`` for a name apt knows without candidate."""
    found: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            current = line[:-1].split(":")[0]
        elif current is not None and line.strip().startswith("Candidate:"):
            found[current] = line.split(":", 1)[1].strip()
    return found


def _parse_int(section: Section | None) -> int:
    text = section.text.strip() if section is not None else ""
    return int(text) if text.isdigit() else 0


def parse_state(args: AptArgs, sections: dict[str, Section]) -> AptState:
    """The AptState from the probe's sections (split out for data-driven unit tests)."""
    if not sections.get("tools", Section("", 1)).ok:
        raise ModuleError("apt-get was not found on the host",
                          hint="the apt module manages Debian and Ubuntu; use the package manager of this host")
    dpkg = parse_dpkg(sections["dpkg"].text) if "dpkg" in sections else {}
    policy = parse_policy(sections["policy"].text) if "policy" in sections else {}
    packages = []
    for name in _names(args):
        status, version = dpkg.get(name, ("not-installed", ""))
        candidate = policy.get(name, "")
        packages.append(PackageState(name, status, version if status in INSTALLED else "",
                                     "" if candidate == "(none)" else candidate, name in policy))
    removable: tuple[str, ...] = ()
    if "autoremove" in sections:
        removable = tuple(line.split()[1] for line in sections["autoremove"].lines()
                          if line.startswith("Remv "))
    return AptState(tuple(packages), _parse_int(sections.get("cache")), _parse_int(sections.get("now")),
                    removable)


def _apt_get(args: AptArgs, verb: str, *extra: str) -> str:
    options = [f"-o DPkg::Lock::Timeout={int(args.lock_timeout)}"]
    options += [f"-o Dpkg::Options::=--{opt.strip()}" for opt in args.dpkg_options.split(",") if opt.strip()]
    return ("export DEBIAN_FRONTEND=noninteractive; "
            f"apt-get {verb} -y -q {' '.join(options)}{''.join(' ' + e for e in extra if e)}")


def _cache_is_stale(current: AptState, args: AptArgs) -> bool:
    if not args.update_cache and not args.cache_valid_time:
        return False
    return current.cache_time + args.cache_valid_time < current.now or current.cache_time == 0


@register
class AptModule(HostModule[AptArgs, AptState]):
    name = "apt"
    Args = AptArgs
    one_of = (("name", "update_cache", "autoremove"),)

    def probe(self, args: AptArgs, ctx: ModuleContext) -> str:
        return sections_probe(_probe_snippets(args))

    def parse(self, args: AptArgs, output: CommandResult | None, ctx: ModuleContext) -> AptState:
        return parse_state(args, parse_sections(output, what=f"apt on {ctx.host}"))

    def desired(self, args: AptArgs, ctx: ModuleContext) -> AptState:
        wanted = "not-installed" if args.state == "absent" else "installed"
        return AptState(tuple(PackageState(name, wanted) for name in _names(args)))

    def steps(self, current: AptState, desired: AptState, args: AptArgs) -> list[Step]:
        steps: list[Step] = []
        updating = _cache_is_stale(current, args)
        if updating:
            retry = (f"for i in 1 2 3; do apt-get update -q -o DPkg::Lock::Timeout={int(args.lock_timeout)} "
                     "&& exit 0; sleep $i; done; exit 1")
            steps.append(Step(Action.RUN, UPDATE_SUMMARY,
                              "export DEBIAN_FRONTEND=noninteractive; " + retry))
        if args.state == "absent":
            change = self._remove_step(current, args)
        else:
            change = self._install_step(current, args, updating=updating)
        if change is not None:
            steps.append(change)
        elif args.autoremove and current.autoremovable:
            steps.append(Step(Action.DELETE, f"autoremove {', '.join(current.autoremovable)}",
                              _apt_get(args, "autoremove", "--purge" if args.purge else "")))
        return steps

    def _install_step(self, current: AptState, args: AptArgs, *, updating: bool) -> Step | None:
        wanted: list[str] = []
        before: list[str] = []
        for spec in args.name:
            name, version = split_spec(spec)
            package = current.get(name)
            if not package.known and not package.installed and not updating:
                raise ModuleError(f"no package '{name}' in the apt lists of this host",
                                  hint="check the name, or add 'update_cache: true'")
            if version:
                differs = not package.installed or not fnmatch.fnmatchcase(package.version, version)
            elif args.state == "latest":
                differs = (not package.installed or updating
                           or bool(package.candidate and package.candidate != package.version))
            else:
                differs = not package.installed
            if differs:
                wanted.append(f"{name}={version}" if version else name)
                before.append(f"{name} {package.version or '(not installed)'}")
        if not wanted:
            return None
        extra = []
        if args.install_recommends is not None:
            extra.append("--install-recommends" if args.install_recommends else "--no-install-recommends")
        if args.default_release:
            extra.append(f"-t {q(args.default_release)}")
        if args.allow_downgrade:
            extra.append("--allow-downgrades")
        if args.autoremove:
            extra.append("--auto-remove")
        after = [f"{spec} (installed)" for spec in wanted]
        verb = "upgrade" if args.state == "latest" else "install"
        return Step(Action.CREATE, f"{verb} {', '.join(wanted)}",
                    _apt_get(args, "install", *extra, " ".join(q(spec) for spec in wanted)),
                    diff=Diff("\n".join(before) + "\n", "\n".join(after) + "\n", "packages", "packages"))

    def _remove_step(self, current: AptState, args: AptArgs) -> Step | None:
        names = []
        for spec in args.name:
            name, version = split_spec(spec)
            package = current.get(name)
            present = package.installed or (args.purge and package.status not in ("not-installed", ""))
            if present and (not version or fnmatch.fnmatchcase(package.version, version)):
                names.append(name)
        if not names:
            return None
        verb = "purge" if args.purge else "remove"
        before = "\n".join(f"{n} {current.get(n).version or current.get(n).status}" for n in names) + "\n"
        return Step(Action.DELETE, f"{verb} {', '.join(names)}",
                    _apt_get(args, verb, "--auto-remove" if args.autoremove else "",
                             " ".join(q(n) for n in names)),
                    diff=Diff(before, "".join(f"{n} (removed)\n" for n in names), "packages", "packages"))

    def result(self, args: AptArgs, current: AptState, desired: AptState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        updated = any(step.summary == UPDATE_SUMMARY for step in steps)
        fields: dict[str, Any] = {
            "cache_updated": updated,
            "cache_update_time": current.now if updated and ran else current.cache_time,
        }
        if ran:
            fields["stdout"] = "".join(result.text() for result in ran)
            fields["stderr"] = "".join(result.error_text() for result in ran)
        return fields
