/*
 * crawl.c - the crawl loop: a scheduler over hosts on top of the fetcher,
 * with the frontier and every result kept in the catalog.
 *
 * Each turn of the loop:
 *   1. every host that is idle (no request running), not parked, past its
 *      delay and pause, and possibly holding due URLs gets one request, up
 *      to the concurrency limit: robots.txt first (from the catalog cache
 *      when fresh), then /.well-known/tdmrep.json and /ai.txt once, then the
 *      next due frontier URL that robots.txt allows (disallowed ones are
 *      marked so and never requested);
 *   2. the fetcher runs until something happens or the next host is due;
 *   3. each finished response is recorded in one catalog transaction:
 *      the fetch, the URL's new state, what the page links to and shows
 *      (new frontier rows, sightings with page-side licences), opt-out
 *      signals, the image blob and its embedded rights metadata.
 * Politeness is entirely ours (politeness.c); curl never queues. A URL is
 * marked in_flight before its request starts and leaves that state only in
 * the transaction that records its result, so after a SIGKILL the only URLs
 * fetched again are those that were in flight.
 */
#include "crawler/crawler_internal.h"
#include "license/license.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CRAWL_POLL_MAX_MS 100 /* longest wait for the network in one turn (stop/time checks) */
/* --max-depth default: the seed page, its links, and theirs. */
#define CRAWL_DEFAULT_MAX_DEPTH 3

typedef struct crawl_job {
    int64_t url_id; /* 0 for robots.txt, tdmrep.json, ai.txt */
    crawl_host *host;
    crawler_kind kind;
    int depth;
    int attempts; /* including this one */
    struct crawl_job *next, *prev;
} crawl_job;

typedef struct crawl_ctx {
    catalog *cat;
    const crawler_options *opts;
    crawler_fetcher *fetcher;
    crawl_hosts hosts;
    crawler_stats *stats;
    crawl_job *jobs; /* running */
    char **scope_origins;
    size_t scope_count, scope_cap;
    int64_t images_stored;
    int failed; /* a catalog error: stop */
    int in_txn; /* a catalog transaction is open (see txn_begin) */
    cs_error *err;
} crawl_ctx;

void crawler_options_default(crawler_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_depth = CRAWL_DEFAULT_MAX_DEPTH;
    o->delay_ms = 1000;
    o->max_crawl_delay_ms = 30000;
    o->concurrency = 16;
    o->max_outlinks = 200;
    o->max_attempts = 3;
    o->max_path_segments = 32;
    o->max_segment_repeats = 3;
    o->progress_interval_ms = 1000;
}

/*
 * Catalog writes are grouped: everything one loop turn dispatches is one
 * transaction, committed before curl sends anything, and every response that
 * one fetcher run finishes is another. A response is still recorded all or
 * nothing (a kill loses whole responses, whose URLs are then still in_flight
 * and are fetched again), and a busy turn costs one commit instead of dozens.
 */
static void txn_begin(crawl_ctx *ctx)
{
    if (ctx->in_txn || ctx->failed) return;
    if (catalog_begin(ctx->cat, ctx->err) != CS_OK)
        ctx->failed = 1;
    else
        ctx->in_txn = 1;
}

static void txn_end(crawl_ctx *ctx)
{
    if (!ctx->in_txn) return;
    ctx->in_txn = 0;
    if (ctx->failed) {
        catalog_rollback(ctx->cat);
    } else if (catalog_commit(ctx->cat, ctx->err) != CS_OK) {
        catalog_rollback(ctx->cat);
        ctx->failed = 1;
    }
}

/* ---- hosts ------------------------------------------------------------------ */

static robots_rules *rules_for_status(int status, const unsigned char *body, size_t len)
{
    robots_rules *rules = NULL;
    if (status >= 200 && status < 300)
        robots_parse((const char *)body, body ? len : 0, &rules, NULL);
    else if ((status >= 300 && status < 500 && status != 429))
        robots_new_allow_all(&rules, NULL); /* RFC 9309 2.3.1.3: unavailable */
    else
        robots_new_disallow_all(&rules, NULL); /* 2.3.1.4: unreachable, 5xx, 429 */
    return rules;
}

static int in_page_scope(crawl_ctx *ctx, const char *origin, const char *host_name)
{
    for (size_t i = 0; i < ctx->scope_count; i++)
        if (strcmp(ctx->scope_origins[i], origin) == 0) return 1;
    for (size_t i = 0; i < ctx->opts->host_count; i++)
        if (strcasecmp(ctx->opts->hosts[i], host_name) == 0 ||
            strcasecmp(ctx->opts->hosts[i], origin) == 0)
            return 1;
    return 0;
}

