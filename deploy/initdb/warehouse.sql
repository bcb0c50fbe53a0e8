-- docker-compose.yml: a database for the warehouse and the call ledger, next to the instance's. The image's
-- entrypoint runs this once, on an empty data directory, as POSTGRES_USER, who then owns it.
CREATE DATABASE warehouse;
