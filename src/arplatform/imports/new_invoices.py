"""New invoices with their instalment, written set-based in one statement.

On PostgreSQL only the values a new invoice does not share with every other
one are staged (a third of the invoice's columns; its instalment is derived
from the same staged row); one ``INSERT … SELECT`` with a data-modifying
``WITH`` writes the invoices, their instalments and lines under the tenant's
row-level security, while the caller checks its next batch (see
:func:`store.start`). Elsewhere the rows are written as every other row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.db.types import MONEY_SCALE
from arplatform.imports import store
from arplatform.imports.ledger import InvoiceState
from arplatform.invoices.models import Invoice, InvoiceInstalment, InvoiceLine

STAGE = "imp_stage_new_invoices"
#: The staged columns: name, SQL type, key of the invoice row (None: the instalment's id).
COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("id", "uuid", "id"),
    ("instalment_id", "uuid", None),
    ("customer_id", "uuid", "customer_id"),
    ("number", "text", "number"),
    ("external_ref", "text", "external_ref"),
    ("status", "text", "status"),
    ("currency", "text", "currency"),
    ("issue_date", "date", "issue_date"),
    ("delivery_date", "date", "delivery_date"),
    ("due_date", "date", "due_date"),
    ("net_total", "bigint", "net_total"),
    ("tax_total", "bigint", "tax_total"),
    ("total", "bigint", "total"),
    ("cancelled_on", "date", "cancelled_on"),
)
MONEY = frozenset({"net_total", "tax_total", "total"})
# $1 tenant, $2 now. Same values as steps._new_invoice gives the rows kept in memory.
INVOICES = f"""
INSERT INTO invoices (tenant_id, id, customer_id, number, series, external_ref, status,
    disputed, currency, issue_date, delivery_date, original_due_date, due_date, net_total,
    tax_total, total, open_amount, cancelled_on, created_at, updated_at, version)
SELECT $1, id, customer_id, number, 'IMPORT', external_ref, status, false, currency,
    issue_date, delivery_date, due_date, due_date, net_total, tax_total, total, total,
    cancelled_on, $2, $2, 1
FROM {STAGE}
RETURNING id
"""  # noqa: S608 (constant identifiers; the values travel as data)
INSTALMENTS = f"""
INSERT INTO invoice_instalments (tenant_id, id, invoice_id, customer_id, seq,
    original_due_date, due_date, amount, open_amount)
SELECT $1, s.instalment_id, s.id, s.customer_id, 1, s.due_date, s.due_date, s.total, s.total
FROM {STAGE} s JOIN invoices_written USING (id)
"""  # noqa: S608


def _records(states: list[InvoiceState]) -> list[tuple[Any, ...]]:
    columns = []
    for _, _, key in COLUMNS:
        if key is None:
            columns.append([s.instalments[0]["id"] for s in states])
        elif key in MONEY:
            columns.append([int(s.row[key] * MONEY_SCALE) for s in states])
        else:
            columns.append([s.row[key] for s in states])
    return list(zip(*columns, strict=True))


def _sql(with_lines: bool) -> str:
    staged = f"{store.STAGE_PREFIX}invoice_lines"
    lines = f", lines AS (INSERT INTO invoice_lines SELECT * FROM {staged})"  # noqa: S608
    # Foreign keys of instalments and lines are checked at the end of the
    # statement, when the invoices written in its WITH are there.
    return f"WITH invoices_written AS ({INVOICES}){lines if with_lines else ''} {INSTALMENTS}"


async def insert_later(
    session: AsyncSession, states: list[InvoiceState], lines: list[dict[str, Any]]
) -> None:
    """Insert new invoices (each with its one instalment) and their lines."""
    if not store.is_postgres(session):
        await store.write(session, Invoice, [s.row for s in states])
        await store.write(session, InvoiceInstalment, [i for s in states for i in s.instalments])
        await store.write(session, InvoiceLine, lines)
        return
    if not states:
        await store.insert_later(session, [(InvoiceLine, lines)])
        return
    await store.settle(session)
    raw = await store.raw_connection(session)
    if lines:
        await store.stage_rows(raw, InvoiceLine, lines)
    await raw.execute(
        f"DROP TABLE IF EXISTS pg_temp.{STAGE}; CREATE TEMP TABLE {STAGE} "
        f"({', '.join(f'{name} {kind}' for name, kind, _ in COLUMNS)}) ON COMMIT DROP"
    )
    names = [name for name, _, _ in COLUMNS]
    await raw.copy_records_to_table(STAGE, records=_records(states), columns=names)
    first = states[0].row
    await store.start(
        session, raw.execute(_sql(bool(lines)), first["tenant_id"], first["created_at"])
    )
