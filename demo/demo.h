/*
 * demo.h - the sample-web HTTP server: a scripted web on loopback addresses.
 *
 * One server listens on several 127.x.y.z addresses at once; each address
 * stands for one web host. What it answers comes from a *scenario* (JSON,
 * below); every request it receives is recorded with high-resolution
 * timestamps, in memory and optionally as JSON Lines in a log file, so a
 * test can check what a crawler did and when (politeness, robots, retries).
 * `clearset demo` serves the bundled sample web (demo/site/) with it, the
 * unit tests start it in-process, and `clearset-fixture` runs it as a
 * separate process for shell tests.
 *
 * Safety: the server binds only to 127.0.0.0/8 (anything else is refused
 * with CS_EDENIED before a socket is made). It never crashes on odd requests:
 * header size, connection count, idle time and uploaded bytes are bounded.
 *
 * Threads: the server runs its own threads (one per connection) until
 * demo_server_stop. Every demo_server_* function may be called from any
 * thread while the server runs. A scenario is immutable once loaded; one
 * scenario may drive several servers, and must outlive them all.
 *
 * Errors: functions return CS_OK or a negative CS_E* code and fill the
 * caller's cs_error (may be NULL) with a one-line message. Nothing prints.
 *
 * ======================================================================
 * SCENARIO FORMAT (JSON object; unknown keys are an error, so typos show)
 * ======================================================================
 *
 *   {
 *     "root": "site",                  optional directory of static files;
 *                                      relative paths are taken from the
 *                                      scenario file's directory
 *     "hosts": {"127.0.0.2": "photo"}, optional: a name for a listening
 *                                      address; names are used by routes'
 *                                      "host", by templates, and as the
 *                                      per-host directory under root
 *     "routes": [ ROUTE, ... ]         tried in order; first match wins
 *   }
 *
 * ROUTE = match fields + either RESPONSE fields or "sequence":
 *   "host":   "127.0.0.2" | "photo" | "name.example"   optional; absent = every
 *             host. Matches the listening address, its name from "hosts", or
 *             else the request's Host header (without port), case-insensitive.
 *   "path":   "/exact"            exact match on the raw path (before '?');
 *             if it contains '?', exact match on path+query instead
 *   "prefix": "/images/"          raw path+query starts with this
 *             (neither path nor prefix: every path)
 *   "method": "GET"               optional; absent = any method
 *   "sequence": [RESPONSE, ...]   the 1st matching request gets the 1st
 *             answer, the 2nd the 2nd, ...; the last one repeats. Counters
 *             are per server and per route. (503-then-200, Retry-After.)
 *
 * RESPONSE fields (all optional):
 *   "status": 200                 default 200 (302 with "redirect")
 *   "headers": {"X-Robots-Tag": "noai", "Set-Twice": ["a", "b"]}
 *                                 (Content-Length and Transfer-Encoding are
 *                                 always the server's own: a body cannot
 *                                 lie about its length; Date and
 *                                 "Connection: close" may be set)
 *   "content_type": "text/html"   shorthand for the Content-Type header
 *   "body": "text"                the body (templated, see below)
 *   "body_file": "path"           body from a file (relative to the scenario)
 *   "generate": 1048576           a body of N bytes of "pattern" repeated
 *   "pattern": "0123456789"       default "x"; "\u0000" gives zeros
 *   "endless": true               a body of "pattern" that never ends
 *                                 (chunked); the client must cut it
 *   "gzip": true                  the body is gzip-compressed on the fly and
 *                                 sent with Content-Encoding: gzip. With
 *                                 "generate": 1073741824 and "pattern":
 *                                 "\u0000" this is a ~1 MB gzip bomb.
 *   "delay_ms": 2000              wait before answering (headers included)
 *   "trickle_bytes": 10,          send the body in pieces of this many bytes
 *   "trickle_interval_ms": 100    with this pause before each piece
 *   "redirect": "/new"            Location header (templated); status
 *                                 defaults to 302 (use 301/307/308 as needed)
 *   "drop": true                  close the connection without any answer
 *   "raw": "HTTP/1.1 200 OK\r\n"   these bytes exactly (not templated) are
 *                                 written to the socket, then the connection
 *                                 is closed: a response cut off anywhere, or
 *                                 framing no well-behaved server sends. No
 *                                 other RESPONSE field but delay_ms applies;
 *                                 the log records status 0
 *   "raw_latin1": true            with "raw": each character (U+0000 to
 *                                 U+00FF) is one byte, for bytes no UTF-8
 *                                 text holds (a header in ISO-8859-1)
 *   "template": false             turn templating off for this body
 *
 *   A RESPONSE with no body source (none of body, body_file, generate,
 *   endless, redirect, drop, raw) and no status serves the static file for the
 *   path from "root" with its headers added (404 if there is no file); a
 *   status without a body source sends an empty body.
 *
 *   Content-Type, unless given: by the extension of body_file, else of the
 *   request path; with no known extension "text/html; charset=utf-8" for
 *   body/body_file and "application/octet-stream" for generate/endless.
 *
 * Static files: a host with address A and name N serves from root/N if that
 * directory exists, else from root/A if that exists, else from root itself
 * (so one flat root serves every host alike). The path is %-decoded; a
 * directory or a path ending in '/' gets its index.html. Paths with ".."
 * segments or NUL (also %-encoded) are refused with 400.
 * Content-Type by extension (html, txt, json, xml, css, js, jpg, png, webp,
 * gif, svg; else application/octet-stream). No route and no file: 404.
 *
 * Templates: in "body" strings and in static files of a text type (html,
 * txt, json, xml, css, js), "{{origin}}" becomes "http://A:PORT" of the
 * receiving listener, and "{{origin:X}}" that of the listener whose address
 * or name is X ("{{origin:cdn}}", "{{origin:127.0.0.5}}"); "{{host:X}}" and
 * "{{host}}" give "A:PORT" alone. Unknown names are left as written.
 *
 * ======================================================================
 * REQUEST LOG (one JSON object per line, flushed per line)
 * ======================================================================
 *
 *   {"seq": 1, "time_ns": 1764059460123456789, "mono_ns": 81234567890,
 *    "respond_mono_ns": 81234601234, "listener": 0, "host": "127.0.0.2",
 *    "port": 41234, "name": "photo", "remote": "127.0.0.1:51000",
 *    "method": "GET", "target": "/a/b?x=1", "version": "HTTP/1.1",
 *    "user_agent": "clearsetbot/0.1.0 (+...)",
 *    "headers": {"host": "127.0.0.2:41234", "user-agent": "..."},
 *    "status": 200, "route": 3, "source": "route"}
 *
 *   time_ns/mono_ns: CLOCK_REALTIME and CLOCK_MONOTONIC (ns) when the
 *   request line arrived; respond_mono_ns when the answer was queued (after
 *   any delay_ms). host/port: the local address the request came in on.
 *   headers: request header names in lower case; repeats joined with ", ".
 *   status: 0 when nothing was sent (drop, client gone, server stopping).
 *   route: index in "routes", or -1. source: "route", "file", "none" (404)
 *   or "server" (refused before routing: bad path, oversized headers).
 *   A line is written when the answer is queued, so once a client has
 *   received a response its line is already in the log. "name" is present
 *   only when the scenario names the address.
 */
