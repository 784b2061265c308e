#!/bin/bash
# Files written by teann 0.1.0 (before the property table) still load: the model
# predicts what 0.1.0 predicted, the checkpoint restarts as 0.1.0 restarted it.
. "$top_srcdir/tests/common.sh"
L=$top_srcdir/tests/legacy
head -n 300 "$DATA/water_hf_800.xyz" > "$WORK/w60.xyz"   # the 60 frames the checkpoint was fitted on, as it names them

"$BIN/teann-predict" -teann_model "$L/model-0.1.0.nc" -teann_data "$L/water10.xyz" -teann_output "$WORK/p.xyz" > /dev/null || fail "predict with the 0.1.0 model"
# 0.1.0 wrote its predictions under dipole= and polarizability=; they are now dipole_pred= and
# polarizability_pred=, beside the input's references
pred() { sed -n "s/.*\(^\| \)$1=\"\([^\"]*\)\" $2=\"\([^\"]*\)\".*/\2 \3/p" "$3"; }
[ "$(pred dipole_pred polarizability_pred "$WORK/p.xyz" | wc -l)" = 10 ] || fail "not 10 predicted frames"
diff <(pred dipole_pred polarizability_pred "$WORK/p.xyz") <(pred dipole polarizability "$L/water10-pred-0.1.0.xyz") > /dev/null || fail "predictions of the 0.1.0 model differ from 0.1.0's"
diff <(awk 'NF == 4 {$1 = $1; print}' "$WORK/p.xyz") <(awk 'NF == 4 {$1 = $1; print}' "$L/water10-pred-0.1.0.xyz") > /dev/null || fail "the geometries differ from 0.1.0's output"
echo "ok: model.nc of 0.1.0 predicts as 0.1.0 did (all printed digits)"

# the checkpoint names its data (w60.xyz) relative to the directory it was run in
mkdir -p "$WORK/r"
cp "$L/checkpoint-0.1.0.nc" "$WORK/r/checkpoint.nc"
( cd "$WORK" && "$BIN/teann-train" -teann_restart r/checkpoint.nc -teann_output_dir r -tao_max_it 20 > "$WORK/r.log" 2>&1 ) || { cat "$WORK/r.log"; fail "restart from the 0.1.0 checkpoint"; }
grep -q "continuing from .* at iteration 12" "$WORK/r.log" || { cat "$WORK/r.log"; fail "did not continue at iteration 12"; }
n=0
while read -r it loss g td vd tp vp rest; do
  got=$(awk -v i="$it" '$1==i && NF>=8 {print $2, $4, $5, $6, $7}' "$WORK/r.log")
  [ -n "$got" ] || fail "iteration $it missing after the restart"
  set -- $got
  for pair in "$loss $1" "$td $2" "$vd $3" "$tp $4" "$vp $5"; do close_rel $pair 1e-6 || fail "iteration $it: $pair differ"; done
  n=$((n + 1))
done < "$L/restart-0.1.0.txt"
[ "$n" -eq 8 ] || fail "compared $n iterations, expected 8"
echo "ok: checkpoint.nc of 0.1.0 restarts as 0.1.0 did (iterations 13-20 to 1e-6)"
