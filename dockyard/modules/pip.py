"""pip: Python packages, in a virtualenv or for an interpreter (``ansible.builtin.pip``).

Arguments::

    - pip:
        name: [flask, "requests>=2.31", "gunicorn==22.0.0"]   # or requirements: /srv/app/req.txt
        version: "3.0.3"                # with a single name: name==version
        state: present                  # present | absent | latest | forcereinstall
        virtualenv: /srv/app/venv       # created first when missing
        virtualenv_command: python3 -m venv   # default: virtualenv
        virtualenv_python: python3.11   # virtualenv -p (not with venv)
        virtualenv_site_packages: false
        executable: pip3                # instead of virtualenv
        extra_args: "--no-index --find-links /srv/wheels"
        chdir: /srv/app
        break_system_packages: false

Needs Python and pip on the target (only for this module). The probe reads what is
installed (``pip list --format=freeze``). Bare names and ``==`` pins are decided from
that alone; ``latest``, requirements files, other specifiers and URLs ask pip what it
would do (``pip install --dry-run --report -``, pip 22.2 or newer), so the plan is
exact there too and a second run is ``ok``.
"""

from __future__ import annotations

import json
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

__all__ = ["PipArgs", "PipModule", "PipState", "normalize", "parse_report", "split_requirement"]

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*?)\s*$")
_ERROR_MARK = "@@dockyard-pip-stderr@@"
_NO_PIP = "Unable to find any of pip3, pip to use. pip needs to be installed."


@dataclass(frozen=True)
class PipArgs:
    name: list[str] = arg([], doc="requirement specifiers (name, name==1.0, name>=2, URL or path)")
    version: str | None = arg(None, doc="the version of the single name (==VERSION, or a specifier)")
    requirements: str | None = arg(None, doc="a requirements file on the target")
    state: str = arg("present", choices=("present", "absent", "latest", "forcereinstall"),
                     doc="what the packages should be")
    virtualenv: str | None = arg(None, doc="the virtualenv to install into (created when missing)")
    virtualenv_command: str = arg("virtualenv", doc="the command that creates it, e.g. 'python3 -m venv'")
    virtualenv_python: str | None = arg(None, doc="virtualenv -p PYTHON (not with the venv module)")
    virtualenv_site_packages: bool = arg(False, doc="let the virtualenv see the global site-packages")
    executable: str | None = arg(None, doc="the pip to run (default: pip3, pip, python3 -m pip)")
    extra_args: str | None = arg(None, doc="more pip install/uninstall arguments (shell words)")
    chdir: str | None = arg(None, doc="directory to run pip in")
    break_system_packages: bool = arg(False, doc="pass --break-system-packages (PEP 668 systems)")


@dataclass(frozen=True)
class PipState:
    """``pip``: the command (empty: none); ``venv``: the virtualenv is there (or none is asked);
    ``installed``: (normalized name, version) pairs; ``would_install``: pip's dry-run answer."""

    pip: str = ""
    venv: bool = True
    installed: tuple[tuple[str, str], ...] = ()
    would_install: tuple[tuple[str, str], ...] | None = None

    def version_of(self, name: str) -> str | None:
        return dict(self.installed).get(normalize(name))


