/*
 * html.c - what the crawler reads out of an HTML page, with libxml2's HTML
 * parser (recovering, no network, no error output).
 *
 * One pass over the parsed tree collects raw items; nothing here judges a
 * licence or an opt-out (license/ and robots/ do that):
 *   - images: img src and srcset, picture/source srcset, with alt and the
 *     figcaption text of the enclosing figure;
 *   - links: a href (and area href) with rel=nofollow noted;
 *   - rel=license on link and a, with the RDFa about= of the nearest element
 *     that has one, the images of the enclosing figure, and cc:attributionName,
 *     cc:attributionURL, dct:title, dct:creator found in the same subject;
 *   - every meta name/content pair (robots, TDMRep, licence metas) and
 *     meta robots nofollow/noindex;
 *   - JSON-LD script blocks as raw text; microdata items (itemscope/itemprop);
 *   - RSL 1.0 documents: link rel=license type=application/rsl+xml (kept apart
 *     from licence links, so an RSL URL never reaches the CC/SPDX mapping) and
 *     inline script type=application/rsl+xml text;
 *   - title and the first base href, which every other URL resolves against.
 * URLs are resolved and normalised with common/url.c; references that do not
 * resolve to http(s) URLs are dropped. Every list has a cap (below) so a
 * hostile page costs bounded memory; the tree walk is iterative, so deep
 * nesting cannot overflow the stack.
 */
#include "crawler/crawler.h"
#include "robots/robots.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libxml2 takes an int length; pages are capped far below this by the fetcher anyway. */
#define HTML_MAX_BYTES (16 * 1024 * 1024)
/* Caps on what one page may contribute; more is a trap or an adversarial page. */
#define HTML_MAX_IMAGES   1000
#define HTML_MAX_LINKS    2000
#define HTML_MAX_LICENSES 256
#define HTML_MAX_METAS    128
#define HTML_MAX_JSONLD   32
#define HTML_MAX_RSL      8 /* RSL documents (links and inline scripts) per page */
#define HTML_MAX_ITEMS    256
#define HTML_MAX_PROPS    1024 /* microdata properties over all items */
/* JSON-LD text kept per block; license/ parses it with jansson. */
#define HTML_MAX_JSONLD_BYTES (256 * 1024)
/* Text kept for alt, captions, titles and property values. */
#define HTML_MAX_TEXT 2048
/* srcset candidates per attribute. */
#define HTML_MAX_SRCSET 32

typedef struct extract_ctx {
    crawler_html_page *page;
    const char *base; /* URL relative references resolve against */
    int failed;       /* CS_ENOMEM seen */
} extract_ctx;

static int name_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->name &&
           strcasecmp((const char *)node->name, name) == 0;
}

/* The attribute value (owned by the caller, free with xmlFree) or NULL. */
static char *attr(const xmlNode *node, const char *name)
{
    return (char *)xmlGetProp(node, (const xmlChar *)name);
}

/* 1 when the whitespace-separated token list contains token (ASCII case-insensitive). */
static int has_token(const char *list, const char *token)
{
    if (list == NULL) return 0;
    size_t n = strlen(token);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f' && *p != ',')
            p++;
        if ((size_t)(p - start) == n && strncasecmp(start, token, n) == 0) return 1;
    }
    return 0;
}

/* A copy of s (NULL stays NULL); running out of memory marks the extraction failed. */
static char *dup_text(extract_ctx *ctx, const char *s)
{
    if (s == NULL) return NULL;
    char *copy = strdup(s);
    if (copy == NULL) ctx->failed = 1;
    return copy;
}

