/*
 * report.c - `clearset report`: the catalog as one self-contained HTML page
 * for people, built in memory and written whole (cs_write_file_atomic), so
 * the file either is complete or is not there.
 *
 * The page, top to bottom:
 *  - a summary: the catalog, the policy, images per verdict; when the policy
 *    has no stored verdicts, a warning saying so and naming the policies
 *    that have some (catalog_status_read);
 *  - charts, inline SVG: images per licence (one bar per SPDX id, split by
 *    verdict) and images per reason ("blocked: optout", from
 *    catalog_export_exclusions, an image counted once per rule it has);
 *  - hosts: per origin, what its robots.txt fetch said (and the file itself,
 *    cut, in a <details>), tdmrep.json, ai.txt and RSL documents, the crawl
 *    counts, and every distinct opt-out statement recorded for it with its
 *    effect (catalog_report_host_signals: one line per statement however many
 *    pages and images it was recorded for);
 *  - the images: per verdict (cleared, blocked, unknown, no verdict) a grid of
 *    thumbnails (audit_thumbnail_make, data: URIs), each with its reasons in
 *    a title (hover) and a <details> (click), at most per_verdict each, the
 *    rest counted. Filtering by verdict is CSS on radio buttons: no script.
 * Nothing is fetched: no external file, no script. Every text from the
 * catalog (URLs, alt texts, robots.txt, reasons) is escaped
 * (pipeline_html_text); bytes that are not UTF-8 become '?'.
 */
#include "pipeline/pipeline_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_MAX_HOST_SIGNALS 4000 /* statements read for all hosts; more are counted */
#define REPORT_SIGNALS_PER_HOST 60   /* statements listed per host */
#define REPORT_ROBOTS_SHOWN     4096 /* bytes of a robots.txt shown (RFC 9309 allows 500 KiB) */
#define REPORT_MAX_BARS         40   /* bars per chart; the rest are summed in one */
#define REPORT_MAX_BLOB         (PIPELINE_MAX_IMAGE_BYTES) /* the largest image read */
#define REPORT_MAX_REASONS      64                         /* reasons listed per image */

static const char *const group_word[PIPELINE_REPORT_GROUPS] = {"unknown", "cleared", "blocked",
                                                               "none"};
static const char *const group_title[PIPELINE_REPORT_GROUPS] = {"Unknown", "Cleared", "Blocked",
                                                                "No verdict"};
static const char *const group_colour[PIPELINE_REPORT_GROUPS] = {"#888", "#2a2", "#c22", "#bbb"};
/* the order the page shows them in */
static const int group_order[PIPELINE_REPORT_GROUPS] = {1, 2, 0, 3};

static int group_of(const char *word)
{
    for (int g = 0; g < PIPELINE_REPORT_GROUPS; g++)
        if (strcmp(word, group_word[g]) == 0) return g;
    return PIPELINE_REPORT_NONE;
}

