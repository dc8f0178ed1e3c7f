/*
 * crawlers.c - `clearset crawlers`: AI crawlers in web server access logs,
 * counted per crawler and checked against robots.txt.
 *
 * Each file is a cs_stream (common/stream.c), which inflates gzip (several
 * members too, as logrotate and cat make them) and passes any other bytes
 * through unchanged, so a plain log, a .gz and stdin take one path and
 * memory stays at one chunk whatever the file's size. Lines are cut with
 * memchr in a PIPELINE_LOG_CHUNK buffer; a line longer than
 * ROBOTS_LOG_MAX_LINE is reported and skipped to its newline without being
 * kept. A gzip stream that ends early or is corrupt is reported as a bad line
 * after the last good one: what came before it counts.
 *
 * The decisions are robots/'s: robots_log_parse reads a line,
 * robots_ai_crawlers_in_user_agent names the crawler, robots_check answers for
 * its token. Logs repeat a few hundred User-Agents millions of times, so the
 * crawler named by each is remembered in a hash table keyed by the
 * User-Agent's bytes (UA_CACHE_ENTRIES of them, up to UA_CACHE_MAX_LEN bytes
 * each; a full table starts again empty); a miss asks robots/ again.
 */
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UA_CACHE_SLOTS   8192 /* open-addressing table (a power of two) ... */
#define UA_CACHE_ENTRIES 4096 /* ... at most half full; when full it starts again empty */
#define UA_CACHE_MAX_LEN 512  /* longer User-Agents are rare; they are looked up each time */

_Static_assert(PIPELINE_LOG_CHUNK >= 2 * ROBOTS_LOG_MAX_LINE, "a chunk holds a whole line");
_Static_assert(UA_CACHE_ENTRIES * 2 <= UA_CACHE_SLOTS, "the table stays half empty");

typedef struct ua_slot {
    uint64_t hash;
    uint32_t len; /* 0: empty */
    int32_t crawler;
    size_t offset; /* of the User-Agent's bytes in the arena */
} ua_slot;

struct pipeline_log_reader {
    pipeline_crawlers_options opts;
    pipeline_crawlers_report report;
    char *chunk;              /* PIPELINE_LOG_CHUNK bytes */
    char *target;             /* a request target, NUL-terminated for robots_check */
    robots_log_parser parser; /* of the file being read */
    ua_slot *ua_slots;
    size_t ua_count;
    char *ua_arena; /* UA_CACHE_ENTRIES * UA_CACHE_MAX_LEN bytes */
    size_t ua_arena_len;
};

/* A fast hash of a User-Agent, eight bytes at a time. */
static uint64_t ua_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        s += 8, n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 29);
}

static int crawler_of(pipeline_log_reader *r, const char *ua, size_t len)
{
    if (len == 0 || len > UA_CACHE_MAX_LEN)
        return robots_ai_crawlers_in_user_agent(r->opts.crawlers, ua, len);
    uint64_t h = ua_hash(ua, len);
    size_t i = h & (UA_CACHE_SLOTS - 1);
    for (; r->ua_slots[i].len; i = (i + 1) & (UA_CACHE_SLOTS - 1)) {
        const ua_slot *slot = &r->ua_slots[i];
        if (slot->hash == h && slot->len == len && memcmp(r->ua_arena + slot->offset, ua, len) == 0)
            return slot->crawler;
    }
    int crawler = robots_ai_crawlers_in_user_agent(r->opts.crawlers, ua, len);
    if (r->ua_count == UA_CACHE_ENTRIES) { /* full: start again */
        memset(r->ua_slots, 0, UA_CACHE_SLOTS * sizeof *r->ua_slots);
        r->ua_count = 0;
        r->ua_arena_len = 0;
        i = h & (UA_CACHE_SLOTS - 1);
    }
    memcpy(r->ua_arena + r->ua_arena_len, ua, len);
    r->ua_slots[i] = (ua_slot){h, (uint32_t)len, crawler, r->ua_arena_len};
    r->ua_arena_len += len;
    r->ua_count++;
    return crawler;
}

