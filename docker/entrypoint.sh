#!/usr/bin/env bash
# Entry point of pg_data_wh: two preparations, then postgres:15's own docker-entrypoint.sh,
# unchanged (POSTGRES_* variables, /docker-entrypoint-initdb.d on first start, gosu to postgres).
#
# 1. The inbox shared with the host (./inbox bind-mounted at STUDENT_ETL_INBOX_ROOT). Its new/,
#    claimed/, processed/ and failed/ are created if missing and made owned by INBOX_UID:INBOX_GID
#    (default: the owner of the mounted directory, i.e. the host user who cloned the stack),
#    mode 2770: the host operator writes deliveries into new/ and reads processed/ and failed/;
#    the server's postgres user joins group INBOX_GID to claim, load and move them. Files keep
#    the owner who wrote them (a move does not change it). A root-owned mount (or INBOX_UID=0)
#    keeps the directories postgres-owned: root reads them anyway.
# 2. The superuser is not the warehouse login. The cluster's bootstrap superuser is
#    POSTGRES_SUPERUSER (password POSTGRES_SUPERUSER_PASSWORD); POSTGRES_USER/POSTGRES_PASSWORD
#    become an ordinary login holding student_etl's "loader" profile, created by
#    /docker-entrypoint-initdb.d/20_roles.sh (STUDENT_ETL_WAREHOUSE_USER/_PASSWORD). With
#    POSTGRES_SUPERUSER unset or equal to POSTGRES_USER, POSTGRES_USER is the superuser, as in
#    postgres:15.
set -euo pipefail

inbox_root=${STUDENT_ETL_INBOX_ROOT:-/var/lib/student_etl/inbox}

prepare_inbox() {
  mkdir -p "$inbox_root"
  local uid=${INBOX_UID:-} gid=${INBOX_GID:-} d
  [ -n "$uid" ] || uid=$(stat -c %u "$inbox_root")
  [ -n "$gid" ] || gid=$(stat -c %g "$inbox_root")
  if [ "$uid" = 0 ]; then
    uid=$(id -u postgres) gid=$(id -g postgres)
  fi
  if [ "$gid" != "$(id -g postgres)" ]; then
    local group
    group=$(getent group "$gid" | cut -d: -f1 || true)
    if [ -z "$group" ]; then
      group=student_etl_inbox
      groupadd -g "$gid" "$group"
    fi
    id -nG postgres | tr ' ' '\n' | grep -qx "$group" || usermod -a -G "$group" postgres
  fi
  for d in new claimed processed failed; do
    mkdir -p "$inbox_root/$d"
    # Only the directories: deliveries keep whoever wrote them.
    chown "$uid:$gid" "$inbox_root/$d"
    chmod 2770 "$inbox_root/$d"
  done
  echo "student-etl-entrypoint: inbox $inbox_root/{new,claimed,processed,failed} owned by $uid:$gid, mode 2770"
}

if [ "$(id -u)" = 0 ] && [ "${1:-}" = postgres ]; then
  prepare_inbox
fi

super=${POSTGRES_SUPERUSER:-}
if [ -n "$super" ] && [ "$super" != "${POSTGRES_USER:-postgres}" ]; then
  export STUDENT_ETL_WAREHOUSE_USER=${POSTGRES_USER:-postgres}
  export STUDENT_ETL_WAREHOUSE_PASSWORD=${POSTGRES_PASSWORD:-}
  export POSTGRES_USER=$super
  export POSTGRES_PASSWORD=${POSTGRES_SUPERUSER_PASSWORD:-}
fi
unset POSTGRES_SUPERUSER_PASSWORD
exec docker-entrypoint.sh "$@"
