/*
 * fetch.c - HTTP requests on a libcurl multi handle, each with hard limits.
 *
 * The fetcher only runs transfers; which URL goes when is the scheduler's
 * decision (crawl.c), so curl never queues, retries or follows anything:
 *   - CURLOPT_FOLLOWLOCATION stays off; a 3xx comes back with its Location
 *     and the scheduler counts hops and checks the target like any URL;
 *   - protocols are http and https only (redirect protocols too, for safety);
 *   - CURLOPT_OPENSOCKETFUNCTION sees the resolved address of every
 *     connection and refuses private, link-local, CGNAT, multicast, reserved
 *     and cloud-metadata ranges, and loopback unless allow_loopback;
 *   - the write callback counts decoded bytes (curl decompresses gzip,
 *     deflate and brotli before it), so a gzip bomb stops at the limit; the
 *     limit is chosen from the Content-Type once headers are in (HTML, images,
 *     policy files; anything else is not wanted and stops at once). curl
 *     7.88's MAXFILESIZE only checks Content-Length, so it is a hint here;
 *   - for images, the header is read as soon as enough bytes are in and a
 *     pixel count over the limit aborts the transfer;
 *   - connect and total timeouts and a low-speed limit end trickling servers;
 *   - a response is complete only when its header block ended (the blank
 *     line): curl 7.88 reports success for a connection closed after the
 *     status line or inside the headers, which would make a cut-off
 *     robots.txt an empty 200 ("allow all"). That is a network error here,
 *     with status 0, for every kind of request (RFC 9309 2.3.1.4: a failed
 *     robots.txt fetch means unreachable);
 *   - header bytes are limited (FETCH_MAX_HEADER_BYTES); a single line over
 *     curl's own CURL_MAX_HTTP_HEADER (100 KiB) is refused by curl as "out of
 *     memory", which is reported as the header limit it is (not retried).
 * Policy files (robots.txt, tdmrep.json, ai.txt) are cut at their limit and
 * count as complete: RFC 9309 2.5 says to parse the first 500 KiB.
 *
 * The transfers run on a network thread of the fetcher's own, so that curl's
 * work (and the kernel's, sending and receiving) overlaps the caller's on the
 * answers already in: on a fast network the crawl's CPU is the limit, and one
 * thread did both in turn. A request added is staged on the caller's side and
 * handed over at the next crawler_fetcher_send or _run, never before: the
 * crawl commits its in_flight marks and spacing in between. The network
 * thread adds what it is handed to the multi handle, runs curl_multi_perform
 * and curl_multi_poll (cut short by curl_multi_wakeup), and hands each
 * finished transfer back, finish()ed, under the lock; the caller reports and
 * frees it on its own thread. A transfer is only ever touched by the thread
 * whose list holds it.
 */
#include "crawler/crawler.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FETCH_DEFAULT_CONNECT_MS   10000 /* a live server accepts within seconds */
#define FETCH_DEFAULT_TOTAL_MS     60000 /* one page or image; more is a tar pit */
#define FETCH_DEFAULT_LOW_SPEED    512   /* bytes/s below which a transfer is trickling ... */
#define FETCH_DEFAULT_LOW_SPEED_S  10    /* ... for this many seconds */
#define FETCH_DEFAULT_PAGE_BYTES   (5u * 1024 * 1024)  /* larger HTML is not a page we want */
#define FETCH_DEFAULT_IMAGE_BYTES  (32u * 1024 * 1024) /* bigger than any sane photo */
#define FETCH_DEFAULT_POLICY_BYTES (500u * 1024)       /* RFC 9309 2.5 */
#define FETCH_MAX_HEADERS          128                 /* header lines kept per response */
#define FETCH_MAX_HEADER_BYTES     (64 * 1024)         /* all header bytes per response */
#define FETCH_CONNECTION_CACHE     1024        /* idle keep-alive connections kept (one per host) */
#define FETCH_SNIFF_BYTES          (64 * 1024) /* image header read this far for the pixel check */
#define FETCH_IDLE_HANDLES         256         /* easy handles kept for reuse */

#if !defined(CLEARSET_VERSION) || !defined(CLEARSET_HOME_URL)
#error "the build defines CLEARSET_VERSION and CLEARSET_HOME_URL (top-level CMakeLists.txt)"
#endif

