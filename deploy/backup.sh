#!/usr/bin/env bash
# Roundtable database backups (issue 15): a pg_dump of the stack's PostgreSQL, kept
# for RETENTION_DAYS, and the restore that goes with it.
#
#   deploy/backup.sh dump               write $BACKUP_DIR/roundtable-YYYYmmddTHHMMSSZ.dump,
#                                       check it can be read back, delete dumps older
#                                       than RETENTION_DAYS
#   deploy/backup.sh list               the dumps, newest first
#   deploy/backup.sh restore FILE       stop app and worker, restore FILE into the
#                                       database (dropping what is there), migrate to
#                                       head, start app and worker again
#
# Scheduled from root's crontab on the host, every night at 03:17 UTC:
#   17 3 * * * /srv/roundtable/deploy/backup.sh dump >>/var/log/roundtable-backup.log 2>&1
# A dump on the same disk as the database is no backup: copy $BACKUP_DIR off the host
# (restic, rclone, or the provider's snapshots) and test a restore every month
# (HANDOVER.md, Backups and restore).
set -euo pipefail

cd "$(dirname "$0")"   # compose.yaml's folder: compose reads ./.env from here

BACKUP_DIR="${BACKUP_DIR:-/var/backups/roundtable}"
RETENTION_DAYS="${RETENTION_DAYS:-14}"
COMPOSE=(docker compose --file compose.yaml)
DB_ARGS=(--username=roundtable --dbname=roundtable)

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

dump() {
  mkdir -p "$BACKUP_DIR"
  chmod 700 "$BACKUP_DIR"
  local name partial
  name="$BACKUP_DIR/roundtable-$(date -u +%Y%m%dT%H%M%SZ).dump"
  partial="$name.partial"
  # Custom format: compressed, and pg_restore can pick tables or run in parallel.
  "${COMPOSE[@]}" exec -T postgres pg_dump "${DB_ARGS[@]}" --format=custom --no-owner \
    >"$partial"
  # A dump that pg_restore cannot list is not kept.
  "${COMPOSE[@]}" exec -T postgres pg_restore --list <"$partial" >/dev/null
  chmod 600 "$partial"
  mv "$partial" "$name"
  log "backup written: $name ($(du -h "$name" | cut -f1))"
  find "$BACKUP_DIR" -name 'roundtable-*.dump' -type f -mtime "+$RETENTION_DAYS" -print -delete \
    | while read -r old; do log "backup removed (older than $RETENTION_DAYS days): $old"; done
}

list() {
  ls -1t "$BACKUP_DIR"/roundtable-*.dump 2>/dev/null || log "no backups in $BACKUP_DIR"
}

restore() {
  local file="${1:?usage: backup.sh restore FILE}"
  [[ -r "$file" ]] || { log "cannot read $file"; exit 2; }
  log "restoring $file: app, worker and caddy stop until it is done"
  "${COMPOSE[@]}" stop caddy app worker
  "${COMPOSE[@]}" exec -T postgres pg_restore "${DB_ARGS[@]}" --clean --if-exists \
    --no-owner --single-transaction --exit-on-error <"$file"
  # A dump taken before the newest migration is brought to head; one taken by a newer
  # release than the image running now stops here (see HANDOVER.md, Rollback).
  "${COMPOSE[@]}" run --rm migrate
  "${COMPOSE[@]}" up -d app worker caddy
  log "restored $file; check that https://SITE_ADDRESS/readyz answers 200"
}

case "${1:-}" in
  dump) dump ;;
  list) list ;;
  restore) shift; restore "$@" ;;
  *) echo "usage: $0 dump | list | restore FILE" >&2; exit 2 ;;
esac
