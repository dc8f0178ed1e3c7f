/*
 * robots.h - robots.txt (RFC 9309) and every machine-readable AI opt-out
 * signal clearset honours, and the opt-out decision built from them.
 *
 * Two halves:
 *
 *  1. The robots.txt parser and matcher. robots_parse() turns the bytes of a
 *     robots.txt into an immutable robots_rules; robots_allowed() answers
 *     "may AGENT fetch URL" with the matching behaviour of Google's open-source
 *     reference parser (google/robotstxt), so a file means to clearsetbot what
 *     it means to Googlebot: groups, merges, longest match, allow wins a tie,
 *     '*' and '$', the accepted key misspellings, line truncation, the
 *     index.html rule, BOM, CR/LF. The rules object also carries Sitemap,
 *     Crawl-delay, Content-Signal, Content-Usage and License lines.
 *
 *  2. Signals. Each robots_signals_from_*() function turns one piece of raw
 *     evidence (a header value, a meta tag, tdmrep.json bytes, the robots
 *     rules, an HTTP status, an embedded-metadata value, a parsed RSL 1.0
 *     document from robots_rsl_parse) into zero or more
 *     robots_signal records appended to a robots_signal_list. robots_decide()
 *     turns the list into allow / opt-out, with a verdict and reason per
 *     signal so every decision can be explained.
 *
 *  3. The site owner's side: one access-log line parsed (robots_log_parse)
 *     and the AI crawler a User-Agent names, so a caller can check what each
 *     crawler did against what robots.txt asked of it.
 *
 * Promises:
 *  - No I/O, no clock, no global mutable state: bytes in, structs out. The
 *    caller fetches robots.txt, headers, pages and tdmrep.json.
 *  - Untrusted input is pointer plus length (a NULL pointer with length 0 is
 *    an empty input). Agents, URLs and policy strings that clearset itself
 *    supplies are NUL-terminated C strings.
 *  - Functions return CS_OK or a negative CS_E* code and fill the caller's
 *    cs_error (which may be NULL); nothing prints or exits. Parsing robots.txt
 *    never fails on content: every byte sequence is a valid (possibly empty)
 *    robots.txt, so only CS_EINVAL (bad arguments) and CS_ENOMEM come back.
 *  - Thread safety: a robots_rules is immutable after robots_parse(); any
 *    number of threads may query one concurrently. A robots_signal_list and a
 *    robots_decision belong to one thread at a time.
 *  - Ownership: whatever robots_parse / *_init creates, the matching
 *    robots_free / *_free releases; all accept NULL. Strings returned by
 *    accessors point into the object they came from and live as long as it.
 */
#ifndef CLEARSET_ROBOTS_H
#define CLEARSET_ROBOTS_H

#include "common/common.h"

#include <stddef.h>

/* ------------------------------------------------------------------------ */
/* robots.txt                                                               */
/* ------------------------------------------------------------------------ */

/* Only the first 500 KiB of a robots.txt are parsed; the rest is ignored (RFC 9309 2.5). */
#define ROBOTS_MAX_BYTES (500 * 1024)

/* The product token clearset crawls as (DESIGN.md, "Politeness and opt-out"). */
#define ROBOTS_OWN_AGENT "clearsetbot"

/* Parsed robots.txt: groups of rules plus the file-wide lines. Opaque, immutable. */
typedef struct robots_rules robots_rules;

/*
 * Parses robots.txt bytes (any content; bytes past ROBOTS_MAX_BYTES are
 * ignored and robots_truncated() says so). On success *out owns a new rules
 * object (release with robots_free). Errors: CS_EINVAL (out is NULL, or bytes
 * is NULL with len > 0), CS_ENOMEM.
 */
int robots_parse(const char *bytes, size_t len, robots_rules **out, cs_error *err);
void robots_free(robots_rules *rules);

/* Rules that allow everything (what a 4xx robots.txt means). Same as parsing "". */
int robots_new_allow_all(robots_rules **out, cs_error *err);
/* Rules that disallow everything (what a 5xx / unreachable robots.txt means). */
int robots_new_disallow_all(robots_rules **out, cs_error *err);

/* 1 when the input was longer than ROBOTS_MAX_BYTES and the tail was ignored. */
int robots_truncated(const robots_rules *rules);

/*
 * Product tokens. A valid token is non-empty and made only of [A-Za-z_-]
 * (RFC 9309 2.2.1). robots_agent_is_valid says whether agent is one.
 */
int robots_agent_is_valid(const char *agent);

/*
 * The answer for one agent and one URL, with the line that decided it.
 *
 * agent: the product token asked about, compared case-insensitively and whole
 *   with each `user-agent` value cut at its first character outside
 *   [A-Za-z_-] (the reference's rule). An invalid agent ("Foobot/2.1", "Foo
 *   Bar", "") is still answered exactly as the reference answers it; it will
 *   usually only match the `*` group. `*` as agent is not special.
 * url: an absolute URL ("https://h/p?q") or a path ("/p?q"); only the path,
 *   params and query are used (fragment dropped; empty path means "/"). The
 *   URL is compared as given: pass it percent-encoded, as the crawler's
 *   normalised URLs are. Patterns are normalised at parse time (non-ASCII
 *   bytes percent-encoded, %xx escapes upper-cased).
 * "/robots.txt" itself is always allowed (RFC 9309 2.2.2).
 */
