/*
 * demo_summary.c - what `clearset demo` shows besides what its commands print:
 * the catalog's counts for the closing table, the planted copies it audits,
 * and each audited file's risk as the audit's report.json says it.
 *
 * The table (pipeline_demo_summary_read) is made of the catalog's own counts:
 * catalog_status_read (pages, images, URL states), catalog_report_licences
 * ("VERDICT:SPDX" under the policy: the verdict totals and the licences of the
 * cleared images), catalog_export_exclusions (images left out per reason) and
 * catalog_unfetched_counts (URLs never fetched, per state and reason).
 *
 * The planted copies (pipeline_demo_write_flagged) are the images clearance
 * blocked under the policy for a given rule ("laundering": a copy of a blocked
 * picture re-published under a free licence; clearance never gives that rule
 * to the original itself): their bytes, as the crawl stored them, are written
 * to a folder as ID-NAME so that `clearset audit` can be run on them like on
 * any file; at most max of them.
 *
 * pipeline_demo_audit_risks reads back an audit report (report.json, the
 * names it_audit.sh pins): per image its file, risk and best match that is
 * not the image itself (a planted copy is in the catalog too, blocked, and
 * matches itself first).
 */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_MAX_UNFETCHED 12                  /* reasons listed for URLs never fetched */
#define SUMMARY_MAX_IMAGE     (256 * 1024 * 1024) /* a planted copy read back from its blob */
#define SUMMARY_MAX_REPORT    (64 * 1024 * 1024)  /* an audit's report.json */
#define SUMMARY_SCAN_BLOCKED  100000              /* blocked images looked at for a rule */

int pipeline_demo_summary_read(catalog *cat, const char *policy, pipeline_demo_summary *out,
                               cs_error *err)
{
    memset(out, 0, sizeof *out);
    catalog_count *licences = NULL;
    size_t licence_count = 0;
    int rc = catalog_status_read(cat, &out->status, err);
    if (rc == CS_OK) rc = catalog_report_licences(cat, policy, &licences, &licence_count, err);
    if (rc == CS_OK)
        rc = catalog_export_exclusions(cat, policy, &out->reasons, &out->reason_count, err);
    /* keep the "VERDICT:RULE" entries; the bare "VERDICT" totals come from the licences */
    size_t kept = 0;
    for (size_t i = 0; rc == CS_OK && i < out->reason_count; i++) {
        if (strchr(out->reasons[i].name, ':'))
            out->reasons[kept++] = out->reasons[i];
        else
            free(out->reasons[i].name);
    }
    if (rc == CS_OK) out->reason_count = kept;
    if (rc == CS_OK)
        rc = catalog_unfetched_counts(cat, SUMMARY_MAX_UNFETCHED, &out->unfetched,
                                      &out->unfetched_count, err);
    /* "cleared:MIT" -> the cleared licences; every "VERDICT:..." adds to that verdict's total */
    if (rc == CS_OK && licence_count) {
        out->cleared_licences = calloc(licence_count, sizeof *out->cleared_licences);
        if (out->cleared_licences == NULL) rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    static const char *const words[] = {"cleared", "blocked", "unknown", "none"};
    for (size_t i = 0; rc == CS_OK && i < licence_count; i++) {
        const char *colon = strchr(licences[i].name, ':');
        size_t len = colon ? (size_t)(colon - licences[i].name) : strlen(licences[i].name);
        for (size_t w = 0; w < CS_ARRAY_LEN(words); w++)
            if (strlen(words[w]) == len && strncmp(licences[i].name, words[w], len) == 0)
                out->verdicts[w] += licences[i].count;
        if (len == 7 && strncmp(licences[i].name, "cleared", 7) == 0 && colon) {
            catalog_count *c = &out->cleared_licences[out->cleared_licence_count];
            c->name = strdup(colon + 1);
            c->count = licences[i].count;
            if (c->name == NULL)
                rc = cs_error_set(err, CS_ENOMEM, "out of memory");
            else
                out->cleared_licence_count++;
        }
    }
    catalog_counts_free(licences, licence_count);
    if (rc != CS_OK) pipeline_demo_summary_free(out);
    return rc;
}

void pipeline_demo_summary_free(pipeline_demo_summary *s)
{
    if (s == NULL) return;
    catalog_status_free(s->status);
    catalog_counts_free(s->reasons, s->reason_count);
    catalog_counts_free(s->cleared_licences, s->cleared_licence_count);
    catalog_counts_free(s->unfetched, s->unfetched_count);
    memset(s, 0, sizeof *s);
}

/* 1 when the reasons (a JSON array of {"rule": ...}) name rule. */
static int has_rule(const char *reasons_text, const char *rule)
{
    json_t *reasons = reasons_text ? json_loads(reasons_text, 0, NULL) : NULL;
    int found = 0;
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "rule"));
        if (name && strcmp(name, rule) == 0) found = 1;
    }
    json_decref(reasons);
    return found;
}

/* "NAME" of a URL's last path segment, kept to letters, digits, '.', '-' and '_'. */
static void safe_name(const char *url, char *out, size_t size)
{
    const char *slash = url ? strrchr(url, '/') : NULL;
    const char *name = slash && slash[1] ? slash + 1 : "image";
    size_t n = 0;
    for (const char *p = name; *p && *p != '?' && *p != '#' && n + 1 < size; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        out[n++] = ok ? c : '_';
    }
    out[n] = '\0';
}

