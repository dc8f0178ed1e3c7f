/*
 * catalog.h - the catalog: everything clearset knows, in one SQLite file or
 * one PostgreSQL database, with image bytes in a content-addressed blob store
 * (beside the SQLite file by default).
 *
 * The schema (dataset/schema.c) is the documentation of the data; both
 * backends hold the same tables, columns and migrations. Every other folder
 * reaches the catalog only through the functions declared here, so none of
 * them knows which backend runs: a location that is a postgresql:// (or
 * postgres://) URL, as libpq reads it, opens PostgreSQL; anything else is the
 * path of a SQLite file.
 *
 * Promises:
 * - catalog_open creates a missing catalog, runs pending migrations in a
 *   transaction, and refuses (CS_EVERSION) a catalog written by a newer
 *   schema; it never loses data.
 * - catalog_open_readonly is for commands that only read (status, explain):
 *   it changes nothing and creates no file, so it works on a catalog in a
 *   folder the user cannot write (see there for how, and the one exception).
 * - The catalog uses WAL, foreign keys and a busy timeout, so several
 *   processes may open one catalog; a catalog handle is used by one thread at
 *   a time (open one handle per thread). A PostgreSQL catalog is shared by
 *   any number of processes on any number of machines (see the leases below).
 * - An image row is written only after its blob is durable on disk, so a
 *   crash never leaves a row pointing at a missing or partial blob.
 * - Functions return CS_OK or a negative CS_E* code and fill err (may be NULL).
 *   Strings a function returns in a struct are owned by that struct and freed
 *   by its _free function.
 * - CS_ECONFLICT, PostgreSQL only: the server ended the transaction because
 *   another one was in the way (deadlock 40P01, serialization failure 40001,
 *   lock not available 55P03). Any function that runs a statement on a
 *   PostgreSQL catalog may return it (a deadlock needs only two writers of
 *   the same rows; a serialization failure, a server whose default isolation
 *   is stricter than read committed), catalog_commit included, and so may
 *   every later statement of the same transaction. The whole transaction is
 *   lost: roll it back (catalog_rollback) and run it again from catalog_begin
 *   (a function that is one transaction of its own, such as
 *   catalog_lease_acquire, or a statement outside a transaction, has rolled
 *   back already and may simply be called again). Nothing else need change:
 *   a conflict says nothing about the data. SQLite never returns it: a
 *   writer waits for the write lock (busy timeout), and fails with CS_EDB
 *   when it cannot have it.
 */
#ifndef CLEARSET_CATALOG_H
#define CLEARSET_CATALOG_H

#include "common/common.h"

#include <stddef.h>
#include <stdint.h>

#define CATALOG_SCHEMA_VERSION 12 /* the newest migration this build knows */

typedef struct catalog catalog;
typedef struct blob_store blob_store;

/* ---- Opening and transactions ------------------------------------------ */

/* Opens (creating if needed) the catalog at path and its blob store beside it. */
int catalog_open(const char *path, catalog **out, cs_error *err);
/*
 * catalog_open with the blob store at blob_dir (made when missing). blob_dir
 * NULL: beside a SQLite file (catalog_blob_dir_for), and for PostgreSQL
 * CATALOG_PG_DEFAULT_BLOBS in the current directory. A PostgreSQL catalog
 * shared by several machines needs a blob_dir they all mount.
 */
int catalog_open_at(const char *location, const char *blob_dir, catalog **out, cs_error *err);
#define CATALOG_PG_DEFAULT_BLOBS "clearset.blobs"
/* catalog_open_readonly with the blob store at blob_dir (NULL: as catalog_open_at). */
int catalog_open_readonly_at(const char *location, const char *blob_dir, catalog **out,
                             cs_error *err);
/*
 * 1 when a catalog may be at location without opening it: the SQLite file
 * exists, or location is a PostgreSQL URL (only connecting tells more).
 */
int catalog_exists(const char *location);
/*
 * 1 when the catalog at location may be shared by processes on several
 * machines (PostgreSQL): a lock file beside it would guard nothing, and
 * crawls coordinate through host leases instead (catalog_lease_*).
 */
int catalog_is_shared(const char *location);
/*
 * Claims a shared catalog for a crawl, for as long as the handle is open:
 * exclusively for a plain crawl (shared 0), shared by `crawl --worker`s
 * (shared 1), which coordinate through host leases and keep only a plain
 * crawl out. PostgreSQL: a session advisory lock, which the server drops
 * when the connection ends, so a killed crawl never leaves it behind;
 * CS_EIO naming the catalog when the other kind of crawl holds it. A SQLite
 * catalog: CS_OK and nothing done (a lock file beside it does this job,
 * pipeline_crawl_lock_acquire).
 */
