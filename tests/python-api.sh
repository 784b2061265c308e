#!/bin/bash
# The Python module (python/teann) from the build tree, as doc/api.md says to use it
# (PYTHONPATH=python; the library found in src/.libs): the same numbers as teann-predict on
# every frame of the example data to 1e-12, batches of mixed sizes as single frames, position
# derivatives against central finite differences, two Python threads on two models bit for
# bit as serial, and bad input refused with the C library's message in the right exception.
# Periodic cells: the same numbers as teann-predict, wrapping changes nothing, a dipole model refuses them.
# Some of a model's properties (Model.select): the full model's numbers bit for bit.
. "$top_srcdir/tests/common.sh"
# an ASan-built libteann cannot be loaded into python3, which lacks the ASan runtime
[ "${TEANN_SANITIZE:-no}" != yes ] || { echo "skipped in the sanitizer build"; exit 77; }
"$PYTHON3" -c "import numpy, netCDF4" 2> /dev/null || { echo "needs numpy and netCDF4 (python3-numpy python3-netcdf4)"; exit 77; }
small="-teann_hidden 8,8 -teann_nwave 4"
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability $small -tao_max_it 5 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train (dipole, polarizability)"; }
mpirun_np 1 "$BIN/teann-train" -teann_data "$DATA/water_hf_rank3.xyz" -teann_properties dipole,polarizability,quadrupole,hyperpolarizability $small -tao_max_it 3 -teann_output_dir "$WORK/fit3" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train (four properties)"; }
"$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$DATA/water_hf_800.xyz" -teann_output "$WORK/p.nc" > /dev/null || fail "teann-predict"
"$BIN/teann-predict" -teann_model "$WORK/fit3/model.nc" -teann_data "$DATA/water_hf_rank3.xyz" -teann_output "$WORK/p3.nc" > /dev/null || fail "teann-predict (four properties)"

cd "$WORK" || fail "cd $WORK"
PYTHONPATH="$top_srcdir/python" "$PYTHON3" - "$WORK" "$DATA" "$top_builddir" << 'EOF' || fail "python checks"
import os, sys, threading
import numpy as np
import netCDF4
import teann

work, data, builddir = sys.argv[1:4]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def read_xyz(path):
    """numbers and positions of every frame (symbol x y z columns first)."""
    frames = []
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            f.readline()
            rows = [f.readline().split() for _ in range(n)]
            frames.append(([teann.atomic_number(r[0]) for r in rows], np.array([[float(v) for v in r[1:4]] for r in rows])))
    return frames


# the library of the build tree, found without help
check(os.path.realpath(teann.library_path) == os.path.realpath(os.path.join(builddir, "src", ".libs", "libteann.so.0")),
      "library %s is not the build tree's" % teann.library_path)

