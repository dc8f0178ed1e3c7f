/*
 * ai_crawlers.c - the list of AI crawler product tokens with each one's
 * operator and function: the built-in list compiled in from
 * robots/ai_crawlers.txt (the build generates ai_crawlers_list.h with four
 * parallel arrays), and lists read at run time from a file in the same
 * format (`--ai-crawlers FILE`).
 *
 * A match token is the token's leading run of [A-Za-z_-], because the
 * reference matcher cuts a site's `User-agent:` value there before comparing
 * ("img2dataset" is read as "img"). For valid tokens the two are the same.
 *
 * The run-time reader accepts exactly what the build accepts (robots/
 * CMakeLists.txt): "TOKEN | OPERATOR | FUNCTION" lines, '#' comments, blank
 * lines, FUNCTION one of the words below; anything else is CS_EFORMAT naming
 * the line, so a refreshed list never silently loses a crawler.
 */
#include "robots/robots_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai_crawlers_list.h"

/* A crawler list is a few hundred lines; a file far bigger is not one. */
#define ROBOTS_AI_CRAWLERS_MAX_BYTES (1024 * 1024)
#define ROBOTS_AI_CRAWLERS_MAX       4096 /* entries per list */

_Static_assert(
    CS_ARRAY_LEN(robots_ai_crawler_tokens) == CS_ARRAY_LEN(robots_ai_crawler_match_tokens) &&
        CS_ARRAY_LEN(robots_ai_crawler_tokens) == CS_ARRAY_LEN(robots_ai_crawler_operators) &&
        CS_ARRAY_LEN(robots_ai_crawler_tokens) == CS_ARRAY_LEN(robots_ai_crawler_functions),
    "ai_crawlers_list.h arrays are parallel");

/* The columns of a list, parallel arrays of count strings each. */
enum { COL_TOKEN, COL_MATCH, COL_OPERATOR, COL_FUNCTION, COL_COUNT };

struct robots_ai_crawlers {
    size_t count;
    const char *const *columns[COL_COUNT];
    char *text;   /* a parsed list: the strings live here (NULL for the built-in one) */
    char **slots; /* a parsed list: the four columns, one allocation */
};

static const robots_ai_crawlers builtin = {
    .count = CS_ARRAY_LEN(robots_ai_crawler_tokens),
    .columns = {robots_ai_crawler_tokens, robots_ai_crawler_match_tokens,
                robots_ai_crawler_operators, robots_ai_crawler_functions},
};

static const char *const functions[] = {"training", "ai-search", "user-fetch", "ai-agent",
                                        "ai-data"};

const robots_ai_crawlers *robots_ai_crawlers_builtin(void)
{
    return &builtin;
}

static const robots_ai_crawlers *or_builtin(const robots_ai_crawlers *list)
{
    return list ? list : &builtin;
}

/* Entry i of one column, NULL past the end. */
static const char *cell(const robots_ai_crawlers *list, size_t i, int column)
{
    list = or_builtin(list);
    return i < list->count ? list->columns[column][i] : NULL;
}

size_t robots_ai_crawlers_count(const robots_ai_crawlers *list)
{
    return or_builtin(list)->count;
}

const char *robots_ai_crawlers_token(const robots_ai_crawlers *list, size_t i)
{
    return cell(list, i, COL_TOKEN);
}

const char *robots_ai_crawlers_match_token(const robots_ai_crawlers *list, size_t i)
{
    return cell(list, i, COL_MATCH);
}

const char *robots_ai_crawlers_operator(const robots_ai_crawlers *list, size_t i)
{
    return cell(list, i, COL_OPERATOR);
}

const char *robots_ai_crawlers_function(const robots_ai_crawlers *list, size_t i)
{
    return cell(list, i, COL_FUNCTION);
}

int robots_ai_crawler_function_trains(const char *function)
{
    return function && (strcmp(function, "training") == 0 || strcmp(function, "ai-data") == 0);
}

long robots_ai_crawlers_find(const robots_ai_crawlers *list, const char *token)
{
    if (token == NULL) return -1;
    list = or_builtin(list);
    size_t n = strlen(token);
    for (size_t i = 0; i < list->count; i++) {
        const char *listed = list->columns[COL_TOKEN][i], *match = list->columns[COL_MATCH][i];
        if (robots_ieq(listed, strlen(listed), token, n)) return (long)i;
        if (match[0] && robots_ieq(match, strlen(match), token, n)) return (long)i;
    }
    return -1;
}

/* The built-in list, as the site-owner tools and older callers use it. */
size_t robots_ai_crawler_count(void)
{
    return builtin.count;
}

const char *robots_ai_crawler(size_t i)
{
    return robots_ai_crawlers_token(&builtin, i);
}

