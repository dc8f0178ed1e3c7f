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
 * end only by a final '$'. It uses the classic greedy match with one
 * backtracking point (the last '*'), which is exact for '*'-only globs and
 * costs O(path * pattern) at worst, like the reference's position set.
 */
#include "robots/robots_internal.h"

#include <stdlib.h>
#include <string.h>

/* Paths up to this long are copied on the stack when a '/' must be prepended. */
#define ROBOTS_PATH_STACK 2048

int robots_pattern_matches(const char *pattern, size_t pattern_len, const char *path,
                           size_t path_len)
{
    int anchored = pattern_len > 0 && pattern[pattern_len - 1] == '$';
    if (anchored) pattern_len--;
    size_t pi = 0, si = 0;
    size_t star = (size_t)-1, star_si = 0;
    for (;;) {
        if (pi == pattern_len && !anchored) return 1; /* pattern matched a prefix */
        if (si == path_len) break;
        if (pi < pattern_len && pattern[pi] == '*') {
            star = pi++;
            star_si = si;
        } else if (pi < pattern_len && pattern[pi] == path[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++star_si;
        } else {
            return 0;
        }
    }
    while (pi < pattern_len && pattern[pi] == '*')
        pi++;
    return pi == pattern_len;
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

static int group_names(const robots_group *g, const char *agent, size_t agent_len)
{
    for (size_t i = 0; i < g->agent_count; i++)
        if (robots_ieq(g->agents[i], strlen(g->agents[i]), agent, agent_len)) return 1;
    return 0;
}

int robots_has_specific_group(const robots_rules *rules, const char *agent)
{
    if (rules == NULL || agent == NULL) return 0;
    size_t agent_len = strlen(agent);
    for (size_t i = 0; i < rules->group_count; i++)
        if (group_names(&rules->groups[i], agent, agent_len)) return 1;
    return 0;
}

/*
 * Calls visit(group, ctx) for each group that applies to agent: the groups
 * naming it, or else the `*` groups. Returns 1 when the groups were specific.
 */
static int applicable_groups(const robots_rules *rules, const char *agent,
                             void (*visit)(const robots_group *, void *), void *ctx)
{
    size_t agent_len = agent ? strlen(agent) : 0;
    int specific = agent != NULL && robots_has_specific_group(rules, agent);
    for (size_t i = 0; i < rules->group_count; i++) {
        const robots_group *g = &rules->groups[i];
        if (specific ? group_names(g, agent, agent_len) : g->global) visit(g, ctx);
    }
    return specific;
}

typedef struct best_match {
    const char *path;
    size_t path_len;
    size_t allow_len, disallow_len; /* longest match of each kind */
    const robots_rule *allow_rule, *disallow_rule;
    const char *allow_pattern; /* the pattern that matched (index form or not) */
} best_match;

static void visit_rules(const robots_group *g, void *ctx)
{
    best_match *best = ctx;
    for (size_t i = 0; i < g->rule_count; i++) {
        const robots_rule *rule = &g->rules[i];
        const char *pattern = rule->pattern;
        size_t len = rule->len;
        int hit = robots_pattern_matches(pattern, len, best->path, best->path_len);
        if (!hit && rule->index_pattern) {
            pattern = rule->index_pattern;
            len = rule->index_len;
            hit = robots_pattern_matches(pattern, len, best->path, best->path_len);
        }
        if (!hit || len == 0) continue;
        if (rule->allow && len > best->allow_len) {
            best->allow_len = len;
            best->allow_rule = rule;
            best->allow_pattern = pattern;
        } else if (!rule->allow && len > best->disallow_len) {
            best->disallow_len = len;
            best->disallow_rule = rule;
        }
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
        if (line->path &&
            !robots_pattern_matches(line->path, line->path_len, ctx->path, ctx->path_len))
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
