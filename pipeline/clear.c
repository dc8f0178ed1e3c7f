/*
 * clear.c - clearance over the catalog: turns the catalog's rows about one
 * image into license_clear's input and robots/'s signal list, and decides
 * every image of a catalog in rounds (see pipeline_clear_catalog).
 *
 * Evidence rows are re-normalised from what was stored (SPDX id, else licence
 * URL, else the raw value as text) so that catalogs written by older builds
 * get today's normalisation. Opt-out rows are turned back into robots_signal
 * records (kind and source from the catalog word, an "agent: value" raw value
 * as a scoped directive) and robots_decide says which of them opt the image
 * out for clearsetbot, counting the directives the clearance policy's
 * opt_out_directives names (noindex & co., stored with effect 'policy').
 * An RSL demand for a licence (kind 'rsl-licence-required') is handed on
 * marked as such, so clearance names it "licence-required", not "optout".
 * Every decision is license_clear's; this file only gathers its input and
 * stores its output.
 */
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Which ROBOTS_POLICY_* switch a stored 'policy' directive ("noindex",
 * "clearsetbot: none") answers to, as robots/ classifies it when it reads one.
 */
static unsigned policy_flag_of(const char *raw)
{
    robots_signal_list one;
    robots_signal_list_init(&one);
    unsigned flag = 0;
    if (robots_signals_from_x_robots_tag(&one, raw, strlen(raw), "", NULL) == CS_OK &&
        one.count > 0)
        flag = one.items[0].policy_flag;
    robots_signal_list_free(&one);
    return flag;
}

static void to_signal(const catalog_optout_row *row, robots_signal *s)
{
    memset(s, 0, sizeof *s);
    s->kind = ROBOTS_SIGNAL_ROBOTS_DIRECTIVE;
    s->source = ROBOTS_SOURCE_HEADER;
    if (row->kind) robots_signal_from_catalog_kind(row->kind, &s->kind, &s->source);
    s->effect = row->effect && strcmp(row->effect, "opt-out") == 0  ? ROBOTS_EFFECT_OPT_OUT
                : row->effect && strcmp(row->effect, "permit") == 0 ? ROBOTS_EFFECT_PERMIT
                : row->effect && strcmp(row->effect, "policy") == 0 ? ROBOTS_EFFECT_POLICY
                                                                    : ROBOTS_EFFECT_NONE;
    if (s->effect == ROBOTS_EFFECT_POLICY)
        s->policy_flag = policy_flag_of(row->raw_value ? row->raw_value : "");
    const char *raw = row->raw_value ? row->raw_value : "";
    /* only robots directives and AI crawler rules are stored as "agent: value"; an
       ai.txt row's "disallow: *.png" names no agent */
    int scoped =
        s->kind == ROBOTS_SIGNAL_ROBOTS_DIRECTIVE || s->kind == ROBOTS_SIGNAL_AI_CRAWLER_RULE;
    const char *colon = scoped ? strstr(raw, ": ") : NULL;
    char agent[ROBOTS_SIGNAL_SCOPE_MAX] = "";
    if (colon && (size_t)(colon - raw) < sizeof agent) {
        memcpy(agent, raw, (size_t)(colon - raw));
        agent[colon - raw] = '\0';
        if (robots_agent_is_valid(agent) || robots_is_ai_crawler(agent)) {
            cs_strlcpy(s->scope, agent, sizeof s->scope);
            raw = colon + 2;
        }
    }
    cs_strlcpy(s->value, raw, sizeof s->value);
    cs_strlcpy(s->where, row->found_at ? row->found_at : "", sizeof s->where);
}

static int is_host_wide(const catalog_optout_row *row)
{
    return row->resource && strncmp(row->resource, "host:", 5) == 0;
}

static int same_resource(const catalog_optout_row *a, const catalog_optout_row *b)
{
    return a->resource && b->resource && strcmp(a->resource, b->resource) == 0;
}

/*
 * Fills d->row_verdicts (and d->superseded_by) for every opt-out row: whether
 * it opts the image out for clearsetbot, and if not, why. TDMRep's precedence
 * (meta over header over tdmrep.json) holds within one resource: a page's
 * meta may override that page's own header, never the reservation the image's
 * own response makes. So the rows are decided per resource they were
 * recorded for (the image, each page showing it), each group together with
 * the host-wide rows; a row opts out if it does so in any group it belongs
 * to, and otherwise keeps the verdict of its own resource's group.
 */
