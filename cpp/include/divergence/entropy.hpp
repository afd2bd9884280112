// Entropy from counts, and the small-sample bias of the plug-in Jensen-Shannon divergence of two
// groups estimated from them.
//
// The plug-in entropy of sampled counts is biased low, most by the words a sample has not yet
// met. The Chao-Wang-Jost estimator (Chao, Wang and Jost 2013, "Entropy and the species
// accumulation curve: a novel entropy estimator via discovery rates of new species", Methods in
// Ecology and Evolution 4: 1091-1100) writes the entropy as the sum over k of the discovery rate
// of new words after k draws, divided by k; the rates up to n - 1 draws have an unbiased
// estimate (the first sum below, Zhang 2012), and the rest is extrapolated from the words seen
// once (f1) and twice (f2):
//
//   H = sum_{i: 1 <= x_i <= n-1} (x_i / n) (psi(n) - psi(x_i))
//       + (f1 / n) (1 - A)^(1 - n) (-ln A - sum_{r=1}^{n-1} (1 - A)^r / r),
//   A = 2 f2 / ((n - 1) f1 + 2 f2) if f2 > 0, 2 / ((n - 1)(f1 - 1) + 2) if f2 = 0 < f1, 1 else.
//
// It assumes independent draws (tokens); divergence's jackknife over statements handles the
// rest (see python/divergence/_util/replicates.py).
#pragma once

#include <cstdint>

#include "divergence/parallel.hpp"

namespace divergence {

// Digamma function psi(x) for x > 0 (recurrence up to 20, then the asymptotic series; relative
// error about 1e-16).
double digamma(double x);

// e^z E1(z) for z > 0 (E1 the exponential integral: its series below 1, a continued fraction
// above).
double exp_e1(double z);

// The extrapolated part's sum (1 - A)^(1 - n) sum_{r >= n} (1 - A)^r / r
//   = sum_{j >= 0} (1 - A)^(j + 1) / (n + j), for n >= 1 and 0 < A < 1,
// summed term by term while that takes few terms, else the first 50 terms and the rest by the
// Euler-Maclaurin formula (integral e^(am) E1(am), a = -ln(1 - A)).
double cwj_tail(double n, double A);

// Plug-in entropy (nats) of the distribution counts / sum(counts); NaN for no mass.
double entropy_plugin(const double* counts, int64_t V);

// The Chao-Wang-Jost estimate (nats) from integer counts (zeros allowed); NaN for no mass.
double entropy_cwj(const double* counts, int64_t V);

// For K groups' integer counts G (K x V, row-major): out[a * K + b] (K x K, symmetric, zero
// diagonal) = the estimated bias (nats) of the plug-in JSD of groups a and b with equal weights,
//   r (Hp(a + b) - Hc(a + b)) - (Hp(a) - Hc(a)) / 2 - (Hp(b) - Hc(b)) / 2,
// Hp the plug-in and Hc the Chao-Wang-Jost entropy. The pooled counts a + b are a sample of the
// size-weighted mixture; r carries their bias to the equally weighted one by the ratio of the two
// mixtures' first-order biases, sum_w (pa_w / n_a + pb_w / n_b) / (4 (pa_w + pb_w)) over
// sum_w 1 / (2 n) (w the words seen, p the groups' relative frequencies, n = n_a + n_b), which is
// 1 for equal group sizes. NaN for a pair with a group without mass. Threaded over pairs; the
// same bits for any thread count.
void jsd_entropy_bias(const double* G, int32_t K, int64_t V, const RunOptions& run, double* out);

}  // namespace divergence
