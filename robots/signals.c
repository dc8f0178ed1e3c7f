/*
 * signals.c - raw evidence to robots_signal records: X-Robots-Tag and meta
 * robots directives, TDMRep headers and meta, AI crawler rules, ai.txt, HTTP 402 / crawler-price,
 * IPTC plus:DataMining and C2PA/CAWG training-mining values. (tdmrep.json is in tdmrep.c,
 * Content-Usage and Content-Signal in preferences.c, the decision in
 * decide.c.)
 *
 * Each producer records only what bears on AI use; a robots directive such
 * as "nofollow" is not a signal. Values are kept as found (cut to the field
 * size) so a person can see exactly what the site said.
 */
#include "robots/robots_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the list */

void robots_signal_list_init(robots_signal_list *list)
{
    memset(list, 0, sizeof *list);
}

void robots_signal_list_free(robots_signal_list *list)
{
    if (list == NULL) return;
    free(list->items);
    memset(list, 0, sizeof *list);
}

int robots_signal_list_add(robots_signal_list *list, const robots_signal *signal)
{
    int rc = cs_array_reserve((void **)&list->items, &list->cap, list->count, sizeof *list->items,
                              ROBOTS_MAX_SIGNALS);
    if (rc != CS_OK) return rc;
    list->items[list->count++] = *signal;
    return CS_OK;
}

/* A fresh signal with kind, source and where filled in. */
static void signal_init(robots_signal *s, robots_signal_kind kind, robots_signal_source source,
                        const char *where)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->source = source;
    if (where) robots_copy_field(s->where, sizeof s->where, where, strlen(where));
}

int robots_signal_add(robots_signal_list *list, const robots_signal *s, cs_error *err)
{
    int rc = robots_signal_list_add(list, s);
    if (rc == CS_ELIMIT)
        return cs_error_set(err, rc, "robots: more than %d opt-out signals for one resource",
                            ROBOTS_MAX_SIGNALS);
    if (rc) return cs_error_set(err, rc, "robots: out of memory recording a signal");
    return CS_OK;
}

static int check_args(robots_signal_list *list, const void *bytes, size_t len, cs_error *err)
{
    if (list == NULL || (bytes == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "robots: bad arguments to a signal producer");
    return CS_OK;
}

/* ---------------------------------------------------------------- robots directives */

/* Directives that take a value after a colon: "max-snippet: 20" is not an agent scope. */
static int is_valued_directive(const char *s, size_t n)
{
    static const char *const valued[] = {"unavailable_after", "unavailable-after", "max-snippet",
                                         "max-image-preview", "max-video-preview"};
    for (size_t i = 0; i < CS_ARRAY_LEN(valued); i++)
        if (robots_ieq(s, n, valued[i], strlen(valued[i]))) return 1;
    return 0;
}

/* How one directive bears on AI training; 0 when it does not. */
static int classify_directive(const char *d, size_t n, robots_effect *effect, unsigned *flag)
{
    static const struct {
        const char *name;
        robots_effect effect;
        unsigned flag;
    } table[] = {
        {"noai", ROBOTS_EFFECT_OPT_OUT, 0},
        {"noimageai", ROBOTS_EFFECT_OPT_OUT, 0},
        {"noindex", ROBOTS_EFFECT_POLICY, ROBOTS_POLICY_NOINDEX},
        {"none", ROBOTS_EFFECT_POLICY, ROBOTS_POLICY_NONE},
        {"noimageindex", ROBOTS_EFFECT_POLICY, ROBOTS_POLICY_NOIMAGEINDEX},
        /* "no machine learning": a training opt-out by itself, whatever the policy */
        {"noml", ROBOTS_EFFECT_OPT_OUT, 0},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(table); i++)
        if (robots_ieq(d, n, table[i].name, strlen(table[i].name))) {
            *effect = table[i].effect;
            *flag = table[i].flag;
            return 1;
        }
    return 0;
}

/* A plausible agent token before "agent: directive" (no spaces, printable ASCII). */
static int looks_like_agent(const char *s, size_t n)
{
    if (n == 0 || n >= ROBOTS_SIGNAL_SCOPE_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || c == '=' || c == '"') return 0;
    }
    return 1;
}

/*
 * Parses a comma-separated directive list. scope/scope_len is the agent the
 * list starts scoped to (meta name), or empty; "agent: directive" switches the
 * scope for the rest of the list when allow_agent_prefix.
 */
