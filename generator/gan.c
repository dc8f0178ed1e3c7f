/*
 * gan.c - the DCGAN (Radford et al. 2016) for 32x32 or 64x64 images and its
 * training step, written out layer by layer in the manner of llm.c.
 *
 *   G: z -> convT 4x4 (1->4) -> BN -> ReLU -> convT (4->8) -> BN -> ReLU
 *        -> convT (8->16) -> BN -> ReLU -> convT (16->32) -> tanh
 *   D: x -> conv (32->16) -> LReLU -> conv (16->8) -> [BN] -> LReLU
 *        -> conv (8->4) -> [BN] -> LReLU -> conv 4x4 (4->1) -> logit
 *
 * At 64x64 each network has one layer more, as in the DCGAN paper: G ends
 * with convT (32->64) and its channel counts start at 8x g_width; D starts
 * with conv (64->32), ends with 8x d_width channels at 4x4, and normalises
 * its three middle layers.
 *
 * All kernels are 4x4; the strided ones use stride 2 and padding 1, exactly as
 * PyTorch's DCGAN example, without biases. D is normalised either by batch
 * norm on its two middle layers (the default) or by spectral norm on every
 * convolution. Batch norm won by measurement (bench/gan: Fashion-MNIST, batch
 * 64, Adam 2e-4/0.5, 1:1 updates; SWD x1e3 of 2048 samples against held-out
 * images, lower is better, floor 7.4, noise 220):
 *
 *   steps                      250    500   1000   2000
 *   batch norm, C             99.3   48.7   24.4   14.1
 *   batch norm, PyTorch       94.4   60.5   26.4   15.2
 *   spectral norm, C          96.4   79.3      -      -
 *   spectral norm, PyTorch   103.4   78.4   87.0   88.7
 *
 * With spectral norm D stays near chance (its loss about 1.1 against 1.39 for
 * guessing): a Lipschitz-bounded D learns too slowly at these settings to teach
 * G, whose samples stall with grey, smeared backgrounds. Spectral norm stays
 * available (it wants other settings, e.g. more D steps or a larger D rate).
 *
 * gan_train_step is the whole training step in one place. Its order is the
 * PyTorch example's: G makes a fake batch; D takes a step on the real batch
 * and on the (detached) fake batch; then G takes a step through the updated D
 * on the same fake batch. D's weight gradients are not computed during G's
 * step, where nothing would use them.
 */
#include "generator/generator_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds for gan_config_check: far beyond any sensible model, small enough
 * that buffer sizes cannot overflow an int column count. */
#define GAN_MAX_LATENT  4096
#define GAN_MAX_WIDTH   1024
#define GAN_MAX_BATCH   4096
#define GAN_MAX_THREADS 256
#define GAN_INIT_STD    0.02f /* DCGAN's weight initialisation */
/* The default thread count is the number of online cores up to this many:
 * two threads beat one on the two cores we measured on (generator.h), more
 * have not been measured. */
#define GAN_DEFAULT_MAX_THREADS 2

void gan_config_default(gan_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->channels = 1;
    cfg->image_size = GAN_IMAGE_SIZE;
    cfg->latent_dim = 100;
    cfg->g_width = 32;
    cfg->d_width = 32;
    cfg->batch_size = 64;
    cfg->d_norm = GAN_DNORM_BATCH;
    cfg->loss = GAN_LOSS_NONSATURATING;
    cfg->lr = 2e-4f;
    cfg->beta1 = 0.5f;
    cfg->beta2 = 0.999f;
    cfg->adam_eps = 1e-8f;
    cfg->seed = 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = cores < 1 ? 1 : (int)CS_MIN(cores, GAN_DEFAULT_MAX_THREADS);
}