/* Text content under node, whitespace collapsed, at most HTML_MAX_TEXT bytes. */
static char *collect_text(extract_ctx *ctx, const xmlNode *node)
{
    int rc = CS_OK;
    cs_buf buf;
    cs_buf_init(&buf, HTML_MAX_TEXT);
    int space = 0;
    const xmlNode *cur = node->children;
    while (cur && cur != node) {
        if ((cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) && cur->content) {
            for (const unsigned char *c = cur->content; *c; c++) {
                if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' || *c == '\f') {
                    space = buf.len > 0;
                    continue;
                }
                if (space && (rc = cs_buf_append(&buf, " ", 1)) != CS_OK) goto done;
                space = 0;
                if ((rc = cs_buf_append(&buf, c, 1)) != CS_OK) goto done;
            }
        }
        if (cur->type == XML_ELEMENT_NODE && cur->children && !name_is(cur, "script") &&
            !name_is(cur, "style")) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != node && cur->next == NULL)
            cur = cur->parent;
        if (cur && cur != node) cur = cur->next;
    }
done:
    if (rc == CS_ENOMEM) { /* CS_ELIMIT: the text is cut at HTML_MAX_TEXT */
        cs_buf_free(&buf);
        ctx->failed = 1;
        return NULL;
    }
    size_t len;
    char *text = (char *)cs_buf_take(&buf, &len); /* "" when nothing was collected */
    if (text == NULL) ctx->failed = 1;
    return text;
}

/* A copy of at most HTML_MAX_TEXT bytes of s (NULL stays NULL); see dup_text. */
static char *dup_limited(extract_ctx *ctx, const char *s)
{
    if (s == NULL) return NULL;
    char *copy = cs_strndup(s, CS_MIN(strlen(s), (size_t)HTML_MAX_TEXT));
    if (copy == NULL) ctx->failed = 1;
    return copy;
}

/* Resolves ref against the base; returns a new string or NULL when it is not an http(s) URL. */
static char *resolve(extract_ctx *ctx, const char *ref, size_t len)
{
    char out[CS_URL_SIZE];
    if (ref == NULL || cs_url_resolve(ctx->base, ref, len, out, NULL) != CS_OK) return NULL;
    char *copy = strdup(out);
    if (copy == NULL) ctx->failed = 1;
    return copy;
}

/* Makes room for item `count` and zeroes it (the walk fills items field by field); 0 on success. */
static int grow(void **items, size_t count, size_t *cap, size_t elem_size)
{
    if (cs_array_reserve(items, cap, count, elem_size, 0) != CS_OK) return -1;
    memset((char *)*items + count * elem_size, 0, elem_size);
    return 0;
}

static const xmlNode *enclosing(const xmlNode *node, const char *name)
{
    for (const xmlNode *p = node; p && p->type == XML_ELEMENT_NODE; p = p->parent)
        if (name_is(p, name)) return p;
    return NULL;
}

static const xmlNode *enclosing_about(const xmlNode *node)
{
    for (const xmlNode *p = node; p && p->type == XML_ELEMENT_NODE; p = p->parent)
        if (xmlHasProp(p, (const xmlChar *)"about")) return p;
    return NULL;
}

/* The first element called name below node, in document order, or NULL. */
static const xmlNode *find_descendant(const xmlNode *node, const char *name)
{
    const xmlNode *cur = node->children;
    while (cur && cur != node) {
        if (name_is(cur, name)) return cur;
        if (cur->type == XML_ELEMENT_NODE && cur->children) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != node && cur->next == NULL)
            cur = cur->parent;
        if (cur && cur != node) cur = cur->next;
    }
    return NULL;
}

static int figure_index(crawler_html_page *page, const xmlNode *figure)
{
    if (figure == NULL) return -1;
    for (size_t i = 0; i < page->figure_count; i++)
        if (page->figures[i].node == figure) return (int)i;
    return -1;
}

