#!/usr/bin/env bash
# Quick start, command 2: every test. Installs what is missing, builds and installs the
# extension, then runs the C++ unit tests, the pg_regress suite (sql/ + expected/) and the
# pgTAP suite (test/pgtap) against a throwaway PostgreSQL 15 cluster started with
# shared_preload_libraries = 'pg_cron,student_etl'. The cluster is removed on exit.
set -uo pipefail
source "$(dirname "$0")/common.sh"

"$REPO_ROOT/scripts/install-deps.sh" || exit 1
build_and_install || exit 1

start_throwaway_cluster "${STUDENT_ETL_TEST_PORT:-5499}" \
  "cron.database_name = 'student_etl_tap'" "fsync = off" || exit 1

passed=0 failed=0
suite() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "=== $name FAILED"; fi
}
regress() {
  make -C "$REPO_ROOT" -s installcheck && return 0
  [ -f "$REPO_ROOT/regression.diffs" ] && cat "$REPO_ROOT/regression.diffs"
  return 1
}
suite "unit (GoogleTest)" make -C "$REPO_ROOT" -s unitcheck
suite "unit under ASan+UBSan" make -C "$REPO_ROOT" -s unitcheck-sanitize
[ "${FUZZ_SECONDS:-20}" != 0 ] &&
  suite "fuzz (libFuzzer, ${FUZZ_SECONDS:-20} s)" make -C "$REPO_ROOT" -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
suite "pg_regress" regress
suite "pgTAP (pg_prove)" make -C "$REPO_ROOT" -s prove
for t in "$REPO_ROOT"/test/integration/*.sh; do
  suite "integration: $(basename "$t" .sh)" bash -c "cd \"$REPO_ROOT\" && bash \"$t\""
done

if grep -E "TRAP|PANIC|terminated by signal" "$THROWAWAY_DIR/server.log"; then
  echo "=== server log shows a crash"; failed=$((failed + 1))
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
