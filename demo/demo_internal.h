/*
 * demo_internal.h - what the files of demo/ share: the parsed scenario, the
 * server and its listeners, the body streams and the request log. Other
 * folders include demo/demo.h only.
 */
#ifndef CLEARSET_DEMO_INTERNAL_H
#define CLEARSET_DEMO_INTERNAL_H

#include "demo/demo.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

/* One answer: a RESPONSE object of the scenario (see demo.h). */
typedef struct demo_response {
    int status; /* 0: not given (200, 302 with redirect, 404 when no file) */
    demo_headers headers;
    char *content_type; /* NULL: by extension */
    int has_body;       /* body or body_file */
    unsigned char *body;
    size_t body_len;
    char *body_file; /* path as resolved, for the content type; NULL for "body" */
    int has_generate;
    uint64_t generate;
    unsigned char *pattern; /* default "x" */
    size_t pattern_len;
    int endless;
    int gzip;
    int drop;
    unsigned char *raw; /* bytes written to the socket as they are, then close; NULL: none */
    size_t raw_len;
    int template_on;
    int64_t delay_ms;
    size_t trickle_bytes; /* 0: no trickle */
    int64_t trickle_interval_ms;
    char *redirect;
} demo_response;

typedef struct demo_route {
    char *host;               /* NULL: every host */
    char *path;               /* exact; NULL if not given */
    char *prefix;             /* NULL if not given */
    char *method;             /* NULL: any */
    demo_response *responses; /* one, or the "sequence" */
    size_t response_count;
} demo_route;

struct demo_scenario {
    char *base_dir;
    char *root; /* resolved; NULL: no static files */
    size_t host_count;
    char **host_addresses;
    char **host_names;
    demo_route *routes;
    size_t route_count;
};

/* The name the scenario gives address (dotted quad), or NULL. */
const char *demo_scenario_host_name(const demo_scenario *scenario, const char *address);

typedef struct demo_listener {
    struct demo_server *server;
    size_t index;
    struct MHD_Daemon *daemon;
    char ip[16];
    int port;
    char address[32]; /* "ip:port" */
    const char *name; /* from the scenario, or NULL */
} demo_listener;

struct demo_server {
    const demo_scenario *scenario;
    size_t listener_count;
    demo_listener listeners[DEMO_MAX_LISTENERS];
    pthread_mutex_t lock;   /* guards everything below */
    pthread_cond_t changed; /* signalled on stop and on each new log entry */
    int stopping;
    uint64_t *route_hits; /* per route: requests matched so far (sequence position) */
    demo_request *log;
    size_t log_len, log_cap;
    uint64_t log_seq;
    int log_fd; /* -1: no log file */
};

/*
 * Sleeps ms milliseconds unless the server stops first; returns 0 after a full
 * sleep, -1 when the server is stopping.
 */
int demo_server_sleep(demo_server *server, int64_t ms);
int demo_server_is_stopping(demo_server *server);

/*
 * A body sent piece by piece through MHD's content reader: from bytes, a
 * repeated pattern of N bytes or forever, optionally trickled and gzipped.
 */
typedef struct demo_stream demo_stream;
typedef struct demo_stream_config {
    const unsigned char *data; /* bytes (owned_data: the stream frees them) */
    size_t data_len;
    unsigned char *owned_data;
    const unsigned char *pattern; /* used when data is NULL */
    size_t pattern_len;
    uint64_t pattern_total; /* bytes of pattern; ignored when endless */
    int endless;
    int gzip;
    size_t trickle_bytes;
    int64_t trickle_interval_ms;
} demo_stream_config;

/* Makes an MHD response for the stream, or NULL (owned_data is freed either way). */
struct MHD_Response *demo_stream_response(demo_server *server, const demo_stream_config *config);

/*
 * Expands {{origin}}, {{origin:X}}, {{host}}, {{host:X}} in bytes for a request
 * that came in on listener; returns a new buffer (free()) or NULL on no memory.
 */
unsigned char *demo_template_expand(const demo_server *server, const demo_listener *listener,
                                    const unsigned char *bytes, size_t len, size_t *out_len);

/* Content type for a file name by its extension; *is_text set for templated types. */
const char *demo_content_type(const char *name, int *is_text);

/*
 * Appends one request to the in-memory log and the log file, assigning its seq.
 * Takes ownership of request's strings.
 */
void demo_log_record(demo_server *server, demo_request *request);
/* Frees the strings one request owns. */
void demo_request_clear(demo_request *request);

#endif
