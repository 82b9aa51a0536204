#!/usr/bin/env python3
"""Writes the provisioned dashboards (student_performance.json, pipeline_health.json) next to
this file. Edit the panels here and run it; test/integration/stack_files.sh checks the JSON
files are what this writes, test/integration/stack_validate.sh type-checks them against
Grafana's own types. Every panel reads the metrics views (student_etl.group_metrics,
run_metrics, latest_runs, q1..q5, load_history, reject_reasons, delivery_quality,
missing_values_by_column, group_trends, delivery_drift_summary, course_overlap) or the pipeline views over
pg_cron, the inbox and failed loads (pipeline_schedules, pipeline_job_runs, inbox_files,
load_failures) -- never the fact table. The two courses are never added together: each
student panel shows every subject as its own value or series (382 students take both). One
scale per panel (a share in %, a grade 0-20, a count), thresholds where a value can be bad,
a title and a description on each. STALE_SECONDS and REJECT_RATE_ALERT are also the
thresholds of the provisioned alert rules (grafana/provisioning/alerting/)."""
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
          options=None, empty_ok=None, defaults=None, custom=None, overrides=None):
    if not description:
        raise ValueError(f"panel {title!r} has no description")
    pid, pos = layout.place(w, h)
    p = {
        "id": pid, "type": kind, "title": title, "description": description,
        "datasource": DS, "gridPos": pos,
        "targets": [{"refId": "A", "datasource": DS, "editorMode": "code", "rawQuery": True,
                     "format": fmt, "rawSql": sql.strip()}],
        "fieldConfig": {"defaults": dict(defaults or {}), "overrides": overrides or []},
        "options": options or {},
    }
    if unit:
        p["fieldConfig"]["defaults"]["unit"] = unit
    if custom:
        p["fieldConfig"]["defaults"]["custom"] = custom
    if empty_ok:
        # Read by the panel test: why this panel may have no rows on a fresh database.
        p["targets"][0]["student_etl_empty_ok"] = empty_ok
    return p


def thresholds(base, *steps):
    """Absolute thresholds: the base colour, then (value, colour) from each value up."""
    return {"mode": "absolute",
            "steps": [{"color": base, "value": None}] + [{"color": c, "value": v} for v, c in steps]}


# Scales, one per panel: a share of students (0-1, shown in %), a grade (0-20), a count.
SHARE = {"unit": "percentunit", "min": 0, "max": 1, "decimals": 1}
GRADE = {"unit": "none", "min": 0, "max": 20, "decimals": 1}
PASS_T = thresholds("red", (0.5, "orange"), (0.7, "green"))
GRADE_T = thresholds("red", (10, "green"))
RISK_T = thresholds("green", (0.3, "orange"), (0.5, "red"))
# One value per subject, side by side, never summed (382 students are in both courses).
PER_SUBJECT = {"reduceOptions": {"values": True, "calcs": [], "fields": ""},
               "textMode": "value_and_name", "colorMode": "value", "graphMode": "none",
               "justifyMode": "auto", "orientation": "horizontal"}
TIME_LEGEND = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
               "tooltip": {"mode": "multi", "sort": "none"}}
BAR_OPTS = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "none"}, "xTickLabelRotation": 0,
            "showValue": "auto", "groupWidth": 0.7, "barWidth": 0.9}
TABLE_OPTS = {"showHeader": True, "cellHeight": "sm"}
SUBJECTS_NOTE = ("Math and Portuguese are two courses, shown side by side and never added: "
                 "382 students take both.")


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


def by_subject(label, measure, dimension, order="bucket", extra_filter=""):
    """One row per bucket, one column per subject: each course its own series."""
    return f"""
SELECT bucket AS "{label}",
       max({measure}) FILTER (WHERE subject = 'math') AS math,
       max({measure}) FILTER (WHERE subject = 'portuguese') AS portuguese
  FROM student_etl.group_metrics
 WHERE dimension = '{dimension}' AND subject IN ($subject){extra_filter}
 GROUP BY bucket ORDER BY {order}"""


