/*
 * c2pa.c - the C2PA / CAWG training-and-data-mining assertion, read from the
 * JUMBF boxes of a C2PA manifest store (JPEG APP11, PNG caBX, WebP C2PA).
 *
 * JUMBF (ISO/IEC 19566-5): a box is LBox (32-bit size, 1 = a 64-bit XLBox
 * follows, 0 = to the end), TBox (four letters), payload. A 'jumb' superbox
 * holds a 'jumd' description box (16-byte type UUID, a toggles byte, and when
 * toggles bit 1 is set a NUL-terminated label) followed by content boxes. An
 * assertion whose label is c2pa.training-mining or cawg.training-mining (an
 * instance suffix "__N" allowed) holds its payload in a 'cbor' or 'json'
 * box: {"entries": {"c2pa.ai_training": {"use": "notAllowed"}, ...}} (early
 * writers put the entries at the top level; both are read).
 *
 * In JPEG the store is split over APP11 segments: "JP", a 16-bit box
 * instance, a 32-bit packet sequence number, then the box; every packet after
 * the first repeats the box's LBox/TBox header, which is dropped when the
 * packets are joined (JPEG XT, ISO/IEC 18477-3).
 *
 * Only the assertion's words are read; the manifest's signature is not
 * verified (a forged "notAllowed" still only makes clearset more careful).
 */
#include "license/license_internal.h"

#include <string.h>

#define C2PA_MAX_DEPTH 16   /* JUMBF and CBOR nesting read */
#define C2PA_MAX_ITEMS 4096 /* CBOR array/map items read per container */
#define C2PA_LABEL_MAX 256  /* JUMBF labels kept (C2PA labels are short) */
#define C2PA_MAX_TEXT  (64 * 1024)

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- a small CBOR reader (RFC 8949) into jansson values ---------------------- */

typedef struct cbor_in {
    const unsigned char *p;
    size_t len, pos;
    int failed;
} cbor_in;

static int cbor_head(cbor_in *in, int *major, uint64_t *arg, int *indefinite)
{
    if (in->pos >= in->len) return -1;
    unsigned char b = in->p[in->pos++];
    *major = b >> 5;
    int info = b & 31;
    *indefinite = 0;
    if (info < 24) {
        *arg = (uint64_t)info;
    } else if (info <= 27) {
        int n = 1 << (info - 24);
        if (in->len - in->pos < (size_t)n) return -1;
        *arg = be(in->p + in->pos, n);
        in->pos += (size_t)n;
    } else if (info == 31 && *major >= 2 && *major <= 5) {
        *indefinite = 1;
        *arg = 0;
    } else if (info == 31 && *major == 7) {
        *arg = 31; /* a "break" */
    } else {
        return -1;
    }
    return 0;
}

static json_t *cbor_value(cbor_in *in, int depth);

static json_t *cbor_string(cbor_in *in, int major, uint64_t len, int indefinite, int depth)
{
    if (indefinite) { /* chunks of the same major type, then a break */
        cs_buf buf;
        cs_buf_init(&buf, C2PA_MAX_TEXT);
        for (;;) {
            if (in->pos < in->len && in->p[in->pos] == 0xFF) {
                in->pos++;
                break;
            }
            int m, ind;
            uint64_t n;
            if (cbor_head(in, &m, &n, &ind) != 0 || m != major || ind || n > in->len - in->pos ||
                cs_buf_append(&buf, in->p + in->pos, (size_t)n) != CS_OK) {
                cs_buf_free(&buf);
                return NULL;
            }
            in->pos += (size_t)n;
        }
        json_t *v = json_null();
        if (major == 3) {
            char *text = cs_utf8_dup((const char *)buf.data, buf.len);
            json_decref(v);
            v = text ? json_string(text) : NULL;
            free(text);
        }
        cs_buf_free(&buf);
        return v;
    }
    (void)depth;
    if (len > in->len - in->pos || len > C2PA_MAX_TEXT) return NULL;
    const char *s = (const char *)in->p + in->pos;
    in->pos += (size_t)len;
    if (major == 2) return json_null(); /* byte strings carry nothing we read */
    char *text = cs_utf8_dup(s, (size_t)len);
    json_t *v = text ? json_string(text) : NULL;
    free(text);
    return v;
}

static json_t *cbor_value(cbor_in *in, int depth)
{
    int major, indefinite;
    uint64_t arg;
    if (depth > C2PA_MAX_DEPTH || cbor_head(in, &major, &arg, &indefinite) != 0) return NULL;
    switch (major) {
    case 0:
        return json_integer(arg > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)arg);
    case 1:
        return json_integer(arg > (uint64_t)INT64_MAX ? INT64_MIN : -1 - (json_int_t)arg);
    case 2:
    case 3:
        return cbor_string(in, major, arg, indefinite, depth);
    case 4:
    case 5: {
        json_t *c = major == 4 ? json_array() : json_object();
        for (uint64_t i = 0; c && (indefinite || i < arg); i++) {
            if (indefinite && in->pos < in->len && in->p[in->pos] == 0xFF) {
                in->pos++;
                break;
            }
            if (i >= C2PA_MAX_ITEMS) {
                json_decref(c);
                return NULL;
            }
            json_t *key = major == 5 ? cbor_value(in, depth + 1) : NULL;
            if (major == 5 && !key) {
                json_decref(c);
                return NULL;
            }
            json_t *v = cbor_value(in, depth + 1);
            if (!v) {
                json_decref(key);
                json_decref(c);
                return NULL;
            }
            if (major == 4) {
                json_array_append_new(c, v);
            } else {
                if (json_is_string(key))
                    json_object_set_new(c, json_string_value(key), v);
                else
                    json_decref(v); /* non-text keys are not ours */
                json_decref(key);
            }
        }
        return c;
    }
    case 6: /* a tag: the tagged value is what counts */
        return cbor_value(in, depth + 1);
    default: /* simple values and floats */
        if (arg == 20) return json_false();
        if (arg == 21) return json_true();
        return json_null();
    }
}

