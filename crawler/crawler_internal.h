/*
 * crawler_internal.h - what the crawl loop's files share: per-host state and
 * politeness (politeness.c), an origin's policy files (policy.c, for both the
 * crawl and `clearset signals`), scope and trap checks (frontier.c), opt-out
 * signal gathering (signals.c) and the crawl itself (crawl.c).
 * Other folders never include this.
 */
#ifndef CLEARSET_CRAWLER_INTERNAL_H
#define CLEARSET_CRAWLER_INTERNAL_H

#include "crawler/crawler.h"
#include "dataset/catalog.h"
#include "robots/robots.h"

/* RFC 9309 2.3.1.2: follow at least five consecutive redirects for robots.txt. */
#define CRAWL_ROBOTS_MAX_REDIRECTS 5
/* Redirect hops followed for pages and images (each hop is a frontier URL). */
#define CRAWL_MAX_REDIRECTS 5
/* RFC 9309 2.4: a robots.txt may be cached for up to 24 hours. */
#define CRAWL_ROBOTS_CACHE_MS (24LL * 3600 * 1000)
/* A 5xx or unreachable robots.txt is asked again after this long (not cached for a day). */
#define CRAWL_ROBOTS_ERROR_CACHE_MS (10LL * 60 * 1000)
/* Consecutive errors after which a host is parked for the rest of the crawl. */
#define CRAWL_PARK_AFTER_ERRORS 5
/* Back-off never waits longer than this between attempts. */
#define CRAWL_MAX_BACKOFF_MS (5LL * 60 * 1000)
/* A Retry-After longer than this parks the host instead of waiting. */
#define CRAWL_MAX_RETRY_AFTER_MS (60LL * 60 * 1000)

/* Each host's content may point to a few RSL documents; more is a hostile site. */
#define CRAWL_MAX_RSL_DOCS 16

/* An RSL 1.0 document the host's content points to (policy.c fetches and parses it). */
typedef struct crawl_rsl_doc {
    char *url;     /* where it is (on any host); an inline script: its page URL + "#rsl-script" */
    char *via;     /* how it was found: "robots.txt License", "Link header of URL", ... */
    char *for_url; /* the response that pointed to it (Link header, HTML), or NULL */
    int status;    /* POLICY_STATUS_UNKNOWN until fetched, SKIPPED, HTTP status, 0 unreachable */
    int parsed;    /* rsl holds the document (a 2xx body that parsed) */
    robots_rsl rsl;
} crawl_rsl_doc;

/* In-memory state of one host (scheme://host:port). */
typedef struct crawl_host {
    int64_t id;
    char origin[300];
    robots_rules *rules; /* NULL until robots.txt is known */
    int robots_status;   /* as stored: 0 unreachable, else HTTP status */
    int robots_hops;     /* redirects followed for the current robots.txt fetch */
    char *robots_url;    /* a robots.txt redirect target still to follow, or NULL (owned) */
    int tdmrep_status, ai_txt_status; /* HTTP status, 0 unreachable, or POLICY_STATUS_* */
    unsigned char *tdmrep_body, *ai_txt_body;
    size_t tdmrep_len, ai_txt_len;
    crawl_rsl_doc *rsl_docs; /* RSL documents for this host's content (owned) */
    size_t rsl_count, rsl_cap;
    int rsl_from_robots;   /* robots.txt's License lines are in rsl_docs */
    int64_t delay_ms;      /* effective minimum spacing of requests */
    int64_t next_fetch_at; /* no request before this (wall ms) */
    int64_t paused_until;  /* Retry-After or back-off */
    /* next_fetch_at and paused_until again on the monotonic clock (politeness_mono_ms), set
       by this process as it sends and hears: the wall clock is what other processes
       share, but it can be stepped or slewed, and then spacing within this process
       still holds by the monotonic one (politeness_due). 0: nothing sent yet. */
    int64_t next_fetch_mono, paused_mono;
    int consecutive_errors;
    int parked;
    int in_flight;         /* a request to this host is running */
    int64_t wake_at;       /* no due URL before this; INT64_MAX: nothing queued */
    int answered;          /* a request ended since the frontier was last asked (crawl.c) */
    int64_t pages_fetched; /* page URLs done or in flight, for --max-pages-per-host */
    int leased;            /* --worker: this worker holds the host's lease */
    int spacing_unsaved;   /* in crawl_ctx.unsaved: its spacing is written at the turn's end */
    /* the politeness row as last read or written (crawl_save_politeness skips a write
       that would change nothing a resumed crawl or another worker reads) */
    int64_t saved_paused_until;
    int saved_errors, saved_parked;
} crawl_host;