static int add_scope_origin(crawl_ctx *ctx, const char *origin)
{
    for (size_t i = 0; i < ctx->scope_count; i++)
        if (strcmp(ctx->scope_origins[i], origin) == 0) return CS_OK;
    int rc = cs_array_reserve((void **)&ctx->scope_origins, &ctx->scope_cap, ctx->scope_count,
                              sizeof *ctx->scope_origins, 0);
    if (rc != CS_OK) return rc;
    ctx->scope_origins[ctx->scope_count] = strdup(origin);
    if (ctx->scope_origins[ctx->scope_count] == NULL) return CS_ENOMEM;
    ctx->scope_count++;
    return CS_OK;
}

/* The in-memory host for a URL's origin, loaded from (or added to) the catalog. */
static crawl_host *host_for(crawl_ctx *ctx, const crawler_url_parts *parts)
{
    crawl_host *h = crawl_hosts_find(&ctx->hosts, parts->origin);
    if (h) return h;
    catalog_host row;
    if (catalog_host_get_or_add(ctx->cat, parts->origin, &row, ctx->err) != CS_OK) {
        ctx->failed = 1;
        return NULL;
    }
    h = calloc(1, sizeof *h);
    if (h == NULL) {
        catalog_host_clear(&row);
        ctx->failed = 1;
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        return NULL;
    }
    int64_t now = cs_now_ms();
    h->id = row.id;
    cs_strlcpy(h->origin, parts->origin, sizeof h->origin);
    h->robots_status = row.robots_status;
    if (row.robots_status >= 0 && row.robots_expires_at > now)
        h->rules = rules_for_status(row.robots_status, row.robots_body, row.robots_len);
    h->tdmrep_status = row.tdmrep_status;
    h->tdmrep_body = row.tdmrep_body;
    h->tdmrep_len = row.tdmrep_len;
    row.tdmrep_body = NULL;
    h->ai_txt_status = row.ai_txt_status;
    h->ai_txt_body = row.ai_txt_body;
    h->ai_txt_len = row.ai_txt_len;
    row.ai_txt_body = NULL;
    double crawl_delay = h->rules ? robots_crawl_delay(h->rules, ROBOTS_OWN_AGENT) : -1.0;
    h->delay_ms =
        politeness_delay_ms(ctx->opts->delay_ms, crawl_delay, ctx->opts->max_crawl_delay_ms);
    /* A resumed crawl keeps the killed one's spacing. */
    h->next_fetch_at = row.next_fetch_at;
    h->paused_until = row.paused_until;
    h->consecutive_errors = 0; /* parking lasts one crawl */
    h->parked = 0;
    h->page_scope = in_page_scope(ctx, parts->origin, parts->host);
    int64_t pages = 0;
    catalog_frontier_count(ctx->cat, h->id, "page", "done", &pages, NULL);
    h->pages_fetched = pages;
    catalog_host_clear(&row);
    if (crawl_hosts_add(&ctx->hosts, h) != CS_OK) {
        robots_free(h->rules);
        free(h->tdmrep_body);
        free(h->ai_txt_body);
        free(h);
        ctx->failed = 1;
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        return NULL;
    }
    ctx->stats->hosts = (int64_t)ctx->hosts.count;
    return h;
}

static void save_politeness(crawl_ctx *ctx, crawl_host *h)
{
    if (catalog_host_save_politeness(ctx->cat, h->id, h->next_fetch_at, h->paused_until,
                                     h->consecutive_errors, h->parked, ctx->err) != CS_OK)
        ctx->failed = 1;
}

/* ---- frontier ---------------------------------------------------------------- */

/*
 * Queues url (absolute, normalised) unless out of scope or a trap. Returns the
 * url id, or 0 when it was not queued (pages out of scope or too deep).
 */
static int64_t enqueue(crawl_ctx *ctx, const char *url, crawler_kind kind, int depth,
                       int64_t referrer_id)
{
    crawler_url_parts parts;
    if (crawler_url_split(url, &parts) != CS_OK) return 0;
    if (frontier_trap_reason(url, ctx->opts->max_path_segments, ctx->opts->max_segment_repeats))
        return 0;
    if (kind == CRAWLER_KIND_PAGE &&
        (depth > ctx->opts->max_depth || !in_page_scope(ctx, parts.origin, parts.host)))
        return 0; /* checked before the host is known, so out-of-scope hosts leave no row */
    crawl_host *h = host_for(ctx, &parts);
    if (h == NULL) return 0;
    int64_t id = 0;
    int is_new = 0;
    if (catalog_frontier_add(ctx->cat, url, h->id, crawler_kind_name(kind), depth, referrer_id,
                             "queued", &id, &is_new, ctx->err) != CS_OK) {
        ctx->failed = 1;
        return 0;
    }
    if (is_new) h->wake_at = 0;
    return id;
}

/* ---- starting requests ---------------------------------------------------------- */

