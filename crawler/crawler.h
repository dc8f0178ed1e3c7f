/*
 * crawler.h - the polite, resumable image crawler: HTML extraction (URLs
 * through common/url.h), libcurl fetching with hard limits, per-host
 * politeness and the crawl loop that keeps its frontier in the catalog.
 *
 * Promises: nothing here prints or exits. Functions return CS_OK or a
 * negative CS_E* code and fill the caller's cs_error (may be NULL). The pure
 * parts (crawler_html_*, crawler_link_rsl, crawler_sniff_*) touch neither the
 * network, the clock nor the catalog and are safe on distinct objects from
 * any thread. A crawler_crawl runs on the calling thread only.
 */
#ifndef CLEARSET_CRAWLER_H
#define CLEARSET_CRAWLER_H

#include "common/common.h"
#include "common/url.h"
#include "robots/robots.h" /* robots_signal_list in crawler_signals_result */

#include <stddef.h>
#include <stdint.h>

/* URLs: common/url.h (cs_url_normalize, cs_url_resolve, cs_url_split) is the
 * crawler's URL code; license/ reads URLs through it too. */

/* ---- HTML extraction (html.c) ------------------------------------------ */

/* A figure element: its caption and the images inside it. */
typedef struct crawler_html_figure {
    const void *node;    /* internal; NULL after extraction */
    char *caption;       /* figcaption text, whitespace collapsed, or NULL */
    const char **images; /* URLs of images[] inside it (borrowed from images[]) */
    size_t image_count, image_cap;
} crawler_html_figure;

/* An image the page shows. */
typedef struct crawler_html_image {
    char *url;           /* absolute, normalised */
    const char *element; /* "img" or "source" (picture/source srcset); static string */
    char *alt, *title;   /* of the img element, or NULL */
    char *caption;       /* figcaption of the enclosing figure, or NULL */
    int figure;          /* index into figures[], or -1 */
} crawler_html_image;

/* An outgoing hyperlink (a href, area href). */
typedef struct crawler_html_link {
    char *url; /* absolute, normalised */
    int nofollow;
} crawler_html_link;

/* A rel=license link; fields as license_page_link wants them. */
typedef struct crawler_html_license {
    char *href;  /* resolved URL, or the text as written when it is not a URL */
    char *about; /* RDFa about= of the nearest element having one (resolved), or NULL */
    int figure;  /* enclosing figure index, or -1 */
    char *attribution_name, *attribution_url, *title, *creator; /* same subject, or NULL */
    int in_head;         /* <link rel=license> inside <head> */
    const char *element; /* "link" or "a" */
} crawler_html_license;

typedef struct crawler_html_meta {
    char *name; /* name= (or property=) as written */
    char *content;
} crawler_html_meta;

typedef struct crawler_html_jsonld {
    char *text; /* the script's text, unparsed */
    size_t len;
} crawler_html_jsonld;

/*
 * An RSL 1.0 document the page points to: <link rel="license"
 * type="application/rsl+xml" href=...> (url set, text NULL), or inline in
 * <script type="application/rsl+xml"> (text set, url NULL). Such a link is
 * never also a rel=license licence link: its URL names terms, not a CC licence.
 */
typedef struct crawler_html_rsl {
    char *url;  /* absolute, normalised, or NULL */
    char *text; /* the script's text (at most ROBOTS_RSL_MAX_BYTES), or NULL */
    size_t len;
} crawler_html_rsl;

/* A microdata item (itemscope) and its properties (props[] with item_index). */
typedef struct crawler_html_item {
    const void *node;  /* internal; NULL after extraction */
    char *type;        /* itemtype, or NULL */
    long parent_index; /* enclosing item, or -1 */
    char *parent_prop; /* itemprop this item fills in its parent, or NULL */
} crawler_html_item;

typedef struct crawler_html_prop {
    size_t item_index;
    char *name, *value;
} crawler_html_prop;

