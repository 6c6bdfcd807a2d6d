"""A run over the seeded demo tenant's history: one e-mail per customer and level, each
listing exactly the instalments of its communication, in the customer's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from arplatform.demo import load_demo_history
from tests.dunning.conftest import Inbox
from tests.dunning.helpers import mail_text, wait_for_mail, without_scheduled_runs
from tests.support import Api

LANGUAGES = ("en", "zh-Hans", "zh-Hant")


def _customers(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        page = api.client.get(
            "/v1/customers",
            params={"limit": 100, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        ).json()
        found.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_a_run_over_the_demo_history_mails_each_customer_its_own_invoices(
    running: Api, inbox: tuple[Inbox, int]
) -> None:
    received, port = inbox
    tenant = running.new_tenant("Demo Maschinenbau GmbH")
    without_scheduled_runs(running, tenant)
    headers = tenant.headers()
    running.run(lambda: load_demo_history(running.app.state.db, tenant.tenant_id))
    integration = {
        "kind": "notification_channel", "provider": "smtp",
        "config": {"host": "127.0.0.1", "port": port, "security": "none",
                   "from_address": "ar@demo.example"},
    }  # fmt: skip
    assert (
        running.client.post("/v1/integrations", json=integration, headers=headers).status_code
        == 201
    )
    addresses = {}
    for n, customer in enumerate(_customers(running, headers)):
        language = LANGUAGES[n % 3]
        addresses[customer["id"]] = (f"ap-{n}@customer.example", language)
        patch = {
            "language": language,
            "contacts": [
                {
                    "name": "Accounts payable",
                    "role": "dunning",
                    "email": addresses[customer["id"]][0],
                }
            ],
        }
        response = running.client.patch(
            f"/v1/customers/{customer['id']}", json=patch, headers=headers
        )
        assert response.status_code == 200, response.text

    run = running.client.post(
        "/v1/dunning-runs", json={"as_of": date.today().isoformat()}, headers=headers
    )
    assert run.status_code == 201, run.text
    communications = run.json()["communications"]
    assert communications, "the demo history has invoices due for a notice"
    wait_for_mail(received, len(communications))
    levels = {(c["customer_id"], c["level"], c["currency"]) for c in communications}
    assert len(levels) == len(communications)  # one per customer, level and currency
    for communication in communications:
        address, language = addresses[communication["customer_id"]]
        (text,) = [
            mail_text(m) for m in received.to(address) if communication["reference"] in mail_text(m)
        ]
        for line in communication["lines"]:
            assert line["invoice_number"] in text
        for line in communication["lines"]:
            assert line["open_amount"] in text.replace(",", "")
        has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
        assert has_cjk == (language != "en"), (language, text[:200])
