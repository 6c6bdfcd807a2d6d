"""Conformance kits that plugin authors run on their providers (pytest plugin).

``arplatform.testing.conformance`` holds the test base classes,
``arplatform.testing.checks`` the same checks as plain functions and
``arplatform.testing.samples`` realistic input DTOs.
"""
