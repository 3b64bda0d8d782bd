/* morphvae attributes: attribute vectors of a model from a corpus of its
 * training windows. Each attribute (core/attributes.h) gets two directions,
 * by regression and by quartile means (attribute_fit.h); both are tried on
 * decoded windows, the better one (most change of its own attribute, least of
 * the others) is stored in the weights file with its statistics, and a table
 * like the MusicVAE paper's shows what +1 sd of each vector does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute_fit.h"
#include "attributes.h"
#include "cli.h"
#include "commands.h"
#include "data/corpus.h"
#include "gen_model.h"
#include "meta_rewrite.h"
#include "latent.h"

#define K MV_ATTR_COUNT
#define BATCH 32

static int usage(FILE *f, int status)
{
    fprintf(f, "usage: morphvae attributes MODEL corpus.bin [--max-windows 4096] [--eval 64]\n"
               "         [--method best|regression|quartiles] [--no-store]\n"
               "Fits a latent direction per attribute (note density, mean pitch, pitch range,\n"
               "mean interval, 16th and 8th syncopation, ...) on the corpus's training\n"
               "windows, by regression on mu and by top/bottom quartile means, measures both\n"
               "on decoded validation windows and stores the chosen vectors in MODEL.\n");
    return status;
}

typedef struct {
    const char *model, *corpus;
    long max_windows, n_eval;
    int method; /* -1: best of both */
    int store;
} attr_args;

/* Everything fitted and measured for one attribute and method. */
typedef struct {
    int ok;
    float *v;
    mv_attribute_fit fit;
    double effect[K]; /* mean change of each attribute in its sd, NAN if unmeasured */
    double own, leak;
} attr_result;

typedef struct {
    mv_gen_model g;
    mv_corpus *corpus;
    int n_fit, n_eval, eval_split;
    int32_t *fit_tokens, *eval_tokens;
    float *fit_attr, *fit_mu, *eval_mu;
    float base_attr_sd[K];
    attr_result res[K][MV_FIT_METHODS];
    int chosen[K];
} attr_run;

/* 0 ok, 2 usage error, -1 help printed. */
static int parse(int argc, char **argv, attr_args *a)
{
    *a = (attr_args){NULL, NULL, 4096, 64, -1, 1};
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (cli_is_help(o)) return usage(stdout, 0) - 1;
        if (o[0] != '-') {
            if (!a->model) a->model = o;
            else if (!a->corpus) a->corpus = o;
            else return usage(stderr, 2);
            continue;
        }
        if (!strcmp(o, "--no-store")) {
            a->store = 0;
            continue;
        }
        if (i + 1 >= argc) return usage(stderr, 2);
        const char *v = argv[++i];
        if (!strcmp(o, "--max-windows")) {
            if (cli_long("attributes", o, v, 8, 10000000, &a->max_windows)) return 2;
        } else if (!strcmp(o, "--eval")) {
            if (cli_long("attributes", o, v, 1, 100000, &a->n_eval)) return 2;
        } else if (!strcmp(o, "--method")) {
            if (!strcmp(v, "best")) a->method = -1;
            else if (!strcmp(v, "regression")) a->method = MV_FIT_REGRESSION;
            else if (!strcmp(v, "quartiles")) a->method = MV_FIT_QUARTILES;
            else return usage(stderr, 2);
        } else return usage(stderr, 2);
    }
    return a->model && a->corpus ? 0 : usage(stderr, 2);
}

static int check_corpus_fits(const attr_args *a, attr_run *r, char *err, size_t errlen)
{
    const mv_hparams *hp = &r->g.hp;
    mv_corpus *c = r->corpus;
    if (corpus_repr(c) != hp->repr || corpus_n_classes(c) != hp->n_classes ||
        corpus_min_pitch(c) != hp->min_pitch || corpus_n_bars(c) != hp->n_bars ||
        corpus_steps_per_bar(c) != hp->steps_per_bar) {
        snprintf(err, errlen,
                 "%s: %s windows of %u bars x %u steps (%u classes from pitch %u) do not fit "
                 "%s, a %s model of %u bars x %u steps (%u classes from pitch %u)",
                 a->corpus, repr_name(corpus_repr(c)), corpus_n_bars(c), corpus_steps_per_bar(c),
                 corpus_n_classes(c), corpus_min_pitch(c), a->model, repr_name(hp->repr),
                 hp->n_bars, hp->steps_per_bar, hp->n_classes, hp->min_pitch);
        return -1;
    }
    if (corpus_count(c, MV_SPLIT_TRAIN) < 8) {
        snprintf(err, errlen, "%s: %llu training windows; attribute vectors need at least 8",
                 a->corpus, (unsigned long long)corpus_count(c, MV_SPLIT_TRAIN));
        return -1;
    }
    return 0;
}