typedef struct robots_match {
    int allowed;         /* 1 allowed, 0 disallowed */
    int line;            /* 1-based line of the deciding rule; 0 when none decided */
    int specific;        /* 1 when a group naming the agent applied; 0 for `*` or none */
    int rule_is_allow;   /* the deciding rule is an allow (meaningful when line > 0) */
    const char *pattern; /* deciding rule's normalised pattern (owned by rules), or NULL */
} robots_match;

/* Fills *out (never fails; rules NULL means allow). */
void robots_check(const robots_rules *rules, const char *agent, const char *url, robots_match *out);
/* Shorthand: 1 when agent may fetch url, 0 when it may not. */
int robots_allowed(const robots_rules *rules, const char *agent, const char *url);
/* 1 when some group names agent itself (not only `*`). */
int robots_has_specific_group(const robots_rules *rules, const char *agent);

/*
 * Crawl-delay of the group that applies to agent (the groups naming it, else
 * `*`), in seconds; the first valid value in those groups. Returns -1.0 when
 * none is given.
 */
double robots_crawl_delay(const robots_rules *rules, const char *agent);

/* `Sitemap:` URLs (file-wide, in file order). */
size_t robots_sitemap_count(const robots_rules *rules);
const char *robots_sitemap(const robots_rules *rules, size_t i);

/*
 * `License:` URLs (RSL 1.0 discovery): file-wide wherever the line stands,
 * even inside a group, in file order, repeats kept. Only absolute http(s)
 * URLs count (normalised with common/url.h; they may name another host); a
 * relative or malformed value is ignored.
 */
size_t robots_license_count(const robots_rules *rules);
const char *robots_license(const robots_rules *rules, size_t i);

/*
 * Usage preferences for agent and url: `Content-Signal:` (contentsignals.org:
 * search, ai-input, ai-train = yes/no) and `Content-Usage:` (IETF AIPREF,
 * draft-ietf-aipref-vocab/-attach: an RFC 9651 dictionary, train-ai and
 * search = y/n, optionally preceded by a path pattern). Lines inside the
 * group that applies to agent count; lines before the first `user-agent`
 * apply to every agent. A Content-Usage line with a path counts only when the
 * path pattern matches url (robots.txt pattern syntax); which of several
 * matching lines applies is robots_signals_from_preferences' business.
 *
 * Content-Usage labels are case-sensitive and only the tokens y and n count;
 * a value that is not a dictionary states no preference (invalid). The older
 * labels train-genai, ai-use, tdm, genai, ai, all and bots still reserve
 * training when n (legacy). Content-Signal's non-standard allow/disallow are
 * read as yes/no and marked nonstandard.
 */
typedef enum robots_pref {
    ROBOTS_PREF_UNSET = 0, /* not stated */
    ROBOTS_PREF_YES,       /* "yes" / "y" / "allow" */
    ROBOTS_PREF_NO,        /* "no" / "n" / "disallow" */
} robots_pref;

typedef struct robots_preference {
    int is_content_usage; /* 0: Content-Signal; 1: Content-Usage */
    int line;             /* 1-based line number in robots.txt; 0 for a header */
    const char *value;    /* the raw value after the colon (owned by rules) */
    const char *path;     /* Content-Usage path pattern (owned by rules), or NULL */
    size_t path_len;
    int invalid;          /* Content-Usage that failed to parse: no preference at all */
    int legacy;           /* ai_train = NO comes only from a legacy label */
    int nonstandard;      /* Content-Signal ai-train written allow/disallow */
    robots_pref search;   /* Content-Signal search / Content-Usage search */
    robots_pref ai_input; /* Content-Signal ai-input */
    robots_pref ai_train; /* Content-Signal ai-train / Content-Usage train-ai (or legacy n) */
} robots_preference;

/*
 * Writes up to max preferences that apply to agent and url into out (file
 * order) and returns how many apply in all (which may exceed max).
 */
size_t robots_preferences(const robots_rules *rules, const char *agent, const char *url,
                          robots_preference *out, size_t max);

/* ------------------------------------------------------------------------ */
/* Well-known AI-training crawlers                                          */
/* ------------------------------------------------------------------------ */

