# Sourced by test/integration/stack_engine.sh when STUDENT_ETL_STACK_LOAD=1 (it provides deliver,
# wait_run, su_q, check, ok, bad, REPO, WORK, DB, PGBOUNCER_PORT): the dashboards under 1000+
# readers. pgbench opens STUDENT_ETL_STACK_LOAD_CLIENTS (1000) connections to pgbouncer as the
# Grafana login and runs every panel query of the provisioned dashboards (expanded by
# stack_panels.py --emit, one pgbench script each, picked at random per transaction) for
# STUDENT_ETL_STACK_LOAD_SECONDS (30), while a large delivery (the sample x50) is dropped into the
# inbox and loaded. Asserted: no client error, the delivery loaded. Reported, not asserted:
# throughput and the latency percentiles a reader sees (queueing in pgbouncer included).
load_clients=${STUDENT_ETL_STACK_LOAD_CLIENTS:-1000}
load_secs=${STUDENT_ETL_STACK_LOAD_SECONDS:-30}
L=$WORK/load
mkdir -p "$L/sql" "$L/log"
PGPORT=$PGBOUNCER_PORT PGPASSWORD=grafana_reader_pwd python3 "$REPO/test/integration/stack_panels.py" \
  --emit "$L/sql" --user grafana_reader --dbname "$DB" || bad "load test: panel queries not expanded"
scripts=()
for f in "$L"/sql/*.sql; do scripts+=(-f "$f"); done
{ head -n 1 "$REPO/test/data/student-mat.csv"
  for _ in $(seq 50); do tail -n +2 "$REPO/test/data/student-mat.csv"; done; } > "$L/big.csv"
ulimit -n 8192
echo "# load test: $load_clients clients through pgbouncer, $((${#scripts[@]} / 2)) panel queries, $load_secs s"
PGPASSWORD=grafana_reader_pwd /usr/lib/postgresql/15/bin/pgbench -n -h 127.0.0.1 -p "$PGBOUNCER_PORT" \
  -U grafana_reader -d "$DB" -c "$load_clients" -j 2 -T "$load_secs" "${scripts[@]}" \
  --log --log-prefix="$L/log/tx" > "$L/summary.txt" 2>&1 &
bench=$!
# Drop the delivery once the clients are connected and querying.
for _ in $(seq 120); do ls "$L"/log/tx* >/dev/null 2>&1 && [ -s "$(ls "$L"/log/tx* | head -1)" ] && break; sleep 0.5; done
deliver "$L/big.csv" load-test-student-mat.csv
big=$(wait_run load-test-student-mat.csv) || bad "load test: the delivery was not loaded"
[ -n "$big" ] && check "load test: the delivery loaded under load" "loaded 19750" \
  "$(su_q -c "SELECT concat_ws(' ', status, rows_loaded) FROM student_etl.load_runs WHERE run_id = $big")"
wait "$bench"; rc=$?
grep -E "^(number of (clients|threads|transactions actually processed|failed transactions)|latency average|initial connection time|tps)" \
  "$L/summary.txt" | sed 's/^/#   pgbench: /'
# Client errors: pgbench's own messages (an aborted client, a server ERROR), not the scripts' SQL.
errors=$(grep -cE "^pgbench: (error|fatal)|^client [0-9]+ aborted|ERROR: " "$L/summary.txt")
failed_tx=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$L/summary.txt")
[ "${failed_tx:-0}" = 0 ] || errors=$((errors + failed_tx))
[ "$rc" = 0 ] && [ "$errors" = 0 ] && ok "load test: $load_clients clients, no error" ||
  bad "load test: pgbench exit $rc, $errors error lines"
python3 - "$L/log" "$load_secs" <<'PY'
import glob, sys
lat = []
for f in glob.glob(sys.argv[1] + "/tx*"):
    for line in open(f):
        p = line.split()
        if len(p) >= 6:
            lat.append(int(p[2]) / 1000.0)
lat.sort()
def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
secs = float(sys.argv[2])
print(f"# load test: {len(lat)} queries in {secs:.0f} s = {len(lat) / secs:.0f} q/s; "
      f"latency p50 {pct(0.50):.0f} ms, p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms, max {lat[-1] if lat else 0:.0f} ms")
PY
