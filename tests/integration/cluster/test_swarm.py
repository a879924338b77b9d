"""playbooks/swarm.yml on three docker hosts: a real Swarm, from plan to removal of a node.

One manager and two workers (names from the fixture: a session's lab numbers its hosts in
the order it starts them, so they are lab01..03 only in a session of their own). The tests run in order and build on each other, as
an operator would: plan, apply, re-apply, then take a worker out of the inventory.
Everything is checked from outside, with `docker exec` on the manager.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cli import REPO, run_dockyard
from tests.lab import Lab, LabHost

pytestmark = [pytest.mark.cluster, pytest.mark.ssh]

PLAYBOOK = REPO / "playbooks" / "swarm.yml"
DAEMON_JSON = '{"log-driver": "json-file", "log-opts": {"max-size": "10m"}}'


@pytest.fixture(scope="module")
def workdir(lab: Lab, swarm_hosts: list[LabHost], check_rootfs: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("swarm")
    write_inventory(lab, swarm_hosts, path)
    (path / "host_vars").mkdir()
    (path / "host_vars" / f"{swarm_hosts[1].name}.yml").write_text("swarm_labels: {zone: b, disk: ssd}\n")
    (path / "host_vars" / f"{swarm_hosts[2].name}.yml").write_text("swarm_labels: {zone: c}\n")
    (path / "vars.yml").write_text(
        f"swarm_check_image_tar: {check_rootfs}\ndocker_users: [dockyard]\n"
        f"docker_daemon_config: {DAEMON_JSON}\n")
    return path


def write_inventory(lab: Lab, hosts: list[LabHost], path: Path) -> None:
    lab.write_inventory(path / "hosts.ini", hosts,
                        groups={"swarm_managers": hosts[:1], "swarm_workers": hosts[1:]})


def play(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard("play", str(PLAYBOOK), "-i", "hosts.ini", "-e", "@vars.yml",
                        "--no-retry-file", *args, cwd=workdir, timeout=600)


def events(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def changed_counts(output: str) -> dict[str, int]:
    recap = next(e for e in events(output) if e["event"] == "play_recap")
    return {host: counts["changed"] for host, counts in recap["stats"].items()}  # type: ignore[attr-defined]


def planned(output: str) -> list[str]:
    """Every step summary the JSON events show (what a plan would do)."""
    return [step["summary"] for event in events(output) if event["event"] == "host_result"
            for step in event.get("steps", [])]  # type: ignore[attr-defined]


def nodes(manager: LabHost) -> dict[str, dict[str, str]]:
    """`docker node ls` on the manager, by hostname."""
    out = manager.exec("docker node ls --format '{{json .}}'", check=True).stdout
    return {row["Hostname"]: row for row in map(json.loads, out.splitlines())}


def running_tasks(manager: LabHost, service: str = "dockyard-check") -> list[str]:
    """The nodes of the service's tasks that run now (`docker service ps`)."""
    out = manager.exec(f"docker service ps --filter desired-state=running --format "
                       f"'{{{{.Node}}}} {{{{.CurrentState}}}}' {service}", check=True).stdout
    return sorted(line.split()[0] for line in out.splitlines() if " Running " in f" {line} ")


def swarm_state(host: LabHost) -> str:
    return host.exec("docker info --format '{{.Swarm.LocalNodeState}}'", check=True).stdout.strip()


def test_check_mode_plans_the_swarm_and_changes_nothing(workdir: Path, swarm_hosts: list[LabHost]) -> None:
    result = play(workdir, "--check", "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(summary.startswith("init a new swarm") for summary in planned(result.stdout))
    unknown = [e["host"] for e in events(result.stdout) if e["event"] == "host_result" and e["status"] == "unknown"]
    assert {swarm_hosts[1].name, swarm_hosts[2].name} <= set(unknown)  # the workers' tokens exist only after the init
    assert [swarm_state(host) for host in swarm_hosts] == ["inactive"] * 3
    assert all(host.exec("test -e /etc/docker/daemon.json").returncode == 1 for host in swarm_hosts)


def test_apply_forms_the_swarm_and_spreads_the_service(workdir: Path, swarm_hosts: list[LabHost]) -> None:
    result = play(workdir, "--output", "json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    manager = swarm_hosts[0]
    names = sorted(host.name for host in swarm_hosts)
    found = nodes(manager)
    assert sorted(found) == names
    assert all(row["Status"] == "Ready" and row["Availability"] == "Active" for row in found.values()), found
    assert found[manager.name]["ManagerStatus"] == "Leader"
    labels = manager.exec(f"docker node inspect --format '{{{{json .Spec.Labels}}}}' {swarm_hosts[1].name}",
                          check=True).stdout
    assert json.loads(labels) == {"zone": "b", "disk": "ssd"}
    assert running_tasks(manager) == names  # 3 replicas on 3 distinct nodes
    for host in swarm_hosts:
        assert json.loads(host.exec("cat /etc/docker/daemon.json", check=True).stdout) == json.loads(DAEMON_JSON)
        assert "docker" in host.exec("id -nG dockyard", check=True).stdout.split()


def test_join_token_never_appears_in_output(workdir: Path, swarm_hosts: list[LabHost]) -> None:
    manager = swarm_hosts[0]
    tokens = [manager.exec(f"docker swarm join-token -q {role}", check=True).stdout.strip()
              for role in ("worker", "manager")]
    outputs = [play(workdir, "-vvv"), play(workdir, "--output", "json", "-vvv"), play(workdir, "--check", "--diff")]
    for output in outputs:
        assert output.returncode == 0, output.stdout[-2000:]
        for token in tokens:
            assert token.startswith("SWMTKN-")
            assert token not in output.stdout + output.stderr
    assert "VALUE_HIDDEN_SECRET" in outputs[1].stdout  # the manager's result, masked
    for host in swarm_hosts:  # the SSH command lines the hosts saw (first line of each)
        assert not any(token in host.exec("cat /var/log/dockyard-exec.log").stdout for token in tokens)


def test_second_run_changes_nothing(workdir: Path, swarm_hosts: list[LabHost]) -> None:
    result = play(workdir, "--output", "json")
    assert result.returncode == 0, result.stdout[-3000:]
    assert changed_counts(result.stdout) == {host.name: 0 for host in swarm_hosts}


def test_worker_removed_from_inventory_is_drained_and_removed(
    lab: Lab, workdir: Path, swarm_hosts: list[LabHost]
) -> None:
    manager, gone = swarm_hosts[0], swarm_hosts[2]
    write_inventory(lab, swarm_hosts[:2], workdir)

    plan = play(workdir, "--check", "--output", "json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert {f"drain node {gone.name}", f"remove node {gone.name} from the swarm"} <= set(planned(plan.stdout))
    assert gone.name in nodes(manager)  # the plan touched nothing

    applied = play(workdir, "--output", "json")
    assert applied.returncode == 0, applied.stdout[-3000:]
    kept = sorted(host.name for host in swarm_hosts[:2])
    found = nodes(manager)
    assert sorted(found) == kept
    assert all(row["Status"] == "Ready" for row in found.values())
    assert running_tasks(manager) == kept  # replicas follow the node count
    assert gone.exec("docker ps -q --filter label=com.docker.swarm.service.name=dockyard-check").stdout == ""

    again = play(workdir, "--output", "json")
    assert changed_counts(again.stdout) == dict.fromkeys(kept, 0)