/* ----------------------------------------------------------------- the start */

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>clearset catalog report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:1em;background:#f6f6f6;"
    "color:#222}\n"
    "h1{margin:.2em 0;font-size:1.5em}h2{font-size:1.2em;margin:.3em 0}h3{font-size:1em;"
    "margin:.2em 0;overflow-wrap:anywhere}\n"
    "section{background:#fff;border:1px solid #ccc;padding:.5em 1em;margin:.8em 0}\n"
    ".warning{background:#fee;border:1px solid #c22;padding:.5em}\n"
    "dl{margin:.3em 0;display:grid;grid-template-columns:auto 1fr;gap:0 .6em}dt{color:#666}"
    "dd{margin:0;overflow-wrap:anywhere}\n"
    "article.host{border-top:1px solid #ddd;padding:.4em 0}\n"
    "ul.signals{margin:.2em 0;padding-left:1.2em}li.signal{overflow-wrap:anywhere}\n"
    ".effect{display:inline-block;padding:0 .4em;border-radius:.3em;font-size:.85em;"
    "background:#ddd}\n.effect-opt-out{background:#c22;color:#fff}.effect-permit"
    "{background:#2a2;color:#fff}\n"
    "pre{white-space:pre-wrap;background:#f3f3f3;padding:.4em;max-height:20em;overflow:auto}\n"
    "svg.chart text{font:12px system-ui,sans-serif}\n"
    "input.f{position:absolute;opacity:0;pointer-events:none}\n"
    "nav label{display:inline-block;padding:.2em .7em;margin-right:.3em;border:1px solid #999;"
    "border-radius:1em;background:#fff;cursor:pointer}\n"
    "#f-all:checked~nav [for=f-all],#f-cleared:checked~nav [for=f-cleared],"
    "#f-blocked:checked~nav [for=f-blocked],#f-unknown:checked~nav [for=f-unknown],"
    "#f-none:checked~nav [for=f-none]{background:#222;color:#fff}\n"
    "#f-cleared:checked~div .group:not(.cleared),#f-blocked:checked~div .group:not(.blocked),"
    "#f-unknown:checked~div .group:not(.unknown),#f-none:checked~div .group:not(.none)"
    "{display:none}\n"
    ".grid{display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-start}\n"
    "figure.tile{margin:0;width:210px;background:#fff;border:1px solid #ccc;"
    "border-top:.4em solid #bbb;padding:.3em}\n"
    "figure.cleared{border-top-color:#2a2}figure.blocked{border-top-color:#c22}"
    "figure.unknown{border-top-color:#888}\n"
    "figure.tile img{display:block;max-width:200px;max-height:200px;margin:auto}\n"
    "figcaption{font-size:.85em;overflow-wrap:anywhere}\n"
    ".badge{display:inline-block;padding:0 .5em;border-radius:.3em;color:#fff;"
    "background:#bbb;font-size:.85em;text-transform:uppercase}\n"
    ".cleared .badge{background:#2a2}.blocked .badge{background:#c22}.unknown .badge"
    "{background:#888}\n"
    ".nothumb{display:block;height:90px;line-height:90px;text-align:center;color:#777;"
    "background:#eee}\n"
    "details.reasons ul{padding-left:1.1em;margin:.2em 0}\n"
    "</style></head><body>\n";

/* "VERDICT:NAME" count rows into parallel arrays of names and per-verdict counts. */
typedef struct bar {
    const char *name; /* borrowed from the counts */
    int64_t by_group[PIPELINE_REPORT_GROUPS];
    int64_t total;
} bar;

typedef struct bars {
    bar *items;
    size_t count, cap;
} bars;

static int bars_add(bars *b, const char *name, int group, int64_t n)
{
    size_t i = 0;
    while (i < b->count && strcmp(b->items[i].name, name) != 0)
        i++;
    if (i == b->count) {
        if (cs_array_reserve((void **)&b->items, &b->cap, b->count, sizeof *b->items, 0) != CS_OK)
            return CS_ENOMEM;
        memset(&b->items[i], 0, sizeof b->items[i]);
        b->items[i].name = name;
        b->count++;
    }
    b->items[i].by_group[group] += n;
    b->items[i].total += n;
    return CS_OK;
}

static int by_total(const void *x, const void *y)
{
    const bar *a = x, *b = y;
    if (a->total != b->total) return a->total < b->total ? 1 : -1;
    return strcmp(a->name, b->name);
}

