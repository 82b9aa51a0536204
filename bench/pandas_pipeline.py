#!/usr/bin/python3
"""The pipeline student_etl replaces, as the python container ran it: read the delivery with
pandas, a light transformation (lower-case names, yes/no to booleans, mean grade, pass flag,
grade change), then DataFrame.to_sql through SQLAlchemy + psycopg2 into a typed table.

    pandas_pipeline.py CSV TABLE [SUBJECT]

Connects with the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE); PGHOST may be a
socket directory. Appends to TABLE, which must exist (bench/run.sh creates it typed). Prints
the number of rows written. bench/run.sh times the whole script, start-up included."""
import os
import sys

import pandas as pd
from sqlalchemy import create_engine

YES_NO = ['schoolsup', 'famsup', 'paid', 'activities', 'nursery', 'higher', 'internet', 'romantic']


def main():
    path, table = sys.argv[1], sys.argv[2]
    subject = sys.argv[3] if len(sys.argv) > 3 else 'math'

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
    with engine.begin() as conn:
        df.to_sql(table, conn, if_exists='append', index=False, method='multi', chunksize=1000)
    engine.dispose()
    print(len(df))


if __name__ == '__main__':
    main()
