/*
 * reqlog.c - the server's request log: every request, in memory (for
 * in-process tests) and as one JSON line per request in a file (for tests
 * that run the server as another process, and for people).
 *
 * Each line is written with a single write(2) on an O_APPEND descriptor
 * while the server's lock is held, so lines never interleave and a reader
 * sees whole lines as soon as the answer they describe is on its way.
 */
#include "demo/demo_internal.h"

#include <jansson.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

void demo_request_clear(demo_request *r)
{
    free(r->target);
    free(r->user_agent);
    demo_headers_free(&r->headers);
    memset(r, 0, sizeof *r);
}

void demo_requests_free(demo_request *requests, size_t n)
{
    if (requests == NULL) return;
    for (size_t i = 0; i < n; i++)
        demo_request_clear(&requests[i]);
    free(requests);
}

const char *demo_request_header(const demo_request *r, const char *name)
{
    for (size_t i = 0; i < r->headers.count; i++)
        if (strcasecmp(r->headers.names[i], name) == 0) return r->headers.values[i];
    return NULL;
}

/*
 * A JSON string for bytes from the network: as they are when valid UTF-8,
 * else with every byte above 0x7f replaced by '?', so the line is still JSON.
 */
static json_t *network_string(const char *s)
{
    json_t *v = json_string(s);
    if (v) return v;
    char *copy = strdup(s);
    if (copy == NULL) return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p > 0x7f) *p = '?';
    v = json_string(copy);
    free(copy);
    return v;
}

/* The JSON line for one request (without the newline), or NULL on no memory. */
static char *request_json(const demo_server *server, const demo_request *r)
{
    json_t *o = json_object();
    json_t *headers = json_object();
    if (o == NULL || headers == NULL) {
        json_decref(o);
        json_decref(headers);
        return NULL;
    }
    const demo_listener *l = &server->listeners[r->listener];
    json_object_set_new(o, "seq", json_integer((json_int_t)r->seq));
    json_object_set_new(o, "time_ns", json_integer(r->time_ns));
    json_object_set_new(o, "mono_ns", json_integer(r->mono_ns));
    json_object_set_new(o, "respond_mono_ns", json_integer(r->respond_mono_ns));
    json_object_set_new(o, "listener", json_integer((json_int_t)r->listener));
    json_object_set_new(o, "host", json_string(r->host));
    json_object_set_new(o, "port", json_integer(r->port));
    if (l->name) json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "remote", json_string(r->remote));
    json_object_set_new(o, "method", network_string(r->method));
    json_object_set_new(o, "target", network_string(r->target ? r->target : ""));
    json_object_set_new(o, "version", network_string(r->version));
    if (r->user_agent) json_object_set_new(o, "user_agent", network_string(r->user_agent));
    for (size_t i = 0; i < r->headers.count; i++) {
        json_t *name = network_string(r->headers.names[i]);
        if (name)
            json_object_set_new(headers, json_string_value(name),
                                network_string(r->headers.values[i]));
        json_decref(name);
    }
    json_object_set_new(o, "headers", headers);
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "route", json_integer(r->route));
    json_object_set_new(o, "source", json_string(r->source ? r->source : "server"));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

/* Writes all of n bytes, retrying short writes. */
void demo_log_record(demo_server *server, demo_request *r)
{
    pthread_mutex_lock(&server->lock);
    r->seq = ++server->log_seq;
    if (server->log_fd >= 0) {
        char *line = request_json(server, r);
        if (line) {
            size_t n = strlen(line);
            char *with_newline = realloc(line, n + 2);
            if (with_newline) {
                with_newline[n] = '\n';
                with_newline[n + 1] = '\0';
                /* a full disk loses log lines, never the server */
                (void)cs_write_all(server->log_fd, with_newline, n + 1);
                line = with_newline;
            }
            free(line);
        }
    }
    if (cs_array_reserve((void **)&server->log, &server->log_cap, server->log_len,
                         sizeof *server->log, DEMO_LOG_MAX_REQUESTS) == CS_OK) {
        server->log[server->log_len++] = *r;
        memset(r, 0, sizeof *r); /* the log owns the strings now */
    }
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
    demo_request_clear(r); /* frees them if the in-memory log was full */
}

size_t demo_server_request_count(demo_server *server)
{
    pthread_mutex_lock(&server->lock);
    size_t n = server->log_len;
    pthread_mutex_unlock(&server->lock);
    return n;
}

static char *copy_or_null(const char *s, int *failed)
{
    if (s == NULL) return NULL;
    char *copy = strdup(s);
    if (copy == NULL) *failed = 1;
    return copy;
}

int demo_server_requests(demo_server *server, size_t first, demo_request **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&server->lock);
    size_t count = first < server->log_len ? server->log_len - first : 0;
    demo_request *copy = calloc(count ? count : 1, sizeof *copy);
    int failed = copy == NULL;
    for (size_t i = 0; i < count && !failed; i++) {
        const demo_request *r = &server->log[first + i];
        demo_request *c = &copy[i];
        *c = *r;
        c->target = copy_or_null(r->target, &failed);
        c->user_agent = copy_or_null(r->user_agent, &failed);
        memset(&c->headers, 0, sizeof c->headers);
        for (size_t h = 0; h < r->headers.count && !failed; h++)
            failed =
                demo_headers_add(&c->headers, r->headers.names[h], r->headers.values[h]) != CS_OK;
    }
    pthread_mutex_unlock(&server->lock);
    if (failed) {
        demo_requests_free(copy, count);
        return CS_ENOMEM;
    }
    *out = copy;
    *n = count;
    return CS_OK;
}

int demo_server_wait_requests(demo_server *server, size_t count, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = CS_OK;
    pthread_mutex_lock(&server->lock);
    while (server->log_seq < count) {
        if (pthread_cond_timedwait(&server->changed, &server->lock, &deadline) == ETIMEDOUT) {
            rc = server->log_seq >= count ? CS_OK : CS_ELIMIT;
            break;
        }
    }
    pthread_mutex_unlock(&server->lock);
    return rc;
}
