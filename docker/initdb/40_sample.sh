#!/usr/bin/env bash
# pg_data_wh first start, step 4: load the sample delivery shipped in the image, so the
# dashboards show data on first start. STUDENT_ETL_LOAD_SAMPLE=no skips it.
set -euo pipefail
: "${STUDENT_ETL_SAMPLE:=/var/lib/student_etl/deliveries/student-mat.csv}"
[ "${STUDENT_ETL_LOAD_SAMPLE:-yes}" = no ] && exit 0

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" \
     -v sample="$STUDENT_ETL_SAMPLE" <<'SQL'
SELECT * FROM student_etl.load(:'sample');
SQL
