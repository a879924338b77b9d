"""dockyard: from bare hypervisors to a running container cluster, over plain SSH."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dockyard.errors import DockyardError

try:
    __version__ = version("dockyard")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["DockyardError", "__version__"]
