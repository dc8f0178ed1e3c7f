/*
 * convt.c - transposed 2-D convolution (PyTorch's ConvTranspose2d), the
 * generator's upsampling layer.
 *
 * A transposed convolution is the backward-data pass of the convolution that
 * maps its output back to its input, so it reuses conv.c's pieces the other
 * way round: columns = weight^T [out_c*k*k][in_c] times the input [in_c][B*h*w],
 * then col2im scatters the columns into the larger output. Its backward pass
 * is im2col of the output gradient followed by two GEMMs. The weight is
 * [in_c][out_c][k][k], PyTorch's layout, so weights move between the two
 * unchanged. Like conv.c, it cuts the batch into pieces for the workers and
 * works through each piece in chunks whose columns stay in L2.
 */
#include "generator/generator_internal.h"

/* One transposed convolution call, as the workers see it. */
typedef struct convt_job {
    gen_workers *pool;
    const gen_conv *cv;
    int batch, pieces;
    const float *weight, *x, *dout;
    float *out, *scratch, *dweight, *dx;
} convt_job;

static void convt_forward_piece(void *ctx, int piece, int pieces)
{
    const convt_job *j = ctx;
    const gen_conv *cv = j->cv;
    const gen_patches p = gen_conv_patches(cv, j->batch, true);
    const int kdim = cv->out_c * cv->k * cv->k, pixels = cv->in_h * cv->in_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    float *col = j->scratch + (size_t)lo * kdim * pixels; /* this piece's part */
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0);
        gen_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, nb * pixels, cv->in_c, 1.0f,
                  j->weight, kdim, j->x + (size_t)b0 * pixels, ncols, 0.0f, col, nb * pixels);
        gen_col2im(&p, col, (size_t)nb * pixels, b0, nb, j->out);
    }
}

void gen_convt_forward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                       const float *x, float *col, float *out)
{
    convt_job j = {.pool = pool,
                   .cv = cv,
                   .batch = batch,
                   .pieces = gen_workers_pieces(pool, batch),
                   .weight = weight,
                   .x = x,
                   .scratch = col,
                   .out = out};
    gen_workers_run(pool, j.pieces, convt_forward_piece, &j);
}

static void convt_backward_piece(void *ctx, int piece, int pieces)
{
    const convt_job *j = ctx;
    const gen_conv *cv = j->cv;
    const gen_patches p = gen_conv_patches(cv, j->batch, true);
    const int kdim = cv->out_c * cv->k * cv->k, pixels = cv->in_h * cv->in_w;
    const int ncols = j->batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, j->batch);
    int lo, hi;
    gen_workers_slice(j->batch, piece, pieces, &lo, &hi);
    float *dcol = j->scratch + (size_t)lo * kdim * pixels; /* this piece's part */
    float *dweight = NULL;
    if (j->dweight != NULL)
        dweight = gen_workers_grad(j->pool, piece, j->dweight, (size_t)cv->in_c * kdim);
    for (int b0 = lo; b0 < hi; b0 += chunk) {
        int nb = CS_MIN(chunk, hi - b0), n = nb * pixels;
        gen_im2col(&p, j->dout, b0, nb, dcol, (size_t)n);
        if (dweight != NULL)
            gen_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->in_c, kdim, n, 1.0f,
                      j->x + (size_t)b0 * pixels, ncols, dcol, n, 1.0f, dweight, kdim);
        if (j->dx != NULL)
            gen_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->in_c, n, kdim, 1.0f, j->weight,
                      kdim, dcol, n, 0.0f, j->dx + (size_t)b0 * pixels, ncols);
    }
}

void gen_convt_backward(gen_workers *pool, const gen_conv *cv, int batch, const float *weight,
                        const float *x, const float *dout, float *dweight, float *dcol, float *dx)
{
    convt_job j = {.pool = pool,
                   .cv = cv,
                   .batch = batch,
                   .pieces = gen_workers_pieces(pool, batch),
                   .weight = weight,
                   .x = x,
                   .dout = dout,
                   .scratch = dcol,
                   .dweight = dweight,
                   .dx = dx};
    gen_workers_run(pool, j.pieces, convt_backward_piece, &j);
    if (dweight != NULL)
        gen_workers_sum_grads(pool, j.pieces, dweight,
                              (size_t)cv->in_c * cv->out_c * cv->k * cv->k);
}
