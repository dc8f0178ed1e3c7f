/*
 * main.c - clearset's entry point: global options, then one subcommand.
 *
 *   clearset [--catalog PATH|postgresql://...] [--blobs DIR] COMMAND [ARGS...]
 *
 * The command table lives in commands.h; each command is a function in its
 * own cmd_<name>.c file that parses its arguments and calls library code.
 */
#include "cli/cli.h"
#include "cli/commands.h"
#include "dataset/catalog.h"

#include <malloc.h>
#include <string.h>
#include <unistd.h>

typedef struct cli_command {
    const char *name;
    cli_command_fn run;
    const char *summary;
} cli_command;

static const cli_command commands[] = {
#define COMMAND(name, function, summary) {name, function, summary},
#include "cli/commands.h"
#undef COMMAND
};

static void print_usage(FILE *out)
{
    fprintf(out,
            "clearset %s - build image training sets that are cleared for use\n\n"
            "usage: clearset [--catalog PATH|URL] [--blobs DIR] COMMAND [ARGS...]\n\n"
            "global options:\n"
            "  --catalog PATH  the catalog (default ./%s; blobs beside it), or a\n"
            "                  postgresql://USER@HOST/DB URL: a catalog and frontier that\n"
            "                  workers on many machines share\n"
            "  --blobs DIR     where image bytes live (default: beside a catalog file;\n"
            "                  ./%s for PostgreSQL); may be a shared mount\n"
            "  --version       print the version\n"
            "  -h, --help      this help; COMMAND --help for a command's own\n\n"
            "Every option that takes a value reads it as --opt VALUE or --opt=VALUE.\n\n"
            "Progress: crawl, dedup, export, train and audit draw a bar on stderr when it\n"
            "is a terminal, and with --json-progress (after the command) write JSON Lines\n"
            "on stderr instead, at most ~4 a second:\n"
            "  {\"progress\":COMMAND,\"unit\":U,\"done\":N,\"total\":M,...counters...,\n"
            "   \"elapsed_s\":S,\"final\":false}\n"
            "done never decreases and never passes total; the last line of a run that\n"
            "produced its result has \"final\":true and the figures of the stdout summary.\n"
            "stdout is the same with or without it; other stderr lines do not start with {.\n\n"
            "commands:\n",
            CLEARSET_VERSION, CLI_DEFAULT_CATALOG, CATALOG_PG_DEFAULT_BLOBS);
    for (size_t i = 0; i < CS_ARRAY_LEN(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit status: 0 success, 1 the check found something, 2 bad usage or "
                 "input, 3 runtime failure\n");
}

enum { OPT_CATALOG, OPT_BLOBS, OPT_HELP, OPT_VERSION };

static const cli_option global_options[] = {
    {"--catalog", OPT_CATALOG, CLI_TEXT, 0, 0}, {"--blobs", OPT_BLOBS, CLI_TEXT, 0, 0},
    {"-h", OPT_HELP, CLI_FLAG, 0, 0},           {"--help", OPT_HELP, CLI_FLAG, 0, 0},
    {"--version", OPT_VERSION, CLI_FLAG, 0, 0},
};

/*
 * Fixed allocator thresholds. SQLite runs every statement with RETURNING (the
 * crawler adds each link that way) through a temporary b-tree whose page cache
 * is one ~150 KB allocation, made and freed per statement. glibc's default,
 * moving thresholds served it by growing and trimming the heap each time: up
 * to 75,000 page faults and a third of a 2,200-URL crawl's CPU. Freed memory
 * under 8 MB now stays in the heap; only blocks of 1 MB or more are mapped.
 */
static void tune_allocator(void)
{
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
}

int main(int argc, char **argv)
{
    tune_allocator();
    cli_context ctx = {.catalog_path = CLI_DEFAULT_CATALOG, .stderr_is_tty = isatty(2)};
    cli_args args = cli_args_start("", argc, argv, global_options, CS_ARRAY_LEN(global_options), 1);
    int kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        if (args.id == OPT_CATALOG) {
            ctx.catalog_path = args.value;
        } else if (args.id == OPT_BLOBS) {
            ctx.blob_dir = args.value;
        } else if (args.id == OPT_HELP) {
            print_usage(stdout);
            return CLI_EXIT_OK;
        } else {
            printf("clearset %s\n", CLEARSET_VERSION);
            return CLI_EXIT_OK;
        }
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_END) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int i = args.next - 1; /* the command's name: its argv[0] */
    for (size_t c = 0; c < CS_ARRAY_LEN(commands); c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].run(&ctx, argc - i, argv + i);
    return cli_usage_error("", "unknown command '%s'", argv[i]);
}
