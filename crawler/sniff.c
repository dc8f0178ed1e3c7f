/*
 * sniff.c - media type and pixel dimensions from the first bytes of an image,
 * without decoding it.
 *
 * The crawler trusts the bytes, not the Content-Type header: JPEG (the first
 * SOFn marker's frame header), PNG (IHDR), GIF (logical screen) and WebP
 * (VP8, VP8L or VP8X chunk) are recognised. Reading only headers lets the
 * crawler refuse a decompression bomb (a 60000 x 60000 JPEG header on a few
 * kilobytes of data) before anything decodes it. crawler_image_complete
 * reads only the structure too: a file that ends before its format's end (a
 * JPEG without an EOI marker after its scan data, a PNG without IEND, a WebP
 * shorter than its RIFF size) is a truncated file, which a decoder would
 * "recover" by painting grey, so the crawler keeps none. The magic numbers and the
 * JPEG segment walk are common/imagemeta.h's (shared with dedup/ and
 * license/); the dimension probes and GIF are the crawler's own.
 */
#include "common/imagemeta.h"
#include "crawler/crawler.h"

#include <string.h>

/* JPEG headers (EXIF, ICC profiles) before SOF rarely exceed this; past it we give up. */
#define SNIFF_JPEG_SCAN_MAX (1024 * 1024)

static uint32_t le24(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/*
 * CS_OK with dimensions, CS_ENOTFOUND when more bytes are needed, CS_EFORMAT when broken.
 * The segments are walked by common/imagemeta.h, dedup's and license's reader too.
 */
static int jpeg_size(const unsigned char *b, size_t n, int *w, int *h)
{
    cs_meta_reader reader;
    cs_meta_block seg;
    if (cs_meta_open(&reader, b, CS_MIN(n, (size_t)SNIFF_JPEG_SCAN_MAX)) != CS_OK)
        return CS_EFORMAT;
    while (cs_meta_next(&reader, &seg)) {
        unsigned m = seg.marker; /* SOF0..SOF15 but DHT, JPG and DAC */
        if (m < 0xC0 || m > 0xCF || m == 0xC4 || m == 0xC8 || m == 0xCC) continue;
        if (seg.len < 5) return CS_EFORMAT;
        *h = (int)cs_be16(seg.data + 1); /* after the sample precision */
        *w = (int)cs_be16(seg.data + 3);
        return CS_OK;
    }
    if (cs_meta_status(&reader) != CS_ENOTFOUND) return CS_EFORMAT; /* image data before a frame */
    return n >= SNIFF_JPEG_SCAN_MAX ? CS_EFORMAT : CS_ENOTFOUND;
}

static int webp_size(const unsigned char *b, size_t n, int *w, int *h)
{
    if (n < 30) return CS_ENOTFOUND;
    const unsigned char *chunk = b + 12;
    if (memcmp(chunk, "VP8 ", 4) == 0) {
        if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) return CS_EFORMAT;
        *w = (int)(cs_le16(b + 26) & 0x3FFF);
        *h = (int)(cs_le16(b + 28) & 0x3FFF);
        return CS_OK;
    }
    if (memcmp(chunk, "VP8L", 4) == 0) {
        if (b[20] != 0x2F) return CS_EFORMAT;
        uint32_t bits = cs_le32(b + 21);
        *w = (int)(bits & 0x3FFF) + 1;
        *h = (int)((bits >> 14) & 0x3FFF) + 1;
        return CS_OK;
    }
    if (memcmp(chunk, "VP8X", 4) == 0) {
        *w = (int)le24(b + 24) + 1;
        *h = (int)le24(b + 27) + 1;
        return CS_OK;
    }
    return CS_EFORMAT;
}

int crawler_sniff_image(const unsigned char *bytes, size_t len, crawler_image_probe *out)
{
    memset(out, 0, sizeof *out);
    int rc = CS_EUNSUPPORTED;
    cs_image_format format = cs_image_sniff(bytes, len);
    if (format == CS_IMAGE_JPEG) {
        out->media_type = "image/jpeg";
        rc = jpeg_size(bytes, len, &out->width, &out->height);
    } else if (format == CS_IMAGE_PNG) {
        out->media_type = "image/png";
        if (len < 24) {
            rc = CS_ENOTFOUND;
        } else if (memcmp(bytes + 12, "IHDR", 4) != 0) {
            rc = CS_EFORMAT;
        } else {
            uint32_t w = cs_be32(bytes + 16), h = cs_be32(bytes + 20);
            if (w > INT32_MAX || h > INT32_MAX) return CS_EFORMAT;
            out->width = (int)w;
            out->height = (int)h;
            rc = CS_OK;
        }
    } else if (len >= 6 && (memcmp(bytes, "GIF87a", 6) == 0 || memcmp(bytes, "GIF89a", 6) == 0)) {
        out->media_type = "image/gif";
        if (len < 10) {
            rc = CS_ENOTFOUND;
        } else {
            out->width = (int)cs_le16(bytes + 6);
            out->height = (int)cs_le16(bytes + 8);
            rc = CS_OK;
        }
    } else if (format == CS_IMAGE_WEBP) {
        out->media_type = "image/webp";
        rc = webp_size(bytes, len, &out->width, &out->height);
    } else if (len < 12) {
        rc = CS_ENOTFOUND; /* too short to tell */
    }
    if (rc == CS_OK && (out->width <= 0 || out->height <= 0)) rc = CS_EFORMAT;
    if (rc == CS_OK) out->pixels = (uint64_t)out->width * (uint64_t)out->height;
    return rc;
}

int crawler_image_complete(const unsigned char *bytes, size_t len)
{
    cs_meta_reader reader;
    cs_meta_block block;
    if (cs_meta_open(&reader, bytes, len) != CS_OK) /* GIF: nothing to check; else too short */
        return len >= 6 && memcmp(bytes, "GIF8", 4) == 0 ? CS_OK : CS_ENOTFOUND;
    while (cs_meta_next(&reader, &block))
        ;
    int rc = cs_meta_status(&reader);
    if (rc != CS_OK || cs_image_sniff(bytes, len) != CS_IMAGE_JPEG) return rc;
    /* The walk stopped at SOS (or EOI: no scan at all). In the entropy-coded
       data 0xFF is always followed by 0x00 or a restart marker, so the first
       FF D9 after it is the EOI. */
    size_t at = cs_meta_stop_offset(&reader);
    if (at + 1 >= len || bytes[at + 1] != 0xDA) return CS_EFORMAT;
    for (const unsigned char *p = bytes + at + 2, *end = bytes + len;
         (p = memchr(p, 0xFF, (size_t)(end - p))) != NULL && p + 1 < end; p++)
        if (p[1] == 0xD9) return CS_OK;
    return CS_ENOTFOUND;
}
