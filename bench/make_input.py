#!/usr/bin/env python3
"""Writes the sample delivery repeated N times (one header, N copies of the 395 records):
make_input.py SAMPLE N OUT. x100 is 5.7 MB / 39,500 rows; x10000 is 568 MB / 3.95 M rows."""
import sys

sample, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(sample, 'rb') as f:
    header, body = f.read().split(b'\n', 1)
if not body.endswith(b'\n'):
    body += b'\n'
with open(out, 'wb') as f:
    f.write(header + b'\n')
    for _ in range(copies):
        f.write(body)
