#!/bin/bash
# Every options file in input/ starts the fit it documents: its data exist, every option is known
# and used, and two iterations end with a summary of the test errors of each fitted property.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"   # the paths in the .opts files are relative to the project root
n=0
for f in input/*.opts; do
  name=$(basename "$f" .opts)
  mpirun_np 1 "$BIN/teann-train" -options_file "$f" -tao_max_it 2 -teann_output_dir "$WORK/$name" > "$WORK/$name.log" 2>&1 || { tail -20 "$WORK/$name.log"; fail "$f: the fit failed"; }
  props=$(sed -n 's/^-teann_properties //p' "$f")
  for p in ${props//,/ }; do
    awk -v k="$p" '$1==k && $2=="test" {found=1} END {exit !found}' "$WORK/$name.log" || { tail -20 "$WORK/$name.log"; fail "$f: no test error of $p in the summary"; }
  done
  grep -qi "warning" "$WORK/$name.log" && { grep -i warning "$WORK/$name.log"; fail "$f: warnings"; }
  echo "ok: $f ($props)"
  n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n options files found in input/"
