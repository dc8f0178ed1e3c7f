/*
 * audit_report.c - the audit's two reports, written one image at a time:
 * DIR/report.json for programs and DIR/report.html for people.
 *
 * report.json is one object, {"images": [...], "unreadable": [...],
 * "summary": {...}}: "images" is streamed as the queries are checked (each
 * entry built with jansson and dumped compact, one a line), the unreadable
 * files wait in an anonymous temporary file until the images are done, and
 * the summary comes last, when the counts are known. Names external checks
 * read: file, risk ("copy" | "partial" | "none"), matches (best first) with
 * work (registered path, URL that served a blocked image, or file path),
 * stage ("pdq" | "local"), pdq_distance, inliers, coverage (the share of the
 * work that the image reproduces: 1 for a PDQ copy, the inliers' span in the
 * work for a local match) and owner.
 *
 * report.html is one self-contained file: no network, no external file, no
 * server. Each query's thumbnail (a JPEG data: URI) stands beside its closest
 * works' thumbnails; the matched region is drawn over them as inline SVG in
 * the images' own pixel coordinates (viewBox = source size, stretched over the
 * thumbnail): over the query, the work's outline mapped through the verified
 * transform (dedup_local_match.outline) and, dashed, the box the inliers span
 * in it (a crop's outline lies mostly outside the thumbnail, which clips it);
 * over the work, the box its inliers span; for a PDQ match, the whole image. Filtering by risk is
 * CSS on radio buttons (works without JavaScript); a few lines of script count each filter's images
 * and keep the choice in the address. The summary is written last and shown first (flex order).
 * Every text from outside (file names, URLs, owners, notes) is escaped; bytes that are not UTF-8
 * become '?'.
 *
 * Both files are written as report.*.partial and renamed when complete, so a
 * report that exists is whole.
 */
#include "pipeline/pipeline_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_JSON       "report.json"
#define REPORT_HTML       "report.html"
#define REPORT_COPY_CHUNK 65536 /* bytes per read when the unreadable list is appended */

struct audit_report {
    char *json_path, *html_path; /* the final names; ".partial" is appended while writing */
    char *json_partial, *html_partial;
    FILE *json, *html;
    FILE *unreadable; /* report.json's "unreadable" entries until the images are done */
    size_t images, unreadable_count;
    int finished;
};

/* ------------------------------------------------------------------ helpers */

static const char *dihedral_name(int dihedral)
{
    static const char *const names[PDQ_DIH_COUNT] = {"original",   "rotate_90",  "rotate_180",
                                                     "rotate_270", "flip_x",     "flip_y",
                                                     "flip_plus1", "flip_minus1"};
    return dihedral >= 0 && dihedral < PDQ_DIH_COUNT ? names[dihedral] : "original";
}

/* Rounded to 4 decimals: enough for a share, and stable output. */
static json_t *json_share(double x)
{
    return json_real(round(x * 10000.0) / 10000.0);
}

static int write_bytes(FILE *f, const void *bytes, size_t n)
{
    return n == 0 || fwrite(bytes, 1, n, f) == n ? CS_OK : CS_EIO;
}

static int write_failed(const audit_report *r, const char *path, int rc, cs_error *err)
{
    (void)r;
    if (rc == CS_ENOMEM) return cs_error_set(err, rc, "audit report: out of memory");
    return cs_error_set(err, CS_EIO, "%s: cannot write: %s", path, strerror(errno));
}

/* --------------------------------------------------------------- thumbnails */

