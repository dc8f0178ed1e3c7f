/*
 * page.c - per-image rights evidence from what a page says: rel="license"
 * links, JSON-LD and microdata schema.org ImageObjects, and licence/rights
 * <meta> elements. The crawler extracts these raw items from the HTML (this
 * module never parses HTML); JSON-LD block texts are parsed here with jansson.
 *
 * Scoping (issue 5): a rel=license link under an RDFa about= that names an
 * image applies to that image; inside a <figure> it applies to the figure's
 * images; otherwise it is page-wide and becomes a medium-confidence record
 * for every image the page shows. An ImageObject applies to the image its
 * contentUrl or url names (compared without the scheme, since pages mix
 * http and https); one naming no shown image still becomes evidence for its
 * own contentUrl. A relative contentUrl or url is resolved against the page
 * URL by common/url.h, the crawler's own resolver (dot segments removed, the
 * result normalised). Other JSON-LD objects with a "license" are page-wide. Meta
 * license / dcterms.license / DC.rights / copyright contents are weak
 * free-text evidence, page-wide and low confidence. The specific beats the
 * general: page-wide records are dropped for an image the page makes a
 * statement of its own about.
 *
 * The same walk also reads captions (license_page_read): an ImageObject's
 * schema.org "caption" for an image the page shows, so the export can name
 * the best description a page gives (figcaption, then this, then alt).
 */
#include "common/url.h"
#include "license/license_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE_JSONLD_MAX_BYTES (1024 * 1024) /* one JSON-LD block; real ones are a few KiB */
#define PAGE_JSONLD_MAX_DEPTH 32            /* nesting walked looking for ImageObjects */
#define PAGE_FIELD_MAX        96
#define PAGE_CAPTION_MAX      2000 /* bytes kept of one caption; a longer one is an essay */

typedef struct page_ctx {
    const license_page_input *in;
    license_evidence_list *out; /* evidence mode, or NULL */
    char **captions;            /* caption mode: parallel to in->image_urls, or NULL */
    int status;
} page_ctx;

static void keep(page_ctx *ctx, int rc)
{
    if (rc != CS_OK && ctx->status == CS_OK) ctx->status = rc;
}

/* URLs equal apart from the scheme ("http:" vs "https:") and the fragment. */
static int same_url(const char *a, const char *b)
{
    if (!a || !b) return 0;
    cs_url_ref ra, rb;
    cs_url_parse(a, strlen(a), &ra);
    cs_url_parse(b, strlen(b), &rb);
    int skip_scheme = ra.has_authority && rb.has_authority;
    const char *sa = skip_scheme ? ra.authority : a, *sb = skip_scheme ? rb.authority : b;
    const char *ea = ra.has_query ? ra.query + ra.query_len : ra.path + ra.path_len;
    const char *eb = rb.has_query ? rb.query + rb.query_len : rb.path + rb.path_len;
    return ea - sa == eb - sb && memcmp(sa, sb, (size_t)(ea - sa)) == 0;
}

/*
 * url resolved against the page URL (RFC 3986 5.2, dot segments removed) and
 * normalised into buf, for what JSON-LD and microdata write by hand: "/img/a.jpg",
 * "a.jpg", "../img/a.jpg", "//cdn/a.jpg". What does not resolve (another
 * scheme, a malformed or overlong URL) comes back unchanged.
 */
static const char *absolute_url(const char *page_url, const char *url, char buf[CS_URL_SIZE])
{
    if (!url || !page_url || !url[0]) return url;
    return cs_url_resolve(page_url, url, strlen(url), buf, NULL) == CS_OK ? buf : url;
}

static const char *shown_image(const license_page_input *in, const char *url)
{
    char buf[CS_URL_SIZE];
    url = absolute_url(in->page_url, url, buf);
    for (size_t i = 0; url && i < in->image_url_count; i++)
        if (same_url(in->image_urls[i], url)) return in->image_urls[i];
    return NULL;
}

