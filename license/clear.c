/*
 * clear.c - the clearance decision for one image (DESIGN.md "Clearance").
 *
 * license_clear reads as DESIGN.md's four conditions, one function each:
 *  1. no opt-out applies: an opt-out that robots/ decided applies to the image
 *     or a page it was found on blocks it; an RSL licence that asks payment
 *     (or a licence server) for training blocks it too, with the rule
 *     "licence-required" (it may be licensed, but not by us for free);
 *  4. not laundered: a near duplicate of a registered protected work blocks
 *     it. It is checked second, right after the opt-outs, because neither
 *     needs any licence evidence; the reasons come out in the order the steps
 *     run. A near duplicate (or cropped copy) of a blocked image blocks it too,
 *     but that is checked last (4b) and only for an image nothing else blocks:
 *     the relation is symmetric, and an original blocked by its own opt-outs
 *     is not "laundering" of the copy that was blocked because of it;
 *  2. the evidence agrees: which evidence counts is filtered by scope first
 *     (embedded and image-scoped page evidence always count; page-wide
 *     evidence only where the policy lets it, by default when the image is
 *     served from the page's own host); then the most restrictive statement
 *     wins ("all rights reserved" beats any licence; among licences the one
 *     with more conditions), and any disagreement is itself a reason. An
 *     image blocked by now, or without a licence to go on, is decided here: a
 *     copyright claim with no licence blocks, a bare "public domain" in words
 *     (no tool named) or no evidence at all is unknown;
 *  3. the licence is accepted and its attribution known: the winning licence
 *     must be one the policy accepts (otherwise blocked), and the attribution
 *     it requires must be known: the author the licensor supplied
 *     (cc:attributionName, creator, By-line, Artist, credit), or the source
 *     page when none was supplied (CC BY 4.0 section 3(a)(1) asks for the
 *     creator only if supplied); which one is recorded.
 */
#include "common/url.h"
#include "license/license_internal.h"

#include <stdio.h>
#include <string.h>

#define CLEAR_DETAIL_MAX 1024

static int add_reason(license_verdict *v, const char *rule, const char *detail,
                      const license_clearance_input *in, const size_t *idx, size_t idx_count)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < idx_count; i++)
        json_array_append_new(ids, in->evidence_ids ? json_integer(in->evidence_ids[idx[i]])
                                                    : json_integer((json_int_t)idx[i]));
    json_t *r = json_pack("{s:s, s:s, s:o}", "rule", rule, "detail", detail, "evidence",
                          ids ? ids : json_array());
    if (!r || json_array_append_new(v->reasons, r) != 0) return CS_ENOMEM;
    return CS_OK;
}

static int page_wide_applies(const license_policy *policy, const license_evidence *ev)
{
    if (ev->scope != LICENSE_SCOPE_PAGE) return 1;
    switch (license_policy_page_wide(policy)) {
    case LICENSE_PAGE_WIDE_ANY:
        return 1;
    case LICENSE_PAGE_WIDE_NEVER:
        return 0;
    default:
        return cs_url_same_host(ev->image_url, ev->found_at);
    }
}

/* How restrictive a licence is: more conditions, more restrictive. */
static int restrictiveness(const license_info *l)
{
    return l->no_derivatives * 8 + l->non_commercial * 4 + l->share_alike * 2 + l->attribution;
}

static unsigned conditions(const license_info *l)
{
    return (unsigned)(l->no_derivatives << 3 | l->non_commercial << 2 | l->share_alike << 1 |
                      l->attribution);
}

static const char *where(const license_evidence *ev, char *buf, size_t size)
{
    if (ev->scope == LICENSE_SCOPE_EMBEDDED)
        snprintf(buf, size, "%s (embedded in the file)", ev->field ? ev->field : "?");
    else
        snprintf(buf, size, "%s (%s, %s on %s)", ev->field ? ev->field : "?",
                 license_scope_name(ev->scope), license_confidence_name(ev->confidence),
                 ev->found_at ? ev->found_at : "?");
    return buf;
}

/* One decision in progress: the input, the verdict being built, what the steps found. */
typedef struct clearance {
    const license_policy *policy;
    const license_clearance_input *in;
    license_verdict *out;
    license_verdict_kind kind;
    int decided; /* the verdict is settled: later steps add nothing */
    size_t *idx; /* evidence that counts (indexes into in->evidence) */
    size_t used;
    const license_evidence *best; /* the winning licence's record, or NULL */
    size_t best_i;
    char detail[CLEAR_DETAIL_MAX], w1[CLEAR_DETAIL_MAX / 2], w2[CLEAR_DETAIL_MAX / 2];
} clearance;

