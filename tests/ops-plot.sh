#!/bin/bash
# teann-plot: from a small fit's predictions.nc and history.nc (dipole and polarizability;
# quadrupole and hyperpolarizability), and from a teann-predict NetCDF output, it writes
# non-empty PNG files and prints their paths; bad inputs are refused.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/common.sh" || exit 99

if ! /usr/bin/python3 -c 'import numpy, netCDF4, matplotlib' 2> "$WORK/py.err"; then
  echo "SKIP: teann-plot needs /usr/bin/python3 with numpy, netCDF4 and matplotlib (apt-get install python3-netcdf4 python3-matplotlib): $(tail -1 "$WORK/py.err")"
  exit 77
fi
[ -x "$BIN/teann-plot" ] || fail "$BIN/teann-plot not built"

is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability \
  -teann_hidden 8 -tao_max_it 10 -teann_output_dir "$WORK/fit" > "$WORK/train.log" 2>&1 || { cat "$WORK/train.log"; fail "teann-train"; }

# teann-plot DIR: three plots next to the outputs
"$BIN/teann-plot" "$WORK/fit" > "$WORK/out1" || fail "teann-plot DIR"
cat "$WORK/out1"
for f in parity-dipole parity-polarizability learning-curves; do
  grep -qx "$WORK/fit/$f.png" "$WORK/out1" || fail "$f.png not reported"
  is_png "$WORK/fit/$f.png" || fail "$WORK/fit/$f.png is not a PNG"
done
[ "$(wc -l < "$WORK/out1")" -eq 3 ] || fail "expected 3 paths"

# files and -o, a teann-predict output (no subsets) with references
mpirun_np 2 "$BIN/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$DATA/water_hf_800.xyz" \
  -teann_output "$WORK/w.nc" > /dev/null || fail "teann-predict"
"$BIN/teann-plot" "$WORK/w.nc" "$WORK/fit/history.nc" -o "$WORK/plots/new" > "$WORK/out2" || fail "teann-plot FILES -o DIR"
cat "$WORK/out2"
for f in parity-dipole parity-polarizability learning-curves; do
  is_png "$WORK/plots/new/$f.png" || fail "$f.png missing with -o"
done

# rank 2 and rank 3 (quadrupole, hyperpolarizability): their parity plots and learning curves
mpirun_np 2 "$BIN/teann-train" -teann_data "$DATA/water_hf_rank3.xyz" -teann_properties quadrupole,hyperpolarizability \
  -teann_hidden 8,8 -tao_max_it 20 -teann_output_dir "$WORK/fit3" > "$WORK/train3.log" 2>&1 || { cat "$WORK/train3.log"; fail "teann-train rank 3"; }
"$BIN/teann-plot" "$WORK/fit3" > "$WORK/out3" || fail "teann-plot DIR (rank 3)"
cat "$WORK/out3"
for f in parity-quadrupole parity-hyperpolarizability learning-curves; do
  grep -qx "$WORK/fit3/$f.png" "$WORK/out3" || fail "$f.png not reported (rank 3)"
  is_png "$WORK/fit3/$f.png" || fail "$WORK/fit3/$f.png is not a PNG"
done
[ "$(wc -l < "$WORK/out3")" -eq 3 ] || fail "expected 3 paths (rank 3)"

# two files of the same name (a/predictions.nc, b/predictions.nc): neither's plots replace the other's
mkdir -p "$WORK/a" "$WORK/b" "$WORK/ens"
cp "$WORK/fit/predictions.nc" "$WORK/a/"; cp "$WORK/fit/predictions.nc" "$WORK/b/"
"$BIN/teann-plot" "$WORK/a/predictions.nc" "$WORK/b/predictions.nc" -o "$WORK/two" > "$WORK/out4" || fail "teann-plot a/predictions.nc b/predictions.nc"
[ "$(sort -u "$WORK/out4" | wc -l)" -eq 4 ] || { cat "$WORK/out4"; fail "two same-named files: expected 4 distinct plots"; }
for f in $(cat "$WORK/out4"); do is_png "$f" || fail "$f is not a PNG"; done
# an ensemble's directory: the members' histories (history-member<k>.nc), one learning curve each
cp "$WORK/fit/history.nc" "$WORK/ens/history-member0.nc"; cp "$WORK/fit/history.nc" "$WORK/ens/history-member1.nc"
"$BIN/teann-plot" "$WORK/ens" > "$WORK/out5" || fail "teann-plot on an ensemble's directory"
for k in 0 1; do is_png "$WORK/ens/history-member$k-learning-curves.png" || { cat "$WORK/out5"; fail "member $k's learning curves"; }; done

# not a teann file, missing file, not a NetCDF file: a message and a non-zero exit
expect_error "keep.xyz: not a NetCDF file" "$BIN/teann-plot" "$(cp "$DATA/water_hf_800.xyz" "$WORK/keep.xyz"; echo "$WORK/keep.xyz")"
expect_error "neither a predictions file" "$BIN/teann-plot" "$WORK/fit/model.nc" -o "$WORK/x"
expect_error "no such file or directory" "$BIN/teann-plot" "$WORK/nothing.nc"
mkdir "$WORK/empty"
expect_error "no predictions.nc, history.nc or history-member<k>.nc" "$BIN/teann-plot" "$WORK/empty"
echo "ok: teann-plot wrote $(cat "$WORK/out1" "$WORK/out2" "$WORK/out3" | wc -l) PNG files"
