/*
 * record.c - what the crawl keeps from each finished response, all written
 * inside the crawl loop's open transaction (crawl.c):
 *   - the fetch itself (status, headers, sizes, error) and the URL's new state:
 *     done, queued again for a transient failure (politeness.c decides when),
 *     or failed with the reason;
 *   - for a redirect, the target as a new frontier URL (hops counted from the
 *     referrer's fetches, at most CRAWL_MAX_REDIRECTS);
 *   - for a page, the page row, its links (in scope, not nofollow, at most
 *     --max-outlinks), its images as frontier URLs with a sighting each, the
 *     page-side licence license/ assigns to each image, and every opt-out
 *     signal from headers, meta, robots.txt, tdmrep.json and ai.txt;
 *   - for an image (recognised by its bytes, whatever URL or type it came
 *     with), the blob, its header dimensions, its embedded rights metadata
 *     and opt-out signals; a header claiming too many pixels is refused, and
 *     so is a truncated file (crawler_image_complete);
 *   - for robots.txt, tdmrep.json and ai.txt (read by policy.c, as for
 *     `clearset signals`), the host's cached copy; for an RSL document, its
 *     rsl_documents row (no frontier URL: it is the host's policy file);
 *   - RSL documents a response's Link header or a page's HTML points to join
 *     the host's list (fetched before its next URL; when one arrives, its
 *     terms for the response that pointed to it are recorded then, since that
 *     response was recorded first); an image for whose URL an RSL licence
 *     permits training for free or for attribution gets that licence as
 *     evidence (origin policy-file), beside the signals.
 * A request refused for its address teaches nothing about the URL or its host:
 * the URL goes back to the queue, the host is parked for this run, nothing is
 * cached, and the refusal is counted (stats->refused). Every catalog write
 * passes the crawl's error; a failure stops the crawl naming the URL.
 */
#include "crawler/crawler_internal.h"
#include "license/license.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The headers as a JSON array of [name, value]; NULL when out of memory.
 * Written directly rather than through jansson, which refuses a string that
 * is not UTF-8: a header value in ISO-8859-1, which servers do send, made the
 * crawl fail. Such bytes become '?' (cs_buf_append_json_string).
 */
static char *headers_json(const crawler_response *resp)
{
    cs_buf out;
    cs_buf_init(&out, 0);
    int rc = cs_buf_append(&out, "[", 1);
    for (size_t i = 0; rc == CS_OK && i < resp->header_count; i++) {
        const crawler_header *h = &resp->headers[i];
        rc = cs_buf_append(&out, i ? ",[" : "[", i ? 2 : 1);
        if (rc == CS_OK) rc = cs_buf_append_json_string(&out, h->name, strlen(h->name));
        if (rc == CS_OK) rc = cs_buf_append(&out, ",", 1);
        if (rc == CS_OK) rc = cs_buf_append_json_string(&out, h->value, strlen(h->value));
        if (rc == CS_OK) rc = cs_buf_append(&out, "]", 1);
    }
    if (rc == CS_OK) rc = cs_buf_append(&out, "]", 2); /* with the NUL */
    if (rc != CS_OK) {
        cs_buf_free(&out);
        return NULL;
    }
    return (char *)cs_buf_take(&out, NULL);
}

static int record_signals(crawl_ctx *ctx, const robots_signal_list *list, const char *scope,
                          int64_t host_id, int64_t url_id, int64_t image_id)
{
    for (size_t i = 0; i < list->count; i++) {
        const robots_signal *s = &list->items[i];
        if (s->effect == ROBOTS_EFFECT_NONE) continue; /* index, follow, ... say nothing */
        char raw[ROBOTS_SIGNAL_VALUE_MAX + ROBOTS_SIGNAL_SCOPE_MAX + 32];
        /* a legacy AIPREF label keeps its mark: the catalog has no detail column */
        const char *mark = strcmp(s->detail, "legacy-label") == 0 ? " (legacy-label)" : "";
        if (s->scope[0])
            snprintf(raw, sizeof raw, "%s: %s%s", s->scope, s->value, mark);
        else
            snprintf(raw, sizeof raw, "%s%s", s->value, mark);
        catalog_optout o = {.scope = scope,
                            .host_id = host_id,
                            .url_id = url_id,
                            .image_id = image_id,
                            .kind = robots_signal_catalog_kind(s),
                            .raw_value = raw,
                            .effect = signals_catalog_effect(s),
                            .found_at = s->where};
        int rc = catalog_record_optout(ctx->cat, &o, ctx->err);
        if (rc != CS_OK) return rc;
    }
    return CS_OK;
}

/*
 * Records the signals gathered (gathered: the gatherers' status). Signals that
 * could not all be gathered (a list at its cap, an unreadable value) are left
 * out as before; running out of memory fails the crawl.
 */
