#!/bin/bash
# The checkpoint rotation renames checkpoint.nc to checkpoint.prev.nc, then checkpoint.new.nc to
# checkpoint.nc. A job killed between the two renames left checkpoint.new.nc (the newest) and
# checkpoint.prev.nc; restart called checkpoint.nc damaged and went back to the older one. Now
# the newest sound file of the three is taken, and the log says which. The files are arranged
# by hand from a short fit's checkpoints (iterations 8 and 12).
. "$top_srcdir/tests/common.sh"
cd "$top_srcdir"
OPTS="-teann_data input/data/water_hf_800.xyz -teann_properties dipole -teann_hidden 16,16 -tao_type bqnls"
mpirun_np 2 "$BIN/teann-train" $OPTS -tao_max_it 12 -teann_checkpoint_every 4 -teann_output_dir "$WORK/c" > "$WORK/c.log" 2>&1 || { cat "$WORK/c.log"; fail "first fit"; }
C12=$WORK/c/checkpoint.nc C8=$WORK/c/checkpoint.prev.nc
ncdump -h "$C8" | grep -q ':iteration = 8LL' || fail "checkpoint.prev.nc is not of iteration 8"
D=$WORK/d
# arrange FILE=SOURCE ... : a fresh directory holding just these
arrange() { rm -rf "$D"; mkdir -p "$D"; for a in "$@"; do cp "${a#*=}" "$D/${a%%=*}"; done; }
flip() { "${PYTHON3:-python3}" -c 'import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); o = len(d) * 3 // 5
for i in range(o, o + 16): d[i] ^= 0x5A
open(p, "wb").write(d)' "$1"; }
restart() { mpirun_np 2 "$BIN/teann-train" -teann_restart "$D/checkpoint.nc" -tao_max_it 14 -teann_output_dir "$WORK/r" > "$WORK/$1.log" 2>&1 || { tail -n 30 "$WORK/$1.log"; fail "$1: restart failed"; }; }
# expect LOG TEXT: the log has the line
expect() { grep -qF -- "$2" "$WORK/$1.log" || { grep -i 'warning\|restart' "$WORK/$1.log" | head; fail "$1: '$2' missing"; }; }

# killed between the renames: checkpoint.new.nc (12) and checkpoint.prev.nc (8), no checkpoint.nc
arrange checkpoint.new.nc="$C12" checkpoint.prev.nc="$C8"
restart between
expect between "WARNING: the last checkpoint rotation was interrupted: $D/checkpoint.nc is missing; restarting from the newer checkpoint $D/checkpoint.new.nc (iteration 12), the newest sound one ($D/checkpoint.prev.nc: sound, iteration 8)"
expect between "restart: continuing from $D/checkpoint.new.nc at iteration 12"
echo "ok: killed between the renames -> checkpoint.new.nc"

# killed before the first rename: checkpoint.nc (8) is older than checkpoint.new.nc (12)
arrange checkpoint.nc="$C8" checkpoint.new.nc="$C12" checkpoint.prev.nc="$C8"
restart before
expect before "restart: continuing from $D/checkpoint.new.nc at iteration 12"
echo "ok: killed before the first rename -> checkpoint.new.nc"

# the newer file is damaged: the previous one, and the log names both
arrange checkpoint.new.nc="$C12" checkpoint.prev.nc="$C8"
flip "$D/checkpoint.new.nc"
restart damagednew
expect damagednew "WARNING: checkpoint $D/checkpoint.nc is missing (no such file); restarting from the previous checkpoint $D/checkpoint.prev.nc (iteration 8); $D/checkpoint.new.nc is unusable too: checksum mismatch"
expect damagednew "restart: continuing from $D/checkpoint.prev.nc at iteration 8"
echo "ok: damaged checkpoint.new.nc -> checkpoint.prev.nc"

# a stale, older checkpoint.new.nc does not displace a sound checkpoint.nc
arrange checkpoint.nc="$C12" checkpoint.new.nc="$C8" checkpoint.prev.nc="$C8"
restart stale
expect stale "restart: continuing from $D/checkpoint.nc at iteration 12"
grep -q WARNING "$WORK/stale.log" && fail "stale: a warning although checkpoint.nc is the newest"
echo "ok: older checkpoint.new.nc ignored"

# nothing sound: the error names all three
arrange checkpoint.new.nc="$C12"
flip "$D/checkpoint.new.nc"
expect_error "cannot restart: checkpoint $D/checkpoint.nc is unusable (no such file) and so is the previous one $D/checkpoint.prev.nc (no such file); the unfinished rotation's $D/checkpoint.new.nc too (checksum mismatch" \
  mpirun_np 2 "$BIN/teann-train" -teann_restart "$D/checkpoint.nc" -teann_output_dir "$WORK/r"
