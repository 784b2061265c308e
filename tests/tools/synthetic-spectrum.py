#!/usr/bin/python3
"""Synthetic harmonic time series for tests/spectrum*.sh, and the checks of the spectra
teann-spectrum makes from them against the analytic peaks (doc/spectra.md).

  synthetic-spectrum.py write OUT.nc|OUT.xyz [--frames N] [--dt FS] [--seed S]
        [--time fs|ps|none] [--nan FRAME] [--skip FRAME] [--jitter FRAME] [--only dipole|polarizability]
  synthetic-spectrum.py check SPECTRUM.nc [--qcf none|harmonic|standard --temperature K] [--tol 0.05]

mu(t) = mu0 + sum_k a_k cos(w_k t + phi_k) and alpha(t) = alpha0 + sum_k A_k cos(w_k t + psi_k)
with the modes below. The spectra are of the time derivatives, so the peak of mode k has the
area <|d/dt|^2> = w_k^2 |a_k|^2 / 2 (IR), w_k^2 abar_k^2 / 2 (isotropic Raman, abar = tr A/3),
w_k^2 gamma_k^2 / 2 (anisotropic, gamma^2 = 3/2 tr(B B), B = A - abar I); polarized
= iso + 4/45 aniso, depolarized = 3/45 aniso. "check" prints the measured peak positions and
areas and exits 1 if a peak is off by more than one frequency bin or an area ratio by more
than --tol relative.
"""
import argparse
import sys

import numpy as np

C_CM_PER_FS = 2.99792458e-5
HC_OVER_K = 1.438776877

# wavenumber (cm-1), dipole amplitude (e*Angstrom), polarizability amplitude (Angstrom^3, symmetric)
MODES = [
    (640.0, [0.020, 0.000, 0.010], [[0.30, 0.05, 0.00], [0.05, -0.10, 0.00], [0.00, 0.00, -0.20]]),   # traceless: no isotropic line
    (1650.0, [0.000, 0.030, 0.000], [[0.20, 0.00, 0.00], [0.00, 0.10, 0.00], [0.00, 0.00, 0.05]]),
    (3450.0, [0.010, 0.010, -0.015], [[0.40, 0.00, 0.10], [0.00, 0.40, 0.00], [0.10, 0.00, 0.40]]),
    (3750.0, [-0.025, 0.005, 0.000], [[0.10, 0.20, 0.00], [0.20, 0.30, 0.00], [0.00, 0.00, 0.15]]),
]
MU0 = np.array([0.3, -0.2, 0.7])
ALPHA0 = np.array([[9.0, 0.2, 0.1], [0.2, 8.5, 0.0], [0.1, 0.0, 9.5]])


