#!/usr/bin/python3
"""The measuring side of bench/run.sh (which sets up the cluster and inputs, then calls this).

    bench.py setup  --inputs DIR
    bench.py run    --inputs DIR --plan 1:7,100:5,10000:3 --slow-sizes 1,100 --raw RAW.tsv
                    [--pgloader-url URL] [--workdir DIR] [--sample-ms 20]
    bench.py report --raw RAW.tsv --meta META.json [--views VIEWS.md] --md OUT.md --dat OUT.dat
                    [--readme README.md]

Connects with the libpq environment (PGHOST, PGPORT, PGUSER; database PGDATABASE or postgres).

Every repetition of every method starts from the same state: its target table(s) truncated
and a CHECKPOINT taken from a separate admin session, outside the timing. The SQL methods
(student_etl.load, COPY) then run in a fresh session, autocommit, and the time is the round
trip of the one statement (its commit included; the connection set-up, the same for every
method, is not). pgloader and the pandas pipeline are external programs and are timed as a
whole process, start-up included, which is how they are used. Methods are interleaved within
a repetition. Each run is checked: status and row counts, and count(*) of the target.

While a SQL method runs, a thread samples RssAnon (private resident memory) of its backend
from /proc/PID/status every --sample-ms; the peak (with one sample before and one after the
statement) is the backend's peak memory for that repetition."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import psycopg2

SAMPLE_ROWS = 395
METHODS = ['student_etl', 'copy', 'pgloader', 'pandas']
LABELS = {'student_etl': 'student_etl.load', 'copy': 'COPY', 'pgloader': 'pgloader',
          'pandas': 'pandas + to_sql'}
HERE = os.path.dirname(os.path.abspath(__file__))
FACT_COLUMNS = ('school sex age address famsize pstatus medu fedu mjob fjob reason guardian '
                'traveltime studytime failures schoolsup famsup paid activities nursery higher '
                'internet romantic famrel freetime goout dalc walc health absences g1 g2 g3').split()
ETL_TABLES = ('student_etl.student_performance_history, student_etl.rejected_rows, '
              'student_etl.run_facets, student_etl.load_jobs, student_etl.load_runs')


def connect():
    conn = psycopg2.connect(dbname=os.environ.get('PGDATABASE', 'postgres'))
    conn.autocommit = True
    return conn


def input_path(inputs, copies):
    return os.path.join(inputs, 'student-mat-x%d.csv' % copies)


# ---------------------------------------------------------------------------------------- setup
def setup(args):
    """The extension as shipped, and one target table per other method: the 33 file columns
    typed exactly as student_performance's, with the same CHECK constraints, no key."""
    conn = connect()
    cur = conn.cursor()
    cur.execute('CREATE EXTENSION IF NOT EXISTS student_etl')
    cur.execute("SELECT format('ALTER DATABASE %%I SET student_etl.allowed_dirs = %%L', "
                "current_database(), %s)", (os.path.abspath(args.inputs),))
    cur.execute(cur.fetchone()[0])
    like = ('(LIKE student_etl.student_performance_history INCLUDING CONSTRAINTS INCLUDING DEFAULTS)')
    for t in ('bench_copy', 'bench_pgloader'):
        cur.execute('DROP TABLE IF EXISTS %s' % t)
        cur.execute('CREATE TABLE %s %s' % (t, like))
        cur.execute('ALTER TABLE %s DROP COLUMN subject, DROP COLUMN grade_mean, DROP COLUMN passed, '
                    'DROP COLUMN grade_change, DROP COLUMN run_id, DROP COLUMN source_line' % t)
    # The pandas pipeline also writes what the old container derived.
    cur.execute('DROP TABLE IF EXISTS bench_pandas')
    cur.execute('CREATE TABLE bench_pandas %s' % like)
    cur.execute('ALTER TABLE bench_pandas DROP COLUMN run_id, DROP COLUMN source_line')
    for t in ('bench_copy', 'bench_pgloader'):
        cur.execute("SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (t,))
        cols = cur.fetchone()[0]
        if cols != FACT_COLUMNS:
            sys.exit('bench: %s has columns %s' % (t, cols))
    conn.close()


# ------------------------------------------------------------------------------------ measuring
class RssSampler(threading.Thread):
    """Peak RssAnon (kB) of one process, sampled every `interval` seconds until stopped."""

    def __init__(self, pid, interval):
        super().__init__(daemon=True)
        self.path = '/proc/%d/status' % pid
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak = 0
        self.samples = 0

    def sample(self):
        try:
            with open(self.path) as f:
                for line in f:
                    if line.startswith('RssAnon:'):
                        kb = int(line.split()[1])
                        self.peak = max(self.peak, kb)
                        self.samples += 1
                        return kb
        except OSError:
            pass
        return 0

    def run(self):
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join()
        self.sample()


def prepare(admin, tables):
    cur = admin.cursor()
    cur.execute('TRUNCATE %s' % tables)
    cur.execute('CHECKPOINT')


def count_rows(admin, table):
    cur = admin.cursor()
    cur.execute('SELECT count(*) FROM %s' % table)
    return cur.fetchone()[0]


def run_sql(sql, params, interval):
    """Runs one statement in a fresh autocommit session; returns (seconds, result, rowcount,
    base kB, peak kB, samples)."""
    conn = connect()
    cur = conn.cursor()
    cur.execute('SELECT pg_backend_pid()')
    pid = cur.fetchone()[0]
    sampler = RssSampler(pid, interval)
    base = sampler.sample()
    sampler.start()
    t0 = time.perf_counter()
    cur.execute(sql, params)
    seconds = time.perf_counter() - t0
    sampler.stop()
    result = cur.fetchall() if cur.description else None
    rowcount = cur.rowcount
    conn.close()
    return seconds, result, rowcount, base, sampler.peak, sampler.samples


def run_process(argv, workdir):
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stdout.decode(errors='replace'))
        sys.exit('bench: %s exited with %d' % (argv[0], p.returncode))
    return seconds, p.stdout.decode(errors='replace')