/* Everything read from one page. Owned; release with crawler_html_page_free. */
typedef struct crawler_html_page {
    char *title;       /* or NULL */
    char *base_url;    /* <base href> resolved, or NULL */
    int meta_nofollow; /* meta robots (or clearsetbot) says nofollow or none */
    crawler_html_image *images;
    size_t image_count, image_cap;
    crawler_html_link *links;
    size_t link_count, link_cap;
    crawler_html_license *licenses;
    size_t license_count, license_cap;
    crawler_html_meta *metas;
    size_t meta_count, meta_cap;
    crawler_html_jsonld *jsonld;
    size_t jsonld_count, jsonld_cap;
    crawler_html_rsl *rsl;
    size_t rsl_count, rsl_cap;
    crawler_html_figure *figures;
    size_t figure_count, figure_cap;
    crawler_html_item *items;
    size_t item_count, item_cap;
    crawler_html_prop *props;
    size_t prop_count, prop_cap;
    size_t dropped; /* items left out because a per-page cap was reached */
} crawler_html_page;

/*
 * Parses html (any bytes; malformed HTML is recovered, never an error) found
 * at page_url (absolute, normalised) and fills *out. CS_ELIMIT for input over
 * 16 MiB, CS_EFORMAT when page_url is not a URL, CS_ENOMEM. On error *out is
 * empty. Release with crawler_html_page_free (NULL and empty pages are fine).
 */
int crawler_html_extract(const char *page_url, const unsigned char *html, size_t len,
                         crawler_html_page *out, cs_error *err);
void crawler_html_page_free(crawler_html_page *page);

/* ---- Link headers (link.c) ------------------------------------------------ */

/* RSL documents taken from one Link header; more is a hostile response. */
#define CRAWLER_MAX_RSL_LINKS 8

/* 1 when a type attribute or parameter value is application/rsl+xml (case, spaces and
 * parameters aside). */
int crawler_is_rsl_type(const char *type, size_t len);

/*
 * The RSL documents one Link header value (RFC 8288) names: every link-value
 * whose rel tokens include "license" and whose type is application/rsl+xml,
 * its target resolved against base (the response's URL), http(s) only. Any
 * bytes; a malformed link-value is skipped. Writes at most max URLs into out
 * and returns how many. Pure (no I/O).
 */
size_t crawler_link_rsl(const char *base, const char *value, size_t len, char (*out)[CS_URL_SIZE],
                        size_t max);

/* ---- Image sniffing (sniff.c) ------------------------------------------- */

/*
 * A decompression bomb is refused from its header: 64 Mpx is more than any
 * camera photo (same bound as dedup's decoder, DEDUP_DEFAULT_MAX_PIXELS).
 */
#define CRAWLER_MAX_PIXELS (64ull * 1024 * 1024)

typedef struct crawler_image_probe {
    const char *media_type; /* "image/jpeg", "image/png", "image/gif", "image/webp"; static */
    int width, height;
    uint64_t pixels;
} crawler_image_probe;

/*
 * Media type and dimensions from the first bytes (no decoding). CS_OK with
 * everything filled; CS_ENOTFOUND when more bytes are needed (media_type may
 * already be set); CS_EFORMAT for a broken header; CS_EUNSUPPORTED when the
 * bytes are no image format the crawler keeps.
 */
int crawler_sniff_image(const unsigned char *bytes, size_t len, crawler_image_probe *out);
/*
 * Whether the whole file is there, read from its structure (no decoding), for
 * bytes crawler_sniff_image accepted: CS_OK when the format's end is reached
 * (JPEG EOI after the scan data, PNG IEND, the RIFF size; GIF is not
 * checked), CS_ENOTFOUND when the bytes stop before it (a truncated file),
 * CS_EFORMAT when the structure breaks first.
 */
int crawler_image_complete(const unsigned char *bytes, size_t len);

/* ---- Fetching (fetch.c) ---------------------------------------------------- */

/* What a request is for; decides the body limit and what counts as success. */
typedef enum crawler_kind {
    CRAWLER_KIND_PAGE = 0,
    CRAWLER_KIND_IMAGE,
    CRAWLER_KIND_ROBOTS, /* robots.txt, tdmrep.json, ai.txt, RSL: truncated, never refused */
    CRAWLER_KIND_TDMREP,
    CRAWLER_KIND_AI_TXT,
    CRAWLER_KIND_RSL, /* an RSL 1.0 document (robots.txt License, Link header, HTML) */
} crawler_kind;