/*
 * A transfer belongs to one thread at a time, and moves between them only
 * under the lock: the caller's thread builds it (staged), hands it over at
 * the next send or run (incoming), the network thread runs it (running) and
 * hands it back (finished), and the caller's thread reports and frees it.
 */
struct crawler_fetcher {
    CURLM *multi; /* the network thread's, but for curl_multi_wakeup */
    crawler_fetch_options opts;
    /* the caller's thread */
    size_t active; /* added and not yet reported */
    struct transfer *staged, *staged_tail;
    int thread_started;
    pthread_t thread;
    /* under lock */
    pthread_mutex_t lock;
    pthread_cond_t finished_cond;
    struct transfer *incoming, *incoming_tail;
    struct transfer *finished, *finished_tail;
    int stop;
    int polling;       /* the network thread sleeps, or is about to, in curl_multi_poll */
    CURLMcode failure; /* the network thread stopped on this */
    /* the network thread */
    struct transfer *running; /* doubly linked */
    /* the caller's thread: easy handles of finished transfers, kept for the next ones
       (curl_easy_init and _cleanup were a tenth of the fetching thread's work) */
    CURL *idle[FETCH_IDLE_HANDLES];
    size_t idle_count;
};

typedef struct transfer {
    crawler_fetcher *fetcher;
    struct transfer *prev, *next;
    CURL *easy;
    crawler_response resp;
    cs_buf body;
    size_t limit; /* body limit once the media type is known */
    int limit_known;
    int denied_address; /* the socket callback refused the address */
    int too_large;
    int unwanted_type;
    int too_many_pixels;
    int sniffed;
    int out_of_memory;    /* a callback could not keep what arrived */
    int status_line_seen; /* a status line arrived (curl passes it to on_header) */
    int header_ended;     /* the blank line closing the latest header block arrived */
    size_t header_bytes;
    size_t header_cap;
    char error_buffer[CURL_ERROR_SIZE];
} transfer;

static const char *const kind_names[] = {"page", "image", "robots", "tdmrep", "ai_txt", "rsl"};

const char *crawler_kind_name(crawler_kind kind)
{
    return (unsigned)kind < CS_ARRAY_LEN(kind_names) ? kind_names[kind] : "page";
}

const char *crawler_user_agent(void)
{
    return "clearsetbot/" CLEARSET_VERSION " (+" CLEARSET_HOME_URL ")";
}

static int is_policy_kind(crawler_kind kind)
{
    return kind == CRAWLER_KIND_ROBOTS || kind == CRAWLER_KIND_TDMREP ||
           kind == CRAWLER_KIND_AI_TXT || kind == CRAWLER_KIND_RSL;
}

/* ---- address check -------------------------------------------------------- */

static int ipv4_allowed(uint32_t a, int allow_loopback)
{
    unsigned o1 = a >> 24, o2 = (a >> 16) & 255, o3 = (a >> 8) & 255;
    if (o1 == 127) return allow_loopback;
    if (o1 == 0 || o1 == 10) return 0;             /* "this network", private */
    if (o1 == 100 && (o2 & 0xC0) == 64) return 0;  /* 100.64/10 CGNAT (Alibaba metadata) */
    if (o1 == 169 && o2 == 254) return 0;          /* link-local, 169.254.169.254 */
    if (o1 == 172 && (o2 & 0xF0) == 16) return 0;  /* 172.16/12 private */
    if (o1 == 192 && o2 == 168) return 0;          /* 192.168/16 private */
    if (o1 == 192 && o2 == 0 && o3 == 0) return 0; /* 192.0.0/24 IETF protocol */
    if (o1 == 198 && (o2 & 0xFE) == 18) return 0;  /* 198.18/15 benchmarking */
    if (o1 >= 224) return 0;                       /* multicast, reserved, broadcast */
    return 1;
}

