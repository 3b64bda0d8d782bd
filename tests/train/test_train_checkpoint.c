/* --resume refuses a damaged or mismatched checkpoint before reading its
 * payload: one file per failure class, each made from a real checkpoint, each
 * refused by `morphvae train --resume` with status 1, a message naming the file
 * and the field, and no model written. Run under ASan too (tools/test.sh): a
 * header that claims more parameters than the model has must never be read
 * into the model's buffers. Checkpoints of the previous formats (MVCKPT05, no
 * decoder dropout; MVCKPT04, no latent dropout either; MVCKPT03, no chord fields either; MVCKPT02, no learning-rate
 * schedule fields either) resume to the same parameters as this one.
 * usage: test_train_checkpoint MORPHVAE WORKDIR */
#include <stddef.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "model.h"
#include "train_test_util.h"

static const char *exe, *dir;
static char corpus[1100];
static unsigned char *good; /* a real checkpoint's bytes */
static size_t good_size;

/* The checkpoint's checksum: 64-bit FNV-1a of every byte before it. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static void reseal(unsigned char *bytes, size_t size)
{
    uint64_t sum = fnv1a(bytes, size - 8);
    memcpy(bytes + size - 8, &sum, 8);
}

static int write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(bytes, 1, n, f) == n;
    if (f) ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

static int read_file(const char *path, unsigned char **bytes, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    *bytes = malloc(*n);
    int ok = *bytes && fread(*bytes, 1, *n, f) == *n;
    fclose(f);
    return ok ? 0 : -1;
}

/* Resumes from NAME.ckpt (bytes given) and checks it is refused saying `says`. */
static void check_refused(const char *name, const void *bytes, size_t n, const char *extra,
                          const char *says)
{
    char ckpt[1200], model[1200], log[1200], cmd[6000], line[4096];
    snprintf(ckpt, sizeof ckpt, "%s/%s.ckpt", dir, name);
    snprintf(model, sizeof model, "%s/resumed_%s.mvae", dir, name);
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    unlink(model);
    CHECK(write_bytes(ckpt, bytes, n) == 0);
    snprintf(cmd, sizeof cmd, "'%s' train '%s' -o '%s' --resume '%s' --sample-every 0 %s 2>'%s'",
             exe, corpus, model, ckpt, extra, log);
    int status = run_command(cmd);
    CHECK_MSG(status == 1, "%s: resuming should fail with status 1, got %d", name, status);
    CHECK_MSG(access(model, F_OK) != 0, "%s: a model was written", name);
    FILE *f = fopen(log, "r");
    int named = 0, sanitizer = 0; /* ASan also exits with status 1 */
    char last[4096] = "";
    while (f && fgets(line, sizeof line, f)) {
        named |= strstr(line, ckpt) && strstr(line, says);
        sanitizer |= strstr(line, "Sanitizer") || strstr(line, "runtime error");
        snprintf(last, sizeof last, "%s", line);
    }
    if (f) fclose(f);
    CHECK_MSG(named, "%s: no message naming %s and '%s' (last line: %s)", name, ckpt, says,
              last);
    CHECK_MSG(!sanitizer, "%s: a sanitizer report in %s", name, log);
}

/* A copy of the good checkpoint with its header changed by `edit`, resealed. */
static unsigned char *edited(void (*edit)(ckpt_header *))
{
    unsigned char *b = malloc(good_size);
    memcpy(b, good, good_size);
    edit((ckpt_header *)b);
    return b;
}

static void more_params(ckpt_header *h) { h->n_params += 1000; }
static void fewer_params(ckpt_header *h) { h->n_params -= 1000; }
static void no_bars(ckpt_header *h) { h->hp.n_bars = 0; }
static void no_batch(ckpt_header *h) { h->num.batch = 0; }
static void doubles(ckpt_header *h) { h->real_size = 8; }
static void old_format(ckpt_header *h) { memcpy(h->magic, "MVCKPT01", 8); }
static void no_decay(ckpt_header *h) { h->num.lr_decay = 0; }

/* The good checkpoint as an older format wrote it, resealed: its header's
 * fields one after the other as that format had them (format 5: no dropout;
 * format 4: also no latent_dropout; format 3 also the 12 hyperparameter fields of a model
 * without chords, no chord_dropout; format 2 also without lr_decay and
 * lr_min); it resumes to the same model. */
static void check_old_format_resumes(const char *path, int format)
{
    const ckpt_header *h = (const ckpt_header *)good;
    CHECK(h->num.lr_decay == 0.9999 && h->num.lr_min == 1e-5); /* format 2's schedule */
    CHECK(h->hp.chords == 0 && h->num.chord_dropout == 0 && h->num.latent_dropout == 0 &&
          h->num.dropout == 0);
    const size_t num = format == 2   ? offsetof(train_numerics, lr_decay)
                       : format == 3 ? offsetof(train_numerics, chord_dropout)
                       : format == 4 ? offsetof(train_numerics, latent_dropout)
                                     : offsetof(train_numerics, dropout);
    const size_t hp_bytes = format >= 4 ? offsetof(ckpt_header, num) - offsetof(ckpt_header, hp)
                                        : 4 * MV_HPARAMS_FIELDS; /* formats 4, 5: with padding */
    const size_t body = good_size - sizeof *h; /* parameters, moments, checksum */
    unsigned char *b = malloc(good_size), *p = b;
    memcpy(p, good, offsetof(ckpt_header, hp));
    p += offsetof(ckpt_header, hp);
    memcpy(p, &h->hp, hp_bytes);
    p += hp_bytes;
    memcpy(p, &h->num, num);
    p += num;
    memcpy(p, &h->st, sizeof h->st);
    p += sizeof h->st;
    memcpy(p, &h->n_params, sizeof h->n_params);
    p += sizeof h->n_params;
    memcpy(p, good + sizeof *h, body);
    const size_t size = (size_t)(p - b) + body;
    char magic[9];
    snprintf(magic, sizeof magic, "MVCKPT%02d", format);
    memcpy(b, magic, 8);
    reseal(b, size);
    char old[1200], cmd[4096];
    snprintf(old, sizeof old, "%s/format%d.ckpt", dir, format);
    CHECK(write_bytes(old, b, size) == 0);
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/format%d_resumed.mvae' --resume '%s' --steps 4 "
             "--sample-every 0 2>>'%s/good.log'",
             exe, corpus, dir, format, old, dir);
    CHECK_MSG(run_command(cmd) == 0, "a format-%d checkpoint should resume", format);
    char name[32];
    snprintf(name, sizeof name, "format%d_resumed", format);
    CHECK_MSG(same_tensors_in(dir, "good_resumed", name),
              "the format-%d copy of %s resumed to other parameters", format, path);
    free(b);
}

