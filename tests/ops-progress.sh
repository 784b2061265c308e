#!/bin/bash
# teann-predict progress: with -teann_progress rank 0 prints "done/total frames (rate, time left)"
# at most once a second and once at the end; without it, and with stderr not a terminal, nothing.
# The predictions do not depend on the reporting (it cuts the work into steps).
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/common.sh" || exit 99

# A fitted-like model (one iteration is enough: the values do not matter, the cost does).
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/qm7x_chno_100.xyz" -teann_properties dipole,polarizability \
  -tao_max_it 1 -teann_output_dir "$WORK/fit" > "$WORK/train.log" 2>&1 || { cat "$WORK/train.log"; fail "teann-train"; }
# 30000 frames: about 2.5 s of prediction on 2 ranks here, so intermediate reports appear.
for i in $(seq 300); do cat "$DATA/qm7x_chno_100.xyz"; done > "$WORK/traj.xyz"

mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/traj.xyz" \
  -teann_output "$WORK/with.nc" -teann_progress > "$WORK/with.out" 2> "$WORK/with.err" || { cat "$WORK/with.err"; fail "teann-predict -teann_progress"; }
cat "$WORK/with.err"
n=$(grep -c '^teann-predict: [0-9]*/30000 frames ([0-9]* frames/s, [0-9]* s left)$' "$WORK/with.err")
grep -q '^teann-predict: 30000/30000 frames' "$WORK/with.err" || fail "no final progress line"
[ "$(grep -c 'frames/s' "$WORK/with.out")" -eq 0 ] || fail "progress went to stdout"
# one report a second and the final one: the lines follow the duration of the work
rate=$(grep '^teann-predict: 30000/30000' "$WORK/with.err" | sed 's/.*(\([0-9]*\) frames\/s.*/\1/')
secs=$(awk -v r="$rate" 'BEGIN{ printf "%.2f", 30000 / r }')
awk -v n="$n" -v s="$secs" 'BEGIN{ exit !(n <= s + 2) }' || fail "$n reports for $secs s of work"
if awk -v s="$secs" 'BEGIN{ exit !(s >= 2) }'; then [ "$n" -ge 2 ] || fail "$secs s of work but no intermediate report"; fi
# intermediate counts increase
grep -o '^teann-predict: [0-9]*/' "$WORK/with.err" | tr -dc '0-9\n' | awk 'NR>1 && $1<=p{exit 1}{p=$1}' || fail "frame counts do not increase"

mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/traj.xyz" \
  -teann_output "$WORK/without.nc" > "$WORK/without.out" 2> "$WORK/without.err" || { cat "$WORK/without.err"; fail "teann-predict"; }
if grep -q 'frames/s' "$WORK/without.err" "$WORK/without.out"; then fail "progress printed without -teann_progress and without a terminal"; fi
grep -q '^teann-predict: 30000 frames of' "$WORK/without.out" || fail "summary line missing"
# -teann_progress 0 also silences it
mpirun_np 1 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$DATA/qm7x_chno_100.xyz" \
  -teann_output "$WORK/off.nc" -teann_progress 0 2> "$WORK/off.err" > /dev/null || fail "teann-predict -teann_progress 0"
if grep -q 'frames/s' "$WORK/off.err"; then fail "progress printed with -teann_progress 0"; fi

# same predictions, whether cut into reporting steps or not
for v in dipole_predicted polarizability_predicted; do
  ncdump -v "$v" "$WORK/with.nc" | sed -n '/^data:/,$p' > "$WORK/a.txt"
  ncdump -v "$v" "$WORK/without.nc" | sed -n '/^data:/,$p' > "$WORK/b.txt"
  [ -s "$WORK/a.txt" ] && cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "$v differs with -teann_progress"
done
echo "ok: $n progress lines for $secs s of work with -teann_progress, none without"
