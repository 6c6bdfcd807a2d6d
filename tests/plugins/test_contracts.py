"""Contract modules: DTOs are frozen and strict, protocols are documented, imports are cheap."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from decimal import Decimal

import msgspec
import pytest

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts import CONTRACTS, common
from arplatform.plugins.contracts.credit_insurer import CoverDecisionCode
from arplatform.plugins.manager import ProviderRegistry

STRUCTS = sorted(
    {
        obj
        for module in [common, *(spec.module for spec in CONTRACTS.values())]
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, msgspec.Struct)
        and obj.__module__ == module.__name__
    },
    key=lambda cls: cls.__qualname__,
)


@pytest.mark.parametrize("dto", STRUCTS, ids=lambda cls: cls.__qualname__)
def test_dto_is_frozen_strict_and_has_a_schema(dto: type[msgspec.Struct]) -> None:
    config = dto.__struct_config__
    assert config.frozen
    assert config.forbid_unknown_fields
    assert msgspec.json.schema(dto)


def test_money_is_decimal_and_validates_currency() -> None:
    money = msgspec.convert({"amount": "12.30", "currency": "EUR"}, common.Money)
    assert money.amount == Decimal("12.30")
    with pytest.raises(AttributeError):
        money.amount = Decimal(1)  # type: ignore[misc]
    with pytest.raises(msgspec.ValidationError, match="currency"):
        msgspec.convert({"amount": "1", "currency": "eur"}, common.Money)


def test_protocols_are_documented() -> None:
    for spec in CONTRACTS.values():
        assert inspect.getdoc(spec.protocol), spec.protocol
        for method in spec.methods:
            assert inspect.iscoroutinefunction(getattr(spec.protocol, method))


def test_edifact_4507_codes() -> None:
    assert CoverDecisionCode.PRELIMINARY.edifact_code == "1"
    assert CoverDecisionCode.STILL_INVESTIGATING.edifact_code == "6"
    assert CoverDecisionCode.ACCOUNT_CLOSED.edifact_code == "11"


def test_transient_error_carries_retry_hint() -> None:
    error = common.TransientProviderError("rate limited", code="429", retry_after=2.5)
    assert isinstance(error, common.ProviderError)
    assert (error.code, error.retry_after) == ("429", 2.5)
    assert isinstance(common.ProviderAuthenticationError("no"), common.PermanentProviderError)


def test_pytest_plugin_imports_only_what_it_needs() -> None:
    code = (
        "import sys, arplatform.testing.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('arplatform')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert ast.literal_eval(out) == [
        "arplatform",
        "arplatform.testing",
        "arplatform.testing.pytest_plugin",
    ]


def test_registry_fixture(arplatform_registry: ProviderRegistry) -> None:
    assert arplatform_registry.problems == []
    assert set(arplatform_registry.kinds()) == set(CONTRACTS)


def test_hookimpl_marker_is_reexported() -> None:
    @hookimpl
    def arplatform_register_credit_bureaus() -> list[type]:
        return []

    assert hasattr(arplatform_register_credit_bureaus, "arplatform_impl")
