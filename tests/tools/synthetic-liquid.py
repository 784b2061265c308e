#!/usr/bin/env python3
"""Synthetic periodic 'liquids' with per-atom dipoles, for tests/spectrum-liquid.sh.

Two water molecules in a triclinic cell, extended XYZ as teann-predict writes it
(atomic_dipole_sum_pred= in the comment line, Properties=species:S:1:pos:R:3:atomic_dipole_pred:R:3,
time= in fs). With teann-spectrum's default charges (O -2, H +1; Wannier charge -8 on O) the
cell dipole is M = sum_i q_i r_i - 8 sum_O d_O, whose derivative is known:

  write FILE --mode dipoles   atoms still; O1's atomic dipole A cos(w1 t) along x, O2's
                              A cos(w1 t + 1) along y: <|dM/dt|^2> = 64 A^2 w1^2 (line at NU1).
                              --h-noise S: the H atoms carry random atomic dipoles of size S,
                              which the default charges ignore.
  write FILE --mode ions      O still; the four H atoms drift at V (fs^-1 Angstrom) along
                              x + 0.3 y and oscillate in phase, a cos(w2 t) along x: the line
                              at NU2 has <|dM/dt|^2> = 16 a^2 w2^2 / 2; the drift crosses the
                              cell several times. --wrap puts every position back into the
                              cell (fractional coordinates in [0, 1)); --no-lattice drops
                              Lattice= (a cluster: positions taken as they are).
  check SPEC.nc --mode M      the IR peak within one bin of its line and its area (within
                              +-150 cm-1) within --tol of the analytic one.
"""
import argparse
import sys

import numpy as np

C_CM_PER_FS = 2.99792458e-5
NU1, NU2 = 1650.0, 3400.0
A, AMP, V = 0.02, 0.05, 0.01
H = np.array([[6.0, 0.0, 0.0], [1.5, 6.0, 0.0], [0.5, 1.0, 6.0]])  # rows a, b, c


def omega(nu):
    return 2 * np.pi * C_CM_PER_FS * nu


def analytic(mode):
    return (NU1, 64 * A**2 * omega(NU1) ** 2) if mode == "dipoles" else (NU2, 16 * AMP**2 * omega(NU2) ** 2 / 2)


def write(a):
    rng = np.random.default_rng(a.seed)
    species = ["O", "H", "H", "O", "H", "H"]
    x0 = np.array([[1.0, 1.0, 1.0], [1.8, 1.2, 1.0], [0.8, 1.9, 1.1], [4.0, 4.0, 4.0], [4.9, 4.1, 4.0], [3.7, 4.8, 4.2]])
    hs = [1, 2, 4, 5]
    with open(a.file, "w") as f:
        for n in range(a.frames):
            t = n * a.dt
            x = x0.copy()
            d = np.zeros((6, 3))
            if a.mode == "dipoles":
                d[0, 0] = A * np.cos(omega(NU1) * t)
                d[3, 1] = A * np.cos(omega(NU1) * t + 1.0)
                if a.h_noise:
                    d[hs] = a.h_noise * rng.standard_normal((4, 3))
            else:
                for h in hs:
                    x[h] += V * t * np.array([1.0, 0.3, 0.0])
                    x[h, 0] += AMP * np.cos(omega(NU2) * t)
            if a.wrap:
                s = x @ np.linalg.inv(H)
                x = (s - np.floor(s)) @ H
            cell = "" if a.no_lattice else 'Lattice="%s" pbc="T T T" ' % " ".join("%.10g" % v for v in H.flat)
            f.write("6\n")
            f.write('atomic_dipole_sum_pred="%.12g %.12g %.12g" %stime=%.10g Properties=species:S:1:pos:R:3:atomic_dipole_pred:R:3\n' % (*d.sum(0), cell, t))
            for i in range(6):
                f.write("%-2s %18.10f %18.10f %18.10f %.12g %.12g %.12g\n" % (species[i], *x[i], *d[i]))


def check(a):
    import netCDF4

    nc = netCDF4.Dataset(a.file)
    nu, g = nc["frequency"][:].data, nc["ir"][:].data
    dnu = nc.frequency_bin_cm1
    nu0, area0 = analytic(a.mode)
    near = np.abs(nu - nu0) <= 150
    peak = nu[near][np.argmax(g[near])]
    area = g[near].sum() * dnu
    ok = abs(peak - nu0) <= dnu * 1.0001 and abs(area / area0 - 1) <= a.tol
    print("%s: %s: peak %.2f cm-1 (line %.0f, bin %.3g), area %.6g (analytic %.6g, ratio %.6f)" % ("ok" if ok else "FAIL", a.file, peak, nu0, dnu, area, area0, area / area0))
    return 0 if ok else 1


p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("what", choices=["write", "check"])
p.add_argument("file")
p.add_argument("--mode", choices=["dipoles", "ions"], required=True)
p.add_argument("--frames", type=int, default=5000)
p.add_argument("--dt", type=float, default=0.5)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--h-noise", type=float, default=0.0)
p.add_argument("--wrap", action="store_true")
p.add_argument("--no-lattice", action="store_true")
p.add_argument("--tol", type=float, default=0.02)
a = p.parse_args()
sys.exit(write(a) if a.what == "write" else check(a))
