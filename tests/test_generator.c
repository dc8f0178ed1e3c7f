/*
 * test_generator.c - the GAN's building blocks and its promises.
 *
 * Every layer's backward pass is checked against central finite differences
 * of its forward pass: the objective is sum(r * y) for a fixed random r, so
 * the analytic input and parameter gradients come from backward(dy = r).
 * Tolerance: |numeric - analytic| <= 2e-3 + 2e-2 * max(|numeric|, |analytic|)
 * with step 1e-2 (float32 forward passes; sums in double). The convolutions
 * are checked on the calling thread alone and split between workers.
 *
 * Then the model as a whole: determinism for a seed (on one thread and on
 * two), two and three threads computing the same bits as one, checkpoints
 * that round trip exactly and resume training bit for bit, damaged
 * checkpoints refused, and the sliced Wasserstein distance ordering sets
 * sensibly.
 * The step-by-step comparison with PyTorch is test_generator_torch.c.
 */
#include "tests/support/testsupport.h"

#include "generator/generator_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FD_STEP 1e-2f
#define FD_ATOL 2e-3
#define FD_RTOL 2e-2

/* A layer under test: forward computes `out` from whatever ctx holds. */
typedef void (*forward_fn)(void *ctx, float *out);

static double objective(forward_fn fwd, void *ctx, float *out, const float *r, size_t n_out)
{
    fwd(ctx, out);
    double s = 0.0;
    for (size_t i = 0; i < n_out; i++)
        s += (double)r[i] * out[i];
    return s;
}

/* Compares analytic[i] with the numeric derivative of the objective in x[i]. */
static void check_gradient(const char *what, forward_fn fwd, void *ctx, float *x, size_t n,
                           const float *analytic, const float *r, size_t n_out)
{
    float *out = malloc(n_out * sizeof(float));
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + FD_STEP;
        double plus = objective(fwd, ctx, out, r, n_out);
        x[i] = saved - FD_STEP;
        double minus = objective(fwd, ctx, out, r, n_out);
        x[i] = saved;
        double numeric = (plus - minus) / (2.0 * FD_STEP);
        double diff = fabs(numeric - analytic[i]);
        double allowed = FD_ATOL + FD_RTOL * fmax(fabs(numeric), fabs(analytic[i]));
        if (diff > allowed) {
            print_error("%s[%zu]: numeric %.6f, analytic %.6f\n", what, i, numeric, analytic[i]);
            fail();
        }
    }
    free(out);
}

static float *random_floats(gen_rng *rng, size_t n, float std)
{
    float *p = malloc(n * sizeof(float));
    assert_non_null(p);
    gen_rng_normal(rng, p, n, 0.0f, std);
    return p;
}

static float *zeros(size_t n)
{
    float *p = calloc(n, sizeof(float));
    assert_non_null(p);
    return p;
}

/* --- convolution ---------------------------------------------------------- */

typedef struct conv_case {
    gen_workers *pool;
    gen_conv cv;
    int batch;
    bool transposed;
    float *x, *w, *col;
} conv_case;

static void conv_case_forward(void *ctx, float *out)
{
    conv_case *c = ctx;
    if (c->transposed)
        gen_convt_forward(c->pool, &c->cv, c->batch, c->w, c->x, c->col, out);
    else
        gen_conv_forward(c->pool, &c->cv, c->batch, c->w, c->x, c->col, out);
}

static void conv_case_backward(conv_case *c, const float *dout, float *dw, float *dcol, float *dx)
{
    if (c->transposed)
        gen_convt_backward(c->pool, &c->cv, c->batch, c->w, c->x, dout, dw, dcol, dx);
    else
        gen_conv_backward(c->pool, &c->cv, c->batch, c->w, c->col, dout, dw, dcol, dx);
}

/* Finite differences on a batch of 3 images: on the calling thread in one
 * piece (no pool), and cut into one piece per image on a pool of 1 and of 2
 * workers (piece 0 adds to the gradient, the others are summed into it). */