static int decide_per_resource(const catalog_image_facts *f, const license_policy *policy,
                               pipeline_decision *d, cs_error *err)
{
    robots_policy counted;
    license_policy_robots(policy, &counted);
    size_t n = f->optout_count;
    size_t *members = calloc(n ? n : 1, sizeof *members);
    unsigned char *grouped = calloc(n ? n : 1, 1);
    int rc = members && grouped ? CS_OK : cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    for (size_t first = 0; rc == CS_OK && first < n; first++) {
        if (grouped[first]) continue;
        robots_signal_list signals;
        robots_signal_list_init(&signals);
        size_t count = 0;
        for (size_t j = 0; rc == CS_OK && j < n; j++) {
            int in_group =
                same_resource(&f->optouts[j], &f->optouts[first]) || is_host_wide(&f->optouts[j]);
            if (!in_group) continue;
            if (same_resource(&f->optouts[j], &f->optouts[first])) grouped[j] = 1;
            robots_signal s;
            to_signal(&f->optouts[j], &s);
            rc = robots_signal_list_add(&signals, &s);
            members[count++] = j;
        }
        robots_decision decision = {0};
        if (rc == CS_OK) rc = robots_decide(&signals, ROBOTS_OWN_AGENT, &counted, &decision, err);
        for (size_t k = 0; rc == CS_OK && k < decision.count && k < count; k++) {
            size_t row = members[k];
            if (d->row_verdicts[row] == ROBOTS_VERDICT_OPTS_OUT) continue;
            if (decision.verdicts[k] == ROBOTS_VERDICT_OPTS_OUT ||
                same_resource(&f->optouts[row], &f->optouts[first])) {
                d->row_verdicts[row] = decision.verdicts[k];
                d->superseded_by[row] = decision.verdicts[k] == ROBOTS_VERDICT_OVERRIDDEN &&
                                                decision.has_tdm_counted &&
                                                decision.tdm_counted < count
                                            ? members[decision.tdm_counted]
                                            : SIZE_MAX;
            }
        }
        robots_decision_free(&decision);
        robots_signal_list_free(&signals);
    }
    free(members);
    free(grouped);
    return rc;
}

static license_claim claim_from_word(const char *w)
{
    if (!w) return LICENSE_CLAIM_NONE;
    if (strcmp(w, "all-rights-reserved") == 0) return LICENSE_CLAIM_ALL_RIGHTS_RESERVED;
    if (strcmp(w, "copyright") == 0) return LICENSE_CLAIM_COPYRIGHT;
    if (strcmp(w, "public-domain") == 0) return LICENSE_CLAIM_PUBLIC_DOMAIN;
    return LICENSE_CLAIM_NONE;
}

static void to_evidence(const catalog_evidence_row *row, const catalog_image_facts *facts,
                        license_evidence *ev)
{
    memset(ev, 0, sizeof *ev);
    if (license_origin_parse(row->origin, &ev->origin) != CS_OK) ev->origin = LICENSE_ORIGIN_META;
    if (row->page_id == 0) {
        ev->scope = LICENSE_SCOPE_EMBEDDED;
    } else if (!row->license_scope ||
               license_scope_parse(row->license_scope, &ev->scope) != CS_OK) {
        const char *f = row->field ? strchr(row->field, ':') : NULL;
        if (!f || license_scope_parse(f + 1, &ev->scope) != CS_OK) ev->scope = LICENSE_SCOPE_PAGE;
    }
    if (license_confidence_parse(row->confidence, &ev->confidence) != CS_OK)
        ev->confidence = LICENSE_CONFIDENCE_LOW;
    ev->field = row->field;
    ev->raw_value = row->raw_value ? row->raw_value : (char *)"";
    ev->attribution_name = row->attribution_name;
    ev->attribution_url = row->attribution_url;
    ev->title = row->title;
    ev->creator = row->creator;
    ev->found_at = row->found_at;
    ev->image_url = row->image_url           ? row->image_url
                    : facts->image_url_count ? facts->image_urls[0]
                                             : NULL;
    license_claim text_claim = LICENSE_CLAIM_NONE;
    if (row->license_spdx && license_from_spdx(row->license_spdx, &ev->license) == CS_OK)
        ev->has_license = 1;
    else if (row->license_url && license_normalize_url(row->license_url, strlen(row->license_url),
                                                       &ev->license) == CS_OK)
        ev->has_license = 1;
    else
        license_normalize_text(ev->raw_value, strlen(ev->raw_value), &ev->license, &ev->has_license,
                               &text_claim);
    ev->claim = row->rights_claim ? claim_from_word(row->rights_claim) : text_claim;
}

