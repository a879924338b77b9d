"""unarchive with remote_src: archives made inside the lab host, unpacked by dockyard."""

from __future__ import annotations

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import assert_contract, run
from tests.lab import LabHost


@pytest.fixture
def own_host(own_host: LabHost) -> LabHost:
    """A host of this test alone with an app tree and its .tar.gz and .tar archives in /tmp."""
    own_host.exec("mkdir -p /tmp/src/app/bin /srv/a /srv/b && echo v1 > /tmp/src/app/bin/run && "
                  "ln -s run /tmp/src/app/bin/link && echo doc > /tmp/src/app/README.md && "
                  "tar -czf /tmp/app.tar.gz -C /tmp/src app && tar -cf /tmp/app.tar -C /tmp/src app", check=True)
    return own_host


def tree(host: LabHost) -> str:
    return host.exec("cd /srv && find . -printf '%p %u %m %l\\n' | sort; cat /srv/a/app/bin/run 2>&1").stdout


def test_unpack_and_repair(own_host: LabHost, own_conn: SSHConnection) -> None:
    args = {"src": "/tmp/app.tar.gz", "dest": "/srv/a", "remote_src": True, "list_files": True}
    first, _ = assert_contract(own_conn, "unarchive", args, {**args, "dest": "/srv/b"}, lambda: tree(own_host))
    assert "./a/app/bin/link root 777 run" in tree(own_host) and tree(own_host).endswith("v1\n")
    assert sorted(first.result["files"]) == ["app/", "app/README.md", "app/bin/", "app/bin/link", "app/bin/run"]
    own_host.exec("echo changed > /srv/a/app/bin/run && rm /srv/a/app/README.md", check=True)
    repaired = run(own_conn, "unarchive", args)
    assert repaired.changed and tree(own_host).endswith("v1\n") and "README.md" in tree(own_host)


def test_plain_tar_with_exclude_owner_and_mode(own_host: LabHost, own_conn: SSHConnection) -> None:
    args = {"src": "/tmp/app.tar", "dest": "/srv/b", "remote_src": True, "exclude": ["*.md"],
            "owner": "dockyard", "mode": "0750"}
    assert_contract(own_conn, "unarchive", args, {**args, "owner": "pwuser"}, lambda: tree(own_host))
    seen = tree(own_host)
    assert "./b/app/bin/run dockyard 750" in seen and "README" not in seen


def test_creates_skips_and_errors_are_clear(own_host: LabHost, own_conn: SSHConnection) -> None:
    own_host.exec("touch /srv/a/marker", check=True)
    assert not run(own_conn, "unarchive", {"src": "/tmp/app.tar.gz", "dest": "/srv/a", "remote_src": True,
                                           "creates": "/srv/a/marker"}).changed
    with pytest.raises(ModuleError, match="must be an existing directory"):
        run(own_conn, "unarchive", {"src": "/tmp/app.tar.gz", "dest": "/srv/none", "remote_src": True})
    own_host.exec("echo junk > /tmp/junk.tar", check=True)
    with pytest.raises(ModuleError, match="tar cannot read"):
        run(own_conn, "unarchive", {"src": "/tmp/junk.tar", "dest": "/srv/a", "remote_src": True})