static void check_conv(gen_conv cv, bool transposed)
{
    const int pools[3] = {0, 1, 2};
    for (int p = 0; p < 3; p++) {
        gen_rng rng;
        gen_rng_seed(&rng, 7);
        conv_case c = {NULL, cv, 3, transposed, NULL, NULL, NULL};
        size_t n_in = (size_t)cv.in_c * c.batch * cv.in_h * cv.in_w;
        size_t n_out = (size_t)cv.out_c * c.batch * cv.out_h * cv.out_w;
        size_t n_w = (size_t)cv.in_c * cv.out_c * cv.k * cv.k;
        size_t n_col = (size_t)(transposed ? cv.out_c : cv.in_c) * cv.k * cv.k * c.batch *
                       (transposed ? cv.in_h * cv.in_w : cv.out_h * cv.out_w);
        if (pools[p] > 0) assert_int_equal(gen_workers_new(pools[p], n_w, &c.pool, NULL), CS_OK);
        c.x = random_floats(&rng, n_in, 1.0f);
        c.w = random_floats(&rng, n_w, 0.3f);
        c.col = zeros(n_col);
        float *r = random_floats(&rng, n_out, 1.0f), *out = zeros(n_out);
        float *dw = zeros(n_w), *dx = zeros(n_in), *dcol = zeros(n_col);

        conv_case_forward(&c, out);
        conv_case_backward(&c, r, dw, dcol, dx);
        /* A layer that wrote nothing would pass the checks below trivially. */
        assert_true(fabsf(out[0]) + fabsf(out[n_out - 1]) > 0);
        assert_true(fabsf(dx[0]) + fabsf(dx[n_in - 1]) > 0);
        check_gradient(transposed ? "convt dx" : "conv dx", conv_case_forward, &c, c.x, n_in, dx, r,
                       n_out);
        check_gradient(transposed ? "convt dw" : "conv dw", conv_case_forward, &c, c.w, n_w, dw, r,
                       n_out);

        /* Weight gradients accumulate: a second backward doubles them. */
        float *dw2 = malloc(n_w * sizeof(float));
        memcpy(dw2, dw, n_w * sizeof(float));
        conv_case_forward(&c, out);
        conv_case_backward(&c, r, dw2, dcol, NULL);
        for (size_t i = 0; i < n_w; i++)
            assert_float_equal(dw2[i], 2 * dw[i], 1e-4);

        free(c.x), free(c.w), free(c.col), free(r), free(out), free(dw), free(dx), free(dcol);
        free(dw2);
        gen_workers_free(c.pool);
    }
}

static void test_conv_strided_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_conv cv = {3, 8, 8, 4, 4, 4, 4, 2, 1};
    check_conv(cv, false);
}

static void test_conv_valid_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_conv cv = {5, 4, 4, 1, 1, 1, 4, 1, 0}; /* D's last layer */
    check_conv(cv, false);
}

static void test_convt_strided_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_conv cv = {3, 4, 4, 2, 8, 8, 4, 2, 1};
    check_conv(cv, true);
}

static void test_convt_from_latent_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_conv cv = {6, 1, 1, 3, 4, 4, 4, 1, 0}; /* G's first layer */
    check_conv(cv, true);
}

static void test_im2col_and_col2im_are_adjoint(void **state)
{
    (void)state;
    /* <im2col(x), y> == <x, col2im(y)> for random x, y, over images 1..2 of 3. */
    gen_rng rng;
    gen_rng_seed(&rng, 3);
    gen_patches p = {2, 3, 6, 6, 4, 2, 1, 3, 3};
    int b0 = 1, nb = 2;
    size_t n_img = (size_t)p.c * p.batch * p.h * p.w, ld = (size_t)nb * p.oh * p.ow;
    size_t n_col = (size_t)p.c * p.k * p.k * ld;
    float *x = random_floats(&rng, n_img, 1), *y = random_floats(&rng, n_col, 1);
    float *col = zeros(n_col), *img = random_floats(&rng, n_img, 1);
    gen_im2col(&p, x, b0, nb, col, ld);
    gen_col2im(&p, y, ld, b0, nb, img);
    double left = 0, right = 0;
    for (size_t i = 0; i < n_col; i++)
        left += (double)col[i] * y[i];
    for (int ch = 0; ch < p.c; ch++)
        for (int b = b0; b < b0 + nb; b++)
            for (int i = 0; i < p.h * p.w; i++) {
                size_t at = ((size_t)ch * p.batch + b) * p.h * p.w + i;
                right += (double)x[at] * img[at];
            }
    assert_float_equal(left, right, 1e-3);
    free(x), free(y), free(col), free(img);
}

/* Copies image b of a [c][batch][n] activation into a [c][1][n] one, or back. */
static void image_of(const float *all, int c, int batch, size_t n, int b, float *one)
{
    for (int i = 0; i < c; i++)
        memcpy(one + (size_t)i * n, all + ((size_t)i * batch + b) * n, n * sizeof(float));
}

/* A batch large enough to be split into chunks (and, with a pool, into pieces
 * of 3 images, not a whole number of chunks) gives, image by image, what the
 * same layer computes for each image alone, and weight gradients that are the
 * sum of the single images' ones. */
