/* Small helpers of the generation commands: checked number options and output
 * folders, each failure reported as "morphvae CMD: ..." on stderr. */
#ifndef MV_CLI_H
#define MV_CLI_H

#include <stdint.h>

/* Parses s as a whole number in [lo, hi] (or a real number in [lo, hi]);
 * returns 0, or prints what was wrong with option opt and returns -1. */
int cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Creates dir if it does not exist; returns 0, or prints why not and returns -1. */
int cli_make_dir(const char *cmd, const char *dir);

/* Whether argv[i] is -h or --help. */
int cli_is_help(const char *arg);

#endif