/* All hosts of a crawl, findable by origin. */
typedef struct crawl_hosts {
    crawl_host **items;
    size_t count, cap;
    size_t *index; /* open-addressing table of item positions + 1 (0 = empty) */
    size_t index_cap;
} crawl_hosts;

/* Frees what h owns (rules, policy files, RSL documents) and zeroes it. */
void crawl_host_clear(crawl_host *h);
void crawl_hosts_free(crawl_hosts *hosts);
crawl_host *crawl_hosts_find(crawl_hosts *hosts, const char *origin);
/* Adds a host (owned by the table); CS_ENOMEM. */
int crawl_hosts_add(crawl_hosts *hosts, crawl_host *host);

/* ---- An origin's policy files (policy.c) -------------------------------------- */

/* tdmrep_status / ai_txt_status before the file is known: */
#define POLICY_STATUS_UNKNOWN (-1) /* not fetched yet */
#define POLICY_STATUS_SKIPPED (-2) /* robots.txt keeps clearsetbot from it: never requested */

/* 5xx, 429 or no answer at all (status 0): robots.txt could not be read (RFC 9309 2.3.1.4). */
int policy_robots_unreachable(int status);
/* Rules for a robots.txt status: 2xx parsed, other 3xx/4xx allow all, unreachable disallow all. */
robots_rules *policy_rules_for_status(int status, const unsigned char *body, size_t len);

typedef enum policy_step {
    POLICY_DONE = 0, /* robots.txt, tdmrep.json, ai.txt and the RSL documents are all known */
    POLICY_FETCH,    /* request url (of kind) next and hand the response to policy_absorb */
    POLICY_SKIPPED,  /* robots.txt forbids the file of kind: now POLICY_STATUS_SKIPPED */
} policy_step;

/*
 * What host still needs, in order: robots.txt (or the redirect target it led
 * to) while host->rules is NULL, then tdmrep.json, then ai.txt, then each RSL
 * document not known yet (robots.txt's License lines join the list once
 * robots.txt is known). An RSL document on another origin comes back as
 * POLICY_FETCH all the same: the caller fetches it under that origin's
 * robots.txt and delay, or marks it with policy_rsl_set_skipped.
 */
policy_step policy_next(crawl_host *host, char url[CS_URL_SIZE], crawler_kind *kind);
/* 1 when policy_next has nothing left to ask (it would return POLICY_DONE); no side effects. */
int policy_settled(const crawl_host *host);

typedef struct policy_outcome {
    int status;     /* the file's status as kept: HTTP status, 0 when no response */
    int redirected; /* robots.txt redirected: host->robots_url is the next request */
    int refused;    /* the fetcher refused the address: nothing about host changed */
} policy_outcome;

/*
 * Takes in the response to a request policy_next asked for: follows
 * robots.txt redirects, sets host->rules and robots_status, keeps tdmrep.json
 * and ai.txt (status and 2xx body). CS_ENOMEM (host unchanged).
 */
int policy_absorb(crawl_host *host, const crawler_response *resp, policy_outcome *out,
                  cs_error *err);

/*
 * Adds an RSL document for host's content unless its URL is listed already or
 * CRAWL_MAX_RSL_DOCS are: url, via and for_url (may be NULL) are copied; text (an inline script,
 * may be NULL) is parsed at once and the document is then known (status 200).
 * *added (may be NULL) says whether it was new. CS_OK or CS_ENOMEM.
 */
int policy_rsl_add(crawl_host *host, const char *url, const char *via, const char *for_url,
                   const char *text, size_t len, int *added);
/* The document of host listed at url, or NULL. */
crawl_rsl_doc *policy_rsl_find(crawl_host *host, const char *url);
/* Sets a document's status (SKIPPED: its host's robots.txt forbids it) and parses a 2xx body. */
void policy_rsl_set(crawl_rsl_doc *doc, int status, const unsigned char *body, size_t len);
/*
 * The RSL documents a response's Link headers and its page (may be NULL) point
 * to, added to host's list; *added counts the new ones. CS_OK or CS_ENOMEM.
 */
