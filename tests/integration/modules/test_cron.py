"""cron: /etc/cron.d files need no cron daemon; user crontabs need the `cron` package (apt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    return fresh_host()


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def cron_file(host: LabHost) -> str:
    return host.exec("cat /etc/cron.d/dockyard-test 2>&1; stat -c %a /etc/cron.d/dockyard-test 2>&1").stdout


def test_cron_file_job_and_variable(host: LabHost, conn: SSHConnection) -> None:
    job = {"name": "backup", "job": "/usr/local/bin/backup", "minute": "0", "hour": "3", "user": "root",
           "cron_file": "dockyard-test"}
    first, _ = assert_contract(conn, "cron", job, {**job, "hour": "4"}, lambda: cron_file(host))
    assert cron_file(host) == "#Ansible: backup\n0 3 * * * root /usr/local/bin/backup\n644\n"
    assert first.result["jobs"] == ["backup"]
    env = {"name": "MAILTO", "job": "ops@example.org", "env": True, "user": "root", "cron_file": "dockyard-test"}
    assert_contract(conn, "cron", env, {**env, "job": "x"}, lambda: cron_file(host))
    assert cron_file(host).startswith('MAILTO="ops@example.org"\n#Ansible: backup\n')


def test_removing_the_last_job_removes_the_file(host: LabHost, conn: SSHConnection) -> None:
    host.exec("printf '#Ansible: a\\n* * * * * root /bin/true\\n' > /etc/cron.d/dockyard-test", check=True)
    run(conn, "cron", {"name": "b", "job": "/bin/b", "user": "root", "cron_file": "dockyard-test2"})
    assert_contract(conn, "cron", {"name": "a", "state": "absent", "cron_file": "dockyard-test"},
                    {"name": "b", "state": "absent", "cron_file": "dockyard-test2"}, lambda: cron_file(host))
    assert "No such file" in cron_file(host)


@pytest.mark.apt
def test_user_crontab_interoperates_with_crontab_l(host: LabHost, conn: SSHConnection) -> None:
    host.exec("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q cron", check=True,
              timeout=600)
    host.exec("printf 'MAILTO=\"\"\\n#Ansible: old\\n@daily /bin/old\\n' | crontab -u pwuser -", check=True)

    def listing() -> str:
        return host.exec("crontab -u pwuser -l 2>&1").stdout

    args = {"name": "report", "job": "/usr/bin/report --daily", "special_time": "daily", "user": "pwuser"}
    assert_contract(conn, "cron", args, {"name": "old", "state": "absent", "user": "pwuser"}, listing)
    assert listing().endswith("#Ansible: old\n@daily /bin/old\n#Ansible: report\n@daily /usr/bin/report --daily\n")
    assert run(conn, "cron", {"name": "old", "state": "absent", "user": "pwuser"}).changed
    assert "old" not in listing() and "report" in listing()
