#!/usr/bin/env bash
# The stack's files, checked without a Docker engine or Grafana: every compose/provisioning
# YAML and dashboard JSON parses; the compose services, ports, volumes, healthchecks and
# dependencies are the ones README describes; every panel and variable uses the provisioned
# datasource uid and reads no raw table; the dashboards are what grafana/dashboards/generate.py
# writes; the Dockerfile is multi-stage and builds with docker/build.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import glob, json, re, subprocess, sys, yaml, importlib.util
fail = []
def check(cond, what):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond: fail.append(what)

yamls = ["docker-compose.yml"] + sorted(glob.glob("grafana/provisioning/**/*.yaml", recursive=True))
docs = {}
for y in yamls:
    try:
        docs[y] = yaml.safe_load(open(y)); check(True, f"{y} parses")
    except yaml.YAMLError as e:
        check(False, f"{y} parses: {e}")

c = docs["docker-compose.yml"]; s = c["services"]
check(set(s) == {"pg_data_wh", "pg_data_wh_replica", "pgbouncer", "pg_grafana", "grafana"}, "compose services")
check("name" not in c, "no top-level name: (Compose v1 rejects it)")
wh = s["pg_data_wh"]
check(wh["build"]["dockerfile"] == "docker/Dockerfile", "pg_data_wh built from docker/Dockerfile")
check(wh["ports"] == ["${PG_DATA_WH_PORT:-5488}:5432"], "pg_data_wh on host port 5488")
env = wh["environment"]
check(env["POSTGRES_DB"] == "${POSTGRES_DB:-my_data_wh_db}" and env["POSTGRES_USER"] == "${POSTGRES_USER:-my_data_wh_user}"
      and env["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-my_data_wh_pwd}", "pg_data_wh credentials from .env, seed defaults")
check("./inbox:/var/lib/student_etl/inbox" in wh["volumes"], "inbox bind-mount")
check(any(v.startswith("pg_data_wh:") for v in wh["volumes"]) and set(c["volumes"]) >= {"pg_data_wh", "pg_grafana", "grafana"}, "named volumes")
for name, svc in s.items():
    if name in ("grafana", "pgbouncer"): continue
    hc = " ".join(svc["healthcheck"]["test"])
    check("pg_isready -h 127.0.0.1" in hc, f"{name}: healthcheck pg_isready -h 127.0.0.1")
g = s["grafana"]; genv = g["environment"]
check(g["depends_on"] == {"pg_grafana": {"condition": "service_healthy"}, "pgbouncer": {"condition": "service_healthy"}},
      "grafana waits for healthy pg_grafana and pgbouncer")
pb = s["pgbouncer"]
check(pb["build"]["dockerfile"] == "docker/pgbouncer/Dockerfile" and pb["depends_on"] == {"pg_data_wh": {"condition": "service_healthy"}}
      and genv["STUDENT_ETL_DS_HOST"] == "${GRAFANA_DATASOURCE_HOST:-pgbouncer}", "pgbouncer in front of pg_data_wh; Grafana reads through it")
check(re.findall(r"^FROM (\S+)", open("docker/pgbouncer/Dockerfile").read(), re.M) == ["debian:bookworm-slim"]
      and "pgbouncer" in open("docker/pgbouncer/Dockerfile").read(), "pgbouncer image: Debian's package on debian:bookworm-slim")
check(genv["GF_DATABASE_TYPE"] == "postgres" and genv["GF_DATABASE_HOST"] == "pg_grafana:5432", "grafana's own database is pg_grafana")
check(genv["GF_SECURITY_ADMIN_USER"] == "${GRAFANA_ADMIN_USER:-admin}" and genv["GF_SECURITY_ADMIN_PASSWORD"] == "${GRAFANA_ADMIN_PASSWORD:-admin}", "grafana admin/admin by default")
check("./grafana/provisioning:/etc/grafana/provisioning:ro" in g["volumes"] and g["ports"] == ["${GRAFANA_PORT:-3000}:3000"], "provisioning mounted, port 3000")
r = s["pg_data_wh_replica"]
check(r["profiles"] == ["replica"] and r["entrypoint"] == ["student-etl-replica"] and r["environment"]["PRIMARY_HOST"] == "pg_data_wh"
      and r["depends_on"] == {"pg_data_wh": {"condition": "service_healthy"}}, "replica: profile, entry point, primary")
# Every ${VAR} compose uses is documented in .env.example.
documented = set(re.findall(r"^([A-Z_]+)=", open(".env.example").read(), re.M))
used = set(re.findall(r"\$\{([A-Z_]+)(?::-[^}]*)?\}", open("docker-compose.yml").read()))
check(used <= documented, f".env.example documents every variable ({sorted(used - documented)} missing)")
# Variables the provisioning files expand are set on the grafana service.
for y in yamls[1:]:
    for v in re.findall(r"\$\{(\w+)\}", open(y).read()):
        check(v in genv, f"{y}: ${{{v}}} set on the grafana service")

ds = docs["grafana/provisioning/datasources/student_etl.yaml"]["datasources"]
check(len(ds) == 1, "one datasource")
uid = ds[0]["uid"]
check(bool(uid) and ds[0]["type"] in ("postgres", "grafana-postgresql-datasource"), f"datasource uid {uid}, PostgreSQL")
check({"database", "sslmode"} <= set(ds[0]["jsonData"]) and ds[0]["user"] == "${STUDENT_ETL_DS_USER}"
      and genv["STUDENT_ETL_DS_USER"] == "${GRAFANA_DB_USER:-grafana_reader}", "jsonData.database, sslmode, the read-only login")
prov = docs["grafana/provisioning/dashboards/student_etl.yaml"]["providers"]
check(prov[0]["options"]["path"] == "/etc/grafana/dashboards" and "./grafana/dashboards:/etc/grafana/dashboards:ro" in g["volumes"],
      "dashboard provider path is the mounted JSON directory")

spec = importlib.util.spec_from_file_location("gen", "grafana/dashboards/generate.py")
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
rendered = gen.render()
files = sorted(glob.glob("grafana/dashboards/*.json"))
check([f.split("/")[-1] for f in files] == sorted(rendered), "dashboard files are the generated ones")
titles = set()
for f in files:
    try:
        d = json.load(open(f)); check(True, f"{f} parses")
    except ValueError as e:
        check(False, f"{f} parses: {e}"); continue
    check(d == rendered[f.split("/")[-1]], f"{f} is up to date with generate.py")
    titles.add(d["title"])
    ids = [p["id"] for p in d["panels"]]
    check(len(ids) == len(set(ids)), f"{f}: panel ids unique")
    for p in d["panels"]:
        refs = [p["datasource"]] + [t["datasource"] for t in p["targets"]]
        check(all(r["uid"] == uid for r in refs), f"{d['title']} / {p['title']}: datasource uid {uid}")
        check(bool(p.get("title")) and bool(p.get("description")), f"{d['title']} / {p.get('title')}: titled and described")
        for t in p["targets"]:
            raw = re.findall(r"student_etl\.(student_performance|rejected_rows|run_facets|load_runs|student_metrics)\b", t["rawSql"])
            check(not raw, f"{d['title']} / {p['title']}: reads no raw table {raw or ''}")
    for v in d["templating"]["list"]:
        check(v["datasource"]["uid"] == uid, f"{d['title']} / variable {v['name']}: datasource uid")
check(titles == {"Student performance", "Pipeline health"}, "the two dashboards")
# Alert rules: staleness and reject rate, on the provisioned datasource, at the thresholds the
# Pipeline health panels colour red.
rules = {r["uid"]: r for y in yamls if "/alerting/" in y for g in docs[y]["groups"] for r in g["rules"]}
check(set(rules) == {"student-etl-stale", "student-etl-reject-rate"}, "alert rules: staleness and reject rate")
for uid_, r in rules.items():
    qs = [q for q in r["data"] if q["datasourceUid"] != "__expr__"]
    check(len(qs) == 1 and qs[0]["datasourceUid"] == uid, f"alert {uid_}: one query on datasource {uid}")
    check(not re.findall(r"student_etl\.(student_performance|rejected_rows|run_facets|load_runs|student_metrics)\b", qs[0]["model"]["rawSql"]),
          f"alert {uid_}: reads no raw table")
limit = lambda r: [q for q in r["data"] if q["refId"] == r["condition"]][0]["model"]["conditions"][0]["evaluator"]["params"][0]
check(limit(rules["student-etl-stale"]) == gen.STALE_SECONDS == 50 * 3600, "staleness alert at 50 hours, as the panel")
check(limit(rules["student-etl-reject-rate"]) == gen.REJECT_RATE_ALERT, "reject-rate alert at the panel's red threshold")
pipe = [json.load(open(f)) for f in files if "pipeline" in f][0]
stale = [p for p in pipe["panels"] if p["title"] == "Last successful load"][0]
check(stale["fieldConfig"]["defaults"]["thresholds"]["steps"][-1] == {"color": "red", "value": 50 * 3600}, "last successful load turns red after 50 hours")
sp = [json.load(open(f)) for f in files if "performance" in f][0]
check({v["name"] for v in sp["templating"]["list"]} == {"subject", "school"}, "variables subject and school")

df = open("docker/Dockerfile").read()
froms = re.findall(r"^FROM (\S+)", df, re.M)
check(froms == ["postgres:15", "postgres:15"], "Dockerfile: two stages, both postgres:15")
final = df.split("\nFROM postgres:15\n")[1]
check("build-essential" not in final and "-dev" not in final and "postgresql-15-cron" in final and "libcsv3" in final,
      "final stage: runtime packages only (pg_cron, libcsv3)")
check("COPY --from=build /staging/ /" in final and "sh docker/build.sh /src /staging" in df, "build stage runs docker/build.sh, final copies its staging")
check("include = '/etc/postgresql/student_etl.conf'" in final, "settings included from the initdb sample")
check('ENTRYPOINT ["student-etl-entrypoint"]' in final and 'CMD ["postgres"]' in final
      and "exec docker-entrypoint.sh" in open("docker/entrypoint.sh").read(), "entry point wraps postgres:15's docker-entrypoint.sh")
sys.exit(1 if fail else 0)
PY
