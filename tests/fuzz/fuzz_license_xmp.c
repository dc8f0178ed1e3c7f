/*
 * fuzz_license_xmp.c - libFuzzer target for license/'s XMP packet parser
 * (license_parse_xmp): any bytes must parse without a crash, leak or
 * undefined behaviour, and produce a JSON object of fields.
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *fields = json_object();
    license_evidence_list evidence = {0};
    cs_error err;
    license_parse_xmp(data, size, fields, &evidence, &err);
    char *dump = json_dumps(fields, JSON_COMPACT);
    free(dump);
    json_decref(fields);
    license_evidence_list_free(&evidence);
    return 0;
}
