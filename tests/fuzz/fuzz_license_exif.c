/*
 * fuzz_license_exif.c - libFuzzer target for license/'s EXIF rights fields
 * (license_parse_exif) on arbitrary TIFF-header bytes, and through it the
 * TIFF IFD reader of common/imagemeta.c that dedup/ reads orientation with.
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *fields = json_object();
    license_evidence_list evidence = {0};
    cs_error err;
    license_parse_exif(data, size, fields, &evidence, &err);
    char *dump = json_dumps(fields, JSON_COMPACT);
    free(dump);
    json_decref(fields);
    license_evidence_list_free(&evidence);
    return 0;
}
