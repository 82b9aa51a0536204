# Shared by bench/metrics_views.sh and bench/run.sh: times every metrics view the dashboards
# (Grafana) read, inside the server, against the cluster in PGHOST/PGPORT/PGUSER. count(x)
# takes the whole row, so the planner cannot skip computing any column of the view.

METRICS_VIEWS=(group_metrics run_metrics latest_runs
               q1_mother_jobs_of_young_male_students q2_rural_most_frequent_traveltime
               q3_top_father_jobs_by_pstatus q4_most_frequent_failures_by_famsize
               q5_median_absences_by_famrel_sex)

# time_metrics_views [REPS]: prints one Markdown row `| view | rows | median ms |` per view:
# the median of REPS (default 7) runs of `SELECT * FROM view`, timed with clock_timestamp()
# in a DO block, so no client round trip is counted.
time_metrics_views() {
  local reps=${1:-7} v
  for v in "${METRICS_VIEWS[@]}"; do
    psql -X -qtA -v ON_ERROR_STOP=1 <<SQL
DO \$\$
DECLARE t timestamptz; ms float8[] := '{}'; n bigint;
BEGIN
  FOR i IN 1..$reps LOOP
    t := clock_timestamp();
    SELECT count(x) INTO n FROM (SELECT * FROM student_etl.$v) x;  -- count(x): every column computed
    ms := ms || extract(epoch FROM clock_timestamp() - t) * 1000;
  END LOOP;
  RAISE NOTICE '| % | % | % |', '$v', n,
    (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY m)::numeric, 2) FROM unnest(ms) m);
END \$\$;
SQL
  done 2>&1 | sed 's/^NOTICE:  //'
}