static int parse_directives(robots_signal_list *list, robots_signal_source source,
                            const char *value, size_t len, const char *scope, size_t scope_len,
                            int allow_agent_prefix, const char *where, cs_error *err)
{
    char current_scope[ROBOTS_SIGNAL_SCOPE_MAX];
    robots_copy_field(current_scope, sizeof current_scope, scope, scope_len);
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && value[i] != ',')
            i++;
        const char *item = value + start;
        size_t item_len = i - start;
        i++;
        robots_trim(&item, &item_len);
        const char *colon = memchr(item, ':', item_len);
        if (colon && allow_agent_prefix) {
            const char *name = item;
            size_t name_len = (size_t)(colon - item);
            robots_trim(&name, &name_len);
            if (!is_valued_directive(name, name_len) && looks_like_agent(name, name_len)) {
                const char *item_end = item + item_len;
                robots_copy_field(current_scope, sizeof current_scope, name, name_len);
                item = colon + 1;
                item_len = (size_t)(item_end - item);
                robots_trim(&item, &item_len);
            }
        }
        robots_effect effect;
        unsigned flag;
        if (!classify_directive(item, item_len, &effect, &flag)) continue;
        robots_signal s;
        signal_init(&s, ROBOTS_SIGNAL_ROBOTS_DIRECTIVE, source, where);
        s.effect = effect;
        s.policy_flag = flag;
        robots_copy_field(s.value, sizeof s.value, item, item_len);
        robots_copy_field(s.scope, sizeof s.scope, current_scope, strlen(current_scope));
        int rc = robots_signal_add(list, &s, err);
        if (rc) return rc;
    }
    return CS_OK;
}

int robots_signals_from_x_robots_tag(robots_signal_list *list, const char *value, size_t len,
                                     const char *where, cs_error *err)
{
    int rc = check_args(list, value, len, err);
    if (rc) return rc;
    return parse_directives(list, ROBOTS_SOURCE_HEADER, value, len, "", 0, 1,
                            where ? where : "X-Robots-Tag", err);
}

/* Meta names that carry robots directives for clearset: robots, ours, AI crawlers. */
static int is_robots_meta_name(const char *name, size_t n)
{
    if (robots_ieq(name, n, "robots", 6)) return 1;
    if (robots_ieq(name, n, ROBOTS_OWN_AGENT, strlen(ROBOTS_OWN_AGENT))) return 1;
    char token[ROBOTS_SIGNAL_SCOPE_MAX];
    if (n >= sizeof token) return 0;
    robots_copy_field(token, sizeof token, name, n);
    return robots_is_ai_crawler(token);
}

int robots_signals_from_meta_robots(robots_signal_list *list, const char *name, size_t name_len,
                                    const char *content, size_t content_len, const char *where,
                                    cs_error *err)
{
    int rc = check_args(list, content, content_len, err);
    if (rc == CS_OK) rc = check_args(list, name, name_len, err);
    if (rc) return rc;
    robots_trim(&name, &name_len);
    if (!is_robots_meta_name(name, name_len)) return CS_OK;
    int all_agents = robots_ieq(name, name_len, "robots", 6);
    return parse_directives(list, ROBOTS_SOURCE_META, content, content_len, name,
                            all_agents ? 0 : name_len, 0, where ? where : "meta robots", err);
}

/* ---------------------------------------------------------------- TDMRep */

int robots_signals_from_tdm(robots_signal_list *list, robots_signal_source source,
                            const char *reservation, size_t reservation_len, const char *policy,
                            size_t policy_len, const char *where, cs_error *err)
{
    int rc = check_args(list, reservation, reservation_len, err);
    if (rc == CS_OK) rc = check_args(list, policy, policy_len, err);
    if (rc) return rc;
    if (reservation == NULL && policy == NULL) return CS_OK;
    robots_signal s;
    signal_init(&s, ROBOTS_SIGNAL_TDM_RESERVATION, source,
                where                          ? where
                : source == ROBOTS_SOURCE_META ? "meta tdm-reservation"
                                               : "tdm-reservation");
    if (reservation) {
        robots_trim(&reservation, &reservation_len);
        robots_copy_field(s.value, sizeof s.value, reservation, reservation_len);
        /* TDMRep: only 1 reserves; 0 says rights are not reserved. */
        if (robots_ieq(reservation, reservation_len, "1", 1))
            s.effect = ROBOTS_EFFECT_OPT_OUT;
        else if (robots_ieq(reservation, reservation_len, "0", 1))
            s.effect = ROBOTS_EFFECT_PERMIT;
    }
    if (policy) {
        robots_trim(&policy, &policy_len);
        robots_copy_field(s.detail, sizeof s.detail, policy, policy_len);
    }
    return robots_signal_add(list, &s, err);
}