int pipeline_log_reader_new(const pipeline_crawlers_options *opts, pipeline_log_reader **out,
                            cs_error *err)
{
    *out = NULL;
    pipeline_log_reader *r = calloc(1, sizeof *r);
    size_t count = robots_ai_crawlers_count(opts ? opts->crawlers : NULL);
    if (r) {
        r->chunk = malloc(PIPELINE_LOG_CHUNK);
        r->target = malloc(ROBOTS_LOG_MAX_LINE + 1);
        r->ua_slots = calloc(UA_CACHE_SLOTS, sizeof *r->ua_slots);
        r->ua_arena = malloc((size_t)UA_CACHE_ENTRIES * UA_CACHE_MAX_LEN);
        r->report.crawlers = calloc(count ? count : 1, sizeof *r->report.crawlers);
    }
    if (r == NULL || !r->chunk || !r->target || !r->ua_slots || !r->ua_arena ||
        !r->report.crawlers) {
        pipeline_log_reader_free(r);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    if (opts) r->opts = *opts;
    r->report.crawler_count = count;
    r->report.robots_checked = r->opts.rules != NULL;
    *out = r;
    return CS_OK;
}

void pipeline_log_reader_free(pipeline_log_reader *r)
{
    if (r == NULL) return;
    free(r->chunk);
    free(r->target);
    free(r->ua_slots);
    free(r->ua_arena);
    free(r->report.crawlers);
    free(r);
}

const pipeline_crawlers_report *pipeline_log_reader_report(const pipeline_log_reader *r)
{
    return &r->report;
}

static void bad_line(pipeline_log_reader *r, const char *path, uint64_t line, const cs_error *why)
{
    r->report.bad_lines++;
    if (r->opts.on_bad_line) r->opts.on_bad_line(r->opts.arg, path, line, why);
}

static void count_line(pipeline_log_reader *r, const char *path, uint64_t number, const char *line,
                       size_t len)
{
    robots_log_entry e;
    cs_error why;
    if (robots_log_parse(&r->parser, line, len, &e, &why) != CS_OK) {
        bad_line(r, path, number, &why);
        return;
    }
    r->report.requests++;
    if (!e.combined) {
        r->report.without_agent++;
        return;
    }
    int i = crawler_of(r, e.user_agent, e.user_agent_len);
    if (i < 0) return;
    pipeline_crawler_stats *c = &r->report.crawlers[i];
    r->report.ai_requests++;
    if (c->requests == 0 || e.time < c->first_seen) c->first_seen = e.time;
    if (c->requests == 0 || e.time > c->last_seen) c->last_seen = e.time;
    c->requests++;
    c->bytes += (uint64_t)e.bytes;
    c->status_class[e.status >= 100 && e.status < 600 ? e.status / 100 : 0]++;
    if (r->opts.rules == NULL || e.target == NULL) return;
    memcpy(r->target, e.target, e.target_len);
    r->target[e.target_len] = '\0';
    const char *match = robots_ai_crawlers_match_token(r->opts.crawlers, (size_t)i);
    if (robots_allowed(r->opts.rules,
                       match[0] ? match : robots_ai_crawlers_token(r->opts.crawlers, (size_t)i),
                       r->target))
        return;
    if (c->disallowed++ == 0) cs_strlcpy(c->example, r->target, sizeof c->example);
}

int pipeline_log_reader_read(pipeline_log_reader *r, const char *path, cs_error *err)
{
    cs_stream *in = NULL;
    int rc = cs_stream_open(path, &in, err);
    if (rc != CS_OK) return rc;
    r->report.files++;
    r->parser = (robots_log_parser){0};
    uint64_t number = 0;
    size_t have = 0;  /* bytes of an unfinished line at the start of chunk */
    int skipping = 0; /* inside a line too long to keep, already reported */
    cs_error stream_err;
    long n;
    for (;;) {
        n = cs_stream_read(in, r->chunk + have, PIPELINE_LOG_CHUNK - have, &stream_err);
        if (n <= 0) break;
        char *p = r->chunk, *end = r->chunk + have + (size_t)n;
        char *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            number++;
            r->report.lines++;
            if (!skipping) count_line(r, path, number, p, (size_t)(nl - p));
            skipping = 0;
            p = nl + 1;
        }
        have = (size_t)(end - p);
        if (!skipping && have > ROBOTS_LOG_MAX_LINE) {
            cs_error why;
            cs_error_set(&why, CS_ELIMIT, "line longer than %d bytes, skipped",
                         ROBOTS_LOG_MAX_LINE);
            bad_line(r, path, number + 1, &why);
            skipping = 1;
        }
        if (skipping)
            have = 0;
        else if (have > 0 && p != r->chunk)
            memmove(r->chunk, p, have);
    }
    if (n == CS_EIO) {
        rc = cs_error_set(err, CS_EIO, "%s: %s after line %llu", path, stream_err.message,
                          (unsigned long long)number);
    } else if (n < 0) {
        cs_error why;
        cs_error_set(&why, CS_EFORMAT, "%s after line %llu", stream_err.message,
                     (unsigned long long)number);
        bad_line(r, path, number + 1, &why);
    }
    if (have > 0 && !skipping && n == 0) { /* a last line without its newline */
        number++;
        r->report.lines++;
        count_line(r, path, number, r->chunk, have);
    } else if (have > 0 || skipping) {
        r->report.lines++; /* cut by the broken stream, or too long: reported above */
    }
    cs_stream_close(in);
    return rc;
}

int pipeline_crawlers_robots(const char *file_or_url, const crawler_fetch_options *fetch,
                             robots_rules **rules, cs_error *err)
{
    *rules = NULL;
    if (strncasecmp(file_or_url, "http://", 7) == 0 ||
        strncasecmp(file_or_url, "https://", 8) == 0) {
        int status = 0;
        return crawler_fetch_robots(file_or_url, fetch, rules, &status, err);
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    /* a robots.txt larger than the parsed part is still a robots.txt: read what counts */
    int rc = cs_read_file(file_or_url, 64 * (size_t)ROBOTS_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    rc = robots_parse((const char *)bytes, len, rules, err);
    free(bytes);
    return rc;
}
