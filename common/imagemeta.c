/*
 * imagemeta.c - walks the metadata blocks of JPEG, PNG and WebP files and
 * the entries of a TIFF IFD0, for dedup/ and license/ alike.
 *
 * JPEG (ITU T.81 B.1.1): after SOI, markers 0xFF xx; fill bytes (0xFF 0xFF)
 * are skipped, as are the markers that carry no length (SOI, RSTn, TEM); a
 * segment's 16-bit big-endian length counts itself. The walk stops at SOS
 * or EOI, at a byte that is no marker, or at a segment running past the end.
 * PNG (ISO 15948 5.3): after the 8-byte signature, chunks of a big-endian
 * length, a type, data and a CRC (not checked: a bad CRC does not make the
 * words in a chunk mean something else); the walk stops at IEND or at a chunk
 * running past the end. WebP (RIFF): after "RIFF" size "WEBP", chunks of a
 * FourCC, a little-endian size, data and a pad byte to even length, up to the
 * RIFF size or the end of input, whichever is first.
 * TIFF (TIFF 6.0 section 2): a byte-order mark, 42, the IFD0 offset; an IFD
 * is a 16-bit count and 12-byte entries (tag, type, count, value or offset).
 *
 * Every read is checked against the length first; offsets are compared by
 * subtraction so nothing overflows. The walks are capped by
 * CS_META_MAX_BLOCKS and CS_TIFF_MAX_ENTRIES (imagemeta.h).
 */
#include "common/imagemeta.h"

#include <string.h>

static const char exif_sig[6] = {'E', 'x', 'i', 'f', 0, 0};
static const char xmp_sig[] = "http://ns.adobe.com/xap/1.0/";           /* with its NUL */
static const char xmp_ext_sig[] = "http://ns.adobe.com/xmp/extension/"; /* with its NUL */
static const char photoshop_sig[] = "Photoshop 3.0";                    /* with its NUL */

enum {
    JPEG_SOI = 0xD8,
    JPEG_EOI = 0xD9,
    JPEG_SOS = 0xDA,
    JPEG_TEM = 0x01,
    JPEG_APP1 = 0xE1,
    JPEG_APP11 = 0xEB,
    JPEG_APP13 = 0xED,
};

unsigned cs_be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

uint32_t cs_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

unsigned cs_le16(const unsigned char *p)
{
    return p[0] | (unsigned)p[1] << 8;
}

uint32_t cs_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 1 when p (n bytes) starts with the n_sig bytes of sig. */
static int starts_with(const unsigned char *p, size_t n, const char *sig, size_t n_sig)
{
    return n >= n_sig && memcmp(p, sig, n_sig) == 0;
}

