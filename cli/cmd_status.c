/*
 * cmd_status.c - `clearset status`: what the catalog holds, per host, per
 * verdict, per licence. One JSON object on stdout (or a table with --text).
 * A catalog that does not exist yet reads as all zeros and is not created;
 * one that exists is opened read-only (catalog_open_readonly), so a catalog in
 * a folder the user cannot write reads too.
 */
#include "cli/cli.h"
#include "dataset/catalog.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

static void print_help(void)
{
    printf("usage: clearset [--catalog PATH] status [--text]\n\n"
           "Counts what the catalog holds: hosts, URLs per frontier state, pages, images,\n"
           "hashes, clusters, opt-out signals, verdicts per policy, images per licence, and\n"
           "a row per host. Prints one JSON object; --text prints a table for people.\n"
           "A missing catalog counts as empty and is not created.\n");
}

static json_t *counts_object(const catalog_count *counts, size_t n)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < n; i++)
        if (json_object_set_new(obj, counts[i].name, json_integer(counts[i].count)) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    return obj;
}

/* The frontier states that have URLs, by the catalog's word for each. */
static json_t *states_object(const catalog_status *s)
{
    json_t *obj = json_object();
    for (int state = 0; state < CATALOG_URL_STATE_COUNT; state++)
        if (s->url_states[state] > 0)
            json_object_set_new(obj, catalog_url_state_name((catalog_url_state)state),
                                json_integer(s->url_states[state]));
    return obj;
}

static json_t *status_json(const catalog_status *s, const char *path, int exists)
{
    json_t *hosts = json_array();
    for (size_t i = 0; hosts && i < s->host_count; i++) {
        const catalog_host_status *h = &s->per_host[i];
        if (json_array_append_new(
                hosts, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "host", h->origin, "urls",
                                 (json_int_t)h->urls, "pages", (json_int_t)h->pages, "images",
                                 (json_int_t)h->images, "failed", (json_int_t)h->failed,
                                 "disallowed", (json_int_t)h->disallowed)) != 0) {
            json_decref(hosts);
            hosts = NULL;
        }
    }
    /* NULL for any part that failed makes json_pack fail: the caller sees NULL */
    return json_pack("{s:s, s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
                     "catalog", path, "exists", exists, "schema_version", s->schema_version,
                     "hosts", (json_int_t)s->hosts, "urls", (json_int_t)s->urls, "pages",
                     (json_int_t)s->pages, "images", (json_int_t)s->images, "image_bytes",
                     (json_int_t)s->image_bytes, "hashed", (json_int_t)s->hashed, "clusters",
                     (json_int_t)s->clusters, "signals", (json_int_t)s->signals, "url_states",
                     states_object(s), "verdicts", counts_object(s->verdicts, s->verdict_count),
                     "licenses", counts_object(s->licenses, s->license_count), "per_host", hosts);
}

static void print_counts(const char *title, const catalog_count *counts, size_t n)
{
    printf("%s:%s\n", title, n ? "" : " none");
    for (size_t i = 0; i < n; i++)
        printf("  %-32s %lld\n", counts[i].name, (long long)counts[i].count);
}

static void print_text(const catalog_status *s, const char *path)
{
    printf("catalog %s (schema %d)\n", path, s->schema_version);
    printf("hosts %lld, urls %lld, pages %lld, images %lld (%lld bytes), hashed %lld, "
           "clusters %lld, opt-out signals %lld\n",
           (long long)s->hosts, (long long)s->urls, (long long)s->pages, (long long)s->images,
           (long long)s->image_bytes, (long long)s->hashed, (long long)s->clusters,
           (long long)s->signals);
    int states = 0;
    for (int state = 0; state < CATALOG_URL_STATE_COUNT; state++)
        states += s->url_states[state] > 0;
    printf("urls by state:%s\n", states ? "" : " none");
    for (int state = 0; state < CATALOG_URL_STATE_COUNT; state++)
        if (s->url_states[state] > 0)
            printf("  %-32s %lld\n", catalog_url_state_name((catalog_url_state)state),
                   (long long)s->url_states[state]);
    print_counts("verdicts (policy:verdict)", s->verdicts, s->verdict_count);
    print_counts("images by licence", s->licenses, s->license_count);
    printf("per host:%s\n", s->host_count ? "" : " none");
    for (size_t i = 0; i < s->host_count; i++) {
        const catalog_host_status *h = &s->per_host[i];
        printf("  %-40s urls %lld, pages %lld, images %lld, failed %lld, disallowed %lld\n",
               h->origin, (long long)h->urls, (long long)h->pages, (long long)h->images,
               (long long)h->failed, (long long)h->disallowed);
    }
}

int cmd_status(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        print_help();
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {{"--text", 0, CLI_FLAG, 0, 0}};
    cli_args args = cli_args_start("status", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int text = 0, kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION)
        text = 1;
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_OPERAND)
        return cli_usage_error("status", "unexpected argument '%s'", args.value);
    cs_error err;
    cs_error_clear(&err);
    catalog_status empty = {.schema_version = CATALOG_SCHEMA_VERSION};
    catalog_status *status = &empty;
    catalog *cat = NULL;
    int exists = catalog_exists(ctx->catalog_path);
    if (exists) {
        int rc = catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
        if (rc == CS_ENOTFOUND) /* a PostgreSQL database no clearset has written yet */
            exists = 0;
        else if (rc == CS_OK)
            rc = catalog_status_read(cat, &status, &err);
        if (rc != CS_OK && rc != CS_ENOTFOUND) {
            catalog_close(cat);
            return cli_fail("status", &err);
        }
    }
    int result = CLI_EXIT_OK;
    if (text)
        print_text(status, ctx->catalog_path);
    else /* NULL when an allocation failed: cli_print_json says so */
        result =
            cli_print_json("status", status_json(status, ctx->catalog_path, exists), JSON_COMPACT);
    if (status != &empty) catalog_status_free(status);
    catalog_close(cat);
    return result;
}
