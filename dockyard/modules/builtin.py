"""Every built-in module, imported so that each registers itself (one line per module)."""

# ruff: noqa: F401, I001
from dockyard.modules import add_host
from dockyard.modules import assertion
from dockyard.modules import debug
from dockyard.modules import fail
from dockyard.modules import file
from dockyard.modules import meta
from dockyard.modules import pause
from dockyard.modules import ping
from dockyard.modules import set_fact
from dockyard.modules import lineinfile
from dockyard.modules import blockinfile
from dockyard.modules import replace
from dockyard.modules import copy
from dockyard.modules import apt
from dockyard.modules import package
from dockyard.modules import systemd
from dockyard.modules import service
from dockyard.modules import user
from dockyard.modules import group
from dockyard.modules import authorized_key
from dockyard.modules import template
from dockyard.modules import stat
from dockyard.modules import hostname
from dockyard.modules import sysctl
from dockyard.modules import cron
from dockyard.modules import get_url
from dockyard.modules import unarchive
from dockyard.modules import wait_for
from dockyard.modules import command
from dockyard.modules import shell
from dockyard.modules import raw
from dockyard.modules import script
from dockyard.modules import vm
