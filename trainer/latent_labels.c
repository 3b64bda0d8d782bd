/* Song and style labels of corpus windows. */
#include "latent_labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_fields.h"

#define STYLE_TABLE_FOLDERS_UP 4
#define CSV_MAX_FIELDS 32

int label_index(label_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->names[i], name)) return i;
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        char **names = realloc(s->names, sizeof *names * cap);
        if (!names) return -1;
        s->names = names;
        s->cap = cap;
    }
    if (!(s->names[s->n] = strdup(name))) return -1;
    return s->n++;
}

void label_set_free(label_set *s)
{
    for (int i = 0; i < s->n; i++) free(s->names[i]);
    free(s->names);
    *s = (label_set){0};
}

void song_of_source(const char *source, char *out, size_t outlen)
{
    const char *slash = strrchr(source, '/'), *name = slash ? slash + 1 : source;
    const char *dot = strrchr(name, '.');
    size_t len = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    snprintf(out, outlen, "%.*s", (int)len, name);
}

typedef struct style_row {
    char *file, *style;
} style_row;

struct style_table {
    style_row *rows;
    int n, cap;
};

static int column_of(char **fields, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(fields[i], name)) return i;
    return -1;
}

static int add_row(style_table *t, const char *file, const char *style)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 256;
        style_row *rows = realloc(t->rows, sizeof *rows * cap);
        if (!rows) return -1;
        t->rows = rows;
        t->cap = cap;
    }
    style_row *r = &t->rows[t->n];
    r->file = strdup(file);
    r->style = strndup(style, strcspn(style, "/"));
    if (!r->file || !r->style) {
        free(r->file);
        free(r->style);
        return -1;
    }
    t->n++;
    return 0;
}

static int read_table(FILE *f, const char *path, style_table *t, char *err, size_t errlen)
{
    char *line = NULL, *fields[CSV_MAX_FIELDS];
    size_t cap = 0;
    int file_col = -1, style_col = -1, rc = 0;
    if (getline(&line, &cap, f) > 0) {
        int n = csv_split_fields(line, fields, CSV_MAX_FIELDS);
        file_col = column_of(fields, n, "midi_filename");
        style_col = column_of(fields, n, "style");
    }
    if (file_col < 0 || style_col < 0) {
        snprintf(err, errlen, "%s: no header with the columns midi_filename and style", path);
        rc = -1;
    }
    while (!rc && getline(&line, &cap, f) > 0) {
        int n = csv_split_fields(line, fields, CSV_MAX_FIELDS);
        if (n <= file_col || n <= style_col || !fields[file_col][0]) continue;
        if (add_row(t, fields[file_col], fields[style_col])) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        }
    }
    free(line);
    return rc;
}

/* info.csv in the folder of source or up to STYLE_TABLE_FOLDERS_UP above it. */
static int find_table(const char *source, char *path, size_t len)
{
    char dir[3072]; /* shorter than path, which gets "/info.csv" more */
    snprintf(dir, sizeof dir, "%s", source);
    for (int up = 0; up <= STYLE_TABLE_FOLDERS_UP; up++) {
        char *slash = strrchr(dir, '/');
        if (!slash) return -1;
        *slash = 0;
        snprintf(path, len, "%s/info.csv", dir);
        FILE *f = fopen(path, "r");
        if (f) {
            fclose(f);
            return 0;
        }
    }
    return -1;
}

int style_table_open(const char *csv_path, const char *source, style_table **out, char *err,
                     size_t errlen)
{
    char found[4096];
    *out = NULL;
    if (!csv_path) {
        if (find_table(source, found, sizeof found)) {
            snprintf(err, errlen, "no info.csv beside or above %s (give one with --info)", source);
            return -1;
        }
        csv_path = found;
    }
    FILE *f = fopen(csv_path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", csv_path, strerror(errno));
        return -1;
    }
    style_table *t = calloc(1, sizeof *t);
    int rc = t ? read_table(f, csv_path, t, err, errlen) : -1;
    if (!t) snprintf(err, errlen, "%s: out of memory", csv_path);
    fclose(f);
    if (rc) style_table_free(t);
    else *out = t;
    return rc;
}

/* Whether path ends with "/" suffix or is suffix. */
static int ends_with_file(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return k <= n && !strcmp(path + n - k, suffix) && (k == n || path[n - k - 1] == '/');
}

const char *style_of_source(const style_table *t, const char *source)
{
    for (int i = 0; i < t->n; i++)
        if (ends_with_file(source, t->rows[i].file)) return t->rows[i].style;
    return NULL;
}

void style_table_free(style_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) {
        free(t->rows[i].file);
        free(t->rows[i].style);
    }
    free(t->rows);
    free(t);
}
