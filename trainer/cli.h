/* Small helpers of the commands: checked number options and output folders,
 * each failure reported as "morphvae CMD: ..." on stderr. */
#ifndef MV_CLI_H
#define MV_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* Parses s as a whole number in [lo, hi] (or a finite real number in [lo,
 * hi]); returns 0, or prints what was wrong with option opt, naming the
 * range, and returns -1. */
int cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
int cli_int(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out);
int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
/* The same with an end left out of the range: CLI_ABOVE_LO refuses lo
 * itself, CLI_BELOW_HI hi itself (a learning rate above 0, a probability
 * below 1). */
enum { CLI_ABOVE_LO = 1, CLI_BELOW_HI = 2 };
int cli_real(const char *cmd, const char *opt, const char *s, double lo, double hi, int open_ends,
             double *out);
int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Creates dir if it does not exist; returns 0, or prints why not and returns
 * -1. *created: whether it made it, for cli_drop_dir. */
int cli_make_dir(const char *cmd, const char *dir, bool *created);
/* After a command failed: removes dir if it made it and it is still empty,
 * so that a failed command leaves no empty folder behind. */
void cli_drop_dir(const char *dir, bool created);
/* Creates dir and any missing parents (as mkdir -p); returns 0, or prints
 * which folder could not be made and why and returns -1. */
int cli_make_path(const char *cmd, const char *dir);

/* Says "wrote PATH" on stdout, with ": DETAIL" when fmt is not NULL: every
 * command that writes a file says so, one line a file. */
void cli_wrote(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Seconds on a monotonic clock. */
double cli_now(void);

/* Progress of a long loop on stderr, the one helper of the commands: on a
 * terminal one line redrawn at most 5 times a second (a bar, done/total,
 * time left); without one (a log, a pipe) a line at most every 5 seconds
 * (MORPHVAE_PROGRESS_SECONDS in the environment sets the interval; 0: a line
 * per update). `what` names the units ("windows refined"). Nothing when
 * quiet is set. */
typedef struct {
    const char *cmd, *what;
    uint64_t total;
    bool tty, quiet, shown;
    double started, last, interval;
} cli_progress;
void cli_progress_start(cli_progress *p, const char *cmd, const char *what, uint64_t total,
                        bool quiet);
void cli_progress_update(cli_progress *p, uint64_t done);
/* After the loop: ends a terminal's line, or on a log says the total once a
 * line was shown. */
void cli_progress_done(cli_progress *p);

/* Whether argv[i] is -h or --help. */
int cli_is_help(const char *arg);

/* Usage errors, one line each on stderr, "morphvae CMD: WHAT (morphvae CMD
 * --help)", instead of the usage text; each returns 2, the exit status of a
 * usage error. */
int cli_misuse(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "unknown option 'OPT'" */
int cli_unknown_option(const char *cmd, const char *opt);
/* "unexpected argument 'ARG'" (one positional argument too many) */
int cli_extra_argument(const char *cmd, const char *arg);
/* "WHAT is required" (WHAT: "-o FILE", "MODEL", "--end b.mid") */
int cli_required(const char *cmd, const char *what);
/* argv[*i] is an option that takes a value: returns the value and steps *i
 * past it, or, for an option not in value_options (NULL-terminated) or one
 * at the end of the line, says so (cli_misuse) and returns NULL. */
const char *cli_option_value(const char *cmd, const char *const *value_options, int argc,
                             char **argv, int *i);

#endif
