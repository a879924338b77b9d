"""Steps of the next tasks sent with a task's last step, on real lab hosts.

The same play runs on two fresh hosts: on one as dockyard runs it, on the other with steps
ahead turned off (``DOCKYARD_NO_STEPS_AHEAD=1``: one command per changed task). Every task
must report the same thing on both (status, the steps as a plan shows them, with diffs), the
hosts must end in the same state, and the first host must have been sent fewer commands
(counted by the lab hosts' login shell). The play mixes tasks whose steps can go ahead with
tasks that change what the next one reads, so that a guard that let a stale step through
would show up as a different step on the two hosts.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh

PLAY = """\
- hosts: all
  become: true
  tasks:
    - name: base directory
      file: {path: /srv/ahead, state: directory, mode: "0755"}
    - name: sub directory (goes with the one before)
      file: {path: /srv/ahead/sub, state: directory, mode: "0750"}
    - name: a link to it (goes too)
      file: {src: /srv/ahead/sub, dest: /srv/ahead/current, state: link}
    - name: settings (its content is stdin, so it never goes ahead; it leads)
      copy: {dest: /srv/ahead/settings, content: "a=1\\n", mode: "0644"}
    - name: a directory (goes with the settings)
      file: {path: /srv/ahead/made, state: directory}
    - name: the same directory 0700 (made before the one above existed, so its guard holds it back)
      file: {path: /srv/ahead/made, state: directory, mode: "0700"}
    - name: a user
      user: {name: aheadsvc, shell: /bin/sh, create_home: false}
    - name: a directory the user owns
      file: {path: /srv/ahead/data, state: directory, owner: aheadsvc, mode: "0750"}
    - name: registered (nothing goes ahead of the task after it)
      file: {path: /srv/ahead/reg, state: directory}
      register: made
    - name: uses the registered result
      file: {path: "{{ made.path }}-too", state: directory}
    - name: a command (never ahead, its effects may reach beyond the host)
      command: touch /srv/ahead/.once
      args: {creates: /srv/ahead/.once}
"""


def events(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def outcomes(output: str) -> list[tuple[str, str, Any]]:
    """Each task's status and steps (summaries and diffs), in order; the host name left out."""
    return [(event["task"], event["status"], event["steps"]) for event in events(output)
            if event["event"] == "host_result"]


def snapshot(host: LabHost) -> str:
    return host.exec("find /srv/ahead -printf '%p %y %m %u %g %l\\n' | sort; getent passwd aheadsvc | cut -d: -f1,6,7"
                     ).stdout


def play(workdir: Path, host: LabHost, monkeypatch: pytest.MonkeyPatch, *, ahead: bool) -> subprocess.CompletedProcess[str]:
    with monkeypatch.context() as patch:
        if not ahead:
            patch.setenv("DOCKYARD_NO_STEPS_AHEAD", "1")
        host.reset_command_count()
        done = run_dockyard("play", "site.yml", "-i", "hosts.ini", "--limit", host.name, "--output", "json",
                            cwd=workdir)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_steps_ahead_change_nothing_but_the_number_of_commands(
    fresh_host: HostFactory, lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "site.yml").write_text(PLAY)
    together, alone = fresh_host.many(2)
    lab.write_inventory(tmp_path / "hosts.ini", [together, alone])

    first = play(tmp_path, together, monkeypatch, ahead=True)
    ahead_commands = together.command_count()
    baseline = play(tmp_path, alone, monkeypatch, ahead=False)
    alone_commands = alone.command_count()

    assert outcomes(first.stdout) == outcomes(baseline.stdout)
    assert snapshot(together) == snapshot(alone)
    assert "/srv/ahead/made d 700" in snapshot(together)
    changed = [task for task, status, _ in outcomes(first.stdout) if status == "changed"]
    assert len(changed) == 11
    # One command per changed task, plus the facts, without. With: the facts, tasks 1-3, 4-5 (6 is
    # held back by its guard: 5 made the directory it would have created), 6-9, the probe of 10 (it
    # templates a registered result), 10 and 11.
    assert alone_commands == 14, "\n".join(alone.command_log())
    assert ahead_commands == 7, "\n".join(together.command_log())
    made = next(steps for task, _, steps in outcomes(first.stdout) if task.startswith("the same directory 0700"))
    assert [step["action"] for step in made] == ["update"]  # a change of mode, made in its own turn

    for host in (together, alone):  # a re-run changes nothing: the facts with the probes of tasks 1-9,
        again = play(tmp_path, host, monkeypatch, ahead=True)  # then those of 10-11 (10 needs 9's result)
        assert {status for _, status, _ in outcomes(again.stdout)} == {"ok"}, outcomes(again.stdout)
        assert host.command_count() == 2, "\n".join(host.command_log())
