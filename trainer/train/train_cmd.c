/* morphvae train: trains the model of design.md §2 on a corpus (vae.c for the
 * maths, Adam with Magenta's schedule, checkpoints that resume bit-exactly),
 * validating and logging as it goes, and writes the final weights file.
 *
 * Data-parallel over the processes of dist.h (mpirun -np N): each takes its
 * share of every global batch (the windows one process would take, in the same
 * order) and draws the whole batch's noise, so that its sequences get the draws
 * they would get in one process; the gradients are summed, every process takes
 * the same Adam step, and process 0 alone writes files and talks. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "chord.h"
#include "cli.h"
#include "commands.h"
#include "corpus.h"
#include "decoder.h"
#include "dist.h"
#include "model.h"
#include "phrase_stats.h"
#include "repr.h"
#include "schedule.h"
#include "train_config.h"
#include "train_samples.h"
#include "vae.h"
#include "weights.h"

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8
#define CLIP_NORM 1.0
#define KL_COLLAPSE_NATS 0.5 /* below this the latent code carries almost nothing */
/* A chord model sees 30 % of its windows without chords: it keeps playing
 * without them (the plugin with chords off) while most steps teach harmony. */
#define DEFAULT_CHORD_DROPOUT 0.3

typedef struct train_opts {
    const char *corpus_path, *out_path, *config, *resume, *init, *run_dir;
    int z_size;           /* 0: the config's */
    train_numerics num;
    long steps, epochs;
    int threads;
    long eval_every, sample_every, checkpoint_every;
    long eval_windows;
    double time_limit;    /* seconds of this process; 0: none */
    int keep_best;        /* write the best model on validation beside the checkpoint: */
                          /* KEEP_BEST_ELBO or KEEP_BEST_ONSETS (0: off) */
    int lr_schedule_given; /* --lr-decay or --lr-min (refused with --resume) */
    int schedule_given;   /* on --resume, the sampling and dropout options given replace
                             the checkpoint's from then on */
    int chords;           /* --chords: a model with chord input */
    int chord_dropout_given;
    int latent_dropout_given;
} train_opts;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    stop_requested = sig;
}

static int usage(FILE *f, int status)
{
    char names[256];
    hparams_preset_list(names, sizeof names, ", ");
    fprintf(f,
            "usage: morphvae train CORPUS.bin -o MODEL.mvae [options]\n"
            "  --config NAME|FILE  a preset (%s)\n"
            "                      or a file of 'key = value' hyperparameter lines\n"
            "                      (default: the preset that fits the corpus)\n"
            "  --z N               latent size (default: the config's, 256)\n"
            "  --beta B            KL weight (0.2)          --free-bits F  free bits (48)\n"
            "  --beta-rate R       anneal beta as (1 - R^step) beta (default off)\n"
            "  --sampling-rate K   inverse-sigmoid scheduled sampling rate (default off)\n"
            "  --sampling-start N  step at which scheduled sampling starts (0)\n"
            "  --sampling-max P    highest probability of feeding the model's own token (1)\n"
            "  --word-dropout P    probability that a decoder input token is replaced by the\n"
            "                      zero input while training (0)\n"
            "  --dropout P         probability that a unit of what a decoder layer passes up\n"
            "                      (to the next layer, to the output) is zeroed while\n"
            "                      training (0; GrooVAE used 0.7); with --resume, the five\n"
            "                      options above replace the run's from then on\n"
            "  --chords            a chord-conditioned model (the corpus must have chords,\n"
            "                      `data --chords`); with --init of a model without them, its\n"
            "                      parameters and a zero chord input: it starts as that model\n"
            "  --chord-dropout P   probability that a training window's chords are all\n"
            "                      withheld, so that the model also plays without them (0.3\n"
            "                      for a chord model); with --resume it replaces the run's\n"
            "  --latent-dropout P  probability that a training window that keeps its chords\n"
            "                      is decoded from a prior sample instead of its encoding,\n"
            "                      so that the model plays the chords when z does not say\n"
            "                      which notes (prior samples); chord models (0); with\n"
            "                      --resume it replaces the run's\n"
            "  --latent-from prior|window  that z: a prior sample (default), or the mu of\n"
            "                      another window of the batch (another melody's code, as a\n"
            "                      plugin anchor is)\n"
            "  --lr LR             initial learning rate (1e-3)\n"
            "  --lr-decay D        it decays by D a step (0.9999) ...\n"
            "  --lr-min M          ... towards M (1e-5): lr = (LR - M) D^step + M; a resumed\n"
            "                      run keeps its schedule (to change it: --init its model)\n"
            "  --batch N           sequences per step (64)\n"
            "  --steps N | --epochs N   length of the run (default 10000 steps)\n"
            "  --time-limit S      stop after S seconds and write the model (default none)\n"
            "  --threads N         OpenBLAS threads (1)\n"
            "  --resume CKPT       continue a run from its checkpoint\n"
            "  --init MODEL.mvae   start from a weights file's parameters (same hyperparameters,\n"
            "                      fresh optimiser state, step 0); with a --config of another\n"
            "                      phrase length and the same tensors, a model of that length\n"
            "  --run-dir DIR       where the checkpoint, CSV log and samples go\n"
            "                      (default: the folder of MODEL.mvae; created, with its\n"
            "                      parents, if missing)\n"
            "  --eval-every N      validate every N steps (500)\n"
            "  --eval-windows N    validation windows used (1024)\n"
            "  --checkpoint-every N  (1000)    --sample-every M  MIDI samples (5000; 0 off)\n"
            "  --keep-best [elbo|onsets]  also write RUN.best.mvae whenever the validation\n"
            "                      ELBO (default) or the onset F1 of greedy decoding from mu\n"
            "                      improves (onsets: what is heard, the better choice with\n"
            "                      scheduled sampling, which worsens the teacher-forced ELBO)\n"
            "  --seed S            initialisation, data order and noise (1)\n"
            "Under mpirun -np N (a build with MPI), N processes share every batch; --batch\n"
            "stays the global batch and process 0 writes the files (docs/training-mpi.md).\n",
            names);
    return status;
}

enum { KEEP_BEST_ELBO = 1, KEEP_BEST_ONSETS = 2 };

/* The longest run, and the most steps between evaluations, checkpoints or
 * samples, an option takes. */
#define MAX_STEPS 1000000000L

/* A numeric option, checked as it is parsed (the range is named when it is
 * not in it): 0, -1 when refused, 1 when a is no numeric option. */
