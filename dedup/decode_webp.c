/*
 * decode_webp.c - WebP (lossy, lossless, with alpha, animated) through libwebp.
 *
 * WebPGetFeatures reads the size from the header; the pixel limit is checked
 * before decoding into a buffer this file allocates. Animated files hash
 * their first frame (WebPAnimDecoder composes it on the canvas). Alpha is
 * composited on white. (Orientation is read by dedup_decode for every format.)
 *
 * With opts->min_short_side > 0, a still image whose short side is longer
 * than that is decoded through WebPDecoderConfig with libwebp's scaler on
 * (area averaging, row by row as the decoder emits them), to the size whose
 * short side is exactly min_short_side with the aspect ratio kept. The
 * scaled colour and alpha are then composited on white as at full size
 * (only pixels along an alpha edge can differ from averaging the composited
 * image). The VP8/VP8L decode still runs at full size, but the RGBA buffer,
 * compositing and PDQ's filtering shrink. Animated files keep their
 * full-size first frame (WebPAnimDecoder cannot scale).
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

static int webp_first_frame(const unsigned char *bytes, size_t len,
                            const dedup_decode_options *opts, unsigned char **rgba, int *w, int *h,
                            cs_error *err)
{
    WebPData data = {bytes, len};
    WebPAnimDecoderOptions dopts;
    if (!WebPAnimDecoderOptionsInit(&dopts))
        return cs_error_set(err, CS_EUNSUPPORTED, "libwebp version mismatch");
    dopts.color_mode = MODE_RGBA;
    dopts.use_threads = 0;
    WebPAnimDecoder *dec = WebPAnimDecoderNew(&data, &dopts);
    if (!dec) return cs_error_set(err, CS_EFORMAT, "corrupt animated WebP");
    int rc = CS_OK;
    WebPAnimInfo info;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(dec, &info)) {
        rc = cs_error_set(err, CS_EFORMAT, "corrupt animated WebP");
        goto done;
    }
    rc = dedup_check_pixels(info.canvas_width, info.canvas_height, opts->max_pixels, "WebP", err);
    if (rc != CS_OK) goto done;
    if (!WebPAnimDecoderGetNext(dec, &frame, &timestamp) || !frame) {
        rc = cs_error_set(err, CS_EFORMAT, "corrupt animated WebP: no first frame");
        goto done;
    }
    size_t n = (size_t)info.canvas_width * info.canvas_height * 4;
    *rgba = malloc(n);
    if (!*rgba) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory for a WebP frame");
        goto done;
    }
    memcpy(*rgba, frame, n);
    *w = (int)info.canvas_width;
    *h = (int)info.canvas_height;
done:
    WebPAnimDecoderDelete(dec);
    return rc;
}

/* The scaled size for the fast path; *sw, *sh stay w, h when no scaling is asked or needed. */
static void webp_scaled_size(int w, int h, int min_short, int *sw, int *sh)
{
    *sw = w;
    *sh = h;
    int short_side = w < h ? w : h;
    if (min_short <= 0 || short_side <= min_short) return;
    /* long * min_short / short, rounded; never below min_short since long >= short */
    if (w <= h) {
        *sw = min_short;
        *sh = (int)(((int64_t)h * min_short + short_side / 2) / short_side);
    } else {
        *sh = min_short;
        *sw = (int)(((int64_t)w * min_short + short_side / 2) / short_side);
    }
}

/* A still image decoded into RGBA at sw x sh (scaled by libwebp when smaller than w x h). */
static int webp_still(const unsigned char *bytes, size_t len, int w, int h, int sw, int sh,
                      unsigned char **rgba, cs_error *err)
{
    size_t stride = (size_t)sw * 4;
    *rgba = malloc(stride * sh);
    if (!*rgba) return cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d WebP", sw, sh);
    if (sw == w && sh == h) {
        if (!WebPDecodeRGBAInto(bytes, len, *rgba, stride * sh, (int)stride))
            return cs_error_set(err, CS_EFORMAT, "corrupt WebP image data");
        return CS_OK;
    }
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config))
        return cs_error_set(err, CS_EUNSUPPORTED, "libwebp version mismatch");
    config.options.use_scaling = 1;
    config.options.scaled_width = sw;
    config.options.scaled_height = sh;
    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = *rgba;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = stride * sh;
    VP8StatusCode status = WebPDecode(bytes, len, &config);
    WebPFreeDecBuffer(&config.output); /* external memory: frees nothing of ours */
    if (status != VP8_STATUS_OK)
        return cs_error_set(err, CS_EFORMAT, "corrupt WebP image data (status %d)", (int)status);
    return CS_OK;
}

int dedup_decode_webp(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err)
{
    WebPBitstreamFeatures f;
    VP8StatusCode status = WebPGetFeatures(bytes, len, &f);
    if (status != VP8_STATUS_OK)
        return cs_error_set(err, CS_EFORMAT, "corrupt WebP header (status %d)", (int)status);
    int rc = dedup_check_pixels(f.width, f.height, opts->max_pixels, "WebP", err);
    if (rc != CS_OK) return rc;

    unsigned char *rgba = NULL;
    int source_w = f.width, source_h = f.height; /* full size (the canvas, if animated) */
    int w, h;                                    /* of the decoded pixels */
    if (f.has_animation) {
        rc = webp_first_frame(bytes, len, opts, &rgba, &source_w, &source_h, err);
        if (rc != CS_OK) return rc;
        w = source_w;
        h = source_h;
    } else {
        webp_scaled_size(source_w, source_h, opts->min_short_side, &w, &h);
        rc = webp_still(bytes, len, source_w, source_h, w, h, &rgba, err);
        if (rc != CS_OK) {
            free(rgba);
            return rc;
        }
    }
    size_t npix = (size_t)w * h;
    unsigned char *rgb = malloc(npix * 3);
    if (!rgb) {
        free(rgba);
        return cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d WebP", w, h);
    }
    dedup_composite_on_white(rgba, 3, npix, rgb);
    free(rgba);
    img->pixels = rgb;
    img->width = w;
    img->height = h;
    img->source_width = source_w;
    img->source_height = source_h;
    img->channels = 3;
    return CS_OK;
}
