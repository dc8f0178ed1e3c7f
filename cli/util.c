/*
 * util.c - error reporting and --help detection shared by every command.
 */
#include "cli/cli.h"

#include <stdarg.h>
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

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    }
    return 0;
}