static int store_verdict(catalog *cat, const license_policy *policy, const pipeline_decision *d,
                         cs_error *err)
{
    char *attribution =
        d->verdict.attribution ? json_dumps(d->verdict.attribution, JSON_COMPACT) : NULL;
    char *reasons = json_dumps(d->verdict.reasons, JSON_COMPACT);
    int rc = catalog_put_verdict(
        cat, d->facts.image_id, license_policy_name(policy), license_verdict_name(d->verdict.kind),
        d->verdict.has_license ? d->verdict.license.spdx : NULL, attribution, reasons, err);
    free(attribution);
    free(reasons);
    return rc;
}

int pipeline_decide_image(catalog *cat, const license_policy *policy, int64_t image_id,
                          pipeline_decision *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = catalog_image_facts_read(cat, image_id, license_policy_name(policy), &out->facts, err);
    if (rc != CS_OK) return rc;
    catalog_image_facts *f = &out->facts;
    size_t n = f->evidence_count;
    out->evidence = calloc(n ? n : 1, sizeof *out->evidence);
    out->evidence_ids = calloc(n ? n : 1, sizeof *out->evidence_ids);
    out->optouts = calloc(f->optout_count ? f->optout_count : 1, sizeof *out->optouts);
    out->optout_ids = calloc(f->optout_count ? f->optout_count : 1, sizeof *out->optout_ids);
    license_near_duplicate *near = calloc(f->near_count ? f->near_count : 1, sizeof *near);
    if (!out->evidence || !out->evidence_ids || !out->optouts || !out->optout_ids || !near) {
        free(near);
        pipeline_decision_free(out);
        return cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        to_evidence(&f->evidence[i], f, &out->evidence[i]);
        out->evidence_ids[i] = f->evidence[i].id;
    }
    out->evidence_count = n;

    out->row_verdicts = calloc(f->optout_count ? f->optout_count : 1, sizeof *out->row_verdicts);
    out->superseded_by = calloc(f->optout_count ? f->optout_count : 1, sizeof *out->superseded_by);
    if (!out->row_verdicts || !out->superseded_by)
        rc = cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    if (rc == CS_OK) rc = decide_per_resource(f, policy, out, err);
    for (size_t i = 0; rc == CS_OK && i < f->optout_count; i++) {
        if (out->row_verdicts[i] != ROBOTS_VERDICT_OPTS_OUT) continue;
        const catalog_optout_row *row = &f->optouts[i];
        robots_signal_kind kind = 0;
        robots_signal_source source;
        if (row->kind) robots_signal_from_catalog_kind(row->kind, &kind, &source);
        out->optouts[out->optout_count] =
            (license_optout){.signal_id = row->id,
                             .license_required = kind == ROBOTS_SIGNAL_RSL_LICENSE_REQUIRED,
                             .kind = row->kind,
                             .raw_value = row->raw_value,
                             .found_at = row->found_at};
        out->optout_ids[out->optout_count++] = row->id;
    }

    for (size_t i = 0; i < f->near_count; i++) {
        const catalog_near_row *r = &f->near[i];
        near[i] = (license_near_duplicate){.other_image_id = r->image_id,
                                           .other_sha256 = r->sha256,
                                           .other_blocked =
                                               r->verdict && strcmp(r->verdict, "blocked") == 0,
                                           .protected_work = r->is_protected,
                                           .distance = r->distance,
                                           .conflict = r->conflict,
                                           .inliers = r->inliers,
                                           .work_coverage = r->work_coverage};
    }
    if (rc == CS_OK) {
        license_clearance_input in = {.image_urls = (const char *const *)f->image_urls,
                                      .image_url_count = f->image_url_count,
                                      .evidence = out->evidence,
                                      .evidence_ids = out->evidence_ids,
                                      .evidence_count = out->evidence_count,
                                      .optouts = out->optouts,
                                      .optout_count = out->optout_count,
                                      .near = near,
                                      .near_count = f->near_count,
                                      .page_urls = (const char *const *)f->page_urls,
                                      .page_url_count = f->page_url_count};
        rc = license_clear(policy, &in, &out->verdict, err);
    }
    free(near);
    if (rc != CS_OK) pipeline_decision_free(out);
    return rc;
}