static void check_chunking(gen_conv cv, bool transposed, int workers)
{
    gen_rng rng;
    gen_rng_seed(&rng, 4);
    const int batch = 24;
    gen_workers *pool = NULL;
    if (workers > 0)
        assert_int_equal(
            gen_workers_new(workers, (size_t)cv.in_c * cv.out_c * cv.k * cv.k, &pool, NULL), CS_OK);
    size_t in_n = (size_t)cv.in_h * cv.in_w, out_n = (size_t)cv.out_h * cv.out_w;
    size_t patch =
        (size_t)(transposed ? cv.out_c : cv.in_c) * cv.k * cv.k * (transposed ? in_n : out_n);
    assert_true(gen_chunk_images(patch, batch) < batch / 2);
    size_t n_w = (size_t)cv.in_c * cv.out_c * cv.k * cv.k;
    float *x = random_floats(&rng, cv.in_c * batch * in_n, 1), *w = random_floats(&rng, n_w, 0.1f);
    float *dout = random_floats(&rng, cv.out_c * batch * out_n, 1);
    float *col = zeros(patch * batch), *dcol = zeros(patch * batch);
    float *out = zeros(cv.out_c * batch * out_n), *dx = zeros(cv.in_c * batch * in_n);
    float *dw = zeros(n_w), *dw_sum = zeros(n_w);
    float *x1 = zeros(cv.in_c * in_n), *dout1 = zeros(cv.out_c * out_n);
    float *out1 = zeros(cv.out_c * out_n), *dx1 = zeros(cv.in_c * in_n);
    float *out_b = zeros(cv.out_c * out_n), *dx_b = zeros(cv.in_c * in_n);
    if (transposed) {
        gen_convt_forward(pool, &cv, batch, w, x, col, out);
        gen_convt_backward(pool, &cv, batch, w, x, dout, dw, dcol, dx);
    } else {
        gen_conv_forward(pool, &cv, batch, w, x, col, out);
        gen_conv_backward(pool, &cv, batch, w, col, dout, dw, dcol, dx);
    }
    for (int b = 0; b < batch; b++) {
        image_of(x, cv.in_c, batch, in_n, b, x1);
        image_of(dout, cv.out_c, batch, out_n, b, dout1);
        if (transposed) {
            gen_convt_forward(NULL, &cv, 1, w, x1, col, out1);
            gen_convt_backward(NULL, &cv, 1, w, x1, dout1, dw_sum, dcol, dx1);
        } else {
            gen_conv_forward(NULL, &cv, 1, w, x1, col, out1);
            gen_conv_backward(NULL, &cv, 1, w, col, dout1, dw_sum, dcol, dx1);
        }
        image_of(out, cv.out_c, batch, out_n, b, out_b);
        image_of(dx, cv.in_c, batch, in_n, b, dx_b);
        for (size_t i = 0; i < cv.out_c * out_n; i++)
            assert_float_equal(out1[i], out_b[i], 1e-4);
        for (size_t i = 0; i < cv.in_c * in_n; i++)
            assert_float_equal(dx1[i], dx_b[i], 1e-4);
    }
    for (size_t i = 0; i < n_w; i++)
        assert_float_equal(dw[i], dw_sum[i], 1e-3);
    free(x), free(w), free(dout), free(col), free(dcol), free(out), free(dx), free(dw);
    free(dw_sum), free(x1), free(dout1), free(out1), free(dx1), free(out_b), free(dx_b);
    gen_workers_free(pool);
}

static void test_chunked_convolutions_match_single_images(void **state)
{
    (void)state;
    gen_conv conv = {64, 16, 16, 32, 8, 8, 4, 2, 1};
    gen_conv convt = {32, 8, 8, 64, 16, 16, 4, 2, 1};
    /* No pool (chunks of 2 through the whole batch); pools of 1 and 2 workers. */
    const int workers[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++) {
        check_chunking(conv, false, workers[i]);
        check_chunking(convt, true, workers[i]);
    }
}

/* --- batch norm ----------------------------------------------------------- */

typedef struct bn_case {
    int c;
    size_t n;
    float *x, *gamma, *beta, *xhat, *invstd;
} bn_case;

static void bn_case_forward(void *ctx, float *out)
{
    bn_case *b = ctx;
    gen_batchnorm_forward(NULL, b->c, b->n, b->x, b->gamma, b->beta, b->xhat, b->invstd, out);
}

static void test_batchnorm_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_rng rng;
    gen_rng_seed(&rng, 11);
    bn_case b = {3, 10, NULL, NULL, NULL, NULL, NULL};
    size_t n = b.c * b.n;
    b.x = random_floats(&rng, n, 2.0f);
    b.gamma = random_floats(&rng, b.c, 1.0f);
    b.beta = random_floats(&rng, b.c, 1.0f);
    b.xhat = zeros(n);
    b.invstd = zeros(b.c);
    float *r = random_floats(&rng, n, 1.0f), *out = zeros(n);
    float *dx = zeros(n), *dgamma = zeros(b.c), *dbeta = zeros(b.c);
    bn_case_forward(&b, out);
    /* Normalised output: each channel has mean beta. */
    for (int ch = 0; ch < b.c; ch++) {
        double mean = 0;
        for (size_t i = 0; i < b.n; i++)
            mean += out[ch * b.n + i] / b.n;
        assert_float_equal(mean, b.beta[ch], 1e-5);
    }
    gen_batchnorm_backward(NULL, b.c, b.n, b.xhat, b.invstd, b.gamma, r, dgamma, dbeta, dx);
    check_gradient("bn dx", bn_case_forward, &b, b.x, n, dx, r, n);
    check_gradient("bn dgamma", bn_case_forward, &b, b.gamma, b.c, dgamma, r, n);
    check_gradient("bn dbeta", bn_case_forward, &b, b.beta, b.c, dbeta, r, n);

    /* Split between 2 workers (channels 0 and 1, 2), the same bit for bit. */
    gen_workers *pool;
    assert_int_equal(gen_workers_new(2, 1, &pool, NULL), CS_OK);
    float *out2 = zeros(n), *dx2 = zeros(n), *dgamma2 = zeros(b.c), *dbeta2 = zeros(b.c);
    bn_case_forward(&b, out);
    gen_batchnorm_forward(pool, b.c, b.n, b.x, b.gamma, b.beta, b.xhat, b.invstd, out2);
    assert_memory_equal(out, out2, n * sizeof(float));
    memset(dgamma, 0, b.c * sizeof(float));
    memset(dbeta, 0, b.c * sizeof(float));
    gen_batchnorm_backward(NULL, b.c, b.n, b.xhat, b.invstd, b.gamma, r, dgamma, dbeta, dx);
    gen_batchnorm_backward(pool, b.c, b.n, b.xhat, b.invstd, b.gamma, r, dgamma2, dbeta2, dx2);
    assert_memory_equal(dx, dx2, n * sizeof(float));
    assert_memory_equal(dgamma, dgamma2, b.c * sizeof(float));
    assert_memory_equal(dbeta, dbeta2, b.c * sizeof(float));
    gen_workers_free(pool);
    free(out2), free(dx2), free(dgamma2), free(dbeta2);
    free(b.x), free(b.gamma), free(b.beta), free(b.xhat), free(b.invstd);
    free(r), free(out), free(dx), free(dgamma), free(dbeta);
}

