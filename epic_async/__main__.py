"""``python -m epic_async``: the ``epic-async`` command line."""

from .cli import main

raise SystemExit(main())