/* ---------------------------------------------------------------- robots.txt based */

int robots_signals_from_ai_crawlers(robots_signal_list *list, const robots_rules *rules,
                                    const char *url, const char *where, cs_error *err)
{
    return robots_signals_from_ai_crawler_list(list, rules, NULL, url, where, err);
}

int robots_signals_from_ai_crawler_list(robots_signal_list *list, const robots_rules *rules,
                                        const robots_ai_crawlers *crawlers, const char *url,
                                        const char *where, cs_error *err)
{
    if (list == NULL) return cs_error_set(err, CS_EINVAL, "robots: no signal list");
    /* no group names any agent (only `*`, or no file): no crawler has rules of its own */
    if (rules == NULL || rules->agent_index_count == 0) return CS_OK;
    size_t count = robots_ai_crawlers_count(crawlers);
    for (size_t i = 0; i < count; i++) {
        const char *match = robots_ai_crawlers_match_token(crawlers, i);
        /* most robots.txt files name few of the list's crawlers: ask that first, so the
           duplicate check below (quadratic in the list) runs only for those named */
        if (match[0] == '\0' || !robots_has_specific_group(rules, match)) continue;
        int seen = 0; /* one check per distinct match token */
        for (size_t j = 0; j < i && !seen; j++) {
            const char *earlier = robots_ai_crawlers_match_token(crawlers, j);
            seen = robots_ieq(earlier, strlen(earlier), match, strlen(match));
        }
        if (seen) continue;
        robots_match m;
        robots_check(rules, match, url, &m);
        if (m.allowed) continue;
        robots_signal s;
        signal_init(&s, ROBOTS_SIGNAL_AI_CRAWLER_RULE, ROBOTS_SOURCE_ROBOTS_TXT,
                    where ? where : "robots.txt");
        const char *function = robots_ai_crawlers_function(crawlers, i);
        s.effect = robots_ai_crawler_function_trains(function) ? ROBOTS_EFFECT_OPT_OUT
                                                               : ROBOTS_EFFECT_NONE;
        s.line = m.line;
        const char *token = robots_ai_crawlers_token(crawlers, i);
        robots_copy_field(s.scope, sizeof s.scope, token, strlen(token));
        snprintf(s.value, sizeof s.value, "disallow: %s", m.pattern ? m.pattern : "");
        snprintf(s.detail, sizeof s.detail, "%s (%s, %s)", token,
                 robots_ai_crawlers_operator(crawlers, i), function);
        int rc = robots_signal_add(list, &s, err);
        if (rc) return rc;
    }
    return CS_OK;
}

/*
 * ai.txt (Spawning) is written in robots.txt grammar, and its rules are
 * usually wildcards over file names ("Disallow: *.jpg", or "/" "*.png$" anchored)
 * that robots_pattern_matches reads exactly as robots.txt patterns. Unlike
 * robots.txt, many ai.txt files state their rules without any User-Agent
 * line (the file is for AI crawlers only); such leading rules are read as the
 * `*` group, by parsing the file behind a "User-Agent: *" line of our own.
 */
#define AI_TXT_PREAMBLE "User-Agent: *\n"

int robots_signals_from_ai_txt(robots_signal_list *list, const char *bytes, size_t len,
                               const char *agent, const char *url, const char *where, cs_error *err)
{
    int rc = check_args(list, bytes, len, err);
    if (rc) return rc;
    if (len > ROBOTS_MAX_BYTES) len = ROBOTS_MAX_BYTES;
    size_t pre = strlen(AI_TXT_PREAMBLE);
    char *text = malloc(pre + len + 1);
    if (text == NULL) return cs_error_set(err, CS_ENOMEM, "robots: out of memory reading ai.txt");
    memcpy(text, AI_TXT_PREAMBLE, pre);
    if (len) memcpy(text + pre, bytes, len);
    robots_rules *rules = NULL;
    rc = robots_parse(text, pre + len, &rules, err);
    free(text);
    if (rc) return rc;
    robots_match m;
    robots_check(rules, agent, url, &m);
    if (m.line > 0) {
        robots_signal s;
        signal_init(&s, ROBOTS_SIGNAL_AI_TXT, ROBOTS_SOURCE_AI_TXT, where ? where : "ai.txt");
        s.effect = m.allowed ? ROBOTS_EFFECT_PERMIT : ROBOTS_EFFECT_OPT_OUT;
        s.line = m.line - 1; /* the file's own numbering */
        snprintf(s.value, sizeof s.value, "%s: %s", m.rule_is_allow ? "allow" : "disallow",
                 m.pattern ? m.pattern : "");
        rc = robots_signal_add(list, &s, err);
    }
    robots_free(rules);
    return rc;
}