/* n windows of a split spread evenly over it, copied into a new array. */
static int32_t *pick_windows(mv_corpus *c, int split, int n, int seq_len)
{
    uint64_t count = corpus_count(c, split);
    int32_t *t = malloc(sizeof *t * (size_t)n * seq_len);
    for (int i = 0; t && i < n; i++)
        memcpy(t + (size_t)i * seq_len, corpus_window(c, split, (uint64_t)i * count / n),
               sizeof *t * seq_len);
    return t;
}

static void compute_attributes(const mv_hparams *hp, const int32_t *tokens, int n, float *out)
{
    int len = (int)hparams_seq_len(hp);
    for (int i = 0; i < n; i++) attributes_compute(hp, tokens + (size_t)i * len, out + (size_t)i * K);
}

static int load(const attr_args *a, attr_run *r, char *err, size_t errlen)
{
    if (gen_model_open(&r->g, a->model, BATCH, err, errlen)) return -1;
    if (corpus_open(a->corpus, &r->corpus, err, errlen)) return -1;
    if (check_corpus_fits(a, r, err, errlen)) return -1;
    uint64_t n_train = corpus_count(r->corpus, MV_SPLIT_TRAIN);
    r->n_fit = (int)(n_train < (uint64_t)a->max_windows ? n_train : (uint64_t)a->max_windows);
    r->eval_split = corpus_count(r->corpus, MV_SPLIT_VALID) ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
    uint64_t n_ev = corpus_count(r->corpus, r->eval_split);
    r->n_eval = (int)(n_ev < (uint64_t)a->n_eval ? n_ev : (uint64_t)a->n_eval);
    int L = r->g.seq_len, Z = r->g.z_size;
    r->fit_tokens = pick_windows(r->corpus, MV_SPLIT_TRAIN, r->n_fit, L);
    r->eval_tokens = pick_windows(r->corpus, r->eval_split, r->n_eval, L);
    r->fit_attr = malloc(sizeof *r->fit_attr * r->n_fit * K);
    r->fit_mu = malloc(sizeof *r->fit_mu * r->n_fit * Z);
    r->eval_mu = malloc(sizeof *r->eval_mu * r->n_eval * Z);
    if (!r->fit_tokens || !r->eval_tokens || !r->fit_attr || !r->fit_mu || !r->eval_mu) {
        snprintf(err, errlen, "%s: out of memory for %d windows", a->corpus, r->n_fit);
        return -1;
    }
    compute_attributes(&r->g.hp, r->fit_tokens, r->n_fit, r->fit_attr);
    gen_encode(&r->g, r->fit_tokens, r->n_fit, r->fit_mu, NULL);
    gen_encode(&r->g, r->eval_tokens, r->n_eval, r->eval_mu, NULL);
    return 0;
}

static void fit_all(attr_run *r)
{
    int Z = r->g.z_size;
    float *column = malloc(sizeof *column * r->n_fit);
    for (int k = 0; column && k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr)) continue;
        for (int i = 0; i < r->n_fit; i++) column[i] = r->fit_attr[(size_t)i * K + k];
        for (int m = 0; m < MV_FIT_METHODS; m++) {
            attr_result *res = &r->res[k][m];
            res->v = malloc(sizeof *res->v * Z);
            res->ok = res->v && !attribute_fit(m, r->fit_mu, column, r->n_fit, Z, res->v, &res->fit);
            if (res->fit.attr_std > r->base_attr_sd[k]) r->base_attr_sd[k] = res->fit.attr_std;
        }
    }
    free(column);
}

/* Mean change of every attribute between base and moved decodes, in each
 * attribute's sd on the training windows; own and mean |leak| for attribute k. */
