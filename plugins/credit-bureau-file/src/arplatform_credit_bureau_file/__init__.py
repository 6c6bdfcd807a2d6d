"""Credit bureau provider ``bureau-file``: credit reports delivered as CSV or JSON files.

The provider class is ``arplatform_credit_bureau_file.bureau.FileCreditBureau``;
``arplatform_credit_bureau_file.plugin`` registers it with the core. The file
format is described in the package's README and in ``rows``.
"""
