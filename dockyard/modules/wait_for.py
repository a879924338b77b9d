"""wait_for: wait on the target until a port or a file is in a given state (``ansible.builtin.wait_for``).

Arguments::

    - wait_for:
        port: 8080                 # or path: /var/run/app.ready
        host: 127.0.0.1            # as seen from the target
        state: started             # started | present | stopped | absent | drained
        search_regex: "ready"      # path: a line of the file must match (grep -E)
        timeout: 300
        delay: 0                   # seconds before the first check
        sleep: 1                   # seconds between checks
        connect_timeout: 5
        exclude_hosts: []          # drained: connections from these don't count
        msg: "app did not start"   # the failure message instead of the default

The wait is the probe: one shell loop on the target, read-only, so the task never
reports a change (as in Ansible). In check mode it does not wait and reports
``skipped``, like Ansible, since what it waits for may only happen on a real run.

Port checks without Python and without bash-isms: ``nc -z`` when the host has nc; else
``bash``'s /dev/tcp when bash exists; else (a local host only) a listening socket in
``/proc/net/tcp{,6}``. ``drained`` counts connections to the port in /proc/net/tcp.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import HostModule, ModuleContext, Step, q
from dockyard.modules.registry import register

__all__ = ["WaitForArgs", "WaitForModule", "WaitResult", "parse_wait", "proc_net_hex", "to_ere", "wait_script"]

TCP_STATES = {"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03", "FIN_WAIT1": "04",
              "FIN_WAIT2": "05", "TIME_WAIT": "06", "CLOSE": "07", "CLOSE_WAIT": "08",
              "LAST_ACK": "09", "LISTEN": "0A", "CLOSING": "0B"}
ACTIVE = ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV", "SYN_SENT", "TIME_WAIT"]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "0.0.0.0", "::1", "::", "")
_PROC_NET = "cat /proc/net/tcp /proc/net/tcp6 2>/dev/null"


@dataclass(frozen=True)
class WaitForArgs:
    host: str = arg("127.0.0.1", doc="host to connect to, as seen from the target")
    port: int | None = arg(None, doc="TCP port to wait for")
    path: str | None = arg(None, doc="file to wait for")
    state: str = arg("started", choices=("absent", "drained", "present", "started", "stopped"),
                     doc="started/present, stopped/absent, or drained (port only)")
    search_regex: str | None = arg(None, doc="wait until a line of the file (or data from the port) matches (grep -E)")
    timeout: int = arg(300, doc="seconds to wait at most")
    delay: int = arg(0, doc="seconds before the first check")
    sleep: int = arg(1, doc="seconds between checks")
    connect_timeout: int = arg(5, doc="seconds for one connection attempt")
    exclude_hosts: list[str] | None = arg(None, doc="drained: ignore connections from these addresses")
    active_connection_states: list[str] = arg(list(ACTIVE), doc="drained: states that count as active")
    msg: str | None = arg(None, doc="message when the wait times out")


@dataclass(frozen=True)
class WaitResult:
    """How the wait ended: ok, timeout, unsupported or skipped; seconds; matching lines."""

    outcome: str = "skipped"
    elapsed: int = 0
    matched: tuple[str, ...] = field(default_factory=tuple)


def proc_net_hex(address: str) -> list[str]:
    """An address as /proc/net/tcp{,6} print it (little-endian words), IPv4 also as mapped IPv6."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        v4 = ip.packed[::-1].hex().upper()
        return [v4, "0000000000000000FFFF0000" + v4]
    packed = ip.packed
    return ["".join(packed[i:i + 4][::-1].hex().upper() for i in range(0, 16, 4))]


_TOKENS = re.compile(r"(\\.|\(\?P<[^>]*>|\(\?:|\[|\])")


def to_ere(regex: str) -> str:
    """A Python regex as a POSIX extended one (grep -E): ``\\d``, ``\\D``, ``(?P<n>``, ``(?:``."""
    out: list[str] = []
    in_class = False
    for token in _TOKENS.split(regex):
        if token == "\\d":
            out.append("0-9" if in_class else "[0-9]")
        elif token == "\\D" and not in_class:
            out.append("[^0-9]")
        elif token.startswith(("(?P<", "(?:")) and not in_class:
            out.append("(")
        else:
            if token == "[":
                in_class = True
            elif token == "]":
                in_class = False
            out.append(token)
    return "".join(out)


