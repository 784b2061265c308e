#!/bin/bash
# teann-predict on trajectories (doc/input-formats.md "Trajectories", doc/fit.md "teann-predict"):
# an AMBER NetCDF file written here (doubles, floats with scale_factor, per-file and per-frame
# atomic numbers, -teann_species and -teann_species_list, a triclinic cell) predicts what the
# same frames predict from extended XYZ; the same numbers on 1, 2 and 3 ranks (trajectories
# streamed in blocks, bitwise); time and step reach predictions.nc and the XYZ output; the
# dp-test table and its NetCDF attributes agree with numpy on the same files; predictions sit
# beside the references (<property>_pred) and the input's per-atom columns are kept;
# teann-spectrum reads teann-predict's XYZ and AMBER-derived outputs end to end.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
TOOL="$PY $top_srcdir/tests/tools/trajectory.py"
P=$BIN/teann-predict
cd "$WORK" || exit 1
small="-teann_hidden 8,8 -teann_nwave 4 -tao_max_it 10"
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability $small -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }
M=fit/model.nc

# maxdiff A.nc B.nc VAR...: the largest |difference| of the variables (same shapes) of two files
maxdiff() {
  $PY - "$@" << 'EOF'
import sys, numpy as np, netCDF4
a, b = netCDF4.Dataset(sys.argv[1]), netCDF4.Dataset(sys.argv[2])
print(max(float(np.max(np.abs(np.asarray(a[v][:], float) - np.asarray(b[v][:], float)))) for v in sys.argv[3:]))
EOF
}
zero() { [ "$(maxdiff "$@")" = 0.0 ] || fail "$1 and $2 differ in ${*:3}: $(maxdiff "$@")"; }

# --- AMBER NetCDF (doubles, atomic numbers per file) against the same frames in extended XYZ
$TOOL amber "$DATA/water_hf_800.xyz" w.nc --frames 300 --double --types file --xyz w.xyz || fail "writing w.nc"
"$P" -teann_model $M -teann_data w.xyz -teann_output x.nc > log 2>&1 || { cat log; fail "predict w.xyz"; }
for np in 1 2 3; do
  mpirun_np $np "$P" -teann_model $M -teann_data w.nc -teann_output a$np.nc -teann_block_frames 64 > log 2>&1 || { cat log; fail "predict w.nc on $np ranks"; }
  zero x.nc a$np.nc dipole_predicted polarizability_predicted frame_id
done
echo "ok: AMBER NetCDF predicts as the same frames in extended XYZ, bitwise on 1, 2 and 3 ranks (blocks of 64 frames)"
$PY - << 'EOF' || fail "time in a1.nc"
import numpy as np, netCDF4
d = netCDF4.Dataset("a1.nc")
t = d["time"]
assert t.units == "ps" and t.dtype == np.float64, (t.units, t.dtype)
assert np.array_equal(t[:], np.arange(300) * 0.0005), "times differ"
assert np.array_equal(d["frame_id"][:], np.arange(300))
assert "dipole" not in d.variables, "a reference variable without references"
print("ok: time(frame) in ps from the AMBER file, frame_id 0..299")
EOF
mpirun_np 2 "$P" -teann_model $M -teann_data w.nc -teann_output a.xyz > log 2>&1 || { cat log; fail "predict w.nc -> xyz"; }
grep -q 'errors against' log && fail "a table printed without references"
[ "$(grep -c '^dipole_pred=.*polarizability_pred=.* time=' a.xyz)" = 300 ] || fail "a.xyz: not 300 frames with predictions and time="
$PY - << 'EOF' || fail "a.xyz against a1.nc"
import numpy as np, netCDF4, re
d = netCDF4.Dataset("a1.nc")
com = [l for i, l in enumerate(open("a.xyz")) if i % 5 == 1]
t = np.array([float(re.search(r"time=(\S+)", c).group(1)) for c in com])
assert np.allclose(t, np.arange(300) * 0.5, rtol=0, atol=1e-12), "time= is not in fs"
mu = np.array([[float(v) for v in re.search(r'dipole_pred="([^"]*)"', c).group(1).split()] for c in com])
assert np.max(np.abs(mu - d["dipole_predicted"][:])) < 1e-11
print("ok: the XYZ output of an AMBER file: time= in fs, dipole_pred= as in the .nc")
EOF

