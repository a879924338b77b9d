"""apt as data: probe output (what dpkg-query, apt-cache and stat print) -> planned steps.

Each case gives the task's arguments and the sections the probe would print; it expects
the summaries of the steps (empty: ok) and, where it matters, words of their commands.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.apt import AptModule, parse_policy, split_spec
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.system import render_sections

HELLO_POLICY = "hello:\n  Installed: (none)\n  Candidate: 2.10-3\n  Version table:\n     2.10-3 500\n"
NOW = 1_700_000_000

CASES = yaml.safe_load(f"""
- name: missing package is installed
  args: {{name: hello}}
  dpkg: ""
  policy: "{HELLO_POLICY.encode('unicode_escape').decode()}"
  steps: [install hello]
- name: installed package is ok
  args: {{name: hello}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: []
- name: removed package with config files counts as missing
  args: {{name: hello}}
  dpkg: "hello\\tdeinstall ok config-files\\t2.10-3\\n"
  policy: "hello:\\n  Installed: (none)\\n  Candidate: 2.10-3\\n"
  steps: [install hello]
- name: latest upgrades when the candidate is newer
  args: {{name: hello, state: latest}}
  dpkg: "hello\\tinstall ok installed\\t2.10-2\\n"
  policy: "hello:\\n  Installed: 2.10-2\\n  Candidate: 2.10-3\\n"
  steps: [upgrade hello]
- name: latest is ok when installed is the candidate
  args: {{name: hello, state: latest}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: []
- name: a version pin matching with a wildcard is ok
  args: {{name: "hello=2.10*"}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: []
- name: a different pinned version is installed
  args: {{name: "hello=2.9-1", allow_downgrade: true}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: [install hello=2.9-1]
  words: [hello=2.9-1, --allow-downgrades]
- name: absent removes only what is installed
  args: {{name: [hello, sl], state: absent}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\nsl\\tdeinstall ok config-files\\t5.02-1\\n"
  steps: [remove hello]
- name: absent with purge also purges leftover config files
  args: {{name: [hello, sl], state: absent, purge: true}}
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\nsl\\tdeinstall ok config-files\\t5.02-1\\n"
  steps: ["purge hello, sl"]
- name: update_cache alone always updates
  args: {{update_cache: true}}
  cache: "{NOW - 10}"
  steps: [update the apt package lists]
- name: a fresh cache within cache_valid_time is not updated
  args: {{update_cache: true, cache_valid_time: 3600, name: hello}}
  cache: "{NOW - 60}"
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: []
- name: an old cache is updated before installing, then the package is installed
  args: {{update_cache: true, cache_valid_time: 3600, name: hello, install_recommends: false}}
  cache: "{NOW - 7200}"
  dpkg: ""
  policy: ""
  steps: [update the apt package lists, install hello]
  words: [--no-install-recommends]
- name: lists never downloaded count as stale
  args: {{cache_valid_time: 86400, name: hello}}
  cache: "0"
  dpkg: ""
  policy: ""
  steps: [update the apt package lists, install hello]
- name: latest after a cache update reinstalls to pick up a new candidate
  args: {{update_cache: true, name: hello, state: latest}}
  cache: "{NOW - 5}"
  dpkg: "hello\\tinstall ok installed\\t2.10-3\\n"
  policy: "hello:\\n  Installed: 2.10-3\\n  Candidate: 2.10-3\\n"
  steps: [update the apt package lists, upgrade hello]
- name: autoremove alone removes what apt would autoremove
  args: {{autoremove: true}}
  autoremove: "Reading package lists...\\nRemv libfoo1 [1.0-1]\\nRemv libbar2 [2.0]\\n"
  steps: ["autoremove libfoo1, libbar2"]
- name: autoremove with nothing to remove is ok
  args: {{autoremove: true}}
  autoremove: "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\\n"
  steps: []
""")


def probe_output(case: dict[str, Any]) -> CommandResult:
    sections = {"tools": ("/usr/bin/apt-get\n", 0), "now": (f"{NOW}\n", 0),
                "cache": (case.get("cache", str(NOW)) + "\n", 0)}
    for name in ("dpkg", "policy", "autoremove"):
        if name in case:
            sections[name] = (case[name], 0 if case[name] else 1)
    return CommandResult(0, render_sections(sections), b"")


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_apt_plans(case: dict[str, Any]) -> None:
    module = AptModule()
    ctx = ModuleContext(host="h")
    args = validate(module.Args, case["args"], module="apt", one_of=module.one_of)
    current = module.parse(args, probe_output(case), ctx)
    steps = module.steps(current, module.desired(args, ctx), args)
    assert [step.summary for step in steps] == case["steps"]
    for word in case.get("words", []):
        assert any(word in step.command.split() for step in steps), (word, steps)
    for step in steps:
        assert "DEBIAN_FRONTEND=noninteractive" in step.command
        assert "DPkg::Lock::Timeout=60" in step.command


def test_the_probe_reads_every_package_in_one_dpkg_query() -> None:
    module = AptModule()
    args = validate(module.Args, {"name": ["hello", "sl=5*"], "state": "latest"}, module="apt")
    probe = module.probe(args, ModuleContext(host="h"))
    assert probe.count("dpkg-query -W") == 1 and "-- hello sl" in probe
    assert "apt-cache policy -- hello sl" in probe


def test_an_unknown_package_fails_at_plan_time_with_a_hint() -> None:
    module = AptModule()
    args = validate(module.Args, {"name": "nosuch"}, module="apt")
    current = module.parse(args, probe_output({"dpkg": "", "policy": ""}), ModuleContext(host="h"))
    with pytest.raises(ModuleError, match="no package 'nosuch'") as error:
        module.steps(current, current, args)
    assert error.value.hint is not None and "update_cache" in error.value.hint


def test_a_host_without_apt_get_fails_clearly() -> None:
    module = AptModule()
    args = validate(module.Args, {"name": "x"}, module="apt")
    output = CommandResult(0, render_sections({"tools": ("", 1), "now": ("1\n", 0), "cache": ("0", 0)}), b"")
    with pytest.raises(ModuleError, match="apt-get was not found"):
        module.parse(args, output, ModuleContext(host="h"))


@pytest.mark.parametrize(("spec", "expected"), [
    ("hello", ("hello", "")), ("hello=2.10-3", ("hello", "2.10-3")),
    ("libc6:i386", ("libc6:i386", "")), ("g++=4:12*", ("g++", "4:12*")),
])
def test_split_spec(spec: str, expected: tuple[str, str]) -> None:
    assert split_spec(spec) == expected


@pytest.mark.parametrize("spec", ["Hello", "-o foo", "a b", "x;rm", "pkg=="])
def test_split_spec_rejects_what_is_not_a_package(spec: str) -> None:
    with pytest.raises(ModuleError, match="invalid package name"):
        split_spec(spec)


def test_parse_policy_knows_none_candidates_and_arch_qualified_names() -> None:
    text = "foo:\n  Installed: (none)\n  Candidate: (none)\nbar:i386:\n  Installed: 1\n  Candidate: 2\n"
    assert parse_policy(text) == {"foo": "(none)", "bar": "2"}


def test_result_reports_cache_updated_with_ansibles_names() -> None:
    module = AptModule()
    args = validate(module.Args, {"update_cache": True}, module="apt")
    current = module.parse(args, probe_output({"cache": "5"}), ModuleContext(host="h"))
    steps = module.steps(current, current, args)
    fields = module.result(args, current, current, steps, [CommandResult(0, b"Hit:1\n", b"")])
    assert fields["cache_updated"] is True and fields["cache_update_time"] == NOW