/*
 * The maintained list of AI crawler product tokens (robots/ai_crawlers.txt,
 * compiled into the library at build time), written as sites write them
 * ("GPTBot", "CCBot", "Google-Extended", "img2dataset", ...), each with its
 * operator ("OpenAI") and function:
 *   "training"    collects content to train AI models
 *   "ai-search"   indexes content for an AI search or answer engine
 *   "user-fetch"  fetches a page when a user asks an assistant about it
 *   "ai-agent"    an autonomous agent browsing on a user's behalf
 *   "ai-data"     collects content for AI products of unstated use
 * Only a disallow for a crawler whose function trains ("training" and, as
 * the careful reading, "ai-data") reserves training; the others are recorded
 * as saying nothing about it.
 *
 * Rule for tokens that are not valid product tokens ("img2dataset",
 * "AI2Bot", "Kangaroo Bot"): the reference cuts a robots.txt `user-agent`
 * value at its first character outside [A-Za-z_-] before comparing, so a
 * site's `User-agent: img2dataset` reaches the matcher as "img". We therefore
 * query with the token's leading valid part ("img"), which is exactly what
 * the reference would match that line with; a token whose leading valid
 * part is empty is never matched. robots_ai_crawler_match_token() returns
 * the string actually queried.
 *
 * The functions without a list argument read the built-in list; index i
 * runs from 0 to robots_ai_crawler_count() - 1, and an index past the end
 * gives NULL. Strings are static.
 */
size_t robots_ai_crawler_count(void);
const char *robots_ai_crawler(size_t i);             /* as listed */
const char *robots_ai_crawler_match_token(size_t i); /* what is queried */
const char *robots_ai_crawler_operator(size_t i);    /* "OpenAI", "Common Crawl", ... */
const char *robots_ai_crawler_function(size_t i);    /* "training", "ai-search", ... */
/* 1 when token (case-insensitive) is on the list, as listed or as its match token. */
int robots_is_ai_crawler(const char *token);
/* 1 when function (a word above) names a crawler whose disallow reserves training. */
int robots_ai_crawler_function_trains(const char *function);

/*
 * A crawler list read at run time (`--ai-crawlers FILE`), in the format of
 * robots/ai_crawlers.txt: "TOKEN | OPERATOR | FUNCTION" lines, '#' comments.
 * robots_ai_crawlers_parse fills *out (release with robots_ai_crawlers_free);
 * CS_EFORMAT names the first bad line, CS_ELIMIT past 1 MiB. Every function
 * taking a list reads the built-in one when given NULL, which
 * robots_ai_crawlers_builtin() also returns (never to be freed; freeing it
 * does nothing). A list is immutable: any number of threads may read it.
 */
typedef struct robots_ai_crawlers robots_ai_crawlers;
int robots_ai_crawlers_parse(const char *bytes, size_t len, robots_ai_crawlers **out,
                             cs_error *err);
void robots_ai_crawlers_free(robots_ai_crawlers *list);
const robots_ai_crawlers *robots_ai_crawlers_builtin(void);
size_t robots_ai_crawlers_count(const robots_ai_crawlers *list);
const char *robots_ai_crawlers_token(const robots_ai_crawlers *list, size_t i);
const char *robots_ai_crawlers_match_token(const robots_ai_crawlers *list, size_t i);
const char *robots_ai_crawlers_operator(const robots_ai_crawlers *list, size_t i);
const char *robots_ai_crawlers_function(const robots_ai_crawlers *list, size_t i);
/* Index of token (as listed or as its match token, case-insensitive), or -1. */
long robots_ai_crawlers_find(const robots_ai_crawlers *list, const char *token);

/* ------------------------------------------------------------------------ */
/* Signals                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum robots_signal_kind {
    ROBOTS_SIGNAL_ROBOTS_DIRECTIVE = 1, /* X-Robots-Tag / meta robots directive (noai, ...) */
    ROBOTS_SIGNAL_TDM_RESERVATION,      /* TDMRep tdm-reservation (and its tdm-policy) */
    ROBOTS_SIGNAL_CONTENT_SIGNAL,       /* robots.txt Content-Signal */
    ROBOTS_SIGNAL_CONTENT_USAGE,        /* robots.txt Content-Usage (IETF aipref) */
    ROBOTS_SIGNAL_AI_TXT,               /* /ai.txt rules for the URL */
    ROBOTS_SIGNAL_AI_CRAWLER_RULE,      /* robots.txt disallows the URL for an AI crawler */
    ROBOTS_SIGNAL_PAYMENT_REQUIRED,     /* HTTP 402 or a crawler-price header */
    ROBOTS_SIGNAL_DATA_MINING,          /* IPTC plus:DataMining */
    ROBOTS_SIGNAL_TRAINING_MINING,      /* C2PA / CAWG training-mining assertion */
    ROBOTS_SIGNAL_RSL,                  /* RSL 1.0 terms: training prohibited, or free */
    ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED, /* RSL 1.0: training needs payment or a licence server */
} robots_signal_kind;

/* Where the signal was found. */
typedef enum robots_signal_source {
    ROBOTS_SOURCE_HEADER = 1,  /* an HTTP response header */
    ROBOTS_SOURCE_META,        /* an HTML <meta> element */
    ROBOTS_SOURCE_ROBOTS_TXT,  /* /robots.txt */
    ROBOTS_SOURCE_TDMREP_JSON, /* /.well-known/tdmrep.json */
    ROBOTS_SOURCE_AI_TXT,      /* /ai.txt */
    ROBOTS_SOURCE_HTTP_STATUS, /* the response status code */
    ROBOTS_SOURCE_EMBEDDED,    /* metadata embedded in the file (XMP, C2PA manifest) */
    ROBOTS_SOURCE_RSL,         /* an RSL 1.0 document (fetched, or inline in a page) */
} robots_signal_source;

