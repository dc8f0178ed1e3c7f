/*
 * cmd_signals.c - `clearset signals URL`: every AI opt-out signal that
 * applies to one URL (robots.txt, its headers, its page meta, tdmrep.json,
 * ai.txt) and the decision robots/ makes from them, as one JSON object.
 * Redirects of the URL are followed (crawler_signals says how far and with
 * which checks); every hop's signals count, and the output names the chain
 * (redirects, final_url). Exit status 1 when the URL is opted out or
 * robots.txt disallows a URL of the chain; 3 when the chain could not be
 * followed to its end (loop, too many hops, refused target) or the URL's own
 * address was refused, and nothing found so far says no - the answer for the
 * final resource is unknown.
 *
 * --bots prints one row per listed AI crawler instead (crawler_signals_bots):
 * whether it may fetch the URL and whether training is reserved for it, by
 * which signal; a table when stdout is a terminal, JSON Lines otherwise.
 */
#include "cli/cli.h"
#include "crawler/crawler.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIGNALS_MAX_SECONDS_MS (1000000ull * 1000) /* a million seconds: far past any use */

static void print_help(void)
{
    printf("usage: clearset signals URL [--bots] [--allow-loopback] [--delay SECONDS]\n"
           "                            [--timeout SECONDS] [--ai-crawlers FILE]\n\n"
           "Fetches what applies to URL - robots.txt, /.well-known/tdmrep.json, /ai.txt and,\n"
           "when robots.txt allows it, the URL itself (headers and page meta) - politely,\n"
           "--delay apart per host (default 1 s), and prints one JSON object: each signal\n"
           "found (kind, source, effect, value, scope, where, detail, verdict) and the\n"
           "decision for clearsetbot under the default policy. For an image, its embedded\n"
           "IPTC plus:DataMining, XMP tdm:reservation and C2PA training-mining count too.\n"
           "robots.txt rules for AI crawlers are read with the built-in crawler list, or\n"
           "the one --ai-crawlers FILE gives (robots/ai_crawlers.txt's format); only a\n"
           "training crawler's disallow reserves training.\n\n"
           "A redirect (301, 302, 303, 307, 308) of the URL is followed, up to 5 hops as\n"
           "in a crawl: http and https only, private and reserved addresses refused\n"
           "(loopback too unless --allow-loopback), and a new host's robots.txt, tdmrep.json\n"
           "and ai.txt are fetched before its URL, which is not requested when robots.txt\n"
           "disallows it. Signals of every hop count ('where' names the URL), so the answer\n"
           "is for the resource you would get. 'redirects' lists the hops followed (url,\n"
           "status, location), 'final_url' where they led; 'status', 'robots_txt',\n"
           "'tdmrep_status' and 'ai_txt_status' describe final_url. A redirect that is not\n"
           "followed (a loop, a sixth hop, a refused target) leaves its target in\n"
           "'location' and the reason in 'error', with \"redirect_error\": true.\n\n"
           "exit status: 0 not opted out, 1 opted out or disallowed (on any hop),\n"
           "2 bad URL, 3 failure - including a redirect chain that could not be followed\n"
           "to its end while nothing found so far opts out: the final resource is unknown,\n"
           "which is neither a yes (0) nor a no (1). An address refused for the URL itself\n"
           "(private, reserved, or loopback without --allow-loopback) is such a failure too:\n"
           "\"error\": \"address refused\", nothing asked.\n\n"
           "--bots answers for every known AI crawler token instead (the site owner's\n"
           "view), from the same requests: may it fetch URL (robots.txt for that token,\n"
           "on every URL of the chain), and is training reserved for it, by which signal\n"
           "(its own robots.txt group, Content-Signal or Content-Usage lines that apply\n"
           "to it, ai.txt, tdmrep.json, X-Robots-Tag or meta noai, ...). A table on a\n"
           "terminal; otherwise JSON Lines, one object per crawler of the list (--ai-crawlers\n"
           "or the built-in one): crawler, operator, function, url, may_fetch,\n"
           "robots_line, disallowed_url, training_reserved, signal, reason.\n"
           "Exit status 1 when some crawler may not fetch URL or has training reserved,\n"
           "0 when none, 3 as above when the chain could not be followed.\n");
}

