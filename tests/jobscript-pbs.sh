#!/bin/bash
# The PBS Pro job scripts run through the fake qsub/qstat/mpiexec of tests/fake-scheduler:
# pbs-fit.sh with the real teann-train (mapping, binding, threads), the restart chain
# with a stand-in teann-train that honours the checkpoint contract — interrupted by the
# walltime margin timer, and by SIGTERM — with its settings handed from link to link
# (qsub passes only -v variables), MAX_LINKS, and pbs-predict.sh.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/jobscript-common.sh" || exit 99

# --- a fit: one node, 2 ranks x 2 threads
newrun fit
sed -i 's/^#PBS -l select=.*/#PBS -l select=1:ncpus=4:mpiprocs=2:ompthreads=2/' pbs-fit.sh
qsub -v "TEANN_TRAIN=$BIN/teann-train" pbs-fit.sh > sub.out || fail "qsub pbs-fit.sh"
grep -q '^[0-9]*\.fakepbs$' sub.out || fail "qsub output: $(cat sub.out)"
wait_jobs 60
[ "$(job_status)" = "0 " ] || { cat teann-fit.o*; fail "fit job exit $(job_status)"; }
[ -s fit-output/model.nc ] || { cat teann-fit.o*; fail "no model.nc from pbs-fit.sh"; }
grep -q 'teann fit: 1 nodes x 2 ranks x 2 threads' teann-fit.o* || fail "fit job banner"
grep -q '^mpiexec -n 2 --map-by ppr:2:node:PE=2 --bind-to core .*teann-train -options_file fit.opts -teann_output_dir fit-output | OMP_NUM_THREADS=2 OMP_PLACES=cores OMP_PROC_BIND=close$' "$FAKE_SCHED_DIR/log" \
  || { cat "$FAKE_SCHED_DIR/log"; fail "mpiexec options or OpenMP environment"; }
MODEL=$RUN/fit-output/model.nc
echo "ok: pbs-fit.sh"

# --- chain, interrupted by the margin timer: walltime 3 s, MARGIN 1 s -> SIGUSR1 after 2 s
newrun margin
sed -i 's/^#PBS -l walltime=.*/#PBS -l walltime=00:00:03/' pbs-restart-chain.sh
# 80 steps (about 9 s): one link finishes them only if its margin signal comes 7 s late (with 40
# steps a loaded machine once let the first link finish)
export FAKE_TRAIN_STEPS=80 FAKE_TIME_LIMIT=8
qsub -v "TEANN_TRAIN=$FAKE/fake-teann-train,MARGIN=1,FAKE_TRAIN_STEPS=80" pbs-restart-chain.sh > /dev/null || fail "qsub chain"
wait_jobs 60
n=$(njobs)
cat fit-output/fake-train.log
[ "$(cat fit-output/teann-train.status)" = finished ] || { cat teann-chain.o*; fail "chain status $(cat fit-output/teann-train.status)"; }
[ "$n" -ge 2 ] && [ "$n" -le 12 ] || fail "$n links for 9 s of work interrupted every 2 s"
[ "$(job_status)" = "$(for i in $(seq "$n"); do printf '0 '; done)" ] || fail "job exits: $(job_status)"
grep -q 'walltime margin reached' teann-chain.o* || fail "the margin timer did not fire"
grep -q 'killed' "$FAKE_SCHED_DIR/log" && fail "a job ran into the walltime"
check_continuity fit-output/fake-train.log
grep -q "qsub .*vars=TEANN_LINK=$n,MAX_LINKS=20,MARGIN=1,OPTIONS=fit.opts,OUTPUT_DIR=fit-output,TEANN_TRAIN=$FAKE/fake-teann-train" "$FAKE_SCHED_DIR/log" || fail "settings not handed to link $n"
# no timer left behind: the last job finished before its margin
echo "ok: margin chain of $n links"

# --- chain, interrupted by SIGTERM (qdel / PBS at the walltime): 1.5 s into each job
newrun term
export FAKE_TERM_AFTER=1.5 FAKE_TRAIN_STEPS=80 # 80 steps: n >= 3 below fails only if links run 40 steps (4 s) before their SIGTERM (1.5 s)
qsub -v "TEANN_TRAIN=$FAKE/fake-teann-train" pbs-restart-chain.sh > /dev/null
wait_jobs 60
n=$(njobs)
[ "$(cat fit-output/teann-train.status)" = finished ] || fail "TERM chain status"
[ "$n" -ge 3 ] || fail "$n links with SIGTERM every 1.5 s"
grep -q 'SIGTERM, asking teann-train to checkpoint' teann-chain.o* || fail "SIGTERM not forwarded"
check_continuity fit-output/fake-train.log
echo "ok: SIGTERM chain of $n links"

# --- MAX_LINKS: 100 steps (about 11 s) that two links of 1.5 s cannot finish even when a loaded
# machine delays the fake scheduler's signal (with 40 steps they once did: exits "0 0")
newrun maxlinks
export FAKE_TRAIN_STEPS=100
qsub -v "TEANN_TRAIN=$FAKE/fake-teann-train,MAX_LINKS=2" pbs-restart-chain.sh > /dev/null
wait_jobs 60
[ "$(njobs)" -eq 2 ] && [ "$(job_status)" = "0 3 " ] || fail "MAX_LINKS=2: $(njobs) jobs, exits $(job_status)"
grep -q 'MAX_LINKS=2 reached with the fit unfinished; resume with: qsub -v TEANN_LINK=3' teann-chain.o* || fail "MAX_LINKS message"
echo "ok: MAX_LINKS"
unset FAKE_TERM_AFTER FAKE_TRAIN_STEPS FAKE_TIME_LIMIT

# --- prediction
newrun predict
cp "$DATA/water_hf_800.xyz" traj.xyz
qsub -v "MODEL=$MODEL,TRAJ=traj.xyz,OUT=traj-pred.xyz,TEANN_PREDICT=$BIN/teann-predict,TEANN_CONVERT=$BIN/teann-convert" pbs-predict.sh > /dev/null
wait_jobs 60
[ "$(job_status)" = "0 " ] || { cat teann-predict.o*; fail "predict job exit $(job_status)"; }
[ -s traj.nc ] && [ "$(grep -c '^3$' traj-pred.xyz)" -eq 800 ] || fail "predictions: $(grep -c '^3$' traj-pred.xyz) frames"
grep -q '^teann-predict: 800/800 frames' teann-predict.o* || fail "no progress line in the job log"
grep -q '^mpiexec -n 8 --map-by ppr:8:node:PE=4 --bind-to core .*-teann_progress 1 | OMP_NUM_THREADS=4 ' "$FAKE_SCHED_DIR/log" || fail "predict mpiexec line"
echo "ok: pbs-predict.sh"