static int record_gathered(crawl_ctx *ctx, int gathered, const robots_signal_list *list,
                           const char *scope, int64_t host_id, int64_t url_id, int64_t image_id)
{
    if (gathered == CS_ENOMEM) return cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    if (gathered != CS_OK) return CS_OK;
    return record_signals(ctx, list, scope, host_id, url_id, image_id);
}

static int record_embedded(crawl_ctx *ctx, int64_t image_id, const char *url,
                           const crawler_response *resp)
{
    license_embedded emb;
    memset(&emb, 0, sizeof emb);
    int rc = license_read_embedded(resp->body, resp->body_len, &emb, ctx->err);
    if (rc != CS_OK) {
        license_embedded_free(&emb);
        /* unreadable metadata is no evidence, not a crawl failure; no memory is */
        return rc == CS_ENOMEM ? rc : CS_OK;
    }
    static const char *const embedded_checks[] = {"iptc", "c2pa"}; /* and XMP tdm: */
    rc = catalog_record_checks(ctx->cat, image_id, embedded_checks, CS_ARRAY_LEN(embedded_checks),
                               ctx->err);
    for (size_t i = 0; i < emb.evidence.count && rc == CS_OK; i++) {
        const license_evidence *e = &emb.evidence.items[i];
        catalog_rights r = {
            .image_id = image_id,
            .origin = license_origin_name(e->origin),
            .field = e->field,
            .raw_value = e->raw_value,
            .license_spdx = e->has_license ? e->license.spdx : NULL,
            .license_url = e->has_license && e->license.url[0] ? e->license.url : NULL,
            .rights_claim = license_claim_name(e->claim),
            .confidence = license_confidence_name(e->confidence),
            .attribution_name = e->attribution_name,
            .attribution_url = e->attribution_url,
            .title = e->title,
            .creator = e->creator,
            .found_at = url,
        };
        rc = catalog_record_rights(ctx->cat, &r, ctx->err);
    }
    if (rc == CS_OK) { /* IPTC DataMining and C2PA training-mining, decided by robots/ */
        robots_signal_list list;
        robots_signal_list_init(&list);
        rc = license_embedded_signals(&emb, &list, url, ctx->err);
        if (rc == CS_OK && list.count > 0)
            rc = record_signals(ctx, &list, "image", 0, 0, image_id);
        else if (rc != CS_ENOMEM)
            rc = CS_OK; /* a signal list at its cap says enough */
        robots_signal_list_free(&list);
    }
    license_embedded_free(&emb);
    return rc;
}

/*
 * What the page says about image_url, as catalog rows in rows[] (at most
 * list->count), and the strongest statement naming a licence (tied to the
 * image beats page-wide) for the sighting's summary.
 */
static size_t image_evidence(const license_evidence_list *list, const char *image_url,
                             catalog_rights *rows, const license_evidence **best)
{
    size_t n = 0;
    *best = NULL;
    for (size_t i = 0; i < list->count; i++) {
        const license_evidence *e = &list->items[i];
        if (e->image_url == NULL || strcmp(e->image_url, image_url) != 0) continue;
        if (e->has_license && (*best == NULL || e->confidence < (*best)->confidence)) *best = e;
        rows[n++] = (catalog_rights){
            .origin = license_origin_name(e->origin),
            .field = e->field,
            .raw_value = e->raw_value,
            .license_spdx = e->has_license && e->license.spdx[0] ? e->license.spdx : NULL,
            .license_url = e->has_license && e->license.url[0] ? e->license.url : NULL,
            .rights_claim = license_claim_name(e->claim),
            .scope = license_scope_name(e->scope),
            .confidence = license_confidence_name(e->confidence),
            .attribution_name = e->attribution_name,
            .attribution_url = e->attribution_url,
            .title = e->title,
            .creator = e->creator,
        };
    }
    return n;
}

