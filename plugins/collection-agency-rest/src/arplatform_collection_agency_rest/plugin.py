"""Registration hook of the ``agency-rest`` collection agency (entry point ``arplatform``)."""

from __future__ import annotations

from arplatform.plugins import hookimpl
from arplatform.plugins.contracts.collection_agency import CollectionAgency
from arplatform_collection_agency_rest.agency import RestCollectionAgency


@hookimpl
def arplatform_register_collection_agencies() -> list[type[CollectionAgency]]:
    """Offer the REST collection agency client."""
    return [RestCollectionAgency]
