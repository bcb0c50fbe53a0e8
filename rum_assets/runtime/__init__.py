"""Process tuning: the garbage collector after Dagster's imports, and the Dagster notices accepted on purpose."""
