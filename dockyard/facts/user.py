"""Who runs the commands, their environment, Python and the clock.

- ``user_*``: Ansible's ``getpass.getuser()`` (``LOGNAME``, ``USER``, ``LNAME``,
  ``USERNAME``, else the passwd name of the real uid) and that user's passwd
  entry; uids and gids from ``/proc/self/status`` (or ``id``).
- ``env``: the environment a child of the login shell sees (``/proc/self/environ``).
- ``python``: the interpreter Ansible's discovery would pick, from ``-V`` only
  (no Python code runs): ``has_sslcontext`` is assumed true and ``type`` is
  ``cpython`` unless it says PyPy. Without any Python the key is left out.
- ``date_time``: one ``date`` call; the UTC keys are computed here from its epoch.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from dockyard.facts.base import Document, Facts

__all__ = ["date_time_facts", "env_facts", "python_facts", "user_facts"]

_PYTHON_VERSION = re.compile(r"Python (\d+)\.(\d+)\.(\d+)(?:(a|b|rc)(\d+))?")
_RELEASE_LEVEL = {"a": "alpha", "b": "beta", "rc": "candidate"}


def env_facts(doc: Document) -> Facts:
    """``env``: name -> value; the first definition wins, as in Python's os.environ."""
    env: dict[str, str] = {}
    if "env0" in doc:
        entries = (doc.text("env0") or "").split("\0")
    else:
        entries = (doc.text("env") or "").splitlines()
    for entry in entries:
        name, sep, value = entry.partition("=")
        if sep and name:
            env.setdefault(name, value)
    return {"env": env}


def _ids(doc: Document) -> dict[str, int]:
    """real/effective uid and gid."""
    ids: dict[str, int] = {}
    for line in doc.file_lines("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid"):
            real, effective = (int(v) for v in value.split()[:2])
            ids[f"real_{key.lower()}"], ids[f"effective_{key.lower()}"] = real, effective
    if not ids:
        found: dict[str, str] = dict(re.findall(r"(\w+)=(\d+)", doc.output("id") or ""))
        if "uid" not in found or "gid" not in found:
            raise doc.error("id", "no uid/gid in /proc/self/status or `id` output")
        ids = {
            "real_uid": int(found["uid"]),
            "effective_uid": int(found.get("euid", found["uid"])),
            "real_gid": int(found["gid"]),
            "effective_gid": int(found.get("egid", found["gid"])),
        }
    return ids


def _passwd_entry(doc: Document, name: str | None, uid: int) -> list[str] | None:
    lines = doc.lines("passwd") or doc.lines("passwd_file")
    entries = [line.split(":") for line in lines if line.count(":") >= 6]
    for entry in entries:
        if name is not None and entry[0] == name:
            return entry
    for entry in entries:
        if entry[2] == str(uid):
            return entry
    return None


def user_facts(doc: Document, env: dict[str, str]) -> Facts:
    """user_id, user_uid, user_gid, user_gecos, user_dir, user_shell and the numeric ids."""
    ids = _ids(doc)
    name = next((env[k] for k in ("LOGNAME", "USER", "LNAME", "USERNAME") if env.get(k)), None)
    entry = _passwd_entry(doc, name, ids["real_uid"])
    if entry is None:
        raise doc.error("passwd", f"no passwd entry for user {name!r} or uid {ids['real_uid']}")
    return {
        "user_id": name if name is not None else entry[0],
        "user_uid": int(entry[2]),
        "user_gid": int(entry[3]),
        "user_gecos": entry[4],
        "user_dir": entry[5],
        "user_shell": entry[6],
        "real_user_id": ids["real_uid"],
        "effective_user_id": ids["effective_uid"],
        "real_group_id": ids["real_gid"],
        "effective_group_id": ids["real_gid"],  # sic: ansible-core reports getgid() here
    }


def python_facts(doc: Document) -> Facts:
    """``python`` and ``python_version``, or nothing when no usable Python was found."""
    lines = doc.lines("python")
    match = _PYTHON_VERSION.search("\n".join(lines[1:]))
    if not lines or not lines[0].startswith("/") or match is None:
        return {}
    major, minor, micro = (int(match.group(i)) for i in (1, 2, 3))
    level = _RELEASE_LEVEL.get(match.group(4) or "", "final")
    serial = int(match.group(5) or 0)
    python: dict[str, Any] = {
        "version": {
            "major": major,
            "minor": minor,
            "micro": micro,
            "releaselevel": level,
            "serial": serial,
        },
        "version_info": [major, minor, micro, level, serial],
        "executable": lines[0],
        "has_sslcontext": True,
        "type": "pypy" if "PyPy" in "\n".join(lines) else "cpython",
    }
    return {"python": python, "python_version": f"{major}.{minor}.{micro}"}


def _tz_dst(doc: Document, tz: str) -> str:
    """``time.tzname[1]``: CPython takes the zone of July, or of January if that is ahead."""
    samples = [line.split("|") for line in doc.lines("date")[1:3]]
    if len(samples) != 2 or any(len(s) != 2 for s in samples):
        return tz
    (jan_offset, jan_name), (jul_offset, jul_name) = samples
    return jan_name if _minutes(jan_offset) > _minutes(jul_offset) else jul_name


def _minutes(offset: str) -> int:
    sign = -1 if offset.startswith("-") else 1
    digits = offset.lstrip("+-")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4])) if len(digits) >= 4 else 0


def date_time_facts(doc: Document) -> Facts:
    """``date_time`` with Ansible's keys, all strings."""
    lines = doc.lines("date")
    fields = lines[0].split("|") if lines else []
    if len(fields) != 13 or not fields[9].isdigit():
        raise doc.error("date", f"unexpected `date` output {lines[:1]!r}")
    year, month, weekday, weekday_number, weeknumber, day, hour, minute, second = fields[:9]
    epoch, nanos, tz, tz_offset = fields[9:]
    micro = nanos[:6] if nanos.isdigit() else "000000"
    utc = datetime.fromtimestamp(int(epoch), tz=UTC)
    return {
        "date_time": {
            "year": year,
            "month": month,
            "weekday": weekday,
            "weekday_number": weekday_number,
            "weeknumber": weeknumber,
            "day": day,
            "hour": hour,
            "minute": minute,
            "second": second,
            "epoch": epoch,
            "epoch_int": epoch,
            "date": f"{year}-{month}-{day}",
            "time": f"{hour}:{minute}:{second}",
            "iso8601_micro": utc.strftime("%Y-%m-%dT%H:%M:%S.") + micro + "Z",
            "iso8601": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "iso8601_basic": f"{year}{month}{day}T{hour}{minute}{second}{micro}",
            "iso8601_basic_short": f"{year}{month}{day}T{hour}{minute}{second}",
            "tz": tz,
            "tz_dst": _tz_dst(doc, tz),
            "tz_offset": tz_offset,
        }
    }
