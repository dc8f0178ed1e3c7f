/*
 * crawl.c - the crawl loop: a scheduler over hosts on top of the fetcher,
 * with the frontier and every result kept in the catalog.
 *
 * Each turn of the loop:
 *   1. every host that is idle (no request running), not parked, past its
 *      delay and pause, and possibly holding due URLs gets one request, up
 *      to the concurrency limit: robots.txt first (from the catalog cache
 *      when fresh; a redirect to another host waits for that host too), then
 *      /.well-known/tdmrep.json and /ai.txt once, then the RSL documents its
 *      content points to (policy.c says which comes next and reads the
 *      answers; one on another host waits for that host's robots.txt and
 *      delay), then the next due frontier URL that
 *      robots.txt allows (disallowed ones are marked so and never requested);
 *   2. the fetcher runs until something happens or the next host is due;
 *   3. each finished response is recorded (record.c) in the turn's transaction:
 *      the fetch, the URL's new state, what the page links to and shows
 *      (new frontier rows, sightings with page-side licences), opt-out
 *      signals, the image blob and its embedded rights metadata;
 *   4. with nothing in flight, before sleeping until the next host is due, each
 *      host that answered since is asked once whether it has anything queued
 *      (forget_finished_hosts): the crawl ends as its last answer is recorded,
 *      not a delay later when that host would have come due with nothing to send.
 * Politeness is entirely ours (politeness.c); curl never queues. A URL is
 * marked in_flight before its request starts and leaves that state only in
 * the transaction that records its result, so after a SIGKILL the only URLs
 * fetched again are those that were in flight.
 *
 * A request refused for its address (loopback without --allow-loopback, a
 * private range) parks its host for this run and is counted in stats->refused;
 * nothing about the host is cached from it, so a run allowed to connect starts
 * afresh. A catalog failure stops the crawl with the URL it was about.
 */
#include "crawler/crawler_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CRAWL_POLL_MAX_MS 100 /* longest wait for the network in one turn (stop/time checks) */
/* --max-depth default: the seed page, its links, and theirs. */
#define CRAWL_DEFAULT_MAX_DEPTH 3
/* --url-list: entries read per transaction, when fewer URLs than the low water
 * mark are queued, and how often the queue is measured: the frontier holds a
 * few thousand of the list's URLs at a time, never the whole list. */
#define CRAWL_LIST_BATCH     1000
#define CRAWL_LIST_LOW_WATER 2000
#define CRAWL_LIST_CHECK_MS  200
/* Entries the frontier already holds (a resumed list) do not count toward a
 * batch; at most this many lines are read per call, so a long run of them
 * still lets the loop look at signals and limits. */
#define CRAWL_LIST_SCAN_MAX 100000

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

void crawl_fail(crawl_ctx *ctx, const char *url)
{
    if (ctx->failed) return; /* the first failure is the one to report */
    ctx->failed = 1;
    if (ctx->err == NULL || url == NULL) return;
    cs_error inner = *ctx->err; /* the message is rewritten from a copy of itself */
    int code = inner.code ? inner.code : CS_EDB;
    cs_error_set(ctx->err, code, "%s: %s", url,
                 inner.message[0] ? inner.message : cs_strerror(code));
}

void crawl_note_refused(crawl_ctx *ctx, const crawler_response *resp)
{
    if (ctx->stats->refused++ == 0)
        snprintf(ctx->stats->first_refused, sizeof ctx->stats->first_refused, "%s: %s", resp->url,
                 resp->error_message);
}

/*
 * Catalog writes are grouped, one transaction per turn of the loop: the
 * results of every response one fetcher run finished (on_done opens it), then
 * whatever the next dispatch writes (frontier states, in_flight marks, host
 * spacing), committed together before curl sends anything. A response is
 * still recorded all or nothing: a kill loses at most the turn's responses,
 * whose URLs are then still in_flight and fetched again, and nothing whose
 * result was committed. A busy turn costs one commit instead of dozens. A
 * worker commits each response on its own (on_done says why), and runs it
 * again when a conflict with another worker ends it (worker_record_alone); its lease
 * search (worker.c) commits the turn first, as it is a transaction of its own.
 */
void crawl_txn_begin(crawl_ctx *ctx)
{
    if (ctx->in_txn || ctx->failed) return;
    if (catalog_begin(ctx->cat, ctx->err) != CS_OK) {
        ctx->failed = 1;
        return;
    }
    ctx->in_txn = 1;
    ctx->turn.jobs = ctx->jobs; /* what it starts, for worker_turn_replay */
    ctx->turn.hosts = ctx->hosts.count;
    ctx->turn.disallowed = ctx->stats->disallowed;
    ctx->turn.excluded = ctx->stats->excluded;
    ctx->turn.leased_count = 0;
}

/*
 * Whether h's politeness row needs writing. With no spacing (delay 0), the
 * time of the next request is always "now": a resumed crawl or another worker
 * needs only a pause, the error count and parking, so a write that would
 * change none of them is skipped (a crawl without delay wrote one per answer).
 */
static int politeness_changed(const crawl_host *h)
{
    return h->delay_ms > 0 || h->paused_until != h->saved_paused_until ||
           h->consecutive_errors != h->saved_errors || h->parked != h->saved_parked;
}

static void save_politeness_now(crawl_ctx *ctx, crawl_host *h)
{
    if (!politeness_changed(h)) return;
    if (catalog_host_save_politeness(ctx->cat, h->id, h->next_fetch_at, h->paused_until,
                                     h->consecutive_errors, h->parked, ctx->err) != CS_OK) {
        crawl_fail(ctx, h->origin);
        return;
    }
    h->saved_paused_until = h->paused_until;
    h->saved_errors = h->consecutive_errors;
    h->saved_parked = h->parked;
}

/* The spacing of the hosts crawl_save_politeness named in this transaction. */
static void write_unsaved(crawl_ctx *ctx)
{
    for (size_t i = 0; i < ctx->unsaved_count; i++) {
        crawl_host *h = ctx->unsaved[i];
        h->spacing_unsaved = 0;
        if (!ctx->failed) save_politeness_now(ctx, h);
    }
    ctx->unsaved_count = 0;
}

