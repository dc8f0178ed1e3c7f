/*
 * seen.c - the URLs this crawl knows to be in the frontier, with their ids,
 * so that a link met again costs no catalog statement.
 *
 * Pages repeat most of their links: navigation, the home page, a footer.
 * Each repeat was an INSERT that conflicted and a SELECT for the id, two
 * statements per link on every page. The cache is direct-mapped: a URL's slot
 * is its hash modulo CRAWL_SEEN_SLOTS, and a newer URL replaces the older one
 * in its slot, so memory stays bounded (the slots and the URLs they hold)
 * however large the crawl; a URL pushed out only costs the two statements
 * again. The cache answers one question, the id of a URL already queued,
 * never whether to fetch it: that stays with the frontier. Ids stay valid
 * for the whole crawl: frontier rows are never deleted, and a catalog error
 * that rolls back a transaction stops the crawl before a rolled-back id
 * could be used. The one rollback the crawl survives, a worker's transaction
 * that a conflict ended (crawl.c runs it again), forgets what it added: each
 * URL remembers the generation it was added in, crawl_seen_mark starts a new
 * one before the transaction, and crawl_seen_forget_since empties the slots
 * of the generations since (older URLs they replaced are just forgotten).
 */
#include "crawler/crawler_internal.h"

#include <stdlib.h>
#include <string.h>

/* 16,384 slots: 256 KB of slots plus the URLs, enough for every link of a site's pages
   that are crawled close together. A power of two. */
#define CRAWL_SEEN_SLOTS 16384

static crawl_seen_slot *slot_of(const crawl_seen *seen, const char *url)
{
    return &seen->slots[cs_text_hash(url) & (CRAWL_SEEN_SLOTS - 1)];
}

int64_t crawl_seen_find(const crawl_seen *seen, const char *url)
{
    if (seen->slots == NULL) return 0;
    const crawl_seen_slot *slot = slot_of(seen, url);
    return slot->url && strcmp(slot->url, url) == 0 ? slot->id : 0;
}

void crawl_seen_add(crawl_seen *seen, const char *url, int64_t id)
{
    if (id <= 0) return;
    if (seen->slots == NULL) {
        seen->slots = calloc(CRAWL_SEEN_SLOTS, sizeof *seen->slots);
        if (seen->slots == NULL) return; /* no cache: every link asks the catalog */
    }
    crawl_seen_slot *slot = slot_of(seen, url);
    if (slot->url && strcmp(slot->url, url) == 0) return;
    char *copy = strdup(url);
    if (copy == NULL) return;
    free(slot->url);
    slot->url = copy;
    slot->id = id;
    slot->generation = seen->generation;
}

uint64_t crawl_seen_mark(crawl_seen *seen)
{
    return ++seen->generation;
}

void crawl_seen_forget_since(crawl_seen *seen, uint64_t mark)
{
    for (size_t i = 0; seen->slots && i < CRAWL_SEEN_SLOTS; i++) {
        crawl_seen_slot *slot = &seen->slots[i];
        if (slot->url == NULL || slot->generation < mark) continue;
        free(slot->url);
        slot->url = NULL;
        slot->id = 0;
    }
}

void crawl_seen_free(crawl_seen *seen)
{
    if (seen->slots)
        for (size_t i = 0; i < CRAWL_SEEN_SLOTS; i++)
            free(seen->slots[i].url);
    free(seen->slots);
    seen->slots = NULL;
}
