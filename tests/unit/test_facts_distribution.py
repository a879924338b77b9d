"""Distribution facts against ansible-core's own code as the oracle.

For each set of release files (as shipped by that distribution; written here by
hand), ansible-core's ``Distribution`` collector runs in a subprocess with its
file reads redirected into a temporary root, and dockyard's parser reads a
document built from the same files the way ``gather.sh`` dumps them. The two
results must be equal key for key.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockyard.facts.base import parse_document
from dockyard.facts.distribution import distribution_facts, os_family
from dockyard.facts.platform import fqdn_from_hosts, fqdn_of

pytest.importorskip("ansible")

UBUNTU = {
    "/etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\n'
    'VERSION="22.04.4 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n'
    'HOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME=jammy\n',
    "/etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n"
    'DISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n',
    "/etc/debian_version": "bookworm/sid\n",
}
DEBIAN11 = {
    "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\n'
    'VERSION_ID="11"\nVERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\n',
    "/etc/debian_version": "11.9\n",
}
ALPINE = {
    "/etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n'
    'PRETTY_NAME="Alpine Linux v3.19"\nHOME_URL="https://alpinelinux.org/"\n',
    "/etc/alpine-release": "3.19.1\n",
}
ROCKY = {
    "/etc/os-release": 'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\n'
    'ID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPLATFORM_ID="platform:el9"\n'
    'PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\nREDHAT_SUPPORT_PRODUCT="Rocky Linux"\n',
    "/etc/redhat-release": "Rocky Linux release 9.3 (Blue Onyx)\n",
    "/etc/rocky-release": "Rocky Linux release 9.3 (Blue Onyx)\n",
    "/etc/system-release": "Rocky Linux release 9.3 (Blue Onyx)\n",
}
CENTOS_STREAM = {
    "/etc/os-release": 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\n'
    'VERSION_ID="9"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="CentOS Stream 9"\n',
    "/etc/centos-release": "CentOS Stream release 9\n",
    "/etc/redhat-release": "CentOS Stream release 9\n",
}
AMAZON = {
    "/etc/os-release": 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\n'
    'VERSION_ID="2023"\nPLATFORM_ID="platform:al2023"\n'
    'PRETTY_NAME="Amazon Linux 2023.3.20240122"\n',
    "/etc/system-release": "Amazon Linux release 2023.3.20240122 (Amazon Linux)\n",
}
FEDORA = {
    "/etc/os-release": 'NAME="Fedora Linux"\nVERSION="39 (Container Image)"\nID=fedora\n'
    'VERSION_ID=39\nVERSION_CODENAME=""\nPRETTY_NAME="Fedora Linux 39 (Container Image)"\n',
    "/etc/fedora-release": "Fedora release 39 (Thirty Nine)\n",
    "/etc/redhat-release": "Fedora release 39 (Thirty Nine)\n",
}
ARCH = {
    "/etc/os-release": 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n',
    "/etc/arch-release": "",
}
OPENSUSE = {
    "/etc/os-release": 'NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\n'
    'ID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n',
}
CASES = {
    "ubuntu": UBUNTU,
    "debian11": DEBIAN11,
    "alpine": ALPINE,
    "rocky": ROCKY,
    "centos-stream": CENTOS_STREAM,
    "amazon": AMAZON,
    "fedora": FEDORA,
    "arch": ARCH,
    "opensuse": OPENSUSE,
}

ORACLE = r"""
import json, sys
root = sys.argv[1]
sys.modules["distro"] = None  # a system `distro` (pyinfra brings one) would read the real /etc: use ansible's copy
import ansible.module_utils.distro as distro  # ansible's bundled distro module
distro._distro = distro.LinuxDistribution(root_dir=root)
# The functions use the instance of the module they are defined in: distro.distro when the
# system `distro` package is installed (pyinfra brings it), which ansible then prefers.
sys.modules[distro.id.__module__]._distro = distro._distro
from ansible.module_utils.facts import utils
from ansible.module_utils.facts.system import distribution as d
inside = lambda path: root + path if path.startswith("/") else path
d.get_file_content = lambda path, *a, **k: utils.get_file_content(inside(path), *a, **k)
d.get_file_lines = lambda path, *a, **k: utils.get_file_lines(inside(path), *a, **k)
file_exists = d._file_exists
d._file_exists = lambda path, allow_empty=False: file_exists(inside(path), allow_empty)
class Module:
    def get_bin_path(self, *args, **kwargs): return None
    def run_command(self, *args, **kwargs): return 1, "", ""
    def debug(self, *args): pass
print(json.dumps(d.Distribution(Module()).get_distribution_facts()))
"""


def _ansible(files: dict[str, str], root: Path) -> dict[str, object]:
    for path, content in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    out = subprocess.run(
        [sys.executable, "-c", ORACLE, str(root)], capture_output=True, text=True, check=True
    ).stdout
    facts: dict[str, object] = json.loads(out)
    return facts


def _document(files: dict[str, str]) -> str:
    """What gather.sh would print for these files: grep -H lines and the exists list."""
    marker = "@@dockyard-facts-test"
    grep = "".join(
        f"{path}:{line}\n"
        for path, content in sorted(files.items())
        for line in content.splitlines()
    )
    exists = "".join(f"{path}\n" for path in files)
    return f"{marker} begin 1\n\n{marker} files\n{grep}\n{marker} exists\n{exists}\n{marker} end\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_equals_ansible(name: str, tmp_path: Path) -> None:
    files = CASES[name]
    expected = _ansible(files, tmp_path)
    doc = parse_document(_document(files), host=name)
    # platform.release()/version() are the baseline before the guess overwrites them
    got = distribution_facts(
        doc,
        "Linux",
        str(expected.get("distribution_release")),
        str(expected.get("distribution_version")),
    )
    assert got == expected


def test_os_family_of_names_with_spaces_and_unknown_names() -> None:
    assert os_family("Kylin Linux Advanced Server") == "RedHat"
    assert os_family("Linux Mint") == "Debian"
    assert os_family("Plan9") == "Plan9"


def test_fqdn_prefers_the_first_dotted_name() -> None:
    assert fqdn_of("web1", "10.0.0.5 web1 web1.example.org") == "web1.example.org"
    assert fqdn_of("web1", "10.0.0.5 web1.lan web1.example.org") == "web1.lan"
    assert fqdn_of("web1", "127.0.0.1 localhost") == "localhost"
    assert fqdn_of("web1", None) == "web1"


def test_fqdn_from_hosts_file_like_the_resolver() -> None:
    hosts = "# comment\n127.0.0.1 localhost\n127.0.1.1 web1.example.org web1\n"
    assert fqdn_from_hosts("web1", hosts) == "web1.example.org"
    assert fqdn_from_hosts("db1", hosts) is None
