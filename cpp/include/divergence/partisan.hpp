// Partisanship of speech: how well one phrase tells a listener which group a speaker belongs to
// (Gentzkow, Shapiro and Taddy 2019, "Measuring Group Differences in High-Dimensional Choices",
// Econometrica 87(4)), generalised to G >= 2 groups.
//
// Notation. Speaker i (a row of the CSR count matrix X; a speaker's statements are summed
// beforehand) belongs to group g(i), has counts c_i, total m_i > 0 and frequencies
// q_i = c_i / m_i. Group g has totals C_g = sum_{i in g} c_i, M_g = sum_{i in g} m_i and
// frequencies q^g = C_g / M_g. The posterior on group g after phrase j (equal priors 1/G) is
//     rho_{g,j} = q^g_j / sum_h q^h_j.
//
// Plug-in:   pi    = (1/G) sum_g q^g . rho_g
// Leave-out: pi_LO = (1/G) sum_g mean_{i in g} q_i . rho_{g,-i}
// where rho_{g,-i} is rho_g computed with speaker i removed from its group's totals
// (C_g - c_i, M_g - m_i); the other groups' frequencies are unchanged. Speakers are equally
// weighted within a group, groups equally across groups. For two groups this is exactly GST's
// pi = 1/2 q^R . rho + 1/2 q^D . (1 - rho) and its leave-out version.
//
// Cost. q_i . rho_{g,-i} = sum_{j : c_ij > 0} q_ij rho_{g,-i,j} needs rho_{g,-i} only on the
// phrases speaker i used, so after one pass for the group totals C (G x V) and, per group, the
// summed frequency of the other groups O_g = sum_{h != g} q^h (prefix + suffix sums, O(G V)),
// every speaker costs O(its nonzeros): the leave-out estimate is O(nnz + G V).
//
// A phrase j that no remaining speaker used (C_{g,j} - c_ij = 0 and O_{g,j} = 0: speaker i is
// the only one, in any group, who said it) tells a listener nothing: rho_{g,-i,j} = 1/G, the
// prior (METHODS.md). Such phrases pull pi_LO towards 1/G; the same rule in the plug-in never
// applies (a phrase in q^g has q^g_j > 0).
//
// A group whose only speaker is i leaves no one to estimate q^g_{-i}: the observed leave-out
// estimate then refuses (InputError: every group needs at least two speakers with tokens).
//
// Inference, each replicate r with its own stream (bit-identical for any thread count):
// - bootstrap: speakers resampled with replacement within each group (group sizes kept); a
//   speaker drawn w times counts w times in the group totals, in the plug-in and in its group's
//   mean, and the leave-out removes all w copies (rho_{-i} never includes speaker i). A
//   replicate in which some group drew one speaker only has no leave-out value: NaN.
// - shuffled labels: group labels permuted over speakers (group sizes kept); the mean over
//   replicates is the partisanship that noise alone gives speakers of these sizes.
#pragma once

#include <cstdint>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

// Stream tags of this procedure (distinct from random.hpp's, so that one seed never gives
// partisanship and group comparison the same stream).
inline constexpr uint64_t kTagPartisanBootstrap = 0x5041525431ULL;    // "PART1"
inline constexpr uint64_t kTagPartisanPermutation = 0x5041525432ULL;  // "PART2"

struct PartisanOptions {
    int64_t n_bootstrap = 0;
    int64_t n_permutations = 0;
    uint64_t seed = 0;
};

// Outputs (caller-allocated, row-major; may be null when not wanted / the count is 0):
//   observed[2]          plug-in pi, leave-out pi_LO
//   by_group[G * 2]      per group g: q^g . rho_g and mean_{i in g} q_i . rho_{g,-i}
//   per_speaker[N]       q_i . rho_{g(i),-i} (the speaker's leave-out score)
//   boot[B * 2]          bootstrap replicates (pi, pi_LO); pi_LO may be NaN (see above)
//   perm[P * 2]          shuffled-label replicates (pi, pi_LO)
// X: speakers x phrases counts (CSR, finite, >= 0, every row with mass); labels[i] in [0, G);
// every group needs at least two speakers.
void partisanship(const CsrView<double>& X, const int32_t* labels, int32_t G,
                  const PartisanOptions& opt, const RunOptions& run, double* observed,
                  double* by_group, double* per_speaker, double* boot, double* perm);

// Row sums by owner: out row o = sum of the rows i of X with owner[i] == o (o in [0, n_out)),
// CSR with strictly increasing column indices; rows added in increasing i (same bits for any
// thread count). Row-major: each owner's rows go into a dense accumulator, then its distinct
// columns are sorted: O(nnz + sum over out rows of k log k), k its distinct columns; threads
// take chunks of owners. Honours run.stop.
struct RowSums {
    std::vector<int64_t> indptr;
    std::vector<int32_t> indices;
    std::vector<double> data;
};
RowSums sum_rows_by(const CsrView<double>& X, const int64_t* owner, int64_t n_out,
                    const RunOptions& run);

}  // namespace divergence