/* A horizontal bar chart: one row per bar, split by verdict colour, a title on each. */
static int chart_svg(cs_buf *out, const char *id, const char *label, bars *b)
{
    qsort(b->items, b->count, sizeof *b->items, by_total);
    size_t shown = CS_MIN(b->count, (size_t)REPORT_MAX_BARS);
    int64_t most = 1, rest = 0;
    for (size_t i = 0; i < b->count; i++) {
        if (i < shown)
            most = CS_MAX(most, b->items[i].total);
        else
            rest += b->items[i].total;
    }
    const int row = 20, left = 230, width = 420;
    size_t rows = shown + (rest > 0);
    int rc = cs_buf_printf(out,
                           "<svg class=\"chart\" id=\"%s\" role=\"img\" aria-label=\"%s\" "
                           "width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">",
                           id, label, left + width + 60, rows * row + 4, left + width + 60,
                           rows * row + 4);
    for (size_t i = 0; rc == CS_OK && i < shown; i++) {
        const bar *r = &b->items[i];
        int y = (int)i * row + 2;
        rc = cs_buf_printf(out, "<g class=\"bar\" data-count=\"%lld\" data-name=\"",
                           (long long)r->total);
        if (rc == CS_OK) rc = pipeline_html_text(out, r->name);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\"><title>");
        if (rc == CS_OK) rc = pipeline_html_text(out, r->name);
        if (rc == CS_OK) rc = cs_buf_printf(out, ": %lld images", (long long)r->total);
        for (int k = 0; rc == CS_OK && k < PIPELINE_REPORT_GROUPS; k++)
            if (r->by_group[group_order[k]])
                rc = cs_buf_printf(out, ", %lld %s", (long long)r->by_group[group_order[k]],
                                   group_word[group_order[k]]);
        if (rc == CS_OK)
            rc = cs_buf_printf(out, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
                               left - 6, y + 13);
        if (rc == CS_OK) rc = pipeline_html_text(out, r->name);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</text>");
        double x = left;
        for (int k = 0; rc == CS_OK && k < PIPELINE_REPORT_GROUPS; k++) {
            int g = group_order[k];
            if (!r->by_group[g]) continue;
            double w = (double)width * (double)r->by_group[g] / (double)most;
            rc = cs_buf_printf(out,
                               "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                               "height=\"%d\" fill=\"%s\"/>",
                               group_word[g], x, y, w < 1 ? 1 : w, row - 6, group_colour[g]);
            x += w;
        }
        if (rc == CS_OK)
            rc = cs_buf_printf(out, "<text x=\"%.1f\" y=\"%d\">%lld</text></g>", x + 4, y + 13,
                               (long long)r->total);
    }
    if (rc == CS_OK && rest > 0)
        rc = cs_buf_printf(out,
                           "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">%zu more: %lld "
                           "images</text>",
                           left - 6, shown * row + 15, b->count - shown, (long long)rest);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</svg>\n");
    return rc;
}

/* ------------------------------------------------------------ summary, charts */

static int policies_with_verdicts(const catalog_status *st, cs_buf *out)
{
    int rc = CS_OK;
    const char *last = NULL;
    size_t last_len = 0;
    for (size_t i = 0; rc == CS_OK && i < st->verdict_count; i++) {
        const char *name = st->verdicts[i].name;
        const char *colon = strrchr(name, ':');
        size_t len = colon ? (size_t)(colon - name) : strlen(name);
        if (last && len == last_len && strncmp(name, last, len) == 0) continue;
        rc = cs_buf_append_str(out, last ? ", " : "");
        if (rc == CS_OK) rc = cs_buf_append_html(out, name, len);
        last = name, last_len = len;
    }
    if (rc == CS_OK && !last) rc = cs_buf_append_str(out, "none");
    return rc;
}

static int summary_html(cs_buf *out, const pipeline_report_options *opts, const catalog_status *st,
                        const pipeline_report_stats *stats)
{
    const char *policy = license_policy_name(opts->policy);
    int rc = cs_buf_append_str(out, "<header><h1>clearset catalog report</h1></header>\n"
                                    "<section id=\"summary\"><h2>Summary</h2><dl>");
    if (rc == CS_OK && opts->catalog_label)
        rc = pipeline_html_item(out, "catalog", opts->catalog_label);
    if (rc == CS_OK) rc = pipeline_html_item(out, "policy", policy);
    char text[160];
    snprintf(text, sizeof text, "%zu from %zu hosts (%lld pages)", stats->images, stats->hosts,
             (long long)st->pages);
    if (rc == CS_OK) rc = pipeline_html_item(out, "images", text);
    for (int k = 0; rc == CS_OK && k < PIPELINE_REPORT_GROUPS; k++) {
        int g = group_order[k];
        snprintf(text, sizeof text, "%zu", stats->verdicts[g]);
        rc = cs_buf_printf(out, "<dt>%s</dt><dd class=\"count\" data-verdict=\"%s\">%s</dd>",
                           group_title[g], group_word[g], text);
    }
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</dl>");
    if (rc == CS_OK && !stats->has_verdicts) {
        rc = cs_buf_append_str(out, "<p class=\"warning\" id=\"no-verdicts\">No verdicts are "
                                    "stored for policy <b>");
        if (rc == CS_OK) rc = pipeline_html_text(out, policy);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</b>: run <code>clearset clear --policy ");
        if (rc == CS_OK) rc = pipeline_html_text(out, policy);
        if (rc == CS_OK)
            rc = cs_buf_append_str(out, "</code> first. The images below have no verdict. "
                                        "Policies with stored verdicts: ");
        if (rc == CS_OK) rc = policies_with_verdicts(st, out);
        if (rc == CS_OK) rc = cs_buf_append_str(out, ".</p>");
    }
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</section>\n");
    return rc;
}

