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
 * unchanged.
 */
#include "generator/generator_internal.h"

#include <cblas.h>

void gen_convt_forward(const gen_conv *cv, int batch, const float *weight, const float *x,
                       float *col, float *out)
{
    int kdim = cv->out_c * cv->k * cv->k;
    int ncols = batch * cv->in_h * cv->in_w;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, ncols, cv->in_c, 1.0f, weight, kdim,
                x, ncols, 0.0f, col, ncols);
    gen_col2im(col, cv->out_c, batch, cv->out_h, cv->out_w, cv->k, cv->stride, cv->pad, cv->in_h,
               cv->in_w, out);
}

void gen_convt_backward(const gen_conv *cv, int batch, const float *weight, const float *x,
                        const float *dout, float *dweight, float *dcol, float *dx)
{
    int kdim = cv->out_c * cv->k * cv->k;
    int ncols = batch * cv->in_h * cv->in_w;
    gen_im2col(dout, cv->out_c, batch, cv->out_h, cv->out_w, cv->k, cv->stride, cv->pad, cv->in_h,
               cv->in_w, dcol);
    if (dweight != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->in_c, kdim, ncols, 1.0f, x, ncols,
                    dcol, ncols, 1.0f, dweight, kdim);
    if (dx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->in_c, ncols, kdim, 1.0f, weight,
                    kdim, dcol, ncols, 0.0f, dx, ncols);
}
