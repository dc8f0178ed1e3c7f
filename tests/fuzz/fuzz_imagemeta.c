/*
 * fuzz_imagemeta.c - libFuzzer target for common/imagemeta.c, the reader of
 * metadata blocks that dedup/ and license/ share: arbitrary bytes are walked
 * as a JPEG, PNG or WebP file (every block, PNG text chunk, extended-XMP
 * chunk, and the IFD0 entries of every EXIF block), and the JPEG sniffing
 * path of crawler_sniff_image. A block or value that does not lie inside the
 * input, or a walk that ends without saying why, aborts so the fuzzer
 * reports it. Seed it with whole image files.
 */
#include "common/imagemeta.h"
#include "crawler/crawler.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const unsigned char *p, size_t n, const unsigned char *start, size_t len)
{
    if (n == 0) return;
    if (p < start || p > start + len || n > (size_t)(start + len - p)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_meta_reader reader;
    cs_meta_block block;
    if (cs_meta_open(&reader, data, size) != CS_OK) {
        if (cs_image_sniff(data, size) != CS_IMAGE_UNKNOWN) abort();
        return 0;
    }
    while (cs_meta_next(&reader, &block)) {
        inside(block.data, block.len, data, size);
        cs_png_text text;
        if (cs_meta_png_text(&block, &text) == CS_OK) inside(text.text, text.len, data, size);
        cs_xmp_extended ext;
        if (cs_meta_xmp_extended(&block, &ext) == CS_OK) inside(ext.data, ext.len, data, size);
        cs_tiff tiff;
        cs_tiff_entry entry;
        if (block.kind == CS_META_EXIF && cs_tiff_open(&tiff, block.data, block.len) == CS_OK)
            while (cs_tiff_next(&tiff, &entry)) {
                inside(entry.value, entry.value_len, block.data, block.len);
                if (entry.value && entry.value_len >= 2) (void)cs_tiff_u16(&tiff, entry.value);
            }
    }
    int status = cs_meta_status(&reader);
    if (status != CS_OK && status != CS_ENOTFOUND && status != CS_EFORMAT && status != CS_ELIMIT)
        abort();
    crawler_image_probe probe;
    (void)crawler_sniff_image(data, size, &probe);
    return 0;
}
