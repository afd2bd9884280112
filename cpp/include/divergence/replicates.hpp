// Replicate loops over small tables: hand-coded stances per target (labels: the groups' K x S
// stance counts, every core metric; numeric scores: difference of means and Wasserstein-1) with
// bootstrap replicates (statements resampled with replacement within each group) and permutation
// replicates (group labels shuffled across the target's statements), and the permutation null of
// a change point's largest split gain (blocks of consecutive values shuffled).
//
// Replicate r of target (or change) t draws from its own stream
// Stream(seed, indexed_tag(tag, t), r), so every number is the same for any thread count.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/random.hpp"

namespace divergence {

// Stream tags of these procedures (random.hpp's StreamTag values are small integers); the
// target or change index goes into the high bits, so each has its own streams.
inline constexpr uint64_t kTagStanceBootstrap = 0x5101;
inline constexpr uint64_t kTagStancePermutation = 0x5102;
inline constexpr uint64_t kTagChangePermutation = 0x5103;
inline uint64_t indexed_tag(uint64_t tag, uint64_t index) { return tag ^ ((index + 1) << 32); }

// Fisher-Yates shuffle of a[0, n) (the order group_divergence shuffles labels in).
inline void shuffle(Stream& rng, int32_t* a, int64_t n) {
    for (int64_t i = n - 1; i > 0; --i) {
        const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
        const int32_t tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}

// Statements of several targets, stored target by target.
struct StanceTargets {
    const int32_t* group = nullptr;     // each statement's group code within its target, [0, K_t)
    const int64_t* start = nullptr;     // target t holds statements [start[t], start[t + 1])
    const int32_t* n_groups = nullptr;  // K_t >= 2, every group with at least one statement
    int32_t n_targets = 0;
};

struct ReplicateOptions {
    int64_t n_bootstrap = 0;
    int64_t n_permutations = 0;
    uint64_t seed = 0;
};

// Target t's results (row-major, caller-allocated): observed (m, K, K), boot (B, m, K, K) and
// perm (P, m, K, K); boot/perm may be null when their count is 0.
struct StanceOut {
    double* observed = nullptr;
    double* boot = nullptr;
    double* perm = nullptr;
};

// Label stances: stance[i] in [0, n_stances). Each group's counts over the n_stances stances
// (every target uses all of them, so smoothing adds alpha to each) give the K x K matrix of
// each metric, computed by the pairwise kernels: the same bits as pairwise_dense on the counts
// (and as group_divergence on one-hot statement rows). Diagonal 0; kl holds both directions.
void stance_label_replicates(const StanceTargets& targets, const int32_t* stance, int32_t n_stances,
                             const std::vector<MetricOptions>& metrics, const ReplicateOptions& opt,
                             const RunOptions& run, const std::vector<StanceOut>& out);

// Numeric stances. mean_difference: mean of group a minus mean of group b, each mean summed as
// NumPy sums (pairwise, so the observed value equals numpy's x.mean() difference bit for bit).
// wasserstein: scipy.stats.wasserstein_distance of the two groups' values (the integral of
// |F_a - F_b| between successive values of either group, F the empirical CDFs), summed in
// value order (scipy's BLAS dot product can differ in the last bit); it depends only on the
// two multisets of values. Only cells a < b are filled; the others are NaN.
enum class ScoreMetric { mean_difference, wasserstein };
ScoreMetric parse_score_metric(std::string_view name);

void stance_score_replicates(const StanceTargets& targets, const double* value,
                             const std::vector<ScoreMetric>& metrics, const ReplicateOptions& opt,
                             const RunOptions& run, const std::vector<StanceOut>& out);

// The resampling of one target (n statements, group codes in [0, K)) that replicate r uses for
// target index `key`: boot_idx (n_bootstrap x n) the statements drawn, each group's n_g draws
// (with replacement among its members) group after group; perm_group (n_permutations x n) the
// shuffled group codes. Either output may be null.
void stance_draws(const int32_t* group, int64_t n, int32_t K, uint64_t key,
                  const ReplicateOptions& opt, int32_t* boot_idx, int32_t* perm_group);

// Sum of x[0, n) in NumPy's order (0 + pairwise summation, blocks of 128 with 8 accumulators):
// the same bits as numpy.sum of a contiguous float64 array.
double numpy_sum(const double* x, int64_t n);

// Largest between-segment sum of squares of a split of y[0, n) into two parts of at least
// min_size values, (n1 n2 / n)(mean1 - mean2)^2, computed as divergence.changepoints does with
// NumPy (0 when n < 2 min_size).
double max_split_gain(const double* y, int64_t n, int64_t min_size, double* scratch);

// Permutation null of a change: y[0, n) in blocks of `block` consecutive values (the last one
// shorter), the blocks shuffled n_permutations times; returns how many permuted series have a
// largest split gain >= observed - 1e-12 |observed|. gains (n_permutations, may be null) gets
// each replicate's largest gain. Replicate r uses Stream(seed, indexed_tag(
// kTagChangePermutation, key), r).
int64_t changepoint_null(const double* y, int64_t n, int64_t block, int64_t min_size,
                         double observed, int64_t n_permutations, uint64_t seed, uint64_t key,
                         const RunOptions& run, double* gains);

// The block orders (n_permutations x n_blocks) changepoint_null uses.
void changepoint_orders(int64_t n_blocks, int64_t n_permutations, uint64_t seed, uint64_t key,
                        int32_t* orders);

}  // namespace divergence
