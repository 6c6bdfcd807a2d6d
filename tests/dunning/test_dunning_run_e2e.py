"""The dunning run end to end: API, jobs, the SMTP plugin, a real SMTP server on loopback."""

from __future__ import annotations

from typing import Any

from tests.dunning.conftest import Inbox
from tests.dunning.helpers import mail_text, wait_for_mail, without_scheduled_runs
from tests.support import Api, TenantHandle

LANGUAGES = {
    "en": "Northwind Traders Ltd",
    "zh-Hans": "上海星辰贸易有限公司",
    "zh-Hant": "台北遠東實業股份有限公司",
}


def _post(api: Api, tenant: TenantHandle, path: str, body: dict[str, Any]) -> Any:
    response = api.client.post(path, json=body, headers=tenant.headers())
    assert response.status_code in (200, 201), response.text
    return response.json()


def _setup(
    api: Api, port: int, *, scheduled_runs: bool = False, due: str = "2026-10-30"
) -> tuple[TenantHandle, dict[str, dict[str, Any]]]:
    """A tenant with an SMTP integration and a customer in each language owing two invoices."""
    tenant = api.new_tenant("Nordhafen Maschinenbau GmbH")
    if not scheduled_runs:
        without_scheduled_runs(api, tenant)
    _post(api, tenant, "/v1/integrations", {
        "kind": "notification_channel", "provider": "smtp",
        "config": {"host": "127.0.0.1", "port": port, "security": "none",
                   "from_address": "ar@nordhafen.example"},
    })  # fmt: skip
    customers = {}
    for language, name in LANGUAGES.items():
        customer = _post(api, tenant, "/v1/customers", {
            "legal_name": name, "country": "DE", "currency": "EUR", "language": language,
            "contacts": [{"name": "Accounts", "role": "dunning",
                          "email": f"ap-{language.lower()}@customer.example"}],
        })  # fmt: skip
        invoices = [
            _post(
                api,
                tenant,
                "/v1/invoices",
                {
                    "customer_id": customer["id"],
                    "number": f"INV-{language}-{n}",
                    "issue_date": "2026-10-01",
                    "due_date": due,
                    "lines": [{"description": "Pumps", "quantity": str(n), "unit_price": "100.00"}],
                },
            )
            for n in (1, 2)
        ]
        customers[language] = {"customer": customer, "invoices": invoices}
    return tenant, customers


def _run(api: Api, tenant: TenantHandle, as_of: str) -> dict[str, Any]:
    return _post(api, tenant, "/v1/dunning-runs", {"as_of": as_of})  # type: ignore[no-any-return]


def test_a_run_sends_one_notice_per_customer_and_level_in_its_language(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, customers = _setup(running, port)
    run = _run(running, tenant, "2026-11-05")
    assert len(run["communications"]) == 3
    wait_for_mail(received, 3)
    for language, data in customers.items():
        (message,) = received.to(f"ap-{language.lower()}@customer.example")
        text = mail_text(message)
        assert LANGUAGES[language] in text and "Nordhafen Maschinenbau GmbH" in text
        for invoice in data["invoices"]:
            assert invoice["number"] in text
        assert "200.00" in text and "100.00" in text and "300.00" in text
        if language != "en":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in str(message["Subject"]))
        pdf = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(pdf) == 1 and pdf[0].get_content().startswith(b"%PDF")
    comm = running.client.get(
        f"/v1/dunning-communications/{run['communications'][0]['id']}", headers=tenant.headers()
    ).json()
    assert comm["status"] == "sent" and comm["deliveries"][0]["status"] == "sent"
    sent = running.client.get(
        "/v1/events", params={"type": "dunning.sent"}, headers=tenant.headers()
    ).json()["data"]
    assert sorted(e["resource_id"] for e in sent) == sorted(c["id"] for c in run["communications"])


def test_running_twice_and_after_skipped_days_sends_no_duplicates(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, _ = _setup(running, port)
    _run(running, tenant, "2026-11-05")
    wait_for_mail(received, 3)
    assert _run(running, tenant, "2026-11-05")["communications"] == []
    wait_for_mail(received, 3)
    # 14-15 November is a weekend: the review (+15) is applied on Monday 16; the runs of
    # 17-19 November are missed; on the 20th each customer gets one formal notice.
    review = _run(running, tenant, "2026-11-16")
    assert review["communications"] == [] and review["actions"] == ["internal_review"]
    notices = _run(running, tenant, "2026-11-20")["communications"]
    assert [c["level_name"] for c in notices] == ["Formal notice"] * 3
    wait_for_mail(received, 6)
    assert _run(running, tenant, "2026-11-20")["communications"] == []
    wait_for_mail(received, 6)


def test_dispute_promise_plan_and_exclusion_pause_and_payment_stops(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, customers = _setup(running, port)
    en, hans, hant = (customers[k] for k in ("en", "zh-Hans", "zh-Hant"))
    for invoice in en["invoices"]:  # disputed in full
        dispute = {"invoice_id": invoice["id"], "reason": "pricing", "opened_on": "2026-11-03"}
        _post(running, tenant, "/v1/disputes", dispute)
    _post(running, tenant, "/v1/promises", {
        "customer_id": hans["customer"]["id"], "amount": "300.00",
        "made_on": "2026-11-03", "promised_date": "2026-11-10", "source": "phone",
    })  # fmt: skip
    _post(running, tenant, f"/v1/customers/{hant['customer']['id']}/dunning", {"excluded": True})
    assert _run(running, tenant, "2026-11-05")["communications"] == []
    # The promise is broken on the 11th: dunning resumes for that customer only.
    resumed = _run(running, tenant, "2026-11-11")["communications"]
    assert [c["customer_id"] for c in resumed] == [hans["customer"]["id"]]
    wait_for_mail(received, 1)
    # Payment in full stops the sequence: nothing more for that customer.
    _post(running, tenant, "/v1/payments", {
        "customer_id": hans["customer"]["id"], "amount": "300.00", "received_on": "2026-11-12",
        "auto_allocate": True,
    })  # fmt: skip
    stopped = _run(running, tenant, "2026-11-20")
    assert stopped["communications"] == [] and stopped["actions"] == []  # no review either
    # Lifting the exclusion: the excluded customer is dunned at the level that applies now.
    _post(running, tenant, f"/v1/customers/{hant['customer']['id']}/dunning", {"excluded": False})
    lifted = _run(running, tenant, "2026-11-20")
    assert lifted["actions"] == ["internal_review"]


def test_the_formal_notice_claims_the_eu_fixed_compensation_per_late_invoice(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant, _ = _setup(running, port)
    _post(running, tenant, "/v1/reference-rates",
          {"key": "ECB_MRO", "valid_from": "2026-06-11", "rate": "2.15"})  # fmt: skip
    _post(running, tenant, "/v1/interest-policies", {"rule": "eu_directive"})
    _run(running, tenant, "2026-11-05")  # the friendly reminder: no claim yet
    wait_for_mail(received, 3)
    reminder = mail_text(received.to("ap-en@customer.example")[0])
    assert "Interest accrued" in reminder and "compensation" not in reminder
    _run(running, tenant, "2026-11-16")
    _run(running, tenant, "2026-11-20")  # the formal notice: EUR 40 for each of two invoices
    wait_for_mail(received, 6)
    notice = mail_text(received.to("ap-en@customer.example")[1])
    assert "Fixed compensation for recovery costs: €80.00" in notice
