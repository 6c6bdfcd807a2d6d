"""Late-payment risk per open invoice, learnt from the tenant's own payment history.

``history`` turns ledger facts into features known before a day, ``model`` holds the
statistics (regularised logistic regression, shrinkage, AUC), ``estimator`` trains and
explains, ``backtest`` evaluates against a cut-off; ``service`` reads the ledger.
"""
