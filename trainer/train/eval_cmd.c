/* morphvae eval: reconstruction quality of a weights file on a corpus split,
 * decoded through core's encoder and decoder (the meaning the plugin uses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "corpus.h"
#include "decoder.h"
#include "model.h"
#include "train_config.h"
#include "weights.h"

#define EVAL_BATCH 64

typedef struct eval_sums {
    double ce, kl;
    long tf_correct, sampled_correct, steps, windows;
} eval_sums;

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae eval MODEL.mvae CORPUS.bin [--split test|valid|train] [--max N]\n"
               "Encodes each window to mu, then reports on the split (default test):\n"
               "  teacher-forced accuracy: argmax of the logits given the true previous tokens,\n"
               "  sampled accuracy: greedy decoding from mu feeding back its own tokens,\n"
               "  reconstruction loss (CE summed over steps), KL and ELBO, in nats per\n"
               "  sequence.\n");
    return status;
}

static int parse_split(const char *s)
{
    if (!strcmp(s, "test")) return MV_SPLIT_TEST;
    if (!strcmp(s, "valid")) return MV_SPLIT_VALID;
    if (!strcmp(s, "train")) return MV_SPLIT_TRAIN;
    return -1;
}

static void eval_batch(mv_decoder *d, const mv_hparams *hp, const int32_t *tokens, int B,
                       float *mu, float *sigma, float *logits, int32_t *greedy, eval_sums *s)
{
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, Z = (int)hp->z_size;
    decoder_encode(d, tokens, B, mu, sigma);
    for (int i = 0; i < B * Z; i++)
        s->kl += 0.5 * ((double)mu[i] * mu[i] + (double)sigma[i] * sigma[i] - 1) -
                 log((double)sigma[i]);
    decoder_logits(d, mu, tokens, B, logits);
    decoder_decode(d, mu, B, 0, NULL, greedy);
    for (int i = 0; i < B * T; i++) {
        const float *x = logits + (size_t)i * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (x[k] > x[best]) best = k;
        double sum = 0;
        for (int k = 0; k < K; k++) sum += exp((double)x[k] - x[best]);
        s->ce += log(sum) + x[best] - x[tokens[i]];
        s->tf_correct += best == tokens[i];
        s->sampled_correct += greedy[i] == tokens[i];
    }
    s->steps += (long)B * T;
    s->windows += B;
}

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *corpus_path = NULL, *split_name = "test";
    long max_windows = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return usage(stdout, 0);
        if (!strcmp(argv[i], "--split") && i + 1 < argc) split_name = argv[++i];
        else if (!strcmp(argv[i], "--max") && i + 1 < argc) max_windows = atol(argv[++i]);
        else if (argv[i][0] == '-') return usage(stderr, 2);
        else if (!model_path) model_path = argv[i];
        else if (!corpus_path) corpus_path = argv[i];
        else return usage(stderr, 2);
    }
    int split = parse_split(split_name);
    if (!model_path || !corpus_path || split < 0) return usage(stderr, 2);

    char err[512];
    mv_weights *w = NULL;
    mv_corpus *c = NULL;
    if (weights_read(model_path, &w, err, sizeof err)) {
        fprintf(stderr, "morphvae eval: %s\n", err);
        return 1;
    }
    const mv_hparams *hp = weights_hparams(w);
    mv_model model;
    int status = 1;
    if (model_bind_weights(&model, w, err, sizeof err)) {
        fprintf(stderr, "morphvae eval: %s: %s\n", model_path, err);
        goto done_weights;
    }
    if (corpus_open(corpus_path, &c, err, sizeof err) ||
        train_config_matches_corpus(hp, c, corpus_path, err, sizeof err)) {
        fprintf(stderr, "morphvae eval: %s\n", err);
        goto done_corpus;
    }
    uint64_t n = corpus_count(c, split);
    if (max_windows > 0 && (uint64_t)max_windows < n) n = (uint64_t)max_windows;
    if (n == 0) {
        fprintf(stderr, "morphvae eval: %s: the %s split is empty\n", corpus_path, split_name);
        goto done_corpus;
    }
    const int T = (int)hparams_seq_len(hp), K = (int)hp->n_classes, Z = (int)hp->z_size;
    mv_decoder *d = decoder_create(&model, EVAL_BATCH);
    float *mu = malloc(sizeof(float) * EVAL_BATCH * Z);
    float *sigma = malloc(sizeof(float) * EVAL_BATCH * Z);
    float *logits = malloc(sizeof(float) * EVAL_BATCH * T * K);
    int32_t *tokens = malloc(sizeof(int32_t) * EVAL_BATCH * T);
    int32_t *greedy = malloc(sizeof(int32_t) * EVAL_BATCH * T);
    if (!d || !mu || !sigma || !logits || !tokens || !greedy) {
        fprintf(stderr, "morphvae eval: out of memory\n");
    } else {
        eval_sums s = {0};
        for (uint64_t i = 0; i < n; i += EVAL_BATCH) {
            int B = n - i < EVAL_BATCH ? (int)(n - i) : EVAL_BATCH;
            for (int b = 0; b < B; b++)
                memcpy(tokens + (size_t)b * T, corpus_window(c, split, i + (uint64_t)b),
                       sizeof(int32_t) * T);
            eval_batch(d, hp, tokens, B, mu, sigma, logits, greedy, &s);
        }
        double recon = s.ce / (double)s.windows, kl = s.kl / (double)s.windows;
        printf("model %s on %s, %s split, %ld windows of %d steps\n", model_path, corpus_path,
               split_name, s.windows, T);
        printf("accuracy teacher-forced %.4f\n", (double)s.tf_correct / (double)s.steps);
        printf("accuracy sampled        %.4f\n", (double)s.sampled_correct / (double)s.steps);
        printf("recon   %.4f nats/sequence (CE summed over steps, z = mu)\n", recon);
        printf("KL      %.4f nats/sequence (%.2f bits)\n", kl, kl / log(2.0));
        printf("ELBO    %.4f nats/sequence\n", -(recon + kl));
        status = 0;
    }
    free(mu);
    free(sigma);
    free(logits);
    free(tokens);
    free(greedy);
    decoder_free(d);
done_corpus:
    if (c) corpus_close(c);
done_weights:
    weights_free(w);
    return status;
}