/* What the signal says by itself, before policy. */
typedef enum robots_effect {
    ROBOTS_EFFECT_NONE = 0, /* says nothing about AI training (index, follow, ...) */
    ROBOTS_EFFECT_PERMIT,   /* explicitly permits (ai-train=yes, tdm-reservation: 0, ...) */
    ROBOTS_EFFECT_OPT_OUT,  /* reserves rights / prohibits AI training */
    ROBOTS_EFFECT_POLICY,   /* an opt-out only when the policy says so (noindex, ...) */
} robots_effect;

/* Policy switches for ROBOTS_EFFECT_POLICY directives (robots_signal.policy_flag). */
enum {
    ROBOTS_POLICY_NOINDEX = 1 << 0,      /* noindex counts as an opt-out */
    ROBOTS_POLICY_NONE = 1 << 1,         /* none counts as an opt-out */
    ROBOTS_POLICY_NOIMAGEINDEX = 1 << 2, /* noimageindex counts as an opt-out */
    ROBOTS_POLICY_NOML = 1 << 3,         /* kept for policy files: noml opts out anyway */
};

#define ROBOTS_SIGNAL_VALUE_MAX  256 /* raw value kept per signal (longer is cut) */
#define ROBOTS_SIGNAL_SCOPE_MAX  64  /* agent token a signal is limited to */
#define ROBOTS_SIGNAL_WHERE_MAX  512 /* location: header name, URL, line, JSON index */
#define ROBOTS_SIGNAL_DETAIL_MAX 512 /* extra: tdm-policy URL, price, crawler token */

/* One piece of evidence. Plain data: copy it freely. */
typedef struct robots_signal {
    robots_signal_kind kind;
    robots_effect effect;
    robots_signal_source source;
    unsigned policy_flag;                  /* ROBOTS_POLICY_* when effect is POLICY, else 0 */
    int line;                              /* line number in robots.txt / ai.txt, else 0 */
    char value[ROBOTS_SIGNAL_VALUE_MAX];   /* as found: "noai", "1", "ai-train=no", "402" */
    char scope[ROBOTS_SIGNAL_SCOPE_MAX];   /* agent it is limited to; "" means every agent */
    char where[ROBOTS_SIGNAL_WHERE_MAX];   /* "X-Robots-Tag", "meta robots", "robots.txt", a URL */
    char detail[ROBOTS_SIGNAL_DETAIL_MAX]; /* tdm-policy URL, crawler-price, matched pattern */
} robots_signal;

/* A growable list of signals. Zero-initialised is a valid empty list. */
typedef struct robots_signal_list {
    robots_signal *items;
    size_t count;
    size_t cap;
} robots_signal_list;

void robots_signal_list_init(robots_signal_list *list);
void robots_signal_list_free(robots_signal_list *list);
/* Appends a copy of *signal. CS_ENOMEM, or CS_ELIMIT past ROBOTS_MAX_SIGNALS. */
int robots_signal_list_add(robots_signal_list *list, const robots_signal *signal);
#define ROBOTS_MAX_SIGNALS 4096 /* a page cannot usefully say more; bounds hostile input */

/* Names for logs and JSON: "robots-directive", "header", "opt-out", ... */
const char *robots_signal_kind_name(robots_signal_kind kind);
const char *robots_signal_source_name(robots_signal_source source);
const char *robots_effect_name(robots_effect effect);

/*
 * The word the catalog stores for a signal (optout_signals.kind): the kind
 * together with where it was found - "x-robots-tag", "meta-robots",
 * "tdm-header", "tdm-meta", "tdmrep-json", "content-signal", "content-usage",
 * "ai-txt", "ai-crawler-rule", "http-402", "crawler-price",
 * "iptc-data-mining", "c2pa-training", "rsl", "rsl-licence-required". Static strings.
 */
const char *robots_signal_catalog_kind(const robots_signal *signal);
/* The reverse: the kind and source a catalog word stands for; CS_ENOTFOUND if unknown. */
int robots_signal_from_catalog_kind(const char *word, robots_signal_kind *kind,
                                    robots_signal_source *source);

/*
 * Producers. Each appends what it finds to list and returns CS_OK, CS_ENOMEM,
 * CS_ELIMIT (list full) or, where bytes must have a format, CS_EFORMAT. A
 * producer that finds nothing appends nothing. `where` (may be NULL) is
 * copied into each signal's where field: pass the URL or header name.
 */

/*
 * One X-Robots-Tag header value: comma-separated directives, case-insensitive.
 * "agent: directive, ..." scopes the directives after it (in this value) to
 * that agent; known valued directives (unavailable_after, max-snippet, ...)
 * are not agents. Call once per header: several headers combine. Only the
 * directives that bear on AI use are recorded: noai, noimageai and noml
 * (OPT_OUT), noindex, none and noimageindex (POLICY); "nofollow" and the like
 * are not signals.
 */
