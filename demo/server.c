/*
 * server.c - the sample-web server: one libmicrohttpd daemon per loopback
 * address, all driven by one scenario and writing one request log.
 *
 * Start-up binds every socket itself first (so the refusal of a non-loopback
 * address, or "address in use", is a clear error, and every port is known
 * before any page is served that links to another host), then hands each
 * socket to an MHD daemon running one thread per connection. A request is
 * seen three times: MHD's URI callback makes its record and stamps the
 * arrival time; the access handler collects headers, discards any upload and
 * then answers (route, else static file, else 404); the completion callback
 * logs what never got an answer and frees the record.
 *
 * Answers may sleep (delay_ms, trickle) in their connection's thread; every
 * sleep waits on the server's condition variable, so stopping is prompt.
 * A "raw" answer bypasses MHD: its bytes go to the socket as they are and
 * the connection is closed, so a test can cut a response anywhere.
 */
#include "demo/demo_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Concurrent connections per listener (each is a thread); a crawler needs a few. */
#define DEMO_MAX_CONNECTIONS 128
/* Idle seconds before a connection is closed, so stuck clients free their thread. */
#define DEMO_CONNECTION_TIMEOUT_S 60
/* Per-connection memory for the request line and headers; larger requests get 431. */
#define DEMO_CONNECTION_MEMORY (64 * 1024)
/* Request bodies are read and discarded; a client sending more is cut off. */
#define DEMO_MAX_UPLOAD_BYTES (16 * 1024 * 1024)
/* Static files are read into memory per request. */
#define DEMO_STATIC_FILE_MAX_BYTES (64 * 1024 * 1024)
/* Longest file path the static-file lookup builds. */
#define DEMO_PATH_MAX 4096
/* Pending connections per listening socket. */
#define DEMO_LISTEN_BACKLOG 64

/* What one request carries from its first callback to its last. */
typedef struct request_state {
    demo_listener *listener;
    demo_request record;
    int headers_seen;
    int logged;
    uint64_t uploaded;
} request_state;

int demo_server_is_stopping(demo_server *server)
{
    pthread_mutex_lock(&server->lock);
    int stopping = server->stopping;
    pthread_mutex_unlock(&server->lock);
    return stopping;
}

int demo_server_sleep(demo_server *server, int64_t ms)
{
    if (ms <= 0) return demo_server_is_stopping(server) ? -1 : 0;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(ms / 1000);
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&server->lock);
    while (!server->stopping)
        if (pthread_cond_timedwait(&server->changed, &server->lock, &deadline) == ETIMEDOUT) break;
    int stopping = server->stopping;
    pthread_mutex_unlock(&server->lock);
    return stopping ? -1 : 0;
}

/* ---- the three MHD callbacks ------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    demo_listener *l = cls;
    request_state *st = calloc(1, sizeof *st);
    if (st == NULL) return NULL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    st->record.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
    st->record.mono_ns = cs_monotonic_ns();
    st->listener = l;
    st->record.listener = l->index;
    cs_strlcpy(st->record.host, l->ip, sizeof st->record.host);
    st->record.port = l->port;
    st->record.route = -1;
    st->record.source = "server";
    st->record.target = strdup(uri ? uri : "");
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)info->client_addr;
        char ip[INET_ADDRSTRLEN] = "";
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
        snprintf(st->record.remote, sizeof st->record.remote, "%s:%u", ip,
                 (unsigned)ntohs(sin->sin_port));
    }
    return st;
}

static void log_once(request_state *st)
{
    if (st->logged) return;
    st->logged = 1;
    if (st->record.respond_mono_ns == 0) st->record.respond_mono_ns = cs_monotonic_ns();
    demo_log_record(st->listener->server, &st->record);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_state *st = *req_cls;
    if (st == NULL) return;
    if (!st->logged) { /* a request that never got our answer is still a request */
        /* MHD may have answered it itself (431 for oversized headers, 400 ...). */
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_HTTP_STATUS);
        if (info && st->record.route < 0) st->record.status = (int)info->http_status;
        log_once(st);
    }
    demo_request_clear(&st->record);
    free(st);
    *req_cls = NULL;
}

/* Appends a header to the record: name in lower case, repeats joined with ", ". */
static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    demo_request *r = cls;
    if (key == NULL) return MHD_YES;
    if (value == NULL) value = "";
    char *name = strdup(key);
    if (name == NULL) return MHD_NO;
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    demo_headers *list = &r->headers;
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->names[i], name) != 0) continue;
        size_t n = strlen(list->values[i]) + strlen(value) + 3;
        char *joined = malloc(n);
        if (joined) {
            snprintf(joined, n, "%s, %s", list->values[i], value);
            free(list->values[i]);
            list->values[i] = joined;
        }
        free(name);
        return MHD_YES;
    }
    int rc = demo_headers_add(list, name, value);
    free(name);
    return rc == CS_OK ? MHD_YES : MHD_NO;
}