/* --bots: one row per listed AI crawler, a table on a terminal, JSON Lines otherwise. */
static int print_bots(const crawler_signals_result *res, const crawler_bot_views *bots)
{
    int table = isatty(STDOUT_FILENO);
    if (table)
        printf("%-30s %-22s %-11s %-6s %-9s %s\n", "CRAWLER", "OPERATOR", "FUNCTION", "FETCH",
               "TRAINING", "SIGNAL");
    for (size_t i = 0; i < bots->count; i++) {
        const crawler_bot_view *v = &bots->items[i];
        char reason[1024] = "";
        if (v->reserved) robots_signal_describe(&v->reason, reason, sizeof reason);
        if (table) {
            char fetch[32];
            if (v->allowed)
                cs_strlcpy(fetch, "yes", sizeof fetch);
            else
                snprintf(fetch, sizeof fetch, "no:%d", v->robots_line);
            printf("%-30s %-22s %-11s %-6s %-9s %s\n", v->token,
                   v->operator_name ? v->operator_name : "-", v->function ? v->function : "-",
                   fetch, v->reserved ? "reserved" : "-", v->reserved ? reason : "");
            continue;
        }
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:b, s:o, s:o}", "crawler",
            cli_json_text(v->token), "operator",
            v->operator_name ? cli_json_text(v->operator_name) : json_null(), "function",
            v->function ? cli_json_text(v->function) : json_null(), "url", res->url, "may_fetch",
            v->allowed, "robots_line", v->allowed ? json_null() : json_integer(v->robots_line),
            "disallowed_url", v->allowed ? json_null() : json_string(v->disallowed_url),
            "training_reserved", v->reserved, "signal",
            v->reserved ? json_string(robots_signal_catalog_kind(&v->reason)) : json_null(),
            "reason", v->reserved ? cli_json_text(reason) : json_null());
        int rc = cli_print_json("signals", o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (rc != CLI_EXIT_OK) return rc;
    }
    if (table && fflush(stdout) != 0) return CLI_EXIT_RUNTIME;
    return CLI_EXIT_OK;
}

static json_t *int_or_null(long v)
{
    return v < 0 ? json_null() : json_integer(v);
}