def series(frames, dt, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(frames) * dt
    mu = np.tile(MU0, (frames, 1))
    alpha = np.tile(ALPHA0, (frames, 1, 1))
    for nu, a, A in MODES:
        w = 2 * np.pi * C_CM_PER_FS * nu
        phi, psi = rng.uniform(0, 2 * np.pi, 2)
        mu += np.outer(np.cos(w * t + phi), a)
        alpha += np.cos(w * t + psi)[:, None, None] * np.array(A)[None]
    return t, mu, alpha


def analytic():
    """Peak areas per spectrum and mode."""
    out = {"ir": [], "raman_isotropic": [], "raman_anisotropic": [], "raman_polarized": [], "raman_depolarized": []}
    for nu, a, A in MODES:
        w2 = (2 * np.pi * C_CM_PER_FS * nu) ** 2
        A = np.array(A)
        abar = np.trace(A) / 3
        B = A - abar * np.eye(3)
        g2 = 1.5 * np.sum(B * B)
        out["ir"].append(w2 * np.dot(a, a) / 2)
        out["raman_isotropic"].append(w2 * abar ** 2 / 2)
        out["raman_anisotropic"].append(w2 * g2 / 2)
        out["raman_polarized"].append(w2 * (abar ** 2 + 4 * g2 / 45) / 2)
        out["raman_depolarized"].append(w2 * (3 * g2 / 45) / 2)
    return out


def qcf(kind, nu, T):
    x = HC_OVER_K * nu / T
    if kind == "harmonic":
        return x / -np.expm1(-x) if x > 0 else 1.0
    if kind == "standard":
        return 2 / (1 + np.exp(-x))
    return 1.0


def write(args):
    t, mu, alpha = series(args.frames, args.dt, args.seed)
    keep = np.ones(len(t), bool)
    if args.skip is not None:
        keep[args.skip] = False
    if args.jitter is not None:
        t[args.jitter] += 0.3 * args.dt
    if args.nan is not None:
        mu[args.nan, 1] = np.nan
        alpha[args.nan, 0, 0] = np.nan
    t, mu, alpha = t[keep], mu[keep], alpha[keep]
    dip = args.only in (None, "dipole")
    pol = args.only in (None, "polarizability")
    if args.out.endswith(".nc"):
        import netCDF4
        with netCDF4.Dataset(args.out, "w") as nc:
            nc.createDimension("frame", len(t))
            nc.createDimension("spatial", 3)
            fid = nc.createVariable("frame_id", "i4", ("frame",))
            fid[:] = np.arange(len(t))
            if args.time != "none":
                v = nc.createVariable("time", "f8", ("frame",))
                v.units = args.time
                v[:] = t / (1000.0 if args.time == "ps" else 1.0)
            if dip:
                v = nc.createVariable("dipole_predicted", "f8", ("frame", "spatial"))
                v.units = "e*Angstrom"
                v[:] = mu
            if pol:
                v = nc.createVariable("polarizability_predicted", "f8", ("frame", "spatial", "spatial"))
                v.units = "Angstrom^3"
                v[:] = alpha
    else:
        with open(args.out, "w") as f:
            for i in range(len(t)):
                keys = []
                if dip:
                    keys.append('dipole="%s"' % " ".join("%.17g" % x for x in mu[i]))
                if pol:
                    keys.append('polarizability="%s"' % " ".join("%.17g" % x for x in alpha[i].ravel()))
                if args.time != "none":
                    keys.append("time=%.17g" % (t[i] / (1000.0 if args.time == "ps" else 1.0)))
                f.write("1\n%s Properties=species:S:1:pos:R:3\nH 0.0 0.0 0.0\n" % " ".join(keys))


def check(args):
    import netCDF4
    with netCDF4.Dataset(args.spectrum) as nc:
        nu = nc["frequency"][:].data
        dnu = float(nc.frequency_bin_cm1)
        fwhm = float(nc.resolution_fwhm_cm1)
        T = float(nc.temperature_K)
        q = nc.quantum_correction
        spectra = {n: nc[n][:].data for n in analytic() if n in nc.variables}
    if not spectra:
        print("no spectra in %s" % args.spectrum)
        return 1
    expect = analytic()
    half = 3 * fwhm
    bad = 0
    print("bin %.4g cm-1, FWHM %.4g cm-1, quantum correction %s" % (dnu, fwhm, q))
    for name, g in spectra.items():
        areas, ana = [], []
        top = max(expect[name])
        for k, (nu0, _, _) in enumerate(MODES):
            sel = np.abs(nu - nu0) <= half
            area = float(np.sum(g[sel]) * dnu)
            a0 = expect[name][k] * qcf(q, nu0, T)
            areas.append(area)
            ana.append(a0)
            if expect[name][k] < 1e-3 * top:  # a line that must be absent
                ok = abs(area) < 0.01 * top * qcf(q, nu0, T)
                print("  %-18s %7.1f cm-1: no line expected, area %.3e (%.2e of the largest)" % (name, nu0, area, abs(area) / top))
                bad += not ok
                continue
            peak = float(nu[sel][np.argmax(g[sel])])
            ok_pos = abs(peak - nu0) <= dnu
            print("  %-18s %7.1f cm-1: peak at %8.2f (%+.2f cm-1, bin %.2f)  area %.6e  analytic %.6e  (%+.3f %%)"
                  % (name, nu0, peak, peak - nu0, dnu, area, a0, 100 * (area / a0 - 1)))
            bad += not ok_pos
        # relative areas: every line against the strongest of its spectrum
        ref = int(np.argmax(ana))
        for k in range(len(MODES)):
            if expect[name][k] < 1e-3 * top or k == ref:
                continue
            r, r0 = areas[k] / areas[ref], ana[k] / ana[ref]
            ok = abs(r / r0 - 1) <= args.tol
            print("  %-18s ratio %7.1f/%7.1f: %.6f analytic %.6f (%+.3f %%)%s"
                  % (name, MODES[k][0], MODES[ref][0], r, r0, 100 * (r / r0 - 1), "" if ok else "  <-- FAIL"))
            bad += not ok
        if args.absolute:
            for k in range(len(MODES)):
                if expect[name][k] >= 1e-3 * top and abs(areas[k] / ana[k] - 1) > args.tol:
                    print("  %-18s %7.1f cm-1: absolute area off by more than %g  <-- FAIL" % (name, MODES[k][0], args.tol))
                    bad += 1
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    w.add_argument("--frames", type=int, default=8000)
    w.add_argument("--dt", type=float, default=0.5)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--time", choices=("fs", "ps", "none"), default="ps")
    w.add_argument("--nan", type=int)
    w.add_argument("--skip", type=int)
    w.add_argument("--jitter", type=int)
    w.add_argument("--only", choices=("dipole", "polarizability"))
    c = sub.add_parser("check")
    c.add_argument("spectrum")
    c.add_argument("--tol", type=float, default=0.05)
    c.add_argument("--absolute", action="store_true")
    args = ap.parse_args()
    if args.cmd == "write":
        write(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