static int legend_html(cs_buf *out)
{
    int rc = cs_buf_append_str(out, "<p class=\"legend\">");
    for (int k = 0; rc == CS_OK && k < PIPELINE_REPORT_GROUPS; k++)
        rc =
            cs_buf_printf(out,
                          "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" "
                          "height=\"12\" fill=\"%s\"/></svg> %s &nbsp; ",
                          group_colour[group_order[k]], group_word[group_order[k]]);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</p>");
    return rc;
}

static int charts_html(catalog *cat, cs_buf *out, const pipeline_report_options *opts,
                       pipeline_report_stats *stats, cs_error *err)
{
    const char *policy = license_policy_name(opts->policy);
    catalog_count *licences = NULL, *reasons = NULL;
    size_t licence_count = 0, reason_count = 0;
    bars lb = {0}, rb = {0};
    int rc = catalog_report_licences(cat, policy, &licences, &licence_count, err);
    if (rc == CS_OK) rc = catalog_export_exclusions(cat, policy, &reasons, &reason_count, err);
    for (size_t i = 0; rc == CS_OK && i < licence_count; i++) {
        const char *colon = strchr(licences[i].name, ':');
        if (!colon) continue;
        char word[16];
        snprintf(word, sizeof word, "%.*s", (int)(colon - licences[i].name), licences[i].name);
        int g = group_of(word);
        stats->verdicts[g] += (size_t)licences[i].count;
        stats->images += (size_t)licences[i].count;
        rc = bars_add(&lb, colon + 1, g, licences[i].count);
    }
    for (size_t i = 0; rc == CS_OK && i < reason_count; i++) {
        const char *colon = strchr(reasons[i].name, ':');
        if (!colon) continue; /* the per-verdict totals */
        char word[16];
        snprintf(word, sizeof word, "%.*s", (int)(colon - reasons[i].name), reasons[i].name);
        rc = bars_add(&rb, colon + 1, group_of(word), reasons[i].count);
    }
    if (rc == CS_ENOMEM) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    stats->has_verdicts = stats->verdicts[0] + stats->verdicts[1] + stats->verdicts[2] > 0;
    if (rc == CS_OK)
        rc = cs_buf_append_str(out, "<section id=\"charts\"><h2>Images per licence</h2>");
    if (rc == CS_OK) rc = legend_html(out);
    if (rc == CS_OK && lb.count == 0) rc = cs_buf_append_str(out, "<p>No images.</p>");
    if (rc == CS_OK && lb.count) rc = chart_svg(out, "chart-licences", "images per licence", &lb);
    if (rc == CS_OK)
        rc = cs_buf_append_str(out, "<h2>Images per reason (blocked and unknown; an image "
                                    "counts once per rule it has)</h2>");
    if (rc == CS_OK && rb.count == 0)
        rc = cs_buf_append_str(out, "<p>No stored reasons for images left out.</p>");
    if (rc == CS_OK && rb.count) rc = chart_svg(out, "chart-reasons", "images per reason", &rb);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</section>\n");
    if (rc == CS_ENOMEM) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    free(lb.items);
    free(rb.items);
    catalog_counts_free(licences, licence_count);
    catalog_counts_free(reasons, reason_count);
    return rc;
}

/* ------------------------------------------------------------------- hosts */

static void fetch_words(int status, const char *missing, char *out, size_t size)
{
    if (status < 0)
        snprintf(out, size, "not fetched");
    else if (status == 0)
        snprintf(out, size, "unreachable%s", missing);
    else
        snprintf(out, size, "HTTP %d", status);
}