int gan_config_check(const gan_config *cfg, cs_error *err)
{
    if (cfg->channels != 1 && cfg->channels != 3)
        return cs_error_set(err, CS_EINVAL, "gan config: channels must be 1 or 3, not %d",
                            cfg->channels);
    if (cfg->image_size != 32 && cfg->image_size != 64)
        return cs_error_set(err, CS_EINVAL, "gan config: image_size must be 32 or 64, not %d",
                            cfg->image_size);
    if (cfg->latent_dim < 1 || cfg->latent_dim > GAN_MAX_LATENT)
        return cs_error_set(err, CS_EINVAL, "gan config: latent_dim %d outside 1..%d",
                            cfg->latent_dim, GAN_MAX_LATENT);
    if (cfg->g_width < 1 || cfg->g_width > GAN_MAX_WIDTH || cfg->d_width < 1 ||
        cfg->d_width > GAN_MAX_WIDTH)
        return cs_error_set(err, CS_EINVAL, "gan config: widths must be 1..%d", GAN_MAX_WIDTH);
    if (cfg->batch_size < 2 || cfg->batch_size > GAN_MAX_BATCH)
        return cs_error_set(err, CS_EINVAL, "gan config: batch_size %d outside 2..%d",
                            cfg->batch_size, GAN_MAX_BATCH);
    if (cfg->d_norm != GAN_DNORM_SPECTRAL && cfg->d_norm != GAN_DNORM_BATCH)
        return cs_error_set(err, CS_EINVAL, "gan config: unknown d_norm %d", (int)cfg->d_norm);
    /* Spectral norm's five-layer D at 64x64 has not been matched against
     * PyTorch: its gradients differed by about 0.5% of their largest value
     * (batch norm's match to 1e-7), so it is refused rather than shipped
     * unverified. */
    if (cfg->d_norm == GAN_DNORM_SPECTRAL && cfg->image_size != 32)
        return cs_error_set(err, CS_EINVAL, "gan config: spectral norm is built for 32x32 only");
    if (cfg->loss != GAN_LOSS_NONSATURATING && cfg->loss != GAN_LOSS_HINGE)
        return cs_error_set(err, CS_EINVAL, "gan config: unknown loss %d", (int)cfg->loss);
    if (!(cfg->lr > 0.0f && cfg->lr < 1.0f) || !(cfg->beta1 >= 0.0f && cfg->beta1 < 1.0f) ||
        !(cfg->beta2 >= 0.0f && cfg->beta2 < 1.0f) || !(cfg->adam_eps > 0.0f))
        return cs_error_set(err, CS_EINVAL, "gan config: Adam settings out of range");
    if (cfg->threads < 1 || cfg->threads > GAN_MAX_THREADS)
        return cs_error_set(err, CS_EINVAL, "gan config: threads %d outside 1..%d", cfg->threads,
                            GAN_MAX_THREADS);
    return CS_OK;
}

static size_t conv_out_count(const gen_conv *cv, int batch)
{
    return (size_t)cv->out_c * batch * cv->out_h * cv->out_w;
}

static size_t conv_in_count(const gen_conv *cv, int batch)
{
    return (size_t)cv->in_c * batch * cv->in_h * cv->in_w;
}

static gen_conv make_conv(int in_c, int in_hw, int out_c, int out_hw, int stride, int pad)
{
    gen_conv cv = {in_c, in_hw, in_hw, out_c, out_hw, out_hw, 4, stride, pad};
    return cv;
}

static int add_tensor(gen_store *st, const char *name, bool trainable, int rank, int d0, int d1,
                      int d2, int d3)
{
    int shape[4] = {d0, d1, d2, d3};
    return gen_store_add(st, name, trainable, rank, shape);
}

static float *alloc_floats(size_t n, int *failed)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (p == NULL) *failed = 1;
    return p;
}

int gen_gan_layers(int image_size)
{
    return image_size == 64 ? 5 : 4;
}

