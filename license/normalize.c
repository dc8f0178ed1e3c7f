/*
 * normalize.c - licence URLs and licence texts to (family, version,
 * jurisdiction) and an SPDX id.
 *
 * Creative Commons URLs are taken apart rather than matched against a list:
 * scheme (http, https, protocol-relative or none), optional "www.", then
 *   /licenses/CODE/VERSION[/JURISDICTION][/deed[.xx] | /legalcode[.xx] | /rdf]
 *   /publicdomain/zero/1.0/...   /publicdomain/mark/1.0/...
 *   /licenses/publicdomain/      /licenses/mark/1.0/     /licenses/GPL/2.0/ ...
 * with any query or fragment dropped, plus the legacy
 * web.resource.org/cc/PublicDomain. The SPDX id is built from the parts
 * (CC-BY-SA-2.0-UK) and checked against the SPDX licence list's Creative
 * Commons ids; parts SPDX has no id for become LicenseRef-CC-... so a policy
 * can still key on the family.
 *
 * Other licences images carry (MIT, BSD, Apache, GPL family, OFL, ...) are
 * recognised by SPDX id, by URL prefix and by name in license_table.c.
 *
 * Free text is scanned for a URL first, then for an SPDX id, then for CC
 * names ("CC BY-SA 4.0", "Creative Commons Attribution-ShareAlike 4.0
 * International"), then other licence names, and independently for rights
 * claims ("All rights reserved", "©", "(c)", "Copyright", "Public domain").
 */
#include "common/url.h"
#include "license/license_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NORMALIZE_TEXT_MAX 4096 /* licence statements are short; longer text is scanned in part */

/* SPDX licence list ids for Creative Commons licences (SPDX list 3.2x). */
static const char *const spdx_cc_ids[] = {
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-2.5-AU",
    "CC-BY-3.0",
    "CC-BY-3.0-AT",
    "CC-BY-3.0-AU",
    "CC-BY-3.0-DE",
    "CC-BY-3.0-IGO",
    "CC-BY-3.0-NL",
    "CC-BY-3.0-US",
    "CC-BY-4.0",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-3.0-DE",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-1.0",
    "CC-BY-NC-ND-2.0",
    "CC-BY-NC-ND-2.5",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-3.0-DE",
    "CC-BY-NC-ND-3.0-IGO",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-1.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-2.0-DE",
    "CC-BY-NC-SA-2.0-FR",
    "CC-BY-NC-SA-2.0-UK",
    "CC-BY-NC-SA-2.5",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-3.0-DE",
    "CC-BY-NC-SA-3.0-IGO",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-1.0",
    "CC-BY-ND-2.0",
    "CC-BY-ND-2.5",
    "CC-BY-ND-3.0",
    "CC-BY-ND-3.0-DE",
    "CC-BY-ND-4.0",
    "CC-BY-SA-1.0",
    "CC-BY-SA-2.0",
    "CC-BY-SA-2.0-UK",
    "CC-BY-SA-2.1-JP",
    "CC-BY-SA-2.5",
    "CC-BY-SA-3.0",
    "CC-BY-SA-3.0-AT",
    "CC-BY-SA-3.0-DE",
    "CC-BY-SA-3.0-IGO",
    "CC-BY-SA-4.0",
    "CC-SA-1.0",
    "CC-PDDC",
    "CC-PDM-1.0",
    "CC0-1.0",
};

/* A Creative Commons licence code as it appears in URLs, and what it means. */
typedef struct cc_code {
    const char *code;   /* URL path segment, lower case */
    const char *family; /* our family name (an SPDX-style prefix) */
    unsigned by : 1, sa : 1, nc : 1, nd : 1;
} cc_code;