def _port_condition(args: WaitForArgs) -> str:
    """Shell defining ``check`` for a port: open (started) or closed (stopped)."""
    host, port, ct = q(args.host), int(args.port or 0), int(args.connect_timeout)
    hex_port = f":{port:04X}"
    listening = (f"{_PROC_NET} | awk -v p={hex_port} "
                 "'$4 == \"0A\" && substr($2, length($2) - 4) == p {f = 1} END {exit !f}'")
    local = args.host in LOCAL_HOSTS and not args.search_regex
    connect = "exec 3<>\"/dev/tcp/$0/$1\""
    nc = f"nc -z -w {ct} {host} {port} >/dev/null 2>&1"
    bash = f"timeout {ct} bash -c '{connect}' {host} {port} >/dev/null 2>&1"
    if args.search_regex:
        regex = q(to_ere(args.search_regex))
        nc = f"nc -w {ct} {host} {port} </dev/null 2>/dev/null | grep -Eq -- {regex}"
        bash = f"timeout {ct} bash -c '{connect}; grep -Eq -- \"$2\" <&3' {host} {port} {regex} 2>/dev/null"
    lines = [
        "if command -v nc >/dev/null 2>&1; then m=nc",
        "elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then m=bash",
        f"elif {'true' if local else 'false'}; then m=proc",
        "else echo 'wait_for unsupported'; exit 0; fi",
        f"is_open() {{ case $m in nc) {nc};; bash) {bash};; proc) {listening};; esac; }}",
    ]
    check = "is_open" if args.state in ("started", "present") else "! is_open"
    return "\n".join([*lines, f"check() {{ {check}; }}"])


def _drained_condition(args: WaitForArgs) -> str:
    states = " ".join(TCP_STATES[name.upper()] for name in args.active_connection_states)
    skip = " ".join(h for host in args.exclude_hosts or [] for h in proc_net_hex(host))
    program = ("'BEGIN {n = split(s, a, \" \"); for (i = 1; i <= n; i++) ok[a[i]] = 1; "
               "n = split(x, b, \" \"); for (i = 1; i <= n; i++) skip[b[i]] = 1} "
               "ok[$4] && substr($2, length($2) - 4) == p {split($3, r, \":\"); if (!(r[1] in skip)) c++} "
               "END {exit c > 0 ? 0 : 1}'")
    active = (f"{_PROC_NET} | awk -v p=:{int(args.port or 0):04X} -v s={q(states)} -v x={q(skip)} {program}")
    return f"check() {{ ! {active}; }}"


def _path_condition(args: WaitForArgs) -> str:
    path = q(args.path or "")
    if args.state in ("absent", "stopped"):
        return f"check() {{ [ ! -e {path} ]; }}"
    if args.search_regex:
        return f"check() {{ [ -r {path} ] && grep -Eq -- {q(to_ere(args.search_regex))} {path}; }}"
    return f"check() {{ [ -e {path} ]; }}"


def wait_script(args: WaitForArgs) -> str:
    """The probe: check every ``sleep`` seconds until the condition holds or time runs out."""
    if args.port is None and args.path is None and args.state != "drained":
        condition = f"check() {{ sleep {int(args.timeout)}; }}"
    elif args.state == "drained":
        condition = _drained_condition(args)
    elif args.path is not None:
        condition = _path_condition(args)
    else:
        condition = _port_condition(args)
    show = ""
    if args.path and args.search_regex:
        show = f"; grep -E -- {q(to_ere(args.search_regex))} {q(args.path)} | head -n 100"
    return "\n".join([
        condition,
        f"sleep {int(args.delay)}" if args.delay else ":",
        "start=$(date +%s); end=$((start + " + str(int(args.timeout)) + "))",
        "while :; do",
        f"  if check; then echo \"wait_for ok $(($(date +%s) - start))\"{show}; exit 0; fi",
        "  now=$(date +%s)",
        "  if [ \"$now\" -ge \"$end\" ]; then echo \"wait_for timeout $((now - start))\"; exit 0; fi",
        f"  sleep {max(int(args.sleep), 0)}",
        "done",
    ])


