/*
 * embedded.c - hands the metadata blocks inside JPEG, PNG and WebP bytes to
 * the XMP, IPTC, EXIF and C2PA parsers, then summarises what they found into
 * one licence, claim, data-mining value and attribution. The blocks are found
 * by common/imagemeta.h, the reader dedup/ uses too; this file decides what
 * each one means for rights.
 *
 * JPEG: segments up to the first SOS. APP1 "Exif\0\0" is EXIF; APP1
 * "http://ns.adobe.com/xap/1.0/\0" the main XMP packet; APP1
 * "http://ns.adobe.com/xmp/extension/\0" a chunk of extended XMP (32-char
 * GUID, full length, offset, data; XMP part 3, 1.1.3.1), reassembled per GUID
 * and read only for the GUID the main packet names in xmpNote:HasExtendedXMP
 * and only when every byte arrived; APP13 "Photoshop 3.0\0" (possibly split
 * across segments) holds IPTC-IIM.
 * PNG: iTXt "XML:com.adobe.xmp" (compressed or not); ImageMagick's
 * "Raw profile type xmp|exif|APP1|iptc|8bim" tEXt/zTXt/iTXt (hex dump after a
 * header line); eXIf. WebP: RIFF chunks "XMP " and "EXIF".
 * ICC profiles (APP2, iCCP, ICCP) are never read: a profile's copyright is
 * the profile maker's, not the image's.
 */
#include "common/imagemeta.h"
#include "license/license_internal.h"
#include "robots/robots.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define EMBEDDED_MAX_INFLATE                                                                       \
    (8u * 1024 * 1024) /* one decompressed text chunk; bounds zip bombs                            \
                        */
#define EMBEDDED_MAX_EXTENDED_XMP (8u * 1024 * 1024)  /* reassembled extended XMP */
#define EMBEDDED_MAX_EXT_GUIDS    4                   /* distinct extended-XMP GUIDs tracked */
#define EMBEDDED_MAX_JUMBF        (16u * 1024 * 1024) /* a C2PA store joined from APP11 */

/* ImageMagick's "Raw profile type APP1" may hold an XMP packet with its APP1 signature. */
static const char jpeg_xmp_sig[] = "http://ns.adobe.com/xap/1.0/";

typedef struct extended_xmp {
    char guid[33];
    uint32_t total;
    unsigned char *data;
    unsigned char *filled; /* one flag per byte: simple, and total is bounded */
    uint32_t have;
} extended_xmp;

typedef struct embedded_ctx {
    license_embedded *out;
    cs_error *err;
    int status;
} embedded_ctx;

static void keep(embedded_ctx *ctx, int rc)
{
    /* malformed or oversized metadata is skipped (the image is still an image); only
     * running out of memory fails the file */
    if (rc == CS_ENOMEM && ctx->status == CS_OK) ctx->status = rc;
}

static void parse_xmp(embedded_ctx *ctx, const unsigned char *p, size_t n)
{
    keep(ctx, license_parse_xmp(p, n, ctx->out->fields, &ctx->out->evidence, ctx->err));
}

/* A TIFF structure, with or without the "Exif\0\0" prefix (cs_tiff_open skips it). */
static void parse_exif(embedded_ctx *ctx, const unsigned char *p, size_t n)
{
    keep(ctx, license_parse_exif(p, n, ctx->out->fields, &ctx->out->evidence, ctx->err));
}

/* The GUID in xmpNote:HasExtendedXMP of a main packet (attribute or element form). */
static int find_extended_guid(const unsigned char *p, size_t n, char guid[33])
{
    static const char key[] = "HasExtendedXMP";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i + k < n; i++) {
        if (memcmp(p + i, key, k) != 0) continue;
        size_t j = i + k;
        while (j < n &&
               (p[j] == '=' || p[j] == '"' || p[j] == '\'' || p[j] == '>' || isspace(p[j])))
            j++;
        if (j + 32 > n) return 0;
        for (size_t g = 0; g < 32; g++) {
            if (cs_hex_digit(p[j + g]) < 0) return 0;
            guid[g] = (char)toupper(p[j + g]);
        }
        guid[32] = '\0';
        return 1;
    }
    return 0;
}

