/*
 * policy.c - an origin's policy files (robots.txt, /.well-known/tdmrep.json,
 * /ai.txt): which one to request next and what a response to it means. The
 * crawl (crawl.c and record.c, many hosts at once, cached in the catalog) and
 * `clearset signals` (signals.c, one request at a time) both drive this one
 * piece, so both follow the same redirects, read statuses alike and keep the
 * same bytes; when to send a request (politeness) and what to store stay the
 * caller's.
 *
 * The state lives in crawl_host: rules stay NULL until robots.txt is known.
 *   1. robots.txt first (RFC 9309 2.2.2). A 3xx with a usable Location is
 *      followed up to CRAWL_ROBOTS_MAX_REDIRECTS hops (2.3.1.2): the target
 *      becomes host->robots_url, the next request. Then the status decides
 *      (policy_rules_for_status): 2xx parsed (the fetcher keeps the first
 *      500 KiB, 2.5), other 3xx and 4xx allow all (2.3.1.3), 5xx, 429 and no
 *      response at all disallow all (2.3.1.4, "unreachable"). A response cut
 *      off inside its headers is no response (fetch.c), so it is unreachable.
 *   2. tdmrep.json, then ai.txt, once each, when robots.txt allows them;
 *      otherwise marked POLICY_STATUS_SKIPPED and never requested. A 2xx body
 *      is kept (copied) for the signals it carries.
 *   3. RSL 1.0 documents: robots.txt's License URLs, and those a page or a
 *      response points to (policy_rsl_discover), each once per host, parsed
 *      when it arrives. One on this origin is requested when robots.txt
 *      allows it; one on another origin is the caller's to send under that
 *      origin's robots.txt and delay (crawl.c, signals.c). A redirect of an
 *      RSL document is not followed: its 3xx is kept as its status.
 * A refused address (private, reserved, loopback without allow_loopback) is
 * this run's setting, not the site's answer: nothing is learned from it, the
 * file stays unknown and the caller reports the refusal instead of caching it.
 */
#include "crawler/crawler_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int policy_robots_unreachable(int status)
{
    return status < 200 || status >= 500 || status == 429;
}

robots_rules *policy_rules_for_status(int status, const unsigned char *body, size_t len)
{
    robots_rules *rules = NULL;
    if (status >= 200 && status < 300)
        robots_parse((const char *)body, body ? len : 0, &rules, NULL);
    else if (!policy_robots_unreachable(status))
        robots_new_allow_all(&rules, NULL); /* RFC 9309 2.3.1.3: unavailable */
    else
        robots_new_disallow_all(&rules, NULL); /* 2.3.1.4: unreachable, 5xx, 429 */
    return rules;
}

static const char *const file_paths[] = {"/.well-known/tdmrep.json", "/ai.txt"};

crawl_rsl_doc *policy_rsl_find(crawl_host *host, const char *url)
{
    for (size_t i = 0; i < host->rsl_count; i++)
        if (strcmp(host->rsl_docs[i].url, url) == 0) return &host->rsl_docs[i];
    return NULL;
}

void policy_rsl_set(crawl_rsl_doc *doc, int status, const unsigned char *body, size_t len)
{
    robots_rsl_free(&doc->rsl);
    doc->parsed = 0;
    doc->status = status;
    if (status >= 200 && status < 300 && body)
        doc->parsed = robots_rsl_parse((const char *)body, len, &doc->rsl, NULL) == CS_OK;
}

int policy_rsl_add(crawl_host *host, const char *url, const char *via, const char *for_url,
                   const char *text, size_t len, int *added)
{
    if (added) *added = 0;
    if (policy_rsl_find(host, url) || host->rsl_count >= CRAWL_MAX_RSL_DOCS) return CS_OK;
    if (cs_array_reserve((void **)&host->rsl_docs, &host->rsl_cap, host->rsl_count,
                         sizeof *host->rsl_docs, 0) != CS_OK)
        return CS_ENOMEM;
    crawl_rsl_doc *doc = &host->rsl_docs[host->rsl_count];
    memset(doc, 0, sizeof *doc);
    doc->url = strdup(url);
    doc->via = strdup(via ? via : "");
    doc->for_url = for_url ? strdup(for_url) : NULL;
    if (doc->url == NULL || doc->via == NULL || (for_url && doc->for_url == NULL)) {
        free(doc->url);
        free(doc->via);
        free(doc->for_url);
        return CS_ENOMEM;
    }
    doc->status = POLICY_STATUS_UNKNOWN;
    host->rsl_count++;
    if (text) policy_rsl_set(doc, 200, (const unsigned char *)text, len);
    if (added) *added = 1;
    return CS_OK;
}