static const cc_code cc_codes[] = {
    {"by", "CC-BY", 1, 0, 0, 0},
    {"by-sa", "CC-BY-SA", 1, 1, 0, 0},
    {"by-nc", "CC-BY-NC", 1, 0, 1, 0},
    {"by-nc-sa", "CC-BY-NC-SA", 1, 1, 1, 0},
    {"by-nd", "CC-BY-ND", 1, 0, 0, 1},
    {"by-nc-nd", "CC-BY-NC-ND", 1, 0, 1, 1},
    {"by-nd-nc", "CC-BY-NC-ND", 1, 0, 1, 1}, /* the 1.0 spelling of by-nc-nd */
    /* retired families (1.0 licences without BY, sampling, developing nations) */
    {"sa", "CC-SA", 0, 1, 0, 0},
    {"nc", "CC-NC", 0, 0, 1, 0},
    {"nd", "CC-ND", 0, 0, 0, 1},
    {"nc-sa", "CC-NC-SA", 0, 1, 1, 0},
    {"nd-nc", "CC-NC-ND", 0, 0, 1, 1},
    {"sampling", "CC-SAMPLING", 1, 0, 0, 1},
    {"sampling+", "CC-SAMPLING-PLUS", 1, 0, 0, 0},
    {"nc-sampling+", "CC-NC-SAMPLING-PLUS", 1, 0, 1, 0},
    {"devnations", "CC-DEVNATIONS", 1, 0, 0, 0},
};

static void upper_copy(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = '\0';
}

static int spdx_is_cc_id(const char *id)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(spdx_cc_ids); i++)
        if (strcmp(spdx_cc_ids[i], id) == 0) return 1;
    return 0;
}

/* Fills the SPDX id from family, version and jurisdiction (SPDX id or LicenseRef-). */
static void cc_build_spdx(license_info *out)
{
    char id[LICENSE_SPDX_MAX], jur[LICENSE_JURISDICTION_MAX];
    upper_copy(jur, sizeof jur, out->jurisdiction);
    if (out->version[0] && jur[0])
        snprintf(id, sizeof id, "%s-%s-%s", out->family, out->version, jur);
    else if (out->version[0])
        snprintf(id, sizeof id, "%s-%s", out->family, out->version);
    else
        snprintf(id, sizeof id, "%s", out->family);
    if (spdx_is_cc_id(id))
        cs_strlcpy(out->spdx, id, sizeof out->spdx);
    else
        snprintf(out->spdx, sizeof out->spdx, "LicenseRef-%s", id);
}

static void cc_fill(license_info *out, const cc_code *code, const char *version,
                    const char *jurisdiction)
{
    memset(out, 0, sizeof *out);
    cs_strlcpy(out->family, code->family, sizeof out->family);
    cs_strlcpy(out->version, version, sizeof out->version);
    cs_strlcpy(out->jurisdiction, jurisdiction, sizeof out->jurisdiction);
    out->attribution = code->by, out->share_alike = code->sa;
    out->non_commercial = code->nc, out->no_derivatives = code->nd;
    /* BY-NC-ND 1.0 was published as by-nd-nc */
    const char *path_code = strcmp(code->code, "by-nc-nd") == 0 && strcmp(version, "1.0") == 0
                                ? "by-nd-nc"
                                : code->code;
    if (jurisdiction[0])
        snprintf(out->url, sizeof out->url, "https://creativecommons.org/licenses/%s/%s/%s/",
                 path_code, version, jurisdiction);
    else
        snprintf(out->url, sizeof out->url, "https://creativecommons.org/licenses/%s/%s/",
                 path_code, version);
    cc_build_spdx(out);
}

static void fill_public_domain_tool(license_info *out, const char *family, const char *spdx,
                                    const char *version, const char *url)
{
    memset(out, 0, sizeof *out);
    cs_strlcpy(out->family, family, sizeof out->family);
    cs_strlcpy(out->spdx, spdx, sizeof out->spdx);
    cs_strlcpy(out->version, version, sizeof out->version);
    cs_strlcpy(out->url, url, sizeof out->url);
}

static void fill_cc0(license_info *out)
{
    fill_public_domain_tool(out, "CC0", "CC0-1.0", "1.0",
                            "https://creativecommons.org/publicdomain/zero/1.0/");
}

static void fill_pdm(license_info *out)
{
    fill_public_domain_tool(out, "CC-PDM", "CC-PDM-1.0", "1.0",
                            "https://creativecommons.org/publicdomain/mark/1.0/");
}

/* The retired Public Domain Dedication and Certification (licenses/publicdomain). */
static void fill_pddc(license_info *out)
{
    fill_public_domain_tool(out, "CC-PD", "CC-PDDC", "",
                            "https://creativecommons.org/licenses/publicdomain/");
}

