#!/bin/bash
# doc/options.md and the man pages list exactly the -teann_* options each program's -help
# prints (plus, in options.md, the ones marked † that -help shows only in some situations).
# When an option is added to a program without documenting it, this test fails.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/common.sh" || exit 99

DOC=$top_srcdir/doc/options.md
status=0
for prog in teann-train teann-predict teann-convert teann-spectrum; do
  "$BIN/$prog" -help > "$WORK/$prog.help" 2>&1 || fail "$prog -help exited non-zero"
  sed -n 's/^ *\(-teann_[a-z0-9_]*\).*/\1/p' "$WORK/$prog.help" | sort -u > "$WORK/help"
  [ -s "$WORK/help" ] || fail "$prog -help lists no -teann_ option"
  # rows "| `-teann_x ARG` | ..." of the section "## PROG", † marking those -help may not show
  awk -v sec="## $prog" '/^## /{on=($0==sec)} on && /^\| `-teann_/' "$DOC" > "$WORK/rows"
  sed -n 's/^| `\(-teann_[a-z0-9_]*\).*/\1/p' "$WORK/rows" | sort -u > "$WORK/doc"
  grep '` †' "$WORK/rows" | sed -n 's/^| `\(-teann_[a-z0-9_]*\).*/\1/p' | sort -u > "$WORK/dagger"
  comm -23 "$WORK/help" "$WORK/doc" | sed "s/^/  missing from doc\/options.md (## $prog): /" > "$WORK/diff"
  comm -23 "$WORK/doc" "$WORK/help" | comm -23 - "$WORK/dagger" | sed "s/^/  in doc\/options.md (## $prog) but not in $prog -help (remove it, or mark it † if -help shows it only sometimes): /" >> "$WORK/diff"
  comm -12 "$WORK/dagger" "$WORK/help" | sed "s/^/  marked † in doc\/options.md (## $prog) but -help lists it: /" >> "$WORK/diff"
  # the man page documents the same set as options.md
  MAN=$top_srcdir/doc/man/$prog.1
  [ -f "$MAN" ] || fail "no man page $MAN"
  sed -n 's/^\.BI\{0,1\} \\\(-teann_[a-z0-9_]*\).*/\1/p' "$MAN" | sort -u > "$WORK/man"
  comm -3 "$WORK/doc" "$WORK/man" | sed "s/^\t/  only in $prog.1: /; t; s/^/  missing from $prog.1: /" >> "$WORK/diff"
  if [ -s "$WORK/diff" ]; then
    echo "$prog: documentation out of step with -help:"; cat "$WORK/diff"; status=1
  else
    echo "ok: $prog: $(wc -l < "$WORK/help") options in -help, $(wc -l < "$WORK/doc") in doc/options.md and $prog.1"
  fi
done
# teann-plot's man page exists and names its options
grep -q '^\.B.* \\-o' "$top_srcdir/doc/man/teann-plot.1" || { echo "teann-plot.1 lacks -o"; status=1; }
exit $status
