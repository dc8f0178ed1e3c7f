/*
 * parse.c - robots.txt bytes to a robots_rules (RFC 9309, read the way
 * Google's open-source reference parser google/robotstxt reads it).
 *
 * Lines end at LF, CR or CRLF (mixes too); a UTF-8 byte order mark, or any
 * prefix of one, is skipped at the very start. Each line keeps at most
 * ROBOTS_LINE_KEEP bytes (the rest of an over-long line is dropped, as the
 * reference does) and is read up to its first NUL byte. A line is
 * "key: value # comment"; the colon may be missing when exactly two words
 * remain. Keys are matched case-insensitively by prefix, with the reference's
 * tolerated misspellings of user-agent and disallow (never of allow).
 *
 * Groups follow the reference's state machine: user-agent lines accumulate
 * into one group until an allow or disallow line has been seen, after which
 * the next user-agent line starts a new group; sitemap and unknown lines do
 * not end a group; allow/disallow before the first user-agent are ignored.
 * Matching (match.c) merges every group that names the agent, else every `*`
 * group, which is what the reference's streaming matcher computes.
 *
 * Allow/disallow values are normalised once here: %xx escapes upper-cased and
 * octets >= 0x80 percent-encoded. Lines clearset adds on top of the reference
 * (Crawl-delay, Content-Signal, Content-Usage, License) are otherwise
 * "unknown" lines to it and so never change how groups form.
 */
#include "common/url.h"
#include "robots/robots_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The reference keeps 2083 * 8 - 1 bytes of a line: eight times the longest
 * URL browsers accept, leaving room for a NUL in its 2083 * 8 buffer. */
#define ROBOTS_LINE_KEEP (2083 * 8 - 1)
/* Arena blocks: big enough that a typical robots.txt needs one or two. */
#define ROBOTS_ARENA_BLOCK (16 * 1024)
/* Crawl-delay above a day is treated as a day: a polite crawler gives up on such a host. */
#define ROBOTS_MAX_CRAWL_DELAY 86400.0

typedef enum line_key {
    KEY_NONE,
    KEY_USER_AGENT,
    KEY_ALLOW,
    KEY_DISALLOW,
    KEY_SITEMAP,
    KEY_CRAWL_DELAY,
    KEY_CONTENT_SIGNAL,
    KEY_CONTENT_USAGE,
    KEY_LICENSE,
    KEY_UNKNOWN,
} line_key;

typedef struct parser {
    robots_rules *rules;
    robots_group *current; /* group that lines attach to, NULL before the first user-agent */
    int seen_rule;         /* an allow/disallow was seen since the group's user-agent lines */
    char *scratch;         /* normalised pattern being built */
    size_t scratch_cap;
} parser;

/* ---------------------------------------------------------------- arena */

char *robots_arena_strndup(robots_rules *rules, const char *s, size_t n)
{
    robots_arena_block *block = rules->arena;
    if (block == NULL || block->size - block->used < n + 1) {
        size_t size = n + 1 > ROBOTS_ARENA_BLOCK ? n + 1 : ROBOTS_ARENA_BLOCK;
        robots_arena_block *fresh = malloc(sizeof *fresh + size);
        if (fresh == NULL) return NULL;
        fresh->used = 0;
        fresh->size = size;
        fresh->next = rules->arena;
        rules->arena = fresh;
        block = fresh;
    }
    char *copy = block->data + block->used;
    if (n) memcpy(copy, s, n);
    copy[n] = '\0';
    block->used += n + 1;
    return copy;
}

