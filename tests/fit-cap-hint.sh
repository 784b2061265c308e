#!/bin/bash
# teann-train's hint after a fit that the iteration cap stopped while its validation error still
# fell: printed then, with a restart command that continues the fit; not printed for a fit that
# early stopping ended, nor for one without validation frames.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/common.sh" || exit 99

fit() { # fit OUTDIR LOG options...: a small, quick dipole fit
  local out=$1 log=$2
  shift 2
  mpirun_np 1 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole -teann_hidden 8,8 \
    -teann_output_dir "$out" "$@" > "$log" 2>&1 || { cat "$log"; fail "teann-train $*"; }
}

# 30 iterations from the start: the validation error falls all the way
fit "$WORK/cap" "$WORK/cap.log" -tao_max_it 30
grep -q "stopped after 30 iterations: DIVERGED_MAXITS; best validation at iteration 30$" "$WORK/cap.log" || { cat "$WORK/cap.log"; fail "the fit did not run to its cap with its best at the end"; }
hint=$(grep "^teann-train: the validation error was still falling" "$WORK/cap.log") || { cat "$WORK/cap.log"; fail "no hint after a fit stopped by the cap while improving"; }
echo "$hint"
case $hint in *"(-tao_max_it 30)"*"-teann_restart $WORK/cap/checkpoint.nc -tao_max_it 60") ;; *) fail "hint without the cap or the restart command: $hint" ;; esac
[ -f "$WORK/cap/checkpoint.nc" ] || fail "the hint names $WORK/cap/checkpoint.nc, which was not written"

# the command it gives continues the fit to the new cap
cmd=${hint##*continue with }
# shellcheck disable=SC2086
mpirun_np 1 "$BIN/teann-train" $cmd > "$WORK/more.log" 2>&1 || { cat "$WORK/more.log"; fail "the hint's command: $cmd"; }
grep -q "continuing from $WORK/cap/checkpoint.nc at iteration 30" "$WORK/more.log" || { cat "$WORK/more.log"; fail "the hint's command did not continue the fit"; }
grep -q "stopped after 60 iterations" "$WORK/more.log" || { cat "$WORK/more.log"; fail "the continued fit did not run to 60 iterations"; }

# early stopping (patience 1 stops at the first iteration without a lower validation error): no hint
fit "$WORK/pat" "$WORK/pat.log" -tao_max_it 400 -teann_patience 1
grep -q "no lower validation error for 1 iterations" "$WORK/pat.log" || { cat "$WORK/pat.log"; fail "patience did not stop the fit"; }
if grep -q "still falling" "$WORK/pat.log"; then cat "$WORK/pat.log"; fail "hint after a fit that early stopping ended"; fi

# no validation frames: no best-validation iteration to judge by, no hint
fit "$WORK/noval" "$WORK/noval.log" -tao_max_it 30 -teann_valid_fraction 0
grep -q "stopped after 30 iterations" "$WORK/noval.log" || { cat "$WORK/noval.log"; fail "the fit without validation frames did not run to its cap"; }
if grep -q "still falling" "$WORK/noval.log"; then cat "$WORK/noval.log"; fail "hint without validation frames"; fi
# an ensemble: each member says it, tagged, with its own checkpoint (which continues every member)
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole -teann_hidden 8,8 -tao_max_it 30 \
  -teann_ensemble 2 -teann_output_dir "$WORK/ens" > "$WORK/ens.log" 2>&1 || { cat "$WORK/ens.log"; fail "teann-train -teann_ensemble 2"; }
for k in 0 1; do
  grep -q "^\[member $k\] teann-train: the validation error was still falling .*-teann_restart $WORK/ens/checkpoint-member$k.nc -tao_max_it 60$" "$WORK/ens.log" || { cat "$WORK/ens.log"; fail "no hint of member $k"; }
  [ -f "$WORK/ens/checkpoint-member$k.nc" ] || fail "member $k's hint names a checkpoint that was not written"
done
echo "fit-cap-hint: all checks passed"
