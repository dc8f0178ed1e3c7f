/*
 * util.c - error reporting, JSON lines and --help detection shared by every
 * command.
 */
#include "cli/cli.h"
#include "pipeline/pipeline.h"
#include "robots/robots.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_exit_status(int cs_code)
{
    switch (cs_code) {
    case CS_OK:
        return CLI_EXIT_OK;
    case CS_EINVAL:
    case CS_EFORMAT:
    case CS_ELIMIT:
    case CS_ENOTFOUND:
    case CS_EVERSION:
    case CS_EUNSUPPORTED:
    case CS_ECORRUPT:
    case CS_EEXIST:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_RUNTIME;
    }
}

static void print_prefix(const char *command)
{
    if (command && command[0])
        fprintf(stderr, "clearset %s: ", command);
    else
        fprintf(stderr, "clearset: ");
}

int cli_fail(const char *command, const cs_error *err)
{
    print_prefix(command);
    fprintf(stderr, "%s\n", err->message[0] ? err->message : cs_strerror(err->code));
    return cli_exit_status(err->code);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    print_prefix(command);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'clearset %s%s--help')\n", command ? command : "",
            command && command[0] ? " " : "");
    return CLI_EXIT_USAGE;
}

void cli_on_stop_signals(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* A crawler list is a few KiB; robots_ai_crawlers_parse refuses more than 1 MiB anyway. */
#define CLI_AI_CRAWLERS_MAX_BYTES (2 * 1024 * 1024)

int cli_load_ai_crawlers(const char *path, robots_ai_crawlers **out, cs_error *err)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = cs_read_file(path, CLI_AI_CRAWLERS_MAX_BYTES, &bytes, &len, err);
    if (rc != CS_OK) return rc;
    cs_error why;
    cs_error_clear(&why);
    rc = robots_ai_crawlers_parse((const char *)bytes, len, out, &why);
    free(bytes);
    if (rc != CS_OK) return cs_error_set(err, rc, "%s: %s", path, why.message);
    return CS_OK;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    }
    return 0;
}

int cli_print_json(const char *command, json_t *obj, size_t flags)
{
    char *line = obj ? json_dumps(obj, flags) : NULL;
    json_decref(obj);
    if (line == NULL) {
        print_prefix(command);
        fprintf(stderr, "out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    printf("%s\n", line);
    free(line);
    return CLI_EXIT_OK;
}

void cli_log_file_error(const char *command, const char *path, const char *why)
{
    print_prefix(command);
    /* messages from cs_read_file already start with the path */
    size_t n = strlen(path);
    if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
        fprintf(stderr, "%s\n", why);
    else
        fprintf(stderr, "%s: %s\n", path, why);
}

int cli_print_file_error(const char *command, const char *path, const char *why)
{
    cli_log_file_error(command, path, why);
    return cli_print_json(
        command, json_pack("{s:o, s:o}", "file", cli_json_text(path), "error", cli_json_text(why)),
        JSON_COMPACT | JSON_PRESERVE_ORDER);
}

json_t *cli_json_text(const char *text)
{
    return pipeline_json_text(text);
}

int cli_open_works(const cli_context *ctx, const char *policy_name, license_policy **policy,
                   catalog **cat, cs_error *err)
{
    int rc = license_policy_load(policy_name, policy, err);
    if (rc != CS_OK) return rc;
    rc = catalog_open_readonly_at(ctx->catalog_path, ctx->blob_dir, cat, err);
    if (rc == CS_ENOTFOUND) { /* no catalog: only --protected DIR's works */
        rc = CS_OK;
        cs_error_clear(err);
    }
    return rc;
}