int robots_signals_from_x_robots_tag(robots_signal_list *list, const char *value, size_t len,
                                     const char *where, cs_error *err);

/*
 * One <meta name=NAME content=CONTENT>, directives read as for X-Robots-Tag
 * (without agent prefixes). NAME "robots" applies to every agent; NAME
 * ROBOTS_OWN_AGENT or a listed AI crawler token scopes the directives to that
 * agent. Every other NAME (description, googlebot, ...) is ignored, so the
 * caller may pass every meta element. TDMRep meta (tdm-reservation,
 * tdm-policy) goes to robots_signals_from_tdm instead.
 */
int robots_signals_from_meta_robots(robots_signal_list *list, const char *name, size_t name_len,
                                    const char *content, size_t content_len, const char *where,
                                    cs_error *err);

/*
 * TDMRep (W3C TDM Reservation Protocol) from an HTTP response (source HEADER)
 * or HTML meta (source META): the tdm-reservation value and the tdm-policy
 * value; either may be NULL when absent. Only "1" reserves (OPT_OUT); "0" is
 * PERMIT; other values are recorded as NONE. The policy URL goes in detail.
 */
int robots_signals_from_tdm(robots_signal_list *list, robots_signal_source source,
                            const char *reservation, size_t reservation_len, const char *policy,
                            size_t policy_len, const char *where, cs_error *err);

/*
 * /.well-known/tdmrep.json: a JSON array of {"location", "tdm-reservation",
 * "tdm-policy"} objects; the first whose location pattern matches url_path
 * (a path, or an absolute URL whose path is used) wins and is recorded.
 * Location patterns use robots.txt syntax ('*', final '$', prefix match).
 * CS_EFORMAT when the bytes are not such an array; CS_ELIMIT past 1 MiB.
 */
int robots_signals_from_tdmrep_json(robots_signal_list *list, const char *json, size_t len,
                                    const char *url_path, const char *where, cs_error *err);

/*
 * Content-Signal and Content-Usage lines of robots.txt that apply to agent
 * and url (see robots_preferences). ai-train=no / train-ai=n (or a legacy
 * label =n, detail "legacy-label") are OPT_OUT, yes/y PERMIT, anything else
 * NONE. Of the Content-Usage lines that match, the one with the longest path
 * applies; lines with shorter paths are recorded as NONE ("overridden by line
 * N"); on equal paths every line counts, so an n wins. A Content-Usage value
 * that fails to parse is NONE with a detail saying so.
 */
int robots_signals_from_preferences(robots_signal_list *list, const robots_rules *rules,
                                    const char *agent, const char *url, const char *where,
                                    cs_error *err);

/*
 * One Content-Usage (IETF AIPREF, RFC 9651 dictionary) or Content-Signal HTTP
 * response header value, source HEADER, read as the robots.txt lines are
 * (one signal per call; a parse failure is a NONE signal, no preference).
 */
int robots_signals_from_content_usage_header(robots_signal_list *list, const char *value,
                                             size_t len, const char *where, cs_error *err);
int robots_signals_from_content_signal_header(robots_signal_list *list, const char *value,
                                              size_t len, const char *where, cs_error *err);

/*
 * For every AI crawler on the list that a group of rules names specifically
 * (not only `*`) and that is disallowed url: one signal, scope naming the
 * token as listed, line the deciding rule, detail "TOKEN (OPERATOR,
 * FUNCTION)". OPT_OUT for a crawler whose function trains, NONE for the
 * others (a site keeping an AI search engine or a user's assistant out has
 * not reserved training). robots_signals_from_ai_crawlers reads the built-in
 * list; robots_signals_from_ai_crawler_list the given one (NULL: built-in).
 */
int robots_signals_from_ai_crawlers(robots_signal_list *list, const robots_rules *rules,
                                    const char *url, const char *where, cs_error *err);
int robots_signals_from_ai_crawler_list(robots_signal_list *list, const robots_rules *rules,
                                        const robots_ai_crawlers *crawlers, const char *url,
                                        const char *where, cs_error *err);

/*
 * /ai.txt bytes (Spawning; robots.txt grammar), checked for agent and the
 * image url with the robots.txt matcher, so wildcards over file names
 * ("Disallow: *.jpg", or a slash-star pattern anchored with $) mean what they
 * mean in robots.txt.
 * Rules before any User-Agent line apply to every agent. Disallowed is
 * OPT_OUT; a deciding allow rule is PERMIT; no rule, nothing. line is the
 * file's own line number.
 */
int robots_signals_from_ai_txt(robots_signal_list *list, const char *bytes, size_t len,
                               const char *agent, const char *url, const char *where,
                               cs_error *err);

/*
 * HTTP 402 Payment Required, or a crawler-price header value (may be NULL):
 * a paid-access demand, recorded as OPT_OUT (not permitted without a deal).
 * Any other status without a price appends nothing.
 */
