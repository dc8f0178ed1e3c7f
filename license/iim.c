/*
 * iim.c - IPTC-IIM rights fields, from a Photoshop APP13 block or bare IIM.
 *
 * A JPEG's APP13 segment holds "Photoshop 3.0\0" and then image resource
 * blocks: "8BIM", a 16-bit id, a Pascal name padded to even length, a 32-bit
 * size and the data padded to even length. Resource 0x0404 is IPTC-IIM: a
 * run of datasets 0x1C RECORD TAG LENGTH DATA, where a length with its top
 * bit set gives the number of bytes of a longer big-endian length.
 *
 * Kept: 1:90 CodedCharacterSet (ESC % G means UTF-8; otherwise ExifTool
 * decodes IIM text as Windows-1252, and so do we), 2:5 ObjectName, 2:80
 * By-line (repeatable: one value prints as a string, several as an array,
 * as in `exiftool -j`), 2:110 Credit, 2:116 CopyrightNotice. Trailing NULs
 * are dropped, as ExifTool drops them.
 */
#include "common/imagemeta.h"
#include "license/license_internal.h"

#include <string.h>

#define IIM_MAX_DATASETS 65536 /* far beyond real IIM; bounds a hostile run of empty datasets */

typedef struct iim_tag {
    int record, dataset;
    const char *name; /* ExifTool's tag name */
    int list;         /* repeatable */
    int claim;        /* a copyright-notice field */
} iim_tag;

static const iim_tag iim_tags[] = {
    {2, 5, "IPTC:ObjectName", 0, 0},
    {2, 80, "IPTC:By-line", 1, 0},
    {2, 110, "IPTC:Credit", 0, 0},
    {2, 116, "IPTC:CopyrightNotice", 0, 1},
};

int license_parse_iim(const unsigned char *bytes, size_t len, json_t *fields,
                      license_evidence_list *evidence, cs_error *err)
{
    if (!fields) return cs_error_set(err, CS_EINVAL, "iptc: no field object");
    int utf8 = 0;
    size_t pos = 0, count = 0;
    while (pos + 5 <= len && count++ < IIM_MAX_DATASETS) {
        if (bytes[pos] != 0x1C) break; /* not a dataset marker: the rest is padding or junk */
        int record = bytes[pos + 1], dataset = bytes[pos + 2];
        size_t size = cs_be16(bytes + pos + 3);
        pos += 5;
        if (size & 0x8000) { /* extended dataset: size says how many length bytes follow */
            size_t n = size & 0x7FFF;
            if (n > 4 || pos + n > len) break;
            size = 0;
            for (size_t i = 0; i < n; i++)
                size = size << 8 | bytes[pos + i];
            pos += n;
        }
        if (size > len - pos) break;
        const char *data = (const char *)bytes + pos;
        pos += size;
        if (record == 1 && dataset == 90) {
            utf8 = size >= 3 && memcmp(data, "\x1b%G", 3) == 0;
            continue;
        }
        const iim_tag *tag = NULL;
        for (size_t i = 0; i < CS_ARRAY_LEN(iim_tags); i++)
            if (iim_tags[i].record == record && iim_tags[i].dataset == dataset) tag = &iim_tags[i];
        if (!tag) continue;
        size_t n = size;
        while (n > 0 && data[n - 1] == '\0')
            n--;
        char *text = utf8 ? cs_utf8_dup(data, n) : license_cp1252_dup(data, n);
        if (!text) return cs_error_set(err, CS_ENOMEM, "iptc: out of memory");
        json_t *value = license_exiftool_value(text, strlen(text));
        int rc = CS_OK;
        json_t *existing = json_object_get(fields, tag->name);
        if (tag->list && existing) {
            if (!json_is_array(existing)) {
                json_t *array = json_array();
                json_array_append(array, existing);
                json_object_set_new(fields, tag->name, array);
                existing = array;
            }
            json_array_append_new(existing, value);
        } else {
            rc = license_fields_set(fields, tag->name, value);
            if (rc == CS_OK && tag->claim)
                rc = license_add_embedded_evidence(evidence, LICENSE_ORIGIN_IPTC, tag->name, text,
                                                   0, 1, LICENSE_CONFIDENCE_MEDIUM);
        }
        free(text);
        if (rc != CS_OK) return cs_error_set(err, rc, "iptc: %s", cs_strerror(rc));
    }
    return CS_OK;
}

int license_parse_app13(const unsigned char *bytes, size_t len, json_t *fields,
                        license_evidence_list *evidence, cs_error *err)
{
    static const char header[] = "Photoshop 3.0";
    size_t pos = 0;
    if (len >= sizeof header && memcmp(bytes, header, sizeof header) == 0) pos = sizeof header;
    while (pos + 12 <= len) {
        if (memcmp(bytes + pos, "8BIM", 4) != 0 && memcmp(bytes + pos, "PHUT", 4) != 0 &&
            memcmp(bytes + pos, "AgHg", 4) != 0 && memcmp(bytes + pos, "DCSR", 4) != 0)
            break;
        int id = (int)cs_be16(bytes + pos + 4);
        size_t name_len = bytes[pos + 6];
        size_t name_field = (name_len + 2) & ~(size_t)1; /* length byte + name, even */
        pos += 6 + name_field;
        if (pos + 4 > len) break;
        size_t size = cs_be32(bytes + pos);
        pos += 4;
        if (size > len - pos) break;
        if (id == 0x0404) {
            int rc = license_parse_iim(bytes + pos, size, fields, evidence, err);
            if (rc != CS_OK) return rc;
        }
        pos += size + (size & 1);
    }
    return CS_OK;
}
