#!/bin/bash
# The documents match the programs (hardening item 20): every -teann_ option in the code of
# README.md and doc/user-guide.md is one a program lists in -help (or doc/options.md marks †),
# and the commands whose output the documents show run as written (doc/transcripts.sh
# --check, fits capped at 3 iterations; the unused-option check makes a misspelt documented
# option an error there too).
. "$top_srcdir/tests/common.sh"
for prog in teann-train teann-predict teann-convert teann-spectrum; do "$BIN/$prog" -help 2>&1; done | sed -n 's/^ *\(-teann_[a-z0-9_]*\).*/\1/p' > "$WORK/known"
sed -n 's/^| `\(-teann_[a-z0-9_]*\).*` †.*/\1/p' "$top_srcdir/doc/options.md" >> "$WORK/known"
sort -u -o "$WORK/known" "$WORK/known"
# the code of the documents: fenced blocks, indented blocks and `inline code`
for doc in README.md doc/user-guide.md; do
  awk '/^```/ {code = !code; next} code || /^    / {print; next} {while (match($0, /`[^`]*`/)) {print substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)}}' "$top_srcdir/$doc" |
    grep -o -- '-teann_[a-z0-9_]*' | sort -u | sed "s|$| $doc|"
done > "$WORK/used"
status=0
while read -r opt doc; do
  case $opt in -teann_weight_|-teann_) continue ;; esac
  grep -qx -- "$opt" "$WORK/known" || { echo "$doc uses $opt, which no program knows"; status=1; }
done < "$WORK/used"
[ $status = 0 ] || fail "documents use unknown options"
echo "ok: $(wc -l < "$WORK/used") documented -teann_ options are known"
TEANN_DOC_MAXIT=3 bash "$top_srcdir/doc/transcripts.sh" --check "$BIN" > "$WORK/log" 2>&1 || { tail -20 "$WORK/log"; fail "a documented command failed"; }
echo "ok: $(tail -1 "$WORK/log")"