int gen_gan_build(gan *g, const gan_config *cfg, cs_error *err)
{
    int rc = gan_config_check(cfg, err);
    if (rc == CS_OK) rc = gen_blas_open(err);
    if (rc != CS_OK) return rc;
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    const int B = cfg->batch_size, nc = cfg->channels, gw = cfg->g_width, dw = cfg->d_width;
    char name[32];

    const int layers = gen_gan_layers(cfg->image_size);
    g->g_layers = g->d_layers = layers;
    /* G: channel counts (8gw,) 4gw, 2gw, gw, nc at 4, 8, 16, 32 (, 64) pixels. */
    int g_ch[GEN_G_LAYERS + 1];
    g_ch[0] = cfg->latent_dim;
    for (int l = 1; l < layers; l++)
        g_ch[l] = gw << (layers - 1 - l);
    g_ch[layers] = nc;
    for (int l = 0; l < layers; l++) {
        int in_hw = l == 0 ? 1 : 2 << l, out_hw = 4 << l;
        g->g_conv[l] = l == 0 ? make_conv(g_ch[0], 1, g_ch[1], 4, 1, 0)
                              : make_conv(g_ch[l], in_hw, g_ch[l + 1], out_hw, 2, 1);
        snprintf(name, sizeof name, "convt%d.weight", l + 1);
        g->g_w[l] = add_tensor(&g->gen, name, true, 4, g_ch[l], g_ch[l + 1], 4, 4);
        if (l < layers - 1) {
            snprintf(name, sizeof name, "bn%d.weight", l + 1);
            g->g_gamma[l] = add_tensor(&g->gen, name, true, 1, g_ch[l + 1], 0, 0, 0);
            snprintf(name, sizeof name, "bn%d.bias", l + 1);
            g->g_beta[l] = add_tensor(&g->gen, name, true, 1, g_ch[l + 1], 0, 0, 0);
        }
    }

    /* D: channel counts dw, 2dw, 4dw (, 8dw), 1 at 16, 8, 4, 1 pixels (32, 16, 8, 4, 1). */
    int d_ch[GEN_D_LAYERS + 1];
    d_ch[0] = nc;
    for (int l = 1; l < layers; l++)
        d_ch[l] = dw << (l - 1);
    d_ch[layers] = 1;
    for (int l = 0; l < layers; l++) {
        int in_hw = cfg->image_size >> l;
        g->d_conv[l] = l == layers - 1 ? make_conv(d_ch[l], 4, 1, 1, 1, 0)
                                       : make_conv(d_ch[l], in_hw, d_ch[l + 1], in_hw / 2, 2, 1);
        snprintf(name, sizeof name, "conv%d.weight", l + 1);
        g->d_w[l] = add_tensor(&g->disc, name, true, 4, d_ch[l + 1], d_ch[l], 4, 4);
        g->d_gamma[l] = g->d_beta[l] = g->d_u[l] = -1;
        if (cfg->d_norm == GAN_DNORM_BATCH && l >= 1 && l < layers - 1) {
            snprintf(name, sizeof name, "bn%d.weight", l + 1);
            g->d_gamma[l] = add_tensor(&g->disc, name, true, 1, d_ch[l + 1], 0, 0, 0);
            snprintf(name, sizeof name, "bn%d.bias", l + 1);
            g->d_beta[l] = add_tensor(&g->disc, name, true, 1, d_ch[l + 1], 0, 0, 0);
        }
    }
    if (cfg->d_norm == GAN_DNORM_SPECTRAL) {
        for (int l = 0; l < layers; l++) {
            snprintf(name, sizeof name, "conv%d.u", l + 1);
            g->d_u[l] = add_tensor(&g->disc, name, false, 1, d_ch[l + 1], 0, 0, 0);
        }
    }
    for (int l = 0; l < 2 * layers; l++) {
        const gen_conv *cv = l < layers ? &g->g_conv[l] : &g->d_conv[l - layers];
        gen_patches p = gen_conv_patches(cv, B, l < layers); /* G's are transposed */
        if (!gen_patches_fit(&p))
            return cs_error_set(err, CS_EINVAL, "gan: a layer's padded planes exceed %d floats",
                                GEN_PLANE_FLOATS);
    }
    if ((rc = gen_store_alloc(&g->gen)) != CS_OK || (rc = gen_store_alloc(&g->disc)) != CS_OK)
        return cs_error_set(err, rc, "gan: out of memory for parameters");

    /* Activations and scratch. */
    int failed = 0;
    size_t largest = 0, largest_col = 0, largest_w = 0;
    g->z = alloc_floats((size_t)cfg->latent_dim * B, &failed);
    for (int l = 0; l < g->g_layers; l++) {
        const gen_conv *cv = &g->g_conv[l];
        size_t n = conv_out_count(cv, B);
        g->g_pre[l] = alloc_floats(n, &failed);
        g->g_act[l] = alloc_floats(n, &failed);
        if (l < g->g_layers - 1) {
            g->g_xhat[l] = alloc_floats(n, &failed);
            g->g_invstd[l] = alloc_floats((size_t)cv->out_c, &failed);
        }
        largest = CS_MAX(largest, CS_MAX(n, conv_in_count(cv, B)));
        largest_col =
            CS_MAX(largest_col, (size_t)cv->out_c * cv->k * cv->k * B * cv->in_h * cv->in_w);
    }
    for (int l = 0; l < g->d_layers; l++) {
        const gen_conv *cv = &g->d_conv[l];
        size_t n = conv_out_count(cv, B);
        size_t col = (size_t)cv->in_c * cv->k * cv->k * B * cv->out_h * cv->out_w;
        size_t rows = (size_t)cv->out_c, cols = (size_t)cv->in_c * cv->k * cv->k;
        g->d_col[l] = alloc_floats(col, &failed);
        g->d_pre[l] = alloc_floats(n, &failed);
        g->d_act[l] = alloc_floats(n, &failed);
        if (g->d_gamma[l] >= 0) {
            g->d_xhat[l] = alloc_floats(n, &failed);
            g->d_invstd[l] = alloc_floats(rows, &failed);
        }
        if (g->d_u[l] >= 0) {
            gen_spectral *sn = &g->d_sn[l];
            sn->rows = (int)rows;
            sn->cols = (int)cols;
            sn->u = g->disc.tensors[g->d_u[l]].value;
            sn->v = alloc_floats(cols, &failed);
            sn->w_sn = alloc_floats(rows * cols, &failed);
        }
        largest = CS_MAX(largest, CS_MAX(n, conv_in_count(cv, B)));
        largest_col = CS_MAX(largest_col, col);
        largest_w = CS_MAX(largest_w, rows * cols);
    }
    g->real = alloc_floats(conv_in_count(&g->d_conv[0], B), &failed);
    g->d_dimage = alloc_floats(conv_in_count(&g->d_conv[0], B), &failed);
    g->d_dlogits = alloc_floats((size_t)B, &failed);
    g->g_dpre = alloc_floats(largest, &failed);
    g->g_dact = alloc_floats(largest, &failed);
    g->d_da = alloc_floats(largest, &failed);
    g->d_db = alloc_floats(largest, &failed);
    g->col = alloc_floats(largest_col, &failed);
    g->dweight = alloc_floats(largest_w, &failed);
    if (failed) return cs_error_set(err, CS_ENOMEM, "gan: out of memory for activations");
    for (int l = 0; l < g->g_layers; l++) {
        const gen_conv *cv = &g->g_conv[l];
        largest_w = CS_MAX(largest_w, (size_t)cv->in_c * cv->out_c * cv->k * cv->k);
    }
    return gen_workers_new(cfg->threads, largest_w, &g->workers, err);
}