/* A kind's name for messages: "page", "image", "robots", "tdmrep", "ai_txt", "rsl". */
const char *crawler_kind_name(crawler_kind kind);

typedef struct crawler_fetch_options {
    int allow_loopback;      /* permit 127.0.0.0/8 and ::1 (tests, demo) */
    long connect_timeout_ms; /* 0: default 10 s */
    long total_timeout_ms;   /* 0: default 60 s */
    long low_speed_bytes;    /* abort below this many bytes/s ... (0: 512) */
    long low_speed_seconds;  /* ... for this long (0: 10 s) */
    size_t max_page_bytes;   /* HTML; 0: 5 MiB */
    size_t max_image_bytes;  /* images; 0: 32 MiB */
    size_t max_policy_bytes; /* robots.txt & co: kept, the rest dropped; 0: 500 KiB */
    uint64_t max_pixels;     /* 0: CRAWLER_MAX_PIXELS */
    const char *user_agent;  /* NULL: crawler_user_agent() */
} crawler_fetch_options;

/* "clearsetbot/VERSION (+README URL)". Static. */
const char *crawler_user_agent(void);

/* One header as received (name as sent, value trimmed). */
typedef struct crawler_header {
    char *name;
    char *value;
} crawler_header;

/* The outcome of one request (no redirect is followed: 3xx comes back as is). */
typedef struct crawler_response {
    void *user; /* the tag given to crawler_fetcher_add */
    char url[CS_URL_SIZE];
    crawler_kind kind;
    long status; /* HTTP status; 0 when no response arrived */
    int error; /* CS_OK, CS_ENET, CS_ELIMIT, CS_EDENIED (address refused), CS_EFORMAT, CS_ENOMEM */
    const char *error_code; /* short machine word (static): "timeout", "too_large",
                               "incomplete_headers", "headers_too_large", ... or NULL */
    char error_message[256];
    crawler_header *headers;
    size_t header_count;
    unsigned char *body; /* decoded body (NUL after body_len); owned; NULL only with CS_ENOMEM */
    size_t body_len;
    int truncated;         /* policy files only: the body was cut at the limit */
    int64_t started_at_ms; /* wall clock */
    int64_t elapsed_ms;
    char remote_ip[64];
} crawler_response;

/* The value of the first header called name (case-insensitive), or NULL. */
const char *crawler_response_header(const crawler_response *resp, const char *name);
void crawler_response_free(crawler_response *resp);

/*
 * A libcurl multi handle running many requests at once. Politeness is the
 * caller's job: the fetcher starts every request it is given immediately.
 * Limits enforced on every transfer: http/https only, no redirects followed,
 * connect/total timeouts and a low-speed limit, a body limit chosen by the
 * declared media type and counted on decoded bytes in the write callback
 * (gzip bombs stop there), the pixel limit from the image header, and an
 * address check in the socket-open callback (private, link-local, CGNAT,
 * multicast, reserved and metadata ranges always refused; loopback only with
 * allow_loopback). A response whose header block never ended (the connection
 * closed after the status line or inside the headers) is a network error
 * ("incomplete_headers", status 0), never a success with an empty body; too
 * many header bytes, or one header line too long for curl, is CS_ELIMIT
 * "headers_too_large".
 * The transfers run on a network thread of the fetcher's own, so the caller's
 * work on one answer overlaps the network's on the others. Requests added are
 * staged: none leaves before the next crawler_fetcher_send or _run, so a
 * caller can make its bookkeeping durable first. Every call comes from one
 * thread (the caller's); done runs there too.
 */
typedef struct crawler_fetcher crawler_fetcher;