int cmd_signals(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    crawler_fetch_options fetch = {0};
    int64_t delay_ms = 1000;
    const char *url = NULL;
    int bots_wanted = 0;
    robots_ai_crawlers *ai_crawlers = NULL;
    enum { OPT_ALLOW_LOOPBACK, OPT_DELAY, OPT_TIMEOUT, OPT_AI_CRAWLERS, OPT_BOTS };
    static const cli_option options[] = {
        {"--allow-loopback", OPT_ALLOW_LOOPBACK, CLI_FLAG, 0, 0},
        {"--ai-crawlers", OPT_AI_CRAWLERS, CLI_TEXT, 0, 0},
        {"--bots", OPT_BOTS, CLI_FLAG, 0, 0},
        {"--delay", OPT_DELAY, CLI_SECONDS, 0, SIGNALS_MAX_SECONDS_MS},
        {"--timeout", OPT_TIMEOUT, CLI_SECONDS, 0, SIGNALS_MAX_SECONDS_MS},
    };
    cli_args args = cli_args_start("signals", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND && url)
            return cli_usage_error("signals", "only one URL");
        else if (kind == CLI_ARG_OPERAND)
            url = args.value;
        else if (args.id == OPT_ALLOW_LOOPBACK)
            fetch.allow_loopback = 1;
        else if (args.id == OPT_BOTS)
            bots_wanted = 1;
        else if (args.id == OPT_DELAY)
            delay_ms = (int64_t)args.number;
        else if (args.id == OPT_AI_CRAWLERS) {
            cs_error why;
            robots_ai_crawlers_free(ai_crawlers);
            ai_crawlers = NULL;
            if (cli_load_ai_crawlers(args.value, &ai_crawlers, &why) != CS_OK) {
                robots_ai_crawlers_free(ai_crawlers);
                return cli_fail("signals", &why);
            }
        } else /* 0 would mean the default timeout: the shortest one asked for is 1 ms */
            fetch.total_timeout_ms = args.number > 0 ? (long)args.number : 1;
    }
    if (kind == CLI_ARG_ERROR || url == NULL) {
        robots_ai_crawlers_free(ai_crawlers);
        return kind == CLI_ARG_ERROR ? CLI_EXIT_USAGE : cli_usage_error("signals", "needs a URL");
    }
    (void)ctx;
    cs_error err;
    cs_error_clear(&err);
    crawler_signals_result res;
    crawler_bot_views bots = {0};
    int rc = bots_wanted
                 ? crawler_signals_bots(url, &fetch, delay_ms, ai_crawlers, &res, &bots, &err)
                 : crawler_signals_list(url, &fetch, delay_ms, ai_crawlers, &res, &err);
    if (rc == CS_OK && bots_wanted) {
        int printed = print_bots(&res, &bots);
        int any = 0;
        for (size_t i = 0; i < bots.count; i++)
            any |= !bots.items[i].allowed || bots.items[i].reserved;
        if (res.address_refused || res.redirect_error)
            fprintf(stderr, "clearset signals: %s: %s\n", res.url,
                    res.error[0] ? res.error : "the redirect chain could not be followed");
        int status = printed != CLI_EXIT_OK                      ? printed
                     : res.address_refused || res.redirect_error ? CLI_EXIT_RUNTIME
                     : any                                       ? CLI_EXIT_FOUND
                                                                 : CLI_EXIT_OK;
        crawler_bot_views_free(&bots);
        crawler_signals_result_free(&res);
        robots_ai_crawlers_free(ai_crawlers);
        return status;
    }
    robots_decision decision;
    robots_policy policy;
    robots_policy_default(&policy);
    policy.ai_crawlers = ai_crawlers;
    if (rc == CS_OK) rc = crawler_signals_decide(&res, ROBOTS_OWN_AGENT, &policy, &decision, &err);
    if (rc != CS_OK) {
        crawler_signals_result_free(&res);
        robots_ai_crawlers_free(ai_crawlers);
        return cli_fail("signals", &err);
    }
    json_t *signals = json_array();
    for (size_t i = 0; i < res.signals.count; i++) {
        const robots_signal *s = &res.signals.items[i];
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", robots_signal_kind_name(s->kind),
            "source", robots_signal_source_name(s->source), "effect", robots_effect_name(s->effect),
            "value", s->value, "scope", s->scope, "where", s->where, "detail", s->detail, "verdict",
            robots_verdict_name(decision.verdicts[i]));
        if (s->line > 0) json_object_set_new(o, "line", json_integer(s->line));
        json_array_append_new(signals, o);
    }
    json_t *reason = json_null();
    if (decision.opted_out) {
        char text[1024];
        robots_signal_describe(&res.signals.items[decision.first_reason], text, sizeof text);
        reason = json_string(text);
    }
    json_t *out = json_pack(
        "{s:s, s:{s:o, s:b, s:o}, s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "url", res.url, "robots_txt",
        "status", int_or_null(res.robots_status), "allowed", res.allowed, "line",
        res.robots_line > 0 ? json_integer(res.robots_line) : json_null(), "tdmrep_status",
        int_or_null(res.tdmrep_status), "ai_txt_status", int_or_null(res.ai_txt_status), "status",
        res.fetched ? json_integer(res.status) : json_null(), "signals", signals, "error",
        res.error[0] ? json_string(res.error) : json_null(), "opted_out", decision.opted_out,
        "reason", reason);
    if (res.location[0]) json_object_set_new(out, "location", json_string(res.location));
    json_t *redirects = json_array();
    for (size_t i = 0; i < res.redirect_count; i++)
        json_array_append_new(redirects, json_pack("{s:s, s:I, s:s}", "url", res.redirects[i].url,
                                                   "status", (json_int_t)res.redirects[i].status,
                                                   "location", res.redirects[i].location));
    json_object_set_new(out, "redirects", redirects);
    json_object_set_new(out, "final_url", json_string(res.final_url));
    json_object_set_new(out, "redirect_error", json_boolean(res.redirect_error));
    int printed = cli_print_json("signals", out, JSON_COMPACT);
    if (res.address_refused && !res.redirect_error)
        fprintf(stderr, "clearset signals: %s: address refused (private, reserved or %s)\n",
                res.url, fetch.allow_loopback ? "metadata" : "loopback; see --allow-loopback");
    /* a "no" found anywhere in the chain stands; otherwise a broken chain leaves no answer,
       and a refused address is no robots.txt "disallow" */
    int status = printed != CLI_EXIT_OK                      ? printed
                 : decision.opted_out                        ? CLI_EXIT_FOUND
                 : res.address_refused || res.redirect_error ? CLI_EXIT_RUNTIME
                 : !res.allowed                              ? CLI_EXIT_FOUND
                                                             : CLI_EXIT_OK;
    robots_decision_free(&decision);
    crawler_signals_result_free(&res);
    robots_ai_crawlers_free(ai_crawlers);
    return status;
}
