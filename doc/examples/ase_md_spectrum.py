#!/usr/bin/env python3
"""A short molecular dynamics run of one water molecule with ASE, the dipole and the
polarizability predicted along it by a teann model, written as an extended XYZ
trajectory with dipole=, polarizability= and time= keys (the input of an IR/Raman
spectrum: the autocorrelations of the dipole and of the polarizability).

    PYTHONPATH=python /usr/bin/python3 doc/examples/ase_md_spectrum.py MODEL.nc md.xyz

(from the build tree; after make install the PYTHONPATH is not needed, see doc/api.md).
The model must predict the dipole (and, for Raman, the polarizability) of water, e.g. the
model.nc that ./quickstart run fits (example-output/model.nc).

The forces come from a toy flexible water force field of ASE (ase.calculators.ff: Morse O-H
bonds, D = 5.1 eV, alpha = 2.26 1/A, r0 = 0.9572 A; a harmonic H-O-H angle, k = 4.7 eV/rad^2,
104.52 deg), not from the quantum chemistry the model was trained on: the example shows the
plumbing, the spectrum of this force field is only roughly that of water. Velocity Verlet (NVE)
from Maxwell-Boltzmann velocities at --temperature, the centre of mass at rest.

Output: one frame every --every steps, the first at t = 0; time in fs, dipole in the model's
units (e*Angstrom), polarizability as 9 row-major values (Angstrom^3), positions in Angstrom.
The file is written under a temporary name and renamed when complete. With --spectrum OUT.nc
the example then calls teann-spectrum on it (IR from the dipole, Raman from the polarizability;
teann-spectrum from PATH, or the build tree's when run from it) and writes OUT.nc and OUT.csv.
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
from ase import Atoms, units
from ase.build import molecule
from ase.calculators.ff import ForceField
from ase.io import read, write
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from ase.utils.ff import Angle, Morse

import teann


def water_force_field():
    """O is atom 0, the hydrogens 1 and 2 (the order of ase.build.molecule("H2O"))."""
    morse = [Morse(atomi=0, atomj=h, D=5.1, alpha=2.26, r0=0.9572) for h in (1, 2)]
    angle = [Angle(atomi=1, atomj=0, atomk=2, k=4.7, a0=np.deg2rad(104.52))]
    return ForceField(morses=morse, angles=angle)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="model.nc of teann-train (predicting at least the dipole)")
    ap.add_argument("output", help="trajectory to write (extended XYZ)")
    ap.add_argument("--steps", type=int, default=2000, help="MD steps (default 2000)")
    ap.add_argument("--dt", type=float, default=0.5, help="time step in fs (default 0.5)")
    ap.add_argument("--every", type=int, default=1, help="write every N-th step (default 1)")
    ap.add_argument("--temperature", type=float, default=300.0, help="initial temperature in K (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the initial velocities (default 1)")
    ap.add_argument("--start", help="initial geometry (any file ASE reads; atoms O H H); default: ASE's H2O")
    ap.add_argument("--spectrum", help="then run teann-spectrum on the trajectory into this spectrum.nc")
    ap.add_argument("--corr-time", type=float, help="teann-spectrum's -teann_corr_time in fs (default: its own)")
    args = ap.parse_args()
    if args.steps < 1 or args.every < 1 or args.dt <= 0:
        ap.error("--steps and --every must be positive, and --dt too")

    model = teann.Model(args.model)
    if "dipole" not in model.properties:
        sys.exit("%s predicts %s, not the dipole" % (args.model, ", ".join(model.properties)))

    atoms = read(args.start) if args.start else molecule("H2O")
    if list(atoms.get_chemical_symbols()) != ["O", "H", "H"]:
        sys.exit("the force field needs the atoms in the order O H H, not %s" % " ".join(atoms.get_chemical_symbols()))
    atoms.set_cell(20.0 * np.eye(3))  # ase.calculators.ff needs a cell; pbc stays off: a molecule
    atoms.set_pbc(False)
    atoms.calc = water_force_field()
    MaxwellBoltzmannDistribution(atoms, temperature_K=args.temperature, rng=np.random.RandomState(args.seed))
    Stationary(atoms)

    times, positions = [], []

    def record():
        times.append(dyn.get_time() / units.fs)
        positions.append(atoms.get_positions())

    dyn = VelocityVerlet(atoms, timestep=args.dt * units.fs)
    dyn.attach(record, interval=args.every)
    e0 = atoms.get_total_energy()
    dyn.run(args.steps)
    drift = atoms.get_total_energy() - e0

    # one call for the whole trajectory: (nframes, natoms, 3) positions
    out = model.predict(atoms.get_atomic_numbers(), np.array(positions))

    frames = []
    for f, t in enumerate(times):
        # a molecule without cell or calculator: only the keys below go into the file
        a = Atoms(atoms.get_chemical_symbols(), positions=positions[f], info={"time": t})
        for name in ("dipole", "polarizability"):
            if name in out:
                a.info[name] = out[name][f].ravel()  # 9 row-major values, as teann reads them
        frames.append(a)
    tmp = args.output + ".tmp"
    write(tmp, frames, format="extxyz")
    os.replace(tmp, args.output)
    print("%d frames, %.1f fs, energy drift %.2e eV; %s predicted with %s -> %s"
          % (len(frames), times[-1], drift, " and ".join(n for n in ("dipole", "polarizability") if n in out), args.model, args.output))
    if args.spectrum:
        spectrum(args)


def spectrum(args):
    """teann-spectrum on the trajectory just written: IR and Raman spectra in args.spectrum."""
    here = os.path.dirname(os.path.abspath(__file__))
    prog = shutil.which("teann-spectrum") or os.path.join(here, "..", "..", "teann-spectrum")
    if not os.path.exists(prog):
        sys.exit("teann-spectrum not found: put it on PATH (make install) or run from the build tree")
    cmd = [prog, "-teann_data", args.output, "-teann_output", args.spectrum, "-teann_overwrite"]
    if args.corr_time:
        cmd += ["-teann_corr_time", str(args.corr_time)]
    print("running:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
