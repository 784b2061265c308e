#!/usr/bin/python3
"""A short classical MD trajectory of one water molecule on a harmonic force field, as an
extended XYZ file with time= (fs) in every comment line: input for teann-predict and then
teann-spectrum (doc/spectra.md). Not a physical simulation of water: a quick stand-in for the
trajectory of an MD code, whose frames a fitted model turns into dipoles and polarizabilities.

    /usr/bin/python3 input/spectra/harmonic-water-md.py md.xyz [--steps 8000] [--dt 0.5] [--temperature 300] [--seed 1]
                                                        [--molden water.molden] [--amber md.nc]

--molden also writes the normal modes of the force field at its minimum as a Molden file
([FREQ], [FR-COORD] in Bohr, [FR-NORM-COORD] Cartesian displacements), the input of
teann-spectrum -teann_modes. --amber also writes the trajectory as AMBER NetCDF (the
convention AMBER, OpenMM, MDAnalysis and cpptraj write: coordinates(frame, atom, spatial) in
Angstrom as 32-bit floats, time(frame) in picoseconds, no elements: teann-predict then needs
-teann_species_list O,H,H), which needs python3-netcdf4.

Force field: V = k_r/2 [(r1 - r0)^2 + (r2 - r0)^2] + k_a/2 (theta - theta0)^2 with
r0 = 0.9572 Angstrom, theta0 = 104.52 degrees, k_r = 48 eV/Angstrom^2, k_a = 3.6 eV/rad^2
(stretches near 3700-3800 cm-1, bend near 1600 cm-1); velocity Verlet, velocities drawn
from the Maxwell-Boltzmann distribution at the temperature, no thermostat.
"""
import argparse
import numpy as np

ACC = 9.64853321e-3       # 1 eV/(Angstrom amu) in Angstrom/fs^2
KB = 8.617333262e-5       # eV/K
MASS = np.array([15.999, 1.008, 1.008])
R0, THETA0, KR, KA = 0.9572, np.radians(104.52), 48.0, 3.6


def forces(x):
    """Forces (eV/Angstrom) on O, H1, H2 and the potential energy."""
    f = np.zeros_like(x)
    e = 0.0
    u, v = x[1] - x[0], x[2] - x[0]
    for k, b in ((1, u), (2, v)):
        r = np.linalg.norm(b)
        g = KR * (r - R0) * b / r          # dV/d(x_H)
        f[k] -= g
        f[0] += g
        e += 0.5 * KR * (r - R0) ** 2
    ru, rv = np.linalg.norm(u), np.linalg.norm(v)
    c = np.dot(u, v) / (ru * rv)
    th = np.arccos(np.clip(c, -1, 1))
    s = max(np.sin(th), 1e-12)
    dth_du = -(v / (ru * rv) - c * u / ru ** 2) / s
    dth_dv = -(u / (ru * rv) - c * v / rv ** 2) / s
    w = KA * (th - THETA0)
    f[1] -= w * dth_du
    f[2] -= w * dth_dv
    f[0] += w * (dth_du + dth_dv)
    e += 0.5 * KA * (th - THETA0) ** 2
    return f, e


def equilibrium():
    h = R0 * np.array([np.sin(THETA0 / 2), np.cos(THETA0 / 2), 0.0])
    return np.array([[0.0, 0.0, 0.0], h * [1, 1, 1], h * [-1, 1, 1]])


def write_molden(path):
    """Normal modes of the force field at its minimum: Hessian by central differences of the
    forces, mass-weighted and diagonalised; the three largest eigenvalues are the vibrations."""
    x0, eps = equilibrium(), 1e-5
    H = np.zeros((9, 9))
    for i in range(9):
        xp, xm = x0.copy().ravel(), x0.copy().ravel()
        xp[i] += eps
        xm[i] -= eps
        H[:, i] = -(forces(xp.reshape(3, 3))[0] - forces(xm.reshape(3, 3))[0]).ravel() / (2 * eps)
    H = 0.5 * (H + H.T)
    sm = np.sqrt(np.repeat(MASS, 3))
    lam, vec = np.linalg.eigh(H / np.outer(sm, sm))
    with open(path, "w") as f:
        f.write("[Molden Format]\n[FREQ]\n")
        for k in range(6, 9):
            f.write("%.4f\n" % (np.sqrt(lam[k] * ACC) / (2 * np.pi * 2.99792458e-5)))
        f.write("[FR-COORD]\n")
        for s_, p in zip("OHH", x0 / 0.529177210903):
            f.write("%s %.10f %.10f %.10f\n" % (s_, *p))
        f.write("[FR-NORM-COORD]\n")
        for n, k in enumerate(range(6, 9)):
            d = (vec[:, k] / sm).reshape(3, 3)
            f.write("vibration %d\n" % (n + 1) + "".join("%.10f %.10f %.10f\n" % tuple(r) for r in d))
    print("%s: normal modes of the force field" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--dt", type=float, default=0.5, help="fs")
    ap.add_argument("--temperature", type=float, default=300.0, help="K")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--molden", metavar="FILE", help="also write the normal modes (Molden)")
    ap.add_argument("--amber", metavar="FILE", help="also write the trajectory as AMBER NetCDF")
    a = ap.parse_args()
    if a.molden:
        write_molden(a.molden)
    rng = np.random.default_rng(a.seed)
    x = equilibrium()
    v = rng.normal(size=(3, 3)) * np.sqrt(KB * a.temperature * ACC / MASS)[:, None]
    v -= np.average(v, axis=0, weights=MASS)          # no drift of the centre of mass
    f, _ = forces(x)
    traj = np.empty((a.steps, 3, 3))
    with open(a.out, "w") as out:
        for n in range(a.steps):
            out.write("3\ntime=%.4f Properties=species:S:1:pos:R:3\n" % (n * a.dt))
            for s, p in zip("OHH", x):
                out.write("%s %.10f %.10f %.10f\n" % (s, *p))
            traj[n] = x
            v += 0.5 * a.dt * ACC * f / MASS[:, None]
            x = x + a.dt * v
            f, _ = forces(x)
            v += 0.5 * a.dt * ACC * f / MASS[:, None]
    print("%s: %d frames, time step %g fs" % (a.out, a.steps, a.dt))
    if a.amber:
        import netCDF4
        nc = netCDF4.Dataset(a.amber, "w", format="NETCDF3_64BIT_OFFSET")
        nc.Conventions, nc.ConventionVersion, nc.program = "AMBER", "1.0", "harmonic-water-md.py"
        nc.createDimension("frame", None)
        nc.createDimension("atom", 3)
        nc.createDimension("spatial", 3)
        sp = nc.createVariable("spatial", "S1", ("spatial",))
        sp[:] = np.array(list("xyz"), dtype="S1")
        t = nc.createVariable("time", "f4", ("frame",))
        t.units = "picosecond"
        c = nc.createVariable("coordinates", "f4", ("frame", "atom", "spatial"))
        c.units = "angstrom"
        t[:] = np.arange(a.steps) * a.dt * 1e-3
        c[:] = traj
        nc.close()
        print("%s: the same trajectory as AMBER NetCDF" % a.amber)


if __name__ == "__main__":
    main()
