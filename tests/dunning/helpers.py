"""Helpers of the dunning tests."""

from __future__ import annotations

import time
from datetime import date
from email.message import EmailMessage

from arplatform.dunning.plans import ensure_defaults
from tests.dunning.conftest import Inbox
from tests.support import Api, TenantHandle


def without_scheduled_runs(api: Api, tenant: TenantHandle) -> None:
    """The embedded scheduler would run today's dunning too: these tests pick their days."""

    async def mark() -> None:
        db = api.app.state.db
        async with db.session(tenant.tenant_id, actor="test") as session, session.begin():
            settings = await ensure_defaults(session)
            settings.last_run_on = date(2099, 12, 31)

    api.run(mark)


def wait_for_mail(inbox: Inbox, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # anything more that was coming would have arrived
    assert len(inbox.messages) == count, [m["Subject"] for m in inbox.messages]


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())
