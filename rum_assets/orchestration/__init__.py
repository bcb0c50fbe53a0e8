"""What Dagster runs and checks: partitions, schedules, freshness, quality checks, step retries, run health."""
