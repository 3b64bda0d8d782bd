/* Atomic file replacement, the one way the project writes an output file
 * (model files from core/weights.c; the CLI's corpora, checkpoints, MIDI, WAV,
 * PNG and latent files, some through libraries that want a file name): write
 * to a new temporary file beside the target, then atomic_file_commit fsyncs
 * it, renames it over the target and fsyncs the folder, so that readers see
 * the old file or the new, never half of one.
 *
 * The temporary file is PATH.tmp.PID.N, created exclusively with mode 0666
 * less the umask (what fopen would give). Messages start with "PATH: ". */
#ifndef MV_ATOMIC_FILE_H
#define MV_ATOMIC_FILE_H

#include <stddef.h>

/* The room tmp needs for path (with its terminating zero). */
#define ATOMIC_FILE_TMP_EXTRA 40

/* Creates the temporary file beside path, puts its name in tmp and returns a
 * descriptor open for writing, or -1 with the reason in err. A path that
 * exists and is not a regular file (a device such as /dev/null, a FIFO, a
 * folder) is refused: renaming over it would replace it. */
int atomic_file_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* The same, closing the file at once (for writers that open it by name).
 * Returns 0 or -1. */
int atomic_file_begin(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* fsync tmp, rename it over path, fsync the folder. On failure removes tmp
 * (when the rename has not happened) and returns -1 with the reason; every
 * message but the folder's says "cannot write". */
int atomic_file_commit(const char *tmp, const char *path, char *err, size_t errlen);
/* Removes tmp after a failed write. */
void atomic_file_abort(const char *tmp);

#endif
