"""git on a lab host, against a bare repository the test makes on that same host (file://),
so no test ever needs a network remote."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def make_repo(host: LabHost, path: str) -> tuple[str, str]:
    """A bare repo at ``path`` with a tag v1 (first commit) and main one commit ahead;
    returns the two commit ids (v1, main)."""
    host.exec(
        f"set -e; rm -rf {path} {path}.work; git init -q --bare -b main {path}; "
        f"git clone -q {path} {path}.work 2>/dev/null; cd {path}.work; "
        "git config user.email lab@example.org; git config user.name lab; "
        "echo one > README; git add README; git commit -qm one; git tag -a v1 -m v1; "
        "echo two > README; git commit -qam two; git push -q origin main v1",
        check=True,
    )
    v1 = host.exec(f"git -C {path}.work rev-parse v1^{{commit}}", check=True).stdout.strip()
    main = host.exec(f"git -C {path}.work rev-parse main", check=True).stdout.strip()
    return v1, main


def checkout(host: LabHost, dest: str) -> str:
    """The checkout as git and ls see it, read with docker exec."""
    return host.exec(f"git -C {dest} rev-parse HEAD 2>&1; git -C {dest} status --short 2>&1; "
                     f"ls -la {dest} 2>&1; cat {dest}/README 2>&1").stdout


def test_git_contract_then_update_to_a_branch(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    v1, main = make_repo(shared_host, "/srv/git-contract.git")
    dest = "/srv/git-contract"
    shared_host.exec(f"rm -rf {dest}", check=True)
    repo = "file:///srv/git-contract.git"
    first, checked = assert_contract(
        shared_conn, "git", {"repo": repo, "dest": dest, "version": "v1"},
        {"repo": repo, "dest": dest, "version": "main"}, lambda: checkout(shared_host, dest))
    assert first.result["before"] is None and first.result["after"] == v1
    assert checked.result["before"] == v1 and checked.result["after"] == main
    updated = run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "main"})
    assert updated.changed and updated.result["after"] == main
    assert shared_host.exec(f"cat {dest}/README").stdout == "two\n"
    assert shared_host.exec(f"git -C {dest} symbolic-ref --short HEAD").stdout.strip() == "main"
    assert not run(shared_conn, "git", {"repo": repo, "dest": dest}).changed  # HEAD is main


def test_local_modifications_need_force(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    v1, main = make_repo(shared_host, "/srv/git-force.git")
    dest, repo = "/srv/git-force", "file:///srv/git-force.git"
    shared_host.exec(f"rm -rf {dest}", check=True)
    run(shared_conn, "git", {"repo": repo, "dest": dest, "version": v1})
    shared_host.exec(f"echo local >> {dest}/README", check=True)
    with pytest.raises(ModuleError, match=r"Local modifications exist in the destination: /srv/git-force \(force=no\)"):
        run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "main"})
    untouched = checkout(shared_host, dest)
    checked = run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "main", "force": True}, check=True)
    assert checked.changed and checkout(shared_host, dest) == untouched
    forced = run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "main", "force": True})
    assert forced.changed and forced.result["after"] == main
    assert shared_host.exec(f"cat {dest}/README").stdout == "two\n"


def test_update_false_and_a_shallow_clone(shared_host: LabHost, shared_conn: SSHConnection) -> None:
    v1, _ = make_repo(shared_host, "/srv/git-shallow.git")
    dest, repo = "/srv/git-shallow", "file:///srv/git-shallow.git"
    shared_host.exec(f"rm -rf {dest}", check=True)
    cloned = run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "v1", "depth": 1})
    assert cloned.result["after"] == v1
    assert shared_host.exec(f"git -C {dest} rev-list --count HEAD").stdout.strip() == "1"
    kept = run(shared_conn, "git", {"repo": repo, "dest": dest, "version": "main", "update": False})
    assert not kept.changed and kept.result["after"] == v1
