// Sparse kernels: for one CSR row, walk the postings of each of its columns in the inverted
// index of the other operand and accumulate the op into a dense accumulator row. Cost follows
// the number of shared (row, row, column) triples: sum over columns of df^2 for a self-matrix.
#include <algorithm>

#include "kernels.hpp"

namespace divergence {
namespace detail {

namespace {

// tmp[k] = xlogx(p + q[k]) - (pl + ql[k]): the shared-column term of the sparse JSD form
// (symmetric in the two rows, bit for bit). Vectorised; the scatter into acc is separate.
template <class T>
DIVERGENCE_INLINE void mixlog_terms(T p, T pl, const T* __restrict q, const T* __restrict ql,
                                    int64_t n, T* __restrict tmp) {
    for (int64_t k = 0; k < n; ++k) tmp[k] = xlogx<T>(p + q[k]) - (pl + ql[k]);
}

DIVERGENCE_CLONES void mixlog_terms_f64(double p, double pl, const double* q, const double* ql,
                                        int64_t n, double* tmp) {
    mixlog_terms<double>(p, pl, q, ql, n, tmp);
}
DIVERGENCE_CLONES void mixlog_terms_f32(float p, float pl, const float* q, const float* ql,
                                        int64_t n, float* tmp) {
    mixlog_terms<float>(p, pl, q, ql, n, tmp);
}

template <class T>
inline void mixlog_dispatch(T p, T pl, const T* q, const T* ql, int64_t n, T* tmp) {
    if constexpr (sizeof(T) == 8) {
        mixlog_terms_f64(p, pl, q, ql, n, tmp);
    } else {
        mixlog_terms_f32(p, pl, q, ql, n, tmp);
    }
}

// acc[j] += the op of (pa, pb) with head column values q[j], qb[j] for j in [0, n); rows
// without the column (q == 0) add exactly 0, so the sums equal the posting-list path's.
template <class T>
DIVERGENCE_INLINE void head_terms(Op op, T pa, T pb, const T* __restrict q, const T* __restrict qb,
                                  int64_t n, double* __restrict acc) {
    switch (op) {
        case Op::mixlog:
            for (int64_t j = 0; j < n; ++j) {
                const T v = xlogx<T>(pa + q[j]) - (pb + qb[j]);
                acc[j] += q[j] > T(0) ? static_cast<double>(v) : 0.0;
            }
            break;
        case Op::dot:
            for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<double>(pa * q[j]);
            break;
        case Op::min:
            for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<double>(pa < q[j] ? pa : q[j]);
            break;
        case Op::dot2:
            for (int64_t j = 0; j < n; ++j) {
                const T x = pa * qb[j], y = q[j] * pb;
                const T lo = x < y ? x : y, hi = x < y ? y : x;
                acc[j] += static_cast<double>(lo) + static_cast<double>(hi);
            }
            break;
    }
}

DIVERGENCE_CLONES void head_terms_f64(Op op, double pa, double pb, const double* q,
                                      const double* qb, int64_t n, double* acc) {
    head_terms<double>(op, pa, pb, q, qb, n, acc);
}
DIVERGENCE_CLONES void head_terms_f32(Op op, float pa, float pb, const float* q, const float* qb,
                                      int64_t n, double* acc) {
    head_terms<float>(op, pa, pb, q, qb, n, acc);
}

template <class T>
inline void head_dispatch(Op op, T pa, T pb, const T* q, const T* qb, int64_t n, double* acc) {
    if constexpr (sizeof(T) == 8) {
        head_terms_f64(op, pa, pb, q, qb, n, acc);
    } else {
        head_terms_f32(op, pa, pb, q, qb, n, acc);
    }
}

template <class T>
inline void bump(int32_t* count, std::vector<int32_t>* touched, int32_t j) {
    if (touched != nullptr && count[j] == 0) touched->push_back(j);
    ++count[j];
}

}  // namespace

// Adds the op of left entry k (values pa, pb) with postings [b, b + n) of the right operand.
template <class T>
inline void accumulate_segment(Op op, T pa, T pb, const SparseRight<T>& R, int64_t b, int64_t n,
                               double* acc, T* scratch) {
    const int32_t* rows = R.index.rows.data() + b;
    const T* qa = R.a.data() + b;
    switch (op) {
        case Op::mixlog: {
            mixlog_dispatch<T>(pa, pb, qa, R.b.data() + b, n, scratch);
            for (int64_t q = 0; q < n; ++q) acc[rows[q]] += static_cast<double>(scratch[q]);
            break;
        }
        case Op::dot:
            for (int64_t q = 0; q < n; ++q) acc[rows[q]] += static_cast<double>(pa * qa[q]);
            break;
        case Op::min:
            for (int64_t q = 0; q < n; ++q) {
                const T y = qa[q];
                acc[rows[q]] += static_cast<double>(pa < y ? pa : y);
            }
            break;
        case Op::dot2: {
            const T* qb = R.b.data() + b;
            for (int64_t q = 0; q < n; ++q) {
                // min + max: the same bits when the two rows swap, even with fused
                // multiply-adds.
                const T x = pa * qb[q], y = qa[q] * pb;
                const T lo = x < y ? x : y, hi = x < y ? y : x;
                acc[rows[q]] += static_cast<double>(lo) + static_cast<double>(hi);
            }
            break;
        }
    }
}

template <class T>
void sparse_row_accumulate(Op op, const SparsePrepared<T>& L, int64_t i, const SparseRight<T>& R,
                           bool upper_only, double* acc, int32_t* count, T* scratch,
                           std::vector<int32_t>* touched) {
    const CsrView<T>& X = L.X;
    const int64_t base = X.indptr[0];
    const int64_t k0 = X.indptr[i] - base, k1 = X.indptr[i + 1] - base;
    const InvertedIndex& ix = R.index;
    const bool two = !L.b.empty();
    for (int64_t k = k0; k < k1; ++k) {
        const int64_t t = X.indices[base + k];
        const int64_t b =
            upper_only ? ix.csc_pos[static_cast<size_t>(k)] + 1 : ix.colptr[static_cast<size_t>(t)];
        const int64_t e = ix.colptr[static_cast<size_t>(t) + 1];
        if (b >= e) continue;
        const T pb = two ? L.b[static_cast<size_t>(k)] : T(0);
        const int32_t h =
            (count == nullptr && !R.head_of.empty()) ? R.head_of[static_cast<size_t>(t)] : -1;
        if (h >= 0) {
            // Dense head column: rows from the first posting on, contiguously.
            const int64_t j0 = ix.rows[static_cast<size_t>(b)];
            const size_t off =
                static_cast<size_t>(h) * static_cast<size_t>(R.rows) + static_cast<size_t>(j0);
            head_dispatch<T>(op, L.a[static_cast<size_t>(k)], pb, R.ha.data() + off,
                             R.hb.empty() ? R.ha.data() + off : R.hb.data() + off, R.rows - j0,
                             acc + j0);
            continue;
        }
        accumulate_segment<T>(op, L.a[static_cast<size_t>(k)], pb, R, b, e - b, acc, scratch);
        if (count != nullptr) {
            const int32_t* rows = ix.rows.data() + b;
            for (int64_t q = 0; q < e - b; ++q) bump<T>(count, touched, rows[q]);
        }
    }
}

template <class T>
void sparse_row_accumulate_block(Op op, const SparsePrepared<T>& L, int64_t i,
                                 const SparseRight<T>& R, int64_t* cursor, int32_t j_begin,
                                 int32_t j_end, double* acc, T* scratch) {
    const CsrView<T>& X = L.X;
    const int64_t base = X.indptr[0];
    const int64_t k0 = X.indptr[i] - base, k1 = X.indptr[i + 1] - base;
    const InvertedIndex& ix = R.index;
    const bool two = !L.b.empty();
    for (int64_t k = k0; k < k1; ++k) {
        const int64_t t = X.indices[base + k];
        int64_t& b = cursor[k - k0];
        const int64_t e = ix.colptr[static_cast<size_t>(t) + 1];
        if (b >= e) continue;
        const int32_t h = R.head_of.empty() ? -1 : R.head_of[static_cast<size_t>(t)];
        if (h >= 0) {
            // Dense head column, as in sparse_row_accumulate, over this block's rows.
            const int64_t j0 = std::max<int64_t>(j_begin, ix.rows[static_cast<size_t>(b)]);
            if (j0 >= j_end) continue;
            const size_t off =
                static_cast<size_t>(h) * static_cast<size_t>(R.rows) + static_cast<size_t>(j0);
            const T pbh = two ? L.b[static_cast<size_t>(k)] : T(0);
            head_dispatch<T>(op, L.a[static_cast<size_t>(k)], pbh, R.ha.data() + off,
                             R.hb.empty() ? R.ha.data() + off : R.hb.data() + off, j_end - j0,
                             acc + j0);
            continue;
        }
        const int32_t* first = ix.rows.data() + b;
        const int64_t n = std::lower_bound(first, ix.rows.data() + e, j_end) - first;
        if (n == 0) continue;
        const T pb = two ? L.b[static_cast<size_t>(k)] : T(0);
        accumulate_segment<T>(op, L.a[static_cast<size_t>(k)], pb, R, b, n, acc, scratch);
        b += n;
    }
}

template <class T>
void build_head(SparseRight<T>& R, int64_t n_cols, int64_t min_df, int64_t max_bytes) {
    R.head_of.assign(static_cast<size_t>(n_cols), -1);
    R.ha.clear();
    R.hb.clear();
    const InvertedIndex& ix = R.index;
    const int64_t per = R.rows * static_cast<int64_t>(sizeof(T)) * (R.b.empty() ? 1 : 2);
    int32_t H = 0;
    for (int64_t t = 0; t < n_cols; ++t) {
        const int64_t df =
            ix.colptr[static_cast<size_t>(t) + 1] - ix.colptr[static_cast<size_t>(t)];
        if (df >= min_df && (H + 1) * per <= max_bytes) R.head_of[static_cast<size_t>(t)] = H++;
    }
    if (H == 0) {
        R.head_of.clear();
        return;
    }
    R.ha.assign(static_cast<size_t>(H) * static_cast<size_t>(R.rows), T(0));
    if (!R.b.empty()) R.hb.assign(static_cast<size_t>(H) * static_cast<size_t>(R.rows), T(0));
    for (int64_t t = 0; t < n_cols; ++t) {
        const int32_t h = R.head_of[static_cast<size_t>(t)];
        if (h < 0) continue;
        const size_t base = static_cast<size_t>(h) * static_cast<size_t>(R.rows);
        for (int64_t q = ix.colptr[static_cast<size_t>(t)];
             q < ix.colptr[static_cast<size_t>(t) + 1]; ++q) {
            const size_t j = static_cast<size_t>(ix.rows[static_cast<size_t>(q)]);
            R.ha[base + j] = R.a[static_cast<size_t>(q)];
            if (!R.b.empty()) R.hb[base + j] = R.b[static_cast<size_t>(q)];
        }
    }
}

template void build_head<double>(SparseRight<double>&, int64_t, int64_t, int64_t);
template void build_head<float>(SparseRight<float>&, int64_t, int64_t, int64_t);

template void sparse_row_accumulate<double>(Op, const SparsePrepared<double>&, int64_t,
                                            const SparseRight<double>&, bool, double*, int32_t*,
                                            double*, std::vector<int32_t>*);
template void sparse_row_accumulate<float>(Op, const SparsePrepared<float>&, int64_t,
                                           const SparseRight<float>&, bool, double*, int32_t*,
                                           float*, std::vector<int32_t>*);
template void sparse_row_accumulate_block<double>(Op, const SparsePrepared<double>&, int64_t,
                                                  const SparseRight<double>&, int64_t*, int32_t,
                                                  int32_t, double*, double*);
template void sparse_row_accumulate_block<float>(Op, const SparsePrepared<float>&, int64_t,
                                                 const SparseRight<float>&, int64_t*, int32_t,
                                                 int32_t, double*, float*);

}  // namespace detail
}  // namespace divergence
