/*
 * testsupport.c - temporary directories, running programs, fixtures.
 *
 * Programs run with fork/exec and pipes read by poll so that neither stdout
 * nor stderr can fill up and block the child.
 */
#include "tests/support/testsupport.h"
#include "dataset/catalog.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void ts_tempdir(char dir[TS_PATH_MAX])
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, TS_PATH_MAX, "%s/clearset-test-XXXXXX", base && base[0] ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void ts_rmtree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *ts_join(char out[TS_PATH_MAX], const char *dir, const char *name)
{
    snprintf(out, TS_PATH_MAX, "%s/%s", dir, name);
    return out;
}

const char *ts_fixture(char out[TS_PATH_MAX], const char *module, const char *name)
{
    snprintf(out, TS_PATH_MAX, "%s/%s/%s", CLEARSET_FIXTURES, module, name);
    return out;
}

static void drain(int fd, cs_buf *buf, int *open_flag)
{
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0)
        assert_int_equal(cs_buf_append(buf, chunk, (size_t)n), CS_OK);
    else if (n == 0 || errno != EINTR)
        *open_flag = 0;
}

void ts_run(ts_run_result *result, const char *cwd, const char *const *argv)
{
    int out_pipe[2], err_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    assert_int_equal(pipe(err_pipe), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]), close(err_pipe[0]);
        if (cwd && chdir(cwd) != 0) _exit(127);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out_pipe[1]), close(err_pipe[1]);
    cs_buf out, err;
    cs_buf_init(&out, 0);
    cs_buf_init(&err, 0);
    int out_open = 1, err_open = 1;
    while (out_open || err_open) {
        struct pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0},
                                {err_open ? err_pipe[0] : -1, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents) drain(out_pipe[0], &out, &out_open);
        if (fds[1].revents) drain(err_pipe[0], &err, &err_open);
    }
    close(out_pipe[0]), close(err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result->out = (char *)cs_buf_take(&out, &result->out_len);
    result->err = (char *)cs_buf_take(&err, &result->err_len);
}

void ts_run_clearset(ts_run_result *result, const char *cwd, const char *const *argv)
{
    const char *bin = getenv("CLEARSET_BIN");
    char fallback[TS_PATH_MAX];
    if (bin == NULL) {
        snprintf(fallback, sizeof fallback, "%s/cli/clearset", CLEARSET_BINARY_DIR);
        bin = fallback;
    }
    size_t n = 0;
    while (argv[n])
        n++;
    const char **full = calloc(n + 1, sizeof *full);
    assert_non_null(full);
    full[0] = bin;
    for (size_t i = 1; i < n; i++)
        full[i] = argv[i];
    ts_run(result, cwd, full);
    free(full);
}

void ts_run_result_free(ts_run_result *result)
{
    free(result->out);
    free(result->err);
    result->out = result->err = NULL;
}

void ts_write_file(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

char *ts_read_file(const char *path, size_t *len)
{
    unsigned char *data = NULL;
    size_t n = 0;
    cs_error err;
    int rc = cs_read_file(path, 1u << 30, &data, &n, &err);
    if (rc != CS_OK) fail_msg("%s", err.message);
    if (len) *len = n;
    return (char *)data;
}

const char *ts_pdq_vectors_dir(void)
{
    const char *env = getenv("CLEARSET_PDQ_VECTORS");
    return env && env[0] ? env : CLEARSET_FIXTURES "/pdq";
}

unsigned char *ts_read_pdq_vector(const char *name, size_t *len)
{
    char path[TS_PATH_MAX];
    ts_join(path, ts_pdq_vectors_dir(), name);
    return (unsigned char *)ts_read_file(path, len);
}

catalog *ts_catalog_temp(char dir[TS_PATH_MAX], char path[TS_PATH_MAX])
{
    ts_tempdir(dir);
    ts_join(path, dir, "clearset.db");
    catalog *cat = NULL;
    cs_error err;
    if (catalog_open(path, &cat, &err) != CS_OK) fail_msg("%s: %s", path, err.message);
    return cat;
}
