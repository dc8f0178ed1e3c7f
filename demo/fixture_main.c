/*
 * fixture_main.c - clearset-fixture: the sample-web server as its own
 * process, for integration tests written in shell.
 *
 *   clearset-fixture [--scenario FILE] --listen 127.0.0.2:0 [--listen ...]
 *                    [--log FILE] [--ready-file FILE]
 *
 * Once every address listens it prints one line per listener, "ADDRESS:PORT"
 * in --listen order, on stdout (and, with --ready-file, writes the same
 * lines to that file atomically, so a test that sees the file sees all of
 * it), then serves until SIGTERM or SIGINT. Without --scenario every request
 * gets 404 (still logged). Exit status: 0 after a signal, 2 bad usage,
 * scenario or address, 3 a runtime failure.
 */
#include "demo/demo.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset-fixture [--scenario FILE] --listen 127.x.y.z:PORT [--listen ...]\n"
            "                        [--log FILE] [--ready-file FILE]\n\n"
            "Serves a sample-web scenario (format: demo/demo.h) on loopback addresses\n"
            "(port 0 picks a free one), prints ADDRESS:PORT per listener once ready,\n"
            "logs every request as JSON Lines to --log, and stops on SIGTERM/SIGINT.\n");
}

static int fail(const cs_error *err)
{
    fprintf(stderr, "clearset-fixture: %s\n", err->message);
    return err->code == CS_EINVAL || err->code == CS_EFORMAT || err->code == CS_EDENIED ||
                   err->code == CS_ELIMIT
               ? 2
               : 3;
}

int main(int argc, char **argv)
{
    const char *scenario_path = NULL, *log_path = NULL, *ready_path = NULL;
    const char *addresses[DEMO_MAX_LISTENERS];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "clearset-fixture: %s needs a value (or is unknown)\n", arg);
            usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        if (strcmp(arg, "--scenario") == 0) {
            scenario_path = value;
        } else if (strcmp(arg, "--log") == 0) {
            log_path = value;
        } else if (strcmp(arg, "--ready-file") == 0) {
            ready_path = value;
        } else if (strcmp(arg, "--listen") == 0) {
            if (n == DEMO_MAX_LISTENERS) {
                fprintf(stderr, "clearset-fixture: at most %d --listen\n", DEMO_MAX_LISTENERS);
                return 2;
            }
            addresses[n++] = value;
        } else {
            fprintf(stderr, "clearset-fixture: unknown option '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (n == 0) {
        fprintf(stderr, "clearset-fixture: give at least one --listen 127.x.y.z:PORT\n");
        return 2;
    }

    /* Block the stop signals in every thread (MHD's inherit this mask); main waits for them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    cs_error err;
    cs_error_clear(&err);
    demo_scenario *scenario = NULL;
    int rc = scenario_path ? demo_scenario_load(scenario_path, &scenario, &err)
                           : demo_scenario_parse("{}", 2, NULL, &scenario, &err);
    if (rc) return fail(&err);
    demo_server *server = NULL;
    if ((rc = demo_server_start(scenario, addresses, n, log_path, &server, &err))) {
        demo_scenario_free(scenario);
        return fail(&err);
    }
    cs_buf ready;
    cs_buf_init(&ready, 0);
    for (size_t i = 0; i < n; i++)
        cs_buf_printf(&ready, "%s\n", demo_server_address(server, i));
    fwrite(ready.data, 1, ready.len, stdout);
    fflush(stdout);
    int status = 0;
    if (ready_path && (rc = cs_write_file_atomic(ready_path, ready.data, ready.len, &err))) {
        status = fail(&err);
    } else {
        int sig = 0;
        sigwait(&stop_signals, &sig);
    }
    cs_buf_free(&ready);
    demo_server_stop(server);
    demo_scenario_free(scenario);
    return status;
}
