"""Which Linux distribution: a port of ansible-core's ``distribution`` collector.

Ansible decides in two stages, and so do we, from the release files the script
dumped (no command runs on the target for this):

1. a guess from the bundled ``distro`` library: the ``ID``, version and codename
   of ``/etc/os-release``, ``lsb_release`` and the first ``/etc/*-release`` file
   (:class:`DistroInfo`);
2. Ansible's own list of release files (``OSDIST_LIST``), tried in order; the
   first one that parses names the distribution and may refine the version.

Not ported (rare, and each needs a probe of its own): Debian's ``dpkg --status
tzdata`` fallback for a missing codename, SUSE's ``/etc/products.d/baseproduct``
symlink, and the non-Linux systems (BSDs, Solaris, AIX, macOS), which report
``distribution`` = ``system`` here.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from dockyard.facts.base import Document, Facts
from dockyard.facts.distribution_files import OSDIST_LIST, parse_dist_file

__all__ = ["DistroInfo", "distribution_facts", "os_family"]

_RELEASE_NAME = re.compile(r"(\w+)[-_](release|version)$")
_RELEASE_CONTENT_REVERSED = re.compile(
    r"(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)"
)
_IGNORED_RELEASE_FILES = frozenset(
    {
        "debian_version",
        "lsb-release",
        "oem-release",
        "os-release",
        "system-release",
        "plesk-release",
        "iredmail-release",
        "board-release",
        "ec2_version",
    }
)
_OS_FAMILY_MAP: dict[str, tuple[str, ...]] = {
    "RedHat": (
        "RedHat",
        "RHEL",
        "Fedora",
        "CentOS",
        "Scientific",
        "SLC",
        "Ascendos",
        "CloudLinux",
        "PSBM",
        "OracleLinux",
        "OVS",
        "OEL",
        "Amazon",
        "Amzn",
        "Virtuozzo",
        "XenServer",
        "Alibaba",
        "EulerOS",
        "openEuler",
        "AlmaLinux",
        "Rocky",
        "TencentOS",
        "EuroLinux",
        "Kylin Linux Advanced Server",
        "MIRACLE",
    ),
    "Debian": (
        "Debian",
        "Ubuntu",
        "Raspbian",
        "Neon",
        "KDE neon",
        "Linux Mint",
        "SteamOS",
        "Devuan",
        "Kali",
        "Cumulus Linux",
        "Pop!_OS",
        "Parrot",
        "Pardus GNU/Linux",
        "Uos",
        "Deepin",
        "OSMC",
        "Linux Mint Debian Edition",
    ),
    "Suse": (
        "SuSE",
        "SLES",
        "SLED",
        "openSUSE",
        "openSUSE Tumbleweed",
        "SLES_SAP",
        "SUSE_LINUX",
        "openSUSE Leap",
        "ALP-Dolomite",
        "SL-Micro",
        "openSUSE MicroOS",
    ),
    "Archlinux": ("Archlinux", "Antergos", "Manjaro"),
    "Mandrake": ("Mandrake", "Mandriva"),
    "Solaris": ("Solaris", "Nexenta", "OmniOS", "OpenIndiana", "SmartOS"),
    "Slackware": ("Slackware",),
    "Altlinux": ("Altlinux",),
    "SMGL": ("SMGL",),
    "Gentoo": ("Gentoo", "Funtoo"),
    "Alpine": ("Alpine",),
    "AIX": ("AIX",),
    "HP-UX": ("HPUX",),
    "Darwin": ("MacOSX",),
    "FreeBSD": ("FreeBSD", "TrueOS"),
    "ClearLinux": ("Clear Linux OS", "Clear Linux Mix"),
    "DragonFly": ("DragonflyBSD", "DragonFlyBSD", "Gentoo/DragonflyBSD", "Gentoo/DragonFlyBSD"),
    "NetBSD": ("NetBSD",),
}
_OS_FAMILY = {name: family for family, names in _OS_FAMILY_MAP.items() for name in names}


def os_family(distribution: str) -> str:
    """Ansible's ``os_family`` for a distribution name (the name itself if unknown)."""
    return _OS_FAMILY.get(distribution) or distribution


