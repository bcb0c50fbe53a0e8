"""Raygun RUM v1 ("pulse", enterprise plans): client, models, and the session key and budget state it shares."""
