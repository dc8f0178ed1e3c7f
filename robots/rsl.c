/*
 * rsl.c - RSL 1.0 documents (Really Simple Licensing, rslstandard.org, 1.0
 * of November 2025): XML bytes to a robots_rsl, and what one says about AI
 * training of a URL.
 *
 * The document is
 *   <rsl xmlns="https://rslstandard.org/rsl">
 *     <content url="/images/" server="https://license.example/">
 *       <license>
 *         <permits type="usage">ai-train search</permits>
 *         <prohibits type="usage">ai-input</prohibits>
 *         <payment type="attribution"/>
 *       </license>
 *     </content>
 *   </rsl>
 * Elements count in the RSL namespace or in none (documents in the wild
 * forget the xmlns); anything else is skipped. Usage lists are separated by
 * whitespace or commas; unknown tokens are ignored.
 *
 * The parser lives in robots/ because what it decides is an opt-out (a
 * prohibition, a demand for payment) and because content@url patterns are
 * robots.txt patterns: match.c's matcher is the one implementation. license/
 * only turns a free or attribution licence into licence evidence.
 *
 * Safety: bytes past ROBOTS_RSL_MAX_BYTES are refused before libxml2 sees
 * them; a DOCTYPE is refused (RSL has none, and without one no entity can be
 * declared, so an entity bomb cannot start); libxml2 runs without network
 * (XML_PARSE_NONET), without DTD loading or entity substitution, and
 * without recovery, so malformed XML is refused (CS_EFORMAT), never guessed.
 */
#include "robots/robots_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries kept per document and licences per entry; more is a hostile document. */
#define RSL_MAX_CONTENTS 1024
#define RSL_MAX_LICENSES 32
/* Text of one permits/prohibits element that is read (a usage list is a few words). */
#define RSL_MAX_USAGE_TEXT 4096

const char *robots_rsl_payment_name(robots_rsl_payment payment)
{
    static const char *const names[] = {"none",     "free",         "attribution",
                                        "purchase", "subscription", "training",
                                        "crawl",    "inference",    "other"};
    return (size_t)payment < CS_ARRAY_LEN(names) ? names[payment] : "other";
}

static robots_rsl_payment payment_from_type(const char *type)
{
    if (type == NULL) return ROBOTS_RSL_PAYMENT_FREE; /* <payment/> without a type asks nothing */
    for (int p = ROBOTS_RSL_PAYMENT_FREE; p < ROBOTS_RSL_PAYMENT_OTHER; p++)
        if (robots_ieq(type, strlen(type), robots_rsl_payment_name((robots_rsl_payment)p),
                       strlen(robots_rsl_payment_name((robots_rsl_payment)p))))
            return (robots_rsl_payment)p;
    return ROBOTS_RSL_PAYMENT_OTHER;
}

/* 1 when payment is something other than nothing, free or attribution. */
static int is_paid(robots_rsl_payment payment)
{
    return payment >= ROBOTS_RSL_PAYMENT_PURCHASE;
}

/* The more demanding of two payments: any paid one beats attribution, which beats free. */
static robots_rsl_payment stricter(robots_rsl_payment a, robots_rsl_payment b)
{
    if (is_paid(a)) return a;
    if (is_paid(b)) return b;
    return a > b ? a : b;
}

static unsigned usage_bit(const char *token, size_t n)
{
    static const struct {
        const char *name;
        unsigned bit;
    } usages[] = {
        {"all", ROBOTS_RSL_USAGE_ALL},           {"ai-all", ROBOTS_RSL_USAGE_AI_ALL},
        {"ai-train", ROBOTS_RSL_USAGE_AI_TRAIN}, {"train-ai", ROBOTS_RSL_USAGE_AI_TRAIN},
        {"ai-input", ROBOTS_RSL_USAGE_AI_INPUT}, {"ai-index", ROBOTS_RSL_USAGE_AI_INDEX},
        {"search", ROBOTS_RSL_USAGE_SEARCH},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(usages); i++)
        if (robots_ieq(token, n, usages[i].name, strlen(usages[i].name))) return usages[i].bit;
    return 0;
}

/* The usage bits a whitespace- or comma-separated list names. */
static unsigned usage_bits(const char *text)
{
    unsigned bits = 0;
    size_t n = strlen(text), i = 0;
    if (n > RSL_MAX_USAGE_TEXT) n = RSL_MAX_USAGE_TEXT;
    while (i < n) {
        while (i < n && (text[i] == ',' || text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                         text[i] == '\r'))
            i++;
        size_t start = i;
        while (i < n && text[i] != ',' && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
               text[i] != '\r')
            i++;
        if (i > start) bits |= usage_bit(text + start, i - start);
    }
    return bits;
}

