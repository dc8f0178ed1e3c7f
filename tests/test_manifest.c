/*
 * test_manifest.c - dataset/manifest.h: Ed25519 keys, signing an export
 * folder and verifying it, on real files with real OpenSSL (no mocks).
 *
 * Each test signs a small folder with nested files, then changes it the way
 * a careless copy or an attacker would (one byte of any file, a file added or
 * removed, the manifest edited or re-serialised, the signature replaced, a
 * symlink planted, another key) and checks that verify names the file. The
 * `openssl pkeyutl` command line checks the signature as an independent
 * oracle; manifest_parse is checked on hostile listings.
 */
#include "dataset/manifest.h"
#include "support/testsupport.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The folder every test signs: nested, with an empty and a binary file. */
static const char *const tree_files[] = {"a.txt", "sub/b.bin", "sub/deeper/c.txt", "z-empty"};

static void make_tree(const char *dir)
{
    char path[TS_PATH_MAX];
    assert_int_equal(cs_mkdir_p(ts_join(path, dir, "sub/deeper"), NULL), CS_OK);
    ts_write_file(ts_join(path, dir, "a.txt"), "first image\n", 12);
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    ts_write_file(ts_join(path, dir, "sub/b.bin"), bytes, sizeof bytes);
    ts_write_file(ts_join(path, dir, "sub/deeper/c.txt"), "third\n", 6);
    ts_write_file(ts_join(path, dir, "z-empty"), "", 0);
}

typedef struct fixture {
    char tmp[TS_PATH_MAX];
    char key[TS_PATH_MAX], pub[TS_PATH_MAX];
    char other_key[TS_PATH_MAX], other_pub[TS_PATH_MAX];
    char dir[TS_PATH_MAX];
    char fingerprint[MANIFEST_FINGERPRINT_HEX];
} fixture;

static void sign(const char *dir, const char *key, char fingerprint[MANIFEST_FINGERPRINT_HEX])
{
    json_t *fields = json_pack("{s:s, s:{s:i, s:i}}", "policy", "strict", "counts", "CC0-1.0", 2,
                               "CC-BY-4.0", 2);
    cs_error err = {0};
    int rc = manifest_sign_dir(dir, key, fields, fingerprint, &err);
    json_decref(fields);
    if (rc != CS_OK) fail_msg("manifest_sign_dir: %s", err.message);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ts_tempdir(f->tmp);
    ts_join(f->key, f->tmp, "signing.key");
    snprintf(f->pub, sizeof f->pub, "%s.pub", f->key);
    ts_join(f->other_key, f->tmp, "other.key");
    snprintf(f->other_pub, sizeof f->other_pub, "%s.pub", f->other_key);
    ts_join(f->dir, f->tmp, "export");
    cs_error err = {0};
    assert_int_equal(manifest_keygen(f->key, 0, f->fingerprint, &err), CS_OK);
    assert_int_equal(manifest_keygen(f->other_key, 0, NULL, &err), CS_OK);
    make_tree(f->dir);
    char fp[MANIFEST_FINGERPRINT_HEX];
    sign(f->dir, f->key, fp);
    assert_string_equal(fp, f->fingerprint);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_rmtree(f->tmp);
    free(f);
    return 0;
}

/* Verifies dir and returns the report (free with manifest_report_free). */
static manifest_report verify(const char *dir, const char *pubkey)
{
    manifest_report report;
    cs_error err = {0};
    int rc = manifest_verify_dir(dir, pubkey, &report, &err);
    if (rc != CS_OK) fail_msg("manifest_verify_dir: %s", err.message);
    return report;
}

static int all_holds(const manifest_report *r)
{
    return r->signature_ok && r->problem_count == 0;
}

/* The problem naming path whose message holds words (any, when NULL), or NULL. */
static const manifest_problem *problem_for(const manifest_report *r, const char *path,
                                           const char *words)
{
    for (size_t i = 0; i < r->problem_count; i++)
        if (strcmp(r->problems[i].path, path) == 0 &&
            (words == NULL || strstr(r->problems[i].message, words) != NULL))
            return &r->problems[i];
    return NULL;
}

