/*
 * signals.c - hands every piece of opt-out evidence the crawler sees to
 * robots/, which turns it into signals: response headers (X-Robots-Tag,
 * TDMRep tdm-reservation/tdm-policy, 402 and crawler-price), the host's
 * robots.txt (Content-Signal, Content-Usage, rules for AI-training crawlers),
 * /.well-known/tdmrep.json, /ai.txt, the page's meta elements, and for
 * `clearset signals` on an image its embedded IPTC plus:DataMining. Nothing
 * here decides anything: robots_decide does, and the catalog keeps the raw
 * signals so the decision can be shown and made again later.
 */
#include "crawler/crawler_internal.h"
#include "license/license.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <time.h>

int signals_from_response(robots_signal_list *list, const crawler_response *resp, cs_error *err)
{
    const char *tdm = NULL, *tdm_policy = NULL, *price = NULL;
    for (size_t i = 0; i < resp->header_count; i++) {
        const crawler_header *h = &resp->headers[i];
        if (strcasecmp(h->name, "X-Robots-Tag") == 0) {
            int rc =
                robots_signals_from_x_robots_tag(list, h->value, strlen(h->value), resp->url, err);
            if (rc != CS_OK) return rc;
        } else if (strcasecmp(h->name, "tdm-reservation") == 0) {
            tdm = h->value;
        } else if (strcasecmp(h->name, "tdm-policy") == 0) {
            tdm_policy = h->value;
        } else if (strcasecmp(h->name, "crawler-price") == 0) {
            price = h->value;
        }
    }
    if (tdm || tdm_policy) {
        int rc = robots_signals_from_tdm(list, ROBOTS_SOURCE_HEADER, tdm, tdm ? strlen(tdm) : 0,
                                         tdm_policy, tdm_policy ? strlen(tdm_policy) : 0, resp->url,
                                         err);
        if (rc != CS_OK) return rc;
    }
    return robots_signals_from_http(list, (int)resp->status, price, price ? strlen(price) : 0,
                                    resp->url, err);
}

int signals_from_host(robots_signal_list *list, const crawl_host *host, const char *url,
                      cs_error *err)
{
    char where[CRAWLER_URL_SIZE + 32];
    int rc = CS_OK;
    if (host->rules) {
        snprintf(where, sizeof where, "%s/robots.txt", host->origin);
        rc = robots_signals_from_preferences(list, host->rules, ROBOTS_OWN_AGENT, url, where, err);
        if (rc == CS_OK) rc = robots_signals_from_ai_crawlers(list, host->rules, url, where, err);
        if (rc != CS_OK) return rc;
    }
    if (host->tdmrep_status >= 200 && host->tdmrep_status < 300 && host->tdmrep_body) {
        snprintf(where, sizeof where, "%s/.well-known/tdmrep.json", host->origin);
        rc = robots_signals_from_tdmrep_json(list, (const char *)host->tdmrep_body,
                                             host->tdmrep_len, url, where, err);
        if (rc == CS_EFORMAT) rc = CS_OK; /* a malformed file says nothing */
        if (rc != CS_OK) return rc;
    }
    if (host->ai_txt_status >= 200 && host->ai_txt_status < 300 && host->ai_txt_body) {
        snprintf(where, sizeof where, "%s/ai.txt", host->origin);
        rc = robots_signals_from_ai_txt(list, (const char *)host->ai_txt_body, host->ai_txt_len,
                                        ROBOTS_OWN_AGENT, url, where, err);
    }
    return rc;
}