def pgloader_command(path, url, workdir):
    cmd = os.path.join(workdir, 'load-%s.load' % os.path.basename(path))
    cols = ', '.join(FACT_COLUMNS)
    with open(cmd, 'w') as f:
        f.write("""LOAD CSV
  FROM '%s' (%s)
  INTO %s
  TARGET TABLE bench_pgloader (%s)
  WITH truncate,
       skip header = 1,
       fields optionally enclosed by '"',
       fields escaped by double-quote,
       fields terminated by ';';
""" % (path, cols, url, cols))
    return cmd


def measure(method, path, rows, admin, args):
    """One repetition of one method; returns (seconds, base kB, peak kB)."""
    interval = args.sample_ms / 1000.0
    if method == 'student_etl':
        prepare(admin, ETL_TABLES)
        s, res, _, base, peak, _ = run_sql(
            'SELECT status, rows_loaded, rows_rejected FROM student_etl.load(%s, %s)',
            (path, 'math'), interval)
        if res != [('loaded', rows, 0)]:
            sys.exit('bench: student_etl.load(%s) returned %s, expected loaded %d rows' % (path, res, rows))
        table = 'student_etl.student_performance_history'
    elif method == 'copy':
        prepare(admin, 'bench_copy')
        s, _, n, base, peak, _ = run_sql(
            "COPY bench_copy FROM %s WITH (FORMAT csv, HEADER, DELIMITER ';')", (path,), interval)
        if n != rows:
            sys.exit('bench: COPY reported %d rows, expected %d' % (n, rows))
        table = 'bench_copy'
    elif method == 'pgloader':
        prepare(admin, 'bench_pgloader')
        cmd = pgloader_command(path, args.pgloader_url, args.workdir)
        s, _ = run_process(['pgloader', '--quiet', '--no-ssl-cert-verification',
                            '--root-dir', os.path.join(args.workdir, 'pgloader'), cmd], args.workdir)
        base = peak = None
        table = 'bench_pgloader'
    elif method == 'pandas':
        prepare(admin, 'bench_pandas')
        s, out = run_process(['/usr/bin/python3', os.path.join(HERE, 'pandas_pipeline.py'),
                              path, 'bench_pandas', 'math'], args.workdir)
        if out.split()[-1:] != [str(rows)]:
            sys.exit('bench: pandas pipeline printed %r, expected %d' % (out, rows))
        base = peak = None
        table = 'bench_pandas'
    n = count_rows(admin, table)
    if n != rows:
        sys.exit('bench: %s has %d rows after %s, expected %d' % (table, n, method, rows))
    return s, base, peak


