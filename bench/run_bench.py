"""Entry point of ``make bench`` (the Makefile runs ``python -m bench.run_bench``)."""

from __future__ import annotations

from bench.profile_bench import main

if __name__ == "__main__":
    raise SystemExit(main())
