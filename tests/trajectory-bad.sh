#!/bin/bash
# Bad trajectories for teann-predict, each an error naming the file (and the frame where one
# is to blame), with nothing written: an AMBER file without elements, with elements the
# model lacks, with NaN coordinates (found by another rank than rank 0, late in the file),
# cut short (AMBER, and extended XYZ cut inside an atom or comment line or short of an atom
# line), with coordinates of the wrong shape or units, half a cell, unknown time units;
# wrong -teann_species/-teann_species_list; an extended XYZ trajectory whose time= stops; an
# existing output (kept unless -teann_overwrite, also when a later frame fails). And what
# teann-spectrum makes of a prediction without times or with a gap in them.
. "$top_srcdir/tests/common.sh"
PY=${PYTHON3:-/usr/bin/python3}
$PY -c 'import numpy, netCDF4' 2> /dev/null || { echo "SKIP: $PY lacks numpy or netCDF4"; exit 77; }
TOOL="$PY $top_srcdir/tests/tools/trajectory.py"
P=$BIN/teann-predict
cd "$WORK" || exit 1
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 6 -teann_nwave 3 -tao_max_it 3 -teann_output_dir fit > log 2>&1 || { cat log; fail "teann-train"; }
M=fit/model.nc
$TOOL amber "$DATA/water_hf_800.xyz" w.nc --frames 200 || fail "writing w.nc"

# edit IN OUT PYTHON: a copy of the AMBER file IN with the variables changed by PYTHON (d: the copy)
edit() {
  $PY - "$1" "$2" "$3" << 'EOF'
import sys, numpy as np, netCDF4
src = netCDF4.Dataset(sys.argv[1])
d = netCDF4.Dataset(sys.argv[2], "w", format="NETCDF3_64BIT_OFFSET")
d.setncatts({k: src.getncattr(k) for k in src.ncattrs()})
for n, dim in src.dimensions.items():
    d.createDimension(n, None if dim.isunlimited() else len(dim))
for n, v in src.variables.items():
    w = d.createVariable(n, v.dtype, v.dimensions)
    w.setncatts({k: v.getncattr(k) for k in v.ncattrs()})
    w[:] = v[:]
exec(sys.argv[3])
d.close()
EOF
}

expect_error "w.nc: the file does not name its elements (no variable atom_types, Z or type, which ASE writes); give them with -teann_species FILE" "$P" -teann_model $M -teann_data w.nc -teann_output p.nc
expect_error "-teann_species_list names 2 atoms, the trajectory w.nc has 3" "$P" -teann_model $M -teann_data w.nc -teann_species_list O,H -teann_output p.nc
expect_error "-teann_species_list: 'Xx' (atom 3) is not an element symbol" "$P" -teann_model $M -teann_data w.nc -teann_species_list O,H,Xx -teann_output p.nc
head -n 12 "$DATA/methanol_hf_240.xyz" | head -n "$((2 + $(head -1 "$DATA/methanol_hf_240.xyz")))" > six.xyz
expect_error "-teann_species six.xyz has $(head -1 six.xyz) atoms, the trajectory w.nc has 3" "$P" -teann_model $M -teann_data w.nc -teann_species six.xyz -teann_output p.nc
expect_error "give the elements of w.nc once: -teann_species or -teann_species_list, not both" "$P" -teann_model $M -teann_data w.nc -teann_species six.xyz -teann_species_list O,H,H -teann_output p.nc
expect_error "-teann_species and -teann_species_list are for AMBER NetCDF trajectories" "$P" -teann_model $M -teann_data "$DATA/water_hf_800.xyz" -teann_species_list O,H,H -teann_output p.nc

# elements the model lacks, named with the first frame and atom that has one
edit w.nc carbon.nc 'z = d.createVariable("atom_types", "i4", ("frame", "atom")); t = np.tile([8, 1, 1], (200, 1)); t[120, 2] = 6; z[:] = t'
expect_error "carbon.nc: elements not in the model $M: C (frame 121, atom 3 first)" mpirun_np 3 "$P" -teann_model $M -teann_data carbon.nc -teann_output p.nc -teann_block_frames 64
edit w.nc zero.nc 'z = d.createVariable("atom_types", "i4", ("atom",)); z[:] = [8, 0, 1]'
expect_error "zero.nc: atom 2: atom_types = 0 is not an atomic number 1..86" "$P" -teann_model $M -teann_data zero.nc -teann_output p.nc

