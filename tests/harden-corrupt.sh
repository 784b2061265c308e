#!/bin/bash
# Byte-corrupted NetCDF files must give an error, never kill the reader: 160 copies each of a
# real model.nc and checkpoint.nc, one byte changed per copy at offsets from a fixed seed
# (tests/harden-mutate.py), read as teann reads them (tests/harden-ncread.c: TeannNCOpen and
# every variable, TeannModelRead, the checkpoint reader). Before the probe of TeannNCCheckFile
# (src/data/ncutil.c) 5 of the 160 checkpoint copies crashed HDF5 inside nc_open (SIGSEGV, or
# glibc's "malloc_consolidate(): invalid chunk size" abort).
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
R=$BIN/tests/test-harden-ncread
PY=${PYTHON3:-python3}
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 12 -teann_checkpoint_every 6 -teann_output_dir "$WORK/c" > "$WORK/c.log" 2>&1 || { cat "$WORK/c.log"; fail "first fit"; }
"$PY" "$top_srcdir/tests/harden-mutate.py" "$WORK/c/model.nc" "$WORK/m" 160 2026 || fail "mutate model.nc"
"$PY" "$top_srcdir/tests/harden-mutate.py" "$WORK/c/checkpoint.nc" "$WORK/k" 160 2026 || fail "mutate checkpoint.nc"

# read MODE DIR: every file of DIR gets a line, ok or an error with a message; no signal
# (-no_signal_handler: a crash shows as one rather than as PETSc's report of it)
read_all() {
  local rc=0 out=$WORK/$1-$(basename "$2").out
  "$R" "$1" "$2"/*.nc -no_signal_handler > "$out" 2> "$out.err" || rc=$?
  [ "$rc" -lt 128 ] || { tail -n 3 "$out" "$out.err"; fail "$1 $2: reader killed by signal $((rc - 128)) after $(grep -c '\.nc: ' "$out") files"; }
  [ "$rc" -eq 0 ] || { tail -n 5 "$out.err"; fail "$1 $2: reader exit $rc"; }
  grep -q 'Caught signal' "$out" "$out.err" && fail "$1 $2: a signal was caught"
  [ "$(grep -c '\.nc: \(ok$\|error: .\)' "$out")" -eq 160 ] || fail "$1 $2: not every file has a verdict with a message"
  echo "ok: $1 $(basename "$2"): $(tail -n 1 "$out"), $(grep -c 'crashes the library' "$out") caught by the probe"
}
read_all checkpoint "$WORK/k"
read_all model "$WORK/m"
read_all open "$WORK/k"
read_all open "$WORK/m"
# the unchanged files still read
"$R" checkpoint "$WORK/c/checkpoint.nc" | grep -q 'checkpoint.nc: ok$' || fail "the good checkpoint"
"$R" model "$WORK/c/model.nc" | grep -q 'model.nc: ok$' || fail "the good model"
# a restart from a checkpoint.nc that crashes HDF5 goes on from checkpoint.prev.nc
crash=$(sed -n 's/^\(.*\.nc\): error: .*crashes the library.*/\1/p' "$WORK/checkpoint-k.out" | head -1)
if [ -n "$crash" ]; then
  mkdir -p "$WORK/d" && cp "$crash" "$WORK/d/checkpoint.nc" && cp "$WORK/c/checkpoint.prev.nc" "$WORK/d/"
  mpirun_np 2 "$BIN/teann-train" -teann_restart "$WORK/d/checkpoint.nc" -tao_max_it 8 -teann_output_dir "$WORK/r" > "$WORK/r.log" 2>&1 || { tail -n 20 "$WORK/r.log"; fail "restart from a checkpoint that crashes HDF5"; }
  grep -qF "WARNING: checkpoint $WORK/d/checkpoint.nc is damaged (reading its HDF5 structure crashes the library" "$WORK/r.log" || { grep WARNING "$WORK/r.log"; fail "no warning for the crashing checkpoint"; }
  grep -qF "restart: continuing from $WORK/d/checkpoint.prev.nc at iteration 6" "$WORK/r.log" || fail "did not go on from checkpoint.prev.nc"
  echo "ok: restart from a checkpoint that crashes HDF5 -> checkpoint.prev.nc"
else
  echo "note: no mutant crashed HDF5 with this library version; the probe had nothing to catch"
fi
