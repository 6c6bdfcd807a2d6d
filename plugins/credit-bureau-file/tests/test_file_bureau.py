"""``bureau-file`` on real files in a temporary folder."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from arplatform_credit_bureau_file import plugin
from arplatform_credit_bureau_file.bureau import ROOT_ENV, FileBureauConfig, FileCreditBureau
from arplatform_credit_bureau_file.matching import id_key, name_key
from hypothesis import given
from hypothesis import strategies as st

from arplatform.plugins.contracts.common import (
    Money,
    PermanentProviderError,
    TransientProviderError,
)
from arplatform.plugins.contracts.credit_bureau import (
    CommonRating,
    CompanyQuery,
    CompanyRef,
    LegalEventType,
)
from arplatform.testing.conformance import CreditBureauConformance

HEADER = (
    "provider_company_id,country,name,report_date,registration_id,vat_id,address_line1,"
    "postal_code,city,score,rating,provider_score,currency,recommended_limit,"
    "days_beyond_terms,legal_events,financials\n"
)
EVENTS = '"[{""type"": ""judgment"", ""event_date"": ""2025-02-03"", ""amount"": 1234.5}]"'
YEARS = (
    '"[{""fiscal_year_end"": ""2023-12-31"", ""turnover"": 1100000}, '
    '{""fiscal_year_end"": ""2024-12-31"", ""turnover"": 1200000, ""employees"": 14}]"'
)
BRASSERIE = (
    f"BR-1,FR,Brasserie du Pont SARL,2026-10-01,412 345 678 00012,FR12412345678,"
    f"12 Quai Saint-Antoine,69002,Lyon,41,C,412/1000,EUR,25000.456,23,{EVENTS},{YEARS}\n"
)
ADLER = "AD-7,DE,Gasthaus Adler GmbH,2026-09-15,HRB 4711,,,,,78,A,,,,,,\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def make_bureau(folder: Path, **config: object) -> FileCreditBureau:
    return FileCreditBureau(
        msgspec.convert({"folder": str(folder), **config}, FileBureauConfig), None
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path, "2026-10-reports.csv", HEADER + BRASSERIE + ADLER)
    return tmp_path


class TestFileBureauConformance(CreditBureauConformance):
    provider_class = FileCreditBureau
    config = {"folder": "/srv/arplatform/bureau-reports", "pattern": "*.csv"}
    plugin = plugin

    @pytest.fixture(autouse=True)
    def _use_folder(self, folder: Path) -> None:
        self.folder = folder

    def make_provider(self) -> FileCreditBureau:
        return make_bureau(self.folder)

    def company_query(self) -> CompanyQuery:
        return CompanyQuery(country="FR", registration_id="41234567800012")


class TestEntryPoint(TestFileBureauConformance):
    plugin = None


async def test_csv_report_is_mapped_completely(folder: Path) -> None:
    bureau = make_bureau(folder)

    report = await bureau.fetch_report(CompanyRef(provider_company_id="BR-1", country="FR"))

    assert report.name == "Brasserie du Pont SARL"
    assert report.report_date == dt.date(2026, 10, 1)
    assert (report.score, report.rating, report.provider_score) == (41, CommonRating.C, "412/1000")
    assert report.recommended_limit == Money(amount=Decimal("25000.46"), currency="EUR")
    assert report.payment_behaviour is not None
    assert report.payment_behaviour.days_beyond_terms == Decimal(23)
    [event] = report.legal_events
    assert event.type == LegalEventType.JUDGMENT
    assert event.amount == Money(amount=Decimal("1234.50"), currency="EUR")
    assert [y.fiscal_year_end.year for y in report.financials] == [2024, 2023]
    assert report.financials[0].employees == 14
    assert report.address is not None and report.address.city == "Lyon"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CompanyQuery(country="FR", registration_id="41234567800012"), ["BR-1"]),
        (CompanyQuery(country="FR", vat_id="fr 124 123 456 78"), ["BR-1"]),
        (CompanyQuery(country="FR", vat_id="12412345678"), ["BR-1"]),
        (CompanyQuery(country="FR", name="BRASSERIE DU PONT S.A.R.L."), ["BR-1"]),
        (CompanyQuery(country="FR", name="Brasserie du Pont"), ["BR-1"]),
        (CompanyQuery(country="DE", name="gasthaus adler"), ["AD-7"]),
        (CompanyQuery(country="DE", name="Brasserie du Pont"), []),
        (CompanyQuery(country="FR", name="Boulangerie"), []),
    ],
)
async def test_search(folder: Path, query: CompanyQuery, expected: list[str]) -> None:
    matches = await make_bureau(folder).search_company(query)
    assert [m.ref.provider_company_id for m in matches] == expected


async def test_id_match_ranks_above_name_match(folder: Path) -> None:
    write(
        folder,
        "more.jsonl",
        json.dumps(
            {
                "provider_company_id": "BR-2",
                "country": "FR",
                "name": "Brasserie du Pont",
                "report_date": "2026-10-02",
            }
        )
        + "\n",
    )
    query = CompanyQuery(country="FR", name="Brasserie du Pont", registration_id="41234567800012")

    matches = await make_bureau(folder).search_company(query)

    assert [(m.ref.provider_company_id, m.confidence) for m in matches] == [
        ("BR-1", Decimal(1)),
        ("BR-2", Decimal("0.9")),
    ]


async def test_json_array_and_latest_report_wins(folder: Path) -> None:
    records = [
        {
            "provider_company_id": "BR-1",
            "country": "FR",
            "name": "Brasserie du Pont SARL",
            "report_date": "2026-11-20",
            "score": 12,
            "rating": "E",
            "legal_events": [
                {"type": "insolvency", "event_date": "2026-11-18", "description": "filed"}
            ],
        },
        {
            "provider_company_id": "BR-1",
            "country": "FR",
            "name": "Brasserie du Pont SARL",
            "report_date": "2026-01-05",
            "score": 90,
        },
    ]
    write(folder, "2026-11.json", json.dumps(records, indent=2))

    report = await make_bureau(folder).fetch_report(
        CompanyRef(provider_company_id="BR-1", country="FR")
    )

    assert (report.report_date, report.score, report.rating) == (
        dt.date(2026, 11, 20),
        12,
        CommonRating.E,
    )
    assert report.legal_events[0].type == LegalEventType.INSOLVENCY


@pytest.mark.parametrize(
    ("filename", "text", "location", "reason"),
    [
        ("bad.csv", HEADER + BRASSERIE.replace(",41,", ",120,"), "line 2", "score"),
        ("bad.csv", HEADER + ADLER + BRASSERIE.replace(",C,", ",Z,"), "line 3", "rating"),
        ("bad.csv", HEADER + ADLER.replace("2026-09-15", "15.09.2026"), "line 2", "report_date"),
        ("bad.csv", HEADER + ADLER.replace(",78,A,,,", ",78,A,,,1000"), "line 2", "currency"),
        ("bad.csv", HEADER + BRASSERIE.replace(EVENTS, '"[{"'), "line 2", "legal_events"),
        ("bad.csv", "provider_company_id,country,nmae\nX,FR,Typo\n", "line 2", "nmae"),
        ("bad.csv", HEADER + "X,FR\n", "line 2", "name"),
        (
            "bad.jsonl",
            '{"provider_company_id": "A", "country": "FR", "name": "A",'
            ' "report_date": "2026-01-01"}'
            '\n\n{"provider_company_id": "B", "country": "fr", "name": "B",'
            ' "report_date": "2026-01-01"}\n',
            "line 3",
            "country",
        ),
        (
            "bad.json",
            '[\n  {"provider_company_id": "A", "country": "FR", "name": "A",'
            ' "report_date": "2026-01-01"},\n  {"provider_company_id": "B", "country": "FR",'
            ' "name": "B", "report_date": "2026-01-01", "probability_of_default": 1.5}\n]',
            "line 3",
            "probability_of_default",
        ),
        ("bad.json", '{"not": "an array"}', "file", "array"),
    ],
)
async def test_malformed_record_names_file_and_line(
    tmp_path: Path, filename: str, text: str, location: str, reason: str
) -> None:
    write(tmp_path, filename, text)

    with pytest.raises(PermanentProviderError) as raised:
        await make_bureau(tmp_path).search_company(CompanyQuery(country="FR", name="A"))

    assert raised.value.code == "malformed_record"
    assert f"{filename}, {location}:" in raised.value.message
    assert reason in raised.value.message


async def test_pattern_and_file_types_select_files(folder: Path) -> None:
    write(folder, "notes.txt", "not a report")
    write(folder, "broken.json", "[")
    bureau = make_bureau(folder, pattern="2026-*")

    assert len(await bureau.search_company(CompanyQuery(country="FR", name="Brasserie"))) == 1


async def test_symlinked_file_is_ignored(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = write(tmp_path_factory.mktemp("outside"), "secret.csv", HEADER + ADLER)
    (folder / "linked.csv").symlink_to(outside)
    (folder / "2026-10-reports.csv").unlink()

    assert await make_bureau(folder).search_company(CompanyQuery(country="DE", name="Adler")) == []


async def test_unknown_company_is_permanent(folder: Path) -> None:
    with pytest.raises(PermanentProviderError) as raised:
        await make_bureau(folder).fetch_report(CompanyRef(provider_company_id="NOPE", country="FR"))
    assert raised.value.code == "unknown_company"


async def test_missing_folder_is_transient(tmp_path: Path) -> None:
    with pytest.raises(TransientProviderError):
        await make_bureau(tmp_path / "not-mounted").search_company(
            CompanyQuery(country="FR", name="x")
        )


async def test_oversized_file_is_refused(folder: Path) -> None:
    with pytest.raises(PermanentProviderError) as raised:
        await make_bureau(folder, max_file_bytes=100).search_company(
            CompanyQuery(country="FR", name="x")
        )
    assert raised.value.code == "file_too_large"


def test_config_requires_an_absolute_folder_inside_the_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"folder": "reports"}, FileBureauConfig)
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    msgspec.convert({"folder": str(tmp_path / "tenant-1")}, FileBureauConfig)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"folder": "/etc"}, FileBureauConfig)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"folder": str(tmp_path / ".." / "elsewhere")}, FileBureauConfig)


@given(st.text(max_size=40))
def test_name_key_ignores_case_and_accents(name: str) -> None:
    assert name_key(name.upper()) == name_key(name.lower()) or not name.isascii()
    assert name_key(name_key(name)) == name_key(name)


@given(st.text(alphabet="0123456789ABCDEFabcdef .-/", max_size=30))
def test_id_key_ignores_separators_and_case(value: str) -> None:
    spaced = " - ".join(value.lower())
    assert id_key(spaced) == id_key(value)