/* ---- routing ----------------------------------------------------------------- */

/* Length of the path part of a request target (up to '?' or '#'). */
static size_t path_length(const char *target)
{
    return strcspn(target, "?#");
}

/* The Host header's host name without port, into out; "" when absent. */
static void host_header_name(struct MHD_Connection *c, char *out, size_t size)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    out[0] = '\0';
    if (host == NULL) return;
    size_t n = strcspn(host, ":");
    if (n >= size) n = size - 1;
    memcpy(out, host, n);
    out[n] = '\0';
}

static int route_matches(const demo_route *route, const demo_listener *l, const char *host_name,
                         const char *method, const char *target)
{
    if (route->method && strcmp(route->method, method) != 0) return 0;
    if (route->host && strcmp(route->host, l->ip) != 0 &&
        !(l->name && strcmp(route->host, l->name) == 0) && strcasecmp(route->host, host_name) != 0)
        return 0;
    if (route->path) {
        if (strchr(route->path, '?')) return strcmp(route->path, target) == 0;
        size_t n = path_length(target);
        return strlen(route->path) == n && memcmp(route->path, target, n) == 0;
    }
    if (route->prefix) return strncmp(target, route->prefix, strlen(route->prefix)) == 0;
    return 1;
}

/* ---- static files ---------------------------------------------------------- */

/*
 * Decodes the path part of target into out; -1 when it is unsafe as a file
 * path (NUL, "..", not starting with '/') or too long.
 */