/* --- spectral norm -------------------------------------------------------- */

typedef struct sn_case {
    gen_spectral *sn;
    float *w;
} sn_case;

/* W / (u . W v) with the u and v of the last power iteration held fixed, the
 * function whose gradient PyTorch (and gen_spectral_backward) computes. */
static void sn_case_forward(void *ctx, float *out)
{
    sn_case *c = ctx;
    const gen_spectral *sn = c->sn;
    double sigma = 0;
    for (int i = 0; i < sn->rows; i++)
        for (int j = 0; j < sn->cols; j++)
            sigma += (double)sn->u[i] * c->w[i * sn->cols + j] * sn->v[j];
    for (int i = 0; i < sn->rows * sn->cols; i++)
        out[i] = (float)(c->w[i] / sigma);
}

static void test_spectral_norm_backward_matches_finite_differences(void **state)
{
    (void)state;
    gen_rng rng;
    gen_rng_seed(&rng, 5);
    int rows = 4, cols = 12;
    size_t n = (size_t)rows * cols;
    gen_spectral sn = {rows, cols, random_floats(&rng, rows, 1), zeros(cols), 0, zeros(n)};
    sn_case c = {&sn, random_floats(&rng, n, 1)};
    for (int i = 0; i < 5; i++)
        gen_spectral_forward(&sn, c.w);
    float *r = random_floats(&rng, n, 1), *dw = zeros(n);
    gen_spectral_backward(&sn, r, dw);
    check_gradient("spectral dw", sn_case_forward, &c, c.w, n, dw, r, n);
    free(sn.u), free(sn.v), free(sn.w_sn), free(c.w), free(r), free(dw);
}

static void test_spectral_norm_finds_the_largest_singular_value(void **state)
{
    (void)state;
    /* a b^T + small noise has largest singular value about |a| |b| = 3 * 2. */
    int rows = 3, cols = 4;
    float a[3] = {1, 2, 2}, b[4] = {1, 1, 1, 1}, w[12], u[3] = {1, 0, 0}, v[4], w_sn[12];
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            w[i * cols + j] = a[i] * b[j];
    gen_spectral sn = {rows, cols, u, v, 0, w_sn};
    for (int i = 0; i < 20; i++)
        gen_spectral_forward(&sn, w);
    assert_float_equal(sn.sigma, 6.0f, 1e-4);
    assert_float_equal(w_sn[0], w[0] / 6.0f, 1e-6);
}

/* --- activations and losses ----------------------------------------------- */

typedef struct act_case {
    int kind;
    size_t n;
    float *x;
} act_case;

static void act_case_forward(void *ctx, float *out)
{
    act_case *a = ctx;
    if (a->kind == 0) gen_relu_forward(a->n, a->x, out);
    if (a->kind == 1) gen_lrelu_forward(a->n, a->x, out);
    if (a->kind == 2) gen_tanh_forward(a->n, a->x, out);
}

static void test_activation_backwards_match_finite_differences(void **state)
{
    (void)state;
    gen_rng rng;
    gen_rng_seed(&rng, 13);
    const char *names[3] = {"relu", "lrelu", "tanh"};
    for (int kind = 0; kind < 3; kind++) {
        act_case a = {kind, 40, random_floats(&rng, 40, 1.5f)};
        for (size_t i = 0; i < a.n; i++) /* keep away from the kink at 0 */
            if (fabsf(a.x[i]) < 0.05f) a.x[i] = 0.5f;
        float *r = random_floats(&rng, a.n, 1), *y = zeros(a.n), *dx = zeros(a.n);
        act_case_forward(&a, y);
        if (kind == 0) gen_relu_backward(a.n, y, r, dx);
        if (kind == 1) gen_lrelu_backward(a.n, y, r, dx);
        if (kind == 2) gen_tanh_backward(a.n, y, r, dx);
        check_gradient(names[kind], act_case_forward, &a, a.x, a.n, dx, r, a.n);
        free(a.x), free(r), free(y), free(dx);
    }
}

