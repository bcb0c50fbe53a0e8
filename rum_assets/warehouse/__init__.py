"""The warehouse: tables and the atomic write of a day, in DuckDB or PostgreSQL, and how personal data is stored."""
