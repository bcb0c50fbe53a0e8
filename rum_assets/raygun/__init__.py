"""Raygun Real User Monitoring: client, resource, assets."""
