"""teann: predict molecular tensors with a fitted teann model (doc/api.md).

    import teann
    m = teann.Model("model.nc")
    out = m.predict(numbers, positions)          # one frame: {"dipole": (3,), "polarizability": (3, 3)}
    out = m.predict(numbers, trajectory)         # (nframes, natoms, 3): a leading frame axis
    out = m.predict(numbers, positions, derivatives=True)
    out["dipole_derivatives"]                    # (3, natoms, 3): [i, a, d] = d mu_i / d x_(a,d)
    out["atomic_dipole"]                         # a per-atom property: (natoms, 3), and its sum
    out["atomic_dipole_sum"]                     # over the atoms (3,)

A thin layer over libteann's C API (teann_api.h) through ctypes; numpy is its only
dependency. Positions in Angstrom; outputs in the model's units (Model.units). The library
is found, in this order, at $TEANN_LIBRARY (the file), in the libdir make install wrote into
_libdir.py, in the build tree (../../src/.libs next to this file, for PYTHONPATH=python), and
by the dynamic loader (LD_LIBRARY_PATH, ldconfig).

Errors raise teann.Error with the C library's message: InputError (also a ValueError) for
wrong arguments, FileError (also an OSError) for a missing or damaged model file.
Models may be used from several threads; the library serialises the calls into the engine
(the GIL is released meanwhile) and each prediction uses the OpenMP threads of
OMP_NUM_THREADS.
"""
import ctypes
import os
import threading

import numpy as np

__all__ = ["Model", "Error", "InputError", "FileError", "OutOfMemoryError", "library_path", "symbol", "atomic_number"]

_SONAME = "libteann.so.0"
_STATUS_OK, _STATUS_INPUT, _STATUS_FILE, _STATUS_MEMORY = 0, 1, 2, 3


class Error(Exception):
    """A failed teann call; status is the C library's teann_status (0 for checks made here)."""

    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


class InputError(Error, ValueError):
    """A wrong argument: shapes, types, non-finite positions, elements the model lacks."""


class FileError(Error, OSError):
    """The model file is missing, unreadable or not a teann model."""


class OutOfMemoryError(Error, MemoryError):
    """The library ran out of memory."""


def _raise(status, message):
    cls = {_STATUS_INPUT: InputError, _STATUS_FILE: FileError, _STATUS_MEMORY: OutOfMemoryError}.get(status, Error)
    raise cls(message, status)


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    env = os.environ.get("TEANN_LIBRARY")
    if env:
        return [env]  # an explicit choice is not second-guessed
    paths = []
    try:
        from . import _libdir  # written by make install
        paths.append(os.path.join(_libdir.libdir, _SONAME))
    except ImportError:
        pass
    paths.append(os.path.join(here, "..", "..", "src", ".libs", _SONAME))
    paths.append(_SONAME)
    return paths


def _load_library():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (no such file)")
            continue
        try:
            return ctypes.CDLL(os.path.normpath(path) if os.sep in path else path), os.path.normpath(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("teann: cannot load libteann; tried " + "; ".join(tried) + ". Set TEANN_LIBRARY to the path of " + _SONAME)


_lib, library_path = _load_library()

_c_int_p = ctypes.POINTER(ctypes.c_int)
_c_double_p = ctypes.POINTER(ctypes.c_double)
_signatures = {
    "teann_api_version": (ctypes.c_int, []),
    "teann_version": (ctypes.c_char_p, []),
    "teann_model_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]),
    "teann_model_free": (None, [ctypes.c_void_p]),
    "teann_model_error": (ctypes.c_char_p, [ctypes.c_void_p]),
    "teann_model_num_elements": (ctypes.c_int, [ctypes.c_void_p]),
    "teann_model_element": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_cutoff": (ctypes.c_double, [ctypes.c_void_p]),
    "teann_model_num_properties": (ctypes.c_int, [ctypes.c_void_p]),
    "teann_model_property_name": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_property_rank": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_property_size": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_property_offset": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_property_units": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_num_components": (ctypes.c_int, [ctypes.c_void_p]),
    "teann_element_symbol": (ctypes.c_char_p, [ctypes.c_int]),
    "teann_predict": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, _c_int_p, _c_int_p, _c_double_p, _c_double_p, _c_int_p, _c_double_p, _c_double_p]),
    "teann_model_num_members": (ctypes.c_int, [ctypes.c_void_p]),
    "teann_predict_committee": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, _c_int_p, _c_int_p, _c_double_p, _c_double_p, _c_int_p, _c_double_p, _c_double_p, _c_double_p]),
    "teann_model_property_per_atom": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int]),
    "teann_model_num_atom_components": (ctypes.c_int, [ctypes.c_void_p]),
    "teann_model_select": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
    "teann_predict_atoms": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, _c_int_p, _c_int_p, _c_double_p, _c_double_p, _c_int_p]
                            + [_c_double_p] * 6),
}
for _name, (_res, _args) in _signatures.items():
    _f = getattr(_lib, _name)
    _f.restype, _f.argtypes = _res, _args

