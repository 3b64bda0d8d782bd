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
#include <time.h>
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

int cli_make_path(const char *cmd, const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (!n || n >= sizeof path) {
        fprintf(stderr, "morphvae %s: '%s': not a usable folder name\n", cmd, dir);
        return -1;
    }
    memcpy(path, dir, n + 1);
    /* every prefix that ends before a '/', then the whole path */
    for (size_t i = 1; i <= n; i++) {
        if (i < n && path[i] != '/') continue;
        if (i < n && path[i - 1] == '/') continue; /* "a//b" */
        char keep = path[i];
        path[i] = 0;
        struct stat st;
        if (stat(path, &st)) {
            if (mkdir(path, 0777) && errno != EEXIST) {
                fprintf(stderr, "morphvae %s: %s: cannot create the folder: %s\n", cmd, path,
                        strerror(errno));
                return -1;
            }
        } else if (!S_ISDIR(st.st_mode)) {
            fprintf(stderr, "morphvae %s: %s: exists and is not a folder\n", cmd, path);
            return -1;
        }
        path[i] = keep;
    }
    return 0;
}

void cli_drop_dir(const char *dir, bool created)
{
    if (created) rmdir(dir); /* refused unless empty: what was written stays */
}

void cli_wrote(const char *path, const char *fmt, ...)
{
    printf("wrote %s", path);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs(": ", stdout);
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define CLI_PROGRESS_TTY_SECONDS 0.2
#define CLI_PROGRESS_LOG_SECONDS 5.0

void cli_progress_start(cli_progress *p, const char *cmd, const char *what, uint64_t total,
                        bool quiet)
{
    p->cmd = cmd;
    p->what = what;
    p->total = total;
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->shown = false;
    p->started = p->last = cli_now();
    p->interval = p->tty ? CLI_PROGRESS_TTY_SECONDS : CLI_PROGRESS_LOG_SECONDS;
    const char *env = getenv("MORPHVAE_PROGRESS_SECONDS");
    char *end;
    double v;
    if (!p->tty && env && *env && (v = strtod(env, &end), !*end) && isfinite(v) && v >= 0)
        p->interval = v;
}

static void progress_time(double s, char *out, size_t n)
{
    if (!isfinite(s) || s < 0) snprintf(out, n, "?");
    else if (s < 60) snprintf(out, n, "%.0f s", s);
    else if (s < 3600) snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(out, n, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

static void progress_show(cli_progress *p, uint64_t done)
{
    double now = cli_now(), elapsed = now - p->started;
    char spent[32], left[32];
    progress_time(elapsed, spent, sizeof spent);
    progress_time(done ? elapsed * (double)(p->total - done) / (double)done : NAN, left,
                  sizeof left);
    p->last = now;
    p->shown = true;
    if (p->tty) {
        const int width = 30;
        int filled = p->total ? (int)((uint64_t)width * done / p->total) : width;
        fprintf(stderr, "\r[%.*s%*s] %llu/%llu %s, %s left   ", filled,
                "##############################", width - filled, "",
                (unsigned long long)done, (unsigned long long)p->total, p->what, left);
    } else {
        fprintf(stderr, "morphvae %s: %llu/%llu %s (%.0f %%), %s, about %s left\n", p->cmd,
                (unsigned long long)done, (unsigned long long)p->total, p->what,
                p->total ? 100.0 * (double)done / (double)p->total : 100.0, spent, left);
    }
    fflush(stderr);
}

void cli_progress_update(cli_progress *p, uint64_t done)
{
    if (p->quiet || done > p->total) return;
    if (cli_now() - p->last >= p->interval && done < p->total) progress_show(p, done);
}

void cli_progress_done(cli_progress *p)
{
    if (p->quiet || !p->shown) return;
    if (p->tty) {
        progress_show(p, p->total);
        fputc('\n', stderr);
    } else {
        char spent[32];
        progress_time(cli_now() - p->started, spent, sizeof spent);
        fprintf(stderr, "morphvae %s: %llu %s in %s\n", p->cmd, (unsigned long long)p->total,
                p->what, spent);
    }
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
