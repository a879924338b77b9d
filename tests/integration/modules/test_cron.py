"""cron: /etc/cron.d files need no cron daemon; user crontabs need the `cron` package (apt)."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


def cron_file(host: LabHost) -> str:
    return host.exec("cat /etc/cron.d/dockyard-test 2>&1; stat -c %a /etc/cron.d/dockyard-test 2>&1").stdout


def test_cron_file_job_and_variable(own_host: LabHost, own_conn: SSHConnection) -> None:
    job = {"name": "backup", "job": "/usr/local/bin/backup", "minute": "0", "hour": "3", "user": "root",
           "cron_file": "dockyard-test"}
    first, _ = assert_contract(own_conn, "cron", job, {**job, "hour": "4"}, lambda: cron_file(own_host))
    assert cron_file(own_host) == "#Ansible: backup\n0 3 * * * root /usr/local/bin/backup\n644\n"
    assert first.result["jobs"] == ["backup"]
    env = {"name": "MAILTO", "job": "ops@example.org", "env": True, "user": "root", "cron_file": "dockyard-test"}
    assert_contract(own_conn, "cron", env, {**env, "job": "x"}, lambda: cron_file(own_host))
    assert cron_file(own_host).startswith('MAILTO="ops@example.org"\n#Ansible: backup\n')


def test_removing_the_last_job_removes_the_file(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("printf '#Ansible: a\\n* * * * * root /bin/true\\n' > /etc/cron.d/dockyard-test", check=True)
    run(own_conn, "cron", {"name": "b", "job": "/bin/b", "user": "root", "cron_file": "dockyard-test2"})
    assert_contract(own_conn, "cron", {"name": "a", "state": "absent", "cron_file": "dockyard-test"},
                    {"name": "b", "state": "absent", "cron_file": "dockyard-test2"}, lambda: cron_file(own_host))
    assert "No such file" in cron_file(own_host)


@pytest.mark.apt
def test_user_crontab_interoperates_with_crontab_l(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q cron", check=True,
                  timeout=600)
    own_host.exec("printf 'MAILTO=\"\"\\n#Ansible: old\\n@daily /bin/old\\n' | crontab -u pwuser -", check=True)

    def listing() -> str:
        return own_host.exec("crontab -u pwuser -l 2>&1").stdout

    args = {"name": "report", "job": "/usr/bin/report --daily", "special_time": "daily", "user": "pwuser"}
    assert_contract(own_conn, "cron", args, {"name": "old", "state": "absent", "user": "pwuser"}, listing)
    assert listing().endswith("#Ansible: old\n@daily /bin/old\n#Ansible: report\n@daily /usr/bin/report --daily\n")
    assert run(own_conn, "cron", {"name": "old", "state": "absent", "user": "pwuser"}).changed
    assert "old" not in listing() and "report" in listing()