/* Builds license/'s view of the page and asks it which licence covers which image. */
static int page_evidence(const crawler_html_page *page, const char *page_url,
                         license_evidence_list *out, char **captions, cs_error *err)
{
    size_t nl = page->license_count, ni = page->image_count;
    license_page_link *links = calloc(nl ? nl : 1, sizeof *links);
    license_page_meta *metas = calloc(page->meta_count ? page->meta_count : 1, sizeof *metas);
    license_page_jsonld *jsonld =
        calloc(page->jsonld_count ? page->jsonld_count : 1, sizeof *jsonld);
    license_microdata_item *items = calloc(page->item_count ? page->item_count : 1, sizeof *items);
    license_microdata_prop *props = calloc(page->prop_count ? page->prop_count : 1, sizeof *props);
    const char **images = calloc(ni ? ni : 1, sizeof *images);
    int rc = CS_ENOMEM;
    if (!links || !metas || !jsonld || !items || !props || !images) goto done;
    for (size_t i = 0; i < nl; i++) {
        const crawler_html_license *l = &page->licenses[i];
        links[i].href = l->href;
        links[i].about = l->about;
        if (l->figure >= 0) {
            links[i].figure_images = page->figures[l->figure].images;
            links[i].figure_image_count = page->figures[l->figure].image_count;
        }
        links[i].attribution_name = l->attribution_name;
        links[i].attribution_url = l->attribution_url;
        links[i].title = l->title;
        links[i].creator = l->creator;
        links[i].in_head = l->in_head;
    }
    for (size_t i = 0; i < page->meta_count; i++) {
        metas[i].name = page->metas[i].name;
        metas[i].content = page->metas[i].content;
    }
    for (size_t i = 0; i < page->jsonld_count; i++) {
        jsonld[i].text = page->jsonld[i].text;
        jsonld[i].len = page->jsonld[i].len;
    }
    /* license/ wants each item's properties contiguous: group them by item */
    size_t p = 0;
    for (size_t i = 0; i < page->item_count; i++) {
        items[i].type = page->items[i].type;
        items[i].parent_index = page->items[i].parent_index;
        items[i].parent_prop = page->items[i].parent_prop;
        items[i].props = props + p;
        for (size_t j = 0; j < page->prop_count; j++) {
            if (page->props[j].item_index != i) continue;
            props[p].name = page->props[j].name;
            props[p].value = page->props[j].value;
            p++;
        }
        items[i].prop_count = (size_t)(props + p - items[i].props);
    }
    for (size_t i = 0; i < ni; i++)
        images[i] = page->images[i].url;
    license_page_input in = {.page_url = page_url,
                             .links = links,
                             .link_count = nl,
                             .metas = metas,
                             .meta_count = page->meta_count,
                             .jsonld = jsonld,
                             .jsonld_count = page->jsonld_count,
                             .microdata = items,
                             .microdata_count = page->item_count,
                             .image_urls = images,
                             .image_url_count = ni};
    rc = license_page_read(&in, out, captions, err);
done:
    if (rc == CS_ENOMEM && err && err->code != CS_ENOMEM) cs_error_set(err, rc, "out of memory");
    free(links);
    free(metas);
    free(jsonld);
    free(items);
    free(props);
    free(images);
    return rc;
}

/*
 * 1 when an X-Robots-Tag header says nofollow (or none) for every agent or for
 * clearsetbot: "nofollow", "noindex, nofollow", "clearsetbot: none". Agent
 * scoping follows Google's reading: an "agent:" prefix applies to the
 * directives after it, up to the next prefix.
 */
static int header_nofollow(const crawler_response *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcasecmp(resp->headers[i].name, "X-Robots-Tag") != 0) continue;
        const char *p = resp->headers[i].value;
        int applies = 1;
        while (*p) {
            while (*p == ' ' || *p == ',')
                p++;
            size_t n = strcspn(p, ",");
            const char *colon = memchr(p, ':', n);
            const char *directive = p;
            size_t dlen = n;
            if (colon) { /* "agent: directive" */
                applies = cs_ascii_ieq(p, (size_t)(colon - p), ROBOTS_OWN_AGENT);
                directive = colon + 1;
                dlen = n - (size_t)(colon + 1 - p);
            }
            while (dlen > 0 && *directive == ' ')
                directive++, dlen--;
            while (dlen > 0 && directive[dlen - 1] == ' ')
                dlen--;
            if (applies && (cs_ascii_ieq(directive, dlen, "nofollow") ||
                            cs_ascii_ieq(directive, dlen, "none")))
                return 1;
            p += n;
        }
    }
    return 0;
}

/*
 * An RSL licence of the host that permits training of url for free or for
 * attribution is evidence like a licence: one rights_evidence row per
 * document that says so.
 */
static int rsl_doc_evidence(crawl_ctx *ctx, const crawl_rsl_doc *doc, int64_t image_id,
                            const char *url)
{
    robots_rsl_terms terms;
    robots_rsl_training(&doc->rsl, url, &terms);
    if (terms.answer != ROBOTS_RSL_PERMITTED_FREE &&
        terms.answer != ROBOTS_RSL_PERMITTED_ATTRIBUTION)
        return CS_OK;
    license_info licence;
    license_from_rsl(terms.answer == ROBOTS_RSL_PERMITTED_ATTRIBUTION, &licence);
    /* the document is named in field, not found_at: the credit goes to the source page */
    char field[2 * CS_URL_SIZE + 32];
    snprintf(field, sizeof field, "RSL %s content %s", doc->url, terms.content->url);
    catalog_rights r = {.image_id = image_id,
                        .origin = license_origin_name(LICENSE_ORIGIN_POLICY_FILE),
                        .field = field,
                        .raw_value = terms.summary,
                        .license_spdx = licence.spdx};
    return catalog_record_rights(ctx->cat, &r, ctx->err);
}