/* An element of the RSL namespace, or of none, called name. */
static int is_rsl(const xmlNode *node, const char *name)
{
    if (node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name) != 0) return 0;
    return node->ns == NULL || node->ns->href == NULL ||
           strcmp((const char *)node->ns->href, ROBOTS_RSL_NAMESPACE) == 0;
}

/* The attribute's value as a new string (NULL when absent or out of memory: *oom says which). */
static char *attr_dup(const xmlNode *node, const char *name, int *oom)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (value == NULL) return NULL;
    char *copy = strdup((const char *)value);
    xmlFree(value);
    if (copy == NULL) *oom = 1;
    return copy;
}

/* 1 when a type="usage" attribute is absent or says usage (the only type RSL 1.0 defines). */
static int is_usage_list(const xmlNode *node)
{
    xmlChar *type = xmlGetNoNsProp(node, (const xmlChar *)"type");
    int usage =
        type == NULL || robots_ieq((const char *)type, strlen((const char *)type), "usage", 5);
    xmlFree(type);
    return usage;
}

static int read_license(const xmlNode *node, robots_rsl_license *out)
{
    memset(out, 0, sizeof *out);
    int seen_payment = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        int permits = is_rsl(c, "permits"), prohibits = is_rsl(c, "prohibits");
        if ((permits || prohibits) && is_usage_list(c)) {
            xmlChar *text = xmlNodeGetContent(c);
            if (text == NULL) return CS_ENOMEM;
            unsigned bits = usage_bits((const char *)text);
            xmlFree(text);
            if (permits) out->has_permits = 1, out->permits |= bits;
            if (prohibits) out->prohibits |= bits;
        } else if (is_rsl(c, "payment")) {
            xmlChar *type = xmlGetNoNsProp(c, (const xmlChar *)"type");
            robots_rsl_payment p = payment_from_type((const char *)type);
            xmlFree(type);
            out->payment = seen_payment ? stricter(out->payment, p) : p;
            seen_payment = 1;
        }
    }
    return CS_OK;
}

static int read_content(const xmlNode *node, robots_rsl_content *out)
{
    int oom = 0;
    out->url = attr_dup(node, "url", &oom);
    out->server = attr_dup(node, "server", &oom);
    if (oom) return CS_ENOMEM;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (!is_rsl(c, "license")) continue;
        if (out->license_count == RSL_MAX_LICENSES) return CS_ELIMIT;
        robots_rsl_license *grown =
            realloc(out->licenses, (out->license_count + 1) * sizeof *out->licenses);
        if (grown == NULL) return CS_ENOMEM;
        out->licenses = grown;
        int rc = read_license(c, &out->licenses[out->license_count]);
        if (rc != CS_OK) return rc;
        out->license_count++;
    }
    return CS_OK;
}

/* 1 when bytes hold "<!DOCTYPE" anywhere (a DTD RSL never has: no entity can be declared). */
static int has_doctype(const char *bytes, size_t len)
{
    static const char needle[] = "<!DOCTYPE";
    const size_t n = sizeof needle - 1;
    for (size_t i = 0; i + n <= len; i++) {
        const char *p = memchr(bytes + i, '<', len - n + 1 - i);
        if (p == NULL) return 0;
        i = (size_t)(p - bytes);
        if (memcmp(p, needle, n) == 0) return 1;
    }
    return 0;
}