/*
 * The reason already given for opt-outs of this kind found at this place:
 * one reason per kind and place (a robots.txt that disallows five AI
 * crawlers, a header that says "noai, noimageai"), its values listed, and one
 * value however many of the image's resources (the image, each page showing
 * it) recorded it. NULL when none.
 */
static json_t *same_optout_reason(const license_verdict *v, const char *rule, const char *kind,
                                  const char *at)
{
    size_t i;
    json_t *r;
    json_array_foreach(v->reasons, i, r)
    {
        const char *rr = json_string_value(json_object_get(r, "rule"));
        const char *rk = json_string_value(json_object_get(r, "kind"));
        const char *ra = json_string_value(json_object_get(r, "at"));
        if (rr && rk && ra && strcmp(rr, rule) == 0 && strcmp(rk, kind) == 0 && strcmp(ra, at) == 0)
            return r;
    }
    return NULL;
}

/* reason's detail again from its kind, values and place: 'opt-out K "v1", "v2" at AT'. */
static int write_optout_detail(clearance *c, json_t *reason, int license_required)
{
    json_t *values = json_object_get(reason, "values");
    size_t len = (size_t)snprintf(c->detail, sizeof c->detail, "%s %s ",
                                  license_required ? "training needs a licence:" : "opt-out",
                                  json_string_value(json_object_get(reason, "kind")));
    size_t i;
    json_t *value;
    json_array_foreach(values, i, value)
    {
        if (len >= sizeof c->detail) break;
        len += (size_t)snprintf(c->detail + len, sizeof c->detail - len, "%s\"%s\"", i ? ", " : "",
                                json_string_value(value));
    }
    if (len < sizeof c->detail)
        snprintf(c->detail + len, sizeof c->detail - len, " at %s",
                 json_string_value(json_object_get(reason, "at")));
    return json_object_set_new(reason, "detail", json_string(c->detail)) == 0 ? CS_OK : CS_ENOMEM;
}

/* Adds value to reason's values unless it is there already; 1 when added. */
static int add_optout_value(json_t *reason, const char *value)
{
    json_t *values = json_object_get(reason, "values");
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v) if (strcmp(json_string_value(v), value) == 0) return 0;
    return json_array_append_new(values, json_string(value)) == 0 ? 1 : -1;
}

/* 1. No opt-out signal applies to the image or to any page it was found on. */
static int clear_no_optout(clearance *c)
{
    int rc = CS_OK;
    for (size_t i = 0; i < c->in->optout_count && rc == CS_OK; i++) {
        const license_optout *o = &c->in->optouts[i];
        const char *rule = o->license_required ? "licence-required" : "optout";
        const char *kind = o->kind ? o->kind : "?", *at = o->found_at ? o->found_at : "?";
        c->kind = LICENSE_VERDICT_BLOCKED;
        json_t *reason = same_optout_reason(c->out, rule, kind, at);
        if (!reason) {
            rc = add_reason(c->out, rule, "", c->in, NULL, 0);
            reason = json_array_get(c->out->reasons, json_array_size(c->out->reasons) - 1);
            if (rc == CS_OK && (json_object_set_new(reason, "kind", json_string(kind)) != 0 ||
                                json_object_set_new(reason, "at", json_string(at)) != 0 ||
                                json_object_set_new(reason, "values", json_array()) != 0 ||
                                json_object_set_new(reason, "signals", json_array()) != 0))
                rc = CS_ENOMEM;
        }
        int added = rc == CS_OK ? add_optout_value(reason, o->raw_value ? o->raw_value : "") : 0;
        if (added < 0) rc = CS_ENOMEM;
        if (added > 0) rc = write_optout_detail(c, reason, o->license_required);
        if (rc == CS_OK && o->signal_id &&
            json_array_append_new(json_object_get(reason, "signals"),
                                  json_integer((json_int_t)o->signal_id)) != 0)
            rc = CS_ENOMEM;
    }
    return rc;
}

