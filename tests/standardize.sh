#!/bin/bash
# Standardised density features (design 2.4, eq. 9c):
#  - they are what makes the water polarizability fit fast: after the same 150 iterations the
#    -teann_standardize fit's test RMSE is below half of a plain fit's (measured 6.6e-5 against
#    6.8e-4 Angstrom^3 after 1000 iterations, bench/accuracy.md);
#  - model.nc holds the plain-feature theta: teann-predict on the fit's model reproduces the fit's
#    own test predictions;
#  - the checkpoint keeps the feature statistics and the objective's factor; a fit without them
#    writes neither, and a checkpoint without them restarts without standardisation even when
#    -teann_standardize is given; the statistics have the expected shape and signs.
# Rank and thread invariance, gradients and restarts with standardisation: fit-ranks.sh,
# fit-reproducible.sh, lsq-jacobian.sh.
. "$top_srcdir/tests/common.sh"
OPTS="-teann_data $DATA/water_hf_800.xyz -teann_properties polarizability -tao_max_it 150 -teann_patience 0"
fit() { # NAME [options]
  local name=$1; shift
  mpirun_np 1 "$BIN/teann-train" $OPTS "$@" -teann_output_dir "$WORK/$name" > "$WORK/$name.log" 2>&1 || { tail -20 "$WORK/$name.log"; fail "$name fit"; }
}
rmse() { awk '$1=="polarizability" && $2=="test" {print $4}' "$WORK/$1.log"; }

fit std -teann_standardize
fit plain
s=$(rmse std) p=$(rmse plain)
[ -n "$s" ] && [ -n "$p" ] || fail "no test RMSE in a summary"
echo "test polarizability RMSE after 150 iterations: standardised $s, plain $p"
awk -v a="$s" -v b="$p" 'BEGIN{exit !(a <= 0.5 * b)}' || fail "standardised features do not halve the error ($s against $p)"
echo "ok: standardised features speed up the fit"

# the model file is the model: teann-predict reproduces the fit's predictions
mpirun_np 1 "$BIN/teann-predict" -teann_model "$WORK/std/model.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/pred.nc" > "$WORK/pred.log" 2>&1 || { cat "$WORK/pred.log"; fail "teann-predict"; }
"$PYTHON3" - "$WORK/std/predictions.nc" "$WORK/pred.nc" <<'PY' || fail "teann-predict and the fit's predictions differ"
import sys, netCDF4, numpy as np
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
ida, idb = a['frame_id'][:], b['frame_id'][:]
pa = dict(zip(ida.tolist(), a['polarizability_predicted'][:].reshape(len(ida), -1)))
pb = b['polarizability_predicted'][:].reshape(len(idb), -1)
err = max(np.abs(pa[i] - pb[k]).max() for k, i in enumerate(idb.tolist()) if i in pa)
scale = np.abs(pb).max()
print("largest difference %.3e (values up to %.3g)" % (err, scale))
sys.exit(0 if err <= 1e-12 * scale else 1)
PY
echo "ok: model.nc predicts what the fit predicted"

# checkpoints: the statistics and the factor with standardisation, neither without
ncdump -h "$WORK/std/checkpoint.nc" | grep -q ':feature_standardization = ' || fail "the checkpoint lacks the feature statistics"
ncdump -h "$WORK/std/checkpoint.nc" | grep -q ':objective_factor = ' || fail "the checkpoint lacks the objective's factor"
ncdump -h "$WORK/plain/checkpoint.nc" | grep -q 'feature_standardization' && fail "a plain fit's checkpoint has feature statistics"
echo "ok: checkpoints keep the statistics"

# the statistics: a mean and an inverse spread per element (H, O) and feature (K (Lmax+1) = 24);
# the densities are sums of squares, so the means are positive, and the spreads finite
"$PYTHON3" - "$WORK/std/checkpoint.nc" <<'PY' || fail "implausible feature statistics"
import sys, netCDF4, numpy as np
v = np.asarray(netCDF4.Dataset(sys.argv[1]).getncattr('feature_standardization'))
assert v.size == 2 * 2 * 24, v.size
mean, inv = v[:48], v[48:]
assert (mean > 0).all() and np.isfinite(inv).all() and (inv > 0).all()
# a spread is at most the mean times the largest relative spread of a density seen in the data
print("means %.3g..%.3g, spreads %.3g..%.3g" % (mean.min(), mean.max(), (1 / inv).min(), (1 / inv).max()))
assert (1 / inv <= 10 * mean).all()
PY
# restart of a checkpoint without statistics (a plain fit's): it goes on without them
mpirun_np 1 "$BIN/teann-train" -teann_restart "$WORK/plain/checkpoint.nc" -tao_max_it 160 -teann_standardize > "$WORK/r.log" 2>&1 || { cat "$WORK/r.log"; fail "restart of a plain fit"; }
grep -q "restart: the checkpoint's fit did not use standardised features; continuing without them" "$WORK/r.log" || { cat "$WORK/r.log"; fail "no message on restarting a plain fit"; }
echo "ok: the statistics are plausible and a plain fit restarts plain"

# An element with a single training atom: its features have no spread, and a frame with that
# element elsewhere must not reach the untrained first-layer weights amplified (design 2.4)
"$PYTHON3" - "$DATA/water_hf_800.xyz" "$WORK/one-n.xyz" "$WORK/other-n.xyz" <<'PY' || fail "cannot make the one-nitrogen files"
import sys
lines = open(sys.argv[1]).read().splitlines()
frames = [lines[5 * k:5 * k + 5] for k in range(11)]
def nitrogen(fr):
    fr = list(fr)
    fr[2] = "N" + fr[2][1:] if fr[2].startswith("O") else fr[2]
    assert fr[2].startswith("N")
    return fr
with open(sys.argv[2], "w") as f:
    for k in range(10):
        f.write("\n".join(nitrogen(frames[k]) if k == 4 else frames[k]) + "\n")
with open(sys.argv[3], "w") as f:
    f.write("\n".join(nitrogen(frames[10])) + "\n")
PY
mpirun_np 1 "$BIN/teann-train" -teann_data "$WORK/one-n.xyz" -teann_properties polarizability -teann_hidden 4 -tao_max_it 10 -teann_valid_fraction 0 -teann_test_fraction 0 -teann_standardize -teann_output_dir "$WORK/one-n" > "$WORK/one-n.log" 2>&1 || { tail "$WORK/one-n.log"; fail "fit with one nitrogen atom"; }
mpirun_np 1 "$BIN/teann-predict" -teann_model "$WORK/one-n/model.nc" -teann_data "$WORK/other-n.xyz" -teann_output "$WORK/other-n.nc" > "$WORK/other-n.log" 2>&1 || { cat "$WORK/other-n.log"; fail "predict the other nitrogen frame"; }
"$PYTHON3" - "$WORK/other-n.nc" <<'PY' || fail "a single-atom element's constant features were amplified"
import sys, netCDF4, numpy as np
a = np.asarray(netCDF4.Dataset(sys.argv[1])['polarizability_predicted'][:]).ravel()
print("predicted polarizability of a new N environment: up to %.3g Angstrom^3" % np.abs(a).max())
assert np.isfinite(a).all() and np.abs(a).max() < 20, a
PY
echo "ok: an element with one training atom predicts other environments at a sane scale"
