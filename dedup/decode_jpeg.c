/*
 * decode_jpeg.c - JPEG through libjpeg-turbo's TurboJPEG API.
 *
 * The header gives the size, checked against the pixel limit before anything
 * is allocated. With opts->min_short_side > 0 the decode uses the smallest
 * TurboJPEG scaling factor (n/8) that keeps the short side at least that long:
 * the IDCT then produces fewer pixels, so decoding and PDQ's filtering are
 * both cheaper. Grey JPEGs stay grey (PDQ uses the grey value as luma, as the
 * reference does for one-channel images) unless grey_jpeg_as_rgb asks for the
 * RGB output the reference vectors were made from; CMYK and YCCK JPEGs decode to CMYK
 * and are converted here, assuming Adobe's inverted CMYK (what Photoshop
 * writes and libjpeg-turbo's own tools assume): R = C*K/255.
 *
 * Warnings are errors (TJFLAG_STOPONWARNING): libjpeg "recovers" from a
 * truncated or corrupt stream by painting grey, and a hash of that would be a
 * hash of damage. Progressive scans are capped (TJFLAG_LIMITSCANS) against
 * scan-bomb files.
 */
#include "dedup/dedup_internal.h"

#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/* The smallest scaling factor <= 1 that keeps the short side >= min_short. */
static tjscalingfactor pick_scale(int width, int height, int min_short)
{
    tjscalingfactor best = {1, 1};
    if (min_short <= 0) return best;
    int nfactors = 0;
    tjscalingfactor *factors = tjGetScalingFactors(&nfactors);
    if (!factors) return best;
    for (int i = 0; i < nfactors; i++) {
        tjscalingfactor f = factors[i];
        if (f.num > f.denom) continue; /* never upscale */
        int w = TJSCALED(width, f), h = TJSCALED(height, f);
        int short_side = w < h ? w : h;
        int orig_short = width < height ? width : height;
        if (short_side < min_short && short_side < orig_short) continue;
        if ((long long)f.num * best.denom < (long long)best.num * f.denom) best = f;
    }
    return best;
}

int dedup_decode_jpeg(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err)
{
    if (len > (size_t)(unsigned long)-1)
        return cs_error_set(err, CS_ELIMIT, "JPEG of %zu bytes is too large", len);
    tjhandle tj = tjInitDecompress();
    if (!tj) return cs_error_set(err, CS_ENOMEM, "cannot start the JPEG decoder");
    int rc = CS_OK;
    int width = 0, height = 0, subsamp = 0, colorspace = 0;
    unsigned char *cmyk = NULL;
    if (tjDecompressHeader3(tj, bytes, (unsigned long)len, &width, &height, &subsamp,
                            &colorspace) != 0) {
        rc = cs_error_set(err, CS_EFORMAT, "corrupt JPEG header: %s", tjGetErrorStr2(tj));
        goto done;
    }
    rc = dedup_check_pixels(width, height, opts->max_pixels, "JPEG", err);
    if (rc != CS_OK) goto done;

    tjscalingfactor sf = pick_scale(width, height, opts->min_short_side);
    int out_w = TJSCALED(width, sf), out_h = TJSCALED(height, sf);
    int is_cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    int channels = colorspace == TJCS_GRAY && !opts->grey_jpeg_as_rgb ? 1 : 3;
    int pixel_format = is_cmyk ? TJPF_CMYK : channels == 1 ? TJPF_GRAY : TJPF_RGB;
    int decode_channels = is_cmyk ? 4 : channels;
    size_t npix = (size_t)out_w * out_h;
    unsigned char *dst = malloc(npix * decode_channels);
    if (!dst) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d JPEG", out_w, out_h);
        goto done;
    }
    if (tjDecompress2(tj, bytes, (unsigned long)len, dst, out_w, 0, out_h, pixel_format,
                      TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0) {
        rc = cs_error_set(err, CS_EFORMAT, "corrupt JPEG: %s", tjGetErrorStr2(tj));
        free(dst);
        goto done;
    }
    if (is_cmyk) {
        cmyk = dst;
        dst = malloc(npix * 3);
        if (!dst) {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory for a %dx%d JPEG", out_w, out_h);
            goto done;
        }
        for (size_t i = 0; i < npix; i++) {
            const unsigned char *p = cmyk + 4 * i;
            for (int c = 0; c < 3; c++)
                dst[3 * i + c] = (unsigned char)((p[c] * p[3] + 127u) / 255u);
        }
    }
    img->pixels = dst;
    img->width = out_w;
    img->height = out_h;
    img->channels = channels;
    img->source_width = width;
    img->source_height = height;
done:
    free(cmyk);
    tjDestroy(tj);
    return rc;
}