static int ipv6_allowed(const unsigned char *b, int allow_loopback)
{
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
    int zero12 = 1;
    for (int i = 0; i < 12; i++)
        if (b[i]) zero12 = 0;
    if (memcmp(b, v4mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 || zero12) {
        uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        if (zero12 && v4 == 1) return allow_loopback; /* ::1 */
        if (zero12) return 0;                         /* ::, deprecated v4-compatible */
        return ipv4_allowed(v4, allow_loopback);
    }
    if ((b[0] & 0xFE) == 0xFC) return 0;                 /* fc00::/7 unique local (fd00:ec2::254) */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return 0; /* fe80::/10 link-local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return 0; /* fec0::/10 site-local */
    if (b[0] == 0xFF) return 0;                          /* multicast */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return 0; /* documentation */
    return 1;
}

int crawler_address_allowed(const char *addr, int allow_loopback)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, addr, &v4) == 1) return ipv4_allowed(ntohl(v4.s_addr), allow_loopback);
    if (inet_pton(AF_INET6, addr, &v6) == 1) return ipv6_allowed(v6.s6_addr, allow_loopback);
    return 0;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    transfer *t = clientp;
    int allowed = 0;
    if (address->family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&address->addr;
        allowed = ipv4_allowed(ntohl(sin->sin_addr.s_addr), t->fetcher->opts.allow_loopback);
    } else if (address->family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&address->addr;
        allowed = ipv6_allowed(sin6->sin6_addr.s6_addr, t->fetcher->opts.allow_loopback);
    }
    if (!allowed) {
        t->denied_address = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

/* ---- callbacks ------------------------------------------------------------- */

static size_t limit_for_type(transfer *t, const char *content_type)
{
    const crawler_fetch_options *o = &t->fetcher->opts;
    if (is_policy_kind(t->resp.kind)) return o->max_policy_bytes;
    if (content_type == NULL) /* undeclared: allow what the request is for */
        return t->resp.kind == CRAWLER_KIND_IMAGE ? o->max_image_bytes : o->max_page_bytes;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && content_type[n - 1] == ' ')
        n--;
    if (n >= 6 && strncasecmp(content_type, "image/", 6) == 0) return o->max_image_bytes;
    if (cs_ascii_ieq(content_type, n, "text/html") ||
        cs_ascii_ieq(content_type, n, "application/xhtml+xml"))
        return t->resp.kind == CRAWLER_KIND_IMAGE ? 0 : o->max_page_bytes;
    /* Servers mislabel images as octet-stream; bytes are sniffed anyway. */
    if (cs_ascii_ieq(content_type, n, "application/octet-stream") ||
        cs_ascii_ieq(content_type, n, "binary/octet-stream"))
        return t->resp.kind == CRAWLER_KIND_IMAGE ? o->max_image_bytes : 0;
    return 0; /* a media type the crawler does not keep */
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    transfer *t = userp;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new response (after 100 Continue) */
        t->status_line_seen = 1;
        t->header_ended = 0;
        for (size_t i = 0; i < t->resp.header_count; i++) {
            free(t->resp.headers[i].name);
            free(t->resp.headers[i].value);
        }
        t->resp.header_count = 0;
        return n;
    }
    if ((n == 2 && memcmp(data, "\r\n", 2) == 0) || (n == 1 && data[0] == '\n')) {
        t->header_ended = 1; /* the blank line (later lines are chunked trailers) */
        return n;
    }
    t->header_bytes += n;
    if (t->header_bytes > FETCH_MAX_HEADER_BYTES) return 0; /* aborts: CURLE_WRITE_ERROR */
    const char *colon = memchr(data, ':', n);
    if (colon == NULL || t->resp.header_count >= FETCH_MAX_HEADERS) return n;
    size_t name_len = (size_t)(colon - data);
    const char *value = colon + 1;
    size_t value_len = n - name_len - 1;
    while (value_len > 0 && (*value == ' ' || *value == '\t'))
        value++, value_len--;
    while (value_len > 0 && (unsigned char)value[value_len - 1] <= ' ')
        value_len--;
    if (cs_array_reserve((void **)&t->resp.headers, &t->header_cap, t->resp.header_count,
                         sizeof *t->resp.headers, 0) != CS_OK) {
        t->out_of_memory = 1;
        return 0;
    }
    crawler_header *h = &t->resp.headers[t->resp.header_count];
    h->name = cs_strndup(data, name_len);
    h->value = cs_strndup(value, value_len);
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        t->out_of_memory = 1;
        return 0;
    }
    t->resp.header_count++;
    return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    transfer *t = userp;
    size_t n = size * nmemb;
    if (!t->limit_known) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        /* Bodies of errors and redirects are not kept beyond a small amount. */
        t->limit = (status >= 200 && status < 300)
                       ? limit_for_type(t, crawler_response_header(&t->resp, "Content-Type"))
                       : 16 * 1024;
        if (status >= 200 && status < 300 && t->limit == 0) {
            t->unwanted_type = 1;
            return 0;
        }
        t->limit_known = 1;
    }
    if (t->body.len + n > t->limit) {
        if (is_policy_kind(t->resp.kind) || t->limit == 16 * 1024) {
            if (cs_buf_append(&t->body, data, t->limit - t->body.len) != CS_OK)
                t->out_of_memory = 1;
            else
                t->resp.truncated = 1;
        } else {
            t->too_large = 1;
        }
        return 0; /* stops the transfer */
    }
    if (cs_buf_append(&t->body, data, n)) {
        t->out_of_memory = 1;
        return 0;
    }
    if (t->resp.kind == CRAWLER_KIND_IMAGE && !t->sniffed) {
        crawler_image_probe probe;
        int rc = crawler_sniff_image(t->body.data, t->body.len, &probe);
        if (rc == CS_OK) {
            t->sniffed = 1;
            if (probe.pixels > t->fetcher->opts.max_pixels) {
                t->too_many_pixels = 1;
                return 0;
            }
        } else if (rc != CS_ENOTFOUND || t->body.len > FETCH_SNIFF_BYTES) {
            t->sniffed = 1; /* not an image we can size early; the crawler decides later */
        }
    }
    return n;
}

