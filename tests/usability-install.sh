#!/bin/bash
# "make install" with a prefix other than the one the tree was built for (hardening item 18):
# the installed programs must find the installed libteann.so.0 (libtool's run path is the
# libdir at link time; src/libdir.stamp relinks when it changes). Installs from a copy of the
# build tree into a temporary prefix, then runs the installed programs.
. "$top_srcdir/tests/common.sh"
[ "$(cd "$top_srcdir" && pwd -P)" = "$(cd "$top_builddir" && pwd -P)" ] || { echo "needs an in-tree build"; exit 77; }
tar -C "$top_builddir" --exclude=./.git --exclude='./tests/*.log' --exclude='./tests/*.trs' -cf - . | tar -C "$WORK" --one-top-level=tree -xf - || fail "copying the build tree"
# the copy must not write into the original tree (libtool's relink commands name their directory)
make -C "$WORK/tree" -s install prefix="$WORK/p" > "$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; fail "make install prefix=$WORK/p"; }
env -u LD_LIBRARY_PATH "$WORK/p/bin/teann-predict" --version > "$WORK/v" 2>&1 || { cat "$WORK/v"; fail "installed teann-predict --version"; }
grep -q "teann-predict (teann)" "$WORK/v" || fail "installed teann-predict --version prints no version"
head -n 100 "$DATA/water_hf_800.xyz" > "$WORK/w.xyz"
env -u LD_LIBRARY_PATH "$WORK/p/bin/teann-train" -teann_data "$WORK/w.xyz" -teann_hidden 4 -teann_nwave 2 -tao_max_it 2 -teann_output_dir "$WORK/fit" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "installed teann-train"; }
env -u LD_LIBRARY_PATH "$WORK/p/bin/teann-predict" -teann_model "$WORK/fit/model.nc" -teann_data "$WORK/w.xyz" -teann_output "$WORK/p.xyz" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "installed teann-predict"; }
[ "$(grep -c '^dipole_pred=' "$WORK/p.xyz")" -eq 20 ] || fail "installed teann-predict: not 20 predicted frames"
ldd "$WORK/p/bin/.libs/teann-predict" "$WORK/p/bin/teann-predict" 2>/dev/null | grep libteann | grep -q "$WORK/p/lib" || { ldd "$WORK/p/bin/teann-predict" | grep teann; fail "the installed program does not load the installed libteann.so.0"; }
echo "ok: installed into a new prefix, programs run: $(cat "$WORK/v")"