/* Normalises raw as a licence (URL first, then text) into ev. */
static int normalise_into(license_evidence *ev, const char *raw, int claim_field)
{
    size_t len = strlen(raw);
    ev->has_license = license_normalize_url(raw, len, &ev->license) == CS_OK;
    if (!ev->has_license) {
        int rc = license_normalize_text(raw, len, &ev->license, &ev->has_license, &ev->claim);
        if (rc == CS_ENOMEM) return rc;
    }
    if (claim_field && !ev->has_license && ev->claim == LICENSE_CLAIM_NONE)
        ev->claim = LICENSE_CLAIM_COPYRIGHT;
    return CS_OK;
}

/* Adds ev for one image, or for every shown image when image is NULL (page-wide). */
static void add_for(page_ctx *ctx, license_evidence *ev, const char *image)
{
    ev->found_at = (char *)ctx->in->page_url;
    if (image) {
        ev->image_url = (char *)image;
        keep(ctx, license_evidence_list_add(ctx->out, ev));
        return;
    }
    for (size_t i = 0; i < ctx->in->image_url_count && ctx->status == CS_OK; i++) {
        ev->image_url = (char *)ctx->in->image_urls[i];
        keep(ctx, license_evidence_list_add(ctx->out, ev));
    }
}

static void rel_license(page_ctx *ctx, const license_page_link *link)
{
    if (!link->href || !link->href[0]) return;
    license_evidence ev = {.origin = LICENSE_ORIGIN_REL_LICENSE,
                           .field = "rel=license",
                           .raw_value = (char *)link->href,
                           .attribution_name = (char *)link->attribution_name,
                           .attribution_url = (char *)link->attribution_url,
                           .title = (char *)link->title,
                           .creator = (char *)link->creator};
    keep(ctx, normalise_into(&ev, link->href, 0));
    if (ctx->status != CS_OK) return;
    const license_page_input *in = ctx->in;
    int about_is_page = !link->about || !link->about[0] || same_url(link->about, in->page_url);
    if (!link->in_head && !about_is_page) {
        ev.scope = LICENSE_SCOPE_RDFA_ABOUT;
        ev.confidence = LICENSE_CONFIDENCE_HIGH;
        const char *shown = shown_image(in, link->about);
        add_for(ctx, &ev, shown ? shown : link->about);
        return;
    }
    if (!link->in_head && link->figure_image_count > 0) {
        ev.scope = LICENSE_SCOPE_FIGURE;
        ev.confidence = LICENSE_CONFIDENCE_HIGH;
        for (size_t i = 0; i < link->figure_image_count && ctx->status == CS_OK; i++)
            if (link->figure_images[i]) add_for(ctx, &ev, link->figure_images[i]);
        return;
    }
    ev.scope = LICENSE_SCOPE_PAGE;
    ev.confidence = LICENSE_CONFIDENCE_MEDIUM;
    add_for(ctx, &ev, NULL);
}

static void meta_rights(page_ctx *ctx, const license_page_meta *meta)
{
    static const char *const names[] = {"license", "dcterms.license", "dc.rights", "copyright",
                                        "dcterms.rights"};
    if (!meta->name || !meta->content || !meta->content[0]) return;
    int known = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(names); i++)
        if (strcasecmp(meta->name, names[i]) == 0) known = 1;
    if (!known) return;
    char field[PAGE_FIELD_MAX];
    snprintf(field, sizeof field, "meta[name=%s]", meta->name);
    int claim_field = strcasecmp(meta->name, "copyright") == 0 ||
                      strcasecmp(meta->name, "dc.rights") == 0 ||
                      strcasecmp(meta->name, "dcterms.rights") == 0;
    license_evidence ev = {.origin = LICENSE_ORIGIN_META,
                           .scope = LICENSE_SCOPE_PAGE,
                           .confidence = LICENSE_CONFIDENCE_LOW,
                           .field = field,
                           .raw_value = (char *)meta->content};
    keep(ctx, normalise_into(&ev, meta->content, claim_field));
    if (ctx->status == CS_OK) add_for(ctx, &ev, NULL);
}

