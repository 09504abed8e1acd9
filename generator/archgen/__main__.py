"""`python -m archgen`."""

from __future__ import annotations

from archgen.cli import main

if __name__ == "__main__":
    main()
