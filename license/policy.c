/*
 * policy.c - clearance policies: which licences are accepted and how far a
 * page-wide licence reaches.
 *
 * The presets follow DESIGN.md ("Clearance"): strict accepts CC0, the Public
 * Domain Mark, the Public Domain Dedication (CC-PDDC) and CC BY in every
 * version and port; open adds CC BY-SA;
 * research adds the NonCommercial variants. No preset accepts ND. A policy
 * file (JSON) lists accepted CC families ("CC-BY-SA"), exact SPDX ids
 * ("MIT", "CC-BY-4.0") or SPDX prefixes ending in '*' ("CC-BY-3.0-*"), may
 * widen or narrow the reach of page-wide licences, and may count robots
 * directives that say nothing about AI by themselves as opt-outs
 * ("opt_out_directives": ["noindex", "none", "noimageindex", "noml"]; no
 * preset counts them, as DESIGN.md has them only "where configured"), and
 * may take a C2PA / CAWG training-mining "constrained" as permission
 * ("training_mining_constrained": true; never by default: "constrained" means
 * allowed only on terms clearset cannot read, so it is no permission).
 */
#include "license/license_internal.h"

#include <string.h>
#include <strings.h>

#define POLICY_MAX_BYTES  (64 * 1024) /* a policy file is a short list */
#define POLICY_MAX_ACCEPT 256         /* accepted entries per policy */
#define POLICY_NAME_MAX   1024
#define POLICY_ENTRY_MAX  LICENSE_SPDX_MAX

struct license_policy {
    char name[POLICY_NAME_MAX];
    char accept[POLICY_MAX_ACCEPT][POLICY_ENTRY_MAX];
    size_t accept_count;
    license_page_wide page_wide;
    int require_attribution_name;
    unsigned optout_directives; /* ROBOTS_POLICY_* bits */
    int training_constrained;   /* a C2PA/CAWG training-mining "constrained" is accepted */
    const struct robots_ai_crawlers *ai_crawlers; /* borrowed; NULL: the built-in list */
};

/* The robots directives a policy file may count as opt-outs. */
static const struct {
    const char *name;
    unsigned flag;
} optout_directives[] = {{"noindex", ROBOTS_POLICY_NOINDEX},
                         {"none", ROBOTS_POLICY_NONE},
                         {"noimageindex", ROBOTS_POLICY_NOIMAGEINDEX},
                         {"noml", ROBOTS_POLICY_NOML}};

/* Sets the bit of each directive named in value; CS_EFORMAT for anything else. */
static int parse_optout_directives(const json_t *value, const char *name, unsigned *flags,
                                   cs_error *err)
{
    if (!json_is_array(value))
        return cs_error_set(err, CS_EFORMAT,
                            "policy %s: \"opt_out_directives\" must be a list of noindex, none, "
                            "noimageindex, noml",
                            name);
    size_t i;
    const json_t *entry;
    json_array_foreach(value, i, entry)
    {
        const char *s = json_string_value(entry);
        size_t k = 0;
        while (s && k < CS_ARRAY_LEN(optout_directives) &&
               strcasecmp(s, optout_directives[k].name) != 0)
            k++;
        if (!s || k == CS_ARRAY_LEN(optout_directives))
            return cs_error_set(err, CS_EFORMAT,
                                "policy %s: opt_out_directives[%zu] is not one of noindex, none, "
                                "noimageindex, noml",
                                name, i);
        *flags |= optout_directives[k].flag;
    }
    return CS_OK;
}

/* Every preset takes the public-domain tools: CC0, the Public Domain Mark and the
 * retired Public Domain Dedication and Certification (CC-PDDC, family CC-PD, what
 * the legacy web.resource.org/cc/PublicDomain URL means), and "RSL": an RSL 1.0
 * licence that permits AI training for free or for attribution (the site's own
 * machine-readable grant for exactly this use). */
static const char *const strict_accept[] = {"CC0", "CC-PDM", "CC-PD", "CC-BY", "RSL"};
static const char *const open_accept[] = {"CC0", "CC-PDM", "CC-PD", "CC-BY", "CC-BY-SA", "RSL"};
static const char *const research_accept[] = {"CC0",      "CC-PDM",   "CC-PD",       "CC-BY",
                                              "CC-BY-SA", "CC-BY-NC", "CC-BY-NC-SA", "RSL"};

static license_policy *policy_new(const char *name)
{
    license_policy *p = calloc(1, sizeof *p);
    if (p) cs_strlcpy(p->name, name, sizeof p->name);
    return p;
}

int license_policy_builtin(const char *name, license_policy **out, cs_error *err)
{
    *out = NULL;
    const char *const *list;
    size_t n;
    if (name && strcmp(name, "strict") == 0)
        list = strict_accept, n = CS_ARRAY_LEN(strict_accept);
    else if (name && strcmp(name, "open") == 0)
        list = open_accept, n = CS_ARRAY_LEN(open_accept);
    else if (name && strcmp(name, "research") == 0)
        list = research_accept, n = CS_ARRAY_LEN(research_accept);
    else
        return cs_error_set(err, CS_ENOTFOUND, "no built-in policy '%s' (strict, open, research)",
                            name ? name : "");
    license_policy *p = policy_new(name);
    if (!p) return cs_error_set(err, CS_ENOMEM, "policy: out of memory");
    for (size_t i = 0; i < n; i++)
        cs_strlcpy(p->accept[i], list[i], POLICY_ENTRY_MAX);
    p->accept_count = n;
    *out = p;
    return CS_OK;
}

