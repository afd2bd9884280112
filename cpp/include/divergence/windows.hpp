// Sliding windows over time-ordered statements (CSR rows): how distributions move over time.
//
// Windows are row ranges [begin, end) of a CSR count matrix whose rows are in time order (the
// Python layer turns "50 statements, step 10" or "90 days, step 30 days" into row ranges with a
// binary search over the times). A window's distribution is the sum of its rows' counts.
//
// Incremental windows. A window's counts live in a dense vector with a bitset covering its nonzero
// columns. Moving it from [b, e) to [b', e') removes the rows of [b, e) \ [b', e') and adds those
// of [b', e') \ [b, e): moving a window by one statement costs that statement's nonzeros, not
// the window's. When the rows hold integer counts (the usual case) every sum is an exact integer
// in float64 (below 2^53), so the maintained vector equals the vector summed from scratch bit for
// bit; the divergence is then evaluated from the vector over the union of the two supports in
// increasing column order (read off the bitsets), so an incremental result equals the
// recomputed-from-scratch result exactly. Rows with non-integer values are summed from scratch
// for every window (same bits whatever the order of work). Cost per window pair: the rows moved
// times their nonzeros, plus the union support, plus V/64 bitset words.
//
// Threads take contiguous chunks of pairs (or windows); each chunk starts from empty vectors,
// so results are bit-identical for any thread count. Random replicates of window w, replicate
// r, draw from Stream(seed, tag, w * 2^32 + r).
#pragma once

#include <cstdint>
#include <vector>

#include "divergence/dense.hpp"
#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

struct WindowOptions {
    MetricOptions metric;
    // false: every window is summed from scratch (for tests: the results must not change).
    bool incremental = true;
};

// Divergence of two count vectors a, b (length V, totals A, B) over the union of their
// supports `cols` (increasing). kl/jeffreys with alpha > 0 use additive smoothing over all V
// columns. NaN when either total is 0. kl/jeffreys with alpha = 0 need supp a inside supp b
// (and the reverse for jeffreys): otherwise the result is +inf and *support_violation is set.
double count_divergence(const double* a, double A, const double* b, double B, const int32_t* cols,
                        int64_t n_cols, int64_t V, const MetricOptions& m, bool* support_violation);

// out[k] = d(window pair_a[k], window pair_b[k]) where window w is rows [begins[w], ends[w]) of
// X. Pairs are processed in order, each window vector moved from its previous position, so
// listing pairs in time order (adjacent: (w-1, w); baseline: (0, w)) keeps moves short.
// Empty windows give NaN; a window against itself (the same row range) gives 0 exactly, for
// every metric. `totals` (optional, n_windows) receives each window's summed counts (row totals
// added in row order).
void window_pairs(const CsrView<double>& X, const int64_t* begins, const int64_t* ends,
                  int64_t n_windows, const int64_t* pair_a, const int64_t* pair_b, int64_t n_pairs,
                  const WindowOptions& opt, const RunOptions& run, double* out,
                  double* totals = nullptr);

struct BetweenOptions {
    WindowOptions window;
    int64_t n_bootstrap = 0;     // statements resampled with replacement within group within window
    int64_t n_permutations = 0;  // group labels shuffled across the window's statements
    uint64_t seed = 0;
};

// Per window w (rows [begins[w], ends[w])), the K x K divergence between the groups' summed
// counts (labels[i] in [0, K)): observed (n_windows x K x K), bootstrap (n_windows x B x K x K)
// and permutation (n_windows x P x K x K) replicates. A cell whose group has no statements (or
// no tokens) in the window is NaN; the diagonal is 0 where the group is present.
// Replicate r of window w draws from its own stream; with integer counts a bootstrap replicate
// adds each drawn statement once times its multiplicity, in row order (exact sums: the same
// vectors as adding the draws one by one). Work is spread over (window, replicate) tasks, so
// few long windows still use every thread. Progress counts windows, then replicates.
void window_between(const CsrView<double>& X, const int32_t* labels, int32_t K,
                    const int64_t* begins, const int64_t* ends, int64_t n_windows,
                    const BetweenOptions& opt, const RunOptions& run, double* observed,
                    double* boot, double* perm);

// Block jackknife of window_between's observed matrices: out (n_blocks x n_windows x K x K)
// holds, for block j (blocks[i] in [0, n_blocks)), every window's K x K matrix computed without
// the statements of block j, equal bit for bit to window_between's observed matrices on the
// rows kept (the windows' row ranges mapped onto them). With integer counts (and incremental)
// each window's group vectors are summed once and the block's rows removed and added back
// (exact sums); otherwise the rows kept are summed from scratch in row order. Cost: about two
// passes over each window's rows plus n_blocks group matrices per window, instead of n_blocks
// passes. Progress counts (window, block) tasks.
void window_between_jackknife(const CsrView<double>& X, const int32_t* labels, int32_t K,
                              const int64_t* begins, const int64_t* ends, int64_t n_windows,
                              const int32_t* blocks, int32_t n_blocks, const WindowOptions& opt,
                              const RunOptions& run, double* out);

// Token-stream drift. For boundaries i = window, window + step, ... <= n - window, out holds
// JSD(tokens[i - window, i), tokens[i, i + window)) (natural log, times `scale`), and
// positions[k] = i. Returns the number of boundaries.
//
// Complexity: O(n + n_types) time for the whole curve, O(1) per token moved. Both windows'
// counts a_t, b_t are kept; with G(x) = x ln x,
//   JSD = ln 2 + S / (2 window),  S = sum over types of G(a_t) + G(b_t) - G(a_t + b_t),
// and a token moving changes at most three types' terms, so S is updated in O(1). G is
// tabulated for x = 0..2 window in 2^-64 fixed point (__int128; long double logs), so S is an
// exact integer sum: the incremental curve equals the recomputed-from-scratch curve
// (incremental = false, O(window) per boundary) bit for bit. The fixed-point rounding is below
// 2^-64 per term, far under float64 precision of the result.
int64_t token_drift(const int64_t* tokens, int64_t n, int64_t n_types, int64_t window, int64_t step,
                    double scale, bool incremental, int64_t* positions, double* out);

// Number of boundaries token_drift produces.
int64_t token_drift_count(int64_t n, int64_t window, int64_t step);

// Novelty and transience (Barron, Huang, Spang and DeDeo 2018) of rows s_j of X (distributions
// after additive smoothing alpha: s = (x + alpha) / (sum x + D alpha); alpha may be 0 for dense
// rows with every entry > 0):
//   novelty[j] = (1/w) sum_{d=1..w} KL(s_j || s_{j-d})    (NaN when j < w)
//   transience[j] = (1/w) sum_{d=1..w} KL(s_j || s_{j+d}) (NaN when j + w >= N)
// KL in nats times `scale`. Dense: N x D rows. Sparse: CSR counts, alpha > 0 required; cost
// per KL is the two rows' nonzeros (closed form for the smoothed columns).
void novelty_dense(const DenseView<double>& X, int64_t window, double alpha, double scale,
                   const RunOptions& run, double* novelty, double* transience);
void novelty_sparse(const CsrView<double>& X, int64_t window, double alpha, double scale,
                    const RunOptions& run, double* novelty, double* transience);

}  // namespace divergence
