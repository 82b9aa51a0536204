#!/usr/bin/env python3
"""Runs every panel query of the provisioned dashboards as Grafana would: Grafana's PostgreSQL
macros and the dashboard variables expanded the way Grafana expands them, then sent to the
server as the Grafana login (psql -U <role>, so the role's read-only default and
statement_timeout apply). Each query must succeed and return rows; with --fresh (a database
just initialised, nothing delivered or run yet) a panel whose target carries
"student_etl_empty_ok" may return none. Variables are tried with "All" and with each single
value. Needs PGHOST/PGPORT of the server. With --emit DIR it runs only the variable queries and
writes each panel query (all variables at "All") to DIR/<n>.sql, one statement per file, for a
load generator (test/integration/lib/stack_load.sh)."""
import argparse
import csv
import datetime as dt
import glob
import io
import itertools
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- Grafana's macros for PostgreSQL (grafana-postgresql-datasource, macros.go) -----------
def parse_interval(s):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", s.strip().strip("'\""))
    if not m:
        raise ValueError(f"bad interval {s!r}")
    n, unit = int(m.group(1)), m.group(2)
    return n * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}[unit]


def rfc3339(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_secs(s):
    return str(int(s)) if float(s).is_integer() else repr(s)


def expand_macros(sql, t_from, t_to):
    def repl(m):
        name, args = m.group(1), [a.strip() for a in m.group(2).split(",")] if m.group(2).strip() else []
        if name == "__time":
            return f'{args[0]} AS "time"'
        if name == "__timeEpoch":
            return f'extract(epoch from {args[0]}) AS "time"'
        if name == "__timeFilter":
            return f"{args[0]} BETWEEN '{rfc3339(t_from)}' AND '{rfc3339(t_to)}'"
        if name == "__timeFrom":
            return f"'{rfc3339(t_from)}'"
        if name == "__timeTo":
            return f"'{rfc3339(t_to)}'"
        if name in ("__timeGroup", "__timeGroupAlias"):
            secs = fmt_secs(parse_interval(args[1]))
            expr = f"floor(extract(epoch from {args[0]})/{secs})*{secs}"
            return expr + (' AS "time"' if name == "__timeGroupAlias" else "")
        if name == "__unixEpochFilter":
            return f"{args[0]} >= {int(t_from.timestamp())} AND {args[0]} <= {int(t_to.timestamp())}"
        raise ValueError(f"macro ${name} is not implemented by this test")
    out = re.sub(r"\$(__\w+)\(([^)]*)\)", repl, sql)
    left = re.search(r"\$__\w+", out)
    if left and left.group(0) != "$__all":
        raise ValueError(f"unexpanded macro {left.group(0)}")
    return out


# --- Grafana's variable interpolation for SQL datasources ---------------------------------
def quote(v):
    return "'" + v.replace("'", "''") + "'"


def format_value(values, fmt):
    if fmt in (None, "sqlstring", "singlequote"):
        return ",".join(quote(v) for v in values)
    if fmt == "doublequote":
        return ",".join('"' + v.replace('"', '\\"') + '"' for v in values)
    if fmt in ("csv", "raw"):
        return ",".join(values)
    raise ValueError(f"variable format {fmt!r} is not implemented by this test")


def expand_variables(sql, values):
    pattern = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)(?::(\w+))?\]\]|\$(\w+)")

    def repl(m):
        name = m.group(1) or m.group(3) or m.group(5)
        fmt = m.group(2) or m.group(4)
        if name.startswith("__"):
            return m.group(0)
        if name not in values:
            raise ValueError(f"unknown variable ${name}")
        return format_value(values[name], fmt)
    return pattern.sub(repl, sql)


def time_range(dash):
    now = dt.datetime.now(dt.timezone.utc)

    def parse(s):
        if s == "now":
            return now
        m = re.fullmatch(r"now-(\d+)([smhdwy])", s)
        if not m:
            raise ValueError(f"time {s!r} not understood")
        return now - dt.timedelta(seconds=parse_interval(m.group(1) + m.group(2)))
    return parse(dash["time"]["from"]), parse(dash["time"]["to"]) + dt.timedelta(minutes=1)