#ifndef CLEARSET_DEMO_H
#define CLEARSET_DEMO_H

#include "common/common.h"

#include <stddef.h>
#include <stdint.h>

/*
 * At most this many listening addresses per server (one per simulated host;
 * bench/crawl simulates 100). Each costs one MHD daemon and its thread.
 */
#define DEMO_MAX_LISTENERS 256
/* Requests kept in memory per server; tests need far fewer, the log file keeps all. */
#define DEMO_LOG_MAX_REQUESTS 100000

typedef struct demo_scenario demo_scenario;
typedef struct demo_server demo_server;

/*
 * Loads a scenario from a JSON file; relative paths in it resolve against the
 * file's directory. CS_EIO if unreadable, CS_EFORMAT (message names the key)
 * if malformed, CS_ELIMIT if too large. *out is owned by the caller.
 */
int demo_scenario_load(const char *path, demo_scenario **out, cs_error *err);
/* The same from JSON text (len bytes); base_dir (NULL: ".") resolves paths. */
int demo_scenario_parse(const char *json, size_t len, const char *base_dir, demo_scenario **out,
                        cs_error *err);
/* Releases a scenario; NULL is fine. No server may still use it. */
void demo_scenario_free(demo_scenario *scenario);

/*
 * Starts serving scenario on each of the n addresses ("127.0.0.2:8080", or
 * "127.0.0.2:0" / "127.0.0.2" for a free port). log_path (may be NULL)
 * receives the request log as JSON Lines (appended). Returns when every
 * address is listening. CS_EDENIED for an address outside 127.0.0.0/8,
 * CS_EINVAL for a malformed one, CS_EIO if a bind fails (address in use).
 * The scenario is borrowed and must outlive the server.
 */
int demo_server_start(const demo_scenario *scenario, const char *const *addresses, size_t n,
                      const char *log_path, demo_server **out, cs_error *err);
/* Stops listening, ends open connections and frees the server; NULL is fine. */
void demo_server_stop(demo_server *server);

/* Number of listeners, and listener i's port and "A:PORT" text (owned by the server). */
size_t demo_server_listener_count(const demo_server *server);
int demo_server_port(const demo_server *server, size_t i);
const char *demo_server_address(const demo_server *server, size_t i);

/*
 * HTTP header fields as two parallel lists (names[i]: values[i]), owned strings.
 * demo_headers_add takes a copy of both; demo_headers_free releases all and
 * leaves an empty list.
 */
