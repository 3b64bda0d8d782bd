/* Labels of corpus windows for `morphvae plot latent --color song|style`: the
 * song (source file) a window came from, or its style from a table such as
 * the Groove dataset's info.csv (columns midi_filename and style; the main
 * style, before any '/', so "jazz/funk" is jazz). */
#ifndef MV_LATENT_LABELS_H
#define MV_LATENT_LABELS_H

#include <stddef.h>

/* Distinct label names in order of first use. */
typedef struct label_set {
    char **names;
    int n, cap;
} label_set;

/* The index of name in the set, added if new; -1 when memory runs out. */
int label_index(label_set *s, const char *name);
void label_set_free(label_set *s);

/* The song of a window's source path: its file name without folders and
 * extension ("pop909/001/001.mid" -> "001"). */
void song_of_source(const char *source, char *out, size_t outlen);

typedef struct style_table style_table;

/* The style table for sources under the folder of `source`: csv_path, or
 * when it is NULL the first info.csv found in that folder or one of the four
 * above it. Returns 0, or -1 with a message in err. */
int style_table_open(const char *csv_path, const char *source, style_table **out, char *err,
                     size_t errlen);
/* The main style of the row whose midi_filename ends the source path, or NULL. */
const char *style_of_source(const style_table *t, const char *source);
void style_table_free(style_table *t);

#endif