static void init_weights(gan *g)
{
    gen_rng init;
    gen_rng_seed(&init, g->cfg.seed);
    gen_store *stores[2] = {&g->gen, &g->disc};
    for (int s = 0; s < 2; s++) {
        gen_store *st = stores[s];
        for (int i = 0; i < st->count; i++) {
            gan_tensor *t = &st->tensors[i];
            if (strstr(t->name, ".bias") != NULL) continue; /* zero */
            if (strstr(t->name, "bn") == t->name)
                gen_rng_normal(&init, t->value, t->count, 1.0f, GAN_INIT_STD);
            else if (t->grad == NULL) { /* spectral norm's u: a random unit vector */
                gen_rng_normal(&init, t->value, t->count, 0.0f, 1.0f);
                double sq = 0.0;
                for (size_t j = 0; j < t->count; j++)
                    sq += (double)t->value[j] * t->value[j];
                for (size_t j = 0; j < t->count; j++)
                    t->value[j] /= (float)sqrt(sq);
            } else
                gen_rng_normal(&init, t->value, t->count, 0.0f, GAN_INIT_STD);
        }
    }
    /* The training stream starts where initialisation ended. */
    g->rng = init;
}

int gan_new(const gan_config *cfg, gan **out, cs_error *err)
{
    *out = NULL;
    gan *g = calloc(1, sizeof *g);
    if (g == NULL) return cs_error_set(err, CS_ENOMEM, "gan: out of memory");
    int rc = gen_gan_build(g, cfg, err);
    if (rc != CS_OK) {
        gan_free(g);
        return rc;
    }
    init_weights(g);
    *out = g;
    return CS_OK;
}

void gan_free(gan *g)
{
    if (g == NULL) return;
    gen_workers_free(g->workers);
    gen_store_free(&g->gen);
    gen_store_free(&g->disc);
    free(g->z);
    free(g->metadata);
    for (int l = 0; l < GEN_G_LAYERS; l++) {
        free(g->g_pre[l]);
        free(g->g_act[l]);
        free(g->g_xhat[l]);
        free(g->g_invstd[l]);
    }
    for (int l = 0; l < GEN_D_LAYERS; l++) {
        free(g->d_col[l]);
        free(g->d_pre[l]);
        free(g->d_act[l]);
        free(g->d_xhat[l]);
        free(g->d_invstd[l]);
        free(g->d_sn[l].v);
        free(g->d_sn[l].w_sn);
    }
    free(g->real);
    free(g->d_dimage);
    free(g->d_dlogits);
    free(g->g_dpre);
    free(g->g_dact);
    free(g->d_da);
    free(g->d_db);
    free(g->col);
    free(g->dweight);
    free(g);
}