static int robots_html(cs_buf *out, const catalog_host *h)
{
    char text[160];
    if (h->robots_status < 0)
        snprintf(text, sizeof text, "not fetched");
    else if (h->robots_status == 0)
        snprintf(text, sizeof text, "unreachable: everything disallowed");
    else if (h->robots_status >= 500)
        snprintf(text, sizeof text, "HTTP %d: everything disallowed (RFC 9309)", h->robots_status);
    else if (h->robots_status >= 400)
        snprintf(text, sizeof text, "HTTP %d: everything allowed (RFC 9309)", h->robots_status);
    else
        snprintf(text, sizeof text, "HTTP %d, %zu bytes", h->robots_status, h->robots_len);
    int rc = pipeline_html_item(out, "robots.txt", text);
    if (rc == CS_OK && h->crawl_delay_ms >= 0) {
        snprintf(text, sizeof text, "%.3g s", (double)h->crawl_delay_ms / 1000.0);
        rc = pipeline_html_item(out, "Crawl-delay", text);
    }
    fetch_words(h->tdmrep_status, "", text, sizeof text);
    if (rc == CS_OK) rc = pipeline_html_item(out, "tdmrep.json", text);
    fetch_words(h->ai_txt_status, "", text, sizeof text);
    if (rc == CS_OK) rc = pipeline_html_item(out, "ai.txt", text);
    return rc;
}

static int policy_file_html(cs_buf *out, const char *name, const unsigned char *body, size_t len)
{
    if (!body || len == 0) return CS_OK;
    size_t shown = CS_MIN(len, (size_t)REPORT_ROBOTS_SHOWN);
    int rc = cs_buf_append_str(out, "<details class=\"file\"><summary>");
    if (rc == CS_OK) rc = pipeline_html_text(out, name);
    if (rc == CS_OK) rc = cs_buf_append_str(out, " as fetched</summary><pre>");
    if (rc == CS_OK) rc = cs_buf_append_html(out, (const char *)body, shown);
    if (rc == CS_OK && shown < len) rc = cs_buf_printf(out, "\n[... %zu more bytes]", len - shown);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</pre></details>");
    return rc;
}

static int host_html(catalog *cat, cs_buf *out, const catalog_host *h,
                     const catalog_host_status *counts, const catalog_host_signal *signals,
                     size_t signal_count, cs_error *err)
{
    int rc = cs_buf_append_str(out, "<article class=\"host\" data-origin=\"");
    if (rc == CS_OK) rc = pipeline_html_text(out, h->origin);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "\"><h3>");
    if (rc == CS_OK) rc = pipeline_html_text(out, h->origin);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</h3><dl>");
    if (rc == CS_OK) rc = robots_html(out, h);
    char text[200];
    if (rc == CS_OK && counts) {
        snprintf(text, sizeof text,
                 "%lld URLs, %lld pages, %lld images; %lld disallowed by robots.txt, "
                 "%lld failed",
                 (long long)counts->urls, (long long)counts->pages, (long long)counts->images,
                 (long long)counts->disallowed, (long long)counts->failed);
        rc = pipeline_html_item(out, "crawl", text);
    }
    catalog_rsl_doc *docs = NULL;
    size_t doc_count = 0;
    if (rc == CS_OK) rc = catalog_host_rsl_docs(cat, h->id, 0, &docs, &doc_count, err);
    for (size_t i = 0; rc == CS_OK && i < doc_count; i++) {
        snprintf(text, sizeof text, "%s (%s, HTTP %d)", docs[i].url ? docs[i].url : "?",
                 docs[i].found_via ? docs[i].found_via : "?", docs[i].status);
        rc = pipeline_html_item(out, "RSL document", text);
    }
    catalog_rsl_docs_free(docs, doc_count);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</dl>");
    if (rc == CS_OK && signal_count == 0)
        rc = cs_buf_append_str(out, "<p class=\"nosignals\">No opt-out or permission "
                                    "statement recorded.</p>");
    if (rc == CS_OK && signal_count > 0)
        rc = cs_buf_append_str(out, "<p>What it said about AI training and text and data "
                                    "mining:</p><ul class=\"signals\">");
    size_t listed = CS_MIN(signal_count, (size_t)REPORT_SIGNALS_PER_HOST);
    for (size_t i = 0; rc == CS_OK && i < listed; i++) {
        const catalog_host_signal *s = &signals[i];
        const char *effect = s->effect ? s->effect : "?";
        rc = cs_buf_append_str(out, "<li class=\"signal\" data-kind=\"");
        if (rc == CS_OK) rc = pipeline_html_text(out, s->kind);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\" data-effect=\"");
        if (rc == CS_OK) rc = pipeline_html_text(out, effect);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\"><span class=\"effect effect-");
        if (rc == CS_OK) rc = pipeline_html_text(out, effect);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\">");
        if (rc == CS_OK) rc = pipeline_html_text(out, effect);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</span> <b>");
        if (rc == CS_OK) rc = pipeline_html_text(out, s->kind);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</b> &ldquo;");
        if (rc == CS_OK) rc = pipeline_html_text(out, s->raw_value);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "&rdquo; at ");
        if (rc == CS_OK) rc = pipeline_html_text(out, s->found_at);
        if (rc == CS_OK)
            rc = cs_buf_printf(out, " <small>(recorded for %lld resource%s)</small></li>",
                               (long long)s->rows, s->rows == 1 ? "" : "s");
    }
    if (rc == CS_OK && signal_count > 0) rc = cs_buf_append_str(out, "</ul>");
    if (rc == CS_OK && listed < signal_count)
        rc = cs_buf_printf(out, "<p>%zu more statements not listed.</p>", signal_count - listed);
    if (rc == CS_OK) rc = policy_file_html(out, "robots.txt", h->robots_body, h->robots_len);
    if (rc == CS_OK) rc = policy_file_html(out, "tdmrep.json", h->tdmrep_body, h->tdmrep_len);
    if (rc == CS_OK) rc = policy_file_html(out, "ai.txt", h->ai_txt_body, h->ai_txt_len);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</article>\n");
    return rc;
}