int catalog_claim_crawl(catalog *cat, int shared, cs_error *err);
/*
 * Opens the existing catalog at path for reading only (CS_ENOTFOUND when it
 * does not exist; nothing is created, not even the blob folder).
 *
 * How, because SQLite's WAL mode makes reading less simple than it sounds: a
 * WAL reader normally needs PATH-wal and PATH-shm beside the catalog, and
 * creates them (and leaves them behind) when they are missing, which fails
 * in a folder the user cannot write.
 * - No PATH-wal: no process has the catalog open and every change is in the
 *   file itself. It is opened with SQLite's immutable=1 (a "file:" URI): read
 *   as it is, without locks and without creating any file. The one risk is a
 *   writer that starts while the read runs and checkpoints into the file
 *   under it; that needs megabytes written within the read, and would show
 *   as a failed read (CS_EDB), never as a changed catalog.
 * - PATH-wal present (a writer is running, or one was killed): opened with
 *   SQLITE_OPEN_READONLY, sharing SQLite's locks with any writer, so what is
 *   in the log is read too. That needs PATH-shm: when it is missing and
 *   cannot be made, the catalog cannot be read correctly without the log,
 *   and CS_EIO says so and how to fix it (open it once with write access).
 * - A catalog at an older schema version cannot be read by this build's
 *   queries: it is migrated with catalog_open when the user may write it
 *   (what every command did before), else CS_EVERSION says to migrate it.
 * Write functions on a read-only catalog fail with CS_EDB.
 * PostgreSQL: every transaction of the connection is read-only; an older
 * schema is refused with CS_EVERSION (open it once with catalog_open).
 */
int catalog_open_readonly(const char *path, catalog **out, cs_error *err);
void catalog_close(catalog *cat);
/* The schema version the open catalog is at (== CATALOG_SCHEMA_VERSION). */
int catalog_schema_version(const catalog *cat);
/* The catalog's file, or its PostgreSQL URL with any password replaced by "***". */
const char *catalog_path(const catalog *cat);
/* The blob store beside the catalog; owned by the catalog. */
blob_store *catalog_blobs(catalog *cat);
/* The blob directory for a catalog path: "x.db" -> "x.blobs", else path + ".blobs". */
char *catalog_blob_dir_for(const char *catalog_path);

/*
 * Copies every table of from into to, which must be empty (CS_EINVAL
 * otherwise) and at the same schema version (as opening both makes them):
 * every row with its id, in one transaction on to, so a failed copy leaves
 * to empty. Blob files are not touched: to's rows name the same hashes, so
 * to needs from's blob folder (catalog_open_at's blob_dir). on_table (may be
 * NULL) hears each table's row count as it is done. Works either way between
 * SQLite and PostgreSQL; `clearset migrate` is its command.
 */
int catalog_copy(catalog *from, catalog *to,
                 void (*on_table)(void *arg, const char *table, int64_t rows), void *arg,
                 cs_error *err);

/* BEGIN (SQLite: IMMEDIATE) / COMMIT / ROLLBACK (only when a transaction is open). */
int catalog_begin(catalog *cat, cs_error *err);
int catalog_commit(catalog *cat, cs_error *err);
void catalog_rollback(catalog *cat);

/* ---- Blob store ---------------------------------------------------------- */
/*
 * Files named by the SHA-256 of their bytes: DIR/ab/cdef... (first two hex
 * digits as a folder). Writes are atomic (temporary file, fsync, rename), so a
 * blob file that exists is complete. Safe for several processes at once.
 * blob_store_open creates nothing; catalog_open creates the folder.
 */
int blob_store_open(const char *dir, blob_store **out, cs_error *err);
void blob_store_close(blob_store *store);
/* Stores bytes (if not already there) and writes their SHA-256 hex into sha256_hex. */
int blob_store_put(blob_store *store, const void *bytes, size_t n, char sha256_hex[CS_SHA256_HEX],
                   cs_error *err);
/* The relative path "ab/cdef..." of a hash, into out (at least CS_SHA256_HEX + 1 bytes). */
int blob_store_relative_path(const char *sha256_hex, char *out, size_t out_size);
/* The absolute path of a hash, into out. */
int blob_store_path(const blob_store *store, const char *sha256_hex, char *out, size_t out_size);
/* Reads a blob (at most max_bytes) into a new buffer the caller frees. */
int blob_store_get(const blob_store *store, const char *sha256_hex, size_t max_bytes,
                   unsigned char **out, size_t *out_len, cs_error *err);
/* Removes temporary files older than age_ms left by writers that were killed. */
int blob_store_sweep_temporaries(blob_store *store, int64_t age_ms, cs_error *err);

/* ---- Images ---------------------------------------------------------------- */

typedef struct catalog_image_info {
    const char *media_type; /* sniffed from bytes: "image/jpeg", ... */
    int width, height;      /* from the header; 0 when unknown */
    const char *source;     /* "crawl" (default when NULL), "import", "protected" */
} catalog_image_info;

/*
 * Stores the bytes in the blob store, then records the image (once per
 * distinct content). *image_id gets the row id; *is_new (may be NULL) 1 if the
 * row was created by this call.
 */
int catalog_add_image(catalog *cat, const void *bytes, size_t n, const catalog_image_info *info,
                      int64_t *image_id, int *is_new, cs_error *err);

typedef struct catalog_image {
    int64_t id;
    char sha256[CS_SHA256_HEX];
    char *blob_path; /* relative to the blob store */
    char *media_type;
    int64_t byte_size;
    int width, height;
    char *source;
    int64_t first_seen_at;
} catalog_image;

/* Looks an image up by id (CS_ENOTFOUND if absent). Free with catalog_image_clear. */
int catalog_get_image(catalog *cat, int64_t id, catalog_image *out, cs_error *err);
int catalog_find_image_by_sha256(catalog *cat, const char *sha256_hex, catalog_image *out,
                                 cs_error *err);
void catalog_image_clear(catalog_image *image);

