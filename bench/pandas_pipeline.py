#!/usr/bin/python3
"""The pipeline student_etl replaces, as the python container ran it: read the delivery with
pandas, a light transformation (lower-case names, yes/no to booleans, mean grade, pass flag,
grade change), then into a typed table in one of three ways:

    pandas_pipeline.py CSV TABLE [SUBJECT [default | copy | multi]]

default: DataFrame.to_sql through SQLAlchemy + psycopg2, as pandas does it out of the box;
copy: the frame written as CSV into memory and sent with psycopg2's copy_expert (COPY FROM
STDIN), the fastest way a Python engineer has; multi: to_sql(method='multi', chunksize=1000),
multi-row INSERTs (slower than the default on this data).

Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE); PGHOST may be a
socket directory. Appends to TABLE, which must exist (bench/run.sh creates it typed). Prints
the number of rows written. bench/run.sh times the whole script, start-up included."""
import io
import os
import sys

import pandas as pd
from sqlalchemy import create_engine

YES_NO = ['schoolsup', 'famsup', 'paid', 'activities', 'nursery', 'higher', 'internet', 'romantic']


def main():
    path, table = sys.argv[1], sys.argv[2]
    subject = sys.argv[3] if len(sys.argv) > 3 else 'math'
    mode = sys.argv[4] if len(sys.argv) > 4 else 'default'

    df = pd.read_csv(path, sep=';')
    df.columns = [c.lower() for c in df.columns]
    for c in YES_NO:
        df[c] = df[c].map({'yes': True, 'no': False})
    df['subject'] = subject
    df['grade_mean'] = ((df['g1'] + df['g2'] + df['g3']) / 3.0).round(2)
    df['passed'] = df['g3'] >= 10
    df['grade_change'] = df['g3'] - df['g1']

    # An empty host in the URL makes libpq use PGHOST/PGPORT/PGUSER/PGDATABASE.
    engine = create_engine('postgresql+psycopg2://', connect_args={
        'dbname': os.environ.get('PGDATABASE', 'postgres')})
    if mode == 'copy':
        buf = io.StringIO()
        df.to_csv(buf, index=False, header=False)
        buf.seek(0)
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.copy_expert('COPY %s (%s) FROM STDIN WITH (FORMAT csv)' % (table, ', '.join(df.columns)), buf)
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            if mode == 'multi':
                df.to_sql(table, conn, if_exists='append', index=False, method='multi', chunksize=1000)
            else:
                df.to_sql(table, conn, if_exists='append', index=False)
    engine.dispose()
    print(len(df))


if __name__ == '__main__':
    main()