void license_from_rsl(int attribution, license_info *out)
{
    memset(out, 0, sizeof *out);
    cs_strlcpy(out->family, "RSL", sizeof out->family);
    cs_strlcpy(out->spdx, attribution ? "LicenseRef-RSL-attribution" : "LicenseRef-RSL-free",
               sizeof out->spdx);
    out->attribution = attribution != 0;
}

/* Path segments of a URL path, lower-cased, empty segments skipped. */
#define URL_SEGMENTS_MAX 8
#define URL_SEGMENT_MAX  32

typedef struct url_segments {
    char seg[URL_SEGMENTS_MAX][URL_SEGMENT_MAX];
    size_t count;
} url_segments;

static int split_path(const char *p, size_t n, url_segments *out)
{
    out->count = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == '/')
            i++;
        size_t start = i;
        while (i < n && p[i] != '/')
            i++;
        if (i == start) break;
        if (out->count == URL_SEGMENTS_MAX) return -1;
        if (i - start >= URL_SEGMENT_MAX) return -1;
        for (size_t k = 0; k < i - start; k++)
            out->seg[out->count][k] = (char)tolower((unsigned char)p[start + k]);
        out->seg[out->count][i - start] = '\0';
        out->count++;
    }
    return 0;
}

static int is_version(const char *s)
{
    return isdigit((unsigned char)s[0]) && s[1] == '.' && isdigit((unsigned char)s[2]) && !s[3];
}

/* A trailing document segment: deed, deed.xx, legalcode, legalcode.xx, rdf, index.html. */
static int is_document_segment(const char *s)
{
    return strncmp(s, "deed", 4) == 0 || strncmp(s, "legalcode", 9) == 0 || strcmp(s, "rdf") == 0 ||
           strncmp(s, "index.", 6) == 0;
}

/* A CC jurisdiction port code: "uk", "de", "scotland", "igo", "es-ca"... */
static int is_jurisdiction(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n >= LICENSE_JURISDICTION_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && s[i] != '-') return 0;
    return 1;
}

static int cc_from_segments(const url_segments *s, license_info *out)
{
    if (s->count == 0) return CS_ENOTFOUND;
    size_t rest = 2; /* index of the first segment after CODE/VERSION */
    if (strcmp(s->seg[0], "publicdomain") == 0) {
        if (s->count >= 2 && strcmp(s->seg[1], "zero") == 0) {
            fill_cc0(out);
            return CS_OK;
        }
        if (s->count >= 2 && strcmp(s->seg[1], "mark") == 0) {
            fill_pdm(out);
            return CS_OK;
        }
        return CS_ENOTFOUND;
    }
    if (strcmp(s->seg[0], "licenses") != 0 || s->count < 2) return CS_ENOTFOUND;
    const char *code = s->seg[1];
    if (strcmp(code, "publicdomain") == 0) {
        fill_pddc(out);
        return CS_OK;
    }
    if (strcmp(code, "mark") == 0) {
        fill_pdm(out);
        return CS_OK;
    }
    if (strcmp(code, "gpl") == 0 || strcmp(code, "lgpl") == 0) {
        /* The CC GPL and LGPL wrappers (2.0 / 2.1) are those licences; their deeds
         * carried the FSF's "or any later version" wording. */
        const char *version = s->count >= 3 ? s->seg[2] : "";
        char id[LICENSE_SPDX_MAX];
        snprintf(id, sizeof id, "%s-%s-or-later", code[0] == 'g' ? "GPL" : "LGPL",
                 is_version(version) ? version : (code[0] == 'g' ? "2.0" : "2.1"));
        return license_from_spdx(id, out);
    }
    const cc_code *cc = NULL;
    for (size_t i = 0; i < CS_ARRAY_LEN(cc_codes); i++)
        if (strcmp(cc_codes[i].code, code) == 0) cc = &cc_codes[i];
    if (!cc) return CS_ENOTFOUND;
    const char *version = "";
    if (s->count >= 3 && is_version(s->seg[2])) {
        version = s->seg[2];
        rest = 3;
    } else if (s->count >= 3 && !is_document_segment(s->seg[2])) {
        return CS_ENOTFOUND;
    }
    const char *jurisdiction = "";
    if (version[0] && s->count > rest && !is_document_segment(s->seg[rest])) {
        if (!is_jurisdiction(s->seg[rest])) return CS_ENOTFOUND;
        jurisdiction = s->seg[rest];
    }
    if (!version[0]) {
        /* A family page without a version (creativecommons.org/licenses/by/). */
        memset(out, 0, sizeof *out);
        cs_strlcpy(out->family, cc->family, sizeof out->family);
        out->attribution = cc->by, out->share_alike = cc->sa;
        out->non_commercial = cc->nc, out->no_derivatives = cc->nd;
        snprintf(out->url, sizeof out->url, "https://creativecommons.org/licenses/%s/", cc->code);
        cc_build_spdx(out);
        return CS_OK;
    }
    cc_fill(out, cc, version, jurisdiction);
    return CS_OK;
}

