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
 * unchanged. Like conv.c, it works through the batch in chunks whose columns
 * stay in L2.
 */
#include "generator/generator_internal.h"

#include <cblas.h>

/* The patches the transposed convolution writes into its output. */
static gen_patches output_patches(const gen_conv *cv, int batch)
{
    gen_patches p = {cv->out_c,  batch,   cv->out_h, cv->out_w, cv->k,
                     cv->stride, cv->pad, cv->in_h,  cv->in_w};
    return p;
}

void gen_convt_forward(const gen_conv *cv, int batch, const float *weight, const float *x,
                       float *col, float *out)
{
    const gen_patches p = output_patches(cv, batch);
    const int kdim = cv->out_c * cv->k * cv->k, pixels = cv->in_h * cv->in_w;
    const int ncols = batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, batch);
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int nb = CS_MIN(chunk, batch - b0);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, nb * pixels, cv->in_c, 1.0f,
                    weight, kdim, x + (size_t)b0 * pixels, ncols, 0.0f, col, nb * pixels);
        gen_col2im(&p, col, (size_t)nb * pixels, b0, nb, out);
    }
}

void gen_convt_backward(const gen_conv *cv, int batch, const float *weight, const float *x,
                        const float *dout, float *dweight, float *dcol, float *dx)
{
    const gen_patches p = output_patches(cv, batch);
    const int kdim = cv->out_c * cv->k * cv->k, pixels = cv->in_h * cv->in_w;
    const int ncols = batch * pixels, chunk = gen_chunk_images((size_t)kdim * pixels, batch);
    for (int b0 = 0; b0 < batch; b0 += chunk) {
        int nb = CS_MIN(chunk, batch - b0), n = nb * pixels;
        gen_im2col(&p, dout, b0, nb, dcol, (size_t)n);
        if (dweight != NULL)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->in_c, kdim, n, 1.0f,
                        x + (size_t)b0 * pixels, ncols, dcol, n, 1.0f, dweight, kdim);
        if (dx != NULL)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->in_c, n, kdim, 1.0f, weight,
                        kdim, dcol, n, 0.0f, dx + (size_t)b0 * pixels, ncols);
    }
}