static void extended_chunk(embedded_ctx *ctx, extended_xmp *ext, size_t *ext_count,
                           const cs_meta_block *block)
{
    cs_xmp_extended part;
    if (cs_meta_xmp_extended(block, &part) != CS_OK) return;
    char guid[33];
    for (int g = 0; g < 32; g++)
        guid[g] = (char)toupper((unsigned char)part.guid[g]);
    guid[32] = '\0';
    uint32_t total = part.total, offset = part.offset;
    const unsigned char *data = part.data;
    size_t len = part.len;
    if (total == 0 || total > EMBEDDED_MAX_EXTENDED_XMP || offset > total || len > total - offset)
        return;
    extended_xmp *e = NULL;
    for (size_t i = 0; i < *ext_count; i++)
        if (strcmp(ext[i].guid, guid) == 0) e = &ext[i];
    if (!e) {
        if (*ext_count == EMBEDDED_MAX_EXT_GUIDS) return;
        e = &ext[(*ext_count)++];
        memset(e, 0, sizeof *e);
        memcpy(e->guid, guid, sizeof guid);
        e->total = total;
        e->data = malloc(total);
        e->filled = calloc(total, 1);
        if (!e->data || !e->filled) {
            keep(ctx, CS_ENOMEM);
            return;
        }
    }
    if (e->total != total || !e->data) return;
    memcpy(e->data + offset, data, len);
    for (size_t i = 0; i < len; i++)
        if (!e->filled[offset + i]) e->filled[offset + i] = 1, e->have++;
}

/* zlib-inflates into a new buffer, at most EMBEDDED_MAX_INFLATE bytes. */
static unsigned char *inflate_bytes(const unsigned char *p, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return NULL;
    cs_buf out;
    cs_buf_init(&out, EMBEDDED_MAX_INFLATE);
    unsigned char chunk[16384];
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)CS_MIN(n, (size_t)UINT32_MAX);
    int rc;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) break;
        if (cs_buf_append(&out, chunk, sizeof chunk - z.avail_out) != CS_OK) {
            rc = Z_MEM_ERROR;
            break;
        }
    } while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        cs_buf_free(&out);
        return NULL;
    }
    return cs_buf_take(&out, out_len);
}

/* ImageMagick raw profile: "\nNAME\n   LENGTH\nHEX..." */
static unsigned char *raw_profile_decode(const unsigned char *p, size_t n, size_t *out_len)
{
    size_t i = 0;
    while (i < n && isspace(p[i]))
        i++;
    while (i < n && p[i] != '\n')
        i++; /* the profile name line ("xmp", "IPTC profile") */
    while (i < n && isspace(p[i]))
        i++;
    size_t declared = 0;
    while (i < n && isdigit(p[i]) && declared < EMBEDDED_MAX_INFLATE)
        declared = declared * 10 + (p[i++] - '0');
    if (declared == 0 || declared > EMBEDDED_MAX_INFLATE || declared > n / 2) return NULL;
    unsigned char *out = malloc(declared);
    if (!out) return NULL;
    size_t o = 0;
    int hi = -1;
    for (; i < n && o < declared; i++) {
        int v = cs_hex_digit(p[i]);
        if (v < 0) continue; /* line breaks between the hex digits */
        if (hi < 0)
            hi = v;
        else
            out[o++] = (unsigned char)(hi << 4 | v), hi = -1;
    }
    *out_len = o;
    return out;
}

static void png_text(embedded_ctx *ctx, const char *keyword, const unsigned char *text, size_t n)
{
    static const char raw[] = "Raw profile type ";
    if (strcmp(keyword, "XML:com.adobe.xmp") == 0) {
        parse_xmp(ctx, text, n);
        return;
    }
    if (strncmp(keyword, raw, sizeof raw - 1) != 0) return;
    const char *kind = keyword + sizeof raw - 1;
    size_t dn = 0;
    unsigned char *d = raw_profile_decode(text, n, &dn);
    if (!d) return;
    if (strcmp(kind, "xmp") == 0) {
        parse_xmp(ctx, d, dn);
    } else if (strcmp(kind, "exif") == 0 || strcmp(kind, "APP1") == 0) {
        if (dn >= sizeof jpeg_xmp_sig && memcmp(d, jpeg_xmp_sig, sizeof jpeg_xmp_sig) == 0)
            parse_xmp(ctx, d + sizeof jpeg_xmp_sig, dn - sizeof jpeg_xmp_sig);
        else
            parse_exif(ctx, d, dn);
    } else if (strcmp(kind, "iptc") == 0 || strcmp(kind, "8bim") == 0) {
        if (dn > 0 && d[0] == 0x1C)
            keep(ctx, license_parse_iim(d, dn, ctx->out->fields, &ctx->out->evidence, ctx->err));
        else
            keep(ctx, license_parse_app13(d, dn, ctx->out->fields, &ctx->out->evidence, ctx->err));
    }
    free(d);
}

