/*
 * generate.c - procedural images for imagegen.h: a smooth two-colour gradient,
 * then 40 to 150 shapes (discs, boxes, thin bars) in random colours, most of
 * them small (sizes from 4% to 40% of the short side, skewed to the small
 * end), then +-6 levels of uniform noise.
 * Overlapping opaque shapes give corners and blobs at many scales, which is
 * what SIFT detects in photos, so these stand in for unrelated images (the
 * bench's negatives) and for distractor works (filling an index to 10k).
 */
#include "tests/imagegen/imagegen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IG_MIN_SHAPES 40
#define IG_MAX_SHAPES 150
#define IG_NOISE      6

int ig_generate(uint64_t seed, int width, int height, dedup_image *out)
{
    memset(out, 0, sizeof *out);
    if (width <= 0 || height <= 0) return CS_EINVAL;
    out->pixels = malloc((size_t)width * (size_t)height * 3);
    if (!out->pixels) return CS_ENOMEM;
    out->width = out->source_width = width;
    out->height = out->source_height = height;
    out->channels = 3;
    out->orientation = 1;
    out->format = CS_IMAGE_PNG;
    uint64_t s = seed * 0x2545F4914F6CDD1Dull + 1;
    double from[3], to[3];
    for (int c = 0; c < 3; c++)
        from[c] = ig_uniform(&s) * 255, to[c] = ig_uniform(&s) * 255;
    double gx = ig_uniform(&s) - 0.5, gy = ig_uniform(&s) - 0.5;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double t = 0.5 + gx * (2.0 * x / width - 1) + gy * (2.0 * y / height - 1);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            unsigned char *p = out->pixels + ((size_t)y * width + x) * 3;
            for (int c = 0; c < 3; c++)
                p[c] = (unsigned char)lrint(from[c] + (to[c] - from[c]) * t);
        }
    int shapes = IG_MIN_SHAPES + (int)(ig_uniform(&s) * (IG_MAX_SHAPES - IG_MIN_SHAPES));
    int short_side = width < height ? width : height;
    for (int k = 0; k < shapes; k++) {
        int kind = (int)(ig_uniform(&s) * 3);
        double small = ig_uniform(&s), size = short_side * (0.04 + 0.36 * small * small);
        double cx = ig_uniform(&s) * width, cy = ig_uniform(&s) * height;
        double aspect = kind == 2 ? 0.08 + 0.1 * ig_uniform(&s) : 0.4 + 0.6 * ig_uniform(&s);
        double angle = ig_uniform(&s) * 3.14159265358979323846;
        double ca = cos(angle), sa = sin(angle), rx = size / 2, ry = size * aspect / 2;
        unsigned char colour[3];
        for (int c = 0; c < 3; c++)
            colour[c] = (unsigned char)(ig_random(&s) & 255);
        int x0 = (int)(cx - size), x1 = (int)(cx + size), y0 = (int)(cy - size),
            y1 = (int)(cy + size);
        for (int y = y0 < 0 ? 0 : y0; y < (y1 > height ? height : y1); y++)
            for (int x = x0 < 0 ? 0 : x0; x < (x1 > width ? width : x1); x++) {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                double u = (ca * dx + sa * dy) / rx, v = (-sa * dx + ca * dy) / ry;
                int inside = kind == 0 ? u * u + v * v <= 1 : fabs(u) <= 1 && fabs(v) <= 1;
                if (inside) memcpy(out->pixels + ((size_t)y * width + x) * 3, colour, 3);
            }
    }
    for (size_t i = 0; i < (size_t)width * height * 3; i++) {
        int v = out->pixels[i] + (int)(ig_random(&s) % (2 * IG_NOISE + 1)) - IG_NOISE;
        out->pixels[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    return CS_OK;
}
