"""Dunning plans and settings: the defaults of a new tenant, and which plan a customer follows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from arplatform.api.problems import FieldError, InvalidInput
from arplatform.bounds import EARLIEST
from arplatform.credit.policies import active_policy
from arplatform.dunning.models import CustomerDunning, DunningItem, DunningPlan, DunningSettings
from arplatform.dunning.rules import Anchor, ItemState, Ladder, Level, default_levels
from arplatform.dunning.templates import TEMPLATE_NAMES
from arplatform.tenants.models import Tenant

DEFAULT_PLAN_NAME = "Standard"


def levels_of(plan: DunningPlan) -> tuple[Level, ...]:
    return msgspec.convert(plan.levels, tuple[Level, ...])


def ladder_of(plan: DunningPlan, country: str) -> Ladder:
    return Ladder(
        levels=levels_of(plan),
        min_gap_days=plan.min_gap_days,
        business_days_in=country if plan.business_days else None,
    )


def check_levels(levels: tuple[Level, ...]) -> None:
    """Refuse a ladder that reads two ways: dates move forward, notices need a template."""
    errors: list[FieldError] = []
    previous: int | None = None
    for index, level in enumerate(levels):
        errors.extend(_level_errors(f"levels[{index}]", level, first=index == 0))
        if level.anchor is Anchor.DUE_DATE:
            if previous is not None and level.offset_days <= previous:
                errors.append(
                    _error(index, "offset_days", "must be later than the previous level's")
                )
            previous = level.offset_days
    if errors:
        raise InvalidInput("The plan's levels do not form a ladder", errors=errors)


def _error(index: int, field: str, message: str) -> FieldError:
    return FieldError(field=f"levels[{index}].{field}", message=message)


def _level_errors(where: str, level: Level, *, first: bool) -> list[FieldError]:
    errors = []
    if level.channels and level.template is None:
        errors.append(
            FieldError(field=f"{where}.template", message="a level with channels needs a template")
        )
    if level.template is not None and level.template not in TEMPLATE_NAMES:
        known = ", ".join(TEMPLATE_NAMES)
        errors.append(
            FieldError(field=f"{where}.template", message=f"no template of that name ({known})")
        )
    if level.anchor is Anchor.PREVIOUS_LEVEL and not first and level.offset_days < 1:
        errors.append(
            FieldError(
                field=f"{where}.offset_days", message="must be at least 1 after the previous level"
            )
        )
    for field in ("channels", "actions"):
        values = getattr(level, field)
        if len(set(values)) != len(values):
            errors.append(FieldError(field=f"{where}.{field}", message="lists an entry twice"))
    return errors  # fmt: skip


async def ensure_defaults(session: AsyncSession) -> DunningSettings:
    """The tenant's dunning settings, creating them and the default plan on first use."""
    existing: DunningSettings | None = await session.scalar(select(DunningSettings))
    if existing is not None:
        return existing
    settings = DunningSettings(small_debt_thresholds={})
    session.add(settings)
    if await session.scalar(select(DunningPlan.id).where(DunningPlan.is_default)) is None:
        session.add(
            DunningPlan(
                name=DEFAULT_PLAN_NAME,
                is_default=True,
                min_gap_days=1,
                business_days=True,
                levels=msgspec.to_builtins(default_levels()),
            )
        )
    await session.flush()
    return settings


@dataclass(frozen=True, slots=True)
class PlanBook:
    """Every plan of the tenant, and who follows which."""

    plans: dict[uuid.UUID, DunningPlan]
    ladders: dict[uuid.UUID, Ladder]
    default_id: uuid.UUID
    by_tier: dict[str, uuid.UUID]
    by_customer: dict[uuid.UUID, uuid.UUID]
    excluded_customers: frozenset[uuid.UUID]

    def plan_for(self, customer_id: uuid.UUID, risk_tier: str | None) -> uuid.UUID:
        """The customer's own plan, else its risk tier's, else the default."""
        own = self.by_customer.get(customer_id)
        if own is not None:
            return own
        return self.by_tier.get(risk_tier or "", self.default_id)

    @property
    def lead_days(self) -> int:
        """How many days before the due date the earliest level of any plan falls due."""
        offsets = [
            -level.offset_days
            for ladder in self.ladders.values()
            for level in ladder.levels
            if level.anchor is Anchor.DUE_DATE
        ]
        return max([0, *offsets])


async def _policy_tiers(
    session: AsyncSession, plans: dict[uuid.UUID, DunningPlan]
) -> dict[str, uuid.UUID]:
    """The plans the active credit policy names for its tiers; they win over a plan's tier."""
    policy = await active_policy(session)
    if policy is None:
        return {}
    by_name = {plan.name: plan.id for plan in plans.values()}
    return {
        tier.name: by_name[tier.dunning_plan]
        for tier in policy.document.tiers
        if tier.dunning_plan in by_name
    }


async def plan_book(session: AsyncSession) -> PlanBook:
    """Load the plans and the customers' overrides (small tables: read whole).

    A tier follows the plan the active credit policy names for it, else the plan
    created for that tier, else the default plan.
    """
    tenant = await session.get(Tenant, session.info["tenant_id"])
    country = tenant.country if tenant is not None else "ZZ"
    plans = {plan.id: plan for plan in (await session.scalars(select(DunningPlan))).all()}
    default_id = next(plan.id for plan in plans.values() if plan.is_default)
    overrides = (await session.scalars(select(CustomerDunning))).all()
    return PlanBook(
        plans=plans,
        ladders={plan_id: ladder_of(plan, country) for plan_id, plan in plans.items()},
        default_id=default_id,
        by_tier={
            **{plan.risk_tier: plan.id for plan in plans.values() if plan.risk_tier},
            **await _policy_tiers(session, plans),
        },
        by_customer={row.customer_id: row.plan_id for row in overrides if row.plan_id},
        excluded_customers=frozenset(row.customer_id for row in overrides if row.excluded),
    )


async def reconsider(session: AsyncSession, *criteria: Any) -> None:
    """Make the next run, whatever its day, look again at the instalments matching ``criteria``.

    For a plan changed, an exclusion set or lifted; settled items are left alone.
    """
    await session.execute(
        update(DunningItem)
        .where(DunningItem.state != ItemState.SETTLED, *criteria)
        .values(next_on=EARLIEST)
        .execution_options(synchronize_session=False)
    )


async def reopen(session: AsyncSession, instalment_ids: set[uuid.UUID]) -> None:
    """Instalments open again (a payment reversed): the next run decides them afresh,
    settled or stopped as they were."""
    if instalment_ids:
        await session.execute(
            update(DunningItem)
            .where(DunningItem.instalment_id.in_(instalment_ids))
            .values(next_on=EARLIEST)
            .execution_options(synchronize_session=False)
        )