static int hosts_html(catalog *cat, cs_buf *out, const catalog_status *st,
                      pipeline_report_stats *stats, cs_error *err)
{
    catalog_host *hosts = NULL;
    size_t host_count = 0, signal_count = 0;
    catalog_host_signal *signals = NULL;
    int rc = catalog_hosts_list(cat, &hosts, &host_count, err);
    if (rc == CS_OK)
        rc = catalog_report_host_signals(cat, REPORT_MAX_HOST_SIGNALS + 1, &signals, &signal_count,
                                         err);
    stats->hosts = host_count;
    if (rc == CS_OK)
        rc = cs_buf_append_str(out, "<section id=\"hosts\"><h2>Hosts and what they said</h2>");
    if (rc == CS_OK && signal_count > REPORT_MAX_HOST_SIGNALS)
        rc = cs_buf_printf(out, "<p>Only the first %d statements are listed.</p>",
                           REPORT_MAX_HOST_SIGNALS);
    size_t usable = CS_MIN(signal_count, (size_t)REPORT_MAX_HOST_SIGNALS);
    catalog_host_signal *mine = calloc(usable ? usable : 1, sizeof *mine);
    if (!mine) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    for (size_t i = 0; rc == CS_OK && i < host_count; i++) {
        const char *origin = hosts[i].origin ? hosts[i].origin : "";
        /* the host's statements, in the order first recorded (borrowed, not copied) */
        size_t n = 0;
        for (size_t k = 0; k < usable; k++)
            if (signals[k].origin && strcmp(signals[k].origin, origin) == 0) mine[n++] = signals[k];
        const catalog_host_status *counts = NULL;
        for (size_t k = 0; k < st->host_count && !counts; k++)
            if (st->per_host[k].origin && strcmp(st->per_host[k].origin, origin) == 0)
                counts = &st->per_host[k];
        rc = host_html(cat, out, &hosts[i], counts, mine, n, err);
    }
    free(mine);
    if (rc == CS_OK && host_count == 0) rc = cs_buf_append_str(out, "<p>No hosts crawled.</p>");
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</section>\n");
    if (rc == CS_ENOMEM) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    catalog_host_signals_free(signals, signal_count);
    catalog_hosts_free(hosts, host_count);
    return rc;
}

/* ------------------------------------------------------------------ images */

static int reasons_html(cs_buf *out, const char *reasons_text, size_t *count)
{
    *count = 0;
    json_t *reasons = reasons_text ? json_loads(reasons_text, 0, NULL) : NULL;
    if (!json_is_array(reasons) || json_array_size(reasons) == 0) {
        json_decref(reasons);
        return cs_buf_append_str(out, "<p class=\"noreasons\">No reasons stored.</p>");
    }
    size_t n = json_array_size(reasons);
    int rc = cs_buf_printf(out, "<details class=\"reasons\"><summary>%zu reason%s</summary><ul>", n,
                           n == 1 ? "" : "s");
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        if (rc != CS_OK || i >= REPORT_MAX_REASONS) break;
        const char *rule = json_string_value(json_object_get(r, "rule"));
        rc = cs_buf_append_str(out, "<li class=\"reason\" data-rule=\"");
        if (rc == CS_OK) rc = pipeline_html_text(out, rule ? rule : "?");
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\"><b>");
        if (rc == CS_OK) rc = pipeline_html_text(out, rule ? rule : "?");
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</b>: ");
        if (rc == CS_OK)
            rc = pipeline_html_text(out, json_string_value(json_object_get(r, "detail")));
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</li>");
    }
    if (rc == CS_OK && n > REPORT_MAX_REASONS)
        rc = cs_buf_printf(out, "<li>%zu more</li>", n - REPORT_MAX_REASONS);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</ul></details>");
    *count = n;
    json_decref(reasons);
    return rc;
}

