#!/bin/bash
# Ensembles (-teann_ensemble, doc/fit.md "Ensembles"), water dipole, small networks:
#  - the members of a 2-member ensemble differ, and model.nc holds both (ensemble_members 2);
#  - predictions.nc: the prediction is the mean of the members, <property>_std their sample
#    standard deviation (>= 0), both checked against each member predicted on its own by
#    teann-predict from a single-model file extracted from model.nc (1e-12);
#  - teann-predict with the ensemble writes the same mean and std (.nc) and dipole_std= (.xyz);
#    with two identical members the std is exactly zero;
#  - 30 iterations in one run and 15 + restart + 15 give the same members (bitwise);
#  - members are the same whether run side by side (2 ranks) or one after another (1 rank),
#    and on 4 ranks (groups of 2): the fit is bitwise independent of the rank count (design 3.1);
#  - bad input is refused with a clear message.
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
PY=${PYTHON3:-python3}
"$PY" -c 'import netCDF4, numpy' 2>/dev/null || { echo "SKIP: python3 with netCDF4 and numpy needed"; exit 77; }
OPTS="-teann_data $DATA/water_hf_800.xyz -teann_properties dipole -teann_hidden 8 -teann_nwave 4 -tao_type bqnls"

run() { local np=$1 log=$2; shift 2; mpirun_np "$np" "$BIN/teann-train" "$@" > "$log" 2>&1 || { cat "$log"; fail "teann-train $*"; }; }

# --- a 2-member ensemble, members written
run 2 "$WORK/a.log" $OPTS -tao_max_it 30 -teann_ensemble 2 -teann_ensemble_members -teann_output_dir "$WORK/a"
grep -q 'RMSE of each member and of the committee mean' "$WORK/a.log" || fail "no per-member table"
[ "$(cat "$WORK/a/teann-train.status")" = finished ] || fail "status"
for k in 0 1; do [ -f "$WORK/a/checkpoint-member$k.nc" ] || fail "no checkpoint of member $k"; done

# member k as a model file of its own, predicted by teann-predict
"$PY" - "$WORK/a/model.nc" "$WORK" <<'EOF' || fail "extracting members"
import sys, netCDF4, numpy as np
src = netCDF4.Dataset(sys.argv[1])
assert src.ensemble_members == 2, "ensemble_members"
blocks = [v for v in src.variables if not v.startswith("member")]
diff = max(float(np.abs(src[b][:] - src["member1_" + b][:]).max()) for b in blocks if not b.endswith(("_mean", "_std")))
assert diff > 1e-6, "members do not differ (%g)" % diff
for k in (0, 1):
    with netCDF4.Dataset("%s/member%d.nc" % (sys.argv[2], k), "w") as d:
        d.setncatts({a: src.getncattr(a) for a in src.ncattrs() if a != "ensemble_members"})
        for n, dim in src.dimensions.items():
            d.createDimension(n, len(dim))
        for b in blocks:
            v = src[b if k == 0 or b.endswith(("_mean", "_std")) else "member%d_%s" % (k, b)]
            w = d.createVariable(b, "f8", src[b].dimensions)
            w[:] = v[:]
EOF
for k in 0 1; do
  mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/member$k.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/m$k.nc" > "$WORK/m$k.log" 2>&1 || { cat "$WORK/m$k.log"; fail "predict member $k"; }
done
mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/a/model.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/e.nc" -teann_ensemble_members > "$WORK/e.log" 2>&1 || { cat "$WORK/e.log"; fail "predict ensemble"; }
mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/a/model.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/e.xyz" > "$WORK/ex.log" 2>&1 || { cat "$WORK/ex.log"; fail "predict ensemble xyz"; }
grep -q 'dipole_std="' "$WORK/e.xyz" || fail "no dipole_std in the xyz output"
"$PY" - "$WORK" <<'EOF' || fail "committee mean and std"
import sys, netCDF4, numpy as np
W = sys.argv[1]
m = np.stack([netCDF4.Dataset("%s/m%d.nc" % (W, k))["dipole_predicted"][:] for k in (0, 1)])
mean, std = m.mean(0), m.std(0, ddof=1)
e = netCDF4.Dataset(W + "/e.nc")
assert np.abs(e["dipole_predicted"][:] - mean).max() <= 1e-12, "teann-predict mean"
assert np.abs(e["dipole_std"][:] - std).max() <= 1e-12, "teann-predict std"
assert np.abs(e["dipole_predicted_members"][:] - m).max() <= 1e-12, "teann-predict members"
assert (e["dipole_std"][:] >= 0).all() and e["dipole_std"][:].max() > 0, "std sign"
# teann-train's predictions.nc: frames of the split in key order, frame_id into the file
p = netCDF4.Dataset(W + "/a/predictions.nc")
fid = p["frame_id"][:]
assert len(set(fid.tolist())) == 800, "every frame once"
assert np.abs(p["dipole_predicted"][:] - mean[fid]).max() <= 1e-12, "train mean"
assert np.abs(p["dipole_std"][:] - std[fid]).max() <= 1e-12, "train std"
assert np.abs(p["dipole_predicted_members"][:] - m[:, fid]).max() <= 1e-12, "train members"
xyz = [l for l in open(W + "/e.xyz") if "dipole_std=" in l]
s0 = [float(x) for x in xyz[0].split('dipole_std="')[1].split('"')[0].split()]
assert np.abs(np.array(s0) - std[0]).max() <= 1e-10, "xyz std"
EOF
echo "ok: committee mean and std"
# the C and Python APIs predict the committee too: mean and std as teann-predict, the
# derivatives those of the mean; a member file alone is a committee of one with std 0
PYTHONPATH="$top_srcdir/python" "$PY" - "$WORK" "$DATA" <<'EOF' || fail "the APIs' committee"
import sys, netCDF4, numpy as np, teann
W, D = sys.argv[1:]
lines = open(D + "/water_hf_800.xyz").read().split("\n")
z, x = [8, 1, 1], np.array([[float(v) for v in l.split()[1:4]] for l in lines[2:5]])
m = teann.Model(W + "/a/model.nc")
assert m.members == 2, m.members
r = m.predict(z, x, derivatives=True, uncertainty=True)
e = netCDF4.Dataset(W + "/e.nc")
assert np.abs(r["dipole"] - e["dipole_predicted"][0]).max() <= 1e-12, (r["dipole"], e["dipole_predicted"][0])
assert np.abs(r["dipole_std"] - e["dipole_std"][0]).max() <= 1e-12, "committee std"
h, a, d = 1e-5, 1, 2
xp, xm = x.copy(), x.copy(); xp[a, d] += h; xm[a, d] -= h
fd = (m.predict(z, xp)["dipole"] - m.predict(z, xm)["dipole"]) / (2 * h)
assert np.abs(fd - r["dipole_derivatives"][:, a, d]).max() <= 1e-7 * max(1, np.abs(fd).max()), (fd, r["dipole_derivatives"][:, a, d])
one = teann.Model(W + "/member0.nc")
assert one.members == 1
s = one.predict(z, x, uncertainty=True)
assert np.abs(s["dipole"] - e["dipole_predicted_members"][0, 0]).max() <= 1e-12 and not s["dipole_std"].any(), "single model"
print("API committee", r["dipole"], "+-", r["dipole_std"])
EOF
echo "ok: the APIs predict the committee mean and std"
if "$PY" -c 'import matplotlib' 2>/dev/null; then
  "$PY" "$BIN/teann-plot" "$WORK/a/predictions.nc" -o "$WORK/plots" > "$WORK/plot.log" 2>&1 || { cat "$WORK/plot.log"; fail "teann-plot"; }
  [ -s "$WORK/plots/parity-dipole-uncertainty.png" ] || fail "teann-plot drew no error-against-uncertainty plot"
  echo "ok: teann-plot uncertainty"
