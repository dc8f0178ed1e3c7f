/*
 * decide.c - a list of signals to an opt-out decision, with a verdict per
 * signal so that every decision can be explained (DESIGN.md, "Politeness and
 * opt-out").
 *
 * Rules, in order:
 *  1. TDMRep precedence: among TDM reservations that say 0 or 1, only those
 *     from the highest source present count (the protocol's layers, each
 *     overriding the one before: tdmrep.json, then the header, then HTML
 *     meta, then metadata embedded in the file); the rest are OVERRIDDEN. A
 *     layer without a reservation value (a tdm-policy alone) resets nothing.
 *  2. Scope: a signal limited to an agent counts when that agent is ours, or
 *     a listed AI crawler and the policy counts AI crawler scopes. An AI
 *     crawler rule counts only for a crawler whose function trains (the
 *     policy's list, else the built-in one, says).
 *  3. Effect: OPT_OUT opts out (402/price, an RSL demand for a licence and
 *     AI crawler rules can be switched off by policy); POLICY directives opt out only when their
 *     policy flag is set; PERMIT and NONE never opt out. Permissions do not
 *     cancel an opt-out: any one opt-out blocks.
 */
#include "robots/robots_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void robots_policy_default(robots_policy *policy)
{
    memset(policy, 0, sizeof *policy);
    policy->ai_crawler_rules = 1;
    policy->ai_crawler_scope = 1;
    policy->payment_required = 1;
}

static int tdm_rank(robots_signal_source source)
{
    switch (source) {
    case ROBOTS_SOURCE_EMBEDDED:
        return 4;
    case ROBOTS_SOURCE_META:
        return 3;
    case ROBOTS_SOURCE_HEADER:
        return 2;
    case ROBOTS_SOURCE_TDMREP_JSON:
        return 1;
    default:
        return 0;
    }
}

static int is_decisive_tdm(const robots_signal *s)
{
    return s->kind == ROBOTS_SIGNAL_TDM_RESERVATION &&
           (s->effect == ROBOTS_EFFECT_OPT_OUT || s->effect == ROBOTS_EFFECT_PERMIT);
}

static robots_verdict judge(const robots_signal *s, const char *agent, const robots_policy *policy,
                            int tdm_top_rank)
{
    if (is_decisive_tdm(s) && tdm_rank(s->source) < tdm_top_rank) return ROBOTS_VERDICT_OVERRIDDEN;
    if (s->kind == ROBOTS_SIGNAL_AI_CRAWLER_RULE) {
        if (!policy->ai_crawler_rules) return ROBOTS_VERDICT_POLICY_OFF;
        /* only a training crawler's disallow reserves training; a token the list
           does not know keeps the effect it was recorded with */
        long at = robots_ai_crawlers_find(policy->ai_crawlers, s->scope);
        if (at >= 0 && !robots_ai_crawler_function_trains(
                           robots_ai_crawlers_function(policy->ai_crawlers, (size_t)at)))
            return ROBOTS_VERDICT_NO_EFFECT;
    } else if (s->scope[0] != '\0') {
        size_t n = strlen(s->scope);
        int ours = agent && robots_ieq(s->scope, n, agent, strlen(agent));
        int ai =
            policy->ai_crawler_scope && robots_ai_crawlers_find(policy->ai_crawlers, s->scope) >= 0;
        if (!ours && !ai) return ROBOTS_VERDICT_OTHER_AGENT;
    }
    if (s->kind == ROBOTS_SIGNAL_TRAINING_MINING && policy->training_constrained &&
        robots_ieq(s->value, strlen(s->value), "constrained", 11))
        return ROBOTS_VERDICT_PERMITS;
    switch (s->effect) {
    case ROBOTS_EFFECT_OPT_OUT:
        if ((s->kind == ROBOTS_SIGNAL_PAYMENT_REQUIRED ||
             s->kind == ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED) &&
            !policy->payment_required)
            return ROBOTS_VERDICT_POLICY_OFF;
        return ROBOTS_VERDICT_OPTS_OUT;
    case ROBOTS_EFFECT_POLICY:
        return (policy->flags & s->policy_flag) ? ROBOTS_VERDICT_OPTS_OUT
                                                : ROBOTS_VERDICT_POLICY_OFF;
    case ROBOTS_EFFECT_PERMIT:
        return ROBOTS_VERDICT_PERMITS;
    case ROBOTS_EFFECT_NONE:
        break;
    }
    return ROBOTS_VERDICT_NO_EFFECT;
}

