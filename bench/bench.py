#!/usr/bin/python3
"""The measuring side of bench/run.sh (which sets up the cluster and inputs, then calls this).

    bench.py setup    --inputs DIR
    bench.py run      --inputs DIR --plan 1:7,100:5,10000:3 --slow-sizes 1,100 --raw RAW.tsv
                      [--pgloader-url URL] [--workdir DIR] [--sample-ms 20]
    bench.py parallel --inputs DIR --workers N --deliveries 8 --copies 1000 --raw PAR.tsv
    bench.py report   --raw RAW.tsv --meta META.json [--views VIEWS.md] [--parallel PAR.tsv]
                      --md OUT.md --dat OUT.dat [--doc docs/benchmark.md]

Connects with the libpq environment (PGHOST, PGPORT, PGUSER; database PGDATABASE or postgres).

The baseline is the strongest honest one: plain COPY into a typed table of the 33 file
columns with no constraints. COPY into the same table with the dictionary's CHECKs, and COPY
FREEZE (TRUNCATE and COPY in one transaction), are shown beside it. The Python rows are what
a Python engineer would write: pandas' default to_sql, pandas with psycopg2's copy_expert (the
fastest Python path), and to_sql(method='multi'), labelled as such.

Every repetition of every method starts from the same state: its input read once (in the page
cache), its target table(s) truncated and a CHECKPOINT taken from a separate admin session, and
3 GB of memory touched and freed (see back_free_memory), outside the timing. The SQL methods
(student_etl.load, COPY) then run in a fresh session, autocommit, and the time is the round
trip of the statement(s) (commit included; the connection set-up, the same for every method,
is not). pgloader and the pandas pipelines are external programs and are timed as a whole
process, start-up included, which is how they are used. Methods are interleaved within a
repetition. Each run is checked: status and row counts, and count(*) of the target.

While a SQL method runs, a thread samples RssAnon (private resident memory) of its backend
from /proc/PID/status every --sample-ms; the peak (with one sample before and one after the
statement) is the backend's peak memory for that repetition.

`parallel` measures the background workers (student_etl.max_workers, set by run.sh before it
restarts the cluster): N deliveries of different content enqueued in one transaction, timed
from the commit until every job is done."""
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
METHODS = ['student_etl', 'copy', 'copy_checked', 'copy_freeze', 'pgloader', 'pandas_copy', 'pandas',
           'pandas_multi']
LABELS = {'student_etl': 'student_etl.load', 'copy': 'COPY, plain typed table',
          'copy_checked': 'COPY + dictionary CHECKs', 'copy_freeze': 'COPY FREEZE',
          'pgloader': 'pgloader', 'pandas_copy': 'pandas + psycopg2 copy_expert',
          'pandas': 'pandas to_sql (default)', 'pandas_multi': "pandas to_sql(method='multi')"}
# Run at every size; the others only at --slow-sizes.
FAST_METHODS = ('student_etl', 'copy', 'copy_checked', 'copy_freeze')
COPY_TABLES = {'copy': 'bench_copy', 'copy_checked': 'bench_copy_checked', 'copy_freeze': 'bench_copy_freeze'}
PANDAS_MODES = {'pandas': 'default', 'pandas_copy': 'copy', 'pandas_multi': 'multi'}
HERE = os.path.dirname(os.path.abspath(__file__))
FACT_COLUMNS = ('school sex age address famsize pstatus medu fedu mjob fjob reason guardian '
                'traveltime studytime failures schoolsup famsup paid activities nursery higher '
                'internet romantic famrel freetime goout dalc walc health absences g1 g2 g3').split()
# Everything a load writes hangs off load_runs (foreign keys), the facts included.
ETL_TABLES = 'student_etl.load_runs, student_etl.load_jobs CASCADE'


def connect():
    conn = psycopg2.connect(dbname=os.environ.get('PGDATABASE', 'postgres'))
    conn.autocommit = True
    return conn


def input_path(inputs, copies):
    return os.path.join(inputs, 'student-mat-x%d.csv' % copies)


