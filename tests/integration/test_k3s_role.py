"""The built-in k3s role on a real SSH host (no systemd), with a STAND-IN binary.

No k3s release can be downloaded here, so a fake `k3s` (a shell script that prints a
version and then sleeps as `k3s server`) stands in for the binary; it is named
"stand-in" in the files and in docs/cluster.md. What is tested for real: the role's
install steps from a local file (air-gapped source), the config file with the token
(mode 0600, the token never in output), the init script, the service enabled and
running, idempotence, and check mode. No Kubernetes cluster forms here, and nothing
asserts that one did.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.integration.cli import run_dockyard
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh

STAND_IN = """#!/bin/sh
# k3s STAND-IN for tests: no real k3s binary can be downloaded on the test machine.
case "$1" in
    --version) echo "k3s version v0.0.0+stand-in (fake)" ;;
    server|agent) exec sleep 2147483647 ;;
esac
"""
TOKEN = "K10-test-secret-token-do-not-print"
PLAYBOOK = """\
- hosts: k3s_servers
  become: true
  roles:
    - dockyard.k3s
"""


def play(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dockyard("play", "site.yml", "-i", "hosts.ini", "--no-retry-file", "-e", "@vars.yml",
                        *args, cwd=workdir)


@pytest.fixture
def k3s_host(fresh_host: HostFactory, lab: Lab, tmp_path: Path) -> tuple[LabHost, Path]:
    host = fresh_host()
    lab.write_inventory(tmp_path / "hosts.ini", [host], groups={"k3s_servers": [host]})
    (tmp_path / "k3s").write_text(STAND_IN)
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    (tmp_path / "vars.yml").write_text(f"k3s_binary_src: {tmp_path / 'k3s'}\nk3s_token: {TOKEN}\n"
                                       "k3s_config: {node-label: [zone=a]}\n")
    return host, tmp_path


def test_k3s_role_installs_configures_and_starts_the_stand_in(k3s_host: tuple[LabHost, Path]) -> None:
    host, workdir = k3s_host
    checked = play(workdir, "--check", "-v")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert host.exec("test -e /usr/local/bin/k3s || test -e /etc/rancher/k3s").returncode == 1

    applied = play(workdir, "-vvv")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert TOKEN not in applied.stdout + applied.stderr + checked.stdout + checked.stderr
    assert host.exec("stat -c '%a' /usr/local/bin/k3s").stdout.strip() == "755"
    assert host.exec("/usr/local/bin/k3s --version").stdout.startswith("k3s version v0.0.0+stand-in")
    config = host.exec("stat -c '%a' /etc/rancher/k3s/config.yaml; cat /etc/rancher/k3s/config.yaml").stdout
    assert config.startswith("600\n") and f"token: {TOKEN}" in config and "zone=a" in config
    assert "server:" not in config  # the first server starts the cluster; it joins nobody
    assert host.exec("pgrep -f 'sleep 2147483647'").returncode == 0  # the stand-in runs as `k3s server`
    assert host.exec("ls /etc/rc2.d/ | grep -q '^S..k3s$'").returncode == 0

    again = play(workdir)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout

    changed = play(workdir, "--check", "-e", '{"k3s_config": {"node-label": ["zone=b"]}}')
    assert changed.returncode == 0 and "changed: [" in changed.stdout, changed.stdout
    assert "zone=a" in host.exec("cat /etc/rancher/k3s/config.yaml").stdout
