/*
 * match.c - answering "may AGENT fetch URL" from a parsed robots.txt, with
 * the reference parser's semantics (google/robotstxt, RFC 9309 2.2):
 *
 *  - the groups that apply are every group naming the agent (its user-agent
 *    value cut at the first character outside [A-Za-z_-], compared
 *    case-insensitively with the whole agent); only when there is none, every
 *    `*` group; with neither, everything is allowed;
 *  - among their rules the longest matching pattern (in octets, after
 *    normalisation) decides; allow wins a tie; a match of length 0 (an empty
 *    pattern) decides nothing;
 *  - an allow for ".../index.htm*" that does not match also tries ".../$".
 *
 * Pattern matching is a glob with '*' only, anchored at the start, and at the
 * end only by a final '$'. The pattern is cut at its '*'s: the first segment
 * must start the path, the last must end it when '$' anchors it, and every
 * other segment is found at its leftmost place after the previous one
 * (memmem). Leftmost placement is exact for '*'-only globs, so this answers
 * what the reference's position-set walk answers, in linear time.
 */
#include "robots/robots_internal.h"

#include <stdlib.h>
#include <string.h>

/* Paths up to this long are copied on the stack when a '/' must be prepended. */
#define ROBOTS_PATH_STACK 2048

/* Next '*' in [s, s+n), or s+n. */
static const char *next_star(const char *s, size_t n)
{
    const char *star = memchr(s, '*', n);
    return star ? star : s + n;
}

int robots_pattern_matches(const char *pattern, size_t pattern_len, const char *path,
                           size_t path_len)
{
    int anchored = pattern_len > 0 && pattern[pattern_len - 1] == '$';
    if (anchored) pattern_len--;
    const char *end = pattern + pattern_len;

    /* The segment before the first '*' must start the path. */
    const char *star = next_star(pattern, pattern_len);
    size_t first = (size_t)(star - pattern);
    if (first > path_len || memcmp(pattern, path, first) != 0) return 0;
    if (star == end) return anchored ? first == path_len : 1;

    /* The segment after the last '*': a suffix when anchored, else anywhere after. */
    const char *last = end;
    while (last[-1] != '*')
        last--;
    size_t last_len = (size_t)(end - last);
    size_t limit = path_len;
    if (anchored) {
        if (last_len > path_len - first) return 0;
        limit = path_len - last_len;
        if (memcmp(path + limit, last, last_len) != 0) return 0;
    }

    /* Middle segments, each at its leftmost place (exact for '*'-only globs). */
    size_t pos = first;
    for (const char *seg = star + 1; seg < last;) {
        const char *seg_end = next_star(seg, (size_t)(last - seg));
        size_t seg_len = (size_t)(seg_end - seg);
        if (seg_len) {
            const char *found = memmem(path + pos, limit - pos, seg, seg_len);
            if (found == NULL) return 0;
            pos = (size_t)(found - path) + seg_len;
        }
        seg = seg_end + 1;
    }
    if (anchored) return pos <= limit;
    return last_len == 0 || memmem(path + pos, path_len - pos, last, last_len) != NULL;
}

const char *robots_url_path(const char *url, size_t n, size_t *len, int *prepend_slash)
{
    *prepend_slash = 0;
    size_t start = 0;
    if (n >= 2 && url[0] == '/' && url[1] == '/') start = 2;

    size_t early = n, proto = n;
    for (size_t i = start; i < n; i++)
        if (url[i] == '/' || url[i] == '?' || url[i] == ';') {
            early = i;
            break;
        }
    for (size_t i = start; i + 2 < n; i++)
        if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
            proto = i;
            break;
        }
    size_t after = proto < early ? proto + 3 : start; /* "://" before any path counts */

    size_t path_start = n;
    for (size_t i = after; i < n; i++)
        if (url[i] == '/' || url[i] == '?' || url[i] == ';') {
            path_start = i;
            break;
        }
    if (path_start == n) {
        *len = 1;
        return "/";
    }
    const char *hash = memchr(url + start, '#', n - start);
    size_t hash_pos = hash ? (size_t)(hash - url) : n;
    if (hash_pos < path_start) {
        *len = 1;
        return "/";
    }
    *prepend_slash = url[path_start] != '/';
    *len = hash_pos - path_start;
    return url + path_start;
}