typedef struct loss_case {
    gan_loss kind;
    int which; /* 0: D on real, 1: D on fake, 2: G */
    int n;
    float *logits, *scratch;
} loss_case;

static void loss_case_forward(void *ctx, float *out)
{
    loss_case *c = ctx;
    out[0] = c->which == 2 ? gen_g_loss(c->kind, c->n, c->logits, c->scratch)
                           : gen_d_loss(c->kind, c->n, c->logits, c->which == 0, c->scratch);
}

static void test_loss_gradients_match_finite_differences(void **state)
{
    (void)state;
    gen_rng rng;
    gen_rng_seed(&rng, 17);
    float one = 1.0f;
    for (int kind = 0; kind < 2; kind++) {
        for (int which = 0; which < 3; which++) {
            loss_case c = {(gan_loss)kind, which, 16, random_floats(&rng, 16, 2), zeros(16)};
            for (int i = 0; i < c.n; i++) /* keep away from the hinge's kinks at +-1 */
                if (fabsf(fabsf(c.logits[i]) - 1.0f) < 0.05f) c.logits[i] = 0.3f;
            float *dlogits = zeros(c.n), loss;
            loss_case_forward(&c, &loss);
            memcpy(dlogits, c.scratch, c.n * sizeof(float));
            check_gradient("loss", loss_case_forward, &c, c.logits, c.n, dlogits, &one, 1);
            free(c.logits), free(c.scratch), free(dlogits);
        }
    }
    /* Known values: BCE with logits at 0 is log 2; the hinge at 0 is 1. */
    float zero[2] = {0, 0}, d[2];
    assert_float_equal(gen_d_loss(GAN_LOSS_NONSATURATING, 2, zero, true, d), logf(2), 1e-6);
    assert_float_equal(gen_d_loss(GAN_LOSS_HINGE, 2, zero, false, d), 1.0f, 1e-6);
}

static void test_adam_first_step_moves_each_weight_by_the_learning_rate(void **state)
{
    (void)state;
    gen_store st = {0};
    int shape[1] = {4};
    gen_store_add(&st, "w", true, 1, shape);
    assert_int_equal(gen_store_alloc(&st), CS_OK);
    float grads[4] = {0.5f, -2.0f, 1e-3f, 0.0f};
    memcpy(st.grads, grads, sizeof grads);
    gen_adam_step(NULL, &st, 2e-4f, 0.5f, 0.999f, 1e-8f);
    /* With bias correction, step one is lr * g / (|g| + eps). */
    assert_float_equal(st.params[0], -2e-4f, 1e-9);
    assert_float_equal(st.params[1], 2e-4f, 1e-9);
    assert_float_equal(st.params[2], -2e-4f, 1e-8);
    assert_float_equal(st.params[3], 0.0f, 0);
    gen_store_free(&st);
}

/* --- the model ------------------------------------------------------------ */

static void small_config(gan_config *cfg, gan_dnorm norm)
{
    gan_config_default(cfg);
    cfg->latent_dim = 8;
    cfg->g_width = 4;
    cfg->d_width = 4;
    cfg->batch_size = 4;
    cfg->d_norm = norm;
    cfg->seed = 42;
    cfg->threads = 1;
}

/* Smooth random images in [-1, 1]: a different one for every step. */
static void make_batch(int batch, int channels, uint64_t seed, float *out)
{
    gen_rng rng;
    gen_rng_seed(&rng, seed);
    for (int b = 0; b < batch * channels; b++) {
        double fx = 1 + 3 * gen_rng_uniform(&rng), fy = 1 + 3 * gen_rng_uniform(&rng);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                out[(size_t)b * 1024 + y * 32 + x] = (float)(sin(fx * x / 5.0) * cos(fy * y / 5.0));
    }
}

static void train(gan *g, int steps, uint64_t data_seed)
{
    const gan_config *cfg = gan_get_config(g);
    float *batch = malloc((size_t)cfg->batch_size * cfg->channels * 1024 * sizeof(float));
    for (int s = 0; s < steps; s++) {
        make_batch(cfg->batch_size, cfg->channels, data_seed + s, batch);
        gan_step_stats stats;
        gan_train_step(g, batch, NULL, &stats);
        assert_true(isfinite(stats.d_loss) && isfinite(stats.g_loss));
    }
    free(batch);
}

static bool same_tensors(const gan *a, const gan *b)
{
    for (int net = 0; net < 2; net++) {
        if (gan_tensor_count(a, net) != gan_tensor_count(b, net)) return false;
        for (int i = 0; i < gan_tensor_count(a, net); i++) {
            const gan_tensor *ta = gan_tensor_at(a, net, i), *tb = gan_tensor_at(b, net, i);
            size_t bytes = ta->count * sizeof(float);
            if (strcmp(ta->name, tb->name) != 0 || ta->count != tb->count) return false;
            if (memcmp(ta->value, tb->value, bytes) != 0) return false;
            if (ta->m && (memcmp(ta->m, tb->m, bytes) || memcmp(ta->v, tb->v, bytes))) return false;
        }
    }
    return true;
}

