"""`dockyard plan` and `dockyard apply` end to end on real lab hosts.

Two must-shows of the plan-and-speed issue live here: an idempotent re-run of a
ten-task play costs at most three SSH commands per host (counted by the lab hosts'
login shell: one, the facts with every probe; its first run, at most one command per changed
task plus one), and `apply` of a plan refuses, changing nothing on any host, when a host
changed after the plan was made.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh

SITE = """\
- hosts: all
  become: true
  vars:
    app_name: shipyard
  tasks:
    - name: app directory
      file: {path: /srv/app, state: directory, mode: "0755"}
    - name: config directory
      file: {path: /srv/app/conf, state: directory, mode: "0750"}
    - name: settings file
      copy: {dest: /srv/app/conf/settings.ini, content: "name={{ app_name }}\\n", mode: "0640"}
    - name: readme
      copy: {dest: /srv/app/README, content: "managed by dockyard\\n"}
    - name: motd from template
      template: {src: motd.j2, dest: /srv/app/motd}
    - name: port line
      lineinfile: {path: /srv/app/conf/ports.conf, line: "port=8080", create: true}
    - name: service user
      user: {name: appsvc, shell: /bin/sh, create_home: false}
    - name: current link
      file: {src: /srv/app/conf, dest: /srv/app/current, state: link}
    - name: log directory
      file: {path: /var/log/app, state: directory, owner: appsvc}
    - name: initialise once
      command: touch /srv/app/.initialised
      args: {creates: /srv/app/.initialised}
"""

KNOWN_AFTER = """\
- hosts: all
  tasks:
    - name: read the kernel
      command: uname -r
      register: kernel
      changed_when: false
    - name: record it
      copy: {dest: /tmp/kernel.txt, content: "{{ kernel.stdout }}\\n"}
    - name: stamp
      copy: {dest: /tmp/stamp.txt, content: "stamp\\n"}
    - name: run the installer
      shell: echo installed > /tmp/installed
    - name: after the installer
      copy: {dest: /tmp/after.txt, content: "after\\n"}
"""


def dockyard(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard(*args, cwd=workdir)


def snapshot(host: LabHost) -> str:
    """Everything the play touches, as root sees it (not through SSH, not counted)."""
    return host.exec(
        "find /srv/app /var/log/app -printf '%p %y %m %u %g %l\\n' 2>&1 | sort; "
        "find /srv/app -type f -exec sha256sum {} + 2>/dev/null | sort; getent passwd appsvc"
    ).stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "site.yml").write_text(SITE)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "motd.j2").write_text("Welcome to {{ inventory_hostname }} ({{ app_name }})\n")
    return tmp_path


@pytest.fixture
def two_hosts(fresh_host: HostFactory, lab: Lab, workdir: Path) -> list[LabHost]:
    hosts = fresh_host.many(2)
    lab.write_inventory(workdir / "hosts.ini", hosts)
    return hosts


def counted(hosts: list[LabHost], workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run dockyard with JSON output; assert it changed nothing, in at most 3 commands per host."""
    for host in hosts:
        host.reset_command_count()
    done = dockyard(workdir, *args, "--output", "json")
    assert done.returncode == 0, done.stderr
    assert all(counts["changed"] == 0 for counts in recap(done.stdout).values())
    for host in hosts:
        assert host.command_count() <= 3, "\n".join(host.command_log())
    return done


def recap(output: str) -> dict[str, dict[str, int]]:
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    stats: dict[str, dict[str, int]] = next(e for e in events if e["event"] == "play_recap")["stats"]
    return stats


def test_an_idempotent_rerun_of_ten_tasks_costs_at_most_three_commands_per_host(
    two_hosts: list[LabHost], workdir: Path,
) -> None:
    for host in two_hosts:
        host.reset_command_count()
    first = dockyard(workdir, "play", "site.yml", "-i", "hosts.ini", "--output", "json")
    assert first.returncode == 0, first.stderr + first.stdout
    assert all(counts["changed"] == 10 for counts in recap(first.stdout).values())
    for host in two_hosts:
        # the facts with the probes of the tasks, then one command per changed task (its step and,
        # after it, the probes of the tasks that follow: 21 commands before they did, 11 with them),
        # except for the steps of the next tasks that go along, guarded (docs/plan.md): 8
        assert host.command_count() <= 8, "\n".join(host.command_log())
    again = counted(two_hosts, workdir, "play", "site.yml", "-i", "hosts.ini")
    assert all(counts["ok"] == 11 for counts in recap(again.stdout).values())
    for host in two_hosts:  # the issue asks for at most 3; the facts took the probes along
        assert host.command_count() == 1, "\n".join(host.command_log())


def test_apply_of_a_converged_plan_reads_each_host_once_and_changes_nothing(
    two_hosts: list[LabHost], workdir: Path,
) -> None:
    assert dockyard(workdir, "play", "site.yml", "-i", "hosts.ini").returncode == 0
    planned = dockyard(workdir, "plan", "site.yml", "-i", "hosts.ini", "--out", "plan.json",
                       "--detailed-exitcode")
    assert planned.returncode == 0, planned.stderr + planned.stdout
    assert "0 to change on 0 hosts, 0 unreachable" in planned.stdout
    counted(two_hosts, workdir, "apply", "plan.json")  # the check and the apply together