int audit_thumbnail_make(const unsigned char *bytes, size_t len, uint64_t max_pixels,
                         audit_thumbnail *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    dedup_decode_options options = {
        .max_pixels = max_pixels, .min_short_side = AUDIT_THUMBNAIL_SIDE, .apply_orientation = 1};
    dedup_image image, small = {0};
    int rc = dedup_decode(bytes, len, &options, &image, err);
    if (rc != CS_OK) return rc;
    int long_side = CS_MAX(image.width, image.height);
    const dedup_image *shown = &image;
    if (long_side > AUDIT_THUMBNAIL_SIDE) {
        int w = (int)lround((double)image.width * AUDIT_THUMBNAIL_SIDE / long_side);
        int h = (int)lround((double)image.height * AUDIT_THUMBNAIL_SIDE / long_side);
        rc = dedup_resize(&image, CS_MAX(w, 1), CS_MAX(h, 1), &small, err);
        shown = &small;
    }
    cs_buf jpeg, uri;
    cs_buf_init(&jpeg, 0);
    cs_buf_init(&uri, 0);
    if (rc == CS_OK) rc = dedup_encode(shown, CS_IMAGE_JPEG, &jpeg, err);
    if (rc == CS_OK) rc = cs_buf_append_str(&uri, "data:image/jpeg;base64,");
    if (rc == CS_OK) rc = cs_base64_append(&uri, jpeg.data, jpeg.len);
    if (rc == CS_OK) {
        out->width = shown->width;
        out->height = shown->height;
        out->source_width = image.source_width;
        out->source_height = image.source_height;
        out->uri = (char *)cs_buf_take(&uri, NULL);
    } else if (rc == CS_ENOMEM || rc == CS_ELIMIT) {
        cs_error_set(err, rc, "thumbnail: out of memory");
    }
    cs_buf_free(&jpeg);
    cs_buf_free(&uri);
    dedup_image_free(&small);
    dedup_image_free(&image);
    return rc;
}