static void test_training_is_deterministic_for_a_seed(void **state)
{
    (void)state;
    /* Both norms, on one thread and on two: bit for bit, run after run. */
    for (int run = 0; run < 4; run++) {
        gan_config cfg;
        small_config(&cfg, (gan_dnorm)(run % 2));
        cfg.threads = 1 + run / 2;
        gan *a, *b, *c;
        assert_int_equal(gan_new(&cfg, &a, NULL), CS_OK);
        assert_int_equal(gan_new(&cfg, &b, NULL), CS_OK);
        cfg.seed = 43;
        assert_int_equal(gan_new(&cfg, &c, NULL), CS_OK);
        train(a, 3, 100);
        train(b, 3, 100);
        train(c, 3, 100);
        assert_true(same_tensors(a, b));
        assert_false(same_tensors(a, c));
        assert_int_equal(gan_step_count(a), 3);

        float sa[4 * 1024 * 2], sb[4 * 1024 * 2];
        gan_sample(a, 9, 6, sa); /* not a multiple of the batch */
        gan_sample(b, 9, 6, sb);
        assert_memory_equal(sa, sb, 6 * 1024 * sizeof(float));
        for (int i = 0; i < 6 * 1024; i++)
            assert_true(sa[i] >= -1.0f && sa[i] <= 1.0f);
        gan_free(a), gan_free(b), gan_free(c);
    }
}

/* gan_generate: an image depends on its own latent and its batch only; a short last batch is
 * topped up with its own latents, so one latent alone gives the image it gives as the
 * remainder of a longer run; the weights do not move. */
static void test_generate_from_latents_is_reproducible_per_batch(void **state)
{
    (void)state;
    gan_config cfg;
    small_config(&cfg, GAN_DNORM_BATCH);
    gan *g;
    assert_int_equal(gan_new(&cfg, &g, NULL), CS_OK);
    train(g, 2, 7);
    const int B = cfg.batch_size, nz = cfg.latent_dim, n = B + 1;
    float z[5 * 8], all[5 * 1024], last[1024], again[5 * 1024];
    gen_rng rng;
    gen_rng_seed(&rng, 5);
    gen_rng_normal(&rng, z, (size_t)n * nz, 0.0f, 1.0f);
    gan_generate(g, z, n, all);
    gan_generate(g, z + (size_t)B * nz, 1, last);
    assert_memory_equal(all + (size_t)B * 1024, last, sizeof last);
    gan_generate(g, z, n, again);
    assert_memory_equal(all, again, sizeof all);
    for (int i = 0; i < n * 1024; i++)
        assert_true(all[i] >= -1.0f && all[i] <= 1.0f);
    /* different latents, different images */
    assert_memory_not_equal(all, all + 1024, 1024 * sizeof(float));
    gan_free(g);
}

static void test_two_threads_compute_the_same_bits_as_one(void **state)
{
    (void)state;
    /* The batch is cut into the same pieces whatever the thread count, and the
     * pieces' weight-gradient shares are added in piece order, so the
     * tolerance is zero: losses, gradients, weights and Adam moments match bit
     * for bit at every step, on 2 threads and on 3 (which split 8 pieces
     * unevenly). */
    for (int norm = 0; norm < 2; norm++) {
        for (int threads = 2; threads <= 3; threads++) {
            gan_config cfg;
            small_config(&cfg, (gan_dnorm)norm);
            cfg.channels = 3;
            cfg.latent_dim = 16;
            cfg.g_width = 8;
            cfg.d_width = 8;
            cfg.batch_size = 12; /* pieces of 1 and 2 images */
            cfg.loss = norm == 0 ? GAN_LOSS_NONSATURATING : GAN_LOSS_HINGE;
            gan *one, *more;
            assert_int_equal(gan_new(&cfg, &one, NULL), CS_OK);
            cfg.threads = threads;
            assert_int_equal(gan_new(&cfg, &more, NULL), CS_OK);
            float *batch = malloc((size_t)cfg.batch_size * cfg.channels * 1024 * sizeof(float));
            for (int step = 0; step < 4; step++) {
                make_batch(cfg.batch_size, cfg.channels, 500 + step, batch);
                gan_step_stats s1, s2;
                gan_train_step(one, batch, NULL, &s1);
                gan_train_step(more, batch, NULL, &s2);
                assert_memory_equal(&s1, &s2, sizeof s1);
                for (int net = 0; net < 2; net++)
                    for (int i = 0; i < gan_tensor_count(one, net); i++) {
                        const gan_tensor *t1 = gan_tensor_at(one, net, i);
                        const gan_tensor *t2 = gan_tensor_at(more, net, i);
                        if (t1->grad != NULL)
                            assert_memory_equal(t1->grad, t2->grad, t1->count * sizeof(float));
                    }
                assert_true(same_tensors(one, more));
            }
            float s1[3 * 1024 * 5], s2[3 * 1024 * 5];
            gan_sample(one, 9, 5, s1);
            gan_sample(more, 9, 5, s2);
            assert_memory_equal(s1, s2, sizeof s1);
            free(batch);
            gan_free(one), gan_free(more);
        }
    }
}

