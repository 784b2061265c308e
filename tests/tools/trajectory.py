#!/usr/bin/python3
"""Trajectory files for the tests of teann-predict (tests/trajectory*.sh) and bench/predict.sh.

  trajectory.py amber IN.xyz OUT.nc [--frames N] [--dt-ps DT] [--double] [--scale S]
                [--types none|file|frame] [--cell a,b,c,alpha,beta,gamma] [--xyz OUT.xyz]
      the frames of an extended XYZ file as an AMBER NetCDF trajectory (classic 64-bit offset
      format, as AMBER, OpenMM and MDAnalysis write it): coordinates in Angstrom (32-bit floats,
      or doubles with --double; stored divided by S with scale_factor S), time in ps, atomic
      numbers (ASE's atom_types) per file or per frame, a cell from lengths and angles. --xyz
      writes the frames teann reads from it as extended XYZ (positions as stored, time= in fs,
      the cell as ASE builds it from the same lengths and angles), for comparisons.
  trajectory.py water IN.xyz N OUT [--seed S] [--sigma A] [--dt-fs DT]
      N frames: the frames of IN repeated with Gaussian displacements (sigma Angstrom, default
      0.01), time= and step= (OUT.xyz) or time in ps (OUT.nc, AMBER, atom_types), written in
      pieces so that memory does not follow N.
"""
import argparse
import sys

import numpy as np

SYMBOLS = {"H": 1, "C": 6, "N": 7, "O": 8}


def read_xyz(path, nmax=None):
    """Symbols, positions (list of arrays) and comment lines of an extended XYZ file."""
    sym, pos, com = [], [], []
    with open(path) as f:
        while nmax is None or len(pos) < nmax:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            com.append(f.readline().rstrip("\n"))
            at = [f.readline().split() for _ in range(n)]
            sym.append([a[0] for a in at])
            pos.append(np.array([[float(v) for v in a[1:4]] for a in at]))
    return sym, pos, com


def cell_from_parameters(p):
    """ASE's cellpar_to_cell (a along x, b in the xy plane) for lengths and angles in degrees."""
    from ase.geometry import cellpar_to_cell
    return cellpar_to_cell(p)


def amber(a):
    import netCDF4
    sym, pos, _ = read_xyz(a.input, a.frames)
    n, nat = len(pos), len(pos[0])
    x = np.array(pos)
    d = netCDF4.Dataset(a.output, "w", format="NETCDF3_64BIT_OFFSET")
    d.Conventions, d.ConventionVersion, d.program = "AMBER", "1.0", "tests/tools/trajectory.py"
    d.createDimension("frame", None)
    d.createDimension("atom", nat)
    d.createDimension("spatial", 3)
    c = d.createVariable("coordinates", "f8" if a.double else "f4", ("frame", "atom", "spatial"))
    c.units = "angstrom"
    if a.scale != 1:
        c.scale_factor = a.scale
        c.set_auto_scale(False)
        stored = (x / a.scale).astype(c.dtype)
        c[:] = stored
        xs = stored.astype(float) * a.scale
    else:
        c[:] = x
        xs = np.array(c[:], dtype=float)
    t = d.createVariable("time", "f8" if a.double else "f4", ("frame",))
    t.units = "picosecond"
    t[:] = np.arange(n) * a.dt_ps
    ts = np.array(t[:], dtype=float)
    if a.types == "file":
        z = d.createVariable("atom_types", "i4", ("atom",))
        z[:] = [SYMBOLS[s] for s in sym[0]]
    elif a.types == "frame":
        z = d.createVariable("atom_types", "i4", ("frame", "atom"))
        z[:] = [[SYMBOLS[s] for s in fs] for fs in sym]
    cell = None
    if a.cell:
        par = [float(v) for v in a.cell.split(",")]
        d.createDimension("cell_spatial", 3)
        d.createDimension("cell_angular", 3)
        ln = d.createVariable("cell_lengths", "f8", ("frame", "cell_spatial"))
        an = d.createVariable("cell_angles", "f8", ("frame", "cell_angular"))
        ln.units, an.units = "angstrom", "degree"
        ln[:] = np.tile(par[:3], (n, 1))
        an[:] = np.tile(par[3:], (n, 1))
        cell = cell_from_parameters(par)
    d.close()
    if a.xyz:
        with open(a.xyz, "w") as f:
            for k in range(n):
                f.write("%d\n" % nat)
                keys = "time=%r" % (float(np.float32(ts[k])) * 1e3 if not a.double else ts[k] * 1e3)
                if cell is not None:
                    keys += ' Lattice="%s" pbc="T T T"' % " ".join(repr(float(v)) for v in cell.ravel())
                f.write(keys + " Properties=species:S:1:pos:R:3\n")
                for s, p in zip(sym[k], xs[k]):
                    f.write("%s %r %r %r\n" % (s, *map(float, p)))


def water(a):
    sym, pos, _ = read_xyz(a.input)
    rng = np.random.default_rng(a.seed)
    m, nat = len(pos), len(pos[0])
    base = np.array(pos)
    piece = 20000
    if a.output.endswith(".nc"):
        import netCDF4
        d = netCDF4.Dataset(a.output, "w", format="NETCDF3_64BIT_OFFSET")
        d.Conventions = "AMBER"
        d.createDimension("frame", None)
        d.createDimension("atom", nat)
        d.createDimension("spatial", 3)
        c = d.createVariable("coordinates", "f4", ("frame", "atom", "spatial"))
        c.units = "angstrom"
        t = d.createVariable("time", "f8", ("frame",))
        t.units = "picosecond"
        z = d.createVariable("atom_types", "i4", ("atom",))
        z[:] = [SYMBOLS[s] for s in sym[0]]
        for s in range(0, a.n, piece):
            k = np.arange(s, min(a.n, s + piece))
            c[s:s + len(k)] = base[k % m] + rng.normal(scale=a.sigma, size=(len(k), nat, 3))
            t[s:s + len(k)] = k * a.dt_fs * 1e-3
        d.close()
    else:
        with open(a.output, "w") as f:
            for s in range(0, a.n, piece):
                k = np.arange(s, min(a.n, s + piece))
                x = base[k % m] + rng.normal(scale=a.sigma, size=(len(k), nat, 3))
                out = []
                for i, kk in enumerate(k):
                    out.append("%d\ntime=%.4f step=%d Properties=species:S:1:pos:R:3\n" % (nat, kk * a.dt_fs, kk))
                    out.extend("%s %.8f %.8f %.8f\n" % (sy, *p) for sy, p in zip(sym[kk % m], x[i]))
                f.write("".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("amber")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--frames", type=int)
    p.add_argument("--dt-ps", type=float, default=0.0005)
    p.add_argument("--double", action="store_true")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--types", choices=["none", "file", "frame"], default="none")
    p.add_argument("--cell")
    p.add_argument("--xyz")
    p = sub.add_parser("water")
    p.add_argument("input")
    p.add_argument("n", type=int)
    p.add_argument("output")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sigma", type=float, default=0.01)
    p.add_argument("--dt-fs", type=float, default=0.5)
    a = ap.parse_args()
    {"amber": amber, "water": water}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
