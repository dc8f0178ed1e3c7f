/*
 * signals.c - hands every piece of opt-out evidence the crawler sees to
 * robots/, which turns it into signals: response headers (X-Robots-Tag,
 * TDMRep tdm-reservation/tdm-policy, Content-Usage, Content-Signal, 402 and
 * crawler-price), the host's
 * robots.txt (Content-Signal, Content-Usage, rules for AI-training crawlers),
 * /.well-known/tdmrep.json, /ai.txt, the page's meta elements, and for
 * `clearset signals` on an image its embedded IPTC plus:DataMining. Nothing
 * here decides anything: robots_decide does, and the catalog keeps the raw
 * signals so the decision can be shown and made again later.
 *
 * `clearset signals URL` (crawler_signals) asks for the resource a client
 * would actually get: a 301/302/303/307/308 of the URL is followed, at most
 * CRAWL_MAX_REDIRECTS hops as in the crawl, each target normalised, http(s)
 * only, an IP-literal host checked against the fetcher's address rules before
 * anything is sent to it (a name is checked by the fetcher once resolved). An
 * origin met for the first time gets its robots.txt, tdmrep.json and ai.txt
 * fetched first (by policy.c, the crawl's own reading of them), and a target
 * its robots.txt disallows is never requested. An address the fetcher refuses
 * ends the chain with "address refused": no answer, never a "disallow".
 * Requests to one origin are delay_ms apart. Every hop's headers count (a
 * redirecting server speaks for the site too); each URL of the chain is one
 * resource for robots_decide (crawler_signals_decide), so TDMRep precedence
 * stays within a URL, and the chain is opted out when any URL is.
 */
#include "crawler/crawler_internal.h"
#include "license/license.h"

#include <arpa/inet.h>
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
        } else if (strcasecmp(h->name, "Content-Usage") == 0 ||
                   strcasecmp(h->name, "Content-Signal") == 0) {
            int usage = strcasecmp(h->name, "Content-Usage") == 0;
            int rc = (usage ? robots_signals_from_content_usage_header
                            : robots_signals_from_content_signal_header)(
                list, h->value, strlen(h->value), resp->url, err);
            if (rc != CS_OK) return rc;
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
                      const robots_ai_crawlers *crawlers, cs_error *err)
{
    return signals_from_host_for(list, host, url, ROBOTS_OWN_AGENT, crawlers, err);
}

int signals_from_host_for(robots_signal_list *list, const crawl_host *host, const char *url,
                          const char *agent, const robots_ai_crawlers *crawlers, cs_error *err)
{
    char where[CS_URL_SIZE + 32];
    int rc = CS_OK;
    if (host->rules) {
        snprintf(where, sizeof where, "%s/robots.txt", host->origin);
        rc = robots_signals_from_preferences(list, host->rules, agent, url, where, err);
        if (rc == CS_OK)
            rc = robots_signals_from_ai_crawler_list(list, host->rules, crawlers, url, where, err);
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
                                        agent, url, where, err);
    }
    for (size_t i = 0; i < host->rsl_count && rc == CS_OK; i++)
        if (host->rsl_docs[i].parsed)
            rc = robots_signals_from_rsl(list, &host->rsl_docs[i].rsl, url, host->rsl_docs[i].url,
                                         host->rsl_docs[i].via, err);
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
    case ROBOTS_EFFECT_POLICY:
        return "policy"; /* noindex & co.: the clearance policy decides whether they count */
    default:
        return "none";
    }
}

/* ---- clearset signals URL ----------------------------------------------------------- */

/* Origins one chain can reach: the URL's own and one per redirect followed. */
#define SIGNALS_MAX_ORIGINS (CRAWL_MAX_REDIRECTS + 1)

/* The state of one crawler_signals call. */
typedef struct signals_run {
    crawler_fetcher *fetcher;
    int64_t delay_ms;
    crawl_host origins[SIGNALS_MAX_ORIGINS]; /* rules, policy files, next_fetch_at per origin */
    int denied[SIGNALS_MAX_ORIGINS];         /* the fetcher refused the origin's address */
    size_t origin_count;
    crawler_signals_result *out;
    const robots_ai_crawlers *ai_crawlers; /* NULL: the built-in list */
    cs_error *err;
    /* each URL of the chain whose policy files were read, for the per-crawler views */
    struct {
        crawl_host *host;
        char url[CS_URL_SIZE];
        size_t start;    /* out->signals before its host's signals */
        size_t host_end; /* after them: the response's and body's follow up to the next start */
    } hops[SIGNALS_MAX_ORIGINS];
    size_t hop_count;
} signals_run;

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

