/*
 * fuzz_imagemeta.h - the walk fuzz_imagemeta and test_imagemeta share: every
 * block common/imagemeta.c finds in the bytes, every PNG text chunk and
 * extended-XMP chunk split, and every IFD0 entry of every EXIF block, each
 * checked to lie inside the bytes it came from. A reader that points outside
 * its input is the bug both are after.
 */
#ifndef CLEARSET_FUZZ_IMAGEMETA_H
#define CLEARSET_FUZZ_IMAGEMETA_H

#include "common/imagemeta.h"

#include <string.h>

#define FUZZ_IMAGEMETA_KINDS 8 /* more than cs_meta_kind has */

static inline int fuzz_imagemeta_inside(const unsigned char *p, size_t n,
                                        const unsigned char *start, size_t len)
{
    return n == 0 || (p >= start && p <= start + len && n <= (size_t)(start + len - p));
}

/*
 * Walks bytes and counts the blocks of each kind into counts (may be NULL).
 * Returns 0, or -1 at the first block or value outside the input.
 */
static inline int fuzz_imagemeta_walk(const unsigned char *bytes, size_t len,
                                      size_t counts[FUZZ_IMAGEMETA_KINDS])
{
    if (counts) memset(counts, 0, FUZZ_IMAGEMETA_KINDS * sizeof counts[0]);
    cs_meta_reader reader;
    cs_meta_block block;
    if (cs_meta_open(&reader, bytes, len) != CS_OK) return 0;
    while (cs_meta_next(&reader, &block)) {
        if (!fuzz_imagemeta_inside(block.data, block.len, bytes, len)) return -1;
        if (counts && (size_t)block.kind < FUZZ_IMAGEMETA_KINDS) counts[block.kind]++;
        cs_png_text text;
        if (cs_meta_png_text(&block, &text) == CS_OK &&
            !fuzz_imagemeta_inside(text.text, text.len, bytes, len))
            return -1;
        cs_xmp_extended ext;
        if (cs_meta_xmp_extended(&block, &ext) == CS_OK &&
            !fuzz_imagemeta_inside(ext.data, ext.len, bytes, len))
            return -1;
        cs_tiff tiff;
        cs_tiff_entry entry;
        if (block.kind == CS_META_EXIF && cs_tiff_open(&tiff, block.data, block.len) == CS_OK)
            while (cs_tiff_next(&tiff, &entry))
                if (!fuzz_imagemeta_inside(entry.value, entry.value_len, block.data, block.len))
                    return -1;
    }
    return 0;
}

#endif
