"""The account a row came from: several logins of one vendor land in the same tables.

Every Raygun and Revenera table has an ``account`` column, the first of its scope, so a day written for
one account replaces only that account's rows. The environment variables configure the account named
:data:`DEFAULT_ACCOUNT`; rows written before the column existed are that account's.
"""

from __future__ import annotations

import re

from rum_assets.warehouse.tables import Column

DEFAULT_ACCOUNT = "default"
ACCOUNT_COLUMN = Column(
    "account",
    "VARCHAR",
    "The configured account (Raygun credentials or Revenera login) the row came from; 'default' for the environment's",
    nullable=False,
    default=DEFAULT_ACCOUNT,
)
ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
"""An account name becomes part of asset keys, resource keys and job names: lower-case identifier."""


def check_account_name(name: str) -> str:
    if not ACCOUNT_NAME.match(name):
        raise ValueError(f"account name {name!r} must be a lower-case identifier (a-z, 0-9, _; starting with a letter; at most 40)")
    return name
