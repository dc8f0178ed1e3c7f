/*
 * rng.c - the generator's deterministic random stream: xoshiro256** (Blackman
 * and Vigna) seeded through splitmix64, normals by Box-Muller.
 *
 * Every random choice in training and evaluation (initial weights, latents,
 * SWD patches and directions) comes from a gen_rng the caller owns and seeds,
 * so a seed fixes the result on every machine: no libc rand(), no time.
 */
#include "generator/generator_internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gen_rng_seed(gen_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

uint64_t gen_rng_u64(gen_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gen_rng_uniform(gen_rng *rng)
{
    return (double)(gen_rng_u64(rng) >> 11) * 0x1.0p-53;
}

uint32_t gen_rng_below(gen_rng *rng, uint32_t n)
{
    /* Multiply-shift; the bias (n / 2^32) is far below anything measured here. */
    return (uint32_t)(((gen_rng_u64(rng) >> 32) * (uint64_t)n) >> 32);
}

void gen_rng_normal(gen_rng *rng, float *out, size_t n, float mean, float std)
{
    for (size_t i = 0; i < n; i += 2) {
        double u1 = 1.0 - gen_rng_uniform(rng); /* (0, 1]: log stays finite */
        double u2 = gen_rng_uniform(rng);
        double r = sqrt(-2.0 * log(u1));
        out[i] = (float)(mean + std * r * cos(2.0 * M_PI * u2));
        if (i + 1 < n) out[i + 1] = (float)(mean + std * r * sin(2.0 * M_PI * u2));
    }
}