def bars_by_subject(layout, title, label, measure, dimension, order="bucket", extra_filter="",
                    description=""):
    """A bar chart of one measure by one dimension, a series per subject, on the measure's own
    scale with its thresholds drawn: pass rate (a share) or mean grade (0-20)."""
    scale = dict(SHARE, thresholds=PASS_T) if measure == "pass_rate" else dict(GRADE, thresholds=GRADE_T)
    return panel(layout, title, "barchart", by_subject(label, measure, dimension, order, extra_filter),
                 w=12, h=8, options=BAR_OPTS, defaults=scale,
                 custom={"thresholdsStyle": {"mode": "dashed"}}, description=description)


def student_performance():
    L = Layout()
    order = {"study_time": "array_position(ARRAY['<2h','2-5h','5-10h','>10h'], bucket)",
             "absence_band": "array_position(ARRAY['none','low','medium','high'], bucket)",
             "alcohol_level": "array_position(ARRAY['low','moderate','high'], bucket)",
             "age": "bucket::int"}
    per_subject_all = """
SELECT subject, {expr} AS "{name}"
  FROM student_etl.group_metrics WHERE dimension = 'all' AND subject IN ($subject)
 ORDER BY subject"""
    panels = [
        panel(L, "Students per subject", "stat",
              per_subject_all.format(expr="students", name="students"), w=6, h=5,
              options=PER_SUBJECT, defaults={"unit": "short", "decimals": 0},
              description="Students in the latest load of each subject. " + SUBJECTS_NOTE),
        panel(L, "Different students, both courses", "stat", """
SELECT students_total AS "different students", students_in_both AS "in both courses"
  FROM student_etl.course_overlap""", w=6, h=5,
              defaults={"unit": "short", "decimals": 0},
              description="Students of the latest math and Portuguese deliveries, a student who takes "
                          "both courses counted once: records matched on the 13 identifying attributes "
                          "of the data dictionary (course_matches); a combination shared by several "
                          "records counts at most the smaller number of records. Empty where a group is "
                          "too small to publish."),
        panel(L, "Pass rate (G3 >= 10)", "stat",
              per_subject_all.format(expr="pass_rate", name="pass rate"), w=6, h=5,
              options=PER_SUBJECT, defaults=dict(SHARE, thresholds=PASS_T),
              description="Share of students with a final grade (G3) of 10 or more, per subject. "
                          "Red below 50 %, orange below 70 %."),
        panel(L, "Mean final grade (G3, 0-20)", "stat",
              per_subject_all.format(expr="mean_g3", name="mean G3"), w=6, h=5,
              options=PER_SUBJECT, defaults=dict(GRADE, thresholds=GRADE_T),
              description="Mean final grade on the 0-20 scale, per subject; red below the pass mark 10."),
        panel(L, "At-risk share", "stat",
              per_subject_all.format(expr="at_risk_share", name="at risk"), w=6, h=5,
              options=PER_SUBJECT, defaults=dict(SHARE, thresholds=RISK_T),
              description="Share of students at risk, per subject: any past failure, or mean of "
                          "G1 and G2 below 10, or 20+ absences. Orange from 30 %, red from 50 %."),
        panel(L, "Grade distribution (G3)", "barchart", """
SELECT g3::text AS "final grade",
       sum(students) FILTER (WHERE subject = 'math') AS math,
       sum(students) FILTER (WHERE subject = 'portuguese') AS portuguese
  FROM student_etl.grade_distribution
 WHERE subject IN ($subject) AND school IN ($school)
 GROUP BY g3 ORDER BY g3""", w=12, h=9, options=BAR_OPTS,
              defaults={"unit": "short", "decimals": 0}, custom={"axisSoftMin": 0},
              description="Students per final grade (0-20), latest load of each subject, one "
                          "series per subject; the pass mark is 10."),
        panel(L, "Mean G1, G2, G3 by age", "barchart", f"""
SELECT bucket AS age,
       max(mean_g1) FILTER (WHERE subject = 'math') AS "math G1",
       max(mean_g2) FILTER (WHERE subject = 'math') AS "math G2",
       max(mean_g3) FILTER (WHERE subject = 'math') AS "math G3",
       max(mean_g1) FILTER (WHERE subject = 'portuguese') AS "portuguese G1",
       max(mean_g2) FILTER (WHERE subject = 'portuguese') AS "portuguese G2",
       max(mean_g3) FILTER (WHERE subject = 'portuguese') AS "portuguese G3"
  FROM student_etl.group_metrics
 WHERE dimension = 'age' AND subject IN ($subject)
 GROUP BY bucket ORDER BY {order['age']}""", w=12, h=9, options=BAR_OPTS,
              defaults=GRADE, custom={"axisSoftMin": 0},
              description="Mean first-period (G1), second-period (G2) and final (G3) grade, 0-20, "
                          "by age (15-22), per subject."),
        bars_by_subject(L, "Pass rate by school", "school", "pass_rate", "school",
                        extra_filter=" AND bucket IN ($school)",
                        description="Pass rate (G3 >= 10) per school (GP Gabriel Pereira, MS Mousinho "
                                    "da Silveira), one series per subject."),
        bars_by_subject(L, "Pass rate by sex", "sex", "pass_rate", "sex",
                        description="Pass rate (G3 >= 10) of female (F) and male (M) students, per subject."),
        bars_by_subject(L, "Pass rate by address", "address", "pass_rate", "address",
                        description="Pass rate (G3 >= 10) of urban (U) and rural (R) students, per subject."),
        bars_by_subject(L, "Pass rate by weekly study time", "study time", "pass_rate", "study_time",
                        order["study_time"],
                        description="Pass rate (G3 >= 10) by weekly study time (<2 h, 2-5 h, 5-10 h, "
                                    ">10 h), per subject."),
        bars_by_subject(L, "Mean grade by absences", "absences", "mean_grade", "absence_band",
                        order["absence_band"],
                        description="Mean of G1, G2, G3 (0-20) by absence band (none 0, low 1-5, "
                                    "medium 6-15, high 16+), per subject."),
        bars_by_subject(L, "Mean grade by alcohol use", "alcohol use", "mean_grade", "alcohol_level",
                        order["alcohol_level"],
                        description="Mean of G1, G2, G3 (0-20) by alcohol index (5 Dalc + 2 Walc) / 7: "
                                    "low < 2, moderate < 3, high >= 3; per subject."),
        panel(L, "At-risk share by group", "table", """
SELECT subject, dimension, bucket, students, at_risk_share,
       round(at_risk_share * students) AS at_risk_students
  FROM student_etl.group_metrics
 WHERE subject IN ($subject) AND dimension <> 'all'
   AND (dimension <> 'school' OR bucket IN ($school))
 ORDER BY at_risk_share DESC, students DESC
 LIMIT 15""", w=12, h=9, options=TABLE_OPTS,
              overrides=[{"matcher": {"id": "byName", "options": "at_risk_share"},
                          "properties": [{"id": "unit", "value": "percentunit"},
                                         {"id": "thresholds", "value": RISK_T},
                                         {"id": "custom.cellOptions", "value": {"type": "color-text"}}]}],
              description="The 15 groups (dimension = bucket, within one subject) with the highest "
                          "share of at-risk students."),
        panel(L, "Pass rate over loads", "timeseries", """
SELECT $__time(loaded_at), subject AS metric, pass_rate
  FROM student_etl.run_metrics
 WHERE $__timeFilter(loaded_at) AND subject IN ($subject)
 ORDER BY 1""", fmt="time_series", w=12, h=9, options=TIME_LEGEND,
              defaults=dict(SHARE, thresholds=PASS_T),
              custom={"thresholdsStyle": {"mode": "dashed"}, "drawStyle": "line", "showPoints": "always"},
              description="Pass rate (G3 >= 10) of each loaded delivery, one line per subject."),
        panel(L, "Pass rate per school across deliveries", "timeseries", """
SELECT $__time(loaded_at), subject || ' ' || bucket AS metric, pass_rate
  FROM student_etl.group_trends
 WHERE $__timeFilter(loaded_at) AND dimension = 'school' AND subject IN ($subject) AND bucket IN ($school)
 ORDER BY 1""", fmt="time_series", w=12, h=9, options=TIME_LEGEND,
              defaults=dict(SHARE, thresholds=PASS_T),
              custom={"thresholdsStyle": {"mode": "dashed"}, "drawStyle": "line", "showPoints": "always"},
              description="Pass rate (G3 >= 10) of each school in every kept delivery, one line per "
                          "subject and school (group_trends; other groups are there too). A group too "
                          "small to publish is left out."),
        panel(L, "Drift against the previous delivery", "table", """
SELECT subject, loaded_at, flagged_measures, flagged_means, flagged_shares, codes_appeared,
       codes_vanished, student_count_flagged
  FROM student_etl.delivery_drift_summary
 WHERE $__timeFilter(loaded_at) AND subject IN ($subject)
 ORDER BY loaded_at DESC""", w=12, h=9, options=TABLE_OPTS,
              empty_ok="no subject has a second delivery to compare with yet",
              defaults={"thresholds": thresholds("green", (1, "orange"))},
              description="Per delivery, how many measures moved past the drift thresholds against "
                          "the previous delivery of the same subject: means (in standard deviations), "
                          "code shares, codes that appeared or vanished, and the student count "
                          "(delivery_drift has each measure)."),
        panel(L, "Q1. Mother's jobs of male students under 20", "table", """
SELECT subject, mjob, students FROM student_etl.q1_mother_jobs_of_young_male_students
 WHERE subject IN ($subject) ORDER BY subject, mjob""", w=8, h=8, options=TABLE_OPTS,
              description="Male students younger than 20, by mother's job, per subject."),
        panel(L, "Q2. Rural students' most frequent travel time", "table", """
SELECT subject, traveltime, students FROM student_etl.q2_rural_most_frequent_traveltime
 WHERE subject IN ($subject) ORDER BY subject, traveltime""", w=8, h=8, options=TABLE_OPTS,
              description="The most frequent home-to-school travel time of rural students, per subject. "
                          "traveltime 1: <15 min, 2: 15-30 min, 3: 30 min-1 h, 4: >1 h."),
        panel(L, "Q3. Top 3 father's jobs by parents' status", "table", """
SELECT subject, pstatus, rank, fjob, students, tied_with_next
  FROM student_etl.q3_top_father_jobs_by_pstatus
 WHERE subject IN ($subject) ORDER BY subject, pstatus, rank""", w=8, h=8, options=TABLE_OPTS,
              description="The three most frequent father's jobs for parents living together (T) "
                          "and apart (A), per subject."),
        panel(L, "Q4. Most frequent past failures by family size", "table", """
SELECT subject, famsize, failures, students FROM student_etl.q4_most_frequent_failures_by_famsize
 WHERE subject IN ($subject) ORDER BY subject, famsize, failures""", w=12, h=7, options=TABLE_OPTS,
              description="The most frequent number of past class failures for families of up to "
                          "3 (LE3) and more than 3 (GT3), per subject."),
        panel(L, "Q5. Median absences by family relationship and sex", "table", """
SELECT subject, famrel_band, sex, students, median_absences
  FROM student_etl.q5_median_absences_by_famrel_sex
 WHERE subject IN ($subject) ORDER BY subject, famrel_band DESC, sex""", w=12, h=7, options=TABLE_OPTS,
              description="Median school absences by quality of family relationships (low 1-2, "
                          "average 3) and sex, per subject."),
    ]
    variables = [
        query_var("subject", "Subject", "SELECT subject FROM student_etl.latest_runs ORDER BY 1"),
        query_var("school", "School", "SELECT DISTINCT bucket FROM student_etl.group_metrics "
                  "WHERE dimension = 'school' AND subject IN ($subject) ORDER BY 1"),
    ]
    return dashboard("student-etl-performance", "Student performance",
                     "UCI Student Performance, latest load of each subject (student_etl metrics "
                     "views). " + SUBJECTS_NOTE,
                     panels, variables, "now-90d", ["student_etl"])