int policy_rsl_discover(crawl_host *host, const crawler_response *resp,
                        const crawler_html_page *page, size_t *added);
/* The name an inline <script type="application/rsl+xml"> is listed under (page URL, index). */
#define POLICY_RSL_SCRIPT_URL "%s#rsl-script-%zu"
/* 1 when an RSL document of host is not known yet (policy_next would ask for it). */
int policy_rsl_pending(const crawl_host *host);
/* Releases host's RSL documents. */
void policy_rsl_free(crawl_host *host);

/* ---- Politeness (politeness.c) ------------------------------------------------- */

/* Effective delay: max(min_delay, min(Crawl-delay, cap)). */
int64_t politeness_delay_ms(int64_t min_delay_ms, double crawl_delay_s, int64_t cap_ms);
/* Retry-After as delta seconds or an HTTP date, in ms from now; -1 when absent or invalid. */
int64_t politeness_retry_after_ms(const char *value, int64_t now_ms);

/* What to do with a URL after a failed attempt. */
typedef struct politeness_outcome {
    int retry; /* 1: queue again at retry_at; 0: give up */
    int64_t retry_at;
} politeness_outcome;

/*
 * Updates host after a response that ended at now: the next request waits
 * the delay; 429/503 with Retry-After pause the host; 5xx, 429 and network
 * errors count as errors and back off exponentially; CRAWL_PARK_AFTER_ERRORS
 * in a row park it; any other response clears the error count. Fills *out for
 * the URL (attempts: attempts made so far including this one).
 */
void politeness_after_response(crawl_host *host, int64_t now, long status, int error,
                               const char *retry_after, int attempts, int max_attempts,
                               politeness_outcome *out);
/* 1 when status/error is a failure the URL may be retried for (5xx, 429, network). */
int politeness_is_transient(long status, int error);
/* Milliseconds on the monotonic clock (never stepped, unlike cs_now_ms's wall clock). */
int64_t politeness_mono_ms(void);
/*
 * When host may next be asked, on the wall clock: its next_fetch_at and
 * paused_until, and no sooner than its monotonic bounds (next_fetch_mono,
 * paused_mono) allow; now and mono are the same instant on the two clocks.
 */
int64_t politeness_due(const crawl_host *host, int64_t now, int64_t mono);

/* Scope and traps (frontier.c). NULL when allowed, else why not (static string). */
const char *frontier_trap_reason(const char *url, int max_path_segments, int max_repeats);

/* Signals (signals.c): everything the response, its host and its page say. */
int signals_from_response(robots_signal_list *list, const crawler_response *resp, cs_error *err);
int signals_from_host(robots_signal_list *list, const crawl_host *host, const char *url,
                      const robots_ai_crawlers *crawlers, cs_error *err);
/* The same as agent reads its host's files (signals_from_host is this for clearsetbot):
 * the Content-Signal/Content-Usage lines and ai.txt rules that apply to agent. */
int signals_from_host_for(robots_signal_list *list, const crawl_host *host, const char *url,
                          const char *agent, const robots_ai_crawlers *crawlers, cs_error *err);
int signals_from_page(robots_signal_list *list, const crawler_html_page *page, const char *url,
                      cs_error *err);
/* The catalog's word for a signal ("x-robots-tag", "tdm-meta", ...) and effect. */
const char *signals_catalog_effect(const robots_signal *s);

/* ---- The crawl (crawl.c) and recording its results (record.c) ---------------- */

/* One running request: what it is for, so its response can be recorded. */
typedef struct crawl_job {
    int64_t url_id; /* 0 for robots.txt, tdmrep.json, ai.txt */
    crawl_host *host;
    crawl_host *via; /* the other host a robots.txt redirect sent this request to, kept
                        busy and spaced like any request of its own; NULL: same host */
    crawler_kind kind;
    int depth;
    int attempts;  /* including this one */
    int redirects; /* hops that led to this URL (catalog_frontier_item.redirects) */
    struct crawl_job *next, *prev;
} crawl_job;

/* ---- URLs already in the frontier (seen.c) ------------------------------------------- */

typedef struct crawl_seen_slot {
    char *url; /* owned; NULL: empty */
    int64_t id;
    uint64_t generation; /* crawl_seen.generation when it was added */
} crawl_seen_slot;

