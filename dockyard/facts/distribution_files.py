"""Ansible's release-file parsers (``DistributionFiles``), one function per name.

``OSDIST_LIST`` is tried in order by :mod:`dockyard.facts.distribution`; each
parser gets the file content (stripped of whitespace and quotes, as Ansible
does) and returns ``(parsed, facts)``. Names without a parser here (Gentoo)
never match, exactly as in ansible-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockyard.facts.base import Document

if TYPE_CHECKING:
    from dockyard.facts.distribution import DistroInfo

__all__ = ["OSDIST_LIST", "parse_dist_file"]

OSDIST_LIST: tuple[tuple[str, str, bool], ...] = (
    ("/etc/altlinux-release", "Altlinux", False),
    ("/etc/oracle-release", "OracleLinux", False),
    ("/etc/slackware-version", "Slackware", False),
    ("/etc/centos-release", "CentOS", False),
    ("/etc/redhat-release", "RedHat", False),
    ("/etc/vmware-release", "VMwareESX", True),
    ("/etc/openwrt_release", "OpenWrt", False),
    ("/etc/os-release", "Amazon", False),
    ("/etc/system-release", "Amazon", False),
    ("/etc/alpine-release", "Alpine", False),
    ("/etc/arch-release", "Archlinux", True),
    ("/etc/os-release", "Archlinux", False),
    ("/etc/os-release", "SUSE", False),
    ("/etc/SuSE-release", "SUSE", False),
    ("/etc/gentoo-release", "Gentoo", False),
    ("/etc/os-release", "Debian", False),
    ("/etc/lsb-release", "Debian", False),
    ("/etc/lsb-release", "Mandriva", False),
    ("/etc/sourcemage-release", "SMGL", False),
    ("/usr/lib/os-release", "ClearLinux", False),
    ("/etc/coreos/update.conf", "Coreos", False),
    ("/etc/os-release", "Flatcar", False),
    ("/etc/os-release", "NA", False),
)
_SEARCH_STRING = {
    "OracleLinux": "Oracle Linux",
    "RedHat": "Red Hat",
    "Altlinux": "ALT",
    "SMGL": "Source Mage GNU/Linux",
}
_OS_RELEASE_ALIAS = {"Archlinux": "Arch Linux"}

Result = tuple[bool, dict[str, object]]


@dataclass(frozen=True, slots=True)
class DistFile:
    """One candidate release file, as each parser sees it."""

    name: str
    data: str
    path: str
    collected: dict[str, object]
    info: DistroInfo
    doc: Document


Parser = Callable[[DistFile], Result]


def parse_dist_file(
    name: str,
    content: str,
    path: str,
    collected: dict[str, object],
    info: DistroInfo,
    doc: Document,
) -> Result:
    """Ansible's ``_parse_dist_file``: does ``content`` of ``path`` identify ``name``?"""
    data = content.strip("'\"\\")
    if name in _SEARCH_STRING:
        if _SEARCH_STRING[name] in data:
            return True, {
                "distribution": name,
                "distribution_file_search_string": _SEARCH_STRING[name],
            }
        return True, {"distribution": data.split()[0]}
    if name in _OS_RELEASE_ALIAS:
        if _OS_RELEASE_ALIAS[name] in data:
            return True, {"distribution": name}
        return False, {}
    parser = _PARSERS.get(name)
    if parser is None:
        return False, {}
    return parser(DistFile(name, data, path, collected, info, doc))


def _slackware(f: DistFile) -> Result:
    if "Slackware" not in f.data:
        return False, {}
    facts: dict[str, object] = {"distribution": f.name}
    version = re.findall(r"\w+[.]\w+\+?", f.data)
    if version:
        facts["distribution_version"] = version[0]
    return True, facts