def parse_wait(output: CommandResult) -> WaitResult:
    first, _, rest = output.text().partition("\n")
    words = first.split()
    if len(words) < 2 or words[0] != "wait_for":
        raise ModuleError(f"wait_for: unexpected output: {output.tail()}")
    elapsed = int(words[2]) if len(words) > 2 and words[2].isdigit() else 0
    return WaitResult(words[1], elapsed, tuple(rest.splitlines()))


def _timeout_message(args: WaitForArgs) -> str:
    if args.msg:
        return args.msg
    where = f"{args.host}:{args.port}"
    if args.state == "drained":
        return f"Timeout when waiting for {where} to drain"
    if args.path is not None:
        if args.state in ("absent", "stopped"):
            return f"Timeout when waiting for {args.path} to be absent."
        if args.search_regex:
            return f"Timeout when waiting for search string {args.search_regex} in {args.path}"
        return f"Timeout when waiting for file {args.path}"
    if args.state in ("absent", "stopped"):
        return f"Timeout when waiting for {where} to stop."
    return f"Timeout when waiting for {where}"


def _validate(args: WaitForArgs) -> None:
    if args.port is not None and args.path is not None:
        raise ModuleError("port and path parameter can not both be passed to wait_for")
    if args.path is not None and args.state in ("stopped", "drained"):
        raise ModuleError(f"state={args.state} should only be used for checking a port in the wait_for module")
    if args.exclude_hosts is not None and args.state != "drained":
        raise ModuleError("exclude_hosts should only be with state=drained")
    for name in args.active_connection_states:
        if name.upper() not in TCP_STATES:
            raise ModuleError(f"unknown active_connection_state ({name}) defined",
                              hint=f"choose from {', '.join(TCP_STATES)}")
    try:
        re.compile(args.search_regex or "")
        for host in args.exclude_hosts or []:
            proc_net_hex(host)
    except (re.error, ValueError) as error:
        raise ModuleError(f"wait_for: {error}") from None


@register
class WaitForModule(HostModule[WaitForArgs, WaitResult]):
    name = "wait_for"
    Args = WaitForArgs
    is_probe_batchable = False  # its probe waits for the host to change

    def probe(self, args: WaitForArgs, ctx: ModuleContext) -> str | None:
        _validate(args)
        return None if ctx.check else wait_script(args)

    def parse(self, args: WaitForArgs, output: CommandResult | None, ctx: ModuleContext) -> WaitResult:
        if output is None:
            return WaitResult()
        result = parse_wait(output)
        if result.outcome == "unsupported":
            raise ModuleError(f"wait_for cannot check {args.host}:{args.port} from {ctx.host}",
                              host=ctx.host, hint="the target needs nc or bash (with timeout) for a remote port")
        if result.outcome == "timeout":
            raise ModuleError(_timeout_message(args), host=ctx.host)
        return result

    def desired(self, args: WaitForArgs, ctx: ModuleContext) -> WaitResult:
        return WaitResult("ok")

    def steps(self, current: WaitResult, desired: WaitResult, args: WaitForArgs) -> list[Step]:
        return []

    def result(self, args: WaitForArgs, current: WaitResult, desired: WaitResult,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        if current.outcome == "skipped":
            return {"skipped": True, "msg": "wait_for does not wait in check mode"}
        fields: dict[str, Any] = {"elapsed": current.elapsed, "state": args.state, "port": args.port,
                                  "path": args.path, "search_regex": args.search_regex}
        if args.search_regex:
            pattern = re.compile(args.search_regex, re.MULTILINE)
            found = pattern.search("\n".join(current.matched))
            fields["match_groups"] = list(found.groups()) if found else []
            fields["match_groupdict"] = found.groupdict() if found else {}
        return fields
