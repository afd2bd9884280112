// Topic coherence: normalised pointwise mutual information (NPMI, Bouma 2009) of the top words
// of each topic, from document co-occurrence counts in a reference corpus.
//
// For words a, b of one topic, with N documents, D(a) the documents that contain a and D(a, b)
// the documents that contain both (a "document contains" a word when its count is non-zero):
//
//   P(a) = D(a) / N,   P(a, b) = D(a, b) / N
//   NPMI(a, b) = ln(P(a, b) / (P(a) P(b))) / (-ln P(a, b))        for 0 < D(a, b) < N
//   NPMI(a, b) = -1   when D(a, b) = 0 (never together; also when a word never occurs)
//   NPMI(a, b) = +1   when D(a, b) = N (both in every document: P(a, b) = P(a) = P(b))
//
// A topic's coherence is the mean of NPMI over the n(n-1)/2 unordered pairs of its n words
// (n >= 2, no word twice), in [-1, 1]. No smoothing is applied.
//
// Parallel over word pairs; each pair is computed by one task and each topic's mean is summed
// serially in pair order afterwards, so results are bit-identical for any thread count.
#pragma once

#include <cstdint>

#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

// X: documents x words (CSR; only which entries are non-zero matters). Topic t owns the word
// ids words[topic_ptr[t] .. topic_ptr[t+1]); topic_ptr has n_topics + 1 entries starting at 0.
// out: n_topics coherence values. Optional pair_out (sum over topics of n_t(n_t-1)/2 values):
// the NPMI of every pair, topic by topic, pairs (i, j), i < j, in row-major order.
void npmi_coherence(const CsrView<double>& X, const int64_t* topic_ptr, const int32_t* words,
                    int64_t n_topics, const RunOptions& run, double* out,
                    double* pair_out = nullptr);

}  // namespace divergence
