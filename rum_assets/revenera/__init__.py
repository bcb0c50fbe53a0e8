"""Revenera Usage Intelligence: client, resource, assets."""