void crawl_save_politeness(crawl_ctx *ctx, crawl_host *h)
{
    if (h->spacing_unsaved) return;
    if (ctx->in_txn && cs_array_reserve((void **)&ctx->unsaved, &ctx->unsaved_cap,
                                        ctx->unsaved_count, sizeof *ctx->unsaved, 0) == CS_OK) {
        h->spacing_unsaved = 1;
        ctx->unsaved[ctx->unsaved_count++] = h;
        return;
    }
    save_politeness_now(ctx, h);
}

/* Writes the unsaved spacing and commits (rolls back once the crawl failed). */
static void txn_finish(crawl_ctx *ctx)
{
    write_unsaved(ctx);
    ctx->in_txn = 0;
    if (ctx->failed) {
        catalog_rollback(ctx->cat);
    } else if (catalog_commit(ctx->cat, ctx->err) != CS_OK) {
        catalog_rollback(ctx->cat);
        ctx->failed = 1;
    }
}

void crawl_save_politeness_again(crawl_ctx *ctx, crawl_host *h)
{
    h->saved_errors = -1; /* what the catalog holds is unknown now: not to be skipped */
    crawl_save_politeness(ctx, h);
}

void crawl_txn_end(crawl_ctx *ctx)
{
    if (!ctx->in_txn) return;
    /* After worker_start a worker's transaction is a dispatch turn (run again here after a
       conflict, with the hosts whose spacing it wrote, which txn_finish forgets) or
       worker_record_alone's (which runs its own again). A plain crawl's is committed. */
    int replayable =
        ctx->opts->worker && ctx->worker_id[0] && !ctx->recording_alone && !ctx->opts->url_list;
    size_t n = replayable ? ctx->unsaved_count : 0;
    crawl_host **saved = n ? malloc(n * sizeof *saved) : NULL;
    if (!replayable || (n && saved == NULL)) {
        txn_finish(ctx);
        return;
    }
    if (n) memcpy(saved, ctx->unsaved, n * sizeof *saved);
    txn_finish(ctx);
    for (int attempt = 1;
         ctx->failed && worker_conflict_retry(ctx, ctx->err ? ctx->err->code : CS_OK, attempt);
         attempt++) {
        if (catalog_begin(ctx->cat, ctx->err) != CS_OK) {
            ctx->failed = 1;
            break;
        }
        ctx->in_txn = 1;
        worker_turn_replay(ctx, saved, n);
        txn_finish(ctx);
    }
    free(saved);
}

/* ---- hosts ------------------------------------------------------------------ */

/* The --exclude-domains entry host falls under, or NULL. */
static const char *excluded_by(const crawl_ctx *ctx, const char *host)
{
    for (size_t i = 0; i < ctx->opts->exclude_domain_count; i++)
        if (cs_url_host_in_domain(host, ctx->opts->exclude_domains[i]))
            return ctx->opts->exclude_domains[i];
    return NULL;
}

/* The same for a host known by its origin ("http://h:8080"). */
static const char *origin_excluded_by(const crawl_ctx *ctx, const char *origin)
{
    if (ctx->opts->exclude_domain_count == 0) return NULL;
    char probe[CS_URL_SIZE];
    cs_url_parts parts;
    snprintf(probe, sizeof probe, "%s/", origin);
    return cs_url_split(probe, &parts) == CS_OK ? excluded_by(ctx, parts.host) : NULL;
}

/* Marks a frontier URL on an excluded domain: skipped, why, counted; never requested.
   claimed: catalog_frontier_claim took it (its attempt is taken back). */
