/* The processes of a run over MPI. MPI is joined only when an MPI launcher
 * (mpirun, mpiexec) started this process, so a plain `morphvae train` is one
 * process and never touches MPI. Gradients are summed with MPI_Allreduce in
 * place; MPI's default error handler ends the job on any communication error. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist.h"

static int joined, rank, size = 1;
static char description[64] = "1 process";

static int started_by_launcher(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

int dist_init(void)
{
    if (!started_by_launcher()) return 0;
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    joined = 1;
    snprintf(description, sizeof description, "%d process%s (MPI)", size, size > 1 ? "es" : "");
    return 0;
}

void dist_finish(void)
{
    if (joined) MPI_Finalize();
    joined = 0;
}

int dist_rank(void) { return rank; }
int dist_size(void) { return size; }
const char *dist_describe(void) { return description; }

/* MPI counts are ints: larger buffers go in pieces (one piece for any model here). */
static void sum_in_place(void *x, size_t n, MPI_Datatype type, size_t elem_size)
{
    if (size == 1) return;
    char *p = x;
    while (n) {
        int count = n > INT_MAX ? INT_MAX : (int)n;
        MPI_Allreduce(MPI_IN_PLACE, p, count, type, MPI_SUM, MPI_COMM_WORLD);
        p += (size_t)count * elem_size;
        n -= (size_t)count;
    }
}

void dist_sum_real(real *x, size_t n)
{
    sum_in_place(x, n, sizeof(real) == sizeof(double) ? MPI_DOUBLE : MPI_FLOAT, sizeof(real));
}

void dist_sum_double(double *x, size_t n)
{
    sum_in_place(x, n, MPI_DOUBLE, sizeof(double));
}

unsigned dist_any(unsigned flags)
{
    if (size > 1) MPI_Allreduce(MPI_IN_PLACE, &flags, 1, MPI_UNSIGNED, MPI_BOR, MPI_COMM_WORLD);
    return flags;
}

int dist_same(uint64_t value)
{
    if (size == 1) return 1;
    uint64_t v[2] = {value, ~value}; /* max of ~v is ~(min of v) */
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return v[0] == ~v[1];
}

void dist_broadcast(void *p, size_t n)
{
    if (size == 1) return;
    char *bytes = p;
    while (n) {
        int count = n > INT_MAX ? INT_MAX : (int)n;
        MPI_Bcast(bytes, count, MPI_BYTE, 0, MPI_COMM_WORLD);
        bytes += count;
        n -= (size_t)count;
    }
}

int dist_fail(int status)
{
    if (size == 1) return status;
    fprintf(stderr,
            "morphvae train: process %d of %d failed (its message is above); ending all %d "
            "processes\n",
            rank, size, size);
    MPI_Abort(MPI_COMM_WORLD, status ? status : 1);
    exit(status ? status : 1); /* MPI_Abort does not return */
}