def run(args):
    plan = [tuple(int(x) for x in item.split(':')) for item in args.plan.split(',')]
    slow = {int(x) for x in args.slow_sizes.split(',') if x}
    os.makedirs(args.workdir, exist_ok=True)
    admin = connect()
    with open(args.raw, 'w') as raw:
        raw.write('copies\trows\tbytes\tmethod\trep\tseconds\tbase_kb\tpeak_kb\n')
        for copies, reps in plan:
            path = input_path(args.inputs, copies)
            rows, size = SAMPLE_ROWS * copies, os.path.getsize(path)
            methods = [m for m in METHODS if m in ('student_etl', 'copy') or copies in slow]
            methods = [m for m in methods if m in args.methods.split(',')]
            for rep in range(1, reps + 1):
                for m in methods:
                    s, base, peak = measure(m, path, rows, admin, args)
                    print('bench: x%-6d %-12s rep %d/%d  %9.4f s%s' % (
                        copies, m, rep, reps, s,
                        '' if peak is None else '  peak RssAnon %.1f MB' % (peak / 1024)), flush=True)
                    raw.write('%d\t%d\t%d\t%s\t%d\t%.6f\t%s\t%s\n' % (
                        copies, rows, size, m, rep, s,
                        '' if base is None else base, '' if peak is None else peak))
                    raw.flush()
    admin.close()


# ------------------------------------------------------------------------------------ reporting
def fmt_int(x):
    return '{:,.0f}'.format(x)


def fmt_size(copies):
    return 'x{:,}'.format(copies)


def report(args):
    with open(args.raw) as f:
        head = f.readline().rstrip('\n').split('\t')
        recs = [dict(zip(head, line.rstrip('\n').split('\t'))) for line in f if line.strip()]
    meta = json.load(open(args.meta))
    groups = {}
    for r in recs:
        key = (int(r['copies']), r['method'])
        g = groups.setdefault(key, {'rows': int(r['rows']), 'bytes': int(r['bytes']), 's': [], 'peak': []})
        g['s'].append(float(r['seconds']))
        if r['peak_kb']:
            g['peak'].append(int(r['peak_kb']))
    sizes = sorted({k[0] for k in groups})
    med = {k: statistics.median(g['s']) for k, g in groups.items()}
    peak = {k: max(g['peak']) / 1024.0 for k, g in groups.items() if g['peak']}

    out = []
    w = out.append
    w('# Benchmark: loading the sample xN')
    w('')
    w('%s. PostgreSQL %s; `shared_buffers` %s, `max_wal_size` %s, `wal_level` %s, '
      '`synchronous_commit` %s, `fsync` %s, the same for every method. Loader at `%s`. %s.'
      % (meta['machine'], meta['pg_version'], meta['shared_buffers'], meta['max_wal_size'],
         meta['wal_level'], meta['synchronous_commit'], meta['fsync'], meta['commit'], meta['date']))
    w('')
    w('Median of the repetitions (x1: 7, x100: 5, largest: 3). *ratio to COPY* = COPY time / '
      'method time: above 1 is faster than plain `COPY` of the same file into an identical '
      'typed table. MB = 10^6 bytes of input. *peak backend MB* = peak private resident memory (RssAnon) of the backend '
      'running the statement (SQL methods only).')
    w('')
    w('| method | size | rows | MB | median s | rows/s | MB/s | ratio to COPY | peak backend MB |')
    w('|---|---|---:|---:|---:|---:|---:|---:|---:|')
    for c in sizes:
        for m in METHODS:
            if (c, m) not in groups:
                continue
            g, s = groups[(c, m)], med[(c, m)]
            ratio = med[(c, 'copy')] / s if (c, 'copy') in med else float('nan')
            w('| %s | %s | %s | %.2f | %.4f | %s | %.1f | %s | %s |' % (
                LABELS[m], fmt_size(c), fmt_int(g['rows']), g['bytes'] / 1e6, s,
                fmt_int(g['rows'] / s), g['bytes'] / 1e6 / s,
                '%.2f' % ratio if ratio >= 0.1 else '%.2g' % ratio,
                '%.1f' % peak[(c, m)] if (c, m) in peak else '—'))
    w('')

    big, small = sizes[-1], sizes[0]
    views = []
    if args.views and os.path.exists(args.views):
        for line in open(args.views):
            cells = [x.strip() for x in line.strip().strip('|').split('|')]
            if len(cells) == 3 and cells[2].replace('.', '').isdigit():
                views.append((cells[0], cells[1], float(cells[2])))

    def ratio(a, b, c):
        return med[(c, a)] / med[(c, b)] if (c, a) in med and (c, b) in med else None

    w('## Targets (issue 7)')
    w('')
    w('| target | measured | met |')
    w('|---|---:|:---:|')

    def target(name, value, ok, text):
        w('| %s | %s | %s |' % (name, text if value is not None else 'not measured',
                                 ('yes' if ok else '**no**') if value is not None else '—'))

    r = ratio('copy', 'student_etl', big)
    target('%s: COPY time / student_etl.load time ≥ 1.5' % fmt_size(big), r, r is not None and r >= 1.5,
           '%.2f' % r if r else '')
    for other, need in (('pgloader', 10), ('pandas', 20)):
        r = ratio(other, 'student_etl', 100)
        target('x100: %s time / student_etl.load time ≥ %d' % (LABELS[other], need), r,
               r is not None and r >= need, '%.1f' % r if r else '')
    s1 = med.get((1, 'student_etl'))
    target('x1: student_etl.load < 20 ms', s1, s1 is not None and s1 < 0.020,
           '%.1f ms' % (s1 * 1000) if s1 else '')
    if (small, 'student_etl') in peak and (big, 'student_etl') in peak and big != small:
        d = peak[(big, 'student_etl')] - peak[(small, 'student_etl')]
        target('peak backend memory %s − %s ≤ 64 MB' % (fmt_size(big), fmt_size(small)), d, d <= 64,
               '%.1f − %.1f = %.1f MB' % (peak[(big, 'student_etl')], peak[(small, 'student_etl')], d))
    if views:
        worst = max(views, key=lambda v: v[2])
        target('every metrics view < 50 ms after %s' % fmt_size(big), worst[2], worst[2] < 50,
               'slowest %s: %.2f ms' % (worst[0], worst[2]))
    w('')
    if views:
        w('## Metrics views after the %s load' % fmt_size(big))
        w('')
        w('Median of 7 runs of `SELECT * FROM student_etl.<view>`, timed inside the server.')
        w('')
        w('| view | rows | median ms |')
        w('|---|---:|---:|')
        for v in views:
            w('| %s | %s | %.2f |' % v)
        w('')
    text = '\n'.join(out)
    with open(args.md, 'w') as f:
        f.write(text)
    print(text)
    if args.readme:
        update_readme(args.readme, text)

    # gnuplot data: one line per size, one column of rows/s per method ('-' = not run).
    with open(args.dat, 'w') as f:
        f.write('size ' + ' '.join('"%s"' % LABELS[m] for m in METHODS) + '\n')
        for c in sizes:
            cells = ['%.1f' % (groups[(c, m)]['rows'] / med[(c, m)]) if (c, m) in med else '-'
                     for m in METHODS]
            f.write('"%s (%s rows)" %s\n' % (fmt_size(c), fmt_int(SAMPLE_ROWS * c), ' '.join(cells)))


