/* Same bits on every x86-64: the kernels built for this machine's best ISA
 * (target_clones) and built for the x86-64 baseline alone (fmaf in libm) must
 * decode, score and encode identically. This program prints a hash of a
 * sampled decode, its logits and its encoding; given the path of the baseline
 * build of itself, it runs it and compares the two hashes. A fixture that
 * cannot be made (model, decoder) fails the run in either build, so that two
 * failed builds never compare equal. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "decoder.h"
#include "test_model.h"

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* The hash in *out; -1 when the fixture could not be made. */
static int decode_hash(uint64_t *out)
{
    enum { B = 5 };
    const mv_hparams hp = test_hparams_odd();
    const int Z = (int)hp.z_size, T = (int)hparams_seq_len(&hp), K = (int)hp.n_classes;
    test_model tm;
    if (test_model_make(&tm, &hp, 3) != 0) {
        fprintf(stderr, "test_isa: cannot make the test model\n");
        return -1;
    }
    static float z[B * 64], logits[B * 64 * 90], mu[B * 64], sigma[B * 64];
    static int32_t tokens[B * 64];
    mv_rng rng, rngs[B];
    rng_seed(&rng, 1);
    random_z(&rng, z, B * Z);
    for (int i = 0; i < B; i++) rng_seed(&rngs[i], (uint64_t)i);
    mv_decoder *d = decoder_create(&tm.model, B);
    if (!d) {
        fprintf(stderr, "test_isa: cannot create the decoder\n");
        test_model_free(&tm);
        return -1;
    }
    decoder_decode(d, z, B, 1.0f, rngs, window_tokens(tokens));
    decoder_logits(d, z, window_tokens(tokens), B, logits);
    decoder_encode(d, window_tokens(tokens), B, mu, sigma);
    uint64_t h = 1469598103934665603ull;
    h = fnv1a(h, tokens, sizeof(int32_t) * B * T);
    h = fnv1a(h, logits, sizeof(float) * B * T * K);
    h = fnv1a(h, mu, sizeof(float) * B * Z);
    h = fnv1a(h, sigma, sizeof(float) * B * Z);
    decoder_free(d);
    test_model_free(&tm);
    *out = h;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t mine = 0;
    if (decode_hash(&mine) != 0) return 1; /* no hash printed: the comparing run fails too */
    if (argc < 2) {
        printf("%016" PRIx64 "\n", mine);
        return 0;
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s'", argv[1]);
    FILE *p = popen(cmd, "r");
    uint64_t theirs = 0;
    CHECK_MSG(p && fscanf(p, "%" SCNx64, &theirs) == 1, "cannot run %s", argv[1]);
    if (p) CHECK(pclose(p) == 0);
    CHECK_MSG(mine == theirs, "this build %016" PRIx64 ", baseline build %016" PRIx64, mine, theirs);
    return check_report();
}
