/* Hyperparameter presets, checks, and the tensor layout they imply. */
#include <string.h>

#include "check.h"
#include "hparams.h"
#include "model_layout.h"

static void test_presets_are_valid(void)
{
    const char *names[] = {"mel_2bar", "mel_4bar", "drums_2bar", "roll_2bar", "large", "tiny"};
    char err[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        mv_hparams hp;
        CHECK(hparams_preset(names[i], &hp) == 0);
        CHECK_MSG(hparams_check(&hp, err, sizeof err) == 0, "%s: %s", names[i], err);
    }
    mv_hparams hp;
    CHECK(hparams_preset("no_such_config", &hp) == -1);
}

static void test_check_rejects(void)
{
    mv_hparams hp;
    char err[256];
    hparams_preset("mel_2bar", &hp);
    hp.z_size = 0;
    CHECK(hparams_check(&hp, err, sizeof err) == -1);
    CHECK(strstr(err, "z_size") != NULL);
    hparams_preset("drums_2bar", &hp);
    hp.n_classes = 90;
    CHECK(hparams_check(&hp, err, sizeof err) == -1);
    hparams_preset("mel_2bar", &hp);
    hp.n_classes = 200; /* pitches past 127 */
    CHECK(hparams_check(&hp, err, sizeof err) == -1);
    hparams_preset("mel_2bar", &hp);
    hp.dec_layers = MV_MAX_LAYERS + 1;
    CHECK(hparams_check(&hp, err, sizeof err) == -1);
}

static const mv_tensor_spec *find(const mv_tensor_spec *s, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, name)) return &s[i];
    return NULL;
}

static void test_layout_mel_2bar(void)
{
    mv_hparams hp;
    hparams_preset("mel_2bar", &hp);
    mv_tensor_spec s[MV_MAX_TENSORS];
    int n = model_layout(&hp, s);
    /* enc 2x3 + mu 2 + sigma 2 + cond.init 2 + cond.l0 2 + dec.init 2 + dec 2x3 + out 2 */
    CHECK(n == 24);
    const mv_tensor_spec *t = find(s, n, "decoder.l0.w_x");
    CHECK(t && t->ndim == 2 && t->dims[0] == 90 + 256 && t->dims[1] == 1024);
    t = find(s, n, "encoder.mu.w");
    CHECK(t && t->dims[0] == 512 && t->dims[1] == 256);
    t = find(s, n, "conductor.l0.w_x");
    CHECK(t == NULL); /* the conductor's input is zeros */
    t = find(s, n, "decoder.out.b");
    CHECK(t && t->ndim == 1 && t->dims[0] == 90);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) CHECK_MSG(strcmp(s[i].name, s[j].name), "%s", s[i].name);
    /* recount by hand: 2 * (90*1024 + 256*1024 + 1024) enc, 2 * (512*256 + 256) heads,
     * 256*512+512 cond.init, 256*1024+1024 cond, 256*1024+1024 dec.init,
     * (346*1024 + 256*1024 + 1024) + (256*1024*2 + 1024) dec, 256*90+90 out */
    uint64_t expect = 2 * (90 * 1024 + 256 * 1024 + 1024) + 2 * (512 * 256 + 256) +
                      (256 * 512 + 512) + (256 * 1024 + 1024) + (256 * 1024 + 1024) +
                      (346 * 1024 + 256 * 1024 + 1024) + (256 * 1024 * 2 + 1024) +
                      (256 * 90 + 90);
    CHECK(model_param_count(&hp) == expect);
}

/* A musical bar is the model's bar, except in a flat model: 16ths of 4/4. */
static void test_musical_bar(void)
{
    mv_hparams hp;
    hparams_preset("mel_4bar", &hp);
    CHECK(hparams_musical_bar(&hp) == 16 && hparams_seq_len(&hp) == 64);
    hp.n_bars = 1;
    hp.steps_per_bar = 256; /* the flat 16-bar baseline */
    CHECK(hparams_musical_bar(&hp) == 16);
    hp.steps_per_bar = 12; /* one bar of 3/4 in 16ths: its own bar */
    CHECK(hparams_musical_bar(&hp) == 12);
    hp.n_bars = 2;
    hp.steps_per_bar = 32; /* two bars of 32nds */
    CHECK(hparams_musical_bar(&hp) == 32);
}

int main(void)
{
    test_presets_are_valid();
    test_check_rejects();
    test_layout_mel_2bar();
    test_musical_bar();
    return check_report();
}
