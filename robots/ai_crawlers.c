/*
 * ai_crawlers.c - the list of well-known AI crawler product tokens, compiled
 * in from robots/ai_crawlers.txt (the build generates ai_crawlers_list.h with
 * two parallel arrays: the tokens as listed, and their match tokens).
 *
 * A match token is the token's leading run of [A-Za-z_-], because the
 * reference matcher cuts a site's `User-agent:` value there before comparing
 * ("img2dataset" is read as "img"). For valid tokens the two are the same.
 */
#include "robots/robots_internal.h"

#include <string.h>

#include "ai_crawlers_list.h"

_Static_assert(CS_ARRAY_LEN(robots_ai_crawler_tokens) ==
                   CS_ARRAY_LEN(robots_ai_crawler_match_tokens),
               "ai_crawlers_list.h arrays are parallel");

size_t robots_ai_crawler_count(void)
{
    return CS_ARRAY_LEN(robots_ai_crawler_tokens);
}

const char *robots_ai_crawler(size_t i)
{
    return i < robots_ai_crawler_count() ? robots_ai_crawler_tokens[i] : NULL;
}

const char *robots_ai_crawler_match_token(size_t i)
{
    return i < robots_ai_crawler_count() ? robots_ai_crawler_match_tokens[i] : NULL;
}

int robots_is_ai_crawler(const char *token)
{
    if (token == NULL) return 0;
    size_t n = strlen(token);
    for (size_t i = 0; i < robots_ai_crawler_count(); i++) {
        const char *listed = robots_ai_crawler_tokens[i];
        const char *match = robots_ai_crawler_match_tokens[i];
        if (robots_ieq(listed, strlen(listed), token, n)) return 1;
        if (match[0] && robots_ieq(match, strlen(match), token, n)) return 1;
    }
    return 0;
}
