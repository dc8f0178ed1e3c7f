/*
 * resize.c - a decoded image resampled to a chosen size with an area filter:
 * the whole image (dedup_resize: the similarity checker's normalised copies,
 * the tests' and bench's resized copies), or its largest centred square
 * (dedup_square_resize: the export's square training copies).
 *
 * The filter: every output pixel covers a window of side_in / side input
 * pixels and is the mean of the input over that window, each input pixel
 * weighted by how much of it the window covers (so a shrink by 2.5 averages
 * 2.5 x 2.5 pixels, partial ones in part: no aliasing as nearest neighbour
 * would give). Enlarging uses the same rule, which blends the one or two
 * input pixels under each output pixel. It is separable: rows first into a
 * float buffer, then columns, rounded to the nearest 8-bit value.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One axis: for each output index, the input range and the weights of its pixels. */
typedef struct axis_weights {
    int *first;     /* first input index of output i */
    int *count;     /* number of input pixels it covers (at most max_taps) */
    float *weights; /* count[i] weights for output i, at i * max_taps; they sum to 1 */
    int max_taps;
} axis_weights;

static void axis_free(axis_weights *a)
{
    free(a->first), free(a->count), free(a->weights);
}

static int axis_make(int in_size, int out_size, axis_weights *a)
{
    double scale = (double)in_size / out_size;
    a->max_taps = (int)ceil(scale) + 2;
    a->first = calloc((size_t)out_size, sizeof *a->first);
    a->count = calloc((size_t)out_size, sizeof *a->count);
    a->weights = calloc((size_t)out_size * (size_t)a->max_taps, sizeof *a->weights);
    if (!a->first || !a->count || !a->weights) {
        axis_free(a);
        return CS_ENOMEM;
    }
    for (int i = 0; i < out_size; i++) {
        double lo = i * scale, hi = (i + 1) * scale;
        int j0 = (int)floor(lo), j1 = (int)ceil(hi);
        if (j1 > in_size) j1 = in_size;
        double total = 0;
        a->first[i] = j0;
        for (int j = j0; j < j1 && j - j0 < a->max_taps; j++) {
            double cover = fmin(hi, j + 1.0) - fmax(lo, (double)j);
            if (cover < 0) cover = 0;
            a->weights[(size_t)i * (size_t)a->max_taps + (size_t)(j - j0)] = (float)cover;
            a->count[i] = j - j0 + 1;
            total += cover;
        }
        for (int k = 0; k < a->count[i] && total > 0; k++)
            a->weights[(size_t)i * (size_t)a->max_taps + (size_t)k] /= (float)total;
    }
    return CS_OK;
}

/* The region x0, y0, region_w x region_h of in, resampled to out_w x out_h. */
static int resize_region(const dedup_image *in, int x0, int y0, int region_w, int region_h,
                         int out_w, int out_h, dedup_image *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (out_w <= 0 || out_h <= 0 || in->width <= 0 || in->height <= 0 || !in->pixels)
        return cs_error_set(err, CS_EINVAL, "resize: nothing to resize to %dx%d", out_w, out_h);
    int c = in->channels;
    axis_weights ax = {0}, ay = {0};
    float *rows = NULL;
    int rc = axis_make(region_w, out_w, &ax);
    if (rc == CS_OK) rc = axis_make(region_h, out_h, &ay);
    if (rc == CS_OK) {
        rows = malloc((size_t)region_h * (size_t)out_w * (size_t)c * sizeof *rows);
        out->pixels = malloc((size_t)out_w * (size_t)out_h * (size_t)c);
        if (!rows || !out->pixels) rc = CS_ENOMEM;
    }
    /* rows: each input row of the region resampled to out_w columns */
    for (int y = 0; rc == CS_OK && y < region_h; y++) {
        const unsigned char *src =
            in->pixels + ((size_t)(y0 + y) * (size_t)in->width + (size_t)x0) * (size_t)c;
        float *dst = rows + (size_t)y * (size_t)out_w * (size_t)c;
        for (int i = 0; i < out_w; i++)
            for (int ch = 0; ch < c; ch++) {
                float sum = 0;
                const float *w = ax.weights + (size_t)i * (size_t)ax.max_taps;
                for (int k = 0; k < ax.count[i]; k++)
                    sum += w[k] * src[(size_t)(ax.first[i] + k) * (size_t)c + (size_t)ch];
                dst[(size_t)i * (size_t)c + (size_t)ch] = sum;
            }
    }
    /* columns: each output row is a weighted sum of resampled rows */
    for (int j = 0; rc == CS_OK && j < out_h; j++) {
        unsigned char *dst = out->pixels + (size_t)j * (size_t)out_w * (size_t)c;
        const float *w = ay.weights + (size_t)j * (size_t)ay.max_taps;
        for (size_t x = 0; x < (size_t)out_w * (size_t)c; x++) {
            float sum = 0;
            for (int k = 0; k < ay.count[j]; k++)
                sum += w[k] * rows[(size_t)(ay.first[j] + k) * (size_t)out_w * (size_t)c + x];
            long v = lrintf(sum);
            dst[x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(rows);
    axis_free(&ax);
    axis_free(&ay);
    if (rc != CS_OK) {
        free(out->pixels);
        memset(out, 0, sizeof *out);
        return cs_error_set(err, rc, "resize: out of memory");
    }
    out->width = out_w;
    out->height = out_h;
    out->channels = c;
    out->source_width = in->source_width;
    out->source_height = in->source_height;
    out->orientation = 1;
    out->format = in->format;
    return CS_OK;
}

int dedup_resize(const dedup_image *in, int width, int height, dedup_image *out, cs_error *err)
{
    return resize_region(in, 0, 0, in->width, in->height, width, height, out, err);
}

int dedup_square_resize(const dedup_image *in, int side, dedup_image *out, cs_error *err)
{
    int crop = in->width < in->height ? in->width : in->height;
    return resize_region(in, (in->width - crop) / 2, (in->height - crop) / 2, crop, crop, side,
                         side, out, err);
}
