#!/usr/bin/env bash
# Builds the extension the way the image's build stage does (docker/build.sh, DESTDIR into a
# temp dir) and checks what the final stage would copy: the module, control file and install
# script where postgres:15 looks for them, the settings, the init scripts (executable), the
# replica entry point and the sample delivery.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=$(mktemp -d /tmp/student_etl_staging.XXXXXX)
trap 'rm -rf "$stage"' EXIT
sh docker/build.sh "$PWD" "$stage" >/dev/null
libdir=$(pg_config --pkglibdir) sharedir=$(pg_config --sharedir)
version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" student_etl.control)
fail=0
for f in "$libdir/student_etl.so" "$sharedir/extension/student_etl.control" \
         "$sharedir/extension/student_etl--$version.sql" /etc/postgresql/student_etl.conf \
         /var/lib/student_etl/deliveries/student-mat.csv; do
  [ -f "$stage$f" ] && echo "ok - staged $f" || { echo "not ok - missing $f"; fail=1; }
done
for f in /usr/local/bin/student-etl-replica docker/initdb/*.sh; do
  t=$f; [[ $f == docker/initdb/* ]] && t=/docker-entrypoint-initdb.d/$(basename "$f")
  [ -x "$stage$t" ] && echo "ok - staged executable $t" || { echo "not ok - $t not staged executable"; fail=1; }
done
for f in docker/initdb/*.sql; do
  cmp -s "$f" "$stage/docker-entrypoint-initdb.d/$(basename "$f")" && echo "ok - staged $f" || { echo "not ok - $f"; fail=1; }
done
cmp -s "$stage$sharedir/extension/student_etl--$version.sql" <(cat src/sql/*.sql) &&
  echo "ok - install script assembled from src/sql" || { echo "not ok - install script"; fail=1; }
nm -D --defined-only "$stage$libdir/student_etl.so" | grep -q ' student_etl_load$' &&
  echo "ok - module exports student_etl_load" || { echo "not ok - module symbols"; fail=1; }
ldd "$stage$libdir/student_etl.so" | grep -q 'libcsv.so.3' &&
  echo "ok - module links libcsv.so.3 (package libcsv3 in the final stage)" || { echo "not ok - libcsv link"; fail=1; }
exit "$fail"