if _lib.teann_api_version() != 1:
    raise ImportError("teann: %s has C API version %d; this module needs 1" % (library_path, _lib.teann_api_version()))
__version__ = _lib.teann_version().decode()

_SYMBOLS = [None] + [_lib.teann_element_symbol(z).decode() for z in range(1, 87)]
_NUMBERS = {s: z for z, s in enumerate(_SYMBOLS) if s}


def symbol(z):
    """The chemical symbol of atomic number z (1..86)."""
    if not 1 <= int(z) <= 86:
        raise InputError("%s is not an atomic number of 1..86" % z)
    return _SYMBOLS[int(z)]


def atomic_number(sym):
    """The atomic number of a chemical symbol ("O" -> 8), case as written ("Cl")."""
    try:
        return _NUMBERS[sym]
    except KeyError:
        raise InputError("unknown chemical symbol %r" % (sym,)) from None


def _numbers(numbers, what="numbers"):
    a = np.asarray(numbers)
    if a.dtype.kind in "US":
        return np.vectorize(atomic_number, otypes=[np.int32])(a) if a.size else a.astype(np.int32)
    if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a))):
        raise InputError("%s must be atomic numbers (integers) or chemical symbols, not %s" % (what, a.dtype))
    if a.size and (a.min() < -2**31 or a.max() >= 2**31):
        raise InputError("%s holds a value out of range: %s" % (what, a.max() if a.max() >= 2**31 else a.min()))
    return a.astype(np.int32)


def _floats(x, what):
    try:
        return np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError("%s must be an array of numbers: %s" % (what, e)) from None


def _ptr(a, kind):
    return None if a is None else a.ctypes.data_as(kind)