static void mark_excluded(crawl_ctx *ctx, int64_t url_id, const char *url, const char *domain,
                          int claimed)
{
    char why[320];
    snprintf(why, sizeof why, "excluded: %.280s is on the --exclude-domains list", domain);
    if (catalog_frontier_set_state(ctx->cat, url_id, CATALOG_URL_SKIPPED, -claimed, 0, why,
                                   ctx->err) != CS_OK)
        crawl_fail(ctx, url);
    ctx->stats->excluded++;
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

int crawl_add_scope_origin(crawl_ctx *ctx, const char *origin)
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

/*
 * Fills h (zeroed by the caller) with origin's host from the catalog (adding
 * it when new): its robots.txt and policy files while cached, its RSL
 * documents, its politeness state. On failure (ctx->failed) h holds nothing.
 */
static int host_load(crawl_ctx *ctx, const char *origin, crawl_host *h)
{
    catalog_host row;
    if (catalog_host_get_or_add(ctx->cat, origin, &row, ctx->err) != CS_OK) {
        crawl_fail(ctx, origin);
        return CS_EDB;
    }
    int64_t pages = 0;
    if (catalog_frontier_count(ctx->cat, row.id, CATALOG_URL_PAGE, CATALOG_URL_DONE, &pages,
                               ctx->err) != CS_OK) {
        catalog_host_clear(&row);
        crawl_fail(ctx, origin);
        return CS_EDB;
    }
    int64_t now = cs_now_ms();
    h->id = row.id;
    cs_strlcpy(h->origin, origin, sizeof h->origin);
    h->robots_status = row.robots_status;
    int rc = CS_OK;
    if (row.robots_status >= 0 && row.robots_expires_at > now) {
        h->rules = policy_rules_for_status(row.robots_status, row.robots_body, row.robots_len);
        if (h->rules == NULL) rc = CS_ENOMEM;
    }
    h->tdmrep_status = row.tdmrep_status;
    h->tdmrep_body = row.tdmrep_body;
    h->tdmrep_len = row.tdmrep_len;
    row.tdmrep_body = NULL;
    h->ai_txt_status = row.ai_txt_status;
    h->ai_txt_body = row.ai_txt_body;
    h->ai_txt_len = row.ai_txt_len;
    row.ai_txt_body = NULL;
    /* the RSL documents still cached for this host (a fetched one is not asked again) */
    catalog_rsl_doc *docs = NULL;
    size_t doc_count = 0;
    if (rc == CS_OK) rc = catalog_host_rsl_docs(ctx->cat, h->id, now, &docs, &doc_count, ctx->err);
    for (size_t i = 0; rc == CS_OK && i < doc_count; i++) {
        rc = policy_rsl_add(h, docs[i].url, docs[i].found_via, NULL, NULL, 0, NULL);
        crawl_rsl_doc *doc = rc == CS_OK ? policy_rsl_find(h, docs[i].url) : NULL;
        if (doc)
            policy_rsl_set(doc, docs[i].status < 0 ? POLICY_STATUS_SKIPPED : docs[i].status,
                           docs[i].body, docs[i].len);
    }
    catalog_rsl_docs_free(docs, doc_count);
    if (rc != CS_OK) {
        if (rc == CS_ENOMEM) cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        catalog_host_clear(&row);
        crawl_host_clear(h);
        crawl_fail(ctx, origin);
        return rc;
    }
    double crawl_delay = h->rules ? robots_crawl_delay(h->rules, ROBOTS_OWN_AGENT) : -1.0;
    h->delay_ms =
        politeness_delay_ms(ctx->opts->delay_ms, crawl_delay, ctx->opts->max_crawl_delay_ms);
    /* A resumed crawl keeps the killed one's spacing. */
    h->next_fetch_at = row.next_fetch_at;
    h->paused_until = row.paused_until;
    h->consecutive_errors = 0; /* parking lasts one crawl */
    h->parked = 0;
    h->saved_paused_until = row.paused_until;
    h->saved_errors = row.consecutive_errors;
    h->saved_parked = row.parked;
    h->pages_fetched = pages;
    catalog_host_clear(&row);
    return CS_OK;
}

crawl_host *crawl_host_for(crawl_ctx *ctx, const cs_url_parts *parts)
{
    crawl_host *h = crawl_hosts_find(&ctx->hosts, parts->origin);
    if (h) return h;
    h = calloc(1, sizeof *h);
    if (h == NULL) {
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        crawl_fail(ctx, parts->origin);
        return NULL;
    }
    if (host_load(ctx, parts->origin, h) != CS_OK) {
        free(h);
        return NULL;
    }
    if (crawl_hosts_add(&ctx->hosts, h) != CS_OK) {
        crawl_host_clear(h);
        free(h);
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        crawl_fail(ctx, parts->origin);
        return NULL;
    }
    ctx->stats->hosts = (int64_t)ctx->hosts.count;
    return h;
}

int crawl_host_reload(crawl_ctx *ctx, crawl_host *h)
{
    crawl_host fresh;
    memset(&fresh, 0, sizeof fresh);
    int rc = host_load(ctx, h->origin, &fresh);
    if (rc != CS_OK) return rc;
    fresh.leased = h->leased;
    fresh.in_flight = h->in_flight; /* a request through it (a robots.txt redirect) runs on */
    fresh.answered = h->answered;
    fresh.next_fetch_at = CS_MAX(fresh.next_fetch_at, h->next_fetch_at);
    fresh.paused_until = CS_MAX(fresh.paused_until, h->paused_until);
    fresh.next_fetch_mono = h->next_fetch_mono;
    fresh.paused_mono = h->paused_mono;
    fresh.spacing_unsaved = h->spacing_unsaved; /* still listed in ctx->unsaved */
    crawl_host_clear(h);
    *h = fresh;
    return CS_OK;
}

/* ---- frontier ---------------------------------------------------------------- */

catalog_url_kind crawl_url_kind(crawler_kind kind)
{
    switch (kind) {
    case CRAWLER_KIND_PAGE:
        return CATALOG_URL_PAGE;
    case CRAWLER_KIND_IMAGE:
        return CATALOG_URL_IMAGE;
    case CRAWLER_KIND_ROBOTS:
        return CATALOG_URL_ROBOTS;
    case CRAWLER_KIND_TDMREP:
        return CATALOG_URL_TDMREP;
    case CRAWLER_KIND_AI_TXT:
        return CATALOG_URL_AI_TXT;
    case CRAWLER_KIND_RSL:
        break; /* never a frontier URL: rsl_documents keeps it */
    }
    return CATALOG_URL_PAGE;
}

crawler_kind crawl_request_kind(catalog_url_kind kind)
{
    switch (kind) {
    case CATALOG_URL_IMAGE:
        return CRAWLER_KIND_IMAGE;
    case CATALOG_URL_ROBOTS:
        return CRAWLER_KIND_ROBOTS;
    case CATALOG_URL_TDMREP:
        return CRAWLER_KIND_TDMREP;
    case CATALOG_URL_AI_TXT:
        return CRAWLER_KIND_AI_TXT;
    case CATALOG_URL_PAGE:
    case CATALOG_URL_ANY_KIND:
        break;
    }
    return CRAWLER_KIND_PAGE;
}

/*
 * Queues url (absolute, normalised) unless out of scope or a trap. Returns the
 * url id, or 0 when it was not queued (pages out of scope or too deep).
 */
int64_t crawl_enqueue(crawl_ctx *ctx, const char *url, crawler_kind kind, int depth,
                      int64_t referrer_id)
{
    cs_url_parts parts;
    if (cs_url_split(url, &parts) != CS_OK) return 0;
    if (frontier_trap_reason(url, ctx->opts->max_path_segments, ctx->opts->max_segment_repeats))
        return 0;
    if (kind == CRAWLER_KIND_PAGE &&
        (depth > ctx->opts->max_depth || !in_page_scope(ctx, parts.origin, parts.host)))
        return 0; /* checked before the host is known, so out-of-scope hosts leave no row */
    int64_t id = crawl_seen_find(&ctx->seen, url); /* a link met again: no statement */
    if (id) return id;
    crawl_host *h = crawl_host_for(ctx, &parts);
    if (h == NULL) return 0;
    int is_new = 0;
    const char *excluded = excluded_by(ctx, parts.host);
    if (catalog_frontier_add(ctx->cat, url, h->id, crawl_url_kind(kind), depth, referrer_id,
                             excluded ? CATALOG_URL_SKIPPED : CATALOG_URL_QUEUED, &id, &is_new,
                             ctx->err) != CS_OK) {
        crawl_fail(ctx, url);
        return 0;
    }
    if (excluded) { /* recorded with its reason; its host never hears from us */
        if (is_new) mark_excluded(ctx, id, url, excluded, 0);
        return 0;
    }
    if (is_new) h->wake_at = 0;
    crawl_seen_add(&ctx->seen, url, id);
    return id;
}

/* ---- starting requests ---------------------------------------------------------- */

/* Starts a request for url: a frontier URL's (item) or, with item NULL, a policy file's. */
static int start_job(crawl_ctx *ctx, crawl_host *h, crawl_host *via, const char *url,
                     crawler_kind kind, const catalog_frontier_item *item)
{
    crawl_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
        crawl_fail(ctx, url);
        return CS_ENOMEM;
    }
    job->url_id = item ? item->id : 0;
    job->host = h;
    job->via = via;
    job->kind = kind;
    job->depth = item ? item->depth : 0;
    job->attempts = item ? item->attempts : 1; /* claimed: counted already */
    job->redirects = item ? item->redirects : 0;
    int rc = crawler_fetcher_add(ctx->fetcher, url, kind, job, ctx->err);
    if (rc != CS_OK) {
        free(job);
        crawl_fail(ctx, url);
        return rc;
    }
    job->next = ctx->jobs;
    if (job->next) job->next->prev = job;
    ctx->jobs = job;
    h->in_flight = 1;
    /* Persist the spacing before the request goes out: a kill cannot make us rude. */
    int64_t now = cs_now_ms(), mono = politeness_mono_ms();
    h->next_fetch_at = now + h->delay_ms;
    h->next_fetch_mono = mono + h->delay_ms;
    crawl_save_politeness(ctx, h);
    if (via) {
        via->in_flight = 1;
        via->next_fetch_at = now + via->delay_ms;
        via->next_fetch_mono = mono + via->delay_ms;
        crawl_save_politeness(ctx, via);
    }
    return CS_OK;
}

