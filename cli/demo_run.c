/*
 * demo_run.c - the commands `clearset demo` runs, in order, and its closing
 * summary.
 *
 * Each command is run as a user would type it: the line is said on stderr
 * ("$ clearset crawl ..."), then the command's own function is called with
 * that argv, so the demo shows exactly what the commands do and holds no
 * pipeline logic of its own. clear's verdicts (JSON lines) are the demo's
 * stdout; every other command's stdout goes to stderr. The commands whose
 * one-line JSON summary the closing table needs (crawl, export, train,
 * generate, audit) have their stdout captured in a temporary file, shown on
 * stderr afterwards and their last line parsed.
 *
 * Stopping: cmd_demo.c's handler for SIGINT and SIGTERM sets run->stop; it
 * is installed again before each command, since crawl and train install
 * their own (they stop cleanly: crawl says "stopped_by": "signal", train
 * exits 130). After each command the demo stops when any of the three says
 * so, and returns DEMO_EXIT_STOPPED; cmd_demo.c then stops the servers.
 *
 * The summary (stderr, and WORKDIR/summary.json with the same numbers) is
 * the catalog's counts (pipeline_demo_summary_read), the captured summaries,
 * and the audit's verdict on each planted copy (pipeline_demo_audit_risks);
 * the planted copies are the images clear blocked as laundering, written out
 * by pipeline_demo_write_flagged for the audit to check like any file.
 */
#include "cli/demo_run.h"

#include "cli/commands.h"
#include "dataset/catalog.h"
#include "pipeline/pipeline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_MAX_ARGS    (24 + DEMO_MAX_SEEDS)
#define DEMO_MAX_SEEDS   256
#define DEMO_CAPTURE_MAX (64 * 1024 * 1024) /* a command's captured stdout */
#define DEMO_MAX_PLANTED 100                /* laundered copies written out for the audit */
#define DEMO_PATH_MAX    4096
#define DEMO_TRAIN_SIZE  "32"

enum { STEP_STDOUT, STEP_STDERR };

/* The work folder's file names (cmd_demo.c's help lists them). */
typedef struct demo_paths {
    char key[DEMO_PATH_MAX], pub[DEMO_PATH_MAX], export_dir[DEMO_PATH_MAX];
    char model[DEMO_PATH_MAX], generated[DEMO_PATH_MAX], planted[DEMO_PATH_MAX];
    char audit[DEMO_PATH_MAX], report[DEMO_PATH_MAX], summary[DEMO_PATH_MAX];
} demo_paths;

static int make_paths(const char *w, demo_paths *p)
{
    struct {
        char *out;
        const char *name;
    } names[] = {
        {p->key, "signing.key"},  {p->pub, "signing.key.pub"}, {p->export_dir, "export"},
        {p->model, "model.ckpt"}, {p->generated, "generated"}, {p->planted, "planted"},
        {p->audit, "audit"},      {p->report, "report.html"},  {p->summary, "summary.json"}};
    for (size_t i = 0; i < CS_ARRAY_LEN(names); i++)
        if ((size_t)snprintf(names[i].out, DEMO_PATH_MAX, "%s/%s", w, names[i].name) >=
            DEMO_PATH_MAX)
            return CS_ELIMIT;
    return CS_OK;
}

/* The last non-empty line of text, parsed as JSON, or NULL. */
static json_t *last_json_line(const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    return len > start ? json_loadb(text + start, len - start, 0, NULL) : NULL;
}

/*
 * Runs one command as a user would type it, saying it on stderr first. Its
 * stdout stays stdout (STEP_STDOUT) or goes to stderr (STEP_STDERR); with
 * result, it is captured, shown on stderr afterwards and its last line parsed
 * into *result (NULL when it is no JSON).
 */
static int run_step(const demo_run *run, cli_command_fn command, int where, const char *const *argv,
                    json_t **result)
{
    int argc = 0;
    fprintf(stderr, "\n$ clearset");
    for (; argv[argc]; argc++)
        fprintf(stderr, " %s", argv[argc]);
    fprintf(stderr, "\n");
    fflush(stdout);
    if (result) *result = NULL;
    FILE *capture = result ? tmpfile() : NULL;
    int saved_stdout = -1;
    if (capture || where == STEP_STDERR) {
        saved_stdout = dup(STDOUT_FILENO);
        int target = capture ? fileno(capture) : STDERR_FILENO;
        if (saved_stdout < 0 || dup2(target, STDOUT_FILENO) < 0) {
            fprintf(stderr, "clearset demo: cannot redirect output\n");
            if (capture) fclose(capture);
            return CLI_EXIT_RUNTIME;
        }
    }
    cli_on_stop_signals(run->on_signal);
    cli_context ctx = run->ctx;
    int status = command(&ctx, argc, (char **)argv);
    fflush(stdout);
    if (saved_stdout >= 0) {
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
    }
    if (capture) {
        cs_error err;
        unsigned char *text = NULL;
        size_t len = 0;
        rewind(capture);
        if (cs_read_fd(fileno(capture), "captured output", DEMO_CAPTURE_MAX, &text, &len, &err) ==
            CS_OK) {
            fwrite(text, 1, len, stderr);
            *result = last_json_line((const char *)text, len);
        }
        free(text);
        fclose(capture);
    }
    return status;
}