/* ---------------------------------------------------------------- HTTP */

int robots_signals_from_http(robots_signal_list *list, int status, const char *crawler_price,
                             size_t price_len, const char *where, cs_error *err)
{
    int rc = check_args(list, crawler_price, price_len, err);
    if (rc) return rc;
    if (crawler_price) robots_trim(&crawler_price, &price_len);
    if (status != 402 && (crawler_price == NULL || price_len == 0)) return CS_OK;
    robots_signal s;
    signal_init(&s, ROBOTS_SIGNAL_PAYMENT_REQUIRED,
                status == 402 ? ROBOTS_SOURCE_HTTP_STATUS : ROBOTS_SOURCE_HEADER,
                where           ? where
                : status == 402 ? "HTTP status"
                                : "crawler-price");
    s.effect = ROBOTS_EFFECT_OPT_OUT;
    if (status == 402)
        snprintf(s.value, sizeof s.value, "402");
    else
        robots_copy_field(s.value, sizeof s.value, crawler_price, price_len);
    if (crawler_price && price_len)
        robots_copy_field(s.detail, sizeof s.detail, crawler_price, price_len);
    return robots_signal_add(list, &s, err);
}

/* ---------------------------------------------------------------- embedded metadata */

int robots_signals_from_data_mining(robots_signal_list *list, const char *value, size_t len,
                                    const char *where, cs_error *err)
{
    int rc = check_args(list, value, len, err);
    if (rc) return rc;
    robots_trim(&value, &len);
    if (len == 0) return CS_OK;
    /* "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING" or the bare term. */
    const char *term = value;
    size_t term_len = len;
    for (size_t i = len; i > 0; i--)
        if (value[i - 1] == '/') {
            term = value + i;
            term_len = len - i;
            break;
        }
    robots_signal s;
    signal_init(&s, ROBOTS_SIGNAL_DATA_MINING, ROBOTS_SOURCE_EMBEDDED,
                where ? where : "plus:DataMining");
    robots_copy_field(s.value, sizeof s.value, value, len);
    if (term_len >= 14 && robots_ieq(term, 14, "DMI-PROHIBITED", 14))
        s.effect = ROBOTS_EFFECT_OPT_OUT;
    else if (robots_ieq(term, term_len, "DMI-ALLOWED", 11))
        s.effect = ROBOTS_EFFECT_PERMIT;
    return robots_signal_add(list, &s, err);
}

int robots_signals_from_training_mining(robots_signal_list *list, const char *entry,
                                        size_t entry_len, const char *use, size_t use_len,
                                        const char *where, cs_error *err)
{
    int rc = check_args(list, use, use_len, err);
    if (rc == CS_OK) rc = check_args(list, entry, entry_len, err);
    if (rc) return rc;
    if (use == NULL) return CS_OK;
    robots_trim(&use, &use_len);
    robots_signal s;
    signal_init(&s, ROBOTS_SIGNAL_TRAINING_MINING, ROBOTS_SOURCE_EMBEDDED,
                where ? where : "c2pa.training-mining");
    robots_copy_field(s.value, sizeof s.value, use, use_len);
    if (entry) robots_copy_field(s.detail, sizeof s.detail, entry, entry_len);
    if (robots_ieq(use, use_len, "notAllowed", 10)) {
        s.effect = ROBOTS_EFFECT_OPT_OUT;
    } else if (robots_ieq(use, use_len, "constrained", 11)) {
        s.effect = ROBOTS_EFFECT_OPT_OUT; /* terms we cannot read: not a permission */
        snprintf(s.detail + strlen(s.detail), sizeof s.detail - strlen(s.detail), "%s%s",
                 s.detail[0] ? ": " : "", "constrained is not a permission");
    } else if (robots_ieq(use, use_len, "allowed", 7))
        s.effect = ROBOTS_EFFECT_PERMIT;
    return robots_signal_add(list, &s, err);
}