/* One request, start to end, after waiting until *next_at (politeness towards its host). */
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

static int origin_prepare(signals_run *run, const cs_url_parts *parts, crawl_host **out,
                          int *denied);

/*
 * An RSL document of host: on host's origin it is requested at once; on
 * another origin only once that origin's robots.txt (fetched first) allows
 * it, spaced by that origin's delay. A document that may not be requested is
 * marked skipped.
 */
static int fetch_rsl(signals_run *run, crawl_host *host, const char *url)
{
    crawl_rsl_doc *doc = policy_rsl_find(host, url);
    if (doc == NULL) return CS_OK;
    int64_t *next_at = &host->next_fetch_at;
    cs_url_parts parts;
    if (cs_url_split(url, &parts) != CS_OK) {
        doc->status = POLICY_STATUS_SKIPPED;
        return CS_OK;
    }
    if (strcmp(parts.origin, host->origin) != 0) {
        crawl_host *other = NULL;
        int denied = 0;
        int rc = origin_prepare(run, &parts, &other, &denied);
        if (rc != CS_OK && rc != CS_ELIMIT) return rc;
        if (rc == CS_ELIMIT || denied || policy_robots_unreachable(other->robots_status) ||
            !robots_allowed(other->rules, ROBOTS_OWN_AGENT, url)) {
            doc->status = POLICY_STATUS_SKIPPED; /* never asked: that host keeps us from it */
            return CS_OK;
        }
        next_at = &other->next_fetch_at;
    }
    one_response one;
    int rc = fetch_one(run->fetcher, url, CRAWLER_KIND_RSL, run->delay_ms, next_at, &one, run->err);
    if (rc != CS_OK) return rc;
    policy_outcome outcome;
    rc = policy_absorb(host, &one.resp, &outcome, run->err);
    crawler_response_free(&one.resp);
    if (rc == CS_OK && outcome.refused) doc->status = POLICY_STATUS_SKIPPED;
    return rc;
}

/*
 * Fetches what host (run->origins[index]) still needs: policy.c says which
 * request comes next and reads each answer, as in a crawl (same redirects,
 * same statuses, same bytes). *denied is set when the fetcher refused the
 * origin's address; its files then stay unknown (host->rules NULL).
 */
static int origin_fetch_pending(signals_run *run, crawl_host *host, size_t index, int *denied)
{
    for (;;) {
        char url[CS_URL_SIZE];
        crawler_kind kind;
        policy_step step = policy_next(host, url, &kind);
        if (step == POLICY_DONE) return CS_OK;
        if (step == POLICY_SKIPPED) continue;
        if (kind == CRAWLER_KIND_RSL) {
            int rc = fetch_rsl(run, host, url);
            if (rc != CS_OK) return rc;
            continue;
        }
        one_response one;
        int rc =
            fetch_one(run->fetcher, url, kind, run->delay_ms, &host->next_fetch_at, &one, run->err);
        if (rc != CS_OK) return rc;
        policy_outcome outcome;
        rc = policy_absorb(host, &one.resp, &outcome, run->err);
        crawler_response_free(&one.resp);
        if (rc != CS_OK) return rc;
        if (outcome.refused) {
            run->denied[index] = *denied = 1;
            return CS_OK;
        }
    }
}

/*
 * The origin of parts with its robots.txt, tdmrep.json, ai.txt and RSL
 * documents, fetched the first time it is seen (origin_fetch_pending).
 */
