/*
 * worker.c - `crawl --worker`: one of many crawls sharing one catalog.
 *
 * A worker crawls only the hosts whose lease it holds (catalog.h, "Host
 * leases"); every other host it meets (links, seeds) goes into the shared
 * frontier for whichever worker leases it. Each turn of the crawl loop calls
 * worker_tend, which
 *   - renews the worker's leases every lease / 3 and forgets any host whose
 *     lease another worker has taken (this one was stalled past the lease),
 *   - gives up the lease of a host that has nothing due (no queued URL left
 *     for it, or parked), so a URL another worker adds later finds it free,
 *   - takes more leases, at most every WORKER_SEEK_MS, while it holds fewer
 *     than --concurrency (committing the loop turn's open transaction first:
 *     the lease search is one of its own). A host taken is read again from the catalog (its
 *     robots.txt cache, Crawl-delay, next_fetch_at and Retry-After pause, as
 *     the last worker left them); one taken over from a lapsed lease waits a
 *     full delay from now first, since its last request may have ended only
 *     when its worker died.
 * A request that goes to a host for another's sake (robots.txt redirected
 * there, an RSL document there) needs that host's lease too
 * (worker_may_request): taken on the spot when free, else the request waits.
 * The seed origins are read again with each lease taken, so a seed another
 * worker added keeps its host's pages in scope here too. Parking a host lasts
 * one crawl, and a worker's run is one: worker_start unparks the hosts no live
 * lease holds (catalog_lease_unpark), as a plain crawl does when it loads them.
 *
 * Workers write the same rows (an image found on many hosts, a link two
 * pages share), so PostgreSQL now and then ends one's transaction for the
 * other's sake (CS_ECONFLICT: a deadlock, a serialization failure). That is
 * no reason to lose the worker: worker_conflict_retry has the transaction run
 * again after a short randomised pause (WORKER_BACKOFF_MS, doubling, so two
 * workers that collided do not collide again in step), up to
 * WORKER_CONFLICT_ATTEMPTS times. Lease taking, renewal and release retry
 * here; a response's recording in conflict.c (worker_record_alone).
 */
#include "crawler/crawler_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_SEEK_MS 200 /* how often a worker with spare capacity looks for hosts */
static void seek(crawl_ctx *ctx, int64_t now, size_t wanted);

/* Seeds any worker added keep their hosts' pages in scope (as a resumed crawl's do). */
static int refresh_scope(crawl_ctx *ctx)
{
    catalog_host_ref *refs = NULL;
    size_t n = 0;
    int rc = catalog_frontier_seed_origins(ctx->cat, &refs, &n, ctx->err);
    for (size_t i = 0; rc == CS_OK && i < n; i++)
        if (crawl_add_scope_origin(ctx, refs[i].origin) != CS_OK)
            rc = cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
    catalog_host_refs_free(refs, n);
    return rc;
}

int worker_start(crawl_ctx *ctx, int64_t now)
{
    if (ctx->opts->worker_id) {
        cs_strlcpy(ctx->worker_id, ctx->opts->worker_id, sizeof ctx->worker_id);
    } else {
        /* host name, pid and start time: no two live workers share all three */
        char host[64] = "";
        gethostname(host, sizeof host - 1);
        snprintf(ctx->worker_id, sizeof ctx->worker_id, "%s:%ld:%lld", host, (long)getpid(),
                 (long long)now);
    }
    /* parking lasts one crawl: this run's starts now (the lease search skips parked hosts) */
    int64_t unparked = 0;
    int rc;
    for (int attempt = 1;; attempt++) {
        rc = catalog_lease_unpark(ctx->cat, now, &unparked, ctx->err);
        if (rc == CS_OK || !worker_conflict_retry(ctx, rc, attempt)) break;
    }
    if (rc != CS_OK) return rc;
    int concurrency = ctx->opts->concurrency > 0 ? ctx->opts->concurrency : 16;
    seek(ctx, now, (size_t)concurrency);
    return ctx->failed ? (ctx->err && ctx->err->code ? ctx->err->code : CS_EDB) : CS_OK;
}

static int64_t lease_ms(const crawl_ctx *ctx)
{
    return ctx->opts->lease_ms > 0 ? ctx->opts->lease_ms : CRAWLER_DEFAULT_LEASE_MS;
}

