#!/bin/bash
# The Slurm restart chain resubmitted itself with `sbatch "$0"`: the options of the first sbatch
# command line (-p, -A, --qos, --time) were lost, and $0 is Slurm's spooled copy of the script,
# deleted with the job, so the "resume with" path it printed did not exist. Now every link is
# submitted with the first one's options (scontrol show job) and the submitted script's path.
# Run through tests/fake-scheduler (sbatch records each command line; scontrol; the spooled
# copy is removed when the job ends) with the stand-in teann-train.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/jobscript-common.sh" || exit 99
export TEANN_TRAIN=$FAKE/fake-teann-train FAKE_SIGNAL_AFTER=1.5 FAKE_TIME_LIMIT=8
OPTS="-p debug -A proj42 --qos high --time 00:30:00"

# a chain of several links, submitted with options on the command line
newrun options
FAKE_TRAIN_STEPS=40 sbatch $OPTS slurm-restart-chain.sh > /dev/null || fail "sbatch"
wait_jobs 60
n=$(njobs)
[ "$(cat fit-output/teann-train.status)" = finished ] || fail "chain status $(cat fit-output/teann-train.status)"
[ "$n" -ge 2 ] || fail "the chain was never resubmitted ($n job)"
grep '^sbatch-argv' "$FAKE_SCHED_DIR/log"
# every resubmission: the same options, the script the user submitted (not the spooled copy)
[ "$(grep -c "^sbatch-argv [0-9]*: $OPTS --export=ALL,TEANN_LINK=[0-9]* $RUN/slurm-restart-chain.sh\$" "$FAKE_SCHED_DIR/log")" -eq $((n - 1)) ] \
  || fail "a resubmission lost the first command line's options or the script's path"
grep -q 'slurm_script' "$FAKE_SCHED_DIR/log" && fail "the spooled copy was resubmitted"
# ... and so every job ran with them (what scontrol reports for it)
for f in "$FAKE_SCHED_DIR"/*.job; do
  grep -q "Account=proj42 QOS=high Partition=debug TimeLimit=00:30:00 " "$f" || fail "job $(basename "$f" .job): $(cat "$f")"
done
grep -q '^chain link 1: longest iteration [0-9]* s, signal margin 120 s$' slurm-*.out || fail "no longest-iteration line"
echo "ok: $n links, all with '$OPTS' and $RUN/slurm-restart-chain.sh"

# an iteration longer than half the signal margin is reported (1.2 s steps, a 1 s margin)
newrun margin
sed -i 's/^#SBATCH --signal=.*/#SBATCH --signal=B:USR1@1/' slurm-restart-chain.sh
FAKE_TRAIN_STEPS=4 FAKE_TRAIN_STEP=1.2 FAKE_SIGNAL_AFTER=3.1 sbatch slurm-restart-chain.sh > /dev/null
wait_jobs 60
grep -q 'WARNING: an iteration took [0-9]* s, more than half the signal margin of 1 s: raise --signal=B:USR1@' slurm-*.out || { cat slurm-*.out; fail "no warning about the margin"; }
echo "ok: margin warning"

# MAX_LINKS: the printed command resumes the chain as it was submitted, from a file that exists
newrun resume
FAKE_TRAIN_STEPS=100 MAX_LINKS=2 sbatch $OPTS slurm-restart-chain.sh > /dev/null
wait_jobs 60
[ "$(job_status)" = "0 3 " ] || fail "MAX_LINKS job exits: $(job_status)"
cmd=$(sed -n 's/.*reached with the fit unfinished; resume with: //p' slurm-*.out)
echo "printed: $cmd"
[ "$cmd" = "cd $RUN && sbatch $OPTS --export=ALL,TEANN_LINK=3,MAX_LINKS=12 $RUN/slurm-restart-chain.sh" ] || fail "resume command: '$cmd'"
script=${cmd##* }
[ -f "$script" ] || fail "the printed script $script does not exist after the job"
unset MAX_LINKS
(cd / && eval "FAKE_TRAIN_STEPS=40 $cmd") > /dev/null || fail "the printed command failed"
wait_jobs 60
[ "$(cat fit-output/teann-train.status)" = finished ] || fail "the resumed chain did not finish"
check_continuity fit-output/fake-train.log
echo "ok: the printed resume command works after the jobs are gone ($(njobs) jobs)"

# without scontrol: the spooled copy, with a message (and the options given by hand)
newrun noscontrol
mkdir -p bin && printf '#!/bin/sh\nexit 1\n' > bin/scontrol && chmod +x bin/scontrol
PATH=$RUN/bin:$PATH FAKE_TRAIN_STEPS=20 sbatch $OPTS --export=ALL,CHAIN_SBATCH_OPTS="-p debug" slurm-restart-chain.sh > /dev/null
wait_jobs 60
[ "$(cat fit-output/teann-train.status)" = finished ] || fail "no-scontrol chain status"
grep -q 'cannot find the submitted script (scontrol); resubmitting the spooled copy' slurm-*.out || fail "no message without scontrol"
grep -q "^sbatch-argv [0-9]*: -p debug --export=ALL,TEANN_LINK=2 " "$FAKE_SCHED_DIR/log" || fail "CHAIN_SBATCH_OPTS given by hand not used"
echo "ok: without scontrol"