int license_policy_parse(const char *json_text, size_t len, const char *name, license_policy **out,
                         cs_error *err)
{
    *out = NULL;
    if (len > POLICY_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "policy %s: larger than %d bytes", name,
                            POLICY_MAX_BYTES);
    json_error_t jerr;
    json_t *doc = json_loadb(json_text, len, 0, &jerr);
    if (!doc)
        return cs_error_set(err, CS_EFORMAT, "policy %s: line %d: %s", name, jerr.line, jerr.text);
    int rc = CS_OK;
    license_policy *p = policy_new(name);
    if (!p) {
        json_decref(doc);
        return cs_error_set(err, CS_ENOMEM, "policy: out of memory");
    }
    const char *key;
    json_t *value;
    int have_accept = 0;
    json_object_foreach(doc, key, value)
    {
        if (strcmp(key, "name") == 0) {
            if (!json_is_string(value)) {
                rc = cs_error_set(err, CS_EFORMAT, "policy %s: \"name\" must be a string", name);
                break;
            }
        } else if (strcmp(key, "accept") == 0) {
            if (!json_is_array(value) || json_array_size(value) == 0 ||
                json_array_size(value) > POLICY_MAX_ACCEPT) {
                rc = cs_error_set(err, CS_EFORMAT,
                                  "policy %s: \"accept\" must be a list of 1 to %d licences", name,
                                  POLICY_MAX_ACCEPT);
                break;
            }
            size_t i;
            json_t *entry;
            json_array_foreach(value, i, entry)
            {
                const char *s = json_string_value(entry);
                if (!s || !s[0] || strlen(s) >= POLICY_ENTRY_MAX) {
                    rc = cs_error_set(err, CS_EFORMAT,
                                      "policy %s: accept[%zu] must be a licence family or SPDX id",
                                      name, i);
                    break;
                }
                cs_strlcpy(p->accept[p->accept_count++], s, POLICY_ENTRY_MAX);
            }
            have_accept = 1;
        } else if (strcmp(key, "page_wide") == 0) {
            const char *s = json_string_value(value);
            if (s && strcmp(s, "same-host") == 0)
                p->page_wide = LICENSE_PAGE_WIDE_SAME_HOST;
            else if (s && strcmp(s, "any") == 0)
                p->page_wide = LICENSE_PAGE_WIDE_ANY;
            else if (s && strcmp(s, "never") == 0)
                p->page_wide = LICENSE_PAGE_WIDE_NEVER;
            else
                rc = cs_error_set(err, CS_EFORMAT,
                                  "policy %s: \"page_wide\" must be same-host, any or never", name);
        } else if (strcmp(key, "require_attribution_name") == 0) {
            if (!json_is_boolean(value))
                rc = cs_error_set(err, CS_EFORMAT,
                                  "policy %s: \"require_attribution_name\" must be true or false",
                                  name);
            p->require_attribution_name = json_is_true(value);
        } else if (strcmp(key, "training_mining_constrained") == 0) {
            if (!json_is_boolean(value))
                rc = cs_error_set(
                    err, CS_EFORMAT,
                    "policy %s: \"training_mining_constrained\" must be true or false", name);
            p->training_constrained = json_is_true(value);
        } else if (strcmp(key, "opt_out_directives") == 0) {
            rc = parse_optout_directives(value, name, &p->optout_directives, err);
        } else {
            rc = cs_error_set(err, CS_EFORMAT, "policy %s: unknown key \"%s\"", name, key);
        }
        if (rc != CS_OK) break;
    }
    if (rc == CS_OK && !json_is_object(doc))
        rc = cs_error_set(err, CS_EFORMAT, "policy %s: must be a JSON object", name);
    if (rc == CS_OK && !have_accept)
        rc = cs_error_set(err, CS_EFORMAT, "policy %s: needs an \"accept\" list", name);
    json_decref(doc);
    if (rc != CS_OK) {
        free(p);
        return rc;
    }
    *out = p;
    return CS_OK;
}

int license_policy_load(const char *name_or_path, license_policy **out, cs_error *err)
{
    *out = NULL;
    if (!name_or_path) return cs_error_set(err, CS_EINVAL, "policy: no name");
    if (strcmp(name_or_path, "strict") == 0 || strcmp(name_or_path, "open") == 0 ||
        strcmp(name_or_path, "research") == 0)
        return license_policy_builtin(name_or_path, out, err);
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_file(name_or_path, POLICY_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    rc = license_policy_parse((const char *)bytes, len, name_or_path, out, err);
    free(bytes);
    return rc;
}

void license_policy_free(license_policy *policy)
{
    free(policy);
}

const char *license_policy_name(const license_policy *policy)
{
    return policy->name;
}

license_page_wide license_policy_page_wide(const license_policy *policy)
{
    return policy->page_wide;
}

int license_policy_requires_attribution_name(const license_policy *policy)
{
    return policy->require_attribution_name;
}

void license_policy_robots(const license_policy *policy, robots_policy *out)
{
    robots_policy_default(out);
    out->flags |= policy->optout_directives;
    out->training_constrained = policy->training_constrained;
    out->ai_crawlers = policy->ai_crawlers;
}

void license_policy_set_ai_crawlers(license_policy *policy,
                                    const struct robots_ai_crawlers *ai_crawlers)
{
    if (policy) policy->ai_crawlers = ai_crawlers;
}

int license_policy_accepts(const license_policy *policy, const license_info *license)
{
    if (!policy || !license) return 0;
    for (size_t i = 0; i < policy->accept_count; i++) {
        const char *entry = policy->accept[i];
        size_t n = strlen(entry);
        if (strcasecmp(entry, license->family) == 0 || strcasecmp(entry, license->spdx) == 0)
            return 1;
        if (n > 1 && entry[n - 1] == '*' && strncasecmp(entry, license->spdx, n - 1) == 0) return 1;
    }
    return 0;
}