static void png_text_chunk(embedded_ctx *ctx, const cs_meta_block *block)
{
    cs_png_text t;
    if (cs_meta_png_text(block, &t) != CS_OK) return;
    if (t.compressed) {
        size_t dn = 0;
        unsigned char *d = inflate_bytes(t.text, t.len, &dn);
        if (d) png_text(ctx, t.keyword, d, dn);
        free(d);
    } else {
        png_text(ctx, t.keyword, t.text, t.len);
    }
}

/* Every block of the file, in order; APP13, APP11 and extended XMP are joined first. */
static void read_blocks(embedded_ctx *ctx, cs_meta_reader *reader)
{
    cs_buf app13, jumbf;
    cs_buf_init(&app13, EMBEDDED_MAX_INFLATE);
    cs_buf_init(&jumbf, EMBEDDED_MAX_JUMBF);
    int jumbf_instance = -1;
    uint32_t jumbf_seq = 0;
    extended_xmp ext[EMBEDDED_MAX_EXT_GUIDS];
    size_t ext_count = 0;
    char main_guid[33] = "";
    cs_meta_block block;
    while (cs_meta_next(reader, &block)) {
        switch (block.kind) {
        case CS_META_EXIF:
            parse_exif(ctx, block.data, block.len);
            break;
        case CS_META_XMP:
            if (!main_guid[0]) find_extended_guid(block.data, block.len, main_guid);
            parse_xmp(ctx, block.data, block.len);
            break;
        case CS_META_XMP_EXTENDED:
            extended_chunk(ctx, ext, &ext_count, &block);
            break;
        case CS_META_PHOTOSHOP:
            keep(ctx, cs_buf_append(&app13, block.data, block.len));
            break;
        case CS_META_JUMBF:
            if (block.marker) /* JPEG: one store split over APP11 segments */
                keep(ctx, license_c2pa_add_app11(&jumbf, &jumbf_instance, &jumbf_seq, block.data,
                                                 block.len));
            else
                keep(ctx, license_parse_c2pa(block.data, block.len, &ctx->out->training_mining,
                                             ctx->err));
            break;
        case CS_META_PNG_TEXT:
            png_text_chunk(ctx, &block);
            break;
        default:
            break;
        }
    }
    if (app13.len)
        keep(ctx, license_parse_app13(app13.data, app13.len, ctx->out->fields, &ctx->out->evidence,
                                      ctx->err));
    cs_buf_free(&app13);
    if (jumbf.len)
        keep(ctx, license_parse_c2pa(jumbf.data, jumbf.len, &ctx->out->training_mining, ctx->err));
    cs_buf_free(&jumbf);
    for (size_t i = 0; i < ext_count; i++) {
        if (main_guid[0] && strcmp(ext[i].guid, main_guid) == 0 && ext[i].data &&
            ext[i].have == ext[i].total)
            parse_xmp(ctx, ext[i].data, ext[i].total);
        free(ext[i].data);
        free(ext[i].filled);
    }
}

/* Evidence priority for the summary licence: lower is preferred. */
static int field_rank(const license_evidence *ev)
{
    static const char *const order[] = {"XMP-cc:License",
                                        ":License",
                                        "XMP-xmpRights:WebStatement",
                                        "XMP-xmpRights:UsageTerms",
                                        "XMP-dc:Rights",
                                        "IPTC:CopyrightNotice",
                                        "IFD0:Copyright"};
    for (size_t i = 0; i < CS_ARRAY_LEN(order); i++)
        if (ev->field && strstr(ev->field, order[i])) return (int)i;
    return (int)CS_ARRAY_LEN(order);
}

static int claim_strength(license_claim c)
{
    switch (c) {
    case LICENSE_CLAIM_ALL_RIGHTS_RESERVED:
        return 3;
    case LICENSE_CLAIM_COPYRIGHT:
        return 2;
    case LICENSE_CLAIM_PUBLIC_DOMAIN:
        return 1;
    default:
        return 0;
    }
}

