/*
 * preferences.c - usage preferences: IETF AIPREF Content-Usage and
 * contentsignals.org Content-Signal, in robots.txt lines and in HTTP response
 * headers, to signals.
 *
 * Content-Usage (draft-ietf-aipref-vocab, -attach, 2026) is an RFC 9651
 * dictionary (sfv.c): "train-ai=n, search=y". Labels are case-sensitive,
 * only the tokens y and n count, and a value that does not parse states no
 * preference at all. train-ai covers training models that generate content,
 * which is what clearset's sets are for. Labels of earlier drafts and of
 * deployed variants (train-genai, ai-use, tdm, genai, ai, all, bots) are still
 * honoured when n, as a reservation the site meant, and marked legacy-label.
 * In robots.txt a line may start with a path: of the lines that match a URL
 * the one with the longest path applies, and of several with equally long
 * paths the most restrictive (any n) wins.
 *
 * Content-Signal is "key=yes|no" pairs (search, ai-input, ai-train). Some
 * sites write allow/disallow; they are recorded as written, marked
 * non-standard, and disallow counts as no. An edge default (a CDN adding
 * "ai-train=yes" to every response) can never undo a site's no: permissions
 * never cancel an opt-out (decide.c).
 */
#include "robots/robots_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROBOTS_DETAIL_LEGACY      "legacy-label"
#define ROBOTS_DETAIL_NONSTANDARD "non-standard value"
#define ROBOTS_DETAIL_INVALID     "not an RFC 9651 dictionary: no preference"

static int eq(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

void robots_content_usage_parse(const char *s, size_t n, robots_preference *out)
{
    static const char *const legacy[] = {"train-genai", "ai-use", "tdm", "genai",
                                         "ai",          "all",    "bots"};
    robots_sf_member members[ROBOTS_SF_MAX_MEMBERS];
    size_t count = 0;
    robots_trim(&s, &n);
    if (robots_sf_dictionary(s, n, members, CS_ARRAY_LEN(members), &count) != 0) {
        out->invalid = 1;
        return;
    }
    int legacy_no = 0;
    for (size_t i = 0; i < count; i++) {
        const robots_sf_member *m = &members[i];
        if (m->type != ROBOTS_SF_TOKEN) continue;
        robots_pref value = eq(m->value, m->value_len, "y")   ? ROBOTS_PREF_YES
                            : eq(m->value, m->value_len, "n") ? ROBOTS_PREF_NO
                                                              : ROBOTS_PREF_UNSET;
        if (value == ROBOTS_PREF_UNSET) continue;
        if (eq(m->key, m->key_len, "train-ai")) {
            out->ai_train = value;
        } else if (eq(m->key, m->key_len, "search")) {
            out->search = value;
        } else if (value == ROBOTS_PREF_NO) {
            for (size_t k = 0; k < CS_ARRAY_LEN(legacy); k++)
                if (eq(m->key, m->key_len, legacy[k])) legacy_no = 1;
        }
    }
    if (legacy_no && out->ai_train != ROBOTS_PREF_NO) {
        out->ai_train = ROBOTS_PREF_NO;
        out->legacy = 1;
    }
}

/* yes/no (and y/n), case-insensitive; allow/disallow set *nonstandard. */
static robots_pref signal_value(const char *s, size_t n, int *nonstandard)
{
    robots_trim(&s, &n);
    if (robots_ieq(s, n, "yes", 3) || robots_ieq(s, n, "y", 1)) return ROBOTS_PREF_YES;
    if (robots_ieq(s, n, "no", 2) || robots_ieq(s, n, "n", 1)) return ROBOTS_PREF_NO;
    if (robots_ieq(s, n, "allow", 5)) return *nonstandard = 1, ROBOTS_PREF_YES;
    if (robots_ieq(s, n, "disallow", 8)) return *nonstandard = 1, ROBOTS_PREF_NO;
    return ROBOTS_PREF_UNSET;
}

void robots_content_signal_parse(const char *s, size_t n, robots_preference *out)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && s[i] != ',' && s[i] != ';')
            i++;
        const char *item = s + start;
        size_t item_len = i - start;
        i++;
        const char *eqs = memchr(item, '=', item_len);
        if (eqs == NULL) continue;
        const char *key = item;
        size_t key_len = (size_t)(eqs - item);
        size_t value_len = item_len - key_len - 1;
        robots_trim(&key, &key_len);
        int nonstandard = 0;
        robots_pref value = signal_value(eqs + 1, value_len, &nonstandard);
        if (value == ROBOTS_PREF_UNSET) continue;
        if (robots_ieq(key, key_len, "search", 6)) {
            out->search = value;
        } else if (robots_ieq(key, key_len, "ai-input", 8)) {
            out->ai_input = value;
        } else if (robots_ieq(key, key_len, "ai-train", 8)) {
            /* A "no" wins over a "yes" repeated in the same value. */
            if (out->ai_train != ROBOTS_PREF_NO) {
                out->ai_train = value;
                out->nonstandard = nonstandard;
            }
        }
    }
}