def normalize(name: str) -> str:
    """A project name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(spec: str) -> tuple[str, str] | None:
    """``"Flask[async]>=3"`` -> ``("flask", ">=3")``; None for a URL or path."""
    if "/" in spec or "://" in spec or spec.strip().endswith((".whl", ".tar.gz", ".zip")):
        return None
    found = _REQUIREMENT.match(spec)
    if found is None:
        raise ModuleError(f"invalid requirement {spec!r}", hint="use NAME, NAME==VERSION or NAME>=VERSION")
    return normalize(found.group(1)), found.group(3)


def _specs(args: PipArgs) -> list[str]:
    if args.version is None:
        return list(args.name)
    if len(args.name) != 1:
        raise ModuleError("version can only be given with a single name", hint="write NAME==VERSION instead")
    version = args.version.strip()
    return [args.name[0] + (version if version[:1] in "<>=!~" else f"=={version}")]


def _needs_report(args: PipArgs) -> bool:
    """Can only pip itself tell what an install would do?"""
    if args.state in ("absent", "forcereinstall"):
        return False
    if args.state == "latest" or args.requirements:
        return True
    for spec in _specs(args):
        parsed = split_requirement(spec)
        if parsed is None or (parsed[1] and not re.fullmatch(r"==\s*[^,;*]+", parsed[1])):
            return True
    return False


def _pip_finder(args: PipArgs) -> str:
    if args.virtualenv:
        return f"p={q(args.virtualenv.rstrip('/') + '/bin/pip')}; [ -x \"$p\" ] || exit 3"
    if args.executable:
        return f"p=$(command -v {q(args.executable)}) || exit 3"
    return ("p=$(command -v pip3 || command -v pip) || { python3 -m pip --version >/dev/null 2>&1 "
            "&& p='python3 -m pip'; } || exit 3")


def _cd(args: PipArgs) -> str:
    return f"cd {q(args.chdir)} && " if args.chdir else ""


def _install_words(args: PipArgs, specs: Sequence[str]) -> str:
    words = ["install", "--disable-pip-version-check"]
    if args.state == "latest":
        words.append("-U")
    if args.state == "forcereinstall":
        words.append("--force-reinstall")
    if args.break_system_packages:
        words.append("--break-system-packages")
    if args.extra_args:
        words.append(args.extra_args)
    if args.requirements:
        words.append(f"-r {q(args.requirements)}")
    return " ".join([*words, *(q(spec) for spec in specs)])


def _probe_snippets(args: PipArgs) -> dict[str, str]:
    find = _pip_finder(args)
    snippets = {}
    if args.virtualenv:
        snippets["venv"] = f"[ -f {q(args.virtualenv.rstrip('/') + '/bin/activate')} ]"
    snippets["pip"] = f'{find}; echo "$p"'
    snippets["freeze"] = f"{find}; {_cd(args)}$p list --format=freeze --disable-pip-version-check"
    if _needs_report(args):
        dry = f"$p {_install_words(args, _specs(args))} --dry-run --quiet --report -"
        snippets["report"] = (f"{find}; {_cd(args)}exec 3>&1; err=$({dry} 2>&1 >&3); rc=$?; "
                              f"printf '\\n{_ERROR_MARK}\\n%s' \"$err\"; exit $rc")
    return snippets


def parse_report(text: str) -> tuple[tuple[str, str], ...]:
    """``(name, version)`` of what ``pip install --dry-run --report -`` would install."""
    report, _, errors = text.partition(f"\n{_ERROR_MARK}\n")
    try:
        data = json.loads(report)
    except ValueError:
        raise ModuleError(f"pip did not print a dry-run report: {(errors or report).strip()[-400:]}",
                          hint="planning this needs pip 22.2 or newer on the target") from None
    return tuple((normalize(item["metadata"]["name"]), str(item["metadata"]["version"]))
                 for item in data.get("install", []))


def parse_state(args: PipArgs, sections: dict[str, Section]) -> PipState:
    """The PipState from the probe's sections (split out for data-driven unit tests)."""
    if "venv" in sections and not sections["venv"].ok:
        return PipState(pip=q(args.virtualenv.rstrip("/") + "/bin/pip") if args.virtualenv else "", venv=False)
    if not sections["pip"].ok:
        where = f" in the virtualenv {args.virtualenv}" if args.virtualenv else ""
        raise ModuleError(_NO_PIP if not where else f"no pip{where}",
                          hint="install pip on the target (apt: python3-pip), or set executable")
    installed = []
    for line in sections["freeze"].lines():
        name, sep, version = line.partition("==")
        if sep:
            installed.append((normalize(name.strip()), version.strip()))
    would = None
    if "report" in sections:
        report = sections["report"]
        if not report.ok:
            errors = report.text.partition(f"\n{_ERROR_MARK}\n")[2].strip()
            raise ModuleError(f"pip cannot install {', '.join(_specs(args)) or args.requirements}: "
                              f"{errors[-600:]}", hint="check the names, versions and extra_args")
        would = parse_report(report.text)
    found = sections["pip"].text.strip()
    return PipState(found if found.endswith(" -m pip") else q(found), True, tuple(installed), would)


def _is_satisfied(state: PipState, spec: str) -> bool:
    parsed = split_requirement(spec)
    assert parsed is not None  # URLs and paths are decided by pip's report
    name, specifier = parsed
    version = state.version_of(name)
    if version is None:
        return False
    return not specifier or specifier.removeprefix("==").strip() == version


