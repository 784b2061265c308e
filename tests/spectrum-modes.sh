#!/bin/bash
# Double-harmonic intensities (teann-spectrum -teann_model -teann_modes): dmu/dQ and dalpha/dQ
# from the model's exact position gradient agree with central finite differences (Richardson,
# O(h^4)) of the model's own predictions (teann-predict on displaced geometries) to 1e-6
# relative, and so do the IR intensities (km/mol) and Raman activities (Angstrom^4/amu); the
# normal coordinates do not depend on the length of the file's vectors; bad Molden files and
# elements the model lacks are refused.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
SP=$BIN/teann-spectrum
cd "$WORK" || exit 1
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 8,8 -teann_nwave 4 -tao_max_it 5 -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }

# the example of doc/spectra.md, shortened: MD, predictions along it, its spectra
$PY "$top_srcdir/input/spectra/harmonic-water-md.py" md.xyz --steps 3000 > log 2>&1 || { cat log; fail "harmonic-water-md.py"; }
"$BIN/teann-predict" -teann_model fit/model.nc -teann_data md.xyz -teann_output md-pred.xyz > log 2>&1 || { cat log; fail "teann-predict md.xyz"; }
grep -q '^dipole_pred=.*polarizability_pred=.*time=1499.5000 ' md-pred.xyz || fail "teann-predict lost time="
"$SP" -teann_data md-pred.xyz -teann_corr_time 500 -teann_quantum_correction harmonic -teann_temperature 300 > log 2>&1 || { cat log; fail "teann-spectrum of the MD example"; }
grep -q "IR and Raman from 1 trajectory, 3000 frames, time step 0.5 fs" log || { cat log; fail "teann-spectrum summary"; }
[ -s spectrum.nc ] && [ -s spectrum.csv ] || fail "no spectrum.nc and spectrum.csv of the example"

# a Molden file of the first water geometry: three orthonormal (mass-weighted) vibrations
# without translation or rotation, written as Cartesian displacements each of another length
$PY - "$DATA/water_hf_800.xyz" << 'PYEOF' || fail "writing the Molden files"
import sys, numpy as np
BOHR = 0.529177210903
MASS = {"H": 1.008, "O": 15.999, "C": 12.011}
def first_frame(path):
    lines = open(path).read().split("\n")
    n = int(lines[0])
    at = [l.split() for l in lines[2:2 + n]]
    return [a[0] for a in at], np.array([[float(v) for v in a[1:4]] for a in at])
def molden(path, sym, x, freq, vecs, coord_header="[FR-COORD]"):
    with open(path, "w") as f:
        f.write("[Molden Format]\n[FREQ]\n" + "".join("%.4f\n" % v for v in freq))
        f.write(coord_header + "\n" + "".join("%s %.12f %.12f %.12f\n" % (s, *(p / BOHR)) for s, p in zip(sym, x)))
        f.write("[FR-NORM-COORD]\n")
        for k, v in enumerate(vecs):
            f.write("vibration %d\n" % (k + 1) + "".join("%.12f %.12f %.12f\n" % tuple(r) for r in v.reshape(-1, 3)))
def modes(sym, x, seed):
    m = np.repeat([MASS[s] for s in sym], 3)
    sm = np.sqrt(m)
    xc = x - np.average(x, axis=0, weights=m[::3])
    ext = []
    for d in range(3):  # translations and rotations, mass-weighted
        t = np.zeros_like(x); t[:, d] = 1; ext.append(t.ravel() * sm)
        r = np.cross(np.eye(3)[d], xc); ext.append(r.ravel() * sm)
    basis = []
    for v in ext + list(np.random.default_rng(seed).normal(size=(len(x) * 3, len(x) * 3))):
        for b in basis:
            v = v - np.dot(v, b) * b
        if np.linalg.norm(v) > 1e-8:
            basis.append(v / np.linalg.norm(v))
    vib = basis[6:]
    return np.array(vib), m
