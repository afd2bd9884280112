// Permutation null of a change point: the largest split gain of block-shuffled segments (see
// replicates.hpp).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "divergence/replicates.hpp"

namespace divergence {

double max_split_gain(const double* y, int64_t n, int64_t min_size, double* scratch) {
    if (n < 2 * min_size) return 0.0;
    // As NumPy: c = cumsum(y - y.mean()); gain_k = (c[k-1]^2) n / (k (n - k)), first maximum.
    const double mean = numpy_sum(y, n) / static_cast<double>(n);
    double c = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        c += y[i] - mean;
        scratch[i] = c;
    }
    double best = -1.0;
    for (int64_t k = min_size; k <= n - min_size; ++k) {
        const double s1 = scratch[k - 1];
        const double g = (s1 * s1) * static_cast<double>(n) / static_cast<double>(k * (n - k));
        if (g > best) best = g;
    }
    return best;
}

namespace {

void check_change_args(int64_t n, int64_t block, int64_t min_size, int64_t n_permutations) {
    if (n < 0) throw InputError("series: negative length");
    if (block < 1) {
        throw InputError("block: must be a positive integer, got " + std::to_string(block));
    }
    if (min_size < 1) {
        throw InputError("min_size: must be a positive integer, got " + std::to_string(min_size));
    }
    if (n_permutations < 0) throw InputError("permutations: must be >= 0");
}

// Block order of replicate r.
void draw_order(uint64_t seed, uint64_t key, int64_t r, int64_t n_blocks, int32_t* order) {
    Stream rng(seed, indexed_tag(kTagChangePermutation, key), static_cast<uint64_t>(r));
    std::iota(order, order + n_blocks, 0);
    shuffle(rng, order, n_blocks);
}

}  // namespace

void changepoint_orders(int64_t n_blocks, int64_t n_permutations, uint64_t seed, uint64_t key,
                        int32_t* orders) {
    check_change_args(n_blocks, 1, 1, n_permutations);
    for (int64_t r = 0; r < n_permutations; ++r) {
        draw_order(seed, key, r, n_blocks, orders + r * n_blocks);
    }
}

int64_t changepoint_null(const double* y, int64_t n, int64_t block, int64_t min_size,
                         double observed, int64_t n_permutations, uint64_t seed, uint64_t key,
                         const RunOptions& run, double* gains) {
    check_change_args(n, block, min_size, n_permutations);
    for (int64_t i = 0; i < n; ++i) {
        if (!std::isfinite(y[i])) {
            throw InputError("series: value " + std::to_string(i) + " is not finite");
        }
    }
    if (n_permutations == 0) return 0;
    const int64_t n_blocks = (n + block - 1) / block;
    std::vector<double> own;
    if (gains == nullptr) {
        own.resize(static_cast<size_t>(n_permutations));
        gains = own.data();
    }
    struct Scratch {
        std::vector<int32_t> order;
        std::vector<double> z, c;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    parallel_for(n_permutations, balanced_chunk(n_permutations, run.n_threads, 1, 16), pc,
                 [&](int64_t r0, int64_t r1, int tid) {
                     Scratch& s = scratch[static_cast<size_t>(tid)];
                     s.order.resize(static_cast<size_t>(n_blocks));
                     s.z.resize(static_cast<size_t>(n));
                     s.c.resize(static_cast<size_t>(n));
                     for (int64_t r = r0; r < r1; ++r) {
                         draw_order(seed, key, r, n_blocks, s.order.data());
                         double* z = s.z.data();
                         for (const int32_t b : s.order) {
                             const int64_t lo = b * block, hi = std::min(n, lo + block);
                             z = std::copy(y + lo, y + hi, z);
                         }
                         gains[r] = max_split_gain(s.z.data(), n, min_size, s.c.data());
                     }
                 });
    // Same tolerance as a direct comparison in NumPy: rounding in the cumulative sums never turns
    // a tie with the observed arrangement into a miss.
    const double threshold = observed - 1e-12 * std::fabs(observed);
    int64_t hits = 0;
    for (int64_t r = 0; r < n_permutations; ++r) hits += gains[r] >= threshold ? 1 : 0;
    return hits;
}

}  // namespace divergence