static void add_image(extract_ctx *ctx, const xmlNode *node, const char *element, const char *ref,
                      size_t ref_len)
{
    crawler_html_page *page = ctx->page;
    if (page->image_count >= HTML_MAX_IMAGES) {
        page->dropped++;
        return;
    }
    char *url = resolve(ctx, ref, ref_len);
    if (url == NULL) return;
    for (size_t i = 0; i < page->image_count; i++) {
        if (strcmp(page->images[i].url, url) == 0) { /* one sighting per URL */
            free(url);
            return;
        }
    }
    if (grow((void **)&page->images, page->image_count, &page->image_cap, sizeof *page->images)) {
        free(url);
        ctx->failed = 1;
        return;
    }
    crawler_html_image *img = &page->images[page->image_count++];
    img->url = url;
    img->element = element;
    const xmlNode *img_node = node;
    const xmlNode *picture = name_is(node, "source") ? enclosing(node, "picture") : NULL;
    if (picture) { /* alt lives on the picture's img; libxml2 may nest it inside <source> */
        const xmlNode *found = find_descendant(picture, "img");
        if (found) img_node = found;
    }
    char *alt = attr(img_node, "alt");
    img->alt = dup_limited(ctx, alt);
    xmlFree(alt);
    char *title = attr(img_node, "title");
    img->title = dup_limited(ctx, title);
    xmlFree(title);
    img->figure = figure_index(page, enclosing(node, "figure"));
    if (img->figure >= 0 && page->figures[img->figure].caption)
        img->caption = dup_text(ctx, page->figures[img->figure].caption);
}

/* srcset: "url [descriptor], url [descriptor], ..." (HTML 4.8.4.2.1, simplified). */
static void add_srcset(extract_ctx *ctx, const xmlNode *node, const char *element,
                       const char *srcset)
{
    const char *p = srcset;
    for (int n = 0; *p && n < HTML_MAX_SRCSET; n++) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ',')
            p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '\f')
            p++;
        const char *end = p;
        int ended = 0;
        while (end > start && end[-1] == ',')
            end--, ended = 1;
        if (end > start) add_image(ctx, node, element, start, (size_t)(end - start));
        if (ended) continue;
        int parens = 0; /* skip descriptors up to the next top-level comma */
        while (*p && (*p != ',' || parens > 0)) {
            if (*p == '(') parens++;
            if (*p == ')' && parens > 0) parens--;
            p++;
        }
    }
}

static void add_link(extract_ctx *ctx, const xmlNode *node)
{
    crawler_html_page *page = ctx->page;
    char *href = attr(node, "href");
    if (href == NULL) return;
    if (page->link_count >= HTML_MAX_LINKS) {
        page->dropped++;
        xmlFree(href);
        return;
    }
    char *url = resolve(ctx, href, strlen(href));
    xmlFree(href);
    if (url == NULL) return;
    if (grow((void **)&page->links, page->link_count, &page->link_cap, sizeof *page->links)) {
        free(url);
        ctx->failed = 1;
        return;
    }
    char *rel = attr(node, "rel");
    page->links[page->link_count].url = url;
    page->links[page->link_count].nofollow = has_token(rel, "nofollow");
    page->link_count++;
    xmlFree(rel);
}

/* An RDFa property (property= or rel=) value under subject: content=, href=, or text. */
static char *find_property(extract_ctx *ctx, const xmlNode *subject, const char *const *names,
                           int want_url)
{
    const xmlNode *cur = subject;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE) {
            char *prop = attr(cur, "property");
            char *rel = attr(cur, "rel");
            int hit = 0;
            for (int i = 0; names[i]; i++)
                if (has_token(prop, names[i]) || has_token(rel, names[i])) hit = 1;
            xmlFree(prop);
            xmlFree(rel);
            if (hit) {
                char *value = attr(cur, "content");
                if (value == NULL && want_url) value = attr(cur, "href");
                if (value == NULL && want_url) value = attr(cur, "resource");
                char *out;
                if (value) {
                    out = want_url ? resolve(ctx, value, strlen(value)) : dup_limited(ctx, value);
                    if (out == NULL) out = dup_limited(ctx, value);
                    xmlFree(value);
                } else {
                    out = collect_text(ctx, cur);
                }
                return out;
            }
        }
        if (cur->type == XML_ELEMENT_NODE && cur->children) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != subject && cur->next == NULL)
            cur = cur->parent;
        if (cur == NULL || cur == subject) break;
        cur = cur->next;
    }
    return NULL;
}

