"""Package and service managers: ports of ansible-core's ``pkg_mgr`` and ``service_mgr``.

Both are decided from which paths and commands exist (the script's ``exists``
and ``which`` sections), ``/proc/1/comm`` and the ``/sbin/init`` symlink.
"""

from __future__ import annotations

from dockyard.facts.base import Document, Facts

__all__ = ["pkg_mgr_facts", "service_mgr_facts"]

# (path, name); when several exist the last one wins, as in ansible-core.
_PKG_MGRS = (
    ("/usr/bin/rpm-ostree", "atomic_container"),
    ("/usr/bin/yum", "dnf"),
    ("/usr/bin/dnf-3", "dnf"),
    ("/usr/bin/dnf5", "dnf5"),
    ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/zypper", "zypper"),
    ("/usr/sbin/urpmi", "urpmi"),
    ("/usr/bin/pacman", "pacman"),
    ("/bin/opkg", "opkg"),
    ("/usr/pkg/bin/pkgin", "pkgin"),
    ("/opt/local/bin/pkgin", "pkgin"),
    ("/opt/tools/bin/pkgin", "pkgin"),
    ("/opt/local/bin/port", "macports"),
    ("/usr/local/bin/brew", "homebrew"),
    ("/opt/homebrew/bin/brew", "homebrew"),
    ("/sbin/apk", "apk"),
    ("/usr/sbin/pkg", "pkgng"),
    ("/usr/sbin/swlist", "swdepot"),
    ("/usr/bin/emerge", "portage"),
    ("/usr/sbin/pkgadd", "svr4pkg"),
    ("/usr/bin/pkg", "pkg5"),
    ("/usr/bin/xbps-install", "xbps"),
    ("/usr/local/sbin/pkg", "pkgng"),
    ("/usr/bin/swupd", "swupd"),
    ("/usr/sbin/sorcery", "sorcery"),
    ("/usr/bin/installp", "installp"),
)
_PROC_1_NAMES = {
    "procd": "openwrt_init",
    "runit-init": "runit",
    "svscan": "svc",
    "openrc-init": "openrc",
}


def has_command(doc: Document, name: str) -> bool:
    """Whether the script found ``name`` on PATH (or in an sbin directory)."""
    return any(line.split(" ", 1)[0] == name for line in doc.lines("which"))


def pkg_mgr_facts(doc: Document, os_family: str) -> Facts:
    """``pkg_mgr``: the package manager Ansible's ``package`` module would use."""
    name = "unknown"
    for path, candidate in _PKG_MGRS:
        if os_family == "Altlinux" and path == "/usr/bin/pkg":
            continue
        if doc.exists(path):
            name = candidate
    if os_family == "RedHat":
        name = _redhat_pkg_mgr(doc)
    elif os_family == "Debian" and name != "apt":
        name = "apt"
    elif os_family == "Altlinux" and name == "apt":
        name = "apt_rpm"
    if name == "apt" and doc.exists("/usr/bin/rpm"):
        name = "apt_rpm" if doc.rc("rpm_apt") == 0 else "apt"
    return {"pkg_mgr": name}


def _redhat_pkg_mgr(doc: Document) -> str:
    if doc.exists("/run/ostree-booted"):
        return "atomic_container"
    for path in ("/usr/bin/dnf", "/usr/bin/microdnf"):
        if doc.exists(path):
            real = (doc.text(f"realpath:{path}") or "").strip()
            return "dnf5" if real == "/usr/bin/dnf5" else "dnf"
    return "unknown"


def _proc_1(doc: Document) -> str | None:
    proc_1 = doc.file("/proc/1/comm")
    if proc_1 is None and "init_link" in doc:
        proc_1 = (doc.text("init_link") or "").strip() or None
    if proc_1 is None:
        return None
    proc_1 = proc_1.rsplit("/", 1)[-1].strip()
    if proc_1 == "init" or proc_1.endswith("sh"):
        return None  # "init" says nothing; "...sh" is a shell as PID 1 in a container
    return proc_1


def service_mgr_facts(doc: Document, system: str, distribution: str) -> Facts:
    """``service_mgr``: what PID 1 is, or what the installed init tools suggest."""
    proc_1 = _proc_1(doc)
    if proc_1 is not None:
        return {"service_mgr": _PROC_1_NAMES.get(proc_1, proc_1)}
    name = None
    if distribution == "MacOSX":
        name = "launchd"
    elif "BSD" in system or system in ("Bitrig", "DragonFly"):
        name = "bsdinit"
    elif system in ("AIX", "SunOS"):
        name = "src" if system == "AIX" else "smf"
    elif distribution in ("OpenWrt", "SMGL"):
        name = "openwrt_init" if distribution == "OpenWrt" else "simpleinit_msb"
    elif system == "Linux":
        name = _linux_service_mgr(doc)
    return {"service_mgr": name or "service"}


def _linux_service_mgr(doc: Document) -> str | None:
    systemctl = has_command(doc, "systemctl")
    canaries = ("/run/systemd/system/", "/dev/.run/systemd/", "/dev/.systemd/")
    if systemctl and any(doc.exists(path) for path in canaries):
        return "systemd"
    if has_command(doc, "initctl") and doc.exists("/etc/init/"):
        return "upstart"
    if doc.exists("/sbin/openrc"):
        return "openrc"
    init_link = (doc.text("init_link") or "").strip()
    if systemctl and init_link.rsplit("/", 1)[-1] == "systemd":
        return "systemd"
    if doc.exists("/etc/init.d/"):
        return "sysvinit"
    if doc.exists("/etc/dinit.d/"):
        return "dinit"
    return None