/* The reasons as one line for the tile's title (shown on hover). */
static int reasons_title(cs_buf *out, const char *reasons_text)
{
    json_t *reasons = reasons_text ? json_loads(reasons_text, 0, NULL) : NULL;
    int rc = CS_OK;
    size_t i;
    json_t *r;
    json_array_foreach(reasons, i, r)
    {
        if (rc != CS_OK || i >= REPORT_MAX_REASONS) break;
        const char *rule = json_string_value(json_object_get(r, "rule"));
        const char *detail = json_string_value(json_object_get(r, "detail"));
        rc = cs_buf_append_str(out, i ? "&#10;" : "");
        if (rc == CS_OK) rc = pipeline_html_text(out, rule ? rule : "?");
        if (rc == CS_OK) rc = cs_buf_append_str(out, ": ");
        if (rc == CS_OK) rc = pipeline_html_text(out, detail);
    }
    json_decref(reasons);
    return rc;
}

static int tile_html(catalog *cat, cs_buf *out, const catalog_export_row *row, int group,
                     const pipeline_report_options *opts, pipeline_report_stats *stats)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    audit_thumbnail thumb = {0};
    cs_error quiet = {0};
    int made = blob_store_get(catalog_blobs(cat), row->sha256, REPORT_MAX_BLOB, &bytes, &len,
                              &quiet) == CS_OK &&
               audit_thumbnail_make(bytes, len, opts->max_pixels, &thumb, &quiet) == CS_OK;
    free(bytes);
    if (!made) stats->unreadable++;
    int rc = cs_buf_printf(out,
                           "<figure class=\"tile %s\" data-verdict=\"%s\" data-image=\"%lld\" "
                           "title=\"%s",
                           group_word[group], group_word[group], (long long)row->image_id,
                           group_word[group]);
    if (rc == CS_OK && row->reasons) rc = cs_buf_append_str(out, "&#10;");
    if (rc == CS_OK) rc = reasons_title(out, row->reasons);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "\">");
    if (rc == CS_OK && made) {
        rc = cs_buf_printf(out, "<img class=\"thumb\" width=\"%d\" height=\"%d\" alt=\"",
                           thumb.width, thumb.height);
        if (rc == CS_OK) rc = pipeline_html_text(out, row->alt ? row->alt : row->image_url);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\" src=\"");
        if (rc == CS_OK) rc = cs_buf_append_str(out, thumb.uri);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\">");
    } else if (rc == CS_OK) {
        rc = cs_buf_append_str(out, "<span class=\"nothumb\">no thumbnail</span>");
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "<figcaption><span class=\"badge\">%s</span> ", group_word[group]);
    if (rc == CS_OK) rc = pipeline_html_text(out, row->license_spdx ? row->license_spdx : "");
    if (rc == CS_OK && row->alt) {
        rc = cs_buf_append_str(out, "<br><q class=\"alt\">");
        if (rc == CS_OK) rc = pipeline_html_text(out, row->alt);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</q>");
    }
    if (rc == CS_OK) rc = cs_buf_append_str(out, "<br><span class=\"url\">");
    if (rc == CS_OK) rc = pipeline_html_text(out, row->image_url ? row->image_url : row->sha256);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</span>");
    size_t n = 0;
    if (rc == CS_OK && group != PIPELINE_REPORT_NONE) rc = reasons_html(out, row->reasons, &n);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</figcaption></figure>\n");
    audit_thumbnail_free(&thumb);
    return rc;
}

