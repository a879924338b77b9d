"""get_url: what the probe finds at dest -> download or not; the download script itself."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.connection.base import CommandResult
from dockyard.errors import ModuleError
from dockyard.modules.args import validate
from dockyard.modules.base import ModuleContext
from dockyard.modules.get_url import GetUrlModule, fetch_command, parse_checksum_file
from dockyard.modules.system import render_sections

URL = "http://127.0.0.1:8000/files/tool.tar.gz"
SUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
FILE = "regular file|644|root|root|0|0|4"


def sections(stat: str = "absent", tool: str = "curl", extra: dict[str, tuple[str, int]] | None = None,
             **more: tuple[str, int]) -> CommandResult:
    data = {"tool": (tool + "\n", 0), "path": ("/opt/tool.tar.gz\n", 0), "stat": (stat + "\n", 0), **(extra or {}), **more}
    return CommandResult(0, render_sections(data), b"")


def plan(raw: dict[str, Any], out: CommandResult) -> list[Any]:
    module = GetUrlModule()
    args = validate(module.Args, {"url": URL, "dest": "/opt/tool.tar.gz", **raw}, module="get_url")
    ctx = ModuleContext(host="h")
    current = module.parse(args, out, ctx)
    return module.steps(current, module.desired(args, ctx), args)


def test_a_missing_file_is_downloaded_into_a_temp_file_then_renamed() -> None:
    (step,) = plan({}, sections())
    assert f"curl -fsSL --max-time 10 -o \"$t\" {URL}" in step.command
    assert step.command.index("curl") < step.command.index('mv -f "$t" "$f"')
    assert not step.stdin and not step.sensitive


def test_an_existing_file_without_checksum_or_force_is_left_alone() -> None:
    assert plan({}, sections(FILE)) == []
    (chmod,) = plan({"mode": "0600"}, sections(FILE))
    assert chmod.command == "chmod 0600 -- /opt/tool.tar.gz"


def test_a_checksum_decides() -> None:
    assert plan({"checksum": f"sha256:{SUM}"}, sections(FILE, digest=(SUM + "\n", 0))) == []
    (step,) = plan({"checksum": f"sha256:{SUM}"}, sections(FILE, digest=("00\n", 0)))
    assert f'[ "$got" != {SUM} ]' in step.command and "sha256sum" in step.command


def test_a_checksum_url_is_read_by_the_probe() -> None:
    listing = f"{SUM}  tool.tar.gz\n{'0' * 64}  other\n"
    assert plan({"checksum": "sha256:http://127.0.0.1:8000/SHA256SUMS"},
                sections(FILE, digest=(SUM + "\n", 0), extra={"checksum-file": (listing, 0)})) == []


def test_force_downloads_only_when_the_remote_content_differs() -> None:
    same = sections(FILE, remote=(SUM + "\n", 0), extra={"local-sha256": (SUM + "\n", 0)})
    assert plan({"force": True}, same) == []
    other = sections(FILE, remote=(SUM + "\n", 0), extra={"local-sha256": ("11\n", 0)})
    assert len(plan({"force": True}, other)) == 1


def test_wget_when_there_is_no_curl_and_an_error_when_neither() -> None:
    (step,) = plan({"validate_certs": False}, sections(tool="wget"))
    assert f"wget -q -T 10 --no-check-certificate -O \"$t\" {URL}" in step.command
    with pytest.raises(ModuleError, match="needs curl or wget") as error:
        plan({}, sections(tool=""))
    assert error.value.hint is not None and "curl" in error.value.hint


def test_credentials_and_headers_go_through_stdin_never_the_command_line() -> None:
    (step,) = plan({"url_username": "me", "url_password": "s3cret", "headers": {"X-Token": "t0k"}}, sections())
    assert "s3cret" not in step.command and "t0k" not in step.command
    assert step.stdin == b'header = "X-Token: t0k"\nuser = "me:s3cret"\n'
    assert step.sensitive and '-K "$c"' in step.command


def test_force_with_credentials_is_refused() -> None:
    args = validate(GetUrlModule.Args, {"url": URL, "dest": "/x", "force": True, "password": "p"},
                    module="get_url")
    with pytest.raises(ModuleError, match="cannot be combined"):
        GetUrlModule().probe(args, ModuleContext(host="h"))


@pytest.mark.parametrize(("checksum", "message"), [("sha256", "invalid checksum"), ("crc32:00", "invalid checksum")])
def test_bad_checksums(checksum: str, message: str) -> None:
    args = validate(GetUrlModule.Args, {"url": URL, "dest": "/x", "checksum": checksum}, module="get_url")
    with pytest.raises(ModuleError, match=message):
        GetUrlModule().probe(args, ModuleContext(host="h"))


def test_a_directory_dest_uses_the_urls_file_name() -> None:
    args = validate(GetUrlModule.Args, {"url": URL + "?x=1", "dest": "/opt"}, module="get_url")
    assert "f=/opt/tool.tar.gz" in GetUrlModule().probe(args, ModuleContext(host="h"))


def test_parse_checksum_file() -> None:
    assert parse_checksum_file(f"{SUM} *tool.tar.gz\n", "tool.tar.gz") == SUM
    assert parse_checksum_file(f"{SUM}\n", "anything") == SUM
    with pytest.raises(ModuleError, match="no checksum for x"):
        parse_checksum_file(f"{SUM}  y\n{SUM}  z\n", "x")


def test_fetch_command_quotes_the_url() -> None:
    assert fetch_command("curl", "http://h/a b;c", "-", timeout=5, insecure=False) == \
        "curl -fsSL --max-time 5 -o - 'http://h/a b;c'"