static void check_header_edit(const char *name, void (*edit)(ckpt_header *), int reseal_it,
                              const char *says)
{
    unsigned char *b = edited(edit);
    if (reseal_it) reseal(b, good_size);
    check_refused(name, b, good_size, "", says);
    free(b);
}

/* A whole, consistent checkpoint of another model (decoder 24 wide, or 60
 * classes): resealed and the right length, refused on what it is. */
static void check_other_model(const char *name, uint32_t dec_size, uint32_t n_classes,
                              const char *extra, const char *says)
{
    ckpt_header h;
    memcpy(&h, good, sizeof h);
    h.hp.dec_size = dec_size;
    h.hp.n_classes = n_classes;
    h.n_params = model_block_floats(&h.hp);
    size_t size = sizeof h + 3 * h.n_params * sizeof(real) + 8;
    unsigned char *b = calloc(1, size);
    memcpy(b, &h, sizeof h);
    reseal(b, size);
    check_refused(name, b, size, extra, says);
    free(b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_train_checkpoint MORPHVAE WORKDIR\n");
        return 2;
    }
    exe = argv[1];
    dir = test_work_dir(argv[2], "checkpoint_test");
    snprintf(corpus, sizeof corpus, "%s/ckpt_corpus.bin", dir);
    CHECK(write_synthetic_melody_corpus(corpus, 64, 16) == 0);
    char cmd[4096], path[1200];
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/good.mvae' --config tiny --batch 8 --steps 3 "
             "--eval-windows 8 --sample-every 0 2>'%s/good.log'",
             exe, corpus, dir, dir);
    CHECK(run_command(cmd) == 0);
    snprintf(path, sizeof path, "%s/good.ckpt", dir);
    if (read_file(path, &good, &good_size) || good_size < sizeof(ckpt_header) + 8) {
        fprintf(stderr, "no checkpoint %s\n", path);
        return 1;
    }
    const ckpt_header *h = (const ckpt_header *)good;
    CHECK(h->n_params > 1000 && good_size == sizeof *h + 3 * h->n_params * sizeof(real) + 8);

    /* the good one resumes */
    snprintf(cmd, sizeof cmd,
             "'%s' train '%s' -o '%s/good_resumed.mvae' --resume '%s' --steps 4 "
             "--sample-every 0 2>>'%s/good.log'",
             exe, corpus, dir, path, dir);
    CHECK_MSG(run_command(cmd) == 0, "the undamaged checkpoint should resume");
    check_old_format_resumes(path, 5);
    check_old_format_resumes(path, 4);
    check_old_format_resumes(path, 3);
    check_old_format_resumes(path, 2);

    unsigned char *b = malloc(good_size + 5);
    memcpy(b, good, good_size);
    memcpy(b, "NOTACKPT", 8);
    check_refused("bad_magic", b, good_size, "", "bad magic");
    check_header_edit("old_format", old_format, 1, "checkpoint format MVCKPT01");
    check_refused("truncated_header", good, sizeof(ckpt_header) - 1, "", "truncated header");
    check_header_edit("doubles", doubles, 1, "field real_size");
    check_header_edit("more_params", more_params, 1, "field n_params is");
    check_header_edit("more_params_unsealed", more_params, 0, "field n_params is");
    check_header_edit("fewer_params", fewer_params, 1, "field n_params is");
    check_header_edit("bad_hyperparameters", no_bars, 1, "field hp");
    check_header_edit("bad_batch", no_batch, 1, "field num.batch");
    check_header_edit("bad_lr_decay", no_decay, 1, "field num.lr_decay");
    check_other_model("other_config", 24, h->hp.n_classes, "--config tiny",
                      "hyperparameter dec_size is 24, but --config asks for");
    check_other_model("other_corpus", h->hp.dec_size, 60, "", "holds melody windows");
    check_refused("truncated_payload", good, good_size - 100, "", "truncated payload");

    memcpy(b, good, good_size);
    b[sizeof(ckpt_header) + 4 * 1000 + 1] ^= 0x10; /* a parameter's bit */
    check_refused("flipped_payload", b, good_size, "", "checksum mismatch");
    memcpy(b, good, good_size);
    b[offsetof(ckpt_header, st.rng) + 3] ^= 0x01; /* the header's RNG state: no range check */
    check_refused("flipped_header", b, good_size, "", "checksum mismatch");
    memcpy(b, good, good_size);
    memcpy(b + good_size, "extra", 5);
    check_refused("trailing_bytes", b, good_size + 5, "", "trailing bytes");
    free(b);
    free(good);
    return check_report();
}