static void add_license(extract_ctx *ctx, const xmlNode *node, int in_head)
{
    static const char *const attribution_name[] = {"cc:attributionName", "attributionName", NULL};
    static const char *const attribution_url[] = {"cc:attributionURL", "attributionURL", NULL};
    static const char *const title[] = {"dct:title", "dc:title", "dcterms:title", NULL};
    static const char *const creator[] = {"dct:creator", "dc:creator", "dcterms:creator",
                                          "cc:attributionName", NULL};
    crawler_html_page *page = ctx->page;
    char *href = attr(node, "href");
    if (href == NULL) return;
    if (page->license_count >= HTML_MAX_LICENSES ||
        grow((void **)&page->licenses, page->license_count, &page->license_cap,
             sizeof *page->licenses)) {
        page->dropped++;
        xmlFree(href);
        return;
    }
    crawler_html_license *lic = &page->licenses[page->license_count++];
    lic->href = resolve(ctx, href, strlen(href));
    if (lic->href == NULL) lic->href = dup_limited(ctx, href); /* "CC BY 4.0" written as href */
    xmlFree(href);
    lic->in_head = in_head;
    lic->element = name_is(node, "link") ? "link" : "a";
    const xmlNode *subject = enclosing_about(node);
    if (subject) {
        char *about = attr(subject, "about");
        lic->about = resolve(ctx, about, about ? strlen(about) : 0);
        xmlFree(about);
    }
    lic->figure = figure_index(page, enclosing(node, "figure"));
    const xmlNode *scope =
        subject ? subject : (lic->figure >= 0 ? enclosing(node, "figure") : NULL);
    if (scope && !in_head) {
        lic->attribution_name = find_property(ctx, scope, attribution_name, 0);
        lic->attribution_url = find_property(ctx, scope, attribution_url, 1);
        lic->title = find_property(ctx, scope, title, 0);
        lic->creator = find_property(ctx, scope, creator, 0);
    }
}

static void add_meta(extract_ctx *ctx, const xmlNode *node)
{
    crawler_html_page *page = ctx->page;
    char *name = attr(node, "name");
    if (name == NULL) name = attr(node, "property"); /* og:image, dc.rights via property= */
    char *content = attr(node, "content");
    if (name && content) {
        if (cs_ascii_ieq(name, strlen(name), "robots") ||
            cs_ascii_ieq(name, strlen(name), ROBOTS_OWN_AGENT)) {
            if (has_token(content, "nofollow") || has_token(content, "none"))
                page->meta_nofollow = 1;
        }
        if (page->meta_count >= HTML_MAX_METAS ||
            grow((void **)&page->metas, page->meta_count, &page->meta_cap, sizeof *page->metas)) {
            page->dropped++;
        } else {
            crawler_html_meta *m = &page->metas[page->meta_count++];
            m->name = dup_limited(ctx, name);
            m->content = dup_limited(ctx, content);
        }
    }
    xmlFree(name);
    xmlFree(content);
}

static void add_jsonld(extract_ctx *ctx, const xmlNode *node)
{
    crawler_html_page *page = ctx->page;
    if (page->jsonld_count >= HTML_MAX_JSONLD ||
        grow((void **)&page->jsonld, page->jsonld_count, &page->jsonld_cap, sizeof *page->jsonld)) {
        page->dropped++;
        return;
    }
    cs_buf buf;
    cs_buf_init(&buf, HTML_MAX_JSONLD_BYTES);
    int rc = CS_OK;
    for (const xmlNode *c = node->children; c && rc == CS_OK; c = c->next)
        if (c->content) rc = cs_buf_append_str(&buf, (const char *)c->content);
    crawler_html_jsonld *j = &page->jsonld[page->jsonld_count++];
    j->text = (char *)cs_buf_take(&buf, &j->len); /* cut at HTML_MAX_JSONLD_BYTES */
    if (j->text == NULL || rc == CS_ENOMEM) ctx->failed = 1;
}

