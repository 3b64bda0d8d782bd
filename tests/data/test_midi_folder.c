/* midi_folder_list: the one MIDI-folder walk (`morphvae data`, `morphvae
 * stats`). A tree made in the build folder: each folder's names in strcmp
 * order, a subfolder where it sorts, hidden names and other extensions passed
 * over, entries that cannot be read warned and counted, paths longer than
 * 4096 bytes never truncated, a symlink loop ended. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "midi_folder.h"

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
    if (f) fclose(f);
}

static void run(const char *cmd)
{
    CHECK_MSG(system(cmd) == 0, "%s", cmd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_midi_folder BUILD_DIR\n");
        return 2;
    }
    char root[512], cmd[4096], p[1024];
    snprintf(root, sizeof root, "%s/midi_folder_tree", argv[1]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/a' '%s/.hid'", root, root, root);
    run(cmd);
    const char *files[] = {"b.mid", "a.MID", "a/z.midi", "c.kar", "d.rmi", ".hidden.mid",
                           "notes.txt", ".hid/x.mid", "mid"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        touch(p);
    }
    snprintf(p, sizeof p, "%s/broken.mid", root);
    CHECK(symlink("nowhere.mid", p) == 0);

    /* Sorted per folder ("a" < "a.MID"), unreadable counted, no "//" with a
     * trailing separator. */
    const char *want[] = {"a/z.midi", "a.MID", "b.mid", "c.kar", "d.rmi"};
    for (int slash = 0; slash < 2; slash++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s%s", root, slash ? "/" : "");
        mv_midi_paths l = {0};
        CHECK(midi_folder_list(dir, &l, "test_midi_folder") == 0);
        CHECK_MSG(l.n == 5, "%zu files", l.n);
        CHECK_MSG(l.unreadable == 1, "%zu unreadable", l.unreadable);
        for (size_t i = 0; i < l.n && i < 5; i++) {
            snprintf(p, sizeof p, "%s/%s", root, want[i]);
            CHECK_MSG(!strcmp(l.paths[i], p), "%zu: %s, not %s", i, l.paths[i], p);
        }
        midi_paths_free(&l);
        CHECK(l.n == 0 && l.paths == NULL);
    }

    /* A missing folder: warned, counted, nothing found, not an error. */
    {
        mv_midi_paths l = {0};
        snprintf(p, sizeof p, "%s/absent", root);
        CHECK(midi_folder_list(p, &l, "test_midi_folder") == 0);
        CHECK(l.n == 0 && l.unreadable == 1);
        midi_paths_free(&l);
    }

    /* A symlink loop ends (at the depth limit) without an error. */
    {
        char loop[600];
        snprintf(loop, sizeof loop, "%s/loop", root);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s' && touch '%s/x.mid' && ln -s . '%s/self'", loop,
                 loop, loop);
        run(cmd);
        mv_midi_paths l = {0};
        CHECK(midi_folder_list(loop, &l, "test_midi_folder") == 0);
        CHECK_MSG(l.n >= 1 && l.n <= 40, "%zu files", l.n);
        for (size_t i = 0; i < l.n; i++) CHECK(strstr(l.paths[i], "x.mid") != NULL);
        midi_paths_free(&l);
    }

    /* Folders nested past 4096 bytes of path: every path listed is whole (no
     * truncated name ends in a list), and what cannot be reached by a path that
     * long is warned and counted, not dropped silently. */
    {
        char deep[600];
        snprintf(deep, sizeof deep, "%s/deep", root);
        CHECK(mkdir(deep, 0755) == 0);
        int fd = open(deep, O_RDONLY | O_DIRECTORY);
        CHECK(fd >= 0);
        char name[201];
        memset(name, 'n', 200);
        name[200] = 0;
        size_t total = strlen(deep);
        for (int level = 0; fd >= 0 && level < 24; level++) {
            int f = openat(fd, "f.mid", O_CREAT | O_WRONLY, 0644);
            CHECK(f >= 0);
            if (f >= 0) close(f);
            CHECK(mkdirat(fd, name, 0755) == 0);
            int next = openat(fd, name, O_RDONLY | O_DIRECTORY);
            close(fd);
            fd = next;
            total += 201;
        }
        if (fd >= 0) close(fd);
        CHECK(total > 4096);
        mv_midi_paths l = {0};
        CHECK(midi_folder_list(deep, &l, "test_midi_folder") == 0);
        CHECK_MSG(l.n >= 15, "%zu files", l.n);
        CHECK_MSG(l.unreadable >= 1, "%zu unreadable", l.unreadable);
        for (size_t i = 0; i < l.n; i++) {
            size_t n = strlen(l.paths[i]);
            CHECK(n > 6 && !strcmp(l.paths[i] + n - 6, "/f.mid"));
            CHECK(i == 0 || n > strlen(l.paths[i - 1]));
        }
        midi_paths_free(&l);
    }

    /* The names the walk takes. */
    CHECK(midi_name_is_midi("x.MIDI") && midi_name_is_midi("x.Kar") && midi_name_is_midi(".rmi"));
    CHECK(!midi_name_is_midi("mid") && !midi_name_is_midi("x.mid.txt") && !midi_name_is_midi("x"));

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    run(cmd);
    return check_report();
}