/* 1 when the command was stopped by SIGINT/SIGTERM (its status, its summary, or the flag). */
static int stopped(const demo_run *run, int status, const json_t *result)
{
    const char *by = json_string_value(json_object_get(result, "stopped_by"));
    return *run->stop || status == DEMO_EXIT_STOPPED || (by && strcmp(by, "signal") == 0);
}

static json_int_t json_int_of(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

/* A JSON object {name: count} of counts. */
static json_t *counts_json(const catalog_count *counts, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, counts[i].name, json_integer(counts[i].count));
    return o;
}

/* The catalog's part of the summary: crawl, what was not fetched, verdicts, reasons. */
static int catalog_summary(const demo_run *run, json_t *summary, cs_error *err)
{
    catalog *cat = NULL;
    pipeline_demo_summary s;
    memset(&s, 0, sizeof s);
    int rc = catalog_open_readonly_at(run->ctx.catalog_path, run->ctx.blob_dir, &cat, err);
    if (rc == CS_OK) rc = pipeline_demo_summary_read(cat, run->policy, &s, err);
    catalog_close(cat);
    if (rc != CS_OK) return rc;
    int64_t not_fetched = 0;
    for (int i = 0; i < CATALOG_URL_STATE_COUNT; i++)
        if (i != CATALOG_URL_DONE) not_fetched += s.status->url_states[i];
    json_t *why = json_array();
    for (size_t i = 0; why && i < s.unfetched_count; i++)
        json_array_append_new(why, json_pack("{s:s, s:I}", "why", s.unfetched[i].name, "urls",
                                             (json_int_t)s.unfetched[i].count));
    json_object_update_new(
        summary,
        json_pack("{s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:o}, s:s, s:{s:I, s:I, s:I, s:I},"
                  " s:o, s:o}",
                  "hosts", (json_int_t)s.status->hosts, "urls", (json_int_t)s.status->urls, "pages",
                  (json_int_t)s.status->pages, "images", (json_int_t)s.status->images,
                  "not_fetched", "urls", (json_int_t)not_fetched, "disallowed",
                  (json_int_t)s.status->url_states[CATALOG_URL_DISALLOWED], "failed",
                  (json_int_t)s.status->url_states[CATALOG_URL_FAILED], "skipped",
                  (json_int_t)s.status->url_states[CATALOG_URL_SKIPPED], "why", why, "policy",
                  run->policy, "verdicts", "cleared", (json_int_t)s.verdicts[0], "blocked",
                  (json_int_t)s.verdicts[1], "unknown", (json_int_t)s.verdicts[2], "none",
                  (json_int_t)s.verdicts[3], "reasons", counts_json(s.reasons, s.reason_count),
                  "cleared_licences", counts_json(s.cleared_licences, s.cleared_licence_count)));
    pipeline_demo_summary_free(&s);
    return CS_OK;
}

/* The planted copies: written out from the catalog into p->planted; listed in *out. */
static int write_planted(const demo_run *run, const demo_paths *p, pipeline_demo_flagged **out,
                         size_t *count, cs_error *err)
{
    catalog *cat = NULL;
    int rc = cs_remove_tree(p->planted, err);
    if (rc == CS_OK) rc = catalog_open_at(run->ctx.catalog_path, run->ctx.blob_dir, &cat, err);
    if (rc == CS_OK)
        rc = pipeline_demo_write_flagged(cat, run->policy, "laundering", p->planted,
                                         DEMO_MAX_PLANTED, out, count, err);
    catalog_close(cat);
    return rc;
}