static int origin_prepare(signals_run *run, const cs_url_parts *parts, crawl_host **out,
                          int *denied)
{
    *denied = 0;
    for (size_t i = 0; i < run->origin_count; i++) {
        if (strcmp(run->origins[i].origin, parts->origin) == 0) {
            *out = &run->origins[i];
            *denied = run->denied[i];
            return CS_OK;
        }
    }
    if (run->origin_count == SIGNALS_MAX_ORIGINS)
        return cs_error_set(run->err, CS_ELIMIT, "more than %d origins in one redirect chain",
                            SIGNALS_MAX_ORIGINS);
    size_t index = run->origin_count++;
    crawl_host *host = &run->origins[index];
    memset(host, 0, sizeof *host);
    cs_strlcpy(host->origin, parts->origin, sizeof host->origin);
    host->robots_status = -1; /* not asked */
    host->tdmrep_status = host->ai_txt_status = POLICY_STATUS_UNKNOWN;
    *out = host;
    return origin_fetch_pending(run, host, index, denied);
}

static int same_signal(const robots_signal *a, const robots_signal *b)
{
    return a->kind == b->kind && a->effect == b->effect && a->source == b->source &&
           a->policy_flag == b->policy_flag && a->line == b->line &&
           strcmp(a->value, b->value) == 0 && strcmp(a->scope, b->scope) == 0 &&
           strcmp(a->where, b->where) == 0 && strcmp(a->detail, b->detail) == 0;
}

/* What host's policy files say about url, leaving out evidence already listed (same origin). */
static int add_host_signals(signals_run *run, const crawl_host *host, const char *url)
{
    robots_signal_list fresh;
    robots_signal_list_init(&fresh);
    robots_signal_list *list = &run->out->signals;
    int rc = signals_from_host(&fresh, host, url, run->ai_crawlers, run->err);
    for (size_t i = 0; i < fresh.count && rc == CS_OK; i++) {
        size_t j = 0;
        while (j < list->count && !same_signal(&list->items[j], &fresh.items[i]))
            j++;
        if (j == list->count) rc = robots_signal_list_add(list, &fresh.items[i]);
    }
    robots_signal_list_free(&fresh);
    if (rc == CS_ELIMIT || rc == CS_ENOMEM) cs_error_set(run->err, rc, "too many signals");
    return rc;
}

/*
 * What a final 2xx body says: an image's embedded metadata, or a page's meta
 * elements; the RSL documents its Link headers or HTML point to join host's
 * list (*rsl_added counts the new ones).
 */
static int add_body_signals(signals_run *run, crawl_host *host, const crawler_response *resp,
                            const char *url, size_t *rsl_added)
{
    crawler_image_probe probe;
    int rc = CS_OK;
    *rsl_added = 0;
    if (crawler_sniff_image(resp->body, resp->body_len, &probe) == CS_OK) {
        /* an image: what its own metadata (IPTC DataMining, C2PA) says */
        license_embedded emb;
        memset(&emb, 0, sizeof emb);
        if (license_read_embedded(resp->body, resp->body_len, &emb, NULL) == CS_OK)
            rc = license_embedded_signals(&emb, &run->out->signals, url, run->err);
        license_embedded_free(&emb);
        if (rc == CS_OK && policy_rsl_discover(host, resp, NULL, rsl_added) != CS_OK)
            rc = cs_error_set(run->err, CS_ENOMEM, "out of memory");
    } else {
        crawler_html_page page;
        if (crawler_html_extract(url, resp->body, resp->body_len, &page, NULL) == CS_OK) {
            rc = signals_from_page(&run->out->signals, &page, url, run->err);
            if (rc == CS_OK && policy_rsl_discover(host, resp, &page, rsl_added) != CS_OK)
                rc = cs_error_set(run->err, CS_ENOMEM, "out of memory");
            crawler_html_page_free(&page);
        }
    }
    return rc;
}

static int is_followed_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* 1 when url was already requested in this chain. */
static int chain_contains(const crawler_signals_result *out, const char *url, const char *current)
{
    if (strcmp(url, out->url) == 0 || strcmp(url, current) == 0) return 1;
    for (size_t i = 0; i < out->redirect_count; i++)
        if (strcmp(url, out->redirects[i].url) == 0) return 1;
    return 0;
}

/*
 * Where the 3xx resp of current leads, into target; NULL when it may be
 * followed, else why not (written to why). The address check of the target
 * comes later, once it is the current URL.
 */
