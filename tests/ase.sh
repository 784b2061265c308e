#!/bin/bash
# Files written by ASE itself (ase.io.write, format extxyz) are read with the
# values ASE wrote: vectors as "x y z", 3x3 and 3x3x3 arrays as
# "_JSON [[...]]" nested lists. Skipped when python3 cannot import ase.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-python3}
"$PY" -c 'import ase, ase.io, numpy' 2> /dev/null || { echo "python3 cannot import ase: skipped"; exit 77; }
"$PY" - "$WORK" "$BIN/teann-convert" <<'PYEOF' || fail "values of the ASE-written file"
import sys, subprocess, itertools
import numpy as np
import ase, ase.io
from ase import Atoms

work, convert = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
frames, ref = [], {k: [] for k in ("dipole", "polarizability", "quadrupole", "hyperpolarizability")}
for f in range(4):
    a = Atoms("OH2", positions=[[0, 0, 0.1173], [0, 0.7572, -0.4692], [0, -0.7572, -0.4692]] + rng.normal(0, 0.02, (3, 3)))
    m = rng.normal(size=(3, 3)); pol = np.eye(3) * 1.3 + (m + m.T) / 10
    q = rng.normal(size=(3, 3)); q = q + q.T; q -= np.trace(q) / 3 * np.eye(3)
    b = rng.normal(size=(3, 3, 3)) * 10
    b = sum(np.transpose(b, p) for p in itertools.permutations(range(3))) / 6  # Kleinman symmetric
    a.info.update(dipole=rng.normal(size=3), polarizability=pol, quadrupole=q, hyperpolarizability=b)
    for k in ref: ref[k].append(np.asarray(a.info[k]))
    frames.append(a)
path = work + "/ase.xyz"
ase.io.write(path, frames, format="extxyz")
text = open(path).read()
assert "_JSON [[" in text, "ASE no longer writes nested arrays as _JSON: update this test"
print(text.splitlines()[1][:200])
out = subprocess.run([convert, "-info", path], capture_output=True, text=True)
if out.returncode:
    sys.exit("teann-convert -info failed:\n" + out.stdout + out.stderr)
ax = {"x": 0, "y": 1, "z": 2}
prop, checked = None, 0
for line in out.stdout.splitlines():
    w = line.split()
    if len(w) >= 5 and "frames" in line and "(" in w[1]:
        prop = w[0] if w[0] in ref else None
        if prop: assert w[2] == "4", line
    elif prop and len(w) == 5 and w[1] == "mean":
        idx = tuple(ax[c] for c in w[0])
        want = np.mean([v[idx] for v in ref[prop]])
        got = float(w[2])
        assert abs(got - want) <= 1e-5 * max(1.0, abs(want)), f"{prop} {w[0]}: read mean {got}, ASE wrote {want}"
        checked += 1
for k in ref:
    assert ("%s (" % k) in out.stdout, k + " not read:\n" + out.stdout
print(f"ok: {checked} component means of the ASE-written file match")
PYEOF