/* First text of field (a string, or the first string of an array or struct member). */
static const char *field_text(const json_t *fields, const char *name, const char *member)
{
    const json_t *v = json_object_get(fields, name);
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (member && json_is_object(v)) v = json_object_get(v, member);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int set_string(char **dst, const char *src)
{
    if (!src || *dst) return CS_OK;
    const char *p = src;
    while (*p && isspace((unsigned char)*p))
        p++;
    if (!*p) return CS_OK; /* a blank value supplies nothing */
    *dst = strdup(src);
    return *dst ? CS_OK : CS_ENOMEM;
}

static int summarise(license_embedded *out)
{
    const license_evidence *best = NULL;
    for (size_t i = 0; i < out->evidence.count; i++) {
        const license_evidence *ev = &out->evidence.items[i];
        if (ev->has_license && (!best || field_rank(ev) < field_rank(best))) best = ev;
        if (claim_strength(ev->claim) > claim_strength(out->claim)) out->claim = ev->claim;
    }
    if (best) out->has_license = 1, out->license = best->license;
    const json_t *f = out->fields;
    int rc = set_string(&out->data_mining, field_text(f, "XMP-plus:DataMining", NULL));
    if (rc == CS_OK)
        rc = set_string(&out->digital_source, field_text(f, "XMP-iptcExt:DigitalSourceType", NULL));
    /* TDMRep in XMP: ExifTool -n prints the reservation as a number */
    const json_t *reservation = json_object_get(f, "XMP-tdm:Reservation");
    if (json_is_array(reservation)) reservation = json_array_get(reservation, 0);
    char number[32];
    if (json_is_integer(reservation)) {
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(reservation));
        if (rc == CS_OK) rc = set_string(&out->tdm_reservation, number);
    } else if (rc == CS_OK) {
        rc = set_string(&out->tdm_reservation, field_text(f, "XMP-tdm:Reservation", NULL));
    }
    if (rc == CS_OK) rc = set_string(&out->tdm_policy, field_text(f, "XMP-tdm:Policy", NULL));
    if (out->digital_source) {
        const char *slash = strrchr(out->digital_source, '/');
        const char *term = slash ? slash + 1 : out->digital_source;
        out->ai_generated = strcmp(term, "trainedAlgorithmicMedia") == 0 ||
                            strcmp(term, "compositeWithTrainedAlgorithmicMedia") == 0;
    }
    static const char *const names[][2] = {
        {"XMP-cc:AttributionName", NULL}, {"XMP-tmp0:AttributionName", NULL},
        {"XMP-dc:Creator", NULL},         {"XMP-plus:Licensor", "LicensorName"},
        {"IPTC:By-line", NULL},           {"IFD0:Artist", NULL},
        {"XMP-photoshop:Credit", NULL},   {"IPTC:Credit", NULL},
    };
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(names); i++)
        rc = set_string(&out->attribution_name, field_text(f, names[i][0], names[i][1]));
    static const char *const urls[][2] = {{"XMP-cc:AttributionURL", NULL},
                                          {"XMP-tmp0:AttributionURL", NULL},
                                          {"XMP-plus:Licensor", "LicensorURL"}};
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(urls); i++)
        rc = set_string(&out->attribution_url, field_text(f, urls[i][0], urls[i][1]));
    const char *title = field_text(f, "XMP-dc:Title", NULL);
    if (!title) title = field_text(f, "IPTC:ObjectName", NULL);
    const char *creator = field_text(f, "XMP-dc:Creator", NULL);
    if (!creator) creator = field_text(f, "IPTC:By-line", NULL);
    if (!creator) creator = field_text(f, "IFD0:Artist", NULL);
    for (size_t i = 0; rc == CS_OK && i < out->evidence.count; i++) {
        license_evidence *ev = &out->evidence.items[i];
        rc = set_string(&ev->attribution_name, out->attribution_name);
        if (rc == CS_OK) rc = set_string(&ev->attribution_url, out->attribution_url);
        if (rc == CS_OK) rc = set_string(&ev->title, title);
        if (rc == CS_OK) rc = set_string(&ev->creator, creator);
    }
    return rc;
}