static int record_rsl_evidence(crawl_ctx *ctx, const crawl_host *h, int64_t image_id,
                               const char *url)
{
    int rc = CS_OK;
    for (size_t i = 0; i < h->rsl_count && rc == CS_OK; i++)
        if (h->rsl_docs[i].parsed) rc = rsl_doc_evidence(ctx, &h->rsl_docs[i], image_id, url);
    return rc;
}

/* RSL documents resp (and its page, may be NULL) point to join host's list; ENOMEM only. */
static int discover_rsl(crawl_ctx *ctx, crawl_host *h, const crawler_response *resp,
                        const crawler_html_page *page)
{
    size_t added = 0;
    if (policy_rsl_discover(h, resp, page, &added) != CS_OK)
        return cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    int rc = CS_OK;
    int64_t now = cs_now_ms();
    for (size_t i = 0; page && i < page->rsl_count && rc == CS_OK; i++) {
        if (page->rsl[i].url) continue;
        /* an inline script is known at once: cached like a fetched document */
        char url[CS_URL_SIZE + 32];
        snprintf(url, sizeof url, POLICY_RSL_SCRIPT_URL, resp->url, i);
        const crawl_rsl_doc *doc = policy_rsl_find(h, url);
        if (doc)
            rc =
                catalog_host_save_rsl(ctx->cat, h->id, url, doc->via, 200, page->rsl[i].text,
                                      page->rsl[i].len, now, now + CRAWL_ROBOTS_CACHE_MS, ctx->err);
    }
    if (added) h->wake_at = 0; /* fetched before the host's next URL */
    return rc;
}

static int process_page(crawl_ctx *ctx, const crawl_job *job, const crawler_response *resp,
                        int64_t fetch_id)
{
    crawler_html_page page;
    int rc = crawler_html_extract(resp->url, resp->body, resp->body_len, &page, ctx->err);
    if (rc == CS_ENOMEM) return rc;
    if (rc != CS_OK) return CS_EFORMAT; /* recorded by the caller as a failed page */
    /* meta robots contents (up to 4 KiB), and the page-wide licence, for the pages row */
    cs_buf robots_meta;
    cs_buf_init(&robots_meta, 4096);
    const char *page_license = NULL;
    for (size_t i = 0; i < page.meta_count && rc == CS_OK; i++) {
        if (strcasecmp(page.metas[i].name, "robots") == 0 ||
            strcasecmp(page.metas[i].name, ROBOTS_OWN_AGENT) == 0) {
            int brc = robots_meta.len ? cs_buf_append_str(&robots_meta, "; ") : CS_OK;
            if (brc == CS_OK) brc = cs_buf_append_str(&robots_meta, page.metas[i].content);
            if (brc == CS_ENOMEM) rc = cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < page.license_count && !page_license; i++)
        if (page.licenses[i].about == NULL && page.licenses[i].figure < 0)
            page_license = page.licenses[i].href;
    int64_t page_id = 0;
    if (rc == CS_OK)
        rc = catalog_record_page(ctx->cat, job->url_id, fetch_id, page.title, page.base_url,
                                 robots_meta.data ? (const char *)robots_meta.data : NULL,
                                 page_license, &page_id, ctx->err);
    cs_buf_free(&robots_meta);

    robots_signal_list signals;
    robots_signal_list_init(&signals);
    if (rc == CS_OK)
        rc = record_gathered(ctx, signals_from_page(&signals, &page, resp->url, ctx->err), &signals,
                             "page", job->host->id, job->url_id, 0);
    robots_signal_list_free(&signals);
    if (rc == CS_OK) rc = discover_rsl(ctx, job->host, resp, &page);

    /* links: same-scope pages one level deeper, unless the page says nofollow */
    int queued_links = 0;
    int nofollow = page.meta_nofollow || header_nofollow(resp);
    for (size_t i = 0; rc == CS_OK && !nofollow && i < page.link_count; i++) {
        if (page.links[i].nofollow) continue;
        if (queued_links >= ctx->opts->max_outlinks) break;
        if (crawl_enqueue(ctx, page.links[i].url, CRAWLER_KIND_PAGE, job->depth + 1, job->url_id))
            queued_links++;
        if (ctx->failed) rc = CS_EDB;
    }

    /* images: from whatever host serves them, each a sighting with its licence context */
    license_evidence_list evidence;
    memset(&evidence, 0, sizeof evidence);
    /* JSON-LD/microdata captions, for images without a figcaption */
    char **captions = calloc(page.image_count ? page.image_count : 1, sizeof *captions);
    if (captions == NULL && rc == CS_OK) rc = cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK && page.image_count > 0 &&
        page_evidence(&page, resp->url, &evidence, captions, ctx->err) == CS_ENOMEM)
        rc = CS_ENOMEM; /* otherwise a page license/ cannot read says nothing about licences */
    catalog_rights *rows = calloc(evidence.count ? evidence.count : 1, sizeof *rows);
    if (rows == NULL && rc == CS_OK) rc = cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == CS_OK && i < page.image_count; i++) {
        const crawler_html_image *img = &page.images[i];
        int64_t image_url_id =
            crawl_enqueue(ctx, img->url, CRAWLER_KIND_IMAGE, job->depth + 1, job->url_id);
        if (ctx->failed) rc = CS_EDB;
        if (image_url_id == 0) continue;
        const license_evidence *ev;
        size_t row_count = image_evidence(&evidence, img->url, rows, &ev);
        const char *license_url = NULL, *license_spdx = NULL;
        if (ev) {
            license_url = ev->has_license && ev->license.url[0] ? ev->license.url : ev->raw_value;
            license_spdx = ev->has_license && ev->license.spdx[0] ? ev->license.spdx : NULL;
        }
        catalog_sighting s = {.page_id = page_id,
                              .image_url_id = image_url_id,
                              .element = img->element,
                              .alt = img->alt,
                              .caption = img->caption ? img->caption : captions[i],
                              .license_url = license_url,
                              .license_spdx = license_spdx,
                              .license_scope = ev ? license_scope_name(ev->scope) : NULL,
                              .attribution_name = ev ? ev->attribution_name : NULL,
                              .attribution_url = ev ? ev->attribution_url : NULL,
                              .evidence = rows,
                              .evidence_count = row_count};
        if (rc == CS_OK) rc = catalog_record_sighting(ctx->cat, &s, ctx->err);
    }
    free(rows);
    for (size_t i = 0; captions && i < page.image_count; i++)
        free(captions[i]);
    free(captions);
    license_evidence_list_free(&evidence);
    crawler_html_page_free(&page);
    if (rc == CS_OK) ctx->stats->pages++;
    return rc;
}

