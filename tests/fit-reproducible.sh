#!/bin/bash
# The same model on any number of ranks and threads (design 3.1): a fixed-iteration fit of
# water dipole + polarizability gives a model.nc whose parameters are bitwise identical
# (every variable compared as bytes) on 1, 2, 3 and 7 ranks x 1 and 2 OpenMP threads, for
# the default lmvm and for bqnls; the training log (loss, |grad|, RMSEs) is identical too. A
# bqnls fit interrupted after 12 iterations on 1 rank and restarted on 3 ranks ends bitwise
# where the uninterrupted fit on 2 ranks does. The same with standardised features (eq. 9c).
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
head -n $((5 * 240)) input/data/water_hf_800.xyz > "$WORK/water.xyz"
OPTS="-teann_data $WORK/water.xyz -teann_properties dipole,polarizability -teann_hidden 16,16 -teann_nwave 6 -teann_patience 0"

run() { # run NP NT DIR OPTIONS...: a fit on NP ranks x NT threads into DIR
  local np=$1 nt=$2 dir=$3; shift 3
  OMP_NUM_THREADS=$nt mpirun_np "$np" "$BIN/teann-train" $OPTS -teann_output_dir "$dir" "$@" > "$dir.log" 2>&1 || { cat "$dir.log"; fail "teann-train on $np ranks x $nt threads: $*"; }
}
# the parameter variables of a model.nc, as raw bytes, one line per variable
params() { "$PYTHON3" - "$1" <<'PY'
import sys, netCDF4
d = netCDF4.Dataset(sys.argv[1])
for name, v in sorted(d.variables.items()):
    a = v[:]
    print(name, a.dtype, a.shape, bytes(memoryview(a.filled() if hasattr(a, "filled") else a)).hex())
PY
}
# the iteration log without the wall-time column
iters() { grep -E '^ *[0-9]+ [0-9.e+-]+ ' "$1" | sed 's/ \*$//' | awk '{$NF=""; print}'; }

for tao in lmvm bqnls; do
  run 1 1 "$WORK/$tao-1x1" -tao_type $tao -tao_max_it 25
  params "$WORK/$tao-1x1/model.nc" > "$WORK/ref.params"
  [ "$(wc -l < "$WORK/ref.params")" -gt 10 ] || fail "model.nc has too few variables"
  iters "$WORK/$tao-1x1.log" > "$WORK/ref.iters"
  [ "$(wc -l < "$WORK/ref.iters")" -ge 20 ] || { cat "$WORK/$tao-1x1.log"; fail "$tao: too few iterations logged"; }
  for run in "2 1" "3 1" "7 1" "1 2" "2 2" "3 2"; do
    set -- $run; np=$1 nt=$2
    [ "$tao" = bqnls ] && [ "$np" = 7 -o "$np$nt" = 32 ] && continue # lmvm covers these
    run "$np" "$nt" "$WORK/$tao-${np}x$nt" -tao_type $tao -tao_max_it 25
    params "$WORK/$tao-${np}x$nt/model.nc" > "$WORK/run.params"
    cmp -s "$WORK/ref.params" "$WORK/run.params" || { diff <(cut -c1-120 "$WORK/ref.params") <(cut -c1-120 "$WORK/run.params") | head -4; fail "$tao: model.nc on $np ranks x $nt threads differs from 1 rank x 1 thread"; }
    iters "$WORK/$tao-${np}x$nt.log" | cmp -s "$WORK/ref.iters" - || { diff "$WORK/ref.iters" <(iters "$WORK/$tao-${np}x$nt.log") | head -4; fail "$tao: iteration log on $np ranks x $nt threads differs"; }
    echo "ok: $tao: $np ranks x $nt threads: model.nc bitwise equal to 1 rank x 1 thread"
  done
done

# a different model on purpose: another seed must change the bytes (the comparison can fail)
run 2 1 "$WORK/seed2" -tao_max_it 25 -teann_seed 2
params "$WORK/seed2/model.nc" > "$WORK/seed2.params"
params "$WORK/lmvm-1x1/model.nc" > "$WORK/ref.params"
! cmp -s "$WORK/ref.params" "$WORK/seed2.params" || fail "seed 2 gave the same model as seed 1"
echo "ok: another seed gives another model"

# restart on another rank count: 12 iterations on 1 rank, then to 25 on 3 ranks = 25 on 2 ranks
run 1 1 "$WORK/r" -tao_type bqnls -tao_max_it 12
OMP_NUM_THREADS=1 mpirun_np 3 "$BIN/teann-train" -teann_restart "$WORK/r/checkpoint.nc" -tao_max_it 25 > "$WORK/r2.log" 2>&1 || { cat "$WORK/r2.log"; fail "restart on 3 ranks"; }
grep -q 'restart: continuing from' "$WORK/r2.log" || { cat "$WORK/r2.log"; fail "no restart message"; }
params "$WORK/r/model.nc" > "$WORK/r.params"
params "$WORK/bqnls-2x1/model.nc" > "$WORK/b.params"
cmp -s "$WORK/b.params" "$WORK/r.params" || fail "bqnls: 12 iterations on 1 rank + restart to 25 on 3 ranks differs from 25 on 2 ranks"
echo "ok: bqnls restart on another rank count (1 -> 3) continues bitwise"

# standardised features (eq. 9c): the statistics are exact sums, the checkpoint keeps them and
# the objective's factor, so the fit and its restart are the same on any rank count too
run 1 1 "$WORK/s-1x1" -teann_standardize -tao_max_it 25
run 3 1 "$WORK/s-3x1" -teann_standardize -tao_max_it 25
run 2 2 "$WORK/s-2x2" -teann_standardize -tao_max_it 25
params "$WORK/s-1x1/model.nc" > "$WORK/s1.params"
cmp -s "$WORK/s1.params" <(params "$WORK/lmvm-1x1/model.nc") && fail "standardised and plain fits agree: the option did nothing"
for r in s-3x1 s-2x2; do
  cmp -s "$WORK/s1.params" <(params "$WORK/$r/model.nc") || fail "standardised fit: $r differs from 1 rank x 1 thread"
  [ "$(iters "$WORK/s-1x1.log")" = "$(iters "$WORK/$r.log")" ] || fail "standardised fit: training log of $r differs"
done
run 1 1 "$WORK/sr" -teann_standardize -tao_type bqnls -tao_max_it 12
OMP_NUM_THREADS=1 mpirun_np 3 "$BIN/teann-train" -teann_restart "$WORK/sr/checkpoint.nc" -tao_max_it 25 > "$WORK/sr2.log" 2>&1 || { cat "$WORK/sr2.log"; fail "standardised restart on 3 ranks"; }
run 2 1 "$WORK/sb" -teann_standardize -tao_type bqnls -tao_max_it 25
cmp -s <(params "$WORK/sb/model.nc") <(params "$WORK/sr/model.nc") || fail "standardised bqnls: 12 iterations on 1 rank + restart to 25 on 3 ranks differs from 25 on 2 ranks"
echo "ok: standardised fits are the same on 1, 3 ranks and 2x2, and restart bitwise (1 -> 3 ranks)"
