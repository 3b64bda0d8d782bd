/* The recursive MIDI-folder walk (midi_folder.h). */
#include "midi_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MAX_DEPTH 32 /* a symlink loop; deeper music folders do not exist */

int midi_name_is_midi(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".mid") || !strcasecmp(dot, ".midi") ||
                   !strcasecmp(dot, ".kar") || !strcasecmp(dot, ".rmi"));
}

int midi_paths_add(mv_midi_paths *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return -1;
        l->paths = p;
        l->cap = cap;
    }
    if (!(l->paths[l->n] = strdup(path))) return -1;
    l->n++;
    return 0;
}

void midi_paths_free(mv_midi_paths *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, mv_midi_paths *out, const char *who, int depth)
{
    if (depth > MAX_DEPTH) return 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: %s: cannot read the folder: %s\n", who, dir, strerror(errno));
        out->unreadable++;
        return 0;
    }
    mv_midi_paths names = {0};
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)))
        if (e->d_name[0] != '.') rc = midi_paths_add(&names, e->d_name);
    closedir(d);
    if (names.n) qsort(names.paths, names.n, sizeof *names.paths, cmp_name);
    size_t dlen = strlen(dir);
    const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < names.n && !rc; i++) {
        size_t len = dlen + strlen(names.paths[i]) + 2;
        char *path = malloc(len);
        if (!path) {
            rc = -1;
            break;
        }
        snprintf(path, len, "%s%s%s", dir, sep, names.paths[i]);
        struct stat st;
        if (stat(path, &st) != 0) {
            fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
            out->unreadable++;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(path, out, who, depth + 1);
        } else if (midi_name_is_midi(names.paths[i])) {
            rc = midi_paths_add(out, path);
        }
        free(path);
    }
    midi_paths_free(&names);
    return rc;
}

int midi_folder_list(const char *dir, mv_midi_paths *out, const char *who)
{
    return walk(dir, out, who ? who : "morphvae", 0);
}
