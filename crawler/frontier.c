/*
 * frontier.c - which discovered URLs are worth queueing: crawler traps.
 *
 * The frontier itself lives in the catalog (dataset/frontier_store.c); this
 * file holds the checks applied before a URL goes in. Calendars, session
 * loops and relative-link mistakes make endless URL spaces; they show as
 * paths with very many segments or with one segment repeated
 * (/a/b/a/b/a/b/...). Depth and outlinks per page are bounded by the crawl
 * loop itself (crawl.c).
 */
#include "crawler/crawler_internal.h"

#include <string.h>

const char *frontier_trap_reason(const char *url, int max_path_segments, int max_repeats)
{
    cs_url_parts parts;
    if (cs_url_split(url, &parts) != CS_OK) return "not a URL";
    const char *path = url + parts.path_offset;
    size_t path_len = strcspn(path, "?");
    /* segment boundaries */
    const char *seg[256];
    size_t seg_len[256];
    int n = 0;
    for (size_t i = 0; i < path_len;) {
        size_t start = i + 1, end = start;
        while (end < path_len && path[end] != '/')
            end++;
        if (n >= max_path_segments || n >= (int)CS_ARRAY_LEN(seg))
            return "trap: too many path segments";
        seg[n] = path + start;
        seg_len[n] = end - start;
        n++;
        i = end;
    }
    for (int i = 0; i < n; i++) {
        if (seg_len[i] == 0) continue;
        int repeats = 1;
        for (int j = i + 1; j < n; j++)
            if (seg_len[j] == seg_len[i] && memcmp(seg[j], seg[i], seg_len[i]) == 0) repeats++;
        if (repeats > max_repeats) return "trap: repeated path segment";
    }
    return NULL;
}
