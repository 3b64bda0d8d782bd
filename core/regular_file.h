/* Opening a file that a path names for reading, refusing anything but a
 * regular file before a byte is read: a FIFO would block open() (and every
 * read after it) until a writer came, a device such as /dev/zero never ends,
 * a folder is no file. Used wherever the plugin, the trainer and the CLI read
 * a file they were given the path of. */
#ifndef MV_REGULAR_FILE_H
#define MV_REGULAR_FILE_H

#include <stdint.h>
#include <stdio.h>

/* A descriptor open for reading (blocking again), or -1 with err holding one
 * line: "PATH: cannot open: No such file or directory" or "PATH: is a FIFO
 * (named pipe), not a regular file". *size gets the file's size (size may be
 * NULL). */
int regular_file_open(const char *path, uint64_t *size, char *err, size_t errlen);

/* The same as a stdio stream ("rb"), or NULL with err set. */
FILE *regular_file_fopen(const char *path, char *err, size_t errlen);

#endif