/* ---- The frontier's words ------------------------------------------------ */
/*
 * What a URL is and where it stands in the frontier. The catalog stores both
 * as words (urls.kind, urls.state, with CHECK constraints in schema.c); in C
 * they are these enums, and the words stay inside dataset/, except where a
 * command prints a state (catalog_url_state_name).
 */
typedef enum catalog_url_kind {
    CATALOG_URL_ANY_KIND = -1, /* only as a filter: catalog_frontier_count */
    CATALOG_URL_PAGE,          /* an HTML page */
    CATALOG_URL_IMAGE,
    CATALOG_URL_ROBOTS, /* /robots.txt (or where it redirected) */
    CATALOG_URL_TDMREP, /* /.well-known/tdmrep.json */
    CATALOG_URL_AI_TXT, /* /ai.txt */
} catalog_url_kind;

typedef enum catalog_url_state {
    CATALOG_URL_ANY_STATE = -1, /* only as a filter: catalog_frontier_count */
    CATALOG_URL_QUEUED,         /* waiting to be fetched */
    CATALOG_URL_IN_FLIGHT,      /* being fetched (back to queued when a crawl resumes) */
    CATALOG_URL_DONE,
    CATALOG_URL_FAILED,
    CATALOG_URL_DISALLOWED, /* robots.txt keeps clearsetbot from it */
    CATALOG_URL_SKIPPED,    /* a limit (--max-pages-per-host) left it out */
} catalog_url_state;
#define CATALOG_URL_STATE_COUNT 6

/* The catalog's word for a state: "queued", "in_flight", ...; "?" for anything else. */
const char *catalog_url_state_name(catalog_url_state state);

/* ---- Status ---------------------------------------------------------------- */

typedef struct catalog_count {
    char *name;
    int64_t count;
} catalog_count;

typedef struct catalog_host_status {
    char *origin;
    int64_t urls, pages, images, failed, disallowed;
} catalog_host_status;

typedef struct catalog_status {
    int schema_version;
    int64_t hosts, urls, pages, images, image_bytes, hashed, clusters, signals;
    int64_t url_states[CATALOG_URL_STATE_COUNT]; /* URLs per frontier state */
    catalog_count *verdicts;                     /* "policy:verdict" -> images */
    size_t verdict_count;
    catalog_count *licenses; /* SPDX id (or "none") -> distinct images */
    size_t license_count;
    catalog_host_status *per_host;
    size_t host_count;
} catalog_status;

/* Frees an array of counts (as catalog_export_exclusions returns). */
void catalog_counts_free(catalog_count *counts, size_t count);
/* Reads counts from the catalog (read-only). Free with catalog_status_free. */
int catalog_status_read(catalog *cat, catalog_status **out, cs_error *err);
void catalog_status_free(catalog_status *status);
/*
 * The URLs not fetched (every state but done), grouped by state and the reason
 * recorded: "disallowed: robots.txt line 2 disallows it for clearsetbot",
 * "failed: HTTP 404", "skipped: --max-pages-per-host 5 reached" -> URLs; a URL
 * left queued without an error says why from its host ("queued: its host's
 * robots.txt answered HTTP 503", "... was unreachable", else "not reached (a
 * limit or a stop came first)"). The limit largest groups, largest first.
 * Free with catalog_counts_free.
 */
int catalog_unfetched_counts(catalog *cat, int64_t limit, catalog_count **out, size_t *count,
                             cs_error *err);

/* ==== Crawler: hosts, frontier and crawl records ==========================
 * (dataset/frontier_store.c and dataset/crawl_store.c; used by crawler/)
 * Times are wall-clock milliseconds (cs_now_ms). Strings in returned structs
 * are owned by the struct and released by its _clear function.
 */

/* One row of hosts: robots cache and politeness state. */
typedef struct catalog_host {
    int64_t id;
    char *origin;
    int robots_status;          /* -1 never fetched; 0 unreachable; else HTTP status */
    unsigned char *robots_body; /* may be NULL */
    size_t robots_len;
    int64_t robots_fetched_at, robots_expires_at;
    int64_t crawl_delay_ms; /* -1 when none */
    int tdmrep_status;      /* -1 never fetched */
    unsigned char *tdmrep_body;
    size_t tdmrep_len;
    int ai_txt_status; /* -1 never fetched */
    unsigned char *ai_txt_body;
    size_t ai_txt_len;
    int64_t next_fetch_at, paused_until;
    int consecutive_errors;
    int parked;
} catalog_host;

/* Finds the host row for origin, creating it if absent, and reads it into *out. */
int catalog_host_get_or_add(catalog *cat, const char *origin, catalog_host *out, cs_error *err);
void catalog_host_clear(catalog_host *host);
/* Every host row (read-only), by origin. Free with catalog_hosts_free. */
int catalog_hosts_list(catalog *cat, catalog_host **out, size_t *count, cs_error *err);
void catalog_hosts_free(catalog_host *hosts, size_t count);
/* Stores a robots.txt outcome (status 0 = unreachable) and its cache window. */
int catalog_host_save_robots(catalog *cat, int64_t host_id, int status, const void *body,
                             size_t len, int64_t fetched_at, int64_t expires_at,
                             int64_t crawl_delay_ms, cs_error *err);