static int start_job(crawl_ctx *ctx, crawl_host *h, const char *url, crawler_kind kind,
                     int64_t url_id, int depth, int attempts)
{
    crawl_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        ctx->failed = 1;
        return cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    }
    job->url_id = url_id;
    job->host = h;
    job->kind = kind;
    job->depth = depth;
    job->attempts = attempts;
    int rc = crawler_fetcher_add(ctx->fetcher, url, kind, job, ctx->err);
    if (rc != CS_OK) {
        free(job);
        ctx->failed = 1;
        return rc;
    }
    job->next = ctx->jobs;
    if (job->next) job->next->prev = job;
    ctx->jobs = job;
    h->in_flight = 1;
    /* Persist the spacing before the request goes out: a kill cannot make us rude. */
    int64_t now = cs_now_ms();
    h->next_fetch_at = now + h->delay_ms;
    save_politeness(ctx, h);
    return CS_OK;
}

static int policy_allowed(const crawl_host *h, const char *path)
{
    return robots_allowed(h->rules, ROBOTS_OWN_AGENT, path);
}

/* Starts the host's next request if it has one due; returns 1 when a request started. */
static int start_next(crawl_ctx *ctx, crawl_host *h, int64_t now)
{
    catalog_frontier_item item;
    for (;;) {
        int rc = catalog_frontier_next(ctx->cat, h->id, now, &item, ctx->err);
        if (rc == CS_ENOTFOUND) {
            int64_t earliest;
            h->wake_at = catalog_frontier_earliest(ctx->cat, h->id, &earliest, NULL) == CS_OK
                             ? CS_MAX(earliest, now + 1)
                             : INT64_MAX;
            return 0;
        }
        if (rc != CS_OK) {
            ctx->failed = 1;
            return 0;
        }
        char url[CRAWLER_URL_SIZE];
        if (h->rules == NULL) { /* RFC 9309: robots.txt before anything else */
            if (h->robots_url[0] == '\0') snprintf(url, sizeof url, "%s/robots.txt", h->origin);
            catalog_frontier_item_clear(&item);
            start_job(ctx, h, h->robots_url[0] ? h->robots_url : url, CRAWLER_KIND_ROBOTS, 0, 0, 1);
            return 1;
        }
        if (h->tdmrep_status < 0 || h->ai_txt_status < 0) {
            int tdm = h->tdmrep_status < 0;
            const char *path = tdm ? "/.well-known/tdmrep.json" : "/ai.txt";
            if (policy_allowed(h, path)) {
                snprintf(url, sizeof url, "%s%s", h->origin, path);
                catalog_frontier_item_clear(&item);
                start_job(ctx, h, url, tdm ? CRAWLER_KIND_TDMREP : CRAWLER_KIND_AI_TXT, 0, 0, 1);
                return 1;
            }
            /* robots.txt keeps us from it: recorded as status 0 (not fetched) */
            if (tdm)
                h->tdmrep_status = 0;
            else
                h->ai_txt_status = 0;
            if (catalog_host_save_policy_file(ctx->cat, h->id, tdm ? "tdmrep" : "ai_txt", 0, NULL,
                                              0, ctx->err) != CS_OK)
                ctx->failed = 1;
            catalog_frontier_item_clear(&item);
            continue;
        }
        crawler_kind kind = CRAWLER_KIND_PAGE;
        crawler_kind_parse(item.kind, &kind);
        robots_match match;
        robots_check(h->rules, ROBOTS_OWN_AGENT, item.url, &match);
        const char *skip = NULL;
        char why[128];
        if (!match.allowed) {
            if (h->robots_status < 200 || h->robots_status >= 500 || h->robots_status == 429)
                snprintf(why, sizeof why,
                         "robots.txt unreachable (status %d): RFC 9309 says disallow all",
                         h->robots_status);
            else
                snprintf(why, sizeof why, "robots.txt line %d disallows it for %s", match.line,
                         ROBOTS_OWN_AGENT);
            skip = "disallowed";
            ctx->stats->disallowed++;
        } else if (kind == CRAWLER_KIND_PAGE && ctx->opts->max_pages_per_host > 0 &&
                   h->pages_fetched >= ctx->opts->max_pages_per_host) {
            snprintf(why, sizeof why, "--max-pages-per-host %lld reached",
                     (long long)ctx->opts->max_pages_per_host);
            skip = "skipped";
        }
        if (skip) {
            if (catalog_frontier_set_state(ctx->cat, item.id, skip, 0, 0, why, ctx->err) != CS_OK)
                ctx->failed = 1;
            catalog_frontier_item_clear(&item);
            if (ctx->failed) return 0;
            continue;
        }
        if (catalog_frontier_set_state(ctx->cat, item.id, "in_flight", 1, item.next_attempt_at,
                                       NULL, ctx->err) != CS_OK) {
            ctx->failed = 1;
            catalog_frontier_item_clear(&item);
            return 0;
        }
        if (kind == CRAWLER_KIND_PAGE) h->pages_fetched++;
        start_job(ctx, h, item.url, kind, item.id, item.depth, item.attempts + 1);
        catalog_frontier_item_clear(&item);
        return 1;
    }
}