# NaN coordinates in frame 150 (1-based), on rank 2 of 3 with blocks of 64 frames: the earlier
# output stays as it was and no temporary file is left, although -teann_overwrite was given
edit w.nc nan.nc 'c = d["coordinates"]; x = c[149]; x[1, 1] = np.nan; c[149] = x'
echo "an earlier output" > keep.nc
expect_error "nan.nc: frame 150: atom 2: coordinate y = nan is not finite" mpirun_np 3 "$P" -teann_model $M -teann_data nan.nc -teann_species_list O,H,H -teann_output keep.nc -teann_overwrite -teann_block_frames 64
[ "$(cat keep.nc)" = "an earlier output" ] || fail "the earlier output was replaced despite the error"
ls ./*.tmp > /dev/null 2>&1 && fail "temporary files left: $(ls ./*.tmp)"
echo "an earlier output" > keep.xyz
expect_error "nan.nc: frame 150: atom 2: coordinate y = nan is not finite" mpirun_np 2 "$P" -teann_model $M -teann_data nan.nc -teann_species_list O,H,H -teann_output keep.xyz -teann_overwrite -teann_block_frames 64
[ "$(cat keep.xyz)" = "an earlier output" ] && ! ls ./*.tmp > /dev/null 2>&1 || fail "keep.xyz replaced or a temporary file left"

# an existing output is not replaced unless asked
"$P" -teann_model $M -teann_data w.nc -teann_species_list O,H,H -teann_output p.nc > /dev/null || fail "predict w.nc"
cp p.nc p.keep
expect_error "-teann_output p.nc exists; give -teann_overwrite to replace it (nothing was done)" mpirun_np 2 "$P" -teann_model $M -teann_data w.nc -teann_species_list O,H,H -teann_output p.nc
cmp -s p.nc p.keep || fail "p.nc was changed"
"$P" -teann_model $M -teann_data w.nc -teann_species_list O,H,H -teann_output p.nc -teann_overwrite > /dev/null || fail "-teann_overwrite"

# a file cut short (classic NetCDF reads zeros past its end: found from its header)
cp w.nc cut.nc
truncate -s $(($(stat -c %s w.nc) - 20)) cut.nc
expect_error "cut.nc: truncated: the header announces 200 frames but the file" "$P" -teann_model $M -teann_data cut.nc -teann_species_list O,H,H -teann_output p2.nc
expect_error "holds 199 whole; frame 200 is incomplete" "$P" -teann_model $M -teann_data cut.nc -teann_species_list O,H,H -teann_output p2.nc
truncate -s 3000 cut.nc
expect_error "cut.nc: truncated: the header announces 200 frames" "$P" -teann_model $M -teann_data cut.nc -teann_species_list O,H,H -teann_output p2.nc
[ ! -e p2.nc ] || fail "p2.nc written from a truncated file"

# coordinates of the wrong shape, units; half a cell; unknown time units
$PY - << 'EOF' || fail "writing shape.nc"
import netCDF4, numpy as np
for name, dims, n in (("shape.nc", ("frame", "atom"), None), ("spatial2.nc", ("frame", "atom", "spatial"), 2)):
    d = netCDF4.Dataset(name, "w", format="NETCDF3_64BIT_OFFSET")
    d.Conventions = "AMBER"
    d.createDimension("frame", None); d.createDimension("atom", 3); d.createDimension("spatial", n or 3)
    c = d.createVariable("coordinates", "f4", dims)
    c[:] = np.ones((4, 3) + ((n,) if n else ()))
    d.close()
EOF
expect_error "shape.nc: variable coordinates has the dimensions (frame = 4, atom = 3), expected coordinates(frame, atom, spatial) with spatial = 3" "$P" -teann_model $M -teann_data shape.nc -teann_output p2.nc
expect_error "spatial2.nc: variable coordinates has the dimensions (frame = 4, atom = 3, spatial = 2), expected coordinates(frame, atom, spatial) with spatial = 3" "$P" -teann_model $M -teann_data spatial2.nc -teann_output p2.nc
edit w.nc nm.nc 'd["coordinates"].units = "nanometer"'
expect_error "nm.nc: coordinates have units 'nanometer'; teann reads Angstrom" "$P" -teann_model $M -teann_data nm.nc -teann_species_list O,H,H -teann_output p2.nc
edit w.nc half.nc 'd.createDimension("cell_spatial", 3); v = d.createVariable("cell_lengths", "f8", ("frame", "cell_spatial")); v[:] = np.full((200, 3), 20.0)'
expect_error "half.nc: variable cell_lengths without cell_angles: a cell needs both" "$P" -teann_model $M -teann_data half.nc -teann_species_list O,H,H -teann_output p2.nc
edit w.nc furlong.nc 'd["time"].units = "furlong"'
expect_error "furlong.nc: variable time: time units 'furlong' are not fs, ps or ns" "$P" -teann_model $M -teann_data furlong.nc -teann_species_list O,H,H -teann_output p2.nc
[ ! -e p2.nc ] || fail "p2.nc written from a bad file"

# an extended XYZ trajectory whose time= stops at frame 5; time= where frame 1 has none
$TOOL water "$DATA/water_hf_800.xyz" 10 t.xyz || fail "writing t.xyz"
sed '22s/time=[^ ]* //' t.xyz > stop.xyz
expect_error "stop.xyz:22: frame 5: no time= (the first frame has one: every frame or none)" mpirun_np 2 "$P" -teann_model $M -teann_data stop.xyz -teann_output p2.nc
sed '2s/time=[^ ]* //' t.xyz > start.xyz
expect_error "start.xyz:7: frame 2: time= given, but the first frame has none (every frame or none)" "$P" -teann_model $M -teann_data start.xyz -teann_output p2.xyz
sed '12s/step=[^ ]*/step=1.5/' t.xyz > step.xyz
expect_error "step.xyz:12: frame 3: step='1.5' is not an integer" "$P" -teann_model $M -teann_data step.xyz -teann_output p2.xyz
# extended XYZ cut short, as teann-predict counts it (the frames streamed) and as teann-convert
# reads it: the whole atom lines counted, the line cut short named; a comment line cut short
# is that, not a value with a quote left open; a frame with fewer atom lines than it announces
# is named, not the next one whose count line is taken for an atom
head -c "$(( $(head -n 13 t.xyz | wc -c) + 12 ))" t.xyz > cutatom.xyz       # 12 bytes into atom 2 of frame 3 (line 14)
head -c "$(( $(head -n 6 t.xyz | wc -c) + 30 ))" t.xyz > cutcomment.xyz    # inside the comment line of frame 2 (line 7)
sed '18d' t.xyz > short.xyz                                                # frame 4 (lines 16-20) loses its last atom line
for prog in predict convert; do
  if [ $prog = predict ]; then run() { mpirun_np 2 "$P" -teann_model $M -teann_data "$1" -teann_output p2.xyz; }
  else run() { "$BIN/teann-convert" "$1" c2.nc; }; fi
  expect_error "cutatom.xyz:14: frame 3: truncated: 3 atoms announced (line 11), the file ends inside the line of atom 2 (1 whole atom lines)" run cutatom.xyz
  expect_error "cutcomment.xyz:7: frame 2: truncated: the file ends inside the comment line, before the 3 atom lines announced (line 6)" run cutcomment.xyz
  expect_error "short.xyz:20: frame 4: atom 3: a count line where an atom line was expected (fewer atom lines than the count 3 on line 16: the frame's atom lines end at line 19)" run short.xyz
