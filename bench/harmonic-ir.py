#!/usr/bin/python3
"""Tables of bench/harmonic-ir.md from what bench/harmonic-ir.sh computed:

    harmonic-ir.py [--compact] PSI4_JSON LABEL MODEL.nc MODES.nc [LABEL MODEL.nc MODES.nc ...]

PSI4_JSON is written by bench/harmonic-ir-psi4.in; MODES.nc by
`teann-spectrum -teann_model MODEL.nc -teann_modes` on psi4's Molden file.
Prints (Markdown) IR intensities and Raman activities against psi4's and
the checks below; --compact: one row per model (for many fits). The test
RMSE of a fit is read from train.log beside its model.nc when present.
Needs numpy, netCDF4 and the teann Python module (PYTHONPATH=python).
"""
import json
import os
import re
import sys

import netCDF4
import numpy as np
import teann

KM_MOL = 974.880112  # km/mol per e^2/amu (doc/spectra.md)


def raman(da):
    """Raman activity (A^4/amu) and depolarization ratio from dalpha/dQ (A^2/amu^1/2)."""
    da = 0.5 * (da + da.T)
    a = np.trace(da) / 3
    g2 = 0.5 * ((da[0, 0] - da[1, 1]) ** 2 + (da[1, 1] - da[2, 2]) ** 2 + (da[2, 2] - da[0, 0]) ** 2) \
        + 3 * (da[0, 1] ** 2 + da[1, 2] ** 2 + da[0, 2] ** 2)
    return 45 * a * a + 7 * g2, 3 * g2 / (45 * a * a + 4 * g2)


def geometry(x):
    """r(OH) (both, A) and the HOH angle (deg) of water positions O, H, H."""
    u, v = x[1] - x[0], x[2] - x[0]
    return ([np.linalg.norm(u), np.linalg.norm(v)],
            np.degrees(np.arccos(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))))


def rel(x, ref):
    return "%+.2f %%" % (100 * (x - ref) / ref)


def fd4(f, h):
    """4-point central difference of f(s) at s = 0 (error O(h^4))."""
    return (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)


def test_rmse(model):
    """Test RMSE per property from the final table of teann-train's log beside the model."""
    log = os.path.join(os.path.dirname(model), "train.log")
    if not os.path.exists(log):
        return {}
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^\s*(dipole|polarizability)\s+test\s+\d+\s+(\S+)", open(log).read(), re.M)}


def compact(models, ir_psi4, ram_psi4, q0):
    nmode = len(ir_psi4)
    print("| model | test RMSE μ (e·Å) | α (Å³) | " + " | ".join("IR %d" % (k + 1) for k in range(nmode)) + " | " +
          " | ".join("Raman %d" % (k + 1) for k in range(nmode)) + " | max ΔAPT (e) | max Δ(∂μ/∂Q)·q₀ (e·Å) |")
    print("|---" * (5 + 2 * nmode) + "|")
    for res in models:
        row = "| %s | %s | %s | " % (res["label"], "%.1e" % res["rmse"]["dipole"] if "dipole" in res["rmse"] else "",
                                     "%.1e" % res["rmse"]["polarizability"] if "polarizability" in res["rmse"] else "—")
        row += " | ".join(rel(res["ir"][k], ir_psi4[k]) for k in range(nmode)) + " | "
        row += " | ".join(rel(res["raman"][k], ram_psi4[k][0]) if "raman" in res else "—" for k in range(nmode))
        print(row + " | %.4f | %.1e |" % (res["apt"], np.max(res["ddmu"] * q0)))
    for kind in sorted({res["label"].split()[0] for res in models}):
        sel = [res for res in models if res["label"].split()[0] == kind]
        if len(sel) < 2:
            continue
        d = np.array([100 * (res["ir"] - ir_psi4) / ir_psi4 for res in sel])
        print("\n%s, %d fits: IR relative difference mean ± standard deviation " % (kind, len(sel)) +
              ", ".join("%+.2f ± %.2f %%" % (a, b) for a, b in zip(d.mean(0), d.std(0, ddof=1))), end="")
        if all("raman" in res for res in sel):
            r = np.array([[100 * (res["raman"][k] - ram_psi4[k][0]) / ram_psi4[k][0] for k in range(nmode)]
                          for res in sel])
            print("; Raman " + ", ".join("%+.2f ± %.2f %%" % (a, b) for a, b in zip(r.mean(0), r.std(0, ddof=1))),
                  end="")
        print()


