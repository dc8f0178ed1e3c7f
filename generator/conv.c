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
 * Threads: the batch is cut into pieces of contiguous images (workers.c,
 * GEN_WORKERS_PIECES of them whatever the thread count) that the gan's
 * workers take as they come free, each calling a single-threaded OpenBLAS.
 * A piece writes only its own images, its own part of the column scratch and
 * its own share of the weight gradient; the shares are added in piece order
 * after the run, so every thread count computes the same bits. This replaced
 * OpenBLAS's own threads, which woke for every GEMM: two of them trained at
 * 745 images/s against 620 on one thread (and below one thread when the
 * machine was busy); two workers train at 935 against 590 on one (bench_gan,
 * 200 steps, medians of 3 alternating runs; generator.h). Cutting even one
 * thread's batch into pieces costs those 5%, the price of results that do
 * not depend on the thread count.
 *
 * Within a piece, images are processed in chunks whose columns fit in L2
 * (GEN_CHUNK_FLOATS): im2col writes a chunk and the GEMM reads it back while it
 * is still in cache, instead of streaming one matrix of many MiB through
 * memory twice. The weight-gradient GEMM, which reads columns that are no
 * longer in cache anyway, runs once over the whole piece.
 */
#include "generator/generator_internal.h"

#include <cblas.h>
#include <string.h>

/* Columns of one chunk: 128 Ki floats = 512 KiB, half of a Zen 4 or recent
 * Intel core's L2 (each worker runs on its own core), leaving room for GEMM's
 * packed panels. */
#define GEN_CHUNK_FLOATS ((size_t)1 << 17)

int gen_chunk_images(size_t floats_per_image, int batch)
{
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

/* One convolution call, as the workers see it. */
typedef struct conv_job {
    gen_workers *pool;
    const gen_conv *cv;
    int batch, pieces;
    const float *weight, *x, *col, *dout;
    float *out, *scratch, *dweight, *dx;
} conv_job;

static void conv_forward_piece(void *ctx, int piece, int pieces)
{
    const conv_job *j = ctx;
    const gen_conv *cv = j->cv;
    const gen_patches p = input_patches(cv, j->batch);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0);
        float *cols = j->scratch + (size_t)b0 * pixels;
        gen_im2col(&p, j->x, b0, nb, cols, (size_t)ncols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->out_c, nb * pixels, kdim, 1.0f,
                    j->weight, kdim, cols, ncols, 0.0f, j->out + (size_t)b0 * pixels, ncols);
    }
}

void gen_conv_forward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                      const float *x, float *col, float *out)
{
    conv_job j = {.pool = pool,
                  .cv = cv,
                  .batch = batch,
                  .pieces = gen_workers_pieces(pool, batch),
                  .weight = weight,
                  .x = x,
                  .scratch = col,
                  .out = out};
    gen_workers_run(pool, j.pieces, conv_forward_piece, &j);
}

static void conv_backward_piece(void *ctx, int piece, int pieces)
{
    const conv_job *j = ctx;
    const gen_conv *cv = j->cv;
    const gen_patches p = input_patches(cv, j->batch);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    if (j->dweight != NULL) {
        size_t n_w = (size_t)cv->out_c * kdim;
        float *dweight = gen_workers_grad(j->pool, piece, j->dweight, n_w);
        if (hi > lo)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->out_c, kdim,
                        (hi - lo) * pixels, 1.0f, j->dout + (size_t)lo * pixels, ncols,
                        j->col + (size_t)lo * pixels, ncols, 1.0f, dweight, kdim);
    }
    if (j->dx == NULL) return;
    /* This piece's part of the scratch: the columns its own images would take. */
    float *dcol = j->scratch + (size_t)lo * kdim * pixels;
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, nb * pixels, cv->out_c, 1.0f,
                    j->weight, kdim, j->dout + (size_t)b0 * pixels, ncols, 0.0f, dcol, nb * pixels);
        gen_col2im(&p, dcol, (size_t)nb * pixels, b0, nb, j->dx);
    }
}

void gen_conv_backward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                       const float *col, const float *dout, float *dweight, float *dcol, float *dx)
{
    conv_job j = {.pool = pool,
                  .cv = cv,
                  .batch = batch,
                  .pieces = gen_workers_pieces(pool, batch),
                  .weight = weight,
                  .col = col,
                  .dout = dout,
                  .scratch = dcol,
                  .dweight = dweight,
                  .dx = dx};
    gen_workers_run(pool, j.pieces, conv_backward_piece, &j);
    if (dweight != NULL)
        gen_workers_sum_grads(pool, j.pieces, dweight,
                              (size_t)cv->out_c * cv->in_c * cv->k * cv->k);
}
