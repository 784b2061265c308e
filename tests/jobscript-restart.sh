#!/bin/bash
# The restart chains with the real teann-train (doc/restart.md). Slurm: SIGUSR1 from the
# fake sbatch, once teann-train has done 15 iterations in the job (history.txt grew by 15
# lines), is forwarded to the ranks; teann-train checkpoints and reports "interrupted"; the
# chain resubmits itself with -teann_restart until the fit has run all its iterations; the
# history then counts every iteration once, across the links. PBS: the same, with SIGTERM to
# the batch shell. (Signalled on the iterations rather than on the clock, the test does not
# depend on the machine's speed; a signal in the first moments, before teann-train handles
# them, kills it. The network is large enough (64-64, some 40 ms an iteration) that the
# scheduler's 0.1 s poll cannot miss the window on a loaded machine: with 3 ms iterations the
# whole fit once ended between two polls.)
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/jobscript-common.sh" || exit 99

newrun chain
sed -i 's/^#SBATCH --nodes=.*/#SBATCH --nodes=1/; s/^#SBATCH --ntasks-per-node=.*/#SBATCH --ntasks-per-node=2/; s/^#SBATCH --cpus-per-task=.*/#SBATCH --cpus-per-task=1/' slurm-restart-chain.sh
printf '%s\n' "-teann_data $DATA/water_hf_800.xyz" "-teann_hidden 64,64" "-tao_type bqnls" "-tao_max_it 150" > fit.opts
export TEANN_TRAIN=$BIN/teann-train FAKE_SIGNAL_WHEN=$RUN/fit-output/history.txt FAKE_SIGNAL_LINES=15 FAKE_SIGNAL_AFTER=0 FAKE_TIME_LIMIT=$(tscale 600)
sbatch slurm-restart-chain.sh > /dev/null || fail "sbatch"
wait_jobs 900
n=$(njobs)
grep -h '^chain link' slurm-*.out
[ "$(cat fit-output/teann-train.status)" = finished ] || { tail -n 30 slurm-*.out; fail "status $(cat fit-output/teann-train.status) after $n jobs"; }
[ "$(job_status)" = "$(for i in $(seq "$n"); do printf '0 '; done)" ] || fail "job exits: $(job_status)"
[ "$n" -ge 2 ] || fail "the fit was never interrupted ($n job): make it longer"
[ "$(grep -c "teann-train exit 0, status 'interrupted'" slurm-*.out | awk -F: '{s += $NF} END {print s}')" -eq $((n - 1)) ] || fail "interrupted links"
grep -q '^srun .*-teann_restart fit-output/checkpoint.nc' "$FAKE_SCHED_DIR/log" || fail "no restart link"
[ -s fit-output/model.nc ] && [ -s fit-output/checkpoint.nc ] || fail "outputs"
# every iteration 0..150 once in history.nc, in order, over all links
its=$(ncdump -v iteration fit-output/history.nc | sed -n '/^ iteration =/,/;/p' | tr -dc '0-9,\n' | tr ',' '\n' | grep -v '^$')
[ "$(echo "$its" | wc -l)" -eq 151 ] && [ "$(echo "$its" | head -1)" -eq 0 ] && [ "$(echo "$its" | tail -1)" -eq 150 ] \
  || fail "history.nc iterations: $(echo "$its" | wc -l) records, $(echo "$its" | head -1)..$(echo "$its" | tail -1)"
echo "$its" | awk 'NR > 1 && $1 != p + 1 {exit 1} {p = $1}' || fail "history.nc iterations not consecutive"
echo "ok: real teann-train Slurm chain of $n links, 151 history records"
unset TEANN_TRAIN FAKE_SIGNAL_AFTER

newrun pbs
sed -i 's/^#PBS -l select=.*/#PBS -l select=1:ncpus=2:mpiprocs=2:ompthreads=1/' pbs-restart-chain.sh
export FAKE_SIGNAL_WHEN=$RUN/fit-output/history.txt FAKE_SIGNAL_LINES=15 FAKE_TERM_AFTER=0
printf '%s\n' "-teann_data $DATA/water_hf_800.xyz" "-teann_hidden 64,64" "-tao_type bqnls" "-tao_max_it 150" > fit.opts
qsub -v "TEANN_TRAIN=$BIN/teann-train" pbs-restart-chain.sh > /dev/null || fail "qsub"
wait_jobs 900
n=$(njobs)
grep -h '^chain link' teann-chain.o*
[ "$(cat fit-output/teann-train.status)" = finished ] || fail "PBS chain status $(cat fit-output/teann-train.status) after $n jobs"
[ "$(job_status)" = "$(for i in $(seq "$n"); do printf '0 '; done)" ] || fail "PBS job exits: $(job_status)"
[ "$n" -ge 2 ] || fail "the PBS fit was never interrupted"
its=$(ncdump -v iteration fit-output/history.nc | sed -n '/^ iteration =/,/;/p' | tr -dc '0-9,\n' | tr ',' '\n' | grep -v '^$')
[ "$(echo "$its" | wc -l)" -eq 151 ] && echo "$its" | awk 'NR > 1 && $1 != p + 1 {exit 1} {p = $1}' || fail "PBS chain history.nc iterations"
grep -q 'SIGTERM, asking teann-train to checkpoint' teann-chain.o* || fail "PBS chain: no SIGTERM"
echo "ok: real teann-train PBS chain of $n links"
