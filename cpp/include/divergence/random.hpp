// Reproducible random streams, the same on every platform and for any thread count: each
// replicate r of a computation seeded with `seed` draws from its own stream
// Stream(seed, tag, r), never from a per-thread generator. (std:: distributions are
// implementation-defined, so the integer draws here are our own.)
#pragma once

#include <cstdint>

namespace divergence {

// SplitMix64 step (Steele, Lea and Flood 2014): a 64-bit mixing function.
inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna 2018), seeded through SplitMix64.
class Stream {
   public:
    Stream(uint64_t seed, uint64_t tag, uint64_t index) {
        uint64_t sm = seed;
        const uint64_t a = splitmix64(sm);
        sm = a ^ (tag * 0xD1B54A32D192ED03ULL);
        const uint64_t b = splitmix64(sm);
        sm = b ^ (index * 0x8CB92BA72F3D8DD7ULL + 0x632BE59BD9B4E019ULL);
        for (auto& w : s_) w = splitmix64(sm);
    }

    uint64_t next() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform integer in [0, n), n >= 1, without modulo bias (multiply-shift with rejection).
    uint64_t below(uint64_t n) {
        while (true) {
            const uint64_t x = next();
            const unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
            const uint64_t low = static_cast<uint64_t>(m);
            if (low >= n || low >= (-n) % n) return static_cast<uint64_t>(m >> 64);
        }
    }

    // Uniform double in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

   private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

// Stream tags, so that different procedures with one seed never share a stream.
enum StreamTag : uint64_t {
    kTagBootstrap = 1,
    kTagPermutation = 2,
    kTagTokens = 3,
    kTagParametric = 4,
    kTagPoisson = 5,
    // Taken on the Python side (python/divergence/_compare.py), with keyed_uniform's formula
    // computed in NumPy; do not reuse them here:
    //   6  TAG_RELABEL  the keyed permutation null (permutation_scheme="keyed": statements
    //                   ranked by keyed_uniform(seed, 6, key, p));
    //   7  TAG_BLOCKS   the keyed jackknife (statement in block floor(20 keyed_uniform(seed,
    //                   7, key, 0))).
    // The next free tag is 8.
};

// Counter-based draws: a uniform in [0, 1) that is a pure function of (seed, tag, key, index),
// so a statement's draw in replicate `index` does not depend on which other statements are
// processed, in what order or in which partition.
inline double keyed_uniform(uint64_t seed, uint64_t tag, uint64_t key, uint64_t index) {
    uint64_t sm = seed;
    uint64_t h = splitmix64(sm);
    sm = h ^ (tag * 0xD1B54A32D192ED03ULL);
    h = splitmix64(sm);
    sm = h ^ (key * 0x8CB92BA72F3D8DD7ULL + 0x632BE59BD9B4E019ULL);
    h = splitmix64(sm);
    sm = h ^ (index * 0x9E6C63D0676A9A99ULL + 0xB5AD4ECEDA1CE2A9ULL);
    return static_cast<double>(splitmix64(sm) >> 11) * 0x1.0p-53;
}

// Poisson(1) by inversion of u in [0, 1): the smallest k with u < P(X <= k). The cumulative
// table is built with IEEE operations only (no libm), so it is the same everywhere; k stops at
// 20 (P(X > 20) < 1e-19, below the 2^-53 resolution of u).
inline int32_t poisson1_from_uniform(double u) {
    struct Table {
        double cdf[21];
        Table() {
            double p = 0.36787944117144233;  // e^-1, correctly rounded
            double c = p;
            cdf[0] = c;
            for (int k = 1; k < 21; ++k) {
                p /= static_cast<double>(k);
                c += p;
                cdf[k] = c;
            }
        }
    };
    static const Table table;
    for (int32_t k = 0; k < 20; ++k) {
        if (u < table.cdf[k]) return k;
    }
    return 20;
}

// Weight of the statement with key `key` in Poisson-bootstrap replicate r (seeded by `seed`).
inline int32_t poisson_weight(uint64_t seed, uint64_t key, uint64_t r) {
    return poisson1_from_uniform(keyed_uniform(seed, kTagPoisson, key, r));
}

}  // namespace divergence
