/*
 * demo_run.h - the commands `clearset demo` runs once its servers listen
 * (demo_run.c), between cmd_demo.c (options, work folder, servers, signals)
 * and the commands themselves.
 */
#ifndef CLEARSET_CLI_DEMO_RUN_H
#define CLEARSET_CLI_DEMO_RUN_H

#include "cli/cli.h"

#include <signal.h>
#include <stddef.h>

/* 128 + SIGINT: what a shell reports for a command stopped by Ctrl-C. */
#define DEMO_EXIT_STOPPED 130

typedef struct demo_run {
    cli_context ctx;          /* its catalog_path is the demo's catalog */
    const char *workdir;      /* every product goes here */
    const char *policy;       /* NAME or FILE, as clear/export/report take it */
    const char *delay;        /* --delay for the sample web's crawl */
    const char *const *seeds; /* the sample web's front pages */
    size_t seed_count;
    const char *train_seed;      /* the training set's front page; NULL: no training set */
    const char *no_training_set; /* why there is none (said after the summary) */
    const char *steps;           /* train --steps */
    const char *samples;         /* generate -n */
    int json_progress;           /* --json-progress: passed to crawl, dedup, export, train, audit */
    volatile sig_atomic_t *stop; /* set by the demo's SIGINT/SIGTERM handler */
    void (*on_signal)(int);      /* that handler, installed again before each command */
} demo_run;

/*
 * Runs crawl, dedup, clear (its verdicts on stdout), status, keygen, export,
 * verify, then with a training set train, generate, audit, and report, each
 * said on stderr as a user would type it, then prints the summary table.
 * Returns the exit status: the first failing command's, DEMO_EXIT_STOPPED
 * when a signal stopped it.
 */
int demo_run_pipeline(const demo_run *run);

#endif
