"""``arplatform demo-data`` and ``bench/generate.py``: write a synthetic tenant history."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from arplatform.money import is_currency


def _currency(value: str) -> str:
    if not is_currency(value.upper()):
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 4217 currency code")
    return value.upper()


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="same seed, same output (default 0)")
    parser.add_argument("--customers", type=_positive, default=200, help="default 200")
    parser.add_argument(
        "--invoices", type=_positive, default=10_000, help="approximate count (default 10000)"
    )
    parser.add_argument("--end", type=_day, default=None, help="last day (default today)")
    parser.add_argument("--years", type=_positive, default=2, help="length of history (2)")
    parser.add_argument("--currency", type=_currency, default="EUR", help="tenant currency (EUR)")
    parser.add_argument("--format", choices=("ndjson", "csv"), default="ndjson")
    parser.add_argument(
        "--out",
        required=True,
        help="file for ndjson ('-' for stdout), directory for csv (one file per record type)",
    )


def run(args: argparse.Namespace) -> int:
    """Generate and write; a one-line summary goes to stderr, data only to the given output."""
    from arplatform.synthetic.generator import generate, period
    from arplatform.synthetic.writers import write_csv, write_ndjson

    end = args.end or date.today()
    if args.format == "csv" and args.out == "-":
        print("error: --format csv writes a directory; give --out DIR", file=sys.stderr)
        return 2
    try:
        records = generate(
            seed=args.seed,
            end=end,
            customers=args.customers,
            invoices=args.invoices,
            years=args.years,
            currency=args.currency,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    counts: Counter[str]
    if args.format == "csv":
        counts = write_csv(records, Path(args.out))
    elif args.out == "-":
        counts = write_ndjson(records, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        with Path(args.out).open("wb") as out:
            counts = write_ndjson(records, out)
    first, last = period(end, args.years)
    print(
        f"demo-data: {counts['customer']} customers, {counts['invoice']} invoices, "
        f"{counts['payment']} payments, {counts['credit_note']} credit notes; "
        f"{args.currency} {first}..{last}, seed {args.seed}, {args.format} to {args.out} "
        f"in {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="generate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
