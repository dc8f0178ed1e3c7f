/*
 * testsupport.h - helpers the unit tests share: a fresh temporary directory
 * per test, running the built `clearset` and capturing what it prints, and
 * paths of the source tree's fixtures.
 *
 * Include after <cmocka.h>'s prerequisites (stdarg, stddef, setjmp).
 */
#ifndef CLEARSET_TESTSUPPORT_H
#define CLEARSET_TESTSUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/common.h"

#define TS_PATH_MAX 4096

/* Makes a new empty directory under $TMPDIR (or /tmp) and writes its path to dir. */
void ts_tempdir(char dir[TS_PATH_MAX]);
/* Removes a directory tree made by ts_tempdir. */
void ts_rmtree(const char *dir);
/* Joins dir and name into out. */
const char *ts_join(char out[TS_PATH_MAX], const char *dir, const char *name);
/* Path of a fixture file: tests/fixtures/<module>/<name>. */
const char *ts_fixture(char out[TS_PATH_MAX], const char *module, const char *name);
/*
 * A new, empty catalog at path = dir/clearset.db in a fresh temporary dir
 * (ts_rmtree dir when done; catalog_close the handle). Fails the test if it
 * cannot be opened.
 */
struct catalog;
struct catalog *ts_catalog_temp(char dir[TS_PATH_MAX], char path[TS_PATH_MAX]);

/* Result of running a program: exit status (or 128+signal) and its output. */
typedef struct ts_run_result {
    int status;
    char *out; /* stdout, NUL-terminated; free with ts_run_result_free */
    size_t out_len;
    char *err; /* stderr */
    size_t err_len;
} ts_run_result;

/*
 * Runs the built clearset with argv (NULL-terminated, argv[0] ignored) in cwd
 * (NULL: the current directory), stdin from /dev/null. Fails the test if the
 * program cannot be started.
 */
void ts_run_clearset(ts_run_result *result, const char *cwd, const char *const *argv);
/* Runs any program the same way (argv[0] is the program path). */
void ts_run(ts_run_result *result, const char *cwd, const char *const *argv);
void ts_run_result_free(ts_run_result *result);

/* Writes bytes to a file, failing the test on error. */
void ts_write_file(const char *path, const void *bytes, size_t n);
/* Reads a whole file into a new NUL-terminated buffer, failing the test on error. */
char *ts_read_file(const char *path, size_t *len);

/* The PDQ reference photos' folder: tests/fixtures/pdq, or $CLEARSET_PDQ_VECTORS when set. */
const char *ts_pdq_vectors_dir(void);
/* One file of that folder, read whole (ts_read_file). */
unsigned char *ts_read_pdq_vector(const char *name, size_t *len);

#endif