const char *robots_ai_crawler_match_token(size_t i)
{
    return robots_ai_crawlers_match_token(&builtin, i);
}

const char *robots_ai_crawler_operator(size_t i)
{
    return robots_ai_crawlers_operator(&builtin, i);
}

const char *robots_ai_crawler_function(size_t i)
{
    return robots_ai_crawlers_function(&builtin, i);
}

int robots_is_ai_crawler(const char *token)
{
    return robots_ai_crawlers_find(&builtin, token) >= 0;
}

/* ---------------------------------------------------------------- run-time lists */

void robots_ai_crawlers_free(robots_ai_crawlers *list)
{
    if (list == NULL || list == &builtin) return;
    free(list->text);
    free(list->slots);
    free(list);
}

/* Splits [s, s+n) at '|' into three trimmed fields; 0 unless there are exactly three. */
static int split_fields(char *s, size_t n, char *field[3], size_t len[3])
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '|') continue;
        if (k == 3) return 0;
        const char *f = s + start;
        size_t fl = i - start;
        robots_trim(&f, &fl);
        field[k] = (char *)f;
        len[k++] = fl;
        start = i + 1;
    }
    return k == 3 && len[0] > 0 && len[1] > 0 && len[2] > 0;
}

int robots_ai_crawlers_parse(const char *bytes, size_t len, robots_ai_crawlers **out, cs_error *err)
{
    if (out) *out = NULL;
    if (out == NULL || (bytes == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "ai crawler list: bad arguments");
    if (len > ROBOTS_AI_CRAWLERS_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "ai crawler list: %zu bytes, more than the %d allowed",
                            len, ROBOTS_AI_CRAWLERS_MAX_BYTES);
    robots_ai_crawlers *list = calloc(1, sizeof *list);
    /* the file's bytes, then room for the match tokens cut from invalid tokens */
    char *text = malloc(2 * len + 2);
    /* at most one entry per six bytes ("x|y|z\n"): sized once, never grown */
    size_t max = CS_MIN(len / 6 + 1, (size_t)ROBOTS_AI_CRAWLERS_MAX);
    char **slots = calloc(4 * max, sizeof *slots);
    if (list == NULL || text == NULL || slots == NULL) {
        free(list), free(text), free(slots);
        return cs_error_set(err, CS_ENOMEM, "ai crawler list: out of memory");
    }
    if (len) memcpy(text, bytes, len);
    text[len] = '\0';
    list->text = text;
    list->slots = slots;
    char *spare = text + len + 1;
    char **tokens = slots, **matches = slots + max, **operators = slots + 2 * max,
         **funcs = slots + 3 * max;
    int line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        char *s = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        char *hash = memchr(s, '#', n);
        if (hash) n = (size_t)(hash - s);
        const char *blank = s;
        size_t blank_len = n;
        robots_trim(&blank, &blank_len);
        if (blank_len == 0) continue;
        char *field[3];
        size_t flen[3];
        int ok = split_fields(s, n, field, flen);
        size_t f = 0;
        while (ok && f < CS_ARRAY_LEN(functions) &&
               !(strlen(functions[f]) == flen[2] && memcmp(functions[f], field[2], flen[2]) == 0))
            f++;
        if (!ok || f == CS_ARRAY_LEN(functions)) {
            robots_ai_crawlers_free(list);
            return cs_error_set(err, CS_EFORMAT,
                                "ai crawler list: line %d is not TOKEN | OPERATOR | FUNCTION "
                                "(training, ai-search, user-fetch, ai-agent, ai-data)",
                                line);
        }
        if (list->count == max) {
            robots_ai_crawlers_free(list);
            return cs_error_set(err, CS_ELIMIT, "ai crawler list: more than %zu crawlers", max);
        }
        for (int k = 0; k < 3; k++)
            field[k][flen[k]] = '\0'; /* each field ends before its '|', '#' or newline */
        size_t i = list->count++;
        tokens[i] = field[0];
        operators[i] = field[1];
        funcs[i] = (char *)functions[f];
        /* the match token: the token itself, or a copy of its leading valid part */
        size_t keep = robots_agent_prefix_len(field[0], flen[0]);
        if (keep == flen[0]) {
            matches[i] = field[0];
        } else {
            memcpy(spare, field[0], keep);
            spare[keep] = '\0';
            matches[i] = spare;
            spare += keep + 1;
        }
    }
    list->columns[COL_TOKEN] = (const char *const *)tokens;
    list->columns[COL_MATCH] = (const char *const *)matches;
    list->columns[COL_OPERATOR] = (const char *const *)operators;
    list->columns[COL_FUNCTION] = (const char *const *)funcs;
    *out = list;
    return CS_OK;
}
