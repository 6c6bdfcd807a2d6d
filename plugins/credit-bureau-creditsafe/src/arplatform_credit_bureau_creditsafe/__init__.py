"""Credit bureau provider ``creditsafe``: the Creditsafe Connect REST API.

The provider class is ``arplatform_credit_bureau_creditsafe.bureau.CreditsafeBureau``;
``arplatform_credit_bureau_creditsafe.plugin`` registers it with the core and
``arplatform_credit_bureau_creditsafe.standin`` is a stand-in Connect API on
127.0.0.1 for tests (the plugin's own and the core's).
"""
