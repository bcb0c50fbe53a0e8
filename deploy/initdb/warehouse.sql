-- docker-compose.yml: a database for the warehouse and the call ledger, next to the instance's.
CREATE DATABASE warehouse OWNER dagster;
