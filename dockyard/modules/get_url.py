"""get_url: download a file on the target itself, with curl or wget (``ansible.builtin.get_url``).

Arguments::

    - get_url:
        url: https://example.org/tool-1.2.tar.gz
        dest: /opt/tool-1.2.tar.gz          # a file, or a directory (the URL's file name is used)
        checksum: "sha256:9f86d08..."       # ALGO:HEX or ALGO:URL-of-a-checksum-file
        force: false                        # true: download again when the content changed
        mode: "0644"
        owner: root
        group: root
        timeout: 10
        headers: {Authorization: "token ..."}
        url_username: me                    # alias username
        url_password: secret                # alias password
        validate_certs: true

The controller never sees the file: the target downloads it with ``curl`` (else
``wget``), into a temp file beside ``dest``, checks the checksum, sets mode and owner,
and renames it into place. Without ``force`` an existing ``dest`` is left alone (unless
its checksum differs). With ``force``, the probe streams the URL through ``sha256sum``
(nothing is written) and a download is planned only when the content differs.
Credentials and headers reach curl/wget through a config file fed on stdin, never on
a command line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.base import Action, Diff, HostModule, ModuleContext, Step, q
from dockyard.modules.paths import PathState, attribute_steps, normalize_mode
from dockyard.modules.registry import register
from dockyard.modules.system import (
    Section,
    parse_sections,
    parse_stat,
    sections_probe,
    stat_snippet,
)

__all__ = ["GetUrlArgs", "GetUrlModule", "GetUrlState", "fetch_command", "parse_checksum_file"]

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
TOOL = "if command -v curl >/dev/null; then echo curl; elif command -v wget >/dev/null; then echo wget; fi"


@dataclass(frozen=True)
class GetUrlArgs:
    url: str = arg(required=True, doc="http, https or ftp URL")
    dest: str = arg(required=True, doc="file, or directory to download into")
    checksum: str = arg("", doc="ALGORITHM:HEX or ALGORITHM:URL of a checksum file")
    force: bool = arg(False, doc="download again and replace when the content differs")
    mode: Any = arg(None, doc="octal or symbolic mode of dest")
    owner: str | None = arg(None, doc="owner of dest")
    group: str | None = arg(None, doc="group of dest")
    timeout: int = arg(10, doc="seconds for the whole transfer")
    headers: dict[str, Any] | None = arg(None, doc="extra HTTP headers")
    url_username: str | None = arg(None, aliases=("username",), doc="user for HTTP basic auth")
    url_password: str | None = arg(None, aliases=("password",), no_log=True, doc="its password")
    validate_certs: bool = arg(True, doc="verify the server's TLS certificate")


@dataclass(frozen=True)
class GetUrlState:
    """``path`` is the file dest resolves to; ``digest`` its checksum (requested algorithm)."""

    path: str
    file: PathState = field(default_factory=lambda: PathState(""))
    tool: str = ""
    digest: str = ""
    expected: str = ""
    stale: bool = False


def _checksum(args: GetUrlArgs) -> tuple[str, str]:
    """("sha256", "HEX-or-URL") from ``checksum``, or ("", "")."""
    if not args.checksum:
        return "", ""
    algorithm, sep, value = args.checksum.partition(":")
    algorithm = algorithm.strip().lower()
    if not sep or algorithm not in ALGORITHMS or not value.strip():
        raise ModuleError(f"invalid checksum {args.checksum!r}",
                          hint=f"write ALGORITHM:VALUE with ALGORITHM one of {', '.join(ALGORITHMS)}")
    return algorithm, value.strip()


def _has_secrets(args: GetUrlArgs) -> bool:
    return bool(args.url_username or args.url_password or args.headers)


def _config(args: GetUrlArgs, tool: str) -> str:
    """A curl -K / wget --config file with credentials and headers (never on a command line)."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = []
    for name, value in (args.headers or {}).items():
        header = f"{name}: {value}"
        lines.append(f"header = {quoted(header)}" if tool == "curl" else f"header = {header}")
    if args.url_username or args.url_password:
        if tool == "curl":
            credentials = f"{args.url_username or ''}:{args.url_password or ''}"
            lines.append(f"user = {quoted(credentials)}")
        else:
            lines += [f"user = {args.url_username or ''}", f"password = {args.url_password or ''}"]
    return "\n".join(lines) + "\n" if lines else ""


