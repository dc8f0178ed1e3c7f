/*
 * exif.c - rights fields from EXIF IFD0: 0x010E ImageDescription, 0x013B
 * Artist, 0x8298 Copyright, in either byte order.
 *
 * Input starts at the TIFF header ("II*\0" little-endian or "MM\0*"
 * big-endian), as in a JPEG APP1 after "Exif\0\0", a PNG eXIf chunk or a
 * WebP EXIF chunk. Offsets are relative to that header; values of four bytes
 * or fewer sit in the entry itself.
 *
 * Values follow ExifTool's reading: ASCII strings end at the first NUL;
 * Artist loses trailing blanks; Copyright is read as raw bytes holding
 * "photographer\0editor\0": the first NUL (and blanks before it) becomes a
 * newline, anything after a second NUL is dropped, a trailing newline is
 * removed. Bytes are kept as they are (invalid UTF-8 becomes '?', as in
 * ExifTool's JSON). Other IFDs are not read: rights live in IFD0. The IFD
 * itself is walked by common/imagemeta.h's TIFF reader (the one dedup/ reads
 * orientation with); this file only knows what the three tags mean.
 */
#include "common/imagemeta.h"
#include "license/license_internal.h"

#include <string.h>

/* ExifTool's Copyright RawConv. Writes into out (size >= n + 1). */
static void copyright_value(const char *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    const char *nul = memchr(in, '\0', n);
    if (!nul) {
        memcpy(out, in, n);
        out[n] = '\0';
    } else {
        size_t first = (size_t)(nul - in), end = first;
        while (end > 0 && in[end - 1] == ' ')
            end--;
        memcpy(out, in, end);
        o = end;
        out[o++] = '\n';
        i = first + 1;
        const char *second = memchr(in + i, '\0', n - i);
        size_t stop = second ? (size_t)(second - in) : n;
        if (second)
            while (stop > i && in[stop - 1] == ' ')
                stop--;
        memcpy(out + o, in + i, stop - i);
        o += stop - i;
        out[o] = '\0';
    }
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] == '\n') out[len - 1] = '\0';
}

int license_parse_exif(const unsigned char *bytes, size_t len, json_t *fields,
                       license_evidence_list *evidence, cs_error *err)
{
    if (!fields) return cs_error_set(err, CS_EINVAL, "exif: no field object");
    cs_tiff tiff;
    if (cs_tiff_open(&tiff, bytes, len) != CS_OK) return CS_OK;
    cs_tiff_entry entry;
    while (cs_tiff_next(&tiff, &entry)) {
        unsigned tag = entry.tag, type = entry.type;
        uint32_t count = entry.count;
        const char *name;
        if (tag == 0x010E)
            name = "IFD0:ImageDescription";
        else if (tag == 0x013B)
            name = "IFD0:Artist";
        else if (tag == 0x8298)
            name = "IFD0:Copyright";
        else
            continue;
        int is_copyright = tag == 0x8298;
        if (type != CS_TIFF_ASCII &&
            !(is_copyright && (type == CS_TIFF_UNDEFINED || type == CS_TIFF_BYTE)))
            continue;
        const unsigned char *data = entry.value;
        if (!data) continue; /* outside the block */
        char *text = malloc((size_t)count + 2);
        if (!text) return cs_error_set(err, CS_ENOMEM, "exif: out of memory");
        if (is_copyright) {
            copyright_value((const char *)data, count, text);
        } else {
            const unsigned char *nul = memchr(data, '\0', count);
            size_t n = nul ? (size_t)(nul - data) : count;
            memcpy(text, data, n);
            text[n] = '\0';
            if (tag == 0x013B)
                while (n > 0 &&
                       (text[n - 1] == ' ' || (text[n - 1] >= '\t' && text[n - 1] <= '\r')))
                    text[--n] = '\0';
        }
        int rc = license_fields_set(fields, name, license_exiftool_value(text, strlen(text)));
        if (rc == CS_OK && is_copyright) {
            char *clean = cs_utf8_dup(text, strlen(text));
            rc = clean ? license_add_embedded_evidence(evidence, LICENSE_ORIGIN_EXIF, name, clean,
                                                       0, 1, LICENSE_CONFIDENCE_MEDIUM)
                       : CS_ENOMEM;
            free(clean);
        }
        free(text);
        if (rc != CS_OK) return cs_error_set(err, rc, "exif: %s", cs_strerror(rc));
    }
    return CS_OK;
}