void audit_thumbnail_free(audit_thumbnail *t)
{
    if (t == NULL) return;
    free(t->uri);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- the start */

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>clearset audit report</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:1em;display:flex;"
    "flex-direction:column;gap:.8em;background:#f6f6f6;color:#222}\n"
    "header{order:-2}#summary{order:-1;background:#fff;border:1px solid #ccc;padding:.2em 1em}\n"
    "h1{margin:.2em 0;font-size:1.5em}h2{margin:.2em 0 .5em;font-size:1.05em;"
    "overflow-wrap:anywhere}\n"
    "input.f{position:absolute;opacity:0;pointer-events:none}\n"
    "nav label{display:inline-block;padding:.2em .7em;margin-right:.3em;border:1px solid #999;"
    "border-radius:1em;background:#fff;cursor:pointer}\n"
    "#f-all:checked~nav [for=f-all],#f-risky:checked~nav [for=f-risky],"
    "#f-copy:checked~nav [for=f-copy],#f-partial:checked~nav [for=f-partial],"
    "#f-none:checked~nav [for=f-none],#f-unreadable:checked~nav [for=f-unreadable]"
    "{background:#222;color:#fff}\n"
    "#f-risky:checked~main section.none,#f-risky:checked~main section.unreadable,"
    "#f-copy:checked~main section:not(.copy),#f-partial:checked~main section:not(.partial),"
    "#f-none:checked~main section:not(.none),"
    "#f-unreadable:checked~main section:not(.unreadable){display:none}\n"
    "main{display:flex;flex-direction:column;gap:.8em}\n"
    "section{background:#fff;border:1px solid #ccc;border-left:.5em solid #2a2;"
    "padding:.5em .8em}\n"
    "section.copy{border-left-color:#c00}section.partial{border-left-color:#e80}"
    "section.unreadable{border-left-color:#888}\n"
    ".badge{display:inline-block;padding:0 .5em;border-radius:.3em;color:#fff;background:#2a2;"
    "font-size:.85em;text-transform:uppercase}\n"
    ".copy .badge{background:#c00}.partial .badge{background:#e80}.unreadable .badge"
    "{background:#888}\n"
    ".row{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}\n"
    "figure{margin:0;max-width:230px}figcaption{font-size:.85em;overflow-wrap:anywhere}\n"
    ".pic{position:relative;display:inline-block;line-height:0;background:#eee;overflow:hidden}\n"
    ".pic svg{position:absolute;left:0;top:0;width:100%;height:100%}\n"
    ".outline,.region{fill:none;stroke:#ff00ff;stroke-width:3px;vector-effect:non-scaling-stroke}\n"
    ".region{stroke-width:2px;stroke-dasharray:4 3}\n"
    ".nothumb{display:inline-block;width:120px;height:90px;line-height:90px;"
    "text-align:center;color:#777}\n"
    "dl{margin:.3em 0;display:grid;grid-template-columns:auto 1fr;gap:0 .6em}dt{color:#666}"
    "dd{margin:0}\n"
    "</style></head><body>\n"
    "<header><h1>clearset audit report</h1><p>Each image checked against the protected "
    "works; the matched region is outlined in magenta.</p></header>\n"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-all\" checked>"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-risky\">"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-copy\">"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-partial\">"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-none\">"
    "<input type=\"radio\" name=\"risk\" class=\"f\" id=\"f-unreadable\">\n"
    "<nav>Show: <label for=\"f-all\">all<span class=\"n\"></span></label>"
    "<label for=\"f-risky\">copy or partial<span class=\"n\"></span></label>"
    "<label for=\"f-copy\">copy<span class=\"n\"></span></label>"
    "<label for=\"f-partial\">partial<span class=\"n\"></span></label>"
    "<label for=\"f-none\">none<span class=\"n\"></span></label>"
    "<label for=\"f-unreadable\">unreadable<span class=\"n\"></span></label></nav>\n"
    "<main>\n";

static const char html_tail[] =
    "<script>\n"
    "(function(){var f=document.querySelectorAll('input.f');\n"
    "for(var i=0;i<f.length;i++){var k=f[i].id.slice(2),s='main section'+"
    "(k=='all'?'':k=='risky'?'.copy,main section.partial':'.'+k);\n"
    "var n=document.querySelector('label[for='+f[i].id+'] .n');"
    "if(n)n.textContent=' ('+document.querySelectorAll(s).length+')';\n"
    "f[i].addEventListener('change',function(){history.replaceState(null,'','#'+this.id);});}\n"
    "var h=document.getElementById(location.hash.slice(1));"
    "if(h&&h.className=='f')h.checked=true;})();\n"
    "</script>\n</body></html>\n";

static int open_partial(const char *dir, const char *name, char **final_path, char **partial,
                        FILE **f, cs_error *err)
{
    size_t n = strlen(dir) + strlen(name) + 16;
    *final_path = malloc(n);
    *partial = malloc(n);
    if (!*final_path || !*partial) return cs_error_set(err, CS_ENOMEM, "audit: out of memory");
    snprintf(*final_path, n, "%s/%s", dir, name);
    snprintf(*partial, n, "%s/%s.partial", dir, name);
    *f = fopen(*partial, "w");
    if (*f == NULL)
        return cs_error_set(err, CS_EIO, "%s: cannot create: %s", *partial, strerror(errno));
    return CS_OK;
}

int audit_report_open(const char *dir, audit_report **out, cs_error *err)
{
    *out = NULL;
    int rc = cs_mkdir_p(dir, err);
    if (rc != CS_OK) return rc;
    audit_report *r = calloc(1, sizeof *r);
    if (r == NULL) return cs_error_set(err, CS_ENOMEM, "audit: out of memory");
    rc = open_partial(dir, REPORT_JSON, &r->json_path, &r->json_partial, &r->json, err);
    if (rc == CS_OK)
        rc = open_partial(dir, REPORT_HTML, &r->html_path, &r->html_partial, &r->html, err);
    if (rc == CS_OK && (r->unreadable = tmpfile()) == NULL)
        rc = cs_error_set(err, CS_EIO, "audit: cannot make a temporary file: %s", strerror(errno));
    if (rc == CS_OK &&
        (fputs("{\"images\": [\n", r->json) == EOF || fputs(html_head, r->html) == EOF))
        rc = cs_error_set(err, CS_EIO, "%s: cannot write: %s", dir, strerror(errno));
    if (rc != CS_OK) {
        audit_report_free(r);
        return rc;
    }
    *out = r;
    return CS_OK;
}

/* ----------------------------------------------------------------- one image */

static json_t *match_json(const dedup_similarity *m, const pipeline_work_info *w)
{
    int local = m->stage == DEDUP_STAGE_LOCAL;
    json_t *o = json_pack(
        "{s:o, s:s, s:s, s:i, s:i, s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:i, s:s, s:b, s:o, "
        "s:o, s:o}",
        "work", pipeline_json_text(w->label), "kind", w->kind, "stage", dedup_stage_name(m->stage),
        "pdq_distance", m->pdq_distance, "inliers", local ? m->local.inliers : 0, "coverage",
        json_share(local ? m->local.work_coverage : 1.0), "owner", pipeline_json_text(w->owner),
        "risk", dedup_risk_name(m->risk), "rights", pipeline_json_text(w->why), "sha256", w->sha256,
        "work_id", w->image_id > 0 ? json_integer((json_int_t)w->image_id) : json_null(), "why",
        pipeline_json_text(m->why), "phash_distance", m->phash_distance, "dihedral",
        dihedral_name(m->dihedral), "mirrored", m->mirrored, "work_coverage",
        json_share(local ? m->local.work_coverage : 1.0), "query_coverage",
        json_share(local ? m->local.query_coverage : 1.0), "region", json_object());
    json_t *region = json_object_get(o, "region");
    if (o == NULL || region == NULL) {
        json_decref(o);
        return NULL;
    }
    if (local) {
        json_t *outline = json_array();
        for (int k = 0; outline && k < 4; k++)
            json_array_append_new(outline, json_pack("[f, f]", round(m->local.outline[k][0]),
                                                     round(m->local.outline[k][1])));
        json_object_set_new(region, "query_outline", outline);
        json_object_set_new(region, "query_box",
                            json_pack("[f, f, f, f]", m->local.query_box[0], m->local.query_box[1],
                                      m->local.query_box[2], m->local.query_box[3]));
        json_object_set_new(region, "work_box",
                            json_pack("[f, f, f, f]", m->local.work_box[0], m->local.work_box[1],
                                      m->local.work_box[2], m->local.work_box[3]));
    } else {
        json_object_set_new(region, "whole_image", json_true());
    }
    return o;
}

static json_t *image_json(const audit_entry *e)
{
    const dedup_audit_result *res = e->result;
    json_t *matches = json_array();
    for (size_t i = 0; matches && i < res->count; i++) {
        json_t *m = match_json(&res->matches[i], &e->works[res->matches[i].work]);
        if (m == NULL || json_array_append_new(matches, m) != 0) {
            json_decref(matches);
            matches = NULL;
        }
    }
    json_t *o =
        json_pack("{s:o, s:s, s:o, s:s, s:i, s:i}", "file", pipeline_json_text(e->path), "risk",
                  dedup_risk_name(res->risk), "matches", matches, "sha256", e->hashes->sha256,
                  "width", e->hashes->width, "height", e->hashes->height);
    if (o && e->extra && e->extra->section &&
        json_object_set(o, "memorisation", e->extra->section) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* <img> of a thumbnail with its SVG overlay (shapes, already written into shapes), or a
 * placeholder. */
static int html_picture(cs_buf *b, const audit_thumbnail *t, const char *kind, const char *alt,
                        const char *shapes)
{
    if (t->uri == NULL)
        return cs_buf_append_str(b, "<div class=\"pic\"><span class=\"nothumb\">no "
                                    "thumbnail</span></div>");
    int rc = cs_buf_printf(b,
                           "<div class=\"pic\"><img class=\"thumb %s\" width=\"%d\" "
                           "height=\"%d\" alt=\"",
                           kind, t->width, t->height);
    if (rc == CS_OK) rc = pipeline_html_text(b, alt);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "\" src=\"");
    if (rc == CS_OK) rc = cs_buf_append_str(b, t->uri);
    if (rc == CS_OK)
        rc = cs_buf_printf(b,
                           "\"><svg class=\"overlay\" viewBox=\"0 0 %d %d\" "
                           "preserveAspectRatio=\"none\" aria-hidden=\"true\">%s</svg></div>",
                           CS_MAX(t->source_width, 1), CS_MAX(t->source_height, 1), shapes);
    return rc;
}

/* The polygon each match draws over the query (source pixels of the query). */
static int query_shapes(cs_buf *s, const audit_entry *e)
{
    int rc = CS_OK;
    int w = e->thumbnail->source_width, h = e->thumbnail->source_height;
    for (size_t i = 0; rc == CS_OK && i < e->result->count; i++) {
        const dedup_similarity *m = &e->result->matches[i];
        rc = cs_buf_printf(s, "<polygon class=\"outline\" data-match=\"%zu\" points=\"", i + 1);
        if (m->stage == DEDUP_STAGE_LOCAL)
            for (int k = 0; rc == CS_OK && k < 4; k++)
                rc = cs_buf_printf(s, "%s%.1f,%.1f", k ? " " : "", m->local.outline[k][0],
                                   m->local.outline[k][1]);
        else if (rc == CS_OK)
            rc = cs_buf_printf(s, "0,0 %d,0 %d,%d 0,%d", w, w, h, h);
        if (rc == CS_OK) rc = cs_buf_printf(s, "\"><title>%zu: ", i + 1);
        if (rc == CS_OK) rc = pipeline_html_text(s, e->works[m->work].label);
        if (rc == CS_OK) rc = cs_buf_append_str(s, "</title></polygon>");
        /* a crop's outline lies mostly outside the image: the box its inliers span shows
         * what of it is inside */
        if (rc == CS_OK && m->stage == DEDUP_STAGE_LOCAL)
            rc = cs_buf_printf(s,
                               "<rect class=\"region\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                               "height=\"%.1f\"/>",
                               m->local.query_box[0], m->local.query_box[1],
                               m->local.query_box[2] - m->local.query_box[0],
                               m->local.query_box[3] - m->local.query_box[1]);
    }
    return rc;
}

static int html_work(cs_buf *b, size_t index, const dedup_similarity *m,
                     const pipeline_work_info *w, const audit_thumbnail *t)
{
    cs_buf box;
    cs_buf_init(&box, 0);
    int rc;
    if (m->stage == DEDUP_STAGE_LOCAL)
        rc = cs_buf_printf(&box,
                           "<rect class=\"outline\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                           "height=\"%.1f\"/>",
                           m->local.work_box[0], m->local.work_box[1],
                           m->local.work_box[2] - m->local.work_box[0],
                           m->local.work_box[3] - m->local.work_box[1]);
    else
        rc = cs_buf_printf(&box,
                           "<rect class=\"outline\" x=\"0\" y=\"0\" width=\"%d\" height=\"%d\"/>",
                           t->source_width, t->source_height);
    if (rc == CS_OK)
        rc = cs_buf_printf(b, "<figure class=\"work\" data-match=\"%zu\" data-work=\"", index);
    if (rc == CS_OK) rc = pipeline_html_text(b, w->label);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "\">");
    if (rc == CS_OK)
        rc = html_picture(b, t, "work", w->label, box.data ? (const char *)box.data : "");
    if (rc == CS_OK) rc = cs_buf_printf(b, "<figcaption><b>%zu. ", index);
    if (rc == CS_OK) rc = pipeline_html_text(b, w->label);
    if (rc == CS_OK)
        rc = cs_buf_printf(b, "</b> <span class=\"badge\">%s</span><dl>", dedup_risk_name(m->risk));
    char text[160];
    if (rc == CS_OK) rc = pipeline_html_item(b, "work", w->kind);
    if (rc == CS_OK) rc = pipeline_html_item(b, "owner", w->owner ? w->owner : "not stated");
    if (rc == CS_OK && w->why) rc = pipeline_html_item(b, "rights", w->why);
    snprintf(text, sizeof text, "%s", dedup_stage_name(m->stage));
    if (rc == CS_OK) rc = pipeline_html_item(b, "stage", text);
    if (m->stage == DEDUP_STAGE_PDQ)
        snprintf(text, sizeof text, "%d (%s)", m->pdq_distance, dihedral_name(m->dihedral));
    else
        snprintf(text, sizeof text, "%d", m->pdq_distance);
    if (rc == CS_OK) rc = pipeline_html_item(b, "PDQ distance", text);
    snprintf(text, sizeof text, "%d", m->phash_distance);
    if (rc == CS_OK) rc = pipeline_html_item(b, "pHash distance", text);
    if (rc == CS_OK && m->stage == DEDUP_STAGE_LOCAL) {
        snprintf(text, sizeof text, "%d%s", m->local.inliers, m->mirrored ? " (mirrored)" : "");
        rc = pipeline_html_item(b, "inliers", text);
        snprintf(text, sizeof text, "%.0f%% of the work, %.0f%% of the image",
                 100 * m->local.work_coverage, 100 * m->local.query_coverage);
        if (rc == CS_OK) rc = pipeline_html_item(b, "coverage", text);
    }
    if (rc == CS_OK && m->why[0]) rc = pipeline_html_item(b, "why", m->why);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</dl></figcaption></figure>\n");
    cs_buf_free(&box);
    return rc;
}

static int image_html(cs_buf *b, const audit_entry *e)
{
    const char *risk = dedup_risk_name(e->result->risk);
    int rc = cs_buf_printf(b, "<section class=\"q %s\" data-risk=\"%s\" data-file=\"", risk, risk);
    if (rc == CS_OK) rc = pipeline_html_text(b, e->path);
    if (rc == CS_OK) rc = cs_buf_printf(b, "\"><h2><span class=\"badge\">%s</span> ", risk);
    if (rc == CS_OK) rc = pipeline_html_text(b, e->path);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</h2><div class=\"row\"><figure class=\"query\">");
    cs_buf shapes;
    cs_buf_init(&shapes, 0);
    if (rc == CS_OK) rc = query_shapes(&shapes, e);
    if (rc == CS_OK)
        rc = html_picture(b, e->thumbnail, "query", e->path,
                          shapes.data ? (const char *)shapes.data : "");
    cs_buf_free(&shapes);
    if (rc == CS_OK)
        rc = cs_buf_printf(b, "<figcaption>the image, %d &times; %d px</figcaption></figure>\n",
                           e->hashes->width, e->hashes->height);
    for (size_t i = 0; rc == CS_OK && i < e->result->count; i++) {
        uint32_t id = e->result->matches[i].work;
        rc = html_work(b, i + 1, &e->result->matches[i], &e->works[id], &e->work_thumbnails[id]);
    }
    if (rc == CS_OK && e->result->count == 0)
        rc = cs_buf_append_str(b, "<p>No protected work comes close.</p>");
    if (rc == CS_OK && e->extra && e->extra->text) {
        rc = cs_buf_append_str(b, "<p class=\"memorisation\">");
        if (rc == CS_OK) rc = pipeline_html_text(b, e->extra->text);
        if (rc == CS_OK) rc = cs_buf_append_str(b, "</p>");
    }
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</div></section>\n");
    return rc;
}

