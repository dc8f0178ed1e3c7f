/*
 * cli.h - what every command file in cli/ shares: the context that global
 * options fill, exit codes of the command contract, and small helpers for
 * errors, JSON lines and --help.
 *
 * Only cli/ prints and chooses exit codes; library folders return CS_E*
 * codes and a cs_error, which cli_fail turns into one line on stderr and the
 * exit status the design names.
 */
#ifndef CLEARSET_CLI_H
#define CLEARSET_CLI_H

#include "common/common.h"

#include <jansson.h>
#include <stdio.h>

/* Exit status of every command (DESIGN.md, "Commands"). */
enum {
    CLI_EXIT_OK = 0,      /* success */
    CLI_EXIT_FOUND = 1,   /* the check found something: a disallow, a risky image */
    CLI_EXIT_USAGE = 2,   /* bad usage or bad input */
    CLI_EXIT_RUNTIME = 3, /* a runtime failure */
};

#define CLI_DEFAULT_CATALOG "clearset.db"

typedef struct cli_context {
    const char *catalog_path; /* --catalog, default CLI_DEFAULT_CATALOG */
    int stderr_is_tty;        /* progress bars only on a terminal */
} cli_context;

/* A command: argv[0] is the command's own name; returns an exit status. */
typedef int (*cli_command_fn)(cli_context *ctx, int argc, char **argv);

/* The exit status for a library status code: bad input is 2, anything else 3. */
int cli_exit_status(int cs_code);
/* Prints "clearset COMMAND: message" on stderr and returns cli_exit_status(err->code). */
int cli_fail(const char *command, const cs_error *err);
/* Prints "clearset COMMAND: message" plus a hint to use --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Prints obj as one line (json_dumps with flags) on stdout and releases it.
 * A NULL obj is an allocation that failed while building it: that, or a
 * failed dump, prints "clearset COMMAND: out of memory" on stderr and
 * returns CLI_EXIT_RUNTIME; else CLI_EXIT_OK.
 */
int cli_print_json(const char *command, json_t *obj, size_t flags);
/*
 * The line for a FILE a command could not examine (hash, license): "PATH: WHY"
 * on stderr and {"file": PATH, "error": WHY} on stdout. Returns what
 * cli_print_json returns.
 */
int cli_print_file_error(const char *command, const char *path, const char *why);
/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

#endif
