"""Every built-in module, imported so that each registers itself."""

from dockyard.modules import file  # noqa: F401