README_BEGIN = '<!-- bench:begin (bench/run.sh writes this part) -->'
README_END = '<!-- bench:end -->'


def update_readme(path, text):
    """Puts the report, headings two levels down, between the bench markers of README."""
    readme = open(path).read()
    if README_BEGIN not in readme or README_END not in readme:
        sys.exit('bench: %s has no bench markers' % path)
    body = '\n'.join('##' + line if line.startswith('#') else line
                     for line in text.splitlines()[2:])  # its title is README's section
    head, rest = readme.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    with open(path, 'w') as f:
        f.write(head + README_BEGIN + '\n' + body.strip() + '\n\n'
                '![benchmark](bench/results/latest.png)\n' + README_END + tail)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('command', choices=['setup', 'run', 'report'])
    p.add_argument('--inputs')
    p.add_argument('--plan', default='1:7,100:5,10000:3')
    p.add_argument('--slow-sizes', default='1,100')
    p.add_argument('--methods', default=','.join(METHODS))
    p.add_argument('--raw')
    p.add_argument('--meta')
    p.add_argument('--views')
    p.add_argument('--md')
    p.add_argument('--dat')
    p.add_argument('--readme')
    p.add_argument('--pgloader-url')
    p.add_argument('--workdir', default='/tmp')
    p.add_argument('--sample-ms', type=float, default=20)
    args = p.parse_args()
    {'setup': setup, 'run': run, 'report': report}[args.command](args)


if __name__ == '__main__':
    main()
