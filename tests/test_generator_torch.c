/*
 * test_generator_torch.c - one full training step of the C DCGAN checked
 * against PyTorch (Debian's python3-torch) running tests/generator_reference.py.
 *
 * The C side writes its initial tensors, a real batch and the latents as raw
 * float32 files into a temporary directory; the script builds the same network
 * in torch.nn, loads them, does the same step and writes back its outputs,
 * losses, gradients and updated tensors; both sides' numbers are then compared.
 *
 * Tolerances (float32 on both sides, different summation orders):
 *   activations, logits, losses, gradients: |c - t| <= 1e-5 + 2e-3 * max|t| over the tensor
 *   weights after Adam (lr 2e-4): |c - t| <= 2e-6, i.e. 1% of one step; where
 *   PyTorch's gradient is below 1e-6 the first Adam step g / (|g| + 1e-8) is
 *   ill-conditioned (rounding in g moves it by up to lr), so there only
 *   |c - t| <= lr
 * Any difference beyond them fails the test (non-zero exit), naming the tensor.
 * Two networks cover every layer: spectral norm with the non-saturating loss,
 * batch norm with the hinge loss; both RGB, so the layout conversions count.
 * Both run on one thread and again on two, where the batch is split between
 * workers and their weight-gradient shares summed afterwards.
 */
#include "tests/support/testsupport.h"

#include "generator/generator_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PYTHON     "/usr/bin/python3" /* Debian's, with python3-torch */
#define REL_TOL    2e-3
#define ABS_TOL    1e-5
#define WEIGHT_TOL 2e-6
#define TINY_GRAD  1e-6

static void write_floats(const char *dir, const char *name, const float *data, size_t n)
{
    char path[TS_PATH_MAX];
    ts_write_file(ts_join(path, dir, name), data, n * sizeof(float));
}

static float *read_floats(const char *dir, const char *name, size_t n)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes = ts_read_file(ts_join(path, dir, name), &len);
    if (len != n * sizeof(float)) {
        print_error("%s: %zu bytes, expected %zu\n", name, len, n * sizeof(float));
        fail();
    }
    return (float *)bytes;
}

/* Compares n floats with PyTorch's file `name`. */
static int compare(const char *dir, const char *name, const float *c, size_t n, double abs_tol)
{
    float *t = read_floats(dir, name, n);
    double scale = 0, worst = 0;
    size_t worst_at = 0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(t[i]));
    double allowed = abs_tol + REL_TOL * scale;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)c[i] - t[i]);
        if (d > worst) worst = d, worst_at = i;
    }
    int failed = !(worst <= allowed);
    printf("  %-28s n=%-6zu max|t|=%-10.3g max diff=%-10.3g allowed=%-10.3g %s\n", name, n, scale,
           worst, allowed, failed ? "DIFFERS" : "ok");
    if (failed)
        printf("    worst at %zu: C %.9g, PyTorch %.9g\n", worst_at, c[worst_at], t[worst_at]);
    free(t);
    return failed;
}

/* Compares weights after the Adam step with PyTorch's (see the tolerances above). */
static int compare_weights(const char *dir, const char *name, const char *grad_name, const float *c,
                           size_t n, double lr)
{
    float *t = read_floats(dir, name, n), *grad = read_floats(dir, grad_name, n);
    double worst = 0, worst_tiny = 0;
    size_t tiny = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)c[i] - t[i]);
        if (fabs(grad[i]) < TINY_GRAD) {
            tiny++;
            worst_tiny = fmax(worst_tiny, d);
        } else {
            worst = fmax(worst, d);
        }
    }
    int failed = !(worst <= WEIGHT_TOL && worst_tiny <= lr);
    printf("  %-28s n=%-6zu max diff=%-10.3g allowed=%-10.3g (%zu tiny-gradient: %.3g <= %.3g) "
           "%s\n",
           name, n, worst, WEIGHT_TOL, tiny, worst_tiny, lr, failed ? "DIFFERS" : "ok");
    free(t);
    free(grad);
    return failed;
}