int robots_signals_from_http(robots_signal_list *list, int status, const char *crawler_price,
                             size_t price_len, const char *where, cs_error *err);

/*
 * IPTC plus:DataMining value (a PLUS vocabulary URI or its last segment):
 * every DMI-PROHIBITED* is OPT_OUT, DMI-ALLOWED PERMIT, DMI-UNSPECIFIED NONE.
 */
int robots_signals_from_data_mining(robots_signal_list *list, const char *value, size_t len,
                                    const char *where, cs_error *err);

/*
 * C2PA / CAWG training-mining assertion entry: entry is its key
 * ("c2pa.ai_training", "cawg.data_mining", ...; may be NULL), use its "use"
 * value: "notAllowed" and "constrained" are OPT_OUT, "allowed" PERMIT.
 * "constrained" (allowed on terms given elsewhere) is no permission: it opts
 * out unless the policy's training_constrained says it is acceptable; its
 * detail says so.
 */
int robots_signals_from_training_mining(robots_signal_list *list, const char *entry,
                                        size_t entry_len, const char *use, size_t use_len,
                                        const char *where, cs_error *err);

/* ------------------------------------------------------------------------ */
/* RSL 1.0 (Really Simple Licensing, rslstandard.org, November 2025)        */
/* ------------------------------------------------------------------------ */

/*
 * An RSL document says, per content URL pattern, which uses are permitted or
 * prohibited and on what terms (payment, a licence server). robots_rsl_parse
 * reads one (libxml2, no network, no DTD, no entity expansion; a document
 * with a DOCTYPE is refused, so no entity can be declared) into plain data;
 * robots_rsl_training says what it means for AI training of one URL, and
 * robots_signals_from_rsl turns that into a signal.
 */

/* An RSL document is a short list of content entries; larger input is refused (CS_ELIMIT)
 * before libxml2 sees it, which bounds the tree a hostile document can make. */
#define ROBOTS_RSL_MAX_BYTES (256 * 1024)
#define ROBOTS_RSL_NAMESPACE "https://rslstandard.org/rsl"

/* Usage tokens of permits/prohibits type="usage" (bits). */
enum {
    ROBOTS_RSL_USAGE_ALL = 1 << 0,      /* all */
    ROBOTS_RSL_USAGE_AI_ALL = 1 << 1,   /* ai-all */
    ROBOTS_RSL_USAGE_AI_TRAIN = 1 << 2, /* ai-train, and the "train-ai" spelling seen in the wild */
    ROBOTS_RSL_USAGE_AI_INPUT = 1 << 3, /* ai-input */
    ROBOTS_RSL_USAGE_AI_INDEX = 1 << 4, /* ai-index */
    ROBOTS_RSL_USAGE_SEARCH = 1 << 5,   /* search */
};
/* The usages that cover training a model. */
#define ROBOTS_RSL_USAGE_TRAINING                                                                  \
    (ROBOTS_RSL_USAGE_ALL | ROBOTS_RSL_USAGE_AI_ALL | ROBOTS_RSL_USAGE_AI_TRAIN)

/* payment@type. */
typedef enum robots_rsl_payment {
    ROBOTS_RSL_PAYMENT_NONE = 0, /* no payment element: nothing asked */
    ROBOTS_RSL_PAYMENT_FREE,
    ROBOTS_RSL_PAYMENT_ATTRIBUTION,
    ROBOTS_RSL_PAYMENT_PURCHASE,
    ROBOTS_RSL_PAYMENT_SUBSCRIPTION,
    ROBOTS_RSL_PAYMENT_TRAINING,
    ROBOTS_RSL_PAYMENT_CRAWL,
    ROBOTS_RSL_PAYMENT_INFERENCE,
    ROBOTS_RSL_PAYMENT_OTHER, /* a type this build does not know: treated as paid */
} robots_rsl_payment;

/* "free", "attribution", "purchase", ...; "none", "other". Static. */
const char *robots_rsl_payment_name(robots_rsl_payment payment);

/* One <license>. */
typedef struct robots_rsl_license {
    int has_permits;            /* a <permits type="usage"> was given */
    unsigned permits;           /* ROBOTS_RSL_USAGE_* bits it lists */
    unsigned prohibits;         /* ROBOTS_RSL_USAGE_* bits <prohibits type="usage"> lists */
    robots_rsl_payment payment; /* the most demanding payment@type given */
} robots_rsl_license;

/* One <content url="..." server="...">. Strings owned by the document. */
typedef struct robots_rsl_content {
    char *url;    /* the pattern as written (robots.txt '*' and '$'; absolute or a path) */
    char *server; /* content@server (a licence server), or NULL */
    robots_rsl_license *licenses;
    size_t license_count;
} robots_rsl_content;

/* A parsed document. Zero-initialised is an empty one. */
typedef struct robots_rsl {
    robots_rsl_content *contents;
    size_t content_count;
} robots_rsl;

/*
 * Parses RSL XML bytes into *out (released with robots_rsl_free, also after
 * an error). CS_ELIMIT past ROBOTS_RSL_MAX_BYTES or too many entries,
 * CS_EFORMAT for malformed XML, a DOCTYPE, or a root that is not <rsl>,
 * CS_ENOMEM. Elements count in the RSL namespace or in none.
 */