/* An RSL document: a link's resolved href (text NULL) or an inline script's text (node). */
static void add_rsl(extract_ctx *ctx, const xmlNode *node, const char *href)
{
    crawler_html_page *page = ctx->page;
    if (page->rsl_count >= HTML_MAX_RSL ||
        grow((void **)&page->rsl, page->rsl_count, &page->rsl_cap, sizeof *page->rsl)) {
        page->dropped++;
        return;
    }
    crawler_html_rsl *r = &page->rsl[page->rsl_count];
    if (href) {
        r->url = resolve(ctx, href, strlen(href));
        if (r->url == NULL) return; /* not an http(s) URL: nothing to fetch */
    } else {
        cs_buf buf;
        cs_buf_init(&buf, ROBOTS_RSL_MAX_BYTES + 1); /* one byte over: the parser refuses it */
        int rc = CS_OK;
        for (const xmlNode *c = node->children; c && rc == CS_OK; c = c->next)
            if (c->content) rc = cs_buf_append_str(&buf, (const char *)c->content);
        r->text = (char *)cs_buf_take(&buf, &r->len);
        if (r->text == NULL || rc == CS_ENOMEM) {
            free(r->text);
            r->text = NULL;
            ctx->failed = 1;
            return;
        }
    }
    page->rsl_count++;
}

/* The nearest itemscope element strictly above node (or NULL). */
static const xmlNode *enclosing_item(const xmlNode *node)
{
    for (const xmlNode *p = node->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent)
        if (xmlHasProp(p, (const xmlChar *)"itemscope")) return p;
    return NULL;
}

static long item_index(crawler_html_page *page, const xmlNode *item)
{
    for (size_t i = 0; i < page->item_count; i++)
        if (page->items[i].node == item) return (long)i;
    return -1;
}

static void add_item(extract_ctx *ctx, const xmlNode *node)
{
    crawler_html_page *page = ctx->page;
    if (page->item_count >= HTML_MAX_ITEMS ||
        grow((void **)&page->items, page->item_count, &page->item_cap, sizeof *page->items)) {
        page->dropped++;
        return;
    }
    crawler_html_item *item = &page->items[page->item_count++];
    item->node = node;
    char *type = attr(node, "itemtype");
    item->type = dup_limited(ctx, type);
    xmlFree(type);
    item->parent_index = -1;
    const xmlNode *parent = enclosing_item(node);
    char *prop = attr(node, "itemprop");
    if (parent && prop) {
        item->parent_index = item_index(page, parent);
        item->parent_prop = dup_limited(ctx, prop);
    }
    xmlFree(prop);
}

static void add_item_prop(extract_ctx *ctx, const xmlNode *node)
{
    crawler_html_page *page = ctx->page;
    if (xmlHasProp(node, (const xmlChar *)"itemscope")) return; /* recorded as a nested item */
    long owner = item_index(page, enclosing_item(node));
    if (owner < 0) return;
    if (page->prop_count >= HTML_MAX_PROPS ||
        grow((void **)&page->props, page->prop_count, &page->prop_cap, sizeof *page->props)) {
        page->dropped++;
        return;
    }
    char *name = attr(node, "itemprop");
    char *value = attr(node, "content");
    char *out = NULL;
    if (value) {
        out = dup_limited(ctx, value);
    } else {
        const char *url_attr = name_is(node, "a") || name_is(node, "link")       ? "href"
                               : name_is(node, "img") || name_is(node, "source") ? "src"
                                                                                 : NULL;
        char *ref = url_attr ? attr(node, url_attr) : NULL;
        if (ref) out = resolve(ctx, ref, strlen(ref));
        if (ref && out == NULL) out = dup_limited(ctx, ref);
        xmlFree(ref);
        if (out == NULL) out = collect_text(ctx, node);
    }
    xmlFree(value);
    crawler_html_prop *p = &page->props[page->prop_count++];
    p->item_index = (size_t)owner;
    p->name = dup_limited(ctx, name ? name : "");
    p->value = out ? out : dup_text(ctx, "");
    xmlFree(name);
}

