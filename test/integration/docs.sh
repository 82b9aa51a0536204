#!/usr/bin/env bash
# Docs that cannot rot: the privilege matrix in docs/security.md is exactly the one
# sql/13_privilege_matrix.sql computes (its expected output, which pg_regress checks against
# a real install), and every file a doc links to exists.
set -uo pipefail
source "$(dirname "$0")/lib/common.sh"

computed=$(sed -n 's/^ \(|.*|\)$/\1/p' expected/13_privilege_matrix.out)
documented=$(sed -n '/<!-- matrix:begin -->/,/<!-- matrix:end -->/p' docs/security.md | grep '^|')
[ -n "$computed" ] || fail "no matrix in expected/13_privilege_matrix.out"
diff <(echo "$documented") <(echo "$computed") > /dev/null ||
  fail "docs/security.md's privilege matrix differs from sql/13_privilege_matrix.sql:
$(diff <(echo "$documented") <(echo "$computed") | head -20)"
note "privilege matrix in docs/security.md = computed ($(wc -l <<< "$computed") lines)"

missing=0
for doc in README.md docs/*.md; do
  while read -r target; do
    target=${target%%#*}
    [ -z "$target" ] && continue
    [ -e "$(dirname "$doc")/$target" ] || { echo "docs: $doc links to missing $target"; missing=1; }
  done < <(grep -o '](\([^)h#][^)]*\))' "$doc" | sed 's/^](\(.*\))$/\1/')
done
[ "$missing" = 0 ] || fail "broken links"
note "every relative link of README.md and docs/ resolves"
note ok
