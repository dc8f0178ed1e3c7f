/*
 * fuzz_imagemeta.c - libFuzzer target for common/imagemeta.c, the reader of
 * metadata blocks that dedup/ and license/ share: arbitrary bytes are walked
 * as a JPEG, PNG or WebP file (every block, PNG text chunk, extended-XMP
 * chunk, and the IFD0 entries of every EXIF block), and the JPEG sniffing
 * path of crawler_sniff_image with crawler_image_complete. A block or value
 * that does not lie inside the input, or a walk that ends without saying
 * why, aborts so the fuzzer reports it. Seed it with whole image files.
 */
#include "crawler/crawler.h"
#include "tests/fuzz/fuzz_imagemeta.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_imagemeta_walk(data, size, NULL) != 0) abort();
    cs_meta_reader reader;
    cs_meta_block block;
    if (cs_meta_open(&reader, data, size) != CS_OK) {
        if (cs_image_sniff(data, size) != CS_IMAGE_UNKNOWN) abort();
        return 0;
    }
    while (cs_meta_next(&reader, &block))
        ;
    int status = cs_meta_status(&reader);
    if (status != CS_OK && status != CS_ENOTFOUND && status != CS_EFORMAT && status != CS_ELIMIT)
        abort();
    crawler_image_probe probe;
    if (crawler_sniff_image(data, size, &probe) == CS_OK) {
        int complete = crawler_image_complete(data, size);
        if (complete != CS_OK && complete != CS_ENOTFOUND && complete != CS_EFORMAT) abort();
    }
    return 0;
}