def main(argv):
    brief = len(argv) > 1 and argv[1] == "--compact"
    if brief:
        argv = argv[:1] + argv[2:]
    if len(argv) < 5 or (len(argv) - 2) % 3:
        sys.exit(__doc__)
    p = json.load(open(argv[1]))
    sym = p["symbols"]
    x0 = np.array(p["positions_angstrom"])
    freq = np.array(p["frequencies_cm1"])
    nmode = len(freq)
    ir_psi4 = np.array(p["ir_intensity_km_mol"])
    dxdq_psi4 = np.array(p["dxdq_per_amu12"])                     # psi4's masses
    dmu_fd_psi4 = np.array(p["fd_dipole_derivative_e_amu12"])
    da_fd_psi4 = np.array(p["fd_polarizability_derivative_angstrom2_amu12"])
    apt_psi4 = np.array(p["dipole_gradient_e"]).reshape(len(sym), 3, 3).transpose(2, 0, 1)  # [i, atom, c]
    ir_psi4_fd = KM_MOL * np.sum(dmu_fd_psi4 ** 2, axis=1)
    ram_psi4 = [raman(d) for d in da_fd_psi4]
    # Zero-point amplitude of each mode (classical turning points of v = 0), Q = ±sqrt(hbar/omega).
    hbar_amu_a2_cm1 = 1.0545718176e-34 / (1.66053906660e-27 * 1e-20) / (2 * np.pi * 2.99792458e10)
    q0 = np.sqrt(hbar_amu_a2_cm1 / freq)
    dmu_psi4 = np.einsum("iac,kac->ki", apt_psi4, dxdq_psi4)

    if not brief:
        r, ang = geometry(x0)
        print("psi4 %s minimum: E = %.10f Eh, r(OH) = %.6f, %.6f A, angle HOH = %.4f deg; "
              "|mu| = %.6f e*A, iso alpha = %.6f A^3" % (p["psi4_version"], p["energy_hartree"], r[0], r[1], ang,
                                                        np.linalg.norm(p["dipole_e_angstrom"]),
                                                        np.trace(p["polarizability_angstrom3"]) / 3))
        print("psi4 IR: analytic (frequencies) vs 4-point differences of its dipoles (h = %g amu^1/2 A): "
              "max relative difference %.1e" % (p["fd_step_amu12_angstrom"],
                                                 np.max(np.abs(ir_psi4_fd - ir_psi4) / ir_psi4)))
        # The geometries the intensities describe, against the training range.
        for k in range(nmode):
            geo = [geometry(x0 + s * q0[k] * dxdq_psi4[k]) for s in (-1, 1)]
            print("mode %d: turning points Q = ±%.4f amu^1/2 A: r(OH) %.4f-%.4f A, angle %.2f-%.2f deg" % (
                k + 1, q0[k], min(min(g[0]) for g in geo), max(max(g[0]) for g in geo),
                min(g[1] for g in geo), max(g[1] for g in geo)))
        print()

    models = []
    for k in range(2, len(argv), 3):
        label, path, modes = argv[k:k + 3]
        nc = netCDF4.Dataset(modes)
        res = {"label": label,
               "ir": np.array(nc["ir_intensity"][:]),
               "dmu": np.array(nc["dipole_derivative"][:]),
               "dxdq": np.array(nc["normal_mode"][:]),
               "freq": np.array(nc["frequency"][:]),
               "x": np.array(nc["positions"][:])}
        if "raman_activity" in nc.variables:
            res["raman"] = np.array(nc["raman_activity"][:])
            res["depol"] = np.array(nc["depolarization_ratio"][:])
            res["da"] = np.array(nc["polarizability_derivative"][:])
        nc.close()
        if not np.allclose(res["freq"], freq, rtol=1e-9):
            sys.exit("%s: frequencies %s are not psi4's %s" % (modes, res["freq"], freq))
        m = teann.Model(path)
        out = m.predict(sym, x0, derivatives=True)
        # The derivative teann-spectrum used against 4-point differences of the
        # model's own predictions along its dx/dQ, about its geometry (that of
        # the Molden file, 1e-10 A from the JSON's).
        h = res["h"] = 1e-4
        along = lambda q, name, k: m.predict(sym, res["x"] + q * res["dxdq"][k])[name]
        dmu_fd = np.array([fd4(lambda q: along(q, "dipole", k), h) for k in range(nmode)])
        res["fd_dmu"] = np.max(np.linalg.norm(dmu_fd - res["dmu"], axis=1) / np.linalg.norm(res["dmu"], axis=1))
        if "da" in res:
            da_fd = np.array([fd4(lambda q: along(q, "polarizability", k), h) for k in range(nmode)])
            res["fd_da"] = max(np.linalg.norm(da_fd[k] - res["da"][k]) / np.linalg.norm(res["da"][k])
                               for k in range(nmode))
        # psi4's masses (isotopic) instead of teann's standard atomic weights:
        # the model's exact Cartesian derivatives along psi4's own dx/dQ.
        dmu_iso = np.einsum("iac,kac->ki", out["dipole_derivatives"], dxdq_psi4)
        res["ir_iso"] = KM_MOL * np.sum(dmu_iso ** 2, axis=1)
        # The derivative error as a dipole error: what it changes across the zero-point amplitude.
        res["ddmu"] = np.linalg.norm(dmu_iso - dmu_psi4, axis=1)
        res["ddmu_rel"] = res["ddmu"] / np.linalg.norm(dmu_psi4, axis=1)
        if "da" in res:
            res["raman_iso"] = [raman(np.einsum("ijac,ac->ij", out["polarizability_derivatives"], d))[0]
                                for d in dxdq_psi4]
        res["apt"] = np.max(np.abs(out["dipole_derivatives"] - apt_psi4))
        res["mu"] = out["dipole"]
        res["alpha"] = out.get("polarizability")
        res["rmse"] = test_rmse(path)
        m.close()
        models.append(res)
    if brief:
        compact(models, ir_psi4, ram_psi4, q0)
        return

    print("IR intensities (km/mol); wavenumbers are psi4's (the model gives only intensities)\n")
    head = "| mode | wavenumber (cm⁻¹) | psi4 IR |"
    rule = "|---|---|---|"
    for res in models:
        head += " teann %s | rel. diff. |" % res["label"]
        rule += "---|---|"
    print(head)
    print(rule)
    for k in range(nmode):
        row = "| %d | %.2f | %.4f |" % (k + 1, freq[k], ir_psi4[k])
        for res in models:
            row += " %.4f | %s |" % (res["ir"][k], rel(res["ir"][k], ir_psi4[k]))
        print(row)
    print()
    withraman = [res for res in models if "raman" in res]
    if withraman:
        print("Raman activities (Å⁴/amu) and depolarization ratios; psi4's from 4-point differences of its "
              "analytic CPHF polarizabilities\n")
        head = "| mode | psi4 S | psi4 ρ |"
        rule = "|---|---|---|"
        for res in withraman:
            head += " teann %s S | rel. diff. | ρ |" % res["label"]
            rule += "---|---|---|"
        print(head)
        print(rule)
        for k in range(nmode):
            row = "| %d | %.4f | %.4f |" % (k + 1, ram_psi4[k][0], ram_psi4[k][1])
            for res in withraman:
                row += " %.4f | %s | %.4f |" % (res["raman"][k], rel(res["raman"][k], ram_psi4[k][0]), res["depol"][k])
            print(row)
        print()
    for res in models:
        print("%s: test RMSE %s\n  " % (res["label"], ", ".join("%s %.2e" % kv for kv in res["rmse"].items())), end="")
        print("dipole at the minimum %.6f e*A (psi4 %.6f, difference %.1e e*A)" % (
            np.linalg.norm(res["mu"]), np.linalg.norm(p["dipole_e_angstrom"]),
            np.linalg.norm(res["mu"] - np.array(p["dipole_e_angstrom"]))), end="")
        if res["alpha"] is not None:
            print("; polarizability %.1e A^3 from psi4's (largest component)"
                  % np.max(np.abs(res["alpha"] - np.array(p["polarizability_angstrom3"]))), end="")
        print()
        print("  atomic polar tensors d mu_i/d x_(atom,c): largest difference from psi4's analytic ones %.4f e" % res["apt"])
        print("  |d mu/dQ - psi4's| per mode (psi4's masses): " +
              ", ".join("%.4f e/amu^1/2 (%.2f %%)" % (a, 100 * b) for a, b in zip(res["ddmu"], res["ddmu_rel"])) +
              "; times q0: " + ", ".join("%.1e" % v for v in res["ddmu"] * q0) + " e*A")
        print("  IR with psi4's isotopic masses instead of standard atomic weights: " +
              ", ".join("%.4f (%s)" % (v, rel(v, w)) for v, w in zip(res["ir_iso"], res["ir"])))
        if "raman_iso" in res:
            print("  Raman with psi4's masses: " +
                  ", ".join("%.4f (%s)" % (v, rel(v, w)) for v, w in zip(res["raman_iso"], res["raman"])))
        print("  exact d mu/dQ vs 4-point differences of the model's dipole (h = %g amu^1/2 A): "
              "max relative difference %.1e" % (res["h"], res["fd_dmu"]), end="")
        if "fd_da" in res:
            print("; d alpha/dQ %.1e" % res["fd_da"], end="")
        print()


if __name__ == "__main__":
    main(sys.argv)
