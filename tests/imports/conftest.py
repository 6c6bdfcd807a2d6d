"""An app with its in-process worker, so imports run as jobs, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arplatform.settings import Settings
from tests.support import Api, start_api


@pytest.fixture
def api(backend_settings: Settings) -> Iterator[Api]:
    yield from start_api(backend_settings, jobs=True)
