/*
 * batchnorm.c - batch normalisation in training mode (Ioffe and Szegedy 2015)
 * over activations stored [C][n], n = batch x height x width.
 *
 * Each channel is normalised with the mean and the biased variance of its n
 * values, then scaled and shifted. Sums run in double so the statistics do not
 * depend on summation order more than float rounding of the result; each sum
 * keeps BN_LANES partial sums, added in a fixed order at the end, so the
 * additions do not wait on one another (one chain of dependent double
 * additions made batch norm 5% of a training step). There are
 * no running statistics: the generator is always run with batch statistics
 * (training and sampling alike), and batch norm in D is only used in training.
 *
 * Channels are independent, so the workers split them: each channel's sums
 * are done in one piece in one order, and the result is the same bit for bit
 * however the channels are split.
 */
#include "generator/generator_internal.h"

#include <math.h>

#define BN_LANES 8

/* The three sums batch norm needs, each over BN_LANES partial sums. */
static double sum_of(const float *x, size_t n)
{
    double lane[BN_LANES] = {0};
    size_t i = 0;
    for (; i + BN_LANES <= n; i += BN_LANES)
        for (int l = 0; l < BN_LANES; l++)
            lane[l] += x[i + l];
    double sum = 0.0;
    for (; i < n; i++)
        sum += x[i];
    for (int l = 0; l < BN_LANES; l++)
        sum += lane[l];
    return sum;
}

static double sum_of_squares_about(const float *x, size_t n, double mean)
{
    double lane[BN_LANES] = {0};
    size_t i = 0;
    for (; i + BN_LANES <= n; i += BN_LANES)
        for (int l = 0; l < BN_LANES; l++) {
            double d = x[i + l] - mean;
            lane[l] += d * d;
        }
    double sum = 0.0;
    for (; i < n; i++) {
        double d = x[i] - mean;
        sum += d * d;
    }
    for (int l = 0; l < BN_LANES; l++)
        sum += lane[l];
    return sum;
}

static double sum_of_products(const float *x, const float *y, size_t n)
{
    double lane[BN_LANES] = {0};
    size_t i = 0;
    for (; i + BN_LANES <= n; i += BN_LANES)
        for (int l = 0; l < BN_LANES; l++)
            lane[l] += (double)x[i + l] * y[i + l];
    double sum = 0.0;
    for (; i < n; i++)
        sum += (double)x[i] * y[i];
    for (int l = 0; l < BN_LANES; l++)
        sum += lane[l];
    return sum;
}

/* One batch-norm call, as the workers see it: each piece is a range of channels. */
typedef struct bn_job {
    int c;
    size_t n;
    const float *x, *xhat, *invstd, *gamma, *beta, *dy;
    float *xhat_out, *invstd_out, *y, *dgamma, *dbeta, *dx;
} bn_job;

static void forward_channels(void *ctx, int piece, int pieces)
{
    const bn_job *j = ctx;
    const size_t n = j->n;
    int lo, hi;
    gen_workers_slice(j->c, piece, pieces, &lo, &hi);
    for (int ch = lo; ch < hi; ch++) {
        const float *xc = j->x + (size_t)ch * n;
        double mean = sum_of(xc, n) / (double)n;
        double sq = sum_of_squares_about(xc, n, mean);
        float is = (float)(1.0 / sqrt(sq / (double)n + GEN_BN_EPS));
        j->invstd_out[ch] = is;
        float m = (float)mean, g = j->gamma[ch], b = j->beta[ch];
        float *hc = j->xhat_out + (size_t)ch * n, *yc = j->y + (size_t)ch * n;
        for (size_t i = 0; i < n; i++) {
            hc[i] = (xc[i] - m) * is;
            yc[i] = g * hc[i] + b;
        }
    }
}

void gen_batchnorm_forward(gen_workers *pool, int c, size_t n, const float *x, const float *gamma,
                           const float *beta, float *xhat, float *invstd, float *y)
{
    bn_job j = {.c = c,
                .n = n,
                .x = x,
                .gamma = gamma,
                .beta = beta,
                .xhat_out = xhat,
                .invstd_out = invstd,
                .y = y};
    gen_workers_run(pool, gen_workers_pieces(pool, c), forward_channels, &j);
}

static void backward_channels(void *ctx, int piece, int pieces)
{
    const bn_job *j = ctx;
    const size_t n = j->n;
    int lo, hi;
    gen_workers_slice(j->c, piece, pieces, &lo, &hi);
    for (int ch = lo; ch < hi; ch++) {
        const float *hc = j->xhat + (size_t)ch * n, *dyc = j->dy + (size_t)ch * n;
        double sum_dy = sum_of(dyc, n), sum_dy_xhat = sum_of_products(dyc, hc, n);
        if (j->dgamma != NULL) j->dgamma[ch] += (float)sum_dy_xhat;
        if (j->dbeta != NULL) j->dbeta[ch] += (float)sum_dy;
        /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
        float scale = j->gamma[ch] * j->invstd[ch];
        float mean_dy = (float)(sum_dy / (double)n);
        float mean_dy_xhat = (float)(sum_dy_xhat / (double)n);
        float *dxc = j->dx + (size_t)ch * n;
        for (size_t i = 0; i < n; i++)
            dxc[i] = scale * (dyc[i] - mean_dy - hc[i] * mean_dy_xhat);
    }
}

void gen_batchnorm_backward(gen_workers *pool, int c, size_t n, const float *xhat,
                            const float *invstd, const float *gamma, const float *dy, float *dgamma,
                            float *dbeta, float *dx)
{
    bn_job j = {.c = c,
                .n = n,
                .xhat = xhat,
                .invstd = invstd,
                .gamma = gamma,
                .dy = dy,
                .dgamma = dgamma,
                .dbeta = dbeta,
                .dx = dx};
    gen_workers_run(pool, gen_workers_pieces(pool, c), backward_channels, &j);
}
