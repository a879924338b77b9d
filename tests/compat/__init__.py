"""Compatibility tests: dockyard against ansible-core on the same input."""
