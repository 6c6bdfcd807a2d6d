"""Write a seeded synthetic tenant history (same options as ``arplatform demo-data``).

Usage:
    .venv/bin/python bench/generate.py --invoices 200000 --out /tmp/history.ndjson
    .venv/bin/python bench/generate.py --format csv --currency JPY --out /tmp/history/
The generator itself is ``arplatform.synthetic.generate``; its speed is in docs/benchmarks.md.
"""

from __future__ import annotations

from arplatform.synthetic.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
