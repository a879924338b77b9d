"""setup on lab hosts: the facts it reads, gather_subset/filter, and where its facts land in
a play (as facts: below play vars and set_fact, visible in hostvars)."""

from __future__ import annotations

from pathlib import Path

from dockyard.connection import SSHConnection
from tests.integration.cli import run_dockyard
from tests.integration.modules.contract import run
from tests.lab import Lab, LabHost


def test_setup_reads_the_hosts_facts_and_changes_nothing(shared_host: LabHost,
                                                          shared_conn: SSHConnection) -> None:
    shared_host.reset_command_count()
    outcome = run(shared_conn, "setup", {})
    facts = outcome.result["ansible_facts"]
    assert not outcome.changed and not outcome.steps
    assert shared_host.command_count() == 1, "setup is one round trip"
    assert facts["ansible_hostname"] == shared_host.name
    assert facts["ansible_default_ipv4"]["address"] == shared_host.address
    assert facts["ansible_distribution"] == "Debian" and facts["module_setup"] is True
    minimal = run(shared_conn, "setup", {"gather_subset": ["!all"], "filter": ["ansible_os_*", "ansible_*ipv4*"]})
    assert set(minimal.result["ansible_facts"]) == {"ansible_os_family", "gather_subset", "module_setup"}


PLAY = """\
- hosts: all
  gather_facts: false
  vars:
    ansible_os_family: from play vars
  tasks:
    - setup: {gather_subset: ["!all"]}
    - assert:
        that:
          - ansible_facts.os_family == 'Debian'
          - ansible_os_family == 'from play vars'
          - ansible_distribution == 'Debian'
          - hostvars[inventory_hostname].ansible_facts.distribution == 'Debian'
          - ansible_default_ipv4 is undefined
    - set_fact: {ansible_os_family: from set_fact}
    - assert: {that: ["ansible_os_family == 'from set_fact'"]}
"""


def test_setup_facts_rank_below_play_vars_and_set_fact(lab: Lab, lab_hosts: list[LabHost],
                                                       tmp_path: Path) -> None:
    inventory = lab.write_inventory(tmp_path / "hosts.ini", lab_hosts[3:4])
    (tmp_path / "site.yml").write_text(PLAY)
    done = run_dockyard("play", "site.yml", "-i", str(inventory), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed=0" in done.stdout