/* [C][B][HW] -> [B][C][HW] */
static float *to_nchw(const float *cnhw, int c, int b, size_t plane)
{
    float *out = malloc((size_t)c * b * plane * sizeof(float));
    for (int i = 0; i < c; i++)
        for (int j = 0; j < b; j++)
            memcpy(out + ((size_t)j * c + i) * plane, cnhw + ((size_t)i * b + j) * plane,
                   plane * sizeof(float));
    return out;
}

static void check_one_step(gan_dnorm d_norm, gan_loss loss, int threads, int size)
{
    char dir[TS_PATH_MAX], name[256];
    ts_tempdir(dir);
    gan_config cfg;
    gan_config_default(&cfg);
    cfg.channels = 3;
    cfg.latent_dim = 16;
    cfg.g_width = 8;
    cfg.d_width = 8;
    cfg.batch_size = 8;
    cfg.d_norm = d_norm;
    cfg.loss = loss;
    cfg.threads = threads;
    cfg.seed = 2024;
    cfg.image_size = size;
    gan *g;
    assert_int_equal(gan_new(&cfg, &g, NULL), CS_OK);
    const char *net_names[2] = {"G", "D"};

    /* Inputs: the initial tensors, a real batch in [-1, 1] and the latents. */
    for (int net = 0; net < 2; net++)
        for (int i = 0; i < gan_tensor_count(g, net); i++) {
            const gan_tensor *t = gan_tensor_at(g, net, i);
            snprintf(name, sizeof name, "%s.%s.f32", net_names[net], t->name);
            write_floats(dir, name, t->value, t->count);
        }
    const size_t plane = (size_t)size * size;
    size_t n_real = (size_t)cfg.batch_size * cfg.channels * plane;
    size_t n_z = (size_t)cfg.batch_size * cfg.latent_dim;
    float *real = malloc(n_real * sizeof(float)), *z = malloc(n_z * sizeof(float));
    gen_rng rng;
    gen_rng_seed(&rng, 99);
    for (size_t i = 0; i < n_real; i++)
        real[i] = (float)(2 * gen_rng_uniform(&rng) - 1);
    gen_rng_normal(&rng, z, n_z, 0, 1);
    write_floats(dir, "real.f32", real, n_real);
    write_floats(dir, "z.f32", z, n_z);

    /* PyTorch's step. */
    char script[TS_PATH_MAX], args[9][64];
    ts_join(script, CLEARSET_SOURCE_DIR, "tests/generator_reference.py");
    snprintf(args[0], 64, "--channels=%d", cfg.channels);
    snprintf(args[1], 64, "--latent=%d", cfg.latent_dim);
    snprintf(args[2], 64, "--g-width=%d", cfg.g_width);
    snprintf(args[3], 64, "--d-width=%d", cfg.d_width);
    snprintf(args[4], 64, "--batch=%d", cfg.batch_size);
    snprintf(args[5], 64, "--d-norm=%s", d_norm == GAN_DNORM_SPECTRAL ? "spectral" : "batch");
    snprintf(args[6], 64, "--loss=%s", loss == GAN_LOSS_HINGE ? "hinge" : "nonsaturating");
    snprintf(args[7], 64, "--size=%d", size);
    const char *argv[] = {PYTHON,  script,  dir,     args[0], args[1], args[2],
                          args[3], args[4], args[5], args[6], args[7], NULL};
    ts_run_result run;
    ts_run(&run, NULL, argv);
    if (run.status != 0) {
        print_error("generator_reference.py failed (%d):\n%s\n", run.status, run.err);
        fail();
    }
    ts_run_result_free(&run);

    /* The C step on the same inputs. */
    gan_step_stats stats;
    gan_train_step(g, real, z, &stats);

    printf("%dx%d, %s, %s, %d thread%s:\n", size, size,
           d_norm == GAN_DNORM_SPECTRAL ? "spectral norm" : "batch norm",
           loss == GAN_LOSS_HINGE ? "hinge loss" : "non-saturating loss", threads,
           threads == 1 ? "" : "s");
    int failures = 0;
    float *fake = to_nchw(g->g_act[g->g_layers - 1], cfg.channels, cfg.batch_size, plane);
    failures += compare(dir, "out.fake.f32", fake, n_real, ABS_TOL);
    free(fake);
    float *logits_real = read_floats(dir, "out.logits_real.f32", cfg.batch_size);
    float *logits_fake = read_floats(dir, "out.logits_fake.f32", cfg.batch_size);
    float means[2] = {0, 0};
    for (int i = 0; i < cfg.batch_size; i++) {
        means[0] += logits_real[i] / cfg.batch_size;
        means[1] += logits_fake[i] / cfg.batch_size;
    }
    free(logits_real);
    free(logits_fake);
    float c_means[2] = {stats.d_real_mean, stats.d_fake_mean};
    write_floats(dir, "out.logit_means.f32", means, 2);
    failures += compare(dir, "out.logit_means.f32", c_means, 2, ABS_TOL);
    failures +=
        compare(dir, "out.logits_g.f32", g->d_pre[g->d_layers - 1], cfg.batch_size, ABS_TOL);
    float losses[2] = {stats.d_loss, stats.g_loss};
    failures += compare(dir, "out.losses.f32", losses, 2, ABS_TOL);

    for (int net = 0; net < 2; net++)
        for (int i = 0; i < gan_tensor_count(g, net); i++) {
            const gan_tensor *t = gan_tensor_at(g, net, i);
            if (t->grad != NULL) {
                snprintf(name, sizeof name, "grad.%s.%s.f32", net_names[net], t->name);
                failures += compare(dir, name, t->grad, t->count, ABS_TOL);
            }
            char grad_name[256];
            snprintf(grad_name, sizeof grad_name, "grad.%s.%s.f32", net_names[net], t->name);
            snprintf(name, sizeof name, "new.%s.%s.f32", net_names[net], t->name);
            if (t->grad != NULL)
                failures += compare_weights(dir, name, grad_name, t->value, t->count, cfg.lr);
            else
                failures += compare(dir, name, t->value, t->count, ABS_TOL);
        }
    fflush(stdout);
    assert_int_equal(failures, 0);
    free(real);
    free(z);
    gan_free(g);
    ts_rmtree(dir);
}