/* ---- JUMBF ----------------------------------------------------------------- */

typedef struct c2pa_ctx {
    json_t *entries; /* the result: entry label -> use */
    int status;
} c2pa_ctx;

static int is_training_label(const char *label)
{
    static const char *const labels[] = {"c2pa.training-mining", "cawg.training-mining"};
    for (size_t i = 0; i < CS_ARRAY_LEN(labels); i++) {
        size_t n = strlen(labels[i]);
        if (strncmp(label, labels[i], n) == 0 &&
            (label[n] == '\0' || strncmp(label + n, "__", 2) == 0))
            return 1;
    }
    return 0;
}

static void take_entries(c2pa_ctx *ctx, json_t *payload)
{
    json_t *entries = json_object_get(payload, "entries");
    if (!json_is_object(entries)) entries = payload;
    const char *key;
    json_t *entry;
    json_object_foreach(entries, key, entry)
    {
        const char *use = json_string_value(json_object_get(entry, "use"));
        if (use && !json_object_get(ctx->entries, key))
            json_object_set_new(ctx->entries, key, json_string(use));
    }
}

/* Walks the boxes in [p, p+len); label is the enclosing superbox's label. */
static void walk_boxes(c2pa_ctx *ctx, const unsigned char *p, size_t len, const char *label,
                       int depth)
{
    if (depth > C2PA_MAX_DEPTH) return;
    size_t pos = 0;
    char own_label[C2PA_LABEL_MAX] = "";
    while (pos + 8 <= len) {
        uint64_t size = be(p + pos, 4);
        const unsigned char *type = p + pos + 4;
        size_t header = 8;
        if (size == 1) {
            if (pos + 16 > len) return;
            size = be(p + pos + 8, 8);
            header = 16;
        } else if (size == 0) {
            size = len - pos;
        }
        if (size < header || size > len - pos) return;
        const unsigned char *body = p + pos + header;
        size_t body_len = (size_t)size - header;
        if (memcmp(type, "jumb", 4) == 0) {
            walk_boxes(ctx, body, body_len, NULL, depth + 1);
        } else if (memcmp(type, "jumd", 4) == 0 && body_len >= 17) {
            unsigned toggles = body[16];
            if (toggles & 2) {
                size_t n = 0;
                while (17 + n < body_len && body[17 + n] && n + 1 < sizeof own_label)
                    n++;
                memcpy(own_label, body + 17, n);
                own_label[n] = '\0';
                label = own_label;
            }
        } else if (label && is_training_label(label) &&
                   (memcmp(type, "cbor", 4) == 0 || memcmp(type, "json", 4) == 0)) {
            json_t *payload;
            if (type[0] == 'c') {
                cbor_in in = {.p = body, .len = body_len};
                payload = cbor_value(&in, 0);
            } else {
                payload = json_loadb((const char *)body, body_len, 0, NULL);
            }
            if (json_is_object(payload)) take_entries(ctx, payload);
            json_decref(payload);
        }
        pos += (size_t)size;
    }
}

int license_parse_c2pa(const unsigned char *bytes, size_t len, json_t **entries, cs_error *err)
{
    c2pa_ctx ctx = {.entries = json_object()};
    if (!ctx.entries) return cs_error_set(err, CS_ENOMEM, "c2pa: out of memory");
    walk_boxes(&ctx, bytes, len, NULL, 0);
    if (json_object_size(ctx.entries) == 0) {
        json_decref(ctx.entries);
        ctx.entries = NULL;
    }
    if (*entries && ctx.entries) {
        json_object_update_missing(*entries, ctx.entries);
        json_decref(ctx.entries);
    } else if (ctx.entries) {
        *entries = ctx.entries;
    }
    return CS_OK;
}

/* JPEG APP11 packets of one box instance, joined in sequence order. */
int license_c2pa_add_app11(cs_buf *store, int *instance, uint32_t *next_seq, const unsigned char *p,
                           size_t n)
{
    if (n < 8 + 8 || p[0] != 'J' || p[1] != 'P') return CS_OK;
    int en = (int)be(p + 2, 2);
    uint32_t seq = (uint32_t)be(p + 4, 4);
    const unsigned char *box = p + 8;
    size_t box_len = n - 8;
    if (*instance < 0) {
        if (memcmp(box + 4, "jumb", 4) != 0) return CS_OK;
        *instance = en;
        *next_seq = seq + 1;
        return cs_buf_append(store, box, box_len);
    }
    if (en != *instance || seq != *next_seq) return CS_OK; /* another box, or out of order */
    size_t header = be(box, 4) == 1 ? 16 : 8;
    if (box_len < header) return CS_OK;
    (*next_seq)++;
    return cs_buf_append(store, box + header, box_len - header);
}
