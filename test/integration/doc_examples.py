#!/usr/bin/python3
"""Runs the SQL examples of README.md and docs/*.md and compares their shown output.

    doc_examples.py --root REPO --deliveries DIR --db DB --user ROLE FILE...

An example is a ```sql fence. It runs with psql, in file order, in one session per file, as
ROLE (the demo's user), or as the role its first line names: `-- as postgres`. If the fence
right after it is a plain ``` (or ```text) fence, that is the output the example must print:
psql's aligned output without the row-count footer, compared line by line, runs of blanks
counted as one (column widths follow the values). A ```sql fence whose info string says
`norun` is not run (a sketch, or a statement meant for another server). Paths under /var/lib/student_etl/deliveries in an
example stand for DIR (the test's copy of the demo's deliveries).

Prints one line per example; exits 1 if one failed."""
import argparse
import re
import subprocess
import sys

DOC_DELIVERIES = '/var/lib/student_etl/deliveries'


def examples(path):
    """(line number, role or None, sql, expected output or None) for each runnable example."""
    lines = open(path, encoding='utf-8').read().split('\n')
    fences = []   # (start line index, info, body lines)
    i = 0
    while i < len(lines):
        m = re.match(r'^```(.*)$', lines[i])
        if m:
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'):
                j += 1
            fences.append((i, m.group(1).strip(), lines[i + 1:j], j))
            i = j + 1
        else:
            i += 1
    out = []
    for k, (start, info, body, end) in enumerate(fences):
        words = info.split()
        if not words or words[0] != 'sql' or 'norun' in words:
            continue
        expected = None
        if k + 1 < len(fences):
            nstart, ninfo, nbody, _ = fences[k + 1]
            between = lines[end + 1:nstart]
            if ninfo in ('', 'text') and all(not x.strip() for x in between):
                expected = nbody
        role = None
        m = re.match(r'^--\s*as\s+(\S+)\s*$', body[0]) if body else None
        if m:
            role = m.group(1)
        out.append((start + 1, role, '\n'.join(body), expected))
    return out


def run(sql, role, args):
    sql = sql.replace(DOC_DELIVERIES, args.deliveries)
    p = subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-P', 'footer=off', '-d', args.db,
                        '-U', role or args.user], input=sql, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def normalise(text_lines):
    """Non-blank lines with runs of blanks (and of dashes in a table's rule) made one: column
    widths follow the values, and a path here is longer than the documented one."""
    out = []
    for l in text_lines:
        if not l.strip():
            continue
        l = re.sub(r'\s+', ' ', l.strip())
        if re.fullmatch(r'[-+]+', l):
            l = re.sub(r'-+', '-', l)
        out.append(l)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--deliveries', required=True)
    ap.add_argument('--db', required=True)
    ap.add_argument('--user', required=True)
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    failed = total = 0
    for f in args.files:
        for line, role, sql, expected in examples(f):
            total += 1
            where = '%s:%d' % (f, line)
            rc, out, err = run(sql, role, args)
            if rc != 0:
                failed += 1
                print('doc_examples: FAIL %s: psql exited %d: %s' % (where, rc, err.strip()))
                continue
            if expected is not None:
                want = normalise(expected)
                got = normalise(out.replace(args.deliveries, DOC_DELIVERIES).split('\n'))
                if got != want:
                    failed += 1
                    print('doc_examples: FAIL %s: output differs\n--- documented\n%s\n--- printed\n%s' % (
                        where, '\n'.join(want), '\n'.join(got)))
                    continue
            print('doc_examples: ok %s%s%s' % (where, ' as ' + role if role else '',
                                               ', output as shown' if expected is not None else ''))
    print('doc_examples: %d examples, %d failed' % (total, failed))
    return 1 if failed or total == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