/*
 * The host (port, trailing dot and "www." dropped) and path (query and
 * fragment dropped) of a licence URL as people write it: in quotes or angle
 * brackets, with or without a scheme or "//" ("creativecommons.org/licenses/
 * by/4.0/"). The splitting is common/url.h's; a text without an authority is
 * read as one by putting "//" before it in buf (which holds len + 3 bytes).
 */
static void split_url(const char *url, size_t len, char *buf, const char **host, size_t *host_len,
                      const char **path, size_t *path_len)
{
    while (len > 0 && isspace((unsigned char)*url))
        url++, len--;
    while (len > 0 && (isspace((unsigned char)url[len - 1]) || url[len - 1] == '"' ||
                       url[len - 1] == '\'' || url[len - 1] == '>' || url[len - 1] == ')'))
        len--;
    if (len > 0 && (*url == '<' || *url == '"' || *url == '(')) url++, len--;
    cs_url_ref ref;
    cs_url_parse(url, len, &ref);
    if (!ref.has_authority || ref.host_len == 0) { /* no "//", or "http:///host/..." */
        const char *rest = ref.has_authority ? ref.path : url;
        size_t n = (size_t)(url + len - rest);
        while (n > 0 && *rest == '/')
            rest++, n--;
        memcpy(buf, "//", 2);
        memcpy(buf + 2, rest, n);
        cs_url_parse(buf, n + 2, &ref);
    }
    *host = ref.host, *host_len = ref.host_len;
    if (*host_len > 0 && (*host)[*host_len - 1] == '.') (*host_len)--;
    if (*host_len >= 4 && cs_ascii_ieq(*host, 4, "www.")) *host += 4, *host_len -= 4;
    *path = ref.path, *path_len = ref.path_len;
}

int license_normalize_url(const char *url, size_t len, license_info *out)
{
    memset(out, 0, sizeof *out);
    if (!url || len == 0 || len > LICENSE_URL_MAX * 4) return CS_ENOTFOUND;
    const char *host, *path;
    size_t host_len, path_len;
    char buf[LICENSE_URL_MAX * 4 + 3];
    split_url(url, len, buf, &host, &host_len, &path, &path_len);
    url_segments segs;
    if (split_path(path, path_len, &segs) != 0) return CS_ENOTFOUND;
    if (cs_ascii_ieq(host, host_len, "creativecommons.org")) {
        int rc = cc_from_segments(&segs, out);
        if (rc != CS_OK) memset(out, 0, sizeof *out);
        return rc;
    }
    if (cs_ascii_ieq(host, host_len, "web.resource.org")) {
        /* The legacy CC namespace: web.resource.org/cc/PublicDomain. */
        if (segs.count == 2 && strcmp(segs.seg[0], "cc") == 0 &&
            strcmp(segs.seg[1], "publicdomain") == 0) {
            fill_pddc(out);
            return CS_OK;
        }
        return CS_ENOTFOUND;
    }
    return license_table_match_url(host, host_len, path, path_len, out);
}

/* ------------------------------------------------------------------------- */
/* Free text                                                                   */

/* Upper-cased words of text (letters, digits, '.', '+'), at most TEXT_WORDS_MAX. */
#define TEXT_WORDS_MAX 128
#define TEXT_WORD_MAX  32

typedef struct text_words {
    char word[TEXT_WORDS_MAX][TEXT_WORD_MAX];
    size_t count;
} text_words;

static void split_words(const char *text, size_t len, text_words *out)
{
    out->count = 0;
    size_t i = 0;
    while (i < len && out->count < TEXT_WORDS_MAX) {
        while (i < len && !isalnum((unsigned char)text[i]))
            i++;
        size_t start = i, n = 0;
        while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '.' || text[i] == '+')) {
            if (n + 1 < TEXT_WORD_MAX) out->word[out->count][n++] = (char)toupper(text[i]);
            i++;
        }
        if (i == start) break;
        while (n > 0 && out->word[out->count][n - 1] == '.')
            n--; /* "4.0." at a sentence end */
        out->word[out->count][n] = '\0';
        if (n > 0) out->count++;
    }
}