/*
 * The protocols checked for an image served by host, whatever they said: the
 * response headers always (Content-Signal, Content-Usage, TDMRep), robots.txt
 * with its AI crawler groups and RSL License lines once read, tdmrep.json
 * and ai.txt once asked for. The embedded ones (iptc, c2pa) are recorded when
 * the file's metadata is read (record_embedded).
 */
static int record_checks(crawl_ctx *ctx, int64_t image_id, const crawl_host *host)
{
    const char *checked[9];
    size_t n = 0;
    if (host->rules) {
        checked[n++] = "robots";
        checked[n++] = "ai-crawlers";
    }
    checked[n++] = "content-signal";
    checked[n++] = "content-usage";
    if (host->rules) checked[n++] = "rsl";
    checked[n++] = "tdmrep";
    if (host->ai_txt_status >= 0) checked[n++] = "ai.txt";
    return catalog_record_checks(ctx->cat, image_id, checked, n, ctx->err);
}

/* Stores an image response; CS_ELIMIT / CS_EUNSUPPORTED name why it was refused. */
static int process_image(crawl_ctx *ctx, const crawl_job *job, const crawler_response *resp,
                         int64_t fetch_id, const crawler_image_probe *probe, const char **why)
{
    uint64_t max_pixels =
        ctx->opts->fetch.max_pixels ? ctx->opts->fetch.max_pixels : CRAWLER_MAX_PIXELS;
    if (probe->pixels > max_pixels) {
        *why = "too_many_pixels";
        return CS_ELIMIT;
    }
    if (crawler_image_complete(resp->body, resp->body_len) != CS_OK) {
        *why = "truncated: the image ends before its format's end (JPEG EOI, PNG IEND, RIFF "
               "size); a decoder would paint the rest grey";
        return CS_EFORMAT;
    }
    catalog_image_info info = {.media_type = probe->media_type,
                               .width = probe->width,
                               .height = probe->height,
                               .source = "crawl"};
    int64_t image_id;
    int is_new = 0;
    int rc = catalog_add_image(ctx->cat, resp->body, resp->body_len, &info, &image_id, &is_new,
                               ctx->err);
    if (rc == CS_OK)
        rc = catalog_link_image_url(ctx->cat, job->url_id, image_id, fetch_id, ctx->err);
    robots_signal_list signals;
    robots_signal_list_init(&signals);
    if (rc == CS_OK) {
        int gathered = signals_from_response(&signals, resp, ctx->err);
        if (gathered == CS_OK)
            gathered =
                signals_from_host(&signals, job->host, resp->url, ctx->opts->ai_crawlers, ctx->err);
        rc =
            record_gathered(ctx, gathered, &signals, "image", job->host->id, job->url_id, image_id);
    }
    robots_signal_list_free(&signals);
    if (rc == CS_OK) rc = record_checks(ctx, image_id, job->host);
    if (rc == CS_OK) rc = record_rsl_evidence(ctx, job->host, image_id, resp->url);
    if (rc == CS_OK) rc = discover_rsl(ctx, job->host, resp, NULL);
    if (rc == CS_OK && is_new) rc = record_embedded(ctx, image_id, resp->url, resp);
    if (rc == CS_OK) {
        ctx->stats->images++;
        ctx->images_stored++;
    }
    return rc;
}

