/*
 * explain.c - the explanation behind one image's verdict: where the image was
 * found, which protocols the crawl checked for it, every rights statement
 * (embedded and page-side), the opt-out signals and whether each applies,
 * near duplicates, the rules that decided and the
 * attribution, as sentences ("words") and as JSON.
 *
 * The verdict is decided afresh from the catalog's facts (pipeline_decide_image,
 * exactly as `clear` decides it) and compared with the stored one (if `clear`
 * ran), so the explanation always matches the evidence it shows.
 */
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_LINE_MAX 2048 /* one sentence; longer ones are cut (URLs are capped far below) */
#define EXPLAIN_OUTCOME_MAX                                                                        \
    1024 /* what one signal did, naming the statement that superseded it                           \
          */

int pipeline_find_image(catalog *cat, const char *key, int64_t *id, cs_error *err)
{
    size_t n = strlen(key), digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += isdigit((unsigned char)key[i]) != 0;
    if (n > 0 && digits == n && n < 19) {
        *id = strtoll(key, NULL, 10);
        catalog_image image;
        int rc = catalog_get_image(cat, *id, &image, err);
        if (rc == CS_OK) catalog_image_clear(&image);
        return rc;
    }
    unsigned char digest[CS_SHA256_BYTES];
    if (cs_hex_decode(key, n, digest, sizeof digest) == CS_OK) { /* as stored: lower case */
        char lower[CS_SHA256_HEX];
        cs_hex_encode(digest, sizeof digest, lower);
        catalog_image image;
        int rc = catalog_find_image_by_sha256(cat, lower, &image, err);
        if (rc == CS_OK) *id = image.id, catalog_image_clear(&image);
        return rc;
    }
    return catalog_find_image_by_url(cat, key, id, err);
}

