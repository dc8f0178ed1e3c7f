/*
 * fuzz_decode.h - the body the three decoder fuzz targets share: arbitrary
 * bytes, forced to start with one format's magic so the fuzzer spends its time
 * inside that decoder rather than in format sniffing, go through dedup_decode
 * (the full-resolution path and the DCT-scaled, oriented one) and, when they
 * decode, through PDQ, the dihedral hashes and pHash.
 */
#ifndef CLEARSET_FUZZ_DECODE_H
#define CLEARSET_FUZZ_DECODE_H

#include "dedup/dedup.h"

#include <stdlib.h>
#include <string.h>

/* Small images only: the fuzzer is after crashes, not after slow decodes. */
#define FUZZ_MAX_PIXELS (1024 * 1024)

static int fuzz_decode_with_magic(const unsigned char *data, size_t size,
                                  const unsigned char *magic, size_t magic_len)
{
    unsigned char *bytes = malloc(size + magic_len);
    if (!bytes) return 0;
    memcpy(bytes, magic, magic_len);
    if (size) memcpy(bytes + magic_len, data, size);
    size_t len = size + magic_len;
    for (int fast = 0; fast <= 1; fast++) {
        dedup_decode_options opts = {.max_pixels = FUZZ_MAX_PIXELS,
                                     .min_short_side = fast ? DEDUP_FAST_MIN_SHORT_SIDE : 0,
                                     .apply_orientation = fast};
        dedup_image img;
        cs_error err;
        if (dedup_decode(bytes, len, &opts, &img, &err) == CS_OK) {
            pdq_result pdq;
            if (pdq_from_image(&img, &pdq, &err) == CS_OK) {
                pdq_hash dihedral[PDQ_DIH_COUNT];
                pdq_dihedral(&pdq, dihedral);
            }
            (void)phash_from_image(&img);
            dedup_image_free(&img);
        }
    }
    free(bytes);
    return 0;
}

#endif