/* The audit's word on each planted copy, from its report.json. */
static json_t *planted_json(const pipeline_demo_flagged *planted, size_t n, const char *report)
{
    pipeline_demo_finding *findings = NULL;
    size_t found = 0;
    cs_error err;
    if (pipeline_demo_audit_risks(report, &findings, &found, &err) != CS_OK) found = 0;
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        const pipeline_demo_finding *f = NULL;
        for (size_t k = 0; k < found && !f; k++)
            if (strcmp(findings[k].file, planted[i].path) == 0) f = &findings[k];
        json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:s, s:o, s:o}", "file",
                                              planted[i].path, "url", cli_json_text(planted[i].url),
                                              "claimed", cli_json_text(planted[i].license_spdx),
                                              "risk", f ? f->risk : "not audited", "matches",
                                              cli_json_text(f ? f->work : NULL), "owner",
                                              cli_json_text(f ? f->owner : NULL)));
    }
    pipeline_demo_findings_free(findings, found);
    return list;
}

/* ------------------------------------------------------------ the table */

static void row(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(const char *label, const char *fmt, ...)
{
    fprintf(stderr, "  %-20s ", label);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* One indented "count  name" line under a row. */
static void count_row(json_int_t count, const char *name)
{
    fprintf(stderr, "  %-20s %7lld  %s\n", "", (long long)count, name);
}

/* A count_row per entry of an object of counts. */
static void count_rows(const json_t *counts)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)counts, name, v) count_row(json_integer_value(v), name);
}