int crawler_fetcher_new(const crawler_fetch_options *opts, crawler_fetcher **out, cs_error *err);
void crawler_fetcher_free(crawler_fetcher *fetcher);
/* Starts a GET of url (absolute, normalised). user comes back in the response. */
int crawler_fetcher_add(crawler_fetcher *fetcher, const char *url, crawler_kind kind, void *user,
                        cs_error *err);
/* Requests running now. */
size_t crawler_fetcher_active(const crawler_fetcher *fetcher);
/*
 * Waits up to timeout_ms for network activity, advances every transfer and
 * calls done(ctx, resp) for each finished one; resp is freed when done returns
 * (done may move its headers and body out, leaving NULL and 0 behind).
 */
typedef void (*crawler_fetch_done_fn)(void *ctx, crawler_response *resp);
int crawler_fetcher_run(crawler_fetcher *fetcher, int timeout_ms, crawler_fetch_done_fn done,
                        void *ctx, cs_error *err);

/* Sends what the requests added since the last run can send now, without waiting and
 * without reporting any finished transfer (the next crawler_fetcher_run does). */
int crawler_fetcher_send(crawler_fetcher *fetcher, cs_error *err);

/* 1 when addr (IPv4 or IPv6 text) may be connected to under allow_loopback. */
int crawler_address_allowed(const char *addr, int allow_loopback);

/* ---- Crawling (crawl.c) ----------------------------------------------------- */

typedef struct catalog catalog;

/* Why a crawl ended (cli/ prints it as a word). */
typedef enum crawler_stop {
    CRAWLER_STOP_FRONTIER_EMPTY = 0, /* nothing left that may be fetched now */
    CRAWLER_STOP_TIME_LIMIT,         /* time_limit_ms passed */
    CRAWLER_STOP_MAX_IMAGES,         /* max_images stored */
    CRAWLER_STOP_SIGNAL,             /* *stop was set (SIGINT, SIGTERM) */
} crawler_stop;

/* Running totals, for progress lines and the final summary. */
typedef struct crawler_stats {
    int64_t requests;     /* HTTP requests finished (robots.txt and co. included) */
    int64_t pages;        /* HTML pages read */
    int64_t images;       /* images stored (new or already known content) */
    int64_t bytes;        /* body bytes received (decoded) */
    int64_t errors;       /* requests that failed (network, limits, 4xx/5xx, refused) */
    int64_t refused;      /* requests refused for their address (private, reserved, or
                             loopback without allow_loopback): never cached as the host's
                             answer, the host waits for a run allowed to reach it */
    int64_t disallowed;   /* URLs robots.txt kept us from */
    int64_t excluded;     /* URLs on an excluded domain: recorded, never requested */
    int64_t hosts_active; /* hosts with a request running now */
    int64_t hosts;        /* hosts known to this crawl */
    int64_t queued;       /* URLs waiting in the frontier */
    int64_t elapsed_ms;
    int64_t list_read;         /* --url-list: entries read (good lines) */
    int64_t list_queued;       /* --url-list: entries new to the frontier */
    int64_t list_bad;          /* --url-list: bad lines skipped */
    int64_t conflicts_retried; /* --worker: transactions the catalog ended for another's sake
                                  (CS_ECONFLICT: a PostgreSQL deadlock or serialization
                                  failure) and that were run again */
    crawler_stop stopped_by;
    char first_refused[CS_URL_SIZE + 128]; /* "URL: why" of the first refusal, or "" */
} crawler_stats;

/* Called every progress_interval_ms and once more at the end (final = 1). */
typedef void (*crawler_progress_fn)(void *ctx, const crawler_stats *stats, int final);

