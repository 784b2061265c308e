#!/bin/bash
# AMBER NetCDF written by ASE's NetCDFTrajectory (python3-ase; skipped without it): the
# elements come from its atom_types, its time (ps, as the AMBER convention has it) reaches
# predictions.nc, the predictions are those of the same frames (its 32-bit coordinates) in
# extended XYZ, bitwise; a periodic trajectory keeps ASE's cell.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import ase.io.netcdftrajectory, numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks ase, numpy or netCDF4"; exit 77; }
cd "$WORK" || exit 1
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 6 -teann_nwave 3 -tao_max_it 3 -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties polarizability -teann_hidden 6 -teann_nwave 3 -tao_max_it 3 -teann_output_dir pfit > log 2>&1 || { cat log; fail "teann-train (polarizability)"; }
$PY - "$DATA/water_hf_800.xyz" << 'PYEOF' || fail "writing the ASE trajectories"
import sys, numpy as np, netCDF4, warnings
from ase.io import read
from ase.io.netcdftrajectory import NetCDFTrajectory
from ase.geometry import cellpar_to_cell
frames = read(sys.argv[1], index=":100")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # ASE warns that a molecule's (absent) cell is not kept
    t = NetCDFTrajectory("ase.nc", "w")
    for k, a in enumerate(frames):
        t.write(a, time=k * 0.0005)
    t.close()
    cell = cellpar_to_cell([9.0, 9.5, 10.0, 75, 80, 100])  # ASE's standard orientation: what lengths and angles keep
    t = NetCDFTrajectory("ase-cell.nc", "w")
    for a in frames:
        a.cell, a.pbc = cell, True
        t.write(a)
    t.close()
def xyz(nc, out, lattice):
    d = netCDF4.Dataset(nc)
    x = np.asarray(d["coordinates"][:], dtype=float)
    with open(out, "w") as f:
        for k in range(len(x)):
            keys = 'Lattice="%s" pbc="T T T" ' % " ".join(repr(float(v)) for v in cell.ravel()) if lattice else ""
            f.write("3\n%sProperties=species:S:1:pos:R:3\n" % keys)
            f.write("".join("%s %r %r %r\n" % (s, *map(float, p)) for s, p in zip("OHH", x[k])))
xyz("ase.nc", "ase.xyz", False)
xyz("ase-cell.nc", "ase-cell.xyz", True)
PYEOF
ncdump -h ase.nc | grep -q 'int atom_types(frame, atom)' || fail "ASE wrote no atom_types(frame, atom)"
mpirun_np 2 "$BIN/teann-predict" -teann_model fit/model.nc -teann_data ase.nc -teann_output a.nc > log 2>&1 || { cat log; fail "teann-predict on ASE's file"; }
"$BIN/teann-predict" -teann_model fit/model.nc -teann_data ase.xyz -teann_output x.nc > /dev/null || fail "teann-predict ase.xyz"
mpirun_np 2 "$BIN/teann-predict" -teann_model pfit/model.nc -teann_data ase-cell.nc -teann_output c.xyz > log 2>&1 || { cat log; fail "teann-predict on ASE's periodic file"; }
"$BIN/teann-predict" -teann_model pfit/model.nc -teann_data ase-cell.xyz -teann_output cx.xyz > /dev/null || fail "teann-predict ase-cell.xyz"
$PY - << 'PYEOF' || fail "ASE's files"
import numpy as np, netCDF4, re
from ase.geometry import cellpar_to_cell
a, x = netCDF4.Dataset("a.nc"), netCDF4.Dataset("x.nc")
for v in ("dipole_predicted", "polarizability_predicted"):
    assert np.array_equal(a[v][:], x[v][:]), v
assert a["time"].units == "ps" and np.array_equal(a["time"][:], np.arange(100) * 0.0005)
c = [l for i, l in enumerate(open("c.xyz")) if i % 5 == 1]
cx = [l for i, l in enumerate(open("cx.xyz")) if i % 5 == 1]
pc = np.array([[float(v) for v in re.search(r'polarizability_pred="([^"]*)"', l).group(1).split()] for l in c])
px = np.array([[float(v) for v in re.search(r'polarizability_pred="([^"]*)"', l).group(1).split()] for l in cx])
assert np.max(np.abs(pc - px)) <= 1e-12 * np.max(np.abs(px)), np.max(np.abs(pc - px))
want = cellpar_to_cell([9.0, 9.5, 10.0, 75, 80, 100])
for l in c:
    H = np.array(re.search(r'Lattice="([^"]*)"', l).group(1).split(), float).reshape(3, 3)
    assert np.max(np.abs(H - want)) <= 1e-12 and 'pbc="T T T"' in l, H
print("ok: ASE's NetCDFTrajectory: elements from atom_types, time in ps, predictions as from the same frames in XYZ (bitwise), its cell kept to 1e-12 Angstrom")
PYEOF