int robots_rsl_parse(const char *bytes, size_t len, robots_rsl *out, cs_error *err);
void robots_rsl_free(robots_rsl *rsl);

/*
 * The content entry that speaks for url (absolute, normalised): the one whose
 * pattern matches with the most octets (robots.txt semantics; an absolute
 * pattern must also name url's scheme and host), the first on a tie; NULL
 * when none matches.
 */
const robots_rsl_content *robots_rsl_match(const robots_rsl *rsl, const char *url);

/* What an RSL document says about AI training of one URL. */
typedef enum robots_rsl_answer {
    ROBOTS_RSL_SILENT = 0,           /* no content entry for the URL, or no licence in it */
    ROBOTS_RSL_PROHIBITED,           /* a licence prohibits training, or none permits it */
    ROBOTS_RSL_LICENSE_REQUIRED,     /* permitted only for payment or via a licence server */
    ROBOTS_RSL_PERMITTED_FREE,       /* a licence permits training for free */
    ROBOTS_RSL_PERMITTED_ATTRIBUTION /* ... for attribution */
} robots_rsl_answer;

typedef struct robots_rsl_terms {
    robots_rsl_answer answer;
    const robots_rsl_content *content;     /* the entry that spoke (borrowed), or NULL */
    robots_rsl_payment payment;            /* of the licence the answer rests on */
    char summary[ROBOTS_SIGNAL_VALUE_MAX]; /* "prohibits ai-train", "permits ai-train; payment
                                              attribution", ... */
} robots_rsl_terms;

/*
 * Rules, most restrictive first: any licence of the entry that prohibits a
 * training usage (all, ai-all, ai-train/train-ai) makes it PROHIBITED; else a
 * licence that permits training (no permits element permits every usage)
 * without payment (none, free, attribution) and no content@server makes it
 * PERMITTED_*; else one that permits it for payment or with a server,
 * LICENSE_REQUIRED; else, when licences exist but all permit only other
 * usages, PROHIBITED. Never fails.
 */
void robots_rsl_training(const robots_rsl *rsl, const char *url, robots_rsl_terms *out);

/*
 * One signal for url from rsl, where = the document's URL, detail = how it
 * was found ("robots.txt License", "Link header of URL", ...; may be NULL):
 * PROHIBITED is an OPT_OUT of kind RSL, PERMITTED_* a PERMIT of kind RSL,
 * LICENSE_REQUIRED an OPT_OUT of kind RSL_LICENSE_REQUIRED. SILENT adds nothing.
 */
int robots_signals_from_rsl(robots_signal_list *list, const robots_rsl *rsl, const char *url,
                            const char *where, const char *detail, cs_error *err);

/* ------------------------------------------------------------------------ */
/* Decision                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct robots_policy {
    unsigned flags; /* ROBOTS_POLICY_* bits: which POLICY directives opt out */
    /* the AI crawler list scopes and crawler rules are judged with (NULL: built-in);
       borrowed, must outlive the decision */
    const robots_ai_crawlers *ai_crawlers;
    int ai_crawler_rules; /* AI_CRAWLER_RULE signals count (default 1) */
    int ai_crawler_scope; /* directives scoped to a listed AI crawler count (default 1) */
    int payment_required; /* PAYMENT_REQUIRED counts as not permitted (default 1) */
    /* a C2PA / CAWG training-mining "constrained" counts as permission (default 0: it
       is not one, so it keeps the item from being cleared) */
    int training_constrained;
} robots_policy;

/* The defaults: noai/noimageai, TDMRep, Content-Signal/Usage, ai.txt, AI crawler rules,
 * 402/price and DataMining/training-mining opt out; noindex & co. do not. */
void robots_policy_default(robots_policy *policy);

/* What the decision made of each signal (parallel to the signal list). */
typedef enum robots_verdict {
    ROBOTS_VERDICT_OPTS_OUT = 1, /* this signal opts the item out */
    ROBOTS_VERDICT_PERMITS,      /* an explicit permission (does not cancel an opt-out) */
    ROBOTS_VERDICT_NO_EFFECT,    /* says nothing about AI training */
    ROBOTS_VERDICT_OTHER_AGENT,  /* scoped to an agent other than ours */
    ROBOTS_VERDICT_POLICY_OFF,   /* a POLICY directive the policy does not count */
    ROBOTS_VERDICT_OVERRIDDEN,   /* TDMRep from a lower-precedence source */
} robots_verdict;

typedef struct robots_decision {
    int opted_out;            /* 1 when any signal has verdict OPTS_OUT */
    size_t count;             /* number of signals judged (= list count) */
    robots_verdict *verdicts; /* count entries, owned; free with robots_decision_free */
    size_t first_reason;      /* index of the first OPTS_OUT signal (valid when opted_out) */
    /* The TDMRep statement that counted: the first decisive one (0 or 1) from the
     * highest source present, which every OVERRIDDEN signal gave way to. Set by
     * robots_decide for its own list only (has_tdm_counted 0: no such statement). */
    int has_tdm_counted;
    size_t tdm_counted;
} robots_decision;

