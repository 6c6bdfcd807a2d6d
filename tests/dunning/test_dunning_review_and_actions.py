"""The review queue, a tenant's own template, the letter channel, the agency hand-over and
the effectiveness report, end to end through the jobs and real servers on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.dunning.conftest import Inbox
from tests.dunning.helpers import mail_text, wait_for_mail
from tests.dunning.test_dunning_run_e2e import _post, _run, _setup
from tests.jobs.helpers import wait_until
from tests.support import Api, TenantHandle

sys.path.insert(
    0, str(Path(__file__).resolve().parents[2] / "plugins/collection-agency-rest/tests")
)
from agency_rest_standin import StandInAgency


@pytest.fixture
def agency() -> Iterator[StandInAgency]:
    stand_in = StandInAgency(api_key="agency-key").start()
    yield stand_in
    stand_in.stop()


def _get(api: Api, tenant: TenantHandle, path: str, **params: Any) -> Any:
    response = api.client.get(path, params=params, headers=tenant.headers())
    assert response.status_code == 200, response.text
    return response.json()


def test_drafts_wait_for_review_and_are_sent_as_edited(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, customers = _setup(running, port)
    settings = running.client.patch(
        "/v1/dunning-settings", json={"review_before_send": True}, headers=tenant.headers()
    )
    assert settings.status_code == 200, settings.text
    drafts = _run(running, tenant, "2026-11-05")["communications"]
    assert {c["status"] for c in drafts} == {"draft"}
    wait_for_mail(received, 0)
    queue = _get(running, tenant, "/v1/dunning-communications", status="draft")["data"]
    assert len(queue) == 3
    edited, skipped, approved = queue
    base = f"/v1/dunning-communications/{edited['id']}"
    reworded = running.client.patch(
        base, json={"text_body": "Dear customer, please pay INV-edited."}, headers=tenant.headers()
    )
    assert reworded.status_code == 200, reworded.text
    for row, verb in ((edited, "approve"), (approved, "approve"), (skipped, "skip")):
        done = running.client.post(
            f"/v1/dunning-communications/{row['id']}/{verb}", headers=tenant.headers()
        )
        assert done.status_code == 200, done.text
    again = running.client.post(f"{base}/approve", headers=tenant.headers())
    assert again.status_code == 409
    wait_for_mail(received, 2)
    assert any("INV-edited" in mail_text(m) for m in received.messages)
    assert (
        _get(running, tenant, f"/v1/dunning-communications/{skipped['id']}")["status"] == "skipped"
    )
    assert len(customers) == 3


def test_a_tenant_template_is_checked_then_used(running: Api, inbox: tuple[Inbox, int]) -> None:
    received, port = inbox
    tenant, _ = _setup(running, port)
    broken = {"template": "reminder", "language": "en", "source": "{% block subject %}"}
    refused = running.client.post("/v1/dunning-templates", json=broken, headers=tenant.headers())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "source"
    own = {
        "template": "reminder",
        "language": "en",
        "source": "{% block subject %}Nordhafen: {{ reference }}{% endblock %}"
        "{% block body %}{% for line in lines %}{{ line.invoice_number }} "
        "{{ line.open_amount | money(currency) }}\n{% endfor %}{% endblock %}",
    }
    _post(running, tenant, "/v1/dunning-templates", own)
    _run(running, tenant, "2026-11-05")
    wait_for_mail(received, 3)
    english = received.to("ap-en@customer.example")[0]
    assert str(english["Subject"]).startswith("Nordhafen: D20261105-")
    assert "INV-en-2 €200.00" in mail_text(english)
    chinese = received.to("ap-zh-hans@customer.example")[0]
    assert not str(chinese["Subject"]).startswith("Nordhafen")  # only the English one is overridden


def test_letters_go_to_the_print_folder_and_cases_to_the_agency(
    running: Api, inbox: tuple[Inbox, int], agency: StandInAgency, tmp_path: Path
) -> None:
    received, port = inbox
    tenant, customers = _setup(running, port, due="2026-10-01")
    _post(running, tenant, "/v1/integrations", {
        "kind": "notification_channel", "provider": "letter-pdf",
        "config": {"directory": str(tmp_path / "print")},
    })  # fmt: skip
    _post(running, tenant, "/v1/integrations", {
        "kind": "collection_agency", "provider": "agency-rest",
        "config": {"base_url": agency.url}, "secrets": {"api_key": "agency-key"},
    })  # fmt: skip
    en = customers["en"]["customer"]
    address = {
        "line1": "1 Harbour Road",
        "postal_code": "E1 6AN",
        "city": "London",
        "country": "GB",
    }
    patched = running.client.patch(
        f"/v1/customers/{en['id']}", json={"address": address}, headers=tenant.headers()
    )
    assert patched.status_code == 200, patched.text
    # Due 1 October: review on Friday 16, formal notice on Monday 19 (the 17th is a
    # Saturday), legal letter 14 days on (2 November), the agency the day after.
    for day in ("2026-10-16", "2026-10-19", "2026-11-02", "2026-11-03"):
        _run(running, tenant, day)
    letters = wait_until(
        lambda: sorted((tmp_path / "print").glob("*.pdf")), timeout=30, what="the legal letter"
    )
    text = "".join(page.extract_text() for page in PdfReader(letters[0]).pages)
    assert "Northwind Traders Ltd" in text and "1 Harbour Road" in text
    wait_until(lambda: len(agency.cases) == 3, timeout=30, what="three cases at the agency")
    actions = _get(running, tenant, "/v1/dunning-actions", status="completed")["data"]
    handed = [a for a in actions if a["action"] == "agency_handoff"]
    assert sorted(a["external_ref"] for a in handed) == sorted(agency.cases)
    sent = [c["request"] for c in agency.cases.values()]
    case = next(c for c in sent if c["debtor"]["name"] == "Northwind Traders Ltd")
    assert sorted(i["invoice_number"] for i in case["invoices"]) == ["INV-en-1", "INV-en-2"]
    assert case["total"] == {"amount": "300.00", "currency": "EUR"}
    wait_for_mail(received, 3 * 3)  # formal notice, legal letter and hand-over notice by e-mail


def test_effectiveness_counts_notices_paid_within_14_days(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, customers = _setup(running, port)
    _run(running, tenant, "2026-11-05")
    wait_for_mail(received, 3)
    paid = customers["en"]["customer"]["id"]
    _post(running, tenant, "/v1/payments", {
        "customer_id": paid, "amount": "300.00", "received_on": "2026-11-12", "auto_allocate": True,
    })  # fmt: skip
    for invoice in customers["en"]["invoices"]:
        assert _get(running, tenant, f"/v1/invoices/{invoice['id']}")["status"] == "paid"
    report = _get(
        running,
        tenant,
        "/v1/reports/dunning-effectiveness",
        date_from="2026-11-01",
        date_to="2026-11-30",
    )
    assert report["levels"] == [
        {"level_name": "Friendly reminder", "communications": 3, "paid_within_14_days": 1,
         "share": "0.3333"},
    ]  # fmt: skip