/* ---- fetcher ------------------------------------------------------------------ */

static void *network_main(void *arg);

int crawler_fetcher_new(const crawler_fetch_options *opts, crawler_fetcher **out, cs_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return cs_error_set(err, CS_ENET, "libcurl failed to initialise");
    crawler_fetcher *f = calloc(1, sizeof *f);
    if (f == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    if (opts) f->opts = *opts;
    crawler_fetch_options *o = &f->opts;
    if (o->connect_timeout_ms <= 0) o->connect_timeout_ms = FETCH_DEFAULT_CONNECT_MS;
    if (o->total_timeout_ms <= 0) o->total_timeout_ms = FETCH_DEFAULT_TOTAL_MS;
    if (o->low_speed_bytes <= 0) o->low_speed_bytes = FETCH_DEFAULT_LOW_SPEED;
    if (o->low_speed_seconds <= 0) o->low_speed_seconds = FETCH_DEFAULT_LOW_SPEED_S;
    if (o->max_page_bytes == 0) o->max_page_bytes = FETCH_DEFAULT_PAGE_BYTES;
    if (o->max_image_bytes == 0) o->max_image_bytes = FETCH_DEFAULT_IMAGE_BYTES;
    if (o->max_policy_bytes == 0) o->max_policy_bytes = FETCH_DEFAULT_POLICY_BYTES;
    if (o->max_pixels == 0) o->max_pixels = CRAWLER_MAX_PIXELS;
    if (o->user_agent == NULL) o->user_agent = crawler_user_agent();
    f->multi = curl_multi_init();
    if (f->multi == NULL) {
        free(f);
        return cs_error_set(err, CS_ENOMEM, "curl_multi_init failed");
    }
    /*
     * Keep idle connections to many hosts: curl's default cache is sized by the
     * handles currently added, and ours come and go one request at a time, so it
     * would close each host's connection between two polite requests.
     */
    curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)FETCH_CONNECTION_CACHE);
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc == 0) rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0) rc = pthread_cond_init(&f->finished_cond, &attr);
    pthread_condattr_destroy(&attr);
    if (rc == 0 && pthread_mutex_init(&f->lock, NULL) != 0) {
        pthread_cond_destroy(&f->finished_cond);
        rc = -1;
    }
    if (rc != 0) {
        curl_multi_cleanup(f->multi);
        free(f);
        return cs_error_set(err, CS_ENOMEM, "cannot set up the fetcher's lock");
    }
    /* Signals stay with the caller's thread: its stop flags are set there. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&f->thread, NULL, network_main, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        crawler_fetcher_free(f);
        return cs_error_set(err, CS_ENOMEM, "cannot start the network thread: %s", strerror(rc));
    }
    f->thread_started = 1;
    *out = f;
    return CS_OK;
}

/* Appends t to the list head..tail (linked through next). */
static void list_append(transfer **head, transfer **tail, transfer *t)
{
    t->next = NULL;
    if (*tail)
        (*tail)->next = t;
    else
        *head = t;
    *tail = t;
}

