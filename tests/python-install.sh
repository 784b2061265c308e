#!/bin/bash
# make install of the C API and the Python module into a prefix other than the build's (from a
# copy of the build tree, as tests/usability-install.sh): the installed module loads the
# installed libteann (not the build tree's), and the Python and C examples of doc/api.md run
# as written against the installed files (the C one compiled with pkg-config), printing the
# same dipole.
. "$top_srcdir/tests/common.sh"
# an ASan-built libteann cannot be loaded into python3, which lacks the ASan runtime
[ "${TEANN_SANITIZE:-no}" != yes ] || { echo "skipped in the sanitizer build"; exit 77; }
[ "$(cd "$top_srcdir" && pwd -P)" = "$(cd "$top_builddir" && pwd -P)" ] || { echo "needs an in-tree build"; exit 77; }
"$PYTHON3" -c "import numpy" 2> /dev/null || { echo "needs python3-numpy"; exit 77; }
command -v cc > /dev/null && command -v pkg-config > /dev/null || { echo "needs cc and pkg-config"; exit 77; }
tar -C "$top_builddir" --exclude=./.git --exclude='./tests/*.log' --exclude='./tests/*.trs' -cf - . | tar -C "$WORK" --one-top-level=tree -xf - || fail "copying the build tree"
make -C "$WORK/tree" -s install prefix="$WORK/p" > "$WORK/install.log" 2>&1 || { tail -20 "$WORK/install.log"; fail "make install prefix=$WORK/p"; }
[ -f "$WORK/p/include/teann/teann_api.h" ] || fail "teann_api.h not installed"
pydir=$(dirname "$(find "$WORK/p/lib" -path '*/teann/__init__.py' | head -1)")
[ -f "$pydir/_libdir.py" ] || fail "the module was not installed with its _libdir.py (found: $pydir)"
rm -rf "$WORK/tree" # nothing of the build tree may be needed from here on

# the two examples of doc/api.md, with the model at the path they use
mpirun_np 2 "$WORK/p/bin/teann-train" -teann_data "$DATA/water_hf_800.xyz" -teann_properties dipole,polarizability -teann_hidden 8,8 -teann_nwave 4 -tao_max_it 5 -teann_output_dir "$WORK/example-output" > "$WORK/log" 2>&1 || { cat "$WORK/log"; fail "installed teann-train"; }
for lang in python c; do
  awk -v tag="<!-- api-example: $lang -->" '$0 == tag {want = 1; next} want && /^```/ {if (on) exit; on = 1; next} on {print}' "$top_srcdir/doc/api.md" > "$WORK/example.$lang"
  [ -s "$WORK/example.$lang" ] || fail "no $lang example in doc/api.md"
done
cd "$WORK" || fail "cd $WORK"
PYTHONPATH=$(dirname "$pydir") env -u LD_LIBRARY_PATH -u TEANN_LIBRARY "$PYTHON3" - > py.out 2>&1 << EOF2 || { cat py.out; fail "the Python example of doc/api.md"; }
import teann
assert teann.library_path == "$WORK/p/lib/libteann.so.0", teann.library_path
exec(open("example.python").read())
print("DIPOLE %.6f %.6f %.6f" % tuple(out["dipole"]))
EOF2
cat py.out
cp example.c predict.c
# teann.pc names the configured prefix; "make install prefix=DIR" does not rewrite it
pc="pkg-config --define-variable=prefix=$WORK/p"
PKG_CONFIG_PATH="$WORK/p/lib/pkgconfig" cc predict.c $(PKG_CONFIG_PATH="$WORK/p/lib/pkgconfig" $pc --cflags --libs teann) -Wl,-rpath,"$WORK/p/lib" -o predict > cc.out 2>&1 || { cat cc.out; fail "the C example of doc/api.md does not compile with pkg-config"; }
env -u LD_LIBRARY_PATH ./predict > c.out 2>&1 || { cat c.out; fail "the C example of doc/api.md"; }
cat c.out
ldd ./predict | grep -q "$WORK/p/lib/libteann.so.0" || fail "the C example does not load the installed library"
[ "$(sed -n 's/^DIPOLE //p' py.out)" = "$(sed -n 's/^dipole \(.*\) e\*Angstrom$/\1/p' c.out)" ] || fail "the Python and C examples print different dipoles"
echo "ok: installed C API and Python module; the examples of doc/api.md run"
