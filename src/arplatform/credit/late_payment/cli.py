"""``arplatform backtest``: train the late-payment estimate at a cut-off, score what came after."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from arplatform.credit.late_payment.backtest import BacktestResult
from arplatform.credit.late_payment.service import run_backtest
from arplatform.db.session import Database
from arplatform.settings import Settings
from arplatform.tenants.models import Tenant

FACTOR_WORDS = {
    "late_share": "customer's share of invoices paid late (12 months, shrunk)",
    "days_late": "customer's average days late (12 months, shrunk)",
    "trend": "last quarter's late share against the year",
    "history": "number of invoices with a known outcome (12 months)",
    "amount": "amount against the customer's typical invoice",
    "terms": "payment terms in days",
    "overdue": "other instalments open and overdue",
}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _tolerance(value: str) -> int:
    days = int(value)
    if not 0 <= days <= 60:
        raise argparse.ArgumentTypeError("the tolerance is 0 to 60 days")
    return days


def add_parser(verbs: Any) -> None:
    """Register ``backtest`` on the ``arplatform`` sub-command parser."""
    parser = verbs.add_parser(
        "backtest", help="Evaluate the late-payment estimate: train at a cut-off, test after it"
    )
    parser.add_argument(
        "--cutoff",
        required=True,
        type=_day,
        help="YYYY-MM-DD: train on what was decided by then, evaluate the rest",
    )
    parser.add_argument("--tenant", help="tenant id (needed when there are several)")
    parser.add_argument(
        "--tolerance",
        type=_tolerance,
        default=0,
        help="days after the due date still on time (default 0)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=cmd_backtest)


async def _tenant(db: Database, given: str | None) -> uuid.UUID:
    async with db.session(None) as session:
        if given is not None:
            if await session.get(Tenant, uuid.UUID(given)) is None:
                raise LookupError(f"no tenant {given}")
            return uuid.UUID(given)
        ids = list((await session.scalars(select(Tenant.id).limit(2))).all())
    if len(ids) != 1:
        raise LookupError("give --tenant (the database has more than one tenant, or none)")
    return ids[0]


async def _backtest(settings: Settings, args: argparse.Namespace) -> BacktestResult:
    db = Database(settings.database_url, pool_size=2)
    try:
        tenant_id = await _tenant(db, args.tenant)
        async with db.session(tenant_id) as session:
            return await run_backtest(session, args.cutoff, tolerance=args.tolerance)
    finally:
        await db.dispose()


def _figure(value: float | None, places: int) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def report_lines(result: BacktestResult) -> list[str]:
    """The result in words, one line each."""
    lines = [
        f"cut-off {result.cutoff}, data until {result.data_until}",
        f"trained on {result.trained_on} instalments decided by the cut-off "
        f"({result.trained_late} late)",
        f"evaluated {result.evaluated} instalments open at the cut-off or issued after it "
        f"({result.evaluated_late} late)",
        f"AUC {_figure(result.auc, 3)}",
        f"MAE of days late {_figure(result.mae_days, 1)} days (over {result.paid} paid)",
        "top factors (weight per standard deviation; positive raises the risk):",
    ]
    lines += [f"  {w:+.3f}  {FACTOR_WORDS.get(n, n)}" for n, w in result.top_factors]
    return lines


def _as_json(result: BacktestResult) -> str:
    record = {
        "cutoff": result.cutoff.isoformat(),
        "data_until": result.data_until.isoformat(),
        "trained_on": result.trained_on,
        "trained_late": result.trained_late,
        "evaluated": result.evaluated,
        "evaluated_late": result.evaluated_late,
        "auc": result.auc,
        "mae_days": result.mae_days,
        "paid": result.paid,
        "top_factors": [{"name": n, "weight": w} for n, w in result.top_factors],
    }
    return json.dumps(record)


def cmd_backtest(settings: Settings, args: argparse.Namespace) -> int:
    """Train at ``--cutoff``, evaluate after it, print AUC, MAE, counts and top factors."""
    try:
        result = asyncio.run(_backtest(settings, args))
    except (LookupError, ValueError, ArithmeticError) as exc:
        # no such tenant, a short history, a late cut-off, a fit that did not converge
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(_as_json(result) if args.json else "\n".join(report_lines(result)))
    return 0