/* ---- recording results ------------------------------------------------------------ */

static char *headers_json(const crawler_response *resp)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < resp->header_count; i++)
        json_array_append_new(arr,
                              json_pack("[s?s?]", resp->headers[i].name, resp->headers[i].value));
    char *text = json_dumps(arr, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(arr);
    return text;
}

static int record_signals(crawl_ctx *ctx, const robots_signal_list *list, const char *scope,
                          int64_t host_id, int64_t url_id, int64_t image_id)
{
    for (size_t i = 0; i < list->count; i++) {
        const robots_signal *s = &list->items[i];
        if (s->effect == ROBOTS_EFFECT_NONE) continue; /* index, follow, ... say nothing */
        char raw[ROBOTS_SIGNAL_VALUE_MAX + ROBOTS_SIGNAL_SCOPE_MAX + 4];
        if (s->scope[0])
            snprintf(raw, sizeof raw, "%s: %s", s->scope, s->value);
        else
            snprintf(raw, sizeof raw, "%s", s->value);
        catalog_optout o = {.scope = scope,
                            .host_id = host_id,
                            .url_id = url_id,
                            .image_id = image_id,
                            .kind = signals_catalog_kind(s),
                            .raw_value = raw,
                            .effect = signals_catalog_effect(s),
                            .found_at = s->where};
        int rc = catalog_record_optout(ctx->cat, &o, ctx->err);
        if (rc != CS_OK) return rc;
    }
    return CS_OK;
}

static int record_embedded(crawl_ctx *ctx, int64_t image_id, const char *url,
                           const crawler_response *resp)
{
    license_embedded emb;
    memset(&emb, 0, sizeof emb);
    if (license_read_embedded(resp->body, resp->body_len, &emb, NULL) != CS_OK) {
        license_embedded_free(&emb);
        return CS_OK; /* unreadable metadata is no evidence, not a crawl failure */
    }
    int rc = CS_OK;
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
    if (rc == CS_OK && emb.data_mining) {
        robots_signal_list list;
        robots_signal_list_init(&list);
        robots_signals_from_data_mining(&list, emb.data_mining, strlen(emb.data_mining), url, NULL);
        rc = record_signals(ctx, &list, "image", 0, 0, image_id);
        robots_signal_list_free(&list);
    }
    license_embedded_free(&emb);
    return rc;
}

/* The best page-side licence evidence for image_url: tied to the image beats page-wide. */
static const license_evidence *best_evidence(const license_evidence_list *list,
                                             const char *image_url)
{
    const license_evidence *best = NULL;
    for (size_t i = 0; i < list->count; i++) {
        const license_evidence *e = &list->items[i];
        if (e->image_url == NULL || strcmp(e->image_url, image_url) != 0) continue;
        if (best == NULL || e->confidence < best->confidence) best = e;
    }
    return best;
}

/* Builds license/'s view of the page and asks it which licence covers which image. */
static int page_evidence(const crawler_html_page *page, const char *page_url,
                         license_evidence_list *out, cs_error *err)
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
    rc = license_page_evidence(&in, out, err);
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

