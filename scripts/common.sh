# Shared by scripts/*.sh: paths and helpers for running PostgreSQL 15 as the postgres user.
PG_BIN=/usr/lib/postgresql/15/bin
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_postgres() { runuser -u postgres -- "$@"; }

build_and_install() {
  make -C "$REPO_ROOT" -s -j"$(nproc)"
  make -C "$REPO_ROOT" -s install
}