const gan_config *gan_get_config(const gan *g)
{
    return &g->cfg;
}
uint64_t gan_step_count(const gan *g)
{
    return g->step;
}

static float *param(gen_store *st, int index)
{
    return st->tensors[index].value;
}
static float *grad(gen_store *st, int index)
{
    return st->tensors[index].grad;
}

/* --- the generator ---------------------------------------------------------- */

/* g->z ([latent][B]) -> g->g_act[last] ([nc][B][size][size]). */
static void gen_forward(gan *g)
{
    const int B = g->cfg.batch_size;
    const float *x = g->z;
    for (int l = 0; l < g->g_layers; l++) {
        const gen_conv *cv = &g->g_conv[l];
        size_t n = conv_out_count(cv, B);
        gen_convt_forward(g->workers, cv, B, param(&g->gen, g->g_w[l]), x, g->col, g->g_pre[l]);
        if (l < g->g_layers - 1) {
            gen_batchnorm_forward(g->workers, cv->out_c, n / cv->out_c, g->g_pre[l],
                                  param(&g->gen, g->g_gamma[l]), param(&g->gen, g->g_beta[l]),
                                  g->g_xhat[l], g->g_invstd[l], g->g_act[l]);
            gen_workers_map1(g->workers, n, gen_relu_forward, g->g_act[l], g->g_act[l]);
        } else {
            gen_workers_map1(g->workers, n, gen_tanh_forward, g->g_pre[l], g->g_act[l]);
        }
        x = g->g_act[l];
    }
}

/* dfake ([nc][B][size][size]) -> G's parameter gradients. */
static void gen_backward(gan *g, const float *dfake)
{
    const int B = g->cfg.batch_size;
    float *dact = g->g_dact, *dpre = g->g_dpre;
    for (int l = g->g_layers - 1; l >= 0; l--) {
        const gen_conv *cv = &g->g_conv[l];
        size_t n = conv_out_count(cv, B);
        if (l == g->g_layers - 1) {
            gen_workers_map2(g->workers, n, gen_tanh_backward, g->g_act[l], dfake, dpre);
        } else {
            gen_workers_map2(g->workers, n, gen_relu_backward, g->g_act[l], dact, dact);
            gen_batchnorm_backward(g->workers, cv->out_c, n / cv->out_c, g->g_xhat[l],
                                   g->g_invstd[l], param(&g->gen, g->g_gamma[l]), dact,
                                   grad(&g->gen, g->g_gamma[l]), grad(&g->gen, g->g_beta[l]), dpre);
        }
        const float *x = l == 0 ? g->z : g->g_act[l - 1];
        gen_convt_backward(g->workers, cv, B, param(&g->gen, g->g_w[l]), x, dpre,
                           grad(&g->gen, g->g_w[l]), g->col, l == 0 ? NULL : dact);
    }
}

/* --- the discriminator ------------------------------------------------------ */

static const float *disc_weight(gan *g, int l)
{
    return g->d_u[l] >= 0 ? g->d_sn[l].w_sn : param(&g->disc, g->d_w[l]);
}

/* image ([nc][B][size][size]) -> g->d_pre[last] (B logits). */
static void disc_forward(gan *g, const float *image)
{
    const int B = g->cfg.batch_size;
    const float *x = image;
    for (int l = 0; l < g->d_layers; l++) {
        const gen_conv *cv = &g->d_conv[l];
        size_t n = conv_out_count(cv, B);
        if (g->d_u[l] >= 0) gen_spectral_forward(&g->d_sn[l], param(&g->disc, g->d_w[l]));
        gen_conv_forward(g->workers, cv, B, disc_weight(g, l), x, g->d_col[l], g->d_pre[l]);
        if (l == g->d_layers - 1) break;
        if (g->d_gamma[l] >= 0)
            gen_batchnorm_forward(g->workers, cv->out_c, n / cv->out_c, g->d_pre[l],
                                  param(&g->disc, g->d_gamma[l]), param(&g->disc, g->d_beta[l]),
                                  g->d_xhat[l], g->d_invstd[l], g->d_act[l]);
        gen_workers_map1(g->workers, n, gen_lrelu_forward,
                         g->d_gamma[l] >= 0 ? g->d_act[l] : g->d_pre[l], g->d_act[l]);
        x = g->d_act[l];
    }
}