# No successful delivery for this long is stale (the schedule delivers every second day).
STALE_SECONDS = 50 * 3600
# A reject rate above this is worth a look (also the alert rule's threshold).
REJECT_RATE_ALERT = 0.05


def pipeline_health():
    L = Layout()
    no_cron_runs = "pg_cron has not run a student_etl job yet"
    panels = [
        panel(L, "Last successful load", "stat", """
SELECT extract(epoch FROM now() - max(finished_at)) AS age_seconds
  FROM student_etl.load_history WHERE status = 'loaded'""", w=6, h=4, unit="s",
              options={"colorMode": "background", "graphMode": "none", "textMode": "value",
                       "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}},
              defaults={"thresholds": thresholds("green", (STALE_SECONDS, "red")), "decimals": 0},
              description="Time since the latest load that added rows. Red after 50 hours without "
                          "one: deliveries come every second day, so a missed one is stale."),
        panel(L, "Failed loads in range", "stat", """
SELECT count(*) AS failed FROM student_etl.load_failures WHERE $__timeFilter(started_at)""",
              w=6, h=4, defaults={"unit": "short", "decimals": 0,
                                  "thresholds": thresholds("green", (1, "red"))},
              options={"colorMode": "background", "graphMode": "none",
                       "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}},
              description="Loads that failed (nothing loaded) in the time range; see \"Failed loads\" for why."),
        panel(L, "Reject rate in range", "stat", """
SELECT coalesce(sum(rows_rejected)::numeric / nullif(sum(rows_read), 0), 0) AS reject_rate
  FROM student_etl.load_history WHERE $__timeFilter(started_at) AND status = 'loaded'""",
              w=6, h=4, defaults={"unit": "percentunit", "decimals": 2, "min": 0,
                                  "thresholds": thresholds("green", (0.02, "orange"), (REJECT_RATE_ALERT, "red"))},
              options={"colorMode": "background", "graphMode": "none",
                       "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}},
              description="Records rejected over records read, loads in the time range. Orange from "
                          "2 %, red from 5 % (the alert threshold)."),
        panel(L, "Inbox queue", "stat", """
SELECT count(*) FILTER (WHERE NOT loaded) AS waiting, count(*) FILTER (WHERE loaded) AS "already loaded"
  FROM student_etl.inbox_files""", w=6, h=4,
              defaults={"unit": "short", "decimals": 0, "thresholds": thresholds("green", (10, "orange"))},
              options={"colorMode": "value", "graphMode": "none", "textMode": "value_and_name",
                       "reduceOptions": {"values": False, "calcs": ["lastNotNull"], "fields": ""}},
              description="Delivery files in the inbox (new/): waiting to be loaded, or whose name "
                          "was already loaded. The worker picks files up within seconds."),
        panel(L, "Loads over time", "timeseries", """
SELECT $__timeGroupAlias(started_at, '1d'),
       count(*) FILTER (WHERE status = 'loaded') AS loaded,
       count(*) FILTER (WHERE status = 'skipped') AS skipped,
       count(*) FILTER (WHERE failed) AS failed
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at)
 GROUP BY 1 ORDER BY 1""", fmt="time_series", w=12, h=8, options=TIME_LEGEND,
              defaults={"unit": "short", "decimals": 0, "min": 0},
              custom={"drawStyle": "bars", "stacking": {"mode": "normal", "group": "A"}},
              overrides=[{"matcher": {"id": "byName", "options": "failed"},
                          "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": "red"}}]}],
              description="Loads per day: loaded (rows added), skipped (content already loaded), failed."),
        panel(L, "Reject rate per load", "timeseries", """
SELECT $__time(started_at), subject AS metric,
       rows_rejected::numeric / nullif(rows_read, 0) AS reject_rate
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at) AND status = 'loaded'
 ORDER BY 1""", fmt="time_series", w=12, h=8, options=TIME_LEGEND,
              defaults={"unit": "percentunit", "decimals": 1, "min": 0,
                        "thresholds": thresholds("green", (REJECT_RATE_ALERT, "red"))},
              custom={"thresholdsStyle": {"mode": "line"}, "drawStyle": "points", "pointSize": 8},
              description="Share of each delivery's records rejected, one series per subject; the "
                          "red line is the 5 % alert threshold."),
        panel(L, "Failed loads", "table", """
SELECT run_id, started_at, subject, file_name, error
  FROM student_etl.load_failures
 WHERE $__timeFilter(started_at)
 ORDER BY run_id DESC LIMIT 20""", w=24, h=7, options=TABLE_OPTS,
              empty_ok="no load has failed yet",
              description="Loads that failed and why (the error, without server paths). Fix the "
                          "file and move it from failed/ back into the inbox, or retry(run_id)."),
        panel(L, "Delivery quality per run", "timeseries", """
SELECT $__time(loaded_at), reject_rate, missing_rate
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY 1""", fmt="time_series", w=12, h=8, options=TIME_LEGEND,
              defaults={"unit": "percentunit", "decimals": 1, "min": 0,
                        "thresholds": thresholds("green", (REJECT_RATE_ALERT, "red"))},
              custom={"drawStyle": "points", "pointSize": 8},
              description="Per loaded delivery: rejected records / records read, and loaded records "
                          "with a missing value (kept as NULL or defaulted) / records loaded."),
        panel(L, "Duplicates and likely dropouts per run", "timeseries", """
SELECT $__time(loaded_at), duplicate_records, likely_dropouts
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY 1""", fmt="time_series", w=12, h=8, options=TIME_LEGEND,
              defaults={"unit": "short", "decimals": 0, "min": 0},
              custom={"drawStyle": "points", "pointSize": 8},
              description="Loaded records repeating an earlier record of the same delivery, and "
                          "students with G3 = 0 and absences = 0 (left out of pass rates)."),
        panel(L, "Missing values by column", "table", """
SELECT column_name, sum(missing) AS missing, sum(kept_null) AS kept_null, sum(defaulted) AS defaulted,
       sum(rejected) AS in_rejected_records, count(DISTINCT run_id) AS runs
  FROM student_etl.missing_values_by_column
 WHERE $__timeFilter(loaded_at)
 GROUP BY column_name ORDER BY 2 DESC, 1 LIMIT 33""", w=12, h=8, options=TABLE_OPTS,
              empty_ok="no delivery with a missing value has been loaded yet",
              description="Empty or NA/N/A/null/? fields per column (student_etl.missing_value_markers) "
                          "and what became of them (student_etl.missing_value_policy)."),
        panel(L, "Latest deliveries' quality", "table", """
SELECT run_id, loaded_at, subject, rows_read, reject_rate, rows_with_missing, missing_values,
       duplicate_records, likely_dropouts
  FROM student_etl.delivery_quality
 WHERE $__timeFilter(loaded_at)
 ORDER BY run_id DESC LIMIT 20""", w=12, h=8, options=TABLE_OPTS,
              description="Per delivery: records read, reject rate, records loaded with a missing "
                          "value, missing values, duplicate records and likely dropouts."),
        panel(L, "Rows loaded per run", "timeseries", """
SELECT $__time(started_at), subject AS metric, rows_loaded
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at) AND status = 'loaded'
 ORDER BY 1""", fmt="time_series", w=12, h=8, options=TIME_LEGEND,
              defaults={"unit": "short", "decimals": 0, "min": 0},
              custom={"drawStyle": "points", "pointSize": 8},
              description="Records loaded by each delivery, per subject (the rejected ones are in "
                          "\"Reject rate per load\")."),
        panel(L, "Top reject reasons", "table", """
SELECT reason, sum(occurrences) AS occurrences, count(DISTINCT run_id) AS runs
  FROM student_etl.reject_reasons
 WHERE $__timeFilter(started_at)
 GROUP BY reason ORDER BY 2 DESC, 1 LIMIT 10""", w=12, h=8, options=TABLE_OPTS,
              empty_ok="no delivery with rejected rows has been loaded yet",
              description="Why records were rejected (column and rule, never a value), loads in the time range."),
        panel(L, "Recent loads", "table", """
SELECT run_id, started_at, subject, status, file_name, rows_read, rows_loaded, rows_rejected,
       round(duration_seconds::numeric, 2) AS seconds
  FROM student_etl.load_history
 WHERE $__timeFilter(started_at)
 ORDER BY run_id DESC LIMIT 20""", w=12, h=8, options=TABLE_OPTS,
              description="The latest 20 loads: status, file name, records read, loaded and rejected, duration."),
        panel(L, "Queue", "table", """
SELECT job_id, state, target, run_id, attempts, enqueued_at, finished_at
  FROM student_etl.queue_history ORDER BY job_id DESC LIMIT 20""", w=12, h=8, options=TABLE_OPTS,
              empty_ok="nothing has been queued yet",
              description="The background worker's load queue (inbox files, student_etl.enqueue, "
                          "scheduled sweeps): state, target, attempts."),
        panel(L, "Schedule", "table", """
SELECT jobname, schedule, active, username AS owner, command
  FROM student_etl.pipeline_schedules ORDER BY jobname""", w=12, h=8, options=TABLE_OPTS,
              description="pg_cron jobs of student_etl (cron syntax, time zone GMT) and their owners."),
        panel(L, "Scheduled runs", "table", """
SELECT start_time, jobname, status, round(duration_seconds::numeric, 2) AS seconds, return_message
  FROM student_etl.pipeline_job_runs
 WHERE $__timeFilter(start_time)
 ORDER BY start_time DESC LIMIT 20""", w=12, h=8, options=TABLE_OPTS, empty_ok=no_cron_runs,
              description="pg_cron's runs of the student_etl jobs: status, duration and message."),
        panel(L, "Scheduled runs by status", "timeseries", """
SELECT $__timeGroupAlias(start_time, '1h'), status AS metric, count(*) AS runs
  FROM student_etl.pipeline_job_runs
 WHERE $__timeFilter(start_time)
 GROUP BY 1, 2 ORDER BY 1""", fmt="time_series", w=24, h=7, empty_ok=no_cron_runs,
              options=TIME_LEGEND, defaults={"unit": "short", "decimals": 0, "min": 0},
              custom={"drawStyle": "bars"},
              description="pg_cron runs of the student_etl jobs per hour, by status (succeeded, failed)."),
    ]
    return dashboard("student-etl-pipeline", "Pipeline health",
                     "student_etl loads: freshness, failures and why, reject rates and reasons, "
                     "inbox and queue, schedule.",
                     panels, [], "now-30d", ["student_etl"])


def render():
    return {"student_performance.json": student_performance(),
            "pipeline_health.json": pipeline_health()}


if __name__ == "__main__":
    for name, dash in render().items():
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(dash, f, indent=2)
            f.write("\n")