static int word_is(const text_words *w, size_t i, const char *s)
{
    return i < w->count && strcmp(w->word[i], s) == 0;
}

/* Condition words of CC names: short (BY, SA) and long (ATTRIBUTION, SHAREALIKE). */
static int cc_condition(const text_words *w, size_t *i, unsigned *by, unsigned *sa, unsigned *nc,
                        unsigned *nd)
{
    const char *x = w->word[*i];
    if (strcmp(x, "BY") == 0 || strcmp(x, "ATTRIBUTION") == 0) return *by = 1, (*i)++, 1;
    if (strcmp(x, "SA") == 0 || strcmp(x, "SHAREALIKE") == 0) return *sa = 1, (*i)++, 1;
    if (strcmp(x, "NC") == 0 || strcmp(x, "NONCOMMERCIAL") == 0) return *nc = 1, (*i)++, 1;
    if (strcmp(x, "ND") == 0 || strcmp(x, "NODERIVS") == 0 || strcmp(x, "NODERIVATIVES") == 0)
        return *nd = 1, (*i)++, 1;
    if (strcmp(x, "SHARE") == 0 && word_is(w, *i + 1, "ALIKE")) return *sa = 1, *i += 2, 1;
    if (strcmp(x, "NON") == 0 && word_is(w, *i + 1, "COMMERCIAL")) return *nc = 1, *i += 2, 1;
    if (strcmp(x, "NO") == 0 && (word_is(w, *i + 1, "DERIVATIVES") || word_is(w, *i + 1, "DERIVS")))
        return *nd = 1, *i += 2, 1;
    return 0;
}

static const char *const jurisdiction_words[][2] = {
    {"INTERNATIONAL", ""}, {"UNPORTED", ""},  {"GENERIC", ""},
    {"UK", "uk"},          {"ENGLAND", "uk"}, {"SCOTLAND", "scotland"},
    {"GERMANY", "de"},     {"DE", "de"},      {"FRANCE", "fr"},
    {"FR", "fr"},          {"JAPAN", "jp"},   {"JP", "jp"},
    {"AUSTRIA", "at"},     {"AT", "at"},      {"NETHERLANDS", "nl"},
    {"NL", "nl"},          {"IGO", "igo"},    {"US", "us"},
    {"AUSTRALIA", "au"},   {"AU", "au"},      {"SPAIN", "es"},
    {"ES", "es"},          {"ITALY", "it"},   {"IT", "it"},
};

/* "CC BY-SA 4.0", "Creative Commons Attribution-ShareAlike 2.0 UK", "CC0", "CC-PDM-1.0". */
static int cc_from_words(const text_words *w, license_info *out)
{
    for (size_t i = 0; i < w->count; i++) {
        if (strcmp(w->word[i], "CC0") == 0 ||
            ((word_is(w, i, "CC") || word_is(w, i, "COMMONS")) && word_is(w, i + 1, "ZERO"))) {
            fill_cc0(out);
            return CS_OK;
        }
        if (word_is(w, i, "PUBLIC") && word_is(w, i + 1, "DOMAIN") && word_is(w, i + 2, "MARK")) {
            fill_pdm(out);
            return CS_OK;
        }
        if (word_is(w, i, "CC") && word_is(w, i + 1, "PDM")) {
            fill_pdm(out);
            return CS_OK;
        }
        int lead = word_is(w, i, "CC") ||
                   (word_is(w, i, "CREATIVE") && word_is(w, i + 1, "COMMONS") && (i++, 1));
        if (!lead) continue;
        size_t j = i + 1;
        unsigned by = 0, sa = 0, nc = 0, nd = 0;
        while (j < w->count && cc_condition(w, &j, &by, &sa, &nc, &nd))
            ;
        if (!by && !sa && !nc && !nd) continue;
        const cc_code *code = NULL;
        for (size_t k = 0; k < CS_ARRAY_LEN(cc_codes); k++)
            if (cc_codes[k].by == by && cc_codes[k].sa == sa && cc_codes[k].nc == nc &&
                cc_codes[k].nd == nd && strncmp(cc_codes[k].code, "sampling", 8) != 0 &&
                strcmp(cc_codes[k].code, "devnations") != 0) {
                code = &cc_codes[k];
                break;
            }
        if (!code) continue;
        char version[LICENSE_VERSION_MAX] = "";
        if (j < w->count && is_version(w->word[j]))
            cs_strlcpy(version, w->word[j++], sizeof version);
        const char *jurisdiction = "";
        if (version[0] && j < w->count)
            for (size_t k = 0; k < CS_ARRAY_LEN(jurisdiction_words); k++)
                if (strcmp(w->word[j], jurisdiction_words[k][0]) == 0)
                    jurisdiction = jurisdiction_words[k][1];
        if (version[0]) {
            cc_fill(out, code, version, jurisdiction);
        } else {
            memset(out, 0, sizeof *out);
            cs_strlcpy(out->family, code->family, sizeof out->family);
            out->attribution = code->by, out->share_alike = code->sa;
            out->non_commercial = code->nc, out->no_derivatives = code->nd;
            snprintf(out->url, sizeof out->url, "https://creativecommons.org/licenses/%s/",
                     code->code);
            cc_build_spdx(out);
        }
        return CS_OK;
    }
    return CS_ENOTFOUND;
}

