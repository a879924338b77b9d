"""git as data: what the probe prints (HEAD, remote URL, status, ls-remote) -> planned steps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.git import GitModule, resolve_version
from dockyard.modules.system import render_sections

A = "a" * 40
B = "b" * 40
T = "c" * 40  # the commit a tag points to
LISTING = (f"ref: refs/heads/main\tHEAD\n{B}\tHEAD\n{B}\trefs/heads/main\n{A}\trefs/heads/old\n"
           f"{'d' * 40}\trefs/tags/v1\n{T}\trefs/tags/v1^{{}}\n")
REPO = "file:///srv/repo.git"

CASES = yaml.safe_load(f"""
- name: a missing checkout is cloned at the default branch
  args: {{}}
  steps: ["clone {REPO} into /srv/app at {B[:12]}"]
  words: ["--branch", "main"]
  after: {B}
- name: a missing checkout of a tag is cloned at the tag's commit
  args: {{version: v1, depth: 1}}
  steps: ["clone {REPO} into /srv/app at {T[:12]}"]
  words: ["--depth", "v1"]
  after: {T}
- name: clone false leaves a missing checkout alone
  args: {{clone: false}}
  steps: []
- name: a checkout at the branch head is ok
  args: {{version: main}}
  head: {B}
  steps: []
  after: {B}
- name: a checkout behind the branch is updated
  args: {{version: main}}
  head: {A}
  steps: ["update /srv/app to {B[:12]}"]
  words: ["-B", "origin/main"]
  after: {B}
- name: update false leaves an old checkout alone
  args: {{version: main, update: false}}
  head: {A}
  steps: []
  after: {A}
- name: a commit prefix the checkout is at is ok
  args: {{version: "{A[:10]}"}}
  head: {A}
  local: {A}
  steps: []
- name: a commit id is checked out detached
  args: {{version: "{A}"}}
  head: {B}
  steps: ["update /srv/app to {A[:12]}"]
  words: ["--detach", "{A}"]
  after: {A}
- name: a changed remote URL is set
  args: {{}}
  head: {B}
  url: file:///srv/other.git
  steps: ["set remote origin of /srv/app to {REPO}"]
- name: local modifications with force are discarded, then updated
  args: {{version: main, force: true}}
  head: {A}
  status: " M README"
  steps: ["discard local modifications in /srv/app", "update /srv/app to {B[:12]}"]
  words: ["--force"]
""")


def probe_output(case: dict[str, Any]) -> CommandResult:
    exists = "head" in case
    sections = {
        "tools": ("/usr/bin/git", 0),
        "exists": ("", 0 if exists else 1),
        "head": (case.get("head", ""), 0 if exists else 1),
        "url": (case.get("url", REPO) if exists else "", 0 if exists else 1),
        "status": (case.get("status", ""), 0 if exists else 1),
        "remote": (LISTING, 0),
    }
    if "local" in case:
        sections["local"] = (case["local"], 0)
    return CommandResult(0, render_sections(sections), b"")


def plan(args: dict[str, Any], output: CommandResult) -> tuple[Any, Any, list[Any]]:
    module = GitModule()
    ctx = ModuleContext(host="h")
    parsed = validate(module.Args, {"repo": REPO, "dest": "/srv/app", **args}, module="git")
    current = module.parse(parsed, output, ctx)
    return parsed, current, module.steps(current, module.desired(parsed, ctx), parsed)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_git_plans(case: dict[str, Any]) -> None:
    args, current, steps = plan(case["args"], probe_output(case))
    assert [step.summary for step in steps] == case["steps"]
    for word in case.get("words", []):
        assert any(word in step.command.split() or f"'{word}'" in step.command.split()
                   for step in steps), (word, [s.command for s in steps])
    if "after" in case:
        result = GitModule().result(args, current, current, steps, [])
        assert result["after"] == case["after"]
        assert result["before"] == case.get("head")


def test_local_modifications_without_force_fail_like_ansible() -> None:
    case = {"args": {"version": "main"}, "head": A, "status": " M README"}
    with pytest.raises(ModuleError, match=r"Local modifications exist in the destination: /srv/app \(force=no\)"):
        plan(case["args"], probe_output(case))


def test_an_unknown_version_and_an_unreadable_repo_fail_clearly() -> None:
    with pytest.raises(ModuleError, match="neither a branch, a tag nor a commit"):
        resolve_version("nope", LISTING)
    broken = CommandResult(0, render_sections({
        "tools": ("/usr/bin/git", 0), "exists": ("", 1), "head": ("", 1), "url": ("", 1),
        "status": ("", 1), "remote": ("fatal: '/srv/none.git' does not appear to be a git repository", 128),
    }), b"")
    with pytest.raises(ModuleError, match="does not appear to be a git repository"):
        plan({}, broken)


def test_resolve_version_peels_annotated_tags_and_follows_head() -> None:
    assert resolve_version("v1", LISTING) == ("tag", "v1", T)
    assert resolve_version("HEAD", LISTING) == ("branch", "main", B)
    assert resolve_version("old", LISTING) == ("branch", "old", A)
    assert resolve_version(A[:8], LISTING, local=A) == ("commit", "", A)


def test_the_result_reads_the_commit_that_the_step_printed() -> None:
    case = {"args": {"version": "main"}, "head": A}
    args, current, steps = plan(case["args"], probe_output(case))
    ran = [CommandResult(0, f"{B}\n".encode(), b"")]
    assert GitModule().result(args, current, current, steps, ran)["after"] == B