def parse_os_release(text: str) -> dict[str, str]:
    """``/etc/os-release`` the way ``distro`` reads it (shell-like, keys lower-cased)."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    props: dict[str, str] = {}
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote: keep what parses line by line
        tokens = [t for line in text.splitlines() for t in _safe_split(line)]
    for token in tokens:
        if "=" in token:
            key, value = token.split("=", 1)
            props[key.lower()] = value
    if "version" in props:
        match = re.search(r"\((\D+)\)|,\s*(\D+)", props["version"])
        if match:
            props["codename"] = props["release_codename"] = match.group(1) or match.group(2)
    if "version_codename" in props:
        props["codename"] = props["version_codename"]
    elif "ubuntu_codename" in props:
        props["codename"] = props["ubuntu_codename"]
    return props


def _safe_split(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return []


def parse_release_line(line: str) -> dict[str, str]:
    """The first line of a ``/etc/*-release`` file: name, version_id, codename."""
    matches = _RELEASE_CONTENT_REVERSED.match(line.strip()[::-1])
    info: dict[str, str] = {}
    if matches:
        info["name"] = matches.group(3)[::-1]
        if matches.group(2):
            info["version_id"] = matches.group(2)[::-1]
        if matches.group(1):
            info["codename"] = matches.group(1)[::-1]
    elif line:
        info["name"] = line.strip()
    return info


@dataclass(frozen=True, slots=True)
class DistroInfo:
    """What the ``distro`` library would report, from the dumped files."""

    os_release: dict[str, str]
    lsb: dict[str, str]
    release_file: dict[str, str]
    debian_version: str

    @classmethod
    def from_document(cls, doc: Document) -> DistroInfo:
        path = "/etc/os-release"
        if not doc.exists(path) and doc.exists("/usr/lib/os-release"):
            path = "/usr/lib/os-release"
        lsb: dict[str, str] = {}
        if doc.raw_file("/etc/lsb-release") and _has_command(doc, "lsb_release"):
            lsb = _lsb_from_file(doc.raw_file("/etc/lsb-release") or "")
        debian = (doc.raw_file("/etc/debian_version") or "").split("\n", 1)[0].rstrip()
        return cls(parse_os_release(doc.raw_file(path) or ""), lsb, _release_file(doc), debian)

    def id(self) -> str:
        for value, table in (
            (self.os_release.get("id", ""), {"ol": "oracle", "opensuse-leap": "opensuse"}),
            (self.lsb.get("distributor_id", ""), {}),
            (self.release_file.get("id", ""), {"redhat": "rhel"}),
        ):
            if value:
                value = value.lower().replace(" ", "_")
                return table.get(value, value)
        return ""

    def version(self, best: bool = False) -> str:
        versions = [
            self.os_release.get("version_id", ""),
            self.lsb.get("release", ""),
            self.release_file.get("version_id", ""),
            parse_release_line(self.os_release.get("pretty_name", "")).get("version_id", ""),
            parse_release_line(self.lsb.get("description", "")).get("version_id", ""),
        ]
        if self.id() == "debian" or "debian" in self.os_release.get("id_like", "").split():
            versions.append(self.debian_version)
        version = ""
        for candidate in versions:
            if best and (candidate.count(".") > version.count(".") or version == ""):
                version = candidate
            elif not best and candidate:
                return candidate
        return version

    def codename(self) -> str | None:
        """``get_distribution_codename`` of ansible's ``sys_info``."""
        codename = self.os_release.get("version_codename")
        if codename is None:
            codename = self.os_release.get("ubuntu_codename")
        if codename is None and self.id() == "ubuntu":
            codename = self.lsb.get("codename")
        if codename is None:
            if "codename" in self.os_release:
                codename = self.os_release["codename"]
            else:
                codename = self.lsb.get("codename") or self.release_file.get("codename") or ""
            codename = codename or None
        return codename

    def guess(self) -> dict[str, str]:
        """Ansible's ``_guess_distribution``: the baseline before the release files."""
        name = self.id().capitalize()
        name = {"Amzn": "Amazon", "Rhel": "Redhat", "": "OtherLinux"}.get(name, name)
        distro_id = self.id()
        version = self.version()
        if distro_id == "centos":
            version = ".".join(self.version(best=True).split(".")[:2])
        elif distro_id == "debian":
            version = self.version(best=True)
        codename = self.codename()
        guess = {
            "distribution": name or "NA",
            "distribution_version": version or "NA",
            "distribution_release": "NA" if codename is None else codename,
        }
        guess["distribution_major_version"] = guess["distribution_version"].split(".")[0] or "NA"
        return guess


def _has_command(doc: Document, name: str) -> bool:
    return any(line.split(" ", 1)[0] == name for line in doc.lines("which"))


def _lsb_from_file(text: str) -> dict[str, str]:
    """``/etc/lsb-release`` (DISTRIB_*) as ``lsb_release -a`` would print it."""
    keys = {
        "DISTRIB_ID": "distributor_id",
        "DISTRIB_RELEASE": "release",
        "DISTRIB_CODENAME": "codename",
        "DISTRIB_DESCRIPTION": "description",
    }
    info: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in keys:
            info[keys[key.strip()]] = value.strip().strip("\"'")
    return info


def _release_file(doc: Document) -> dict[str, str]:
    """``distro``'s distro release file: the first matching ``/etc/*-release``, sorted."""
    candidates = sorted(
        (path[len("/etc/") :], content)
        for path, content in doc.files_named("/etc/")
        if "/" not in path[len("/etc/") :]
    )
    for basename, content in candidates:
        match = _RELEASE_NAME.match(basename)
        if basename in _IGNORED_RELEASE_FILES or match is None:
            continue
        info = parse_release_line(content.split("\n", 1)[0])
        if "name" not in info:
            continue
        info["id"] = match.group(1)
        if "cloudlinux" in info.get("name", "").lower():
            info["id"] = "cloudlinux"
        return info
    return {}


def distribution_facts(doc: Document, system: str, release: str, version: str) -> Facts:
    """``distribution*`` and ``os_family`` facts (without the ``ansible_`` prefix)."""
    facts: dict[str, object] = {
        "distribution": system,
        "distribution_release": release,
        "distribution_version": version,
    }
    if system == "Linux":
        info = DistroInfo.from_document(doc)
        facts.update(info.guess())
        facts.update(_process_dist_files(doc, info, facts))
    facts["os_family"] = os_family(str(facts["distribution"]))
    return facts


def _process_dist_files(doc: Document, info: DistroInfo, guess: dict[str, object]) -> Facts:
    found: dict[str, object] = dict(guess)
    for path, name, allow_empty in OSDIST_LIST:
        content = doc.file(path)
        if allow_empty and doc.exists(path):
            found.update(
                distribution=name, distribution_file_path=path, distribution_file_variety=name
            )
            break
        if content is None:
            continue
        parsed, extra = parse_dist_file(name, content, path, found, info, doc)
        if parsed:
            found.update(
                distribution=name,
                distribution_file_path=path,
                distribution_file_variety=name,
                distribution_file_parsed=True,
            )
            found.update(extra)
            break
    return found
