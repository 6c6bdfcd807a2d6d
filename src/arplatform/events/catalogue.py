"""The event catalogue: every event type the platform emits, with its resource and the keys
of its thin snapshot. :func:`arplatform.events.service.emit` refuses a type that is not
listed here, so the catalogue (the OpenAPI ``webhooks`` section, docs/webhooks.md)
cannot fall behind the code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    resource: str
    summary: str
    data: tuple[str, ...]


_INVOICE = ("number",)
_MONEY = ("customer_id", "amount", "currency")
_ENDPOINT = ("url", "event_types")
_CRUD = (("created", "was added"), ("updated", "changed"), ("deleted", "was removed"))
_RISK = ("country", "rating", "score")
_FX = ("base", "quote", "valid_from", "rate")
_COMMITMENT = ("customer_id", "amount", "currency", "reference", "status")
_ALERT = ("customer_id", "signal")
CATALOGUE: tuple[EventType, ...] = (
    EventType(
        "customer.created", "customer", "A customer was added", ("legal_name", "external_ref")
    ),
    EventType("customer.updated", "customer", "A customer changed", ("legal_name", "external_ref")),
    EventType(
        "customer.deleted", "customer", "A customer was removed", ("legal_name", "external_ref")
    ),
    EventType("customer.credit_hold", "customer", "New sales to the customer are on hold", ()),
    EventType("customer.assessed", "customer", "The customer's credit was assessed", ()),
    EventType("customer.risk_signal", "customer", "A warning signal about the customer", ()),
    EventType(
        "invoice.issued",
        "invoice",
        "An invoice was issued",
        ("number", "total", "currency", "customer_id", "due_date"),
    ),
    EventType("invoice.paid", "invoice", "An invoice is paid in full", ("number", "paid_on")),
    EventType("invoice.cancelled", "invoice", "An invoice was cancelled", ("number", "reason")),
    EventType("invoice.written_off", "invoice", "An invoice was written off", _INVOICE),
    EventType("invoice.due_date_extended", "invoice", "An invoice's due date moved", _INVOICE),
    EventType(
        "invoice.due_soon",
        "invoice",
        "An instalment falls due soon",
        ("number", "customer_id", "instalment_seq", "due_date", "open_amount", "currency"),
    ),
    EventType(
        "invoice.overdue",
        "invoice",
        "An instalment is overdue",
        ("number", "customer_id", "instalment_seq", "due_date", "open_amount", "currency"),
    ),
    EventType(
        "invoice.over_limit", "invoice", "An invoice exceeds the customer's credit limit", ()
    ),
    EventType(
        "invoice.over_terms",
        "invoice",
        "An invoice's payment terms exceed its customer's risk tier maximum",
        ("customer_id", "detail", "terms_days", "max_terms_days", "tier"),
    ),
    EventType("payment.received", "payment", "A payment was recorded", (*_MONEY, "unapplied")),
    EventType("payment.reversed", "payment", "A payment was reversed", (*_MONEY, "unapplied")),
    EventType(
        "credit_note.issued", "credit_note", "A credit note was issued", (*_MONEY, "unapplied")
    ),
    EventType(
        "dispute.opened",
        "dispute",
        "A customer disputes an invoice",
        ("invoice_id", *_MONEY, "reason"),
    ),
    EventType(
        "dispute.resolved",
        "dispute",
        "A dispute was settled",
        ("invoice_id", *_MONEY, "outcome", "accepted_amount", "credit_note_id"),
    ),
    EventType(
        "promise.broken",
        "promise",
        "A promise to pay was not kept",
        (*_MONEY, "paid_amount", "promised_date"),
    ),
    EventType(
        "plan.broken",
        "payment_plan",
        "A payment plan was not kept",
        (*_MONEY, "paid_amount", "broken_on"),
    ),
    EventType(
        "dunning.escalated",
        "customer",
        "A customer reached a dunning level",
        ("level", "actions", "currency", "amount", "communication_id"),
    ),
    EventType(
        "dunning.sent",
        "dunning_communication",
        "A dunning notice was sent",
        ("customer_id", "reference", "level", "channels", "total_open", "currency"),
    ),
    EventType(
        "credit_approval.requested",
        "credit_approval",
        "A credit decision awaits approval",
        ("kind", "customer_id", "status"),
    ),
    EventType(
        "credit_approval.decided",
        "credit_approval",
        "A credit approval was decided",
        ("kind", "customer_id", "status"),
    ),
    EventType("credit_policy.activated", "credit_policy", "A credit policy took effect", ()),
    *(
        EventType(f"country_risk.{verb}", "country_risk", f"A country risk rating {text}", _RISK)
        for verb, text in _CRUD
    ),
    *(
        EventType(f"fx_rate.{verb}", "fx_rate", f"An exchange rate {text}", _FX)
        for verb, text in _CRUD
    ),
    *(
        EventType(f"commitment.{verb}", "commitment", f"A credit commitment {text}", _COMMITMENT)
        for verb, text in _CRUD
    ),
    EventType("alert.acknowledged", "alert", "A credit alert was acknowledged", _ALERT),
    EventType("alert.resolved", "alert", "A credit alert was resolved", _ALERT),
    EventType("reference_rate.created", "reference_rate", "A reference rate value was added", ()),
    EventType("reference_rate.updated", "reference_rate", "A reference rate value changed", ()),
    EventType("reference_rate.deleted", "reference_rate", "A reference rate value was removed", ()),
    EventType("interest_policy.created", "interest_policy", "An interest policy was added", ()),
    EventType("interest_policy.updated", "interest_policy", "An interest policy changed", ()),
    EventType("interest_policy.deleted", "interest_policy", "An interest policy was removed", ()),
    EventType("import.completed", "import", "A bulk import finished", ()),
    EventType("integration.created", "integration", "A provider was set up", ("kind", "provider")),
    EventType(
        "integration.updated", "integration", "A provider's set-up changed", ("kind", "provider")
    ),
    EventType("integration.deleted", "integration", "A provider was removed", ("kind", "provider")),
    EventType(
        "api_client.created",
        "api_client",
        "An API client was created",
        ("client_id", "name", "roles"),
    ),
    EventType(
        "api_client.revoked",
        "api_client",
        "An API client was revoked",
        ("client_id", "name", "roles"),
    ),
    EventType(
        "webhook_endpoint.created", "webhook_endpoint", "A webhook endpoint was added", _ENDPOINT
    ),
    EventType(
        "webhook_endpoint.updated", "webhook_endpoint", "A webhook endpoint changed", _ENDPOINT
    ),
    EventType(
        "webhook_endpoint.deleted", "webhook_endpoint", "A webhook endpoint was removed", _ENDPOINT
    ),
    EventType(
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint",
        "A webhook endpoint's signing secret was rotated",
        _ENDPOINT,
    ),
    EventType(
        "webhook_endpoint.disabled",
        "webhook_endpoint",
        "Deliveries stopped: the receiver answered 410, or failed for 5 days",
        ("url", "reason"),
    ),
    EventType(
        "webhook.ping", "webhook_endpoint", "A test message (POST .../test), to one endpoint", ()
    ),
)

#: Every catalogued type name.
NAMES: frozenset[str] = frozenset(event.name for event in CATALOGUE)


class UnknownEventType(LookupError):
    """An event type missing from :data:`CATALOGUE`: a programming error, add it there."""


def check_catalogued(event_type: str) -> None:
    """Raise :class:`UnknownEventType` unless ``event_type`` is in the catalogue."""
    if event_type not in NAMES:
        raise UnknownEventType(
            f"event type {event_type!r} is not in arplatform/events/catalogue.py: add it there"
        )