/*
 * The host a robots.txt redirect of h points to, when that is another origin
 * (http -> https, example.org -> www.example.org, a shared robots host): the
 * request is that host's as much as any, so it waits for that host to be
 * idle and past its delay. *via is NULL for the same origin; returns 0 and
 * sets h->wake_at when the other host is busy or not due yet.
 */
static int robots_redirect_host(crawl_ctx *ctx, crawl_host *h, int64_t now, crawl_host **via)
{
    *via = NULL;
    cs_url_parts parts;
    if (h->robots_url == NULL || cs_url_split(h->robots_url, &parts) != CS_OK ||
        strcmp(parts.origin, h->origin) == 0)
        return 1;
    if (excluded_by(ctx, parts.host)) {
        /* robots.txt lives on an excluded domain: it is never asked for, so nothing
           may be fetched from this host either (RFC 9309: no rules read, no crawl) */
        h->parked = 1;
        h->wake_at = INT64_MAX;
        crawl_save_politeness(ctx, h);
        return 0;
    }
    crawl_host *t = crawl_host_for(ctx, &parts);
    if (t == NULL) return 0;                /* ctx->failed says why */
    if (!worker_may_request(ctx, t, now)) { /* another worker's host: ask again later */
        h->wake_at = now + CS_MAX(t->delay_ms, 1);
        return 0;
    }
    int64_t due = politeness_due(t, now, politeness_mono_ms());
    if (t->in_flight || due > now) {
        h->wake_at = t->in_flight ? now + CS_MAX(t->delay_ms, 1) : due;
        return 0;
    }
    *via = t;
    return 1;
}

/* Stores that an RSL document of h is never requested: its host's robots.txt forbids it. */
static void rsl_skipped(crawl_ctx *ctx, crawl_host *h, const char *url, int64_t now)
{
    crawl_rsl_doc *doc = policy_rsl_find(h, url);
    if (doc == NULL) return;
    doc->status = POLICY_STATUS_SKIPPED;
    if (catalog_host_save_rsl(ctx->cat, h->id, url, doc->via, POLICY_STATUS_SKIPPED, NULL, 0, now,
                              now + CRAWL_ROBOTS_CACHE_MS, ctx->err) != CS_OK)
        crawl_fail(ctx, url);
}

/*
 * An RSL document of h on another origin is that origin's request: fetched
 * under its robots.txt (asked first, as a request of that host) and its
 * delay, the host idle. Returns RSL_GO (*via set, or NULL for h's own
 * origin), RSL_WAIT (h->wake_at set), RSL_SKIPPED (forbidden there, stored)
 * or RSL_ROBOTS_STARTED (that host's robots.txt request went out).
 */
enum { RSL_GO, RSL_WAIT, RSL_SKIPPED, RSL_ROBOTS_STARTED };
static int rsl_host(crawl_ctx *ctx, crawl_host *h, const char *url, int64_t now, crawl_host **via)
{
    *via = NULL;
    cs_url_parts parts;
    if (cs_url_split(url, &parts) != CS_OK || strcmp(parts.origin, h->origin) == 0) return RSL_GO;
    crawl_host *t = crawl_host_for(ctx, &parts);
    if (t == NULL) return RSL_WAIT;         /* ctx->failed says why */
    if (!worker_may_request(ctx, t, now)) { /* another worker's host: ask again later */
        h->wake_at = now + CS_MAX(t->delay_ms, 1);
        return RSL_WAIT;
    }
    if (t->parked) {
        rsl_skipped(ctx, h, url, now);
        return RSL_SKIPPED;
    }
    int64_t due = politeness_due(t, now, politeness_mono_ms());
    if (t->in_flight || due > now) {
        h->wake_at = t->in_flight ? now + CS_MAX(t->delay_ms, 1) : due;
        return RSL_WAIT;
    }
    if (t->rules == NULL) {
        char robots[CS_URL_SIZE];
        crawler_kind kind;
        if (policy_next(t, robots, &kind) != POLICY_FETCH || kind != CRAWLER_KIND_ROBOTS)
            return RSL_WAIT;
        start_job(ctx, t, NULL, robots, kind, NULL);
        h->wake_at = now + CS_MAX(t->delay_ms, 1);
        return RSL_ROBOTS_STARTED;
    }
    if (policy_robots_unreachable(t->robots_status) ||
        !robots_allowed(t->rules, ROBOTS_OWN_AGENT, url)) {
        rsl_skipped(ctx, h, url, now);
        return RSL_SKIPPED;
    }
    *via = t;
    return RSL_GO;
}