static int decode_path(const char *target, char *out, size_t size)
{
    size_t n = path_length(target), o = 0;
    if (n == 0 || target[0] != '/') return -1;
    for (size_t i = 0; i < n; i++) {
        char c = target[i];
        unsigned char escaped;
        if (c == '%' && i + 2 < n && cs_hex_decode(target + i + 1, 2, &escaped, 1) == CS_OK) {
            c = (char)escaped;
            i += 2;
        }
        if (c == '\0' || c == '\\' || o + 1 >= size) return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    /* Refuse any ".." segment. */
    for (const char *p = out; (p = strstr(p, "..")) != NULL; p += 2)
        if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0')) return -1;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Finds the static file for a decoded path on listener l; fills file (its path)
 * and returns 0, or -1 when there is none.
 */
static int find_static_file(const demo_server *server, const demo_listener *l, const char *path,
                            char *file, size_t size)
{
    const char *root = server->scenario->root;
    if (root == NULL) return -1;
    char dir[DEMO_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", root);
    char candidate[DEMO_PATH_MAX];
    if (l->name &&
        (size_t)snprintf(candidate, sizeof candidate, "%s/%s", root, l->name) < sizeof candidate &&
        is_dir(candidate))
        snprintf(dir, sizeof dir, "%s", candidate);
    else if ((size_t)snprintf(candidate, sizeof candidate, "%s/%s", root, l->ip) <
                 sizeof candidate &&
             is_dir(candidate))
        snprintf(dir, sizeof dir, "%s", candidate);
    int n = snprintf(file, size, "%s%s", dir, path);
    if (n < 0 || (size_t)n >= size) return -1;
    if (file[n - 1] == '/' || is_dir(file)) {
        int m = snprintf(file + n, size - (size_t)n, "%sindex.html", file[n - 1] == '/' ? "" : "/");
        if (m < 0 || (size_t)m >= size - (size_t)n) return -1;
    }
    struct stat st;
    return stat(file, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
}

/* ---- answering ------------------------------------------------------------- */

/* Finishes the record and queues the response (which it releases). */
static enum MHD_Result send_response(struct MHD_Connection *c, request_state *st, int status,
                                     struct MHD_Response *response)
{
    if (response == NULL) {
        st->record.status = 0;
        log_once(st);
        return MHD_NO;
    }
    st->record.status = status;
    st->record.respond_mono_ns = cs_monotonic_ns();
    log_once(st); /* before queueing: once the client has the answer, the line exists */
    enum MHD_Result result = MHD_queue_response(c, (unsigned)status, response);
    MHD_destroy_response(response);
    return result;
}

static struct MHD_Response *bytes_response(unsigned char *bytes, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, bytes, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) free(bytes);
    return r;
}

static struct MHD_Response *text_response(const char *text)
{
    return MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result answer_plain(struct MHD_Connection *c, request_state *st, int status,
                                    const char *text)
{
    struct MHD_Response *r = text_response(text);
    if (r) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return send_response(c, st, status, r);
}

/* Copies bytes, expanding templates when asked. */
static unsigned char *prepare_bytes(const demo_server *server, const demo_listener *l,
                                    const unsigned char *bytes, size_t len, int expand,
                                    size_t *out_len)
{
    if (expand) return demo_template_expand(server, l, bytes, len, out_len);
    unsigned char *copy = malloc(len ? len : 1);
    if (copy) memcpy(copy, bytes, len);
    *out_len = len;
    return copy;
}

/*
 * Writes bytes straight to the connection's socket, bypassing MHD's framing,
 * for "raw" answers (a response cut off mid-headers, a giant header line).
 * MHD's sockets may be non-blocking: wait until writable, give up after
 * DEMO_CONNECTION_TIMEOUT_S of no progress or when the client is gone.
 */
static void send_raw(struct MHD_Connection *c, const unsigned char *bytes, size_t len)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == NULL) return;
    int fd = info->connect_fd;
    while (len > 0) {
        ssize_t n = send(fd, bytes, len, MSG_NOSIGNAL);
        if (n > 0) {
            bytes += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            if (poll(&p, 1, DEMO_CONNECTION_TIMEOUT_S * 1000) <= 0) return;
        } else {
            return;
        }
    }
}

static enum MHD_Result answer_route(struct MHD_Connection *c, request_state *st,
                                    const demo_response *resp, const char *path)
{
    demo_listener *l = st->listener;
    demo_server *server = l->server;
    if (resp->delay_ms > 0 && demo_server_sleep(server, resp->delay_ms)) {
        log_once(st); /* stopping: no answer */
        return MHD_NO;
    }
    if (resp->drop) {
        log_once(st);
        return MHD_NO;
    }
    if (resp->raw) {
        log_once(st); /* status 0: no HTTP answer of MHD's */
        send_raw(c, resp->raw, resp->raw_len);
        return MHD_NO; /* closes the connection */
    }
    int status = resp->status;
    const char *type = resp->content_type;
    int is_text = 0;
    demo_stream_config stream = {.pattern = resp->pattern,
                                 .pattern_len = resp->pattern_len,
                                 .gzip = resp->gzip,
                                 .trickle_bytes = resp->trickle_bytes,
                                 .trickle_interval_ms = resp->trickle_interval_ms};
    unsigned char *bytes = NULL;
    size_t len = 0;
    int have_bytes = 0;
    if (resp->has_body) {
        const char *by_ext = demo_content_type(resp->body_file ? resp->body_file : path, &is_text);
        if (type == NULL) type = by_ext ? by_ext : "text/html; charset=utf-8";
        /* "body" strings are always templated; files only when of a text type. */
        int expand = resp->template_on && (resp->body_file == NULL || is_text);
        bytes = prepare_bytes(server, l, resp->body, resp->body_len, expand, &len);
        if (bytes == NULL) return send_response(c, st, 0, NULL);
        have_bytes = 1;
    } else if (resp->has_generate || resp->endless) {
        if (type == NULL) type = "application/octet-stream";
        stream.pattern_total = resp->generate;
        stream.endless = resp->endless;
    } else if (resp->redirect || status) {
        have_bytes = 1; /* an empty body */
        bytes = malloc(1);
        if (bytes == NULL) return send_response(c, st, 0, NULL);
    } else {
        /* No body source and no status: the static file, with this route's headers. */
        char decoded[DEMO_PATH_MAX], file[DEMO_PATH_MAX];
        if (decode_path(st->record.target, decoded, sizeof decoded) ||
            find_static_file(server, l, decoded, file, sizeof file)) {
            status = 404;
            bytes = (unsigned char *)strdup("not found\n");
            len = bytes ? strlen((char *)bytes) : 0;
            if (type == NULL) type = "text/plain; charset=utf-8";
            st->record.source = "none";
        } else {
            unsigned char *raw;
            size_t raw_len;
            if (cs_read_file(file, DEMO_STATIC_FILE_MAX_BYTES, &raw, &raw_len, NULL))
                return answer_plain(c, st, 500, "cannot read file\n");
            const char *by_ext = demo_content_type(file, &is_text);
            if (type == NULL) type = by_ext ? by_ext : "application/octet-stream";
            bytes = prepare_bytes(server, l, raw, raw_len, resp->template_on && is_text, &len);
            free(raw);
            st->record.source = "file";
        }
        if (bytes == NULL) return send_response(c, st, 0, NULL);
        have_bytes = 1;
    }
    if (status == 0) status = resp->redirect ? 302 : 200;

    struct MHD_Response *response;
    if (have_bytes && !resp->gzip && resp->trickle_bytes == 0) {
        response = bytes_response(bytes, len);
    } else {
        if (have_bytes) {
            stream.owned_data = bytes;
            stream.data_len = len;
        }
        response = demo_stream_response(server, &stream);
    }
    if (response == NULL) return send_response(c, st, 0, NULL);
    if (type) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (resp->gzip) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (resp->redirect) {
        size_t loc_len;
        unsigned char *location = demo_template_expand(
            server, l, (const unsigned char *)resp->redirect, strlen(resp->redirect), &loc_len);
        if (location) MHD_add_response_header(response, MHD_HTTP_HEADER_LOCATION, (char *)location);
        free(location);
    }
    for (size_t i = 0; i < resp->headers.count; i++)
        MHD_add_response_header(response, resp->headers.names[i], resp->headers.values[i]);
    return send_response(c, st, status, response);
}

/* The response with no route: static file or 404. */
static const demo_response no_route_response = {.template_on = 1};

static enum MHD_Result answer(struct MHD_Connection *c, request_state *st)
{
    demo_listener *l = st->listener;
    demo_server *server = l->server;
    const demo_scenario *scenario = server->scenario;
    const char *target = st->record.target ? st->record.target : "";
    if (target[0] != '/' && strcmp(st->record.method, "OPTIONS") != 0)
        return answer_plain(c, st, 400, "bad request target\n");
    char host_name[256];
    host_header_name(c, host_name, sizeof host_name);
    for (size_t i = 0; i < scenario->route_count; i++) {
        const demo_route *route = &scenario->routes[i];
        if (!route_matches(route, l, host_name, st->record.method, target)) continue;
        pthread_mutex_lock(&server->lock);
        uint64_t hit = server->route_hits[i]++;
        pthread_mutex_unlock(&server->lock);
        size_t which = (size_t)CS_MIN(hit, (uint64_t)route->response_count - 1);
        st->record.route = (int)i;
        st->record.source = "route";
        return answer_route(c, st, &route->responses[which], target);
    }
    char decoded[DEMO_PATH_MAX];
    if (path_length(target) > 0 && decode_path(target, decoded, sizeof decoded))
        return answer_plain(c, st, 400, "bad path\n");
    return answer_route(c, st, &no_route_response, target);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    demo_listener *l = cls;
    request_state *st = *req_cls;
    if (st == NULL) { /* the URI callback ran out of memory */
        st = on_uri(l, url, c);
        if (st == NULL) return MHD_NO;
        *req_cls = st;
    }
    if (!st->headers_seen) {
        st->headers_seen = 1;
        cs_strlcpy(st->record.method, method ? method : "", sizeof st->record.method);
        cs_strlcpy(st->record.version, version ? version : "", sizeof st->record.version);
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &st->record);
        const char *ua = demo_request_header(&st->record, "user-agent");
        if (ua) st->record.user_agent = strdup(ua);
        return MHD_YES;
    }
    if (*upload_data_size > 0) { /* bodies are counted and dropped */
        st->uploaded += *upload_data_size;
        *upload_data_size = 0;
        return st->uploaded > DEMO_MAX_UPLOAD_BYTES ? MHD_NO : MHD_YES;
    }
    return answer(c, st);
}

/* ---- start and stop ---------------------------------------------------------- */

/* Parses "a.b.c.d[:port]" into sin; only 127.0.0.0/8 is accepted. */
static int parse_address(const char *text, struct sockaddr_in *sin, cs_error *err)
{
    char ip[INET_ADDRSTRLEN];
    const char *colon = strrchr(text, ':');
    size_t ip_len = colon ? (size_t)(colon - text) : strlen(text);
    if (ip_len == 0 || ip_len >= sizeof ip)
        return cs_error_set(err, CS_EINVAL, "listen address '%s': expected 127.x.y.z[:port]", text);
    memcpy(ip, text, ip_len);
    ip[ip_len] = '\0';
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
        return cs_error_set(err, CS_EINVAL, "listen address '%s': expected 127.x.y.z[:port]", text);
    if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
        return cs_error_set(err, CS_EDENIED,
                            "listen address '%s': the sample-web server binds only to loopback "
                            "addresses 127.0.0.0/8",
                            text);
    long port = 0;
    if (colon) {
        char *end;
        errno = 0;
        port = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || errno || port < 0 || port > 65535)
            return cs_error_set(err, CS_EINVAL, "listen address '%s': bad port", text);
    }
    sin->sin_port = htons((uint16_t)port);
    return CS_OK;
}

