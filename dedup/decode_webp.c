/*
 * decode_webp.c - WebP (lossy, lossless, with alpha, animated) through libwebp.
 *
 * WebPGetFeatures reads the size from the header; the pixel limit is checked
 * before decoding into a buffer this file allocates. Animated files hash
 * their first frame (WebPAnimDecoder composes it on the canvas). Alpha is
 * composited on white. Orientation comes from the EXIF chunk, when present,
 * through the demuxer.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

static int webp_orientation(const unsigned char *bytes, size_t len)
{
    WebPData data = {bytes, len};
    WebPDemuxer *demux = WebPDemux(&data);
    if (!demux) return 1;
    int orientation = 1;
    WebPChunkIterator it;
    if (WebPDemuxGetChunk(demux, "EXIF", 1, &it)) {
        const unsigned char *p = it.chunk.bytes;
        size_t n = it.chunk.size;
        if (n >= 6 && memcmp(p, "Exif\0\0", 6) == 0) { /* some writers keep the APP1 prefix */
            p += 6;
            n -= 6;
        }
        orientation = dedup_exif_orientation(p, n);
        WebPDemuxReleaseChunkIterator(&it);
    }
    WebPDemuxDelete(demux);
    return orientation;
}

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
    int w = f.width, h = f.height;
    if (f.has_animation) {
        rc = webp_first_frame(bytes, len, opts, &rgba, &w, &h, err);
        if (rc != CS_OK) return rc;
    } else {
        size_t stride = (size_t)w * 4;
        rgba = malloc(stride * h);
        if (!rgba) return cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d WebP", w, h);
        if (!WebPDecodeRGBAInto(bytes, len, rgba, stride * h, (int)stride)) {
            free(rgba);
            return cs_error_set(err, CS_EFORMAT, "corrupt WebP image data");
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
    img->width = img->source_width = w;
    img->height = img->source_height = h;
    img->channels = 3;
    img->orientation = webp_orientation(bytes, len);
    return CS_OK;
}