int signals_from_page(robots_signal_list *list, const crawler_html_page *page, const char *url,
                      cs_error *err)
{
    const char *tdm = NULL, *tdm_policy = NULL;
    for (size_t i = 0; i < page->meta_count; i++) {
        const crawler_html_meta *m = &page->metas[i];
        if (strcasecmp(m->name, "tdm-reservation") == 0) {
            tdm = m->content;
        } else if (strcasecmp(m->name, "tdm-policy") == 0) {
            tdm_policy = m->content;
        } else {
            int rc = robots_signals_from_meta_robots(list, m->name, strlen(m->name), m->content,
                                                     strlen(m->content), url, err);
            if (rc != CS_OK) return rc;
        }
    }
    if (tdm || tdm_policy)
        return robots_signals_from_tdm(list, ROBOTS_SOURCE_META, tdm, tdm ? strlen(tdm) : 0,
                                       tdm_policy, tdm_policy ? strlen(tdm_policy) : 0, url, err);
    return CS_OK;
}

const char *signals_catalog_effect(const robots_signal *s)
{
    switch (s->effect) {
    case ROBOTS_EFFECT_OPT_OUT:
        return "opt-out";
    case ROBOTS_EFFECT_PERMIT:
        return "permit";
    default:
        return "none"; /* POLICY directives keep their raw value; policies decide later */
    }
}

/* ---- clearset signals URL ----------------------------------------------------------- */

typedef struct one_response {
    crawler_response resp;
    int done;
} one_response;

static void keep_response(void *ctx, crawler_response *resp)
{
    one_response *one = ctx;
    one->resp = *resp;
    one->done = 1;
    resp->headers = NULL; /* ownership moves to one */
    resp->header_count = 0;
    resp->body = NULL;
    resp->body_len = 0;
}

