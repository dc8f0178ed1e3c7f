/*
 * fuzz_license_file.c - libFuzzer target for license_read_embedded on whole
 * files: the JPEG segment walk (extended XMP, APP13, APP11), PNG chunks
 * (iTXt/zTXt inflation, raw profiles, eXIf, caBX) and WebP RIFF chunks, and
 * the summary and JSON built from what they find. Seed it with real images.
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    license_embedded emb;
    cs_error err;
    license_read_embedded(data, size, &emb, &err);
    json_t *obj = license_embedded_json(&emb, "fuzz");
    char *dump = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    free(dump);
    json_decref(obj);
    license_embedded_free(&emb);
    return 0;
}
