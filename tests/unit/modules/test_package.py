"""package: the manager comes from `use`, the facts, or the host; only apt is implemented."""

from __future__ import annotations

import pytest

from dockyard.connection.base import CommandResult
from dockyard.connection.local import LocalConnection
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.package import PackageArgs, PackageModule
from dockyard.modules.system import render_sections


def args(**raw: object) -> PackageArgs:
    return validate(PackageArgs, {"name": "hello", "state": "present", **raw}, module="package")


def test_state_is_required_as_in_ansible() -> None:
    with pytest.raises(ModuleError, match="needs the argument 'state'"):
        validate(PackageModule.Args, {"name": "hello"}, module="package")


@pytest.mark.parametrize("facts", [{"ansible_pkg_mgr": "dnf"}, {"ansible_facts": {"pkg_mgr": "zypper"}}])
def test_another_package_manager_is_a_clear_error(facts: dict[str, object]) -> None:
    with pytest.raises(ModuleError, match="is not supported") as error:
        PackageModule().probe(args(), ModuleContext(host="h", facts=facts))
    assert error.value.hint is not None and "apt" in error.value.hint


def test_use_overrides_the_facts() -> None:
    probe = PackageModule().probe(args(use="apt"), ModuleContext(host="h", facts={"ansible_pkg_mgr": "dnf"}))
    assert "dpkg-query" in probe


def test_with_apt_facts_the_probe_is_apts_own() -> None:
    module = PackageModule()
    ctx = ModuleContext(host="h", facts={"ansible_pkg_mgr": "apt"})
    assert module.probe(args(), ctx) == module.apt.probe(module.apt.Args(name=["hello"]), ctx)


def test_without_facts_the_host_decides_and_a_host_without_apt_is_an_error() -> None:
    module = PackageModule()
    probe = module.probe(args(), ModuleContext(host="h"))
    # The detection is real shell: run it where apt-get is not on PATH.
    output = LocalConnection().run(f"PATH=/nonexistent; {probe}")
    with pytest.raises(ModuleError, match="no supported package manager"):
        module.parse(args(), output, ModuleContext(host="h"))


def test_apt_steps_come_through_unchanged() -> None:
    module = PackageModule()
    sections = {"tools": ("/usr/bin/apt-get\n", 0), "now": ("100\n", 0), "cache": ("90\n", 0),
                "dpkg": ("", 1), "policy": ("hello:\n  Installed: (none)\n  Candidate: 1\n", 0)}
    ctx = ModuleContext(host="h", facts={"ansible_pkg_mgr": "apt"})
    task = args(name=["hello"], state="latest")
    current = module.parse(task, CommandResult(0, render_sections(sections), b""), ctx)
    assert [s.summary for s in module.steps(current, module.desired(task, ctx), task)] == ["upgrade hello"]
