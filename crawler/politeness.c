/*
 * politeness.c - per-host state and the rules that space requests out.
 *
 * One request at a time per host (the scheduler checks in_flight); after each
 * response the host waits its delay: the larger of the minimum delay
 * (--delay, 1 s by default) and robots.txt's Crawl-delay for clearsetbot,
 * the latter capped (--max-crawl-delay) so a hostile Crawl-delay cannot stall
 * the crawl forever. The delay counts from the end of the previous response,
 * which is never sooner than counting from its start.
 * 429 and 503 with Retry-After pause the whole host until then; 5xx, 429 and
 * network failures back off exponentially (delay * 2^errors, capped) and,
 * after CRAWL_PARK_AFTER_ERRORS in a row, park the host for the rest of the
 * crawl. Bounds are kept on the wall clock, which other processes (workers,
 * a resumed crawl) share, and again on the monotonic clock for this process's
 * own requests, so a wall clock stepped or slewed mid-crawl (a VM catching up,
 * NTP) cannot shorten a delay (politeness_due). The host table is an array
 * plus an open-addressing index by origin.
 */
#include "crawler/crawler_internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

void crawl_host_clear(crawl_host *h)
{
    robots_free(h->rules);
    free(h->tdmrep_body);
    free(h->ai_txt_body);
    free(h->robots_url);
    policy_rsl_free(h);
    memset(h, 0, sizeof *h);
}

void crawl_hosts_free(crawl_hosts *hosts)
{
    for (size_t i = 0; i < hosts->count; i++) {
        crawl_host_clear(hosts->items[i]);
        free(hosts->items[i]);
    }
    free(hosts->items);
    free(hosts->index);
    memset(hosts, 0, sizeof *hosts);
}

crawl_host *crawl_hosts_find(crawl_hosts *hosts, const char *origin)
{
    if (hosts->index_cap == 0) return NULL;
    size_t mask = hosts->index_cap - 1;
    for (size_t i = cs_text_hash(origin) & mask;; i = (i + 1) & mask) {
        size_t slot = hosts->index[i];
        if (slot == 0) return NULL;
        if (strcmp(hosts->items[slot - 1]->origin, origin) == 0) return hosts->items[slot - 1];
    }
}

static int rebuild_index(crawl_hosts *hosts, size_t cap)
{
    size_t *index = calloc(cap, sizeof *index);
    if (index == NULL) return CS_ENOMEM;
    for (size_t n = 0; n < hosts->count; n++) {
        size_t i = cs_text_hash(hosts->items[n]->origin) & (cap - 1);
        while (index[i])
            i = (i + 1) & (cap - 1);
        index[i] = n + 1;
    }
    free(hosts->index);
    hosts->index = index;
    hosts->index_cap = cap;
    return CS_OK;
}

int crawl_hosts_add(crawl_hosts *hosts, crawl_host *host)
{
    int rc = cs_array_reserve((void **)&hosts->items, &hosts->cap, hosts->count,
                              sizeof *hosts->items, 0);
    if (rc != CS_OK) return rc;
    hosts->items[hosts->count++] = host;
    if (2 * hosts->count > hosts->index_cap) /* keep the index at most half full */
        return rebuild_index(hosts, hosts->index_cap ? 2 * hosts->index_cap : 64);
    size_t mask = hosts->index_cap - 1;
    size_t i = cs_text_hash(host->origin) & mask;
    while (hosts->index[i])
        i = (i + 1) & mask;
    hosts->index[i] = hosts->count;
    return CS_OK;
}

int64_t politeness_delay_ms(int64_t min_delay_ms, double crawl_delay_s, int64_t cap_ms)
{
    int64_t delay = min_delay_ms;
    if (crawl_delay_s > 0) {
        double ms = crawl_delay_s * 1000.0;
        int64_t crawl_delay = ms > (double)cap_ms ? cap_ms : (int64_t)ms;
        if (crawl_delay > delay) delay = crawl_delay;
    }
    return delay;
}

int64_t politeness_retry_after_ms(const char *value, int64_t now_ms)
{
    if (value == NULL) return -1;
    while (*value == ' ')
        value++;
    if (*value >= '0' && *value <= '9') {
        int64_t seconds = 0;
        for (const char *p = value; *p >= '0' && *p <= '9'; p++) {
            seconds = seconds * 10 + (*p - '0');
            if (seconds > 365LL * 24 * 3600) return CRAWL_MAX_RETRY_AFTER_MS + 1;
        }
        return seconds * 1000;
    }
    time_t when = curl_getdate(value, NULL); /* an HTTP-date (RFC 9110 10.2.3) */
    if (when < 0) return -1;
    int64_t ms = (int64_t)when * 1000 - now_ms;
    return ms < 0 ? 0 : ms;
}

int politeness_is_transient(long status, int error)
{
    if (error == CS_ENET) return 1;
    return status == 429 || (status >= 500 && status < 600);
}

void politeness_after_response(crawl_host *host, int64_t now, long status, int error,
                               const char *retry_after, int attempts, int max_attempts,
                               politeness_outcome *out)
{
    out->retry = 0;
    out->retry_at = 0;
    host->next_fetch_at = now + host->delay_ms;
    if (!politeness_is_transient(status, error)) {
        host->consecutive_errors = 0;
        return;
    }
    host->consecutive_errors++;
    int64_t pause = -1;
    if (status == 429 || status == 503) pause = politeness_retry_after_ms(retry_after, now);
    if (pause > CRAWL_MAX_RETRY_AFTER_MS) {
        host->parked = 1; /* asked to stay away longer than a crawl lasts */
    } else if (pause < 0) {
        int shift = CS_MIN(host->consecutive_errors, 20);
        int64_t base = host->delay_ms > 0 ? host->delay_ms : 100;
        pause = CS_MIN(base << shift, CRAWL_MAX_BACKOFF_MS);
    }
    if (pause >= 0) host->paused_until = now + pause;
    if (host->consecutive_errors >= CRAWL_PARK_AFTER_ERRORS) host->parked = 1;
    if (attempts < max_attempts && !host->parked) {
        out->retry = 1;
        out->retry_at = CS_MAX(host->paused_until, host->next_fetch_at);
    }
}

int64_t politeness_mono_ms(void)
{
    return cs_monotonic_ns() / 1000000;
}

int64_t politeness_due(const crawl_host *host, int64_t now, int64_t mono)
{
    int64_t wait = CS_MAX(host->next_fetch_mono, host->paused_mono) - mono;
    return CS_MAX(CS_MAX(host->next_fetch_at, host->paused_until), wait > 0 ? now + wait : 0);
}