int robots_agent_is_valid(const char *agent)
{
    if (agent == NULL || agent[0] == '\0') return 0;
    size_t n = strlen(agent);
    return robots_agent_prefix_len(agent, n) == n;
}

/* ---------------------------------------------------------------- index */

static int icmp(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len;
    for (size_t i = 0; i < n; i++) {
        int d = robots_lower((unsigned char)a[i]) - robots_lower((unsigned char)b[i]);
        if (d) return d;
    }
    return a_len < b_len ? -1 : a_len > b_len;
}

static int compare_refs(const void *pa, const void *pb)
{
    const robots_agent_ref *a = pa, *b = pb;
    int d = icmp(a->name, a->len, b->name, b->len);
    if (d) return d;
    return a->group < b->group ? -1 : a->group > b->group;
}

/* Length of the literal prefix of a pattern: the octets before its first '*' or final '$'. */
static size_t literal_prefix(const char *pattern, size_t len)
{
    if (len && pattern[len - 1] == '$') len--;
    const char *star = memchr(pattern, '*', len);
    return star ? (size_t)(star - pattern) : len;
}

static int bucket_of(const robots_rule *rule)
{
    size_t prefix = literal_prefix(rule->pattern, rule->len);
    /* An index.html allow also tries "/dir/$", whose literal prefix may be shorter. */
    if (rule->index_pattern)
        prefix = CS_MIN(prefix, literal_prefix(rule->index_pattern, rule->index_len));
    return prefix >= 2 ? (unsigned char)rule->pattern[1] : 256;
}

/* Groups with more rules than this get buckets; smaller ones are cheaper to scan. */
#define ROBOTS_BUCKET_MIN_RULES 32

static int build_buckets(robots_group *g)
{
    robots_rule_buckets *b = calloc(1, sizeof *b);
    if (b == NULL) return CS_ENOMEM;
    b->order = malloc(g->rule_count * sizeof *b->order);
    if (b->order == NULL) {
        free(b);
        return CS_ENOMEM;
    }
    unsigned count[257] = {0};
    for (size_t i = 0; i < g->rule_count; i++)
        count[bucket_of(&g->rules[i])]++;
    b->start[0] = 0;
    for (int k = 0; k < 257; k++)
        b->start[k + 1] = b->start[k] + count[k];
    unsigned fill[257];
    memcpy(fill, b->start, sizeof fill);
    for (size_t i = 0; i < g->rule_count; i++)
        b->order[fill[bucket_of(&g->rules[i])]++] = (unsigned)i;
    g->buckets = b;
    return CS_OK;
}

int robots_build_index(robots_rules *rules)
{
    size_t refs = 0, globals = 0;
    for (size_t i = 0; i < rules->group_count; i++) {
        refs += rules->groups[i].agent_count;
        globals += rules->groups[i].global != 0;
    }
    rules->agent_index = malloc((refs ? refs : 1) * sizeof *rules->agent_index);
    rules->global_groups = malloc((globals ? globals : 1) * sizeof *rules->global_groups);
    if (rules->agent_index == NULL || rules->global_groups == NULL) return CS_ENOMEM;
    for (size_t i = 0; i < rules->group_count; i++) {
        robots_group *g = &rules->groups[i];
        for (size_t a = 0; a < g->agent_count; a++)
            rules->agent_index[rules->agent_index_count++] =
                (robots_agent_ref){.name = g->agents[a].name, .len = g->agents[a].len, .group = i};
        if (g->global) rules->global_groups[rules->global_count++] = i;
        if (g->rule_count > ROBOTS_BUCKET_MIN_RULES && build_buckets(g) != CS_OK) return CS_ENOMEM;
    }
    qsort(rules->agent_index, rules->agent_index_count, sizeof *rules->agent_index, compare_refs);
    return CS_OK;
}