/* Takes up to wanted more leases and makes their hosts this worker's. */
static void seek(crawl_ctx *ctx, int64_t now, size_t wanted)
{
    ctx->leases_sought_at = now;
    crawl_txn_end(ctx); /* the turn's writes first: taking leases is a transaction of its own */
    if (ctx->failed) return;
    catalog_lease *leases = NULL;
    size_t n = 0;
    int rc;
    for (int attempt = 1;; attempt++) { /* one transaction of its own: retried whole */
        rc = catalog_lease_acquire(ctx->cat, ctx->worker_id, now, lease_ms(ctx), wanted, &leases,
                                   &n, ctx->err);
        if (rc == CS_OK || !worker_conflict_retry(ctx, rc, attempt)) break;
    }
    if (rc != CS_OK) {
        crawl_fail(ctx, NULL);
        return;
    }
    if (n > 0 && refresh_scope(ctx) != CS_OK) crawl_fail(ctx, NULL);
    for (size_t i = 0; i < n && !ctx->failed; i++) {
        char probe[CS_URL_SIZE];
        cs_url_parts parts;
        snprintf(probe, sizeof probe, "%s/", leases[i].origin);
        if (cs_url_split(probe, &parts) != CS_OK) continue;
        crawl_host *h = crawl_hosts_find(&ctx->hosts, parts.origin);
        if (h == NULL)
            h = crawl_host_for(ctx, &parts); /* read from the catalog just now */
        else if (crawl_host_reload(ctx, h) != CS_OK)
            h = NULL;
        if (h == NULL) break;
        h->leased = 1;
        h->wake_at = 0;
        if (leases[i].taken_over) h->next_fetch_at = CS_MAX(h->next_fetch_at, now + h->delay_ms);
    }
    catalog_leases_free(leases, n);
}

/* Renews every lease; a host this worker no longer holds is left alone from now on. */
static void renew(crawl_ctx *ctx, int64_t now)
{
    ctx->leases_renewed_at = now;
    int64_t *ids = NULL;
    size_t n = 0;
    int rc;
    for (int attempt = 1;; attempt++) { /* one statement outside a transaction */
        rc = catalog_lease_renew(ctx->cat, ctx->worker_id, now, lease_ms(ctx), &ids, &n, ctx->err);
        if (rc == CS_OK || !worker_conflict_retry(ctx, rc, attempt)) break;
    }
    if (rc != CS_OK) {
        crawl_fail(ctx, NULL);
        return;
    }
    for (size_t i = 0; i < ctx->hosts.count; i++) {
        crawl_host *h = ctx->hosts.items[i];
        int held = 0;
        for (size_t k = 0; h->leased && k < n && !held; k++)
            held = ids[k] == h->id;
        h->leased = held;
    }
    free(ids);
}

/* Gives up the lease of host_id (0: every lease), run again while conflicts end it. */
static int release(crawl_ctx *ctx, int64_t host_id, cs_error *err)
{
    int rc;
    for (int attempt = 1;; attempt++) { /* one statement outside a transaction */
        rc = catalog_lease_release(ctx->cat, ctx->worker_id, host_id, err);
        if (rc != CS_ECONFLICT || attempt >= WORKER_CONFLICT_ATTEMPTS) break;
        if (err != ctx->err) {
            ctx->stats->conflicts_retried++;
            worker_conflict_pause(attempt);
        } else if (!worker_conflict_retry(ctx, rc, attempt)) {
            break;
        }
    }
    return rc;
}

void worker_tend(crawl_ctx *ctx, int64_t now, int concurrency)
{
    if (ctx->failed) return;
    if (now - ctx->leases_renewed_at >= lease_ms(ctx) / 3) renew(ctx, now);
    size_t held = 0;
    for (size_t i = 0; i < ctx->hosts.count && !ctx->failed; i++) {
        crawl_host *h = ctx->hosts.items[i];
        if (!h->leased) continue;
        if (!h->in_flight && (h->parked || h->wake_at == INT64_MAX)) {
            if (release(ctx, h->id, ctx->err) != CS_OK) crawl_fail(ctx, h->origin);
            h->leased = 0;
            continue;
        }
        held++;
    }
    if (!ctx->failed && held < (size_t)concurrency && now - ctx->leases_sought_at >= WORKER_SEEK_MS)
        seek(ctx, now, (size_t)concurrency - held);
}

