// Internal: prepared operands and the per-pair kernels shared by pairwise and nearest.
//
// Every metric is computed as finalise(acc, stats_i, stats_j), where acc is a sum over columns
// of an elementwise operation on transformed rows:
//
//   metric          left element        right element       op      acc
//   jsd, js         p (+ p ln p)        q (+ q ln q)        mixlog  sum s ln s - p ln p - q ln q
//   hellinger, bh   sqrt p              sqrt q              dot     sum sqrt(p q)
//   tv              p                   q                   min     sum min(p, q)
//   cosine          x / |x|             y / |y|             dot     cosine similarity
//   kl  (alpha>0)   x / Z_x             ln(1 + y / alpha)   dot     see finalise
//   kl  (alpha=0)   p                   ln q                dot     sum p ln q (+ overlap count)
//   jeffreys (a>0)  (x/Z_x, ln(1+x/a))  (y/Z_y, ln(1+y/a))  dot2    sum a1 b2 + b1 a2
//   jeffreys (a=0)  (p, ln p)           (q, ln q)           dot2    (+ overlap count)
//
// (mixlog: s = p + q.)
//
// Every op is zero when either side's entry is zero, so the same acc is a sum over the shared
// support of sparse rows: that is what makes the inverted-index algorithm exact.
// With smoothing, p'_t = (x_t + alpha) / Z_x, Z_x = sum x + V alpha, and
//   KL(p'||q') = A_x + ln Z_y - ln alpha - (alpha / Z_x) S_y
//                - sum_{t in x and y} (x_t / Z_x) ln(1 + y_t/alpha)
// where A_x = sum over all V columns of p' ln p' and S_y = sum_{t in y} ln(1 + y_t / alpha).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "divergence/dense.hpp"
#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {
namespace detail {

enum class Op { mixlog, dot, min, dot2 };

inline Op op_for(Metric m) {
    switch (m) {
        case Metric::jsd:
        case Metric::jensenshannon: return Op::mixlog;
        case Metric::tv: return Op::min;
        case Metric::jeffreys: return Op::dot2;
        default: return Op::dot;
    }
}

// Which transform a prepared operand holds.
enum class Side { left, right, both };

// Lanes of the dense accumulators: fixed per dtype, independent of the instruction set and
// of the thread count. (The AVX2/AVX-512 clones fuse multiply-adds, so the last bits can differ
// between CPUs; on one machine they never depend on the number of threads.)
template <class T>
constexpr int64_t kLanes = sizeof(T) == 8 ? 8 : 16;

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Dense operand: rows x (arrays * W) values, W = cols rounded up to kLanes (zero padding).
template <class T>
struct DensePrepared {
    int64_t rows = 0, cols = 0, W = 0;
    int arrays = 1;
    std::vector<T> v;  // row r: v[r * ld ...]
    std::vector<RowStats> stats;
    int64_t ld() const { return W * arrays; }
    const T* row(int64_t r) const { return v.data() + r * ld(); }
};

// Sparse operand in CSR order (left side), and optionally a copy in inverted-index order
// (right side): a/b are the first/second transformed arrays.
template <class T>
struct SparsePrepared {
    CsrView<T> X;
    std::vector<T> a, b;
    std::vector<RowStats> stats;
};

template <class T>
struct SparseRight {
    InvertedIndex index;
    std::vector<T> a, b;  // in posting order
    std::vector<RowStats> stats;
    int64_t rows = 0;
    // Dense "head": columns used by a large share of the rows, stored column by column over
    // all rows (zeros where a row does not use the column), so their contributions are added
    // with contiguous, vectorised loops instead of posting-list scatters. head_of[t] is the
    // head slot of column t or -1; ha/hb hold slot h at [h * rows, (h + 1) * rows).
    std::vector<int32_t> head_of;
    std::vector<T> ha, hb;
};

// Builds the head of R for columns with df >= min_df (at most max_bytes of storage).
template <class T>
void build_head(SparseRight<T>& R, int64_t n_cols, int64_t min_df, int64_t max_bytes);

// Calls fn(std::integral_constant<Metric, m>{}) for the runtime metric m, so that per-metric
// code is compiled once per metric (and loops over it vectorise without a switch inside).
template <class Fn>
decltype(auto) with_metric(Metric m, Fn&& fn) {
    switch (m) {
        case Metric::jsd: return fn(std::integral_constant<Metric, Metric::jsd>{});
        case Metric::jensenshannon:
            return fn(std::integral_constant<Metric, Metric::jensenshannon>{});
        case Metric::hellinger: return fn(std::integral_constant<Metric, Metric::hellinger>{});
        case Metric::bhattacharyya:
            return fn(std::integral_constant<Metric, Metric::bhattacharyya>{});
        case Metric::tv: return fn(std::integral_constant<Metric, Metric::tv>{});
        case Metric::cosine: return fn(std::integral_constant<Metric, Metric::cosine>{});
        case Metric::kl: return fn(std::integral_constant<Metric, Metric::kl>{});
        case Metric::jeffreys: break;
    }
    return fn(std::integral_constant<Metric, Metric::jeffreys>{});
}

struct Finalizer {
    Metric metric;
    double alpha;
    double lnalpha;
    double scale;
    bool sqrt_out;