static void test_spectral_norm_step_matches_pytorch(void **state)
{
    (void)state;
    check_one_step(GAN_DNORM_SPECTRAL, GAN_LOSS_NONSATURATING, 1, 32);
}

static void test_batch_norm_hinge_step_matches_pytorch(void **state)
{
    (void)state;
    check_one_step(GAN_DNORM_BATCH, GAN_LOSS_HINGE, 1, 32);
}

static void test_both_networks_on_two_threads_match_pytorch(void **state)
{
    (void)state;
    check_one_step(GAN_DNORM_SPECTRAL, GAN_LOSS_NONSATURATING, 2, 32);
    check_one_step(GAN_DNORM_BATCH, GAN_LOSS_HINGE, 2, 32);
}

/* The 64x64 networks: one layer more on each side, batch norm on D's three middle layers. */
static void test_64_pixel_networks_match_pytorch(void **state)
{
    (void)state;
    check_one_step(GAN_DNORM_BATCH, GAN_LOSS_NONSATURATING, 2, 64);
    check_one_step(GAN_DNORM_BATCH, GAN_LOSS_HINGE, 1, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spectral_norm_step_matches_pytorch),
        cmocka_unit_test(test_batch_norm_hinge_step_matches_pytorch),
        cmocka_unit_test(test_both_networks_on_two_threads_match_pytorch),
        cmocka_unit_test(test_64_pixel_networks_match_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
