// Group comparison with honest uncertainty: group distributions are sums of statement counts;
// the K x K divergence matrix is computed for the observed grouping, for bootstrap replicates
// (statements resampled with replacement within each group) and for permutation replicates
// (group labels shuffled across statements, group sizes kept). Replicate r uses its own random
// stream Stream(seed, tag, r), so every number is the same for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

// How a bootstrap replicate weights statements. resample: each group's statements drawn with
// replacement, as many as the group has (one random stream per replicate). poisson: statement
// i gets weight Poisson(1) drawn by poisson_weight(seed, key_i, r) (random.hpp), a pure
// function of its key, so the replicate is the same however the statements are partitioned or
// ordered; group sizes vary between replicates (a group of n statements is empty in a replicate
// with probability e^-n: its pairs are NaN there).
enum class BootstrapScheme : int32_t { resample = 0, poisson = 1 };

struct GroupOptions {
    std::vector<MetricOptions> metrics;  // each gives one K x K matrix per replicate
    int64_t n_bootstrap = 0;
    int64_t n_permutations = 0;
    uint64_t seed = 0;
    BootstrapScheme scheme = BootstrapScheme::resample;
    const uint64_t* keys = nullptr;  // poisson: one key per statement (null: its position)
};

// X: statements x terms counts (CSR, every row with mass); labels[i] in [0, K).
// observed: metrics x K x K. boot: n_bootstrap x metrics x K x K. perm: n_permutations x
// metrics x K x K (row-major, caller-allocated; may be null when the count is 0).
// With integer counts (grand total below 2^53) a permutation's largest group is the column
// totals minus the other groups (exact: the same vector as its rows summed), so its rows are
// never added.
void group_divergence(const CsrView<double>& X, const int32_t* labels, int32_t K,
                      const GroupOptions& opt, const RunOptions& run, double* observed,
                      double* boot, double* perm);

// Group count matrix (K x V, row-major) of statements weighted by multiplicity w (w = null:
// each statement once) under the given labels.
void group_sums(const CsrView<double>& X, const int32_t* labels, int32_t K, const int32_t* w,
                double* G);

// Poisson-bootstrap group sums: out[r] (K x V, row-major; n_rep of them) += the group sums of X
// weighted by poisson_weight(seed, keys[i], r0 + r). Adds to out, so partitions of a corpus
// can be counted apart and the sums added (integer counts: exact in any order below 2^53).
// Threaded over replicates; the same for any thread count.
void poisson_group_sums(const CsrView<double>& X, const int32_t* labels, int32_t K,
                        const uint64_t* keys, uint64_t seed, int64_t r0, int64_t n_rep,
                        const RunOptions& run, double* out);

}  // namespace divergence