sym, x = first_frame(sys.argv[1])
vib, m = modes(sym, x, 7)
scale = [0.37, 2.1, 1.0]
molden("w.molden", sym, x, [1600.5, 3650.2, 3755.9], [s * l / np.sqrt(m) for s, l in zip(scale, vib)])
np.save("expected_L.npy", np.array([l / np.sqrt(m) for l in vib]))
# the same modes given mass-weighted: teann-spectrum warns
molden("mw.molden", sym, x, [1600.5, 3650.2, 3755.9], vib)
# Angstrom coordinates ("[FR-COORD] Angs") must give the same geometry
with open("angs.molden", "w") as f:
    f.write("[FREQ]\n1600.5\n[FR-COORD] Angs\n" + "".join("%s %.12f %.12f %.12f\n" % (s, *p) for s, p in zip(sym, x)))
    f.write("[FR-NORM-COORD]\nvibration 1\n" + "".join("%.12f %.12f %.12f\n" % tuple(r) for r in (vib[0] / np.sqrt(m)).reshape(-1, 3)))
PYEOF

mpirun_np 2 "$SP" -teann_model fit/model.nc -teann_modes w.molden -teann_output modes.nc > log 2>&1 || { cat log; fail "teann-spectrum -teann_modes"; }
cat log
grep -q "warning" log && fail "orthonormal modes gave a warning"
[ -s modes.csv ] && head -3 modes.csv | grep -q '^mode,frequency,ir_intensity,raman_activity,depolarization_ratio$' || fail "modes.csv"

# the displaced geometries: Q = +-h, +-2h along each mode, predicted by teann-predict
$PY << 'PYEOF' || fail "displaced geometries"
import netCDF4, numpy as np
nc = netCDF4.Dataset("modes.nc")
L, x0, Z = nc["normal_mode"][:].data, nc["positions"][:].data, nc["species"][:]
d = np.max(np.abs(L - np.load("expected_L.npy").reshape(L.shape))) / np.max(np.abs(L))
print("normal coordinates: dx/dQ from vectors of lengths 0.37, 2.1, 1 against the expected, max rel. difference %.2e" % d)
assert d < 1e-8, d
sym = {1: "H", 8: "O"}
with open("disp.xyz", "w") as f:
    for k in range(L.shape[0]):
        for s in (1, -1, 2, -2):
            x = x0 + s * 1e-3 * L[k]
            f.write("%d\nmode=%d step=%d\n" % (len(x), k, s) + "".join("%s %.17g %.17g %.17g\n" % (sym[z], *p) for z, p in zip(Z, x)))
PYEOF
"$BIN/teann-predict" -teann_model fit/model.nc -teann_data disp.xyz -teann_output disp.nc > log 2>&1 || { cat log; fail "teann-predict on the displaced geometries"; }
$PY << 'PYEOF' || fail "exact derivatives against finite differences"
import netCDF4, numpy as np
h = 1e-3
nc, p = netCDF4.Dataset("modes.nc"), netCDF4.Dataset("disp.nc")
mu, al = p["dipole_predicted"][:].data, p["polarizability_predicted"][:].data
NA, e, eps0, c, amu = 6.02214076e23, 1.602176634e-19, 8.8541878128e-12, 299792458.0, 1.66053906660e-27
K = NA * e * e / (12 * eps0 * c * c * amu) / 1000
worst = 0
for k in range(nc.dimensions["mode"].size):
    f = lambda y: (8 * (y[4 * k] - y[4 * k + 1]) - (y[4 * k + 2] - y[4 * k + 3])) / (12 * h)
    dmu, dal = f(mu), f(al)
    dal = 0.5 * (dal + dal.T)
    a = np.trace(dal) / 3
    g2 = 0.5 * ((dal[0, 0] - dal[1, 1]) ** 2 + (dal[1, 1] - dal[2, 2]) ** 2 + (dal[2, 2] - dal[0, 0]) ** 2) + 3 * (dal[0, 1] ** 2 + dal[1, 2] ** 2 + dal[0, 2] ** 2)
    rows = [("dmu/dQ", np.linalg.norm(nc["dipole_derivative"][k] - dmu) / np.linalg.norm(dmu)),
            ("dalpha/dQ", np.linalg.norm(nc["polarizability_derivative"][k] - dal) / np.linalg.norm(dal)),
            ("IR intensity", abs(nc["ir_intensity"][k] / (K * dmu @ dmu) - 1)),
            ("Raman activity", abs(nc["raman_activity"][k] / (45 * a * a + 7 * g2) - 1)),
            ("depolarization", abs(nc["depolarization_ratio"][k] / (3 * g2 / (45 * a * a + 4 * g2)) - 1))]
    print("mode %d (%.1f cm-1): IR %.6g km/mol, Raman %.6g A^4/amu; exact vs finite differences: %s"
          % (k + 1, nc["frequency"][k], nc["ir_intensity"][k], nc["raman_activity"][k], ", ".join("%s %.1e" % r for r in rows)))
    worst = max(worst, max(r[1] for r in rows))
