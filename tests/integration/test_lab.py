"""The test lab itself: its hosts behave as docs/lab.md promises, seen by OpenSSH and paramiko.

Every other integration test trusts these promises (key and password logins, sudo with
and without a password, one exec-log line per SSH command, a distinct host key per host),
so they are proven here with clients that share no code with dockyard.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import paramiko
import pytest

from tests.lab import Lab, LabHost
from tests.lab.clients import OpenSsh, ParamikoConnect, run_command
from tests.lab.fixtures import HostFactory
from tests.lab.host import read_banner

pytestmark = pytest.mark.ssh


def test_every_shared_host_answers_key_login_with_its_own_name(
    lab_hosts: list[LabHost], openssh: OpenSsh
) -> None:
    assert len({host.address for host in lab_hosts}) == len(lab_hosts)
    for host in lab_hosts:
        result = openssh(host, "id -un; hostname")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["dockyard", host.name]


def test_key_login_works_for_pwuser_too(lab_hosts: list[LabHost], openssh: OpenSsh) -> None:
    result = openssh(lab_hosts[0], "id -un", user="pwuser")
    assert (result.returncode, result.stdout.strip()) == (0, "pwuser")


@pytest.mark.parametrize("user", ["dockyard", "pwuser"])
def test_password_login(
    lab_hosts: list[LabHost], paramiko_connect: ParamikoConnect, user: str
) -> None:
    client = paramiko_connect(lab_hosts[1], user=user, password=user)
    assert run_command(client, "id -un")[:2] == (0, f"{user}\n")


def test_wrong_password_is_refused(
    lab_hosts: list[LabHost], paramiko_connect: ParamikoConnect
) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        paramiko_connect(lab_hosts[1], user="dockyard", password="not-the-password")


def test_dockyard_sudo_needs_no_password(
    lab_hosts: list[LabHost], paramiko_connect: ParamikoConnect
) -> None:
    client = paramiko_connect(lab_hosts[2])
    assert run_command(client, "sudo -n id -un")[:2] == (0, "root\n")


def test_pwuser_sudo_requires_the_password(
    lab_hosts: list[LabHost], paramiko_connect: ParamikoConnect
) -> None:
    client = paramiko_connect(lab_hosts[2], user="pwuser")
    status, _, err = run_command(client, "sudo -n true")
    assert status != 0 and "password is required" in err
    assert run_command(client, "sudo -S -p '' id -un", stdin="wrong\n")[0] != 0
    assert run_command(client, "sudo -S -p '' id -un", stdin="pwuser\n")[:2] == (0, "root\n")


def test_root_login_is_refused_even_with_an_authorized_key(
    fresh_host: HostFactory, lab: Lab, paramiko_connect: ParamikoConnect
) -> None:
    host = fresh_host()
    host.exec(
        f"install -d -m 700 /root/.ssh && echo '{lab.public_key}' > /root/.ssh/authorized_keys",
        check=True,
    )
    with pytest.raises(paramiko.AuthenticationException):
        paramiko_connect(host, user="root")
    assert "ROOT LOGIN REFUSED" in host.logs()  # refused by PermitRootLogin, not by the key


def test_counting_shell_counts_exactly_the_exec_requests(
    fresh_host: HostFactory, paramiko_connect: ParamikoConnect
) -> None:
    host = fresh_host()
    assert host.command_count() == 0
    client = paramiko_connect(host)
    for command in ("true", "echo one\necho two", "sudo -n true"):
        assert run_command(client, command)[0] == 0
    host.exec("echo not over ssh", check=True)  # docker exec bypasses the login shell
    assert host.command_log() == ["dockyard true", "dockyard echo one", "dockyard sudo -n true"]
    client.open_sftp().close()  # sshd starts sftp-server through the login shell too
    assert host.command_count() == 4
    host.reset_command_count()
    assert host.command_count() == 0


def test_openssh_exec_is_counted_once(fresh_host: HostFactory, openssh: OpenSsh) -> None:
    host = fresh_host()
    assert openssh(host, "uname -s").stdout == "Linux\n"
    assert host.command_log() == ["dockyard uname -s"]


def _server_key(host: LabHost) -> paramiko.PKey:
    with socket.create_connection((host.address, host.port), timeout=10) as sock:
        transport = paramiko.Transport(sock)
        transport.get_security_options().key_types = ["ssh-ed25519"]
        try:
            transport.start_client(timeout=10)
            return transport.get_remote_server_key()
        finally:
            transport.close()


def test_host_keys_differ_between_hosts_and_match_what_docker_exec_reads(
    lab_hosts: list[LabHost],
) -> None:
    first, second = (_server_key(host) for host in lab_hosts[:2])
    assert first.get_base64() != second.get_base64()
    assert lab_hosts[0].host_public_keys()["ssh-ed25519"] == first.get_base64()


def test_regenerate_host_key_changes_the_key_sshd_offers(fresh_host: HostFactory) -> None:
    host = fresh_host()
    before = _server_key(host).get_base64()
    host.regenerate_host_key()
    after = _server_key(host).get_base64()
    assert before != after
    assert host.host_public_keys()["ssh-ed25519"] == after


def test_stopped_sshd_refuses_connections_until_started(
    fresh_host: HostFactory, openssh: OpenSsh
) -> None:
    host = fresh_host()
    host.stop_sshd()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host.address, host.port), timeout=5).close()
    host.start_sshd()
    assert openssh(host, "true").returncode == 0


def test_paused_host_accepts_tcp_but_never_answers(fresh_host: HostFactory) -> None:
    host = fresh_host()
    host.pause()
    try:
        assert read_banner(host.address, host.port, timeout=1.0) is None
    finally:
        host.unpause()
    assert read_banner(host.address, host.port, timeout=5.0) is not None


def test_inventory_is_read_by_ansible_inventory(
    lab_inventory: Path, lab_hosts: list[LabHost], lab_key: Path
) -> None:
    result = subprocess.run(
        ["ansible-inventory", "-i", str(lab_inventory), "--list"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    hostvars = json.loads(result.stdout)["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(host.name for host in lab_hosts)
    for host in lab_hosts:
        assert hostvars[host.name]["ansible_host"] == host.address
        assert hostvars[host.name]["ansible_ssh_private_key_file"] == str(lab_key)
        assert hostvars[host.name]["ansible_ssh_common_args"].startswith("-o StrictHostKey")


def test_stop_removes_only_its_own_containers(
    tmp_path: Path, lab_hosts: list[LabHost], openssh: OpenSsh
) -> None:
    other = Lab(tmp_path / "other")
    (host,) = other.start(1)
    other.stop()
    gone = subprocess.run(["docker", "inspect", host.container], capture_output=True, check=False)
    assert gone.returncode != 0
    assert openssh(lab_hosts[0], "true").returncode == 0