# --- running ------------------------------------------------------------------------------
def run(args, sql):
    p = subprocess.run(["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-U", args.user,
                        "-d", args.dbname, "-c", sql], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    rows = list(csv.reader(io.StringIO(p.stdout)))
    return rows[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--dbname", required=True)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--emit", metavar="DIR")
    args = ap.parse_args()
    emitted = 0
    failures = checked = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "grafana/dashboards/*.json"))):
        dash = json.load(open(path))
        t_from, t_to = time_range(dash)
        # Variable options, resolved in order (a variable's query may use the earlier ones).
        options = {}
        for var in dash.get("templating", {}).get("list", []):
            sql = expand_variables(expand_macros(var["query"], t_from, t_to),
                                   {k: v for k, v in options.items()})
            try:
                vals = [r[0] for r in run(args, sql)]
            except RuntimeError as e:
                print(f"not ok - {dash['title']}: variable ${var['name']}: {e}")
                failures += 1
                vals = []
            if not vals:
                print(f"not ok - {dash['title']}: variable ${var['name']} has no values")
                failures += 1
            options[var["name"]] = vals
        # Selections to try: all values, and each single value of each variable.
        selections = [dict(options)]
        for name, vals in options.items():
            for v in vals:
                selections.append(dict(options, **{name: [v]}))
        for panel in dash["panels"]:
            for target in panel.get("targets", []):
                if args.emit:
                    emitted += 1
                    sql = expand_variables(expand_macros(target["rawSql"], t_from, t_to), selections[0])
                    with open(os.path.join(args.emit, f"{emitted:03d}.sql"), "w") as out:
                        out.write(sql.strip().rstrip(";") + ";\n")
                    continue
                checked += 1
                label = f"{dash['title']}: {panel['title']}"
                empty_ok = args.fresh and target.get("student_etl_empty_ok")
                problems = []
                seen = set()
                for sel in selections:
                    try:
                        sql = expand_variables(expand_macros(target["rawSql"], t_from, t_to), sel)
                    except ValueError as e:
                        problems.append(str(e))
                        break
                    if sql in seen:
                        continue
                    seen.add(sql)
                    try:
                        rows = run(args, sql)
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        problems.append(f"{e}\n    SQL: {sql}")
                        continue
                    if not rows and not empty_ok and sel is selections[0]:
                        problems.append(f"no rows\n    SQL: {sql}")
                if problems:
                    failures += 1
                    print(f"not ok - {label}: " + "; ".join(problems))
                else:
                    note = f" (may be empty: {empty_ok})" if empty_ok else ""
                    print(f"ok - {label}: {len(seen)} expansion(s){note}")
    if not args.emit:
        # The provisioned alert rules' queries: each must return exactly one row.
        import yaml
        for path in sorted(glob.glob(os.path.join(ROOT, "grafana/provisioning/alerting/*.yaml"))):
            for group in yaml.safe_load(open(path)).get("groups", []):
                for rule in group["rules"]:
                    for q in rule["data"]:
                        if q["datasourceUid"] == "__expr__":
                            continue
                        checked += 1
                        try:
                            rows = run(args, q["model"]["rawSql"])
                            good = len(rows) == 1
                            problem = f"{len(rows)} rows"
                        except (RuntimeError, subprocess.TimeoutExpired) as e:
                            good, problem = False, str(e)
                        print(("ok - " if good else "not ok - ") + f"alert rule {rule['title']}: query {q['refId']}"
                              + ("" if good else f": {problem}"))
                        failures += 0 if good else 1
    if args.emit:
        print(f"panels: {emitted} queries written to {args.emit}")
        return 1 if failures or not emitted else 0
    print(f"panels: {checked} queries, {failures} failed")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