def fetch_command(tool: str, url: str, out: str, *, timeout: int, insecure: bool, config: str = "") -> str:
    """curl/wget fetching ``url`` into the shell word ``out`` (``-`` for stdout)."""
    if tool == "curl":
        flags = f"-fsSL --max-time {int(timeout)}" + (" -k" if insecure else "")
        flags += f" -K {config}" if config else ""
        return f"curl {flags} -o {out} {q(url)}"
    flags = f"-q -T {int(timeout)}" + (" --no-check-certificate" if insecure else "")
    flags += f" --config={config}" if config else ""
    return f"wget {flags} -O {out} {q(url)}"


def _resolve(args: GetUrlArgs) -> str:
    """Shell setting $f to the file dest names (dest itself, or dest/BASENAME for a directory)."""
    base = posixpath.basename(unquote(urlparse(args.url).path))
    inside = q(posixpath.join(args.dest, base)) if base else "''"
    return f"if [ -d {q(args.dest)} ]; then f={inside}; else f={q(args.dest)}; fi"


def _probe_snippets(args: GetUrlArgs) -> dict[str, str]:
    algorithm, value = _checksum(args)
    resolve = _resolve(args)
    snippets = {"tool": TOOL, "path": f"{resolve}; printf '%s\\n' \"$f\"",
                "stat": f"{resolve}; {stat_snippet('$f')}"}
    if algorithm:
        snippets["digest"] = f"{resolve}; [ -f \"$f\" ] && {algorithm}sum -- \"$f\" | cut -d' ' -f1"

    def fetch(url: str) -> str:
        curl = fetch_command("curl", url, "-", timeout=args.timeout, insecure=not args.validate_certs)
        wget = fetch_command("wget", url, "-", timeout=args.timeout, insecure=not args.validate_certs)
        return f"t=$({TOOL}); [ -n \"$t\" ] && case $t in curl) {curl};; wget) {wget};; esac"

    if "://" in value:
        snippets["checksum-file"] = fetch(value)
    if args.force:
        snippets["remote"] = f"{fetch(args.url)} | sha256sum | cut -d' ' -f1"
        snippets["local-sha256"] = f"{resolve}; [ -f \"$f\" ] && sha256sum -- \"$f\" | cut -d' ' -f1"
    return snippets


def parse_checksum_file(text: str, filename: str) -> str:
    """The digest for ``filename`` in a ``sha256sum``-style file (or the only digest in it)."""
    digests = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) == 1:
            digests.append(parts[0])
        elif parts[1].lstrip("*").lstrip("./") == filename:
            return parts[0].lower()
    if len(digests) == 1:
        return digests[0].lower()
    raise ModuleError(f"no checksum for {filename} in the checksum file")


def parse_state(args: GetUrlArgs, sections: Mapping[str, Section]) -> GetUrlState:
    path = sections["path"].text.strip()
    if not path:
        raise ModuleError(f"{args.dest} is a directory and the URL has no file name",
                          hint="give dest as a full file path")
    _, value = _checksum(args)
    expected = value.lower()
    if "checksum-file" in sections:
        expected = parse_checksum_file(sections["checksum-file"].text, posixpath.basename(path))
    digest = sections["digest"].text.strip() if "digest" in sections else ""
    stale = "remote" in sections and sections["remote"].text.strip() != sections["local-sha256"].text.strip()
    return GetUrlState(path, parse_stat(path, sections["stat"]), sections["tool"].text.strip(),
                       digest, expected, stale)


def _install_lines(args: GetUrlArgs, current: GetUrlState) -> list[str]:
    """chmod/chown the temp file like the file it replaces (or as asked), then rename."""
    lines = []
    mode = normalize_mode(args.mode, current.file.mode if current.file.exists else "0644")
    if mode is not None:
        lines.append(f'chmod {mode} "$t"')
    else:
        lines.append('if [ -e "$f" ]; then chmod "$(stat -c %a "$f")" "$t"; '
                     'else chmod "$(printf %o $((0666 & ~$(umask))))" "$t"; fi')
    if args.owner or args.group:
        spec = q(args.owner or "") + (":" + q(args.group) if args.group else "")
        lines.append(f'chown {spec} "$t"')
    else:
        lines.append('if [ -e "$f" ]; then chown "$(stat -c %u:%g "$f")" "$t" 2>/dev/null || true; fi')
    lines += ['mv -f "$t" "$f"', "trap - EXIT HUP INT TERM PIPE"]
    return lines


