#!/bin/bash
# The C API from a plain C program (tests/api-threads.c): getters, refused calls and their
# messages, and two threads predicting at once on two handles (two models) bit for bit as
# the serial predictions, while a third thread's calls fail; with 1 and 2 OpenMP threads, and
# in a program that started PETSc itself. Without mpiexec the library starts MPI as a singleton;
# under mpiexec on 2 ranks each rank does the same.
. "$top_srcdir/tests/common.sh"
small="-teann_hidden 8,8 -teann_nwave 4"
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability $small -tao_max_it 5 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train (dipole, polarizability)"; }
mpirun_np 1 "$BIN/teann-train" -teann_data "$DATA/water_hf_rank3.xyz" -teann_properties dipole,polarizability,quadrupole,hyperpolarizability $small -tao_max_it 3 -teann_output_dir "$WORK/fit3" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train (four properties)"; }
for threads in 1 2; do
  OMP_NUM_THREADS=$threads "$BIN/tests/test-api" "$WORK/fit/model.nc" "$WORK/fit3/model.nc" "$DATA/water_hf_800.xyz" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "test-api with $threads OpenMP threads"; }
  cat "$WORK/out"
  grep -q "^thread 1: [0-9]* concurrent predictions .*, 0 differ" "$WORK/out" || fail "no report of the concurrent predictions"
done
# started by mpiexec: MPI is not a singleton, every rank predicts on its own
mpirun_np 2 "$BIN/tests/test-api" "$WORK/fit/model.nc" "$WORK/fit3/model.nc" "$DATA/water_hf_800.xyz" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "test-api on 2 MPI ranks"; }
[ "$(grep -c '^ok: C API' "$WORK/out")" -eq 2 ] || { cat "$WORK/out"; fail "test-api on 2 MPI ranks: not both ranks passed"; }
echo "ok: on 2 MPI ranks"
"$BIN/tests/test-api" "$WORK/fit/model.nc" "$WORK/fit/model.nc" "$DATA/water_hf_800.xyz" -host_petsc > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "test-api in a program that runs PETSc"; }
tail -1 "$WORK/out"
# PETSc's options reach the library (PETSC_OPTIONS), and the exit hook finalises PETSc: -log_view prints teann's events
PETSC_OPTIONS=-log_view "$BIN/tests/test-api" "$WORK/fit/model.nc" "$WORK/fit/model.nc" "$DATA/water_hf_800.xyz" > "$WORK/out" 2>&1 || { tail "$WORK/out"; fail "test-api with -log_view"; }
grep -q "^TeannNetForward" "$WORK/out" || fail "no -log_view at exit: PETSc was not finalised by the library"
echo "ok: C API"