/* Moves every transfer of from (head..tail) to the end of to. */
static void list_move(transfer **to, transfer **to_tail, transfer **from, transfer **from_tail)
{
    if (*from == NULL) return;
    if (*to_tail)
        (*to_tail)->next = *from;
    else
        *to = *from;
    *to_tail = *from_tail;
    *from = *from_tail = NULL;
}

static void unlink_transfer(crawler_fetcher *f, transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        f->running = t->next;
    if (t->next) t->next->prev = t->prev;
    t->prev = t->next = NULL;
}

static void transfer_free(transfer *t)
{
    curl_easy_cleanup(t->easy);
    cs_buf_free(&t->body);
    crawler_response_free(&t->resp);
    free(t);
}

/*
 * Frees t, keeping its easy handle for the next request while there is room.
 * Not reset: a handle keeps the options every request of the fetcher has
 * (set_fetcher_options), and crawler_fetcher_add sets each request's own
 * every time, none only sometimes, so nothing of the last request stays.
 * (curl_easy_reset and setting every option again were 4% of the crawl's
 * recording thread.)
 */
static void transfer_recycle(crawler_fetcher *f, transfer *t)
{
    if (f->idle_count < FETCH_IDLE_HANDLES) {
        f->idle[f->idle_count++] = t->easy;
        t->easy = NULL;
    }
    transfer_free(t);
}

static void list_free(transfer *t)
{
    while (t) {
        transfer *next = t->next;
        transfer_free(t);
        t = next;
    }
}

void crawler_fetcher_free(crawler_fetcher *f)
{
    if (f == NULL) return;
    if (f->thread_started) {
        pthread_mutex_lock(&f->lock);
        f->stop = 1;
        pthread_mutex_unlock(&f->lock);
        curl_multi_wakeup(f->multi);
        pthread_join(f->thread, NULL);
    }
    while (f->running) { /* abandon what is still running */
        transfer *t = f->running;
        unlink_transfer(f, t);
        curl_multi_remove_handle(f->multi, t->easy);
        transfer_free(t);
    }
    list_free(f->staged);
    list_free(f->incoming);
    list_free(f->finished);
    while (f->idle_count > 0)
        curl_easy_cleanup(f->idle[--f->idle_count]);
    curl_multi_cleanup(f->multi);
    pthread_cond_destroy(&f->finished_cond);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* The options every request of the fetcher has: set once, when an easy handle is made. */
static void set_fetcher_options(CURL *e, const crawler_fetch_options *o)
{
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY,
                     ""); /* never an environment proxy: addresses are ours to check */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl decodes */
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->total_timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, o->low_speed_seconds);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
}

int crawler_fetcher_add(crawler_fetcher *f, const char *url, crawler_kind kind, void *user,
                        cs_error *err)
{
    if (strlen(url) > CS_URL_MAX) return cs_error_set(err, CS_ELIMIT, "URL too long");
    transfer *t = calloc(1, sizeof *t);
    if (t == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    t->fetcher = f;
    t->resp.user = user;
    t->resp.kind = kind;
    cs_strlcpy(t->resp.url, url, sizeof t->resp.url);
    size_t hard = f->opts.max_image_bytes;
    if (f->opts.max_page_bytes > hard) hard = f->opts.max_page_bytes;
    cs_buf_init(&t->body, hard + 1);
    int fresh = f->idle_count == 0;
    t->easy = fresh ? curl_easy_init() : f->idle[--f->idle_count];
    if (t->easy == NULL) {
        free(t);
        return cs_error_set(err, CS_ENOMEM, "curl_easy_init failed");
    }
    CURL *e = t->easy;
    if (fresh) set_fetcher_options(e, &f->opts);
    /* This request's own options, every time: a kept handle is not reset
       (transfer_recycle), and holds the fetcher's from when it was made. */
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    /* a Content-Length hint; policy files are cut, not refused (0: no limit) */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, is_policy_kind(kind) ? 0 : (curl_off_t)hard);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
    list_append(&f->staged, &f->staged_tail, t); /* leaves at the next send or run */
    f->active++;
    return CS_OK;
}

size_t crawler_fetcher_active(const crawler_fetcher *f)
{
    return f->active;
}