def test_apply_refuses_and_changes_no_host_when_a_host_changed_after_the_plan(
    two_hosts: list[LabHost], workdir: Path,
) -> None:
    assert dockyard(workdir, "play", "site.yml", "-i", "hosts.ini").returncode == 0
    planned = dockyard(workdir, "plan", "site.yml", "-i", "hosts.ini", "-e", "app_name=harbour",
                       "--out", "plan.json", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stderr + planned.stdout
    assert "4 to change on 2 hosts, 0 unreachable" in planned.stdout  # settings + motd, per host
    drifted = two_hosts[1]
    drifted.exec("echo 'edited by hand' > /srv/app/README", check=True)
    before = [snapshot(host) for host in two_hosts]

    applied = dockyard(workdir, "apply", "plan.json")

    assert applied.returncode == 3, applied.stderr + applied.stdout
    assert "nothing was changed on any host" in applied.stderr
    assert f"[{drifted.name}] task 'readme' (site.yml:" in applied.stderr
    assert f"[{two_hosts[0].name}]" not in applied.stderr
    assert [snapshot(host) for host in two_hosts] == before
    assert "name=shipyard" in two_hosts[0].exec("cat /srv/app/conf/settings.ini").stdout


def test_apply_refuses_a_plan_whose_playbook_changed(two_hosts: list[LabHost], workdir: Path) -> None:
    assert dockyard(workdir, "plan", "site.yml", "-i", "hosts.ini", "--out", "plan.json").returncode == 0
    (workdir / "site.yml").write_text(SITE.replace("shipyard", "harbour"))
    for host in two_hosts:
        host.reset_command_count()
    applied = dockyard(workdir, "apply", "plan.json")
    assert applied.returncode == 3
    assert "the playbook" in applied.stderr and "changed since the plan" in applied.stderr
    assert all(host.command_count() == 0 for host in two_hosts)
    assert all("No such file" in host.exec("ls /srv/app").stderr for host in two_hosts)


def test_plan_then_apply_makes_the_planned_changes(two_hosts: list[LabHost], workdir: Path) -> None:
    planned = dockyard(workdir, "plan", "site.yml", "-i", "hosts.ini", "--out", "plan.json")
    assert planned.returncode == 0, planned.stderr
    assert "20 to change on 2 hosts (2 known after apply), 0 unreachable" in planned.stdout
    assert all("No such file" in host.exec("ls /srv/app").stderr for host in two_hosts)
    document = json.loads((workdir / "plan.json").read_text())
    assert (document["format"], document["version"]) == ("dockyard-plan", 1)
    readme = next(t for t in document["hosts"][two_hosts[0].name]["tasks"] if t["task"] == "readme")
    assert readme["status"] == "changed" and readme["actions"][0]["action"] == "create"
    assert "+managed by dockyard" in readme["actions"][0]["diff"]
    assert len(readme["fingerprint"]) == 64

    applied = dockyard(workdir, "apply", "plan.json", "--output", "json")
    assert applied.returncode == 0, applied.stderr
    assert all(counts["changed"] == 10 for counts in recap(applied.stdout).values())
    assert "Welcome to" in two_hosts[0].exec("cat /srv/app/motd").stdout


def test_plan_marks_values_known_after_apply_and_the_tasks_that_need_them(
    fresh_host: HostFactory, lab: Lab, tmp_path: Path,
) -> None:
    host = fresh_host()
    lab.write_inventory(tmp_path / "hosts.ini", [host])
    (tmp_path / "site.yml").write_text(KNOWN_AFTER)
    planned = dockyard(tmp_path, "plan", "site.yml", "-i", "hosts.ini", "--format", "markdown",
                       "--out", "plan.json", "--detailed-exitcode")
    assert planned.returncode == 2, planned.stderr + planned.stdout
    tasks = {t["task"]: t for t in json.loads((tmp_path / "plan.json").read_text())["hosts"][host.name]["tasks"]}
    assert tasks["read the kernel"]["known_after_apply"] and tasks["read the kernel"]["status"] == "changed"
    record = tasks["record it"]
    assert record["status"] == "unknown" and record["depends_on"] == "read the kernel"
    assert "kernel.stdout is known only after apply" in record["reason"]
    assert tasks["stamp"]["status"] == "changed" and not tasks["stamp"]["known_after_apply"]
    after = tasks["after the installer"]  # a command that may change anything ran before it
    assert after["status"] == "unknown" and after["depends_on"] == "run the installer"
    assert "**5 to change on 1 host (4 known after apply), 0 unreachable**" in planned.stdout
    assert "_known after apply: kernel.stdout" in planned.stdout
    assert "No such file" in host.exec("ls /tmp/kernel.txt /tmp/stamp.txt /tmp/installed").stderr
