#!/usr/bin/env python3
"""Writes the provisioned dashboards (student_performance.json, pipeline_health.json) next to
this file. Edit the panels here and run it; test/integration/stack_files.sh checks the JSON
files are what this writes. Every panel reads the metrics views (student_etl.group_metrics,
run_metrics, latest_runs, q1..q5, load_history, reject_reasons, delivery_quality,
missing_values_by_column) or the dashboard schema over
pg_cron and the inbox -- never the fact table."""
import json
import os

DS = {"type": "postgres", "uid": "student_etl_pg"}
HERE = os.path.dirname(os.path.abspath(__file__))


class Layout:
    def __init__(self):
        self.x = self.y = self.row_h = 0
        self.next_id = 1

    def place(self, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_h = max(self.row_h, h)
        self.next_id += 1
        return self.next_id - 1, pos


def panel(layout, title, kind, sql, fmt="table", w=12, h=8, description="", unit=None,
          options=None, empty_ok=None):
    pid, pos = layout.place(w, h)
    p = {
        "id": pid, "type": kind, "title": title, "description": description,
        "datasource": DS, "gridPos": pos,
        "targets": [{"refId": "A", "datasource": DS, "editorMode": "code", "rawQuery": True,
                     "format": fmt, "rawSql": sql.strip()}],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": options or {},
    }
    if unit:
        p["fieldConfig"]["defaults"]["unit"] = unit
    if empty_ok:
        # Read by the panel test: why this panel may have no rows on a fresh database.
        p["targets"][0]["student_etl_empty_ok"] = empty_ok
    return p


def query_var(name, label, sql, multi=True):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": sql, "definition": sql, "refresh": 1, "multi": multi,
            "includeAll": multi, "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "sort": 1, "hide": 0, "options": []}


def dashboard(uid, title, description, panels, variables, time_from, tags):
    return {
        "uid": uid, "title": title, "description": description, "tags": tags,
        "editable": False, "schemaVersion": 39, "version": 1, "timezone": "browser",
        "refresh": "5m", "time": {"from": time_from, "to": "now"},
        "templating": {"list": variables}, "annotations": {"list": []},
        "links": [], "panels": panels,
    }


def bars_by(dimension, extra_filter=""):
    return f"""
SELECT bucket AS "{dimension}", subject, pass_rate, mean_grade / 20 AS mean_grade_share, at_risk_share
  FROM student_etl.group_metrics
 WHERE dimension = '{dimension}' AND subject IN ($subject){extra_filter}
 ORDER BY bucket, subject"""


def student_performance():
    L = Layout()
    order = {"study_time": "array_position(ARRAY['<2h','2-5h','5-10h','>10h'], bucket)",
             "absence_band": "array_position(ARRAY['none','low','medium','high'], bucket)",
             "alcohol_level": "array_position(ARRAY['low','moderate','high'], bucket)"}
    panels = [
        panel(L, "Students", "stat", """
SELECT sum(students) AS students FROM student_etl.group_metrics
 WHERE dimension = 'all' AND subject IN ($subject)""", w=6, h=4),
        panel(L, "Pass rate (G3 >= 10)", "stat", """
SELECT round(sum(pass_rate * students) / sum(students), 4) AS pass_rate
  FROM student_etl.group_metrics WHERE dimension = 'all' AND subject IN ($subject)""",
              w=6, h=4, unit="percentunit"),
        panel(L, "Mean final grade (G3, 0-20)", "stat", """
SELECT round(sum(mean_g3 * students) / sum(students), 2) AS mean_g3
  FROM student_etl.group_metrics WHERE dimension = 'all' AND subject IN ($subject)""", w=6, h=4),
        panel(L, "At-risk students", "stat", """
SELECT round(sum(at_risk_share * students)) AS at_risk_students
  FROM student_etl.group_metrics WHERE dimension = 'all' AND subject IN ($subject)""", w=6, h=4,
              description="Any past failure, or mean of G1 and G2 below 10, or 20+ absences."),
        panel(L, "Grade distribution (G3)", "barchart", """
SELECT g3::text AS "final grade", sum(students) AS students
  FROM student_etl.grade_distribution
 WHERE subject IN ($subject) AND school IN ($school)
 GROUP BY g3 ORDER BY g3""", w=12, h=9,
              description="Students per final grade (0-20), latest load of each subject; pass mark 10."),
        panel(L, "Pass rate, mean grade, at-risk share by school", "barchart",
              bars_by("school", " AND bucket IN ($school)"), w=12, h=9,
              description="mean_grade_share is the mean grade over 20."),
        panel(L, "By sex", "barchart", bars_by("sex"), w=8, h=8),
        panel(L, "By address (U urban, R rural)", "barchart", bars_by("address"), w=8, h=8),
        panel(L, "By weekly study time", "barchart", bars_by("study_time").replace(
            "ORDER BY bucket, subject", f"ORDER BY {order['study_time']}, subject"), w=8, h=8),
        panel(L, "Absences vs grade", "barchart", f"""
SELECT bucket AS absences, subject, mean_absences, mean_grade, pass_rate
  FROM student_etl.group_metrics
 WHERE dimension = 'absence_band' AND subject IN ($subject)
 ORDER BY {order['absence_band']}, subject""", w=12, h=8,
              description="Bands: none 0, low 1-5, medium 6-15, high 16+."),
        panel(L, "Alcohol vs grade", "barchart", f"""
SELECT bucket AS alcohol_level, subject, mean_alcohol_index, mean_grade, pass_rate
  FROM student_etl.group_metrics
 WHERE dimension = 'alcohol_level' AND subject IN ($subject)
 ORDER BY {order['alcohol_level']}, subject""", w=12, h=8,
              description="Alcohol index (5 Dalc + 2 Walc) / 7: low < 2, moderate < 3, high >= 3."),
        panel(L, "At-risk share by group", "table", """
SELECT subject, dimension, bucket, students, at_risk_share,
       round(at_risk_share * students) AS at_risk_students
  FROM student_etl.group_metrics
 WHERE subject IN ($subject) AND dimension <> 'all'
   AND (dimension <> 'school' OR bucket IN ($school))
 ORDER BY at_risk_share DESC, students DESC
 LIMIT 15""", w=12, h=9),
        panel(L, "Pass rate over loads", "timeseries", """
SELECT $__time(loaded_at), subject AS metric, pass_rate
  FROM student_etl.run_metrics
 WHERE $__timeFilter(loaded_at) AND subject IN ($subject)
 ORDER BY 1""", fmt="time_series", w=12, h=9, unit="percentunit"),
        panel(L, "Q1. Mother's jobs of male students under 20", "table", """
SELECT subject, mjob, students FROM student_etl.q1_mother_jobs_of_young_male_students
 WHERE subject IN ($subject) ORDER BY subject, mjob""", w=8, h=8),
        panel(L, "Q2. Rural students' most frequent travel time", "table", """
SELECT subject, traveltime, students FROM student_etl.q2_rural_most_frequent_traveltime
 WHERE subject IN ($subject) ORDER BY subject, traveltime""", w=8, h=8,
              description="traveltime 1: <15 min, 2: 15-30 min, 3: 30 min-1 h, 4: >1 h."),
        panel(L, "Q3. Top 3 father's jobs by parents' status", "table", """
SELECT subject, pstatus, rank, fjob, students, tied_with_next
  FROM student_etl.q3_top_father_jobs_by_pstatus
 WHERE subject IN ($subject) ORDER BY subject, pstatus, rank""", w=8, h=8),
        panel(L, "Q4. Most frequent past failures by family size", "table", """
SELECT subject, famsize, failures, students FROM student_etl.q4_most_frequent_failures_by_famsize
 WHERE subject IN ($subject) ORDER BY subject, famsize, failures""", w=12, h=7),
        panel(L, "Q5. Median absences by family relationship and sex", "table", """
SELECT subject, famrel_band, sex, students, median_absences
  FROM student_etl.q5_median_absences_by_famrel_sex
 WHERE subject IN ($subject) ORDER BY subject, famrel_band DESC, sex""", w=12, h=7),
    ]
    variables = [
        query_var("subject", "Subject", "SELECT subject FROM student_etl.latest_runs ORDER BY 1"),
        query_var("school", "School", "SELECT DISTINCT bucket FROM student_etl.group_metrics "
                  "WHERE dimension = 'school' AND subject IN ($subject) ORDER BY 1"),
    ]
    return dashboard("student-etl-performance", "Student performance",
                     "UCI Student Performance, latest load of each subject (student_etl metrics views).",
                     panels, variables, "now-90d", ["student_etl"])


def pipeline_health():
    L = Layout()
    no_cron_runs = "pg_cron has not run a student_etl job yet"
    panels = [
        panel(L, "Last successful load", "stat", """
SELECT extract(epoch FROM now() - max(finished_at)) AS age_seconds
  FROM student_etl.load_history WHERE status = 'loaded'""", w=6, h=4, unit="s",
              description="Time since the latest load that added rows."),
        panel(L, "Loads in range", "stat", """
SELECT count(*) FILTER (WHERE status = 'loaded') AS loaded,
       count(*) FILTER (WHERE status = 'skipped') AS skipped
  FROM student_etl.load_history WHERE $__timeFilter(started_at)""", w=6, h=4),
        panel(L, "Rows rejected in range", "stat", """
SELECT coalesce(sum(rows_rejected), 0) AS rows_rejected
  FROM student_etl.load_history WHERE $__timeFilter(started_at)""", w=6, h=4),
        panel(L, "Inbox queue", "stat", """
SELECT count(*) FILTER (WHERE NOT loaded) AS waiting, count(*) FILTER (WHERE loaded) AS loaded
  FROM dashboard.inbox()""", w=6, h=4,
              description="Delivery files in the inbox: waiting for the next run, or already loaded."),
        panel(L, "Loads over time", "timeseries", """
SELECT $__timeGroupAlias(started_at, '1d'),
       count(*) FILTER (WHERE status = 'loaded') AS loaded,
       count(*) FILTER (WHERE status = 'skipped') AS skipped,
       count(*) FILTER (WHERE failed) AS failed
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at)
 GROUP BY 1 ORDER BY 1""", fmt="time_series", w=12, h=8),
        panel(L, "Rows loaded vs rejected per run", "timeseries", """
SELECT $__time(started_at), rows_loaded AS loaded, rows_rejected AS rejected
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at) AND status = 'loaded'
 ORDER BY 1""", fmt="time_series", w=12, h=8,
              options={"legend": {"displayMode": "list", "placement": "bottom"}}),
        panel(L, "Delivery quality per run", "timeseries", """
SELECT $__time(loaded_at), reject_rate, missing_rate
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY 1""", fmt="time_series", w=12, h=8, unit="percentunit",
              description="Per loaded delivery: rejected records / records read, and loaded records "
                          "with a missing value (kept as NULL or defaulted) / records loaded."),
        panel(L, "Duplicates and likely dropouts per run", "timeseries", """
SELECT $__time(loaded_at), duplicate_records, likely_dropouts
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY 1""", fmt="time_series", w=12, h=8,
              description="Loaded records repeating an earlier record of the same delivery, and "
                          "students with G3 = 0 and absences = 0 (left out of pass rates)."),
        panel(L, "Missing values by column", "table", """
SELECT column_name, sum(missing) AS missing, sum(kept_null) AS kept_null, sum(defaulted) AS defaulted,
       sum(rejected) AS in_rejected_records, count(DISTINCT run_id) AS runs
  FROM student_etl.missing_values_by_column
 WHERE $__timeFilter(loaded_at)
 GROUP BY column_name ORDER BY 2 DESC, 1 LIMIT 33""", w=12, h=8,
              empty_ok="no delivery with a missing value has been loaded yet",
              description="Empty or NA/N/A/null/? fields per column (student_etl.missing_value_markers) "
                          "and what became of them (student_etl.missing_value_policy)."),
        panel(L, "Latest deliveries' quality", "table", """
SELECT run_id, loaded_at, subject, rows_read, reject_rate, rows_with_missing, missing_values,
       duplicate_records, likely_dropouts
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY run_id DESC LIMIT 20""", w=12, h=8),
        panel(L, "Top reject reasons", "table", """
SELECT reason, sum(occurrences) AS occurrences, count(DISTINCT run_id) AS runs
  FROM student_etl.reject_reasons
 WHERE $__timeFilter(started_at)
 GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 10""", w=12, h=8,
              empty_ok="no delivery with rejected rows has been loaded yet"),
        panel(L, "Recent loads", "table", """
SELECT run_id, started_at, subject, status, file_name, rows_read, rows_loaded, rows_rejected,
       round(duration_seconds::numeric, 2) AS seconds
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at)
 ORDER BY run_id DESC LIMIT 20""", w=12, h=8),
        panel(L, "Queue", "table", """
SELECT job_id, state, target, run_id, attempts, enqueued_at, finished_at
  FROM student_etl.queue_history ORDER BY job_id DESC LIMIT 20""", w=8, h=8,
              empty_ok="nothing has been queued yet",
              description="The background worker's load queue (student_etl.enqueue, scheduled sweeps)."),
        panel(L, "Schedule", "table", """
SELECT jobname, schedule, active, command FROM dashboard.schedule ORDER BY jobname""", w=8, h=8,
              description="pg_cron jobs of student_etl (time zone GMT)."),
        panel(L, "Scheduled runs", "table", """
SELECT start_time, jobname, status, round(duration_seconds::numeric, 2) AS seconds, return_message
  FROM dashboard.job_runs
 WHERE $__timeFilter(start_time)
 ORDER BY start_time DESC LIMIT 20""", w=8, h=8, empty_ok=no_cron_runs),
        panel(L, "Scheduled runs by status", "timeseries", """
SELECT $__timeGroupAlias(start_time, '1h'), status AS metric, count(*) AS runs
  FROM dashboard.job_runs
 WHERE $__timeFilter(start_time)
 GROUP BY 1, 2 ORDER BY 1""", fmt="time_series", w=24, h=7, empty_ok=no_cron_runs),
    ]
    return dashboard("student-etl-pipeline", "Pipeline health",
                     "student_etl loads: runs, rows loaded and rejected, data quality, reasons, inbox queue, schedule.",
                     panels, [], "now-30d", ["student_etl"])


def render():
    return {"student_performance.json": student_performance(),
            "pipeline_health.json": pipeline_health()}


if __name__ == "__main__":
    for name, dash in render().items():
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(dash, f, indent=2)
            f.write("\n")