/* One request, start to end, after waiting until *next_at (politeness between our own requests). */
static int fetch_one(crawler_fetcher *f, const char *url, crawler_kind kind, int64_t delay_ms,
                     int64_t *next_at, one_response *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t wait = *next_at - cs_now_ms();
    if (wait > 0) {
        struct timespec ts = {.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    int rc = crawler_fetcher_add(f, url, kind, NULL, err);
    while (rc == CS_OK && !out->done)
        rc = crawler_fetcher_run(f, 100, keep_response, out, err);
    *next_at = cs_now_ms() + delay_ms;
    return rc;
}

void crawler_signals_result_free(crawler_signals_result *r)
{
    if (r == NULL) return;
    robots_signal_list_free(&r->signals);
    memset(r, 0, sizeof *r);
}

int crawler_signals(const char *url_in, const crawler_fetch_options *fetch, int64_t delay_ms,
                    crawler_signals_result *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    robots_signal_list_init(&out->signals);
    out->robots_status = out->tdmrep_status = out->ai_txt_status = -1;
    int rc = crawler_url_normalize(url_in, strlen(url_in), out->url, err);
    if (rc != CS_OK) return rc;
    crawler_url_parts parts;
    crawler_url_split(out->url, &parts);
    crawler_fetcher *f;
    rc = crawler_fetcher_new(fetch, &f, err);
    if (rc != CS_OK) return rc;
    crawl_host host;
    memset(&host, 0, sizeof host);
    cs_strlcpy(host.origin, parts.origin, sizeof host.origin);
    host.tdmrep_status = host.ai_txt_status = -1;
    int64_t next_at = 0;
    one_response one;

    /* robots.txt, following up to five redirects (RFC 9309 2.3.1.2) */
    char robots_url[CRAWLER_URL_SIZE];
    snprintf(robots_url, sizeof robots_url, "%s/robots.txt", parts.origin);
    for (int hops = 0; rc == CS_OK; hops++) {
        rc = fetch_one(f, robots_url, CRAWLER_KIND_ROBOTS, delay_ms, &next_at, &one, err);
        if (rc != CS_OK) break;
        int status = one.resp.error == CS_OK ? (int)one.resp.status : 0;
        const char *location = crawler_response_header(&one.resp, "Location");
        char next[CRAWLER_URL_SIZE];
        if (status >= 300 && status < 400 && location && hops < 5 &&
            crawler_url_resolve(robots_url, location, strlen(location), next, NULL) == CS_OK) {
            cs_strlcpy(robots_url, next, sizeof robots_url);
            crawler_response_free(&one.resp);
            continue;
        }
        out->robots_status = status;
        if (status >= 200 && status < 300)
            robots_parse((const char *)one.resp.body, one.resp.body_len, &host.rules, NULL);
        else if (status >= 300 && status < 500 && status != 429)
            robots_new_allow_all(&host.rules, NULL);
        else
            robots_new_disallow_all(&host.rules, NULL);
        crawler_response_free(&one.resp);
        break;
    }
    robots_match match;
    if (rc == CS_OK) {
        robots_check(host.rules, ROBOTS_OWN_AGENT, out->url, &match);
        out->allowed = match.allowed;
        out->robots_line = match.line;
    }
    /* tdmrep.json and ai.txt, where robots.txt lets us */
    const char *paths[2] = {"/.well-known/tdmrep.json", "/ai.txt"};
    for (int i = 0; i < 2 && rc == CS_OK; i++) {
        if (!robots_allowed(host.rules, ROBOTS_OWN_AGENT, paths[i])) continue;
        char url[CRAWLER_URL_SIZE];
        snprintf(url, sizeof url, "%s%s", parts.origin, paths[i]);
        rc = fetch_one(f, url, i == 0 ? CRAWLER_KIND_TDMREP : CRAWLER_KIND_AI_TXT, delay_ms,
                       &next_at, &one, err);
        if (rc != CS_OK) break;
        int status = one.resp.error == CS_OK ? (int)one.resp.status : 0;
        if (i == 0) {
            out->tdmrep_status = host.tdmrep_status = status;
            host.tdmrep_body = one.resp.body;
            host.tdmrep_len = one.resp.body_len;
        } else {
            out->ai_txt_status = host.ai_txt_status = status;
            host.ai_txt_body = one.resp.body;
            host.ai_txt_len = one.resp.body_len;
        }
        one.resp.body = NULL;
        crawler_response_free(&one.resp);
    }
    if (rc == CS_OK) rc = signals_from_host(&out->signals, &host, out->url, err);
    /* the URL itself, only when robots.txt allows it */
    if (rc == CS_OK && out->allowed) {
        rc = fetch_one(f, out->url, CRAWLER_KIND_PAGE, delay_ms, &next_at, &one, err);
        if (rc == CS_OK) {
            out->fetched = 1;
            out->status = one.resp.error == CS_OK ? one.resp.status : 0;
            if (one.resp.error) cs_strlcpy(out->error, one.resp.error_message, sizeof out->error);
            rc = signals_from_response(&out->signals, &one.resp, err);
            crawler_image_probe probe;
            int ok =
                rc == CS_OK && one.resp.error == CS_OK && out->status >= 200 && out->status < 300;
            const char *location = crawler_response_header(&one.resp, "Location");
            if (location && out->status >= 300 && out->status < 400 &&
                crawler_url_resolve(out->url, location, strlen(location), out->location, NULL) !=
                    CS_OK)
                out->location[0] = '\0';
            if (ok && crawler_sniff_image(one.resp.body, one.resp.body_len, &probe) == CS_OK) {
                /* an image: what its own metadata (IPTC DataMining, C2PA) says */
                license_embedded emb;
                memset(&emb, 0, sizeof emb);
                if (license_read_embedded(one.resp.body, one.resp.body_len, &emb, NULL) == CS_OK)
                    rc = license_embedded_signals(&emb, &out->signals, out->url, err);
                license_embedded_free(&emb);
            } else if (ok) {
                crawler_html_page page;
                if (crawler_html_extract(out->url, one.resp.body, one.resp.body_len, &page, NULL) ==
                    CS_OK) {
                    rc = signals_from_page(&out->signals, &page, out->url, err);
                    crawler_html_page_free(&page);
                }
            }
            crawler_response_free(&one.resp);
        }
    }
    robots_free(host.rules);
    free(host.tdmrep_body);
    free(host.ai_txt_body);
    crawler_fetcher_free(f);
    return rc;
}