/* Finds a URL-looking token ("http", "//creativecommons", "creativecommons.org/") in text. */
static int url_in_text(const char *text, size_t len, license_info *out)
{
    static const char *const starts[] = {
        "http://", "https://",         "//creativecommons.org", "creativecommons.org/",
        "www.",    "web.resource.org/"};
    for (size_t i = 0; i < len; i++) {
        for (size_t s = 0; s < CS_ARRAY_LEN(starts); s++) {
            size_t n = strlen(starts[s]);
            if (i + n > len || !cs_ascii_ieq(text + i, n, starts[s])) continue;
            if (i > 0 &&
                (isalnum((unsigned char)text[i - 1]) || text[i - 1] == '/' || text[i - 1] == '.'))
                continue;
            size_t end = i;
            while (end < len && !isspace((unsigned char)text[end]) && text[end] != '"' &&
                   text[end] != '\'' && text[end] != '<' && text[end] != '>' && text[end] != ',' &&
                   text[end] != ')' && text[end] != ';')
                end++;
            while (end > i && (text[end - 1] == '.' || text[end - 1] == ':'))
                end--; /* sentence punctuation after the URL */
            if (license_normalize_url(text + i, end - i, out) == CS_OK) return CS_OK;
            i = end;
            break;
        }
    }
    return CS_ENOTFOUND;
}

static int contains_ci(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (cs_ascii_ieq(text + i, n, needle)) return 1;
    return 0;
}

static license_claim claim_in_text(const char *text, size_t len, const text_words *w)
{
    if (contains_ci(text, len, "all rights reserved")) return LICENSE_CLAIM_ALL_RIGHTS_RESERVED;
    if (contains_ci(text, len, "\xc2\xa9") || contains_ci(text, len, "(c)") ||
        contains_ci(text, len, "copyright") || contains_ci(text, len, "&copy;"))
        return LICENSE_CLAIM_COPYRIGHT;
    for (size_t i = 0; i + 1 < w->count; i++)
        if (strcmp(w->word[i], "PUBLIC") == 0 && strcmp(w->word[i + 1], "DOMAIN") == 0)
            return LICENSE_CLAIM_PUBLIC_DOMAIN;
    return LICENSE_CLAIM_NONE;
}