int robots_decide(const robots_signal_list *signals, const char *agent, const robots_policy *policy,
                  robots_decision *out, cs_error *err)
{
    if (out == NULL || signals == NULL)
        return cs_error_set(err, CS_EINVAL, "robots: bad arguments to robots_decide");
    memset(out, 0, sizeof *out);
    robots_policy defaults;
    if (policy == NULL) {
        robots_policy_default(&defaults);
        policy = &defaults;
    }
    out->count = signals->count;
    if (signals->count == 0) return CS_OK;
    out->verdicts = calloc(signals->count, sizeof *out->verdicts);
    if (out->verdicts == NULL) return cs_error_set(err, CS_ENOMEM, "robots: out of memory");

    int tdm_top_rank = 0;
    for (size_t i = 0; i < signals->count; i++)
        if (is_decisive_tdm(&signals->items[i]))
            tdm_top_rank = CS_MAX(tdm_top_rank, tdm_rank(signals->items[i].source));
    for (size_t i = 0; i < signals->count && !out->has_tdm_counted; i++)
        if (is_decisive_tdm(&signals->items[i]) &&
            tdm_rank(signals->items[i].source) == tdm_top_rank) {
            out->has_tdm_counted = 1;
            out->tdm_counted = i;
        }

    for (size_t i = 0; i < signals->count; i++) {
        out->verdicts[i] = judge(&signals->items[i], agent, policy, tdm_top_rank);
        if (out->verdicts[i] == ROBOTS_VERDICT_OPTS_OUT && !out->opted_out) {
            out->opted_out = 1;
            out->first_reason = i;
        }
    }
    return CS_OK;
}

void robots_decision_free(robots_decision *decision)
{
    if (decision == NULL) return;
    free(decision->verdicts);
    memset(decision, 0, sizeof *decision);
}

const char *robots_verdict_name(robots_verdict verdict)
{
    switch (verdict) {
    case ROBOTS_VERDICT_OPTS_OUT:
        return "opts-out";
    case ROBOTS_VERDICT_PERMITS:
        return "permits";
    case ROBOTS_VERDICT_NO_EFFECT:
        return "no-effect";
    case ROBOTS_VERDICT_OTHER_AGENT:
        return "other-agent";
    case ROBOTS_VERDICT_POLICY_OFF:
        return "policy-off";
    case ROBOTS_VERDICT_OVERRIDDEN:
        return "overridden";
    }
    return "unknown";
}

const char *robots_signal_kind_name(robots_signal_kind kind)
{
    switch (kind) {
    case ROBOTS_SIGNAL_ROBOTS_DIRECTIVE:
        return "robots-directive";
    case ROBOTS_SIGNAL_TDM_RESERVATION:
        return "tdm-reservation";
    case ROBOTS_SIGNAL_CONTENT_SIGNAL:
        return "content-signal";
    case ROBOTS_SIGNAL_CONTENT_USAGE:
        return "content-usage";
    case ROBOTS_SIGNAL_AI_TXT:
        return "ai-txt";
    case ROBOTS_SIGNAL_AI_CRAWLER_RULE:
        return "ai-crawler-rule";
    case ROBOTS_SIGNAL_PAYMENT_REQUIRED:
        return "payment-required";
    case ROBOTS_SIGNAL_DATA_MINING:
        return "iptc-data-mining";
    case ROBOTS_SIGNAL_TRAINING_MINING:
        return "c2pa-training-mining";
    case ROBOTS_SIGNAL_RSL:
        return "rsl";
    case ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED:
        return "rsl-licence-required";
    }
    return "unknown";
}

const char *robots_signal_source_name(robots_signal_source source)
{
    switch (source) {
    case ROBOTS_SOURCE_HEADER:
        return "header";
    case ROBOTS_SOURCE_META:
        return "meta";
    case ROBOTS_SOURCE_ROBOTS_TXT:
        return "robots.txt";
    case ROBOTS_SOURCE_TDMREP_JSON:
        return "tdmrep.json";
    case ROBOTS_SOURCE_AI_TXT:
        return "ai.txt";
    case ROBOTS_SOURCE_HTTP_STATUS:
        return "http-status";
    case ROBOTS_SOURCE_EMBEDDED:
        return "embedded";
    case ROBOTS_SOURCE_RSL:
        return "rsl";
    }
    return "unknown";
}

const char *robots_effect_name(robots_effect effect)
{
    switch (effect) {
    case ROBOTS_EFFECT_NONE:
        return "none";
    case ROBOTS_EFFECT_PERMIT:
        return "permit";
    case ROBOTS_EFFECT_OPT_OUT:
        return "opt-out";
    case ROBOTS_EFFECT_POLICY:
        return "policy";
    }
    return "unknown";
}

char *robots_signal_describe(const robots_signal *s, char *out, size_t size)
{
    if (size == 0) return out;
    char line[32] = "";
    if (s->line > 0) snprintf(line, sizeof line, " line %d", s->line);
    /* e.g. "robots-directive noai for GPTBot (X-Robots-Tag)" */
    snprintf(out, size, "%s %s%s%s (%s%s)%s%s", robots_signal_kind_name(s->kind), s->value,
             s->scope[0] ? " for " : "", s->scope, s->where, line, s->detail[0] ? " " : "",
             s->detail);
    return out;
}