/* Starts the host's next request if it has one due; returns 1 when a request started. */
static int start_next(crawl_ctx *ctx, crawl_host *h, int64_t now)
{
    catalog_frontier_item item;
    for (;;) {
        /* With every policy file known, the URL is taken and marked in_flight in one
           statement; before that, the frontier is only asked whether anything is due. */
        int claimed = policy_settled(h);
        int rc = claimed ? catalog_frontier_claim(ctx->cat, h->id, now, &item, ctx->err)
                         : catalog_frontier_next(ctx->cat, h->id, now, &item, ctx->err);
        if (rc == CS_ENOTFOUND && h->rules && policy_rsl_pending(h)) {
            /* an RSL document a response pointed to is asked for even with nothing queued:
               the response it speaks for (an image's own Link header) is already recorded */
            memset(&item, 0, sizeof item);
            rc = CS_OK;
        }
        if (rc == CS_ENOTFOUND) {
            int64_t earliest;
            rc = catalog_frontier_earliest(ctx->cat, h->id, &earliest, ctx->err);
            h->wake_at = rc == CS_OK ? CS_MAX(earliest, now + 1) : INT64_MAX;
            if (rc != CS_OK && rc != CS_ENOTFOUND) crawl_fail(ctx, h->origin);
            return 0;
        }
        if (rc != CS_OK) {
            crawl_fail(ctx, h->origin);
            return 0;
        }
        const char *excluded = origin_excluded_by(ctx, h->origin);
        if (excluded) { /* queued by an earlier run without the list: never requested now */
            mark_excluded(ctx, item.id, item.url, excluded, claimed);
            catalog_frontier_item_clear(&item);
            if (ctx->failed) return 0;
            continue;
        }
        /* RFC 9309: robots.txt before anything else, then tdmrep.json and ai.txt */
        char url[CS_URL_SIZE];
        crawler_kind policy_kind;
        policy_step step = claimed ? POLICY_DONE : policy_next(h, url, &policy_kind);
        if (step == POLICY_FETCH) {
            catalog_frontier_item_clear(&item);
            crawl_host *via = NULL;
            if (policy_kind == CRAWLER_KIND_ROBOTS && !robots_redirect_host(ctx, h, now, &via))
                return 0;
            if (policy_kind == CRAWLER_KIND_RSL) {
                int r = rsl_host(ctx, h, url, now, &via);
                if (r == RSL_WAIT) return 0;
                if (r == RSL_ROBOTS_STARTED) return 1;
                if (r == RSL_SKIPPED) {
                    if (ctx->failed) return 0;
                    continue;
                }
            }
            start_job(ctx, h, via, url, policy_kind, NULL);
            return 1;
        }
        if (step == POLICY_SKIPPED && policy_kind == CRAWLER_KIND_RSL) {
            rsl_skipped(ctx, h, url, now);
            catalog_frontier_item_clear(&item);
            if (ctx->failed) return 0;
            continue;
        }
        if (step == POLICY_SKIPPED) { /* robots.txt keeps us from it: stored as 0, not fetched */
            int tdm = policy_kind == CRAWLER_KIND_TDMREP;
            if (catalog_host_save_policy_file(ctx->cat, h->id,
                                              tdm ? CATALOG_URL_TDMREP : CATALOG_URL_AI_TXT, 0,
                                              NULL, 0, ctx->err) != CS_OK)
                crawl_fail(ctx, h->origin);
            catalog_frontier_item_clear(&item);
            if (ctx->failed) return 0;
            continue;
        }
        if (item.url == NULL) continue; /* only RSL documents were due: now none is */
        if (!claimed) { /* policy_next just settled (no License lines to add): take it now */
            catalog_frontier_item_clear(&item);
            continue;
        }
        if (policy_robots_unreachable(h->robots_status)) {
            /*
             * RFC 9309 2.3.1.4: an unreachable robots.txt means complete disallow,
             * but only until it can be read. Nothing more goes to this host in this
             * crawl; its URLs stay queued for a run after the cached answer expires.
             */
            h->parked = 1;
            h->wake_at = INT64_MAX;
            crawl_save_politeness(ctx, h);
            if (catalog_frontier_set_state(ctx->cat, item.id, CATALOG_URL_QUEUED, -1,
                                           item.next_attempt_at, NULL, ctx->err) != CS_OK)
                crawl_fail(ctx, item.url); /* claimed above: back in the queue, not asked */
            catalog_frontier_item_clear(&item);
            return 0;
        }
        crawler_kind kind = crawl_request_kind(item.kind);
        robots_match match;
        robots_check(h->rules, ROBOTS_OWN_AGENT, item.url, &match);
        int skip = 0;
        catalog_url_state skip_state = CATALOG_URL_SKIPPED;
        char why[128];
        if (!match.allowed) {
            snprintf(why, sizeof why, "robots.txt line %d disallows it for %s", match.line,
                     ROBOTS_OWN_AGENT);
            skip = 1;
            skip_state = CATALOG_URL_DISALLOWED;
            ctx->stats->disallowed++;
        } else if (kind == CRAWLER_KIND_PAGE && ctx->opts->max_pages_per_host > 0 &&
                   h->pages_fetched >= ctx->opts->max_pages_per_host) {
            snprintf(why, sizeof why, "--max-pages-per-host %lld reached",
                     (long long)ctx->opts->max_pages_per_host);
            skip = 1;
        }
        if (skip) {
            if (catalog_frontier_set_state(ctx->cat, item.id, skip_state, -1, 0, why, ctx->err) !=
                CS_OK)
                crawl_fail(ctx, item.url);
            catalog_frontier_item_clear(&item);
            if (ctx->failed) return 0;
            continue;
        }
        if (kind == CRAWLER_KIND_PAGE) h->pages_fetched++;
        start_job(ctx, h, NULL, item.url, kind, &item);
        catalog_frontier_item_clear(&item);
        return 1;
    }
}

