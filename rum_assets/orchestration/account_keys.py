"""Where an account's assets live: the default account's keys as they are, another's under its name."""

from __future__ import annotations

import dagster as dg

from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT


def account_key(key: dg.AssetKey, account: str) -> dg.AssetKey:
    """``raygun/sessions`` of account ``acme`` is ``raygun/acme/sessions``."""
    return dg.AssetKey([key.path[0], account, *key.path[1:]])


def key_of_account(key: dg.AssetKey, account: str) -> dg.AssetKey:
    """``key`` for ``account``: the default account keeps the key it always had."""
    return key if account == DEFAULT_ACCOUNT else account_key(key, account)
