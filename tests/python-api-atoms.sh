#!/bin/bash
# Per-atom properties (atomic_dipole) through the C API and the Python module: a model of the
# Wannier-centroid vectors of liquid-water cells (labels on O only) and a model of the dipole
# and a per-atom dipole of water molecules, single and as an ensemble. The per-atom vectors and
# their sum are teann-predict's to 1e-12 (every atom, unlabelled H too); they rotate with the
# frame (R d_i) and follow a permutation of the atoms; the per-atom derivatives agree with
# central differences and the frame derivatives of the mixed model still do; teann_predict
# refuses a model of per-atom properties only instead of returning an empty row.
. "$top_srcdir/tests/common.sh"
[ "${TEANN_SANITIZE:-no}" != yes ] || { echo "skipped in the sanitizer build"; exit 77; }
"$PYTHON3" -c "import numpy, netCDF4" 2> /dev/null || { echo "needs numpy and netCDF4 (python3-numpy python3-netcdf4)"; exit 77; }
small="-teann_hidden 8,8 -teann_nwave 4 -teann_valid_fraction 0 -teann_test_fraction 0"
cd "$WORK" || fail "cd $WORK"

# 3 cells of 64 H2O: atomic_dipole only, labels on O (the H rows are zeros)
head -n $((194 * 3)) "$DATA/water64_pbc_wannier_80.xyz" > cells.xyz
mpirun_np 1 "$BIN/teann-train" -teann_data cells.xyz -teann_properties atomic_dipole -teann_atomic_elements O -teann_cutoff 4 $small -tao_max_it 10 -teann_output_dir fitc > log 2>&1 || { cat log; fail "teann-train (cells, atomic_dipole)"; }
"$BIN/teann-predict" -teann_model fitc/model.nc -teann_data cells.xyz -teann_output pc.nc > /dev/null || fail "teann-predict (cells)"

# water molecules with a synthetic per-atom dipole on O: the dipole and atomic_dipole together
"$PYTHON3" - "$DATA/water_hf_800.xyz" << 'EOF' || fail "writing the per-atom set"
import sys, numpy as np
lines = open(sys.argv[1]).read().split("\n")
with open("mol.xyz", "w") as f:
    for k in range(100):
        c = lines[5 * k + 1].replace("Properties=species:S:1:pos:R:3", "Properties=species:S:1:pos:R:3:atomic_dipole:R:3")
        at = [l.split() for l in lines[5 * k + 2:5 * k + 5]]
        x = np.array([[float(v) for v in a[1:4]] for a in at])
        p = 0.3 * ((x[1] - x[0]) + (x[2] - x[0]))
        f.write("3\n%s\n" % c)
        for i, a in enumerate(at):
            f.write("%s %s %s %s %.10f %.10f %.10f\n" % (a[0], a[1], a[2], a[3], *(p if i == 0 else np.zeros(3))))
EOF
mpirun_np 1 "$BIN/teann-train" -teann_data mol.xyz -teann_properties dipole,atomic_dipole $small -tao_max_it 10 -teann_output_dir fitm > log 2>&1 || { cat log; fail "teann-train (dipole, atomic_dipole)"; }
"$BIN/teann-predict" -teann_model fitm/model.nc -teann_data mol.xyz -teann_output pm.nc > /dev/null || fail "teann-predict (dipole, atomic_dipole)"
mpirun_np 2 "$BIN/teann-train" -teann_data mol.xyz -teann_properties dipole,atomic_dipole $small -tao_max_it 5 -teann_ensemble 2 -teann_output_dir fite > log 2>&1 || { cat log; fail "teann-train (ensemble)"; }
"$BIN/teann-predict" -teann_model fite/model.nc -teann_data mol.xyz -teann_output pe.nc > /dev/null || fail "teann-predict (ensemble)"

