"""Late interest: rule sets, reference rates, per-invoice interest with its breakdown."""