models = {}
for tag, model, xyz, pred in (("dipole+polarizability", "fit/model.nc", "water_hf_800.xyz", "p.nc"),
                              ("four properties", "fit3/model.nc", "water_hf_rank3.xyz", "p3.nc")):
    m = teann.Model(os.path.join(work, model))
    models[tag] = m
    frames = read_xyz(os.path.join(data, xyz))
    numbers = frames[0][0]
    check(all(f[0] == numbers for f in frames), "%s: frames of one molecule" % xyz)
    x = np.stack([f[1] for f in frames])
    check(m.elements == (1, 8) and m.symbols == ("H", "O"), "elements %s" % (m.elements,))
    out = m.predict(numbers, x)
    nc = netCDF4.Dataset(os.path.join(work, pred))
    order = np.argsort(nc["frame_id"][:])
    worst_abs = worst_rel = 0.0
    for name in m.properties:
        ref = np.asarray(nc[name + "_predicted"][:])[order].reshape((len(frames),) + m.shapes[name])
        check(out[name].shape == (len(frames),) + m.shapes[name], "%s: shape %s" % (name, out[name].shape))
        d = np.abs(out[name] - ref)
        worst_abs = max(worst_abs, d.max())
        worst_rel = max(worst_rel, (d / np.maximum(1.0, np.abs(ref))).max())
    nc.close()
    print("%s model, %d frames: Python vs teann-predict, properties %s: largest difference %.3g (relative to max(1,|value|) %.3g)"
          % (tag, len(frames), ",".join(m.properties), worst_abs, worst_rel))
    check(worst_rel <= 1e-12, "%s: Python and teann-predict differ by %g" % (tag, worst_rel))

    # one frame at a time, and predict_batch, are the same numbers
    d1 = max(np.abs(m.predict(numbers, x[f])[name] - out[name][f]).max() for f in range(0, len(frames), 37) for name in m.properties)
    b = m.predict_batch([numbers] * 25, list(x[:25]))
    d2 = max(np.abs(b[name] - out[name][:25]).max() for name in m.properties)
    print("  single frames vs batch: %.3g; predict_batch vs predict: %.3g" % (d1, d2))
    check(d1 <= 1e-12 and d2 <= 1e-12, "%s: single frames or predict_batch differ" % tag)

    # a ragged batch (3, 2 and 1 atoms) is the frames predicted alone, derivatives included
    zs = [numbers, [8, 1], [1]]
    xs = [x[0], x[1][:2], x[2][1:2]]
    rb = m.predict_batch(zs, xs, derivatives=True)
    dr = 0.0
    for f in range(3):
        one = m.predict(zs[f], xs[f], derivatives=True)
        for name in m.properties:
            dr = max(dr, np.abs(rb[name][f] - one[name]).max(), np.abs(rb[name + "_derivatives"][f] - one[name + "_derivatives"]).max())
            check(rb[name + "_derivatives"][f].shape == m.shapes[name] + (len(zs[f]), 3), "ragged derivative shape")
    print("  ragged batch (3, 2, 1 atoms) vs single frames, with derivatives: %.3g" % dr)
    check(dr <= 1e-12, "%s: ragged batch differs by %g" % (tag, dr))

    # position derivatives against central differences (h = 1e-5 Angstrom)
    h, worst = 1e-5, 0.0
    for f in (0, 123, 456):
        an = m.predict(numbers, x[f], derivatives=True)
        for a in range(len(numbers)):
            for c in range(3):
                xp, xm = x[f].copy(), x[f].copy()
                xp[a, c] += h
                xm[a, c] -= h
                op, om = m.predict(numbers, xp), m.predict(numbers, xm)
                for name in m.properties:
                    fd = (op[name] - om[name]) / (2 * h)
                    g = an[name + "_derivatives"][..., a, c]
                    scale = max(1.0, np.abs(an[name + "_derivatives"]).max())
                    worst = max(worst, np.abs(fd - g).max() / scale)
    print("  derivatives vs central differences (h = 1e-5 A), 3 frames: largest difference %.3g (relative to the largest derivative)" % worst)
    check(worst <= 1e-6, "%s: derivatives differ from finite differences by %g" % (tag, worst))
    # translating the molecule changes nothing: the derivatives summed over the atoms vanish
    ts = max(np.abs(an[n + "_derivatives"].sum(axis=-2)).max() / max(1.0, np.abs(an[n + "_derivatives"]).max()) for n in m.properties)
    print("  derivatives summed over the atoms (translation): %.3g" % ts)
    check(ts <= 1e-12, "%s: derivatives do not sum to zero over the atoms: %g" % (tag, ts))
    # the batch derivatives are those of the single frames
    bd = m.predict(numbers, x[:4], derivatives=True)
    check(all(np.array_equal(bd[n + "_derivatives"][2], m.predict(numbers, x[2], derivatives=True)[n + "_derivatives"]) for n in m.properties),
          "%s: batch derivatives differ from the single frame's" % tag)
    models[tag + " frames"] = (numbers, x[:200])

