/* morphvae info FILE: what a weights file holds (hyperparameters, tensors,
 * metadata) and whether it is sound. The reader checks everything, checksums
 * included, before this prints anything; a refused file gives its one-line
 * reason and exit status 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chord.h"
#include "cli.h"
#include "commands.h"
#include "tokens.h"
#include "weights.h"

static void print_usage(FILE *f)
{
    fprintf(f, "usage: morphvae info FILE\n\n"
               "Prints a weights file's hyperparameters (with the parameter count), its tensor\n"
               "table (name, shape, offset from the payload start, bytes), its metadata and\n"
               "the checksum status. Exits 1 with the reason if the file is refused.\n");
}

/* What the classes of a step mean in the model's representation. */
static void print_classes(const mv_hparams *hp)
{
    printf("  %-14s %u", "n_classes", hp->n_classes);
    if (hp->repr == MV_REPR_ROLL)
        printf(" (%u pitches %u..%u: a \"sounds\" bit each, then a \"starts\" bit each)",
               hp->n_classes / 2, hp->min_pitch, hp->min_pitch + hp->n_classes / 2 - 1);
    else if (hp->repr == MV_REPR_MELODY && hp->n_classes > 2)
        printf(" (no event, note off, note-ons of pitches %u..%u)", hp->min_pitch,
               hp->min_pitch + hp->n_classes - 3);
    else if (hp->repr == MV_REPR_DRUMS)
        printf(" (every combination of %d drum classes)", MV_DRUM_CLASSES);
    putchar('\n');
}

static void print_hparams(const mv_hparams *hp)
{
    uint64_t params = model_param_count(hp);
    printf("hyperparameters:\n");
    printf("  %-14s %s (%u)\n", "repr", repr_name(hp->repr), hp->repr);
    print_classes(hp);
    printf("  %-14s %u\n", "min_pitch", hp->min_pitch);
    printf("  %-14s %u x %u steps = %u steps\n", "n_bars", hp->n_bars, hp->steps_per_bar,
           hparams_seq_len(hp));
    printf("  %-14s %u\n", "z_size", hp->z_size);
    printf("  %-14s %u units x %u bidirectional layers\n", "encoder", hp->enc_size,
           hp->enc_layers);
    printf("  %-14s %u units x %u layers\n", "conductor", hp->cond_size, hp->cond_layers);
    printf("  %-14s %u units x %u layers\n", "decoder", hp->dec_size, hp->dec_layers);
    if (hp->chords)
        printf("  %-14s %d features a step into the token decoder (vocabulary %u)\n", "chords",
               MV_CHORD_FEATURES, hp->chords);
    printf("  %-14s %llu (%.1f MB as float32)\n", "parameters", (unsigned long long)params,
           (double)params * 4.0 / 1e6);
}

/* Offsets are printed relative to the payload start. The reader only accepts
 * payloads that the tensors tile from offset 0, so the lowest data address is
 * the payload start. */
static void print_tensors(const mv_weights *w)
{
    size_t n = weights_tensor_count(w);
    const char *base = (const char *)weights_tensor_at(w, 0)->data;
    for (size_t i = 1; i < n; i++)
        if ((const char *)weights_tensor_at(w, i)->data < base)
            base = (const char *)weights_tensor_at(w, i)->data;
    printf("tensors (%zu, float32, offsets from the payload start):\n", n);
    printf("  %-24s %12s %10s %10s\n", "name", "shape", "offset", "bytes");
    for (size_t i = 0; i < n; i++) {
        const mv_tensor *t = weights_tensor_at(w, i);
        char shape[48];
        uint64_t count = t->dims[0];
        if (t->ndim == 2) {
            snprintf(shape, sizeof shape, "%llux%llu", (unsigned long long)t->dims[0],
                     (unsigned long long)t->dims[1]);
            count *= t->dims[1];
        } else {
            snprintf(shape, sizeof shape, "%llu", (unsigned long long)t->dims[0]);
        }
        printf("  %-24s %12s %10td %10llu\n", t->name, shape, (const char *)t->data - base,
               (unsigned long long)(count * sizeof(float)));
    }
}

/* Strings in full, control characters escaped so that the terminal shows them. */
static void print_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p == '\n') printf("\\n");
        else if (*p < 0x20 || *p == 0x7F) printf("\\x%02x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static void print_floats(const mv_meta *m)
{
    const float *x = m->data;
    if (ends_with(m->key, ".stats") && m->count == 4) {
        printf("attribute mean %g, std %g; z.v mean %g; step per sd %g", x[0], x[1], x[2], x[3]);
        return;
    }
    double norm = 0;
    for (uint64_t i = 0; i < m->count; i++) norm += (double)x[i] * x[i];
    if (m->count == 1) {
        printf("%g", x[0]);
        return;
    }
    printf("F32[%llu] ", (unsigned long long)m->count);
    for (uint64_t i = 0; i < m->count && i < 4; i++) printf("%s%g", i ? ", " : "", x[i]);
    printf("%s (norm %g)", m->count > 4 ? ", ..." : "", sqrt(norm));
}

static void print_meta(const mv_weights *w)
{
    size_t n = weights_meta_count(w);
    printf("metadata (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const mv_meta *m = weights_meta_at(w, i);
        printf("  %-32s ", m->key);
        if (m->type == MV_META_STR) {
            print_string(m->data);
        } else if (m->type == MV_META_F32) {
            print_floats(m);
        } else {
            const int64_t *v = m->data;
            if (m->count > 1) printf("I64[%llu] ", (unsigned long long)m->count);
            for (uint64_t k = 0; k < m->count && k < 4; k++)
                printf("%s%lld", k ? ", " : "", (long long)v[k]);
            if (m->count > 4) printf(", ...");
        }
        putchar('\n');
    }
}

int cmd_info(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        print_usage(stdout);
        return 0;
    }
    if (argc < 2) return cli_required("info", "FILE");
    if (argc > 2) return cli_extra_argument("info", argv[2]);
    mv_weights *w = NULL;
    char err[512];
    if (weights_read(argv[1], &w, err, sizeof err) != MV_WEIGHTS_OK) {
        fprintf(stderr, "morphvae info: %s\n", err);
        return 1;
    }
    printf("%s: morphvae weights, format version %d\n", argv[1],
           weights_hparams(w)->chords ? MV_WEIGHTS_VERSION : MV_WEIGHTS_VERSION_PLAIN);
    print_hparams(weights_hparams(w));
    print_tensors(w);
    print_meta(w);
    printf("checksum: ok (payload CRC-32 0x%08llx and header CRC-32 verified)\n",
           (unsigned long long)weights_checksum(w));
    weights_free(w);
    return 0;
}