static int process_page(crawl_ctx *ctx, const crawl_job *job, const crawler_response *resp,
                        int64_t fetch_id)
{
    crawler_html_page page;
    cs_error perr;
    int rc = crawler_html_extract(resp->url, resp->body, resp->body_len, &page, &perr);
    if (rc != CS_OK) return CS_EFORMAT; /* recorded by the caller as a failed page */
    /* meta robots contents, and the page-wide licence, for the pages row */
    cs_buf robots_meta;
    cs_buf_init(&robots_meta, 4096);
    const char *page_license = NULL;
    for (size_t i = 0; i < page.meta_count; i++) {
        if (strcasecmp(page.metas[i].name, "robots") == 0 ||
            strcasecmp(page.metas[i].name, ROBOTS_OWN_AGENT) == 0) {
            if (robots_meta.len) cs_buf_append_str(&robots_meta, "; ");
            cs_buf_append_str(&robots_meta, page.metas[i].content);
        }
    }
    for (size_t i = 0; i < page.license_count && !page_license; i++)
        if (page.licenses[i].about == NULL && page.licenses[i].figure < 0)
            page_license = page.licenses[i].href;
    int64_t page_id = 0;
    rc = catalog_record_page(ctx->cat, job->url_id, fetch_id, page.title, page.base_url,
                             robots_meta.data ? (const char *)robots_meta.data : NULL, page_license,
                             &page_id, ctx->err);
    cs_buf_free(&robots_meta);

    robots_signal_list signals;
    robots_signal_list_init(&signals);
    if (rc == CS_OK && signals_from_page(&signals, &page, resp->url, NULL) == CS_OK)
        rc = record_signals(ctx, &signals, "page", job->host->id, job->url_id, 0);
    robots_signal_list_free(&signals);

    /* links: same-scope pages one level deeper, unless the page says nofollow */
    int queued_links = 0;
    for (size_t i = 0; rc == CS_OK && !page.meta_nofollow && i < page.link_count; i++) {
        if (page.links[i].nofollow) continue;
        if (queued_links >= ctx->opts->max_outlinks) break;
        if (enqueue(ctx, page.links[i].url, CRAWLER_KIND_PAGE, job->depth + 1, job->url_id))
            queued_links++;
        if (ctx->failed) rc = CS_EDB;
    }

    /* images: from whatever host serves them, each a sighting with its licence context */
    license_evidence_list evidence;
    memset(&evidence, 0, sizeof evidence);
    if (rc == CS_OK && page.image_count > 0) page_evidence(&page, resp->url, &evidence, NULL);
    for (size_t i = 0; rc == CS_OK && i < page.image_count; i++) {
        const crawler_html_image *img = &page.images[i];
        int64_t image_url_id =
            enqueue(ctx, img->url, CRAWLER_KIND_IMAGE, job->depth + 1, job->url_id);
        if (ctx->failed) rc = CS_EDB;
        if (image_url_id == 0) continue;
        const license_evidence *ev = best_evidence(&evidence, img->url);
        const char *license_url = NULL;
        if (ev)
            license_url = ev->has_license && ev->license.url[0] ? ev->license.url : ev->raw_value;
        catalog_sighting s = {.page_id = page_id,
                              .image_url_id = image_url_id,
                              .element = img->element,
                              .alt = img->alt,
                              .caption = img->caption,
                              .license_url = license_url,
                              .license_scope = ev ? license_scope_name(ev->scope) : NULL,
                              .attribution_name = ev ? ev->attribution_name : NULL,
                              .attribution_url = ev ? ev->attribution_url : NULL};
        if (rc == CS_OK) rc = catalog_record_sighting(ctx->cat, &s, ctx->err);
    }
    license_evidence_list_free(&evidence);
    crawler_html_page_free(&page);
    if (rc == CS_OK) ctx->stats->pages++;
    return rc;
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
    if (rc == CS_OK && signals_from_response(&signals, resp, NULL) == CS_OK &&
        signals_from_host(&signals, job->host, resp->url, NULL) == CS_OK)
        rc = record_signals(ctx, &signals, "image", job->host->id, job->url_id, image_id);
    robots_signal_list_free(&signals);
    if (rc == CS_OK && is_new) rc = record_embedded(ctx, image_id, resp->url, resp);
    if (rc == CS_OK) {
        ctx->stats->images++;
        ctx->images_stored++;
    }
    return rc;
}

static void finish_policy(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_host *h = job->host;
    int status = resp->error == CS_OK ? (int)resp->status : 0;
    int64_t url_id = 0;
    if (catalog_frontier_add(ctx->cat, resp->url, h->id, crawler_kind_name(job->kind), 0, 0, "done",
                             &url_id, NULL, ctx->err) == CS_OK) {
        catalog_fetch_record rec = {.url_id = url_id,
                                    .started_at = resp->started_at_ms,
                                    .elapsed_ms = resp->elapsed_ms,
                                    .http_status = (int)resp->status,
                                    .content_type = crawler_response_header(resp, "Content-Type"),
                                    .body_bytes = (int64_t)resp->body_len,
                                    .error_code = resp->error_code,
                                    .error = resp->error ? resp->error_message : NULL};
        catalog_record_fetch(ctx->cat, &rec, NULL, NULL);
    }
    h->next_fetch_at = now + h->delay_ms;
    if (job->kind == CRAWLER_KIND_ROBOTS) {
        const char *location = crawler_response_header(resp, "Location");
        if (status >= 300 && status < 400 && location &&
            h->robots_hops < CRAWL_ROBOTS_MAX_REDIRECTS) {
            char next[CRAWLER_URL_SIZE];
            if (crawler_url_resolve(resp->url, location, strlen(location), next, NULL) == CS_OK) {
                h->robots_hops++;
                cs_strlcpy(h->robots_url, next, sizeof h->robots_url);
                return; /* rules stay unknown: the next turn follows the redirect */
            }
        }
        robots_free(h->rules);
        h->rules = rules_for_status(status, resp->body, resp->body_len);
        h->robots_status = status;
        h->robots_url[0] = '\0';
        int ok = status >= 200 && status < 500 && status != 429;
        double crawl_delay = robots_crawl_delay(h->rules, ROBOTS_OWN_AGENT);
        h->delay_ms =
            politeness_delay_ms(ctx->opts->delay_ms, crawl_delay, ctx->opts->max_crawl_delay_ms);
        h->next_fetch_at = now + h->delay_ms;
        if (catalog_host_save_robots(
                ctx->cat, h->id, status, status >= 200 && status < 300 ? resp->body : NULL,
                resp->body_len, now,
                now + (ok ? CRAWL_ROBOTS_CACHE_MS : CRAWL_ROBOTS_ERROR_CACHE_MS),
                crawl_delay >= 0 ? (int64_t)(crawl_delay * 1000) : -1, ctx->err) != CS_OK)
            ctx->failed = 1;
    } else {
        int keep = status >= 200 && status < 300;
        int *status_field =
            job->kind == CRAWLER_KIND_TDMREP ? &h->tdmrep_status : &h->ai_txt_status;
        unsigned char **body_field =
            job->kind == CRAWLER_KIND_TDMREP ? &h->tdmrep_body : &h->ai_txt_body;
        size_t *len_field = job->kind == CRAWLER_KIND_TDMREP ? &h->tdmrep_len : &h->ai_txt_len;
        *status_field = status;
        free(*body_field);
        *body_field = NULL;
        *len_field = 0;
        if (keep) {
            *body_field = malloc(resp->body_len + 1);
            if (*body_field) {
                memcpy(*body_field, resp->body, resp->body_len + 1);
                *len_field = resp->body_len;
            }
        }
        if (catalog_host_save_policy_file(ctx->cat, h->id,
                                          job->kind == CRAWLER_KIND_TDMREP ? "tdmrep" : "ai_txt",
                                          status, *body_field, *len_field, ctx->err) != CS_OK)
            ctx->failed = 1;
    }
}

