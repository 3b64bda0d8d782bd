/* Data-parallel training: the processes of one run and the few collective
 * operations the trainer needs from them. Every process holds the whole model,
 * trains on its share of each global batch, and the summed gradient makes every
 * process take the same optimiser step.
 *
 * dist_mpi.c runs them over MPI (`mpirun -np N morphvae train ...`, a build with
 * -Dmpi); dist_single.c is the one-process case. A build with MPI started
 * without a launcher is one process too. A GPU backend would implement this
 * interface over NCCL (docs/training-mpi.md). */
#ifndef MV_TRAIN_DIST_H
#define MV_TRAIN_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* Joins the run's processes (MPI_Init when started by an MPI launcher). Returns
 * 0, or -1 after a message on stderr (a launcher started several processes of a
 * build without MPI). */
int dist_init(void);
/* Leaves them (MPI_Finalize) after a run that every process finished alike. */
void dist_finish(void);

int dist_rank(void);  /* this process, 0 .. dist_size() - 1; 0 writes the files */
int dist_size(void);
/* "1 process" or "N processes (MPI)". */
const char *dist_describe(void);

/* x = the sum of every process's x, in place, the same bits on every process. */
void dist_sum_real(real *x, size_t n);
void dist_sum_double(double *x, size_t n);
/* The bitwise OR of every process's flags (to stop together). */
unsigned dist_any(unsigned flags);
/* 1 if every process passed the same value (a check that they agree). */
int dist_same(uint64_t value);
/* Process 0's n bytes at p, copied to every process. */
void dist_broadcast(void *p, size_t n);

/* This process failed (its message is on stderr). With several processes, says
 * so and ends them all (MPI_Abort with status), since the others would wait for
 * it forever; never returns. Alone, returns status. */
int dist_fail(int status);

#endif
