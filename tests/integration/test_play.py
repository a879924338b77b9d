"""`dockyard play` end to end on real lab hosts: check mode, known-after-apply, exit codes, output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh


def play(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard("play", *args, cwd=workdir)


def events(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def snapshot(host: LabHost, path: str) -> str:
    return host.exec(f"find {path} -printf '%p %y %m %u %s\\n' 2>&1 | sort; "
                     f"find {path} -type f -exec sha256sum {{}} + 2>/dev/null | sort").stdout


SITE = """\
- hosts: all
  become: true
  vars:
    greeting: hello
  tasks:
    - name: directory
      file: {path: /srv/play, state: directory, mode: "0755"}
    - name: config
      copy:
        dest: /srv/play/app.conf
        content: "greeting={{ greeting }}\\n"
        mode: "0640"
    - name: line
      lineinfile: {path: /srv/play/ports.conf, line: "port=80", create: true}
"""


@pytest.fixture
def two_hosts(fresh_host: HostFactory, lab: Lab, tmp_path: Path) -> tuple[list[LabHost], Path]:
    hosts = fresh_host.many(2)
    lab.write_inventory(tmp_path / "hosts.ini", hosts)
    (tmp_path / "site.yml").write_text(SITE)
    return hosts, tmp_path


def test_apply_then_reapply_then_check_leaves_host_untouched(
    two_hosts: tuple[list[LabHost], Path],
) -> None:
    hosts, workdir = two_hosts
    first = play(workdir, "site.yml", "-i", "hosts.ini", "--output", "json")
    assert first.returncode == 0, first.stderr + first.stdout
    changed = [e for e in events(first.stdout) if e["event"] == "host_result" and e["status"] == "changed"]
    assert len(changed) == 3 * len(hosts)
    applied = [snapshot(host, "/srv/play") for host in hosts]
    assert "greeting=hello" in hosts[0].exec("cat /srv/play/app.conf").stdout

    second = play(workdir, "site.yml", "-i", "hosts.ini", "--output", "json")
    recap = next(e for e in events(second.stdout) if e["event"] == "play_recap")
    assert all(counts["changed"] == 0 for counts in recap["stats"].values())  # type: ignore[attr-defined]

    checked = play(workdir, "site.yml", "-i", "hosts.ini", "--check", "--diff",
                   "-e", "greeting=bonjour")
    assert checked.returncode == 0, checked.stderr
    assert "-greeting=hello" in checked.stdout and "+greeting=bonjour" in checked.stdout
    assert "changed: [" in checked.stdout
    assert [snapshot(host, "/srv/play") for host in hosts] == applied


CHECK_REGISTER = """\
- hosts: all
  gather_facts: false
  tasks:
    - name: read the version
      command: echo 1.2.3
      register: version
    - name: write it
      copy:
        dest: /tmp/version.txt
        content: "{{ version.stdout }}\\n"
    - name: unrelated
      file: {path: /tmp/unrelated, state: touch}
"""


def test_check_mode_marks_values_known_only_after_apply(two_hosts: tuple[list[LabHost], Path]) -> None:
    hosts, workdir = two_hosts
    (workdir / "register.yml").write_text(CHECK_REGISTER)
    result = play(workdir, "register.yml", "-i", "hosts.ini", "--check")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert "known after apply" in result.stdout
    assert "Known only after apply" in result.stdout
    assert "read the version" in result.stdout.split("Known only after apply")[1]
    for host in hosts:
        assert host.exec("ls /tmp/version.txt /tmp/unrelated").returncode != 0  # nothing written

    applied = play(workdir, "register.yml", "-i", "hosts.ini")
    assert applied.returncode == 0, applied.stdout
    assert hosts[0].exec("cat /tmp/version.txt").stdout == "1.2.3\n"


def test_load_errors_are_reported_before_any_connection(
    two_hosts: tuple[list[LabHost], Path],
) -> None:
    hosts, workdir = two_hosts
    (workdir / "tasks.yml").write_text("- name: typo\n  file: {path: /tmp/x, stat: touch}\n")
    (workdir / "bad.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: one\n      copy: {dest: /tmp/x, content: x, mdoe: '0644'}\n"
        "    - name: two\n      nosuchmodule: {}\n    - import_tasks: tasks.yml\n"
    )
    for host in hosts:
        host.reset_command_count()
    result = play(workdir, "bad.yml", "-i", "hosts.ini")
    assert result.returncode == 1
    assert result.stderr.count("error:") >= 3
    assert "bad.yml:4:" in result.stderr and "bad.yml:6:" in result.stderr
    assert "tasks.yml:2:" in result.stderr
    assert "did you mean 'mode'?" in result.stderr
    assert all(host.command_count() == 0 for host in hosts)


def test_failed_and_unreachable_hosts_set_the_exit_code_and_retry_file(
    two_hosts: tuple[list[LabHost], Path],
) -> None:
    hosts, workdir = two_hosts
    (workdir / "fail.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - command: /bin/false\n      when: inventory_hostname == '" + hosts[0].name + "'\n"
        "    - debug: msg=after\n"
    )
    failed = play(workdir, "fail.yml", "-i", "hosts.ini")
    assert failed.returncode == 2
    assert (workdir / "fail.retry").read_text() == f"{hosts[0].name}\n"
    assert f"ok: [{hosts[1].name}]" in failed.stdout.split("TASK [debug]")[1]

    hosts[1].stop_sshd()
    unreachable = play(workdir, "site.yml", "-i", "hosts.ini", "--limit", hosts[1].name, "-T", "5")
    assert unreachable.returncode == 4
    assert "UNREACHABLE" in unreachable.stdout


BAD_ENV_LATER = """\
- hosts: all
  tasks:
    - name: first
      copy: {dest: /tmp/first.txt, content: "one\\n"}
    - name: second, with a variable name no shell takes
      environment: {BAD-NAME: x}
      file: {path: /tmp/second, state: directory}
"""


def test_a_bad_variable_name_fails_its_own_task_not_the_one_before(
    two_hosts: tuple[list[LabHost], Path],
) -> None:
    hosts, workdir = two_hosts
    (workdir / "bad-env.yml").write_text(BAD_ENV_LATER)
    done = play(workdir, "bad-env.yml", "-i", "hosts.ini", "--output", "json")
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    results = {(e["host"], e["task"]): e for e in events(done.stdout) if e["event"] == "host_result"}
    for host in hosts:
        # the first task's step ran (and took no probe of the second along)
        assert results[(host.name, "first")]["status"] == "changed"
        assert host.exec("cat /tmp/first.txt").stdout == "one\n"
        second = results[(host.name, "second, with a variable name no shell takes")]
        assert second["status"] == "failed" and "BAD-NAME" in json.dumps(second)