# ---------------------------------------------------------------------------------------- setup
def setup(args):
    """The extension as shipped, and the other methods' targets: the 33 file columns typed
    exactly as the fact table's -- plain (no constraint at all), with its CHECKs, and the
    pandas pipelines' with the derived columns too."""
    conn = connect()
    cur = conn.cursor()
    cur.execute('CREATE EXTENSION IF NOT EXISTS student_etl')
    cur.execute("SELECT format('ALTER DATABASE %%I SET student_etl.allowed_dirs = %%L', "
                "current_database(), %s)", (os.path.abspath(args.inputs),))
    cur.execute(cur.fetchone()[0])
    # The table load() writes (a view of the current students may stand in front of it).
    cur.execute("SELECT coalesce(to_regclass('student_etl.student_performance_history'), "
                "'student_etl.student_performance'::regclass)::text")
    fact = cur.fetchone()[0]
    cols = ', '.join(FACT_COLUMNS)
    for t in ('bench_copy', 'bench_copy_freeze'):
        cur.execute('DROP TABLE IF EXISTS %s' % t)
        cur.execute('CREATE TABLE %s AS SELECT %s FROM %s WITH NO DATA' % (t, cols, fact))
    like = '(LIKE %s INCLUDING CONSTRAINTS INCLUDING DEFAULTS)' % fact
    derived = ('subject', 'grade_mean', 'passed', 'grade_change')
    for t in ('bench_copy_checked', 'bench_pgloader', 'bench_pandas'):
        cur.execute('DROP TABLE IF EXISTS %s' % t)
        cur.execute('CREATE TABLE %s %s' % (t, like))
        cur.execute("SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (t,))
        keep = FACT_COLUMNS + (list(derived) if t == 'bench_pandas' else [])
        for c in cur.fetchone()[0]:
            if c not in keep:
                cur.execute('ALTER TABLE %s DROP COLUMN %s CASCADE' % (t, c))
    for t in ('bench_copy', 'bench_copy_checked', 'bench_pgloader', 'bench_copy_freeze'):
        cur.execute("SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
                    "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (t,))
        got = cur.fetchone()[0]
        if got != FACT_COLUMNS:
            sys.exit('bench: %s has columns %s' % (t, got))
    cur.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'bench_copy'::regclass")
    if cur.fetchone()[0] != 0:
        sys.exit('bench: bench_copy must have no constraint')
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
    back_free_memory()   # last: right before the timed statement


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


def read_through(path):
    """Reads the file once, untimed, so that every method starts with its input in the page
    cache, as a delivery just written to the inbox is. (This VM pages out page cache idle for
    about a minute, so otherwise whichever method came first in a repetition read from disk.)"""
    with open(path, 'rb') as f:
        while f.read(1 << 20):
            pass


def back_free_memory():
    """Touches (and frees) up to 3 GB, a quarter of the available memory at most, untimed. This
    VM returns free memory to its host (virtio-balloon free page reporting); memory taken back
    costs the host's work on its next first touch, and a method that then fills the page cache
    fast (student_etl.load writes ~1 GB/s of heap and WAL) waited on it: without this, 1 to 3 of
    5 x10,000 loads took 2.4-2.7 s instead of 1.4-1.6 s (docs/benchmark.md, "Variance")."""
    avail = 0
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                avail = int(line.split()[1]) * 1024
    size = min(3 << 30, avail // 4)
    if size > 0:
        block = bytearray(size)
        block[::4096] = bytes(len(range(0, size, 4096)))
        del block


def measure(method, path, rows, admin, args):
    """One repetition of one method; returns (seconds, base kB, peak kB)."""
    interval = args.sample_ms / 1000.0
    read_through(path)
    if method == 'student_etl':
        prepare(admin, ETL_TABLES)
        s, res, _, base, peak, _ = run_sql(
            'SELECT status, rows_loaded, rows_rejected FROM student_etl.load(%s, %s)',
            (path, 'math'), interval)
        if res != [('loaded', rows, 0)]:
            sys.exit('bench: student_etl.load(%s) returned %s, expected loaded %d rows' % (path, res, rows))
        table = 'student_etl.student_performance'   # the current students: this delivery
    elif method in ('copy', 'copy_checked'):
        table = COPY_TABLES[method]
        prepare(admin, table)
        s, _, n, base, peak, _ = run_sql(
            "COPY " + table + " FROM %s WITH (FORMAT csv, HEADER, DELIMITER ';')", (path,), interval)
        if n != rows:
            sys.exit('bench: COPY reported %d rows, expected %d' % (n, rows))
    elif method == 'copy_freeze':
        # FREEZE needs the table created or truncated in the same transaction.
        table = COPY_TABLES[method]
        prepare(admin, table)
        s, _, _, base, peak, _ = run_sql(
            "BEGIN; TRUNCATE " + table + "; COPY " + table +
            " FROM %s WITH (FORMAT csv, HEADER, DELIMITER ';', FREEZE); COMMIT", (path,), interval)
    elif method == 'pgloader':
        prepare(admin, 'bench_pgloader')
        cmd = pgloader_command(path, args.pgloader_url, args.workdir)
        s, _ = run_process(['pgloader', '--quiet', '--no-ssl-cert-verification',
                            '--root-dir', os.path.join(args.workdir, 'pgloader'), cmd], args.workdir)
        base = peak = None
        table = 'bench_pgloader'
    else:
        table = 'bench_pandas'
        prepare(admin, table)
        s, out = run_process(['/usr/bin/python3', os.path.join(HERE, 'pandas_pipeline.py'),
                              path, table, 'math', PANDAS_MODES[method]], args.workdir)
        if out.split()[-1:] != [str(rows)]:
            sys.exit('bench: pandas pipeline printed %r, expected %d' % (out, rows))
        base = peak = None
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
            methods = [m for m in METHODS if m in FAST_METHODS or copies in slow]
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


def parallel(args):
    """N deliveries (different content) enqueued in one transaction; seconds from the commit
    until the last job is done, with args.workers background workers running."""
    admin = connect()
    cur = admin.cursor()
    for _ in range(600):
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'student_etl worker'")
        if cur.fetchone()[0] == args.workers:
            break
        time.sleep(0.1)
    else:
        sys.exit('bench: expected %d student_etl workers' % args.workers)
    paths = [os.path.join(args.inputs, 'student-mat-par%d.csv' % i) for i in range(1, args.deliveries + 1)]
    rows = sum(sum(1 for _ in open(p)) - 1 for p in paths)
    new_file = not os.path.exists(args.raw)
    with open(args.raw, 'a') as raw:
        if new_file:
            raw.write('workers\tdeliveries\trows\trep\tseconds\n')
        for rep in range(1, args.reps + 1):
            prepare(admin, ETL_TABLES)
            for p in paths:
                read_through(p)
            cur.execute('BEGIN')
            for p in paths:
                cur.execute('SELECT student_etl.enqueue(%s)', (p,))
            cur.execute('COMMIT')
            t0 = time.perf_counter()
            while True:
                cur.execute("SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed')"
                            " FROM student_etl.load_jobs")
                done, failed = cur.fetchone()
                if failed:
                    sys.exit('bench: a parallel job failed')
                if done == len(paths):
                    break
                time.sleep(0.01)
            seconds = time.perf_counter() - t0
            cur.execute("SELECT count(*), sum(rows_loaded) FROM student_etl.load_runs WHERE status = 'loaded'")
            got = cur.fetchone()
            if got != (len(paths), rows):
                sys.exit('bench: parallel loads gave %s, expected (%d, %d)' % (got, len(paths), rows))
            print('bench: %d deliveries, %d worker(s), rep %d/%d  %8.3f s' % (
                len(paths), args.workers, rep, args.reps, seconds), flush=True)
            raw.write('%d\t%d\t%d\t%d\t%.6f\n' % (args.workers, len(paths), rows, rep, seconds))
    admin.close()


# ------------------------------------------------------------------------------------ reporting
def fmt_int(x):
    return '{:,.0f}'.format(x)


def fmt_size(copies):
    return 'x{:,}'.format(copies)


def read_tsv(path):
    with open(path) as f:
        head = f.readline().rstrip('\n').split('\t')
        return [dict(zip(head, line.rstrip('\n').split('\t'))) for line in f if line.strip()]


def report(args):
    recs = read_tsv(args.raw)
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
    best = {k: min(g['s']) for k, g in groups.items()}
    peak = {k: max(g['peak']) / 1024.0 for k, g in groups.items() if g['peak']}
    reps = {c: max(len(g['s']) for k, g in groups.items() if k[0] == c) for c in sizes}

    out = []
    w = out.append
    w('# Benchmark: loading the sample xN')
    w('')
    w('%s. PostgreSQL %s; `shared_buffers` %s, `max_wal_size` %s, `wal_level` %s, '
      '`synchronous_commit` %s, `fsync` %s, `autovacuum` off, the same for every method. Loader at `%s`. %s.'
      % (meta['machine'], meta['pg_version'], meta['shared_buffers'], meta['max_wal_size'],
         meta['wal_level'], meta['synchronous_commit'], meta['fsync'], meta['commit'], meta['date']))
    w('')
    w('Median of the repetitions (%s). *× plain COPY* = time of `COPY` into a plain typed table '
      '(the 33 columns, no constraint) / time of the method: above 1 is faster than PostgreSQL\'s own '
      'COPY of the same file. student_etl.load does more than any other row: validation, rejects, '
      'derived columns, facets, its index, WAL and shared buffers as usual. MB = 10^6 bytes of input. '
      '*peak backend MB* = peak private resident memory (RssAnon) of the backend running the '
      'statement (SQL methods only). *fastest s* and *× COPY, fastest* = the quickest repetition of '
      'each (this VM slows some repetitions down: docs/benchmark.md, "Variance").'
      % ', '.join('%s: %d' % (fmt_size(c), reps[c]) for c in sizes))
    w('')
    w('| method | size | rows | MB | median s | fastest s | rows/s | MB/s | × plain COPY | × COPY, fastest | peak backend MB |')
    w('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for c in sizes:
        for m in METHODS:
            if (c, m) not in groups:
                continue
            g, s = groups[(c, m)], med[(c, m)]
            ratio = med[(c, 'copy')] / s if (c, 'copy') in med else float('nan')
            ratio_best = best[(c, 'copy')] / best[(c, m)] if (c, 'copy') in best else float('nan')
            w('| %s | %s | %s | %.2f | %.4f | %.4f | %s | %.1f | %s | %s | %s |' % (
                LABELS[m], fmt_size(c), fmt_int(g['rows']), g['bytes'] / 1e6, s, best[(c, m)],
                fmt_int(g['rows'] / s), g['bytes'] / 1e6 / s,
                '%.2f' % ratio if ratio >= 0.1 else '%.2g' % ratio,
                '%.2f' % ratio_best if ratio_best >= 0.1 else '%.2g' % ratio_best,
                '%.1f' % peak[(c, m)] if (c, m) in peak else '—'))
    w('')

    # How cost grows: the per-row cost is the slope between the two largest sizes; the fixed
    # cost of a delivery is what is left of the smallest size's time.
    if len(sizes) >= 3:
        w('## How cost grows')
        w('')
        w('Per-row cost = slope of the median time between %s and %s; fixed cost = median time at '
          '%s minus its rows × the per-row cost.' % (fmt_size(sizes[-2]), fmt_size(sizes[-1]), fmt_size(sizes[0])))
        w('')
        w('| method | per-row cost µs | fixed cost ms | %s latency ms | peak MB %s → %s |' % (
            fmt_size(sizes[0]), fmt_size(sizes[0]), fmt_size(sizes[-1])))
        w('|---|---:|---:|---:|---:|')
        for m in FAST_METHODS:
            if not all((c, m) in med for c in (sizes[0], sizes[-2], sizes[-1])):
                continue
            a, b = groups[(sizes[-2], m)]['rows'], groups[(sizes[-1], m)]['rows']
            per_row = (med[(sizes[-1], m)] - med[(sizes[-2], m)]) / (b - a)
            fixed = med[(sizes[0], m)] - groups[(sizes[0], m)]['rows'] * per_row
            mem = ('%.1f → %.1f' % (peak[(sizes[0], m)], peak[(sizes[-1], m)])
                   if (sizes[0], m) in peak and (sizes[-1], m) in peak else '—')
            w('| %s | %.3f | %.2f | %.2f | %s |' % (LABELS[m], per_row * 1e6, fixed * 1e3,
                                                   med[(sizes[0], m)] * 1e3, mem))
        w('')

    par = read_tsv(args.parallel) if args.parallel and os.path.exists(args.parallel) else []
    par_med = {}
    if par:
        by_w = {}
        for r in par:
            by_w.setdefault(int(r['workers']), []).append(float(r['seconds']))
        rows, n = int(par[0]['rows']), int(par[0]['deliveries'])
        par_med = {k: statistics.median(v) for k, v in by_w.items()}
        w('## Parallel deliveries')
        w('')
        w('%d deliveries of about %s rows each (%s in all), enqueued in one transaction; time from the '
          'commit until the last job is done, median of %d runs, by `student_etl.max_workers`.'
          % (n, fmt_int(rows / n), fmt_int(rows), len(by_w[min(by_w)])))
        w('')
        w('| workers | median s | rows/s | speed-up vs 1 worker |')
        w('|---:|---:|---:|---:|')
        for k in sorted(par_med):
            w('| %d | %.3f | %s | %.2f |' % (k, par_med[k], fmt_int(rows / par_med[k]),
                                            par_med[min(par_med)] / par_med[k]))
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

    w('## Targets (issue 14)')
    w('')
    w('| target | measured | met |')
    w('|---|---:|:---:|')

    def target(name, value, ok, text):
        w('| %s | %s | %s |' % (name, text if value is not None else 'not measured',
                                 ('yes' if ok else '**no**') if value is not None else '—'))

    r = ratio('copy', 'student_etl', big)
    rb = (best[(big, 'copy')] / best[(big, 'student_etl')]
          if (big, 'copy') in best and (big, 'student_etl') in best else None)
    target('%s: plain COPY time / student_etl.load time ≥ 2.0 (stretch 3.0), medians' % fmt_size(big), r,
           r is not None and r >= 2.0,
           ('%.2f (fastest repetitions: %.2f)' % (r, rb) if rb else '%.2f' % r) if r else '')
    r = ratio('copy_checked', 'student_etl', big)
    target('%s: COPY + CHECKs time / student_etl.load time (for reference)' % fmt_size(big), r, True,
           '%.2f' % r if r else '')
    for other in ('pandas_copy', 'pgloader'):
        r = ratio(other, 'student_etl', 100)
        target('x100: %s time / student_etl.load time (for reference)' % LABELS[other], r, True,
               '%.1f' % r if r else '')
    if (small, 'student_etl') in peak and (big, 'student_etl') in peak and big != small:
        d = peak[(big, 'student_etl')] - peak[(small, 'student_etl')]
        target('peak backend memory %s − %s ≤ 64 MB' % (fmt_size(big), fmt_size(small)), d, d <= 64,
               '%.1f − %.1f = %.1f MB' % (peak[(big, 'student_etl')], peak[(small, 'student_etl')], d))
    if len(par_med) >= 2:
        sp = par_med[1] / par_med[2] if 1 in par_med and 2 in par_med else None
        target('parallel deliveries: 2 workers faster than 1', sp, sp is not None and sp > 1.0,
               '%.2f× ' % sp if sp else '')
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
    if args.doc:
        update_doc(args.doc, text)

    # gnuplot data: one line per size: rows, then each method's median seconds and peak MB
    # ('-' = not run).
    with open(args.dat, 'w') as f:
        f.write('rows ' + ' '.join('"%s"' % LABELS[m] for m in METHODS) + ' ' +
                ' '.join('"%s MB"' % LABELS[m] for m in METHODS) + '\n')
        for c in sizes:
            secs = ['%.6f' % med[(c, m)] if (c, m) in med else '-' for m in METHODS]
            mbs = ['%.1f' % peak[(c, m)] if (c, m) in peak else '-' for m in METHODS]
            f.write('%d %s %s\n' % (SAMPLE_ROWS * c, ' '.join(secs), ' '.join(mbs)))


DOC_BEGIN = '<!-- bench:begin (bench/run.sh writes this part) -->'
DOC_END = '<!-- bench:end -->'


def update_doc(path, text):
    """Puts the report, headings one level down, between the bench markers of the doc."""
    doc = open(path).read()
    if DOC_BEGIN not in doc or DOC_END not in doc:
        sys.exit('bench: %s has no bench markers' % path)
    body = '\n'.join('#' + line if line.startswith('#') else line
                     for line in text.splitlines()[2:])  # its title is the doc's section
    head, rest = doc.split(DOC_BEGIN, 1)
    tail = rest.split(DOC_END, 1)[1]
    with open(path, 'w') as f:
        f.write(head + DOC_BEGIN + '\n' + body.strip() + '\n\n'
                '![benchmark](../bench/results/latest.png)\n' + DOC_END + tail)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('command', choices=['setup', 'run', 'parallel', 'report'])
    p.add_argument('--inputs')
    p.add_argument('--plan', default='1:7,100:5,10000:3')
    p.add_argument('--slow-sizes', default='1,100')
    p.add_argument('--methods', default=','.join(METHODS))
    p.add_argument('--raw')
    p.add_argument('--meta')
    p.add_argument('--views')
    p.add_argument('--md')
    p.add_argument('--dat')
    p.add_argument('--doc')
    p.add_argument('--pgloader-url')
    p.add_argument('--workdir', default='/tmp')
    p.add_argument('--sample-ms', type=float, default=20)
    p.add_argument('--parallel')
    p.add_argument('--workers', type=int, default=1)
    p.add_argument('--deliveries', type=int, default=8)
    p.add_argument('--reps', type=int, default=3)
    args = p.parse_args()
    {'setup': setup, 'run': run, 'parallel': parallel, 'report': report}[args.command](args)


if __name__ == '__main__':
    main()