PYTHONPATH="$top_srcdir/python" "$PYTHON3" - << 'EOF' || fail "per-atom properties through the Python module"
import ctypes
import numpy as np, netCDF4
import teann

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def read_xyz(path):
    """numbers, positions and the lattice (or None) of every frame."""
    frames, L = [], open(path).read().split("\n")
    i = 0
    while i < len(L) and L[i].strip():
        n = int(L[i])
        lat = np.array(L[i + 1].split('Lattice="')[1].split('"')[0].split(), float).reshape(3, 3) if "Lattice=" in L[i + 1] else None
        rows = [l.split() for l in L[i + 2:i + 2 + n]]
        frames.append(([teann.atomic_number(r[0]) for r in rows], np.array([[float(v) for v in r[1:4]] for r in rows]), lat))
        i += n + 2
    return frames


def reference(path, nframes):
    """teann-predict's per-atom predictions (per frame) and their sums, in frame order."""
    d = netCDF4.Dataset(path)
    fid, af = np.asarray(d["frame_id"][:]), np.asarray(d["atom_frame"][:])
    ap, sp = np.asarray(d["atomic_dipole_predicted"][:]), np.asarray(d["atomic_dipole_sum_predicted"][:])
    other = {v[:-len("_predicted")]: np.asarray(d[v][:]) for v in d.variables if v.endswith("_predicted") and not v.startswith("atomic_dipole")}
    per = [ap[af == k] for k in range(len(fid))]
    order = np.argsort(fid)
    d.close()
    return [per[k] for k in order], sp[order], {k: v[order] for k, v in other.items()}


