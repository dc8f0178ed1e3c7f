/*
 * transform.c - the edits of imagegen.h: what someone does to a protected
 * photo before passing it off as their own. Each works on RGB (a grey input is
 * expanded first) and makes a new image; resizing and re-encoding go through
 * dedup/ (dedup_resize's area filter, dedup_encode_jpeg and dedup_decode), so
 * the copies are what real tools make, not what this file guesses.
 */
#include "tests/imagegen/imagegen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IG_PI 3.14159265358979323846
/* Grey that fills what a rotation uncovers. */
#define IG_FILL 128

uint64_t ig_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double ig_uniform(uint64_t *state)
{
    return (double)(ig_random(state) >> 11) / 9007199254740992.0;
}

static int blank(int w, int h, dedup_image *out)
{
    memset(out, 0, sizeof *out);
    if (w <= 0 || h <= 0) return CS_EINVAL;
    out->pixels = malloc((size_t)w * (size_t)h * 3);
    if (!out->pixels) return CS_ENOMEM;
    out->width = out->source_width = w;
    out->height = out->source_height = h;
    out->channels = 3;
    out->orientation = 1;
    out->format = CS_IMAGE_PNG;
    return CS_OK;
}

static unsigned char *px(const dedup_image *img, int x, int y)
{
    return img->pixels + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
}

int ig_rgb(const dedup_image *in, dedup_image *out)
{
    int rc = blank(in->width, in->height, out);
    if (rc != CS_OK) return rc;
    size_t n = (size_t)in->width * (size_t)in->height;
    if (in->channels == 3)
        memcpy(out->pixels, in->pixels, n * 3);
    else
        for (size_t i = 0; i < n; i++)
            memset(out->pixels + 3 * i, in->pixels[i * (size_t)in->channels], 3);
    return CS_OK;
}

int ig_grey(const dedup_image *in, dedup_image *out)
{
    int rc = blank(in->width, in->height, out);
    if (rc != CS_OK) return rc;
    out->channels = 1;
    size_t n = (size_t)in->width * (size_t)in->height;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = in->pixels + i * (size_t)in->channels;
        out->pixels[i] = in->channels == 1
                             ? p[0]
                             : (unsigned char)lrint(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]);
    }
    return CS_OK;
}

int ig_crop(const dedup_image *in, double percent, dedup_image *out)
{
    if (percent < 0 || percent > 90) return CS_EINVAL;
    dedup_image rgb;
    int rc = ig_rgb(in, &rgb);
    if (rc != CS_OK) return rc;
    int cut_w = (int)lrint(in->width * percent / 100),
        cut_h = (int)lrint(in->height * percent / 100);
    int x0 = cut_w / 3, y0 = cut_h / 3, w = in->width - cut_w, h = in->height - cut_h;
    rc = blank(w, h, out);
    for (int y = 0; rc == CS_OK && y < h; y++)
        memcpy(px(out, 0, y), px(&rgb, x0, y0 + y), (size_t)w * 3);
    dedup_image_free(&rgb);
    return rc;
}

int ig_rotate(const dedup_image *in, double degrees, dedup_image *out)
{
    dedup_image rgb;
    int rc = ig_rgb(in, &rgb);
    if (rc == CS_OK) rc = blank(in->width, in->height, out);
    if (rc != CS_OK) {
        dedup_image_free(&rgb);
        return rc;
    }
    /* counter-clockwise on screen (y down): each output pixel samples the input turned back */
    double a = degrees * IG_PI / 180, c = cos(a), s = sin(a);
    double cx = in->width / 2.0, cy = in->height / 2.0;
    for (int y = 0; y < in->height; y++)
        for (int x = 0; x < in->width; x++) {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            double sx = c * dx - s * dy + cx - 0.5, sy = s * dx + c * dy + cy - 0.5;
            unsigned char *o = px(out, x, y);
            if (sx < 0 || sy < 0 || sx > in->width - 1 || sy > in->height - 1) {
                memset(o, IG_FILL, 3);
                continue;
            }
            int x0 = (int)sx, y0 = (int)sy;
            int x1 = x0 + 1 < in->width ? x0 + 1 : x0, y1 = y0 + 1 < in->height ? y0 + 1 : y0;
            double fx = sx - x0, fy = sy - y0;
            for (int ch = 0; ch < 3; ch++) {
                double v =
                    (1 - fy) * ((1 - fx) * px(&rgb, x0, y0)[ch] + fx * px(&rgb, x1, y0)[ch]) +
                    fy * ((1 - fx) * px(&rgb, x0, y1)[ch] + fx * px(&rgb, x1, y1)[ch]);
                o[ch] = (unsigned char)lrint(v);
            }
        }
    dedup_image_free(&rgb);
    return CS_OK;
}

