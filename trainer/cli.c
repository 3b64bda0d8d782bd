/* Option parsing and folders for the generation commands. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "morphvae %s: %s wants a number from %g to %g, not '%s'\n", cmd, opt, lo,
                hi, s);
        return -1;
    }
    *out = v;
    return 0;
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

int cli_make_dir(const char *cmd, const char *dir)
{
    struct stat st;
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
    return 0;
}

int cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}