static int parse_number(const char *a, const char *v, train_opts *o)
{
    static const char cmd[] = "train";
    train_numerics *n = &o->num;
    long whole;
    int rc;
    if (!strcmp(a, "--z")) return cli_int(cmd, a, v, 1, MV_MAX_SIZE, &o->z_size);
    if (!strcmp(a, "--beta")) return cli_double(cmd, a, v, 0, 1e3, &n->beta);
    if (!strcmp(a, "--free-bits")) return cli_double(cmd, a, v, 0, 1e6, &n->free_bits);
    if (!strcmp(a, "--beta-rate")) return cli_real(cmd, a, v, 0, 1, CLI_BELOW_HI, &n->beta_rate);
    /* Any positive float: a huge one makes a run diverge on purpose (the
     * trainer stops it, tests/train/test_train_resume.c), NaN never runs. */
    if (!strcmp(a, "--lr")) return cli_real(cmd, a, v, 0, FLT_MAX, CLI_ABOVE_LO, &n->lr);
    if (!strcmp(a, "--seed")) return cli_u64(cmd, a, v, &n->seed);
    if (!strcmp(a, "--steps")) return cli_long(cmd, a, v, 1, MAX_STEPS, &o->steps);
    if (!strcmp(a, "--epochs")) return cli_long(cmd, a, v, 1, 1000000, &o->epochs);
    if (!strcmp(a, "--time-limit"))
        return cli_real(cmd, a, v, 0, 1e9, CLI_ABOVE_LO, &o->time_limit);
    if (!strcmp(a, "--threads")) return cli_int(cmd, a, v, 1, 1024, &o->threads);
    if (!strcmp(a, "--eval-every")) return cli_long(cmd, a, v, 1, MAX_STEPS, &o->eval_every);
    if (!strcmp(a, "--eval-windows")) return cli_long(cmd, a, v, 1, MAX_STEPS, &o->eval_windows);
    if (!strcmp(a, "--sample-every")) return cli_long(cmd, a, v, 0, MAX_STEPS, &o->sample_every);
    if (!strcmp(a, "--checkpoint-every"))
        return cli_long(cmd, a, v, 1, MAX_STEPS, &o->checkpoint_every);
    if (!strcmp(a, "--batch")) {
        rc = cli_long(cmd, a, v, 1, 1L << 20, &whole);
        n->batch = whole;
        return rc;
    }
    /* The schedules: the learning rate's starts a run (refused with --resume),
     * the others replace a resumed run's. */
    if (!strcmp(a, "--lr-decay") || !strcmp(a, "--lr-min")) {
        o->lr_schedule_given = 1;
        return !strcmp(a, "--lr-decay") ? cli_real(cmd, a, v, 0, 1, CLI_ABOVE_LO, &n->lr_decay)
                                        : cli_double(cmd, a, v, 0, 10, &n->lr_min);
    }
    if (!strcmp(a, "--sampling-rate")) rc = cli_double(cmd, a, v, 0, 1e9, &n->sampling_rate);
    else if (!strcmp(a, "--sampling-max")) rc = cli_double(cmd, a, v, 0, 1, &n->sampling_max);
    else if (!strcmp(a, "--word-dropout"))
        rc = cli_real(cmd, a, v, 0, 1, CLI_BELOW_HI, &n->word_dropout);
    else if (!strcmp(a, "--dropout"))
        rc = cli_real(cmd, a, v, 0, 1, CLI_BELOW_HI, &n->dropout);
    else if (!strcmp(a, "--chord-dropout")) {
        rc = cli_double(cmd, a, v, 0, 1, &n->chord_dropout);
        o->chord_dropout_given = 1;
    } else if (!strcmp(a, "--latent-dropout")) {
        rc = cli_real(cmd, a, v, 0, 1, CLI_BELOW_HI, &n->latent_dropout);
        o->latent_dropout_given = 1;
    } else if (!strcmp(a, "--latent-from")) {
        if (!strcmp(v, "prior")) n->latent_from = VAE_Z_PRIOR;
        else if (!strcmp(v, "window")) n->latent_from = VAE_Z_WINDOW;
        else return cli_misuse(cmd, "--latent-from '%s': prior or window", v);
        o->latent_dropout_given = 1;
        rc = 0;
    }
    else if (!strcmp(a, "--sampling-start")) {
        rc = cli_long(cmd, a, v, 0, MAX_STEPS, &whole);
        n->sampling_start = whole;
    } else
        return 1;
    o->schedule_given = 1;
    return rc;
}