/* Stores /.well-known/tdmrep.json (CATALOG_URL_TDMREP) or /ai.txt (CATALOG_URL_AI_TXT). */
int catalog_host_save_policy_file(catalog *cat, int64_t host_id, catalog_url_kind which, int status,
                                  const void *body, size_t len, cs_error *err);
/* One RSL 1.0 document a host's content points to (rsl_documents). */
typedef struct catalog_rsl_doc {
    char *url, *found_via;
    int status;          /* HTTP status, 0 unreachable, -2 disallowed by its host's robots.txt */
    unsigned char *body; /* NUL after len; NULL when none */
    size_t len;
} catalog_rsl_doc;
/* Stores (or replaces) an RSL document of host_id and its cache window. */
int catalog_host_save_rsl(catalog *cat, int64_t host_id, const char *url, const char *found_via,
                          int status, const void *body, size_t len, int64_t fetched_at,
                          int64_t expires_at, cs_error *err);
/* host_id's RSL documents whose cache has not expired at now. Free with catalog_rsl_docs_free. */
int catalog_host_rsl_docs(catalog *cat, int64_t host_id, int64_t now, catalog_rsl_doc **out,
                          size_t *count, cs_error *err);
void catalog_rsl_docs_free(catalog_rsl_doc *docs, size_t count);
/* Stores the politeness state. */
int catalog_host_save_politeness(catalog *cat, int64_t host_id, int64_t next_fetch_at,
                                 int64_t paused_until, int consecutive_errors, int parked,
                                 cs_error *err);

/* One frontier row. */
typedef struct catalog_frontier_item {
    int64_t id, host_id, referrer_id; /* referrer_id 0 when none */
    char *url;
    catalog_url_kind kind;
    catalog_url_state state;
    int depth, attempts;
    int64_t next_attempt_at;
    int redirects; /* hops that led here: n + 1 when the referrer's last fetch was a 3xx
                      after n hops, else 0 */
} catalog_frontier_item;
void catalog_frontier_item_clear(catalog_frontier_item *item);

/*
 * Adds url to the frontier in state (normally CATALOG_URL_QUEUED) unless it is
 * already there; *url_id gets the row id either way, *is_new (may be NULL) 1
 * if added.
 */
int catalog_frontier_add(catalog *cat, const char *url, int64_t host_id, catalog_url_kind kind,
                         int depth, int64_t referrer_id, catalog_url_state state, int64_t *url_id,
                         int *is_new, cs_error *err);
/* Looks a URL up (CS_ENOTFOUND if absent). */
int catalog_frontier_get(catalog *cat, const char *url, catalog_frontier_item *out, cs_error *err);
/*
 * The next queued URL of a host due at now (seeds and shallow pages first,
 * then discovery order). CS_ENOTFOUND when none is due.
 */
int catalog_frontier_next(catalog *cat, int64_t host_id, int64_t now, catalog_frontier_item *out,
                          cs_error *err);
/* The same URL catalog_frontier_next would return, marked in_flight with its attempts
 * counted (out->state and out->attempts as after that): one round trip on PostgreSQL,
 * the two statements on SQLite (cheaper there than one with RETURNING). */
int catalog_frontier_claim(catalog *cat, int64_t host_id, int64_t now, catalog_frontier_item *out,
                           cs_error *err);
/*
 * Moves a URL to state, adding attempts_delta to attempts, setting
 * next_attempt_at and last_error (may be NULL).
 */
int catalog_frontier_set_state(catalog *cat, int64_t url_id, catalog_url_state state,
                               int attempts_delta, int64_t next_attempt_at, const char *last_error,
                               cs_error *err);
/* Resume: every in_flight URL goes back to queued (it may not have been fetched). */
int catalog_frontier_requeue_in_flight(catalog *cat, int64_t *count, cs_error *err);
/* Host ids and origins that still have queued URLs (in id order); free with ..._free. */
typedef struct catalog_host_ref {
    int64_t id;
    char *origin;
} catalog_host_ref;
int catalog_frontier_hosts_queued(catalog *cat, catalog_host_ref **out, size_t *n, cs_error *err);
void catalog_host_refs_free(catalog_host_ref *refs, size_t n);
/* Hosts of seed pages (page URLs at depth 0), which stay in scope when a crawl resumes. */
int catalog_frontier_seed_origins(catalog *cat, catalog_host_ref **out, size_t *n, cs_error *err);

/* ---- Host leases (crawl --worker) ----------------------------------------
 * Workers that share one catalog (any number of processes on any number of
 * machines, on PostgreSQL) crawl a host only while they hold its lease: the
 * hosts row names the owner and when the lease lapses unless renewed. So a
 * host is crawled by one worker at a time, and its politeness state
 * (next_fetch_at, paused_until, the robots.txt cache with its Crawl-delay)
 * is read from the catalog by whichever worker holds it next. A worker that
 * dies (even by SIGKILL) just stops renewing: its leases lapse and another
 * worker takes its hosts, queueing again the URLs it had in flight (the only
 * ones that may be fetched twice). Owners are strings the workers choose
 * (host name, pid and a random part: unique). On SQLite the same functions
 * work for processes on one machine, serialised by its write lock.
 */
