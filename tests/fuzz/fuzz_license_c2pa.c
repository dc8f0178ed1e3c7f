/*
 * fuzz_license_c2pa.c - libFuzzer target for license/'s C2PA reader: JUMBF
 * boxes, the CBOR and JSON assertion payloads, and (first byte odd) the JPEG
 * APP11 packet joining in front of them.
 */
#include "license/license.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    cs_error err;
    if (data[0] & 1) {
        /* the bytes as a JPEG: SOI then whatever segments follow */
        uint8_t *jpeg = malloc(size + 2);
        if (!jpeg) return 0;
        jpeg[0] = 0xFF, jpeg[1] = 0xD8;
        memcpy(jpeg + 2, data + 1, size - 1);
        license_embedded emb;
        license_read_embedded(jpeg, size + 1, &emb, &err);
        license_embedded_free(&emb);
        free(jpeg);
        return 0;
    }
    json_t *entries = NULL;
    license_parse_c2pa(data + 1, size - 1, &entries, &err);
    json_decref(entries);
    return 0;
}
