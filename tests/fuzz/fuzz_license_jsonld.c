/*
 * fuzz_license_jsonld.c - libFuzzer target for license/'s page evidence with
 * arbitrary JSON-LD: the block text goes into license_page_evidence beside a
 * page-wide rel=license, on a page that shows two images, so matching
 * (relative URLs included), scoping, normalisation and the pass that lets an
 * image's own statement beat the page-wide one all run.
 */
#include "license/license.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const images[] = {"https://example.org/dir/a.jpg",
                                         "http://example.org/b.png"};
    license_page_link wide = {.href = "https://creativecommons.org/licenses/by/4.0/"};
    license_page_jsonld block = {.text = (const char *)data, .len = size};
    license_page_input in = {.page_url = "https://example.org/dir/page?q=1",
                             .links = &wide,
                             .link_count = 1,
                             .jsonld = &block,
                             .jsonld_count = 1,
                             .image_urls = images,
                             .image_url_count = 2};
    license_evidence_list evidence = {0};
    cs_error err;
    license_page_evidence(&in, &evidence, &err);
    license_evidence_list_free(&evidence);
    return 0;
}