print("largest relative difference %.2e (limit 1e-6); IR factor %.6f km/mol per e^2/amu, file %.6f" % (worst, K, nc.ir_intensity_factor_km_mol_per_e2_amu))
assert worst <= 1e-6, worst
assert abs(K / nc.ir_intensity_factor_km_mol_per_e2_amu - 1) < 1e-12
PYEOF

if $PY -c 'import matplotlib' 2> /dev/null; then
  "$BIN/teann-plot" modes.nc -o plots > log 2>&1 && grep -q 'plots/modes.png' log || { cat log; fail "teann-plot modes.nc"; }
fi

"$SP" -teann_model fit/model.nc -teann_modes angs.molden -teann_output angs.nc > log 2>&1 || { cat log; fail "[FR-COORD] Angs"; }
$PY -c '
import netCDF4, numpy as np
a, b = netCDF4.Dataset("angs.nc"), netCDF4.Dataset("modes.nc")
assert np.max(np.abs(a["positions"][:] - b["positions"][:])) < 1e-9
assert abs(a["ir_intensity"][0] / b["ir_intensity"][0] - 1) < 1e-8
print("ok: [FR-COORD] Angs")' || fail "Angstrom coordinates differ"

"$SP" -teann_model fit/model.nc -teann_modes mw.molden -teann_output mw.nc > log 2>&1 || { cat log; fail "mass-weighted file"; }
grep -q "warning: mw.molden: the mass-weighted mode vectors overlap" log || { cat log; fail "no warning for mass-weighted vectors"; }

# bad files and combinations
sed '/^\[FR-COORD\]/,/^\[FR-NORM-COORD\]/{/^\[FR-NORM-COORD\]/!d}' w.molden > nocoord.molden
expect_error "nocoord.molden: no [FR-COORD] section with the reference geometry" "$SP" -teann_model fit/model.nc -teann_modes nocoord.molden -teann_output x.nc
sed '/^\[FREQ\]/{n;d}' w.molden > nfreq.molden
expect_error "nfreq.molden: 2 wavenumbers in [FREQ] but 3 vibrations in [FR-NORM-COORD]" "$SP" -teann_model fit/model.nc -teann_modes nfreq.molden -teann_output x.nc
awk '/^vibration 2/{v=1} v && ++n == 3 {next} {print}' w.molden > rows.molden
expect_error "rows.molden:15: vibration 2 has 2 displacement lines for the 3 atoms of [FR-COORD]" "$SP" -teann_model fit/model.nc -teann_modes rows.molden -teann_output x.nc
sed 's/^H /Xx /' w.molden > elem.molden
expect_error "elem.molden:8: [FR-COORD]: unknown element 'Xx" "$SP" -teann_model fit/model.nc -teann_modes elem.molden -teann_output x.nc
sed 's/^H /C /' w.molden > carbon.molden
expect_error "carbon.molden: atom 2 is C, an element the model does not know" "$SP" -teann_model fit/model.nc -teann_modes carbon.molden -teann_output x.nc
expect_error "need both -teann_model model.nc and -teann_modes FILE" "$SP" -teann_modes w.molden
expect_error "give either trajectories (-teann_data) or normal modes" "$SP" -teann_model fit/model.nc -teann_modes w.molden -teann_data disp.xyz
expect_error "modes.nc exists; -teann_overwrite replaces it" "$SP" -teann_model fit/model.nc -teann_modes w.molden -teann_output modes.nc
[ ! -e x.nc ] || fail "an output was written despite the errors"
echo "ok: double-harmonic intensities"