/* h's wall-clock bounds, set at now, as bounds on the monotonic clock set at mono. */
static void mono_bounds(crawl_host *h, int64_t now, int64_t mono)
{
    if (h->next_fetch_at > now)
        h->next_fetch_mono = CS_MAX(h->next_fetch_mono, mono + (h->next_fetch_at - now));
    if (h->paused_until > now)
        h->paused_mono = CS_MAX(h->paused_mono, mono + (h->paused_until - now));
}

/*
 * Whether an answer's recording may wait until its host's next request has
 * gone out: a page's or an image's 2xx, from a host with no delay, in a plain
 * crawl. Recording such an answer decides nothing about that host's next
 * request (no robots.txt or policy file, no Retry-After or back-off, no
 * spacing counted from its end). Answers come in bursts, and a host used to
 * wait while the whole burst was recorded; now the burst's next requests go
 * out first and the recording overlaps the servers' answer time. Workers
 * commit each answer at once (on_done says why).
 */
static int records_later(const crawl_ctx *ctx, const crawl_job *job, const crawler_response *resp)
{
    return !ctx->opts->worker && job->url_id != 0 && job->via == NULL && job->host->delay_ms == 0 &&
           resp->error == CS_OK && resp->status >= 200 && resp->status < 300;
}

/* Keeps job and resp's headers and body (moved out of resp) for record_pending. */
static int defer(crawl_ctx *ctx, crawl_job *job, crawler_response *resp, int64_t now)
{
    if (cs_array_reserve((void **)&ctx->pending, &ctx->pending_cap, ctx->pending_count,
                         sizeof *ctx->pending, 0) != CS_OK)
        return CS_ENOMEM; /* recorded at once instead */
    crawl_pending *p = &ctx->pending[ctx->pending_count++];
    p->job = job;
    p->resp = *resp;
    p->now = now;
    resp->headers = NULL;
    resp->header_count = 0;
    resp->body = NULL;
    resp->body_len = 0;
    return CS_OK;
}

/* Records the deferred answers, in the transaction the next dispatch commits. */
static void record_pending(crawl_ctx *ctx)
{
    if (ctx->pending_count == 0) return;
    crawl_txn_begin(ctx);
    for (size_t i = 0; i < ctx->pending_count; i++) {
        crawl_pending *p = &ctx->pending[i];
        if (!ctx->failed) crawl_record_url(ctx, p->job, &p->resp, p->now);
        crawler_response_free(&p->resp);
        free(p->job);
    }
    ctx->pending_count = 0;
}

void crawl_record_response(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp,
                           int64_t now)
{
    if (ctx->failed) return;
    if (job->url_id == 0) {
        crawl_record_policy(ctx, job, resp, now);
        crawl_save_politeness(ctx, job->host);
    } else {
        crawl_record_url(ctx, job, resp, now);
    }
    if (job->via) crawl_save_politeness(ctx, job->via);
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
    job->host->answered = 1;
    /* The delay counts from when the server finished answering, not from when we
       finished recording the answer: our catalog work is none of the server's business. */
    int64_t now = resp->started_at_ms + resp->elapsed_ms + 1; /* +1: the ms clock truncates */
    if (job->via) {
        job->via->in_flight = 0;
        job->via->answered = 1;
        job->via->next_fetch_at = now + job->via->delay_ms;
    }
    ctx->stats->requests++;
    ctx->stats->bytes += (int64_t)resp->body_len;
    if (records_later(ctx, job, resp) && defer(ctx, job, resp, now) == CS_OK)
        return; /* recorded once the host's next request is out (record_pending) */
    /* A worker shares rows with other workers (an image found on many hosts is one
       row): two transactions of several responses each could take two such rows in
       opposite orders and deadlock (PostgreSQL ends one), so its responses commit one
       by one; a response takes at most one image's rows. A conflict that still ends
       one is run again (record_alone). */
    if (ctx->opts->worker) {
        worker_record_alone(ctx, job, resp, now);
    } else {
        crawl_txn_begin(ctx);
        crawl_record_response(ctx, job, resp, now);
    }
    /* the bounds just set, again on the monotonic clock, counted from the same instant */
    int64_t mono_end = politeness_mono_ms() - CS_MAX(0, cs_now_ms() - now);
    mono_bounds(job->host, now, mono_end);
    if (job->via) mono_bounds(job->via, now, mono_end);
    free(job);
}

/* ---- the loop ------------------------------------------------------------------------ */

/*
 * Nothing is in flight and the loop would sleep until some host is due: asks
 * the frontier whether each host answered since it was last asked still has
 * anything queued, so that the last answer ends the crawl at once instead of
 * a delay later, when its host would have come due with nothing to send.
 * Returns 1 when a host turned out to have nothing left (the caller looks
 * again before sleeping). One query per host per answer at most, and only
 * while idle: a busy crawl never pays for it. Delays are untouched: a host
 * with work keeps its next_fetch_at.
 */
static int forget_finished_hosts(crawl_ctx *ctx, int64_t now)
{
    int64_t mono = politeness_mono_ms();
    int finished = 0;
    for (size_t i = 0; i < ctx->hosts.count && !ctx->failed; i++) {
        crawl_host *h = ctx->hosts.items[i];
        if (!h->answered || h->in_flight || h->parked || h->wake_at == INT64_MAX) continue;
        if (CS_MAX(politeness_due(h, now, mono), h->wake_at) <= now) continue;
        h->answered = 0;
        if (h->rules && policy_rsl_pending(h)) continue; /* an RSL document is still to ask */
        int64_t earliest;
        int rc = catalog_frontier_earliest(ctx->cat, h->id, &earliest, ctx->err);
        if (rc == CS_ENOTFOUND) {
            h->wake_at = INT64_MAX; /* crawl_enqueue wakes it if a URL turns up */
            finished = 1;
        } else if (rc != CS_OK) {
            crawl_fail(ctx, h->origin);
        } else {
            h->wake_at = CS_MAX(h->wake_at, earliest);
        }
    }
    return finished;
}

