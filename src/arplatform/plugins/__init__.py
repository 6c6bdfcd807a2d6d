"""Plugin system: hook specifications, provider contracts, manager and registry.

A plugin author needs only ``hookimpl`` and the contracts::

    from arplatform.plugins import hookimpl
    from arplatform.plugins.contracts.credit_bureau import CreditBureau
"""

from arplatform.plugins.hookspecs import PROJECT_NAME, hookimpl, hookspec

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