typedef struct demo_headers {
    size_t count, cap;
    char **names;
    char **values;
} demo_headers;

int demo_headers_add(demo_headers *list, const char *name, const char *value);
void demo_headers_free(demo_headers *list);

/* One recorded request; see REQUEST LOG above for the meaning of each field. */
typedef struct demo_request {
    uint64_t seq; /* 1, 2, ... in the order lines were written */
    int64_t time_ns;
    int64_t mono_ns;
    int64_t respond_mono_ns;
    size_t listener;
    char host[16]; /* local address, dotted quad */
    int port;
    char remote[24];      /* the client's "ip:port" */
    char method[16];      /* truncated if longer */
    char version[16];     /* "HTTP/1.1" */
    char *target;         /* raw path+query as received */
    char *user_agent;     /* NULL when absent */
    demo_headers headers; /* names in lower case, repeats joined with ", " */
    int status;
    int route;
    const char *source; /* static string: "route", "file", "none", "server" */
} demo_request;

/* How many requests have been recorded so far. */
size_t demo_server_request_count(demo_server *server);
/*
 * Copies the recorded requests from index first (0-based) on into a new
 * array (*out, *n); free it with demo_requests_free. The in-memory log keeps
 * at most DEMO_LOG_MAX_REQUESTS entries (the file keeps all).
 */
int demo_server_requests(demo_server *server, size_t first, demo_request **out, size_t *n);
void demo_requests_free(demo_request *requests, size_t n);
/* A request header by name (case-insensitive), or NULL. */
const char *demo_request_header(const demo_request *request, const char *name);
/*
 * Waits until at least count requests are recorded or timeout_ms passes;
 * CS_OK or CS_ELIMIT on timeout.
 */
int demo_server_wait_requests(demo_server *server, size_t count, int timeout_ms);

/* The scenario's named hosts ("hosts"): how many, and the i-th address and name. */
size_t demo_scenario_host_count(const demo_scenario *scenario);
const char *demo_scenario_host_address(const demo_scenario *scenario, size_t i);
const char *demo_scenario_host_name_at(const demo_scenario *scenario, size_t i);
/*
 * The static files served for host name (the directory root/name, or root
 * itself when that does not exist), as request paths ("/a/b.html"), sorted.
 * *paths is owned by the caller: demo_paths_free. CS_ENOTFOUND without root.
 */
int demo_scenario_host_files(const demo_scenario *scenario, const char *name, char ***paths,
                             size_t *n, cs_error *err);
void demo_paths_free(char **paths, size_t n);

/*
 * The bundled sample web: the directory holding demo/site/scenario.json
 * (eighteen hosts on 127.0.0.2-19; see demo/site/README.md).
 * $CLEARSET_DEMO_SITE overrides the path compiled in.
 */
const char *demo_site_dir(void);

/*
 * Fashion-MNIST as a website (fashion.c): Debian's dataset-fashion-mnist
 * (IDX gz files, MIT licence, (c) 2017 Zalando SE) published as 32x32 grey
 * PNGs (the 28x28 originals on a 2-pixel background border) carrying the
 * licence and attribution in XMP, gallery pages of per_page images with
 * rel=license, index.html listing the pages, robots.txt allowing all, and
 * scenario.json serving OUT/www as static files. Writes OUT/www/images/
 * NNNNNN.png (numbered from 0 in publication order), OUT/www/page/NNNN.html.
 * CS_ENOTFOUND/CS_EIO when the IDX file is missing (package not installed),
 * CS_EFORMAT when it is not Fashion-MNIST's, CS_EINVAL for a bad range.
 * *written counts the images written, also on failure.
 */
#define DEMO_FASHION_DIR      "/usr/share/datasets/fashion-mnist"
#define DEMO_FASHION_PER_PAGE 500

typedef struct demo_fashion_options {
    const char *source_dir; /* the IDX gz files; NULL: DEMO_FASHION_DIR */
    const char *set;        /* "train" (60,000 images) or "t10k" (10,000); NULL: train */
    size_t first;           /* the first image published (0-based in the IDX file) */
    size_t count;           /* how many; 0: all from first on */
    size_t per_page;        /* images a gallery page (at most 1000); 0: DEMO_FASHION_PER_PAGE */
} demo_fashion_options;

int demo_fashion_write(const demo_fashion_options *opts, const char *out_dir, size_t *written,
                       cs_error *err);
/*
 * The same, unless out_dir already holds a site of exactly opts->count (> 0)
 * images (*reused 1: nothing written); otherwise out_dir is removed first, so
 * a site of another size never leaves stale images behind.
 */
int demo_fashion_ensure(const demo_fashion_options *opts, const char *out_dir, int *reused,
                        cs_error *err);

/*
 * The demo's clearance policy (demo/policy.json: strict plus MIT, the training
 * set's licence), compiled in; $CLEARSET_DEMO_POLICY names another.
 */
const char *demo_policy_path(void);

#endif