/*
 * An RSL document's response: kept in rsl_documents (no frontier URL or
 * fetch row: it is a policy file of the host that points to it, maybe served
 * by another host), cached for a day, or for ten minutes when unreachable.
 */
/*
 * A document a response pointed to arrives after that response was recorded
 * (an image's own Link header): its terms for that URL are recorded now, as
 * the response's signals (and, for a stored image, its licence evidence).
 */
static int record_rsl_for_pointer(crawl_ctx *ctx, const crawl_host *h, const crawl_rsl_doc *doc)
{
    catalog_frontier_item item;
    int rc = catalog_frontier_get(ctx->cat, doc->for_url, &item, ctx->err);
    if (rc == CS_ENOTFOUND) return CS_OK;
    if (rc != CS_OK) return rc;
    int64_t image_id = 0;
    int is_image = item.kind == CATALOG_URL_IMAGE;
    if (is_image) rc = catalog_find_image_by_url(ctx->cat, doc->for_url, &image_id, ctx->err);
    if (rc == CS_ENOTFOUND) rc = CS_OK, image_id = 0;
    robots_signal_list list;
    robots_signal_list_init(&list);
    if (rc == CS_OK) {
        int gathered =
            robots_signals_from_rsl(&list, &doc->rsl, doc->for_url, doc->url, doc->via, ctx->err);
        rc = record_gathered(ctx, gathered, &list, is_image ? "image" : "page", h->id, item.id,
                             image_id);
    }
    robots_signal_list_free(&list);
    if (rc == CS_OK && image_id) rc = rsl_doc_evidence(ctx, doc, image_id, doc->for_url);
    catalog_frontier_item_clear(&item);
    return rc;
}

static void record_rsl(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_host *h = job->host;
    h->next_fetch_at = now + h->delay_ms;
    policy_outcome outcome;
    if (policy_absorb(h, resp, &outcome, ctx->err) != CS_OK) {
        crawl_fail(ctx, resp->url);
        return;
    }
    crawl_rsl_doc *doc = policy_rsl_find(h, resp->url);
    if (doc == NULL) return;
    if (outcome.refused) { /* not the site's answer: asked again by a run allowed to connect */
        crawl_note_refused(ctx, resp);
        ctx->stats->errors++;
        doc->status = POLICY_STATUS_SKIPPED;
        return;
    }
    int status = outcome.status;
    int64_t cache_ms =
        policy_robots_unreachable(status) ? CRAWL_ROBOTS_ERROR_CACHE_MS : CRAWL_ROBOTS_CACHE_MS;
    int ok = status >= 200 && status < 300;
    if (catalog_host_save_rsl(ctx->cat, h->id, resp->url, doc->via, status, ok ? resp->body : NULL,
                              ok ? resp->body_len : 0, now, now + cache_ms, ctx->err) != CS_OK ||
        (doc->parsed && doc->for_url && record_rsl_for_pointer(ctx, h, doc) != CS_OK))
        crawl_fail(ctx, resp->url);
}