def _listing(pairs: Sequence[tuple[str, str | None]]) -> str:
    return "".join(f"{name} {version or '(not installed)'}\n" for name, version in pairs)


@register
class PipModule(HostModule[PipArgs, PipState]):
    name = "pip"
    Args = PipArgs
    exclusive = (("name", "requirements"), ("executable", "virtualenv"))
    one_of = (("name", "requirements"),)

    def probe(self, args: PipArgs, ctx: ModuleContext) -> str:
        _specs(args)
        if args.virtualenv_python and "venv" in args.virtualenv_command.split():
            raise ModuleError("virtualenv_python should not be used when using the venv module "
                              "as virtualenv_command", hint="name the interpreter in virtualenv_command instead")
        return sections_probe(_probe_snippets(args))

    def parse(self, args: PipArgs, output: CommandResult | None, ctx: ModuleContext) -> PipState:
        return parse_state(args, parse_sections(output, what=f"pip on {ctx.host}"))

    def desired(self, args: PipArgs, ctx: ModuleContext) -> PipState:
        return PipState(venv=True)

    def steps(self, current: PipState, desired: PipState, args: PipArgs) -> list[Step]:
        steps: list[Step] = []
        if not current.venv:
            steps.append(self._venv_step(args))
            if args.state == "absent":
                return steps
            return [*steps, self._install_step(args, current, _specs(args), _listing(
                [(spec, None) for spec in _specs(args)] or [(f"-r {args.requirements}", None)]))]
        specs = _specs(args)
        if args.state == "absent":
            names = [parsed[0] for spec in specs if (parsed := split_requirement(spec)) is not None
                     and current.version_of(parsed[0]) is not None]
            if not names:
                return []
            before = _listing([(name, current.version_of(name)) for name in names])
            extra = f" {args.extra_args}" if args.extra_args else ""
            return [Step(Action.DELETE, f"pip uninstall {', '.join(names)}",
                         f"{_cd(args)}{current.pip} uninstall -y --disable-pip-version-check{extra} "
                         + " ".join(q(name) for name in names),
                         diff=Diff(before, "".join(f"{n} (removed)\n" for n in names), "packages", "packages"))]
        if args.state == "forcereinstall":
            wanted = specs
            before = _listing([(spec, None) for spec in specs])
        elif current.would_install is not None:
            if not current.would_install:
                return []
            wanted = specs
            before = _listing([(name, current.version_of(name)) for name, _ in current.would_install])
        else:
            wanted = [spec for spec in specs if not _is_satisfied(current, spec)]
            if not wanted:
                return []
            before = _listing([(spec, current.version_of(split_requirement(spec)[0]))  # type: ignore[index]
                               for spec in wanted])
        return [self._install_step(args, current, wanted, before)]

    def _venv_step(self, args: PipArgs) -> Step:
        assert args.virtualenv is not None
        words = [args.virtualenv_command]
        if args.virtualenv_python:
            words.append(f"-p {q(args.virtualenv_python)}")
        if args.virtualenv_site_packages:
            words.append("--system-site-packages")
        return Step(Action.CREATE, f"create virtualenv {args.virtualenv}",
                    f"{_cd(args)}{' '.join(words)} {q(args.virtualenv)}",
                    diff=Diff("absent\n", "virtualenv\n", args.virtualenv, args.virtualenv))

    def _install_step(self, args: PipArgs, current: PipState, specs: Sequence[str], before: str) -> Step:
        if current.would_install:
            after = _listing(list(current.would_install))
        else:
            after = "".join(f"{spec} (installed)\n" for spec in specs) or f"-r {args.requirements} (installed)\n"
        what = ", ".join(specs) or f"-r {args.requirements}"
        verb = {"latest": "upgrade", "forcereinstall": "reinstall"}.get(args.state, "install")
        return Step(Action.CREATE, f"pip {verb} {what}",
                    f"{_cd(args)}{current.pip} {_install_words(args, specs)}",
                    diff=Diff(before, after, "packages", "packages"))

    def result(self, args: PipArgs, current: PipState, desired: PipState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        fields: dict[str, Any] = {"cmd": steps[-1].command if steps else "", "name": args.name,
                                  "requirements": args.requirements, "version": args.version,
                                  "virtualenv": args.virtualenv, "state": args.state}
        if ran:
            fields["stdout"] = "".join(result.text() for result in ran)
            fields["stderr"] = "".join(result.error_text() for result in ran)
        return fields