/* Index of the first agent_index entry equal to agent, or agent_index_count. */
static size_t find_agent(const robots_rules *rules, const char *agent, size_t agent_len)
{
    size_t lo = 0, hi = rules->agent_index_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const robots_agent_ref *ref = &rules->agent_index[mid];
        if (icmp(ref->name, ref->len, agent, agent_len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < rules->agent_index_count) {
        const robots_agent_ref *ref = &rules->agent_index[lo];
        if (icmp(ref->name, ref->len, agent, agent_len) == 0) return lo;
    }
    return rules->agent_index_count;
}

int robots_has_specific_group(const robots_rules *rules, const char *agent)
{
    if (rules == NULL || agent == NULL) return 0;
    return find_agent(rules, agent, strlen(agent)) < rules->agent_index_count;
}

/*
 * Calls visit(group, ctx) for each group that applies to agent, in file
 * order: the groups naming it, or else the `*` groups. Returns 1 when the
 * groups were specific.
 */
static int applicable_groups(const robots_rules *rules, const char *agent,
                             void (*visit)(const robots_group *, void *), void *ctx)
{
    size_t agent_len = agent ? strlen(agent) : 0;
    size_t at = agent ? find_agent(rules, agent, agent_len) : rules->agent_index_count;
    if (at == rules->agent_index_count) {
        for (size_t i = 0; i < rules->global_count; i++)
            visit(&rules->groups[rules->global_groups[i]], ctx);
        return 0;
    }
    /* Entries for one name are sorted by group: file order, each group once. */
    size_t last = (size_t)-1;
    for (; at < rules->agent_index_count; at++) {
        const robots_agent_ref *ref = &rules->agent_index[at];
        if (icmp(ref->name, ref->len, agent, agent_len) != 0) break;
        if (ref->group != last) visit(&rules->groups[ref->group], ctx);
        last = ref->group;
    }
    return 1;
}

typedef struct best_match {
    const char *path;
    size_t path_len;
    size_t allow_len, disallow_len; /* longest match of each kind */
    const robots_rule *allow_rule, *disallow_rule;
    const char *allow_pattern; /* the pattern that matched (index form or not) */
} best_match;

static void try_rule(best_match *best, const robots_rule *rule)
{
    const char *pattern = rule->pattern;
    size_t len = rule->len;
    int hit = robots_pattern_matches(pattern, len, best->path, best->path_len);
    if (!hit && rule->index_pattern) {
        pattern = rule->index_pattern;
        len = rule->index_len;
        hit = robots_pattern_matches(pattern, len, best->path, best->path_len);
    }
    if (!hit || len == 0) return;
    /* Longest wins; among equals the earliest line, as the reference reports it. */
    if (rule->allow) {
        if (len > best->allow_len ||
            (len == best->allow_len && rule->line < best->allow_rule->line)) {
            best->allow_len = len;
            best->allow_rule = rule;
            best->allow_pattern = pattern;
        }
    } else if (len > best->disallow_len ||
               (len == best->disallow_len && rule->line < best->disallow_rule->line)) {
        best->disallow_len = len;
        best->disallow_rule = rule;
    }
}

static void visit_rules(const robots_group *g, void *ctx)
{
    best_match *best = ctx;
    const robots_rule_buckets *b = g->buckets;
    if (b == NULL) {
        for (size_t i = 0; i < g->rule_count; i++)
            try_rule(best, &g->rules[i]);
        return;
    }
    for (unsigned k = b->start[256]; k < b->start[257]; k++)
        try_rule(best, &g->rules[b->order[k]]);
    if (best->path_len >= 2) {
        unsigned bucket = (unsigned char)best->path[1];
        for (unsigned k = b->start[bucket]; k < b->start[bucket + 1]; k++)
            try_rule(best, &g->rules[b->order[k]]);
    }
}

void robots_check(const robots_rules *rules, const char *agent, const char *url, robots_match *out)
{
    memset(out, 0, sizeof *out);
    out->allowed = 1;
    if (url == NULL) url = "";
    size_t path_len;
    int prepend;
    const char *path = robots_url_path(url, strlen(url), &path_len, &prepend);
    /* RFC 9309 2.2.2: the robots.txt itself is always allowed. */
    if (!prepend && path_len == 11 && memcmp(path, "/robots.txt", 11) == 0) return;
    if (rules == NULL) return;
    if (rules->disallow_all) {
        out->allowed = 0;
        return;
    }

    char stack[ROBOTS_PATH_STACK];
    char *heap = NULL;
    if (prepend) {
        char *copy = path_len + 1 <= sizeof stack ? stack : (heap = malloc(path_len + 1));
        if (copy == NULL) { /* cannot build the path: refuse rather than guess */
            out->allowed = 0;
            return;
        }
        copy[0] = '/';
        memcpy(copy + 1, path, path_len);
        path = copy;
        path_len++;
    }

    best_match best = {.path = path, .path_len = path_len};
    out->specific = applicable_groups(rules, agent, visit_rules, &best);
    if (best.disallow_len > best.allow_len) {
        out->allowed = 0;
        out->line = best.disallow_rule->line;
        out->pattern = best.disallow_rule->pattern;
    } else if (best.allow_len > 0) {
        out->rule_is_allow = 1;
        out->line = best.allow_rule->line;
        out->pattern = best.allow_pattern;
    }
    free(heap);
}

int robots_allowed(const robots_rules *rules, const char *agent, const char *url)
{
    robots_match match;
    robots_check(rules, agent, url, &match);
    return match.allowed;
}

typedef struct delay_ctx {
    double delay;
} delay_ctx;

static void visit_delay(const robots_group *g, void *ctx)
{
    delay_ctx *d = ctx;
    if (d->delay < 0 && g->crawl_delay >= 0) d->delay = g->crawl_delay;
}

double robots_crawl_delay(const robots_rules *rules, const char *agent)
{
    if (rules == NULL) return -1.0;
    delay_ctx d = {.delay = -1.0};
    applicable_groups(rules, agent, visit_delay, &d);
    return d.delay;
}

typedef struct pref_ctx {
    const char *path;
    size_t path_len;
    robots_preference *out;
    size_t max, count;
} pref_ctx;

static void take_prefs(pref_ctx *ctx, const robots_pref_line *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const robots_pref_line *line = &lines[i];
        if (line->pref.path &&
            !robots_pattern_matches(line->pref.path, line->pref.path_len, ctx->path, ctx->path_len))
            continue;
        if (ctx->count < ctx->max) ctx->out[ctx->count] = line->pref;
        ctx->count++;
    }
}

static void visit_prefs(const robots_group *g, void *ctx)
{
    take_prefs(ctx, g->prefs, g->pref_count);
}

size_t robots_preferences(const robots_rules *rules, const char *agent, const char *url,
                          robots_preference *out, size_t max)
{
    if (rules == NULL) return 0;
    if (url == NULL) url = "";
    int prepend;
    pref_ctx ctx = {.out = out, .max = out ? max : 0};
    /* A path that would need a '/' in front ("?q") can only match "/" patterns; "/" is
     * the conservative stand-in. */
    ctx.path = robots_url_path(url, strlen(url), &ctx.path_len, &prepend);
    if (prepend) ctx.path = "/", ctx.path_len = 1;
    take_prefs(&ctx, rules->preamble_prefs, rules->preamble_count);
    applicable_groups(rules, agent, visit_prefs, &ctx);
    return ctx.count;
}