/* dlogits -> D's parameter gradients (if with_weights) and dimage (if not NULL). */
static void disc_backward(gan *g, const float *dlogits, bool with_weights, float *dimage)
{
    const int B = g->cfg.batch_size;
    float *grads[2] = {g->d_da, g->d_db}; /* grads[cur]: the gradient flowing down */
    int cur = 0;
    for (int l = g->d_layers - 1; l >= 0; l--) {
        const gen_conv *cv = &g->d_conv[l];
        size_t n = conv_out_count(cv, B);
        const float *dout = dlogits;
        if (l < g->d_layers - 1) {
            gen_workers_map2(g->workers, n, gen_lrelu_backward, g->d_act[l], grads[cur],
                             grads[cur]);
            if (g->d_gamma[l] >= 0) {
                gen_batchnorm_backward(g->workers, cv->out_c, n / cv->out_c, g->d_xhat[l],
                                       g->d_invstd[l], param(&g->disc, g->d_gamma[l]), grads[cur],
                                       with_weights ? grad(&g->disc, g->d_gamma[l]) : NULL,
                                       with_weights ? grad(&g->disc, g->d_beta[l]) : NULL,
                                       grads[cur ^ 1]);
                cur ^= 1;
            }
            dout = grads[cur];
        }
        bool sn = g->d_u[l] >= 0;
        float *dweight = NULL;
        if (with_weights) {
            dweight = sn ? g->dweight : grad(&g->disc, g->d_w[l]);
            if (sn) memset(dweight, 0, (size_t)g->d_sn[l].rows * g->d_sn[l].cols * sizeof(float));
        }
        float *dx = l == 0 ? dimage : grads[cur ^ 1];
        gen_conv_backward(g->workers, cv, B, disc_weight(g, l), g->d_col[l], dout, dweight, g->col,
                          dx);
        if (with_weights && sn)
            gen_spectral_backward(&g->d_sn[l], dweight, grad(&g->disc, g->d_w[l]));
        cur ^= 1;
    }
}

/* --- layout at the API boundary --------------------------------------------- */

/* [B][C][HW] <-> [C][B][HW] */
static void swap_batch_channel(const float *in, int outer, int inner, size_t plane, float *out)
{
    for (int a = 0; a < outer; a++)
        for (int b = 0; b < inner; b++)
            memcpy(out + ((size_t)b * outer + a) * plane, in + ((size_t)a * inner + b) * plane,
                   plane * sizeof(float));
}

/* --- the training step ------------------------------------------------------ */

void gan_train_step(gan *g, const float *real, const float *z, gan_step_stats *stats)
{
    const gan_config *cfg = &g->cfg;
    const int B = cfg->batch_size;
    const size_t plane = (size_t)g->cfg.image_size * g->cfg.image_size;
    float *logits = g->d_pre[g->d_layers - 1], *dlogits = g->d_dlogits;
    gan_step_stats s;

    /* 1. The latents and G's fake batch. */
    if (z != NULL)
        swap_batch_channel(z, B, cfg->latent_dim, 1, g->z);
    else
        gen_rng_normal(&g->rng, g->z, (size_t)cfg->latent_dim * B, 0.0f, 1.0f);
    gen_forward(g);
    const float *fake = g->g_act[g->g_layers - 1];

    /* 2. D's step: real batch towards "real", fake batch towards "fake". */
    swap_batch_channel(real, B, cfg->channels, plane, g->real);
    gen_store_zero_grad(&g->disc);
    disc_forward(g, g->real);
    s.d_real_mean = 0.0f;
    for (int i = 0; i < B; i++)
        s.d_real_mean += logits[i] / B;
    s.d_loss = gen_d_loss(cfg->loss, B, logits, true, dlogits);
    disc_backward(g, dlogits, true, NULL);
    disc_forward(g, fake);
    s.d_fake_mean = 0.0f;
    for (int i = 0; i < B; i++)
        s.d_fake_mean += logits[i] / B;
    s.d_loss += gen_d_loss(cfg->loss, B, logits, false, dlogits);
    disc_backward(g, dlogits, true, NULL);
    gen_adam_step(g->workers, &g->disc, cfg->lr, cfg->beta1, cfg->beta2, cfg->adam_eps);

    /* 3. G's step: the same fake batch through the updated D, towards "real". */
    gen_store_zero_grad(&g->gen);
    disc_forward(g, fake);
    s.g_loss = gen_g_loss(cfg->loss, B, logits, dlogits);
    disc_backward(g, dlogits, false, g->d_dimage);
    gen_backward(g, g->d_dimage);
    gen_adam_step(g->workers, &g->gen, cfg->lr, cfg->beta1, cfg->beta2, cfg->adam_eps);

    g->step++;
    if (stats != NULL) *stats = s;
}