int audit_report_image(audit_report *r, const audit_entry *e, cs_error *err)
{
    json_t *o = image_json(e);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (line == NULL) return cs_error_set(err, CS_ENOMEM, "audit report: out of memory");
    int rc = write_bytes(r->json, r->images ? ",\n" : "", r->images ? 2 : 0);
    if (rc == CS_OK) rc = write_bytes(r->json, line, strlen(line));
    free(line);
    if (rc != CS_OK) return write_failed(r, r->json_partial, rc, err);
    cs_buf html;
    cs_buf_init(&html, 0);
    rc = image_html(&html, e);
    if (rc == CS_OK) rc = write_bytes(r->html, html.data, html.len);
    cs_buf_free(&html);
    if (rc != CS_OK) return write_failed(r, r->html_partial, rc, err);
    r->images++;
    return CS_OK;
}

int audit_report_unreadable(audit_report *r, const char *path, const char *role, const char *why,
                            cs_error *err)
{
    json_t *o = json_pack("{s:o, s:s, s:o}", "file", pipeline_json_text(path), "role", role,
                          "error", pipeline_json_text(why));
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (line == NULL) return cs_error_set(err, CS_ENOMEM, "audit report: out of memory");
    int rc =
        write_bytes(r->unreadable, r->unreadable_count ? ",\n" : "", r->unreadable_count ? 2 : 0);
    if (rc == CS_OK) rc = write_bytes(r->unreadable, line, strlen(line));
    free(line);
    if (rc != CS_OK) return write_failed(r, "audit's temporary file", rc, err);
    cs_buf html;
    cs_buf_init(&html, 0);
    rc = cs_buf_printf(&html, "<section class=\"q unreadable\" data-risk=\"unreadable\" "
                              "data-file=\"");
    if (rc == CS_OK) rc = pipeline_html_text(&html, path);
    if (rc == CS_OK)
        rc = cs_buf_printf(&html, "\"><h2><span class=\"badge\">unreadable %s</span> ", role);
    if (rc == CS_OK) rc = pipeline_html_text(&html, path);
    if (rc == CS_OK) rc = cs_buf_append_str(&html, "</h2><p>");
    if (rc == CS_OK) rc = pipeline_html_text(&html, why);
    if (rc == CS_OK) rc = cs_buf_append_str(&html, "</p></section>\n");
    if (rc == CS_OK) rc = write_bytes(r->html, html.data, html.len);
    cs_buf_free(&html);
    if (rc != CS_OK) return write_failed(r, r->html_partial, rc, err);
    r->unreadable_count++;
    return CS_OK;
}