/* ------------------------------------------------------------------------- */
/* schema.org objects (JSON-LD, and microdata turned into the same shape)     */

static int type_is(const json_t *type, const char *name)
{
    if (json_is_array(type)) {
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) if (type_is(t, name)) return 1;
        return 0;
    }
    const char *s = json_string_value(type);
    if (!s) return 0;
    const char *slash = strrchr(s, '/'), *colon = strrchr(s, ':');
    const char *tail = slash ? slash + 1 : (colon ? colon + 1 : s);
    return strcmp(tail, name) == 0;
}

/* A URL-ish value: a string, {"@id"}, {"url"}, or the first of an array. */
static const char *url_of(const json_t *v)
{
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v)) {
        const char *s = json_string_value(json_object_get(v, "url"));
        if (!s) s = json_string_value(json_object_get(v, "@id"));
        if (!s) s = json_string_value(json_object_get(v, "name"));
        return s;
    }
    return NULL;
}

/* A name: a string, {"name"}, or the first of an array. */
static const char *name_of(const json_t *v)
{
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_object(v)) return json_string_value(json_object_get(v, "name"));
    return NULL;
}

/* Caption mode: the ImageObject's "caption" (text, {"@value"}, or the first of a list) for the
 * shown image it names; the first caption found for an image stays. */
static void image_caption(page_ctx *ctx, const json_t *obj, const char *image)
{
    size_t i = 0;
    while (i < ctx->in->image_url_count && ctx->in->image_urls[i] != image)
        i++;
    if (i == ctx->in->image_url_count || ctx->captions[i]) return;
    const json_t *v = json_object_get(obj, "caption");
    if (json_is_array(v)) v = json_array_get(v, 0);
    if (json_is_object(v)) v = json_object_get(v, "@value");
    const char *text = json_string_value(v);
    if (!text) return;
    while (*text && isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len == 0) return;
    /* cut at the limit; a multi-byte character cut in two becomes '?' */
    ctx->captions[i] = cs_utf8_dup(text, CS_MIN(len, (size_t)PAGE_CAPTION_MAX));
    if (!ctx->captions[i]) keep(ctx, CS_ENOMEM);
}

static void image_object(page_ctx *ctx, const json_t *obj, license_origin origin)
{
    const char *content = url_of(json_object_get(obj, "contentUrl"));
    const char *url = url_of(json_object_get(obj, "url"));
    const char *image = shown_image(ctx->in, content);
    if (!image) image = shown_image(ctx->in, url);
    if (ctx->captions && image) image_caption(ctx, obj, image);
    if (!ctx->out) return;
    char own[CS_URL_SIZE];
    if (!image) image = absolute_url(ctx->in->page_url, content ? content : url, own);
    if (!image) return;
    const json_t *creator = json_object_get(obj, "creator");
    if (!creator) creator = json_object_get(obj, "author");
    const char *creator_name = name_of(creator);
    const char *credit = json_string_value(json_object_get(obj, "creditText"));
    const char *creator_url = NULL;
    const json_t *c0 = json_is_array(creator) ? json_array_get(creator, 0) : creator;
    if (json_is_object(c0)) creator_url = json_string_value(json_object_get(c0, "url"));
    const char *prefix = origin == LICENSE_ORIGIN_MICRODATA ? "microdata" : "JSON-LD";
    license_evidence ev = {.origin = origin,
                           .scope = origin == LICENSE_ORIGIN_MICRODATA ? LICENSE_SCOPE_MICRODATA
                                                                       : LICENSE_SCOPE_JSON_LD,
                           .confidence = LICENSE_CONFIDENCE_HIGH,
                           .attribution_name = (char *)(creator_name ? creator_name : credit),
                           .attribution_url = (char *)creator_url,
                           .title = (char *)name_of(json_object_get(obj, "name")),
                           .creator = (char *)creator_name};
    static const struct {
        const char *key;
        int claim_field;
    } rights[] = {{"license", 0}, {"copyrightNotice", 1}, {"acquireLicensePage", 0}};
    char field[PAGE_FIELD_MAX];
    for (size_t k = 0; k < CS_ARRAY_LEN(rights) && ctx->status == CS_OK; k++) {
        const char *raw = url_of(json_object_get(obj, rights[k].key));
        if (!raw || !raw[0]) continue;
        snprintf(field, sizeof field, "%s ImageObject.%s", prefix, rights[k].key);
        license_evidence one = ev;
        one.field = field;
        one.raw_value = (char *)raw;
        if (strcmp(rights[k].key, "acquireLicensePage") == 0) {
            /* a page to buy a licence from: says "licensable", names no licence */
            one.confidence = LICENSE_CONFIDENCE_LOW;
        } else {
            keep(ctx, normalise_into(&one, raw, rights[k].claim_field));
        }
        if (ctx->status == CS_OK) add_for(ctx, &one, image);
    }
}

