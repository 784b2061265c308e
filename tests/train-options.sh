#!/bin/bash
# teann-train -help lists every -teann_ option with its default; user errors are caught
# with clear messages; -teann_valid/-teann_test files replace the fractions; the output
# directory is created; the model.nc round trip is exact.
. "$top_srcdir/tests/common.sh"
props=dipole,polarizability
"$BIN/teann-train" -help > "$WORK/help" 2>&1 || fail "-help exits non-zero"
for o in data valid test valid_fraction test_fraction seed weight_dipole weight_polarizability weight_transition_dipole \
         l2 output_dir patience check_gradient properties cutoff nwave lmax neigh_atoms radial_width hidden activation fix_radial charge_neutral; do
  grep -q -- "-teann_$o\b" "$WORK/help" || fail "-help does not list -teann_$o"
done
grep -q -E -- '-teann_valid_fraction <(now )?0.1 ' "$WORK/help" || fail "-help does not show the default of -teann_valid_fraction"
grep -q -E -- '-teann_seed <(now )?1[ >]' "$WORK/help" || fail "-help does not show the default of -teann_seed"
echo "ok: -help lists every option"

expect_error "no training data: give -teann_data" "$BIN/teann-train"
expect_error "must be >= 0 with sum < 1" "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_valid_fraction 0.6 -teann_test_fraction 0.5
expect_error "no transition_dipole given" mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties transition_dipole
expect_error "/nonexistent/w.xyz: cannot open" "$BIN/teann-train" -teann_data /nonexistent/w.xyz
expect_error "-tao_type pounders is not supported" "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -tao_type pounders
expect_error "unknown property 'octupole'" "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties octupole

# -teann_radial_width sets the initial eta of every element and wave (kept by -teann_fix_radial)
expect_error "-teann_radial_width must be positive" "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_radial_width 0
"$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_hidden 8 -teann_nwave 4 -teann_radial_width 1.75 -teann_fix_radial \
  -tao_max_it 2 -teann_output_dir "$WORK/rw" > "$WORK/rw.log" 2>&1 || { cat "$WORK/rw.log"; fail "-teann_radial_width run"; }
etas=$(ncdump -v radial_width "$WORK/rw/model.nc" | sed -n '/^ radial_width =/,/;/p' | tr -d ' ;' | sed 's/radial_width=//' | tr ',' '\n' | grep -v '^$')
[ "$(echo "$etas" | wc -l)" -eq 8 ] || fail "expected 2 elements x 4 waves of radial_width, got: $etas"
[ "$(echo "$etas" | sort -u)" = 1.75 ] || fail "radial_width is not 1.75 everywhere: $etas"
echo "ok: -teann_radial_width"

# separate validation and test files; a nested output directory that does not exist yet
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/valid.xyz"
head -n 1000 "$DATA/water_hf_800.xyz" | tail -n 250 > "$WORK/test.xyz"
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/methanol_hf_240.xyz" -teann_valid "$WORK/valid.xyz" -teann_test "$WORK/test.xyz" \
  -teann_hidden 8 -teann_nwave 4 -tao_max_it 3 -teann_output_dir "$WORK/a/b/c" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "separate files"; }
grep -q ' 240 train, 100 validation, 50 test frames; elements H C O' "$WORK/log" || { head -3 "$WORK/log"; fail "separate validation/test files not used"; }
grep -q '^ *dipole *test *50 ' "$WORK/log" || fail "no test row"
[ -s "$WORK/a/b/c/model.nc" ] && [ -s "$WORK/a/b/c/predictions.nc" ] || fail "outputs not written to the new directory"
echo "ok: separate validation and test files"

# early stopping: the summary reports the best-validation parameters, and patience stops the fit
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_hidden 8 -teann_nwave 4 -tao_max_it 200 -teann_patience 3 \
  -teann_valid_fraction 0.05 -teann_output_dir "$WORK/es" > "$WORK/es.log" 2>&1 || { cat "$WORK/es.log"; fail "early stopping run"; }
read -r n why best < <(sed -n 's/.*stopped after \([0-9]*\) iterations: \([A-Z_]*\); best validation at iteration \([0-9]*\).*/\1 \2 \3/p' "$WORK/es.log")
[ -n "$best" ] || fail "no stop line"
if [ "$why" = CONVERGED_USER ]; then [ $((n - best)) -eq 3 ] || fail "patience 3 but stopped $((n - best)) iterations after the best"
  grep -q "best validation at iteration $best (no lower validation error for 3 iterations: -teann_patience)" "$WORK/es.log" || fail "the stop line does not say the patience stopped the fit"
else [ "$n" -eq 200 ] || fail "stopped at $n: $why"; fi
vbest=$(awk -v b="$best" '$1==b && NF>=6 {print $5}' "$WORK/es.log")
vsum=$(awk '$1=="dipole" && $2=="valid" {print $4}' "$WORK/es.log")
close_rel "$vbest" "$vsum" 1e-5 || fail "summary validation RMSE $vsum is not the best iteration's $vbest"
echo "ok: early stopping ($why after $n iterations, best $best)"

# model.nc round trip: hyperparameters, parameters and predictions bit for bit
"$BIN/tests/test-fit-modelio" -data "$DATA/water_hf_800.xyz" -out "$WORK/rt.nc" -teann_properties $props -teann_hidden 12,10 -teann_activation tanh -teann_fix_radial || fail "round trip (water)"
"$BIN/tests/test-fit-modelio" -data "$DATA/qm7x_chno_100.xyz" -out "$WORK/rt2.nc" -teann_properties $props -teann_hidden 8 -teann_lmax 3 -teann_charge_neutral || fail "round trip (qm7x)"
expect_error "not a teann model" "$BIN/tests/test-fit-modelio" -read "$WORK/a/b/c/predictions.nc"
echo "ok: options and model.nc round trip"
