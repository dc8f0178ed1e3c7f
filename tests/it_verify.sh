#!/usr/bin/env bash
# it_verify.sh - `clearset keygen` and `clearset verify` as a user runs them,
# against a folder signed without clearset: the manifest is written with jq,
# sha256sum and stat, and signed with `openssl pkeyutl -sign -rawin`, so the
# format and the signature are checked against independent tools (the other
# direction, clearset's signature checked by openssl, is in test_manifest.c).
# Then each change an export can suffer must make verify exit 1 naming the
# file, in its JSON and on stderr; bad usage exits 2.
set -euo pipefail
bin=${CLEARSET_BIN:?}
for tool in jq openssl sha256sum; do
  command -v "$tool" >/dev/null || { echo "it_verify: $tool is missing (scripts/setup installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "it_verify: $*" >&2; exit 1; }

# keygen: the pair, the private key 0600, the fingerprint openssl computes too
out=$("$bin" keygen --out signing.key)
[ "$(jq -r .private_key <<<"$out")" = signing.key ] || fail "keygen printed $out"
[ "$(jq -r .public_key <<<"$out")" = signing.key.pub ] || fail "keygen printed $out"
fingerprint=$(jq -r .fingerprint <<<"$out")
[ "$(stat -c %a signing.key)" = 600 ] || fail "private key mode $(stat -c %a signing.key), not 600"
der_fingerprint=$(openssl pkey -pubin -in signing.key.pub -outform DER | sha256sum | cut -d' ' -f1)
[ "$fingerprint" = "$der_fingerprint" ] || fail "fingerprint $fingerprint, openssl says $der_fingerprint"
openssl pkey -in signing.key -noout 2>/dev/null || fail "openssl cannot read the private key"

# an existing key is refused (exit 2, the key untouched) unless --force
before=$(sha256sum signing.key)
set +e
"$bin" keygen --out=signing.key >keygen.out 2>keygen.err
status=$?
set -e
[ "$status" = 2 ] || fail "keygen over an existing key exited $status, not 2"
grep -q "signing.key" keygen.err && grep -q -- "--force" keygen.err || fail "keygen's refusal: $(cat keygen.err)"
[ "$(sha256sum signing.key)" = "$before" ] || fail "refused keygen changed the key"
"$bin" keygen --out other.key >/dev/null
"$bin" keygen --out other.key --force >/dev/null || fail "keygen --force failed"
[ "$(stat -c %a other.key)" = 600 ] || fail "key replaced with --force is not 600"
"$bin" keygen --help | grep -q -- "--out KEY" || fail "keygen --help"

# a folder signed by hand, as the manifest format says
mkdir -p export/images/00 export/images/01
printf 'first' >export/images/00/0001.jpg
head -c 3000 /dev/urandom >export/images/01/0002.png
printf '{"file_name":"images/00/0001.jpg"}\n' >export/metadata.jsonl
printf '# card\n' >export/README.md
sign_by_hand() { # sign_by_hand DIR KEY: manifest.json, manifest.sig, signer.pub with jq and openssl
  local dir=$1 key=$2 fp
  fp=$(openssl pkey -in "$key" -pubout -outform DER | sha256sum | cut -d' ' -f1)
  (cd "$dir" && find . -type f ! -path ./manifest.json ! -path ./manifest.sig ! -path ./signer.pub \
      -printf '%P\n' | LC_ALL=C sort | while IFS= read -r f; do
        jq -n --arg p "$f" --arg h "$(sha256sum <"$f" | cut -d' ' -f1)" --argjson s "$(stat -c %s "$f")" \
          '{path: $p, sha256: $h, size: $s}'
      done | jq -s --arg fp "$fp" \
        '{format: "clearset-export", format_version: 1, policy: "strict",
          signer: {algorithm: "ed25519", fingerprint: $fp}, files: .}' >manifest.json)
  openssl pkeyutl -sign -inkey "$key" -rawin -in "$dir/manifest.json" -out "$dir/manifest.sig"
  openssl pkey -in "$key" -pubout -out "$dir/signer.pub"
}
sign_by_hand export signing.key

run_verify() { # run_verify ARGS...: sets status, json (stdout) and err (stderr)
  set +e
  "$bin" verify "$@" >verify.out 2>verify.err
  status=$?
  set -e
  json=$(cat verify.out)
  err=$(cat verify.err)
}

run_verify export
[ "$status" = 0 ] || fail "verify of an intact folder exited $status: $err"
[ "$(jq -r '.ok, .signature, .trusted_key, .files_checked, (.problems | length)' <<<"$json" | tr '\n' ' ')" \
  = "true valid false 4 0 " ] || fail "verify printed $json"
[ "$(jq -r .fingerprint <<<"$json")" = "$fingerprint" ] || fail "verify's fingerprint: $json"
grep -q "signer.pub" <<<"$err" || fail "without --pubkey verify must say it trusted signer.pub: $err"
run_verify export --pubkey=signing.key.pub
[ "$status" = 0 ] && [ "$(jq -r .trusted_key <<<"$json")" = true ] || fail "verify --pubkey: $status $json"
! grep -q "trusted the key inside" <<<"$err" || fail "with --pubkey verify trusted signer.pub: $err"

# expect_named WHAT PATH [ARGS...]: verify (of copy/) exits 1 and names PATH in JSON and on stderr
expect_named() {
  local what=$1 path=$2
  shift 2
  run_verify copy "$@"
  [ "$status" = 1 ] || fail "$what: verify exited $status, not 1 ($err)"
  [ "$(jq -r .ok <<<"$json")" = false ] || fail "$what: ok is not false: $json"
  jq -e --arg p "$path" 'any(.problems[]; .path == $p)' <<<"$json" >/dev/null ||
    fail "$what: no problem names $path: $json"
  grep -qF "copy/$path:" <<<"$err" || fail "$what: stderr does not name copy/$path: $err"
}
fresh() { rm -rf copy && cp -a export copy; }

for f in images/00/0001.jpg images/01/0002.png metadata.jsonl README.md; do
  fresh
  size=$(stat -c %s "copy/$f")
  byte=$(od -An -tu1 -j $((size / 2)) -N1 "copy/$f" | tr -d ' ')
  printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
    dd of="copy/$f" bs=1 seek=$((size / 2)) conv=notrunc status=none
  expect_named "one byte of $f" "$f"
done
fresh; printf 'x' >copy/images/01/extra.jpg; expect_named "an added file" images/01/extra.jpg
fresh; rm copy/images/00/0001.jpg; expect_named "a removed file" images/00/0001.jpg
fresh; sed -i 's/"strict"/"strikt"/' copy/manifest.json; expect_named "an edited manifest" manifest.json
fresh; jq 'del(.files[0])' export/manifest.json >copy/manifest.json; rm copy/images/00/0001.jpg
expect_named "a re-serialised manifest without a file" manifest.json
fresh; sign_by_hand copy other.key; cp export/manifest.sig copy/manifest.sig
expect_named "a replaced signature" manifest.json
fresh; sign_by_hand copy other.key
expect_named "another signer's key" manifest.json --pubkey signing.key.pub
fresh; ln -s ../README.md copy/images/link.jpg; expect_named "a symlink" images/link.jpg
grep -q "symbolic link" <<<"$err" || fail "a symlink is not called one: $err"
fresh; rm copy/manifest.sig; expect_named "a missing signature" manifest.sig
# a latin-1 name (not UTF-8): named as its bytes on stderr, as caf?.jpg in the JSON
fresh; latin1="images/caf$(printf '\351').jpg"; : >"copy/$latin1"
run_verify copy
[ "$status" = 1 ] && jq -e 'any(.problems[]; .path == "images/caf?.jpg")' <<<"$json" >/dev/null &&
  grep -qF "copy/$latin1: not in the manifest" <<<"$err" || fail "a name that is not UTF-8: $status $json $err"

# the form of the report: every field, one object
fresh; printf 'x' >copy/extra
run_verify copy
jq -e 'keys == (["dir","ok","signature","fingerprint","trusted_key","files_checked","problems"] | sort)
       and .dir == "copy" and (.problems[0] | keys) == ["message","path"]' <<<"$json" >/dev/null ||
  fail "report fields: $json"

# bad usage and what is not an export folder: exit 2
expect_usage() {
  local what=$1
  shift
  run_verify "$@"
  [ "$status" = 2 ] || fail "$what: verify exited $status, not 2 ($err)"
}
expect_usage "no DIR"
expect_usage "two DIRs" export copy
expect_usage "an unknown option" export --key x
expect_usage "a folder without manifest.json" images_nowhere
mkdir plain
expect_usage "a folder without manifest.json" plain
grep -q "not an export folder" <<<"$err" || fail "plain folder: $err"
expect_usage "a missing --pubkey" export --pubkey nowhere.pub
expect_usage "a --pubkey that is not a key" export --pubkey export/README.md
"$bin" verify --help | grep -q -- "--pubkey" || fail "verify --help"
echo "it_verify: keygen and verify agree with openssl; every change to the folder is named"
