"""Fixtures of the API contract tests: the app with a test provider, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from arplatform.app import create_app
from arplatform.settings import Settings
from tests.api.plugin import ChannelPlugin
from tests.support import Api


@pytest.fixture
def plugin_api(backend_settings: Settings) -> Iterator[Api]:
    """The app with a notification channel installed, so integrations can be created."""
    app = create_app(backend_settings, plugins=[ChannelPlugin()], run_embedded_jobs=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, backend_settings)
