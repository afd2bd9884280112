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

struct GroupOptions {
    std::vector<MetricOptions> metrics;  // each gives one K x K matrix per replicate
    int64_t n_bootstrap = 0;
    int64_t n_permutations = 0;
    uint64_t seed = 0;
};

// X: statements x terms counts (CSR, every row with mass); labels[i] in [0, K).
// observed: metrics x K x K. boot: n_bootstrap x metrics x K x K. perm: n_permutations x
// metrics x K x K (row-major, caller-allocated; may be null when the count is 0).
void group_divergence(const CsrView<double>& X, const int32_t* labels, int32_t K,
                      const GroupOptions& opt, const RunOptions& run, double* observed,
                      double* boot, double* perm);

// Group count matrix (K x V, row-major) of statements weighted by multiplicity w (w = null:
// each statement once) under the given labels.
void group_sums(const CsrView<double>& X, const int32_t* labels, int32_t K, const int32_t* w,
                double* G);

}  // namespace divergence