/* First pass: base href, title, figures and their captions (images look them up). */
static void prepass(extract_ctx *ctx, xmlNode *root, const char *page_url)
{
    crawler_html_page *page = ctx->page;
    xmlNode *cur = root;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE) {
            if (name_is(cur, "base") && page->base_url == NULL) {
                char *href = attr(cur, "href");
                char out[CS_URL_SIZE];
                if (href && cs_url_resolve(page_url, href, strlen(href), out, NULL) == CS_OK)
                    page->base_url = dup_text(ctx, out);
                xmlFree(href);
            } else if (name_is(cur, "title") && page->title == NULL) {
                page->title = collect_text(ctx, cur);
            } else if (name_is(cur, "figure") && page->figure_count < HTML_MAX_IMAGES &&
                       !grow((void **)&page->figures, page->figure_count, &page->figure_cap,
                             sizeof *page->figures)) {
                crawler_html_figure *f = &page->figures[page->figure_count++];
                f->node = cur;
                for (xmlNode *c = cur->children; c; c = c->next)
                    if (name_is(c, "figcaption") && f->caption == NULL)
                        f->caption = collect_text(ctx, c);
            }
        }
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            continue;
        }
        while (cur && cur->next == NULL)
            cur = cur->parent;
        if (cur) cur = cur->next;
    }
}

static void visit(extract_ctx *ctx, xmlNode *node)
{
    if (node->type != XML_ELEMENT_NODE) return;
    if (name_is(node, "img")) {
        char *src = attr(node, "src");
        if (src) add_image(ctx, node, "img", src, strlen(src));
        xmlFree(src);
        char *srcset = attr(node, "srcset");
        if (srcset) add_srcset(ctx, node, "img", srcset);
        xmlFree(srcset);
    } else if (name_is(node, "source") && enclosing(node, "picture")) {
        char *srcset = attr(node, "srcset");
        if (srcset) add_srcset(ctx, node, "source", srcset);
        xmlFree(srcset);
    } else if (name_is(node, "a") || name_is(node, "area") || name_is(node, "link")) {
        char *rel = attr(node, "rel");
        char *type = attr(node, "type");
        if (has_token(rel, "license") && type && crawler_is_rsl_type(type, strlen(type))) {
            char *href = attr(node, "href");
            if (href) add_rsl(ctx, node, href);
            xmlFree(href);
        } else if (has_token(rel, "license") || has_token(rel, "cc:license")) {
            add_license(ctx, node, name_is(node, "link") && enclosing(node, "head") != NULL);
        }
        xmlFree(type);
        xmlFree(rel);
        if (!name_is(node, "link")) add_link(ctx, node);
    } else if (name_is(node, "meta")) {
        add_meta(ctx, node);
    } else if (name_is(node, "script")) {
        char *type = attr(node, "type");
        if (type && cs_ascii_ieq(type, strlen(type), "application/ld+json")) add_jsonld(ctx, node);
        if (type && crawler_is_rsl_type(type, strlen(type))) add_rsl(ctx, node, NULL);
        xmlFree(type);
    }
    if (xmlHasProp(node, (const xmlChar *)"itemscope")) add_item(ctx, node);
    if (xmlHasProp(node, (const xmlChar *)"itemprop")) add_item_prop(ctx, node);
}