typedef struct catalog_lease {
    int64_t host_id;
    char *origin;
    int taken_over; /* the lease was another owner's and had lapsed */
} catalog_lease;
/*
 * Leases to owner, until now + lease_ms, up to max hosts that are not parked,
 * have queued or in-flight URLs and whose lease is free or has lapsed, those
 * due soonest first; the in_flight URLs of each host taken go back to queued.
 * One transaction of its own (call it outside one); on PostgreSQL the hosts
 * are chosen FOR UPDATE SKIP LOCKED, so concurrent workers never take the
 * same host. *out (free with catalog_leases_free) may be empty.
 */
int catalog_lease_acquire(catalog *cat, const char *owner, int64_t now, int64_t lease_ms,
                          size_t max, catalog_lease **out, size_t *n, cs_error *err);
void catalog_leases_free(catalog_lease *leases, size_t n);
/*
 * Takes the lease of one host for owner, if it is free, lapsed or owner's
 * already (*taken 1; *taken_over 1 when it was another owner's and lapsed;
 * its in_flight URLs go back to queued as with catalog_lease_acquire), else
 * *taken 0: another worker crawls it. For a request to a host the worker
 * does not crawl otherwise (a robots.txt redirect, an RSL document there).
 * Runs in the caller's transaction (call it inside catalog_begin), whose end
 * releases the row lock PostgreSQL takes (FOR UPDATE SKIP LOCKED: a host
 * another worker is taking at that moment counts as not free).
 */
int catalog_lease_take(catalog *cat, const char *owner, int64_t host_id, int64_t now,
                       int64_t lease_ms, int *taken, int *taken_over, cs_error *err);
/*
 * Extends every lease owner holds to now + lease_ms; *ids (caller frees) are
 * the hosts it still holds: one missing lapsed and went to another worker.
 */
int catalog_lease_renew(catalog *cat, const char *owner, int64_t now, int64_t lease_ms,
                        int64_t **ids, size_t *n, cs_error *err);
/* Gives up owner's lease of host_id, or every lease of owner when host_id is 0. */
int catalog_lease_release(catalog *cat, const char *owner, int64_t host_id, cs_error *err);
/*
 * Unparks (parked and consecutive_errors back to 0) every parked host whose lease is
 * free or lapsed before now, and says how many in *hosts: parking lasts one crawl,
 * and a worker's run is one (a worker calls it as it starts; a plain crawl forgets
 * parking as it loads a host). Spacing and back-off (next_fetch_at, paused_until) stay.
 */
int catalog_lease_unpark(catalog *cat, int64_t now, int64_t *hosts, cs_error *err);
/* How many hosts not parked still have queued or in-flight URLs (work for some worker). */
int catalog_lease_work_left(catalog *cat, int64_t *hosts, cs_error *err);
/* Number of URLs of host (0: all hosts) of kind (or any) in state (or any). */
int catalog_frontier_count(catalog *cat, int64_t host_id, catalog_url_kind kind,
                           catalog_url_state state, int64_t *out, cs_error *err);
/* Earliest next_attempt_at of a queued URL of host (0: any); CS_ENOTFOUND if none queued. */
int catalog_frontier_earliest(catalog *cat, int64_t host_id, int64_t *out, cs_error *err);

/* One HTTP exchange, as fetches stores it. */
typedef struct catalog_fetch_record {
    int64_t url_id;
    int64_t started_at, elapsed_ms;
    int http_status;          /* 0: no response (stored as NULL) */
    const char *final_url;    /* may be NULL */
    int redirects;            /* redirect hops that led to this URL */
    const char *content_type; /* may be NULL */
    int64_t body_bytes;       /* -1: none */
    const char *headers_json; /* JSON array of [name, value]; may be NULL */
    const char *error_code;   /* may be NULL */
    const char *error;        /* may be NULL */
} catalog_fetch_record;
int catalog_record_fetch(catalog *cat, const catalog_fetch_record *rec, int64_t *fetch_id,
                         cs_error *err);
/*
 * *found = 1 when target_id is among the URLs that redirected, hop by hop
 * through referrers, to url_id (at most max_hops back). For redirect loops.
 */
int catalog_redirect_chain_contains(catalog *cat, int64_t url_id, int64_t target_id, int max_hops,
                                    int *found, cs_error *err);

/* The page row for a fetched page (replaced if the page is fetched again). */
int catalog_record_page(catalog *cat, int64_t url_id, int64_t fetch_id, const char *title,
                        const char *base_url, const char *meta_robots, const char *page_license,
                        int64_t *page_id, cs_error *err);

/* A page showed an image, with the page-side rights context (strings may be NULL). */
struct catalog_rights;
typedef struct catalog_sighting {
    int64_t page_id; /* 0: no page (a URL list's caption; no evidence then) */
    int64_t image_url_id;
    const char *element, *alt, *caption;
    const char *license_url;   /* the strongest page-side licence for this image, if any */
    const char *license_spdx;  /* its SPDX id (or LicenseRef-...), when it names one */
    const char *license_scope; /* rdfa-about | figure | json-ld | microdata | page */
    const char *attribution_name, *attribution_url;
    /* Everything the page says about the image (licences and rights claims),
     * the strongest included; image_id, page_id and found_at are not used. */
    const struct catalog_rights *evidence;
    size_t evidence_count;
} catalog_sighting;
/*
 * Records a sighting and replaces its page-side evidence with s->evidence;
 * when the image at image_url_id is already stored, the sighting is tied to
 * it and each statement becomes a rights_evidence row (once).
 */