cs_image_format cs_image_sniff(const unsigned char *bytes, size_t len)
{
    if (!bytes) return CS_IMAGE_UNKNOWN;
    if (len >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return CS_IMAGE_JPEG;
    if (len >= 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) return CS_IMAGE_PNG;
    if (len >= 12 && memcmp(bytes, "RIFF", 4) == 0 && memcmp(bytes + 8, "WEBP", 4) == 0)
        return CS_IMAGE_WEBP;
    return CS_IMAGE_UNKNOWN;
}

int cs_meta_open(cs_meta_reader *reader, const unsigned char *bytes, size_t len)
{
    memset(reader, 0, sizeof *reader);
    reader->format = cs_image_sniff(bytes, len);
    reader->bytes = bytes;
    reader->len = len;
    reader->end = len;
    switch (reader->format) {
    case CS_IMAGE_JPEG:
        reader->pos = 2; /* after SOI */
        return CS_OK;
    case CS_IMAGE_PNG:
        reader->pos = 8; /* after the signature */
        return CS_OK;
    case CS_IMAGE_WEBP:
        reader->pos = 12; /* after "RIFF" size "WEBP" */
        reader->riff_end = (uint64_t)cs_le32(bytes + 4) + 8;
        reader->end = (size_t)CS_MIN((uint64_t)len, reader->riff_end);
        return CS_OK;
    default:
        reader->status = CS_EUNSUPPORTED;
        return CS_EUNSUPPORTED;
    }
}

/* An EXIF block's TIFF structure: the "Exif\0\0" prefix dropped when present. */
static void exif_block(cs_meta_block *block, const unsigned char *p, size_t n)
{
    if (starts_with(p, n, exif_sig, sizeof exif_sig)) p += sizeof exif_sig, n -= sizeof exif_sig;
    block->kind = CS_META_EXIF;
    block->data = p;
    block->len = n;
}

static void jpeg_block(cs_meta_block *block, unsigned marker, const unsigned char *p, size_t n)
{
    block->marker = marker;
    block->data = p;
    block->len = n;
    if (marker == JPEG_APP1 && starts_with(p, n, exif_sig, sizeof exif_sig)) {
        exif_block(block, p, n);
    } else if (marker == JPEG_APP1 && starts_with(p, n, xmp_sig, sizeof xmp_sig)) {
        block->kind = CS_META_XMP;
        block->data = p + sizeof xmp_sig, block->len = n - sizeof xmp_sig;
    } else if (marker == JPEG_APP1 && starts_with(p, n, xmp_ext_sig, sizeof xmp_ext_sig)) {
        block->kind = CS_META_XMP_EXTENDED;
        block->data = p + sizeof xmp_ext_sig, block->len = n - sizeof xmp_ext_sig;
    } else if (marker == JPEG_APP13 && starts_with(p, n, photoshop_sig, sizeof photoshop_sig)) {
        block->kind = CS_META_PHOTOSHOP;
        block->data = p + sizeof photoshop_sig, block->len = n - sizeof photoshop_sig;
    } else if (marker == JPEG_APP11) {
        block->kind = CS_META_JUMBF;
    }
}

/* Ends the walk with status (see cs_meta_status); returns 0 for the caller to pass on. */
static int stop(cs_meta_reader *r, int status)
{
    r->status = status;
    r->format = CS_IMAGE_UNKNOWN; /* every later call ends at once */
    return 0;
}

static int jpeg_next(cs_meta_reader *r, cs_meta_block *block)
{
    const unsigned char *b = r->bytes;
    while (r->pos + 4 <= r->len) {
        if (r->blocks++ >= CS_META_MAX_BLOCKS) return stop(r, CS_ELIMIT);
        if (b[r->pos] != 0xFF) return stop(r, CS_EFORMAT);
        unsigned marker = b[r->pos + 1];
        if (marker == 0xFF) { /* fill byte */
            r->pos++;
            continue;
        }
        if (marker == JPEG_SOI || (marker >= 0xD0 && marker <= 0xD7) || marker == JPEG_TEM) {
            r->pos += 2; /* no length follows */
            continue;
        }
        if (marker == JPEG_EOI || marker == JPEG_SOS) return stop(r, CS_OK); /* no metadata after */
        size_t seg_len = cs_be16(b + r->pos + 2);
        if (seg_len < 2) return stop(r, CS_EFORMAT);
        if (seg_len > r->len - r->pos - 2) return stop(r, CS_ENOTFOUND);
        jpeg_block(block, marker, b + r->pos + 4, seg_len - 2);
        r->pos += 2 + seg_len;
        return 1;
    }
    return stop(r, CS_ENOTFOUND);
}

static int png_next(cs_meta_reader *r, cs_meta_block *block)
{
    const unsigned char *b = r->bytes;
    if (r->pos + 12 > r->len) return stop(r, CS_ENOTFOUND);
    if (r->blocks++ >= CS_META_MAX_BLOCKS) return stop(r, CS_ELIMIT);
    uint32_t n = cs_be32(b + r->pos);
    const unsigned char *type = b + r->pos + 4;
    if (memcmp(type, "IEND", 4) == 0) return stop(r, CS_OK);
    if (n > r->len - r->pos - 12) return stop(r, CS_ENOTFOUND);
    memcpy(block->type, type, 4);
    block->data = b + r->pos + 8;
    block->len = n;
    r->pos += 12 + (size_t)n;
    if (memcmp(type, "eXIf", 4) == 0)
        exif_block(block, block->data, block->len);
    else if (memcmp(type, "caBX", 4) == 0)
        block->kind = CS_META_JUMBF;
    else if (memcmp(type, "tEXt", 4) == 0 || memcmp(type, "zTXt", 4) == 0 ||
             memcmp(type, "iTXt", 4) == 0)
        block->kind = CS_META_PNG_TEXT;
    return 1;
}

static int webp_next(cs_meta_reader *r, cs_meta_block *block)
{
    const unsigned char *b = r->bytes;
    int cut = r->end < r->riff_end; /* the input ends before the RIFF says it does */
    if (r->pos + 8 > r->end) return stop(r, cut ? CS_ENOTFOUND : CS_OK);
    if (r->blocks++ >= CS_META_MAX_BLOCKS) return stop(r, CS_ELIMIT);
    uint32_t n = cs_le32(b + r->pos + 4);
    if (n > r->end - r->pos - 8) return stop(r, cut ? CS_ENOTFOUND : CS_EFORMAT);
    const unsigned char *fourcc = b + r->pos;
    memcpy(block->type, fourcc, 4);
    block->data = b + r->pos + 8;
    block->len = n;
    r->pos += 8 + (size_t)n + (n & 1); /* chunks are padded to even length */
    if (memcmp(fourcc, "EXIF", 4) == 0)
        exif_block(block, block->data, block->len);
    else if (memcmp(fourcc, "XMP ", 4) == 0)
        block->kind = CS_META_XMP;
    else if (memcmp(fourcc, "C2PA", 4) == 0)
        block->kind = CS_META_JUMBF;
    return 1;
}

int cs_meta_next(cs_meta_reader *reader, cs_meta_block *block)
{
    memset(block, 0, sizeof *block);
    switch (reader->format) {
    case CS_IMAGE_JPEG:
        return jpeg_next(reader, block);
    case CS_IMAGE_PNG:
        return png_next(reader, block);
    case CS_IMAGE_WEBP:
        return webp_next(reader, block);
    default:
        return 0; /* ended before: status says why */
    }
}

int cs_meta_status(const cs_meta_reader *reader)
{
    return reader->status;
}

size_t cs_meta_stop_offset(const cs_meta_reader *reader)
{
    return reader->pos;
}

int cs_meta_png_text(const cs_meta_block *block, cs_png_text *out)
{
    memset(out, 0, sizeof *out);
    if (block->kind != CS_META_PNG_TEXT) return CS_EINVAL;
    const unsigned char *p = block->data;
    size_t n = block->len;
    const unsigned char *nul = memchr(p, '\0', CS_MIN(n, (size_t)CS_PNG_KEYWORD_MAX));
    if (!nul) return CS_EFORMAT;
    memcpy(out->keyword, p, (size_t)(nul - p));
    out->keyword[nul - p] = '\0';
    size_t off = (size_t)(nul - p) + 1;
    if (memcmp(block->type, "iTXt", 4) == 0) {
        if (off + 2 > n) return CS_EFORMAT;
        out->compressed = p[off] != 0;
        off += 2;                              /* compression flag, method */
        for (int skip = 0; skip < 2; skip++) { /* language tag, translated keyword */
            const unsigned char *z = memchr(p + off, '\0', n - off);
            if (!z) return CS_EFORMAT;
            off = (size_t)(z - p) + 1;
        }
    } else if (memcmp(block->type, "zTXt", 4) == 0) {
        out->compressed = 1;
        off += 1; /* method */
    }
    if (off > n) return CS_EFORMAT;
    out->text = p + off;
    out->len = n - off;
    return CS_OK;
}

int cs_meta_xmp_extended(const cs_meta_block *block, cs_xmp_extended *out)
{
    memset(out, 0, sizeof *out);
    if (block->kind != CS_META_XMP_EXTENDED) return CS_EINVAL;
    if (block->len < 40) return CS_EFORMAT;
    memcpy(out->guid, block->data, 32);
    out->guid[32] = '\0';
    out->total = cs_be32(block->data + 32);
    out->offset = cs_be32(block->data + 36);
    out->data = block->data + 40;
    out->len = block->len - 40;
    return CS_OK;
}

/* ---- TIFF ---------------------------------------------------------------- */

static uint32_t tiff_u32(const cs_tiff *t, const unsigned char *p)
{
    return t->little ? cs_le32(p) : cs_be32(p);
}

unsigned cs_tiff_u16(const cs_tiff *t, const unsigned char *p)
{
    return t->little ? cs_le16(p) : cs_be16(p);
}

/* Bytes per item of a TIFF 6.0 field type (plus 13, IFD), 0 for an unknown type. */
static size_t type_size(unsigned type)
{
    static const unsigned char sizes[] = {0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4};
    return type < sizeof sizes ? sizes[type] : 0;
}

int cs_tiff_open(cs_tiff *tiff, const unsigned char *bytes, size_t len)
{
    memset(tiff, 0, sizeof *tiff);
    if (bytes && starts_with(bytes, len, exif_sig, sizeof exif_sig))
        bytes += sizeof exif_sig, len -= sizeof exif_sig;
    if (!bytes || len < 8) return CS_EFORMAT;
    if (memcmp(bytes, "II*\0", 4) == 0)
        tiff->little = 1;
    else if (memcmp(bytes, "MM\0*", 4) != 0)
        return CS_EFORMAT;
    tiff->bytes = bytes;
    tiff->len = len;
    uint32_t ifd = tiff_u32(tiff, bytes + 4);
    if (ifd < 8 || ifd > len - 2) return CS_EFORMAT;
    unsigned count = cs_tiff_u16(tiff, bytes + ifd);
    if (count > CS_TIFF_MAX_ENTRIES) return CS_EFORMAT;
    tiff->next = (size_t)ifd + 2;
    tiff->count = count;
    return CS_OK;
}

int cs_tiff_next(cs_tiff *tiff, cs_tiff_entry *entry)
{
    memset(entry, 0, sizeof *entry);
    if (tiff->count == 0 || tiff->next > tiff->len || tiff->len - tiff->next < 12) return 0;
    const unsigned char *e = tiff->bytes + tiff->next;
    tiff->next += 12;
    tiff->count--;
    entry->tag = cs_tiff_u16(tiff, e);
    entry->type = cs_tiff_u16(tiff, e + 2);
    entry->count = tiff_u32(tiff, e + 4);
    uint64_t size = (uint64_t)entry->count * type_size(entry->type);
    if (type_size(entry->type) == 0) return 1;
    if (size <= 4) {
        entry->value = e + 8;
    } else {
        uint32_t off = tiff_u32(tiff, e + 8);
        if (off > tiff->len || size > tiff->len - off) return 1;
        entry->value = tiff->bytes + off;
    }
    entry->value_len = (size_t)size;
    return 1;
}
