/*
 * batchnorm.c - batch normalisation in training mode (Ioffe and Szegedy 2015)
 * over activations stored [C][n], n = batch x height x width.
 *
 * Each channel is normalised with the mean and the biased variance of its n
 * values, then scaled and shifted. Sums run in double so the statistics do not
 * depend on summation order more than float rounding of the result. There are
 * no running statistics: the generator is always run with batch statistics
 * (training and sampling alike), and batch norm in D is only used in training.
 */
#include "generator/generator_internal.h"

#include <math.h>

void gen_batchnorm_forward(int c, size_t n, const float *x, const float *gamma, const float *beta,
                           float *xhat, float *invstd, float *y)
{
    for (int ch = 0; ch < c; ch++) {
        const float *xc = x + (size_t)ch * n;
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += xc[i];
        double mean = sum / (double)n;
        double sq = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = xc[i] - mean;
            sq += d * d;
        }
        float is = (float)(1.0 / sqrt(sq / (double)n + GEN_BN_EPS));
        invstd[ch] = is;
        float m = (float)mean, g = gamma[ch], b = beta[ch];
        float *hc = xhat + (size_t)ch * n, *yc = y + (size_t)ch * n;
        for (size_t i = 0; i < n; i++) {
            hc[i] = (xc[i] - m) * is;
            yc[i] = g * hc[i] + b;
        }
    }
}

void gen_batchnorm_backward(int c, size_t n, const float *xhat, const float *invstd,
                            const float *gamma, const float *dy, float *dgamma, float *dbeta,
                            float *dx)
{
    for (int ch = 0; ch < c; ch++) {
        const float *hc = xhat + (size_t)ch * n, *dyc = dy + (size_t)ch * n;
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (size_t i = 0; i < n; i++) {
            sum_dy += dyc[i];
            sum_dy_xhat += (double)dyc[i] * hc[i];
        }
        if (dgamma != NULL) dgamma[ch] += (float)sum_dy_xhat;
        if (dbeta != NULL) dbeta[ch] += (float)sum_dy;
        /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
        float scale = gamma[ch] * invstd[ch];
        float mean_dy = (float)(sum_dy / (double)n);
        float mean_dy_xhat = (float)(sum_dy_xhat / (double)n);
        float *dxc = dx + (size_t)ch * n;
        for (size_t i = 0; i < n; i++)
            dxc[i] = scale * (dyc[i] - mean_dy - hc[i] * mean_dy_xhat);
    }
}