fi

# identical members: std exactly zero
"$PY" - "$WORK/a/model.nc" "$WORK/same.nc" <<'EOF' || fail "making identical members"
import sys, shutil, netCDF4
shutil.copy(sys.argv[1], sys.argv[2])
with netCDF4.Dataset(sys.argv[2], "a") as d:
    for v in list(d.variables):
        if v.startswith("member1_"):
            d[v][:] = d[v[len("member1_"):]][:]
EOF
mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/same.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/same-p.nc" > "$WORK/s.log" 2>&1 || { cat "$WORK/s.log"; fail "predict identical members"; }
"$PY" -c "import sys, netCDF4; d = netCDF4.Dataset(sys.argv[1]); assert (d['dipole_std'][:] == 0).all()" "$WORK/same-p.nc" || fail "std of identical members not zero"
echo "ok: identical members have zero std"

# --- restart: 15 + 15 iterations end on the members of 30
run 2 "$WORK/b1.log" $OPTS -tao_max_it 15 -teann_ensemble 2 -teann_ensemble_members -teann_output_dir "$WORK/b"
run 2 "$WORK/b2.log" -teann_restart "$WORK/b/checkpoint.nc" -tao_max_it 30
grep -q 'an ensemble of 2 members' "$WORK/b2.log" || fail "the restart did not resume the ensemble"
cmp -s <(model_params "$WORK/a/model.nc") <(model_params "$WORK/b/model.nc") || fail "members differ after a restart"
echo "ok: restart"

# --- side by side (2 ranks) or one after another (1 rank): groups of one rank either way
run 1 "$WORK/c.log" $OPTS -tao_max_it 30 -teann_ensemble 2 -teann_output_dir "$WORK/c"
cmp -s <(model_params "$WORK/a/model.nc") <(model_params "$WORK/c/model.nc") || fail "members differ between 1 and 2 ranks"
echo "ok: 1 and 2 ranks"
# 4 ranks: each member on a group of 2 ranks, compared as bytes (exact sums over fixed blocks of
# frames make a fit independent of its rank count, design 3.1).
run 4 "$WORK/d.log" $OPTS -tao_max_it 30 -teann_ensemble 2 -teann_output_dir "$WORK/d"
cmp -s <(model_params "$WORK/a/model.nc") <(model_params "$WORK/d/model.nc") || fail "members differ between 2 and 4 ranks (needs a fit bitwise independent of the rank count)"
echo "ok: 2 and 4 ranks give the same members"

# --- bad input
expect_error '-teann_ensemble 0: an ensemble needs at least 1 member' mpirun_np 1 "$BIN/teann-train" $OPTS -teann_ensemble 0 -teann_output_dir "$WORK/x"
expect_error 'the member count must be a multiple of the rank count' mpirun_np 2 "$BIN/teann-train" $OPTS -teann_ensemble 3 -teann_output_dir "$WORK/x"
expect_error 'the rank count must be a multiple of the member count' mpirun_np 3 "$BIN/teann-train" $OPTS -teann_ensemble 2 -teann_output_dir "$WORK/x"
expect_error 'cannot be combined with -teann_ensemble' mpirun_np 1 "$BIN/teann-train" $OPTS -teann_ensemble 2 -teann_check_gradient -teann_output_dir "$WORK/x"
expect_error 'already holds model.nc' mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 2 -teann_ensemble 2 -teann_output_dir "$WORK/a"
exit 0
