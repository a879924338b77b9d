"""get_url: the target downloads from an HTTP server running inside itself (127.0.0.1).

curl and wget come from the Debian archive (marker ``apt``); the "neither tool" error
needs no network.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import ModuleError
from tests.integration.modules.contract import ConnectTo, assert_contract, run
from tests.lab import Lab, LabHost
from tests.lab.fixtures import HostFactory

CONTENT = b"dockyard get_url test payload\n" * 100
URL = "http://127.0.0.1:8000/tool.bin"


def serve(host: LabHost) -> None:
    """python3 -m http.server on the host's own loopback, serving /srv/www."""
    host.exec("mkdir -p /srv/www && cd /srv/www && setsid nohup python3 -m http.server 8000 "
              "--bind 127.0.0.1 >/tmp/http.log 2>&1 &", check=True)
    for _ in range(50):
        if host.exec("python3 -c \"import socket; socket.create_connection(('127.0.0.1', 8000), 1)\"").returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the HTTP server in the lab host did not start")


def publish(host: LabHost, name: str, data: bytes) -> None:
    host.exec(f"printf '%s' '{data.decode()}' > /srv/www/{name}", check=True)


@pytest.fixture(scope="module")
def tools_host(lab: Lab) -> Iterator[LabHost]:
    """One host for this file's apt tests: curl and wget installed once, an HTTP server running."""
    factory = HostFactory(lab)
    made = factory()
    try:
        made.exec("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl wget",
                  check=True, timeout=600)
        serve(made)
        yield made
    finally:
        factory.remove()


@pytest.fixture
def web_host(tools_host: LabHost) -> LabHost:
    """The tools host with /opt empty and the original payload published."""
    tools_host.exec("rm -rf /opt/* && mkdir -p /opt", check=True)
    publish(tools_host, "tool.bin", CONTENT)
    return tools_host


@pytest.fixture
def web_conn(web_host: LabHost, connect_to: ConnectTo) -> SSHConnection:
    return connect_to(web_host)


def dest(host: LabHost, path: str = "/opt/tool.bin") -> str:
    return host.exec(f"stat -c '%a %U' {path} 2>&1; sha256sum {path} 2>&1").stdout


@pytest.mark.apt
def test_download_with_checksum_and_mode(web_host: LabHost, web_conn: SSHConnection) -> None:
    digest = hashlib.sha256(CONTENT).hexdigest()
    args = {"url": URL, "dest": "/opt/tool.bin", "checksum": f"sha256:{digest}", "mode": "0640",
            "owner": "dockyard"}
    first, _ = assert_contract(web_conn, "get_url", args, {**args, "dest": "/opt/other.bin"}, lambda: dest(web_host))
    assert dest(web_host) == f"640 dockyard\n{digest}  /opt/tool.bin\n"
    assert first.result["dest"] == "/opt/tool.bin" and first.result["checksum_src"] == digest


@pytest.mark.apt
def test_a_wrong_checksum_leaves_nothing_behind(web_host: LabHost, web_conn: SSHConnection) -> None:
    outcome = run(web_conn, "get_url", {"url": URL, "dest": "/opt/tool.bin", "checksum": "sha256:" + "0" * 64})
    assert outcome.failed and "checksum mismatch" in outcome.result["msg"]
    assert web_host.exec("ls -A /opt").stdout == ""


@pytest.mark.apt
def test_force_follows_the_remote_content(web_host: LabHost, web_conn: SSHConnection) -> None:
    args = {"url": URL, "dest": "/opt/", "force": True}
    run(web_conn, "get_url", args)
    assert not run(web_conn, "get_url", args).changed
    publish(web_host, "tool.bin", b"version 2\n")
    assert run(web_conn, "get_url", args).changed
    assert web_host.exec("cat /opt/tool.bin").stdout == "version 2\n"
    assert not run(web_conn, "get_url", {"url": URL, "dest": "/opt/tool.bin"}).changed


@pytest.mark.apt
def test_wget_when_curl_is_missing(web_host: LabHost, web_conn: SSHConnection) -> None:
    web_host.exec("mv /usr/bin/curl /usr/bin/curl.hidden", check=True)
    try:
        outcome = run(web_conn, "get_url", {"url": URL, "dest": "/opt/tool.bin"})
    finally:
        web_host.exec("mv /usr/bin/curl.hidden /usr/bin/curl", check=True)
    assert outcome.changed and "wget" in outcome.steps[0].command
    assert dest(web_host).endswith(f"{hashlib.sha256(CONTENT).hexdigest()}  /opt/tool.bin\n")


def test_a_host_without_curl_or_wget_fails_clearly(own_conn: SSHConnection) -> None:
    with pytest.raises(ModuleError, match="needs curl or wget"):
        run(own_conn, "get_url", {"url": URL, "dest": "/opt/tool.bin"})