typedef struct crawler_options {
    const char *const *seeds; /* seed URLs (normalised here); their hosts are in page scope */
    size_t seed_count;
    const char *const *hosts; /* extra host names whose pages are in scope */
    size_t host_count;
    int max_depth;              /* link hops from a seed for pages; default 3 */
    int64_t max_pages_per_host; /* 0: no limit */
    int64_t max_images;         /* stop after this many images stored; 0: no limit */
    int64_t time_limit_ms;      /* 0: none */
    int64_t delay_ms;           /* minimum spacing of requests to one host; default 1000 */
    int64_t max_crawl_delay_ms; /* Crawl-delay is honoured up to this; default 30000 */
    int concurrency;            /* requests (so hosts) in parallel; default 16 */
    int max_outlinks;           /* page links queued per page; default 200 */
    int max_attempts;           /* tries per URL for transient failures; default 3 */
    int max_path_segments;      /* trap: default 32 */
    int max_segment_repeats;    /* trap: one segment repeated more often; default 3 */
    crawler_fetch_options fetch;
    crawler_progress_fn progress;
    void *progress_ctx;
    int64_t progress_interval_ms; /* default 1000 */
    volatile int *stop;           /* set non-zero (e.g. from a signal handler) to stop */
    /* AI crawler list robots.txt rules are read with (--ai-crawlers; NULL: built-in) */
    const robots_ai_crawlers *ai_crawlers;
    /*
     * Domains never to be requested (--exclude-domains): a URL whose host is
     * one of them or a subdomain of one (case-insensitive) is recorded in the
     * frontier as skipped with the reason "excluded: ...", counted in
     * stats->excluded, and nothing is ever sent to its host, not even a
     * robots.txt request (nor one redirected there).
     */
    const char *const *exclude_domains;
    size_t exclude_domain_count;
    /*
     * --url-list: image URLs read as the crawl needs them, in batches of
     * CRAWL_LIST_BATCH (one transaction each) whenever fewer than
     * CRAWL_LIST_LOW_WATER URLs are queued, so memory does not grow with the
     * list. Each is queued as an image (depth 0, no page scope check), its
     * caption kept as a sighting without a page. Borrowed; NULL: none.
     * Each bad line is passed to list_bad_line (may be NULL) and skipped.
     */
    struct crawler_url_list *url_list;
    void (*list_bad_line)(void *ctx, const cs_error *why);
    void *list_bad_line_ctx;
    /*
     * --worker: one of any number of crawls sharing the catalog (worker.c).
     * It crawls only hosts whose lease it holds (catalog.h "Host leases"),
     * renewed every lease_ms / 3 and given up when a host has nothing due, so
     * each host has one worker at a time and its delay, Crawl-delay and
     * Retry-After hold across workers. It leaves other workers' in-flight URLs
     * alone (a lapsed lease queues them again) and ends when no host that is
     * not parked has queued or in-flight URLs left. worker_id names it in the
     * catalog (NULL: host name, pid and a random part). Not with url_list.
     */
    int worker;
    const char *worker_id;
    int64_t lease_ms; /* default CRAWLER_DEFAULT_LEASE_MS */
} crawler_options;

/* How long a worker's host lease lasts unrenewed: how soon a killed worker's hosts move on. */
#define CRAWLER_DEFAULT_LEASE_MS 30000

void crawler_options_default(crawler_options *opts);

/*
 * Crawls into the catalog until the frontier is exhausted (it returns as soon
 * as nothing is in flight or queued, not when a host's delay runs out) or a
 * limit is hit. Resumable: URLs left in flight by a killed crawl are queued
 * again (by a --worker only when it takes the host's lapsed lease), done ones
 * are never fetched again; seeds already in the frontier keep their state. A
 * kill loses at most the responses of the loop turn being recorded (one
 * response for a --worker).
 * Returns CS_OK (stats filled), CS_EINVAL for a bad seed, or CS_EDB when the
 * catalog fails (the crawl stops; what was committed stays).
 */
int crawler_crawl(catalog *cat, const crawler_options *opts, crawler_stats *stats, cs_error *err);

/* ---- URL lists (url_list.c) ------------------------------------------------------ */

/*
 * A list of image URLs, read as a stream (see url_list.c for the formats).
 * Not thread-safe; one reader per list.
 */
typedef struct crawler_url_list crawler_url_list;

typedef enum crawler_url_list_format {
    CRAWLER_URL_LIST_AUTO, /* from the name: .txt .csv .tsv .jsonl .json, each with .gz */
    CRAWLER_URL_LIST_TXT,  /* one URL per line; blank lines and # comments skipped */
    CRAWLER_URL_LIST_CSV,  /* RFC 4180, header row */
    CRAWLER_URL_LIST_TSV,  /* tab-separated, header row, no quoting */
    CRAWLER_URL_LIST_JSONL /* one JSON object per line */
} crawler_url_list_format;