/* libxml2 reports encoding errors through its generic handler whatever the
   parse options say; library code never prints, so they go nowhere. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int robots_rsl_parse(const char *bytes, size_t len, robots_rsl *out, cs_error *err)
{
    if (out == NULL || (bytes == NULL && len > 0))
        return cs_error_set(err, CS_EINVAL, "rsl: bad arguments");
    memset(out, 0, sizeof *out);
    if (len > ROBOTS_RSL_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "rsl: document of %zu bytes is over the %d limit", len,
                            ROBOTS_RSL_MAX_BYTES);
    if (len == 0) return cs_error_set(err, CS_EFORMAT, "rsl: empty document");
    if (has_doctype(bytes, len))
        return cs_error_set(err, CS_EFORMAT, "rsl: a DOCTYPE is not allowed in an RSL document");
    xmlGenericErrorFunc saved_handler = xmlGenericError; /* per-thread in libxml2 */
    void *saved_context = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlDoc *doc = xmlReadMemory(bytes, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetGenericErrorFunc(saved_context, saved_handler);
    if (doc == NULL) return cs_error_set(err, CS_EFORMAT, "rsl: not well-formed XML");
    int rc = CS_OK;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_rsl(root, "rsl") || doc->intSubset != NULL) {
        rc = cs_error_set(err, CS_EFORMAT, "rsl: the root element is not <rsl>");
        goto done;
    }
    for (const xmlNode *c = root->children; c && rc == CS_OK; c = c->next) {
        if (!is_rsl(c, "content")) continue;
        if (out->content_count == RSL_MAX_CONTENTS) {
            rc =
                cs_error_set(err, CS_ELIMIT, "rsl: more than %d content entries", RSL_MAX_CONTENTS);
            break;
        }
        robots_rsl_content *grown =
            realloc(out->contents, (out->content_count + 1) * sizeof *out->contents);
        if (grown == NULL) {
            rc = cs_error_set(err, CS_ENOMEM, "rsl: out of memory");
            break;
        }
        out->contents = grown;
        robots_rsl_content *entry = &out->contents[out->content_count++];
        memset(entry, 0, sizeof *entry);
        rc = read_content(c, entry);
        if (rc == CS_ELIMIT)
            cs_error_set(err, rc, "rsl: more than %d licences in one content entry",
                         RSL_MAX_LICENSES);
        else if (rc != CS_OK)
            cs_error_set(err, rc, "rsl: out of memory");
    }
done:
    xmlFreeDoc(doc);
    if (rc != CS_OK) robots_rsl_free(out);
    return rc;
}

void robots_rsl_free(robots_rsl *rsl)
{
    if (rsl == NULL) return;
    for (size_t i = 0; i < rsl->content_count; i++) {
        free(rsl->contents[i].url);
        free(rsl->contents[i].server);
        free(rsl->contents[i].licenses);
    }
    free(rsl->contents);
    memset(rsl, 0, sizeof *rsl);
}

/* The length of "scheme://authority" at the start of s, or 0 when s is not absolute. */
static size_t origin_len(const char *s, size_t n)
{
    const char *sep = n >= 3 ? strstr(s, "://") : NULL;
    if (sep == NULL || (size_t)(sep - s) > 10) return 0;
    for (const char *p = s; p < sep; p++)
        if (!robots_is_alpha((unsigned char)*p)) return 0;
    size_t i = (size_t)(sep - s) + 3;
    while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != '*')
        i++;
    return i;
}

/* Octets of pattern that match url (robots.txt semantics), or -1 when it does not match. */
static long pattern_match_len(const char *pattern, const char *url)
{
    size_t plen = strlen(pattern), ulen = strlen(url);
    size_t pat_origin = origin_len(pattern, plen);
    const char *pat_path = pattern + pat_origin;
    size_t pat_path_len = plen - pat_origin;
    if (pat_origin) {
        size_t url_origin = origin_len(url, ulen);
        /* an absolute pattern names its host: a port-less pattern matches default ports only */
        if (!robots_ieq(pattern, pat_origin, url, url_origin)) return -1;
        if (pat_path_len == 0) return (long)plen; /* "https://h" is the whole site */
    }
    size_t path_len;
    int prepend;
    const char *path = robots_url_path(url, ulen, &path_len, &prepend);
    if (prepend) path = "/", path_len = 1;
    if (!robots_pattern_matches(pat_path, pat_path_len, path, path_len)) return -1;
    return (long)plen;
}

const robots_rsl_content *robots_rsl_match(const robots_rsl *rsl, const char *url)
{
    if (rsl == NULL || url == NULL) return NULL;
    const robots_rsl_content *best = NULL;
    long best_len = -1;
    for (size_t i = 0; i < rsl->content_count; i++) {
        const robots_rsl_content *c = &rsl->contents[i];
        if (c->url == NULL) continue;
        long n = pattern_match_len(c->url, url);
        if (n > best_len) best = c, best_len = n;
    }
    return best;
}

/* "ai-train search" for the bits set (the first spelling of each). */
static void usage_names(unsigned bits, char *out, size_t size)
{
    static const char *const names[] = {"all",      "ai-all",   "ai-train",
                                        "ai-input", "ai-index", "search"};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < CS_ARRAY_LEN(names); i++) {
        if (!(bits & (1u << i))) continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", names[i]);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
}