void crawl_record_policy(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_host *h = job->host;
    if (job->kind == CRAWLER_KIND_RSL) {
        record_rsl(ctx, job, resp, now);
        return;
    }
    int64_t url_id = 0;
    int64_t served_by = job->via ? job->via->id : h->id; /* the URL's own host */
    if (catalog_frontier_add(ctx->cat, resp->url, served_by, crawl_url_kind(job->kind), 0, 0,
                             CATALOG_URL_DONE, &url_id, NULL, ctx->err) != CS_OK) {
        crawl_fail(ctx, resp->url);
        return;
    }
    catalog_fetch_record rec = {.url_id = url_id,
                                .started_at = resp->started_at_ms,
                                .elapsed_ms = resp->elapsed_ms,
                                .http_status = (int)resp->status,
                                .content_type = crawler_response_header(resp, "Content-Type"),
                                .body_bytes = (int64_t)resp->body_len,
                                .error_code = resp->error_code,
                                .error = resp->error ? resp->error_message : NULL};
    if (catalog_record_fetch(ctx->cat, &rec, NULL, ctx->err) != CS_OK) {
        crawl_fail(ctx, resp->url);
        return;
    }
    h->next_fetch_at = now + h->delay_ms;
    policy_outcome outcome;
    if (policy_absorb(h, resp, &outcome, ctx->err) != CS_OK) {
        crawl_fail(ctx, resp->url);
        return;
    }
    if (outcome.refused) {
        /* not the site's answer: nothing cached, the host waits for a run allowed to reach it */
        crawl_note_refused(ctx, resp);
        ctx->stats->errors++;
        h->parked = 1;
        h->wake_at = INT64_MAX;
        return;
    }
    if (outcome.redirected) return; /* rules stay unknown: the next turn follows the redirect */
    int status = outcome.status;
    int rc;
    if (job->kind == CRAWLER_KIND_ROBOTS) {
        double crawl_delay = robots_crawl_delay(h->rules, ROBOTS_OWN_AGENT);
        h->delay_ms =
            politeness_delay_ms(ctx->opts->delay_ms, crawl_delay, ctx->opts->max_crawl_delay_ms);
        h->next_fetch_at = now + h->delay_ms;
        int64_t cache_ms =
            policy_robots_unreachable(status) ? CRAWL_ROBOTS_ERROR_CACHE_MS : CRAWL_ROBOTS_CACHE_MS;
        rc = catalog_host_save_robots(
            ctx->cat, h->id, status, status >= 200 && status < 300 ? resp->body : NULL,
            resp->body_len, now, now + cache_ms,
            crawl_delay >= 0 ? (int64_t)(crawl_delay * 1000) : -1, ctx->err);
    } else {
        int tdm = job->kind == CRAWLER_KIND_TDMREP;
        rc = catalog_host_save_policy_file(ctx->cat, h->id, crawl_url_kind(job->kind), status,
                                           tdm ? h->tdmrep_body : h->ai_txt_body,
                                           tdm ? h->tdmrep_len : h->ai_txt_len, ctx->err);
    }
    if (rc != CS_OK) crawl_fail(ctx, resp->url);
}

/* 1 when target is the URL itself or one that redirected (directly or by a chain) to it. */
static int redirect_loops(crawl_ctx *ctx, int64_t url_id, const char *target)
{
    catalog_frontier_item item;
    int rc = catalog_frontier_get(ctx->cat, target, &item, ctx->err);
    if (rc == CS_ENOTFOUND) return 0; /* a new URL */
    if (rc != CS_OK) {
        crawl_fail(ctx, target);
        return 0;
    }
    int found = item.id == url_id;
    if (!found && catalog_redirect_chain_contains(ctx->cat, url_id, item.id, CRAWL_MAX_REDIRECTS,
                                                  &found, ctx->err) != CS_OK)
        crawl_fail(ctx, target);
    catalog_frontier_item_clear(&item);
    return found;
}

static int is_html_type(const char *type)
{
    if (type == NULL) return 1; /* undeclared: try it */
    size_t n = strcspn(type, ";");
    while (n > 0 && type[n - 1] == ' ')
        n--;
    return cs_ascii_ieq(type, n, "text/html") || cs_ascii_ieq(type, n, "application/xhtml+xml");
}

