"""shell: run a command line through a shell on the host (``/bin/sh`` unless ``executable``).

Arguments (``ansible.builtin.shell``)::

    - shell: cat /etc/passwd | wc -l > /tmp/users
      args:
        chdir: /tmp
        creates: /tmp/users          # skip when this glob matches
        removes: null                # skip unless this glob matches
        executable: /bin/bash        # the shell: runs `EXECUTABLE -c COMMAND`
        stdin: null
        stdin_add_newline: true
        strip_empty_ends: true
    - shell:
        cmd: set -o pipefail; false | true
        executable: /bin/bash

Everything else is as for ``command``: the same result fields (``cmd`` is the string),
``changed`` when it runs, a non-zero exit fails the task with the tail of stderr.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dockyard.errors import ModuleError
from dockyard.modules.args import arg
from dockyard.modules.command import CommandModule, Words
from dockyard.modules.registry import register

__all__ = ["ShellArgs", "ShellModule"]


@dataclass(frozen=True)
class ShellArgs:
    _raw_params: str | None = arg(None, doc="the command line (free form), run by the shell")
    cmd: str | None = arg(None, doc="the command line, instead of the free form")
    chdir: str | None = arg(None, doc="directory to run in")
    executable: str | None = arg(None, doc="the shell to use (absolute path); default /bin/sh")
    creates: str | None = arg(None, doc="a glob; when it matches, the command is not run")
    removes: str | None = arg(None, doc="a glob; unless it matches, the command is not run")
    stdin: str | None = arg(None, doc="text sent to the command's stdin")
    stdin_add_newline: bool = arg(True, doc="add a newline to stdin")
    strip_empty_ends: bool = arg(True, doc="remove trailing newlines from stdout and stderr")


@register
class ShellModule(CommandModule):
    name = "shell"
    Args = ShellArgs
    exclusive = (("_raw_params", "cmd"),)
    one_of = (("_raw_params", "cmd"),)

    def display(self, args: Any) -> Any:
        text = args._raw_params if args._raw_params is not None else args.cmd
        if not str(text or "").strip():
            raise ModuleError("shell needs a command", hint="write 'shell: COMMAND' or 'cmd: COMMAND'")
        return str(text)

    def line(self, args: Any, words: Words) -> str:
        return f"{words.word(args.executable or '/bin/sh')} -c {words.word(self.display(args), expand=False)}"