/* Adds the laundering reason for near duplicate d and blocks the image. */
static int add_laundering(clearance *c, const license_near_duplicate *d)
{
    const char *what = d->protected_work ? "registered protected work" : "blocked image";
    if (d->inliers > 0)
        snprintf(c->detail, sizeof c->detail,
                 "a cropped or edited copy of %s %lld %s: %d keypoints agree on one "
                 "transform and span %.0f%% of it (PDQ distance %d, beyond the "
                 "near-duplicate radius)",
                 what, (long long)d->other_image_id, d->other_sha256 ? d->other_sha256 : "",
                 d->inliers, 100.0 * d->work_coverage, d->distance);
    else if (d->protected_work)
        snprintf(c->detail, sizeof c->detail,
                 "near duplicate (PDQ distance %d) of registered protected work %s", d->distance,
                 d->other_sha256 ? d->other_sha256 : "");
    else
        snprintf(c->detail, sizeof c->detail,
                 "near duplicate (PDQ distance %d) of blocked image %lld %s", d->distance,
                 (long long)d->other_image_id, d->other_sha256 ? d->other_sha256 : "");
    c->kind = LICENSE_VERDICT_BLOCKED;
    return add_reason(c->out, "laundering", c->detail, c->in, NULL, 0);
}

/*
 * 4. Not a near duplicate of a registered protected work, nor (rule 4b, after
 * the others) of a blocked image, and a cluster that agrees.
 */
static int clear_not_laundered(clearance *c)
{
    int rc = CS_OK;
    for (size_t i = 0; i < c->in->near_count && rc == CS_OK; i++) {
        const license_near_duplicate *d = &c->in->near[i];
        if (d->protected_work) rc = add_laundering(c, d);
        if (rc == CS_OK && d->conflict) {
            snprintf(c->detail, sizeof c->detail, "its near-duplicate cluster disagrees: %s",
                     d->conflict);
            rc = add_reason(c->out, "conflict", c->detail, c->in, NULL, 0);
        }
    }
    return rc;
}

/*
 * 4b. A copy of a blocked image is blocked as laundering, but only an image
 * that its own evidence and signals would not block already. Otherwise the
 * relation runs both ways: a stock photograph blocked by its opt-outs was
 * "laundering" of its own CC0 copy, which was blocked because of it.
 */
static int clear_not_a_copy_of_blocked(clearance *c)
{
    int rc = CS_OK;
    for (size_t i = 0; i < c->in->near_count && rc == CS_OK; i++) {
        const license_near_duplicate *d = &c->in->near[i];
        if (d->other_blocked && !d->protected_work) rc = add_laundering(c, d);
    }
    return rc;
}
/* 2, first: the evidence that counts for this image under the policy's page_wide. */
static int evidence_in_scope(clearance *c)
{
    size_t dropped = 0;
    c->used = 0;
    for (size_t i = 0; i < c->in->evidence_count; i++) {
        if (page_wide_applies(c->policy, &c->in->evidence[i]))
            c->idx[c->used++] = i;
        else
            dropped++;
    }
    if (!dropped) return CS_OK;
    snprintf(c->detail, sizeof c->detail,
             "%zu page-wide statement(s) ignored: the image is not served from the page's "
             "host (policy page_wide)",
             dropped);
    return add_reason(c->out, "page-wide-scope", c->detail, c->in, NULL, 0);
}

/*
 * 2. The licence evidence agrees (embedded metadata versus page; the most
 * restrictive wins). Settles the verdict when the image is blocked by now or
 * there is no licence to go on.
 */