static int add_seeds(crawl_ctx *ctx)
{
    for (size_t i = 0; i < ctx->opts->seed_count; i++) {
        char url[CS_URL_SIZE];
        const char *seed = ctx->opts->seeds[i];
        cs_error why; /* not ctx->err: its message is part of the one written there */
        int rc = cs_url_normalize(seed, strlen(seed), url, &why);
        if (rc != CS_OK)
            return cs_error_set(ctx->err, CS_EINVAL, "seed '%s': %s", seed, why.message);
        cs_url_parts parts;
        cs_url_split(url, &parts);
        rc = crawl_add_scope_origin(ctx, parts.origin);
        if (rc != CS_OK) return cs_error_set(ctx->err, rc, "seed '%s': out of memory", seed);
    }
    /* Seeds of earlier runs keep their hosts in scope when a crawl is resumed. */
    catalog_host_ref *refs = NULL;
    size_t n = 0;
    int rc = catalog_frontier_seed_origins(ctx->cat, &refs, &n, ctx->err);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; i < n && rc == CS_OK; i++)
        rc = crawl_add_scope_origin(ctx, refs[i].origin);
    catalog_host_refs_free(refs, n);
    if (rc != CS_OK) return cs_error_set(ctx->err, rc, "out of memory");
    for (size_t i = 0; i < ctx->opts->seed_count; i++) {
        char url[CS_URL_SIZE];
        cs_url_normalize(ctx->opts->seeds[i], strlen(ctx->opts->seeds[i]), url, NULL);
        crawl_enqueue(ctx, url, CRAWLER_KIND_PAGE, 0, 0);
        if (ctx->failed) return ctx->err ? ctx->err->code : CS_EDB;
    }
    return CS_OK;
}

/*
 * Reads the next batch of --url-list entries into the frontier, in one
 * transaction, when few URLs are queued or nothing can be fetched now (idle:
 * every known host waits, e.g. for an unreachable robots.txt, so the list is
 * read on, into the frontier on disk, until a URL of a host that can be
 * fetched turns up; process memory stays bounded either way). An URL the frontier
 * already holds keeps its state (a second run fetches nothing again); its caption is recorded all
 * the same.
 */
static void feed_list(crawl_ctx *ctx, int64_t now, int idle)
{
    const crawler_options *o = ctx->opts;
    if (o->url_list == NULL || ctx->list_done || ctx->failed) return;
    ctx->list_checked_at = now;
    int64_t queued = 0;
    if (catalog_frontier_count(ctx->cat, 0, CATALOG_URL_ANY_KIND, CATALOG_URL_QUEUED, &queued,
                               ctx->err) != CS_OK) {
        crawl_fail(ctx, NULL);
        return;
    }
    if (queued >= CRAWL_LIST_LOW_WATER && !idle) return; /* idle: its queued hosts wait */
    crawl_txn_begin(ctx);
    crawler_url_list_entry e;
    int64_t queued_here = 0;
    for (int64_t scanned = 0;
         queued_here < CRAWL_LIST_BATCH && scanned < CRAWL_LIST_SCAN_MAX && !ctx->failed;
         scanned++) {
        cs_error why;
        int rc = crawler_url_list_next(o->url_list, &e, &why);
        if (rc == 0) {
            ctx->list_done = 1;
            break;
        }
        if (rc == CS_EFORMAT) {
            ctx->stats->list_bad++;
            if (o->list_bad_line) o->list_bad_line(o->list_bad_line_ctx, &why);
            continue;
        }
        if (rc < 0) {
            cs_error_set(ctx->err, rc, "%s", why.message);
            ctx->failed = 1;
            break;
        }
        ctx->stats->list_read++;
        catalog_frontier_item known;
        int found = catalog_frontier_get(ctx->cat, e.url, &known, NULL) == CS_OK;
        if (found) catalog_frontier_item_clear(&known);
        int64_t id = crawl_enqueue(ctx, e.url, CRAWLER_KIND_IMAGE, 0, 0);
        if (id == 0) continue;
        if (!found) {
            ctx->stats->list_queued++;
            queued_here++;
        }
        if (e.caption[0] == '\0') continue;
        catalog_sighting s = {
            .page_id = 0, .image_url_id = id, .element = "url-list", .caption = e.caption};
        if (catalog_record_sighting(ctx->cat, &s, ctx->err) != CS_OK) crawl_fail(ctx, e.url);
    }
    crawl_txn_end(ctx);
}

static int load_queued_hosts(crawl_ctx *ctx)
{
    catalog_host_ref *refs = NULL;
    size_t n = 0;
    int rc = catalog_frontier_hosts_queued(ctx->cat, &refs, &n, ctx->err);
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        cs_url_parts parts;
        char probe[CS_URL_SIZE];
        snprintf(probe, sizeof probe, "%s/", refs[i].origin);
        if (cs_url_split(probe, &parts) != CS_OK) continue;
        if (crawl_host_for(ctx, &parts) == NULL) rc = ctx->err ? ctx->err->code : CS_EDB;
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
    int64_t queued = 0; /* a figure for the progress line only: a failed count shows 0 */
    catalog_frontier_count(ctx->cat, 0, CATALOG_URL_ANY_KIND, CATALOG_URL_QUEUED, &queued, NULL);
    s->queued = queued;
    if (ctx->opts->progress) ctx->opts->progress(ctx->opts->progress_ctx, s, final);
}

/* Why the crawl should stop now (a crawler_stop), or -1 to go on. */
static int stop_reason(const crawl_ctx *ctx, int64_t now, int64_t started)
{
    const crawler_options *opts = ctx->opts;
    if (opts->stop && *opts->stop) return CRAWLER_STOP_SIGNAL;
    if (opts->time_limit_ms > 0 && now - started >= opts->time_limit_ms)
        return CRAWLER_STOP_TIME_LIMIT;
    if (opts->max_images > 0 && ctx->images_stored >= opts->max_images)
        return CRAWLER_STOP_MAX_IMAGES;
    return -1;
}

/*
 * Starts the next request of every host that is due, the hosts taken in turn from
 * rotate, at most concurrency at once. Lowers *next_due to when a waiting host is
 * due; returns 1 when the concurrency limit stopped it (saturated).
 */