/* libxml2 reports encoding errors through its generic handler whatever the
   parse options say; library code never prints, so they go nowhere. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int crawler_html_extract(const char *page_url, const unsigned char *html, size_t len,
                         crawler_html_page *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > HTML_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "HTML page larger than %d bytes", HTML_MAX_BYTES);
    char base_check[CS_URL_SIZE];
    if (cs_url_normalize(page_url, strlen(page_url), base_check, err) != CS_OK)
        return err ? err->code : CS_EINVAL;
    xmlGenericErrorFunc saved_handler = xmlGenericError; /* per-thread in libxml2 */
    void *saved_context = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    htmlDocPtr doc =
        htmlReadMemory(len ? (const char *)html : " ", len ? (int)len : 1, page_url, NULL,
                       HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                           HTML_PARSE_NOWARNING | HTML_PARSE_COMPACT);
    xmlSetGenericErrorFunc(saved_context, saved_handler);
    if (doc == NULL) return CS_OK; /* nothing parsable: an empty page */
    extract_ctx ctx = {.page = out, .base = page_url};
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root) {
        prepass(&ctx, root, page_url);
        if (out->base_url) ctx.base = out->base_url;
        xmlNode *cur = root;
        while (cur && !ctx.failed) {
            visit(&ctx, cur);
            if (cur->children && cur->type == XML_ELEMENT_NODE) {
                cur = cur->children;
                continue;
            }
            while (cur && cur->next == NULL)
                cur = cur->parent;
            if (cur) cur = cur->next;
        }
    }
    /* Images of each figure, for licences scoped by a figure. */
    for (size_t i = 0; i < out->image_count && !ctx.failed; i++) {
        int f = out->images[i].figure;
        if (f < 0) continue;
        crawler_html_figure *fig = &out->figures[f];
        if (grow((void **)&fig->images, fig->image_count, &fig->image_cap, sizeof *fig->images))
            ctx.failed = 1;
        else
            fig->images[fig->image_count++] = out->images[i].url;
    }
    for (size_t i = 0; i < out->figure_count; i++)
        out->figures[i].node = NULL;
    for (size_t i = 0; i < out->item_count; i++)
        out->items[i].node = NULL;
    xmlFreeDoc(doc);
    if (ctx.failed) {
        crawler_html_page_free(out);
        return cs_error_set(err, CS_ENOMEM, "out of memory extracting %s", page_url);
    }
    return CS_OK;
}

void crawler_html_page_free(crawler_html_page *page)
{
    if (page == NULL) return;
    free(page->title);
    free(page->base_url);
    for (size_t i = 0; i < page->image_count; i++) {
        free(page->images[i].url);
        free(page->images[i].alt);
        free(page->images[i].title);
        free(page->images[i].caption);
    }
    free(page->images);
    for (size_t i = 0; i < page->link_count; i++)
        free(page->links[i].url);
    free(page->links);
    for (size_t i = 0; i < page->license_count; i++) {
        crawler_html_license *l = &page->licenses[i];
        free(l->href);
        free(l->about);
        free(l->attribution_name);
        free(l->attribution_url);
        free(l->title);
        free(l->creator);
    }
    free(page->licenses);
    for (size_t i = 0; i < page->meta_count; i++) {
        free(page->metas[i].name);
        free(page->metas[i].content);
    }
    free(page->metas);
    for (size_t i = 0; i < page->jsonld_count; i++)
        free(page->jsonld[i].text);
    free(page->jsonld);
    for (size_t i = 0; i < page->rsl_count; i++) {
        free(page->rsl[i].url);
        free(page->rsl[i].text);
    }
    free(page->rsl);
    for (size_t i = 0; i < page->figure_count; i++) {
        free(page->figures[i].caption);
        free(page->figures[i].images); /* the strings belong to images[] */
    }
    free(page->figures);
    for (size_t i = 0; i < page->item_count; i++) {
        free(page->items[i].type);
        free(page->items[i].parent_prop);
    }
    free(page->items);
    for (size_t i = 0; i < page->prop_count; i++) {
        free(page->props[i].name);
        free(page->props[i].value);
    }
    free(page->props);
    memset(page, 0, sizeof *page);
}
