/*
 * conv.c - 2-D convolution over a whole batch as im2col plus one SGEMM.
 *
 * With activations stored [C][B][H][W], im2col lays every receptive field of
 * every image out as one column of a (C*k*k) x (B*oh*ow) matrix, and the
 * convolution is weight [out_c][C*k*k] times that matrix, which lands directly
 * in [out_c][B][oh][ow]. The backward pass is two more GEMMs (weight gradient
 * against the kept columns, column gradient from the transposed weight) and
 * col2im, the adjoint of im2col. No bias: every convolution of the DCGAN is
 * followed by a normalisation or is the last layer, as in the PyTorch example.
 */
#include "generator/generator_internal.h"

#include <cblas.h>
#include <string.h>

/* The output columns x in [*lo, *hi) whose input column x*stride - pad + kj is inside [0, w). */
static void valid_range(int w, int ow, int stride, int pad, int kj, int *lo, int *hi)
{
    int first = pad - kj; /* x*stride >= first */
    *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
    int last = w - 1 + pad - kj; /* x*stride <= last */
    *hi = last < 0 ? 0 : CS_MIN(ow, last / stride + 1);
    if (*hi < *lo) *hi = *lo;
}

void gen_im2col(const float *image, int c, int batch, int h, int w, int k, int stride, int pad,
                int oh, int ow, float *col)
{
    size_t ncols = (size_t)batch * oh * ow;
    for (int ch = 0; ch < c; ch++) {
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                float *row = col + ((size_t)(ch * k + ki) * k + kj) * ncols;
                int lo, hi;
                valid_range(w, ow, stride, pad, kj, &lo, &hi);
                for (int b = 0; b < batch; b++) {
                    const float *plane = image + ((size_t)ch * batch + b) * h * w;
                    for (int y = 0; y < oh; y++) {
                        float *dst = row + ((size_t)b * oh + y) * ow;
                        int iy = y * stride - pad + ki;
                        if (iy < 0 || iy >= h) {
                            memset(dst, 0, (size_t)ow * sizeof(float));
                            continue;
                        }
                        const float *src = plane + (size_t)iy * w - pad + kj;
                        for (int x = 0; x < lo; x++)
                            dst[x] = 0.0f;
                        if (stride == 1)
                            memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof(float));
                        else
                            for (int x = lo; x < hi; x++)
                                dst[x] = src[x * stride];
                        for (int x = hi; x < ow; x++)
                            dst[x] = 0.0f;
                    }
                }
            }
        }
    }
}

void gen_col2im(const float *col, int c, int batch, int h, int w, int k, int stride, int pad,
                int oh, int ow, float *image)
{
    size_t ncols = (size_t)batch * oh * ow;
    memset(image, 0, (size_t)c * batch * h * w * sizeof(float));
    for (int ch = 0; ch < c; ch++) {
        for (int ki = 0; ki < k; ki++) {
            for (int kj = 0; kj < k; kj++) {
                const float *row = col + ((size_t)(ch * k + ki) * k + kj) * ncols;
                int lo, hi;
                valid_range(w, ow, stride, pad, kj, &lo, &hi);
                for (int b = 0; b < batch; b++) {
                    float *plane = image + ((size_t)ch * batch + b) * h * w;
                    for (int y = 0; y < oh; y++) {
                        int iy = y * stride - pad + ki;
                        if (iy < 0 || iy >= h) continue;
                        const float *src = row + ((size_t)b * oh + y) * ow;
                        float *dst = plane + (size_t)iy * w - pad + kj;
                        for (int x = lo; x < hi; x++)
                            dst[x * stride] += src[x];
                    }
                }
            }
        }
    }
}

void gen_conv_forward(const gen_conv *cv, int batch, const float *weight, const float *x,
                      float *col, float *out)
{
    int kdim = cv->in_c * cv->k * cv->k;
    int ncols = batch * cv->out_h * cv->out_w;
    gen_im2col(x, cv->in_c, batch, cv->in_h, cv->in_w, cv->k, cv->stride, cv->pad, cv->out_h,
               cv->out_w, col);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->out_c, ncols, kdim, 1.0f, weight,
                kdim, col, ncols, 0.0f, out, ncols);
}

void gen_conv_backward(const gen_conv *cv, int batch, const float *weight, const float *col,
                       const float *dout, float *dweight, float *dcol, float *dx)
{
    int kdim = cv->in_c * cv->k * cv->k;
    int ncols = batch * cv->out_h * cv->out_w;
    if (dweight != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->out_c, kdim, ncols, 1.0f, dout,
                    ncols, col, ncols, 1.0f, dweight, kdim);
    if (dx != NULL) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, ncols, cv->out_c, 1.0f, weight,
                    kdim, dout, ncols, 0.0f, dcol, ncols);
        gen_col2im(dcol, cv->in_c, batch, cv->in_h, cv->in_w, cv->k, cv->stride, cv->pad, cv->out_h,
                   cv->out_w, dx);
    }
}