void robots_rsl_training(const robots_rsl *rsl, const char *url, robots_rsl_terms *out)
{
    memset(out, 0, sizeof *out);
    const robots_rsl_content *c = robots_rsl_match(rsl, url);
    out->content = c;
    if (c == NULL || c->license_count == 0) return;
    const robots_rsl_license *prohibiting = NULL, *free_one = NULL, *paid = NULL;
    unsigned permitted = 0;
    for (size_t i = 0; i < c->license_count; i++) {
        const robots_rsl_license *l = &c->licenses[i];
        if (l->prohibits & ROBOTS_RSL_USAGE_TRAINING) {
            if (!prohibiting) prohibiting = l;
            continue;
        }
        permitted |= l->permits;
        int permits_training = !l->has_permits || (l->permits & ROBOTS_RSL_USAGE_TRAINING);
        if (!permits_training) continue;
        if (is_paid(l->payment) || c->server) {
            if (!paid) paid = l;
        } else if (!free_one || l->payment > free_one->payment) {
            free_one = l; /* attribution over free: the condition must be kept */
        }
    }
    char names[128];
    if (prohibiting) {
        out->answer = ROBOTS_RSL_PROHIBITED;
        usage_names(prohibiting->prohibits & ROBOTS_RSL_USAGE_TRAINING, names, sizeof names);
        snprintf(out->summary, sizeof out->summary, "prohibits %s", names);
    } else if (free_one) {
        out->answer = free_one->payment == ROBOTS_RSL_PAYMENT_ATTRIBUTION
                          ? ROBOTS_RSL_PERMITTED_ATTRIBUTION
                          : ROBOTS_RSL_PERMITTED_FREE;
        out->payment = free_one->payment;
        usage_names(free_one->has_permits ? free_one->permits & ROBOTS_RSL_USAGE_TRAINING
                                          : ROBOTS_RSL_USAGE_ALL,
                    names, sizeof names);
        snprintf(out->summary, sizeof out->summary, "permits %s; payment %s", names,
                 robots_rsl_payment_name(free_one->payment));
    } else if (paid) {
        out->answer = ROBOTS_RSL_LICENSE_REQUIRED;
        out->payment = paid->payment;
        usage_names(paid->has_permits ? paid->permits & ROBOTS_RSL_USAGE_TRAINING
                                      : ROBOTS_RSL_USAGE_ALL,
                    names, sizeof names);
        if (is_paid(paid->payment) && c->server)
            snprintf(out->summary, sizeof out->summary, "permits %s; payment %s; server %.100s",
                     names, robots_rsl_payment_name(paid->payment), c->server);
        else if (c->server)
            snprintf(out->summary, sizeof out->summary, "permits %s; licence server %.100s", names,
                     c->server);
        else
            snprintf(out->summary, sizeof out->summary, "permits %s; payment %s", names,
                     robots_rsl_payment_name(paid->payment));
    } else {
        out->answer = ROBOTS_RSL_PROHIBITED;
        usage_names(permitted, names, sizeof names);
        snprintf(out->summary, sizeof out->summary, "permits only %s", names[0] ? names : "none");
    }
}

int robots_signals_from_rsl(robots_signal_list *list, const robots_rsl *rsl, const char *url,
                            const char *where, const char *detail, cs_error *err)
{
    if (list == NULL || url == NULL)
        return cs_error_set(err, CS_EINVAL, "robots: bad arguments to robots_signals_from_rsl");
    robots_rsl_terms terms;
    robots_rsl_training(rsl, url, &terms);
    if (terms.answer == ROBOTS_RSL_SILENT) return CS_OK;
    robots_signal s;
    memset(&s, 0, sizeof s);
    s.kind = terms.answer == ROBOTS_RSL_LICENSE_REQUIRED ? ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED
                                                         : ROBOTS_SIGNAL_RSL;
    s.source = ROBOTS_SOURCE_RSL;
    s.effect = terms.answer == ROBOTS_RSL_PERMITTED_FREE ||
                       terms.answer == ROBOTS_RSL_PERMITTED_ATTRIBUTION
                   ? ROBOTS_EFFECT_PERMIT
                   : ROBOTS_EFFECT_OPT_OUT;
    robots_copy_field(s.value, sizeof s.value, terms.summary, strlen(terms.summary));
    const char *w = where ? where : "RSL";
    robots_copy_field(s.where, sizeof s.where, w, strlen(w));
    char d[ROBOTS_SIGNAL_DETAIL_MAX];
    snprintf(d, sizeof d, "content %.200s%s%.250s", terms.content->url,
             detail ? ", found via " : "", detail ? detail : "");
    robots_copy_field(s.detail, sizeof s.detail, d, strlen(d));
    int rc = robots_signal_list_add(list, &s);
    if (rc == CS_ELIMIT)
        return cs_error_set(err, rc, "robots: more than %d opt-out signals for one resource",
                            ROBOTS_MAX_SIGNALS);
    if (rc) return cs_error_set(err, rc, "robots: out of memory recording a signal");
    return CS_OK;
}