static void expect_problem(const char *dir, const char *pubkey, const char *path, const char *words)
{
    manifest_report r = verify(dir, pubkey);
    if (problem_for(&r, path, words) == NULL) {
        for (size_t i = 0; i < r.problem_count; i++)
            print_message("problem: %s: %s\n", r.problems[i].path, r.problems[i].message);
        fail_msg("verify names no problem with %s saying \"%s\"", path, words ? words : "");
    }
    assert_false(all_holds(&r));
    manifest_report_free(&r);
}

static void expect_intact(const char *dir, const char *pubkey)
{
    manifest_report r = verify(dir, pubkey);
    for (size_t i = 0; i < r.problem_count; i++)
        print_message("problem: %s: %s\n", r.problems[i].path, r.problems[i].message);
    assert_true(r.signature_ok);
    assert_int_equal(r.problem_count, 0);
    manifest_report_free(&r);
}

static void flip_byte(const char *path, size_t at)
{
    size_t len = 0;
    char *bytes = ts_read_file(path, &len);
    assert_true(at < len);
    bytes[at] ^= 0x01;
    ts_write_file(path, bytes, len);
    free(bytes);
}

static void keygen_writes_a_0600_private_key_and_a_pem_public_key(void **state)
{
    fixture *f = *state;
    const mode_t umasks[] = {0, 022, 0277};
    for (size_t i = 0; i < CS_ARRAY_LEN(umasks); i++) {
        char key[TS_PATH_MAX], pub[TS_PATH_MAX], fp[MANIFEST_FINGERPRINT_HEX];
        char name[32];
        snprintf(name, sizeof name, "umask%zu.key", i);
        ts_join(key, f->tmp, name);
        snprintf(pub, sizeof pub, "%s.pub", key);
        mode_t old = umask(umasks[i]);
        cs_error err = {0};
        int rc = manifest_keygen(key, 0, fp, &err);
        umask(old);
        assert_int_equal(rc, CS_OK);
        struct stat st;
        assert_int_equal(stat(key, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600); /* whatever the umask */
        assert_int_equal(stat(pub, &st), 0);
        char *pem = ts_read_file(key, NULL);
        assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
        free(pem);
        pem = ts_read_file(pub, NULL);
        assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
        free(pem);
        assert_int_equal(strlen(fp), 64);
        assert_int_equal(strspn(fp, "0123456789abcdef"), 64);
        assert_string_not_equal(fp, f->fingerprint);
    }
}

static void keygen_refuses_an_existing_key_without_force(void **state)
{
    fixture *f = *state;
    char *before = ts_read_file(f->key, NULL);
    cs_error err = {0};
    assert_int_equal(manifest_keygen(f->key, 0, NULL, &err), CS_EEXIST);
    assert_non_null(strstr(err.message, f->key));
    char *after = ts_read_file(f->key, NULL);
    assert_string_equal(before, after); /* untouched */
    free(after);

    /* only the public half there: refused too, and no private key appears */
    char lone[TS_PATH_MAX], lone_pub[TS_PATH_MAX];
    ts_join(lone, f->tmp, "lone.key");
    ts_join(lone_pub, f->tmp, "lone.key.pub");
    ts_write_file(lone_pub, "x", 1);
    assert_int_equal(manifest_keygen(lone, 0, NULL, &err), CS_EEXIST);
    assert_int_equal(access(lone, F_OK), -1);

    /* --force replaces the pair: a new key, still 0600 */
    char fp[MANIFEST_FINGERPRINT_HEX];
    assert_int_equal(manifest_keygen(f->key, 1, fp, &err), CS_OK);
    assert_string_not_equal(fp, f->fingerprint);
    after = ts_read_file(f->key, NULL);
    assert_string_not_equal(before, after);
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    free(before);
    free(after);
    /* and the folder signed with the old key no longer matches the new KEY.pub */
    expect_problem(f->dir, f->pub, "manifest.json", "does not match");
}

static void a_signed_folder_with_nested_files_verifies(void **state)
{
    fixture *f = *state;
    manifest_report r = verify(f->dir, NULL);
    assert_true(all_holds(&r));
    assert_false(r.trusted_key_given);
    assert_int_equal(r.files_checked, CS_ARRAY_LEN(tree_files));
    assert_string_equal(r.fingerprint, f->fingerprint);
    manifest_report_free(&r);
    r = verify(f->dir, f->pub);
    assert_true(all_holds(&r));
    assert_true(r.trusted_key_given);
    manifest_report_free(&r);

    /* the listing: every file, sorted, with its size and hash; the caller's fields kept */
    size_t len = 0;
    char *text = ts_read_file(ts_join((char[TS_PATH_MAX]){0}, f->dir, "manifest.json"), &len);
    assert_true(len > 0 && text[len - 1] == '\n');
    manifest_listing listing;
    cs_error err = {0};
    assert_int_equal(manifest_parse(text, len, &listing, &err), CS_OK);
    assert_int_equal(listing.file_count, CS_ARRAY_LEN(tree_files));
    for (size_t i = 0; i < listing.file_count; i++)
        assert_string_equal(listing.files[i].path, tree_files[i]);
    assert_int_equal(listing.files[1].size, 256);
    assert_int_equal(listing.files[3].size, 0);
    char empty_hash[CS_SHA256_HEX];
    cs_sha256_hex("", 0, empty_hash);
    assert_string_equal(listing.files[3].sha256, empty_hash);
    assert_string_equal(listing.signer_fingerprint, f->fingerprint);
    manifest_listing_free(&listing);
    json_t *root = json_loadb(text, len, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "policy")), "strict");
    assert_int_equal(json_integer_value(json_object_get(root, "format_version")),
                     MANIFEST_FORMAT_VERSION);
    json_decref(root);
    free(text);
}