int catalog_record_sighting(catalog *cat, const catalog_sighting *s, cs_error *err);
/*
 * An image URL was fetched and stored as image_id: links url and image, ties
 * the URL's earlier sightings to the image and turns their licences into
 * rights_evidence rows.
 */
int catalog_link_image_url(catalog *cat, int64_t url_id, int64_t image_id, int64_t fetch_id,
                           cs_error *err);

/* One opt-out signal row (strings may be NULL except kind, raw_value, effect, found_at). */
typedef struct catalog_optout {
    const char *scope;                 /* host | page | image | url */
    int64_t host_id, url_id, image_id; /* 0 = NULL */
    const char *kind, *raw_value, *effect, *found_at;
} catalog_optout;
int catalog_record_optout(catalog *cat, const catalog_optout *o, cs_error *err);

/*
 * The protocols checked for image_id (image_checks): each of protocols[0..count)
 * (no name twice) is recorded once, its checked_at refreshed when it already is.
 * catalog_image_checks reads them back in the order first recorded (free with
 * catalog_strings_free); none is *count 0.
 */
int catalog_record_checks(catalog *cat, int64_t image_id, const char *const *protocols,
                          size_t count, cs_error *err);
int catalog_image_checks(catalog *cat, int64_t image_id, char ***protocols, size_t *count,
                         cs_error *err);

/* One rights_evidence row (or, without image, page and found_at, one sighting_evidence row). */
typedef struct catalog_rights {
    int64_t image_id, page_id; /* page_id 0 = NULL */
    const char *origin, *field, *raw_value, *license_spdx, *license_url, *rights_claim;
    const char *scope;      /* embedded | rdfa-about | figure | json-ld | microdata | page */
    const char *confidence; /* NULL: "high" */
    const char *attribution_name, *attribution_url, *title, *creator, *found_at;
} catalog_rights;
int catalog_record_rights(catalog *cat, const catalog_rights *r, cs_error *err);
/* ==== end of crawler section ============================================== */

/* ==== dedup section: hashes and clusters (dataset/dedup_store.c, used by dedup/) ==== */

/* An image without a hashes row or local features yet: what `clearset dedup` must analyse. */
typedef struct catalog_unhashed {
    int64_t image_id;
    char sha256[CS_SHA256_HEX];
} catalog_unhashed;

/* Every such image, by id. Caller frees *out with free(). */
int catalog_list_unhashed(catalog *cat, catalog_unhashed **out, size_t *count, cs_error *err);

/* One hashes row. Hex strings as Meta's reference prints PDQ; 16 hex for pHash. */
typedef struct catalog_hash_row {
    int64_t image_id;
    char pdq[65];
    int pdq_quality;
    char phash[17];
    int width, height;
} catalog_hash_row;

/* Inserts or replaces the hashes row of one image. */
int catalog_put_hashes(catalog *cat, const catalog_hash_row *row, cs_error *err);
/* Every hashes row, by image id. Caller frees *out with free(). */
int catalog_list_hashes(catalog *cat, catalog_hash_row **out, size_t *count, cs_error *err);
/* Images whose bytes were served at two or more distinct URLs. Caller frees *out. */
int catalog_list_multi_url_images(catalog *cat, int64_t **out, size_t *count, cs_error *err);

/* Removes every cluster (clusters are rebuilt from scratch by each dedup run). */
int catalog_clear_clusters(catalog *cat, cs_error *err);
/* Adds a cluster of kind "exact" or "near" at a PDQ threshold; *cluster_id gets its id. */
int catalog_add_cluster(catalog *cat, const char *kind, int threshold, int64_t *cluster_id,
                        cs_error *err);
int catalog_add_cluster_member(catalog *cat, int64_t cluster_id, int64_t image_id, int distance,
                               cs_error *err);
/* Marks a cluster as a licence conflict with a reason (JSON text). */
int catalog_set_cluster_conflict(catalog *cat, int64_t cluster_id, const char *reason,
                                 cs_error *err);
/*
 * The distinct rights statements recorded for an image: license_spdx where
 * known, else rights_claim; one string each, NULL-free. A bare copyright
 * notice ("© 2024 Jane") beside a licence is the licensor's name, not a
 * statement of its own, and is left out then. Free with catalog_strings_free.
 */
int catalog_image_rights(catalog *cat, int64_t image_id, char ***out, size_t *count, cs_error *err);
void catalog_strings_free(char **strings, size_t count);

/* ==== end of dedup section ================================================= */

/* ==== license section: clearance facts and verdicts (dataset/license_store.c, used by
 *      `clearset clear` and `clearset explain`) ======================================== */

/* One rights_evidence row, with the sighting that tied page evidence to the image. */
typedef struct catalog_evidence_row {
    int64_t id, page_id; /* page_id 0: embedded in the file */
    char *origin, *field, *raw_value, *license_spdx, *license_url, *rights_claim, *confidence;
    char *attribution_name, *attribution_url, *title, *creator, *found_at;
    char *image_url;     /* the image URL the page showed (page evidence), or NULL */
    char *license_scope; /* the sighting's scope: rdfa-about | figure | json-ld | page | NULL */
} catalog_evidence_row;

/* One optout_signals row that may apply to an image (effect opt-out, permit or policy). */
typedef struct catalog_optout_row {
    int64_t id;
    char *scope, *kind, *raw_value, *effect, *found_at;
    char *resource; /* what it was recorded for: "image:ID", "url:ID" or "host:ID" */
} catalog_optout_row;