static void say(json_t *words, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(json_t *words, const char *fmt, ...)
{
    char line[EXPLAIN_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    json_array_append_new(words, json_string(line));
}

static const char *or_dash(const char *s)
{
    return s && s[0] ? s : "-";
}

static int signal_applies(const pipeline_decision *d, size_t row)
{
    for (size_t k = 0; k < d->optout_count; k++)
        if (d->optout_ids[k] == d->facts.optouts[row].id) return 1;
    return 0;
}

/* The same statement: kind, value, effect and the URL it was found at. */
static int same_statement(const catalog_optout_row *a, const catalog_optout_row *b)
{
    const char *const x[] = {a->kind, a->raw_value, a->effect, a->found_at};
    const char *const y[] = {b->kind, b->raw_value, b->effect, b->found_at};
    for (size_t i = 0; i < CS_ARRAY_LEN(x); i++)
        if (strcmp(or_dash(x[i]), or_dash(y[i])) != 0) return 0;
    return 1;
}

/*
 * What a signal row did for this image, as a phrase: it opts the image out,
 * or why it does not count. A TDMRep reservation that gave way to a more
 * specific TDMRep statement names that statement and what it said, so a
 * reservation is never described as a permission.
 */
static void signal_outcome(const pipeline_decision *d, size_t row, char *out, size_t size)
{
    const catalog_optout_row *o = &d->facts.optouts[row];
    if (signal_applies(d, row)) {
        snprintf(out, size, "opts this image out");
        return;
    }
    robots_verdict verdict = d->row_verdicts ? d->row_verdicts[row] : 0;
    size_t by = d->superseded_by ? d->superseded_by[row] : SIZE_MAX;
    switch (verdict) {
    case ROBOTS_VERDICT_OVERRIDDEN:
        if (by < d->facts.optout_count) {
            const catalog_optout_row *s = &d->facts.optouts[by];
            int reserves = s->effect && strcmp(s->effect, "opt-out") == 0;
            snprintf(out, size,
                     "superseded by a more specific TDMRep statement, %s \"%s\" at %s "
                     "(signal #%lld), which %s",
                     or_dash(s->kind), or_dash(s->raw_value), or_dash(s->found_at),
                     (long long)s->id,
                     signal_applies(d, by) ? "opts this image out"
                     : reserves            ? "reserves TDM rights too"
                                           : "does not reserve TDM rights");
        } else {
            snprintf(out, size, "superseded by a more specific TDMRep statement");
        }
        return;
    case ROBOTS_VERDICT_OTHER_AGENT:
        snprintf(out, size, "addressed to another agent, not clearsetbot");
        return;
    case ROBOTS_VERDICT_POLICY_OFF:
        snprintf(out, size, "not counted by this policy%s",
                 o->effect && strcmp(o->effect, "policy") == 0
                     ? " (see opt_out_directives in clear --help)"
                     : "");
        return;
    case ROBOTS_VERDICT_PERMITS:
        snprintf(out, size, "a permission (it cannot cancel an opt-out found elsewhere)");
        return;
    case ROBOTS_VERDICT_NO_EFFECT:
        snprintf(out, size, "says nothing about AI training for clearsetbot");
        return;
    default:
        snprintf(out, size, "does not opt out for clearsetbot");
        return;
    }
}

static json_t *explain(const pipeline_decision *d, const license_policy *policy,
                       const catalog_verdict_row *stored, char **checks, size_t check_count)
{
    const catalog_image_facts *f = &d->facts;
    const license_verdict *v = &d->verdict;
    json_t *words = json_array();
    say(words, "Image %lld (sha256 %s) is %s under policy %s.", (long long)f->image_id, f->sha256,
        license_verdict_name(v->kind), license_policy_name(policy));
    if (stored && strcmp(stored->verdict, license_verdict_name(v->kind)) != 0)
        say(words, "The stored verdict (%s) is out of date: run 'clearset clear' again.",
            stored->verdict);
    else if (!stored)
        say(words, "No verdict is stored for this policy yet ('clearset clear' stores it).");
    for (size_t i = 0; i < f->image_url_count; i++)
        say(words, "Served at %s", f->image_urls[i]);
    for (size_t i = 0; i < f->page_url_count; i++)
        say(words, "Shown on %s", f->page_urls[i]);
    for (size_t i = 0; i < f->list_caption_count; i++)
        say(words, "Listed with the caption \"%s\"", f->list_captions[i]);
    json_t *checked = json_array();
    char list[512] = "";
    for (size_t i = 0; i < check_count; i++) {
        json_array_append_new(checked, json_string(checks[i]));
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", checks[i]);
    }
    if (check_count)
        say(words, "Checked: %s.", list);
    else
        say(words, "No record of the protocols checked for it (crawled by an older build?).");
    if (d->evidence_count == 0) say(words, "No rights evidence was recorded for it.");
    json_t *evidence = json_array();
    for (size_t i = 0; i < d->evidence_count; i++) {
        const license_evidence *e = &d->evidence[i];
        const char *claim = license_claim_name(e->claim);
        say(words, "Evidence #%lld: %s = \"%s\" (%s, %s, %s)%s%s%s%s",
            (long long)d->evidence_ids[i], or_dash(e->field), e->raw_value,
            license_origin_name(e->origin), license_scope_name(e->scope),
            license_confidence_name(e->confidence), e->has_license ? ": licence " : "",
            e->has_license ? e->license.spdx : "", claim ? ", claim " : "", claim ? claim : "");
        json_array_append_new(
            evidence,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
                      (json_int_t)d->evidence_ids[i], "origin", license_origin_name(e->origin),
                      "scope", license_scope_name(e->scope), "confidence",
                      license_confidence_name(e->confidence), "field", or_dash(e->field),
                      "raw_value", e->raw_value, "license",
                      e->has_license ? license_info_json(&e->license) : json_null(), "rights_claim",
                      claim ? json_string(claim) : json_null(), "found_at",
                      e->found_at ? json_string(e->found_at) : json_null(), "image_url",
                      e->image_url ? json_string(e->image_url) : json_null(), "attribution_name",
                      e->attribution_name ? json_string(e->attribution_name) : json_null()));
    }
    json_t *signals = json_array();
    char(*outcomes)[EXPLAIN_OUTCOME_MAX] =
        calloc(f->optout_count ? f->optout_count : 1, sizeof *outcomes);
    unsigned char *said = calloc(f->optout_count ? f->optout_count : 1, 1);
    for (size_t i = 0; outcomes && said && i < f->optout_count; i++) {
        const catalog_optout_row *o = &f->optouts[i];
        int applies = signal_applies(d, i);
        signal_outcome(d, i, outcomes[i], sizeof outcomes[i]);
        json_array_append_new(signals,
                              json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id",
                                        (json_int_t)o->id, "kind", or_dash(o->kind), "raw_value",
                                        or_dash(o->raw_value), "found_at", or_dash(o->found_at),
                                        "effect", or_dash(o->effect), "applies", applies, "verdict",
                                        d->row_verdicts && d->row_verdicts[i]
                                            ? robots_verdict_name(d->row_verdicts[i])
                                            : "unknown",
                                        "outcome", outcomes[i]));
    }
    /* in words, one statement recorded for several resources (the image, each page
       showing it) is one line naming every row */
    for (size_t i = 0; outcomes && said && i < f->optout_count; i++) {
        if (said[i]) continue;
        const catalog_optout_row *o = &f->optouts[i];
        char ids[256] = "";
        for (size_t k = i; k < f->optout_count; k++) {
            if (said[k] || !same_statement(o, &f->optouts[k]) ||
                strcmp(outcomes[i], outcomes[k]) != 0)
                continue;
            said[k] = 1;
            size_t used = strlen(ids);
            if (used + 24 < sizeof ids)
                snprintf(ids + used, sizeof ids - used, "%s#%lld", used ? ", " : "",
                         (long long)f->optouts[k].id);
        }
        say(words, "Signal %s: %s \"%s\" at %s (%s): %s", ids, or_dash(o->kind),
            or_dash(o->raw_value), or_dash(o->found_at), or_dash(o->effect), outcomes[i]);
    }
    free(outcomes);
    free(said);
    json_t *near = json_array();
    for (size_t i = 0; i < f->near_count; i++) {
        const catalog_near_row *n = &f->near[i];
        int local = n->kind && strcmp(n->kind, "local") == 0;
        if (local)
            say(words,
                "Local match: image %lld %s%s, %d keypoints on one transform spanning %.0f%% "
                "of it and %.0f%% of this image (PDQ distance %d), verdict %s",
                (long long)n->image_id, n->sha256,
                n->is_protected ? ", a registered protected work" : "", n->inliers,
                100.0 * n->work_coverage, 100.0 * n->query_coverage, n->distance,
                or_dash(n->verdict));
        else
            say(words, "Cluster %lld (%s): image %lld %s at PDQ distance <= %d%s, verdict %s",
                (long long)n->cluster_id, or_dash(n->kind), (long long)n->image_id, n->sha256,
                n->distance, n->is_protected ? ", a registered protected work" : "",
                or_dash(n->verdict));
        json_t *entry = json_pack("{s:I, s:s, s:I, s:s, s:i, s:b, s:o, s:o}", "cluster_id",
                                  (json_int_t)n->cluster_id, "kind", or_dash(n->kind), "image_id",
                                  (json_int_t)n->image_id, "sha256", n->sha256, "distance",
                                  n->distance, "protected", n->is_protected, "verdict",
                                  n->verdict ? json_string(n->verdict) : json_null(), "conflict",
                                  n->conflict ? json_string(n->conflict) : json_null());
        if (local)
            json_object_update_new(entry, json_pack("{s:i, s:f, s:f}", "inliers", n->inliers,
                                                    "work_coverage", n->work_coverage,
                                                    "query_coverage", n->query_coverage));
        json_array_append_new(near, entry);
    }
    size_t i;
    json_t *reason;
    json_array_foreach(v->reasons, i, reason)
        say(words, "Because [%s]: %s", json_string_value(json_object_get(reason, "rule")),
            json_string_value(json_object_get(reason, "detail")));
    if (v->attribution)
        say(words, "Attribution (%s): %s%s%s",
            license_attribution_source_name(v->attribution_source),
            or_dash(json_string_value(json_object_get(v->attribution, "name"))),
            json_string_value(json_object_get(v->attribution, "page")) ? ", source " : "",
            json_string_value(json_object_get(v->attribution, "page"))
                ? json_string_value(json_object_get(v->attribution, "page"))
                : "");
    pipeline_verdict pv = {.image_id = f->image_id, .verdict = *v};
    cs_strlcpy(pv.sha256, f->sha256, sizeof pv.sha256);
    json_t *obj = pipeline_verdict_json(&pv, policy);
    json_object_set_new(obj, "stored_verdict", stored ? json_string(stored->verdict) : json_null());
    json_object_set_new(obj, "urls", json_array());
    for (size_t k = 0; k < f->image_url_count; k++)
        json_array_append_new(json_object_get(obj, "urls"), json_string(f->image_urls[k]));
    json_object_set_new(obj, "pages", json_array());
    for (size_t k = 0; k < f->page_url_count; k++)
        json_array_append_new(json_object_get(obj, "pages"), json_string(f->page_urls[k]));
    json_object_set_new(obj, "captions", json_array());
    for (size_t k = 0; k < f->list_caption_count; k++)
        json_array_append_new(json_object_get(obj, "captions"), json_string(f->list_captions[k]));
    json_object_set_new(obj, "evidence", evidence);
    json_object_set_new(obj, "signals", signals);
    json_object_set_new(obj, "checked", checked);
    json_object_set_new(obj, "near_duplicates", near);
    json_object_set_new(obj, "words", words);
    return obj;
}