/* A bounded cache of URL -> frontier id (CRAWL_SEEN_SLOTS slots; see seen.c). */
typedef struct crawl_seen {
    crawl_seen_slot *slots; /* NULL until the first crawl_seen_add */
    uint64_t generation;    /* of the URLs added now (crawl_seen_mark) */
} crawl_seen;

/* url's frontier id if the cache holds it, else 0. */
int64_t crawl_seen_find(const crawl_seen *seen, const char *url);
/* Remembers url -> id, replacing whatever held its slot; out of memory just forgets. */
void crawl_seen_add(crawl_seen *seen, const char *url, int64_t id);
void crawl_seen_free(crawl_seen *seen);
/* Starts a new generation of URLs and returns it, for crawl_seen_forget_since. */
uint64_t crawl_seen_mark(crawl_seen *seen);
/* Forgets every URL added since crawl_seen_mark returned mark (its ids were rolled back). */
void crawl_seen_forget_since(crawl_seen *seen, uint64_t mark);

/* A response whose recording waits until its host's next request has gone out (crawl.c). */
typedef struct crawl_pending {
    crawl_job *job;
    crawler_response resp; /* its headers and body, moved out of the fetcher's */
    int64_t now;           /* when the answer ended (wall ms) */
} crawl_pending;

/* The state of one crawler_crawl call. */
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
    int failed;              /* a catalog error: stop */
    int in_txn;              /* a catalog transaction is open (crawl.c: one per loop turn) */
    int list_done;           /* --url-list read to its end */
    int64_t list_checked_at; /* when the queue was last measured for the list */
    char worker_id[128];     /* --worker: the owner of this worker's leases */
    int64_t leases_renewed_at, leases_sought_at;
    crawl_host **unsaved; /* hosts whose spacing changed in the open transaction */
    size_t unsaved_count, unsaved_cap;
    crawl_seen seen;        /* URLs known to be in the frontier, with their ids */
    crawl_pending *pending; /* answers to record after the next dispatch (crawl.c) */
    size_t pending_count, pending_cap;
    /* The open transaction as it began, so that a worker's dispatch turn a conflict
       ended can be written again (worker_turn_replay). */
    struct crawl_turn {
        crawl_job *jobs;              /* ctx->jobs then: the jobs listed before it are its */
        size_t hosts;                 /* ctx->hosts.count then: hosts added since are its */
        int64_t disallowed, excluded; /* the stats then */
        crawl_host **leased;          /* hosts whose lease it took (worker_may_request) */
        size_t leased_count, leased_cap;
    } turn;
    int recording_alone; /* worker_record_alone (conflict.c) runs its transaction again */
    cs_error *err;
} crawl_ctx;

/*
 * Marks the crawl failed (it stops; the open transaction rolls back) after a
 * catalog or memory error about url (may be NULL): the first failure is kept
 * in ctx->err, its message prefixed with url.
 */
void crawl_fail(crawl_ctx *ctx, const char *url);
/* Opens the loop turn's transaction unless one is open or the crawl failed. */
void crawl_txn_begin(crawl_ctx *ctx);
/* Commits the loop turn's open transaction, if any (rolls it back once the crawl failed),
 * the spacing of every host crawl_save_politeness named written first. A worker's
 * dispatch turn that a conflict ended is written again (worker_turn_replay), up to
 * WORKER_CONFLICT_ATTEMPTS times, before the crawl fails. */
void crawl_txn_end(crawl_ctx *ctx);
/*
 * Writes h's spacing (next_fetch_at, paused_until, errors, parked) to the catalog:
 * inside the turn's transaction once, at its end, however often it changed in the
 * turn (a host's answer and its next request both change it); outside one at once.
 */
void crawl_save_politeness(crawl_ctx *ctx, crawl_host *h);
/* The same for a host whose last write a rolled-back transaction took away: written
   even if nothing in it changed since (crawl_save_politeness would skip it). */
void crawl_save_politeness_again(crawl_ctx *ctx, crawl_host *h);
/* Counts a request refused for its address (stats->refused, and its first message). */
void crawl_note_refused(crawl_ctx *ctx, const crawler_response *resp);
/* The frontier's kind for a request's kind, and back (crawl.c). */
catalog_url_kind crawl_url_kind(crawler_kind kind);
crawler_kind crawl_request_kind(catalog_url_kind kind);
/*
 * Queues url (absolute, normalised) unless out of scope, too deep or a trap.
 * Returns the url id, or 0 when it was not queued; sets ctx->failed on a
 * catalog error.
 */
