/*
 * image_resize.h - bilinear resize of an 8-bit RGB dedup_image: what a photo
 * editor's "resize" does, used to make the resized copies the dedup tests
 * compare and the large photos bench/hash times. Header-only so the benchmark,
 * which does not link the test support library, can use it too. Not the
 * project's own downsampling (that is PDQ's box filter).
 */
#ifndef CLEARSET_IMAGE_RESIZE_H
#define CLEARSET_IMAGE_RESIZE_H

#include "dedup/dedup.h"

#include <stdlib.h>

/* A new image of nw x nh (pixels owned by the result, free with dedup_image_free). */
static inline dedup_image ts_resize_rgb(const dedup_image *in, int nw, int nh)
{
    dedup_image out = *in;
    out.width = nw;
    out.height = nh;
    out.pixels = malloc((size_t)nw * nh * 3);
    for (int y = 0; y < nh; y++) {
        double fy = (y + 0.5) * in->height / nh - 0.5;
        if (fy < 0) fy = 0;
        int y0 = (int)fy, y1 = y0 + 1 < in->height ? y0 + 1 : y0;
        double ay = fy - y0;
        for (int x = 0; x < nw; x++) {
            double fx = (x + 0.5) * in->width / nw - 0.5;
            if (fx < 0) fx = 0;
            int x0 = (int)fx, x1 = x0 + 1 < in->width ? x0 + 1 : x0;
            double ax = fx - x0;
            for (int c = 0; c < 3; c++) {
                const unsigned char *p = in->pixels;
                double v = (1 - ay) * ((1 - ax) * p[((size_t)y0 * in->width + x0) * 3 + c] +
                                       ax * p[((size_t)y0 * in->width + x1) * 3 + c]) +
                           ay * ((1 - ax) * p[((size_t)y1 * in->width + x0) * 3 + c] +
                                 ax * p[((size_t)y1 * in->width + x1) * 3 + c]);
                out.pixels[((size_t)y * nw + x) * 3 + c] = (unsigned char)(v + 0.5);
            }
        }
    }
    return out;
}

#endif
