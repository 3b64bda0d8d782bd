/* The MIDI reader (midi/) against a committed reference: for every file listed
 * in midi_reference.txt (all of shared/data/midi-edge and every 8th file of
 * POP909, Groove and JSB), the number of notes and a hash of everything read
 * (ticks per quarter, track names, tempo map, time signatures, every note with
 * its ticks, track, channel, pitch and velocity, the end tick), or the reason a
 * file is refused. The reference was written by the reader this one replaced
 * (a structure check and canonical copy parsed by libsmf, commit 319d0f4); on
 * all 2223 MIDI files of shared/data the two agree exactly (docs/data.md).
 * usage: test_midi_reference SHARED_DATA REFERENCE
 *        test_midi_reference --print SHARED_DATA < LIST   (writes reference lines) */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "midi_read.h"

typedef struct digest {
    uint64_t hash; /* FNV-1a over the text written by add() */
} digest;

static void add(digest *d, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (int i = 0; i < n && i < (int)sizeof line - 1; i++) {
        d->hash ^= (uint8_t)line[i];
        d->hash *= 0x100000001b3ull;
    }
}

static uint64_t file_hash(const mv_midi_file *f)
{
    digest d = {0xcbf29ce484222325ull};
    add(&d, "tpq %u tracks %u end %" PRId64 "\n", f->ticks_per_quarter, f->n_tracks, f->end_tick);
    for (uint32_t i = 0; i < f->n_tracks; i++) add(&d, "T '%s'\n", f->tracks[i].name);
    for (uint32_t i = 0; i < f->n_tempos; i++)
        add(&d, "Q %" PRId64 " %u\n", f->tempos[i].tick, f->tempos[i].us_per_quarter);
    for (uint32_t i = 0; i < f->n_meters; i++)
        add(&d, "M %" PRId64 " %u/%u\n", f->meters[i].tick, f->meters[i].numerator,
            f->meters[i].denominator);
    for (uint32_t i = 0; i < f->n_notes; i++) {
        const mv_midi_note *n = &f->notes[i];
        add(&d, "N %" PRId64 " %" PRId64 " %u %u %u %u\n", n->start, n->end, n->track, n->channel,
            n->pitch, n->velocity);
    }
    return d.hash;
}

/* The reference line for rel (a path below data_dir), without its newline. */
static void describe(const char *data_dir, const char *rel, char *out, size_t outlen)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/%s", data_dir, rel);
    mv_midi_file f;
    if (midi_read_file(path, &f, err, sizeof err)) {
        size_t skip = strncmp(err, path, strlen(path)) == 0 ? strlen(path) + 2 : 0;
        snprintf(out, outlen, "%s\trefused\t%s", rel, err + skip);
        return;
    }
    snprintf(out, outlen, "%s\t%u notes\t%016" PRIx64, rel, f.n_notes, file_hash(&f));
    midi_file_free(&f);
}

static int print_reference(const char *data_dir)
{
    char rel[1024], line[2048];
    while (fgets(rel, sizeof rel, stdin)) {
        rel[strcspn(rel, "\n")] = 0;
        describe(data_dir, rel, line, sizeof line);
        puts(line);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--print")) return print_reference(argv[2]);
    if (argc != 3) {
        fprintf(stderr, "usage: test_midi_reference SHARED_DATA REFERENCE\n");
        return 2;
    }
    FILE *ref = fopen(argv[2], "r");
    if (!ref) {
        fprintf(stderr, "%s: cannot open\n", argv[2]);
        return 1;
    }
    char want[2048], got[2048];
    int files = 0, refused = 0;
    while (fgets(want, sizeof want, ref)) {
        want[strcspn(want, "\n")] = 0;
        char rel[1024];
        snprintf(rel, sizeof rel, "%.*s", (int)strcspn(want, "\t"), want);
        describe(argv[1], rel, got, sizeof got);
        CHECK_MSG(!strcmp(got, want), "\n  reference: %s\n  read now:  %s", want, got);
        files++;
        refused += strstr(want, "\trefused\t") != NULL;
    }
    fclose(ref);
    printf("%d files compared (%d refused in the reference)\n", files, refused);
    CHECK(files > 300);
    return check_report();
}