int worker_may_request(crawl_ctx *ctx, crawl_host *t, int64_t now)
{
    if (!ctx->opts->worker || t->leased) return 1;
    int taken = 0, taken_over = 0;
    if (catalog_lease_take(ctx->cat, ctx->worker_id, t->id, now, lease_ms(ctx), &taken, &taken_over,
                           ctx->err) != CS_OK) {
        crawl_fail(ctx, t->origin);
        return 0;
    }
    if (!taken) return 0;
    if (ctx->in_txn) { /* taken again should a conflict end the turn (worker_turn_replay) */
        if (cs_array_reserve((void **)&ctx->turn.leased, &ctx->turn.leased_cap,
                             ctx->turn.leased_count, sizeof *ctx->turn.leased, 0) != CS_OK) {
            cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
            crawl_fail(ctx, t->origin);
            return 0;
        }
        ctx->turn.leased[ctx->turn.leased_count++] = t;
    }
    if (crawl_host_reload(ctx, t) != CS_OK) return 0;
    t->leased = 1;
    t->wake_at = 0;
    if (taken_over) t->next_fetch_at = CS_MAX(t->next_fetch_at, now + t->delay_ms);
    return 1;
}

int worker_work_left(crawl_ctx *ctx)
{
    int64_t hosts = 0;
    int rc;
    for (int attempt = 1;; attempt++) { /* a read, but a strict server may end it too */
        rc = catalog_lease_work_left(ctx->cat, &hosts, ctx->err);
        if (rc == CS_OK || !worker_conflict_retry(ctx, rc, attempt)) break;
    }
    if (rc != CS_OK) crawl_fail(ctx, NULL);
    return hosts > 0;
}

void worker_turn_replay(crawl_ctx *ctx, crawl_host *const *saved, size_t n)
{
    int64_t now = cs_now_ms();
    ctx->stats->disallowed = ctx->turn.disallowed; /* counted again as they are marked again */
    ctx->stats->excluded = ctx->turn.excluded;
    for (size_t i = ctx->turn.hosts; i < ctx->hosts.count && !ctx->failed; i++)
        crawl_host_reload(ctx, ctx->hosts.items[i]);
    for (size_t i = 0; i < ctx->turn.leased_count && !ctx->failed; i++) {
        crawl_host *t = ctx->turn.leased[i];
        int taken = 0, taken_over = 0;
        if (catalog_lease_take(ctx->cat, ctx->worker_id, t->id, now, lease_ms(ctx), &taken,
                               &taken_over, ctx->err) != CS_OK) {
            crawl_fail(ctx, t->origin);
        } else if (!taken) {
            cs_error_set(ctx->err, CS_EDB,
                         "%s: another worker took the host's lease while a conflict was retried",
                         t->origin);
            crawl_fail(ctx, NULL);
        }
    }
    for (crawl_job *job = ctx->jobs; job && job != ctx->turn.jobs && !ctx->failed; job = job->next)
        if (job->url_id && catalog_frontier_set_state(ctx->cat, job->url_id, CATALOG_URL_IN_FLIGHT,
                                                      1, 0, NULL, ctx->err) != CS_OK)
            crawl_fail(ctx, NULL);
    for (size_t i = 0; i < n && !ctx->failed; i++)
        crawl_save_politeness_again(ctx, saved[i]);
    for (size_t i = 0; i < ctx->hosts.count && !ctx->failed; i++) {
        crawl_host *h = ctx->hosts.items[i];
        if (!h->leased) continue;
        h->wake_at = 0; /* its frontier asked again: a skip mark lost is made again */
        int rc = CS_OK;
        if (h->tdmrep_status == POLICY_STATUS_SKIPPED)
            rc = catalog_host_save_policy_file(ctx->cat, h->id, CATALOG_URL_TDMREP, 0, NULL, 0,
                                               ctx->err);
        if (rc == CS_OK && h->ai_txt_status == POLICY_STATUS_SKIPPED)
            rc = catalog_host_save_policy_file(ctx->cat, h->id, CATALOG_URL_AI_TXT, 0, NULL, 0,
                                               ctx->err);
        if (rc != CS_OK) crawl_fail(ctx, h->origin);
    }
}

void worker_stop(crawl_ctx *ctx)
{
    cs_error ignored; /* the leases lapse anyway; ctx->err keeps the crawl's own failure */
    if (ctx->worker_id[0]) release(ctx, 0, &ignored);
    free(ctx->turn.leased);
    ctx->turn.leased = NULL;
}