def download_step(args: GetUrlArgs, current: GetUrlState) -> Step:
    """One step: fetch into a temp file beside dest, verify, set attributes, rename."""
    config = _config(args, current.tool)
    lines = [
        "set -e",
        f"f={q(current.path)}",
        't=$(mktemp "$(dirname -- "$f")/.dockyard-get.XXXXXXXX")',
        "c=/dev/null",
        """trap 'rm -f "$t"; [ "$c" = /dev/null ] || rm -f "$c"' EXIT""",
        "trap 'exit 1' HUP INT TERM PIPE",
    ]
    if config:
        lines.append('c=$(mktemp); cat > "$c"')
    lines.append(fetch_command(current.tool, args.url, '"$t"', timeout=args.timeout,
                               insecure=not args.validate_certs, config='"$c"' if config else ""))
    algorithm, _ = _checksum(args)
    if algorithm:
        lines.append(f'got=$({algorithm}sum -- "$t" | cut -d" " -f1); if [ "$got" != {q(current.expected)} ]; '
                     f'then echo "checksum mismatch for {args.url}: expected {current.expected}, got $got" >&2; '
                     "exit 1; fi")
    lines += _install_lines(args, current)
    before = "absent\n" if not current.file.exists else f"{current.path} ({current.file.size} bytes)\n"
    return Step(Action.UPDATE if current.file.exists else Action.CREATE,
                f"download {args.url} to {current.path}", "\n".join(lines), stdin=config.encode(),
                diff=Diff(before, f"downloaded from {args.url}\n", current.path, current.path),
                sensitive=bool(config))


@register
class GetUrlModule(HostModule[GetUrlArgs, GetUrlState]):
    name = "get_url"
    Args = GetUrlArgs

    def probe(self, args: GetUrlArgs, ctx: ModuleContext) -> str:
        if urlparse(args.url).scheme not in ("http", "https", "ftp"):
            raise ModuleError(f"unsupported URL {args.url!r}", hint="use an http, https or ftp URL")
        _, value = _checksum(args)
        if (args.force or "://" in value) and _has_secrets(args):
            raise ModuleError("force or a checksum URL cannot be combined with credentials or headers",
                              hint="the probe would have to put them on a command line; "
                              "give the checksum as ALGORITHM:HEX")
        return sections_probe(_probe_snippets(args))

    def parse(self, args: GetUrlArgs, output: CommandResult | None, ctx: ModuleContext) -> GetUrlState:
        return parse_state(args, parse_sections(output, what=f"{args.dest} on {ctx.host}"))

    def desired(self, args: GetUrlArgs, ctx: ModuleContext) -> GetUrlState:
        return GetUrlState(args.dest)

    def steps(self, current: GetUrlState, desired: GetUrlState, args: GetUrlArgs) -> list[Step]:
        if current.file.kind == "directory":
            raise ModuleError(f"{current.path} is a directory", hint="give dest as a file path")
        wrong_sum = bool(current.expected) and current.digest.lower() != current.expected
        if current.file.exists and not wrong_sum and not current.stale:
            mode = normalize_mode(args.mode, current.file.mode)
            return attribute_steps(current.file, current.path, mode=mode, owner=args.owner, group=args.group)
        if not current.tool:
            raise ModuleError("get_url needs curl or wget on the host, and it has neither",
                              hint="install one first, e.g. package: {name: curl, state: present}")
        return [download_step(args, current)]

    def result(self, args: GetUrlArgs, current: GetUrlState, desired: GetUrlState,
               steps: Sequence[Step], ran: Sequence[CommandResult]) -> dict[str, Any]:
        downloaded = any(step.summary.startswith("download ") for step in steps)
        fields: dict[str, Any] = {"url": args.url, "dest": current.path, "state": "file",
                                  "msg": "OK" if downloaded else "file already exists"}
        if current.expected:
            fields["checksum_src"] = current.expected
        return fields
