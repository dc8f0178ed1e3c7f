/*
 * evidence.c - evidence records and their lists, the catalog words for
 * origins, scopes and confidences, and the small text helpers the metadata
 * parsers share: ExifTool-style JSON values, UTF-8 repair, Windows-1252.
 *
 * ExifTool's JSON writer (exiftool's EscapeJSON) prints "true"/"false" as
 * booleans and numbers matching a conservative JSON-number pattern as
 * numbers; we do the same so `clearset license` and `exiftool -j` agree
 * value for value.
 */
#include "license/license_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void evidence_clear(license_evidence *ev)
{
    free(ev->image_url);
    free(ev->found_at);
    free(ev->field);
    free(ev->raw_value);
    free(ev->attribution_name);
    free(ev->attribution_url);
    free(ev->title);
    free(ev->creator);
    memset(ev, 0, sizeof *ev);
}

void license_evidence_list_free(license_evidence_list *list)
{
    if (!list) return;
    for (size_t i = 0; i < list->count; i++)
        evidence_clear(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

void license_evidence_list_drop(license_evidence_list *list, size_t from, const unsigned char *drop)
{
    size_t kept = from;
    for (size_t i = from; i < list->count; i++) {
        if (drop[i - from])
            evidence_clear(&list->items[i]);
        else
            list->items[kept++] = list->items[i];
    }
    list->count = kept;
}

int license_evidence_list_add(license_evidence_list *list, const license_evidence *ev)
{
    int rc = cs_array_reserve((void **)&list->items, &list->cap, list->count, sizeof *list->items,
                              LICENSE_MAX_EVIDENCE);
    if (rc != CS_OK) return rc;
    license_evidence *copy = &list->items[list->count];
    *copy = *ev;
    copy->image_url = dup_or_null(ev->image_url);
    copy->found_at = dup_or_null(ev->found_at);
    copy->field = dup_or_null(ev->field);
    copy->raw_value = strdup(ev->raw_value ? ev->raw_value : "");
    copy->attribution_name = dup_or_null(ev->attribution_name);
    copy->attribution_url = dup_or_null(ev->attribution_url);
    copy->title = dup_or_null(ev->title);
    copy->creator = dup_or_null(ev->creator);
    if ((ev->image_url && !copy->image_url) || (ev->found_at && !copy->found_at) ||
        (ev->field && !copy->field) || !copy->raw_value ||
        (ev->attribution_name && !copy->attribution_name) ||
        (ev->attribution_url && !copy->attribution_url) || (ev->title && !copy->title) ||
        (ev->creator && !copy->creator)) {
        evidence_clear(copy);
        return CS_ENOMEM;
    }
    list->count++;
    return CS_OK;
}

static const char *const origin_names[] = {"xmp",     "iptc",      "exif", "rel-license",
                                           "json-ld", "microdata", "meta", "policy-file"};
static const char *const scope_names[] = {"embedded", "rdfa-about", "figure",
                                          "json-ld",  "microdata",  "page"};
static const char *const confidence_names[] = {"high", "medium", "low"};

const char *license_origin_name(license_origin origin)
{
    return (size_t)origin < CS_ARRAY_LEN(origin_names) ? origin_names[origin] : "unknown";
}

const char *license_scope_name(license_scope scope)
{
    return (size_t)scope < CS_ARRAY_LEN(scope_names) ? scope_names[scope] : "unknown";
}

const char *license_confidence_name(license_confidence confidence)
{
    return (size_t)confidence < CS_ARRAY_LEN(confidence_names) ? confidence_names[confidence]
                                                               : "unknown";
}

static int lookup(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0) return (int)i;
    return -1;
}

int license_origin_parse(const char *name, license_origin *out)
{
    int i = lookup(origin_names, CS_ARRAY_LEN(origin_names), name);
    if (i < 0) return CS_ENOTFOUND;
    *out = (license_origin)i;
    return CS_OK;
}

int license_scope_parse(const char *name, license_scope *out)
{
    int i = lookup(scope_names, CS_ARRAY_LEN(scope_names), name);
    if (i < 0) return CS_ENOTFOUND;
    *out = (license_scope)i;
    return CS_OK;
}

int license_confidence_parse(const char *name, license_confidence *out)
{
    int i = lookup(confidence_names, CS_ARRAY_LEN(confidence_names), name);
    if (i < 0) return CS_ENOTFOUND;
    *out = (license_confidence)i;
    return CS_OK;
}

/* Windows-1252 0x80..0x9F; 0 where the code page leaves a hole. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

char *license_cp1252_dup(const char *s, size_t len)
{
    char *out = malloc(3 * len + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        if (c == 0) continue;
        if (c >= 0x80 && c < 0xA0 && cp1252_high[c - 0x80]) c = cp1252_high[c - 0x80];
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

/* ExifTool: /^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$/i */
static int looks_like_exiftool_number(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    size_t digits = 0;
    while (isdigit((unsigned char)p[digits]))
        digits++;
    if (digits == 0 || digits > 15 || (digits > 1 && p[0] == '0')) return 0;
    p += digits;
    if (*p == '.') {
        size_t frac = 0;
        p++;
        while (isdigit((unsigned char)p[frac]))
            frac++;
        if (frac == 0 || frac > 16) return 0;
        p += frac;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        size_t exp = 0;
        while (isdigit((unsigned char)p[exp]))
            exp++;
        if (exp == 0 || exp > 3) return 0;
        p += exp;
    }
    return *p == '\0';
}

json_t *license_exiftool_value(const char *s, size_t len)
{
    char *text = cs_utf8_dup(s, len);
    if (!text) return NULL;
    json_t *value;
    if (strcasecmp(text, "true") == 0)
        value = json_true();
    else if (strcasecmp(text, "false") == 0)
        value = json_false();
    else if (looks_like_exiftool_number(text))
        value = json_loads(text, JSON_DECODE_ANY, NULL);
    else
        value = NULL;
    if (!value) value = json_string(text);
    free(text);
    return value;
}

int license_fields_set(json_t *fields, const char *name, json_t *value)
{
    if (!value) return CS_ENOMEM;
    return json_object_set_new(fields, name, value) == 0 ? CS_OK : CS_ENOMEM;
}

int license_add_embedded_evidence(license_evidence_list *evidence, license_origin origin,
                                  const char *field, const char *raw_value, int is_url,
                                  int claim_field, license_confidence confidence)
{
    if (!evidence || !raw_value) return CS_OK;
    size_t len = strlen(raw_value);
    while (len > 0 && isspace((unsigned char)raw_value[len - 1]))
        len--;
    if (len == 0) return CS_OK;
    license_evidence ev = {.origin = origin,
                           .scope = LICENSE_SCOPE_EMBEDDED,
                           .confidence = confidence,
                           .field = (char *)field,
                           .raw_value = (char *)raw_value};
    if (is_url) {
        ev.has_license = license_normalize_url(raw_value, len, &ev.license) == CS_OK;
        if (!ev.has_license) {
            int rc =
                license_normalize_text(raw_value, len, &ev.license, &ev.has_license, &ev.claim);
            if (rc == CS_ENOMEM) return rc;
        }
    } else {
        int rc = license_normalize_text(raw_value, len, &ev.license, &ev.has_license, &ev.claim);
        if (rc == CS_ENOMEM) return rc;
    }
    if (claim_field && !ev.has_license && ev.claim == LICENSE_CLAIM_NONE)
        ev.claim = LICENSE_CLAIM_COPYRIGHT;
    return license_evidence_list_add(evidence, &ev);
}
