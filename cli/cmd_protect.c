/*
 * cmd_protect.c - `clearset protect PATH... [--owner NAME] [--note TEXT]`,
 * `clearset protect --list` and `clearset protect --remove ID`: the register
 * of protected works that `audit` and clearance compare against
 * (pipeline_protect does the work).
 *
 * One JSON line on stdout per work registered (or listed); a file that is not
 * an image or cannot be read is named on stderr, the others are still
 * registered, and the exit status is then 2. --list reads the catalog only
 * (no catalog: nothing is registered, nothing printed); --remove unregisters
 * a work by its id (the image row and its bytes stay in the catalog).
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset [--catalog PATH] protect PATH... [--owner NAME] [--note TEXT]\n"
                 "       clearset [--catalog PATH] protect --list\n"
                 "       clearset [--catalog PATH] protect --remove ID\n\n"
                 "Registers protected works: images whose rights holder does not allow their use,\n"
                 "which 'clearset audit' flags copies of and 'clearset clear' blocks the\n"
                 "near duplicates of. PATH is an image file or a folder, walked for JPEG, PNG and\n"
                 "WebP files (by content; in name order). Each work is decoded once and stored\n"
                 "with its hashes and local features. One JSON object per work on stdout: id,\n"
                 "path, sha256, owner, note, keypoints, width, height, added (false: it was\n"
                 "registered already; owner and note are updated when given).\n\n"
                 "  --owner NAME  who holds the rights (shown by audit reports)\n"
                 "  --note TEXT   anything else: the claim, a contact, a reference\n"
                 "  --list        the registered works, one JSON object each\n"
                 "  --remove ID   unregisters the work with this id\n\n"
                 "exit status: 0 done, 2 bad usage, or a PATH that is not an image or cannot be\n"
                 "read (the others are registered), 3 runtime failure\n");
}

static json_t *work_json(const pipeline_protected_work *w, int listing)
{
    json_t *o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:o}", "id", (json_int_t)w->image_id, "path",
                          cli_json_text(w->path), "sha256", w->sha256, "owner",
                          cli_json_text(w->owner), "note", cli_json_text(w->note), "keypoints",
                          w->keypoints >= 0 ? json_integer(w->keypoints) : json_null());
    if (o == NULL) return NULL;
    int rc = listing ? json_object_set_new(o, "registered_at", json_integer(w->registered_at))
                     : json_object_set_new(o, "width", json_integer(w->width)) |
                           json_object_set_new(o, "height", json_integer(w->height)) |
                           json_object_set_new(o, "added", json_boolean(w->added));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

typedef struct printer {
    int status;
    int listing;
} printer;

static void print_work(void *arg, const pipeline_protected_work *w)
{
    printer *p = arg;
    if (cli_print_json("protect", work_json(w, p->listing), JSON_COMPACT | JSON_PRESERVE_ORDER) !=
        CLI_EXIT_OK)
        p->status = CLI_EXIT_RUNTIME;
    fflush(stdout);
}

static void print_file_error(void *arg, const char *path, const cs_error *err)
{
    printer *p = arg;
    cli_log_file_error("protect", path, err->message[0] ? err->message : cs_strerror(err->code));
    if (p->status == CLI_EXIT_OK) p->status = CLI_EXIT_USAGE;
}

static int list_works(cli_context *ctx)
{
    cs_error err = {0};
    catalog *cat = NULL;
    int rc = catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
    if (rc == CS_ENOTFOUND) return CLI_EXIT_OK; /* no catalog: nothing is registered */
    if (rc != CS_OK) return cli_fail("protect", &err);
    printer p = {CLI_EXIT_OK, 1};
    rc = pipeline_protected_list(cat, print_work, &p, &err);
    catalog_close(cat);
    return rc == CS_OK ? p.status : cli_fail("protect", &err);
}

static int remove_work(cli_context *ctx, int64_t image_id)
{
    cs_error err = {0};
    catalog *cat = NULL;
    int rc = catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
    catalog_close(cat); /* only to refuse making a catalog to remove something from */
    if (rc == CS_OK) rc = catalog_open_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
    if (rc == CS_OK) rc = catalog_protected_remove(cat, image_id, &err);
    catalog_close(cat);
    if (rc != CS_OK) return cli_fail("protect", &err);
    return cli_print_json("protect", json_pack("{s:I}", "removed", (json_int_t)image_id),
                          JSON_COMPACT);
}

enum { OPT_OWNER, OPT_NOTE, OPT_LIST, OPT_REMOVE };

int cmd_protect(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    static const cli_option options[] = {
        {"--owner", OPT_OWNER, CLI_TEXT, 0, 0},
        {"--note", OPT_NOTE, CLI_TEXT, 0, 0},
        {"--list", OPT_LIST, CLI_FLAG, 0, 0},
        {"--remove", OPT_REMOVE, CLI_COUNT, 1, INT64_MAX},
    };
    pipeline_protect_options opts = {0};
    int list = 0;
    int64_t remove_id = 0;
    const char **paths = calloc((size_t)argc, sizeof *paths);
    if (paths == NULL) return cli_print_json("protect", NULL, 0);
    size_t count = 0;
    cli_args args = cli_args_start("protect", argc, argv, options, CS_ARRAY_LEN(options), 0);
    int kind;
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            paths[count++] = args.value;
        else if (args.id == OPT_OWNER)
            opts.owner = args.value;
        else if (args.id == OPT_NOTE)
            opts.note = args.value;
        else if (args.id == OPT_LIST)
            list = 1;
        else
            remove_id = (int64_t)args.number;
    }
    int status;
    if (kind == CLI_ARG_ERROR) {
        status = CLI_EXIT_USAGE;
    } else if ((list || remove_id) && (count || opts.owner || opts.note || (list && remove_id))) {
        status = cli_usage_error("protect", "--list and --remove ID go alone");
    } else if (list) {
        status = list_works(ctx);
    } else if (remove_id) {
        status = remove_work(ctx, remove_id);
    } else if (count == 0) {
        status = cli_usage_error("protect", "no PATH given");
    } else {
        cs_error err = {0};
        catalog *cat = NULL;
        printer p = {CLI_EXIT_OK, 0};
        opts.on_work = print_work;
        opts.on_file_error = print_file_error;
        opts.arg = &p;
        pipeline_protect_stats stats;
        int rc = catalog_open_at(ctx->catalog_path, ctx->blob_dir, &cat, &err);
        if (rc == CS_OK) rc = pipeline_protect(cat, paths, count, &opts, &stats, &err);
        catalog_close(cat);
        status = rc != CS_OK ? cli_fail("protect", &err) : p.status;
        if (rc == CS_OK)
            fprintf(stderr, "clearset protect: %zu works registered, %zu files refused\n",
                    stats.registered, stats.failed);
    }
    free(paths);
    return status;
}