static int open_listener(demo_listener *l, const char *text, cs_error *err, int *fd_out)
{
    struct sockaddr_in sin;
    int rc = parse_address(text, &sin, err);
    if (rc) return rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return cs_error_set(err, CS_EIO, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, DEMO_LISTEN_BACKLOG)) {
        rc = cs_error_set(err, CS_EIO, "listen on %s: %s", text, strerror(errno));
        close(fd);
        return rc;
    }
    socklen_t sl = sizeof sin;
    getsockname(fd, (struct sockaddr *)&sin, &sl);
    inet_ntop(AF_INET, &sin.sin_addr, l->ip, sizeof l->ip);
    l->port = ntohs(sin.sin_port);
    snprintf(l->address, sizeof l->address, "%s:%d", l->ip, l->port);
    *fd_out = fd;
    return CS_OK;
}

int demo_server_start(const demo_scenario *scenario, const char *const *addresses, size_t n,
                      const char *log_path, demo_server **out, cs_error *err)
{
    *out = NULL;
    if (scenario == NULL || n == 0 || n > DEMO_MAX_LISTENERS)
        return cs_error_set(err, CS_EINVAL, "sample-web server: give 1 to %d listen addresses",
                            DEMO_MAX_LISTENERS);
    demo_server *server = calloc(1, sizeof *server);
    if (server == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    server->scenario = scenario;
    server->log_fd = -1;
    pthread_mutex_init(&server->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&server->changed, &attr);
    pthread_condattr_destroy(&attr);
    server->route_hits =
        calloc(scenario->route_count ? scenario->route_count : 1, sizeof *server->route_hits);
    int fds[DEMO_MAX_LISTENERS];
    size_t opened = 0;
    int rc = CS_OK;
    if (server->route_hits == NULL) {
        rc = cs_error_set(err, CS_ENOMEM, "out of memory");
        goto fail;
    }
    for (; opened < n; opened++) {
        demo_listener *l = &server->listeners[opened];
        l->server = server;
        l->index = opened;
        if ((rc = open_listener(l, addresses[opened], err, &fds[opened]))) goto fail;
        l->name = demo_scenario_host_name(scenario, l->ip);
    }
    server->listener_count = n;
    if (log_path) {
        server->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (server->log_fd < 0) {
            rc = cs_error_set(err, CS_EIO, "request log %s: %s", log_path, strerror(errno));
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        demo_listener *l = &server->listeners[i];
        l->daemon = MHD_start_daemon(
            MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL,
            NULL, on_request, l, MHD_OPTION_LISTEN_SOCKET, fds[i], MHD_OPTION_URI_LOG_CALLBACK,
            on_uri, l, MHD_OPTION_NOTIFY_COMPLETED, on_completed, l, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)DEMO_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)DEMO_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)DEMO_CONNECTION_MEMORY, MHD_OPTION_END);
        if (l->daemon == NULL) {
            rc =
                cs_error_set(err, CS_EIO, "sample-web server: cannot start serving %s", l->address);
            /* sockets not yet handed to a daemon are still ours */
            for (size_t j = i; j < n; j++)
                close(fds[j]);
            opened = 0;
            goto fail;
        }
    }
    *out = server;
    return CS_OK;
fail:
    for (size_t j = 0; j < opened; j++)
        close(fds[j]);
    demo_server_stop(server);
    return rc;
}

void demo_server_stop(demo_server *server)
{
    if (server == NULL) return;
    pthread_mutex_lock(&server->lock);
    server->stopping = 1;
    pthread_cond_broadcast(&server->changed);
    pthread_mutex_unlock(&server->lock);
    for (size_t i = 0; i < server->listener_count; i++)
        if (server->listeners[i].daemon) MHD_stop_daemon(server->listeners[i].daemon);
    demo_requests_free(server->log, server->log_len);
    if (server->log_fd >= 0) close(server->log_fd);
    free(server->route_hits);
    pthread_cond_destroy(&server->changed);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

size_t demo_server_listener_count(const demo_server *server)
{
    return server->listener_count;
}

int demo_server_port(const demo_server *server, size_t i)
{
    return i < server->listener_count ? server->listeners[i].port : -1;
}

const char *demo_server_address(const demo_server *server, size_t i)
{
    return i < server->listener_count ? server->listeners[i].address : NULL;
}
