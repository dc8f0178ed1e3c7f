/*
 * spectral.c - spectral normalisation of a weight (Miyato et al. 2018), as
 * PyTorch's torch.nn.utils.spectral_norm does it.
 *
 * The weight is viewed as a [rows][cols] matrix (rows = output channels). Each
 * training forward pass does one power iteration from the persistent u,
 *   v = normalize(W^T u),  u = normalize(W v),  sigma = u . (W v),
 * and uses W / sigma. In the backward pass u and v are constants, so with
 * G = dL/d(W/sigma):  dL/dW = (G - <G, W/sigma> u v^T) / sigma.
 */
#include "generator/generator_internal.h"

#include <math.h>

static void normalize(float *x, int n)
{
    double sq = 0.0;
    for (int i = 0; i < n; i++)
        sq += (double)x[i] * x[i];
    double norm = sqrt(sq);
    float inv = (float)(1.0 / (norm > GEN_SN_EPS ? norm : GEN_SN_EPS));
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}

void gen_spectral_forward(gen_spectral *sn, const float *weight)
{
    int rows = sn->rows, cols = sn->cols;
    gen_sgemv(CblasRowMajor, CblasTrans, rows, cols, 1.0f, weight, cols, sn->u, 1, 0.0f, sn->v, 1);
    normalize(sn->v, cols);
    /* u = normalize(W v); sigma = u . (W v), with W v kept from the first pass. */
    double sq = 0.0;
    for (int r = 0; r < rows; r++) {
        const float *wr = weight + (size_t)r * cols;
        double dot = 0.0;
        for (int j = 0; j < cols; j++)
            dot += (double)wr[j] * sn->v[j];
        sn->u[r] = (float)dot;
        sq += dot * dot;
    }
    double norm = sqrt(sq), sigma = 0.0;
    double inv_norm = 1.0 / (norm > GEN_SN_EPS ? norm : GEN_SN_EPS);
    for (int r = 0; r < rows; r++) {
        double wv = sn->u[r];
        sn->u[r] = (float)(wv * inv_norm);
        sigma += sn->u[r] * wv;
    }
    sn->sigma = (float)sigma;
    float inv = 1.0f / sn->sigma;
    size_t n = (size_t)rows * cols;
    for (size_t i = 0; i < n; i++)
        sn->w_sn[i] = weight[i] * inv;
}

void gen_spectral_backward(const gen_spectral *sn, const float *dw_sn, float *dweight)
{
    int rows = sn->rows, cols = sn->cols;
    size_t n = (size_t)rows * cols;
    double dot = 0.0;
    for (size_t i = 0; i < n; i++)
        dot += (double)dw_sn[i] * sn->w_sn[i];
    float inv = 1.0f / sn->sigma, proj = (float)dot;
    for (int r = 0; r < rows; r++) {
        const float *gr = dw_sn + (size_t)r * cols;
        float *dr = dweight + (size_t)r * cols;
        float ur = proj * sn->u[r];
        for (int j = 0; j < cols; j++)
            dr[j] += (gr[j] - ur * sn->v[j]) * inv;
    }
}