typedef struct crawler_url_list_entry {
    char url[CS_URL_SIZE]; /* normalised */
    char caption[2048];    /* "" when none; cut to fit */
    uint64_t line;         /* where the record starts */
} crawler_url_list_entry;

/* The format a file name implies (TXT when none does; "-" is TXT). */
crawler_url_list_format crawler_url_list_format_of(const char *path);
/*
 * Opens path ("-": stdin), plain or gzip. url_col / caption_col name the
 * column (CSV, TSV) or key (JSON Lines); NULL: "url" and "caption". A missing
 * caption column is no error. CS_EIO when the file cannot be opened.
 */
int crawler_url_list_open(const char *path, crawler_url_list_format format, const char *url_col,
                          const char *caption_col, crawler_url_list **out, cs_error *err);
/*
 * The next entry: 1 (e filled), 0 at the end, CS_EFORMAT for a bad line (err
 * says "FILE:LINE: why"; call again to go on), CS_EINVAL when the header names
 * no URL column (the list cannot be read).
 */
int crawler_url_list_next(crawler_url_list *l, crawler_url_list_entry *e, cs_error *err);
/* Lines consumed so far. */
uint64_t crawler_url_list_line(const crawler_url_list *l);
void crawler_url_list_close(crawler_url_list *l);

/* ---- clearset signals (signals.c) ------------------------------------------------ */

/* One redirect of the URL itself: what was asked, what came back, where it pointed. */
typedef struct crawler_signals_redirect {
    char url[CS_URL_SIZE];      /* the URL requested */
    long status;                /* its 3xx status */
    char location[CS_URL_SIZE]; /* the target, resolved and normalised; as sent (cut)
                                        when it is no usable http(s) URL */
    size_t signals_end;         /* its resource's signals end here (see below) */
} crawler_signals_redirect;

/*
 * What `clearset signals URL` found; signals are raw, crawler_signals_decide
 * judges them. Redirects of the URL are followed (see crawler_signals), so the
 * fields about "the URL" describe the end of the chain, final_url.
 *
 * Signals are grouped by resource, the URLs of the chain in order: redirect i
 * owns signals [redirects[i-1].signals_end (0 for i = 0), redirects[i].signals_end),
 * the final URL the rest. A group holds the signals of its origin's robots.txt,
 * tdmrep.json and ai.txt for that URL (evidence identical to one already listed
 * is not repeated) and those of its response.
 */
typedef struct crawler_signals_result {
    char url[CS_URL_SIZE];       /* the URL asked about, normalised */
    char final_url[CS_URL_SIZE]; /* where its redirects led (url when none) */
    int robots_status;           /* final_url's robots.txt status (0 unreachable, -1 not asked) */
    int allowed;                 /* robots.txt lets clearsetbot fetch every URL of the chain */
    int robots_line;             /* the deciding robots.txt line, 0 if none */
    int tdmrep_status,
        ai_txt_status;          /* final_url's origin; -1 when not asked (robots.txt forbids) */
    int fetched;                /* final_url itself was requested */
    long status;                /* its HTTP status (0: no response) */
    char error[256];            /* why it failed, if it did */
    int redirect_error;         /* 1: the chain could not be followed to its end (loop,
                                   too many hops, refused address or scheme, bad Location) */
    int address_refused;        /* 1: an address of the chain was refused (private, reserved, or
                                   loopback without allow_loopback): nothing was asked there, so
                                   robots_status is -1, allowed 0, and error "address refused" when
                                   it was the URL's own */
    char location[CS_URL_SIZE]; /* final_url's redirect target when not followed, or "" */
    crawler_signals_redirect *redirects; /* followed or refused 3xx hops, in order; owned */
    size_t redirect_count, redirect_cap;
    robots_signal_list signals;
} crawler_signals_result;

