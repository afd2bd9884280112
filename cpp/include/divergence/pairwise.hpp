// Pairwise divergence matrices and k-nearest rows, dense and sparse (CSR).
//
// Units: natural log (nats) unless MetricOptions::base is set; jensenshannon is sqrt(jsd) in
// the chosen base, as scipy.spatial.distance.jensenshannon. Values are clamped to their ranges
// (rounding never yields a negative divergence). Results are bit-identical for any thread
// count: each output cell is reduced by one task in a fixed order.
#pragma once

#include <cstdint>

#include "divergence/dense.hpp"
#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

// out (X.rows x Y.rows) = d(X_i, Y_j). Pass Y == nullptr for the symmetric case (Y = X):
// then only the upper triangle is computed and mirrored, and the diagonal is exactly 0.
template <class T>
void pairwise_dense(const DenseView<T>& X, const DenseView<T>* Y, const MetricOptions& m,
                    const RunOptions& run, const OutView<T>& out);

template <class T>
void pairwise_sparse(const CsrView<T>& X, const CsrView<T>* Y, const MetricOptions& m,
                     const RunOptions& run, const OutView<T>& out);

// For each row i of X, the k rows j of Y with the smallest d(X_i, Y_j), ascending, ties broken
// by the smaller j. With Y == nullptr, Y = X and j == i is excluded. Memory O(rows * k) plus
// per-thread scratch of O(Y.rows); the full matrix is never formed.
template <class T>
void nearest_dense(const DenseView<T>& X, const DenseView<T>* Y, int64_t k, const MetricOptions& m,
                   const RunOptions& run, int64_t* indices_out, T* values_out);

template <class T>
void nearest_sparse(const CsrView<T>& X, const CsrView<T>* Y, int64_t k, const MetricOptions& m,
                    const RunOptions& run, int64_t* indices_out, T* values_out);

// The natural logarithm the kernels use (positive, finite, normal inputs), over an array:
// exposed so tests can measure its accuracy (1e-12 relative in float64, 1e-6 in float32).
void fast_log(const double* x, double* y, int64_t n);
void fast_log(const float* x, float* y, int64_t n);

}  // namespace divergence
