"""``FileCreditBureau``: credit reports the bureau delivers as files into a folder.

Every call reads the folder afresh (deliveries are small and infrequent),
so a new file is seen at once. All records are validated before any is
used; one malformed record makes the call fail with a
``PermanentProviderError`` naming its file and line, which the tenant fixes
by correcting or removing the file. When several records have the same
``provider_company_id`` the one with the latest ``report_date`` wins.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from pathlib import Path
from typing import Annotated, ClassVar, Final

import msgspec

from arplatform.plugins.contracts.common import (
    PermanentProviderError,
    Settings,
    TransientProviderError,
)
from arplatform.plugins.contracts.credit_bureau import (
    CompanyMatch,
    CompanyQuery,
    CompanyRef,
    CreditReport,
)
from arplatform_credit_bureau_file.matching import confidence
from arplatform_credit_bureau_file.rows import (
    SUFFIXES,
    LocatedReport,
    MalformedRecord,
    read_reports,
)

__all__ = ["ROOT_ENV", "FileBureauConfig", "FileCreditBureau"]

# When set (by the operator, not the tenant), every configured folder must
# lie inside this directory, so a tenant cannot read other server files.
ROOT_ENV: Final = "ARPLATFORM_BUREAU_FILE_ROOT"


class FileBureauConfig(Settings, frozen=True, kw_only=True):
    """The folder the bureau's files arrive in, and which files to read."""

    folder: Annotated[str, msgspec.Meta(description="Absolute path of the delivery folder")]
    pattern: Annotated[str, msgspec.Meta(min_length=1, description="Glob on file names")] = "*"
    max_file_bytes: Annotated[int, msgspec.Meta(ge=1, le=200_000_000)] = 20_000_000

    def __post_init__(self) -> None:
        folder = Path(self.folder)
        if not folder.is_absolute():
            raise ValueError("folder must be an absolute path")
        root = os.environ.get(ROOT_ENV)
        if root and not folder.resolve().is_relative_to(Path(root).resolve()):
            raise ValueError(f"folder must lie inside {root}")


class FileCreditBureau:
    """Credit reports from CSV, JSON or JSON Lines files in a folder."""

    key: ClassVar[str] = "bureau-file"
    kind: ClassVar[str] = "credit_bureau"
    display_name: ClassVar[str] = "Credit reports from files (CSV/JSON)"
    # Typed as in the contract: a narrower ClassVar type would not match it.
    Config: ClassVar[type[msgspec.Struct]] = FileBureauConfig
    Secrets: ClassVar[type[msgspec.Struct] | None] = None
    supports_monitoring: ClassVar[bool] = False

    def __init__(self, config: FileBureauConfig, secrets: None = None) -> None:
        self._config = config

    def __repr__(self) -> str:
        return f"FileCreditBureau(folder={self._config.folder!r})"

    async def search_company(self, query: CompanyQuery) -> list[CompanyMatch]:
        """Reports matching by registration id, VAT id or name in ``query.country``."""
        scored = []
        for located in (await self._reports()).values():
            score = confidence(query, located.report)
            if score is not None:
                scored.append((score, located.report))
        scored.sort(key=lambda hit: (-hit[0], hit[1].name))
        return [
            CompanyMatch(
                ref=report.ref,
                name=report.name,
                address=report.address,
                registration_id=report.registration_id,
                vat_id=report.vat_id,
                confidence=score,
            )
            for score, report in scored[: query.max_results]
        ]

    async def fetch_report(self, ref: CompanyRef) -> CreditReport:
        """The latest delivered report of ``ref``; an unknown id is a permanent error."""
        located = (await self._reports()).get((ref.country, ref.provider_company_id))
        if located is None:
            raise PermanentProviderError(
                f"no delivered report for {ref.provider_company_id!r} in {ref.country}",
                code="unknown_company",
            )
        return located.report

    async def _reports(self) -> dict[tuple[str, str], LocatedReport]:
        return await asyncio.to_thread(self._read_folder)

    def _read_folder(self) -> dict[tuple[str, str], LocatedReport]:
        latest: dict[tuple[str, str], LocatedReport] = {}
        for path in self._files():
            for located in self._read_file(path):
                ref = located.report.ref
                key = (ref.country, ref.provider_company_id)
                known = latest.get(key)
                if known is None or located.report.report_date >= known.report.report_date:
                    latest[key] = located
        return latest

    def _files(self) -> list[Path]:
        folder = Path(self._config.folder)
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            # A missing or unmounted share usually comes back: let the core retry.
            raise TransientProviderError(
                f"cannot read the delivery folder: {exc.strerror}", code="folder_unavailable"
            ) from exc
        return [
            path
            for path in entries
            if path.suffix.lower() in SUFFIXES
            and fnmatch.fnmatch(path.name, self._config.pattern)
            # Symlinks could point outside the folder the operator allowed.
            and not path.is_symlink()
            and path.is_file()
        ]

    def _read_file(self, path: Path) -> list[LocatedReport]:
        try:
            with path.open("rb") as handle:
                content = handle.read(self._config.max_file_bytes + 1)
        except OSError as exc:
            raise TransientProviderError(
                f"cannot read {path.name}: {exc.strerror}", code="file_unavailable"
            ) from exc
        if len(content) > self._config.max_file_bytes:
            raise PermanentProviderError(
                f"{path.name} is larger than {self._config.max_file_bytes} bytes",
                code="file_too_large",
            )
        try:
            return read_reports(path.name, content)
        except MalformedRecord as exc:
            raise PermanentProviderError(
                f"malformed credit report record in {exc}", code="malformed_record"
            ) from exc