static void print_summary(const json_t *s)
{
    const json_t *nf = json_object_get(s, "not_fetched"), *v = json_object_get(s, "verdicts");
    const json_t *ex = json_object_get(s, "export"), *m = json_object_get(s, "model");
    const json_t *g = json_object_get(s, "generated"), *a = json_object_get(s, "audit");
    fprintf(stderr, "\nclearset demo: summary (the same numbers: %s)\n",
            json_string_value(json_object_get(s, "summary")));
    row("crawled", "%lld hosts, %lld pages, %lld images (%lld URLs)",
        (long long)json_int_of(s, "hosts"), (long long)json_int_of(s, "pages"),
        (long long)json_int_of(s, "images"), (long long)json_int_of(s, "urls"));
    row("never fetched", "%lld URLs: %lld disallowed by robots.txt, %lld failed, %lld skipped",
        (long long)json_int_of(nf, "urls"), (long long)json_int_of(nf, "disallowed"),
        (long long)json_int_of(nf, "failed"), (long long)json_int_of(nf, "skipped"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(nf, "why"), i, w)
        count_row(json_int_of(w, "urls"), json_string_value(json_object_get(w, "why")));
    row("verdicts", "%lld cleared, %lld blocked, %lld unknown (policy %s)",
        (long long)json_int_of(v, "cleared"), (long long)json_int_of(v, "blocked"),
        (long long)json_int_of(v, "unknown"), json_string_value(json_object_get(s, "policy")));
    row("left out, per reason", "(an image counts once per reason it has)");
    count_rows(json_object_get(s, "reasons"));
    if (ex) {
        row("exported", "%lld images, one per near-duplicate cluster, signed, %s: %s",
            (long long)json_int_of(ex, "images"),
            json_is_true(json_object_get(ex, "verified")) ? "verified" : "NOT verified",
            json_string_value(json_object_get(ex, "dir")));
        count_rows(json_object_get(ex, "licences"));
    }
    if (m)
        row("model", "%lld steps, %sx%s %s, %lld images, %.0f s of training: %s",
            (long long)json_int_of(m, "steps"), DEMO_TRAIN_SIZE, DEMO_TRAIN_SIZE,
            json_int_of(m, "channels") == 1 ? "grey" : "colour",
            (long long)json_int_of(m, "images"), json_real_value(json_object_get(m, "seconds")),
            json_string_value(json_object_get(m, "path")));
    if (g)
        row("generated",
            "%lld images labelled as AI-made (XMP, IPTC DigitalSourceType), "
            "%lld quarantined (%lld memorised)",
            (long long)json_int_of(g, "images"), (long long)json_int_of(g, "quarantined"),
            (long long)json_int_of(g, "memorised"));
    if (a) {
        row("audit", "%lld images against %lld works: %lld copy, %lld partial, %lld none",
            (long long)json_int_of(a, "images"), (long long)json_int_of(a, "works"),
            (long long)json_int_of(a, "copy"), (long long)json_int_of(a, "partial"),
            (long long)json_int_of(a, "none"));
        json_array_foreach(json_object_get(a, "planted"), i, w)
        {
            const char *url = json_string_value(json_object_get(w, "url"));
            const char *match = json_string_value(json_object_get(w, "matches"));
            const char *owner = json_string_value(json_object_get(w, "owner"));
            const char *claimed = json_string_value(json_object_get(w, "claimed"));
            row(i == 0 ? "  planted copies" : "", "%s (claims %s): %s%s%s%s%s", url ? url : "?",
                claimed ? claimed : "no licence", json_string_value(json_object_get(w, "risk")),
                match ? " of " : "", match ? match : "", owner ? ", rights: " : "",
                owner ? owner : "");
        }
    }
    const char *name;
    json_object_foreach((json_t *)json_object_get(s, "look_at"), name, w)
        row(name, "%s", json_string_value(w));
}

/* ------------------------------------------------------------ the run */

int demo_run_pipeline(const demo_run *run)
{
    demo_paths p;
    if (make_paths(run->workdir, &p) != CS_OK)
        return cli_usage_error("demo", "work folder path too long");
    /* --json-progress goes to the five long commands; NULL ends their lists early */
    const char *jp = run->json_progress ? "--json-progress" : NULL;
    const char *crawl[DEMO_MAX_ARGS] = {"crawl", "--allow-loopback", "--delay", run->delay};
    size_t n = 4;
    for (size_t i = 0; i < run->seed_count && n + 2 < DEMO_MAX_ARGS; i++)
        crawl[n++] = run->seeds[i];
    crawl[n++] = jp;
    crawl[n] = NULL;
    /* the training set is our own host: no politeness delay to wait out */
    const char *crawl_train[] = {"crawl", "--allow-loopback", "--delay", "0", run->train_seed, jp,
                                 NULL};
    const char *dedup[] = {"dedup", jp, NULL};
    const char *clear[] = {"clear", "--policy", run->policy, NULL};
    const char *status_args[] = {"status", "--text", NULL};
    const char *keygen[] = {"keygen", "--out", p.key, "--force", NULL};
    const char *export[] = {"export",   "--out",     p.export_dir, "--key", p.key,
                            "--policy", run->policy, "--force",    jp,      NULL};
    const char *verify[] = {"verify", p.export_dir, "--pubkey", p.pub, NULL};
    const char *train[] = {"train",         "--dataset", p.export_dir, "--out", p.model, "--size",
                           DEMO_TRAIN_SIZE, "--steps",   run->steps,   jp,      NULL};
    const char *generate[] = {"generate", "--model",    p.model, "--dataset", p.export_dir,
                              "-n",       run->samples, "--out", p.generated, "--grid",
                              "--policy", run->policy,  NULL};
    const char *report[] = {"report", "--out", p.report, "--policy", run->policy, NULL};

    json_t *summary = json_object(), *crawled = NULL, *exported = NULL, *trained = NULL;
    json_t *generated = NULL, *audited = NULL;
    pipeline_demo_flagged *planted = NULL;
    size_t planted_count = 0;
    cs_error err;
    cs_error_clear(&err);
    int rc = run_step(run, cmd_crawl, STEP_STDERR, crawl, &crawled);
    int halt = stopped(run, rc, crawled);
    json_decref(crawled);
    if (rc == CLI_EXIT_OK && !halt && run->train_seed) {
        rc = run_step(run, cmd_crawl, STEP_STDERR, crawl_train, &crawled);
        halt = stopped(run, rc, crawled);
        json_decref(crawled);
    }
/* Runs a command unless one failed or a signal came; exit 1 of generate and audit (an
 * image quarantined, a copy found) is the check working, not a failure. */
#define STEP(fn, where, argv, result, one_is_ok)                                                   \
    do {                                                                                           \
        if (rc == CLI_EXIT_OK && !halt) {                                                          \
            rc = run_step(run, fn, where, argv, result);                                           \
            halt = stopped(run, rc, NULL);                                                         \
            if ((one_is_ok) && rc == 1) rc = CLI_EXIT_OK;                                          \
        }                                                                                          \
    } while (0)
    STEP(cmd_dedup, STEP_STDERR, dedup, NULL, 0);
    STEP(cmd_clear, STEP_STDOUT, clear, NULL, 0);
    STEP(cmd_status, STEP_STDERR, status_args, NULL, 0);
    STEP(cmd_keygen, STEP_STDERR, keygen, NULL, 0);
    STEP(cmd_export, STEP_STDERR, export, &exported, 0);
    STEP(cmd_verify, STEP_STDERR, verify, NULL, 0);
    if (rc == CLI_EXIT_OK && !halt)
        json_object_set_new(summary, "export",
                            json_pack("{s:s, s:I, s:O, s:b}", "dir", p.export_dir, "images",
                                      json_int_of(exported, "images"), "licences",
                                      json_object_get(exported, "licences"), "verified", 1));
    if (run->train_seed) {
        STEP(cmd_train, STEP_STDERR, train, &trained, 0);
        if (rc == CLI_EXIT_OK && !halt)
            json_object_set_new(
                summary, "model",
                json_pack("{s:s, s:I, s:I, s:I, s:f, s:s}", "path", p.model, "steps",
                          json_int_of(trained, "step"), "images", json_int_of(trained, "images"),
                          "channels", json_int_of(trained, "channels"), "seconds",
                          json_real_value(json_object_get(trained, "train_seconds")), "grid",
                          json_string_value(json_object_get(trained, "grid"))));
        if (rc == CLI_EXIT_OK && !halt && cs_remove_tree(p.generated, &err) != CS_OK)
            rc = cli_fail("demo", &err);
        STEP(cmd_generate, STEP_STDERR, generate, &generated, 1); /* 1: some quarantined */
        if (rc == CLI_EXIT_OK && !halt)
            json_object_set_new(summary, "generated",
                                json_pack("{s:s, s:I, s:I, s:I}", "dir", p.generated, "images",
                                          json_int_of(generated, "images"), "quarantined",
                                          json_int_of(generated, "quarantined"), "memorised",
                                          json_int_of(generated, "memorised")));
    }
    if (rc == CLI_EXIT_OK && !halt) {
        fprintf(stderr,
                "\nclearset demo: writing the images clear blocked as laundering to %s "
                "for the audit\n",
                p.planted);
        if (write_planted(run, &p, &planted, &planted_count, &err) != CS_OK)
            rc = cli_fail("demo", &err);
    }
    const char *audit[10] = {"audit"};
    size_t an = 1;
    if (run->train_seed) audit[an++] = p.generated;
    if (planted_count) audit[an++] = p.planted;
    char audit_json[DEMO_PATH_MAX + 16];
    snprintf(audit_json, sizeof audit_json, "%s/report.json", p.audit);
    if (an > 1) {
        audit[an++] = "--report", audit[an++] = p.audit;
        audit[an++] = "--policy", audit[an++] = run->policy;
        audit[an++] = jp;
        audit[an] = NULL;
        STEP(cmd_audit, STEP_STDERR, audit, &audited, 1);
        if (rc == CLI_EXIT_OK && !halt)
            json_object_set_new(
                summary, "audit",
                json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o}", "report", p.audit, "images",
                          json_int_of(audited, "images"), "works", json_int_of(audited, "works"),
                          "copy", json_int_of(audited, "copy"), "partial",
                          json_int_of(audited, "partial"), "none", json_int_of(audited, "none"),
                          "planted", planted_json(planted, planted_count, audit_json)));
    }
    STEP(cmd_report, STEP_STDERR, report, NULL, 0);
