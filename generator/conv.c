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

/*
 * im2col and col2im work one image plane at a time through a zero-padded copy
 * of it on the stack (at most GEN_PLANE_FLOATS floats, gen_patches_fit), so
 * that a patch row is a plain strided copy with no bounds test: kernel tap
 * (ki, kj) reads padded[(y*stride + ki) * pw + x*stride + kj]. The rows are
 * short (1 to 32 floats), so loop overhead would be most of the cost: the
 * DCGAN's shapes (stride 2 at widths 4 to 32, and the 1x1 output of its 4x4
 * valid convolutions) get copies of this code compiled for their constant
 * width and stride, which the compiler vectorises and unrolls.
 */
bool gen_patches_fit(const gen_patches *p)
{
    size_t ph = (size_t)(p->oh - 1) * p->stride + p->k, pw = (size_t)(p->ow - 1) * p->stride + p->k;
    return p->stride >= 1 && p->oh >= 1 && p->ow >= 1 && ph * pw <= GEN_PLANE_FLOATS;
}

/* The padded plane's size: every position a kernel tap reads. */
static inline int padded_height(const gen_patches *p, int s)
{
    return (p->oh - 1) * s + p->k;
}
static inline int padded_width(const gen_patches *p, int ow, int s)
{
    return (ow - 1) * s + p->k;
}

/* im2col of one image plane into its k*k rows (rows + tap * ld), for width ow and stride s. */
static inline __attribute__((always_inline)) void
im2col_plane(const gen_patches *p, const float *plane, float *rows, size_t ld, int ow, int s)
{
    const int k = p->k, oh = p->oh, ph = padded_height(p, s), pw = padded_width(p, ow, s);
    float padded[GEN_PLANE_FLOATS];
    /* Columns [x0, x1) of a padded row come from the plane; the rest are 0. */
    const int x0 = p->pad, x1 = CS_MIN(pw, p->pad + p->w);
    for (int py = 0; py < ph; py++) {
        int iy = py - p->pad;
        float *dst = padded + py * pw;
        if (iy < 0 || iy >= p->h) {
            for (int px = 0; px < pw; px++)
                dst[px] = 0.0f;
            continue;
        }
        const float *src = plane + iy * p->w - p->pad;
        for (int px = 0; px < x0; px++)
            dst[px] = 0.0f;
        for (int px = x0; px < x1; px++)
            dst[px] = src[px];
        for (int px = x1; px < pw; px++)
            dst[px] = 0.0f;
    }
    for (int ki = 0; ki < k; ki++)
        for (int kj = 0; kj < k; kj++) {
            float *dst = rows + (size_t)(ki * k + kj) * ld;
            for (int y = 0; y < oh; y++) {
                const float *src = padded + (y * s + ki) * pw + kj;
                for (int x = 0; x < ow; x++)
                    dst[y * ow + x] = src[x * s];
            }
        }
}

/* The adjoint of im2col_plane: plane = the sum of its k*k rows. */
static inline __attribute__((always_inline)) void
col2im_plane(const gen_patches *p, const float *rows, size_t ld, float *plane, int ow, int s)
{
    const int k = p->k, oh = p->oh, ph = padded_height(p, s), pw = padded_width(p, ow, s);
    float padded[GEN_PLANE_FLOATS];
    for (int i = 0; i < ph * pw; i++)
        padded[i] = 0.0f;
    for (int ki = 0; ki < k; ki++)
        for (int kj = 0; kj < k; kj++) {
            const float *src = rows + (size_t)(ki * k + kj) * ld;
            for (int y = 0; y < oh; y++) {
                float *dst = padded + (y * s + ki) * pw + kj;
                for (int x = 0; x < ow; x++)
                    dst[x * s] += src[y * ow + x];
            }
        }
    /* Columns [0, x1) of a plane row lie inside the padded plane; the rest are 0. */
    const int x1 = CS_MIN(p->w, pw - p->pad);
    for (int iy = 0; iy < p->h; iy++) {
        int py = iy + p->pad;
        float *dst = plane + iy * p->w;
        const float *src = padded + py * pw + p->pad;
        if (py >= ph) {
            for (int ix = 0; ix < p->w; ix++)
                dst[ix] = 0.0f;
            continue;
        }
        for (int ix = 0; ix < x1; ix++)
            dst[ix] = src[ix];
        for (int ix = x1; ix < p->w; ix++)
            dst[ix] = 0.0f;
    }
}

