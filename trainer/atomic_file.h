/* Atomic file replacement for outputs written by libraries that want a file
 * name (libsmf, FluidSynth, libpng through a FILE): write to a temporary file in
 * the same folder, then atomic_file_commit fsyncs it, renames it over the final
 * name and fsyncs the folder, so readers see the old file or the new, never half. */
#ifndef MV_ATOMIC_FILE_H
#define MV_ATOMIC_FILE_H

#include <stddef.h>

/* Creates an empty temporary file beside path and puts its name in tmp.
 * Returns 0, or -1 with a message naming path in err. */
int atomic_file_begin(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* fsync tmp, rename it to path, fsync the folder. On failure removes tmp and
 * returns -1 with a message naming path. */
int atomic_file_commit(const char *tmp, const char *path, char *err, size_t errlen);
/* Removes tmp after a failed write. */
void atomic_file_abort(const char *tmp);

#endif
