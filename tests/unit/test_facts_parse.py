"""Facts parsed from documents captured on real shells (tests/unit/data/facts/).

The captures are produced by ``tests/unit/data/facts/capture.py``:

- ``debian12-docker``: Debian 12 under dash, as root, with a reachable dockerd;
- ``debian12-docker-unreachable``: the same with DOCKER_HOST pointing nowhere;
- ``debian12-nobody``: the same machine as user nobody (no docker socket access);
- ``busybox-minimal``: busybox sh with only busybox applets on PATH (no getent,
  no findmnt/lsblk, no GNU date %N, no ``ls -f``, no docker).

Expected values are recomputed here from the raw sections wherever possible, so
that a parser bug cannot hide behind a copied number.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from dockyard.errors import FactError
from dockyard.facts.base import Document, parse_document
from dockyard.facts.gather import fact_variables, namespace_facts, parse_facts

DATA = Path(__file__).parent / "data" / "facts"
CAPTURES = sorted(path.stem for path in DATA.glob("*.txt"))


def _load(name: str) -> tuple[str, Document, dict[str, Any]]:
    text = (DATA / f"{name}.txt").read_text(encoding="utf-8")
    return text, parse_document(text, host=name), parse_facts(text, host=name)


@pytest.mark.parametrize("name", CAPTURES)
def test_every_capture_has_the_core_facts_with_ansible_types(name: str) -> None:
    _, doc, facts = _load(name)
    system, node, release, machine = (doc.text("uname") or "").split()
    assert facts["ansible_system"] == system == "Linux"
    assert facts["ansible_kernel"] == release
    assert facts["ansible_machine"] == facts["ansible_architecture"] == machine
    assert facts["ansible_nodename"] == node
    assert facts["ansible_hostname"] == node.split(".")[0]
    for key in (
        "ansible_processor_vcpus",
        "ansible_processor_count",
        "ansible_memtotal_mb",
        "ansible_memfree_mb",
        "ansible_user_uid",
        "ansible_real_user_id",
    ):
        assert type(facts[key]) is int, key
    for key in (
        "ansible_distribution",
        "ansible_distribution_version",
        "ansible_distribution_major_version",
        "ansible_distribution_release",
        "ansible_os_family",
        "ansible_pkg_mgr",
        "ansible_service_mgr",
    ):
        assert isinstance(facts[key], str) and facts[key], key
    assert all(isinstance(v, str) for v in facts["ansible_date_time"].values())
    assert isinstance(facts["ansible_env"], dict)
    json.dumps(facts)  # facts must be plain JSON data


@pytest.mark.parametrize("name", CAPTURES)
def test_distribution_matches_the_release_files(name: str) -> None:
    _, doc, facts = _load(name)
    os_release = dict(
        line.split("=", 1) for line in doc.file_lines("/etc/os-release") if "=" in line
    )
    debian_version = doc.file("/etc/debian_version") or ""
    assert facts["ansible_distribution"] == "Debian"
    assert facts["ansible_os_family"] == "Debian"
    assert facts["ansible_distribution_release"] == os_release["VERSION_CODENAME"]
    # Ansible takes the most precise of VERSION_ID and /etc/debian_version.
    assert facts["ansible_distribution_version"] == debian_version
    assert facts["ansible_distribution_major_version"] == os_release["VERSION_ID"].strip('"')
    assert facts["ansible_distribution_minor_version"] == debian_version.split(".")[1]
    assert facts["ansible_pkg_mgr"] == "apt"


@pytest.mark.parametrize("name", CAPTURES)
def test_memory_is_meminfo_in_mib(name: str) -> None:
    _, doc, facts = _load(name)
    kib = {line.split(":")[0]: int(line.split()[1]) for line in doc.file_lines("/proc/meminfo")}
    assert facts["ansible_memtotal_mb"] == kib["MemTotal"] // 1024
    assert facts["ansible_memfree_mb"] == kib["MemFree"] // 1024
    real = facts["ansible_memory_mb"]["real"]
    assert real["used"] == real["total"] - real["free"]


@pytest.mark.parametrize("name", CAPTURES)
def test_cpu_counts_agree_with_cpuinfo(name: str) -> None:
    _, doc, facts = _load(name)
    processors = [ln for ln in doc.file_lines("/proc/cpuinfo") if ln.startswith("processor")]
    assert facts["ansible_processor_vcpus"] == len(processors)
    assert facts["ansible_processor_nproc"] <= len(processors)
    assert len(facts["ansible_processor"]) == 3 * len(processors)  # index, vendor, model


@pytest.mark.parametrize("name", CAPTURES)
def test_network_default_route_and_interfaces(name: str) -> None:
    _, doc, facts = _load(name)
    route = (doc.text("route4") or "").split()
    default = facts["ansible_default_ipv4"]
    assert default["interface"] == route[route.index("dev") + 1]
    assert default["address"] == route[route.index("src") + 1]
    assert default["gateway"] == route[route.index("via") + 1]
    iface = facts[f"ansible_{default['interface']}"]
    assert iface["ipv4"]["address"] == default["address"]
    network = ipaddress.ip_network(f"{default['address']}/{default['prefix']}", strict=False)
    assert default["network"] == str(network.network_address)
    assert default["netmask"] == str(network.netmask)
    assert default["macaddress"] == iface["macaddress"] and default["mtu"] == iface["mtu"]
    assert facts["ansible_interfaces"] == sorted(facts["ansible_interfaces"])
    assert "lo" in facts["ansible_interfaces"]
    assert facts["ansible_lo"]["type"] == "loopback" and "macaddress" not in facts["ansible_lo"]
    assert "127.0.0.1" not in facts["ansible_all_ipv4_addresses"]
    assert default["address"] in facts["ansible_all_ipv4_addresses"]
    for name_ in facts["ansible_interfaces"]:
        assert facts[f"ansible_{name_}"]["device"] == name_


@pytest.mark.parametrize("name", CAPTURES)
def test_mounts_have_sizes_from_statfs(name: str) -> None:
    _, doc, facts = _load(name)
    root = next(m for m in facts["ansible_mounts"] if m["mount"] == "/")
    line = next(ln for ln in doc.lines("statfs") if ln.endswith(" /"))
    frsize, bsize, blocks, bavail = (int(x) for x in line.split()[:4])
    assert root["size_total"] == frsize * blocks
    assert root["size_available"] == frsize * bavail
    assert root["block_size"] == bsize
    assert root["block_used"] == blocks - bavail
    assert root["uuid"] == "N/A" or len(root["uuid"]) > 8
    assert all(m["device"].startswith("/") for m in facts["ansible_mounts"])


def test_user_facts_as_root_and_as_nobody() -> None:
    _, _, root = _load("debian12-docker")
    assert (root["ansible_user_id"], root["ansible_user_uid"], root["ansible_user_dir"]) == (
        "root",
        0,
        "/root",
    )
    _, _, nobody = _load("debian12-nobody")
    assert nobody["ansible_user_id"] == "nobody"
    assert nobody["ansible_user_uid"] == nobody["ansible_real_user_id"] == 65534
    assert nobody["ansible_effective_user_id"] == 65534
    assert nobody["ansible_user_dir"] == "/nonexistent"
    assert nobody["ansible_env"]["HOME"] == "/nonexistent"


def test_docker_host_reachable() -> None:
    _, doc, facts = _load("debian12-docker")
    lines = (doc.text("docker_info") or "").splitlines()
    swarm = json.loads(lines[0])
    runtime = facts["dockyard_container_runtime"]
    assert runtime["docker"]["present"] and runtime["docker"]["reachable"]
    assert runtime["docker"]["server_version"] == lines[1]
    assert runtime["docker"]["version"] == json.loads(lines[2])["Version"]
    assert facts["dockyard_swarm"]["state"] == swarm["LocalNodeState"] == "inactive"
    assert facts["dockyard_swarm"]["role"] is None
    assert facts["dockyard_k3s"] == {"present": False, "version": None}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("debian12-docker-unreachable", "Cannot connect to the Docker daemon"),
        ("debian12-nobody", "permission denied"),
    ],
)
def test_docker_present_but_daemon_not_answering(name: str, message: str) -> None:
    _, _, facts = _load(name)
    docker = facts["dockyard_container_runtime"]["docker"]
    assert docker["present"] and not docker["reachable"] and docker["server_version"] is None
    assert docker["version"]  # the CLI still reports its own version
    assert facts["dockyard_swarm"]["state"] == "unknown"
    assert message in facts["dockyard_swarm"]["error"]


def test_swarm_manager_from_docker_info(tmp_path: Path) -> None:
    """Constructed: the real capture with the Swarm JSON of an active manager.

    The JSON has the shape of ``docker info --format '{{json .Swarm}}'`` on a manager
    (Docker Engine API ``SwarmInfo``); no swarm was initialised on this machine.
    """
    text, doc, _ = _load("debian12-docker")
    old = doc.text("docker_info") or ""
    swarm = {
        "NodeID": "x2k4wb0yq7ytqyj8j1xqzq8z5",
        "NodeAddr": "10.10.0.2",
        "LocalNodeState": "active",
        "ControlAvailable": True,
        "Error": "",
        "RemoteManagers": [
            {"NodeID": "x2k4wb0yq7ytqyj8j1xqzq8z5", "Addr": "10.10.0.2:2377"},
            {"NodeID": "9ly6mwbqnm1ulylv1zg0t8yd0", "Addr": "10.10.0.3:2377"},
        ],
        "Nodes": 3,
        "Managers": 2,
        "Cluster": {"ID": "p0kq9xq5jnyyq3qk9m2cm2h6h"},
    }
    new = json.dumps(swarm) + "\n" + old.split("\n", 1)[1]
    facts = parse_facts(text.replace(old, new), host="manager1")
    assert facts["dockyard_swarm"] == {
        "state": "active",
        "role": "manager",
        "node_id": swarm["NodeID"],
        "node_addr": "10.10.0.2",
        "cluster_id": "p0kq9xq5jnyyq3qk9m2cm2h6h",
        "managers": ["10.10.0.2:2377", "10.10.0.3:2377"],
        "error": None,
    }
    worker = dict(swarm, ControlAvailable=False, Cluster=None)
    facts = parse_facts(text.replace(old, json.dumps(worker) + "\n" + old.split("\n", 1)[1]))
    assert facts["dockyard_swarm"]["role"] == "worker"
    assert facts["dockyard_swarm"]["cluster_id"] is None


def test_busybox_minimal_host() -> None:
    _, doc, facts = _load("busybox-minimal")
    assert "fqdn" not in doc and doc.rc("findmnt") == 127  # no getent, no util-linux
    assert facts["ansible_date_time"]["iso8601_micro"].endswith(".000000Z")  # no %N
    assert facts["ansible_fqdn"] == "localhost"  # from /etc/hosts, like getfqdn()
    assert facts["dockyard_container_runtime"]["docker"] == {
        "present": False,
        "version": None,
        "server_version": None,
        "reachable": False,
    }
    assert facts["dockyard_swarm"]["state"] == "inactive"
    assert facts["ansible_env"]["PATH"] == facts["ansible_env"]["PATH"].strip()


def test_date_time_is_consistent() -> None:
    _, doc, facts = _load("debian12-docker")
    dt = facts["ansible_date_time"]
    assert dt["date"] == f"{dt['year']}-{dt['month']}-{dt['day']}"
    assert dt["iso8601_basic_short"] == dt["iso8601_basic"][:15]
    assert dt["epoch"] == dt["epoch_int"] == doc.lines("date")[0].split("|")[9]
    assert dt["iso8601_micro"].startswith(dt["iso8601"][:-1] + ".")


def test_both_spellings_for_the_playbook_layer() -> None:
    _, _, facts = _load("debian12-docker")
    variables = fact_variables(facts)
    assert variables["ansible_distribution"] == variables["ansible_facts"]["distribution"]
    assert variables["dockyard_swarm"] is variables["ansible_facts"]["dockyard_swarm"]
    assert "ansible_distribution" not in namespace_facts(facts)


def test_python_absent_means_no_python_keys() -> None:
    text, doc, _ = _load("debian12-docker")
    facts = parse_facts(text.replace(doc.text("python") or "", ""))
    assert "ansible_python" not in facts and "ansible_python_version" not in facts
    rc = parse_facts(
        text.replace(doc.text("python") or "", "/usr/bin/python3.13\nPython 3.13.0rc2\n")
    )
    assert rc["ansible_python"]["version_info"] == [3, 13, 0, "candidate", 2]


@pytest.mark.parametrize(
    ("section", "garbage", "what"),
    [
        ("uname", "Linux\n", "uname"),
        ("statfs", "4096 x 1 2 3 4 /\n", "statfs"),
        ("date", "not a date\n", "date"),
    ],
)
def test_unparseable_sections_raise_fact_error(section: str, garbage: str, what: str) -> None:
    text, doc, _ = _load("debian12-docker")
    broken = text.replace(doc.text(section) or "", garbage, 1)
    with pytest.raises(FactError) as info:
        parse_facts(broken, host="web1")
    assert info.value.host == "web1"
    assert what in info.value.message


def test_bridge_members_in_directory_order() -> None:
    _, doc, facts = _load("debian12-docker")
    members = [line.split()[1] for line in doc.lines("brif") if line.startswith("docker0 ")]
    docker0 = facts["ansible_docker0"]
    assert docker0["type"] == "bridge"
    assert docker0["interfaces"] == members
    assert docker0["id"].split(".")[1] == docker0["macaddress"].replace(":", "")
    assert all(f"ansible_{member}" in facts for member in members)
