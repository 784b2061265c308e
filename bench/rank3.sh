#!/bin/bash
# Rank-3 fit benchmark runs (bench/rank3.md), run from the project root.
#   bench/rank3.sh fit  BUILD_DIR NP OUTDIR teann-train-options...
#       one fit: prints the wall/CPU time, iterations, line-search restarts,
#       the test RMSE of every property (best-validation model) and, from
#       history.txt, the wall time since the fit started (and the iteration) at
#       which the validation RMSE first reached each target ("-" where never):
#       quadrupole 0.0015 e*A^2, hyperpolarizability 0.12 au, dipole 0.0004 e*A,
#       polarizability 0.002 A^3.
#   bench/rank3.sh eval BUILD_DIR ROUNDS SECONDS
#       bench-eval on input/data/water_hf_rank3.xyz, one thread, polarizability,
#       quadrupole and hyperpolarizability interleaved for ROUNDS rounds of
#       SECONDS each; prints every run, the medians and the ratios to the
#       polarizability (per CPU second and per wall second).
set -u
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mode=$1; shift
if [ "$mode" = fit ]; then
  build=$1 np=$2 out=$3; shift 3
  mkdir -p "$out"
  /usr/bin/time -f "%e %U %S" -o "$out/time" mpiexec -n "$np" "$build/teann-train" "$@" -teann_output_dir "$out" > "$out/log" 2>&1 || { tail "$out/log"; exit 1; }
  read wall usr sys < "$out/time"
  printf "wall %.1f s  cpu %.1f s  its %s  restarts %s  load %s\n" "$wall" "$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}')" \
    "$(awk '!/^#/ {n=$1} END {print n}' "$out/history.txt")" "$(grep -c 'line search failed' "$out/log")" "$(cut -d' ' -f1-3 /proc/loadavg)"
  grep -E '^TAO .* stopped' "$out/log" | sed 's/^/  /'
  awk '$2=="test" && $1 !~ /_iso$|_aniso$/ {printf "  test %-20s %s\n", $1, $4}' "$out/log"
  awk 'NR==2 { for (k = 1; k <= NF; k++) col[$k] = k - 1
               n = split("dipole polarizability quadrupole hyperpolarizability", P, " "); split("0.0004 0.002 0.0015 0.12", T, " ") }
       !/^#/ { for (q = 1; q <= n; q++) { c = P[q] "_rmse_valid"
                 if ((c in col) && !(q in hit) && $col[c] <= T[q]) { hit[q] = 1; at[q] = sprintf("%s s (it %s)", $col["wall_time"], $1) } } }
       END { for (q = 1; q <= n; q++) if ((P[q] "_rmse_valid") in col) printf "  valid %-20s reached %s at %s\n", P[q], T[q], (q in hit) ? at[q] : "-" }' "$out/history.txt"
elif [ "$mode" = eval ]; then
  build=$1 rounds=$2 secs=$3
  for r in $(seq "$rounds"); do
    for p in polarizability quadrupole hyperpolarizability; do
      line=$("$build/bench/bench-eval" -data input/data/water_hf_rank3.xyz -teann_properties $p -time "$secs") || exit 1
      echo "$p $line" | awk -v r="$r" '{for (k = 1; k <= NF; k++) if ($k == "configurations/s") w = $(k-1); else if ($k == "CPU") c = $(k-2)
                                     printf "round %s %-20s wall %8.0f/s  cpu %8.0f/s\n", r, $1, w, c}'
    done
  done | tee /dev/stderr | awk '{w[$3] = w[$3] " " $5; c[$3] = c[$3] " " $7}
    function med(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
                                      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { pa = med(c["polarizability"]); pw = med(w["polarizability"])
          for (p in c) printf "median %-20s cpu %8.0f/s  wall %8.0f/s  cost/alpha cpu %.2f  wall %.2f\n", p, med(c[p]), med(w[p]), pa / med(c[p]), pw / med(w[p]) }'
else
  echo "usage: bench/rank3.sh fit BUILD NP OUTDIR options... | eval BUILD ROUNDS SECONDS" >&2; exit 2
fi