# two Python threads, two models, at the same time (ctypes releases the GIL): bit for bit as serial
jobs = []
for tag in ("dipole+polarizability", "four properties"):
    numbers, x = models[tag + " frames"]
    m = models[tag]
    jobs.append((m, numbers, x, m.predict(numbers, x, derivatives=True)))
bad = []


def run(m, numbers, x, ref):
    for _ in range(8):
        out = m.predict(numbers, x, derivatives=True)
        if any(not np.array_equal(out[k], ref[k]) for k in ref):
            bad.append(m.path)


threads = [threading.Thread(target=run, args=j) for j in jobs]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("Python threads: 2 x 8 batches of 200 frames with derivatives on two models at once: %d differ from serial" % len(bad))
check(not bad, "threaded predictions differ: %s" % bad)

# bad input: the exception class and the C library's message
m = models["dipole+polarizability"]
x0 = models["dipole+polarizability frames"][1][0]


def expect(exc, text, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        check(text in str(e), "%s: message %r lacks %r" % (exc.__name__, str(e), text))
        print("ok: %s: %s" % (type(e).__name__, e))
        return
    except Exception as e:
        check(False, "expected %s with %r, got %s: %s" % (exc.__name__, text, type(e).__name__, e))
        return
    check(False, "expected %s with %r, nothing raised" % (exc.__name__, text))


expect(teann.FileError, "missing.nc: NetCDF error: unreadable file: cannot open: No such file or directory", teann.Model, os.path.join(work, "missing.nc"))
expect(OSError, "missing.nc", teann.Model, "missing.nc")
expect(teann.FileError, "not a teann model", teann.Model, os.path.join(work, "p.nc"))
expect(teann.FileError, "unreadable file", teann.Model, os.path.join(data, "water_hf_800.xyz"))
expect(teann.InputError, "element C (Z = 6) is not one of the model's elements (H O)", m.predict, [8, 1, 6], x0)
expect(ValueError, "frame 0, atom 2: element C", m.predict, ["O", "H", "C"], x0)
expect(teann.InputError, "frame 3, atom 1: element N (Z = 7)", m.predict_batch, [[8, 1, 1]] * 3 + [[8, 7]], [x0] * 3 + [x0[:2]])
expect(teann.InputError, "unknown chemical symbol 'Xx'", m.predict, ["O", "H", "Xx"], x0)
expect(teann.InputError, "frame 0, atom 0: 0 is not an atomic number", m.predict, [0, 1, 1], x0)
expect(teann.InputError, "must be atomic numbers (integers) or chemical symbols", m.predict, [8.5, 1, 1], x0)
xn = x0.copy()
xn[1, 2] = np.nan
expect(teann.InputError, "frame 0, atom 1: position", m.predict, [8, 1, 1], xn)
expect(teann.InputError, "is not finite", m.predict, [8, 1, 1], xn)
xi = np.stack([x0, x0])
xi[1, 2, 0] = np.inf
expect(teann.InputError, "frame 1, atom 2: position (inf", m.predict, [8, 1, 1], xi)
expect(teann.InputError, "positions must have shape (natoms, 3) or (nframes, natoms, 3), not (3, 2)", m.predict, [8, 1, 1], x0[:, :2])
expect(teann.InputError, "positions must have shape", m.predict, [8, 1, 1], x0.ravel())
expect(teann.InputError, "numbers has shape (2,); positions of shape (3, 3) need (3,)", m.predict, [8, 1], x0)
expect(teann.InputError, "positions must be an array of numbers", m.predict, [8, 1, 1], [["a", "b", "c"]] * 3)
expect(teann.InputError, "cell must have shape (3, 3), not (2, 3)", m.predict, [8, 1, 1], x0, cell=np.eye(3)[:2])
expect(teann.InputError, "periodic along lattice vector a, but no cell was given", m.predict, [8, 1, 1], x0, pbc=True)
expect(teann.InputError, "periodic along lattice vector c, which is zero", m.predict, [8, 1, 1], x0, cell=np.diag([10.0, 10.0, 0.0]), pbc=True)
expect(teann.InputError, "numbers has 2 frames, positions 1", m.predict_batch, [[8, 1, 1]] * 2, [x0])
expect(teann.InputError, "a frame needs at least one atom", m.predict, np.zeros(0, dtype=int), np.zeros((0, 3)))
# a cell without periodicity is passed along and changes nothing for a molecule
check(np.array_equal(m.predict([8, 1, 1], x0, cell=20 * np.eye(3))["dipole"], m.predict([8, 1, 1], x0)["dipole"]), "a cell without pbc changed the prediction")
# zero frames: empty arrays
e = m.predict([8, 1, 1], np.zeros((0, 3, 3)))
check(e["dipole"].shape == (0, 3) and e["polarizability"].shape == (0, 3, 3), "zero frames: shapes %s" % {k: v.shape for k, v in e.items()})
m2 = teann.Model(os.path.join(work, "fit/model.nc"))
m2.close()
expect(teann.Error, "was closed", m2.predict, [8, 1, 1], x0)
with teann.Model(os.path.join(work, "fit/model.nc")) as m3:
    check(m3.units == {"dipole": "e*Angstrom", "polarizability": "Angstrom^3"}, "units %s" % m3.units)
    check(m3.layout == {"dipole": (0, 3), "polarizability": (3, 9)} and m3.num_components == 12, "layout %s" % m3.layout)

# some of a model's properties (Model(..., properties=...), Model.select): the full model's numbers
# bit for bit, derivatives included, the layout of the chosen alone; a name not the model's changes nothing
full = models["four properties"]
x3 = np.stack([f[1] for f in read_xyz(os.path.join(data, "water_hf_rank3.xyz"))])[:40]
ref = full.predict([8, 1, 1], x3, derivatives=True)
for choice in ("hyperpolarizability", "quadrupole,dipole", ["polarizability", "hyperpolarizability"], "dipole"):
    sub = teann.Model(os.path.join(work, "fit3/model.nc"), properties=choice)
    names = choice.split(",") if isinstance(choice, str) else choice
    check(set(sub.properties) == set(names) and sub.num_components == sum(int(np.prod(sub.shapes[k])) for k in names), "select %s: properties %s" % (choice, sub.properties))
    got = sub.predict([8, 1, 1], x3, derivatives=True)
    same = all(np.array_equal(got[k], ref[k]) and np.array_equal(got[k + "_derivatives"], ref[k + "_derivatives"]) for k in names)
    check(same and set(got) == set(names) | {k + "_derivatives" for k in names}, "select %s: not the full model's numbers bit for bit (keys %s)" % (choice, sorted(got)))
    sub.close()
sub = teann.Model(os.path.join(work, "fit3/model.nc"))
expect(teann.InputError, "the model does not predict the atomic_dipole (it predicts dipole,polarizability,quadrupole,hyperpolarizability)", sub.select, "dipole,atomic_dipole")
expect(teann.InputError, "unknown property 'dipol'", sub.select, "dipol")
check(len(sub.properties) == 4, "a refused selection changed the model: %s" % (sub.properties,))
sub.select("polarizability").select(["polarizability"])
expect(teann.InputError, "the model does not predict the dipole (it predicts polarizability)", sub.select, "dipole")
check(np.array_equal(sub.predict([8, 1, 1], x3)["polarizability"], ref["polarizability"]), "select twice: polarizability differs")
sub.close()
print("selected properties: the full model's numbers bit for bit, derivatives included")

if failures:
    print("%d checks failed" % len(failures))
    sys.exit(1)
print("ok: Python module")
EOF

# children forked after a prediction on two OpenMP threads (multiprocessing's default on Linux):
# GNU OpenMP hangs there unless the library drops them to one thread
OMP_NUM_THREADS=2 PYTHONPATH="$top_srcdir/python" timeout "$(tscale 120)" "$PYTHON3" - "$WORK" << 'EOF' || fail "predictions in forked children (exit $?; 124: hung)"
import os, sys, multiprocessing
import numpy as np
import teann
m = teann.Model(os.path.join(sys.argv[1], "fit/model.nc"))
x = np.array([[0.0, 0.0, 0.1193], [0.0, 0.7632, -0.4770], [0.0, -0.7632, -0.4770]])
x = x + 0.01 * np.random.default_rng(3).standard_normal((300, 3, 3))
ref = m.predict([8, 1, 1], x)["dipole"]
def child(i):
    fresh = teann.Model(os.path.join(sys.argv[1], "fit/model.nc"))
    return float(max(np.abs(m.predict([8, 1, 1], x)["dipole"] - ref).max(), np.abs(fresh.predict([8, 1, 1], x)["dipole"] - ref).max()))
with multiprocessing.get_context("fork").Pool(2) as pool:
    d = max(pool.map(child, range(4)))
print("forked children (4, after a prediction on 2 OpenMP threads): largest difference from the parent %.3g" % d)
assert d <= 1e-12, d
EOF

# periodic cells: a polarizability model predicts the liquid-water cells as teann-predict does, a
# wrapped atom changes nothing, and a model with the dipole refuses a periodic frame
head -n $((194 * 4)) "$DATA/water64_pbc_polarizability_80.xyz" > "$WORK/cells.xyz"
mpirun_np 1 "$BIN/teann-train" -teann_data "$WORK/cells.xyz" -teann_properties polarizability $small -tao_max_it 3 -teann_valid_fraction 0 -teann_test_fraction 0 -teann_output_dir "$WORK/fitc" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train (cells)"; }
"$BIN/teann-predict" -teann_model "$WORK/fitc/model.nc" -teann_data "$WORK/cells.xyz" -teann_output "$WORK/pc.nc" > /dev/null || fail "teann-predict (cells)"
PYTHONPATH="$top_srcdir/python" "$PYTHON3" - "$WORK" << 'EOF' || fail "periodic cells through the Python module"
import os, sys
import numpy as np, netCDF4
import teann
work = sys.argv[1]
m = teann.Model(os.path.join(work, "fitc/model.nc"))
d = netCDF4.Dataset(os.path.join(work, "pc.nc"))
var = "polarizability_pred" if "polarizability_pred" in d.variables else "polarizability_predicted"
ref = np.asarray(d[var][:])
lines = open(os.path.join(work, "cells.xyz")).read().split("\n")
worst = wrap = 0.0
for f in range(4):
    block = lines[194 * f: 194 * (f + 1)]
    lat = np.array(block[1].split('Lattice="')[1].split('"')[0].split(), float).reshape(3, 3)
    sym = [l.split()[0] for l in block[2:]]
    x = np.array([[float(v) for v in l.split()[1:4]] for l in block[2:]])
    a = m.predict(sym, x, cell=lat, pbc=True)["polarizability"]
    worst = max(worst, np.abs(a - ref[f]).max() / np.abs(ref[f]).max())
    x[5] += lat[0] - 2 * lat[2]
    wrap = max(wrap, np.abs(m.predict(sym, x, cell=lat, pbc=True)["polarizability"] - a).max() / np.abs(a).max())
print("periodic cells: Python against teann-predict %.3g, an atom wrapped by lattice vectors %.3g (relative)" % (worst, wrap))
assert worst <= 1e-12 and wrap <= 1e-12, (worst, wrap)
md = teann.Model(os.path.join(work, "fit/model.nc"))
try:
    md.predict([8, 1, 1], [[0, 0, 0.1193], [0, 0.7632, -0.477], [0, -0.7632, -0.477]], cell=np.eye(3) * 10, pbc=True)
    raise SystemExit("a dipole model predicted a periodic frame")
except teann.InputError as e:
    assert "not defined in a periodic cell" in str(e), str(e)
    print("ok: a dipole model refuses a periodic frame:", str(e).splitlines()[0][:120])
EOF