int policy_rsl_pending(const crawl_host *host)
{
    for (size_t i = 0; i < host->rsl_count; i++)
        if (host->rsl_docs[i].status == POLICY_STATUS_UNKNOWN) return 1;
    return 0;
}

int policy_settled(const crawl_host *host)
{
    return host->rules != NULL && host->tdmrep_status != POLICY_STATUS_UNKNOWN &&
           host->ai_txt_status != POLICY_STATUS_UNKNOWN && host->rsl_from_robots &&
           !policy_rsl_pending(host);
}

void policy_rsl_free(crawl_host *host)
{
    for (size_t i = 0; i < host->rsl_count; i++) {
        free(host->rsl_docs[i].url);
        free(host->rsl_docs[i].via);
        free(host->rsl_docs[i].for_url);
        robots_rsl_free(&host->rsl_docs[i].rsl);
    }
    free(host->rsl_docs);
    host->rsl_docs = NULL;
    host->rsl_count = host->rsl_cap = 0;
}

int policy_rsl_discover(crawl_host *host, const crawler_response *resp,
                        const crawler_html_page *page, size_t *added)
{
    char via[CS_URL_SIZE + 32];
    int rc = CS_OK, fresh = 0;
    *added = 0;
    for (size_t i = 0; resp && i < resp->header_count && rc == CS_OK; i++) {
        if (strcasecmp(resp->headers[i].name, "Link") != 0) continue;
        char links[CRAWLER_MAX_RSL_LINKS][CS_URL_SIZE];
        size_t n = crawler_link_rsl(resp->url, resp->headers[i].value,
                                    strlen(resp->headers[i].value), links, CRAWLER_MAX_RSL_LINKS);
        snprintf(via, sizeof via, "Link header of %s", resp->url);
        for (size_t k = 0; k < n && rc == CS_OK; k++) {
            rc = policy_rsl_add(host, links[k], via, resp->url, NULL, 0, &fresh);
            *added += (size_t)fresh;
        }
    }
    for (size_t i = 0; page && resp && i < page->rsl_count && rc == CS_OK; i++) {
        const crawler_html_rsl *r = &page->rsl[i];
        char inline_url[CS_URL_SIZE + 32];
        if (r->url) {
            snprintf(via, sizeof via, "HTML link on %s", resp->url);
            rc = policy_rsl_add(host, r->url, via, resp->url, NULL, 0, &fresh);
        } else {
            snprintf(via, sizeof via, "inline script on %s", resp->url);
            snprintf(inline_url, sizeof inline_url, POLICY_RSL_SCRIPT_URL, resp->url, i);
            rc = policy_rsl_add(host, inline_url, via, resp->url, r->text, r->len, &fresh);
        }
        *added += (size_t)fresh;
    }
    return rc;
}

policy_step policy_next(crawl_host *host, char url[CS_URL_SIZE], crawler_kind *kind)
{
    if (host->rules == NULL) {
        *kind = CRAWLER_KIND_ROBOTS;
        if (host->robots_url)
            cs_strlcpy(url, host->robots_url, CS_URL_SIZE);
        else
            snprintf(url, CS_URL_SIZE, "%s/robots.txt", host->origin);
        return POLICY_FETCH;
    }
    int *statuses[2] = {&host->tdmrep_status, &host->ai_txt_status};
    const crawler_kind kinds[2] = {CRAWLER_KIND_TDMREP, CRAWLER_KIND_AI_TXT};
    for (int i = 0; i < 2; i++) {
        if (*statuses[i] != POLICY_STATUS_UNKNOWN) continue;
        *kind = kinds[i];
        if (!robots_allowed(host->rules, ROBOTS_OWN_AGENT, file_paths[i])) {
            *statuses[i] = POLICY_STATUS_SKIPPED;
            return POLICY_SKIPPED;
        }
        snprintf(url, CS_URL_SIZE, "%s%s", host->origin, file_paths[i]);
        return POLICY_FETCH;
    }
    if (!host->rsl_from_robots) {
        host->rsl_from_robots = 1; /* a memory failure costs the documents, not the crawl */
        for (size_t i = 0; i < robots_license_count(host->rules); i++)
            policy_rsl_add(host, robots_license(host->rules, i), "robots.txt License", NULL, NULL,
                           0, NULL);
    }
    for (size_t i = 0; i < host->rsl_count; i++) {
        crawl_rsl_doc *doc = &host->rsl_docs[i];
        if (doc->status != POLICY_STATUS_UNKNOWN) continue;
        *kind = CRAWLER_KIND_RSL;
        cs_strlcpy(url, doc->url, CS_URL_SIZE);
        cs_url_parts parts;
        if (cs_url_split(doc->url, &parts) != CS_OK ||
            (strcmp(parts.origin, host->origin) == 0 &&
             !robots_allowed(host->rules, ROBOTS_OWN_AGENT, doc->url))) {
            doc->status = POLICY_STATUS_SKIPPED; /* robots.txt keeps us from it: never asked */
            return POLICY_SKIPPED;
        }
        return POLICY_FETCH;
    }
    return POLICY_DONE;
}