int license_read_embedded(const unsigned char *bytes, size_t len, license_embedded *out,
                          cs_error *err)
{
    memset(out, 0, sizeof *out);
    out->fields = json_object();
    if (!out->fields) return cs_error_set(err, CS_ENOMEM, "license: out of memory");
    if (len > LICENSE_MAX_FILE_BYTES)
        return cs_error_set(err, CS_ELIMIT, "license: %zu bytes exceed the %u-byte limit", len,
                            LICENSE_MAX_FILE_BYTES);
    embedded_ctx ctx = {.out = out, .err = err, .status = CS_OK};
    cs_meta_reader reader;
    if (cs_meta_open(&reader, bytes, len) != CS_OK) return CS_OK;
    static const char *const media_types[] = {[CS_IMAGE_JPEG] = "image/jpeg",
                                              [CS_IMAGE_PNG] = "image/png",
                                              [CS_IMAGE_WEBP] = "image/webp"};
    out->media_type = media_types[cs_image_sniff(bytes, len)];
    read_blocks(&ctx, &reader);
    if (ctx.status != CS_OK)
        return cs_error_set(err, ctx.status, "license: %s", cs_strerror(ctx.status));
    int rc = summarise(out);
    if (rc != CS_OK) return cs_error_set(err, rc, "license: out of memory");
    cs_error_clear(err); /* a skipped block may have left a message */
    return CS_OK;
}

void license_embedded_free(license_embedded *emb)
{
    if (!emb) return;
    json_decref(emb->fields);
    json_decref(emb->training_mining);
    license_evidence_list_free(&emb->evidence);
    free(emb->data_mining);
    free(emb->tdm_reservation);
    free(emb->tdm_policy);
    free(emb->digital_source);
    free(emb->attribution_name);
    free(emb->attribution_url);
    memset(emb, 0, sizeof *emb);
}

static json_t *string_or_null(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

json_t *license_info_json(const license_info *license)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "spdx", string_or_null(license->spdx), "url",
                     string_or_null(license->url), "family", string_or_null(license->family),
                     "version", string_or_null(license->version), "jurisdiction",
                     string_or_null(license->jurisdiction));
}

json_t *license_embedded_json(const license_embedded *emb, const char *file)
{
    json_t *obj = json_object();
    if (!obj) return NULL;
    char *name = cs_utf8_dup(file ? file : "", file ? strlen(file) : 0); /* any bytes */
    if (!name || json_object_set_new(obj, "file", json_string(name)) != 0) {
        free(name);
        json_decref(obj);
        return NULL;
    }
    free(name);
    if (emb->fields) json_object_update(obj, emb->fields);
    json_object_set_new(obj, "license",
                        emb->has_license ? license_info_json(&emb->license) : json_null());
    json_object_set_new(obj, "rights_claim", string_or_null(license_claim_name(emb->claim)));
    json_object_set_new(obj, "data_mining", string_or_null(emb->data_mining));
    json_object_set_new(obj, "tdm_reservation", string_or_null(emb->tdm_reservation));
    json_object_set_new(obj, "tdm_policy", string_or_null(emb->tdm_policy));
    json_object_set_new(obj, "ai_generated", json_boolean(emb->ai_generated));
    json_t *attribution = json_null();
    if (emb->attribution_name || emb->attribution_url)
        attribution = json_pack("{s:o, s:o}", "name", string_or_null(emb->attribution_name), "url",
                                string_or_null(emb->attribution_url));
    json_object_set_new(obj, "attribution", attribution);
    json_object_set_new(obj, "training_mining",
                        emb->training_mining ? json_deep_copy(emb->training_mining) : json_null());
    return obj;
}

int license_embedded_signals(const license_embedded *emb, struct robots_signal_list *list,
                             const char *where, cs_error *err)
{
    int rc = CS_OK;
    if (emb->data_mining)
        rc = robots_signals_from_data_mining(list, emb->data_mining, strlen(emb->data_mining),
                                             where, err);
    if (rc == CS_OK && (emb->tdm_reservation || emb->tdm_policy)) /* TDMRep's last layer */
        rc = robots_signals_from_tdm(list, ROBOTS_SOURCE_EMBEDDED, emb->tdm_reservation,
                                     emb->tdm_reservation ? strlen(emb->tdm_reservation) : 0,
                                     emb->tdm_policy, emb->tdm_policy ? strlen(emb->tdm_policy) : 0,
                                     where ? where : "XMP tdm:reservation", err);
    const char *key;
    json_t *use;
    json_object_foreach(emb->training_mining, key, use)
    {
        if (rc != CS_OK) break;
        const char *u = json_string_value(use);
        if (u)
            rc = robots_signals_from_training_mining(list, key, strlen(key), u, strlen(u), where,
                                                     err);
    }
    return rc;
}