static void measure(attr_run *r, int k, attr_result *res, const float *base, const float *moved)
{
    double leak = 0;
    int n_leak = 0;
    for (int j = 0; j < K; j++) {
        double sum = 0, sd = r->base_attr_sd[j];
        int n = 0;
        for (int i = 0; i < r->n_eval; i++) {
            float b = base[(size_t)i * K + j], m = moved[(size_t)i * K + j];
            if (!isnan(b) && !isnan(m)) sum += m - b, n++;
        }
        res->effect[j] = n && sd > 0 ? sum / n / sd : NAN;
        if (j != k && !isnan(res->effect[j])) leak += fabs(res->effect[j]), n_leak++;
    }
    res->own = res->effect[k];
    res->leak = n_leak ? leak / n_leak : 0;
}

static int evaluate(attr_run *r, char *err, size_t errlen)
{
    int Z = r->g.z_size, L = r->g.seq_len, n = r->n_eval;
    float *z = malloc(sizeof *z * n * Z), *base = malloc(sizeof *base * n * K),
          *moved = malloc(sizeof *moved * n * K);
    int32_t *tokens = malloc(sizeof *tokens * n * L);
    int rc = z && base && moved && tokens ? 0 : -1;
    if (!rc) {
        gen_decode(&r->g, r->eval_mu, n, 0, 0, tokens);
        compute_attributes(&r->g.hp, tokens, n, base);
    }
    for (int k = 0; !rc && k < K; k++)
        for (int m = 0; m < MV_FIT_METHODS; m++) {
            attr_result *res = &r->res[k][m];
            if (!res->ok) continue;
            memcpy(z, r->eval_mu, sizeof *z * n * Z);
            for (int i = 0; i < n; i++)
                latent_add_attribute(z + (size_t)i * Z, res->v, 1.0f, res->fit.proj_std, Z);
            gen_decode(&r->g, z, n, 0, 0, tokens);
            compute_attributes(&r->g.hp, tokens, n, moved);
            measure(r, k, res, base, moved);
        }
    if (rc) snprintf(err, errlen, "out of memory decoding %d windows", n);
    free(z);
    free(base);
    free(moved);
    free(tokens);
    return rc;
}

/* The stored method: forced, or the one whose own change beats its leak most. */
static void choose(attr_run *r, int forced)
{
    for (int k = 0; k < K; k++) {
        attr_result *g = &r->res[k][MV_FIT_REGRESSION], *q = &r->res[k][MV_FIT_QUARTILES];
        double sg = g->ok && !isnan(g->own) ? g->own - g->leak : -INFINITY;
        double sq = q->ok && !isnan(q->own) ? q->own - q->leak : -INFINITY;
        if (forced >= 0) r->chosen[k] = r->res[k][forced].ok ? forced : -1;
        else if (!g->ok && !q->ok) r->chosen[k] = -1;
        else r->chosen[k] = sq > sg || !g->ok ? MV_FIT_QUARTILES : MV_FIT_REGRESSION;
    }
}

static void print_signed(double x)
{
    if (isnan(x)) printf("  %7s", "-");
    else printf("  %+7.2f", x);
}

static void print_value(double x)
{
    if (isnan(x)) printf("  %7s", "-");
    else printf("  %7.2f", x);
}

static void print_tables(const attr_args *a, const attr_run *r)
{
    printf("%s: attributes fitted on %d training windows of %s; +1 sd applied to %d %s "
           "windows, decoded greedily\n\n", a->model, r->n_fit, a->corpus, r->n_eval,
           r->eval_split == MV_SPLIT_VALID ? "validation" : "training");
    printf("%-18s %-22s %9s %9s | own change (sd)    | leak (mean |sd|)   | stored\n",
           "attribute", "unit", "mean", "sd");
    printf("%-18s %-22s %9s %9s | %8s %9s | %8s %9s |\n", "", "", "", "", "regress.", "quartiles",
           "regress.", "quartiles");
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr)) continue;
        const attr_result *g = &r->res[k][MV_FIT_REGRESSION], *q = &r->res[k][MV_FIT_QUARTILES];
        const mv_attribute_info *info = attribute_info(k);
        printf("%-18s %-22s %9.3f %9.3f |", info->name, info->unit, g->fit.attr_mean,
               g->fit.attr_std);
        print_signed(g->ok ? g->own : NAN);
        print_signed(q->ok ? q->own : NAN);
        printf("  |");
        print_value(g->ok ? g->leak : NAN);
        print_value(q->ok ? q->leak : NAN);
        printf("  | %s\n", r->chosen[k] >= 0 ? fit_method_name(r->chosen[k]) : "none (undefined)");
    }
    printf("\nchange of each attribute (columns, in its sd) from +1 sd of each stored vector (rows):\n%-18s",
           "");
    for (int j = 0; j < K; j++)
        if (attribute_applies(j, r->g.hp.repr)) printf("  %7s", attribute_info(j)->label);
    printf("\n");
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr) || r->chosen[k] < 0) continue;
        printf("%-18s", attribute_info(k)->name);
        for (int j = 0; j < K; j++)
            if (attribute_applies(j, r->g.hp.repr)) print_signed(r->res[k][r->chosen[k]].effect[j]);
        printf("\n");
    }
}