int ig_rotate90(const dedup_image *in, int quarter_turns, dedup_image *out)
{
    int q = ((quarter_turns % 4) + 4) % 4;
    dedup_image rgb;
    int rc = ig_rgb(in, &rgb);
    if (rc != CS_OK) return rc;
    int w = in->width, h = in->height;
    rc = q % 2 ? blank(h, w, out) : blank(w, h, out);
    for (int y = 0; rc == CS_OK && y < h; y++)
        for (int x = 0; x < w; x++) {
            int ox = x, oy = y; /* where input (x, y) lands, turning counter-clockwise */
            if (q == 1) ox = y, oy = w - 1 - x;
            if (q == 2) ox = w - 1 - x, oy = h - 1 - y;
            if (q == 3) ox = h - 1 - y, oy = x;
            memcpy(px(out, ox, oy), px(&rgb, x, y), 3);
        }
    dedup_image_free(&rgb);
    return rc;
}

static int flip(const dedup_image *in, int left_right, dedup_image *out)
{
    dedup_image rgb;
    int rc = ig_rgb(in, &rgb);
    if (rc == CS_OK) rc = blank(in->width, in->height, out);
    for (int y = 0; rc == CS_OK && y < in->height; y++)
        for (int x = 0; x < in->width; x++)
            memcpy(px(out, x, y),
                   left_right ? px(&rgb, in->width - 1 - x, y) : px(&rgb, x, in->height - 1 - y),
                   3);
    dedup_image_free(&rgb);
    return rc;
}

int ig_flip_lr(const dedup_image *in, dedup_image *out)
{
    return flip(in, 1, out);
}

int ig_flip_tb(const dedup_image *in, dedup_image *out)
{
    return flip(in, 0, out);
}

int ig_jpeg(const dedup_image *in, int quality, dedup_image *out)
{
    memset(out, 0, sizeof *out);
    dedup_image rgb;
    int rc = ig_rgb(in, &rgb);
    if (rc != CS_OK) return rc;
    cs_buf buf;
    cs_buf_init(&buf, 0);
    rc = dedup_encode_jpeg(&rgb, quality, &buf, NULL);
    dedup_image_free(&rgb);
    if (rc == CS_OK) rc = dedup_decode(buf.data, buf.len, NULL, out, NULL);
    cs_buf_free(&buf);
    if (rc == CS_OK && out->channels != 3) {
        dedup_image grey = *out;
        rc = ig_rgb(&grey, out);
        dedup_image_free(&grey);
    }
    return rc;
}

int ig_resize(const dedup_image *in, double factor, dedup_image *out)
{
    memset(out, 0, sizeof *out);
    int w = (int)lrint(in->width * factor), h = (int)lrint(in->height * factor);
    if (w < 1 || h < 1) return CS_EINVAL;
    dedup_image rgb, small;
    int rc = ig_rgb(in, &rgb);
    if (rc == CS_OK) rc = dedup_resize(&rgb, w, h, &small, NULL);
    dedup_image_free(&rgb);
    if (rc != CS_OK) return rc;
    small.source_width = w;
    small.source_height = h;
    *out = small;
    return CS_OK;
}