static void changing_one_byte_of_any_file_names_it(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < CS_ARRAY_LEN(tree_files); i++) {
        char path[TS_PATH_MAX];
        ts_join(path, f->dir, tree_files[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (st.st_size == 0) {
            ts_write_file(path, "x", 1);
            expect_problem(f->dir, NULL, tree_files[i], "size differs");
            ts_write_file(path, "", 0);
        } else {
            flip_byte(path, (size_t)st.st_size / 2);
            expect_problem(f->dir, NULL, tree_files[i], "content differs");
            flip_byte(path, (size_t)st.st_size / 2);
        }
        expect_intact(f->dir, NULL);
    }
}

static void adding_or_removing_a_file_names_it(void **state)
{
    fixture *f = *state;
    char path[TS_PATH_MAX];
    ts_write_file(ts_join(path, f->dir, "sub/extra.jpg"), "new", 3);
    expect_problem(f->dir, NULL, "sub/extra.jpg", "not in the manifest");
    unlink(path);
    ts_write_file(ts_join(path, f->dir, "manifest.json.tmp.abc123"), "{}", 2);
    expect_problem(f->dir, NULL, "manifest.json.tmp.abc123", "not in the manifest");
    unlink(path);
    expect_intact(f->dir, NULL);

    ts_join(path, f->dir, "sub/deeper/c.txt");
    char *saved = ts_read_file(path, NULL);
    unlink(path);
    expect_problem(f->dir, NULL, "sub/deeper/c.txt", "missing");
    ts_write_file(path, saved, strlen(saved));
    free(saved);
    expect_intact(f->dir, NULL);

    /* an empty folder is no file: nothing to list, nothing wrong */
    assert_int_equal(mkdir(ts_join(path, f->dir, "sub/empty"), 0755), 0);
    expect_intact(f->dir, NULL);
}

static void editing_the_manifest_names_it(void **state)
{
    fixture *f = *state;
    char path[TS_PATH_MAX];
    ts_join(path, f->dir, "manifest.json");
    size_t len = 0;
    char *original = ts_read_file(path, &len);

    /* one byte: the size in a listing entry, 256 -> 257 */
    char *at = strstr(original, "256");
    assert_non_null(at);
    flip_byte(path, (size_t)(at - original) + 2);
    expect_problem(f->dir, NULL, "manifest.json", "does not match");

    /* re-serialised by a JSON tool with a file dropped, and that file deleted */
    json_t *root = json_loadb(original, len, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_array_remove(json_object_get(root, "files"), 0), 0);
    char *edited = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
    json_decref(root);
    ts_write_file(path, edited, strlen(edited));
    free(edited);
    char a_txt[TS_PATH_MAX];
    char *a_bytes = ts_read_file(ts_join(a_txt, f->dir, "a.txt"), NULL);
    unlink(a_txt);
    expect_problem(f->dir, NULL, "manifest.json", "does not match");
    expect_problem(f->dir, f->pub, "manifest.json", "does not match");
    ts_write_file(a_txt, a_bytes, strlen(a_bytes));
    free(a_bytes);

    /* not JSON at all: named too, and the files are still looked at */
    ts_write_file(path, "not json", 8);
    expect_problem(f->dir, NULL, "manifest.json", "not a valid manifest");

    ts_write_file(path, original, len);
    free(original);
    expect_intact(f->dir, NULL);
}

static void a_replaced_signature_or_another_key_fails(void **state)
{
    fixture *f = *state;
    /* the same files signed by another key: its manifest.sig put in place */
    char twin[TS_PATH_MAX], path[TS_PATH_MAX], sig[TS_PATH_MAX];
    ts_join(twin, f->tmp, "twin");
    make_tree(twin);
    sign(twin, f->other_key, NULL);
    size_t len = 0;
    char *other_sig = ts_read_file(ts_join(path, twin, "manifest.sig"), &len);
    ts_join(sig, f->dir, "manifest.sig");
    char *saved = ts_read_file(sig, NULL);
    ts_write_file(sig, other_sig, len);
    expect_problem(f->dir, NULL, "manifest.json", "manifest.sig");
    /* one byte of the signature */
    ts_write_file(sig, saved, 64);
    flip_byte(sig, 10);
    expect_problem(f->dir, NULL, "manifest.json", "does not match");
    /* cut short, or gone */
    ts_write_file(sig, saved, 63);
    expect_problem(f->dir, NULL, "manifest.sig", "64-byte");
    unlink(sig);
    expect_problem(f->dir, NULL, "manifest.sig", "not signed");
    ts_write_file(sig, saved, 64);
    free(saved);
    free(other_sig);
    expect_intact(f->dir, NULL);

    /* the right bytes, checked with somebody else's public key */
    expect_problem(f->dir, f->other_pub, "manifest.json", "does not match");
    manifest_report r = verify(f->dir, f->other_pub);
    assert_false(r.signature_ok);
    assert_true(r.trusted_key_given);
    manifest_report_free(&r);

    /* signer.pub swapped for another key: the signature fails with it */
    char pub[TS_PATH_MAX];
    char *other_pub = ts_read_file(f->other_pub, &len);
    ts_join(pub, f->dir, "signer.pub");
    char *own_pub = ts_read_file(pub, NULL);
    ts_write_file(pub, other_pub, len);
    expect_problem(f->dir, NULL, "manifest.json", "does not match");
    expect_intact(f->dir, f->pub); /* the caller's key still vouches for the folder */
    ts_write_file(pub, "junk", 4);
    expect_problem(f->dir, NULL, "signer.pub", "not an Ed25519 public key");
    ts_write_file(pub, own_pub, strlen(own_pub));
    free(other_pub);
    free(own_pub);
    expect_intact(f->dir, NULL);
}

static void signing_twice_gives_identical_bytes(void **state)
{
    fixture *f = *state;
    char path[TS_PATH_MAX];
    size_t len1 = 0, len2 = 0, sig1_len = 0, sig2_len = 0;
    char *first = ts_read_file(ts_join(path, f->dir, "manifest.json"), &len1);
    char *sig1 = ts_read_file(ts_join(path, f->dir, "manifest.sig"), &sig1_len);
    sign(f->dir, f->key, NULL); /* over the folder that already holds the three files */
    char *second = ts_read_file(ts_join(path, f->dir, "manifest.json"), &len2);
    char *sig2 = ts_read_file(ts_join(path, f->dir, "manifest.sig"), &sig2_len);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, second, len1);
    assert_int_equal(sig1_len, 64);
    assert_int_equal(sig2_len, 64);
    assert_memory_equal(sig1, sig2, 64); /* Ed25519 is deterministic */
    /* and a copy of the same files elsewhere gives the same manifest too */
    char twin[TS_PATH_MAX];
    ts_join(twin, f->tmp, "twin");
    make_tree(twin);
    sign(twin, f->key, NULL);
    char *third = ts_read_file(ts_join(path, twin, "manifest.json"), &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, third, len1);
    free(first);
    free(second);
    free(third);
    free(sig1);
    free(sig2);
}