static void set_error(crawler_response *r, int code, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_error(crawler_response *r, int code, const char *word, const char *fmt, ...)
{
    r->error = code;
    r->error_code = word;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error_message, sizeof r->error_message, fmt, ap);
    va_end(ap);
}

static void finish(transfer *t, CURLcode result)
{
    crawler_response *r = &t->resp;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
    char *ip = NULL;
    if (curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
        cs_strlcpy(r->remote_ip, ip, sizeof r->remote_ip);
    r->elapsed_ms = cs_now_ms() - r->started_at_ms;
    if (t->denied_address) {
        r->status = 0;
        set_error(r, CS_EDENIED, "denied_address", "address refused (private, reserved or %s)",
                  t->fetcher->opts.allow_loopback ? "metadata" : "loopback");
    } else if (t->out_of_memory) {
        set_error(r, CS_ENOMEM, "out_of_memory", "out of memory receiving the response");
    } else if (t->too_many_pixels) {
        set_error(r, CS_ELIMIT, "too_many_pixels", "image header exceeds %llu pixels",
                  (unsigned long long)t->fetcher->opts.max_pixels);
    } else if (t->too_large || result == CURLE_FILESIZE_EXCEEDED) {
        set_error(r, CS_ELIMIT, "too_large", "body exceeds %zu bytes (decoded)",
                  t->limit ? t->limit : t->body.limit - 1); /* 0: refused by Content-Length */
    } else if (t->unwanted_type) {
        const char *type = crawler_response_header(r, "Content-Type");
        set_error(r, CS_EFORMAT, "unwanted_type", "media type '%.100s' not kept for a %s",
                  type ? type : "", crawler_kind_name(r->kind));
    } else if (result == CURLE_WRITE_ERROR && r->truncated) {
        /* a policy file or error body cut at its limit: complete as far as we care */
    } else if (result == CURLE_OPERATION_TIMEDOUT) {
        set_error(r, CS_ENET, "timeout", "%s", t->error_buffer[0] ? t->error_buffer : "timed out");
    } else if (result == CURLE_BAD_CONTENT_ENCODING) {
        set_error(r, CS_EFORMAT, "bad_encoding", "%s", t->error_buffer);
    } else if (result == CURLE_COULDNT_RESOLVE_HOST) {
        set_error(r, CS_ENET, "dns", "%s", t->error_buffer);
    } else if (result == CURLE_COULDNT_CONNECT) {
        set_error(r, CS_ENET, "connect", "%s", t->error_buffer);
    } else if ((result == CURLE_WRITE_ERROR && t->header_bytes > FETCH_MAX_HEADER_BYTES) ||
               (result == CURLE_OUT_OF_MEMORY && t->status_line_seen && !t->header_ended)) {
        set_error(r, CS_ELIMIT, "headers_too_large", "response headers exceed %d bytes",
                  FETCH_MAX_HEADER_BYTES);
    } else if (result == CURLE_OK && !t->header_ended) {
        r->status = 0; /* no complete response arrived */
        set_error(r, CS_ENET, "incomplete_headers",
                  "connection closed inside the response headers (no blank line after them)");
    } else if (result != CURLE_OK) {
        set_error(r, CS_ENET, "network", "%s",
                  t->error_buffer[0] ? t->error_buffer : curl_easy_strerror(result));
    }
    if (r->error != CS_OK) r->truncated = 0;
    r->body = cs_buf_take(&t->body, &r->body_len);
    if (r->body == NULL) {
        r->body_len = 0;
        set_error(r, CS_ENOMEM, "out_of_memory", "out of memory keeping the body");
    }
}

/* ---- the network thread -------------------------------------------------------- */

/* A transfer curl would not take: finished at once with the reason. */
static void refuse(transfer *t, const char *why)
{
    finish(t, CURLE_OK);
    set_error(&t->resp, CS_ENET, "network", "%s", why);
    t->resp.status = 0;
}

/*
 * Runs every transfer handed over: adds the incoming ones to the multi handle,
 * advances them all, and hands each finished one back, finish()ed, waking the
 * caller. Sleeps in curl_multi_poll, which curl_multi_wakeup (a new request,
 * the stop) cuts short.
 */
static void *network_main(void *arg)
{
    crawler_fetcher *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->lock);
        transfer *in = f->incoming;
        f->incoming = f->incoming_tail = NULL;
        int stop = f->stop;
        f->polling = 0;
        pthread_mutex_unlock(&f->lock);
        transfer *done = NULL, *done_tail = NULL;
        while (in) {
            transfer *t = in;
            in = t->next;
            t->next = NULL;
            t->resp.started_at_ms = cs_now_ms();
            if (curl_multi_add_handle(f->multi, t->easy) != CURLM_OK) {
                refuse(t, "curl_multi_add_handle failed");
                list_append(&done, &done_tail, t);
                continue;
            }
            t->next = f->running;
            if (t->next) t->next->prev = t;
            f->running = t;
        }
        int running = 0;
        CURLMcode mc = stop ? CURLM_OK : curl_multi_perform(f->multi, &running);
        CURLMsg *msg;
        int left;
        while (mc == CURLM_OK && (msg = curl_multi_info_read(f->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            transfer *t = NULL;
            CURL *easy = msg->easy_handle;
            CURLcode result = msg->data.result;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
            curl_multi_remove_handle(f->multi, easy);
            unlink_transfer(f, t);
            finish(t, result);
            list_append(&done, &done_tail, t);
        }
        pthread_mutex_lock(&f->lock);
        if (done || mc != CURLM_OK) pthread_cond_signal(&f->finished_cond);
        list_move(&f->finished, &f->finished_tail, &done, &done_tail);
        if (mc != CURLM_OK) f->failure = mc;
        stop = f->stop || f->failure != CURLM_OK;
        int more = f->incoming != NULL; /* handed over meanwhile: round again, no sleep */
        f->polling = !stop && !more;    /* from here on, a hand-over must wake us */
        pthread_mutex_unlock(&f->lock);
        if (stop) break;
        if (more) continue;
        mc = curl_multi_poll(f->multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK) {
            pthread_mutex_lock(&f->lock);
            f->failure = mc;
            pthread_cond_signal(&f->finished_cond);
            pthread_mutex_unlock(&f->lock);
            break;
        }
    }
    return NULL;
}

/* ---- the caller's side ----------------------------------------------------------- */

/* Hands the staged requests to the network thread; 1 when it must be woken for them
   (it sleeps in curl_multi_poll; awake, it looks at incoming before sleeping again).
   The caller holds the lock. */
static int hand_over(crawler_fetcher *f)
{
    if (f->staged == NULL) return 0;
    list_move(&f->incoming, &f->incoming_tail, &f->staged, &f->staged_tail);
    return f->polling;
}

static int failed(crawler_fetcher *f, cs_error *err)
{
    return cs_error_set(err, CS_ENET, "libcurl: %s", curl_multi_strerror(f->failure));
}

int crawler_fetcher_run(crawler_fetcher *f, int timeout_ms, crawler_fetch_done_fn done, void *ctx,
                        cs_error *err)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = until.tv_nsec + (int64_t)CS_MAX(timeout_ms, 0) * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&f->lock);
    int handed = hand_over(f);
    if (handed) curl_multi_wakeup(f->multi);
    while (f->finished == NULL && f->failure == CURLM_OK && timeout_ms > 0 &&
           pthread_cond_timedwait(&f->finished_cond, &f->lock, &until) == 0) {
    }
    transfer *t = f->finished;
    f->finished = f->finished_tail = NULL;
    int rc = f->failure == CURLM_OK ? CS_OK : failed(f, err);
    pthread_mutex_unlock(&f->lock);
    while (t) {
        transfer *next = t->next;
        f->active--;
        done(ctx, &t->resp);
        transfer_recycle(f, t);
        t = next;
    }
    return rc;
}

int crawler_fetcher_send(crawler_fetcher *f, cs_error *err)
{
    pthread_mutex_lock(&f->lock);
    int handed = hand_over(f);
    int rc = f->failure == CURLM_OK ? CS_OK : failed(f, err);
    pthread_mutex_unlock(&f->lock);
    if (handed) curl_multi_wakeup(f->multi);
    return rc;
}

const char *crawler_response_header(const crawler_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
    return NULL;
}

void crawler_response_free(crawler_response *resp)
{
    if (resp == NULL) return;
    for (size_t i = 0; i < resp->header_count; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->body);
    resp->headers = NULL;
    resp->header_count = 0;
    resp->body = NULL;
    resp->body_len = 0;
}