/* ------------------------------------------------------------------ the end */

static json_t *summary_json(const audit_summary *s)
{
    const pipeline_audit_stats *st = s->stats;
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "images", (json_int_t)st->images,
        "copy", (json_int_t)st->risk[DEDUP_RISK_COPY], "partial",
        (json_int_t)st->risk[DEDUP_RISK_PARTIAL], "none", (json_int_t)st->risk[DEDUP_RISK_NONE],
        "unreadable", (json_int_t)st->unreadable, "works", (json_int_t)st->works, "works_catalog",
        (json_int_t)st->works_catalog, "policy", pipeline_json_text(s->policy), "catalog",
        pipeline_json_text(s->catalog), "protected_dir", pipeline_json_text(s->protected_dir));
}

static int summary_html(cs_buf *b, const audit_summary *s)
{
    const pipeline_audit_stats *st = s->stats;
    int rc = cs_buf_printf(
        b,
        "</main>\n<div id=\"summary\"><h2>Summary</h2><p>%zu images checked against %zu "
        "works: <b>%zu copy</b>, <b>%zu partial</b>, %zu none; %zu unreadable.</p><dl>",
        st->images, st->works, st->risk[DEDUP_RISK_COPY], st->risk[DEDUP_RISK_PARTIAL],
        st->risk[DEDUP_RISK_NONE], st->unreadable);
    char text[64];
    snprintf(text, sizeof text, "%zu", st->works_catalog);
    if (rc == CS_OK) rc = pipeline_html_item(b, "works from the catalog", text);
    if (rc == CS_OK && s->catalog) rc = pipeline_html_item(b, "catalog", s->catalog);
    if (rc == CS_OK && s->policy)
        rc = pipeline_html_item(b, "blocked images under policy", s->policy);
    if (rc == CS_OK && s->protected_dir)
        rc = pipeline_html_item(b, "--protected", s->protected_dir);
    if (rc == CS_OK) rc = cs_buf_append_str(b, "</dl></div>\n");
    return rc;
}