static void test_checkpoint_round_trips_and_resumes_exactly(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "model.ckpt");
    gan_config cfg;
    small_config(&cfg, GAN_DNORM_SPECTRAL);
    gan *a, *b;
    assert_int_equal(gan_new(&cfg, &a, NULL), CS_OK);
    train(a, 2, 200);
    unsigned char hash[CS_SHA256_BYTES], signer[GAN_SIGNER_BYTES];
    memset(hash, 0xab, sizeof hash);
    memset(signer, 0xcd, sizeof signer);
    gan_set_provenance(a, hash, signer);
    cs_error err;
    assert_int_equal(gan_save(a, path, &err), CS_OK);
    assert_int_equal(gan_load(path, 1, &b, &err), CS_OK);
    assert_true(same_tensors(a, b));
    assert_int_equal(gan_step_count(b), 2);
    unsigned char hash2[CS_SHA256_BYTES], signer2[GAN_SIGNER_BYTES];
    gan_get_provenance(b, hash2, signer2);
    assert_memory_equal(hash, hash2, sizeof hash);
    assert_memory_equal(signer, signer2, sizeof signer);
    /* Resuming continues the same stream: two more steps match bit for bit. */
    train(a, 2, 300);
    train(b, 2, 300);
    assert_true(same_tensors(a, b));
    gan_free(a), gan_free(b);
    ts_rmtree(dir);
}

/* Removes n bytes at offset at from bytes (len long); returns the new length. */
static size_t cut_bytes(unsigned char *bytes, size_t len, size_t at, size_t n)
{
    memmove(bytes + at, bytes + at + n, len - at - n);
    return len - n;
}

static void test_checkpoint_keeps_metadata_and_reads_version_1(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX], old[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "model.ckpt");
    ts_join(old, dir, "v1.ckpt");
    gan_config cfg;
    small_config(&cfg, GAN_DNORM_BATCH);
    gan *a, *b = NULL;
    cs_error err;
    assert_int_equal(gan_new(&cfg, &a, NULL), CS_OK);
    assert_null(gan_metadata(a));

    /* No metadata: a version 3 file. The same file without the image size
     * (version 2), and also without the metadata length (version 1), still
     * loads: as a 32x32 model with no metadata. */
    assert_int_equal(gan_save(a, path, &err), CS_OK);
    size_t len;
    unsigned char *bytes = (unsigned char *)ts_read_file(path, &len);
    /* version 2 lacks the image size (after magic, version, header and 7 i32);
     * version 1 also the metadata length (at 220 in the version 2 layout) */
    size_t n = cut_bytes(bytes, len, 44, 4);
    for (uint32_t version = 2; version >= 1; version--) {
        if (version == 1) n = cut_bytes(bytes, n, 220, 8);
        uint32_t header = version == 1 ? 220 : 228;
        memcpy(bytes + 8, &version, 4);
        memcpy(bytes + 12, &header, 4);
        cs_sha256(bytes, n - CS_SHA256_BYTES, bytes + n - CS_SHA256_BYTES);
        ts_write_file(old, bytes, n);
        assert_int_equal(gan_load(old, 1, &b, &err), CS_OK);
        assert_null(gan_metadata(b));
        assert_int_equal(gan_get_config(b)->image_size, 32);
        gan_free(b);
    }
    free(bytes);

    /* With metadata: it comes back byte for byte, covered by the hash. */
    const char *json = "{\"licences\":{\"CC0-1.0\":3},\"steps\":10}";
    assert_int_equal(gan_set_metadata(a, json, &err), CS_OK);
    assert_int_equal(gan_save(a, path, &err), CS_OK);
    assert_int_equal(gan_load(path, 1, &b, &err), CS_OK);
    assert_string_equal(gan_metadata(b), json);
    gan_free(b);
    bytes = (unsigned char *)ts_read_file(path, &len);
    bytes[len - CS_SHA256_BYTES - 3] ^= 0x01;
    ts_write_file(old, bytes, len);
    assert_int_equal(gan_load(old, 1, &b, &err), CS_ECORRUPT);
    free(bytes);
    assert_int_equal(gan_set_metadata(a, NULL, &err), CS_OK);
    assert_null(gan_metadata(a));
    gan_free(a);
    ts_rmtree(dir);
}

