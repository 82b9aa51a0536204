#!/usr/bin/python3
"""Regenerates the derived fixtures from test/data/student-mat.csv (a copy of the UCI file).

  student-mat-variant.csv  the same 395 students as a "copy found in the wild": comma-delimited,
                           no quotes, CRLF line ends, UTF-8 BOM, upper-case header, columns in
                           another order (G3 first, school last). It must load to the same values.
  student-mat-badrows.csv  header + the first 20 records, 8 of them replaced by one planted
                           defect each (see BAD_ROWS); LF line ends. The reasons the parser gives
                           for them are in student-mat-badrows.expected, which is kept by hand.
  student-mat-shuffled.csv, student-por-shuffled.csv
                           the records of student-mat.csv / student-por.csv in another order
                           (a fixed pseudo-random permutation), byte for byte otherwise: course
                           matching must not depend on row order.

Run from anywhere: python3 test/data/make_variants.py   (stdlib only; output is deterministic)
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "student-mat.csv")

# Fixed (not random) so that regenerating never changes the files.
VARIANT_ORDER = [
    "G3", "age", "Mjob", "famrel", "sex", "romantic", "Medu", "guardian", "absences", "address",
    "G1", "studytime", "Fjob", "paid", "Walc", "famsize", "higher", "failures", "reason", "Dalc",
    "internet", "Pstatus", "goout", "nursery", "traveltime", "G2", "schoolsup", "health",
    "activities", "Fedu", "freetime", "famsup", "school",
]

# record number (1 = first data record, on file line 2) -> how to break it.
# Each edit works on the raw ';'-split fields, keeping the original quoting style.
BAD_ROWS = {
    2: ("age", "23"),              # out of range 15..22
    4: ("school", '"XX"'),         # not a school code
    6: "drop-last",                # 32 fields
    8: "add-one",                  # 34 fields
    10: ("G3", ""),                # empty value
    12: ("schoolsup", '"maybe"'),  # not yes/no
    15: ("absences", "-1"),        # not a whole number (no signs)
    18: ("G1", '"7.5"'),           # not a whole number
}


def read_source():
    with open(SOURCE, "rb") as f:
        lines = f.read().decode("ascii").split("\n")
    assert lines[-1] == "", "source must end with a line end"
    header = lines[0].split(";")
    records = [line.split(";") for line in lines[1:-1]]  # no ';' inside any field of this file
    assert len(header) == 33 and all(len(r) == 33 for r in records) and len(records) == 395
    return header, records


def write_variant(header, records):
    assert sorted(VARIANT_ORDER) == sorted(header)
    order = [header.index(name) for name in VARIANT_ORDER]
    out = [",".join(name.upper() for name in VARIANT_ORDER)]
    for rec in records:
        out.append(",".join(rec[i].strip('"') for i in order))
    data = "\ufeff" + "\r\n".join(out) + "\r\n"
    with open(os.path.join(HERE, "student-mat-variant.csv"), "wb") as f:
        f.write(data.encode("utf-8"))


def write_badrows(header, records):
    out = [";".join(header)]
    for number, rec in enumerate(records[:20], start=1):
        rec = list(rec)
        edit = BAD_ROWS.get(number)
        if edit == "drop-last":
            rec.pop()
        elif edit == "add-one":
            rec.append(rec[-1])
        elif edit is not None:
            column, value = edit
            rec[header.index(column)] = value
        out.append(";".join(rec))
    with open(os.path.join(HERE, "student-mat-badrows.csv"), "wb") as f:
        f.write(("\n".join(out) + "\n").encode("ascii"))


def write_shuffled(name, seed):
    with open(os.path.join(HERE, name + ".csv"), "rb") as f:
        lines = f.read().split(b"\n")
    assert lines[-1] == b""
    records = lines[1:-1]
    random.Random(seed).shuffle(records)
    with open(os.path.join(HERE, name + "-shuffled.csv"), "wb") as f:
        f.write(b"\n".join([lines[0]] + records) + b"\n")


if __name__ == "__main__":
    h, r = read_source()
    write_variant(h, r)
    write_badrows(h, r)
    write_shuffled("student-mat", 13)
    write_shuffled("student-por", 382)