int pipeline_explain(catalog *cat, const license_policy *policy, const char *key, json_t **out,
                     cs_error *err)
{
    *out = NULL;
    int64_t id = 0;
    int rc = pipeline_find_image(cat, key, &id, err);
    pipeline_decision d;
    memset(&d, 0, sizeof d);
    if (rc == CS_OK) rc = pipeline_decide_image(cat, policy, id, &d, err);
    catalog_verdict_row *rows = NULL;
    size_t row_count = 0;
    char **checks = NULL;
    size_t check_count = 0;
    if (rc == CS_OK) rc = catalog_get_verdicts(cat, id, &rows, &row_count, err);
    if (rc == CS_OK) rc = catalog_image_checks(cat, id, &checks, &check_count, err);
    if (rc == CS_OK) {
        const catalog_verdict_row *stored = NULL;
        for (size_t i = 0; i < row_count; i++)
            if (strcmp(rows[i].policy, license_policy_name(policy)) == 0) stored = &rows[i];
        *out = explain(&d, policy, stored, checks, check_count);
        if (!*out) rc = cs_error_set(err, CS_ENOMEM, "explain: out of memory");
    }
    catalog_strings_free(checks, check_count);
    catalog_verdict_rows_free(rows, row_count);
    pipeline_decision_free(&d);
    return rc;
}