static int close_and_rename(FILE **f, const char *partial, const char *final_path, cs_error *err)
{
    int ok = fflush(*f) == 0 && !ferror(*f) && fsync(fileno(*f)) == 0;
    ok = fclose(*f) == 0 && ok;
    *f = NULL;
    if (!ok || rename(partial, final_path) != 0)
        return cs_error_set(err, CS_EIO, "%s: cannot write: %s", partial, strerror(errno));
    return CS_OK;
}

int audit_report_finish(audit_report *r, const audit_summary *summary, cs_error *err)
{
    int rc = CS_OK;
    if (fputs("\n], \"unreadable\": [\n", r->json) == EOF) rc = CS_EIO;
    if (rc == CS_OK && fflush(r->unreadable) == 0) {
        rewind(r->unreadable);
        char chunk[REPORT_COPY_CHUNK];
        size_t n;
        while (rc == CS_OK && (n = fread(chunk, 1, sizeof chunk, r->unreadable)) > 0)
            rc = write_bytes(r->json, chunk, n);
        if (ferror(r->unreadable)) rc = CS_EIO;
    }
    if (rc != CS_OK) return write_failed(r, r->json_partial, rc, err);
    json_t *o = summary_json(summary);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (line == NULL) return cs_error_set(err, CS_ENOMEM, "audit report: out of memory");
    rc = write_bytes(r->json, "\n], \"summary\": ", 15);
    if (rc == CS_OK) rc = write_bytes(r->json, line, strlen(line));
    if (rc == CS_OK) rc = write_bytes(r->json, "}\n", 2);
    free(line);
    if (rc != CS_OK) return write_failed(r, r->json_partial, rc, err);
    cs_buf html;
    cs_buf_init(&html, 0);
    rc = summary_html(&html, summary);
    if (rc == CS_OK) rc = cs_buf_append_str(&html, html_tail);
    if (rc == CS_OK) rc = write_bytes(r->html, html.data, html.len);
    cs_buf_free(&html);
    if (rc != CS_OK) return write_failed(r, r->html_partial, rc, err);
    rc = close_and_rename(&r->json, r->json_partial, r->json_path, err);
    if (rc == CS_OK) rc = close_and_rename(&r->html, r->html_partial, r->html_path, err);
    if (rc == CS_OK && cs_fsync_directory_of(r->json_path) != CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: cannot sync its folder: %s", r->json_path,
                          strerror(errno));
    if (rc == CS_OK) r->finished = 1;
    return rc;
}

void audit_report_free(audit_report *r)
{
    if (r == NULL) return;
    if (r->json) fclose(r->json);
    if (r->html) fclose(r->html);
    if (r->unreadable) fclose(r->unreadable);
    if (!r->finished) {
        if (r->json_partial) unlink(r->json_partial);
        if (r->html_partial) unlink(r->html_partial);
    }
    free(r->json_path);
    free(r->html_path);
    free(r->json_partial);
    free(r->html_partial);
    free(r);
}
