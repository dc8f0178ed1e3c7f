/*
 * fuzz_decode_png.c - libFuzzer target for dedup's PNG decoder entry point:
 * arbitrary bytes go through dedup_decode (both the full-resolution and the
 * DCT-scaled, oriented path) and, when they decode, through PDQ and pHash.
 * The input is forced to start with the format's magic bytes so the fuzzer
 * spends its time inside the PNG decoder rather than in format sniffing.
 */
#include "dedup/dedup.h"

#include <stdlib.h>
#include <string.h>

/* Small images only: the fuzzer is after crashes, not after slow decodes. */
#define FUZZ_MAX_PIXELS (1024 * 1024)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned char magic[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    unsigned char *bytes = malloc(size + sizeof(magic));
    if (!bytes) return 0;
    memcpy(bytes, magic, sizeof(magic));
    if (size) memcpy(bytes + sizeof(magic), data, size);
    size_t len = size + sizeof(magic);
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
