#!/usr/bin/env bash
# Every entry of test/data/bad/MANIFEST.tsv is loaded through student_etl.load() and must do
# exactly what the manifest says: fail with an ERROR naming the problem and write nothing, or
# load with exactly the listed rejects (line and reason). Large and special entries (a 100 MB
# field, 10,000 columns, a directory, a FIFO, a file deleted or growing while it is read) are
# made here. Needs PGHOST/PGPORT/PGUSER of a running server with student_etl installable.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

make_data_dir
make_db
cp test/data/bad/*.csv "$DATA_DIR/"
chmod a+r "$DATA_DIR"/*.csv

header=$(head -n 1 test/data/student-mat.csv)
good=$(sed -n 2p test/data/student-mat.csv)
good2=$(sed -n 3p test/data/student-mat.csv)
prefix=$(cut -d';' -f1-8 <<< "$good")   # the fields before Mjob
suffix=$(cut -d';' -f10- <<< "$good")   # the fields after Mjob

# Makes gen:NAME; prints the path to load.
generate() {
  local name=$1 path="$DATA_DIR/$1"
  case $name in
    huge-field-100mb.csv)
      { echo "$header"; echo "$good"; printf '%s;"' "$prefix"
        head -c 100000000 /dev/zero | tr '\0' x; printf '";%s\n' "$suffix"; echo "$good2"; } > "$path" ;;
    wide-header-10000.csv)
      { printf '%s' "$header"; for i in $(seq 34 10000); do printf ';x%d' "$i"; done; echo
        echo "$good"; } > "$path" ;;
    wide-record-10000.csv)
      { echo "$header"; echo "$good"; printf '%s' "$good"; for _ in $(seq 34 10000); do printf ';1'; done; echo; } > "$path" ;;
    long-header.csv)
      { printf '%s;' "$header"; head -c 1100000 /dev/zero | tr '\0' y; echo; echo "$good"; } > "$path" ;;
    directory) mkdir -p "$path" ;;
    fifo.csv) mkfifo "$path" ;;
    missing.csv) ;;
    unreadable.csv) cp test/data/student-mat.csv "$path"; chmod 000 "$path" ;;
    symlink-outside.csv) ln -s /etc/passwd "$path" ;;
    dotdot-outside.csv) path="$DATA_DIR/../../etc/passwd" ;;
    grows-while-read.csv|deleted-while-read.csv) cp test/data/student-mat.csv "$path" ;;
    *) fail "no generator for gen:$name" ;;
  esac
  chmod -f a+r "$path" 2>/dev/null; [ "$name" = unreadable.csv ] && chmod 000 "$path"
  echo "$path"
}

# The keys load() takes its advisory lock on: class 1398031701 and the file's size folded
# into 31 bits (run_log.cpp).
lock_key() {
  local size; size=$(stat -c %s "$1")
  echo "1398031701, $(( (size ^ (size >> 31) ^ (size >> 62)) & 0x7fffffff ))"
}

# Loads $1 with subject $2 while a second session holds the advisory lock on its size: the
# load opens the file, then waits; $3 (a shell command) changes the file; the lock is
# released and the load goes on reading the file it opened.
load_with_change_in_between() {
  local path=$1 subject=$2 change=$3
  sql_session_start holder
  sql_session holder "SELECT pg_advisory_lock($(lock_key "$path"));"
  wait_for "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" ||
    fail "lock holder never got its lock"
  q -v path="$path" -v subject="$subject" > "$DATA_DIR/load.out" 2>&1 <<'SQL' &
SELECT run_id || ' ' || status || ' ' || rows_read || ' ' || rows_loaded || ' ' || rows_rejected
  FROM student_etl.load(:'path', :'subject');
SQL
  local loader=$!
  wait_for "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())" ||
    fail "the load never waited for the lock"
  eval "$change"
  sql_session holder "SELECT pg_advisory_unlock_all();"
  sql_session_end holder
  wait "$loader"
  LOAD_RC=$?
  LOAD_OUT=$(cat "$DATA_DIR/load.out")
}

load_plain() {
  local path=$1 subject=$2
  if [ "$subject" = - ]; then
    LOAD_OUT=$(q -v path="$path" 2>&1 <<'SQL'
SET statement_timeout = '60s';
SELECT run_id || ' ' || status || ' ' || rows_read || ' ' || rows_loaded || ' ' || rows_rejected
  FROM student_etl.load(:'path');
SQL
)
  else
    LOAD_OUT=$(q -v path="$path" -v subject="$subject" 2>&1 <<'SQL'
SET statement_timeout = '60s';
SELECT run_id || ' ' || status || ' ' || rows_read || ' ' || rows_loaded || ' ' || rows_rejected
  FROM student_etl.load(:'path', :'subject');
SQL
)
  fi
  LOAD_RC=$?
}

entries=0 failures=0
bad() { echo "  FAIL $entry: $*"; failures=$((failures + 1)); }

while IFS=$'\t' read -r file subject expect detail; do
  [[ -z "$file" || "$file" == \#* ]] && continue
  entries=$((entries + 1))
  entry="$file ($subject)"
  before=$(table_counts)
  case $file in
    gen:grows-while-read.csv)
      path=$(generate "${file#gen:}")
      load_with_change_in_between "$path" "$subject" "echo '$good' >> '$path'" ;;
    gen:deleted-while-read.csv)
      path=$(generate "${file#gen:}")
      load_with_change_in_between "$path" "$subject" "rm -f '$path'" ;;
    gen:*)
      path=$(generate "${file#gen:}")
      load_plain "$path" "$subject" ;;
    *)
      path="$DATA_DIR/$file"
      [ -f "$path" ] || { bad "missing corpus file"; continue; }
      load_plain "$path" "$subject" ;;
  esac

  if [ "$expect" = error ]; then
    if [ "$LOAD_RC" = 0 ]; then
      bad "loaded ($LOAD_OUT), expected an error containing: $detail"
    elif ! grep -qF -- "ERROR:" <<< "$LOAD_OUT" || ! grep -qF -- "$detail" <<< "$LOAD_OUT"; then
      bad "error was: $LOAD_OUT; expected it to contain: $detail"
    elif [ "$(table_counts)" != "$before" ]; then
      bad "the failed load wrote something: counts $before -> $(table_counts)"
    fi
  else
    want_loaded=${expect#loaded:}; want_loaded=${want_loaded%%,*}
    want_rejected=${expect##*rejected:}
    read -r run status rows_read rows_loaded rows_rejected <<< "$LOAD_OUT"
    if [ "$LOAD_RC" != 0 ] || [ "$status" != loaded ]; then
      bad "expected $expect, got: $LOAD_OUT"; continue
    fi
    [ "$rows_loaded/$rows_rejected/$rows_read" = "$want_loaded/$want_rejected/$((want_loaded + want_rejected))" ] ||
      bad "load() returned loaded=$rows_loaded rejected=$rows_rejected read=$rows_read, expected $expect"
    in_tables=$(q -c "SELECT (SELECT count(*) FROM student_etl.student_performance_history WHERE run_id = $run) || ',' ||
                             (SELECT count(*) FROM student_etl.rejected_rows WHERE run_id = $run) || ',' ||
                             (SELECT status || rows_loaded || '/' || rows_rejected FROM student_etl.load_runs WHERE run_id = $run)")
    [ "$in_tables" = "$want_loaded,$want_rejected,loaded$want_loaded/$want_rejected" ] ||
      bad "tables hold $in_tables for run $run, expected $want_loaded,$want_rejected,loaded$want_loaded/$want_rejected"
    # Every reject, in line order, against the manifest's list.
    mapfile -t got < <(q -c "SELECT line_number || '=' || replace(reason, E'\n', '\\n')
                               FROM student_etl.rejected_rows WHERE run_id = $run ORDER BY line_number")
    if [ "$detail" = - ]; then want=(); else
      mapfile -t want <<< "${detail// | /$'\n'}"
    fi
    if [ "${#got[@]}" != "${#want[@]}" ]; then
      bad "rejects: got ${#got[@]} (${got[*]:-}), manifest lists ${#want[@]}"
    else
      for i in "${!want[@]}"; do
        w=${want[$i]} g=${got[$i]}
        if [[ "$w" == *... ]]; then [[ "$g" == "${w%...}"* ]] || bad "reject $((i + 1)): got '$g', want prefix '${w%...}'"
        else [ "$g" = "$w" ] || bad "reject $((i + 1)): got '$g', want '$w'"; fi
      done
    fi
  fi
done < test/data/bad/MANIFEST.tsv

# The 100 MB field cost its record, not the load: the reject's raw text is capped.
raw_len=$(q -c "SELECT max(length(raw_record)) FROM student_etl.rejected_rows r
                  JOIN student_etl.load_runs l USING (run_id) WHERE l.file_path LIKE '%huge-field-100mb.csv'")
[ -n "$raw_len" ] && [ "$raw_len" -le 8300 ] || { echo "  FAIL huge field: raw_record length $raw_len"; failures=$((failures + 1)); }

note "$entries manifest entries, $failures failures"
[ "$entries" -ge 25 ] || fail "the manifest has fewer than 25 entries"
[ "$failures" = 0 ] || fail "$failures corpus entries did not behave as the manifest says"
note ok
