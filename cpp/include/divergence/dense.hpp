// Dense row-major matrices, and the prepared (normalised, padded, transformed) form the dense
// kernels read.
#pragma once

#include <cstdint>
#include <vector>

#include "divergence/metrics.hpp"

namespace divergence {

// A dense matrix of `rows` x `cols`; row r starts at data + r * row_stride (elements).
template <class T>
struct DenseView {
    const T* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t row_stride = 0;
    const T* row(int64_t r) const { return data + r * row_stride; }
};

// A writable row-major output block.
template <class T>
struct OutView {
    T* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t row_stride = 0;
    T* row(int64_t r) const { return data + r * row_stride; }
};

// Per-row scalars the finalisers need (see pairwise.cpp for each metric's formula).
struct RowStats {
    double mass = 0.0;  // sum of the probabilities as used (1 after normalisation)
    double h = 0.0;     // jsd: sum p ln p; kl/jeffreys: sum over all columns p' ln p'
    double lnz = 0.0;   // kl/jeffreys with alpha > 0: ln of the smoothed row's normaliser
    double az = 0.0;    // kl/jeffreys with alpha > 0: alpha / normaliser
    double s = 0.0;   // kl/jeffreys with alpha > 0: sum over the row's nonzeros of ln(1 + x/alpha)
    int64_t nnz = 0;  // nonzero entries
    bool has_zero = false;  // dense rows: some entry is exactly zero
};

}  // namespace divergence
