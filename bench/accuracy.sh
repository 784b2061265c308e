#!/bin/bash
# One accuracy benchmark run (bench/accuracy.md): run from the project root,
#   bench/accuracy.sh BUILD_DIR NP OUTDIR teann-train-options...
# prints the test RMSE per property, the wall and CPU time of the run, and the
# first wall time (history.txt, since the fit started) at which the validation
# RMSE reached each target: dipole 0.001 0.0005 0.0004 e*A, polarizability
# 0.006 0.005 0.0043 0.002 A^3 ("-" where never).
set -u
build=$1 np=$2 out=$3; shift 3
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p "$out"
/usr/bin/time -f "%e %U %S" -o "$out/time" mpiexec -n "$np" "$build/teann-train" "$@" -teann_output_dir "$out" > "$out/log" 2>&1 || { tail "$out/log"; exit 1; }
read wall usr sys < "$out/time"
printf "wall %.1f s  cpu %.1f s  its %s  restarts %s\n" "$wall" "$(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}')" \
  "$(awk '!/^#/ {n=$1} END {print n}' "$out/history.txt")" "$(grep -c 'line search failed' "$out/log")"
awk '$2=="test" && ($1=="dipole" || $1 ~ /^polarizability/) {printf "  test %-20s %s\n", $1, $4}' "$out/log"
awk 'NR==2 { for (k = 1; k <= NF; k++) col[$k] = k - 1 }
     !/^#/ { t = $col["wall_time"]
             if ("dipole_rmse_valid" in col) { v = $col["dipole_rmse_valid"]; split("0.001 0.0005 0.0004", T, " ")
               for (q = 1; q <= 3; q++) if (!(("d" q) in hit) && v <= T[q]) { hit["d" q] = 1; d[q] = t } }
             if ("polarizability_rmse_valid" in col) { v = $col["polarizability_rmse_valid"]; split("0.006 0.005 0.0043 0.002", P, " ")
               for (q = 1; q <= 4; q++) if (!(("p" q) in hit) && v <= P[q]) { hit["p" q] = 1; p[q] = t } } }
     END { if ("dipole_rmse_valid" in col) printf "  valid dipole reached 0.001 / 0.0005 / 0.0004 at %s / %s / %s s\n", (1 in d) ? d[1] : "-", (2 in d) ? d[2] : "-", (3 in d) ? d[3] : "-"
           if ("polarizability_rmse_valid" in col) printf "  valid polarizability reached 0.006 / 0.005 / 0.0043 / 0.002 at %s / %s / %s / %s s\n", (1 in p) ? p[1] : "-", (2 in p) ? p[2] : "-", (3 in p) ? p[3] : "-", (4 in p) ? p[4] : "-" }' "$out/history.txt"