static void schema_walk(page_ctx *ctx, const json_t *v, license_origin origin, int depth)
{
    if (depth > PAGE_JSONLD_MAX_DEPTH || ctx->status != CS_OK) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) schema_walk(ctx, item, origin, depth + 1);
        return;
    }
    if (!json_is_object(v)) return;
    const json_t *type = json_object_get(v, "@type");
    if (type_is(type, "ImageObject") || type_is(type, "Photograph")) {
        image_object(ctx, v, origin);
    } else if (ctx->out && depth <= 2 && json_object_get(v, "license")) {
        /* a page-level CreativeWork / WebPage licence: page-wide */
        const char *raw = url_of(json_object_get(v, "license"));
        if (raw && raw[0]) {
            char field[PAGE_FIELD_MAX];
            snprintf(field, sizeof field, "%s %s.license",
                     origin == LICENSE_ORIGIN_MICRODATA ? "microdata" : "JSON-LD",
                     json_string_value(json_is_array(type) ? json_array_get(type, 0) : type)
                         ? json_string_value(json_is_array(type) ? json_array_get(type, 0) : type)
                         : "Thing");
            license_evidence ev = {.origin = origin,
                                   .scope = LICENSE_SCOPE_PAGE,
                                   .confidence = LICENSE_CONFIDENCE_MEDIUM,
                                   .field = field,
                                   .raw_value = (char *)raw};
            keep(ctx, normalise_into(&ev, raw, 0));
            if (ctx->status == CS_OK) add_for(ctx, &ev, NULL);
        }
    }
    const char *key;
    json_t *child;
    json_object_foreach((json_t *)v, key, child)
    {
        if (json_is_object(child) || json_is_array(child))
            schema_walk(ctx, child, origin, depth + 1);
    }
}

/* One JSON-LD block through ctx: CS_ELIMIT when oversized; malformed blocks are skipped. */
static int walk_jsonld(page_ctx *ctx, const char *text, size_t len)
{
    if (len > PAGE_JSONLD_MAX_BYTES) return CS_ELIMIT;
    json_t *doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (doc) schema_walk(ctx, doc, LICENSE_ORIGIN_JSON_LD, 0);
    json_decref(doc);
    return ctx->status;
}

int license_jsonld_evidence(const char *text, size_t len, const license_page_input *in,
                            license_evidence_list *out, cs_error *err)
{
    page_ctx ctx = {.in = in, .out = out, .status = CS_OK};
    int rc = walk_jsonld(&ctx, text, len);
    if (rc == CS_ELIMIT)
        return cs_error_set(err, CS_ELIMIT, "json-ld: block of %zu bytes exceeds %d", len,
                            PAGE_JSONLD_MAX_BYTES);
    if (rc != CS_OK) return cs_error_set(err, rc, "json-ld: %s", cs_strerror(rc));
    return CS_OK;
}