/* Runs BODY(ow, s) with compile-time constants for the DCGAN's shapes. */
#define GEN_FOR_SHAPE(p, BODY)                                                                     \
    do {                                                                                           \
        if ((p)->stride == 2 && (p)->ow == 4)                                                      \
            BODY(4, 2);                                                                            \
        else if ((p)->stride == 2 && (p)->ow == 8)                                                 \
            BODY(8, 2);                                                                            \
        else if ((p)->stride == 2 && (p)->ow == 16)                                                \
            BODY(16, 2);                                                                           \
        else if ((p)->stride == 2 && (p)->ow == 32)                                                \
            BODY(32, 2);                                                                           \
        else if ((p)->stride == 1 && (p)->ow == 1)                                                 \
            BODY(1, 1);                                                                            \
        else                                                                                       \
            BODY((p)->ow, (p)->stride);                                                            \
    } while (0)

void gen_im2col(const gen_patches *p, const float *image, int b0, int nb, float *col, size_t ld)
{
    const size_t plane_size = (size_t)p->h * p->w, out_size = (size_t)p->oh * p->ow;
    for (int ch = 0; ch < p->c; ch++) {
        float *rows = col + (size_t)ch * p->k * p->k * ld;
        const float *planes = image + ((size_t)ch * p->batch + b0) * plane_size;
        for (int b = 0; b < nb; b++) {
#define IM2COL(OW, S) im2col_plane(p, planes + b * plane_size, rows + b * out_size, ld, OW, S)
            GEN_FOR_SHAPE(p, IM2COL);
#undef IM2COL
        }
    }
}

void gen_col2im(const gen_patches *p, const float *col, size_t ld, int b0, int nb, float *image)
{
    const size_t plane_size = (size_t)p->h * p->w, out_size = (size_t)p->oh * p->ow;
    for (int ch = 0; ch < p->c; ch++) {
        const float *rows = col + (size_t)ch * p->k * p->k * ld;
        float *planes = image + ((size_t)ch * p->batch + b0) * plane_size;
        for (int b = 0; b < nb; b++) {
#define COL2IM(OW, S) col2im_plane(p, rows + b * out_size, ld, planes + b * plane_size, OW, S)
            GEN_FOR_SHAPE(p, COL2IM);
#undef COL2IM
        }
    }
}

gen_patches gen_conv_patches(const gen_conv *cv, int batch, bool transposed)
{
    if (transposed) /* it writes them into its (large) output */
        return (gen_patches){cv->out_c,  batch,   cv->out_h, cv->out_w, cv->k,
                             cv->stride, cv->pad, cv->in_h,  cv->in_w};
    return (gen_patches){cv->in_c,   batch,   cv->in_h,  cv->in_w, cv->k,
                         cv->stride, cv->pad, cv->out_h, cv->out_w};
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
    const gen_patches p = gen_conv_patches(cv, j->batch, false);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0);
        float *cols = j->scratch + (size_t)b0 * pixels;
        gen_im2col(&p, j->x, b0, nb, cols, (size_t)ncols);
        gen_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->out_c, nb * pixels, kdim, 1.0f,
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
    const gen_patches p = gen_conv_patches(cv, j->batch, false);
    const int kdim = cv->in_c * cv->k * cv->k, pixels = cv->out_h * cv->out_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    if (j->dweight != NULL) {
        size_t n_w = (size_t)cv->out_c * kdim;
        float *dweight = gen_workers_grad(j->pool, piece, j->dweight, n_w);
        if (hi > lo)
            gen_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->out_c, kdim, (hi - lo) * pixels,
                      1.0f, j->dout + (size_t)lo * pixels, ncols, j->col + (size_t)lo * pixels,
                      ncols, 1.0f, dweight, kdim);
    }
    if (j->dx == NULL) return;
    /* This piece's part of the scratch: the columns its own images would take. */
    float *dcol = j->scratch + (size_t)lo * kdim * pixels;
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0);
        gen_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, nb * pixels, cv->out_c, 1.0f,
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