/* ---------------------------------------------------------------- helpers */

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void robots_trim(const char **s, size_t *n)
{
    while (*n && is_ws((unsigned char)(*s)[0]))
        (*s)++, (*n)--;
    while (*n && is_ws((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

int robots_ieq(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len) return 0;
    for (size_t i = 0; i < a_len; i++)
        if (robots_lower((unsigned char)a[i]) != robots_lower((unsigned char)b[i])) return 0;
    return 1;
}

static int starts_with_icase(const char *s, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    return n >= len && robots_ieq(s, len, prefix, len);
}

size_t robots_agent_prefix_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (robots_is_alpha((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
        i++;
    return i;
}

void robots_copy_field(char *dst, size_t size, const char *s, size_t n)
{
    if (size == 0) return;
    if (n > size - 1) n = size - 1;
    if (n) memcpy(dst, s, n);
    dst[n] = '\0';
}

/* ---------------------------------------------------------------- keys */

static line_key classify_key(const char *key, size_t n)
{
    /* The reference's order and prefix matching: "user-agentx" is a user-agent. */
    if (starts_with_icase(key, n, "user-agent") || starts_with_icase(key, n, "useragent") ||
        starts_with_icase(key, n, "user agent"))
        return KEY_USER_AGENT;
    if (starts_with_icase(key, n, "allow")) return KEY_ALLOW;
    if (starts_with_icase(key, n, "disallow") || starts_with_icase(key, n, "dissallow") ||
        starts_with_icase(key, n, "dissalow") || starts_with_icase(key, n, "disalow") ||
        starts_with_icase(key, n, "diasllow") || starts_with_icase(key, n, "disallaw"))
        return KEY_DISALLOW;
    if (starts_with_icase(key, n, "sitemap") || starts_with_icase(key, n, "site-map"))
        return KEY_SITEMAP;
    /* Our additions: exact names, so they never shadow anything above. */
    if (robots_ieq(key, n, "crawl-delay", 11)) return KEY_CRAWL_DELAY;
    if (robots_ieq(key, n, "content-signal", 14)) return KEY_CONTENT_SIGNAL;
    if (robots_ieq(key, n, "content-usage", 13)) return KEY_CONTENT_USAGE;
    if (robots_ieq(key, n, "license", 7)) return KEY_LICENSE;
    return KEY_UNKNOWN;
}

/*
 * Splits one line (comment already cut, NUL-free) into key and value, the
 * reference's way: strip, then split at the first ':'; without a colon,
 * whitespace separates only when exactly two words are left.
 */
static int split_key_value(const char *line, size_t n, const char **key, size_t *key_len,
                           const char **value, size_t *value_len)
{
    robots_trim(&line, &n);
    const char *colon = memchr(line, ':', n);
    size_t sep;
    if (colon != NULL) {
        sep = (size_t)(colon - line);
    } else {
        size_t i = 0;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            i++;
        if (i == n) return 0;
        size_t v = i;
        while (v < n && (line[v] == ' ' || line[v] == '\t'))
            v++;
        for (size_t j = v; j < n; j++)
            if (line[j] == ' ' || line[j] == '\t') return 0; /* three or more words */
        sep = i;
    }
    *key = line;
    *key_len = sep;
    robots_trim(key, key_len);
    if (*key_len == 0) return 0;
    *value = line + sep + 1;
    *value_len = sep + 1 <= n ? n - sep - 1 : 0;
    robots_trim(value, value_len);
    return 1;
}

/* ---------------------------------------------------------------- patterns */

/* Normalises an allow/disallow value into p->scratch; returns its length or -1 (ENOMEM). */
static long normalise_pattern(parser *p, const char *value, size_t n)
{
    size_t need = 3 * n + 2; /* worst case plus room for the index.html "$" */
    if (cs_array_grow((void **)&p->scratch, &p->scratch_cap, need, 1, 0) != CS_OK) return -1;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c == '%' && i + 2 < n && cs_hex_digit((unsigned char)value[i + 1]) >= 0 &&
            cs_hex_digit((unsigned char)value[i + 2]) >= 0) {
            p->scratch[j++] = '%';
            p->scratch[j++] = (char)robots_upper((unsigned char)value[i + 1]);
            p->scratch[j++] = (char)robots_upper((unsigned char)value[i + 2]);
            i += 2;
        } else if (c & 0x80) {
            cs_url_percent_encode(c, p->scratch + j);
            j += 3;
        } else {
            p->scratch[j++] = (char)c;
        }
    }
    return (long)j;
}

/* ---------------------------------------------------------------- lines */

static robots_group *new_group(parser *p)
{
    robots_rules *r = p->rules;
    if (cs_array_reserve((void **)&r->groups, &r->group_cap, r->group_count, sizeof *r->groups, 0))
        return NULL;
    robots_group *g = &r->groups[r->group_count++];
    memset(g, 0, sizeof *g);
    g->crawl_delay = -1.0;
    return g;
}

static int handle_user_agent(parser *p, const char *value, size_t n)
{
    if (p->current == NULL || p->seen_rule) {
        p->current = new_group(p);
        if (p->current == NULL) return CS_ENOMEM;
        p->seen_rule = 0;
    }
    robots_group *g = p->current;
    /* "*", or "*" followed by whitespace and anything, is the global agent. */
    if (n >= 1 && value[0] == '*' && (n == 1 || is_ws((unsigned char)value[1]))) {
        g->global = 1;
        return CS_OK;
    }
    size_t keep = robots_agent_prefix_len(value, n);
    const char *name = robots_arena_strndup(p->rules, value, keep);
    if (name == NULL) return CS_ENOMEM;
    if (cs_array_reserve((void **)&g->agents, &g->agent_cap, g->agent_count, sizeof *g->agents, 0))
        return CS_ENOMEM;
    g->agents[g->agent_count++] = (robots_agent){.name = name, .len = keep};
    return CS_OK;
}

static int handle_rule(parser *p, int allow, const char *value, size_t n, int line)
{
    if (p->current == NULL) return CS_OK; /* before the first user-agent: ignored */
    p->seen_rule = 1;
    long len = normalise_pattern(p, value, n);
    if (len < 0) return CS_ENOMEM;
    robots_group *g = p->current;
    if (cs_array_reserve((void **)&g->rules, &g->rule_cap, g->rule_count, sizeof *g->rules, 0))
        return CS_ENOMEM;
    robots_rule *rule = &g->rules[g->rule_count];
    memset(rule, 0, sizeof *rule);
    rule->pattern = robots_arena_strndup(p->rules, p->scratch, (size_t)len);
    if (rule->pattern == NULL) return CS_ENOMEM;
    rule->len = (size_t)len;
    rule->line = line;
    rule->allow = allow;
    if (allow) {
        /* "/dir/index.htm..." also allows "/dir/" exactly (reference behaviour). */
        const char *slash = NULL;
        for (size_t i = (size_t)len; i > 0; i--)
            if (p->scratch[i - 1] == '/') {
                slash = p->scratch + i - 1;
                break;
            }
        if (slash && (size_t)len - (size_t)(slash - p->scratch) >= 10 &&
            memcmp(slash, "/index.htm", 10) == 0) {
            size_t dir_len = (size_t)(slash - p->scratch) + 1;
            p->scratch[dir_len] = '$';
            rule->index_pattern = robots_arena_strndup(p->rules, p->scratch, dir_len + 1);
            if (rule->index_pattern == NULL) return CS_ENOMEM;
            rule->index_len = dir_len + 1;
        }
    }
    g->rule_count++;
    return CS_OK;
}

static int add_string(robots_rules *r, const char ***items, size_t *count, size_t *cap,
                      const char *value, size_t n)
{
    if (cs_array_reserve((void **)items, cap, *count, sizeof **items, 0)) return CS_ENOMEM;
    const char *copy = robots_arena_strndup(r, value, n);
    if (copy == NULL) return CS_ENOMEM;
    (*items)[(*count)++] = copy;
    return CS_OK;
}

/* RSL 1.0: "License: <absolute URL>"; anything else (a relative path, junk) is ignored. */
static int handle_license(robots_rules *r, const char *value, size_t n)
{
    char url[CS_URL_SIZE];
    if (!(starts_with_icase(value, n, "http://") || starts_with_icase(value, n, "https://")) ||
        cs_url_normalize(value, n, url, NULL) != CS_OK)
        return CS_OK;
    return add_string(r, &r->licenses, &r->license_count, &r->license_cap, url, strlen(url));
}

static void handle_crawl_delay(parser *p, const char *value, size_t n)
{
    if (p->current == NULL || p->current->crawl_delay >= 0) return;
    char number[64];
    if (n == 0 || n >= sizeof number) return;
    memcpy(number, value, n);
    number[n] = '\0';
    char *end = NULL;
    errno = 0;
    double delay = strtod(number, &end);
    if (errno || end == number || *end != '\0' || !isfinite(delay) || delay < 0) return;
    p->current->crawl_delay = delay > ROBOTS_MAX_CRAWL_DELAY ? ROBOTS_MAX_CRAWL_DELAY : delay;
}

static int handle_preference(parser *p, int is_usage, const char *value, size_t n, int line)
{
    robots_rules *r = p->rules;
    robots_pref_line entry;
    memset(&entry, 0, sizeof entry);
    entry.pref.is_content_usage = is_usage;
    entry.pref.line = line;
    entry.pref.value = robots_arena_strndup(r, value, n);
    if (entry.pref.value == NULL) return CS_ENOMEM;
    if (is_usage && n && value[0] == '/') {
        /* IETF AIPREF attachment: "Content-Usage: /path/ train-ai=n". */
        size_t k = 0;
        while (k < n && !is_ws((unsigned char)value[k]))
            k++;
        entry.pref.path = entry.pref.value; /* same bytes, first k of them */
        entry.pref.path_len = k;
        while (k < n && is_ws((unsigned char)value[k]))
            k++;
        robots_content_usage_parse(value + k, n - k, &entry.pref);
    } else if (is_usage) {
        robots_content_usage_parse(value, n, &entry.pref);
    } else {
        robots_content_signal_parse(value, n, &entry.pref);
    }

    robots_pref_line **items;
    size_t *count, *cap;
    if (p->current == NULL) {
        items = &r->preamble_prefs, count = &r->preamble_count, cap = &r->preamble_cap;
    } else {
        items = &p->current->prefs, count = &p->current->pref_count, cap = &p->current->pref_cap;
    }
    if (cs_array_reserve((void **)items, cap, *count, sizeof **items, 0)) return CS_ENOMEM;
    (*items)[(*count)++] = entry;
    return CS_OK;
}

static int parse_line(parser *p, const char *line, size_t n, int line_number)
{
    const char *nul = memchr(line, '\0', n); /* the reference reads a line as a C string */
    if (nul) n = (size_t)(nul - line);
    const char *hash = memchr(line, '#', n);
    if (hash) n = (size_t)(hash - line);

    const char *key, *value;
    size_t key_len, value_len;
    if (!split_key_value(line, n, &key, &key_len, &value, &value_len)) return CS_OK;
    robots_rules *r = p->rules;
    switch (classify_key(key, key_len)) {
    case KEY_USER_AGENT:
        return handle_user_agent(p, value, value_len);
    case KEY_ALLOW:
        return handle_rule(p, 1, value, value_len, line_number);
    case KEY_DISALLOW:
        return handle_rule(p, 0, value, value_len, line_number);
    case KEY_SITEMAP:
        return add_string(r, &r->sitemaps, &r->sitemap_count, &r->sitemap_cap, value, value_len);
    case KEY_LICENSE:
        return handle_license(r, value, value_len);
    case KEY_CRAWL_DELAY:
        handle_crawl_delay(p, value, value_len);
        return CS_OK;
    case KEY_CONTENT_SIGNAL:
        return handle_preference(p, 0, value, value_len, line_number);
    case KEY_CONTENT_USAGE:
        return handle_preference(p, 1, value, value_len, line_number);
    case KEY_NONE:
    case KEY_UNKNOWN:
        return CS_OK;
    }
    return CS_OK;
}

/* ---------------------------------------------------------------- entry points */

static int new_rules(robots_rules **out, cs_error *err)
{
    if (out == NULL) return cs_error_set(err, CS_EINVAL, "robots: no place for the result");
    *out = calloc(1, sizeof **out);
    if (*out == NULL) return cs_error_set(err, CS_ENOMEM, "robots: out of memory");
    return CS_OK;
}

int robots_parse(const char *bytes, size_t len, robots_rules **out, cs_error *err)
{
    if (out) *out = NULL;
    if (bytes == NULL && len > 0)
        return cs_error_set(err, CS_EINVAL, "robots: NULL bytes with length %zu", len);
    int rc = new_rules(out, err);
    if (rc) return rc;
    robots_rules *rules = *out;
    if (bytes == NULL) bytes = ""; /* an empty input; the C library wants real pointers */
    if (len > ROBOTS_MAX_BYTES) {
        len = ROBOTS_MAX_BYTES;
        rules->truncated = 1;
    }

    parser p = {.rules = rules};
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    size_t pos = 0;
    while (pos < len && pos < 3 && (unsigned char)bytes[pos] == bom[pos])
        pos++;

    int line_number = 0;
    int last_was_cr = 0;
    size_t line_start = pos;
    rc = CS_OK;
    for (; pos < len && rc == CS_OK; pos++) {
        unsigned char c = (unsigned char)bytes[pos];
        if (c != '\n' && c != '\r') continue;
        size_t line_len = pos - line_start;
        /* The LF of a CRLF ends no line of its own. */
        if (!(line_len == 0 && last_was_cr && c == '\n'))
            rc = parse_line(&p, bytes + line_start, CS_MIN(line_len, (size_t)ROBOTS_LINE_KEEP),
                            ++line_number);
        last_was_cr = c == '\r';
        line_start = pos + 1;
    }
    if (rc == CS_OK && line_start <= len)
        rc = parse_line(&p, bytes + line_start, CS_MIN(len - line_start, (size_t)ROBOTS_LINE_KEEP),
                        ++line_number);
    free(p.scratch);
    if (rc == CS_OK) rc = robots_build_index(rules);
    if (rc) {
        robots_free(rules);
        *out = NULL;
        return cs_error_set(err, rc, "robots: out of memory parsing %zu bytes", len);
    }
    return CS_OK;
}

int robots_new_allow_all(robots_rules **out, cs_error *err)
{
    return robots_parse("", 0, out, err);
}

int robots_new_disallow_all(robots_rules **out, cs_error *err)
{
    int rc = new_rules(out, err);
    if (rc == CS_OK) (*out)->disallow_all = 1;
    return rc;
}

void robots_free(robots_rules *rules)
{
    if (rules == NULL) return;
    for (size_t i = 0; i < rules->group_count; i++) {
        free(rules->groups[i].agents);
        free(rules->groups[i].rules);
        free(rules->groups[i].prefs);
        if (rules->groups[i].buckets) free(rules->groups[i].buckets->order);
        free(rules->groups[i].buckets);
    }
    free(rules->agent_index);
    free(rules->global_groups);
    free(rules->groups);
    free(rules->preamble_prefs);
    free(rules->sitemaps);
    free(rules->licenses);
    for (robots_arena_block *b = rules->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(rules);
}

int robots_truncated(const robots_rules *rules)
{
    return rules ? rules->truncated : 0;
}

size_t robots_sitemap_count(const robots_rules *rules)
{
    return rules ? rules->sitemap_count : 0;
}

const char *robots_sitemap(const robots_rules *rules, size_t i)
{
    return rules && i < rules->sitemap_count ? rules->sitemaps[i] : NULL;
}

size_t robots_license_count(const robots_rules *rules)
{
    return rules ? rules->license_count : 0;
}

const char *robots_license(const robots_rules *rules, size_t i)
{
    return rules && i < rules->license_count ? rules->licenses[i] : NULL;
}