static void a_symlink_is_refused_when_signing_and_reported_when_verifying(void **state)
{
    fixture *f = *state;
    char link_path[TS_PATH_MAX], fifo[TS_PATH_MAX];
    ts_join(link_path, f->dir, "sub/link.jpg");
    assert_int_equal(symlink("../a.txt", link_path), 0);
    expect_problem(f->dir, NULL, "sub/link.jpg", "symbolic link");

    cs_error err = {0};
    assert_int_equal(manifest_sign_dir(f->dir, f->key, NULL, NULL, &err), CS_EINVAL);
    assert_non_null(strstr(err.message, "sub/link.jpg"));
    assert_non_null(strstr(err.message, "symbolic link"));
    unlink(link_path);

    /* a symlink to a folder is not followed either */
    ts_join(link_path, f->dir, "elsewhere");
    assert_int_equal(symlink(f->tmp, link_path), 0);
    expect_problem(f->dir, NULL, "elsewhere", "symbolic link");
    unlink(link_path);

    /* nor is a symlink standing in for a listed file */
    char a_txt[TS_PATH_MAX];
    ts_join(a_txt, f->dir, "a.txt");
    char *saved = ts_read_file(a_txt, NULL);
    unlink(a_txt);
    assert_int_equal(symlink("sub/deeper/c.txt", a_txt), 0);
    expect_problem(f->dir, NULL, "a.txt", "symbolic link");
    unlink(a_txt);
    ts_write_file(a_txt, saved, strlen(saved));
    free(saved);

    /* a name that is not UTF-8 cannot be listed in JSON: refused when signing, named by verify */
    char latin1[TS_PATH_MAX];
    ts_write_file(ts_join(latin1, f->dir, "caf\xe9.jpg"), "x", 1);
    assert_int_equal(manifest_sign_dir(f->dir, f->key, NULL, NULL, &err), CS_EINVAL);
    assert_non_null(strstr(err.message, "not UTF-8"));
    expect_problem(f->dir, NULL, "caf\xe9.jpg", "not in the manifest");
    unlink(latin1);

    assert_int_equal(mkfifo(ts_join(fifo, f->dir, "pipe"), 0644), 0);
    expect_problem(f->dir, NULL, "pipe", "FIFO");
    assert_int_equal(manifest_sign_dir(f->dir, f->key, NULL, NULL, &err), CS_EINVAL);
    assert_non_null(strstr(err.message, "pipe"));
    unlink(fifo);
    expect_intact(f->dir, NULL);
}

