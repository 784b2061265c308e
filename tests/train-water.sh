#!/bin/bash
# End to end: the water example (input/water-dipole.opts: seed 1, default split; 400
# iterations to stay quick on a loaded machine) on 2 ranks finishes within 60 s and
# reaches a test dipole RMSE below 0.005 e*Angstrom;
# the summary table and predictions.nc agree; model.nc and predictions.nc are complete.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"   # the paths in the .opts file are relative to the project root

t0=$(date +%s.%N)
mpirun_np 2 "$BIN/teann-train" -options_file input/water-dipole.opts -tao_max_it 400 -teann_output_dir "$WORK/out/sub" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
t1=$(date +%s.%N)
cat "$WORK/log" | tail -8
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
rmse=$(awk '$1=="dipole" && $2=="test" {print $4}' "$WORK/log")
[ -n "$rmse" ] || fail "no test dipole RMSE in the summary"
echo "test dipole RMSE $rmse e*Angstrom, wall $wall s"
awk -v r="$rmse" 'BEGIN{exit !(r < 0.005)}' || fail "test dipole RMSE $rmse >= 0.005"
lim=$(tscale 60); awk -v w="$wall" -v l="$lim" 'BEGIN{exit !(w < l)}' || fail "took $wall s (limit $lim s)"
grep -q ' 640 train, 80 validation, 80 test frames' "$WORK/log" || fail "default split is not 640/80/80"
[ "$(grep -c '^ *[0-9][0-9]* [0-9.e+-]* ' "$WORK/log")" -ge 10 ] || fail "fewer than 10 progress lines"
for f in model.nc predictions.nc history.nc; do [ -s "$WORK/out/sub/$f" ] || fail "$f missing"; done
nit=$(ncdump -h "$WORK/out/sub/history.nc" | sed -n 's/^[[:space:]]*iteration = \([0-9]*\) ;/\1/p')
nlines=$(grep -c '^ *[0-9][0-9]* [0-9.e+-]* ' "$WORK/log")
[ "$nit" = "$nlines" ] || fail "history.nc has $nit iterations, the log $nlines"
ls "$WORK/out/sub" | grep -q tmp && fail "temporary file left behind"
# predictions.nc holds the same test error the summary printed
nc=$("$BIN/tests/test-fit-compare" -train "$WORK/out/sub/predictions.nc" -rmse dipole -subset 2 | awk '{print $4}')
close_rel "$rmse" "$nc" 1e-5 || fail "summary RMSE $rmse != predictions.nc RMSE $nc"
ncdump -h "$WORK/out/sub/predictions.nc" | grep -q 'flag_meanings = "train validation test"' || fail "subset flags"
ncdump -h "$WORK/out/sub/model.nc" | grep -q 'elements = 1, 8' || fail "model elements"
ncdump -h "$WORK/out/sub/model.nc" | grep -q 'dipole_std' || fail "training statistics missing"
echo "ok: end-to-end water fit"