static int clear_evidence_agrees(clearance *c)
{
    const license_clearance_input *in = c->in;
    int rc = evidence_in_scope(c);
    const license_evidence *best = NULL, *arr = NULL, *copyright = NULL, *pd = NULL;
    size_t best_i = 0, arr_i = 0, copyright_i = 0, pd_i = 0;
    int disagree = 0;
    for (size_t k = 0; k < c->used; k++) {
        const license_evidence *ev = &in->evidence[c->idx[k]];
        if (ev->has_license) {
            if (best && conditions(&ev->license) != conditions(&best->license)) disagree = 1;
            if (!best || restrictiveness(&ev->license) > restrictiveness(&best->license) ||
                (restrictiveness(&ev->license) == restrictiveness(&best->license) &&
                 ev->confidence < best->confidence))
                best = ev, best_i = c->idx[k];
        }
        if (ev->claim == LICENSE_CLAIM_ALL_RIGHTS_RESERVED && !arr) arr = ev, arr_i = c->idx[k];
        if (ev->claim == LICENSE_CLAIM_COPYRIGHT && !copyright)
            copyright = ev, copyright_i = c->idx[k];
        if (ev->claim == LICENSE_CLAIM_PUBLIC_DOMAIN && !pd) pd = ev, pd_i = c->idx[k];
    }
    c->best = best;
    c->best_i = best_i;
    if (rc == CS_OK && disagree) {
        /* name the two most different licences */
        const license_evidence *least = best;
        size_t least_i = best_i;
        for (size_t k = 0; k < c->used; k++) {
            const license_evidence *ev = &in->evidence[c->idx[k]];
            if (ev->has_license && restrictiveness(&ev->license) < restrictiveness(&least->license))
                least = ev, least_i = c->idx[k];
        }
        size_t pair[2] = {best_i, least_i};
        snprintf(c->detail, sizeof c->detail,
                 "licences disagree: %s from %s, %s from %s; the most "
                 "restrictive (%s) wins",
                 best->license.spdx, where(best, c->w1, sizeof c->w1), least->license.spdx,
                 where(least, c->w2, sizeof c->w2), best->license.spdx);
        rc = add_reason(c->out, "conflict", c->detail, in, pair, 2);
    }
    if (rc == CS_OK && arr) {
        if (best) {
            size_t pair[2] = {arr_i, best_i};
            snprintf(c->detail, sizeof c->detail,
                     "\"%s\" in %s says all rights reserved, while %s says %s; the most "
                     "restrictive wins",
                     arr->raw_value, where(arr, c->w1, sizeof c->w1),
                     where(best, c->w2, sizeof c->w2), best->license.spdx);
            rc = add_reason(c->out, "conflict", c->detail, in, pair, 2);
        } else {
            snprintf(c->detail, sizeof c->detail, "\"%s\" in %s: all rights reserved",
                     arr->raw_value, where(arr, c->w1, sizeof c->w1));
            rc = add_reason(c->out, "license", c->detail, in, &arr_i, 1);
        }
        c->kind = LICENSE_VERDICT_BLOCKED;
    }
    if (rc != CS_OK) return rc;
    if (c->kind == LICENSE_VERDICT_BLOCKED) {
        if (best) c->out->has_license = 1, c->out->license = best->license;
        c->decided = 1;
        return CS_OK;
    }
    if (best) return CS_OK;
    c->decided = 1;
    if (copyright) {
        snprintf(c->detail, sizeof c->detail, "rights claim \"%s\" in %s and no licence",
                 copyright->raw_value, where(copyright, c->w1, sizeof c->w1));
        c->kind = LICENSE_VERDICT_BLOCKED;
        return add_reason(c->out, "license", c->detail, in, &copyright_i, 1);
    }
    if (pd) {
        snprintf(c->detail, sizeof c->detail,
                 "\"%s\" in %s says public domain in words but names no licence or CC tool",
                 pd->raw_value, where(pd, c->w1, sizeof c->w1));
        return add_reason(c->out, "license", c->detail, in, &pd_i, 1);
    }
    return add_reason(c->out, "no-evidence",
                      c->used ? "no recognised licence in the evidence"
                              : "no licence or rights statement found for this image",
                      in, c->idx, c->used);
}

/* 3, first: the winning licence is accepted by the policy. */
static int clear_license_accepted(clearance *c)
{
    const license_evidence *best = c->best;
    c->out->has_license = 1;
    c->out->license = best->license;
    if (!license_policy_accepts(c->policy, &best->license)) {
        snprintf(c->detail, sizeof c->detail, "%s (from %s) is not accepted by policy %s",
                 best->license.spdx, where(best, c->w1, sizeof c->w1),
                 license_policy_name(c->policy));
        c->kind = LICENSE_VERDICT_BLOCKED;
        c->decided = 1;
        return add_reason(c->out, "policy", c->detail, c->in, &c->best_i, 1);
    }
    snprintf(c->detail, sizeof c->detail, "%s from %s, accepted by policy %s", best->license.spdx,
             where(best, c->w1, sizeof c->w1), license_policy_name(c->policy));
    return add_reason(c->out, "license", c->detail, c->in, &c->best_i, 1);
}