done
head -n 11 t.xyz > endatom.xyz                                             # ends after the count line of frame 3
expect_error "endatom.xyz:11: frame 3: truncated: the file ends before the comment line" run endatom.xyz
head -n 13 t.xyz > endatom.xyz                                             # ends (with its newline) after atom 1 of frame 3
expect_error "endatom.xyz:11: frame 3: truncated: 3 atoms announced, the file ends after 1 (line 13)" mpirun_np 2 "$P" -teann_model $M -teann_data endatom.xyz -teann_output p2.xyz
[ ! -e p2.nc ] && [ ! -e p2.xyz ] && [ ! -e c2.nc ] || fail "an output written from a bad file"

# the spectrum of a prediction without times needs -teann_dt; a gap in the times is named
edit w.nc notime.nc 'pass'
$PY -c '
import netCDF4
d = netCDF4.Dataset("notime.nc", "a"); d.renameVariable("time", "t_unused"); d.close()' || fail "notime.nc"
"$P" -teann_model $M -teann_data notime.nc -teann_species_list O,H,H -teann_output notime-p.nc > /dev/null || fail "predict notime.nc"
expect_error "notime-p.nc: the frames carry no time (time= in XYZ, variable time in NetCDF) and no -teann_dt gives the time step in fs" "$BIN/teann-spectrum" -teann_data notime-p.nc
"$BIN/teann-spectrum" -teann_data notime-p.nc -teann_dt 0.5 -teann_output s.nc > /dev/null || fail "teann-spectrum -teann_dt on a prediction without times"
edit w.nc gap.nc 't = d["time"]; v = t[:]; v[120:] += 0.0005; t[:] = v'
"$P" -teann_model $M -teann_data gap.nc -teann_species_list O,H,H -teann_output gap-p.nc > /dev/null || fail "predict gap.nc"
expect_error "gap-p.nc: frame 121: non-uniform time step: 0.999998 fs since the previous frame, the median step is 0.500001 fs" "$BIN/teann-spectrum" -teann_data gap-p.nc
echo "ok: bad trajectories"