static void a_path_past_the_limit_is_refused_and_reported(void **state)
{
    fixture *f = *state;
    /* five folders of 250-byte names: a 1263-byte path, past MANIFEST_MAX_PATH (1024) */
    char path[TS_PATH_MAX], part[251];
    memset(part, 'p', 250);
    part[250] = '\0';
    snprintf(path, sizeof path, "%s/%s/%s/%s/%s/%s", f->dir, part, part, part, part, part);
    assert_int_equal(cs_mkdir_p(path, NULL), CS_OK);
    strcat(path, "/file.jpg");
    ts_write_file(path, "x", 1);
    cs_error err = {0};
    assert_int_equal(manifest_sign_dir(f->dir, f->key, NULL, NULL, &err), CS_EINVAL);
    assert_non_null(strstr(err.message, "longer than the limit"));
    manifest_report r = verify(f->dir, NULL);
    assert_int_equal(r.problem_count, 1);
    assert_non_null(strstr(r.problems[0].message, "longer than the limit"));
    manifest_report_free(&r);
}

/* The program name on $PATH, as a shell finds it (ts_run execs a path). */
static int find_in_path(const char *name, char out[TS_PATH_MAX])
{
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(out, TS_PATH_MAX, "%.*s/%s", (int)n, p, name);
        if (n > 0 && access(out, X_OK) == 0) return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

static void openssl_command_line_checks_the_signature(void **state)
{
    fixture *f = *state;
    char openssl[TS_PATH_MAX];
    if (!find_in_path("openssl", openssl))
        fail_msg(
            "no openssl on PATH: the independent check cannot run (scripts/setup installs it)");
    char manifest[TS_PATH_MAX], sig[TS_PATH_MAX], pub[TS_PATH_MAX];
    ts_join(manifest, f->dir, "manifest.json");
    ts_join(sig, f->dir, "manifest.sig");
    ts_join(pub, f->dir, "signer.pub");
    const char *argv[] = {openssl,  "pkeyutl", "-verify", "-pubin",   "-inkey", pub,
                          "-rawin", "-in",     manifest,  "-sigfile", sig,      NULL};
    ts_run_result run;
    ts_run(&run, NULL, argv);
    if (run.status != 0) fail_msg("openssl pkeyutl -verify: %s%s", run.out, run.err);
    ts_run_result_free(&run);

    argv[5] = f->other_pub; /* another key: openssl refuses it too */
    ts_run(&run, NULL, argv);
    assert_int_not_equal(run.status, 0);
    ts_run_result_free(&run);
    argv[5] = pub;
    flip_byte(manifest, 5);
    ts_run(&run, NULL, argv);
    assert_int_not_equal(run.status, 0);
    ts_run_result_free(&run);
    flip_byte(manifest, 5);
}

static void verify_refuses_what_is_not_an_export_folder(void **state)
{
    fixture *f = *state;
    manifest_report r;
    cs_error err = {0};
    char path[TS_PATH_MAX];
    assert_int_equal(manifest_verify_dir(ts_join(path, f->tmp, "nowhere"), NULL, &r, &err),
                     CS_ENOTFOUND);
    manifest_report_free(&r);
    assert_int_equal(manifest_verify_dir(f->tmp, NULL, &r, &err), CS_ENOTFOUND);
    assert_non_null(strstr(err.message, "manifest.json"));
    manifest_report_free(&r);
    assert_int_equal(manifest_verify_dir(f->dir, ts_join(path, f->tmp, "no.pub"), &r, &err),
                     CS_ENOTFOUND);
    manifest_report_free(&r);
    assert_int_equal(manifest_verify_dir(f->dir, ts_join(path, f->dir, "a.txt"), &r, &err),
                     CS_EFORMAT);
    manifest_report_free(&r);
    /* a private key is not taken for a public one */
    assert_int_equal(manifest_verify_dir(f->dir, f->key, &r, &err), CS_EFORMAT);
    manifest_report_free(&r);
    assert_int_equal(manifest_sign_dir(f->dir, f->pub, NULL, NULL, &err), CS_EFORMAT);
}

static void sign_refuses_fields_that_are_the_signers(void **state)
{
    fixture *f = *state;
    static const char *const reserved[] = {"format", "format_version", "signer", "files"};
    for (size_t i = 0; i < CS_ARRAY_LEN(reserved); i++) {
        json_t *fields = json_pack("{s:s}", reserved[i], "mine");
        cs_error err = {0};
        assert_int_equal(manifest_sign_dir(f->dir, f->key, fields, NULL, &err), CS_EINVAL);
        assert_non_null(strstr(err.message, reserved[i]));
        json_decref(fields);
    }
    json_t *array = json_array();
    assert_int_equal(manifest_sign_dir(f->dir, f->key, array, NULL, NULL), CS_EINVAL);
    json_decref(array);
    expect_intact(f->dir, NULL); /* nothing was written */
}

#define HASH_A "0000000000000000000000000000000000000000000000000000000000000000"
#define SIGNER "{\"algorithm\":\"ed25519\",\"fingerprint\":\"" HASH_A "\"}"
#define MANIFEST(FILES)                                                                            \
    "{\"format\":\"clearset-export\",\"format_version\":1,\"signer\":" SIGNER ",\"files\":[" FILES \
    "]}"
#define ENTRY(PATH) "{\"path\":\"" PATH "\",\"sha256\":\"" HASH_A "\",\"size\":1}"

static void parse_refuses_unsafe_or_malformed_listings(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int rc;
    } cases[] = {
        {MANIFEST(ENTRY("a") "," ENTRY("b/c")), CS_OK},
        {MANIFEST(""), CS_OK},
        {MANIFEST(ENTRY("../etc/passwd")), CS_EFORMAT},
        {MANIFEST(ENTRY("/etc/passwd")), CS_EFORMAT},
        {MANIFEST(ENTRY("a//b")), CS_EFORMAT},
        {MANIFEST(ENTRY("a/./b")), CS_EFORMAT},
        {MANIFEST(ENTRY("a/..")), CS_EFORMAT},
        {MANIFEST(ENTRY("a/")), CS_EFORMAT},
        {MANIFEST(ENTRY("")), CS_EFORMAT},
        {MANIFEST(ENTRY("a\\u0000b")), CS_EFORMAT},
        {MANIFEST(ENTRY("manifest.json")), CS_EFORMAT},
        {MANIFEST(ENTRY("signer.pub")), CS_EFORMAT},
        {MANIFEST(ENTRY("sub/manifest.json")), CS_OK}, /* only the top-level ones are ours */
        {MANIFEST(ENTRY("b") "," ENTRY("a")), CS_EFORMAT},
        {MANIFEST(ENTRY("a") "," ENTRY("a")), CS_EFORMAT},
        {MANIFEST("{\"path\":\"a\",\"sha256\":\"" HASH_A "\",\"size\":-1}"), CS_EFORMAT},
        {MANIFEST("{\"path\":\"a\",\"sha256\":\"ABCD\",\"size\":1}"), CS_EFORMAT},
        {MANIFEST("{\"path\":\"a\",\"size\":1}"), CS_EFORMAT},
        {MANIFEST("{\"path\":\"a\",\"path\":\"b\",\"sha256\":\"" HASH_A "\",\"size\":1}"),
         CS_EFORMAT},
        {"{\"format\":\"clearset-export\",\"format_version\":2,\"signer\":" SIGNER ",\"files\":[]}",
         CS_EVERSION},
        {"{\"format\":\"other\",\"format_version\":1,\"signer\":" SIGNER ",\"files\":[]}",
         CS_EFORMAT},
        {"{\"format\":\"clearset-export\",\"format_version\":1,\"files\":[]}", CS_EFORMAT},
        {"[]", CS_EFORMAT},
        {"", CS_EFORMAT},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
        manifest_listing listing;
        cs_error err = {0};
        int rc = manifest_parse(cases[i].json, strlen(cases[i].json), &listing, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %s: got %d (%s), want %d", i, cases[i].json, rc, err.message,
                     cases[i].rc);
        manifest_listing_free(&listing);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(keygen_writes_a_0600_private_key_and_a_pem_public_key,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(keygen_refuses_an_existing_key_without_force, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_signed_folder_with_nested_files_verifies, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(changing_one_byte_of_any_file_names_it, setup, teardown),
        cmocka_unit_test_setup_teardown(adding_or_removing_a_file_names_it, setup, teardown),
        cmocka_unit_test_setup_teardown(editing_the_manifest_names_it, setup, teardown),
        cmocka_unit_test_setup_teardown(a_replaced_signature_or_another_key_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(signing_twice_gives_identical_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_symlink_is_refused_when_signing_and_reported_when_verifying, setup, teardown),
        cmocka_unit_test_setup_teardown(a_path_past_the_limit_is_refused_and_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(openssl_command_line_checks_the_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(verify_refuses_what_is_not_an_export_folder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sign_refuses_fields_that_are_the_signers, setup, teardown),
        cmocka_unit_test(parse_refuses_unsafe_or_malformed_listings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