def rel(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max() / max(1.0, np.abs(b).max())


def rotation(seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    return q * np.sign(np.linalg.det(q))


# --- cells: atomic_dipole only, periodic
m = teann.Model("fitc/model.nc")
print(m)
check(m.properties == ("atomic_dipole",) and m.per_atom == ("atomic_dipole",), "properties %s, per_atom %s" % (m.properties, m.per_atom))
check(m.shapes == {"atomic_dipole": (3,)} and m.layout == {"atomic_dipole": (0, 3)}, "shapes %s layout %s" % (m.shapes, m.layout))
check(m.num_components == 0 and m.num_atom_components == 3, "components %d per frame, %d per atom" % (m.num_components, m.num_atom_components))
frames = read_xyz("cells.xyz")
ref, refsum, _ = reference("pc.nc", len(frames))
worst = wsum = 0.0
for f, (z, x, lat) in enumerate(frames):
    out = m.predict(z, x, cell=lat, pbc=True)
    check(out["atomic_dipole"].shape == (192, 3) and out["atomic_dipole_sum"].shape == (3,), "shapes %s" % {k: v.shape for k, v in out.items()})
    worst = max(worst, rel(out["atomic_dipole"], ref[f]))
    wsum = max(wsum, rel(out["atomic_dipole_sum"], refsum[f]), rel(out["atomic_dipole"].sum(axis=0), refsum[f]))
    check(np.abs(out["atomic_dipole"][np.array(z) == 8]).max() > 0, "frame %d: the O atoms predict zero" % f)
print("cells: per-atom vectors vs teann-predict %.3g, their sum %.3g (relative to max(1,|value|))" % (worst, wsum))
check(worst <= 1e-12 and wsum <= 1e-12, "cells: Python and teann-predict differ: %g, sum %g" % (worst, wsum))
# a batch of the three cells is the cells one by one
z, x, lat = frames[0]
b = m.predict(z, np.stack([f[1] for f in frames]), cell=np.stack([f[2] for f in frames]), pbc=True)
check(b["atomic_dipole"].shape == (3, 192, 3) and b["atomic_dipole_sum"].shape == (3, 3), "batch shapes")
check(max(rel(b["atomic_dipole"][f], ref[f]) for f in range(3)) <= 1e-12, "batch differs from teann-predict")
pb = m.predict_batch([f[0] for f in frames], [f[1] for f in frames], cells=[f[2] for f in frames], pbc=[True] * 3)
check(all(np.array_equal(pb["atomic_dipole"][f], b["atomic_dipole"][f]) for f in range(3)), "predict_batch differs from predict")
# rotation of positions and cell: d_i -> R d_i
out = m.predict(z, x, cell=lat, pbc=True)
R = rotation(5)
rot = m.predict(z, x @ R.T, cell=lat @ R.T, pbc=True)
r1 = rel(rot["atomic_dipole"], out["atomic_dipole"] @ R.T)
# a permutation of the atoms: each atom keeps its vector
perm = np.random.default_rng(2).permutation(len(z))
pm = m.predict(np.array(z)[perm], x[perm], cell=lat, pbc=True)
p1 = rel(pm["atomic_dipole"], out["atomic_dipole"][perm])
p2 = rel(pm["atomic_dipole_sum"], out["atomic_dipole_sum"])
print("cells: rotated frame vs R d_i %.3g; permuted atoms %.3g, their sum %.3g" % (r1, p1, p2))
check(r1 <= 1e-10 and p1 <= 1e-12 and p2 <= 1e-12, "cells: rotation %g or permutation %g %g" % (r1, p1, p2))
# ASE Atoms carry the cell along
try:
    from ase import Atoms
    a = m.predict_atoms(Atoms(numbers=z, positions=x, cell=lat, pbc=True))
    check(rel(a["atomic_dipole"], ref[0]) <= 1e-12, "predict_atoms differs")
    print("ok: predict_atoms of an ASE cell")
except ImportError:
    print("no ase: predict_atoms not tried")

# the C API: teann_predict refuses a model of per-atom properties only, with a message
lib = ctypes.CDLL(teann.library_path)
lib.teann_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.teann_model_error.restype = ctypes.c_char_p
lib.teann_model_error.argtypes = [ctypes.c_void_p]
lib.teann_model_property_per_atom.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.teann_model_num_atom_components.argtypes = [ctypes.c_void_p]
h = ctypes.c_void_p()
check(lib.teann_model_load(b"fitc/model.nc", ctypes.byref(h)) == 0, "teann_model_load")
check(lib.teann_model_property_per_atom(h, 0) == 1 and lib.teann_model_num_atom_components(h) == 3, "C getters")
nat = ctypes.c_int(3)
num = (ctypes.c_int * 3)(8, 1, 1)
pos = (ctypes.c_double * 9)(0, 0, 0.12, 0, 0.76, -0.48, 0, -0.76, -0.48)
buf = (ctypes.c_double * 30)()
st = lib.teann_predict_frame(h, nat, num, pos, None, None, buf, None)
msg = lib.teann_model_error(h).decode()
print("teann_predict_frame on an atomic_dipole model: status %d: %s" % (st, msg))
check(st == 1 and "per-atom properties only (atomic_dipole)" in msg and "teann_predict_atoms" in msg, "teann_predict on a per-atom model: %d %s" % (st, msg))
lib.teann_model_free(h)

# --- molecules: the dipole and atomic_dipole in one model
m = teann.Model("fitm/model.nc")
check(m.properties == ("dipole", "atomic_dipole") and m.per_atom == ("atomic_dipole",), "mixed: properties %s" % (m.properties,))
check(m.num_components == 3 and m.num_atom_components == 3 and m.layout == {"dipole": (0, 3), "atomic_dipole": (0, 3)}, "mixed: layout %s" % m.layout)
frames = read_xyz("mol.xyz")
ref, refsum, other = reference("pm.nc", len(frames))
z = frames[0][0]
x = np.stack([f[1] for f in frames])
out = m.predict(z, x)
w1 = max(rel(out["atomic_dipole"][f], ref[f]) for f in range(len(frames)))
w2 = rel(out["atomic_dipole_sum"], refsum)
w3 = rel(out["dipole"], other["dipole"])
print("mixed model, %d frames: atomic_dipole vs teann-predict %.3g, its sum %.3g, dipole %.3g" % (len(frames), w1, w2, w3))
check(max(w1, w2, w3) <= 1e-12, "mixed: differences %g %g %g" % (w1, w2, w3))
print("mixed: the unlabelled H atoms' vectors, as the model predicts them, up to %.3g" % np.abs(out["atomic_dipole"][:, 1:]).max())
R = rotation(9)
rot = m.predict(z, x[:20] @ R.T)
r1 = max(rel(rot["atomic_dipole"], out["atomic_dipole"][:20] @ R.T), rel(rot["dipole"], out["dipole"][:20] @ R.T))
perm = [1, 2, 0]
pm = m.predict(np.array(z)[perm], x[:20][:, perm])
p1 = max(rel(pm["atomic_dipole"], out["atomic_dipole"][:20][:, perm]), rel(pm["atomic_dipole_sum"], out["atomic_dipole_sum"][:20]), rel(pm["dipole"], out["dipole"][:20]))
print("mixed: rotation %.3g, permutation %.3g" % (r1, p1))
check(r1 <= 1e-10 and p1 <= 1e-12, "mixed: rotation %g or permutation %g" % (r1, p1))

# derivatives: per-atom (i, c, a, d) and the frame's against central differences
h, worst = 1e-5, 0.0
for f in (0, 37):
    an = m.predict(z, x[f], derivatives=True)
    check(an["atomic_dipole_derivatives"].shape == (3, 3, 3, 3) and an["atomic_dipole_sum_derivatives"].shape == (3, 3, 3)
          and an["dipole_derivatives"].shape == (3, 3, 3), "derivative shapes")
    for a in range(3):
        for c in range(3):
            xp, xm = x[f].copy(), x[f].copy()
            xp[a, c] += h
            xm[a, c] -= h
            op, om = m.predict(z, xp), m.predict(z, xm)
            for name in ("dipole", "atomic_dipole", "atomic_dipole_sum"):
                fd = (op[name] - om[name]) / (2 * h)
                g = an[name + "_derivatives"][..., a, c]
                worst = max(worst, np.abs(fd - g).max() / max(1.0, np.abs(an[name + "_derivatives"]).max()))
ts = np.abs(an["atomic_dipole_derivatives"].sum(axis=-2)).max() / max(1.0, np.abs(an["atomic_dipole_derivatives"]).max())
sd = rel(an["atomic_dipole_sum_derivatives"], an["atomic_dipole_derivatives"].sum(axis=0))
print("mixed: derivatives vs central differences %.3g; per-atom derivatives summed over the atoms (translation) %.3g" % (worst, ts))
check(worst <= 1e-6 and ts <= 1e-12 and sd <= 1e-15, "mixed derivatives: %g %g %g" % (worst, ts, sd))
bd = m.predict(z, x[:4], derivatives=True)
check(bd["atomic_dipole_derivatives"].shape == (4, 3, 3, 3, 3) and np.array_equal(bd["atomic_dipole_derivatives"][2], m.predict(z, x[2], derivatives=True)["atomic_dipole_derivatives"]), "batch per-atom derivatives")
rb = m.predict_batch([z, z[:2]], [x[0], x[1][:2]], derivatives=True, uncertainty=True)
one = m.predict(z[:2], x[1][:2], derivatives=True)
check(rb["atomic_dipole"][1].shape == (2, 3) and np.array_equal(rb["atomic_dipole"][1], one["atomic_dipole"])
      and np.array_equal(rb["atomic_dipole_derivatives"][1], one["atomic_dipole_derivatives"]) and np.all(rb["atomic_dipole_std"][0] == 0),
      "ragged batch of a mixed model")
e = m.predict_batch([], [], derivatives=True, uncertainty=True)
check(e["atomic_dipole"] == [] and e["atomic_dipole_sum"].shape == (0, 3) and e["dipole"].shape == (0, 3), "zero frames: %s" % e)

# --- an ensemble: the committee mean as teann-predict, a standard deviation per atom
m = teann.Model("fite/model.nc")
ref, refsum, other = reference("pe.nc", len(frames))
out = m.predict(z, x, uncertainty=True)
w1 = max(rel(out["atomic_dipole"][f], ref[f]) for f in range(len(frames)))
w2 = max(rel(out["atomic_dipole_sum"], refsum), rel(out["dipole"], other["dipole"]))
print("ensemble of %d: committee mean vs teann-predict %.3g (sum, dipole %.3g); per-atom std of the O atoms up to %.3g"
      % (m.members, w1, w2, out["atomic_dipole_std"][:, 0].max()))
check(m.members == 2 and w1 <= 1e-12 and w2 <= 1e-12, "ensemble: %g %g" % (w1, w2))
check(out["atomic_dipole_std"].shape == (len(frames), 3, 3) and out["atomic_dipole_std"][:, 0].max() > 0, "ensemble: std")

if failures:
    print("%d checks failed" % len(failures))
    raise SystemExit(1)
print("ok: per-atom properties through the API")
EOF
