/*
 * fuzz_license_jsonld.c - libFuzzer target for license/'s JSON-LD evidence
 * (license_jsonld_evidence): arbitrary block text against a page that shows
 * two images, so matching, scoping and normalisation all run.
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const images[] = {"https://example.org/a.jpg", "http://example.org/b.png"};
    license_page_input in = {
        .page_url = "https://example.org/page", .image_urls = images, .image_url_count = 2};
    license_evidence_list evidence = {0};
    cs_error err;
    license_jsonld_evidence((const char *)data, size, &in, &evidence, &err);
    license_evidence_list_free(&evidence);
    return 0;
}