static int is_html_type(const char *type)
{
    if (type == NULL) return 1; /* undeclared: try it */
    size_t n = strcspn(type, ";");
    while (n > 0 && type[n - 1] == ' ')
        n--;
    return cs_ascii_ieq(type, n, "text/html") || cs_ascii_ieq(type, n, "application/xhtml+xml");
}

static void finish_url(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_host *h = job->host;
    int hops = -1;
    catalog_redirects_before(ctx->cat, job->url_id, &hops, NULL);
    int redirects = hops >= 0 ? hops + 1 : 0;
    char *headers = headers_json(resp);
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
    const char *state = "done";
    int64_t next_attempt = 0;
    char why[320] = "";
    if (politeness_is_transient(resp->status, resp->error)) {
        state = outcome.retry ? "queued" : "failed";
        next_attempt = outcome.retry_at;
        if (resp->error)
            snprintf(why, sizeof why, "%s: %s", resp->error_code, resp->error_message);
        else
            snprintf(why, sizeof why, "HTTP %ld", resp->status);
        if (outcome.retry && job->kind == CRAWLER_KIND_PAGE) h->pages_fetched--;
        h->wake_at = 0;
    } else if (resp->error) {
        state = "failed";
        snprintf(why, sizeof why, "%s: %s", resp->error_code, resp->error_message);
    } else if (resp->status >= 300 && resp->status < 400) {
        const char *location = crawler_response_header(resp, "Location");
        char target[CRAWLER_URL_SIZE];
        if (location == NULL ||
            crawler_url_resolve(resp->url, location, strlen(location), target, NULL) != CS_OK) {
            state = "failed";
            snprintf(why, sizeof why, "redirect without a usable Location");
        } else if (redirects >= CRAWL_MAX_REDIRECTS) {
            state = "failed";
            snprintf(why, sizeof why, "more than %d redirects", CRAWL_MAX_REDIRECTS);
        } else if (rc == CS_OK) {
            enqueue(ctx, target, job->kind, job->depth, job->url_id);
            if (ctx->failed) rc = CS_EDB;
        }
    } else if (resp->status >= 200 && resp->status < 300) {
        crawler_image_probe probe;
        int sniff = crawler_sniff_image(resp->body, resp->body_len, &probe);
        if (sniff == CS_OK) {
            const char *refused = NULL;
            if (rc == CS_OK) {
                int irc = process_image(ctx, job, resp, fetch_id, &probe, &refused);
                if (irc == CS_ELIMIT) {
                    state = "failed";
                    snprintf(why, sizeof why, "%s: image header claims %dx%d pixels", refused,
                             probe.width, probe.height);
                } else {
                    rc = irc;
                }
            }
        } else if (job->kind == CRAWLER_KIND_PAGE && is_html_type(content_type)) {
            robots_signal_list signals;
            robots_signal_list_init(&signals);
            if (rc == CS_OK && signals_from_response(&signals, resp, NULL) == CS_OK &&
                signals_from_host(&signals, h, resp->url, NULL) == CS_OK)
                rc = record_signals(ctx, &signals, "page", h->id, job->url_id, 0);
            robots_signal_list_free(&signals);
            if (rc == CS_OK) {
                int prc = process_page(ctx, job, resp, fetch_id);
                if (prc == CS_EFORMAT) {
                    state = "failed";
                    snprintf(why, sizeof why, "unreadable HTML");
                } else {
                    rc = prc;
                }
            }
        } else {
            state = "failed";
            snprintf(why, sizeof why, "%s",
                     sniff == CS_EFORMAT ? "broken image header" : "not an image or a page");
        }
    } else {
        state = "failed";
        snprintf(why, sizeof why, "HTTP %ld", resp->status);
    }
    if (strcmp(state, "failed") == 0 || strcmp(state, "queued") == 0) ctx->stats->errors++;
    if (rc == CS_OK)
        rc = catalog_frontier_set_state(ctx->cat, job->url_id, state, 0, next_attempt,
                                        why[0] ? why : NULL, ctx->err);
    if (rc == CS_OK)
        rc = catalog_host_save_politeness(ctx->cat, h->id, h->next_fetch_at, h->paused_until,
                                          h->consecutive_errors, h->parked, ctx->err);
    if (rc != CS_OK) ctx->failed = 1; /* the caller's transaction rolls back */
}

