/*
 * fuzz_decode_jpeg.c - libFuzzer target for dedup's JPEG decoder entry point
 * (see fuzz_decode.h: input prefixed with the JPEG magic, decoded at full size
 * and shrunk, hashed when it decodes).
 */
#include "tests/fuzz/fuzz_decode.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const unsigned char magic[] = {0xFF, 0xD8, 0xFF};
    return fuzz_decode_with_magic(data, size, magic, sizeof magic);
}
