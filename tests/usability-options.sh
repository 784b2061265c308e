#!/bin/bash
# Option typos and user errors (hardening items 16, 17): an option no part of the program used
# is an error naming it and the nearest known option (-teann_allow_unused: a warning); an error
# in the user's input prints one or two lines and exits non-zero on every rank, without PETSc's
# trace; --help and --version work on every program; -help never starts a fit.
. "$top_srcdir/tests/common.sh"
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/w.xyz"
small="-teann_data $WORK/w.xyz -teann_hidden 4 -teann_nwave 2"

# 16: typos
expect_error "option -teann_propertie was not used (did you mean -teann_properties?)" "$BIN/teann-train" $small -teann_propertie polarizability -tao_max_it 2 -teann_output_dir "$WORK/t1"
expect_error "option -tao_maxit was not used (did you mean -tao_max_it?)" mpirun_np 2 "$BIN/teann-train" $small -tao_maxit 5 -teann_output_dir "$WORK/t2"
[ ! -e "$WORK/t2/model.nc" ] || fail "a fit ran despite the typo"
"$BIN/teann-train" $small -tao_max_it 2 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
expect_error "option -teann_ouput was not used (did you mean -teann_output?)" "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/w.xyz" -teann_ouput "$WORK/p.xyz"
expect_error "option -teann_progres was not used (did you mean -teann_progress?)" "$BIN/teann-convert" "$WORK/w.xyz" "$WORK/w.nc" -teann_progres
expect_error "option -teann_lm_solver was not used (it has no effect with the other options given)" "$BIN/teann-train" $small -tao_max_it 2 -teann_lm_solver scalapack -teann_output_dir "$WORK/t7"
"$BIN/teann-train" $small -tao_max_it 2 -teann_output_dir "$WORK/t3" -teann_frobnicate 1 -teann_allow_unused > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "-teann_allow_unused did not relax the check"; }
grep -q "warning: option -teann_frobnicate was not used" "$WORK/log" || fail "no warning with -teann_allow_unused"
# options read late or only sometimes are no typos
"$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/w.xyz" -teann_output "$WORK/p.xyz" -log_view :/dev/null -teann_eann_abprop 1 > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "-log_view or -teann_eann_abprop flagged"; }
echo "-tao_max_it 2" > "$WORK/opts"
"$BIN/teann-train" $small -options_file "$WORK/opts" -teann_output_dir "$WORK/t4" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "-options_file flagged"; }
echo "ok: typos named with the nearest option"

# 17: short errors on every rank count
short() { # NP TEXT CMD...: non-zero exit, TEXT, at most 2 lines of teann's own, no PETSc trace
  local np=$1 text=$2; shift 2
  local out rc=0
  out=$(mpirun_np $np "$@" 2>&1) || rc=$?
  [ $rc -ne 0 ] || fail "exit 0: $*"
  printf '%s\n' "$out" | grep -F -q -- "$text" || { printf '%s\n' "$out" | head; fail "message '$text' missing: $*"; }
  printf '%s\n' "$out" | grep -E -q "petsc-maint|PETSC ERROR|Configure options|ORTE_ERROR_LOG|options you set that were not used" && { printf '%s\n' "$out" | head -30; fail "PETSc trace for a user error: $*"; }
  [ "$(printf '%s\n' "$out" | grep -c ': error: ')" -le 2 ] || { printf '%s\n' "$out"; fail "the error is repeated: $*"; }
  echo "ok ($np ranks): $text"
}
for np in 1 2; do
  short $np "give the frames to predict with -teann_data FILE" "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_output "$WORK/p.xyz"
  short $np "no training data" "$BIN/teann-train" -tao_max_it 2
  short $np "-teann_valid_fraction" "$BIN/teann-train" $small -teann_valid_fraction 2
  short $np "unknown property 'polarisability'" "$BIN/teann-train" $small -teann_properties polarisability -teann_output_dir "$WORK/t5"
done
out=$("$BIN/teann-predict" -teann_output "$WORK/p.xyz" 2>&1) || true
[ "$(printf '%s\n' "$out" | wc -l)" -le 2 ] || { printf '%s\n' "$out"; fail "more than 2 lines for a missing option"; }

# --help and --version everywhere; -help with -teann_data lists the options and fits nothing
for prog in teann-train teann-predict teann-convert teann-plot; do
  "$BIN/$prog" --version > "$WORK/v" 2>&1 || { cat "$WORK/v"; fail "$prog --version"; }
  grep -q "^$prog (teann) [0-9]" "$WORK/v" || { cat "$WORK/v"; fail "$prog --version prints no version"; }
  [ "$prog" = teann-plot ] && { "$PYTHON3" -c 'import matplotlib, netCDF4' 2>/dev/null || continue; }
  "$BIN/$prog" --help > "$WORK/h" 2>&1 || { head "$WORK/h"; fail "$prog --help"; }
  grep -q -i "usage\|options" "$WORK/h" || fail "$prog --help prints no help"
done
"$BIN/teann-train" -help $small -teann_output_dir "$WORK/t6" > "$WORK/h" 2>&1 || fail "-help with -teann_data exited non-zero"
grep -q "teann fit options" "$WORK/h" || fail "-help with -teann_data printed no help"
grep -q "TAO .* stopped" "$WORK/h" && fail "-help with -teann_data started a fit"
[ ! -e "$WORK/t6/model.nc" ] || fail "-help with -teann_data wrote a model"
echo "ok: --help, --version; -help fits nothing"
