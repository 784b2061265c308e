/* Job signals: the handler only stores the signal number; the fit looks at it
 * at iteration boundaries (TeannSignalsAgree), where stopping is safe. */
#include "signals.h"
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t TeannSignalReceived = 0;
static const int             TeannSignalList[3] = {SIGTERM, SIGINT, SIGUSR1};
static struct sigaction      TeannSignalOld[3];
static PetscBool             TeannSignalInstalled = PETSC_FALSE;
static int                   TeannSignalDepth     = 0; /* Installs not yet Restored */

static void TeannSignalHandler(int signo)
{
  TeannSignalReceived = signo;
}

PetscErrorCode TeannSignalsInstall(void)
{
  struct sigaction sa;

  PetscFunctionBegin;
  /* nested (an ensemble around its members' fits): the outer handlers stay, and so does a
     signal already recorded, which the next fit must see */
  if (TeannSignalDepth++ > 0) PetscFunctionReturn(0);
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = TeannSignalHandler;
  sigemptyset(&sa.sa_mask);
  /* restart interrupted system calls: MPI and file I/O go on until the next iteration boundary */
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < 3; i++) PetscCheck(sigaction(TeannSignalList[i], &sa, &TeannSignalOld[i]) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install the handler of %s", TeannSignalName(TeannSignalList[i]));
  TeannSignalReceived  = 0;
  TeannSignalInstalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSignalsRestore(void)
{
  PetscFunctionBegin;
  if (TeannSignalDepth > 0 && --TeannSignalDepth > 0) PetscFunctionReturn(0);
  if (!TeannSignalInstalled) PetscFunctionReturn(0);
  for (int i = 0; i < 3; i++) PetscCheck(sigaction(TeannSignalList[i], &TeannSignalOld[i], NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot restore the handler of %s", TeannSignalName(TeannSignalList[i]));
  TeannSignalInstalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSignalsIgnore(void)
{
  struct sigaction sa;

  PetscFunctionBegin;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < 3; i++) PetscCheck(sigaction(TeannSignalList[i], &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot ignore %s", TeannSignalName(TeannSignalList[i]));
  TeannSignalInstalled = PETSC_FALSE;
  TeannSignalDepth     = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSignalsPending(PetscMPIInt *signo)
{
  PetscFunctionBegin;
  *signo = (PetscMPIInt)TeannSignalReceived;
  PetscFunctionReturn(0);
}

PetscErrorCode TeannSignalsAgree(MPI_Comm comm, PetscMPIInt *signo)
{
  PetscMPIInt mine = (PetscMPIInt)TeannSignalReceived;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&mine, signo, 1, MPI_INT, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

const char *TeannSignalName(PetscMPIInt signo)
{
  static char buf[32];

  switch (signo) {
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGUSR1:
    return "SIGUSR1";
  default:
    (void)PetscSNPrintf(buf, sizeof(buf), "signal %d", (int)signo);
    return buf;
  }
}