static void test_damaged_checkpoints_are_refused(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX], bad[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "model.ckpt");
    ts_join(bad, dir, "bad.ckpt");
    gan_config cfg;
    small_config(&cfg, GAN_DNORM_BATCH);
    gan *a, *b = NULL;
    assert_int_equal(gan_new(&cfg, &a, NULL), CS_OK);
    cs_error err;
    assert_int_equal(gan_save(a, path, &err), CS_OK);
    size_t len;
    unsigned char *bytes = (unsigned char *)ts_read_file(path, &len);

    /* One flipped bit in the weights. */
    bytes[len / 2] ^= 0x10;
    ts_write_file(bad, bytes, len);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_ECORRUPT);
    assert_null(b);
    assert_non_null(strstr(err.message, "damaged"));
    bytes[len / 2] ^= 0x10;

    /* Truncated. */
    ts_write_file(bad, bytes, len - 100);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_ECORRUPT);
    ts_write_file(bad, bytes, 20);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_ECORRUPT);

    /* Not a checkpoint at all. */
    ts_write_file(bad, "hello, world", 12);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_EFORMAT);

    /* A newer version, correctly hashed. */
    bytes[8] = GAN_CHECKPOINT_VERSION + 1;
    cs_sha256(bytes, len - CS_SHA256_BYTES, bytes + len - CS_SHA256_BYTES);
    ts_write_file(bad, bytes, len);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_EVERSION);
    bytes[8] = GAN_CHECKPOINT_VERSION;

    /* An architecture that does not fit the payload, correctly hashed. */
    bytes[8 + 4 + 4 + 4] += 1; /* latent_dim */
    cs_sha256(bytes, len - CS_SHA256_BYTES, bytes + len - CS_SHA256_BYTES);
    ts_write_file(bad, bytes, len);
    assert_int_equal(gan_load(bad, 1, &b, &err), CS_EFORMAT);

    /* The intact file still loads. */
    assert_int_equal(gan_load(path, 1, &b, &err), CS_OK);
    gan_free(b);
    free(bytes);
    gan_free(a);
    ts_rmtree(dir);
}

static void test_bad_configurations_are_rejected(void **state)
{
    (void)state;
    gan_config cfg;
    gan *g = NULL;
    cs_error err;
    gan_config_default(&cfg);
    cfg.channels = 2;
    assert_int_equal(gan_new(&cfg, &g, &err), CS_EINVAL);
    assert_null(g);
    assert_non_null(strstr(err.message, "channels"));
    gan_config_default(&cfg);
    cfg.batch_size = 1;
    assert_int_equal(gan_new(&cfg, &g, &err), CS_EINVAL);
}

/* --- sliced Wasserstein distance ------------------------------------------ */

static void test_swd_ranks_similar_sets_closer_than_noise(void **state)
{
    (void)state;
    int n = 32;
    float *a = malloc(n * 1024 * sizeof(float)), *b = malloc(n * 1024 * sizeof(float));
    float *noise = malloc(n * 1024 * sizeof(float));
    make_batch(n, 1, 1, a);
    make_batch(n, 1, 2, b);
    gen_rng rng;
    gen_rng_seed(&rng, 3);
    for (int i = 0; i < n * 1024; i++)
        noise[i] = (float)(2 * gen_rng_uniform(&rng) - 1);
    gan_swd_result same, other, again;
    assert_int_equal(gan_swd(a, b, n, 1, 32, 5, &same, NULL), CS_OK);
    assert_int_equal(gan_swd(a, noise, n, 1, 32, 5, &other, NULL), CS_OK);
    assert_int_equal(gan_swd(a, b, n, 1, 32, 5, &again, NULL), CS_OK);
    assert_int_equal(same.levels, 2);
    assert_int_equal(same.resolution[0], 32);
    assert_int_equal(same.resolution[1], 16);
    for (int l = 0; l < 2; l++)
        assert_true(same.distance[l] * 2 < other.distance[l]);
    assert_true(same.mean == again.mean); /* the seed fixes patches and directions */
    /* Scale and offset do not matter: each set is normalised. */
    for (int i = 0; i < n * 1024; i++)
        b[i] = 3 * b[i] + 1;
    assert_int_equal(gan_swd(a, b, n, 1, 32, 5, &again, NULL), CS_OK);
    assert_float_equal(same.mean, again.mean, 1e-2 * same.mean);
    assert_int_equal(gan_swd(a, b, n, 1, 12, 5, &again, NULL), CS_EINVAL);
    free(a), free(b), free(noise);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_strided_backward_matches_finite_differences),
        cmocka_unit_test(test_conv_valid_backward_matches_finite_differences),
        cmocka_unit_test(test_convt_strided_backward_matches_finite_differences),
        cmocka_unit_test(test_convt_from_latent_backward_matches_finite_differences),
        cmocka_unit_test(test_im2col_and_col2im_are_adjoint),
        cmocka_unit_test(test_chunked_convolutions_match_single_images),
        cmocka_unit_test(test_batchnorm_backward_matches_finite_differences),
        cmocka_unit_test(test_spectral_norm_backward_matches_finite_differences),
        cmocka_unit_test(test_spectral_norm_finds_the_largest_singular_value),
        cmocka_unit_test(test_activation_backwards_match_finite_differences),
        cmocka_unit_test(test_loss_gradients_match_finite_differences),
        cmocka_unit_test(test_adam_first_step_moves_each_weight_by_the_learning_rate),
        cmocka_unit_test(test_training_is_deterministic_for_a_seed),
        cmocka_unit_test(test_generate_from_latents_is_reproducible_per_batch),
        cmocka_unit_test(test_two_threads_compute_the_same_bits_as_one),
        cmocka_unit_test(test_checkpoint_round_trips_and_resumes_exactly),
        cmocka_unit_test(test_checkpoint_keeps_metadata_and_reads_version_1),
        cmocka_unit_test(test_damaged_checkpoints_are_refused),
        cmocka_unit_test(test_bad_configurations_are_rejected),
        cmocka_unit_test(test_swd_ranks_similar_sets_closer_than_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