int64_t crawl_enqueue(crawl_ctx *ctx, const char *url, crawler_kind kind, int depth,
                      int64_t referrer_id);
/*
 * The in-memory host for a URL's origin, loaded from (or added to) the
 * catalog with its politeness state; NULL (ctx->failed) on error.
 */
crawl_host *crawl_host_for(crawl_ctx *ctx, const cs_url_parts *parts);
/*
 * Reads h again from the catalog (its lease flag kept), for a worker that
 * takes the host over: another worker may have crawled it meanwhile.
 */
int crawl_host_reload(crawl_ctx *ctx, crawl_host *h);
/* Adds origin to the origins whose pages are in scope; CS_ENOMEM. */
int crawl_add_scope_origin(crawl_ctx *ctx, const char *origin);

/* ---- --worker: host leases (worker.c) ----------------------------------------- */

/* Names the worker (ctx->worker_id) and takes its first leases; CS_E code on failure. */
int worker_start(crawl_ctx *ctx, int64_t now);
/*
 * Called every loop turn outside a transaction: renews the leases when due
 * (dropping hosts another worker has taken), gives up the leases of idle
 * hosts, and takes more when fewer than concurrency are held. Sets
 * ctx->failed on a catalog error.
 */
void worker_tend(crawl_ctx *ctx, int64_t now, int concurrency);
/*
 * 1 when this worker may send t a request: not a worker, or it holds t's
 * lease (taking it now if it is free or lapsed; t is then read again from
 * the catalog). 0: another worker crawls t, wait. Inside the turn's
 * transaction; ctx->failed on a catalog error.
 */
int worker_may_request(crawl_ctx *ctx, crawl_host *t, int64_t now);
/* 1 while any host still has work for some worker (the crawl must wait, not end). */
int worker_work_left(crawl_ctx *ctx);
/* Gives up every lease this worker holds (at the end; errors are ignored). */
void worker_stop(crawl_ctx *ctx);
/* Attempts at a worker's transaction while conflicts end it (the first included). */
#define WORKER_CONFLICT_ATTEMPTS 5
/*
 * After one of a worker's transactions failed with code (its transaction rolled back, or
 * a statement outside one failed): 1 when code is CS_ECONFLICT (catalog.h: another
 * transaction was in the way), no transaction is open and attempt (1 for the first) is
 * below WORKER_CONFLICT_ATTEMPTS: the failure is forgotten (ctx->failed and ctx->err
 * cleared), counted in stats->conflicts_retried, a short randomised pause growing with
 * attempt has passed, and the caller runs the transaction again. Else 0, the failure
 * stands; after the last attempt ctx->err says the conflict went on that many times.
 */
int worker_conflict_retry(crawl_ctx *ctx, int code, int attempt);
/* The pause before attempt + 1 (worker_conflict_retry's, for a caller that counts itself). */
void worker_conflict_pause(int attempt);
/*
 * Inside a new transaction, writes again what a worker's dispatch turn wrote before a
 * conflict rolled it back, from what memory holds (ctx->turn): hosts it added read or
 * added again (their ids were rolled back), leases it took taken again (one another
 * worker took meanwhile fails the crawl: a request to that host may be on its way),
 * its requests' URLs marked in_flight again, the spacing of saved (n hosts) and the
 * policy files robots.txt keeps it from. URLs it marked skipped or disallowed are
 * queued again and marked again by the next turn (each leased host asks its frontier
 * again); an RSL document it found forbidden stays so in memory, unrecorded (a later
 * run decides again). ctx->failed on error.
 */
void worker_turn_replay(crawl_ctx *ctx, crawl_host *const *saved, size_t n);

/*
 * A worker's finished response recorded in a transaction of its own, run again
 * (conflict.c) while conflicts end it, up to WORKER_CONFLICT_ATTEMPTS times; then
 * ctx->failed, as for any catalog error.
 */
void worker_record_alone(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now);

/* Record a finished response inside the caller's transaction (ctx->failed on error):
   crawl_record_response picks crawl_record_policy or _url and saves the spacing. */
void crawl_record_response(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp,
                           int64_t now);
void crawl_record_policy(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now);
void crawl_record_url(crawl_ctx *ctx, crawl_job *job, const crawler_response *resp, int64_t now);

#endif