# --- 32-bit floats with scale_factor; elements from -teann_species FILE and -teann_species_list
$TOOL amber "$DATA/water_hf_800.xyz" f.nc --frames 200 --scale 0.5 --xyz f.xyz || fail "writing f.nc"
"$P" -teann_model $M -teann_data f.xyz -teann_output fx.nc > /dev/null || fail "predict f.xyz"
head -n 5 "$DATA/water_hf_800.xyz" > species.xyz
"$P" -teann_model $M -teann_data f.nc -teann_species species.xyz -teann_output f1.nc > /dev/null || fail "predict f.nc -teann_species"
mpirun_np 3 "$P" -teann_model $M -teann_data f.nc -teann_species_list O,H,H -teann_output f2.nc > /dev/null || fail "predict f.nc -teann_species_list"
zero fx.nc f1.nc dipole_predicted polarizability_predicted
zero fx.nc f2.nc dipole_predicted polarizability_predicted
$PY -c 'import netCDF4, numpy as np; t = netCDF4.Dataset("f1.nc")["time"]; assert t.dtype == np.float32, t.dtype' || fail "float times not kept as floats"
echo "ok: float coordinates with scale_factor, elements from -teann_species and -teann_species_list"

# --- a triclinic cell (polarizability model): teann's cell from lengths and angles is ASE's
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties polarizability -teann_hidden 6 -teann_nwave 3 -tao_max_it 3 -teann_output_dir pfit > log 2>&1 || { cat log; fail "polarizability fit"; }
$TOOL amber "$DATA/water_hf_800.xyz" c.nc --frames 100 --double --types frame --cell 9.5,10.5,11.5,80,85,95 --xyz c.xyz || fail "writing c.nc"
"$P" -teann_model pfit/model.nc -teann_data c.xyz -teann_output cx.nc > /dev/null || fail "predict c.xyz"
mpirun_np 2 "$P" -teann_model pfit/model.nc -teann_data c.nc -teann_output c1.nc > /dev/null || fail "predict c.nc"
mpirun_np 2 "$P" -teann_model pfit/model.nc -teann_data c.nc -teann_output c1.xyz > /dev/null || fail "predict c.nc -> xyz"
[ "$(maxdiff cx.nc c1.nc polarizability_predicted | awk '{print ($1 <= 1e-12)}')" = 1 ] || fail "the cell of c.nc predicts otherwise than ASE's cell: $(maxdiff cx.nc c1.nc polarizability_predicted)"
$PY - << 'EOF' || fail "Lattice of c1.xyz"
import re, numpy as np
want = [re.search(r'Lattice="([^"]*)"', l).group(1) for i, l in enumerate(open("c.xyz")) if i % 5 == 1]
got = [re.search(r'Lattice="([^"]*)"', l).group(1) for i, l in enumerate(open("c1.xyz")) if i % 5 == 1]
assert len(got) == 100 and all('pbc="T T T"' in l for i, l in enumerate(open("c1.xyz")) if i % 5 == 1)
d = max(np.max(np.abs(np.array(a.split(), float) - np.array(b.split(), float))) for a, b in zip(want, got))
assert d <= 1e-12, d
print("ok: cell_lengths/cell_angles -> the lattice ASE builds (largest difference %.1e Angstrom), pbc written back" % d)
EOF

# --- extended XYZ trajectory with time= and step=: streamed on 1, 2, 3 ranks, the same files
$TOOL water "$DATA/water_hf_800.xyz" 1000 t.xyz --dt-fs 0.25 || fail "writing t.xyz"
for np in 1 2 3; do
  mpirun_np $np "$P" -teann_model $M -teann_data t.xyz -teann_output t$np.xyz -teann_block_frames 64 > /dev/null || fail "t.xyz -> xyz on $np ranks"
  mpirun_np $np "$P" -teann_model $M -teann_data t.xyz -teann_output t$np.nc -teann_block_frames 64 > /dev/null || fail "t.xyz -> nc on $np ranks"
