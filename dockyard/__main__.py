"""``python -m dockyard``: the same as the ``dockyard`` console script."""

from dockyard.cli.main import main

raise SystemExit(main())
