/*
 * hash.c - everything recorded about one image file in one call: SHA-256 of
 * the bytes, the PDQ hash with its quality and eight dihedral variants, the
 * pHash, and the image's size.
 *
 * Two paths. The default decodes large images smaller, keeping the short side
 * at least DEDUP_FAST_MIN_SHORT_SIDE (JPEG at a DCT scale, still WebP through
 * libwebp's scaler, PNG box-averaged by an integer factor), and applies EXIF
 * orientation: what a viewer shows, cheaply. The recorded width and height
 * stay the full-resolution ones. `exact` decodes the full-resolution pixels and
 * ignores orientation, and decodes grey JPEGs to RGB: the input the PDQ
 * reference vectors were hashed from, so the hashes match it bit for bit.
 *
 * dedup_analyze is the audit's form of the default path: the same decode and
 * hashes, and from the same pixels the local features (local.c), so a query
 * image is decoded once.
 */
#include "dedup/dedup_internal.h"

#include <string.h>

/* The hashes of decoded pixels img of the file bytes. */
static int hashes_of_image(const unsigned char *bytes, size_t len, const dedup_image *img,
                           dedup_hashes *out, cs_error *err)
{
    pdq_result pdq;
    int rc = pdq_from_image(img, &pdq, err);
    if (rc != CS_OK) return rc;
    cs_sha256_hex(bytes, len, out->sha256);
    out->pdq = pdq.hash;
    out->pdq_quality = pdq.quality;
    pdq_dihedral(&pdq, out->dihedral);
    out->phash = phash_from_image(img);
    out->width = img->source_width;
    out->height = img->source_height;
    out->format = img->format;
    return CS_OK;
}

int dedup_hash_bytes(const unsigned char *bytes, size_t len, int exact, uint64_t max_pixels,
                     dedup_hashes *out, cs_error *err)
{
    memset(out, 0, sizeof(*out));
    dedup_decode_options opts = {
        .max_pixels = max_pixels,
        .min_short_side = exact ? 0 : DEDUP_FAST_MIN_SHORT_SIDE,
        .apply_orientation = !exact,
        .grey_jpeg_as_rgb = exact,
    };
    dedup_image img;
    int rc = dedup_decode(bytes, len, &opts, &img, err);
    if (rc != CS_OK) return rc;
    rc = hashes_of_image(bytes, len, &img, out, err);
    dedup_image_free(&img);
    return rc;
}

int dedup_analyze(const unsigned char *bytes, size_t len, uint64_t max_pixels, dedup_hashes *hashes,
                  dedup_local **local, cs_error *err)
{
    memset(hashes, 0, sizeof(*hashes));
    if (local) *local = NULL;
    dedup_decode_options opts = {
        .max_pixels = max_pixels,
        .min_short_side = DEDUP_FAST_MIN_SHORT_SIDE,
        .apply_orientation = 1,
    };
    dedup_image img;
    int rc = dedup_decode(bytes, len, &opts, &img, err);
    if (rc != CS_OK) return rc;
    rc = hashes_of_image(bytes, len, &img, hashes, err);
    if (rc == CS_OK && local) rc = dedup_local_extract(&img, local, err);
    dedup_image_free(&img);
    return rc;
}
