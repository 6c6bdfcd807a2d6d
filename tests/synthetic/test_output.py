"""Import files from the generator: NDJSON and CSV agree, the API's schemas accept them, CLI."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pycountry
import pytest

from arplatform.api.types import REFERENCE_PATTERN, TEXT_PATTERN
from arplatform.cli import main as cli_main
from arplatform.customers.identifiers import normalise_vat
from arplatform.customers.schemas import CustomerCreate
from arplatform.invoices.rules import invoice_totals, line_net
from arplatform.invoices.schemas import LineIn
from arplatform.money import Rounding, minor_units
from arplatform.synthetic import generate
from arplatform.synthetic.cli import main as generate_main
from arplatform.synthetic.writers import CSV_FIELDS, CSV_FILES, write_csv, write_ndjson

END = date(2025, 3, 31)
INVOICE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]*$")


def _records(currency: str = "EUR", seed: int = 4) -> list[dict[str, Any]]:
    return list(generate(seed=seed, end=END, customers=40, invoices=1500, currency=currency))


def _flatten(record: dict[str, Any]) -> dict[str, str]:
    """What the CSV row must say, derived here from the NDJSON record."""
    flat = {k: str(v) for k, v in record.items() if k not in ("type", "lines", "allocations")}
    if "lines" in record:
        unit = Decimal(1).scaleb(-minor_units(record["currency"]))
        net = tax = Decimal(0)
        for line in record["lines"]:
            amount = Decimal(line["quantity"]) * Decimal(line["unit_price"])
            net += amount
            tax += amount * Decimal(line["tax_rate"]) / 100
        assert (net + tax).quantize(unit) == net + tax, "line totals are exact"
        flat["total"], flat["tax_total"] = str((net + tax).quantize(unit)), str(tax.quantize(unit))
    for allocation in record.get("allocations", []):
        flat["invoice_ref"], flat["allocated_amount"] = (
            allocation["invoice_ref"],
            allocation["amount"],
        )
    return {name: flat.get(name, "") for name in CSV_FIELDS[record["type"]]}


@pytest.mark.parametrize("currency", ["JPY", "EUR", "BHD"])
def test_csv_and_ndjson_carry_the_same_records(currency: str, tmp_path: Path) -> None:
    records = _records(currency)
    with (tmp_path / "all.ndjson").open("wb") as out:
        ndjson_counts = write_ndjson(iter(records), out)
    csv_counts = write_csv(iter(records), tmp_path / "csv")
    assert ndjson_counts == csv_counts
    lines = (tmp_path / "all.ndjson").read_bytes().splitlines()
    assert [json.loads(line) for line in lines] == records
    for kind, name in CSV_FILES.items():
        with (tmp_path / "csv" / name).open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows == [_flatten(r) for r in records if r["type"] == kind], kind
        assert rows, kind


@pytest.mark.parametrize("currency", ["JPY", "EUR", "BHD"])
def test_records_pass_the_ledgers_own_checks(currency: str) -> None:
    records = _records(currency, seed=9)
    vat_numbers = 0
    for record in records:
        assert re.match(REFERENCE_PATTERN, record["external_ref"])
        if record["type"] == "customer":
            body = {k: v for k, v in record.items() if k not in ("type", "payment_terms_days")}
            msgspec.convert(body, CustomerCreate)
            assert pycountry.countries.get(alpha_2=record["country"]) is not None
            if "vat_number" in record:
                vat_numbers += 1
                assert normalise_vat(record["country"], record["vat_number"])
        if record["type"] in ("invoice", "credit_note"):
            assert INVOICE_NUMBER.match(record["number"])
        for line in record.get("lines", []):
            msgspec.convert(line, LineIn)
        if record["type"] == "payment":
            assert re.match(TEXT_PATTERN, record["reference"])
    assert vat_numbers or currency != "EUR"


def test_line_totals_do_not_depend_on_the_rounding_mode() -> None:
    for record in _records("BHD", seed=2):
        if "lines" not in record:
            continue
        totals = set()
        for mode in Rounding:
            nets = [
                (
                    line_net(Decimal(ln["quantity"]), Decimal(ln["unit_price"]), "BHD", mode),
                    Decimal(ln["tax_rate"]),
                )
                for ln in record["lines"]
            ]
            totals.add(invoice_totals(nets, "BHD", mode))
        assert len(totals) == 1


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "arplatform.cli", "demo-data", *args],
        env={**os.environ, "ARP_DATA_DIR": str(tmp_path / "data")},
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_demo_data_writes_ndjson_to_stdout_and_one_summary_line(tmp_path: Path) -> None:
    args = ("--seed", "3", "--customers", "10", "--invoices", "300", "--end", "2025-03-31")
    done = _cli(tmp_path, *args, "--currency", "jpy", "--out", "-")
    assert done.returncode == 0, done.stderr
    summary = done.stderr.decode().splitlines()
    assert len(summary) == 1 and "10 customers, 300 invoices" in summary[0]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    expected = generate(seed=3, customers=10, invoices=300, end=END, currency="JPY")
    assert records == list(expected)

    to_file = _cli(tmp_path, *args, "--currency", "JPY", "--out", "history.ndjson")
    assert to_file.returncode == 0 and to_file.stdout == b""
    assert (tmp_path / "history.ndjson").read_bytes() == done.stdout


def test_demo_data_writes_one_csv_file_per_record_type(tmp_path: Path) -> None:
    done = _cli(tmp_path, "--invoices", "200", "--format", "csv", "--out", "files")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == sorted(CSV_FILES.values())


@pytest.mark.parametrize(
    "args",
    [
        ("--currency", "XXX", "--out", "-"),
        ("--invoices", "0", "--out", "-"),
        ("--end", "2025-02-30", "--out", "-"),
        ("--end", "2099-12-31", "--out", "-"),
        ("--years", "30", "--end", "2025-01-01", "--out", "-"),
        ("--format", "csv", "--out", "-"),
        (),
    ],
)
def test_demo_data_refuses_bad_options(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    monkeypatch.setenv("ARP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ARP_DATABASE_URL", raising=False)
    try:
        code = cli_main(["demo-data", *args])
    except SystemExit as exc:  # argparse refuses the option itself
        code = int(str(exc.code))
    assert code == 2
    captured = capsysbinary.readouterr()
    assert captured.out == b""
    assert captured.err


def test_the_bench_wrapper_takes_the_same_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.ndjson"
    argv = ["--invoices", "100", "--customers", "5", "--end", "2025-03-31", "--out", str(out)]
    assert generate_main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "100 invoices" in captured.err
    first = json.loads(out.read_bytes().splitlines()[0])
    assert first == next(generate(seed=0, customers=5, invoices=100, end=END))
