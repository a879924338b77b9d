"""unarchive with remote_src: archives made inside the lab host, unpacked by dockyard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.connection import ConnectionOptions, SSHConnection, connect
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost
from tests.lab.fixtures import HostFactory


@pytest.fixture
def host(fresh_host: HostFactory) -> LabHost:
    made = fresh_host()
    made.exec("mkdir -p /tmp/src/app/bin /srv/a /srv/b && echo v1 > /tmp/src/app/bin/run && "
              "ln -s run /tmp/src/app/bin/link && echo doc > /tmp/src/app/README.md && "
              "tar -czf /tmp/app.tar.gz -C /tmp/src app && tar -cf /tmp/app.tar -C /tmp/src app", check=True)
    return made


@pytest.fixture
def conn(host: LabHost, tmp_path: Path) -> Iterator[SSHConnection]:
    connection = connect(host.name, {
        "ansible_host": host.address, "ansible_user": host.user,
        "ansible_ssh_private_key_file": str(host.key_path)},
        ConnectionOptions(host_key_checking="off", ssh_config=None, known_hosts=tmp_path / "kh"))
    assert isinstance(connection, SSHConnection)
    yield connection
    connection.close()


def tree(host: LabHost) -> str:
    return host.exec("cd /srv && find . -printf '%p %u %m %l\\n' | sort; cat /srv/a/app/bin/run 2>&1").stdout


def test_unpack_and_repair(host: LabHost, conn: SSHConnection) -> None:
    args = {"src": "/tmp/app.tar.gz", "dest": "/srv/a", "remote_src": True, "list_files": True}
    first, _ = assert_contract(conn, "unarchive", args, {**args, "dest": "/srv/b"}, lambda: tree(host))
    assert "./a/app/bin/link root 777 run" in tree(host) and tree(host).endswith("v1\n")
    assert sorted(first.result["files"]) == ["app/", "app/README.md", "app/bin/", "app/bin/link", "app/bin/run"]
    host.exec("echo changed > /srv/a/app/bin/run && rm /srv/a/app/README.md", check=True)
    repaired = run(conn, "unarchive", args)
    assert repaired.changed and tree(host).endswith("v1\n") and "README.md" in tree(host)


def test_plain_tar_with_exclude_owner_and_mode(host: LabHost, conn: SSHConnection) -> None:
    args = {"src": "/tmp/app.tar", "dest": "/srv/b", "remote_src": True, "exclude": ["*.md"],
            "owner": "dockyard", "mode": "0750"}
    assert_contract(conn, "unarchive", args, {**args, "owner": "pwuser"}, lambda: tree(host))
    seen = tree(host)
    assert "./b/app/bin/run dockyard 750" in seen and "README" not in seen


def test_creates_skips_and_errors_are_clear(host: LabHost, conn: SSHConnection) -> None:
    host.exec("touch /srv/a/marker", check=True)
    assert not run(conn, "unarchive", {"src": "/tmp/app.tar.gz", "dest": "/srv/a", "remote_src": True,
                                       "creates": "/srv/a/marker"}).changed
    with pytest.raises(ModuleError, match="must be an existing directory"):
        run(conn, "unarchive", {"src": "/tmp/app.tar.gz", "dest": "/srv/none", "remote_src": True})
    host.exec("echo junk > /tmp/junk.tar", check=True)
    with pytest.raises(ModuleError, match="tar cannot read"):
        run(conn, "unarchive", {"src": "/tmp/junk.tar", "dest": "/srv/a", "remote_src": True})