/*
 * Another member of a cluster the image belongs to, or (kind "local") a work
 * the image matched locally under the asked policy (cluster_id 0).
 */
typedef struct catalog_near_row {
    int64_t cluster_id, image_id;
    char sha256[CS_SHA256_HEX];
    char *kind;       /* exact | near | local */
    int distance;     /* PDQ distance between the two, at most (via the cluster's first member) */
    int is_protected; /* the other image is a registered protected work */
    char *conflict;   /* the cluster's conflict_reason, or NULL */
    char *verdict;    /* the other image's stored verdict under the asked policy, or NULL */
    int inliers;      /* local: keypoints the verified transform explains; else 0 */
    double work_coverage, query_coverage; /* local: shares of each image they span */
} catalog_near_row;

/* Everything the clearance of one image needs. Free with catalog_image_facts_clear. */
typedef struct catalog_image_facts {
    int64_t image_id;
    char sha256[CS_SHA256_HEX];
    char **image_urls; /* URLs that served the bytes */
    size_t image_url_count;
    char **page_urls; /* pages the image was sighted on */
    size_t page_url_count;
    char **list_captions; /* captions URL lists gave its URLs (page-less sightings) */
    size_t list_caption_count;
    catalog_evidence_row *evidence;
    size_t evidence_count;
    catalog_optout_row *optouts; /* image, its URLs, its pages, and their hosts (host scope) */
    size_t optout_count;
    catalog_near_row *near;
    size_t near_count;
} catalog_image_facts;

/* Ids of every image to decide (all but registered protected works), ascending. Free *ids. */
int catalog_clearance_images(catalog *cat, int64_t **ids, size_t *count, cs_error *err);
/* Reads the facts for image_id; policy names whose stored verdicts near rows report. */
int catalog_image_facts_read(catalog *cat, int64_t image_id, const char *policy,
                             catalog_image_facts *out, cs_error *err);
void catalog_image_facts_clear(catalog_image_facts *facts);

/* Inserts or replaces the verdict of image_id under policy (JSON texts may be NULL). */
int catalog_put_verdict(catalog *cat, int64_t image_id, const char *policy, const char *verdict,
                        const char *license_spdx, const char *attribution_json,
                        const char *reasons_json, cs_error *err);

typedef struct catalog_verdict_row {
    char *policy, *verdict, *license_spdx, *attribution, *reasons;
    int64_t decided_at;
} catalog_verdict_row;
/* The stored verdicts of an image, one per policy. Free with catalog_verdict_rows_free. */
int catalog_get_verdicts(catalog *cat, int64_t image_id, catalog_verdict_row **out, size_t *count,
                         cs_error *err);
void catalog_verdict_rows_free(catalog_verdict_row *rows, size_t count);
/* The image served at url (exact match on the normalised URL); CS_ENOTFOUND if none. */
int catalog_find_image_by_url(catalog *cat, const char *url, int64_t *image_id, cs_error *err);

/* ==== end of license section ================================================ */

/* ==== export section: what `clearset export` reads (dataset/export_store.c, used by
 *      pipeline/export.c) ============================================================ */

/* One image whose stored verdict under a policy is cleared, with what its export needs. */
typedef struct catalog_export_row {
    int64_t image_id;
    char sha256[CS_SHA256_HEX];
    char *media_type;
    int64_t byte_size;
    int width, height; /* from the file header, else the decoded size; 0 when unknown */
    int pdq_quality;   /* -1 when the image has no hashes row */
    char *license_spdx, *attribution, *reasons; /* the stored verdict's (JSON texts) */
    char *image_url;                            /* the first URL that served it (lowest URL id) */
    char *host;                                 /* that URL's origin */
    char *page_url;                             /* the first page it was shown on, or NULL */
    char *caption;      /* the first non-empty caption of its sightings (the page's figcaption,
                           else its JSON-LD/microdata ImageObject caption), or NULL */
    char *alt;          /* the first non-empty alt text of its sightings, or NULL */
    int64_t fetched_at; /* when the image was first fetched (0: unknown) */
} catalog_export_row;

/* The cleared images under policy, by id. Free with catalog_export_rows_free. */
int catalog_export_rows(catalog *cat, const char *policy, catalog_export_row **out, size_t *count,
                        cs_error *err);
void catalog_export_rows_free(catalog_export_row *rows, size_t count);

/* One membership of a near-duplicate cluster. */
typedef struct catalog_cluster_member {
    int64_t cluster_id, image_id;
} catalog_cluster_member;
/* Every near-cluster membership of an image cleared under policy, by cluster and image. */
int catalog_export_near_members(catalog *cat, const char *policy, catalog_cluster_member **out,
                                size_t *count, cs_error *err);

/*
 * What the export leaves out and why: "VERDICT:RULE" (blocked:optout,
 * unknown:no-evidence, ...) -> images under policy whose stored verdict is not
 * cleared and whose reasons name RULE (an image counts once per rule it has),
 * plus "VERDICT" -> images with that verdict. Sorted by name. Free with
 * catalog_counts_free.
 */
int catalog_export_exclusions(catalog *cat, const char *policy, catalog_count **out, size_t *count,
                              cs_error *err);

