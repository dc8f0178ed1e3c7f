/*
 * decode.c - the entry point of image decoding: sniffs the format from its
 * magic bytes (common/imagemeta.h), resolves options, dispatches to
 * decode_jpeg.c, decode_png.c or decode_webp.c, and reads (exif.c) and
 * applies EXIF orientation afterwards.
 *
 * Shared helpers live here too: the pixel-count check every decoder runs on
 * the header before allocating pixels, alpha compositing on white (a
 * transparent logo hashes like the same logo on a white page), and the eight
 * orientation remaps.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>

const char *dedup_format_name(cs_image_format format)
{
    switch (format) {
    case CS_IMAGE_JPEG:
        return "jpeg";
    case CS_IMAGE_PNG:
        return "png";
    case CS_IMAGE_WEBP:
        return "webp";
    default:
        return "unknown";
    }
}

int dedup_check_pixels(long width, long height, uint64_t max_pixels, const char *what,
                       cs_error *err)
{
    if (width <= 0 || height <= 0)
        return cs_error_set(err, CS_EFORMAT, "%s: image has zero size (%ldx%ld)", what, width,
                            height);
    if ((uint64_t)width * (uint64_t)height > max_pixels)
        return cs_error_set(err, CS_ELIMIT, "%s: %ldx%ld pixels exceed the limit of %llu", what,
                            width, height, (unsigned long long)max_pixels);
    return CS_OK;
}

void dedup_composite_on_white(const unsigned char *in, int color_channels, size_t pixels,
                              unsigned char *out)
{
    int stride = color_channels + 1;
    for (size_t i = 0; i < pixels; i++) {
        const unsigned char *p = in + i * stride;
        unsigned alpha = p[color_channels];
        for (int c = 0; c < color_channels; c++)
            out[i * color_channels + c] =
                (unsigned char)((p[c] * alpha + 255u * (255u - alpha) + 127u) / 255u);
    }
}

int dedup_apply_orientation(dedup_image *img, int orientation, cs_error *err)
{
    if (orientation < 2 || orientation > 8) return CS_OK;
    int w = img->width, h = img->height, ch = img->channels;
    int swap = orientation >= 5; /* 5..8 exchange width and height */
    int out_w = swap ? h : w, out_h = swap ? w : h;
    unsigned char *out = malloc((size_t)w * h * ch);
    if (!out) return cs_error_set(err, CS_ENOMEM, "out of memory orienting %dx%d image", w, h);
    for (int y = 0; y < out_h; y++) {
        for (int x = 0; x < out_w; x++) {
            int sx, sy; /* the source pixel shown at display position (x, y) */
            switch (orientation) {
            case 2: /* mirrored */
                sx = w - 1 - x;
                sy = y;
                break;
            case 3: /* rotated 180 */
                sx = w - 1 - x;
                sy = h - 1 - y;
                break;
            case 4: /* mirrored vertically */
                sx = x;
                sy = h - 1 - y;
                break;
            case 5: /* transposed */
                sx = y;
                sy = x;
                break;
            case 6: /* needs 90 clockwise */
                sx = y;
                sy = h - 1 - x;
                break;
            case 7: /* transverse */
                sx = w - 1 - y;
                sy = h - 1 - x;
                break;
            default: /* 8: needs 90 anticlockwise */
                sx = w - 1 - y;
                sy = x;
                break;
            }
            memcpy(out + ((size_t)y * out_w + x) * ch, img->pixels + ((size_t)sy * w + sx) * ch,
                   (size_t)ch);
        }
    }
    free(img->pixels);
    img->pixels = out;
    img->width = out_w;
    img->height = out_h;
    if (swap) {
        int t = img->source_width;
        img->source_width = img->source_height;
        img->source_height = t;
    }
    return CS_OK;
}

int dedup_decode(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                 dedup_image *out, cs_error *err)
{
    dedup_decode_options o = {0};
    if (opts) o = *opts;
    if (o.max_pixels == 0) o.max_pixels = DEDUP_DEFAULT_MAX_PIXELS;
    if (o.min_short_side < 0) o.min_short_side = 0;
    memset(out, 0, sizeof(*out));
    if (!bytes && len) return cs_error_set(err, CS_EINVAL, "no image bytes");

    cs_image_format format = cs_image_sniff(bytes, len);
    int rc;
    switch (format) {
    case CS_IMAGE_JPEG:
        rc = dedup_decode_jpeg(bytes, len, &o, out, err);
        break;
    case CS_IMAGE_PNG:
        rc = dedup_decode_png(bytes, len, &o, out, err);
        break;
    case CS_IMAGE_WEBP:
        rc = dedup_decode_webp(bytes, len, &o, out, err);
        break;
    default:
        return cs_error_set(err, CS_EUNSUPPORTED, "not a JPEG, PNG or WebP image (%zu bytes)", len);
    }
    if (rc != CS_OK) {
        dedup_image_free(out);
        return rc;
    }
    out->format = format;
    out->orientation = dedup_exif_orientation(bytes, len);
    if (o.apply_orientation && out->orientation != 1) {
        rc = dedup_apply_orientation(out, out->orientation, err);
        if (rc != CS_OK) {
            dedup_image_free(out);
            return rc;
        }
    }
    return CS_OK;
}

void dedup_image_free(dedup_image *img)
{
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = 0;
}
