"""dockyard test suite (a package, so `python -m tests.lab` works from the repository root)."""
