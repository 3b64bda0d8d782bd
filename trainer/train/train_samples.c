#include "train_samples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decoder.h"
#include "groove.h"
#include "midi_write.h"
#include "model.h"
#include "repr.h"
#include "tokens.h"

#define SAMPLE_BPM 120.0
#define SAMPLE_VELOCITY 90

static int is_roll(const mv_hparams *hp)
{
    return hp->repr == MV_REPR_ROLL;
}

/* Sequences of byte steps (roll, groove) rather than int32 tokens. */
static int byte_steps(const mv_hparams *hp)
{
    return hp->repr == MV_REPR_ROLL || hp->repr == MV_REPR_GROOVE;
}

/* Bytes of one sequence: int32 tokens, or roll or groove steps. */
static size_t sequence_bytes(const mv_hparams *hp)
{
    return hparams_seq_len(hp) * repr_io_of(hp->repr)->step_bytes((int)hp->n_classes);
}

/* A groove sequence's hits as drum notes at each hit's velocity, on the grid
 * (the samples show what is hit and how hard; the timing is eval's). */
static int groove_to_notes(const uint8_t *steps, int n_steps, mv_note *out, int max)
{
    int n = 0;
    for (int t = 0; t < n_steps; t++)
        for (int i = 0; i < MV_GROOVE_VOICES && n < max; i++) {
            const uint8_t *step = steps + (size_t)t * MV_GROOVE_STEP_BYTES;
            if (!step[MV_GROOVE_HIT + i]) continue;
            out[n++] = (mv_note){t, 1, (uint8_t)drum_pitch_of_class(i),
                                 step[MV_GROOVE_VELOCITY + i]};
        }
    return n;
}

static int max_notes_of(const mv_hparams *hp)
{
    return (int)hparams_seq_len(hp) * (is_roll(hp) ? (int)hp->n_classes / 2 : MV_DRUM_CLASSES);
}

static int sequence_to_notes(const mv_hparams *hp, const void *seq, mv_note *notes, int max)
{
    const int T = (int)hparams_seq_len(hp);
    if (hp->repr == MV_REPR_GROOVE) return groove_to_notes(seq, T, notes, max);
    if (is_roll(hp))
        return roll_to_notes(seq, T, (int)hp->min_pitch, (int)hp->n_classes / 2, SAMPLE_VELOCITY,
                             notes, max);
    if (hp->repr == MV_REPR_DRUMS) return drums_to_notes(seq, T, SAMPLE_VELOCITY, notes, max);
    return melody_to_notes(seq, T, (int)hp->min_pitch, (int)hp->n_classes, SAMPLE_VELOCITY,
                           notes, max);
}

/* One file: each sequence as a part, one after the other. */
static void write_parts(const mv_hparams *hp, const char *path, const void *const *seqs,
                        const char *const *names, int n_seqs)
{
    const int T = (int)hparams_seq_len(hp), max_notes = max_notes_of(hp);
    mv_note *notes = malloc(sizeof *notes * (size_t)max_notes * n_seqs);
    mv_midi_part parts[2];
    if (!notes || n_seqs > 2) {
        free(notes);
        return;
    }
    int drums = hp->repr == MV_REPR_DRUMS || hp->repr == MV_REPR_GROOVE;
    for (int i = 0; i < n_seqs; i++) {
        mv_note *mine = notes + (size_t)i * max_notes;
        parts[i] = (mv_midi_part){mine, sequence_to_notes(hp, seqs[i], mine, max_notes), i * T,
                                  drums ? 9 : 0, drums ? -1 : 0, names[i], NULL, 0};
    }
    char err[512];
    if (midi_write_parts(path, parts, n_seqs, (int)hp->steps_per_bar, n_seqs * T, SAMPLE_BPM,
                         err, sizeof err))
        fprintf(stderr, "morphvae train: samples: %s\n", err);
    free(notes);
}

void train_write_samples(const float *params, const mv_hparams *hp, const mv_corpus *c,
                         const char *dir, long step)
{
    const int Z = (int)hp->z_size, N = TRAIN_SAMPLES;
    const size_t wb = sequence_bytes(hp);
    mv_tensor tensors[MV_MAX_TENSORS];
    int n = model_carve(hp, (float *)params, tensors); /* read only: core binds const */
    mv_model model;
    char err[256], path[4200];
    if (model_bind(&model, hp, tensors, (size_t)n, err, sizeof err)) {
        fprintf(stderr, "morphvae train: samples: %s\n", err);
        return;
    }
    mv_decoder *d = decoder_create(&model, N);
    float *z = malloc(sizeof(float) * N * Z), *sigma = malloc(sizeof(float) * N * Z);
    char *out = malloc(wb * N), *in = malloc(wb * N);
    mv_rng rngs[TRAIN_SAMPLES];
    if (!d || !z || !sigma || !out || !in) goto done;
    mkdir(dir, 0777);

    mv_rng prior;
    rng_seed(&prior, (uint64_t)step);
    for (int i = 0; i < N * Z; i++) z[i] = rng_normal(&prior);
    for (int i = 0; i < N; i++) rng_seed(&rngs[i], (uint64_t)step * 16 + (uint64_t)i);
    decoder_decode(d, z, N, TRAIN_SAMPLE_TEMPERATURE, rngs, window_for(hp->repr, out));
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/step%07ld-prior-%d.mid", dir, step, i);
        const void *seq = out + (size_t)i * wb;
        const char *name = "prior sample";
        write_parts(hp, path, &seq, &name, 1);
    }

    int split = corpus_count(c, MV_SPLIT_VALID) >= (uint64_t)N ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
    uint64_t count = corpus_count(c, split);
    if (count < (uint64_t)N) goto done;
    for (int i = 0; i < N; i++) {
        uint64_t w = (uint64_t)i * count / N;
        memcpy(in + (size_t)i * wb,
               byte_steps(hp) ? (const void *)corpus_roll_window(c, split, w)
                           : (const void *)corpus_window(c, split, w),
               wb);
    }
    decoder_encode(d, window_for(hp->repr, in), N, z, sigma);
    decoder_decode(d, z, N, 0, NULL, window_for(hp->repr, out));
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/step%07ld-recon-%d.mid", dir, step, i);
        const void *seqs[2] = {in + (size_t)i * wb, out + (size_t)i * wb};
        const char *names[2] = {"original", "reconstruction"};
        write_parts(hp, path, seqs, names, 2);
    }
done:
    free(z);
    free(sigma);
    free(out);
    free(in);
    decoder_free(d);
}
