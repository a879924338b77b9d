"""template on a real host: rendered with the host's variables, then copied like content.

Rendering goes through the engine's Templar (``render_file=templar.render_text``, as the
engine passes it); one test uses a plain Jinja2 ``render`` instead, for contexts that
only have that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
import pytest

from dockyard.connection import SSHConnection
from dockyard.errors import DockyardError, ModuleError
from dockyard.modules.base import ModuleContext
from dockyard.playbook.template import Templar
from tests.integration.modules.contract import assert_contract, file_snapshot, run
from tests.lab import LabHost

TEMPLATE = """# {{ ansible_managed }}
{% for port in ports %}
listen {{ port }}
{% endfor %}
    {% if tls %}
ssl on
    {% endif %}
"""


def renderer(variables: Mapping[str, Any]) -> Callable[[str], str]:
    environment = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True,
                                     undefined=jinja2.StrictUndefined)
    return lambda text: environment.from_string(text).render(variables)


def context(conn: SSHConnection, base: Path, **variables: Any) -> ModuleContext:
    """A context that renders like the engine: the playbook Templar's render_text."""
    templar = Templar(variables)
    return ModuleContext(host=conn.host, diff=True, search_paths=(base,),
                         render=lambda text: str(templar.render_text(text)), render_file=templar.render_text)


def plain_context(conn: SSHConnection, base: Path, **variables: Any) -> ModuleContext:
    """A context with only ``render`` (a Jinja2 environment with Ansible's defaults)."""
    return ModuleContext(host=conn.host, diff=True, search_paths=(base,), render=renderer(variables))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "site.conf.j2").write_text(TEMPLATE)
    return tmp_path


def test_render_contract(shared_host: LabHost, shared_conn: SSHConnection, base: Path) -> None:
    path = "/tmp/template-site.conf"
    shared_host.exec(f"rm -f {path}", check=True)
    ctx = context(shared_conn, base, ansible_managed="managed", ports=[80, 443], tls=False)
    first, _ = assert_contract(shared_conn, "template", {"src": "site.conf.j2", "dest": path, "mode": "0640"},
                               {"src": "site.conf.j2", "dest": path, "lstrip_blocks": True},
                               lambda: file_snapshot(shared_host, path), ctx=ctx)
    # without lstrip_blocks the blanks before "{% if %}" stay; the final newline is kept
    # (both checked against ansible-core's template module on the same template)
    assert shared_host.exec(f"cat {path}").stdout == "# managed\nlisten 80\nlisten 443\n    \n"
    assert first.result["dest"] == path and first.result["src"] == "site.conf.j2"
    tls = context(shared_conn, base, ansible_managed="m", ports=[], tls=True)
    run(shared_conn, "template", {"src": "site.conf.j2", "dest": path, "lstrip_blocks": True}, ctx=tls)
    assert shared_host.exec(f"cat {path}").stdout == "# m\nssl on\n"
    loose = run(shared_conn, "template", {"src": "site.conf.j2", "dest": path, "trim_blocks": False,
                                          "lstrip_blocks": True}, ctx=tls)
    assert shared_host.exec(f"cat {path}").stdout == "# m\n\n\nssl on\n"  # as ansible-core renders it
    assert loose.changed


def test_plain_renderer(shared_host: LabHost, shared_conn: SSHConnection, base: Path) -> None:
    path = "/tmp/template-plain.conf"
    ctx = plain_context(shared_conn, base, ansible_managed="p", ports=[8080], tls=True)
    run(shared_conn, "template", {"src": "site.conf.j2", "dest": path, "lstrip_blocks": True}, ctx=ctx)
    assert shared_host.exec(f"cat {path}").stdout == "# p\nlisten 8080\nssl on\n"
    with pytest.raises(ModuleError, match="trim_blocks: false needs the engine's file renderer"):
        run(shared_conn, "template", {"src": "site.conf.j2", "dest": path, "trim_blocks": False}, ctx=ctx)
    with pytest.raises(ModuleError, match=r"cannot render template .*site\.conf\.j2: 'tls' is undefined"):
        run(shared_conn, "template", {"src": "site.conf.j2", "dest": path},
            ctx=plain_context(shared_conn, base, ansible_managed="p", ports=[]))


def test_into_directory_with_crlf(shared_host: LabHost, shared_conn: SSHConnection, base: Path) -> None:
    shared_host.exec("rm -rf /tmp/template-dir && mkdir /tmp/template-dir", check=True)
    ctx = context(shared_conn, base, ansible_managed="x", ports=[1], tls=False)
    outcome = run(shared_conn, "template", {"src": "site.conf.j2", "dest": "/tmp/template-dir",
                                            "newline_sequence": "\\r\\n", "lstrip_blocks": True}, ctx=ctx)
    assert outcome.result["dest"] == "/tmp/template-dir/site.conf.j2"
    # od, because text-mode output would turn \r\n back into \n
    assert shared_host.exec("od -An -c /tmp/template-dir/site.conf.j2 | tr -s ' '").stdout == (
        " # x \\r \\n l i s t e n 1 \\r \\n\n")


def test_failures_are_clear(shared_conn: SSHConnection, base: Path) -> None:
    ctx = context(shared_conn, base, ports=[])
    with pytest.raises(ModuleError, match=r"could not find 'missing\.j2'"):
        run(shared_conn, "template", {"src": "missing.j2", "dest": "/tmp/x"}, ctx=ctx)
    with pytest.raises(DockyardError, match="'tls' is undefined"):
        run(shared_conn, "template", {"src": "site.conf.j2", "dest": "/tmp/template-undefined"}, ctx=ctx)
    with pytest.raises(ModuleError, match="variable_start_string"):
        run(shared_conn, "template", {"src": "site.conf.j2", "dest": "/tmp/x", "variable_start_string": "[["},
            ctx=ctx)
