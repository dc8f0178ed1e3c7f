/*
 * cli.h - what every command file in cli/ shares: the context that global
 * options fill, exit codes of the command contract, small helpers for errors,
 * JSON lines and --help, and the one way to read options and numbers
 * (options.c).
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

/* The largest --max-pixels that hash and dedup take: 2^40 pixels, a terabyte
 * image, far past any decoder's reach; a larger value means a typo. */
#define CLI_MAX_PIXELS_LIMIT (1ull << 40)

typedef struct cli_context {
    const char *catalog_path; /* --catalog, default CLI_DEFAULT_CATALOG */
    const char *blob_dir;     /* --blobs, or NULL: the catalog's default (catalog_open_at) */
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
/* Its stderr half alone: "clearset COMMAND: PATH: WHY" (PATH not repeated when WHY starts
 * with it), for commands whose stdout holds only their results (protect, audit). */
void cli_log_file_error(const char *command, const char *path, const char *why);
/* A JSON string of any bytes (a file name, a message quoting one): invalid UTF-8 bytes
 * become '?' (pipeline_json_text); NULL text gives JSON null. NULL only when out of
 * memory. */
json_t *cli_json_text(const char *text);
/* A progress bar on stderr (for a terminal): "\rCOMMAND [####    ] done/total EXTRA",
 * ending the line when done reaches total. Commands with --json-progress use
 * cli_progress below, which draws the same bar. */
void cli_progress_bar(const char *command, size_t done, size_t total, const char *extra);

/*
 * The progress of a long-running command (progress.c, which also documents
 * the JSON format): a bar on stderr when it is a terminal, JSON Lines on
 * stderr with --json-progress (then no bar), else nothing. Rate-limited in
 * one place: cli_progress_due says whether an update now would be shown.
 */
typedef struct cli_progress {
    const char *command, *unit;
    int json;           /* --json-progress: JSON lines */
    int bar;            /* a bar (a terminal, no --json-progress) */
    int shown;          /* an update was shown */
    int bar_open;       /* a bar line is drawn without its newline */
    uint64_t done;      /* the last done shown: never goes back */
    int64_t started_ns; /* cs_monotonic_ns at the start */
    int64_t last_ns;    /* of the last update shown */
} cli_progress;

/* Starts p for COMMAND counting UNIT; json: --json-progress was given. */
void cli_progress_start(cli_progress *p, const char *command, const char *unit,
                        const cli_context *ctx, int json);
/* 1 when an update now would be shown: the final one always (if any output is on),
 * others at most every CLI_PROGRESS_INTERVAL_MS. */
int cli_progress_due(const cli_progress *p, int final);
/* Shows an update if it is due: the JSON line with fields (an object whose members go
 * after "total"; owned, released here; may be NULL) or the bar with bar_extra after
 * done/total. final: the run's last update (ends the bar's line). */
void cli_progress_show(cli_progress *p, uint64_t done, uint64_t total, int final, json_t *fields,
                       const char *bar_extra);
/* Ends a bar line left open, so a log message starts on a line of its own. */
void cli_progress_break(cli_progress *p);
/*
 * Reads an AI crawler list file (--ai-crawlers FILE, robots/ai_crawlers.txt's
 * format) into *out (release with robots_ai_crawlers_free). CS_OK or the
 * reader's error, err naming the file.
 */
struct robots_ai_crawlers;
int cli_load_ai_crawlers(const char *path, struct robots_ai_crawlers **out, cs_error *err);
/*
 * What `audit` and `generate` compare with: the policy (NAME or FILE) and the
 * catalog opened read-only, or *cat NULL when there is none (only --protected
 * DIR's works then). CS_OK or the failure, err naming it; on failure release
 * what was opened all the same (license_policy_free, catalog_close).
 */
struct license_policy;
struct catalog;
int cli_open_works(const cli_context *ctx, const char *policy_name, struct license_policy **policy,
                   struct catalog **cat, cs_error *err);
/* Installs handler for SIGINT and SIGTERM (sigaction, no flags): the commands
 * that stop cleanly on Ctrl-C (crawl, train) set their stop flag in it. */
void cli_on_stop_signals(void (*handler)(int));
/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/*
 * Reading a command's arguments: every command (and main.c's global options)
 * reads argv through cli_args_next, so every option that takes a value reads
 * it as "--name VALUE" or "--name=VALUE" alike, every command refuses an
 * unknown option, a flag given a value and a missing value with the same
 * words, and every number goes through the one number parser (options.c):
 * decimal digits only (no sign, spaces, exponent or hex); a negative number,
 * junk, a number too large for 64 bits or one outside the option's range is
 * refused with a message naming the option and the range. Messages go to
 * stderr through cli_usage_error.
 */
enum {
    CLI_FLAG = 0,    /* no value; "--name=X" is refused */
    CLI_TEXT = 1,    /* any text: "--name VALUE" or "--name=VALUE" */
    CLI_COUNT = 2,   /* a whole number from min to max */
    CLI_SECONDS = 3, /* seconds with a fraction ("0.25"), read as milliseconds (rounded to
                        the nearest) from min to max, both in milliseconds */
};

typedef struct cli_option {
    const char *name;  /* "--max-pixels" */
    int id;            /* the command's own number for it (an enum), for a switch */
    int value;         /* CLI_FLAG, CLI_TEXT, CLI_COUNT or CLI_SECONDS */
    uint64_t min, max; /* CLI_COUNT, CLI_SECONDS: the range */
} cli_option;

typedef struct cli_args {
    /* what cli_args_next read last */
    int id;            /* an option's id; -1 for an operand */
    const char *value; /* an option's text (NULL for a flag), or the operand; points into argv */
    uint64_t number;   /* a CLI_COUNT or CLI_SECONDS option's value */
    /* the walk */
    const char *command;       /* names the command in messages; "" for global options */
    const cli_option *options; /* not owned; outlives the walk */
    size_t option_count;
    int options_first; /* the first operand ends the options: FILE lists, main's COMMAND */
    int argc;
    char **argv;
    int next;          /* index of the next argv element to read (starts at 1) */
    int only_operands; /* "--" was read (or an operand, with options_first) */
} cli_args;

enum {
    CLI_ARG_ERROR = -1,  /* the message is printed; the command returns CLI_EXIT_USAGE */
    CLI_ARG_END = 0,     /* argv is used up */
    CLI_ARG_OPTION = 1,  /* args->id, args->value and (for a number) args->number are set */
    CLI_ARG_OPERAND = 2, /* args->value is the operand */
};

/* A walk over argv[1..argc-1] (argv[0] is the command's own name). */
cli_args cli_args_start(const char *command, int argc, char **argv, const cli_option *options,
                        size_t option_count, int options_first);
/* Reads the next option or operand; returns one of the CLI_ARG_* codes. */
int cli_args_next(cli_args *args);

#endif