/*
 * Fetches robots.txt, /.well-known/tdmrep.json, /ai.txt and (when allowed)
 * the URL, delay_ms apart per host, and collects every opt-out signal they
 * carry into out->signals. A 301/302/303/307/308 of the URL is followed, up
 * to the crawler's redirect limit: each target is normalised, must be http(s)
 * and pass the fetcher's address checks (an IP literal is checked before any
 * request), and on an origin not seen yet its robots.txt, tdmrep.json and
 * ai.txt come first. A target robots.txt disallows is not requested: the chain
 * stops there with out->allowed = 0. CS_OK even when a fetch or the chain
 * fails (out->error says why, out->redirect_error marks the chain,
 * out->address_refused a refused address, which is no robots.txt answer);
 * CS_EFORMAT / CS_EUNSUPPORTED for a bad URL. Release with
 * crawler_signals_result_free.
 */
int crawler_signals(const char *url, const crawler_fetch_options *fetch, int64_t delay_ms,
                    crawler_signals_result *out, cs_error *err);
/* crawler_signals with robots.txt's AI crawler rules read by ai_crawlers (NULL: built-in). */
int crawler_signals_list(const char *url, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         cs_error *err);
/*
 * Judges result's signals for agent under policy (NULL: defaults): each
 * resource of the chain apart (TDMRep precedence never reaches across URLs),
 * opted out when any resource is. *out as robots_decide fills it, verdicts
 * parallel to result->signals; release with robots_decision_free.
 */
int crawler_signals_decide(const crawler_signals_result *result, const char *agent,
                           const robots_policy *policy, robots_decision *out, cs_error *err);
void crawler_signals_result_free(crawler_signals_result *result);

/*
 * `clearset signals URL --bots`: crawler_signals_list (same requests, same
 * result in *out) and, for every crawler of the list, with its operator and function, what
 * the chain's URLs let it do: robots.txt for its token (RFC 9309, its match
 * token), and whether training is reserved for it - robots_decide for its
 * token over the signals that reach it (its own robots.txt group, the
 * Content-Signal/Content-Usage lines and ai.txt rules that apply to it,
 * tdmrep.json, and the URL's headers and meta, where agent-scoped ones count
 * only for their agent). What was not fetched (a URL robots.txt keeps
 * clearsetbot from) says nothing. Free *bots with crawler_bot_views_free.
 */
typedef struct crawler_bot_view {
    size_t crawler;                   /* index into the crawler list */
    const char *token;                /* as listed; the strings point into the list */
    const char *operator_name;        /* "OpenAI", ... */
    const char *function;             /* "training", "ai-search", "user-fetch", ... */
    int allowed;                      /* its token may fetch every URL of the chain read */
    int robots_line;                  /* the disallowing rule's line (when !allowed) */
    char disallowed_url[CS_URL_SIZE]; /* the URL of the chain it may not fetch, or "" */
    int reserved;                     /* training is reserved for it */
    robots_signal reason;             /* the first signal that reserves it (when reserved) */
} crawler_bot_view;

typedef struct crawler_bot_views {
    crawler_bot_view *items; /* one per listed crawler, in list order; owned */
    size_t count;
} crawler_bot_views;

/* ai_crawlers: the list to answer for (NULL: the built-in one); it must outlive *bots. */
int crawler_signals_bots(const char *url, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         crawler_bot_views *bots, cs_error *err);
void crawler_bot_views_free(crawler_bot_views *bots);

/*
 * The robots.txt of url's origin (url may be the site, any page of it or its
 * /robots.txt), fetched once as a crawl fetches it (policy.c: the same
 * redirects, address checks and size limit). *rules gets what the status
 * means (2xx parsed, other 3xx and 4xx allow all) and *status the final
 * HTTP status. 5xx, 429, no answer or a refused address: CS_ENET / CS_EDENIED
 * with a message, *rules NULL - a caller judging others by these rules must
 * not guess them. Release *rules with robots_free.
 */
int crawler_fetch_robots(const char *url, const crawler_fetch_options *fetch, robots_rules **rules,
                         int *status, cs_error *err);

#endif
