/*
 * cmd_migrate.c - `clearset migrate --from DB --to LOCATION`: copies a whole
 * catalog (catalog_copy) into an empty one, typically a SQLite file into
 * PostgreSQL. Prints one JSON line per table ({"table", "rows"}) and a last
 * one naming both catalogs and the blob folder, which the copy shares with
 * the original: the blob files are not touched.
 */
#include "cli/cli.h"
#include "dataset/catalog.h"

#include <stdlib.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset [--blobs DIR] migrate --from DB --to postgresql://...\n\n"
            "Copies every table of the catalog DB, ids and all, into the empty catalog\n"
            "at --to (a PostgreSQL URL, or another catalog file), in one transaction.\n"
            "Image blobs stay where they are: use the new catalog with --blobs naming\n"
            "them (default: DB's own blob folder, beside it; --blobs DIR if given).\n"
            "Prints {\"table\", \"rows\"} per table, then {\"from\", \"to\", \"blobs\"}.\n\n"
            "  --from DB   the catalog to copy (read only)\n"
            "  --to LOC    the catalog to fill: created, migrated, and refused unless empty\n");
}

static void on_table(void *arg, const char *table, int64_t rows)
{
    (void)arg;
    cli_print_json("migrate", json_pack("{s:s, s:I}", "table", table, "rows", (json_int_t)rows),
                   JSON_COMPACT | JSON_PRESERVE_ORDER);
    fflush(stdout);
}

int cmd_migrate(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    enum { OPT_FROM, OPT_TO };
    static const cli_option options[] = {
        {"--from", OPT_FROM, CLI_TEXT, 0, 0},
        {"--to", OPT_TO, CLI_TEXT, 0, 0},
    };
    const char *from_path = NULL, *to_path = NULL;
    int kind;
    cli_args args = cli_args_start("migrate", argc, argv, options, CS_ARRAY_LEN(options), 0);
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            return cli_usage_error("migrate", "unexpected argument '%s'", args.value);
        if (args.id == OPT_FROM)
            from_path = args.value;
        else
            to_path = args.value;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (from_path == NULL || to_path == NULL)
        return cli_usage_error("migrate", "needs --from DB and --to LOCATION");

    cs_error err = {0};
    char *beside = ctx->blob_dir ? NULL : catalog_blob_dir_for(from_path);
    const char *blobs = ctx->blob_dir ? ctx->blob_dir : beside;
    catalog *from = NULL, *to = NULL;
    int rc = blobs ? CS_OK : cs_error_set(&err, CS_ENOMEM, "out of memory");
    if (rc == CS_OK) rc = catalog_open_readonly_at(from_path, blobs, &from, &err);
    if (rc == CS_OK) rc = catalog_open_at(to_path, blobs, &to, &err);
    if (rc == CS_OK) rc = catalog_copy(from, to, on_table, NULL, &err);
    int status = CLI_EXIT_OK;
    if (rc == CS_OK)
        status = cli_print_json("migrate",
                                json_pack("{s:s, s:s, s:s}", "from", catalog_path(from), "to",
                                          catalog_path(to), "blobs", blobs),
                                JSON_COMPACT | JSON_PRESERVE_ORDER);
    else
        status = cli_fail("migrate", &err);
    catalog_close(from);
    catalog_close(to);
    free(beside);
    return status;
}