/* The catalog's own clock for an export: its latest fetch or verdict (ms; 0 if none). */
int catalog_export_snapshot(catalog *cat, const char *policy, int64_t *snapshot_ms, cs_error *err);

/* ==== end of export section ================================================= */

/* ==== report section: what `clearset report` reads besides status, the hosts and the
 *      rows above (dataset/report_store.c and export_store.c, used by pipeline/report.c) */

/*
 * At most limit images (not protected works) whose stored verdict under
 * policy is verdict ("cleared", "blocked", "unknown"; "none": no verdict
 * stored), by id, as export rows (license_spdx and reasons are the verdict's,
 * NULL for "none"). Free with catalog_export_rows_free.
 */
int catalog_report_images(catalog *cat, const char *policy, const char *verdict, int64_t limit,
                          catalog_export_row **out, size_t *count, cs_error *err);

/* One distinct opt-out statement a host gave, and how many signal rows recorded it. */
typedef struct catalog_host_signal {
    char *origin, *kind, *raw_value, *effect, *found_at;
    int64_t rows;
} catalog_host_signal;
/* At most limit of them, by origin, then in the order first recorded. Free with
 * catalog_host_signals_free. */
int catalog_report_host_signals(catalog *cat, int64_t limit, catalog_host_signal **out,
                                size_t *count, cs_error *err);
void catalog_host_signals_free(catalog_host_signal *signals, size_t count);

/* "VERDICT:SPDX" -> images under policy ("none" for no stored verdict or no licence),
 * protected works left out, sorted by name. Free with catalog_counts_free. */
int catalog_report_licences(catalog *cat, const char *policy, catalog_count **out, size_t *count,
                            cs_error *err);

/* ==== end of report section ================================================= */

/* ==== audit section: protected works, local features, local matches
 *      (dataset/audit_store.c, used by pipeline/ protect, audit, dedup, clear) ====== */

/* Who claims a registered work. Strings borrowed for the call; owner/note may be NULL. */
typedef struct catalog_protect_info {
    const char *path; /* the registered file (pipeline/protect.c stores its absolute path) */
    const char *owner;
    const char *note;
    int width, height; /* from the header; 0 when unknown */
    const char *media_type;
} catalog_protect_info;

/*
 * Stores bytes as an image (source "protected" when new) and registers it as
 * a protected work. *image_id gets its id; *added (may be NULL) 0 when it was
 * registered already (owner and note are then updated when given).
 */
int catalog_protect(catalog *cat, const void *bytes, size_t n, const catalog_protect_info *info,
                    int64_t *image_id, int *added, cs_error *err);

typedef struct catalog_protected_work {
    int64_t image_id;
    char sha256[CS_SHA256_HEX];
    char *path, *owner, *note; /* owner, note may be NULL */
    int64_t registered_at;     /* ms */
} catalog_protected_work;

/* Every registered work, by id. Free with catalog_protected_works_free. */
int catalog_protected_list(catalog *cat, catalog_protected_work **out, size_t *count,
                           cs_error *err);
void catalog_protected_works_free(catalog_protected_work *works, size_t count);
/* Unregisters a work (CS_ENOTFOUND when image_id is not one); the image row stays. */
int catalog_protected_remove(catalog *cat, int64_t image_id, cs_error *err);

/* Inserts or replaces an image's serialised local features. */
int catalog_put_local_features(catalog *cat, int64_t image_id, const void *data, size_t n,
                               int keypoints, cs_error *err);
/* The stored features of one image (CS_ENOTFOUND when none). Free *data. */
int catalog_get_local_features(catalog *cat, int64_t image_id, unsigned char **data, size_t *n,
                               cs_error *err);

/* One work the audit and clearance compare against; borrowed for the callback. */
typedef struct catalog_work_row {
    int64_t image_id;
    const char *sha256;
    const char *kind;  /* "protected" (registered) or "blocked" (a catalog verdict) */
    const char *label; /* registered path, or the first URL that served the image */
    const char *owner; /* registered owner, or the rights holder the evidence names; NULL */
    const char *why;   /* note, or the blocking reasons' rules ("optout", "license", ...) */
    const char *pdq;   /* 64 hex; NULL when the image has no hashes row */
    int pdq_quality;
    const char *phash; /* 16 hex or NULL */
    int width, height;
    const unsigned char *local; /* serialised local features, or NULL */
    size_t local_len;
} catalog_work_row;

/*
 * Calls each for every work: the registered protected works, and (policy not
 * NULL) every image whose stored verdict under policy is blocked for a reason
 * other than laundering (a rights claim or an opt-out). Streams: one row in
 * memory at a time. A non-zero return from each (a CS_E* code) stops the walk
 * and is returned as it is; err is then the callback's business.
 */
int catalog_each_work(catalog *cat, const char *policy,
                      int (*each)(void *arg, const catalog_work_row *row), void *arg,
                      cs_error *err);

/* Forgets every local match recorded under policy (clearance recomputes them). */
int catalog_clear_local_matches(catalog *cat, const char *policy, cs_error *err);
typedef struct catalog_local_match {
    int64_t image_id, work_image_id;
    int inliers;
    double work_coverage, query_coverage;
    int pdq_distance;
} catalog_local_match;
int catalog_add_local_match(catalog *cat, const char *policy, const catalog_local_match *m,
                            cs_error *err);

/* ==== end of audit section ================================================== */

#endif
