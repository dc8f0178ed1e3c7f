/*
 * fuzz_license_iptc.c - libFuzzer target for license/'s IPTC-IIM parsers: the
 * first byte chooses bare IIM datasets (license_parse_iim) or a Photoshop
 * APP13 block of 8BIM resources (license_parse_app13).
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    json_t *fields = json_object();
    license_evidence_list evidence = {0};
    cs_error err;
    if (data[0] & 1)
        license_parse_iim(data + 1, size - 1, fields, &evidence, &err);
    else
        license_parse_app13(data + 1, size - 1, fields, &evidence, &err);
    char *dump = json_dumps(fields, JSON_COMPACT);
    free(dump);
    json_decref(fields);
    license_evidence_list_free(&evidence);
    return 0;
}