static const char *redirect_refusal(const crawler_signals_result *out, const char *current,
                                    const crawler_response *resp, char target[CS_URL_SIZE],
                                    char *why, size_t why_size)
{
    const char *location = crawler_response_header(resp, "Location");
    if (location == NULL) {
        target[0] = '\0';
        snprintf(why, why_size, "redirect %ld of %.300s without a Location", resp->status, current);
        return why;
    }
    int rc = cs_url_resolve(current, location, strlen(location), target, NULL);
    if (rc != CS_OK) {
        cs_strlcpy(target, location, CS_URL_SIZE);
        snprintf(why, why_size, "redirect to %.300s refused: %s", location,
                 rc == CS_EUNSUPPORTED ? "only http and https are followed" : "not a usable URL");
        return why;
    }
    if (chain_contains(out, target, current)) {
        snprintf(why, why_size, "redirect loop back to %.300s", target);
        return why;
    }
    if (out->redirect_count >= CRAWL_MAX_REDIRECTS) {
        snprintf(why, why_size, "more than %d redirects", CRAWL_MAX_REDIRECTS);
        return why;
    }
    return NULL;
}

/* An IP-literal host the fetcher would refuse; checked before any request to it. */
static int literal_refused(const cs_url_parts *parts, int allow_loopback)
{
    char addr[256];
    cs_strlcpy(addr, parts->host, sizeof addr);
    if (addr[0] == '[') {
        size_t n = strlen(addr);
        if (n < 2 || addr[n - 1] != ']') return 1;
        memmove(addr, addr + 1, n - 2);
        addr[n - 2] = '\0';
    }
    unsigned char probe[16];
    int literal = inet_pton(AF_INET, addr, probe) == 1 || inet_pton(AF_INET6, addr, probe) == 1;
    return literal && !crawler_address_allowed(addr, allow_loopback);
}