static void on_done(void *arg, crawler_response *resp)
{
    crawl_ctx *ctx = arg;
    crawl_job *job = resp->user;
    if (job->prev)
        job->prev->next = job->next;
    else
        ctx->jobs = job->next;
    if (job->next) job->next->prev = job->prev;
    job->host->in_flight = 0;
    /* The delay counts from when the server finished answering, not from when we
       finished recording the answer: our catalog work is none of the server's business. */
    int64_t now = resp->started_at_ms + resp->elapsed_ms + 1; /* +1: the ms clock truncates */
    ctx->stats->requests++;
    ctx->stats->bytes += (int64_t)resp->body_len;
    txn_begin(ctx);
    if (!ctx->failed) {
        if (job->url_id == 0)
            finish_policy(ctx, job, resp, now);
        else
            finish_url(ctx, job, resp, now);
        if (job->url_id == 0) save_politeness(ctx, job->host);
    }
    free(job);
}

/* ---- the loop ------------------------------------------------------------------------ */

static int add_seeds(crawl_ctx *ctx)
{
    for (size_t i = 0; i < ctx->opts->seed_count; i++) {
        char url[CRAWLER_URL_SIZE];
        const char *seed = ctx->opts->seeds[i];
        int rc = crawler_url_normalize(seed, strlen(seed), url, ctx->err);
        if (rc != CS_OK)
            return cs_error_set(ctx->err, CS_EINVAL, "seed '%s': %s", seed,
                                ctx->err ? ctx->err->message : cs_strerror(rc));
        crawler_url_parts parts;
        crawler_url_split(url, &parts);
        rc = add_scope_origin(ctx, parts.origin);
        if (rc != CS_OK) return cs_error_set(ctx->err, rc, "out of memory");
    }
    /* Seeds of earlier runs keep their hosts in scope when a crawl is resumed. */
    catalog_host_ref *refs = NULL;
    size_t n = 0;
    int rc = catalog_frontier_seed_origins(ctx->cat, &refs, &n, ctx->err);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = add_scope_origin(ctx, refs[i].origin);
    catalog_host_refs_free(refs, n);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; i < ctx->opts->seed_count; i++) {
        char url[CRAWLER_URL_SIZE];
        crawler_url_normalize(ctx->opts->seeds[i], strlen(ctx->opts->seeds[i]), url, NULL);
        enqueue(ctx, url, CRAWLER_KIND_PAGE, 0, 0);
        if (ctx->failed) return ctx->err ? ctx->err->code : CS_EDB;
    }
    return CS_OK;
}

static int load_queued_hosts(crawl_ctx *ctx)
{
    catalog_host_ref *refs = NULL;
    size_t n = 0;
    int rc = catalog_frontier_hosts_queued(ctx->cat, &refs, &n, ctx->err);
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        crawler_url_parts parts;
        char probe[CRAWLER_URL_SIZE];
        snprintf(probe, sizeof probe, "%s/", refs[i].origin);
        if (crawler_url_split(probe, &parts) != CS_OK) continue;
        if (host_for(ctx, &parts) == NULL) rc = ctx->err ? ctx->err->code : CS_EDB;
    }
    catalog_host_refs_free(refs, n);
    return rc;
}