done
cmp -s t1.xyz t2.xyz && cmp -s t1.xyz t3.xyz || fail "the XYZ outputs of 1, 2 and 3 ranks differ"
zero t1.nc t2.nc dipole_predicted polarizability_predicted time step
zero t1.nc t3.nc dipole_predicted polarizability_predicted time step
"$P" -teann_model $M -teann_data t.xyz -teann_output tps.nc -teann_time_units ps > /dev/null || fail "-teann_time_units ps"
$PY - << 'EOF' || fail "time and step of t.xyz"
import numpy as np, netCDF4
d, e = netCDF4.Dataset("t1.nc"), netCDF4.Dataset("tps.nc")
assert d["time"].units == "fs" and e["time"].units == "ps"
assert np.array_equal(d["time"][:], np.round(np.arange(1000) * 0.25, 4)) and np.array_equal(e["time"][:], d["time"][:])
assert d["step"].dtype == np.int64 and np.array_equal(d["step"][:], np.arange(1000))
src = [l for i, l in enumerate(open("t.xyz")) if i % 5 == 1]
out = [l for i, l in enumerate(open("t1.xyz")) if i % 5 == 1]
assert all(a.split("Properties")[0].strip() in b for a, b in zip(src, out)), "time= and step= not kept"
src = [l for i, l in enumerate(open("t.xyz")) if i % 5 > 1]
out = [l.split()[:4] for i, l in enumerate(open("t1.xyz")) if i % 5 > 1]
assert [l.split() for l in src] == out, "atom lines not kept as read"
print("ok: time= (fs, or -teann_time_units ps) and step= into time(frame) and step(frame), kept in the XYZ output")
EOF
echo "ok: an extended XYZ trajectory streamed in blocks of 64 frames: identical outputs on 1, 2 and 3 ranks"

# --- the dp-test table: the NetCDF attributes and the printed table against numpy
mpirun_np 2 "$P" -teann_model $M -teann_data "$DATA/water_hf_800.xyz" -teann_output r.nc > table.txt || fail "predict with references"
"$P" -teann_model $M -teann_data "$DATA/water_hf_800.xyz" -teann_output r.xyz > /dev/null || fail "predict with references -> xyz"
$PY - << 'EOF' || fail "dp-test table"
import numpy as np, netCDF4, re
d = netCDF4.Dataset("r.nc")
table = {l.split()[0]: l.split()[1:5] for l in open("table.txt") if re.match(r"  (dipole|polarizability) ", l)}
com = [l for i, l in enumerate(open("r.xyz")) if i % 5 == 1]
for k, n in (("dipole", 3), ("polarizability", 9)):
    y, p = np.asarray(d[k][:]).reshape(800, n), np.asarray(d[k + "_predicted"][:]).reshape(800, n)
    rmse, mae = np.sqrt(np.mean((p - y) ** 2)), np.mean(np.abs(p - y))
    std = np.sqrt(np.sum((y - y.mean(axis=0)) ** 2) / y.size)
    v = d[k + "_predicted"]
    for name, want in (("rmse", rmse), ("mae", mae), ("reference_std", std), ("rmse_relative", rmse / std)):
        got = float(getattr(v, name))
        assert abs(got - want) <= 1e-10 * abs(want), (k, name, got, want)
    assert int(v.reference_frames) == 800
    f, r, m, rel = table[k]
    assert int(f) == 800 and abs(float(r) / rmse - 1) < 1e-6 and abs(float(m) / mae - 1) < 1e-6 and abs(float(rel) / (rmse / std) - 1) < 1e-4, (k, table[k])
    # the XYZ output: the reference under its key, the prediction under <key>_pred
    yx = np.array([[float(x) for x in re.search(r'(?:^| )%s="([^"]*)"' % k, c).group(1).split()] for c in com])
    px = np.array([[float(x) for x in re.search(r'%s_pred="([^"]*)"' % k, c).group(1).split()] for c in com])
    # (the polarizability as read is symmetrised: the input's asymmetry is 2.5e-7 at most)
    assert np.max(np.abs(yx - y)) < 1e-6, (k, np.max(np.abs(yx - y)))
    assert abs(np.sqrt(np.mean((px - yx) ** 2)) / rmse - 1) < 1e-5, (k, np.sqrt(np.mean((px - yx) ** 2)), rmse)
    print("ok: %s: 800 frames, RMSE %.6e, MAE %.6e, RMSE/std %.4e as numpy computes them (attributes to 1e-10, table to its digits)" % (k, rmse, mae, rmse / std))
EOF