def _amazon(f: DistFile) -> Result:
    if "Amazon" not in f.data:
        return False, {}
    facts: dict[str, object] = {"distribution": "Amazon"}
    if f.path == "/etc/os-release":
        version = re.search(r"VERSION_ID=\"(.*)\"", f.data)
        if version:
            facts["distribution_version"] = version.group(1)
            parts = version.group(1).split(".")
            major, minor = (parts[0], parts[1]) if len(parts) > 1 else (parts[0], "NA")
            facts["distribution_major_version"] = major
            facts["distribution_minor_version"] = minor
    else:
        digits = [n for n in f.data.split() if n.isdigit()]
        facts["distribution_version"] = digits[0] if digits else "NA"
    return True, facts


def _distrib_release(f: DistFile) -> Result:
    """OpenWrt's and Mandriva's files: the name, then DISTRIB_RELEASE and DISTRIB_CODENAME."""
    if f.name not in f.data:
        return False, {}
    facts: dict[str, object] = {"distribution": f.name}
    version = re.search('DISTRIB_RELEASE="(.*)"', f.data)
    if version:
        facts["distribution_version"] = version.group(1)
    release = re.search('DISTRIB_CODENAME="(.*)"', f.data)
    if release:
        facts["distribution_release"] = release.group(1)
    return True, facts


def _alpine(f: DistFile) -> Result:
    return True, {"distribution": "Alpine", "distribution_version": f.data}


def _suse(f: DistFile) -> Result:
    if "suse" not in f.data.lower():
        return False, {}
    facts: dict[str, object] = {}
    if f.path == "/etc/os-release":
        for line in f.data.splitlines():
            distribution = re.search("^NAME=(.*)", line)
            if distribution:
                facts["distribution"] = distribution.group(1).strip('"')
            version = re.search(r'^VERSION_ID="?([0-9]+\.?[0-9]*)"?', line)
            if version:
                facts["distribution_version"] = version.group(1)
                facts["distribution_major_version"] = version.group(1).split(".")[0]
            release = re.search(r'^VERSION_ID="?[0-9]+\.?([0-9]*)"?', line)
            if "open" in f.data.lower():
                if release:
                    facts["distribution_release"] = release.group(1)
            elif "enterprise" in f.data.lower() and "VERSION_ID" in line and release:
                facts["distribution_release"] = release.group(1) or "0"
    variant = re.search(r'^VARIANT_ID="?([^"\n]*)"?', f.data, re.MULTILINE)
    if variant and variant.group(1) in ("server-sap", "sles-sap"):
        facts["distribution"] = "SLES_SAP"
    elif variant and variant.group(1) == "transactional":
        facts["distribution"] = "SL-Micro"
    return True, facts


def _debian(f: DistFile) -> Result:
    facts: dict[str, object] = {}
    if any(distro in f.data for distro in ("Debian", "Raspbian")):
        facts["distribution"] = "Debian"
        release = re.search(r"PRETTY_NAME=[^(]+ \(?([^)]+?)\)", f.data)
        if release:
            facts["distribution_release"] = release.group(1)
        for line in f.doc.file_lines("/etc/debian_version"):
            match = re.search(r"(\d+)\.(\d+)", line.strip())
            if match:
                facts["distribution_minor_version"] = match.group(2)
    elif "Ubuntu" in f.data:
        facts["distribution"] = "Ubuntu"
    elif "SteamOS" in f.data:
        facts["distribution"] = "SteamOS"
    elif f.path in ("/etc/lsb-release", "/etc/os-release") and (
        "Kali" in f.data or "Parrot" in f.data
    ):
        facts["distribution"] = "Kali" if "Kali" in f.data else "Parrot"
        release = re.search("DISTRIB_RELEASE=(.*)", f.data)
        if release:
            facts["distribution_release"] = release.group(1)
    elif "Devuan" in f.data:
        facts["distribution"] = "Devuan"
        release = re.search(r"PRETTY_NAME=\"?[^(\"]+ \(?([^) \"]+)\)?", f.data)
        if release:
            facts["distribution_release"] = release.group(1)
        version = re.search(r"VERSION_ID=\"(.*)\"", f.data)
        if version:
            facts["distribution_version"] = version.group(1)
            facts["distribution_major_version"] = version.group(1)
    else:
        return _debian_like(f)
    return True, facts