static void report(crawl_ctx *ctx, int64_t started, int final)
{
    crawler_stats *s = ctx->stats;
    s->elapsed_ms = cs_now_ms() - started;
    int64_t active = 0;
    for (size_t i = 0; i < ctx->hosts.count; i++)
        active += ctx->hosts.items[i]->in_flight;
    s->hosts_active = active;
    int64_t queued = 0;
    catalog_frontier_count(ctx->cat, 0, NULL, "queued", &queued, NULL);
    s->queued = queued;
    if (ctx->opts->progress) ctx->opts->progress(ctx->opts->progress_ctx, s, final);
}

int crawler_crawl(catalog *cat, const crawler_options *opts, crawler_stats *stats, cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    crawl_ctx ctx = {.cat = cat, .opts = opts, .stats = stats, .err = err};
    int64_t started = cs_now_ms();
    crawler_fetch_options fetch = opts->fetch;
    int rc = crawler_fetcher_new(&fetch, &ctx.fetcher, err);
    if (rc != CS_OK) return rc;
    int64_t requeued = 0;
    rc = catalog_frontier_requeue_in_flight(cat, &requeued, err);
    if (rc == CS_OK) rc = add_seeds(&ctx);
    if (rc == CS_OK) rc = load_queued_hosts(&ctx);
    if (rc == CS_OK) {
        int64_t stored = 0;
        catalog_frontier_count(cat, 0, "image", "done", &stored, NULL);
        ctx.images_stored = stored;
    }
    int64_t last_report = started;
    size_t rotate = 0;
    int concurrency = opts->concurrency > 0 ? opts->concurrency : 16;
    int stopping = 0;
    while (rc == CS_OK && !ctx.failed) {
        int64_t now = cs_now_ms();
        if (!stopping) {
            if (opts->stop && *opts->stop)
                stopping = 3;
            else if (opts->time_limit_ms > 0 && now - started >= opts->time_limit_ms)
                stopping = 1;
            else if (opts->max_images > 0 && ctx.images_stored >= opts->max_images)
                stopping = 2;
        }
        if (stopping) {
            stats->stopped_by = stopping;
            if (stopping != 2) break; /* in-flight URLs stay in_flight: requeued next run */
            if (crawler_fetcher_active(ctx.fetcher) == 0) break;
        }
        int64_t next_due = INT64_MAX;
        int saturated = 0;
        size_t n = ctx.hosts.count;
        for (size_t k = 0; k < n && !stopping && !ctx.failed; k++) {
            crawl_host *h = ctx.hosts.items[(rotate + k) % n];
            if (h->in_flight || h->parked || h->wake_at == INT64_MAX) continue;
            int64_t due = CS_MAX(CS_MAX(h->next_fetch_at, h->paused_until), h->wake_at);
            if (due > now) {
                next_due = CS_MIN(next_due, due);
                continue;
            }
            if ((int)crawler_fetcher_active(ctx.fetcher) >= concurrency) {
                saturated = 1; /* wait for a transfer to end */
                break;
            }
            txn_begin(&ctx);
            start_next(&ctx, h, now);
            if (!h->in_flight && h->wake_at != INT64_MAX) next_due = CS_MIN(next_due, h->wake_at);
        }
        if (n) rotate = (rotate + 1) % n;
        txn_end(&ctx); /* in_flight marks are durable before any request leaves */
        if (ctx.failed) break;
        if (crawler_fetcher_active(ctx.fetcher) == 0 && next_due == INT64_MAX) {
            int pending = 0; /* hosts added while we scanned may still have work */
            for (size_t i = 0; i < ctx.hosts.count; i++) {
                crawl_host *h = ctx.hosts.items[i];
                if (!h->parked && h->wake_at != INT64_MAX) pending = 1;
            }
            if (!pending) break;
            continue;
        }
        int64_t wait = next_due == INT64_MAX ? CRAWL_POLL_MAX_MS : next_due - cs_now_ms();
        if (saturated) wait = CRAWL_POLL_MAX_MS;
        wait = CS_MAX(0, CS_MIN(wait, CRAWL_POLL_MAX_MS));
        rc = crawler_fetcher_run(ctx.fetcher, (int)wait, on_done, &ctx, err);
        txn_end(&ctx);
        if (opts->progress && cs_now_ms() - last_report >= opts->progress_interval_ms) {
            last_report = cs_now_ms();
            report(&ctx, started, 0);
        }
    }
    txn_end(&ctx);
    /* Abandoned requests (time limit, stop, failure) stay in_flight for the next run. */
    while (ctx.jobs) {
        crawl_job *job = ctx.jobs;
        ctx.jobs = job->next;
        free(job);
    }
    crawler_fetcher_free(ctx.fetcher);
    if (rc == CS_OK && ctx.failed) rc = err && err->code ? err->code : CS_EDB;
    if (rc == CS_OK) report(&ctx, started, 1);
    crawl_hosts_free(&ctx.hosts);
    for (size_t i = 0; i < ctx.scope_count; i++)
        free(ctx.scope_origins[i]);
    free(ctx.scope_origins);
    return rc;
}
