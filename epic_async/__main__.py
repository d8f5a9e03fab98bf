"""``python -m epic_async``: the ``epic-async`` command line."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