/* --- sampling --------------------------------------------------------------- */

/* Copies images [start, start+count) of the last G batch into out (NCHW). */
static void copy_fakes(const gan *g, int start, int count, float *out)
{
    const int B = g->cfg.batch_size, nc = g->cfg.channels;
    const size_t plane = (size_t)g->cfg.image_size * g->cfg.image_size, image = nc * plane;
    const float *fake = g->g_act[g->g_layers - 1];
    for (int b = 0; b < count; b++)
        for (int c = 0; c < nc; c++)
            memcpy(out + (size_t)(start + b) * image + c * plane,
                   fake + ((size_t)c * B + b) * plane, plane * sizeof(float));
}

void gan_generate(gan *g, const float *z, int n, float *out)
{
    const int B = g->cfg.batch_size, nz = g->cfg.latent_dim;
    for (int start = 0; start < n; start += B) {
        int count = CS_MIN(B, n - start);
        /* A short last batch is topped up by repeating its latents, so batch
         * norm still sees a full batch. */
        for (int b = 0; b < B; b++)
            for (int j = 0; j < nz; j++)
                g->z[(size_t)j * B + b] = z[(size_t)(start + b % count) * nz + j];
        gen_forward(g);
        copy_fakes(g, start, count, out);
    }
}

void gan_sample(gan *g, uint64_t seed, int n, float *out)
{
    const int B = g->cfg.batch_size;
    gen_rng rng;
    gen_rng_seed(&rng, seed);
    for (int start = 0; start < n; start += B) {
        gen_rng_normal(&rng, g->z, (size_t)g->cfg.latent_dim * B, 0.0f, 1.0f);
        gen_forward(g);
        copy_fakes(g, start, CS_MIN(B, n - start), out);
    }
}

/* --- tensors and provenance ------------------------------------------------- */

static gen_store *store_of(const gan *g, gan_net_id net)
{
    return (gen_store *)(net == GAN_NET_G ? &g->gen : &g->disc);
}

int gan_tensor_count(const gan *g, gan_net_id net)
{
    return store_of(g, net)->count;
}

const gan_tensor *gan_tensor_at(const gan *g, gan_net_id net, int index)
{
    const gen_store *st = store_of(g, net);
    return index >= 0 && index < st->count ? &st->tensors[index] : NULL;
}

void gan_set_provenance(gan *g, const unsigned char manifest_sha256[CS_SHA256_BYTES],
                        const unsigned char signer[GAN_SIGNER_BYTES])
{
    memcpy(g->manifest_sha256, manifest_sha256, CS_SHA256_BYTES);
    memcpy(g->signer, signer, GAN_SIGNER_BYTES);
}

void gan_get_provenance(const gan *g, unsigned char manifest_sha256[CS_SHA256_BYTES],
                        unsigned char signer[GAN_SIGNER_BYTES])
{
    memcpy(manifest_sha256, g->manifest_sha256, CS_SHA256_BYTES);
    memcpy(signer, g->signer, GAN_SIGNER_BYTES);
}

int gan_set_metadata(gan *g, const char *json, cs_error *err)
{
    size_t len = json == NULL ? 0 : strlen(json);
    if (len > GAN_METADATA_MAX_BYTES)
        return cs_error_set(err, CS_EINVAL, "model metadata of %zu bytes exceeds %d", len,
                            GAN_METADATA_MAX_BYTES);
    char *copy = NULL;
    if (json != NULL) {
        copy = malloc(len + 1);
        if (copy == NULL) return cs_error_set(err, CS_ENOMEM, "model metadata: out of memory");
        memcpy(copy, json, len + 1);
    }
    free(g->metadata);
    g->metadata = copy;
    return CS_OK;
}

const char *gan_metadata(const gan *g)
{
    return g->metadata;
}