static int parse_args(int argc, char **argv, train_opts *o)
{
    *o = (train_opts){.num = {.beta = 0.2, .free_bits = 48, .lr = 1e-3, .batch = 64, .seed = 1,
                              .sampling_max = 1, .lr_decay = SCHEDULE_LR_DECAY,
                              .lr_min = SCHEDULE_LR_MIN, .latent_from = VAE_Z_PRIOR},
                      .threads = 1, .eval_every = 500,
                      .sample_every = 5000, .checkpoint_every = 1000, .eval_windows = 1024};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return usage(stdout, 0) - 1;
        if (!strcmp(a, "--keep-best")) { /* an optional criterion follows */
            o->keep_best = KEEP_BEST_ELBO;
            if (i + 1 < argc && !strcmp(argv[i + 1], "elbo")) i++;
            else if (i + 1 < argc && !strcmp(argv[i + 1], "onsets")) o->keep_best = KEEP_BEST_ONSETS, i++;
            continue;
        }
        if (!strcmp(a, "--chords")) {
            o->chords = 1;
            continue;
        }
        if (a[0] != '-') {
            if (o->corpus_path) return cli_extra_argument("train", a);
            o->corpus_path = a;
            continue;
        }
        if (i + 1 >= argc) return cli_misuse("train", "%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "-o")) o->out_path = v;
        else if (!strcmp(a, "--config")) o->config = v;
        else if (!strcmp(a, "--resume")) o->resume = v;
        else if (!strcmp(a, "--init")) o->init = v;
        else if (!strcmp(a, "--run-dir")) o->run_dir = v;
        else {
            int rc = parse_number(a, v, o);
            if (rc > 0) return cli_unknown_option("train", a);
            if (rc < 0) return 2;
        }
    }
    if (!o->corpus_path) return cli_required("train", "CORPUS.bin");
    if (!o->out_path) return cli_required("train", "-o MODEL.mvae");
    if (o->resume && o->lr_schedule_given) {
        fprintf(stderr, "morphvae train: --lr-decay and --lr-min start a run: a resumed run "
                        "keeps the schedule in its checkpoint (to change it, start from its model "
                        "with --init)\n");
        return 2;
    }
    if (o->resume && o->init) {
        fprintf(stderr, "morphvae train: --resume and --init exclude each other\n");
        return 2;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The order of the training windows in an epoch: a permutation that depends on
 * the seed and the epoch only, so a resumed run sees the same batches. */
static void epoch_order(uint64_t *order, uint64_t n, uint64_t seed, int64_t epoch)
{
    mv_rng r;
    rng_seed(&r, seed * 0x9E3779B97F4A7C15ull + (uint64_t)epoch + 1);
    for (uint64_t i = 0; i < n; i++) order[i] = i;
    for (uint64_t i = n - 1; i > 0; i--) {
        uint64_t hi = rng_u32(&r), lo = rng_u32(&r); /* in this order, on every compiler */
        uint64_t j = (hi << 32 | lo) % (i + 1);
        uint64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

typedef struct run {
    train_opts o;
    int root;       /* process 0: writes the files and the progress */
    double last_progress; /* now_seconds() of the last progress line */
    int share_lo, share_n; /* this process's sequences of every global batch */
    mv_corpus *corpus;
    vae m;          /* sized for this process's share */
    real *adam_m, *adam_v;
    ckpt_header ck; /* hp, numerics and state of the run */
    ckpt_header resumed_header; /* as read from --resume, to check the file's body */
    mv_weights *init_model;     /* --init, on process 0 until its parameters are copied */
    uint64_t *order, n_train;
    void *batch;         /* share_n windows: int32 tokens, or roll bytes */
    uint8_t *chords;     /* share_n windows' chord ids (chord models; NULL otherwise) */
    uint8_t *z_elsewhere; /* share_n latent dropout draws (chord models; vae.h) */
    real *z_borrowed;     /* [share_n][Z]: the last step's mu's, each window's neighbour's */
    int borrowed_ready;   /* z_borrowed holds a step's mu's (not at a run's first step) */
    size_t window_bytes; /* one window's size in the corpus */
    real *eps;
    mv_rng *seq_rng; /* one stream per sequence of the share (vae_forward) */
    char ckpt_path[4096], csv_path[4096], samples_dir[4096], best_path[4096];
    double best_neg_elbo; /* best validation recon + KL so far (0: none yet) */
    double best_onset_f1; /* best validation onset F1 of greedy decoding (0: none yet) */
    FILE *csv;
    int tty;
    int low_kl_evals, warned_collapse;
    vae_stats last_valid;
    double last_acc_sampled, last_onset_f1_sampled; /* greedy decoding from mu */
    int validated; /* last_valid holds a validation of this process */
} run;

/* path of `name` beside the run's other files: <run_dir>/<model base><suffix> */
static void run_file(const train_opts *o, const char *suffix, char *out, size_t n)
{
    const char *base = strrchr(o->out_path, '/');
    base = base ? base + 1 : o->out_path;
    size_t len = strlen(base);
    if (len > 5 && !strcmp(base + len - 5, ".mvae")) len -= 5;
    if (o->run_dir) {
        snprintf(out, n, "%s/%.*s%s", o->run_dir, (int)len, base, suffix);
    } else {
        size_t dir = (size_t)(base - o->out_path);
        snprintf(out, n, "%.*s%.*s%s", (int)dir, o->out_path, (int)len, base, suffix);
    }
}

static const char *const hparams_field_names[MV_HPARAMS_FIELDS] = {
    "repr",     "n_classes",  "min_pitch", "n_bars",      "steps_per_bar", "z_size",
    "enc_size", "enc_layers", "cond_size", "cond_layers", "dec_size",      "dec_layers"};

#define Z_SIZE_FIELD ((int)(offsetof(mv_hparams, z_size) / sizeof(uint32_t)))

/* The first field (in file order, all u32) where a and b differ, or -1. */
static int hparams_first_difference(const mv_hparams *a, const mv_hparams *b)
{
    const uint32_t *x = (const uint32_t *)a, *y = (const uint32_t *)b;
    for (int i = 0; i < MV_HPARAMS_FIELDS; i++)
        if (x[i] != y[i]) return i;
    return -1;
}

/* The model of --config and --z (the corpus's preset when none is given). */
static int resolve_config(run *r, mv_hparams *hp)
{
    char err[512];
    if (train_config_resolve(r->o.config, r->corpus, hp, err, sizeof err)) {
        fprintf(stderr, "morphvae train: %s\n", err);
        return -1;
    }
    if (r->o.z_size) hp->z_size = (uint32_t)r->o.z_size;
    return 0;
}

/* Whether two models have the same tensors, name for name and shape for shape
 * (the phrase length, bars and steps, is no tensor's shape). */
static int same_tensors(const mv_hparams *a, const mv_hparams *b)
{
    mv_tensor_spec sa[MV_MAX_TENSORS], sb[MV_MAX_TENSORS];
    int na = model_layout(a, sa), nb = model_layout(b, sb);
    if (na != nb || a->repr != b->repr || a->min_pitch != b->min_pitch) return 0;
    for (int i = 0; i < na; i++)
        if (strcmp(sa[i].name, sb[i].name) || sa[i].ndim != sb[i].ndim ||
            sa[i].dims[0] != sb[i].dims[0] || sa[i].dims[1] != sb[i].dims[1])
            return 0;
    return 1;
}

/* A model taken from a file (checkpoint or --init) must be the one --config and
 * --z ask for, when they are given. An --init model may differ in what no
 * tensor's shape depends on (a 2-bar model warm-starts a 4-bar one): it then
 * takes the configuration's phrase length. */
static int check_given_config(run *r, mv_hparams *have, const char *from)
{
    if (!r->o.config && !r->o.z_size) return 0;
    mv_hparams want = *have;
    if (r->o.config && resolve_config(r, &want)) return -1;
    want.chords = have->chords; /* no configuration names it */
    if (r->o.z_size) want.z_size = (uint32_t)r->o.z_size;
    int i = hparams_first_difference(have, &want);
    if (i < 0) return 0;
    if (r->o.init && same_tensors(have, &want)) {
        if (r->root)
            fprintf(stderr, "morphvae train: --init %s: its %u-bar model starts a %u-bar one "
                            "(same tensors)\n", from, have->n_bars, want.n_bars);
        *have = want;
        return 0;
    }
    fprintf(stderr,
            "morphvae train: %s: hyperparameter %s is %u, but %s asks for %u (leave out "
            "--config and --z to take the file's)\n",
            from, hparams_field_names[i], ((const uint32_t *)have)[i],
            i == Z_SIZE_FIELD && r->o.z_size ? "--z" : "--config",
            ((const uint32_t *)&want)[i]);
    return -1;
}

static int open_corpus_and_config(run *r)
{
    char err[512];
    if (corpus_open(r->o.corpus_path, &r->corpus, err, sizeof err)) {
        fprintf(stderr, "morphvae train: %s\n", err);
        return -1;
    }
    mv_hparams hp;
    const char *from = r->o.resume ? r->o.resume : r->o.init; /* the model's file, if any */
    if (from) {
        hp = r->ck.hp;
        if (check_given_config(r, &hp, from)) return -1;
    } else if (resolve_config(r, &hp)) {
        return -1;
    }
    if (!corpus_fits_model(r->corpus, r->o.corpus_path, &hp, err, sizeof err)) {
        if (from) fprintf(stderr, "morphvae train: %s: its model does not fit the corpus: %s\n",
                          from, err);
        else fprintf(stderr, "morphvae train: %s; choose a --config that fits the corpus\n", err);
        return -1;
    }
    if (r->o.chords && r->o.resume && !hp.chords) {
        fprintf(stderr, "morphvae train: --chords: the model of %s has no chord input (start "
                        "from its model: --init MODEL.mvae --chords)\n", r->o.resume);
        return -1;
    }
    if (r->o.chords) hp.chords = MV_CHORDS_V1;
    r->ck.hp = hp;
    r->n_train = corpus_count(r->corpus, MV_SPLIT_TRAIN);
    if (r->n_train < (uint64_t)r->ck.num.batch) {
        fprintf(stderr, "morphvae train: %s: %llu training windows, fewer than a batch of %lld\n",
                r->o.corpus_path, (unsigned long long)r->n_train, (long long)r->ck.num.batch);
        return -1;
    }
    if (hp.chords && !corpus_window_chords(r->corpus, MV_SPLIT_TRAIN, 0)) {
        fprintf(stderr, "morphvae train: %s has no chords for a chord-conditioned model (make "
                        "it with `morphvae data --chords`)\n", r->o.corpus_path);
        return -1;
    }
    if (!hp.chords && r->o.latent_dropout_given && r->o.num.latent_dropout > 0) {
        fprintf(stderr, "morphvae train: --latent-dropout needs a chord-conditioned model "
                        "(--chords): only windows with chords decode a prior sample\n");
        return -1;
    }
    return 0;
}

/* The run's header: from --resume (read and checked by process 0, which alone
 * needs the file), or fresh; with --init, the hyperparameters of the model file. */
static int start_header(run *r)
{
    char err[512];
    memset(&r->ck, 0, sizeof r->ck);
    if (r->o.resume) {
        if (r->root && checkpoint_load_header(r->o.resume, &r->ck, err, sizeof err)) {
            fprintf(stderr, "morphvae train: %s\n", err);
            return -1;
        }
        dist_broadcast(&r->ck, sizeof r->ck);
        r->resumed_header = r->ck;
        return 0;
    }
    memcpy(r->ck.magic, CKPT_MAGIC, 8);
    r->ck.real_size = sizeof(real);
    r->ck.num = r->o.num;
    rng_seed(&r->ck.st.rng, r->o.num.seed ^ 0x5EEDull);
    if (r->o.init) {
        if (r->root) {
            if (weights_read(r->o.init, &r->init_model, err, sizeof err)) {
                fprintf(stderr, "morphvae train: --init: %s\n", err);
                return -1;
            }
            r->ck.hp = *weights_hparams(r->init_model);
        }
        dist_broadcast(&r->ck.hp, sizeof r->ck.hp);
    }
    return 0;
}

/* The weights file's tensors into the parameter block (weights_read checked
 * every tensor's shape against its hyperparameters, which are the model's but
 * for the chord input): a chord kernel the file lacks (--chords) starts at
 * zero, so that the model starts as the file's. */
static void copy_init_params(run *r)
{
    for (int i = 0; i < r->m.n_tensors; i++) {
        const mv_tensor *t = weights_tensor(r->init_model, r->m.specs[i].name);
        uint64_t n = tensor_spec_count(&r->m.specs[i]);
        for (uint64_t j = 0; j < n; j++)
            r->m.params[r->m.specs[i].offset + j] = t ? (real)t->data[j] : 0;
    }
    weights_free(r->init_model);
    r->init_model = NULL;
}

/* Parameters (and Adam's moments on --resume): process 0 reads or makes them,
 * every process starts from its copy. */
static int start_params(run *r)
{
    char err[512];
    const size_t bytes = r->m.n_params * sizeof(real);
    if (r->root) {
        if (r->o.resume) {
            if (checkpoint_load_data(r->o.resume, &r->resumed_header, r->m.n_params,
                                     r->m.params, r->adam_m, r->adam_v, err, sizeof err)) {
                fprintf(stderr, "morphvae train: %s\n", err);
                return -1;
            }
        } else if (r->o.init) {
            copy_init_params(r);
        } else {
            vae_init_params(&r->m, r->o.num.seed);
        }
    }
    dist_broadcast(r->m.params, bytes);
    if (r->o.resume) {
        dist_broadcast(r->adam_m, bytes);
        dist_broadcast(r->adam_v, bytes);
    }
    return 0;
}

static int open_log(run *r)
{
    if (r->o.run_dir && cli_make_path("train", r->o.run_dir)) return -1;
    int fresh = access(r->csv_path, F_OK) != 0 || !r->o.resume;
    r->csv = fopen(r->csv_path, fresh ? "w" : "a");
    if (!r->csv) {
        fprintf(stderr, "morphvae train: %s: cannot write the log: %s\n", r->csv_path,
                strerror(errno));
        return -1;
    }
    if (fresh)
        fprintf(r->csv, "step,seconds,split,recon,kl,elbo,acc_tf,acc_sampled,lr,beta,loss,"
                        "grad_norm,sample_prob,onset_f1_tf,onset_f1_sampled\n");
    return 0;
}

static int setup(run *r)
{
    r->root = dist_rank() == 0;
    if (start_header(r) || open_corpus_and_config(r)) return -1;
    const long B = (long)r->ck.num.batch, procs = dist_size(), rank = dist_rank();
    if (B < procs) {
        fprintf(stderr, "morphvae train: a batch of %ld cannot be shared by %ld processes\n", B,
                procs);
        return -1;
    }
    r->share_lo = (int)(B * rank / procs);
    r->share_n = (int)(B * (rank + 1) / procs) - r->share_lo;
    if (vae_create(&r->m, &r->ck.hp, r->share_n)) {
        fprintf(stderr, "morphvae train: out of memory for the model\n");
        return -1;
    }
    r->ck.n_params = r->m.n_params;
    r->adam_m = be_alloc(r->m.n_params);
    r->adam_v = be_alloc(r->m.n_params);
    r->order = malloc(sizeof *r->order * r->n_train);
    r->window_bytes = hparams_seq_len(&r->ck.hp) *
                      repr_io_of(r->ck.hp.repr)->step_bytes((int)r->ck.hp.n_classes);
    r->batch = malloc(r->window_bytes * (size_t)r->share_n);
    if (r->ck.hp.chords) {
        r->chords = malloc(hparams_seq_len(&r->ck.hp) * (size_t)r->share_n);
        if (!r->chords) {
            fprintf(stderr, "morphvae train: out of memory\n");
            return -1;
        }
        r->m.chords = r->chords;
        r->z_elsewhere = calloc((size_t)r->share_n, 1);
        r->z_borrowed = be_alloc((size_t)r->share_n * r->ck.hp.z_size);
        r->m.z_borrowed = r->z_borrowed;
        if (!r->z_elsewhere || !r->z_borrowed) {
            fprintf(stderr, "morphvae train: out of memory\n");
            return -1;
        }
    }
    r->eps = be_alloc((size_t)r->share_n * r->ck.hp.z_size);
    r->seq_rng = malloc(sizeof *r->seq_rng * r->share_n);
    if (!r->adam_m || !r->adam_v || !r->order || !r->batch || !r->eps || !r->seq_rng) {
        fprintf(stderr, "morphvae train: out of memory\n");
        return -1;
    }
    if (start_params(r)) return -1;
    if (r->o.resume && r->o.schedule_given) {
        r->ck.num.sampling_rate = r->o.num.sampling_rate;
        r->ck.num.sampling_start = r->o.num.sampling_start;
        r->ck.num.sampling_max = r->o.num.sampling_max;
        r->ck.num.word_dropout = r->o.num.word_dropout;
        r->ck.num.dropout = r->o.num.dropout;
    }
    if (r->o.resume && r->o.chord_dropout_given) r->ck.num.chord_dropout = r->o.num.chord_dropout;
    if (r->o.resume && r->o.latent_dropout_given) {
        r->ck.num.latent_dropout = r->o.num.latent_dropout;
        r->ck.num.latent_from = r->o.num.latent_from;
    }
    if (!r->o.resume && r->ck.hp.chords && !r->o.chord_dropout_given)
        r->ck.num.chord_dropout = DEFAULT_CHORD_DROPOUT;
    long per_epoch = (long)(r->n_train / (uint64_t)B);
    if (r->o.steps) r->ck.st.total_steps = r->o.steps;
    else if (r->o.epochs) r->ck.st.total_steps = r->o.epochs * per_epoch;
    else if (!r->o.resume) r->ck.st.total_steps = 10000;
    epoch_order(r->order, r->n_train, r->ck.num.seed, r->ck.st.epoch);

    run_file(&r->o, ".ckpt", r->ckpt_path, sizeof r->ckpt_path);
    run_file(&r->o, ".csv", r->csv_path, sizeof r->csv_path);
    run_file(&r->o, "-samples", r->samples_dir, sizeof r->samples_dir);
    run_file(&r->o, ".best.mvae", r->best_path, sizeof r->best_path);
    be_set_threads(r->o.threads);
    if (!r->root) return 0;
    if (open_log(r)) return -1;
    r->tty = isatty(2);
    fprintf(stderr,
            "morphvae train: %s, %d thread%s%s; %s, %s %u bars x %u steps, %llu training "
            "windows; model %llu parameters (z %u, encoder %ux%u, conductor %ux%u, decoder "
            "%ux%u%s); batch %lld; %s\n",
            dist_describe(), r->o.threads, r->o.threads > 1 ? "s" : "",
            dist_size() > 1 ? " each" : "", r->o.corpus_path,
            repr_name(r->ck.hp.repr), r->ck.hp.n_bars, r->ck.hp.steps_per_bar,
            (unsigned long long)r->n_train, (unsigned long long)model_param_count(&r->ck.hp),
            r->ck.hp.z_size, r->ck.hp.enc_layers, r->ck.hp.enc_size, r->ck.hp.cond_layers,
            r->ck.hp.cond_size, r->ck.hp.dec_layers, r->ck.hp.dec_size,
            r->ck.hp.chords ? ", chord input" : "", (long long)r->ck.num.batch, be_describe());
    if (r->ck.hp.chords)
        fprintf(stderr, "morphvae train: chords from the corpus, each window's withheld with "
                        "probability %.2f; latent dropout %.2f (%s)\n", r->ck.num.chord_dropout,
                r->ck.num.latent_dropout,
                r->ck.num.latent_from == VAE_Z_WINDOW ? "another window's mu" : "prior samples");
    const char *slow = be_warning();
    if (slow) fprintf(stderr, "morphvae train: warning: %s\n", slow);
    if (r->o.init)
        fprintf(stderr, "morphvae train: starting from the parameters of %s (fresh optimiser, "
                        "step 0)\n", r->o.init);
    if (r->o.resume)
        fprintf(stderr, "morphvae train: resumed %s at step %lld of %lld (epoch %lld)\n",
                r->o.resume, (long long)r->ck.st.step, (long long)r->ck.st.total_steps,
                (long long)r->ck.st.epoch);
    return 0;
}

/* Window i of a split, copied into place b of the batch, with its chords
 * (chord models). */
static void load_window(run *r, int split, uint64_t i, int b)
{
    const void *w = corpus_window_steps(r->corpus, split, i);
    memcpy((char *)r->batch + (size_t)b * r->window_bytes, w, r->window_bytes);
    if (!r->chords) return;
    const size_t T = hparams_seq_len(&r->ck.hp);
    memcpy(r->chords + (size_t)b * T, corpus_window_chords(r->corpus, split, i), T);
}


/* The forward pass over the first n windows of the batch. */
static vae_stats forward_batch(run *r, const real *eps, int n, const vae_loss_cfg *loss,
                               int feed, real p_sample, mv_rng *rngs)
{
    return vae_forward(&r->m, window_for(r->ck.hp.repr, r->batch), eps, n, loss, feed, p_sample,
                       rngs);
}

/* The same with its onsets counted (validation). */
static vae_stats forward_batch_onsets(run *r, int n, const vae_loss_cfg *loss, int feed)
{
    vae_stats s = forward_batch(r, NULL, n, loss, feed, 0, NULL);
    vae_count_onsets(&r->m, window_for(r->ck.hp.repr, r->batch), &s);
    return s;
}

/* This process's share of the next global batch. */
static void next_batch(run *r)
{
    const int B = (int)r->ck.num.batch;
    train_state *st = &r->ck.st;
    if ((uint64_t)(st->pos + B) > r->n_train) {
        st->epoch++;
        st->pos = 0;
        epoch_order(r->order, r->n_train, r->ck.num.seed, st->epoch);
    }
    for (int b = 0; b < r->share_n; b++)
        load_window(r, MV_SPLIT_TRAIN, r->order[st->pos + r->share_lo + b], b);
    st->pos += B;
}

static int has_chords(const uint8_t *chords, size_t T)
{
    for (size_t t = 0; t < T; t++)
        if (chords[t] != MV_CHORD_NONE) return 1;
    return 0;
}

/* The whole batch's noise, in one process's order: eps, then a seed for each
 * sequence's stream, then (chord models) each window's chord dropout coin;
 * this process keeps its share. The coins come last so that the draws before
 * them, and the sequences' streams, are those of a model without chords (a
 * warm start from one has its step-0 loss). */
static void draw_noise(run *r)
{
    const int B = (int)r->ck.num.batch, Z = (int)r->ck.hp.z_size;
    const int lo = r->share_lo, hi = r->share_lo + r->share_n;
    mv_rng *rng = &r->ck.st.rng;
    for (int b = 0; b < B; b++)
        for (int j = 0; j < Z; j++) {
            real e = (real)rng_normal(rng);
            if (b >= lo && b < hi) r->eps[(size_t)(b - lo) * Z + j] = e;
        }
    for (int b = 0; b < B; b++) {
        uint64_t high = rng_u32(rng), low = rng_u32(rng); /* in this order, on every compiler */
        if (b >= lo && b < hi) rng_seed(&r->seq_rng[b - lo], high << 32 | low);
    }
    const size_t T = hparams_seq_len(&r->ck.hp);
    for (int b = 0; b < B && r->chords; b++) { /* withhold all the window's chords */
        const int withheld = rng_uniform(rng) < r->ck.num.chord_dropout;
        if (b >= lo && b < hi) {
            if (withheld) memset(r->chords + (size_t)(b - lo) * T, MV_CHORD_NONE, T);
            r->z_elsewhere[b - lo] = 0;
        }
    }
    /* latent dropout, last (no draws without it): a window that keeps its
     * chords decodes a prior sample, so that the decoder learns to play the
     * chords when z says nothing about the melody, as a prior sample does */
    for (int b = 0; b < B && r->chords && r->ck.num.latent_dropout > 0; b++) {
        const int coin = rng_uniform(rng) < r->ck.num.latent_dropout;
        if (b >= lo && b < hi)
            r->z_elsewhere[b - lo] =
                !coin || !has_chords(r->chords + (size_t)(b - lo) * T, T) ? VAE_Z_OWN
                : r->ck.num.latent_from == VAE_Z_WINDOW && r->borrowed_ready ? VAE_Z_WINDOW
                                                                             : VAE_Z_PRIOR;
    }
}

/* Validation on evenly spaced windows of the valid split (the train split if it
 * has none): teacher-forced loss, accuracy and onset counts at z = mu, and the
 * accuracy and onset F1 of greedy decoding from mu. The windows are shared out
 * among the processes and their sums added up. */
static vae_stats validate(run *r, double *acc_sampled, double *onset_f1_sampled)
{
    int split = corpus_count(r->corpus, MV_SPLIT_VALID) ? MV_SPLIT_VALID : MV_SPLIT_TRAIN;
    uint64_t n = corpus_count(r->corpus, split);
    uint64_t want = (uint64_t)r->o.eval_windows < n ? (uint64_t)r->o.eval_windows : n;
    const uint64_t procs = (uint64_t)dist_size(), rank = (uint64_t)dist_rank();
    const uint64_t lo = want * rank / procs, hi = want * (rank + 1) / procs;
    vae_loss_cfg loss = {(real)r->ck.num.beta, (real)r->ck.num.free_bits};
    /* recon, kl, loss, accuracy, sampled accuracy (times windows); onsets true,
     * teacher-forced, both, sampled, both */
    double sum[10] = {0};
    for (uint64_t done = lo; done < hi;) {
        int b_n = hi - done < (uint64_t)r->share_n ? (int)(hi - done) : r->share_n;
        for (int b = 0; b < b_n; b++) load_window(r, split, (done + b) * n / want, b);
        vae_stats s = forward_batch_onsets(r, b_n, &loss, VAE_FEED_TRUTH);
        sum[0] += s.recon * b_n;
        sum[1] += s.kl * b_n;
        sum[2] += s.loss * b_n;
        sum[3] += s.accuracy * b_n;
        sum[5] += (double)s.onsets_true;
        sum[6] += (double)s.onsets_pred;
        sum[7] += (double)s.onsets_both;
        s = forward_batch_onsets(r, b_n, &loss, VAE_FEED_GREEDY);
        sum[4] += s.accuracy * b_n;
        sum[8] += (double)s.onsets_pred;
        sum[9] += (double)s.onsets_both;
        done += (uint64_t)b_n;
    }
    dist_sum_double(sum, 10);
    *acc_sampled = sum[4] / (double)want;
    *onset_f1_sampled = onset_f1(sum[9], sum[5] - sum[9], sum[8] - sum[9]);
    return (vae_stats){.recon = sum[0] / (double)want, .kl = sum[1] / (double)want,
                       .loss = sum[2] / (double)want, .accuracy = sum[3] / (double)want,
                       .onsets_true = (long)sum[5], .onsets_pred = (long)sum[6],
                       .onsets_both = (long)sum[7]};
}

static void format_duration(double s, char *out, size_t n)
{
    if (s < 0 || !isfinite(s)) snprintf(out, n, "?");
    else if (s < 3600) snprintf(out, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(out, n, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

/* Between validations: every 10 steps on a terminal (one line redrawn); in a
 * log, a line a minute, so a long run without a terminal shows it is alive. */
#define LOG_PROGRESS_SECONDS 60.0

static int progress_due(const run *r)
{
    if (r->tty) return r->ck.st.step % 10 == 0;
    return now_seconds() - r->last_progress >= LOG_PROGRESS_SECONDS;
}

static void show_progress(run *r, const vae_stats *train, double steps_per_s)
{
    const train_state *st = &r->ck.st;
    r->last_progress = now_seconds();
    double frac = (double)st->step / (double)st->total_steps;
    char eta[32];
    format_duration((double)(st->total_steps - st->step) / steps_per_s, eta, sizeof eta);
    if (r->tty) {
        char bar[21];
        int fill = (int)(frac * 20);
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        fprintf(stderr,
                "\r[%s] %lld/%lld loss %.2f kl %.1f | valid acc %.3f/%.3f onsets %.3f kl %.1f | "
                "%.1f it/s ETA %s   ",
                bar, (long long)st->step, (long long)st->total_steps, train->loss, train->kl,
                r->last_valid.accuracy, r->last_acc_sampled, r->last_onset_f1_sampled,
                r->last_valid.kl, steps_per_s, eta);
    } else {
        char valid[160] = "no validation yet";
        if (r->validated)
            snprintf(valid, sizeof valid,
                     "valid recon %.3f kl %.2f acc %.4f sampled %.4f onset F1 sampled %.4f",
                     r->last_valid.recon, r->last_valid.kl, r->last_valid.accuracy,
                     r->last_acc_sampled, r->last_onset_f1_sampled);
        fprintf(stderr,
                "step %lld/%lld (%.0f%%): train loss %.3f recon %.3f kl %.2f acc %.4f | %s | "
                "%.2f steps/s, ETA %s\n",
                (long long)st->step, (long long)st->total_steps, 100 * frac, train->loss,
                train->recon, train->kl, train->accuracy, valid, steps_per_s, eta);
    }
}

/* One CSV row; `sampled` holds the columns only validation has (acc_sampled,
 * and after the others onset_f1_tf, onset_f1_sampled), empty for training. */
static void log_row(run *r, const char *split, const vae_stats *s, const char *acc_sampled,
                    const char *onset_f1s, double lr, double beta, double grad_norm,
                    double p_sample)
{
    fprintf(r->csv, "%lld,%.3f,%s,%.6f,%.6f,%.6f,%.6f,%s,%.8g,%.6g,%.6f,%.6g,%.6g,%s\n",
            (long long)r->ck.st.step, r->ck.st.seconds, split, s->recon, s->kl,
            -(s->recon + s->kl), s->accuracy, acc_sampled, lr, beta, s->loss, grad_norm,
            p_sample, onset_f1s);
    fflush(r->csv);
}

static int write_model(run *r, const char *path);

/* Validation on every process; process 0 logs it and keeps the best model. */
static void evaluate_and_log(run *r, const vae_stats *train_mean, double lr, double beta,
                             double grad_norm, double p_sample)
{
    r->last_valid = validate(r, &r->last_acc_sampled, &r->last_onset_f1_sampled);
    r->validated = 1;
    if (!r->root) return;
    const vae_stats *v = &r->last_valid;
    const double f1_tf = onset_f1((double)v->onsets_both, (double)(v->onsets_true - v->onsets_both),
                                  (double)(v->onsets_pred - v->onsets_both));
    char sampled[32], f1s[64];
    snprintf(sampled, sizeof sampled, "%.6f", r->last_acc_sampled);
    snprintf(f1s, sizeof f1s, "%.6f,%.6f", f1_tf, r->last_onset_f1_sampled);
    log_row(r, "train", train_mean, "", ",", lr, beta, grad_norm, p_sample);
    log_row(r, "valid", v, sampled, f1s, lr, beta, grad_norm, p_sample);
    const double neg_elbo = v->recon + v->kl, f1 = r->last_onset_f1_sampled;
    const bool better = r->o.keep_best == KEEP_BEST_ONSETS
                            ? f1 > r->best_onset_f1
                            : r->best_neg_elbo == 0 || neg_elbo < r->best_neg_elbo;
    if (r->o.keep_best && better) {
        r->best_neg_elbo = neg_elbo;
        r->best_onset_f1 = f1;
        write_model(r, r->best_path);
    }
    if (r->last_valid.kl < KL_COLLAPSE_NATS) r->low_kl_evals++;
    else r->low_kl_evals = 0;
    if (r->low_kl_evals >= 3 && !r->warned_collapse) {
        if (r->tty) fputc('\n', stderr);
        fprintf(stderr,
                "morphvae train: warning: the KL has stayed near zero (%.3f nats) for %d "
                "validations: the posterior may have collapsed (the decoder ignores z); try a "
                "lower --beta, more --free-bits or --beta-rate annealing\n",
                r->last_valid.kl, r->low_kl_evals);
        r->warned_collapse = 1;
    }
}

static uint64_t hash_params(const run *r)
{
    const unsigned char *p = (const unsigned char *)r->m.params;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < r->m.n_params * sizeof(real); i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* On every process: they must hold the same parameters (the checkpoint speaks
 * for all of them); process 0 writes it. */
static int save_checkpoint(run *r)
{
    char err[512];
    if (dist_size() > 1 && !dist_same(hash_params(r))) {
        if (r->root)
            fprintf(stderr, "\nmorphvae train: the processes' parameters differ at step %lld "
                            "(the sum of the gradients was not the same everywhere); stopping\n",
                    (long long)r->ck.st.step);
        return -1;
    }
    if (r->root && checkpoint_save(r->ckpt_path, &r->ck, r->m.params, r->adam_m, r->adam_v,
                                   err, sizeof err)) {
        fprintf(stderr, "\nmorphvae train: %s\n", err);
        dist_fail(1);
        return -1;
    }
    return 0;
}

static int write_model(run *r, const char *path)
{
    float metrics[6] = {(float)r->last_valid.recon, (float)r->last_valid.kl,
                        (float)-(r->last_valid.recon + r->last_valid.kl),
                        (float)r->last_valid.accuracy, (float)r->last_acc_sampled,
                        (float)r->last_onset_f1_sampled};
    const char *metric_names[6] = {"metric.valid.recon", "metric.valid.kl", "metric.valid.elbo",
                                   "metric.valid.acc_tf", "metric.valid.acc_sampled",
                                   "metric.valid.onset_f1_sampled"};
    int64_t steps = r->ck.st.step, batch = r->ck.num.batch, processes = dist_size();
    float seconds = (float)r->ck.st.seconds;
    float loss_cfg[3] = {(float)r->ck.num.beta, (float)r->ck.num.free_bits, (float)r->ck.num.lr};
    mv_meta meta[16] = {
        {"train.corpus", MV_META_STR, strlen(r->o.corpus_path), r->o.corpus_path},
        {"train.steps", MV_META_I64, 1, &steps},
        {"train.batch", MV_META_I64, 1, &batch},
        {"train.processes", MV_META_I64, 1, &processes},
        {"train.seconds", MV_META_F32, 1, &seconds},
        {"train.loss.beta_free_bits_lr", MV_META_F32, 3, loss_cfg},
    };
    size_t n = 6;
    if (r->o.init) /* where the parameters came from */
        meta[n++] = (mv_meta){"train.init", MV_META_STR, strlen(r->o.init), r->o.init};
    for (int i = 0; i < 6; i++) {
        if (!isfinite(metrics[i])) continue; /* the format holds finite numbers only */
        snprintf(meta[n].key, sizeof meta[n].key, "%s", metric_names[i]);
        meta[n].type = MV_META_F32;
        meta[n].count = 1;
        meta[n++].data = &metrics[i];
    }

    mv_tensor tensors[MV_MAX_TENSORS];
    int nt = model_carve(&r->ck.hp, r->m.params, tensors);
    char err[512];
    if (weights_write(path, &r->ck.hp, tensors, (size_t)nt, meta, n, err, sizeof err)) {
        fprintf(stderr, "morphvae train: %s\n", err);
        return -1;
    }
    return 0;
}

/* The mean over the global batch of every process's mean over its share. */
static vae_stats batch_mean(const run *r, vae_stats s)
{
    if (dist_size() == 1) return s;
    const double w = (double)r->share_n / (double)r->ck.num.batch;
    double v[4] = {w * s.loss, w * s.recon, w * s.kl, w * s.accuracy};
    dist_sum_double(v, 4);
    return (vae_stats){.loss = v[0], .recon = v[1], .kl = v[2], .accuracy = v[3]};
}

/* The gradient of the global batch's loss: the shares' gradients weighted by
 * their part of the batch, summed in place over the processes. */
static void sum_gradients(run *r)
{
    if (dist_size() == 1) return;
    const real w = (real)r->share_n / (real)r->ck.num.batch;
    for (uint64_t i = 0; i < r->m.n_params; i++) r->m.grads[i] *= w;
    dist_sum_real(r->m.grads, r->m.n_params);
}

/* The mu's of this step, each window's kept for its neighbour in the share:
 * the other melodies' codes that latent dropout "window" decodes next step. */
static void keep_borrowed(run *r)
{
    if (!r->z_borrowed || r->ck.num.latent_from != VAE_Z_WINDOW) return;
    const size_t Z = r->ck.hp.z_size;
    for (int b = 0; b < r->share_n; b++)
        be_copy(r->z_borrowed + (size_t)b * Z, r->m.mu + (size_t)((b + 1) % r->share_n) * Z, Z);
    r->borrowed_ready = 1;
}

/* One optimiser step; returns the stats, or loss NaN if the step was refused
 * (on every process alike). */
static vae_stats train_step(run *r, double *grad_norm, double *lr, double *beta, double *p)
{
    train_state *st = &r->ck.st;
    next_batch(r);
    draw_noise(r);
    *p = schedule_sample_prob(r->ck.num.sampling_rate, (long)r->ck.num.sampling_start,
                              r->ck.num.sampling_max, (long)st->step);
    r->m.word_dropout = (real)r->ck.num.word_dropout;
    r->m.dropout = (real)r->ck.num.dropout;
    *beta = schedule_beta(r->ck.num.beta, r->ck.num.beta_rate, (long)st->step);
    *lr = schedule_lr(r->ck.num.lr, r->ck.num.lr_decay, r->ck.num.lr_min, (long)st->step);
    vae_loss_cfg loss = {(real)*beta, (real)r->ck.num.free_bits};
    vae_zero_grads(&r->m);
    r->m.z_elsewhere = r->z_elsewhere; /* training steps only, not validation */
    vae_stats s = forward_batch(r, r->eps, r->share_n, &loss, VAE_FEED_SCHEDULED, (real)*p,
                                r->seq_rng);
    s = batch_mean(r, s);
    if (isfinite(s.loss)) vae_backward(&r->m, &loss);
    r->m.z_elsewhere = NULL;
    keep_borrowed(r);
    if (!isfinite(s.loss)) return s;
    sum_gradients(r);
    *grad_norm = sqrt(be_sum_squares(r->m.grads, r->m.n_params));
    if (!isfinite(*grad_norm)) {
        s.loss = NAN;
        return s;
    }
    double scale = *grad_norm > CLIP_NORM ? CLIP_NORM / *grad_norm : 1.0;
    be_adam(r->m.params, r->m.grads, r->adam_m, r->adam_v, r->m.n_params, (real)*lr,
            (real)ADAM_BETA1, (real)ADAM_BETA2, (real)ADAM_EPS, (real)scale, (long)st->step + 1);
    st->step++;
    return s;
}

static void add_stats(vae_stats *sum, const vae_stats *s)
{
    sum->loss += s->loss;
    sum->recon += s->recon;
    sum->kl += s->kl;
    sum->accuracy += s->accuracy;
}

static vae_stats mean_stats(vae_stats sum, long n)
{
    double d = n > 0 ? (double)n : 1;
    return (vae_stats){.loss = sum.loss / d, .recon = sum.recon / d, .kl = sum.kl / d,
                       .accuracy = sum.accuracy / d};
}

enum { OUT_OF_TIME = 1, STOP_REQUESTED = 2 };

static int train_loop(run *r)
{
    train_state *st = &r->ck.st;
    const double t_start = now_seconds();
    const int64_t first_step = st->step;
    double lr = 0, beta = 0, grad_norm = 0, p = 0, trained = 0; /* trained: s, this process */
    vae_stats sum = {0};
    long n_sum = 0;
    while (st->step < st->total_steps) {
        double t0 = now_seconds();
        vae_stats s = train_step(r, &grad_norm, &lr, &beta, &p);
        if (!isfinite(s.loss)) {
            if (r->root)
                fprintf(stderr,
                        "%smorphvae train: the loss became NaN or infinite at step %lld (recon "
                        "%g, kl %g); stopping. The last good checkpoint is %s; try a lower "
                        "--lr.\n",
                        r->tty ? "\n" : "", (long long)st->step + 1, s.recon, s.kl,
                        r->ckpt_path);
            return 1;
        }
        double dt = now_seconds() - t0;
        trained += dt;
        st->seconds += dt;
        add_stats(&sum, &s);
        n_sum++;
        double rate = (double)(st->step - first_step) / trained;
        int last = st->step == st->total_steps;
        /* every process stops at the same step: when any of them is told to */
        unsigned flags = (r->o.time_limit > 0 && now_seconds() - t_start >= r->o.time_limit
                              ? OUT_OF_TIME
                              : 0) |
                         (stop_requested ? STOP_REQUESTED : 0);
        flags = dist_any(flags);
        if (st->step % r->o.eval_every == 0 || last || flags) {
            vae_stats mean = mean_stats(sum, n_sum);
            evaluate_and_log(r, &mean, lr, beta, grad_norm, p);
            if (r->root) show_progress(r, &mean, rate);
            sum = (vae_stats){0};
            n_sum = 0;
        } else if (r->root && progress_due(r)) {
            show_progress(r, &s, rate);
        }
        if (r->root && r->o.sample_every && st->step % r->o.sample_every == 0)
            train_write_samples(r->m.params, &r->ck.hp, r->corpus, r->samples_dir,
                                (long)st->step);
        if (st->step % r->o.checkpoint_every == 0 || last || flags) {
            if (save_checkpoint(r)) return 1;
        }
        if (flags & STOP_REQUESTED) {
            if (r->root)
                fprintf(stderr,
                        "%smorphvae train: stopped by a signal at step %lld; checkpoint %s "
                        "(continue with --resume %s)\n",
                        r->tty ? "\n" : "", (long long)st->step, r->ckpt_path, r->ckpt_path);
            return 3;
        }
        if (flags & OUT_OF_TIME) {
            if (r->root)
                fprintf(stderr, "%smorphvae train: time limit reached at step %lld\n",
                        r->tty ? "\n" : "", (long long)st->step);
            break;
        }
    }
    if (r->tty) fputc('\n', stderr);
    return 0;
}

static void cleanup(run *r)
{
    if (r->csv) fclose(r->csv);
    be_free(r->adam_m);
    be_free(r->adam_v);
    be_free(r->eps);
    free(r->seq_rng);
    free(r->order);
    free(r->batch);
    free(r->chords);
    free(r->z_elsewhere);
    be_free(r->z_borrowed);
    weights_free(r->init_model);
    vae_free(&r->m);
    if (r->corpus) corpus_close(r->corpus);
}

/* After the last step: process 0 writes the model. */
static int finish(run *r)
{
    if (!r->validated) /* resumed at its last step: nothing trained */
        r->last_valid = validate(r, &r->last_acc_sampled, &r->last_onset_f1_sampled);
    if (!r->root) return 0;
    if (write_model(r, r->o.out_path)) return dist_fail(1);
    fprintf(stderr,
            "morphvae train: wrote %s after %lld steps (%.0f s): valid recon %.3f, KL %.2f, "
            "accuracy %.4f teacher-forced, %.4f sampled; onset F1 sampled %.4f\n",
            r->o.out_path, (long long)r->ck.st.step, r->ck.st.seconds, r->last_valid.recon,
            r->last_valid.kl, r->last_valid.accuracy, r->last_acc_sampled,
            r->last_onset_f1_sampled);
    return 0;
}

int cmd_train(int argc, char **argv)
{
    static run r; /* large; one per process */
    memset(&r, 0, sizeof r);
    int status = parse_args(argc, argv, &r.o);
    if (status) return status < 0 ? 0 : status;
    if (dist_init()) return 1;
    /* SIGUSR1 too: mpirun forwards it to every process (SIGINT and SIGTERM end
     * the job after a grace period) */
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    if (setup(&r) == 0) {
        status = train_loop(&r);
        if (status == 0) status = finish(&r);
    } else {
        status = dist_fail(1);
    }
    cleanup(&r);
    dist_finish();
    return status;
}
