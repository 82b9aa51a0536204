#!/bin/sh
# Builds student_etl and stages everything the pg_data_wh image adds to postgres:15 under
# DESTDIR: the extension (make install), the server settings, the init scripts, the entry
# points (pg_data_wh's and the replica's) and the sample delivery. docker/Dockerfile's build
# stage runs exactly this.
# usage: docker/build.sh SOURCE_DIR DESTDIR
set -eu
src=$1
dest=$2
make -C "$src" -s -j"$(nproc)"
make -C "$src" -s install DESTDIR="$dest"
install -D -m 0644 "$src/docker/student_etl.conf" "$dest/etc/postgresql/student_etl.conf"
install -d -m 0755 "$dest/docker-entrypoint-initdb.d"
for f in "$src"/docker/initdb/*; do
  case "$f" in
    *.sh) install -m 0755 "$f" "$dest/docker-entrypoint-initdb.d/" ;;
    *) install -m 0644 "$f" "$dest/docker-entrypoint-initdb.d/" ;;
  esac
done
install -D -m 0755 "$src/docker/replica.sh" "$dest/usr/local/bin/student-etl-replica"
install -D -m 0755 "$src/docker/entrypoint.sh" "$dest/usr/local/bin/student-etl-entrypoint"
install -D -m 0644 "$src/test/data/student-mat.csv" "$dest/var/lib/student_etl/deliveries/student-mat.csv"
install -d -m 0755 "$dest/var/lib/student_etl/inbox"
