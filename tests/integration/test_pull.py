"""``dockyard pull``: real git repositories (on this machine's disk, fetched by git as any
URL is), the real CLI in a subprocess, and this machine over the local connection; the last
test converges a real lab host over SSH from an inventory kept in the repository."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from dockyard.pull import PullLock, default_checkout
from tests.integration.cli import run_dockyard
from tests.lab import LabHost
from tests.lab.inventory import render_inventory

PLAYBOOK = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: the greeting
      copy:
        content: "{{{{ greeting | default('{text}') }}}}\\n"
        dest: {dest}
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
                          cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet", "--initial-branch", "main")
    commit(path, {"local.yml": PLAYBOOK.format(text="one", dest=tmp_path / "out.txt")}, "first")
    return path


def pull(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard("pull", *args, "-d", str(tmp_path / "checkout"), cwd=tmp_path)


def record(tmp_path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((tmp_path / "checkout/.git/dockyard-pull.json").read_text())
    return data


def test_pull_fetches_runs_and_records_the_commit(tmp_path: Path, repo: Path) -> None:
    done = pull(tmp_path, str(repo))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text() == "one\n"
    assert "changed: [localhost]" in done.stdout
    head = git(repo, "rev-parse", "HEAD")
    assert f"at {head[:12]} 'first'" in done.stderr
    assert record(tmp_path)["commit"] == head and record(tmp_path)["exit_code"] == 0
    assert record(tmp_path)["playbooks"] == ["local.yml"]


def test_only_if_changed_runs_for_a_new_commit_only(tmp_path: Path, repo: Path) -> None:
    assert pull(tmp_path, str(repo), "-o").returncode == 0
    (tmp_path / "out.txt").unlink()
    same = pull(tmp_path, str(repo), "-o")
    assert same.returncode == 0 and "nothing new" in same.stderr
    assert not (tmp_path / "out.txt").exists()  # nothing ran
    first = git(repo, "rev-parse", "HEAD")
    second = commit(repo, {"local.yml": PLAYBOOK.format(text="two", dest=tmp_path / "out.txt")}, "second")
    new = pull(tmp_path, str(repo), "-o")
    assert new.returncode == 0, new.stderr
    assert (tmp_path / "out.txt").read_text() == "two\n"
    assert f"at {second[:12]} 'second' (was {first[:12]})" in new.stderr
    assert record(tmp_path)["commit"] == second


def test_a_check_run_changes_nothing_and_does_not_count_as_applied(tmp_path: Path, repo: Path) -> None:
    checked = pull(tmp_path, str(repo), "-o", "--check")
    assert checked.returncode == 0, checked.stderr
    assert "changed: [localhost]" in checked.stdout and not (tmp_path / "out.txt").exists()
    applied = pull(tmp_path, str(repo), "-o")
    assert "nothing new" not in applied.stderr and (tmp_path / "out.txt").read_text() == "one\n"


def test_a_failed_run_is_run_again_with_only_if_changed(tmp_path: Path, repo: Path) -> None:
    # The destination's parent is a file: copy fails.
    commit(repo, {"local.yml": PLAYBOOK.format(text="x", dest=tmp_path / "out.txt/inner")}, "broken")
    (tmp_path / "out.txt").write_text("a file, not a directory\n")
    failed = pull(tmp_path, str(repo), "-o")
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert record(tmp_path)["exit_code"] == 2
    again = pull(tmp_path, str(repo), "-o")
    assert "nothing new" not in again.stderr and again.returncode == 2


def test_the_checkout_is_forced_to_the_commit_but_ignored_files_stay(tmp_path: Path, repo: Path) -> None:
    commit(repo, {".gitignore": "secrets.yml\n"}, "ignore secrets")
    assert pull(tmp_path, str(repo)).returncode == 0
    checkout = tmp_path / "checkout"
    (checkout / "local.yml").write_text("- hosts: all\n  tasks: [{fail: {msg: edited}}]\n")
    (checkout / "stray.yml").write_text("stray\n")
    (checkout / "secrets.yml").write_text("token: kept\n")
    done = pull(tmp_path, str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "discarded 2 locally changed or untracked file(s)" in done.stderr
    assert not (checkout / "stray.yml").exists()
    assert (checkout / "local.yml").read_text() == (repo / "local.yml").read_text()
    assert (checkout / "secrets.yml").read_text() == "token: kept\n"


def test_checkout_names_a_branch_and_a_missing_one_is_a_clear_error(tmp_path: Path, repo: Path) -> None:
    git(repo, "checkout", "--quiet", "-b", "staging")
    commit(repo, {"local.yml": PLAYBOOK.format(text="staging", dest=tmp_path / "out.txt")}, "on staging")
    git(repo, "checkout", "--quiet", "main")
    done = pull(tmp_path, str(repo), "-C", "staging")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text() == "staging\n"
    missing = pull(tmp_path, str(repo), "-C", "nope")
    assert missing.returncode == 1
    assert "cannot fetch nope of" in missing.stderr and "check the branch, tag or commit" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_the_playbook_named_after_this_machine_comes_first(tmp_path: Path, repo: Path) -> None:
    own = f"{socket.gethostname()}.yml"
    commit(repo, {own: PLAYBOOK.format(text="mine", dest=tmp_path / "out.txt")}, "host playbook")
    assert pull(tmp_path, str(repo)).returncode == 0
    assert (tmp_path / "out.txt").read_text() == "mine\n"
    assert record(tmp_path)["playbooks"] == [own]


def test_no_playbook_found_says_what_was_tried(tmp_path: Path, repo: Path) -> None:
    git(repo, "mv", "local.yml", "site.yml")
    git(repo, "commit", "--quiet", "-m", "rename")
    done = pull(tmp_path, str(repo))
    assert done.returncode == 1
    assert "local.yml" in done.stderr and "it has: site.yml" in done.stderr
    named = pull(tmp_path, str(repo), "site.yml", "-e", "greeting=named")
    assert named.returncode == 0, named.stderr
    assert (tmp_path / "out.txt").read_text() == "named\n"


def test_a_second_pull_on_the_same_checkout_refuses_while_one_runs(tmp_path: Path, repo: Path) -> None:
    with PullLock(tmp_path / "checkout"):
        done = pull(tmp_path, str(repo))
    assert done.returncode == 1
    assert "another dockyard pull is working in" in done.stderr
    assert not (tmp_path / "out.txt").exists()
    assert pull(tmp_path, str(repo)).returncode == 0  # released


def test_a_checkout_of_another_repository_is_refused(tmp_path: Path, repo: Path) -> None:
    assert pull(tmp_path, str(repo)).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "--quiet")
    done = pull(tmp_path, str(other))
    assert done.returncode == 1 and "is a checkout of" in done.stderr and "-d" in done.stderr


def test_the_password_in_a_url_never_shows(tmp_path: Path) -> None:
    # Port 9 on loopback: nothing listens, git fails at once (no traffic leaves this machine).
    done = pull(tmp_path, "https://deploy:s3cr3t-t0ken@127.0.0.1:9/ops/site.git")
    assert done.returncode == 1
    assert "s3cr3t-t0ken" not in done.stdout + done.stderr
    assert "deploy:***@127.0.0.1:9" in done.stderr


def test_pull_converges_the_hosts_of_an_inventory_in_the_repository(
        tmp_path: Path, repo: Path, fresh_host: LabHost) -> None:
    host = fresh_host()
    commit(repo, {
        "inventory/hosts.ini": render_inventory([host], groups={"web": [host]}),
        "site.yml": PLAYBOOK.format(text="over ssh", dest="/tmp/pulled.txt").replace("hosts: all", "hosts: web"),
    }, "inventory")
    done = pull(tmp_path, str(repo), "site.yml", "-i", "inventory/hosts.ini")
    assert done.returncode == 0, done.stdout + done.stderr
    assert host.exec("cat /tmp/pulled.txt").stdout == "over ssh\n"
    again = pull(tmp_path, str(repo), "site.yml", "-i", "inventory/hosts.ini")
    assert again.returncode == 0 and f"{host.name} : ok=1  changed=0" in again.stdout


def test_a_first_pull_that_cannot_fetch_leaves_nothing(tmp_path: Path, repo: Path) -> None:
    done = pull(tmp_path, str(tmp_path / "no-such-repo"))
    assert done.returncode == 1
    assert "does not appear to be a git repository" in done.stderr
    assert not (tmp_path / "checkout").exists()
    assert pull(tmp_path, str(repo)).returncode == 0  # the same directory, another URL


def test_only_if_changed_runs_again_when_the_run_differs(tmp_path: Path, repo: Path) -> None:
    assert pull(tmp_path, str(repo), "-o", "-t", "nothing-has-this-tag").returncode == 0
    assert not (tmp_path / "out.txt").exists()
    other = pull(tmp_path, str(repo), "-o")  # same commit, but these tasks never ran
    assert "nothing new" not in other.stderr and (tmp_path / "out.txt").read_text() == "one\n"
    again = pull(tmp_path, str(repo), "-o", "local.yml", "-e", "greeting=hi")  # words after options too
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out.txt").read_text() == "hi\n"


def test_a_relative_repository_and_a_symlinked_checkout(tmp_path: Path, repo: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    done = run_dockyard("pull", "repo", "-d", "link/co", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text() == "one\n"
    assert json.loads((tmp_path / "real/co/.git/dockyard-pull.json").read_text())["exit_code"] == 0


def test_a_repository_pull_did_not_make_is_never_forced(tmp_path: Path, repo: Path) -> None:
    (repo / "untracked.txt").write_text("mine\n")
    done = run_dockyard("pull", str(repo), "-d", str(repo), cwd=tmp_path)
    assert done.returncode == 1 and "did not make" in done.stderr
    assert (repo / "untracked.txt").read_text() == "mine\n"


def test_a_git_killed_mid_way_does_not_block_the_next_pull(tmp_path: Path, repo: Path) -> None:
    assert pull(tmp_path, str(repo)).returncode == 0
    (tmp_path / "checkout/.git/index.lock").write_text("")
    done = pull(tmp_path, str(repo))
    assert done.returncode == 0, done.stderr


def test_full_after_a_shallow_pull_fetches_the_history(tmp_path: Path, repo: Path) -> None:
    commit(repo, {"README": "second\n"}, "second")
    assert pull(tmp_path, f"file://{repo}").returncode == 0
    assert git(tmp_path / "checkout", "rev-list", "--count", "HEAD") == "1"
    assert pull(tmp_path, f"file://{repo}", "--full").returncode == 0
    assert git(tmp_path / "checkout", "rev-list", "--count", "HEAD") == "2"


def test_usage_and_file_errors_are_exit_1_without_traceback(tmp_path: Path, repo: Path) -> None:
    (tmp_path / "afile").write_text("")
    blocked = run_dockyard("pull", str(repo), "-d", str(tmp_path / "afile/co"), cwd=tmp_path)
    assert blocked.returncode == 1 and "Traceback" not in blocked.stderr, blocked.stderr
    assert "error:" in blocked.stderr
    usage = run_dockyard("pull", str(repo), "--no-such-option", cwd=tmp_path)
    assert usage.returncode == 1 and "unrecognized arguments: --no-such-option" in usage.stderr
    assert not default_checkout(str(repo)).exists()  # a usage error touches nothing