# --- per-atom properties: <name>_pred columns beside the input's columns, sums, re-predicting an output
$PY - "$DATA/water_hf_800.xyz" << 'EOF' || fail "writing the per-atom set"
import sys, numpy as np
lines = open(sys.argv[1]).read().split("\n")
rng = np.random.default_rng(3)
with open("atoms.xyz", "w") as f:
    for k in range(200):
        c = lines[5 * k + 1].replace("Properties=species:S:1:pos:R:3", "Properties=species:S:1:pos:R:3:forces:R:3:atomic_dipole:R:3")
        at = [l.split() for l in lines[5 * k + 2:5 * k + 5]]
        x = np.array([[float(v) for v in a[1:4]] for a in at])
        p = 0.3 * ((x[1] - x[0]) + (x[2] - x[0]))          # on the O atom; the H atoms carry none
        f.write("3\n%s\n" % c)
        for i, a in enumerate(at):
            lab = p if i == 0 else np.zeros(3)
            f.write("%s %s %s %s %.6f %.6f %.6f %.10f %.10f %.10f\n" % (a[0], a[1], a[2], a[3], *rng.normal(size=3), *lab))
EOF
"$BIN/teann-train" -teann_data atoms.xyz -teann_properties dipole,atomic_dipole -teann_hidden 6 -teann_nwave 3 -tao_max_it 5 -teann_output_dir afit > log 2>&1 || { cat log; fail "per-atom fit"; }
mpirun_np 2 "$P" -teann_model afit/model.nc -teann_data atoms.xyz -teann_output atoms-p.xyz > log || { cat log; fail "predict atoms.xyz"; }
grep -q "atomic_dipole .*(per labelled atom)" log || fail "no table row of the per-atom property"
"$P" -teann_model afit/model.nc -teann_data atoms-p.xyz -teann_output atoms-pp.xyz > /dev/null || fail "predict teann-predict's own output"
mpirun_np 3 "$P" -teann_model afit/model.nc -teann_data atoms.xyz -teann_output atoms-p.nc > /dev/null || fail "predict atoms.xyz -> nc"
$PY - << 'EOF' || fail "per-atom outputs"
import re, numpy as np, netCDF4
def frames(path):
    L = open(path).read().split("\n")
    return [(L[5 * k + 1], [l.split() for l in L[5 * k + 2:5 * k + 5]]) for k in range(200)]
src, out, again = frames("atoms.xyz"), frames("atoms-p.xyz"), frames("atoms-pp.xyz")
d = netCDF4.Dataset("atoms-p.nc")
ap = np.asarray(d["atomic_dipole_predicted"][:]).reshape(200, 3, 3)
for (cs, a_s), (co, a_o), (ca, a_a) in zip(src, out, again):
    assert "Properties=species:S:1:pos:R:3:forces:R:3:atomic_dipole:R:3:atomic_dipole_pred:R:3" in co, co
    assert co.count("_pred=") == 2 and ca.count("_pred=") == 2 and ca.count("Properties=") == 1, ca
    assert ca.split("Properties=")[1] == co.split("Properties=")[1]
    for s, o, a in zip(a_s, a_o, a_a):
        assert o[:10] == s and a == o, "input columns not kept, or the prediction columns doubled"
    pred = np.array([[float(v) for v in o[10:13]] for o in a_o])
    total = np.array([float(v) for v in re.search(r'atomic_dipole_sum_pred="([^"]*)"', co).group(1).split()])
    assert np.allclose(total, pred.sum(axis=0), rtol=0, atol=1e-10)
fid = 0
pred = np.array([[[float(v) for v in o[10:13]] for o in a_o] for _, a_o in out])
assert np.max(np.abs(pred - ap)) < 1e-10
assert float(d["atomic_dipole_predicted"].reference_frames) == 200 and int(d["atomic_dipole_predicted"].reference_atoms) == 200
assert np.array_equal(d["atom_frame"][:], np.repeat(np.arange(200), 3))
print("ok: per-atom predictions as atomic_dipole_pred columns beside the input's (forces kept), their sum as atomic_dipole_sum_pred=, re-predicting an output replaces its predictions")
EOF