def _debian_like(f: DistFile) -> Result:
    """The rarer Debian derivatives of Ansible's Debian parser."""
    facts: dict[str, object] = {}
    if "Cumulus" in f.data:
        facts["distribution"] = "Cumulus Linux"
        version = re.search(r"VERSION_ID=(.*)", f.data)
        if version and version.group(1).count(".") == 2:
            facts["distribution_version"] = version.group(1)
            facts["distribution_major_version"] = version.group(1).split(".")[0]
        release = re.search(r'VERSION="(.*)"', f.data)
        if release:
            facts["distribution_release"] = release.group(1)
        return True, facts
    for marker, distribution in (
        ("Mint", "Linux Mint"),
        ("UOS", "Uos"),
        ("Uos", "Uos"),
        ("uos", "Uos"),
        ("Deepin", "Deepin"),
        ("deepin", "Deepin"),
    ):
        if marker in f.data:
            facts["distribution"] = distribution
            if distribution != "Linux Mint":
                release = re.search(r"VERSION_CODENAME=\"?([^\"]+)\"?", f.data)
                if release:
                    facts["distribution_release"] = release.group(1)
            version = re.search(r"VERSION_ID=\"(.*)\"", f.data)
            if version:
                facts["distribution_version"] = version.group(1)
                facts["distribution_major_version"] = version.group(1).split(".")[0]
            return True, facts
    if "LMDE" in f.data:
        return True, {"distribution": "Linux Mint Debian Edition"}
    return False, {}


def _na(f: DistFile) -> Result:
    facts: dict[str, object] = {}
    for line in f.data.splitlines():
        distribution = re.search("^NAME=(.*)", line)
        if distribution and f.name == "NA":
            facts["distribution"] = distribution.group(1).strip('"')
        version = re.search("^VERSION=(.*)", line)
        if version and f.collected.get("distribution_version") == "NA":
            facts["distribution_version"] = version.group(1).strip('"')
    return True, facts


def _coreos(f: DistFile) -> Result:
    if f.info.id().capitalize().lower() != "coreos" or not f.data:
        return False, {}
    facts: dict[str, object] = {}
    release = re.search("^GROUP=(.*)", f.data)
    if release:
        facts["distribution_release"] = release.group(1).strip('"')
    return True, facts


def _flatcar(f: DistFile) -> Result:
    if f.info.id().lower() != "flatcar" or not f.data:
        return False, {}
    facts: dict[str, object] = {}
    version = re.search("VERSION=(.*)", f.data)
    if version:
        facts["distribution_major_version"] = version.group(1).strip('"').split(".")[0]
        facts["distribution_version"] = version.group(1).strip('"')
    return True, facts


def _clearlinux(f: DistFile) -> Result:
    if "clearlinux" not in f.name.lower():
        return False, {}
    facts: dict[str, object] = {}
    pname = re.search('NAME="(.*)"', f.data)
    if pname:
        if "Clear Linux" not in pname.group(1):
            return False, {}
        facts["distribution"] = pname.group(1)
    version = re.search("VERSION_ID=(.*)", f.data)
    if version:
        facts["distribution_major_version"] = version.group(1)
        facts["distribution_version"] = version.group(1)
    release = re.search("ID=(.*)", f.data)
    if release:
        facts["distribution_release"] = release.group(1)
    return True, facts


def _centos(f: DistFile) -> Result:
    if "CentOS Stream" in f.data:
        return True, {"distribution_release": "Stream"}
    if "TencentOS Server" in f.data:
        return True, {"distribution": "TencentOS"}
    return False, {}


_PARSERS: dict[str, Parser] = {
    "Slackware": _slackware,
    "Amazon": _amazon,
    "OpenWrt": _distrib_release,
    "Alpine": _alpine,
    "SUSE": _suse,
    "Debian": _debian,
    "Mandriva": _distrib_release,
    "NA": _na,
    "Coreos": _coreos,
    "Flatcar": _flatcar,
    "ClearLinux": _clearlinux,
    "CentOS": _centos,
}