static int images_html(catalog *cat, cs_buf *out, const pipeline_report_options *opts,
                       pipeline_report_stats *stats, cs_error *err)
{
    size_t per = opts->per_verdict ? opts->per_verdict : PIPELINE_REPORT_DEFAULT_PER_VERDICT;
    size_t total = 0;
    for (int g = 0; g < PIPELINE_REPORT_GROUPS; g++)
        total += CS_MIN(stats->verdicts[g], per);
    int rc = cs_buf_append_str(
        out, "<section id=\"images\"><h2>Images</h2>"
             "<input type=\"radio\" name=\"v\" class=\"f\" id=\"f-all\" checked>"
             "<input type=\"radio\" name=\"v\" class=\"f\" id=\"f-cleared\">"
             "<input type=\"radio\" name=\"v\" class=\"f\" id=\"f-blocked\">"
             "<input type=\"radio\" name=\"v\" class=\"f\" id=\"f-unknown\">"
             "<input type=\"radio\" name=\"v\" class=\"f\" id=\"f-none\">\n<nav>Show: "
             "<label for=\"f-all\">all</label><label for=\"f-cleared\">cleared</label>"
             "<label for=\"f-blocked\">blocked</label><label for=\"f-unknown\">unknown</label>"
             "<label for=\"f-none\">no verdict</label> <small>(hover a picture for its "
             "reasons, or open them below it)</small></nav>\n<div>");
    for (int k = 0; rc == CS_OK && k < PIPELINE_REPORT_GROUPS; k++) {
        int g = group_order[k];
        if (stats->verdicts[g] == 0) continue;
        catalog_export_row *rows = NULL;
        size_t count = 0;
        rc = catalog_report_images(cat, license_policy_name(opts->policy), group_word[g],
                                   (int64_t)per, &rows, &count, err);
        if (rc == CS_OK)
            rc = cs_buf_printf(out,
                               "<div class=\"group %s\"><h3>%s: %zu image%s</h3><div "
                               "class=\"grid\">\n",
                               group_word[g], group_title[g], stats->verdicts[g],
                               stats->verdicts[g] == 1 ? "" : "s");
        for (size_t i = 0; rc == CS_OK && i < count; i++) {
            rc = tile_html(cat, out, &rows[i], g, opts, stats);
            stats->shown++;
            if (opts->on_progress) opts->on_progress(opts->arg, stats->shown, total);
        }
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</div>");
        size_t left = stats->verdicts[g] > count ? stats->verdicts[g] - count : 0;
        stats->left_out += left;
        if (rc == CS_OK && left)
            rc = cs_buf_printf(out,
                               "<p class=\"left-out\" data-left-out=\"%zu\">%zu more %s images "
                               "not shown (at most %zu per verdict; see --limit).</p>",
                               left, left, group_word[g], per);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "</div>\n");
        catalog_export_rows_free(rows, count);
    }
    if (rc == CS_OK && stats->images == 0) rc = cs_buf_append_str(out, "<p>No images.</p>");
    if (rc == CS_OK) rc = cs_buf_append_str(out, "</div></section>\n");
    if (rc == CS_ENOMEM) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    return rc;
}

/* ------------------------------------------------------------------- whole */

int pipeline_report(catalog *cat, const pipeline_report_options *opts, pipeline_report_stats *stats,
                    cs_error *err)
{
    memset(stats, 0, sizeof *stats);
    catalog_status *st = NULL;
    int rc = catalog_status_read(cat, &st, err);
    cs_buf head, body;
    cs_buf_init(&head, 0);
    cs_buf_init(&body, 0);
    /* the charts count the images the summary and the grid need, so they are built
       first and the summary is put before them */
    if (rc == CS_OK) rc = charts_html(cat, &body, opts, stats, err);
    if (rc == CS_OK) rc = hosts_html(cat, &body, st, stats, err);
    if (rc == CS_OK) rc = images_html(cat, &body, opts, stats, err);
    if (rc == CS_OK) rc = cs_buf_append_str(&head, page_head);
    if (rc == CS_OK) rc = summary_html(&head, opts, st, stats);
    if (rc == CS_OK) rc = cs_buf_append(&head, body.data, body.len);
    if (rc == CS_OK) rc = cs_buf_append_str(&head, "</body></html>\n");
    if (rc == CS_ENOMEM) rc = cs_error_set(err, CS_ENOMEM, "report: out of memory");
    if (rc == CS_OK) rc = cs_write_file_atomic(opts->out_path, head.data, head.len, err);
    cs_buf_free(&head);
    cs_buf_free(&body);
    catalog_status_free(st);
    return rc;
}