# --- end to end: an AMBER trajectory (32-bit float times) to spectra; teann-spectrum prefers <name>_pred=
$PY "$top_srcdir/input/spectra/harmonic-water-md.py" md.xyz --steps 2000 --amber md.nc > /dev/null || fail "harmonic-water-md.py --amber"
mpirun_np 2 "$P" -teann_model $M -teann_data md.nc -teann_species_list O,H,H -teann_output md-pred.nc > /dev/null || fail "predict md.nc"
"$BIN/teann-spectrum" -teann_data md-pred.nc -teann_corr_time 250 -teann_output s-nc.nc > log 2>&1 || { cat log; fail "teann-spectrum of md-pred.nc"; }
grep -q "IR and Raman from 1 trajectory, 2000 frames, time step 0.5 fs" log || { cat log; fail "time step from the AMBER times"; }
# a trajectory that carries references too: the spectra of its XYZ output are those of the predictions
$PY - << 'EOF' || fail "md-ref.xyz"
import numpy as np
L = open("md.xyz").read().split("\n")
rng = np.random.default_rng(5)
with open("md-ref.xyz", "w") as f:
    for k in range(2000):
        mu, al = rng.normal(size=3), rng.normal(size=(3, 3))
        al = al + al.T
        f.write("3\n%s\n%s\n" % (L[5 * k + 1].replace("time=", 'dipole="%s" polarizability="%s" time=' % (" ".join("%.10f" % v for v in mu), " ".join("%.10f" % v for v in al.ravel()))), "\n".join(L[5 * k + 2:5 * k + 5])))
EOF
"$P" -teann_model $M -teann_data md-ref.xyz -teann_output md-ref-pred.xyz > /dev/null || fail "predict md-ref.xyz"
"$P" -teann_model $M -teann_data md-ref.xyz -teann_output md-ref-pred.nc > /dev/null || fail "predict md-ref.xyz -> nc"
for v in predicted reference; do
  "$BIN/teann-spectrum" -teann_data md-ref-pred.xyz -teann_corr_time 250 -teann_values $v -teann_output sx-$v.nc > /dev/null || fail "spectrum of the XYZ output ($v)"
  "$BIN/teann-spectrum" -teann_data md-ref-pred.nc -teann_corr_time 250 -teann_values $v -teann_output sn-$v.nc > /dev/null || fail "spectrum of the .nc output ($v)"
done
$PY - << 'EOF' || fail "spectra of the XYZ and NetCDF outputs"
import numpy as np, netCDF4
for v in ("predicted", "reference"):
    a, b = netCDF4.Dataset("sx-%s.nc" % v), netCDF4.Dataset("sn-%s.nc" % v)
    for s in ("ir", "raman_isotropic", "raman_anisotropic"):
        x, y = np.asarray(a[s][:]), np.asarray(b[s][:])
        assert np.max(np.abs(x - y)) <= 1e-7 * np.max(np.abs(y)), (v, s)
p, r = netCDF4.Dataset("sx-predicted.nc"), netCDF4.Dataset("sx-reference.nc")
assert np.max(np.abs(np.asarray(p["ir"][:]) - np.asarray(r["ir"][:]))) > 0.1 * np.max(np.abs(np.asarray(p["ir"][:])))
print("ok: teann-spectrum takes dipole_pred=/polarizability_pred= from teann-predict's XYZ (dipole=/polarizability= with -teann_values reference), as from its .nc")
EOF

# --- README.md "From trajectory to spectrum", run as written (the model of the quick start
# replaced by this test's): every command works and leaves spectrum.nc, spectrum.png, modes.nc
if /usr/bin/python3 -c 'import matplotlib, netCDF4, numpy' 2> /dev/null; then  # the README's and teann-plot's interpreter
  mkdir readme && ln -s "$top_srcdir/input" readme/input && mkdir readme/example-output && cp $M readme/example-output/model.nc
  awk '/^## From trajectory to spectrum/ {on = 1; next} /^## / {on = 0} on' "$top_srcdir/README.md" | awk '/^```/ {c = !c; next} c' > readme/commands.sh
  [ "$(grep -c . readme/commands.sh)" -ge 6 ] || fail "README.md: the commands of \"From trajectory to spectrum\" not found"
  (cd readme && PATH="$BIN:$PATH" bash -e commands.sh) > readme.log 2>&1 || { cat readme.log; fail "README.md \"From trajectory to spectrum\": a command failed"; }
  [ -s readme/spectrum.nc ] && [ -s readme/spectrum.png ] && [ -s readme/modes.nc ] && [ -s readme/md-pred.xyz ] || fail "README.md's commands did not write spectrum.nc, spectrum.png, modes.nc"
  echo "ok: README.md \"From trajectory to spectrum\" runs as written ($(grep -c . readme/commands.sh) commands)"
else
  echo "README.md's commands not run: matplotlib missing"
fi
echo "ok: trajectories"