void crawl_record_url(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_host *h = job->host;
    int redirects = job->redirects;
    char *headers = headers_json(resp);
    if (headers == NULL) {
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        crawl_fail(ctx, resp->url);
        return;
    }
    const char *content_type = crawler_response_header(resp, "Content-Type");
    catalog_fetch_record rec = {.url_id = job->url_id,
                                .started_at = resp->started_at_ms,
                                .elapsed_ms = resp->elapsed_ms,
                                .http_status = (int)resp->status,
                                .redirects = redirects,
                                .content_type = content_type,
                                .body_bytes = resp->error ? -1 : (int64_t)resp->body_len,
                                .headers_json = headers,
                                .error_code = resp->error_code,
                                .error = resp->error ? resp->error_message : NULL};
    int64_t fetch_id = 0;
    int rc = catalog_record_fetch(ctx->cat, &rec, &fetch_id, ctx->err);
    free(headers);

    politeness_outcome outcome;
    politeness_after_response(h, now, resp->status, resp->error,
                              crawler_response_header(resp, "Retry-After"), job->attempts,
                              ctx->opts->max_attempts, &outcome);
    catalog_url_state state = CATALOG_URL_DONE;
    int64_t next_attempt = 0;
    char why[320] = "";
    if (politeness_is_transient(resp->status, resp->error)) {
        state = outcome.retry ? CATALOG_URL_QUEUED : CATALOG_URL_FAILED;
        next_attempt = outcome.retry_at;
        if (resp->error)
            snprintf(why, sizeof why, "%s: %s", resp->error_code, resp->error_message);
        else
            snprintf(why, sizeof why, "HTTP %ld", resp->status);
        if (outcome.retry && job->kind == CRAWLER_KIND_PAGE) h->pages_fetched--;
        h->wake_at = 0;
    } else if (resp->error == CS_EDENIED) {
        /* this run may not connect there; the URL waits in the queue for one that may */
        state = CATALOG_URL_QUEUED;
        next_attempt = 0;
        snprintf(why, sizeof why, "%s: %s", resp->error_code, resp->error_message);
        crawl_note_refused(ctx, resp);
        if (job->kind == CRAWLER_KIND_PAGE) h->pages_fetched--;
        h->parked = 1;
        h->wake_at = INT64_MAX;
    } else if (resp->error) {
        state = CATALOG_URL_FAILED;
        snprintf(why, sizeof why, "%s: %s", resp->error_code, resp->error_message);
    } else if (resp->status >= 300 && resp->status < 400) {
        const char *location = crawler_response_header(resp, "Location");
        char target[CS_URL_SIZE];
        if (location == NULL ||
            cs_url_resolve(resp->url, location, strlen(location), target, NULL) != CS_OK) {
            state = CATALOG_URL_FAILED;
            snprintf(why, sizeof why, "redirect without a usable Location");
        } else if (redirects >= CRAWL_MAX_REDIRECTS) {
            state = CATALOG_URL_FAILED;
            snprintf(why, sizeof why, "more than %d redirects", CRAWL_MAX_REDIRECTS);
        } else if (rc == CS_OK && redirect_loops(ctx, job->url_id, target)) {
            state = CATALOG_URL_FAILED;
            snprintf(why, sizeof why, "redirect loop back to %.200s", target);
        } else if (rc == CS_OK && !ctx->failed) {
            crawl_enqueue(ctx, target, job->kind, job->depth, job->url_id);
        }
        if (ctx->failed) rc = CS_EDB;
    } else if (resp->status >= 200 && resp->status < 300) {
        crawler_image_probe probe;
        int sniff = crawler_sniff_image(resp->body, resp->body_len, &probe);
        if (sniff == CS_OK) {
            const char *refused = NULL;
            if (rc == CS_OK) {
                int irc = process_image(ctx, job, resp, fetch_id, &probe, &refused);
                if (irc == CS_ELIMIT) {
                    state = CATALOG_URL_FAILED;
                    snprintf(why, sizeof why, "%s: image header claims %dx%d pixels", refused,
                             probe.width, probe.height);
                } else if (irc == CS_EFORMAT && refused) {
                    state = CATALOG_URL_FAILED;
                    snprintf(why, sizeof why, "%s", refused);
                } else {
                    rc = irc;
                }
            }
        } else if (job->kind == CRAWLER_KIND_PAGE && is_html_type(content_type)) {
            robots_signal_list signals;
            robots_signal_list_init(&signals);
            if (rc == CS_OK) {
                int gathered = signals_from_response(&signals, resp, ctx->err);
                if (gathered == CS_OK)
                    gathered =
                        signals_from_host(&signals, h, resp->url, ctx->opts->ai_crawlers, ctx->err);
                rc = record_gathered(ctx, gathered, &signals, "page", h->id, job->url_id, 0);
            }
            robots_signal_list_free(&signals);
            if (rc == CS_OK) {
                int prc = process_page(ctx, job, resp, fetch_id);
                if (prc == CS_EFORMAT && rc == CS_OK) rc = discover_rsl(ctx, h, resp, NULL);
                if (prc == CS_EFORMAT) {
                    state = CATALOG_URL_FAILED;
                    snprintf(why, sizeof why, "unreadable HTML");
                } else {
                    rc = prc;
                }
            }
        } else {
            state = CATALOG_URL_FAILED;
            snprintf(why, sizeof why, "%s",
                     sniff == CS_EFORMAT ? "broken image header" : "not an image or a page");
        }
    } else {
        state = CATALOG_URL_FAILED;
        snprintf(why, sizeof why, "HTTP %ld", resp->status);
    }
    if (state == CATALOG_URL_FAILED || state == CATALOG_URL_QUEUED) ctx->stats->errors++;
    if (rc == CS_OK)
        rc = catalog_frontier_set_state(ctx->cat, job->url_id, state, 0, next_attempt,
                                        why[0] ? why : NULL, ctx->err);
    if (rc != CS_OK)
        crawl_fail(ctx, resp->url); /* the caller's transaction rolls back */
    else
        crawl_save_politeness(ctx, h);
}
