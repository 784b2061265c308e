#!/bin/bash
# Outputs never replace inputs or an earlier fit (hardening items 4, 5, 6): teann-predict and
# teann-convert refuse an output that is one of the inputs (same file, also through ./ or a
# symlink); a new fit refuses a directory holding model.nc or checkpoint.nc unless
# -teann_overwrite; a restart from a copied checkpoint writes next to the copy and says so first.
. "$top_srcdir/tests/common.sh"
head -n 500 "$DATA/water_hf_800.xyz" > "$WORK/w.xyz"
small="-teann_data $WORK/w.xyz -teann_hidden 4 -teann_nwave 2"
"$BIN/teann-train" $small -tao_max_it 3 -teann_checkpoint_every 1 -teann_output_dir "$WORK/a" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train"; }
cp "$WORK/w.xyz" "$WORK/w.keep"; cp "$WORK/a/model.nc" "$WORK/model.keep"

# 4: an output that is an input
cd "$WORK"
expect_error "is the input file" "$BIN/teann-predict" -teann_model a/model.nc -teann_data w.xyz -teann_output ./w.xyz
ln -s w.xyz link.xyz
expect_error "is the input file" "$BIN/teann-predict" -teann_model a/model.nc -teann_data link.xyz -teann_output w.xyz
cp a/model.nc m.nc
expect_error "is the model file" "$BIN/teann-predict" -teann_model m.nc -teann_data w.xyz -teann_output ./m.nc
expect_error "is the input file" "$BIN/teann-convert" link.xyz w.xyz
cmp -s w.xyz w.keep || fail "the input w.xyz was changed"
cmp -s m.nc model.keep || fail "the model m.nc was changed"
"$BIN/teann-convert" w.xyz w.nc > /dev/null || fail "teann-convert to another name"
expect_error "is the input file" "$BIN/teann-convert" w.nc ./w.nc
cd - > /dev/null

# 5: a new fit into a directory of an earlier one
expect_error "already holds model.nc of an earlier fit" "$BIN/teann-train" $small -tao_max_it 2 -teann_output_dir "$WORK/a"
cmp -s "$WORK/a/model.nc" "$WORK/model.keep" || fail "the earlier model.nc was replaced"
mkdir -p "$WORK/c" && cp "$WORK/a/checkpoint.nc" "$WORK/c/"
expect_error "already holds checkpoint.nc of an earlier fit" "$BIN/teann-train" $small -tao_max_it 2 -teann_output_dir "$WORK/c"
"$BIN/teann-train" $small -tao_max_it 2 -teann_output_dir "$WORK/a" -teann_overwrite > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "-teann_overwrite refused"; }
echo "ok: -teann_overwrite replaces an earlier fit"

# 6: a restart from a copied checkpoint writes next to the copy
"$BIN/teann-train" $small -tao_max_it 3 -teann_checkpoint_every 1 -teann_output_dir "$WORK/orig" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "teann-train orig"; }
cp "$WORK/orig/model.nc" "$WORK/orig.keep"
mkdir -p "$WORK/copy" && cp "$WORK/orig/checkpoint.nc" "$WORK/copy/"
"$BIN/teann-train" -teann_restart "$WORK/copy/checkpoint.nc" -tao_max_it 5 > "$WORK/restart.log" 2>&1 || { cat "$WORK/restart.log"; fail "restart from the copy"; }
head -1 "$WORK/restart.log" | grep -F -q "writing into $WORK/copy" || { head -3 "$WORK/restart.log"; fail "the first line does not say where the restart writes"; }
[ -s "$WORK/copy/model.nc" ] || fail "the restart did not write next to the copied checkpoint"
cmp -s "$WORK/orig/model.nc" "$WORK/orig.keep" || fail "the restart from a copy replaced the original run's model.nc"
"$BIN/teann-train" -teann_restart "$WORK/copy/checkpoint.nc" -tao_max_it 6 -teann_output_dir "$WORK/elsewhere" > "$WORK/restart.log" 2>&1 || { cat "$WORK/restart.log"; fail "restart into -teann_output_dir"; }
head -1 "$WORK/restart.log" | grep -F -q "writing into $WORK/elsewhere" || fail "the first line does not name -teann_output_dir"
[ -s "$WORK/elsewhere/model.nc" ] || fail "the restart ignored -teann_output_dir"
echo "ok: a copied checkpoint restarts into its own directory, or -teann_output_dir"
