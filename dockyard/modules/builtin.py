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
