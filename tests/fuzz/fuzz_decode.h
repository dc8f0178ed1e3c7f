/*
 * fuzz_decode.h - the body the three decoder fuzz targets share: arbitrary
 * bytes, forced to start with one format's magic so the fuzzer spends its time
 * inside that decoder rather than in format sniffing, go through dedup_decode
 * (the full-resolution path, the fast shrinking and orienting one, and the
 * fast one again with a short side of FUZZ_MIN_SHORT_SIDE so that the
 * shrinking code - JPEG DCT scaling, PNG box averaging, libwebp scaling -
 * runs on the small images a fuzzer makes) and, when they decode, through
 * PDQ, the dihedral hashes and pHash.
 */
#ifndef CLEARSET_FUZZ_DECODE_H
#define CLEARSET_FUZZ_DECODE_H

#include "dedup/dedup.h"

#include <stdlib.h>
#include <string.h>

/* Small images only: the fuzzer is after crashes, not after slow decodes. */
#define FUZZ_MAX_PIXELS (1024 * 1024)
/* A short side small enough that most decodable inputs get shrunk. */
#define FUZZ_MIN_SHORT_SIDE 8

static int fuzz_decode_with_magic(const unsigned char *data, size_t size,
                                  const unsigned char *magic, size_t magic_len)
{
    unsigned char *bytes = malloc(size + magic_len);
    if (!bytes) return 0;
    memcpy(bytes, magic, magic_len);
    if (size) memcpy(bytes + magic_len, data, size);
    size_t len = size + magic_len;
    const int min_short_sides[] = {0, DEDUP_FAST_MIN_SHORT_SIDE, FUZZ_MIN_SHORT_SIDE};
    for (size_t m = 0; m < sizeof min_short_sides / sizeof min_short_sides[0]; m++) {
        int fast = min_short_sides[m] > 0;
        dedup_decode_options opts = {.max_pixels = FUZZ_MAX_PIXELS,
                                     .min_short_side = min_short_sides[m],
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
