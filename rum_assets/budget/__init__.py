"""The vendors' call budgets: the daily call ledger and its stores, and pacing across processes and nodes."""
