/*
 * conflict.c - a crawl worker's transaction that PostgreSQL ended for another
 * transaction's sake (a deadlock, a serialization failure, a lock timeout:
 * CS_ECONFLICT, the transaction rolled back), run again instead of ending the
 * worker.
 *
 * worker_conflict_retry is the policy every such call site asks: at most
 * WORKER_CONFLICT_ATTEMPTS runs, a growing randomised pause between them, the
 * retries counted in crawler_stats.conflicts_retried, and a clear message when
 * it gives up. worker_record_alone runs one response's recording (each is a
 * transaction of its own in a worker; crawl.c on_done says why): before it
 * runs again, what the lost run changed in memory is put back (record_undo:
 * the counters, the spacing of the hosts it touched, the URL ids it cached,
 * whose rows are gone), hosts it added are read again, and the spacing it wrote
 * is written again; the response itself is still in memory. A dispatch turn a
 * conflict ended is written again by worker_turn_replay (worker.c).
 */
#include "crawler/crawler_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The first pause before a conflicting transaction runs again: 4-8 ms, then 8-16, 16-32,
   32-64 ms; the server has long finished the other transaction by then. */
#define WORKER_BACKOFF_MS     4
#define WORKER_BACKOFF_MAX_MS 100

/* A pause of about ms (ms to 2 ms, at most WORKER_BACKOFF_MAX_MS), drawn from the clock. */
static void backoff(int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    uint64_t mix = ((uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 20)) * 0x9E3779B97F4A7C15ULL;
    ms += (int64_t)((mix >> 33) % (uint64_t)(ms + 1));
    ms = CS_MIN(ms, WORKER_BACKOFF_MAX_MS);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
}

void worker_conflict_pause(int attempt)
{
    backoff((int64_t)WORKER_BACKOFF_MS << (attempt - 1));
}

int worker_conflict_retry(crawl_ctx *ctx, int code, int attempt)
{
    if (code != CS_ECONFLICT || ctx->in_txn) return 0;
    if (attempt >= WORKER_CONFLICT_ATTEMPTS) {
        if (ctx->err && ctx->err->code == CS_ECONFLICT) {
            cs_error inner = *ctx->err; /* rewritten from a copy of itself */
            cs_error_set(ctx->err, CS_ECONFLICT,
                         "%s (a conflict with another writer %d times "
                         "in a row; giving up)",
                         inner.message, attempt);
        }
        return 0;
    }
    ctx->failed = 0;
    cs_error_clear(ctx->err);
    ctx->stats->conflicts_retried++;
    worker_conflict_pause(attempt);
    return 1;
}

/* What recording a response may change in memory besides the catalog, kept before
   the transaction so that one a conflict rolled back can be undone (worker_record_alone). */
typedef struct record_undo {
    crawler_stats stats;
    int64_t images_stored;
    size_t hosts_known; /* ctx->hosts.count: hosts added after it may be rows rolled back */
    uint64_t seen_mark; /* URL ids cached since may be rows rolled back */
    struct host_spacing {
        crawl_host *host;  /* NULL: none */
        crawl_host before; /* a shallow copy: only its spacing is read back */
    } spacing[2];          /* job->host and job->via */
    crawl_host **saved;    /* hosts whose spacing the transaction wrote (crawl_save_politeness) */
    size_t saved_count, saved_cap;
} record_undo;

static void spacing_keep(struct host_spacing *k, crawl_host *h)
{
    k->host = h;
    if (h) k->before = *h;
}

/* Puts back what recording a response changes of a host besides its policy files
   (which it sets again to the same from the same response). */
static void spacing_restore(const struct host_spacing *k)
{
    crawl_host *h = k->host;
    const crawl_host *was = &k->before;
    if (h == NULL) return;
    h->delay_ms = was->delay_ms;
    h->next_fetch_at = was->next_fetch_at;
    h->paused_until = was->paused_until;
    h->next_fetch_mono = was->next_fetch_mono;
    h->paused_mono = was->paused_mono;
    h->wake_at = CS_MIN(h->wake_at, was->wake_at); /* an earlier look costs a query, no more */
    h->pages_fetched = was->pages_fetched;
    h->consecutive_errors = was->consecutive_errors;
    h->parked = was->parked;
    h->robots_hops = was->robots_hops;
    h->saved_paused_until = was->saved_paused_until; /* what the catalog holds again */
    h->saved_errors = was->saved_errors;
    h->saved_parked = was->saved_parked;
}