    explicit Finalizer(const MetricOptions& m)
        : metric(m.metric),
          alpha(m.alpha),
          lnalpha(m.alpha > 0 ? std::log(m.alpha) : 0.0),
          scale(log_scale(m)),
          sqrt_out(m.metric == Metric::jensenshannon) {}

    // acc: the op's sum over shared columns (for mixlog, the sparse form); a: the left row's
    // stats; the right row's stats are passed one by one so that a loop over right rows can
    // read them from separate arrays (and vectorise).
    template <Metric M>
    DIVERGENCE_INLINE double eval(double acc, const RowStats& a, double b_mass, double b_h,
                                  double b_lnz, double b_az, double b_s) const {
        double v;
        if constexpr (M == Metric::jsd || M == Metric::jensenshannon) {
            const double top = 0.5 * kLn2 * (a.mass + b_mass);
            v = top - 0.5 * acc;
            v = v > 0.0 ? v : 0.0;
            v = (v < top ? v : top) * scale;  // rounding never leaves [0, ln 2]
            if constexpr (M == Metric::jensenshannon) v = std::sqrt(v);
            return v;
        } else if constexpr (M == Metric::hellinger) {
            v = 0.5 * (a.mass + b_mass) - acc;
            v = v > 0.0 ? v : 0.0;
            return std::sqrt(v < 1.0 ? v : 1.0);
        } else if constexpr (M == Metric::bhattacharyya) {
            if (acc <= 0.0) return HUGE_VAL;
            v = -std::log(acc);
            return v > 0.0 ? v * scale : 0.0;
        } else if constexpr (M == Metric::tv) {
            v = 0.5 * (a.mass + b_mass) - acc;
            v = v > 0.0 ? v : 0.0;
            return v < 1.0 ? v : 1.0;
        } else if constexpr (M == Metric::cosine) {
            v = 1.0 - acc;
            v = v > 0.0 ? v : 0.0;
            return v < 1.0 ? v : 1.0;
        } else if constexpr (M == Metric::kl) {
            if (alpha > 0.0) {
                v = a.h + b_lnz - lnalpha - a.az * b_s - acc;
            } else {
                v = a.h - acc;
            }
            return in_units(v);
        } else {
            if (alpha > 0.0) {
                // Grouped so that swapping a and b gives the same bits.
                v = (a.h + b_h) + (a.lnz + b_lnz) - 2.0 * lnalpha - (a.az * b_s + b_az * a.s) - acc;
            } else {
                v = a.h + b_h - acc;
            }
            return in_units(v);
        }
    }

    // A divergence in nats, clamped at 0 (rounding never makes it negative), in the requested
    // units: the last step of kl and jeffreys.
    DIVERGENCE_INLINE double in_units(double v) const { return (v > 0.0 ? v : 0.0) * scale; }

    double operator()(double acc, const RowStats& a, const RowStats& b) const {
        return with_metric(metric, [&](auto M) {
            return eval<decltype(M)::value>(acc, a, b.mass, b.h, b.lnz, b.az, b.s);
        });
    }