void pipeline_decision_free(pipeline_decision *d)
{
    if (!d) return;
    license_verdict_free(&d->verdict);
    free(d->evidence);
    free(d->evidence_ids);
    free(d->optouts);
    free(d->optout_ids);
    free(d->row_verdicts);
    free(d->superseded_by);
    catalog_image_facts_clear(&d->facts);
    memset(d, 0, sizeof *d);
}

json_t *pipeline_verdict_json(const pipeline_verdict *pv, const license_policy *policy)
{
    const license_verdict *v = &pv->verdict;
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:O?, s:O}", "image_id", (json_int_t)pv->image_id,
                     "sha256", pv->sha256, "policy", license_policy_name(policy), "verdict",
                     license_verdict_name(v->kind), "license",
                     v->has_license ? license_info_json(&v->license) : json_null(), "attribution",
                     v->attribution, "reasons", v->reasons);
}

/*
 * Stage 2 after the first round, when every image's own verdict is stored:
 * images that show a blocked image or a protected work get a local near
 * relation, and so a mate to be redecided in the next rounds.
 */
static int find_laundering(catalog *cat, const license_policy *policy, const int64_t *ids,
                           const pipeline_verdict *final, unsigned char *has_mates, size_t count,
                           int *changed, pipeline_clear_stats *stats, cs_error *err)
{
    license_verdict_kind *kinds = calloc(count ? count : 1, sizeof *kinds);
    unsigned char *matched = calloc(count ? count : 1, 1);
    int rc = kinds && matched ? CS_OK : cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    for (size_t i = 0; rc == CS_OK && i < count; i++)
        kinds[i] = final[i].verdict.kind;
    if (rc == CS_OK)
        rc = pipeline_find_laundering(cat, policy, ids, kinds, count, matched,
                                      &stats->local_matches, err);
    for (size_t i = 0; rc == CS_OK && i < count; i++)
        if (matched[i]) has_mates[i] = 1, *changed = 1;
    free(kinds);
    free(matched);
    return rc;
}

int pipeline_clear_catalog(catalog *cat, const license_policy *policy,
                           pipeline_verdict_fn on_verdict, void *arg, pipeline_clear_stats *stats,
                           cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    int64_t *ids = NULL;
    size_t count = 0;
    int rc = catalog_clearance_images(cat, &ids, &count, err);
    if (rc != CS_OK) return rc;
    /* each image's latest decision: what was stored, and what on_verdict gets */
    pipeline_verdict *final = calloc(count ? count : 1, sizeof *final);
    unsigned char *has_mates = calloc(count ? count : 1, 1);
    if (!final || !has_mates) rc = cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    int changed = 1;
    for (int round = 0; rc == CS_OK && changed && round < PIPELINE_CLEAR_MAX_ROUNDS; round++) {
        changed = 0;
        stats->rounds = round + 1;
        rc = catalog_begin(cat, err);
        for (size_t i = 0; rc == CS_OK && i < count; i++) {
            if (round > 0 && !has_mates[i]) continue;
            pipeline_decision d;
            rc = pipeline_decide_image(cat, policy, ids[i], &d, err);
            if (rc != CS_OK) break;
            has_mates[i] = d.facts.near_count > 0;
            if (round > 0 && final[i].verdict.kind != d.verdict.kind) changed = 1;
            rc = store_verdict(cat, policy, &d, err);
            if (round == 0) changed |= has_mates[i];
            license_verdict_free(&final[i].verdict);
            final[i].image_id = d.facts.image_id;
            cs_strlcpy(final[i].sha256, d.facts.sha256, sizeof final[i].sha256);
            final[i].verdict = d.verdict; /* moved: the decision no longer owns it */
            memset(&d.verdict, 0, sizeof d.verdict);
            pipeline_decision_free(&d);
        }
        if (rc == CS_OK)
            rc = catalog_commit(cat, err);
        else
            catalog_rollback(cat);
        if (rc == CS_OK && round == 0)
            rc = find_laundering(cat, policy, ids, final, has_mates, count, &changed, stats, err);
    }
    for (size_t i = 0; rc == CS_OK && i < count; i++)
        stats->verdicts[final[i].verdict.kind]++;
    stats->images = rc == CS_OK ? count : 0;
    for (size_t i = 0; rc == CS_OK && on_verdict && i < count; i++)
        on_verdict(arg, &final[i]);
    for (size_t i = 0; final && i < count; i++)
        license_verdict_free(&final[i].verdict);
    free(ids);
    free(final);
    free(has_mates);
    return rc;
}