/* 3, then: the attribution the licence requires is known (and recorded). */
static int clear_attribution_known(clearance *c)
{
    const license_clearance_input *in = c->in;
    const license_evidence *best = c->best;
    license_verdict *out = c->out;
    if (!best->license.attribution) {
        out->attribution_source = LICENSE_ATTRIBUTION_NOT_NEEDED;
        c->kind = LICENSE_VERDICT_CLEARED;
        return CS_OK;
    }
    const char *name = NULL, *url = NULL, *title = NULL, *page = NULL;
    size_t name_i = c->best_i;
    for (size_t pass = 0; pass < 2 && !name; pass++) /* the winning record first */
        for (size_t k = 0; k < c->used && !name; k++) {
            const license_evidence *ev = &in->evidence[c->idx[k]];
            if (pass == 0 && ev != best) continue;
            name = ev->attribution_name ? ev->attribution_name : ev->creator;
            if (name) url = ev->attribution_url, name_i = c->idx[k];
        }
    for (size_t k = 0; k < c->used; k++) {
        const license_evidence *ev = &in->evidence[c->idx[k]];
        if (!title && ev->title) title = ev->title;
        if (!page && ev->found_at) page = ev->found_at;
    }
    if (!page && in->page_url_count) page = in->page_urls[0];
    int rc;
    if (name) {
        out->attribution_source = LICENSE_ATTRIBUTION_LICENSOR;
        snprintf(c->detail, sizeof c->detail, "credit \"%s\" as the licensor supplied it", name);
        rc = add_reason(out, "attribution", c->detail, in, &name_i, 1);
        c->kind = LICENSE_VERDICT_CLEARED;
    } else if (page && !license_policy_requires_attribution_name(c->policy)) {
        out->attribution_source = LICENSE_ATTRIBUTION_SOURCE_PAGE;
        snprintf(c->detail, sizeof c->detail,
                 "no author supplied; credit the source page %s (CC BY 4.0 3(a)(1): creator "
                 "only if supplied)",
                 page);
        rc = add_reason(out, "attribution", c->detail, in, NULL, 0);
        c->kind = LICENSE_VERDICT_CLEARED;
    } else {
        out->attribution_source = LICENSE_ATTRIBUTION_MISSING;
        rc = add_reason(out, "attribution",
                        page ? "the policy requires the author's name and none was supplied"
                             : "the licence requires attribution and neither an author nor a "
                               "source page is known",
                        in, NULL, 0);
        c->kind = LICENSE_VERDICT_UNKNOWN;
    }
    if (rc == CS_OK && out->attribution_source != LICENSE_ATTRIBUTION_MISSING) {
        out->attribution = json_pack(
            "{s:s, s:o, s:o, s:o, s:o, s:s}", "source",
            license_attribution_source_name(out->attribution_source), "name",
            name ? json_string(name) : json_null(), "url", url ? json_string(url) : json_null(),
            "title", title ? json_string(title) : json_null(), "page",
            page ? json_string(page) : json_null(), "license", best->license.spdx);
        if (!out->attribution) rc = CS_ENOMEM;
    }
    return rc;
}

int license_clear(const license_policy *policy, const license_clearance_input *in,
                  license_verdict *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    out->reasons = json_array();
    if (!out->reasons) return cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    size_t *idx = calloc(in->evidence_count ? in->evidence_count : 1, sizeof *idx);
    if (!idx) {
        license_verdict_free(out);
        return cs_error_set(err, CS_ENOMEM, "clear: out of memory");
    }
    clearance c = {.policy = policy, .in = in, .out = out, .idx = idx};

    int rc = clear_no_optout(&c);                                    /* 1 */
    if (rc == CS_OK) rc = clear_not_laundered(&c);                   /* 4 */
    if (rc == CS_OK) rc = clear_evidence_agrees(&c);                 /* 2 */
    if (rc == CS_OK && !c.decided) rc = clear_license_accepted(&c);  /* 3: accepted */
    if (rc == CS_OK && !c.decided) rc = clear_attribution_known(&c); /* 3: attributed */
    if (rc == CS_OK && c.kind != LICENSE_VERDICT_BLOCKED) rc = clear_not_a_copy_of_blocked(&c);

    free(idx);
    if (rc != CS_OK) {
        license_verdict_free(out);
        return cs_error_set(err, rc, "clear: %s", cs_strerror(rc));
    }
    out->kind = c.kind;
    return CS_OK;
}

void license_verdict_free(license_verdict *verdict)
{
    if (!verdict) return;
    json_decref(verdict->attribution);
    json_decref(verdict->reasons);
    memset(verdict, 0, sizeof *verdict);
}

const char *license_verdict_name(license_verdict_kind kind)
{
    switch (kind) {
    case LICENSE_VERDICT_CLEARED:
        return "cleared";
    case LICENSE_VERDICT_BLOCKED:
        return "blocked";
    default:
        return "unknown";
    }
}

const char *license_attribution_source_name(license_attribution_source source)
{
    switch (source) {
    case LICENSE_ATTRIBUTION_LICENSOR:
        return "licensor";
    case LICENSE_ATTRIBUTION_SOURCE_PAGE:
        return "source-page";
    case LICENSE_ATTRIBUTION_MISSING:
        return "missing";
    default:
        return "not-needed";
    }
}
