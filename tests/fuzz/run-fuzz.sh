#!/bin/bash
# Long fuzz run of the readers (doc/fuzzing.md): the libFuzzer targets of `make fuzz`, each for
# SECONDS (default 1800) with its own working corpus under DIR (default fuzz-work/), seeded from
# tests/fuzz/corpus and tests/bad; crashes land in DIR/TARGET/crash-*. Targets in parallel.
#   tests/fuzz/run-fuzz.sh [SECONDS [DIR [TARGET...]]]      TARGET: xyz eann netcdf
set -u
cd "$(dirname "$0")/../.."
secs=${1:-1800} dir=${2:-fuzz-work}; shift 2 2> /dev/null || shift $#
targets=${*:-xyz eann netcdf}
for t in $targets; do
  [ -x tests/fuzz/fuzz-$t ] || { echo "tests/fuzz/fuzz-$t missing: make fuzz first" >&2; exit 2; }
done
pids=
for t in $targets; do
  mkdir -p "$dir/$t/corpus"
  seeds=tests/fuzz/corpus/$t; [ "$t" = netcdf ] || seeds="$seeds tests/bad"
  ( cd "$dir/$t" && exec "$OLDPWD/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
      -dict="$OLDPWD/tests/fuzz/readers.dict" -print_final_stats=1 -artifact_prefix=./ corpus \
      $(for s in $seeds $OLDPWD/tests/fuzz/regressions; do case $s in /*) echo "$s";; *) echo "$OLDPWD/$s";; esac; done) > fuzz.log 2>&1 ) &
  pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
for t in $targets; do
  echo "== $t: $(grep -c . "$dir/$t/fuzz.log" > /dev/null; grep -E '^#[0-9]+' "$dir/$t/fuzz.log" | tail -1)"
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$dir/$t/fuzz.log"
  ls "$dir/$t" | grep -E '^(crash|leak|timeout|oom)-' || echo "   no crash, leak, timeout or oom"
done
exit $rc