class Model:
    """A fitted teann model (model.nc written by teann-train).

    Attributes: path, elements (atomic numbers), symbols, cutoff (Angstrom), properties
    (names in output order), shapes (name -> tensor shape), units (name -> units string),
    per_atom (the names of the properties predicted per atom, e.g. atomic_dipole: one tensor of
    shapes[name] per atom), num_components (values per frame of the C output row),
    num_atom_components (values per atom of the C per-atom row), layout (name -> (offset, size)
    in its row), members (an ensemble's members, teann-train -teann_ensemble; 1 for a single
    model: an ensemble predicts its committee mean, and with uncertainty=True its standard
    deviation).

    properties: None (all the model's), or some of them (a comma-separated string or a list of
    names), as Model.select.
    """

    def __init__(self, path, properties=None):
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        h = ctypes.c_void_p()
        status = _lib.teann_model_load(os.fsencode(self.path), ctypes.byref(h))
        if status:
            _raise(status, _lib.teann_model_error(None).decode(errors="replace"))
        self._h = h
        self._describe()
        if properties is not None:
            self.select(properties)

    def select(self, properties):
        """Predict only these of the model's properties from now on (a comma-separated string or
        a list of names): only their networks are evaluated, and properties, layout and the
        predictions hold them alone. A name the model does not predict raises InputError and
        changes nothing; a property left out cannot be chosen again (load the model anew)."""
        if not isinstance(properties, str):
            properties = ",".join(properties)
        with self._lock:
            status = _lib.teann_model_select(self._h, properties.encode())
            if status:
                _raise(status, _lib.teann_model_error(self._h).decode(errors="replace"))
            self._describe()
        return self

    def _describe(self):
        """The model's attributes from the C getters (after the load and after select)."""
        h = self._h
        self.elements = tuple(_lib.teann_model_element(h, i) for i in range(_lib.teann_model_num_elements(h)))
        self.symbols = tuple(_SYMBOLS[z] for z in self.elements)
        self.cutoff = _lib.teann_model_cutoff(h)
        self.num_components = _lib.teann_model_num_components(h)
        self.num_atom_components = _lib.teann_model_num_atom_components(h)
        self.members = _lib.teann_model_num_members(h)
        names, per_atom, self.shapes, self.units, self.layout = [], [], {}, {}, {}
        for p in range(_lib.teann_model_num_properties(h)):
            name = _lib.teann_model_property_name(h, p).decode()
            names.append(name)
            if _lib.teann_model_property_per_atom(h, p):
                per_atom.append(name)
            self.shapes[name] = (3,) * _lib.teann_model_property_rank(h, p)
            self.units[name] = _lib.teann_model_property_units(h, p).decode()
            self.layout[name] = (_lib.teann_model_property_offset(h, p), _lib.teann_model_property_size(h, p))
        self.properties = tuple(names)
        self.per_atom = tuple(per_atom)

    def close(self, _free=_lib.teann_model_free):
        """Free the model now (otherwise when the object is collected). _free is bound here
        because module globals may be gone when __del__ runs at interpreter exit."""
        h, self._h = getattr(self, "_h", None), None
        if h:
            _free(h)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "teann.Model(%r: elements %s, properties %s)" % (self.path, " ".join(self.symbols), ", ".join(self.properties))

    def _call(self, natoms, numbers, positions, cell, pbc, derivatives, uncertainty=False):
        """The C call on flat arrays: natoms (F,), numbers (N,), positions (N, 3), cell (F, 9)
        or None, pbc (F, 3) or None; returns a dict of out (F, ncomp), std (F, ncomp) or None,
        dout (flat) or None, and for a model with per-atom properties aout (N, nacomp), astd
        alike or None, adout (flat) or None."""
        nframes, total = len(natoms), int(natoms.sum())
        nc, nac = self.num_components, self.num_atom_components
        r = {"out": np.empty((nframes, nc)), "std": np.empty((nframes, nc)) if uncertainty else None,
             "dout": np.empty(nc * 3 * total) if derivatives else None, "aout": None, "astd": None, "adout": None}
        if nac:
            r["aout"] = np.empty((total, nac))
            r["astd"] = np.empty((total, nac)) if uncertainty else None
            r["adout"] = np.empty(nac * 3 * int((natoms.astype(np.int64) ** 2).sum())) if derivatives else None
        ptr = {k: _ptr(v, _c_double_p) for k, v in r.items()}
        with self._lock:
            if not self._h:
                raise Error("the model %s was closed" % self.path)
            status = _lib.teann_predict_atoms(self._h, nframes, _ptr(natoms, _c_int_p), _ptr(numbers, _c_int_p), _ptr(positions, _c_double_p),
                                              _ptr(cell, _c_double_p), _ptr(pbc, _c_int_p), ptr["out"], ptr["std"], ptr["dout"],
                                              ptr["aout"], ptr["astd"], ptr["adout"])
            if status:
                _raise(status, _lib.teann_model_error(self._h).decode(errors="replace"))
        return r

    def _unpack(self, r, natoms, single):
        """dict name -> (F,) + shape arrays, name_std alike (with std), and name_derivatives ->
        per frame shape + (n, 3). A per-atom property: name -> per frame (n,) + shape, name_sum ->
        (F,) + shape, the sum over the frame's atoms (teann-predict's NAME_sum_pred), name_std per
        frame (n,) + shape, name_derivatives per frame (n,) + shape + (n, 3) and
        name_sum_derivatives per frame shape + (n, 3)."""
        out, std, dout = r["out"], r["std"], r["dout"]
        nf, res = len(natoms), {}
        starts = np.concatenate(([0], np.cumsum(natoms)))
        for name in self.properties:
            off, size = self.layout[name]
            shape = self.shapes[name]
            if name in self.per_atom:
                a = [r["aout"][starts[f]:starts[f + 1], off:off + size].reshape((natoms[f],) + shape).copy() for f in range(nf)]
                res[name] = a
                # the atoms in order, as teann-predict adds them
                res[name + "_sum"] = np.array([np.add.reduce(v, axis=0) for v in a]).reshape((nf,) + shape)
                if r["astd"] is not None:
                    res[name + "_std"] = [r["astd"][starts[f]:starts[f + 1], off:off + size].reshape((natoms[f],) + shape).copy() for f in range(nf)]
                continue
            res[name] = out[:, off:off + size].reshape((nf,) + shape).copy()
            if std is not None:
                res[name + "_std"] = std[:, off:off + size].reshape((nf,) + shape).copy()
        if dout is not None:
            for name in self.properties:
                if name in self.per_atom:
                    continue
                off, size = self.layout[name]
                res[name + "_derivatives"] = [dout[self.num_components * 3 * starts[f]:self.num_components * 3 * starts[f + 1]]
                                              .reshape(self.num_components, natoms[f], 3)[off:off + size]
                                              .reshape(self.shapes[name] + (natoms[f], 3)).copy() for f in range(nf)]
        if r["adout"] is not None:
            nac, a0 = self.num_atom_components, np.concatenate(([0], np.cumsum(3 * self.num_atom_components * natoms.astype(np.int64) ** 2)))
            for name in self.per_atom:
                off, size = self.layout[name]
                d = [r["adout"][a0[f]:a0[f + 1]].reshape(natoms[f], nac, natoms[f], 3)[:, off:off + size]
                     .reshape((natoms[f],) + self.shapes[name] + (natoms[f], 3)).copy() for f in range(nf)]
                res[name + "_derivatives"] = d
                res[name + "_sum_derivatives"] = [np.add.reduce(v, axis=0) for v in d]
        if single:
            res = {k: v[0] for k, v in res.items()}
        return res

    def predict(self, numbers, positions, cell=None, pbc=None, derivatives=False, uncertainty=False):
        """Predict every property of the model.

        numbers: (n,) atomic numbers or symbols, or (nframes, n) for frames that differ.
        positions: (n, 3) for one frame, or (nframes, n, 3), Angstrom.
        cell: None, (3, 3) lattice vectors as rows (all frames), or (nframes, 3, 3).
        pbc: None (not periodic), a bool or (3,) bools, or (nframes, 3). The cell and pbc are
        passed to the engine as they are; until it uses periodic neighbour lists only isolated
        molecules give meaningful predictions.
        derivatives: also return name + "_derivatives" of every property, shape + (n, 3):
        [..., a, d] = d property[...] / d positions[a, d] (with a leading frame axis for a batch).
        uncertainty: also return name + "_std", the committee's standard deviation per component
        (shaped as the property; zero for a single model, members == 1).

        Returns a dict name -> array: shape (3,) for a vector, (3, 3) for a rank-2 tensor,
        (3, 3, 3) for rank 3, with a leading frame axis when positions has one.
        A property predicted per atom (name in per_atom, e.g. atomic_dipole) is (n,) + shape,
        one tensor per atom (atoms of elements without labels in the training data too, as the
        model predicts them), and name + "_sum" its sum over the atoms (shape), as teann-predict's
        name_sum_pred; name + "_std" (n,) + shape; name + "_derivatives" (n,) + shape + (n, 3),
        [i, ..., a, d] = d property[i, ...] / d positions[a, d] (one reverse pass per atom and
        component: n times the cost of a frame property's), and name + "_sum_derivatives"
        shape + (n, 3). The committee's std of the sum is not given (the members' per-atom
        deviations are correlated).
        """
        x = _floats(positions, "positions")
        if x.ndim not in (2, 3) or x.shape[-1] != 3:
            raise InputError("positions must have shape (natoms, 3) or (nframes, natoms, 3), not %s" % (x.shape,))
        single = x.ndim == 2
        if x.shape[-2] == 0:
            raise InputError("positions has shape %s: a frame needs at least one atom" % (x.shape,))
        x = x.reshape((-1,) + x.shape[-2:])
        nframes, n = x.shape[0], x.shape[1]
        z = _numbers(numbers)
        if z.shape == (n,):
            z = np.broadcast_to(z, (nframes, n))
        if z.shape != (nframes, n):
            raise InputError("numbers has shape %s; positions of shape %s need (%d,)%s" % (z.shape, np.shape(positions), n, "" if single else " or (%d, %d)" % (nframes, n)))
        c, p = self._cell_pbc(cell, pbc, nframes, single)
        natoms = np.full(nframes, n, dtype=np.int32)
        r = self._call(natoms, np.ascontiguousarray(z, dtype=np.int32).reshape(-1), x.reshape(-1, 3), c, p, derivatives, uncertainty)
        res = self._unpack(r, natoms, single)
        if not single:  # every frame has n atoms: the per-frame lists are arrays with a frame axis
            for key, shape in self._per_frame_keys(derivatives, uncertainty, n):
                res[key] = np.stack(res[key]) if nframes else np.empty((0,) + shape)
        return res

    def _per_frame_keys(self, derivatives, uncertainty, n):
        """The keys _unpack gives as per-frame lists, and the shape of one frame's array of n atoms."""
        keys = []
        for name in self.properties:
            shape = self.shapes[name]
            if name in self.per_atom:
                keys.append((name, (n,) + shape))
                if uncertainty:
                    keys.append((name + "_std", (n,) + shape))
                if derivatives:
                    keys += [(name + "_derivatives", (n,) + shape + (n, 3)), (name + "_sum_derivatives", shape + (n, 3))]
            elif derivatives:
                keys.append((name + "_derivatives", shape + (n, 3)))
        return keys

    def predict_batch(self, numbers, positions, cells=None, pbc=None, derivatives=False, uncertainty=False):
        """Frames of different sizes in one call: numbers and positions are sequences of
        (n_f,) and (n_f, 3) arrays; cells None or a sequence of (3, 3) (None entries allowed);
        pbc None or a sequence of bools / (3,) bools. Returns name -> (nframes,) + shape arrays,
        and with derivatives name + "_derivatives" -> a list of shape + (n_f, 3) arrays; with
        uncertainty name + "_std" as in predict. A per-atom property (and its _std, _derivatives,
        _sum_derivatives) is a list of per-frame arrays as in predict, name + "_sum" an array
        (nframes,) + shape."""
        if len(numbers) != len(positions):
            raise InputError("numbers has %d frames, positions %d" % (len(numbers), len(positions)))
        nframes = len(positions)
        xs, zs = [], []
        for f in range(nframes):
            x = _floats(positions[f], "positions[%d]" % f)
            z = _numbers(numbers[f], "numbers[%d]" % f)
            if x.ndim != 2 or x.shape[1] != 3:
                raise InputError("positions[%d] must have shape (natoms, 3), not %s" % (f, x.shape))
            if z.shape != (x.shape[0],):
                raise InputError("numbers[%d] has shape %s; positions[%d] of shape %s need (%d,)" % (f, z.shape, f, x.shape, x.shape[0]))
            if x.shape[0] == 0:
                raise InputError("frame %d has no atoms; a frame needs at least one" % f)
            xs.append(x)
            zs.append(z)
        natoms = np.array([len(z) for z in zs], dtype=np.int32)
        c = None
        if cells is not None:
            if len(cells) != nframes:
                raise InputError("cells has %d entries for %d frames" % (len(cells), nframes))
            c = np.zeros((nframes, 9))
            for f, cf in enumerate(cells):
                if cf is not None:
                    c[f] = self._cell_pbc(cf, None, 1, True)[0][0]
        p = None
        if pbc is not None:
            if len(pbc) != nframes:
                raise InputError("pbc has %d entries for %d frames" % (len(pbc), nframes))
            p = np.vstack([self._cell_pbc(None, pf, 1, True)[1] for pf in pbc]) if nframes else None
        if nframes == 0:
            res = {name: np.empty((0,) + self.shapes[name]) for name in self.properties}
            if uncertainty:
                res.update({name + "_std": np.empty((0,) + self.shapes[name]) for name in self.properties})
            res.update({name + "_sum": np.empty((0,) + self.shapes[name]) for name in self.per_atom})
            res.update({key: [] for key, _ in self._per_frame_keys(derivatives, uncertainty, 0)})
            return res
        r = self._call(natoms, np.concatenate(zs), np.concatenate(xs), c, p, derivatives, uncertainty)
        return self._unpack(r, natoms, False)

    def predict_atoms(self, atoms, derivatives=False, uncertainty=False):
        """ASE Atoms (or a sequence of them): their numbers, positions, and cell and pbc when
        periodic; a dict as predict (one Atoms) or predict_batch (a sequence)."""
        single = hasattr(atoms, "get_positions")
        seq = [atoms] if single else list(atoms)
        periodic = [bool(np.any(a.get_pbc())) for a in seq]
        res = self.predict_batch([a.get_atomic_numbers() for a in seq], [a.get_positions() for a in seq],
                                 [np.asarray(a.get_cell()) if per else None for a, per in zip(seq, periodic)] if any(periodic) else None,
                                 [a.get_pbc() for a in seq] if any(periodic) else None, derivatives, uncertainty)
        return {k: v[0] for k, v in res.items()} if single else res

    @staticmethod
    def _cell_pbc(cell, pbc, nframes, single):
        c = p = None
        if cell is not None:
            c = _floats(cell, "cell")
            if c.shape == (3, 3):
                c = np.broadcast_to(c.reshape(1, 9), (nframes, 9))
            elif c.shape == (nframes, 3, 3) and not single:
                c = c.reshape(nframes, 9)
            else:
                raise InputError("cell must have shape (3, 3)%s, not %s" % ("" if single else " or (%d, 3, 3)" % nframes, c.shape))
            c = np.ascontiguousarray(c)
        if pbc is not None:
            b = np.asarray(pbc)
            if b.dtype.kind not in "biu":
                raise InputError("pbc must be booleans, not %s" % b.dtype)
            if b.shape == ():
                b = np.full((nframes, 3), bool(b))
            elif b.shape == (3,):
                b = np.broadcast_to(b, (nframes, 3))
            elif not (b.shape == (nframes, 3) and not single):
                raise InputError("pbc must be a bool or have shape (3,)%s, not %s" % ("" if single else " or (%d, 3)" % nframes, b.shape))
            p = np.ascontiguousarray(b != 0, dtype=np.int32)
        return c, p