int pipeline_demo_write_flagged(catalog *cat, const char *policy, const char *rule, const char *dir,
                                size_t max, pipeline_demo_flagged **out, size_t *count,
                                cs_error *err)
{
    *out = NULL;
    *count = 0;
    catalog_export_row *rows = NULL;
    size_t n = 0;
    int rc = catalog_report_images(cat, policy, "blocked", SUMMARY_SCAN_BLOCKED, &rows, &n, err);
    if (rc == CS_OK) rc = cs_mkdir_p(dir, err);
    pipeline_demo_flagged *list = NULL;
    size_t listed = 0;
    if (rc == CS_OK && n) {
        list = calloc(n < max ? n : max, sizeof *list);
        if (list == NULL && max) rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == CS_OK && i < n && listed < max; i++) {
        if (!has_rule(rows[i].reasons, rule)) continue;
        unsigned char *bytes = NULL;
        size_t len = 0;
        rc = blob_store_get(catalog_blobs(cat), rows[i].sha256, SUMMARY_MAX_IMAGE, &bytes, &len,
                            err);
        char name[96], path[4096];
        safe_name(rows[i].image_url, name, sizeof name);
        if (rc == CS_OK && (size_t)snprintf(path, sizeof path, "%s/%lld-%s", dir,
                                            (long long)rows[i].image_id, name) >= sizeof path)
            rc = cs_error_set(err, CS_ELIMIT, "%s: path too long", dir);
        if (rc == CS_OK) rc = cs_write_file_atomic(path, bytes, len, err);
        free(bytes);
        if (rc != CS_OK) break;
        pipeline_demo_flagged *f = &list[listed];
        f->image_id = rows[i].image_id;
        f->path = strdup(path);
        f->url = rows[i].image_url ? strdup(rows[i].image_url) : NULL;
        f->license_spdx = rows[i].license_spdx ? strdup(rows[i].license_spdx) : NULL;
        listed++;
        if (f->path == NULL || (rows[i].image_url && f->url == NULL) ||
            (rows[i].license_spdx && f->license_spdx == NULL))
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    catalog_export_rows_free(rows, n);
    if (rc != CS_OK) {
        pipeline_demo_flagged_free(list, listed);
        return rc;
    }
    *out = list;
    *count = listed;
    return CS_OK;
}

void pipeline_demo_flagged_free(pipeline_demo_flagged *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++) {
        free(list[i].path);
        free(list[i].url);
        free(list[i].license_spdx);
    }
    free(list);
}

/* The risk and best other match of one report entry into r. */
static int read_finding(const json_t *image, pipeline_demo_finding *r)
{
    const char *file = json_string_value(json_object_get(image, "file"));
    const char *risk = json_string_value(json_object_get(image, "risk"));
    const char *query_sha = json_string_value(json_object_get(image, "sha256"));
    r->file = strdup(file ? file : "?");
    r->risk = strdup(risk ? risk : "?");
    if (r->file == NULL || r->risk == NULL) return CS_ENOMEM;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(image, "matches"), i, m)
    {
        const char *work = json_string_value(json_object_get(m, "work"));
        const char *sha = json_string_value(json_object_get(m, "sha256"));
        if (query_sha && sha && strcmp(sha, query_sha) == 0) continue;
        const char *owner = json_string_value(json_object_get(m, "owner"));
        const char *match_risk = json_string_value(json_object_get(m, "risk"));
        r->work = work ? strdup(work) : NULL;
        r->owner = owner ? strdup(owner) : NULL;
        r->match_risk = match_risk ? strdup(match_risk) : NULL;
        if ((work && !r->work) || (owner && !r->owner) || (match_risk && !r->match_risk))
            return CS_ENOMEM;
        break;
    }
    return CS_OK;
}

int pipeline_demo_audit_risks(const char *report_json, pipeline_demo_finding **out, size_t *count,
                              cs_error *err)
{
    *out = NULL;
    *count = 0;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_file(report_json, SUMMARY_MAX_REPORT, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)bytes, len, 0, &jerr);
    free(bytes);
    const json_t *images = json_object_get(doc, "images");
    if (!json_is_array(images)) {
        json_decref(doc);
        return cs_error_set(err, CS_EFORMAT, "%s: not an audit report", report_json);
    }
    size_t n = json_array_size(images);
    pipeline_demo_finding *list = n ? calloc(n, sizeof *list) : NULL;
    if (n && list == NULL) rc = CS_ENOMEM;
    size_t i;
    for (i = 0; rc == CS_OK && i < n; i++)
        rc = read_finding(json_array_get(images, i), &list[i]);
    json_decref(doc);
    if (rc != CS_OK) {
        pipeline_demo_findings_free(list, n);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    *out = list;
    *count = n;
    return CS_OK;
}

void pipeline_demo_findings_free(pipeline_demo_finding *list, size_t count)
{
    for (size_t i = 0; list && i < count; i++) {
        free(list[i].file);
        free(list[i].risk);
        free(list[i].work);
        free(list[i].owner);
        free(list[i].match_risk);
    }
    free(list);
}
