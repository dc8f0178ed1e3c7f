/*
 * site.c - what a scenario serves as static files, for listings (`clearset
 * demo` prints them), and where the bundled sample web (demo/site/) is: the
 * source tree's copy, compiled in, unless $CLEARSET_DEMO_SITE names another;
 * and the demo's policy (demo/policy.json, $CLEARSET_DEMO_POLICY).
 *
 * The walk is a plain recursive readdir with a depth and a count limit; it
 * follows no symbolic links, so a link loop cannot make it spin.
 */
#include "demo/demo_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CLEARSET_DEMO_SITE_DIR
#define CLEARSET_DEMO_SITE_DIR "demo/site"
#endif
#ifndef CLEARSET_DEMO_POLICY
#define CLEARSET_DEMO_POLICY "demo/policy.json"
#endif

/* A sample site is small; a listing beyond this is a wrong root. */
#define DEMO_SITE_MAX_FILES 10000
/* Deeper trees are not sample sites either. */
#define DEMO_SITE_MAX_DEPTH 16

const char *demo_site_dir(void)
{
    const char *env = getenv("CLEARSET_DEMO_SITE");
    return env && env[0] ? env : CLEARSET_DEMO_SITE_DIR;
}

const char *demo_policy_path(void)
{
    const char *env = getenv("CLEARSET_DEMO_POLICY");
    return env && env[0] ? env : CLEARSET_DEMO_POLICY;
}

size_t demo_scenario_host_count(const demo_scenario *s)
{
    return s->host_count;
}

const char *demo_scenario_host_address(const demo_scenario *s, size_t i)
{
    return i < s->host_count ? s->host_addresses[i] : NULL;
}

const char *demo_scenario_host_name_at(const demo_scenario *s, size_t i)
{
    return i < s->host_count ? s->host_names[i] : NULL;
}

void demo_paths_free(char **paths, size_t n)
{
    if (paths == NULL) return;
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

typedef struct listing {
    char **paths;
    size_t n, cap;
    int rc;
} listing;

static void add_path(listing *l, const char *path)
{
    if (l->rc) return;
    l->rc =
        cs_array_reserve((void **)&l->paths, &l->cap, l->n, sizeof *l->paths, DEMO_SITE_MAX_FILES);
    if (l->rc) return;
    if ((l->paths[l->n] = strdup(path)) == NULL)
        l->rc = CS_ENOMEM;
    else
        l->n++;
}

/* Lists dir (a file system path) whose request path is prefix ("" for the root). */
static void walk(listing *l, const char *dir, const char *prefix, int depth)
{
    if (depth > DEMO_SITE_MAX_DEPTH) {
        l->rc = CS_ELIMIT;
        return;
    }
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *e;
    while (l->rc == CS_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char path[4096], request[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            (size_t)snprintf(request, sizeof request, "%s/%s", prefix, e->d_name) >= sizeof request)
            continue;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(l, path, request, depth + 1);
        else if (S_ISREG(st.st_mode))
            add_path(l, request);
    }
    closedir(d);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int demo_scenario_host_files(const demo_scenario *s, const char *name, char ***paths, size_t *n,
                             cs_error *err)
{
    *paths = NULL;
    *n = 0;
    if (s->root == NULL)
        return cs_error_set(err, CS_ENOTFOUND, "scenario: no \"root\" of static files");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", s->root, name ? name : "");
    struct stat st;
    if (name == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        snprintf(dir, sizeof dir, "%s", s->root);
    listing l = {0};
    walk(&l, dir, "", 0);
    if (l.rc) {
        demo_paths_free(l.paths, l.n);
        return cs_error_set(err, l.rc, "%s: too many files or too deep for a sample site", dir);
    }
    if (l.n) qsort(l.paths, l.n, sizeof *l.paths, compare_paths);
    *paths = l.paths;
    *n = l.n;
    return CS_OK;
}