static int dispatch(crawl_ctx *ctx, int64_t now, int64_t mono, int concurrency, size_t rotate,
                    int64_t *next_due)
{
    size_t n = ctx->hosts.count;
    for (size_t k = 0; k < n && !ctx->failed; k++) {
        crawl_host *h = ctx->hosts.items[(rotate + k) % n];
        if (ctx->opts->worker && !h->leased) continue; /* another worker's, or nobody's yet */
        if (h->in_flight || h->parked || h->wake_at == INT64_MAX) continue;
        int64_t due = CS_MAX(politeness_due(h, now, mono), h->wake_at);
        if (due > now) {
            *next_due = CS_MIN(*next_due, due);
            continue;
        }
        if ((int)crawler_fetcher_active(ctx->fetcher) >= concurrency)
            return 1; /* wait for a transfer to end */
        crawl_txn_begin(ctx);
        start_next(ctx, h, now);
        if (!h->in_flight && h->wake_at != INT64_MAX) *next_due = CS_MIN(*next_due, h->wake_at);
    }
    return 0;
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
    /* a worker leaves other workers' in-flight URLs alone: their leases say whose they are */
    if (!opts->worker) rc = catalog_frontier_requeue_in_flight(cat, &requeued, err);
    crawl_txn_begin(&ctx); /* a long seed list is one commit, not one per URL */
    if (rc == CS_OK && !ctx.failed) rc = add_seeds(&ctx);
    if (rc == CS_OK && !ctx.failed && !opts->worker) rc = load_queued_hosts(&ctx);
    if (rc != CS_OK) ctx.failed = 1;
    crawl_txn_end(&ctx);
    if (rc == CS_OK && ctx.failed) rc = err && err->code ? err->code : CS_EDB;
    if (rc == CS_OK && opts->worker) rc = worker_start(&ctx, cs_now_ms());
    if (rc == CS_OK) {
        int64_t stored = 0;
        rc = catalog_frontier_count(cat, 0, CATALOG_URL_IMAGE, CATALOG_URL_DONE, &stored, err);
        ctx.images_stored = stored;
    }
    if (rc == CS_OK) {
        feed_list(&ctx, cs_now_ms(), 0);
        if (ctx.failed) rc = err && err->code ? err->code : CS_EDB;
    }
    int64_t last_report = started;
    size_t rotate = 0;
    int concurrency = opts->concurrency > 0 ? opts->concurrency : 16;
    int stopping = 0;
    while (rc == CS_OK && !ctx.failed) {
        int64_t now = cs_now_ms(), mono = politeness_mono_ms();
        if (!stopping) {
            int why = stop_reason(&ctx, now, started);
            stopping = why >= 0;
            if (stopping) stats->stopped_by = (crawler_stop)why;
        }
        if (stopping) {
            /* in-flight URLs stay in_flight: requeued next run */
            if (stats->stopped_by != CRAWLER_STOP_MAX_IMAGES) break;
            if (crawler_fetcher_active(ctx.fetcher) == 0) break;
        }
        if (!stopping && now - ctx.list_checked_at >= CRAWL_LIST_CHECK_MS) feed_list(&ctx, now, 0);
        if (!stopping && opts->worker) worker_tend(&ctx, now, concurrency);
        if (ctx.failed) break;
        int64_t next_due = INT64_MAX;
        int saturated = stopping ? 0 : dispatch(&ctx, now, mono, concurrency, rotate, &next_due);
        if (ctx.hosts.count) rotate = (rotate + 1) % ctx.hosts.count;
        crawl_txn_end(&ctx); /* in_flight marks are durable before any request leaves */
        if (ctx.failed) break;
        if (crawler_fetcher_active(ctx.fetcher) == 0 && next_due != INT64_MAX &&
            forget_finished_hosts(&ctx, cs_now_ms()))
            continue; /* look again: perhaps nothing is left at all */
        if (ctx.failed) break;
        if (crawler_fetcher_active(ctx.fetcher) == 0 && next_due == INT64_MAX) {
            int pending = 0; /* hosts added while we scanned may still have work */
            for (size_t i = 0; i < ctx.hosts.count; i++) {
                crawl_host *h = ctx.hosts.items[i];
                if (!h->parked && h->wake_at != INT64_MAX && (!opts->worker || h->leased))
                    pending = 1;
            }
            if (opts->worker) { /* idle here; while any host has work, it may come our way */
                if (!pending && !worker_work_left(&ctx)) break;
            } else {
                if (!pending && (opts->url_list == NULL || ctx.list_done)) break;
                if (!pending) feed_list(&ctx, cs_now_ms(), 1); /* idle: read more of the list */
                continue;
            }
        }
        int64_t wait = next_due == INT64_MAX ? CRAWL_POLL_MAX_MS : next_due - cs_now_ms();
        if (saturated) wait = CRAWL_POLL_MAX_MS;
        wait = CS_MAX(0, CS_MIN(wait, CRAWL_POLL_MAX_MS));
        rc = crawler_fetcher_run(ctx.fetcher, (int)wait, on_done, &ctx, err);
        if (rc == CS_OK && ctx.pending_count > 0) {
            /* Answers whose recording could wait (records_later): their hosts' next
               requests go out first, then they are recorded while those run. */
            int64_t at = cs_now_ms(), ignored = INT64_MAX;
            if (stop_reason(&ctx, at, started) < 0) {
                dispatch(&ctx, at, politeness_mono_ms(), concurrency, rotate, &ignored);
                crawl_txn_end(&ctx); /* as above: marks durable before the requests leave */
                if (!ctx.failed) rc = crawler_fetcher_send(ctx.fetcher, err);
            }
            record_pending(&ctx);
        }
        /* the responses' transaction stays open: the next dispatch commits it */
        if (opts->progress && cs_now_ms() - last_report >= opts->progress_interval_ms) {
            last_report = cs_now_ms();
            report(&ctx, started, 0);
        }
    }
    record_pending(&ctx); /* answers left by a fetcher failure: recorded (or freed) too */
    crawl_txn_end(&ctx);
    if (opts->worker) worker_stop(&ctx); /* a stopped worker's in-flight URLs wait for a lease */
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
    free(ctx.pending);
    free(ctx.unsaved);
    crawl_seen_free(&ctx.seen);
    return rc;
}
