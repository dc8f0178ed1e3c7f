/*
 * conv.c - 2-D convolution over a batch as im2col plus SGEMM.
 *
 * With activations stored [C][B][H][W], im2col lays every receptive field of
 * every image out as one column of a (C*k*k) x (B*oh*ow) matrix, and the
 * convolution is weight [out_c][C*k*k] times that matrix, which lands directly
 * in [out_c][B][oh][ow]. The backward pass is two more GEMMs (weight gradient
 * against the kept columns, column gradient from the transposed weight) and
 * col2im, the adjoint of im2col. No bias: every convolution of the DCGAN is
 * followed by a normalisation or is the last layer, as in the PyTorch example.
 *
 * The batch is processed in chunks of images whose columns fit in L2
 * (GEN_CHUNK_FLOATS): im2col writes a chunk and the GEMM reads it back while it
 * is still in cache, instead of streaming one matrix of many MiB through
 * memory twice. The weight-gradient GEMM, which reads columns that are no
 * longer in cache anyway, runs once over the whole batch. Chunks are for one
 * thread only; see gen_chunk_images.
 */
#include "generator/generator_internal.h"

#include <cblas.h>
#include <string.h>

/* Columns of one chunk: 128 Ki floats = 512 KiB, half of a Zen 4 or recent
 * Intel core's L2, leaving room for GEMM's packed panels. */
#define GEN_CHUNK_FLOATS ((size_t)1 << 17)

int gen_chunk_images(size_t floats_per_image, int batch)
{
    /* With more than one OpenBLAS thread, one GEMM per layer: every call wakes
     * OpenBLAS's threads, and on a loaded machine a wake-up costs far more than
     * the cache saves (measured: 60 images/s chunked against 300 on one thread). */
    if (openblas_get_num_threads() > 1) return batch;
    size_t n = GEN_CHUNK_FLOATS / (floats_per_image ? floats_per_image : 1);
    return n < 1 ? 1 : n > (size_t)batch ? batch : (int)n;
}

/* The output columns x in [*lo, *hi) whose input column x*stride - pad + kj is inside [0, w). */
static void valid_range(int w, int ow, int stride, int pad, int kj, int *lo, int *hi)
{
    int first = pad - kj; /* x*stride >= first */
    *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
    int last = w - 1 + pad - kj; /* x*stride <= last */
    *hi = last < 0 ? 0 : CS_MIN(ow, last / stride + 1);
    if (*hi < *lo) *hi = *lo;
}

void gen_im2col(const gen_patches *p, const float *image, int b0, int nb, float *col, size_t ld)
{
    const int k = p->k, s = p->stride, oh = p->oh, ow = p->ow;
    for (int ch = 0; ch < p->c; ch++) {
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                float *row = col + (size_t)((ch * k + ki) * k + kj) * ld;
                int lo, hi, offset = kj - p->pad;
                valid_range(p->w, ow, s, p->pad, kj, &lo, &hi);
                for (int b = 0; b < nb; b++) {
                    const float *plane = image + ((size_t)ch * p->batch + b0 + b) * p->h * p->w;
                    for (int y = 0; y < oh; y++) {
                        float *dst = row + ((size_t)b * oh + y) * ow;
                        int iy = y * s - p->pad + ki;
                        if (iy < 0 || iy >= p->h) {
                            memset(dst, 0, (size_t)ow * sizeof(float));
                            continue;
                        }
                        const float *src = plane + (size_t)iy * p->w;
                        for (int x = 0; x < lo; x++)
                            dst[x] = 0.0f;
                        if (s == 1)
                            memcpy(dst + lo, src + lo + offset, (size_t)(hi - lo) * sizeof(float));
                        else
                            for (int x = lo; x < hi; x++)
                                dst[x] = src[x * s + offset];
                        for (int x = hi; x < ow; x++)
                            dst[x] = 0.0f;
                    }
                }
            }
        }
    }
}

void gen_col2im(const gen_patches *p, const float *col, size_t ld, int b0, int nb, float *image)
{
    const int k = p->k, s = p->stride, oh = p->oh, ow = p->ow;
    const size_t plane_size = (size_t)p->h * p->w;
    for (int ch = 0; ch < p->c; ch++)
        memset(image + ((size_t)ch * p->batch + b0) * plane_size, 0,
               (size_t)nb * plane_size * sizeof(float));
    for (int ch = 0; ch < p->c; ch++) {
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                const float *row = col + (size_t)((ch * k + ki) * k + kj) * ld;
                int lo, hi, offset = kj - p->pad;
                valid_range(p->w, ow, s, p->pad, kj, &lo, &hi);
                for (int b = 0; b < nb; b++) {
                    float *plane = image + ((size_t)ch * p->batch + b0 + b) * plane_size;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * s - p->pad + ki;
                        if (iy < 0 || iy >= p->h) continue;
                        const float *src = row + ((size_t)b * oh + y) * ow;
                        float *dst = plane + (size_t)iy * p->w;
                        for (int x = lo; x < hi; x++)
                            dst[x * s + offset] += src[x];
                    }
                }
            }
        }
    }
}

/* The patches a convolution reads from its input. */
static gen_patches input_patches(const gen_conv *cv, int batch)
{
    gen_patches p = {cv->in_c,   batch,   cv->in_h,  cv->in_w, cv->k,
                     cv->stride, cv->pad, cv->out_h, cv->out_w};
    return p;
}

void gen_conv_forward(const gen_conv *cv, int batch, const float *weight, const float *x,
                      float *col, float *out)
{
    const gen_patches p = input_patches(cv, batch);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, batch);
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int nb = CS_MIN(chunk, batch - b0);
        float *cols = col + (size_t)b0 * pixels;
        gen_im2col(&p, x, b0, nb, cols, (size_t)ncols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->out_c, nb * pixels, kdim, 1.0f,
                    weight, kdim, cols, ncols, 0.0f, out + (size_t)b0 * pixels, ncols);
    }
}

void gen_conv_backward(const gen_conv *cv, int batch, const float *weight, const float *col,
                       const float *dout, float *dweight, float *dcol, float *dx)
{
    const gen_patches p = input_patches(cv, batch);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, batch);
    if (dweight != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->out_c, kdim, ncols, 1.0f, dout,
                    ncols, col, ncols, 1.0f, dweight, kdim);
    if (dx == NULL) return;
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int nb = CS_MIN(chunk, batch - b0);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, nb * pixels, cv->out_c, 1.0f,
                    weight, kdim, dout + (size_t)b0 * pixels, ncols, 0.0f, dcol, nb * pixels);
        gen_col2im(&p, dcol, (size_t)nb * pixels, b0, nb, dx);
    }
}
