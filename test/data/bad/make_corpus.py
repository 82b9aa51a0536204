#!/usr/bin/env python3
"""Writes the small, committed part of the hostile-delivery corpus (test/data/bad/*.csv).

Run from the repository root: python3 test/data/bad/make_corpus.py. The outputs are
committed; MANIFEST.tsv states what loading each one must do. Large or special entries (a
100 MB field, 10,000 columns, a directory, a FIFO, a file deleted or growing while it is read)
are made at test time by test/integration/bad_corpus.sh instead.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "student-mat.csv")

with open(SAMPLE, "rb") as f:
    lines = f.read().split(b"\n")
HEADER = lines[0]
RECS = [l for l in lines[1:] if l]          # quoted sample records, ';'
GOOD = RECS[:3]                              # three good records


def fields(rec):
    return rec.split(b";")


def with_field(rec, index, value):
    f = fields(rec)
    f[index] = value
    return b";".join(f)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def body(*recs, end=b"\n"):
    return end.join(recs) + end


# Column positions in the header.
COL = {name.decode().lower(): i for i, name in enumerate(HEADER.split(b";"))}
R = RECS[0]

# --- whole-file errors -----------------------------------------------------------------
write("nul-in-header.csv", HEADER[:20] + b"\x00" + HEADER[20:] + b"\n" + body(*GOOD))
write("wrong-delimiter-tab.csv", body(HEADER.replace(b";", b"\t"), *[g.replace(b";", b"\t") for g in GOOD]))
write("wrong-delimiter-pipe.csv", body(HEADER.replace(b";", b"|"), *[g.replace(b";", b"|") for g in GOOD]))
write("utf16le-bom.csv", b"\xff\xfe" + (HEADER + b"\n" + GOOD[0] + b"\n").decode().encode("utf-16-le"))
write("invalid-utf8-header.csv", body(HEADER.replace(b"famsize", b"fam\xffsize"), *GOOD))
write("header-malformed-quote.csv", body(b'"school"x;' + HEADER[7:], *GOOD))
# A quote still open where the header line ends: the header stays strict, the file fails.
write("header-unterminated-quote.csv", body(HEADER.replace(b"Pstatus", b'"Pstatus'), *GOOD))
write("header-case-duplicate.csv", body(HEADER.replace(b"Walc", b"DALC"), *GOOD))
write("header-extra-and-missing.csv", body(HEADER.replace(b";G3", b";G4;nickname"), *GOOD))
write("unterminated-quote-midfile.csv", body(HEADER, GOOD[0], with_field(GOOD[1], COL["mjob"], b'"at_home'), GOOD[2]))
write("only-bom.csv", b"\xef\xbb\xbf")
write("header-then-blank-lines.csv", HEADER + b"\r\n\r\n   \r\n\t\r\n")
write("cr-line-ends.csv", body(HEADER, *GOOD, end=b"\r"))

# --- row-level rejects (file loads, bad records are kept with a reason) -------------------
write("nul-in-data.csv", body(HEADER, GOOD[0], with_field(GOOD[1], COL["school"], b'"G\x00P"'), GOOD[2]))
write("invalid-utf8-data.csv", body(HEADER, GOOD[0], with_field(GOOD[1], COL["mjob"], b'"at_h\xc3\x28me"'),
                                    with_field(GOOD[2], COL["reason"], b'"\xed\xa0\x80"')))
# A line break ends the record even inside quotes: each line is judged alone.
write("embedded-newline-in-quotes.csv", body(HEADER, with_field(GOOD[0], COL["mjob"], b'"at\nhome"'),
                                             with_field(GOOD[1], COL["reason"], b'"a;b\r\nc"'), GOOD[2]))
write("extra-and-missing-fields.csv", body(HEADER, GOOD[0] + b";1", b";".join(fields(GOOD[1])[:-1]), GOOD[2],
                                           GOOD[0] + b";;;"))
write("numbers-signs-spaces-decimals.csv", body(
    HEADER,
    with_field(R, COL["age"], b"+18"),
    with_field(R, COL["age"], b"-18"),
    with_field(R, COL["g1"], b"7.5"),
    with_field(R, COL["g1"], b"1e1"),
    with_field(R, COL["g1"], b'" 5"'),
    with_field(R, COL["g1"], b"  5  "),          # unquoted spaces are trimmed: loads
    with_field(R, COL["g1"], b"0x5"),
    with_field(R, COL["g1"], b"5,0"),
    with_field(R, COL["g1"], b"005"),            # leading zeros: loads as 5
    with_field(R, COL["g1"], b"\xd9\xa5"),       # ARABIC-INDIC DIGIT FIVE
))
write("numbers-overflow.csv", body(
    HEADER,
    with_field(R, COL["absences"], b"65536"),
    with_field(R, COL["absences"], b"4294967296"),
    with_field(R, COL["absences"], b"18446744073709551617"),
    with_field(R, COL["absences"], b"9" * 400),
    with_field(R, COL["absences"], b"32767"),
))
write("yes-no-variants.csv", body(
    HEADER,
    with_field(R, COL["schoolsup"], b"YES"),     # loads
    with_field(R, COL["schoolsup"], b'"Yes"'),   # loads
    with_field(R, COL["schoolsup"], b"y"),
    with_field(R, COL["schoolsup"], b"true"),
    with_field(R, COL["schoolsup"], b"1"),
    with_field(R, COL["schoolsup"], b'"yes "'),
    with_field(R, COL["schoolsup"], b'"n"'),
))
write("values-out-of-range.csv", body(
    HEADER,
    with_field(R, COL["age"], b"14"),
    with_field(R, COL["age"], b"23"),
    with_field(R, COL["medu"], b"5"),
    with_field(R, COL["famrel"], b"0"),
    with_field(R, COL["absences"], b"94"),
    with_field(R, COL["g3"], b"21"),
    with_field(with_field(R, COL["g1"], b"21"), COL["g2"], b"-1"),
))
write("empty-values.csv", body(HEADER, with_field(R, COL["school"], b""), with_field(R, COL["g3"], b'""'),
                               b";" * 32, GOOD[1]))
write("truncated-last-line.csv", HEADER + b"\n" + body(*GOOD) + b";".join(fields(GOOD[0])[:14]))
# The last line ends inside a quote: only that line is rejected (unbalanced quote).
write("truncated-in-quote.csv", HEADER + b"\n" + body(*GOOD) + GOOD[0][:60])
write("malformed-quoting-data.csv", body(HEADER, with_field(GOOD[0], COL["school"], b'"GP"x'),
                                         with_field(GOOD[1], COL["sex"], b'F"oo'), GOOD[2]))
write("mixed-delimiter.csv", body(HEADER, GOOD[0], GOOD[1].replace(b";", b","), GOOD[2]))
write("header-repeated-as-data.csv", body(HEADER, GOOD[0], HEADER, GOOD[1]))
write("control-characters.csv", body(HEADER, with_field(GOOD[0], COL["guardian"], b'"moth\x1b[31mer"'),
                                     with_field(GOOD[1], COL["guardian"], b'"\x7f"'), GOOD[2]))
write("long-field-5k.csv", body(HEADER, with_field(GOOD[0], COL["mjob"], b'"' + b"x" * 5000 + b'"'), GOOD[1]))
write("all-rows-rejected.csv", body(HEADER, with_field(GOOD[0], COL["age"], b"99"), with_field(GOOD[1], COL["age"], b"99")))
write("sql-injection-values.csv", body(HEADER, with_field(GOOD[0], COL["mjob"], b"\"x'); DROP TABLE student_etl.load_runs; --\""),
                                       with_field(GOOD[1], COL["reason"], b'"\\\\x41\'\'"'), GOOD[2]))
