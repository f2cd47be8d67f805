#!/bin/sh
# Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
# POSTGRES_USER/POSTGRES_DB (homegate) are created by the image; this adds the homeserver's own
# role and database so neither service can read the other's tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v hs_password="$HOMESERVER_DB_PASSWORD" <<'SQL'
CREATE ROLE pubky_homeserver LOGIN PASSWORD :'hs_password';
CREATE DATABASE pubky_homeserver OWNER pubky_homeserver;
SQL
