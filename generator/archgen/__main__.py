"""`python -m archgen` (signal handlers first: see `archgen._entry`)."""

from __future__ import annotations

from archgen._entry import main

if __name__ == "__main__":
    main()