/*
 * Judges the signals of ONE resource (an image, or a page it was found on):
 * TDMRep precedence is applied within the list. Callers combine resources
 * (the image and every page it was found on) by OR-ing opted_out.
 *
 * Decides for agent (our product token, e.g. ROBOTS_OWN_AGENT) under policy
 * (NULL: defaults). A signal scoped to an agent counts when the scope is
 * agent (case-insensitive), or a listed AI crawler and policy->ai_crawler_scope.
 * TDMRep precedence: embedded metadata over meta over header over
 * tdmrep.json; only the highest source present that states 0 or 1 counts. Any counting OPT_OUT
 * signal opts out; permissions never cancel an opt-out. *out must be released with
 * robots_decision_free. Errors: CS_EINVAL, CS_ENOMEM.
 */
int robots_decide(const robots_signal_list *signals, const char *agent, const robots_policy *policy,
                  robots_decision *out, cs_error *err);
void robots_decision_free(robots_decision *decision);
const char *robots_verdict_name(robots_verdict verdict);

/*
 * A one-line, human-readable account of one signal, e.g.
 * "X-Robots-Tag noai (https://h/img.jpg)". Always NUL-terminates; returns out.
 */
char *robots_signal_describe(const robots_signal *signal, char *out, size_t size);

/* ------------------------------------------------------------------------ */
/* Access logs: the site owner's side                                       */
/* ------------------------------------------------------------------------ */

/*
 * One line of a web server access log (NCSA common or combined format, as
 * nginx and Apache write them), for `clearset crawlers`: which crawlers came
 * and whether they kept to robots.txt. Same promises as the rest of this
 * header: bytes in, struct out, nothing allocated, no clock.
 */

/* Longest line read: a request line and a User-Agent are each a few KiB at most (servers
 * refuse request lines past 8 KiB by default); anything longer is not a log line. */
#define ROBOTS_LOG_MAX_LINE (64 * 1024)

/* A parsed line. Pointers point into the caller's line (quoted fields without their
 * quotes, escapes as written); a missing part is NULL with length 0. */
typedef struct robots_log_entry {
    const char *client; /* %h: address or host name */
    size_t client_len;
    const char *user; /* %u: "-" when none */
    size_t user_len;
    int64_t time;        /* %t as seconds since 1970-01-01 UTC */
    const char *request; /* %r: the whole request line */
    size_t request_len;
    const char *method; /* from the request line; NULL when it is "-" or junk */
    size_t method_len;
    const char *target; /* request target as sent ("/p?q" or absolute) */
    size_t target_len;
    const char *protocol; /* "HTTP/1.1"; NULL for an HTTP/0.9 line */
    size_t protocol_len;
    int status;    /* 100..999; 0 when logged as "-" */
    int64_t bytes; /* body bytes; 0 when logged as "-" */
    int combined;  /* 1 when referer and user agent are present */
    const char *referer;
    size_t referer_len;
    const char *user_agent;
    size_t user_agent_len;
} robots_log_entry;

/*
 * What a parser carries from line to line: the last timestamp read, as a log
 * repeats each second over many lines. Zero-initialised is a fresh parser;
 * one per stream and thread.
 */
typedef struct robots_log_parser {
    char last_time[28]; /* "[10/Oct/2000:13:55:36 -0700]" */
    int64_t last_seconds;
    int has_last;
} robots_log_parser;

/*
 * Parses one line (without its newline; a final CR is ignored). parser may
 * be NULL (no memory between lines; the result is the same). CS_OK fills
 * *out; CS_EFORMAT (junk: a control or NUL byte, invalid UTF-8, a missing or
 * malformed field, a bad timestamp) and CS_ELIMIT (longer than
 * ROBOTS_LOG_MAX_LINE) fill err with "column N: what"; CS_EINVAL.
 */
int robots_log_parse(robots_log_parser *parser, const char *line, size_t len, robots_log_entry *out,
                     cs_error *err);

/* "[10/Oct/2000:13:55:36 -0700]" (28 bytes, brackets included) to seconds since the
 * epoch, UTC. CS_EFORMAT for anything else, an impossible date included. */
int robots_log_parse_time(const char *s, size_t len, int64_t *out);

/*
 * The AI crawler (index into robots_ai_crawler) a User-Agent names, or -1:
 * a listed token found case-insensitively as a whole word (not preceded or
 * followed by a letter or digit: "GPTBot/1.2" names GPTBot, "XGPTBot" does
 * not); when several are found, the longest token wins ("ChatGPT-User"
 * over a shorter one it contains).
 */
int robots_ai_crawler_in_user_agent(const char *user_agent, size_t len);
/* The same for a crawler list (NULL: the built-in one); the index is into that list. */
int robots_ai_crawlers_in_user_agent(const robots_ai_crawlers *list, const char *user_agent,
                                     size_t len);

#endif