int ig_tone(const dedup_image *in, double brightness, double contrast, dedup_image *out)
{
    int rc = ig_rgb(in, out);
    if (rc != CS_OK) return rc;
    size_t n = (size_t)in->width * (size_t)in->height * 3;
    for (size_t i = 0; i < n; i++) {
        double v = (out->pixels[i] - 128.0) * contrast + 128 + brightness;
        out->pixels[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
    }
    return CS_OK;
}

static void fill_rect(dedup_image *img, int x0, int y0, int x1, int y1, const unsigned char c[3])
{
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > img->width ? img->width : x1, y1 = y1 > img->height ? img->height : y1;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            memcpy(px(img, x, y), c, 3);
}

int ig_caption(const dedup_image *in, uint64_t seed, dedup_image *out)
{
    int rc = ig_rgb(in, out);
    if (rc != CS_OK) return rc;
    int w = in->width, h = in->height, band = h / 7 > 4 ? h / 7 : 4;
    const unsigned char paper[3] = {236, 232, 220}, ink[3] = {24, 24, 32};
    fill_rect(out, 0, h - band, w, h, paper);
    /* two lines of "words": runs of glyph-sized blocks with gaps */
    int glyph_h = band / 4 > 2 ? band / 4 : 2, glyph_w = glyph_h * 2 / 3 > 1 ? glyph_h * 2 / 3 : 1;
    for (int line = 0; line < 2; line++) {
        int y0 = h - band + band / 6 + line * (glyph_h + band / 6);
        int x = w / 20;
        while (x + glyph_w < w - w / 20) {
            int letters = 2 + (int)(ig_uniform(&seed) * 7);
            for (int k = 0; k < letters && x + glyph_w < w - w / 20; k++) {
                int tall = ig_uniform(&seed) < 0.3;
                fill_rect(out, x, y0 - (tall ? glyph_h / 3 : 0), x + glyph_w - 1, y0 + glyph_h,
                          ink);
                if (ig_uniform(&seed) < 0.5) /* a counter, so glyphs are not plain blocks */
                    fill_rect(out, x + glyph_w / 3, y0 + glyph_h / 3, x + glyph_w * 2 / 3,
                              y0 + glyph_h * 2 / 3, paper);
                x += glyph_w + 1;
            }
            x += glyph_w;
        }
    }
    return CS_OK;
}

int ig_logo(const dedup_image *in, uint64_t seed, dedup_image *out)
{
    int rc = ig_rgb(in, out);
    if (rc != CS_OK) return rc;
    int w = in->width, h = in->height;
    /* a square of side s covers 7% of the area */
    int s = (int)lrint(sqrt(0.07 * w * h)), margin = s / 8;
    int x0 = w - s - margin, y0 = h - s - margin;
    unsigned char plate[3], disc[3];
    for (int c = 0; c < 3; c++) {
        plate[c] = (unsigned char)(ig_random(&seed) & 255);
        disc[c] = (unsigned char)(255 - plate[c]);
    }
    fill_rect(out, x0, y0, x0 + s, y0 + s, plate);
    double r = s * 0.35, cx = x0 + s / 2.0, cy = y0 + s / 2.0;
    for (int y = y0; y < y0 + s; y++)
        for (int x = x0; x < x0 + s; x++)
            if (x >= 0 && y >= 0 &&
                (x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy) <= r * r)
                memcpy(px(out, x, y), disc, 3);
    return CS_OK;
}

int ig_collage(const dedup_image *in, const dedup_image *background, double cover, uint64_t seed,
               dedup_image *out)
{
    memset(out, 0, sizeof *out);
    if (cover < 0.05 || cover > 1) return CS_EINVAL;
    int w = (int)lrint(in->width / sqrt(cover)), h = (int)lrint(in->height / sqrt(cover));
    dedup_image rgb;
    int rc = ig_rgb(background, &rgb);
    if (rc == CS_OK) rc = dedup_resize(&rgb, w, h, out, NULL);
    dedup_image_free(&rgb);
    if (rc != CS_OK) return rc;
    out->source_width = w;
    out->source_height = h;
    rc = ig_rgb(in, &rgb);
    if (rc != CS_OK) {
        dedup_image_free(out);
        return rc;
    }
    int x0 = (int)(ig_uniform(&seed) * (w - in->width + 1));
    int y0 = (int)(ig_uniform(&seed) * (h - in->height + 1));
    for (int y = 0; y < in->height; y++)
        memcpy(px(out, x0, y0 + y), px(&rgb, 0, y), (size_t)in->width * 3);
    dedup_image_free(&rgb);
    return CS_OK;
}