/* robots.txt's response: a redirect to follow, or the rules. */
static int absorb_robots(crawl_host *host, const crawler_response *resp, policy_outcome *out,
                         cs_error *err)
{
    const char *location = crawler_response_header(resp, "Location");
    char next[CS_URL_SIZE];
    if (out->status >= 300 && out->status < 400 && location &&
        host->robots_hops < CRAWL_ROBOTS_MAX_REDIRECTS &&
        cs_url_resolve(resp->url, location, strlen(location), next, NULL) == CS_OK) {
        char *copy = strdup(next);
        if (copy == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
        free(host->robots_url);
        host->robots_url = copy;
        host->robots_hops++;
        out->redirected = 1; /* rules stay unknown: the next request follows it */
        return CS_OK;
    }
    robots_rules *rules = policy_rules_for_status(out->status, resp->body, resp->body_len);
    if (rules == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    robots_free(host->rules);
    host->rules = rules;
    host->robots_status = out->status;
    free(host->robots_url);
    host->robots_url = NULL;
    host->robots_hops = 0;
    return CS_OK;
}

/* tdmrep.json's or ai.txt's response: its status, and its body when 2xx. */
static int absorb_file(crawl_host *host, const crawler_response *resp, policy_outcome *out,
                       cs_error *err)
{
    int tdm = resp->kind == CRAWLER_KIND_TDMREP;
    unsigned char *body = NULL;
    size_t len = 0;
    if (out->status >= 200 && out->status < 300 && resp->body) {
        body = malloc(resp->body_len + 1);
        if (body == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
        memcpy(body, resp->body, resp->body_len + 1); /* the fetcher's NUL too */
        len = resp->body_len;
    }
    unsigned char **body_field = tdm ? &host->tdmrep_body : &host->ai_txt_body;
    free(*body_field);
    *body_field = body;
    *(tdm ? &host->tdmrep_len : &host->ai_txt_len) = len;
    *(tdm ? &host->tdmrep_status : &host->ai_txt_status) = out->status;
    return CS_OK;
}

int policy_absorb(crawl_host *host, const crawler_response *resp, policy_outcome *out,
                  cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (resp->error == CS_EDENIED) {
        out->refused = 1; /* nothing learned; a later run allowed to connect asks again */
        if (resp->kind == CRAWLER_KIND_ROBOTS) {
            free(host->robots_url);
            host->robots_url = NULL;
            host->robots_hops = 0;
        }
        return CS_OK;
    }
    if (resp->error == CS_ENOMEM) return cs_error_set(err, CS_ENOMEM, "%s", resp->error_message);
    out->status = resp->error == CS_OK ? (int)resp->status : 0;
    if (resp->kind == CRAWLER_KIND_ROBOTS) return absorb_robots(host, resp, out, err);
    if (resp->kind == CRAWLER_KIND_TDMREP || resp->kind == CRAWLER_KIND_AI_TXT)
        return absorb_file(host, resp, out, err);
    if (resp->kind == CRAWLER_KIND_RSL) {
        crawl_rsl_doc *doc = policy_rsl_find(host, resp->url);
        if (doc) policy_rsl_set(doc, out->status, resp->body, resp->body_len);
        return CS_OK;
    }
    return cs_error_set(err, CS_EINVAL, "%s is no policy file", resp->url);
}