/* The signal one preference makes (kind, effect, value, detail); the caller sets the rest. */
static void preference_signal(const robots_preference *p, robots_signal_source source,
                              const char *where, robots_signal *s)
{
    memset(s, 0, sizeof *s);
    s->kind = p->is_content_usage ? ROBOTS_SIGNAL_CONTENT_USAGE : ROBOTS_SIGNAL_CONTENT_SIGNAL;
    s->source = source;
    s->line = p->line;
    if (where) robots_copy_field(s->where, sizeof s->where, where, strlen(where));
    robots_copy_field(s->value, sizeof s->value, p->value, strlen(p->value));
    if (p->invalid) {
        snprintf(s->detail, sizeof s->detail, "%s", ROBOTS_DETAIL_INVALID);
        return;
    }
    if (p->ai_train == ROBOTS_PREF_NO)
        s->effect = ROBOTS_EFFECT_OPT_OUT;
    else if (p->ai_train == ROBOTS_PREF_YES)
        s->effect = ROBOTS_EFFECT_PERMIT;
    if (p->legacy) snprintf(s->detail, sizeof s->detail, "%s", ROBOTS_DETAIL_LEGACY);
    if (p->nonstandard) snprintf(s->detail, sizeof s->detail, "%s", ROBOTS_DETAIL_NONSTANDARD);
}

int robots_signals_from_preferences(robots_signal_list *list, const robots_rules *rules,
                                    const char *agent, const char *url, const char *where,
                                    cs_error *err)
{
    if (list == NULL) return cs_error_set(err, CS_EINVAL, "robots: no signal list");
    size_t n = robots_preferences(rules, agent, url, NULL, 0);
    if (n == 0) return CS_OK;
    robots_preference *prefs = calloc(n, sizeof *prefs);
    if (prefs == NULL) return cs_error_set(err, CS_ENOMEM, "robots: out of memory");
    robots_preferences(rules, agent, url, prefs, n);
    /* Content-Usage: the longest matching path applies (a line without one has length 0). */
    size_t longest = 0;
    int longest_line = 0;
    for (size_t i = 0; i < n; i++)
        if (prefs[i].is_content_usage && !prefs[i].invalid &&
            (longest_line == 0 || prefs[i].path_len > longest)) {
            longest = prefs[i].path_len;
            longest_line = prefs[i].line;
        }
    int rc = CS_OK;
    for (size_t i = 0; i < n && rc == CS_OK; i++) {
        robots_signal s;
        preference_signal(&prefs[i], ROBOTS_SOURCE_ROBOTS_TXT, where ? where : "robots.txt", &s);
        if (prefs[i].is_content_usage && !prefs[i].invalid && prefs[i].path_len < longest) {
            s.effect = ROBOTS_EFFECT_NONE;
            snprintf(s.detail, sizeof s.detail, "overridden by line %d (a longer path)",
                     longest_line);
        }
        rc = robots_signal_add(list, &s, err);
    }
    free(prefs);
    return rc;
}

static int from_header(robots_signal_list *list, int is_usage, const char *value, size_t len,
                       const char *where, cs_error *err)
{
    if (list == NULL || (value == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "robots: bad arguments to a signal producer");
    robots_trim(&value, &len);
    if (len == 0) return CS_OK;
    char text[ROBOTS_SIGNAL_VALUE_MAX];
    robots_copy_field(text, sizeof text, value, len);
    robots_preference p = {.is_content_usage = is_usage, .value = text};
    if (is_usage)
        robots_content_usage_parse(value, len, &p);
    else
        robots_content_signal_parse(value, len, &p);
    robots_signal s;
    preference_signal(&p, ROBOTS_SOURCE_HEADER,
                      where      ? where
                      : is_usage ? "Content-Usage"
                                 : "Content-Signal",
                      &s);
    return robots_signal_add(list, &s, err);
}

int robots_signals_from_content_usage_header(robots_signal_list *list, const char *value,
                                             size_t len, const char *where, cs_error *err)
{
    return from_header(list, 1, value, len, where, err);
}

int robots_signals_from_content_signal_header(robots_signal_list *list, const char *value,
                                              size_t len, const char *where, cs_error *err)
{
    return from_header(list, 0, value, len, where, err);
}
