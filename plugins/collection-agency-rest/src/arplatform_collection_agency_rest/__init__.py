"""Collection agency provider ``agency-rest``: hands cases to an agency's REST API.

The provider class is ``arplatform_collection_agency_rest.agency.RestCollectionAgency``;
``arplatform_collection_agency_rest.plugin`` registers it with the core.
"""