#undef STEP
    if (rc == CLI_EXIT_OK && !halt && catalog_summary(run, summary, &err) != CS_OK)
        rc = cli_fail("demo", &err);
    if (rc == CLI_EXIT_OK && !halt) {
        char html[DEMO_PATH_MAX + 16], grid[DEMO_PATH_MAX + 16], gen_html[DEMO_PATH_MAX + 16];
        snprintf(html, sizeof html, "%s/report.html", p.audit);
        snprintf(gen_html, sizeof gen_html, "%s/report.html", p.generated);
        snprintf(grid, sizeof grid, "%s/grid.png", p.generated);
        json_t *look = json_pack("{s:s}", "the catalog", p.report);
        if (look && an > 1) json_object_set_new(look, "the audit", json_string(html));
        if (look && run->train_seed) {
            json_object_set_new(look, "generated images", json_string(gen_html));
            json_object_set_new(look, "the sample grid", json_string(grid));
            json_object_set_new(look, "the model card", json_sprintf("%s.md", p.model));
        }
        json_object_set_new(summary, "look_at", look);
        json_object_set_new(summary, "summary", json_string(p.summary));
        char *text = json_dumps(summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text == NULL || cs_write_file_atomic(p.summary, text, strlen(text), &err) != CS_OK)
            rc = cli_fail("demo", &err);
        free(text);
        print_summary(summary);
        fprintf(stderr,
                "\nAsk why an image got its verdict: clearset --catalog %s explain "
                "IMAGE_ID --policy %s\n",
                run->ctx.catalog_path, run->policy);
        if (!run->train_seed)
            fprintf(stderr, "clearset demo: no training set (%s), so nothing was trained.\n",
                    run->no_training_set ? run->no_training_set : "none");
    }
    json_decref(summary);
    json_decref(exported);
    json_decref(trained);
    json_decref(generated);
    json_decref(audited);
    pipeline_demo_flagged_free(planted, planted_count);
    if (halt) {
        fprintf(stderr, "\nclearset demo: stopped by a signal\n");
        return DEMO_EXIT_STOPPED;
    }
    return rc;
}