    // The value of a pair that shares no column (acc = 0).
    double base(const RowStats& a, const RowStats& b) const { return (*this)(0.0, a, b); }
    // True when base() does not depend on the rows (all metrics but kl/jeffreys with smoothing,
    // for normalised rows).
    bool constant_base() const { return !(metric_uses_alpha(metric) && alpha > 0.0); }
};

// The stats of a normalised row as far as the finalisers of jsd, jensenshannon, hellinger,
// bhattacharyya, tv and cosine read them (mass 1), for callers that form acc themselves.
inline RowStats normalised_row_stats() {
    RowStats s;
    s.mass = 1.0;
    return s;
}

// Right-row stats as separate arrays, for vectorised finalisation of a whole output row.
struct StatsSoA {
    std::vector<double> mass, h, lnz, az, s;
    explicit StatsSoA(const std::vector<RowStats>& st) {
        const size_t n = st.size();
        mass.resize(n);
        h.resize(n);
        lnz.resize(n);
        az.resize(n);
        s.resize(n);
        for (size_t j = 0; j < n; ++j) {
            mass[j] = st[j].mass;
            h[j] = st[j].h;
            lnz[j] = st[j].lnz;
            az[j] = st[j].az;
            s[j] = st[j].s;
        }
    }
};

// out[j - base] = fin(acc[j - base], a, R_j) for j in [j0, j1), then acc[j - base] = 0
// (base: where acc and out start when they hold a block of columns; 0 for whole rows).
template <class T, Metric M>
void finalize_range_impl(const Finalizer& f, const RowStats& a, const StatsSoA& R, double* acc,
                         int64_t j0, int64_t j1, T* out, int64_t base) {
    const double* bm = R.mass.data();
    const double* bh = R.h.data();
    const double* bl = R.lnz.data();
    const double* ba = R.az.data();
    const double* bs = R.s.data();
    for (int64_t j = j0; j < j1; ++j) {
        out[j - base] =
            static_cast<T>(f.eval<M>(acc[j - base], a, bm[j], bh[j], bl[j], ba[j], bs[j]));
        acc[j - base] = 0.0;
    }
}

template <class T>
void finalize_range(const Finalizer& f, const RowStats& a, const StatsSoA& R, double* acc,
                    int64_t j0, int64_t j1, T* out, int64_t base = 0) {
    with_metric(f.metric, [&](auto M) {
        finalize_range_impl<T, decltype(M)::value>(f, a, R, acc, j0, j1, out, base);
    });
}

// kl/jeffreys with alpha = 0 need the support of p inside the support of q (and the reverse
// for jeffreys): checked with a count of shared columns.
inline bool needs_support_check(const MetricOptions& m) {
    return metric_uses_alpha(m.metric) && m.alpha == 0.0;
}

[[noreturn]] void throw_support_error(const MetricOptions& m, int64_t i, int64_t j, bool symmetric);

// Lowest (i, j) in row-major order at which a support violation was seen (kl/jeffreys alpha=0).
struct FirstViolation {
    std::atomic<int64_t> key{std::numeric_limits<int64_t>::max()};
    int64_t cols;
    explicit FirstViolation(int64_t c) : cols(c) {}
    void record(int64_t i, int64_t j) {
        const int64_t k = i * cols + j;
        int64_t cur = key.load();
        while (k < cur && !key.compare_exchange_weak(cur, k)) {
        }
    }
    bool any() const { return key.load() != std::numeric_limits<int64_t>::max(); }
    bool beyond(int64_t i) const { return i * cols > key.load(); }
    void raise(const MetricOptions& m, bool symmetric) const {
        const int64_t k = key.load();
        throw_support_error(m, k / cols, k % cols, symmetric);
    }
};

// Support check for kl/jeffreys with alpha = 0 given the count of shared columns.
inline bool support_ok(Metric metric, int32_t shared, const RowStats& a, const RowStats& b) {
    if (metric == Metric::kl) return shared == a.nnz;
    return shared == a.nnz && shared == b.nnz;
}

template <class T>
inline CsrView<T> dense_to_csr(const DenseView<T>& X, std::vector<int64_t>& indptr,
                               std::vector<int32_t>& indices, std::vector<T>& data) {
    indptr.assign(static_cast<size_t>(X.rows + 1), 0);
    indices.clear();
    data.clear();
    for (int64_t r = 0; r < X.rows; ++r) {
        const T* x = X.row(r);
        for (int64_t c = 0; c < X.cols; ++c) {
            if (x[c] != T(0)) {
                indices.push_back(static_cast<int32_t>(c));
                data.push_back(x[c]);
            }
        }
        indptr[static_cast<size_t>(r + 1)] = static_cast<int64_t>(indices.size());
    }
    CsrView<T> v;
    v.indptr = indptr.data();
    v.indices = indices.data();
    v.data = data.data();
    v.rows = X.rows;
    v.cols = X.cols;
    return v;
}

// ---------------------------------------------------------------------------------------------
// Preparation (prepare.cpp)
// ---------------------------------------------------------------------------------------------
template <class T>
DensePrepared<T> prepare_dense(const DenseView<T>& X, const MetricOptions& m, Side side,
                               const char* name, const ParallelConfig& pc);

template <class T>
SparsePrepared<T> prepare_sparse(const CsrView<T>& X, const MetricOptions& m, Side side,
                                 const char* name, const ParallelConfig& pc);

template <class T>
SparseRight<T> make_right(const SparsePrepared<T>& P, const ParallelConfig& pc);

// The two operands of a dense call (pairwise or nearest): the rows of X as the left operand, the
// rows of Y as the right one; Y == nullptr means Y = X, and with a symmetric metric the left
// operand then serves as the right one too (prepared once, Side::both).
template <class T>
struct DenseOperands {
    DensePrepared<T> left, right_own;
    bool shared = false;  // the right operand is `left`
    // kl / jeffreys without smoothing and a zero entry in a row they take logs of: the dense
    // log-rows are undefined, so the call goes through the sparse path with its support check.
    bool zeros_need_sparse = false;
    const DensePrepared<T>& right() const { return shared ? left : right_own; }
};

template <class T>
DenseOperands<T> prepare_dense_operands(const DenseView<T>& X, const DenseView<T>* Y,
                                        const MetricOptions& m, const ParallelConfig& pc);

// The same for CSR operands: the left rows in CSR order, the right ones in inverted-index order.
template <class T>
struct SparseOperands {
    SparsePrepared<T> left;
    SparseRight<T> right;
};

template <class T>
SparseOperands<T> prepare_sparse_operands(const CsrView<T>& X, const CsrView<T>* Y,
                                          const MetricOptions& m, const ParallelConfig& pc);

// Calls fn(SX, SY) with CSR copies of X and Y (SY == nullptr when Y is): the sparse path for
// dense input that DenseOperands::zeros_need_sparse sends there.
template <class T, class Fn>
void with_csr_copies(const DenseView<T>& X, const DenseView<T>* Y, Fn&& fn) {
    std::vector<int64_t> ip1, ip2;
    std::vector<int32_t> ix1, ix2;
    std::vector<T> d1, d2;
    const CsrView<T> SX = dense_to_csr(X, ip1, ix1, d1);
    if (Y == nullptr) {
        fn(SX, static_cast<const CsrView<T>*>(nullptr));
        return;
    }
    const CsrView<T> SY = dense_to_csr(*Y, ip2, ix2, d2);
    fn(SX, &SY);
}

// ---------------------------------------------------------------------------------------------
// Dense tile kernels (dense_kernels.cpp): acc[i * nj + j] for rows i of A, j of B, each the
// op's sum over W columns (mixlog: the dense form sum s ln s). With `upper`, only j > i (+ j0
// offset) is computed.
// ---------------------------------------------------------------------------------------------
template <class T>
struct TileArgs {
    const T* A;
    int64_t lda;
    const T* B;
    int64_t ldb;
    int64_t W;
    int64_t ni, nj;
    int64_t diag;  // compute only j > i + diag (use a large negative value for all)
    double* acc;
};

// The kernels' logarithm over an array (same clone as the kernels use), for accuracy tests.
void fast_log_array(const double* x, double* y, int64_t n);
void fast_log_array(const float* x, float* y, int64_t n);

void tile_f64(Op op, const TileArgs<double>& t);
void tile_f32(Op op, const TileArgs<float>& t);

template <class T>
inline void tile(Op op, const TileArgs<T>& t) {
    if constexpr (sizeof(T) == 8) {
        tile_f64(op, t);
    } else {
        tile_f32(op, t);
    }
}

// Sparse row kernel (sparse_kernels.cpp): for CSR row i of the left operand, add the op over
// each shared column to acc[j] for every posting j of the right operand; postings of column t
// are walked from the column start, or with `upper_only` (L and R the same matrix) from just after
// row i itself. When `count` is not null, count[j] += 1 per shared column; when `touched` is
// not null too, each j is appended the first time it is reached (count 0 -> 1).
template <class T>
void sparse_row_accumulate(Op op, const SparsePrepared<T>& L, int64_t i, const SparseRight<T>& R,
                           bool upper_only, double* acc, int32_t* count, T* scratch,
                           std::vector<int32_t>* touched);

// As sparse_row_accumulate (not upper-only, no counts), restricted to right rows j < j_end:
// cursor[q] (one per entry of row i, initialised to its column's first posting) is advanced
// past the postings used, so calling it for increasing j_end walks each posting once. Keeps
// the accumulator block in cache when the right operand has many rows.
template <class T>
void sparse_row_accumulate_block(Op op, const SparsePrepared<T>& L, int64_t i,
                                 const SparseRight<T>& R, int64_t* cursor, int32_t j_begin,
                                 int32_t j_end, double* acc, T* scratch);

// The dense-head threshold shared by pairwise and nearest (so both give the same bits):
// columns used by at least half of the right rows (and >= 64), at most 256 MB. (Lower
// thresholds measured slower: the dense loop also walks the rows without the column.)
inline int64_t head_min_df(int64_t rows) { return std::max<int64_t>(64, rows / 2); }
inline constexpr int64_t kHeadMaxBytes = int64_t(256) << 20;

// Largest posting list length (scratch size for sparse_row_accumulate).
inline int64_t max_postings(const InvertedIndex& ix) {
    int64_t m = 0;
    for (size_t c = 0; c + 1 < ix.colptr.size(); ++c)
        m = std::max(m, ix.colptr[c + 1] - ix.colptr[c]);
    return m;
}

}  // namespace detail
}  // namespace divergence