static int add_redirect(crawler_signals_result *out, const char *url, long status,
                        const char *location, cs_error *err)
{
    if (cs_array_reserve((void **)&out->redirects, &out->redirect_cap, out->redirect_count,
                         sizeof *out->redirects, 0) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    crawler_signals_redirect *r = &out->redirects[out->redirect_count++];
    memset(r, 0, sizeof *r);
    cs_strlcpy(r->url, url, sizeof r->url);
    r->status = status;
    cs_strlcpy(r->location, location, sizeof r->location);
    r->signals_end = out->signals.count;
    return CS_OK;
}

void crawler_signals_result_free(crawler_signals_result *r)
{
    if (r == NULL) return;
    robots_signal_list_free(&r->signals);
    free(r->redirects);
    memset(r, 0, sizeof *r);
}

int crawler_fetch_robots(const char *url, const crawler_fetch_options *fetch, robots_rules **rules,
                         int *status, cs_error *err)
{
    *rules = NULL;
    *status = 0;
    char normal[CS_URL_SIZE];
    cs_url_parts parts;
    int rc = cs_url_normalize(url, strlen(url), normal, err);
    if (rc != CS_OK) return rc;
    rc = cs_url_split(normal, &parts);
    if (rc != CS_OK) return cs_error_set(err, rc, "%s: not a usable URL", url);
    crawler_fetcher *fetcher = NULL;
    rc = crawler_fetcher_new(fetch, &fetcher, err);
    if (rc != CS_OK) return rc;
    crawl_host host;
    memset(&host, 0, sizeof host);
    cs_strlcpy(host.origin, parts.origin, sizeof host.origin);
    host.robots_status = -1;
    host.tdmrep_status = host.ai_txt_status = POLICY_STATUS_UNKNOWN;
    while (rc == CS_OK && host.rules == NULL) { /* robots.txt only, redirects included */
        char next[CS_URL_SIZE];
        crawler_kind kind;
        policy_next(&host, next, &kind);
        one_response one;
        rc = fetch_one(fetcher, next, kind, 0, &host.next_fetch_at, &one, err);
        if (rc != CS_OK) break;
        policy_outcome outcome;
        rc = policy_absorb(&host, &one.resp, &outcome, err);
        crawler_response_free(&one.resp);
        if (rc == CS_OK && outcome.refused)
            rc = cs_error_set(err, CS_EDENIED,
                              "%s/robots.txt: address refused (private, reserved or %s)",
                              host.origin, fetch->allow_loopback ? "metadata" : "loopback");
    }
    crawler_fetcher_free(fetcher);
    free(host.robots_url);
    if (rc == CS_OK && host.robots_status == 0)
        rc = cs_error_set(err, CS_ENET, "%s/robots.txt: unreachable, the rules are unknown",
                          host.origin);
    else if (rc == CS_OK && policy_robots_unreachable(host.robots_status))
        rc = cs_error_set(err, CS_ENET, "%s/robots.txt: status %d, the rules are unknown",
                          host.origin, host.robots_status);
    if (rc != CS_OK) {
        robots_free(host.rules);
        return rc;
    }
    *rules = host.rules;
    *status = host.robots_status;
    return CS_OK;
}

/* The leading [A-Za-z_-] run of a token: what robots.txt matching reads it as. */
static size_t match_length(const char *token)
{
    size_t n = 0;
    while (token[n] == '-' || token[n] == '_' ||
           ((token[n] | 0x20) >= 'a' && (token[n] | 0x20) <= 'z'))
        n++;
    return n;
}

/*
 * Whether a signal of the host's files speaks of crawler i: unscoped ones do,
 * and one scoped to a token robots.txt reads the same way (the list checks
 * "AI2Bot" and "Ai2Bot-Dolma" once, under the first); that one is rescoped to
 * the token itself so that robots_decide counts it.
 */
static int host_signal_for(robots_signal *s, const char *token)
{
    if (s->scope[0] == '\0') return 1;
    size_t a = match_length(s->scope), b = match_length(token);
    if (strcasecmp(s->scope, token) != 0 &&
        (a == 0 || a != b || strncasecmp(s->scope, token, a) != 0))
        return 0;
    cs_strlcpy(s->scope, token, sizeof s->scope);
    return 1;
}

/* What every listed AI crawler may do with the chain's URLs (crawler_signals_bots). */
static int bot_views(signals_run *run, crawler_bot_views *bots, cs_error *err)
{
    const crawler_signals_result *out = run->out;
    const robots_ai_crawlers *crawlers = run->ai_crawlers; /* NULL: the built-in list */
    size_t count = robots_ai_crawlers_count(crawlers);
    bots->items = calloc(count ? count : 1, sizeof *bots->items);
    if (bots->items == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    bots->count = count;
    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawlers = crawlers;
    policy.ai_crawler_scope = 0; /* another crawler's rules are not this one's */
    int rc = CS_OK;
    for (size_t i = 0; i < count && rc == CS_OK; i++) {
        crawler_bot_view *v = &bots->items[i];
        const char *token = robots_ai_crawlers_token(crawlers, i);
        const char *match = robots_ai_crawlers_match_token(crawlers, i);
        v->crawler = i;
        v->token = token;
        v->operator_name = robots_ai_crawlers_operator(crawlers, i);
        v->function = robots_ai_crawlers_function(crawlers, i);
        v->allowed = run->hop_count > 0;
        for (size_t h = 0; h < run->hop_count && rc == CS_OK; h++) {
            const crawl_host *host = run->hops[h].host;
            const char *url = run->hops[h].url;
            robots_match m;
            robots_check(host->rules, match[0] ? match : token, url, &m);
            if (!m.allowed && v->allowed) {
                v->allowed = 0;
                v->robots_line = m.line;
                cs_strlcpy(v->disallowed_url, url, sizeof v->disallowed_url);
            }
            robots_signal_list list, fresh;
            robots_signal_list_init(&list);
            robots_signal_list_init(&fresh);
            rc = signals_from_host_for(&fresh, host, url, match[0] ? match : token, crawlers, err);
            for (size_t k = 0; k < fresh.count && rc == CS_OK; k++)
                if (host_signal_for(&fresh.items[k], token))
                    rc = robots_signal_list_add(&list, &fresh.items[k]);
            size_t end = h + 1 < run->hop_count ? run->hops[h + 1].start : out->signals.count;
            for (size_t k = run->hops[h].host_end; k < end && rc == CS_OK; k++)
                rc = robots_signal_list_add(&list, &out->signals.items[k]);
            robots_decision d;
            if (rc == CS_OK) rc = robots_decide(&list, token, &policy, &d, err);
            if (rc == CS_OK) {
                if (d.opted_out && !v->reserved) {
                    v->reserved = 1;
                    v->reason = list.items[d.first_reason];
                }
                robots_decision_free(&d);
            } else if (rc == CS_ELIMIT || rc == CS_ENOMEM) {
                cs_error_set(err, rc, "too many signals");
            }
            robots_signal_list_free(&fresh);
            robots_signal_list_free(&list);
        }
    }
    return rc;
}

void crawler_bot_views_free(crawler_bot_views *bots)
{
    if (bots == NULL) return;
    free(bots->items);
    bots->items = NULL;
    bots->count = 0;
}

static int signals_chain(const char *url_in, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         crawler_bot_views *bots, cs_error *err);

int crawler_signals(const char *url_in, const crawler_fetch_options *fetch, int64_t delay_ms,
                    crawler_signals_result *out, cs_error *err)
{
    return signals_chain(url_in, fetch, delay_ms, NULL, out, NULL, err);
}

int crawler_signals_list(const char *url_in, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         cs_error *err)
{
    return signals_chain(url_in, fetch, delay_ms, ai_crawlers, out, NULL, err);
}

int crawler_signals_bots(const char *url, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         crawler_bot_views *bots, cs_error *err)
{
    memset(bots, 0, sizeof *bots);
    int rc = signals_chain(url, fetch, delay_ms, ai_crawlers, out, bots, err);
    if (rc != CS_OK) crawler_bot_views_free(bots);
    return rc;
}

static int signals_chain(const char *url_in, const crawler_fetch_options *fetch, int64_t delay_ms,
                         const robots_ai_crawlers *ai_crawlers, crawler_signals_result *out,
                         crawler_bot_views *bots, cs_error *err)
{
    memset(out, 0, sizeof *out);
    robots_signal_list_init(&out->signals);
    out->robots_status = out->tdmrep_status = out->ai_txt_status = -1;
    int rc = cs_url_normalize(url_in, strlen(url_in), out->url, err);
    if (rc != CS_OK) return rc;
    cs_strlcpy(out->final_url, out->url, sizeof out->final_url);
    signals_run run;
    memset(&run, 0, sizeof run);
    run.delay_ms = delay_ms;
    run.ai_crawlers = ai_crawlers;
    run.out = out;
    run.err = err;
    rc = crawler_fetcher_new(fetch, &run.fetcher, err);
    if (rc != CS_OK) return rc;

    /* one turn per URL of the chain: its origin's policy files, then the URL itself */
    while (rc == CS_OK) {
        const char *current = out->final_url;
        cs_url_parts parts;
        rc = cs_url_split(current, &parts);
        if (rc != CS_OK) break;
        if (out->redirect_count > 0) /* a new URL: nothing known about its origin yet */
            out->robots_status = out->tdmrep_status = out->ai_txt_status = -1;
        if (out->redirect_count > 0 && literal_refused(&parts, fetch->allow_loopback)) {
            out->redirect_error = 1;
            out->address_refused = 1;
            snprintf(out->error, sizeof out->error,
                     "redirect to %.200s refused: address %.64s is private, reserved or %s",
                     current, parts.host, fetch->allow_loopback ? "metadata" : "loopback");
            break;
        }
        crawl_host *host = NULL;
        int denied = 0;
        rc = origin_prepare(&run, &parts, &host, &denied);
        if (rc != CS_OK) break;
        out->robots_status = host->robots_status;
        out->tdmrep_status = CS_MAX(host->tdmrep_status, -1); /* skipped: not asked */
        out->ai_txt_status = CS_MAX(host->ai_txt_status, -1);
        if (denied) { /* nothing was learned there: no answer, not a "disallow" */
            out->address_refused = 1;
            if (out->redirect_count == 0) {
                cs_strlcpy(out->error, "address refused", sizeof out->error);
                break;
            }
            out->redirect_error = 1;
            snprintf(out->error, sizeof out->error,
                     "redirect to %.200s refused: its address is private, reserved or %s", current,
                     fetch->allow_loopback ? "metadata" : "loopback");
            break;
        }
        robots_match match;
        robots_check(host->rules, ROBOTS_OWN_AGENT, current, &match);
        out->allowed = match.allowed;
        out->robots_line = match.line;
        size_t start = out->signals.count;
        rc = add_host_signals(&run, host, current);
        if (rc == CS_OK && run.hop_count < SIGNALS_MAX_ORIGINS) {
            run.hops[run.hop_count].host = host;
            cs_strlcpy(run.hops[run.hop_count].url, current, CS_URL_SIZE);
            run.hops[run.hop_count].start = start;
            run.hops[run.hop_count++].host_end = out->signals.count;
        }
        if (rc != CS_OK || !out->allowed) break; /* a disallowed URL is never requested */

        one_response one;
        rc = fetch_one(run.fetcher, current, CRAWLER_KIND_PAGE, delay_ms, &host->next_fetch_at,
                       &one, err);
        if (rc != CS_OK) break;
        out->fetched = 1;
        out->status = one.resp.error == CS_OK ? one.resp.status : 0;
        if (one.resp.error) cs_strlcpy(out->error, one.resp.error_message, sizeof out->error);
        rc = signals_from_response(&out->signals, &one.resp, err);
        if (rc == CS_OK && one.resp.error == CS_OK && is_followed_redirect(out->status)) {
            char target[CS_URL_SIZE], why[sizeof out->error];
            if (redirect_refusal(out, current, &one.resp, target, why, sizeof why)) {
                /* not followed: current stays the final URL, its target is reported */
                out->redirect_error = 1;
                cs_strlcpy(out->error, why, sizeof out->error);
                cs_strlcpy(out->location, target, sizeof out->location);
                crawler_response_free(&one.resp);
                break;
            }
            rc = add_redirect(out, current, out->status, target, err);
            if (rc == CS_OK) {
                cs_strlcpy(out->final_url, target, sizeof out->final_url);
                out->fetched = 0;
                out->status = 0;
            }
            crawler_response_free(&one.resp);
            continue;
        }
        const char *location = crawler_response_header(&one.resp, "Location");
        if (location && out->status >= 300 && out->status < 400 &&
            cs_url_resolve(current, location, strlen(location), out->location, NULL) != CS_OK)
            out->location[0] = '\0';
        size_t rsl_added = 0;
        if (rc == CS_OK && one.resp.error == CS_OK && out->status >= 200 && out->status < 300)
            rc = add_body_signals(&run, host, &one.resp, current, &rsl_added);
        if (rc == CS_OK && rsl_added) { /* RSL documents the response pointed to */
            int ignored = 0;
            rc = origin_fetch_pending(&run, host, (size_t)(host - run.origins), &ignored);
            if (rc == CS_OK) rc = add_host_signals(&run, host, current);
        }
        crawler_response_free(&one.resp);
        break;
    }
    if (rc == CS_OK && bots) rc = bot_views(&run, bots, err);
    for (size_t i = 0; i < run.origin_count; i++) {
        robots_free(run.origins[i].rules);
        free(run.origins[i].robots_url);
        free(run.origins[i].tdmrep_body);
        free(run.origins[i].ai_txt_body);
        policy_rsl_free(&run.origins[i]);
    }
    crawler_fetcher_free(run.fetcher);
    return rc;
}

int crawler_signals_decide(const crawler_signals_result *result, const char *agent,
                           const robots_policy *policy, robots_decision *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    const robots_signal_list *all = &result->signals;
    out->count = all->count;
    out->verdicts = calloc(all->count ? all->count : 1, sizeof *out->verdicts);
    if (out->verdicts == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    size_t begin = 0;
    for (size_t g = 0; g <= result->redirect_count; g++) {
        size_t end = g < result->redirect_count ? result->redirects[g].signals_end : all->count;
        if (end < begin || end > all->count) end = begin; /* never trust a hand-made result */
        robots_signal_list group = {.items = all->items ? all->items + begin : NULL,
                                    .count = end - begin,
                                    .cap = end - begin};
        robots_decision part;
        int rc = robots_decide(&group, agent, policy, &part, err);
        if (rc != CS_OK) {
            robots_decision_free(out);
            return rc;
        }
        if (end > begin)
            memcpy(out->verdicts + begin, part.verdicts, (end - begin) * sizeof *out->verdicts);
        if (part.opted_out && !out->opted_out) {
            out->opted_out = 1;
            out->first_reason = begin + part.first_reason;
        }
        robots_decision_free(&part);
        begin = end;
    }
    return CS_OK;
}