int license_normalize_text(const char *text, size_t len, license_info *out, int *has_license,
                           license_claim *claim)
{
    memset(out, 0, sizeof *out);
    *has_license = 0;
    *claim = LICENSE_CLAIM_NONE;
    if (!text) return CS_ENOTFOUND;
    len = CS_MIN(len, (size_t)NORMALIZE_TEXT_MAX);
    text_words *w = malloc(sizeof *w);
    if (!w) return CS_ENOMEM;
    split_words(text, len, w);

    if (url_in_text(text, len, out) == CS_OK) {
        *has_license = 1;
    } else {
        /* The whole text as an SPDX id ("CC-BY-4.0", "MIT"). */
        size_t a = 0, b = len;
        while (a < b && isspace((unsigned char)text[a]))
            a++;
        while (b > a && isspace((unsigned char)text[b - 1]))
            b--;
        char id[LICENSE_SPDX_MAX];
        if (b - a > 0 && b - a < sizeof id) {
            memcpy(id, text + a, b - a);
            id[b - a] = '\0';
            if (license_from_spdx(id, out) == CS_OK) *has_license = 1;
        }
        if (!*has_license && cc_from_words(w, out) == CS_OK) *has_license = 1;
        if (!*has_license && license_table_match_words(w->word, w->count, out) == CS_OK)
            *has_license = 1;
    }
    license_claim found = claim_in_text(text, len, w);
    /* "Public Domain Mark" and "CC0 public domain dedication" name a tool, not a claim. */
    if (found == LICENSE_CLAIM_PUBLIC_DOMAIN && *has_license) found = LICENSE_CLAIM_NONE;
    *claim = found;
    free(w);
    return (*has_license || *claim != LICENSE_CLAIM_NONE) ? CS_OK : CS_ENOTFOUND;
}

int license_from_spdx(const char *spdx, license_info *out)
{
    memset(out, 0, sizeof *out);
    if (!spdx || !spdx[0] || strlen(spdx) >= LICENSE_SPDX_MAX) return CS_ENOTFOUND;
    char up[LICENSE_SPDX_MAX];
    upper_copy(up, sizeof up, spdx);
    if (strcmp(up, "CC0-1.0") == 0 || strcmp(up, "CC0") == 0) return fill_cc0(out), CS_OK;
    if (strcmp(up, "CC-PDM-1.0") == 0 || strcmp(up, "CC-PDM") == 0) return fill_pdm(out), CS_OK;
    if (strcmp(up, "CC-PDDC") == 0) return fill_pddc(out), CS_OK;
    if (strcmp(up, "LICENSEREF-RSL-FREE") == 0) return license_from_rsl(0, out), CS_OK;
    if (strcmp(up, "LICENSEREF-RSL-ATTRIBUTION") == 0) return license_from_rsl(1, out), CS_OK;
    const char *rest = up;
    if (strncmp(rest, "LICENSEREF-", 11) == 0) rest += 11;
    if (strncmp(rest, "CC-", 3) == 0) {
        /* CC-<CONDITIONS>-<VERSION>[-<JURISDICTION>] */
        for (size_t k = 0; k < CS_ARRAY_LEN(cc_codes); k++) {
            const cc_code *code = &cc_codes[k];
            size_t fl = strlen(code->family);
            if (strncmp(rest, code->family, fl) != 0) continue;
            const char *tail = rest + fl;
            if (*tail == '\0') {
                memset(out, 0, sizeof *out);
                cs_strlcpy(out->family, code->family, sizeof out->family);
                out->attribution = code->by, out->share_alike = code->sa;
                out->non_commercial = code->nc, out->no_derivatives = code->nd;
                snprintf(out->url, sizeof out->url, "https://creativecommons.org/licenses/%s/",
                         code->code);
                cc_build_spdx(out);
                return CS_OK;
            }
            if (tail[0] != '-' || !isdigit((unsigned char)tail[1])) continue;
            char version[4] = {tail[1], tail[2], tail[3], '\0'};
            if (!is_version(version)) continue;
            char jurisdiction[LICENSE_JURISDICTION_MAX] = "";
            if (tail[4] == '-') {
                size_t j = 0;
                for (const char *p = tail + 5; *p && j + 1 < sizeof jurisdiction; p++)
                    jurisdiction[j++] = (char)tolower((unsigned char)*p);
                jurisdiction[j] = '\0';
                if (!is_jurisdiction(jurisdiction)) continue;
            } else if (tail[4] != '\0') {
                continue;
            }
            cc_fill(out, code, version, jurisdiction);
            return CS_OK;
        }
    }
    return license_table_match_spdx(spdx, out);
}

const char *license_claim_name(license_claim claim)
{
    switch (claim) {
    case LICENSE_CLAIM_COPYRIGHT:
        return "copyright";
    case LICENSE_CLAIM_ALL_RIGHTS_RESERVED:
        return "all-rights-reserved";
    case LICENSE_CLAIM_PUBLIC_DOMAIN:
        return "public-domain";
    default:
        return NULL;
    }
}
