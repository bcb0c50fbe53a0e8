"""Raygun v3 API: client, models, the day finder for the date-less session list."""