/* Microdata items as JSON objects, nested by parent_index / parent_prop. */
static json_t *microdata_tree(const license_page_input *in)
{
    size_t n = in->microdata_count;
    json_t **objs = calloc(n ? n : 1, sizeof *objs);
    json_t *roots = json_array();
    if (!objs || !roots) {
        free(objs);
        json_decref(roots);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const license_microdata_item *item = &in->microdata[i];
        objs[i] = json_object();
        if (item->type) json_object_set_new(objs[i], "@type", json_string(item->type));
        for (size_t p = 0; p < item->prop_count; p++) {
            const license_microdata_prop *prop = &item->props[p];
            if (!prop->name || !prop->value || json_object_get(objs[i], prop->name)) continue;
            json_object_set_new(objs[i], prop->name, json_string(prop->value));
        }
    }
    for (size_t i = 0; i < n; i++) {
        const license_microdata_item *item = &in->microdata[i];
        long parent = item->parent_index;
        if (parent >= 0 && (size_t)parent < i && item->parent_prop) /* parents precede: no cycles */
            json_object_set(objs[parent], item->parent_prop, objs[i]);
        else
            json_array_append(roots, objs[i]);
    }
    for (size_t i = 0; i < n; i++)
        json_decref(objs[i]);
    free(objs);
    return roots;
}

/*
 * The specific beats the general on one page: a page-wide statement ("this
 * site is CC BY", a footer's "All rights reserved") does not apply to an image
 * the same page says something about itself (RDFa about=, its figure, its
 * ImageObject). Drops page-wide records out->items[from..] for such images.
 */
static int drop_overridden_page_wide(license_evidence_list *out, size_t from)
{
    size_t n = out->count - from;
    if (n == 0) return CS_OK;
    unsigned char *drop = calloc(n, 1);
    if (!drop) return CS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const license_evidence *wide = &out->items[from + i];
        if (wide->scope != LICENSE_SCOPE_PAGE) continue;
        for (size_t j = 0; j < n && !drop[i]; j++) {
            const license_evidence *own = &out->items[from + j];
            if (own->scope != LICENSE_SCOPE_PAGE && own->image_url && wide->image_url &&
                strcmp(own->image_url, wide->image_url) == 0)
                drop[i] = 1;
        }
    }
    license_evidence_list_drop(out, from, drop);
    free(drop);
    return CS_OK;
}

/* The page's microdata items as one tree, walked like a JSON-LD block. */
static void walk_microdata(page_ctx *ctx)
{
    if (ctx->in->microdata_count == 0 || ctx->status != CS_OK) return;
    json_t *tree = microdata_tree(ctx->in);
    if (!tree)
        keep(ctx, CS_ENOMEM);
    else
        schema_walk(ctx, tree, LICENSE_ORIGIN_MICRODATA, 0);
    json_decref(tree);
}

int license_page_evidence(const license_page_input *in, license_evidence_list *out, cs_error *err)
{
    return license_page_read(in, out, NULL, err);
}

int license_page_read(const license_page_input *in, license_evidence_list *out, char **captions,
                      cs_error *err)
{
    if (!in || !out) return cs_error_set(err, CS_EINVAL, "page evidence: no input");
    size_t first = out->count;
    page_ctx ctx = {.in = in, .out = out, .captions = captions, .status = CS_OK};
    for (size_t i = 0; i < in->link_count && ctx.status == CS_OK; i++)
        rel_license(&ctx, &in->links[i]);
    for (size_t i = 0; i < in->jsonld_count && ctx.status == CS_OK; i++)
        walk_jsonld(&ctx, in->jsonld[i].text, in->jsonld[i].len); /* oversized: skipped */
    walk_microdata(&ctx);
    for (size_t i = 0; i < in->meta_count && ctx.status == CS_OK; i++)
        meta_rights(&ctx, &in->metas[i]);
    if (ctx.status == CS_OK) keep(&ctx, drop_overridden_page_wide(out, first));
    if (ctx.status != CS_OK)
        return cs_error_set(err, ctx.status, "page evidence for %s: %s",
                            in->page_url ? in->page_url : "(page)", cs_strerror(ctx.status));
    cs_error_clear(err);
    return CS_OK;
}
