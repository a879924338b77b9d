"""dockyard's SSH connection against real sshd hosts (lab containers); nothing is mocked."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.connection.base import Become
from dockyard.errors import CommandError, ConnectError, HostKeyError
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory

pytestmark = pytest.mark.ssh


def hostvars(host: LabHost, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ansible_host": host.address,
        "ansible_port": host.port,
        "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path),
    }
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def options(tmp_path: Path, policy: str = "off", **extra: Any) -> ConnectionOptions:
    return ConnectionOptions(
        host_key_checking=policy,
        known_hosts=tmp_path / "known_hosts",
        ssh_config=None,
        use_agent=False,
        look_for_keys=False,
        connect_timeout=5,
        **extra,
    )


@pytest.fixture
def shared(lab_hosts: list[LabHost]) -> LabHost:
    return lab_hosts[0]


@pytest.fixture
def conn(shared: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(shared.name, hostvars(shared), options(tmp_path))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def accepted_logins(host: LabHost) -> int:
    return host.logs().count("Accepted ")


def test_run_returns_exit_code_output_and_stdin(conn: SSHConnection) -> None:
    result = conn.run('read -r line; echo "got:$line"; echo oops >&2; exit 7', stdin=b"hello\n")
    assert (result.rc, result.stdout, result.stderr) == (7, b"got:hello\n", b"oops\n")


def test_environment_is_quoted_and_exported(conn: SSHConnection) -> None:
    result = conn.run('printf %s "$MSG"', env={"MSG": "it's $HOME; `id`"})
    assert result.stdout == b"it's $HOME; `id`"


def test_one_connection_serves_every_command(shared: LabHost, tmp_path: Path) -> None:
    before = accepted_logins(shared)
    shared.reset_command_count()
    connection = connect(shared.name, hostvars(shared), options(tmp_path))
    for number in range(5):
        assert connection.run(f"echo {number}").stdout == f"{number}\n".encode()
    connection.close()
    assert shared.command_count() == 5  # five exec requests...
    assert accepted_logins(shared) - before == 1  # ...over one authenticated connection


def test_put_writes_atomically_with_mode_and_owner(shared: LabHost, conn: SSHConnection) -> None:
    data = os.urandom(3_000_000)  # binary, larger than one SSH window
    path = f"/tmp/put-{time.monotonic_ns()}"
    conn.put(data, path, mode=0o640, owner="root", group="pwuser", become=Become())
    digest = shared.exec(f"sha256sum {path} | cut -d' ' -f1; stat -c '%a %U %G' {path}",
                         check=True).stdout.split("\n")
    assert digest[0] == hashlib.sha256(data).hexdigest()
    assert digest[1] == "640 root pwuser"
    leftovers = shared.exec("ls -a /tmp | grep -c dockyard-tmp || true").stdout.strip()
    assert leftovers == "0"


def test_put_into_a_directory_we_may_not_write_fails_clearly(conn: SSHConnection) -> None:
    with pytest.raises(CommandError) as info:
        conn.put(b"x", "/etc/dockyard-denied.conf")
    assert "cannot write '/etc/dockyard-denied.conf'" in info.value.message or \
        "cannot write /etc/dockyard-denied.conf" in info.value.message
    assert "Permission denied" in info.value.message


def test_become_without_password(conn: SSHConnection) -> None:
    assert conn.run("id -un", become=Become()).stdout == b"root\n"
    assert conn.run("id -un", become=Become(user="pwuser")).stdout == b"pwuser\n"


def test_become_with_password_keeps_it_off_command_lines(
    fresh_host: HostFactory, tmp_path: Path
) -> None:
    host = fresh_host()
    secret = "Sx9-distinctive-secret"
    host.exec(f"echo 'pwuser:{secret}' | chpasswd", check=True)
    connection = connect(host.name, hostvars(host, ansible_user="pwuser"), options(tmp_path))
    result = connection.run(
        "id -un; ps -eo args; cat", stdin=b"payload after the password\n",
        become=Become(password=secret),
    )
    connection.close()
    assert result.rc == 0, result.stderr
    lines = result.text().splitlines()
    assert lines[0] == "root"
    assert lines[-1] == "payload after the password"  # stdin reaches the command intact
    assert not [line for line in lines[1:-1] if secret in line], "password visible in ps"


def test_become_password_not_needed_is_not_fed_to_the_command(conn: SSHConnection) -> None:
    result = conn.run("cat", stdin=b"data\n", become=Become(password="unused-secret"))
    assert result.stdout == b"data\n"


def test_become_without_a_password_when_one_is_needed_fails_fast(shared: LabHost, tmp_path: Path) -> None:
    connection = connect(shared.name, hostvars(shared, ansible_user="pwuser"), options(tmp_path))
    result = connection.run("id -un", become=Become(), timeout=20)
    connection.close()
    assert result.rc != 0
    assert "password is required" in result.error_text()


def test_wrong_become_password_does_not_run_the_command(shared: LabHost, tmp_path: Path) -> None:
    connection = connect(shared.name, hostvars(shared, ansible_user="pwuser"), options(tmp_path))
    result = connection.run("touch /tmp/should-not-exist", become=Become(password="wrong"), timeout=30)
    connection.close()
    assert result.rc != 0
    assert shared.exec("test -e /tmp/should-not-exist").returncode == 1


def test_password_authentication(shared: LabHost, tmp_path: Path) -> None:
    vars_ = hostvars(shared, ansible_ssh_private_key_file=None, ansible_password="dockyard")
    connection = connect(shared.name, vars_, options(tmp_path))
    assert connection.run("id -un").stdout == b"dockyard\n"
    connection.close()


def test_wrong_password_is_an_authentication_error(shared: LabHost, tmp_path: Path) -> None:
    vars_ = hostvars(shared, ansible_ssh_private_key_file=None, ansible_password="nope")
    with pytest.raises(ConnectError) as info:
        connect(shared.name, vars_, options(tmp_path)).open()
    assert "authentication failed for dockyard@" in info.value.message
    assert info.value.host == shared.name


def test_ssh_agent_authentication(shared: LabHost, tmp_path: Path) -> None:
    sock = tmp_path / "agent.sock"
    agent = subprocess.run(["ssh-agent", "-a", str(sock)], capture_output=True, text=True, check=True)
    pid = int(agent.stdout.split("SSH_AGENT_PID=")[1].split(";")[0])
    try:
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", str(shared.key_path)], env=env, check=True, capture_output=True)
        old = os.environ.get("SSH_AUTH_SOCK")
        os.environ["SSH_AUTH_SOCK"] = str(sock)
        try:
            vars_ = hostvars(shared, ansible_ssh_private_key_file=None)
            opts = ConnectionOptions(host_key_checking="off", ssh_config=None, use_agent=True,
                                     look_for_keys=False, known_hosts=tmp_path / "kh")
            connection = connect(shared.name, vars_, opts)
            assert connection.run("echo via-agent").stdout == b"via-agent\n"
            connection.close()
        finally:
            if old is None:
                os.environ.pop("SSH_AUTH_SOCK", None)
            else:
                os.environ["SSH_AUTH_SOCK"] = old
    finally:
        os.kill(pid, 15)


def test_strict_refuses_an_unknown_host_and_says_how_to_add_it(shared: LabHost, tmp_path: Path) -> None:
    with pytest.raises(HostKeyError) as info:
        connect(shared.name, hostvars(shared), options(tmp_path, "strict")).open()
    assert "is not known" in info.value.message and "SHA256:" in info.value.message
    assert info.value.hint is not None and "ssh-keyscan" in info.value.hint
    assert not (tmp_path / "known_hosts").exists()


def test_accept_new_records_the_key_then_strict_accepts_it(shared: LabHost, tmp_path: Path) -> None:
    connection = connect(shared.name, hostvars(shared), options(tmp_path, "accept-new"))
    connection.open()
    connection.close()
    recorded = (tmp_path / "known_hosts").read_text().split()
    assert recorded[0] == shared.address
    assert shared.host_public_keys()[recorded[1]] == recorded[2]
    strict = connect(shared.name, hostvars(shared), options(tmp_path, "strict"))
    assert strict.run("true").rc == 0
    strict.close()


def test_changed_host_key_is_refused_under_the_default_policy(
    fresh_host: HostFactory, tmp_path: Path
) -> None:
    host = fresh_host()
    first = connect(host.name, hostvars(host), options(tmp_path, "accept-new"))
    first.open()
    first.close()
    host.regenerate_host_key()
    default_policy = ConnectionOptions().host_key_checking
    for policy in (default_policy, "accept-new"):
        with pytest.raises(HostKeyError) as info:
            connect(host.name, hostvars(host), options(tmp_path, policy)).open()
        assert "HOST KEY CHANGED" in info.value.message
        assert info.value.hint is not None and "ssh-keygen -f" in info.value.hint
    assert connect(host.name, hostvars(host), options(tmp_path, "off")).run("true").rc == 0


def test_ssh_config_supplies_address_user_and_key(shared: LabHost, tmp_path: Path) -> None:
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host labalias\n  HostName {shared.address}\n  User dockyard\n  Port {shared.port}\n"
        f"  IdentityFile {shared.key_path}\n"
    )
    opts = ConnectionOptions(host_key_checking="off", ssh_config=config, use_agent=False,
                             look_for_keys=False, known_hosts=tmp_path / "kh")
    connection = connect("labalias", {}, opts)
    assert connection.run("id -un").stdout == b"dockyard\n"
    connection.close()


def test_proxy_jump_through_another_host(lab_hosts: list[LabHost], tmp_path: Path) -> None:
    jump, target = lab_hosts[1], lab_hosts[2]
    config = tmp_path / "ssh_config"
    config.write_text(
        f"Host target\n  HostName {target.address}\n  User dockyard\n  ProxyJump jumphost\n"
        f"  IdentityFile {target.key_path}\n"
        f"Host jumphost\n  HostName {jump.address}\n  User dockyard\n  IdentityFile {jump.key_path}\n"
    )
    opts = ConnectionOptions(host_key_checking="accept-new", ssh_config=config, use_agent=False,
                             look_for_keys=False, known_hosts=tmp_path / "kh")
    connection = connect("target", {}, opts)
    assert connection.run("hostname").stdout.decode().strip() == target.name
    connection.close()
    recorded = {line.split()[0] for line in (tmp_path / "kh").read_text().splitlines()}
    assert recorded == {jump.address, target.address}  # both hops' keys were checked


def test_refused_connection_is_unreachable_with_a_hint(fresh_host: HostFactory, tmp_path: Path) -> None:
    host = fresh_host()
    host.stop_sshd()
    with pytest.raises(ConnectError) as info:
        connect(host.name, hostvars(host), options(tmp_path)).open()
    assert "refused" in info.value.message
    assert info.value.hint is not None


def test_connect_timeout(fresh_host: HostFactory, tmp_path: Path) -> None:
    host = fresh_host()
    host.pause()
    try:
        started = time.monotonic()
        with pytest.raises(ConnectError) as info:
            connect(host.name, hostvars(host, ansible_timeout=2), options(tmp_path)).open()
        elapsed = time.monotonic() - started
    finally:
        host.unpause()
    assert "timed out after 2s" in info.value.message
    assert elapsed < 15  # generous: it must give up, not hang


def test_command_timeout_abandons_the_command(conn: SSHConnection) -> None:
    result = conn.run("sleep 30", timeout=1)
    assert result.rc == 124 and b"timed out" in result.stderr
    assert conn.run("echo still-usable").stdout == b"still-usable\n"


def test_reconnects_after_the_connection_dropped(fresh_host: HostFactory, tmp_path: Path) -> None:
    host = fresh_host()
    connection = connect(host.name, hostvars(host), options(tmp_path))
    assert connection.run("true").rc == 0
    host.exec("pkill -f 'sshd: dockyard' || true")
    time.sleep(0.3)
    assert connection.run("echo again").stdout == b"again\n"
    connection.close()


def test_connection_lost_during_a_command_is_unreachable_not_a_result(
    fresh_host: HostFactory, tmp_path: Path
) -> None:
    host = fresh_host()
    connection = connect(host.name, hostvars(host), options(tmp_path))
    assert connection.run("true").rc == 0
    threading.Timer(1.0, host.exec, args=("pkill -f 'sshd: dockyard'",)).start()
    with pytest.raises(ConnectError, match="lost while a command ran"):
        connection.run("sleep 20")
    connection.close()


def test_many_threads_on_one_connection_stay_within_the_servers_sessions(
        fresh_host: HostFactory, tmp_path: Path) -> None:
    # Hosts delegating to one host share its connection; sshd refuses a session past its
    # MaxSessions (OpenSSH's default, 10), which used to close the connection under everyone.
    host = fresh_host()
    host.exec("sed -i 's/^MaxSessions .*/MaxSessions 10/' /etc/ssh/sshd_config.d/dockyard-lab.conf"
              ' && kill -HUP "$(cat /run/sshd.pid)"', check=True)
    time.sleep(0.2)  # sshd re-executes itself on HUP
    host.wait_for_ssh()
    conn = connect(host.name, hostvars(host), options(tmp_path))
    results: list[Any] = []

    def one() -> None:
        try:
            results.append(conn.run("sleep 1; echo done").stdout)
        except ConnectError as error:
            results.append(error)

    try:
        threads = [threading.Thread(target=one) for _ in range(14)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        conn.close()
    assert results == [b"done\n"] * 14