/* The hosts whose spacing the open transaction is to write, before it ends. */
static void undo_note_saved(crawl_ctx *ctx, record_undo *u)
{
    for (size_t i = 0; i < ctx->unsaved_count; i++) {
        size_t k = 0;
        while (k < u->saved_count && u->saved[k] != ctx->unsaved[i])
            k++;
        if (k < u->saved_count) continue;
        if (cs_array_reserve((void **)&u->saved, &u->saved_cap, u->saved_count, sizeof *u->saved,
                             0) != CS_OK) {
            cs_error_set(ctx->err, CS_ENOMEM, "out of memory");
            crawl_fail(ctx, ctx->unsaved[i]->origin);
            return;
        }
        u->saved[u->saved_count++] = ctx->unsaved[i];
    }
}

/* Puts memory back as it was before a rolled-back recording (the catalog is, already). */
static void undo_apply(crawl_ctx *ctx, const record_undo *u)
{
    int64_t retried = ctx->stats->conflicts_retried;
    *ctx->stats = u->stats;
    ctx->stats->conflicts_retried = retried;
    ctx->stats->hosts = (int64_t)ctx->hosts.count;
    ctx->images_stored = u->images_stored;
    for (size_t i = 0; i < CS_ARRAY_LEN(u->spacing); i++)
        spacing_restore(&u->spacing[i]);
    crawl_seen_forget_since(&ctx->seen, u->seen_mark);
}

/*
 * Again inside the new transaction, before the response is recorded again: the
 * hosts the lost one added (their rows are gone, and their ids with them) are
 * read or added afresh, and the spacing it wrote is written again.
 */
static void undo_redo(crawl_ctx *ctx, const record_undo *u)
{
    for (size_t i = u->hosts_known; i < ctx->hosts.count && !ctx->failed; i++)
        crawl_host_reload(ctx, ctx->hosts.items[i]);
    for (size_t i = 0; i < u->saved_count && !ctx->failed; i++)
        crawl_save_politeness_again(ctx, u->saved[i]);
}

/*
 * A worker's response, recorded in a transaction of its own. When a conflict ends
 * that transaction (CS_ECONFLICT: PostgreSQL rolled it back for another
 * transaction's sake), what it changed in memory is undone (record_undo) and the
 * same response, still in memory, is recorded again after a short pause, up to
 * WORKER_CONFLICT_ATTEMPTS times (worker_conflict_retry); then the crawl fails as
 * for any catalog error.
 */
void worker_record_alone(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now)
{
    crawl_txn_end(ctx);      /* whatever else is open is not this response's to run again */
    if (ctx->failed) return; /* an earlier failure stands: nothing here is to retry */
    record_undo u = {.stats = *ctx->stats,
                     .images_stored = ctx->images_stored,
                     .hosts_known = ctx->hosts.count,
                     .seen_mark = crawl_seen_mark(&ctx->seen)};
    spacing_keep(&u.spacing[0], job->host);
    spacing_keep(&u.spacing[1], job->via);
    ctx->recording_alone = 1;
    for (int attempt = 1;; attempt++) {
        crawl_txn_begin(ctx);
        if (attempt > 1) undo_redo(ctx, &u);
        crawl_record_response(ctx, job, resp, now);
        undo_note_saved(ctx, &u);
        crawl_txn_end(ctx);
        int code = ctx->failed && ctx->err ? ctx->err->code : CS_OK;
        if (!ctx->failed || !worker_conflict_retry(ctx, code, attempt)) break;
        undo_apply(ctx, &u);
    }
    ctx->recording_alone = 0;
    free(u.saved);
}
