/* Finding MIDI files: the one recursive folder walk of the project (`morphvae
 * data`, `morphvae stats`). Plain C on libc and POSIX (opendir, stat). */
#ifndef MV_MIDI_FOLDER_H
#define MV_MIDI_FOLDER_H

#include <stddef.h>

/* A list of paths, and how many entries could not be read while finding them. */
typedef struct mv_midi_paths {
    char **paths;
    size_t n, cap;
    size_t unreadable; /* folders that could not be opened, entries that could not be stat()ed */
} mv_midi_paths;

/* 1 when name ends in .mid, .midi, .kar or .rmi (any case). */
int midi_name_is_midi(const char *name);

/* Appends the MIDI files under dir, recursively, to out: each folder's entries
 * in strcmp order of their names, a subfolder's files where the subfolder
 * sorts, names starting with '.' skipped, at most 32 folders deep (a symlink
 * loop ends there). Paths are dir + "/" + name (no separator doubled), of any
 * length. A folder that cannot be opened or an entry that cannot be stat()ed
 * is warned on stderr as "<who>: <path>: <reason>", counted in
 * out->unreadable and passed over. Returns 0, or -1 when out of memory. */
int midi_folder_list(const char *dir, mv_midi_paths *out, const char *who);

/* Appends one path (a copy). Returns 0, or -1 when out of memory. */
int midi_paths_add(mv_midi_paths *l, const char *path);

void midi_paths_free(mv_midi_paths *l);

#endif
