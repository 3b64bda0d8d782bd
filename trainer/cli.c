/* Option parsing and folders for the commands. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "morphvae %s: %s wants a whole number from %ld to %ld, not '%s'\n", cmd,
                opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_int(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out)
{
    long v;
    if (cli_long(cmd, opt, s, lo, hi, &v)) return -1;
    *out = (int)v;
    return 0;
}

int cli_real(const char *cmd, const char *opt, const char *s, double lo, double hi, int open_ends,
             double *out)
{
    char *end;
    double v = strtod(s, &end);
    bool above = open_ends & CLI_ABOVE_LO, below = open_ends & CLI_BELOW_HI;
    if (end == s || *end || !isfinite(v) || v < lo || v > hi || (above && v == lo) ||
        (below && v == hi)) {
        char excluded[64] = "";
        if (above && below) snprintf(excluded, sizeof excluded, " (%g and %g excluded)", lo, hi);
        else if (above || below) snprintf(excluded, sizeof excluded, " (%g excluded)", above ? lo : hi);
        fprintf(stderr, "morphvae %s: %s wants a number from %g to %g%s, not '%s'\n", cmd, opt,
                lo, hi, excluded, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    return cli_real(cmd, opt, s, lo, hi, 0, out);
}

int cli_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "morphvae %s: %s wants a non-negative whole number, not '%s'\n", cmd, opt,
                s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_make_dir(const char *cmd, const char *dir, bool *created)
{
    struct stat st;
    *created = false;
    if (!stat(dir, &st)) {
        if (S_ISDIR(st.st_mode)) return 0;
        fprintf(stderr, "morphvae %s: %s: exists and is not a folder\n", cmd, dir);
        return -1;
    }
    if (mkdir(dir, 0777)) {
        fprintf(stderr, "morphvae %s: %s: cannot create the folder: %s\n", cmd, dir,
                strerror(errno));
        return -1;
    }
    *created = true;
    return 0;
}

void cli_drop_dir(const char *dir, bool created)
{
    if (created) rmdir(dir); /* refused unless empty: what was written stays */
}

int cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_misuse(const char *cmd, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fprintf(stderr, "morphvae %s: %s (morphvae %s --help)\n", cmd, what, cmd);
    return 2;
}

static int listed(const char *const *names, const char *s)
{
    for (; names && *names; names++)
        if (!strcmp(*names, s)) return 1;
    return 0;
}

const char *cli_option_value(const char *cmd, const char *const *value_options, int argc,
                             char **argv, int *i)
{
    const char *o = argv[*i];
    if (!listed(value_options, o)) {
        cli_misuse(cmd, "unknown option '%s'", o);
        return NULL;
    }
    if (*i + 1 >= argc) {
        cli_misuse(cmd, "%s needs a value", o);
        return NULL;
    }
    return argv[++*i];
}

int cli_unknown_option(const char *cmd, const char *opt)
{
    return cli_misuse(cmd, "unknown option '%s'", opt);
}

int cli_extra_argument(const char *cmd, const char *arg)
{
    return cli_misuse(cmd, "unexpected argument '%s'", arg);
}

int cli_required(const char *cmd, const char *what)
{
    return cli_misuse(cmd, "%s is required", what);
}