/* The statistics of one stored attribute, alive until the file is written. */
typedef struct {
    float stats[4];
} attr_meta_store;

/* The chosen vectors as metadata entries (the model's old attribute entries
 * are dropped when the file is rewritten). */
static int build_meta(const attr_run *r, mv_meta *meta, attr_meta_store *store)
{
    int n = 0;
    for (int k = 0; k < K; k++) {
        if (!attribute_applies(k, r->g.hp.repr) || r->chosen[k] < 0) continue;
        const attr_result *res = &r->res[k][r->chosen[k]];
        const mv_attribute_info *info = attribute_info(k);
        attr_meta_store *st = &store[k];
        const char *suffix[4] = {"vector", "stats", "unit", "method"};
        st->stats[0] = res->fit.attr_mean;
        st->stats[1] = res->fit.attr_std;
        st->stats[2] = res->fit.proj_mean;
        st->stats[3] = res->fit.proj_std;
        const char *method = fit_method_name(r->chosen[k]);
        mv_meta entries[4] = {
            {.type = MV_META_F32, .count = (uint64_t)r->g.z_size, .data = res->v},
            {.type = MV_META_F32, .count = 4, .data = st->stats},
            {.type = MV_META_STR, .count = strlen(info->unit), .data = info->unit},
            {.type = MV_META_STR, .count = strlen(method), .data = method},
        };
        for (int e = 0; e < 4; e++) {
            snprintf(entries[e].key, sizeof entries[e].key, "attribute.%s.%s", info->name,
                     suffix[e]);
            meta[n++] = entries[e];
        }
    }
    return n;
}

/* Rewrites the model file with the new attribute metadata. */
static int store(const attr_args *a, const attr_run *r, char *err, size_t errlen)
{
    mv_meta *meta = malloc(sizeof *meta * 4 * K);
    attr_meta_store *st = malloc(sizeof *st * K);
    int rc = -1;
    if (!meta || !st) snprintf(err, errlen, "%s: out of memory", a->model);
    else
        rc = meta_rewrite(a->model, r->g.weights, "attribute.", meta,
                          (size_t)build_meta(r, meta, st), err, errlen);
    free(meta);
    free(st);
    return rc;
}

static void release(attr_run *r)
{
    for (int k = 0; k < K; k++)
        for (int m = 0; m < MV_FIT_METHODS; m++) free(r->res[k][m].v);
    free(r->fit_tokens);
    free(r->eval_tokens);
    free(r->fit_attr);
    free(r->fit_mu);
    free(r->eval_mu);
    if (r->corpus) corpus_close(r->corpus);
    gen_model_close(&r->g);
}

int cmd_attributes(int argc, char **argv)
{
    attr_args a;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    attr_run *r = calloc(1, sizeof *r);
    char err[1024];
    rc = r ? 0 : -1;
    if (!r) snprintf(err, sizeof err, "out of memory");
    if (!rc) rc = load(&a, r, err, sizeof err);
    if (!rc) {
        fit_all(r);
        rc = evaluate(r, err, sizeof err);
    }
    if (!rc) {
        choose(r, a.method);
        print_tables(&a, r);
        if (a.store) {
            rc = store(&a, r, err, sizeof err);
            if (!rc) printf("\n%s: attribute vectors stored\n", a.model);
        }
    }
    if (rc) fprintf(stderr, "morphvae attributes: %s\n", err);
    if (r) release(r);
    free(r);
    return rc ? 1 : 0;
}
