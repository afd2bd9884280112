// Validation and per-metric transformation of the input rows (see kernels.hpp for the table).
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "kernels.hpp"

namespace divergence {

template <class T>
InvertedIndex build_inverted_index(const CsrView<T>& X) {
    InvertedIndex ix;
    const int64_t base = X.indptr[0];
    const int64_t nnz = X.nnz();
    ix.colptr.assign(static_cast<size_t>(X.cols + 1), 0);
    for (int64_t k = 0; k < nnz; ++k) ++ix.colptr[static_cast<size_t>(X.indices[base + k]) + 1];
    for (int64_t c = 0; c < X.cols; ++c) {
        ix.colptr[static_cast<size_t>(c + 1)] += ix.colptr[static_cast<size_t>(c)];
    }
    ix.rows.resize(static_cast<size_t>(nnz));
    ix.src.resize(static_cast<size_t>(nnz));
    ix.csc_pos.resize(static_cast<size_t>(nnz));
    std::vector<int64_t> fill(ix.colptr.begin(), ix.colptr.end() - 1);
    for (int64_t r = 0; r < X.rows; ++r) {
        for (int64_t k = X.indptr[r] - base; k < X.indptr[r + 1] - base; ++k) {
            const size_t c = static_cast<size_t>(X.indices[base + k]);
            const int64_t pos = fill[c]++;
            ix.rows[static_cast<size_t>(pos)] = static_cast<int32_t>(r);
            ix.src[static_cast<size_t>(pos)] = k;
            ix.csc_pos[static_cast<size_t>(k)] = pos;
        }
    }
    return ix;
}

namespace detail {

namespace {

enum class Status : uint8_t { ok, nonfinite, negative, empty, unnormalised, stored_zero, overflow };

struct RowCheck {
    Status status = Status::ok;
    int64_t col = -1;
    double value = 0.0;
};

std::string fmt(double v) {
    std::ostringstream os;
    os.precision(10);
    os << v;
    return os.str();
}

// Raises the error for the lowest bad row (deterministic whatever the thread count).
void raise_first(const std::vector<RowCheck>& checks, const char* name, const MetricOptions& m) {
    std::vector<int64_t> empty;
    for (int64_t r = 0; r < static_cast<int64_t>(checks.size()); ++r) {
        const RowCheck& c = checks[static_cast<size_t>(r)];
        switch (c.status) {
            case Status::ok: break;
            case Status::nonfinite:
                throw InputError(std::string(name) + ": row " + std::to_string(r) + ", column " +
                                 std::to_string(c.col) + " is " + fmt(c.value) +
                                 "; divergences need finite, non-negative values");
            case Status::negative:
                throw InputError(std::string(name) + ": row " + std::to_string(r) + ", column " +
                                 std::to_string(c.col) + " is negative (" + fmt(c.value) +
                                 "); divergences need non-negative counts or probabilities");
            case Status::stored_zero:
                throw InputError(std::string(name) + ": row " + std::to_string(r) +
                                 " stores an explicit zero at column " + std::to_string(c.col) +
                                 "; call eliminate_zeros() on the sparse matrix first");
            case Status::unnormalised:
                throw InputError(std::string(name) + ": row " + std::to_string(r) + " sums to " +
                                 fmt(c.value) +
                                 ", not 1; with normalize=False rows must be probability "
                                 "distributions (pass normalize=True to normalise them)");
            case Status::overflow:
                throw InputError(std::string(name) + ": row " + std::to_string(r) +
                                 " sums to more than the largest float64; rescale the row (for "
                                 "example divide it by its largest value)");
            case Status::empty: empty.push_back(r); break;
        }
    }
    if (!empty.empty()) {
        std::string rows;
        for (size_t i = 0; i < empty.size() && i < 10; ++i) {
            rows += (i ? ", " : "") + std::to_string(empty[i]);
        }
        if (empty.size() > 10) rows += ", ...";
        throw InputError(std::string(name) + ": " + std::to_string(empty.size()) +
                         (empty.size() == 1 ? " row has" : " rows have") +
                         " no mass (all zeros): row" + (empty.size() == 1 ? " " : "s ") + rows +
                         "; an empty statement has no distribution, drop such rows first");
    }
    (void)m;
}

template <class T>
constexpr double sum_tolerance() {
    return sizeof(T) == 8 ? 1e-6 : 1e-4;
}

// Fills stats and the transformed values of one row given (column, value) pairs.
// `emit(col, a, b)` stores the transformed values.
struct RowTransform {
    const MetricOptions& m;
    Side side;
    int64_t V;

    template <class T, class Iter, class Emit>
    void apply(Iter begin, Iter end, double raw_sum, int64_t nnz, RowStats& st, Emit&& emit) const {
        const bool norm = m.normalize;
        // Divide (not multiply by 1/sum): a subnormal sum has no finite inverse.
        const double div = norm ? raw_sum : 1.0;
        st.mass = norm ? 1.0 : raw_sum;
        st.nnz = nnz;
        switch (m.metric) {
            case Metric::jsd:
            case Metric::jensenshannon: {
                double h = 0.0;
                for (Iter it = begin; it != end; ++it) {
                    const T p = static_cast<T>(it.value() / div);
                    const double pl = xlogx<double>(static_cast<double>(p));
                    h += pl;
                    emit(it.col(), p, static_cast<T>(pl));
                }
                st.h = h;
                break;
            }
            case Metric::hellinger:
            case Metric::bhattacharyya:
                for (Iter it = begin; it != end; ++it) {
                    emit(it.col(), static_cast<T>(std::sqrt(it.value() / div)), T(0));
                }
                break;
            case Metric::tv:
                for (Iter it = begin; it != end; ++it) {
                    emit(it.col(), static_cast<T>(it.value() / div), T(0));
                }
                break;
            case Metric::cosine: {
                // Scaled by the largest entry so that squares neither overflow nor underflow.
                double mx = 0.0;
                for (Iter it = begin; it != end; ++it) mx = std::max(mx, it.value());
                double ss = 0.0;
                for (Iter it = begin; it != end; ++it) ss += (it.value() / mx) * (it.value() / mx);
                const double nrm = std::sqrt(ss);
                for (Iter it = begin; it != end; ++it) {
                    emit(it.col(), static_cast<T>((it.value() / mx) / nrm), T(0));
                }
                break;
            }
            case Metric::kl:
            case Metric::jeffreys: {
                if (m.alpha > 0.0) {
                    const double a = m.alpha;
                    const double Z = raw_sum + static_cast<double>(V) * a;
                    const double invz = 1.0 / Z;
                    double A = 0.0, S = 0.0;
                    for (Iter it = begin; it != end; ++it) {
                        const double x = it.value();
                        const double pp = (x + a) * invz;
                        A += pp * std::log(pp);
                        const double L = smoothed_log_ratio(x, a);
                        S += L;
                        const T w = static_cast<T>(x / Z);
                        if (side == Side::left) {
                            emit(it.col(), w, T(0));
                        } else if (side == Side::right) {
                            emit(it.col(), static_cast<T>(L), T(0));
                        } else {
                            emit(it.col(), w, static_cast<T>(L));
                        }
                    }
                    const double p0 = a * invz;
                    A += static_cast<double>(V - nnz) * p0 * std::log(p0);
                    st.h = A;
                    st.lnz = std::log(Z);
                    st.az = p0;
                    st.s = S;
                } else {
                    double A = 0.0;
                    for (Iter it = begin; it != end; ++it) {
                        const double x = it.value();
                        const T p = static_cast<T>(x / div);
                        const double pd = static_cast<double>(p);
                        const double lp = pd > 0.0 ? std::log(pd) : 0.0;
                        A += pd > 0.0 ? pd * lp : 0.0;
                        if (side == Side::left) {
                            emit(it.col(), p, T(0));
                        } else if (side == Side::right) {
                            emit(it.col(), static_cast<T>(lp), T(0));
                        } else {
                            emit(it.col(), p, static_cast<T>(lp));
                        }
                    }
                    st.h = A;
                }
                break;
            }
        }
    }
};

template <class T>
struct DenseIter {
    const T* p;
    int64_t c;
    int64_t end;
    // Skips zeros (they contribute nothing; dense zeros are handled by padding semantics).
    void skip() {
        while (c < end && p[c] == T(0)) ++c;
    }
    DenseIter& operator++() {
        ++c;
        skip();
        return *this;
    }
    bool operator!=(const DenseIter& o) const { return c != o.c; }
    int64_t col() const { return c; }
    double value() const { return static_cast<double>(p[c]); }
};

template <class T>
struct SparseIter {
    const int32_t* idx;
    const T* val;
    int64_t k;
    SparseIter& operator++() {
        ++k;
        return *this;
    }
    bool operator!=(const SparseIter& o) const { return k != o.k; }
    int64_t col() const { return idx[k]; }
    double value() const { return static_cast<double>(val[k]); }
};

template <class T>
RowCheck check_values(const T* vals, const int32_t* cols, int64_t n, const MetricOptions& m,
                      bool sparse, double& sum, int64_t& nnz, bool& has_zero) {
    RowCheck rc;
    sum = 0.0;
    nnz = 0;
    has_zero = false;
    for (int64_t k = 0; k < n; ++k) {
        const T x = vals[k];
        if (!std::isfinite(x)) {
            rc = {Status::nonfinite, cols ? cols[k] : k, static_cast<double>(x)};
            return rc;
        }
        if (x < T(0)) {
            rc = {Status::negative, cols ? cols[k] : k, static_cast<double>(x)};
            return rc;
        }
        if (x == T(0)) {
            if (sparse) {
                rc = {Status::stored_zero, cols[k], 0.0};
                return rc;
            }
            has_zero = true;
        } else {
            ++nnz;
        }
        sum += static_cast<double>(x);
    }
    if (sum == 0.0) {
        rc.status = Status::empty;
        return rc;
    }
    if (!std::isfinite(sum)) {
        rc = {Status::overflow, -1, sum};
        return rc;
    }
    if (!m.normalize && m.metric != Metric::cosine && std::fabs(sum - 1.0) > sum_tolerance<T>()) {
        rc = {Status::unnormalised, -1, sum};
    }
    return rc;
}

int arrays_for(const MetricOptions& m, Side side) {
    return (m.metric == Metric::jeffreys || side == Side::both) && metric_uses_alpha(m.metric) ? 2
                                                                                               : 1;
}

}  // namespace

void throw_support_error(const MetricOptions& m, int64_t i, int64_t j, bool symmetric) {
    std::string what = m.metric == Metric::kl
                           ? "q (row " + std::to_string(j) + " of " + (symmetric ? "X" : "Y") +
                                 ") is zero where p (row " + std::to_string(i) + " of X) is not"
                           : "row " + std::to_string(i) + " of X and row " + std::to_string(j) +
                                 " of " + (symmetric ? "X" : "Y") +
                                 " do not have the same support (nonzero columns)";
    throw InputError("alpha: " + metric_name(m.metric) + " with alpha=0 is infinite here: " + what +
                     "; pass alpha > 0 (additive smoothing, e.g. alpha=0.5) or use jsd");
}

template <class T>
DensePrepared<T> prepare_dense(const DenseView<T>& X, const MetricOptions& m, Side side,
                               const char* name, const ParallelConfig& pc) {
    DensePrepared<T> P;
    P.rows = X.rows;
    P.cols = X.cols;
    P.W = round_up(std::max<int64_t>(X.cols, 1), kLanes<T>);
    P.arrays = arrays_for(m, side);
    P.v.assign(static_cast<size_t>(P.rows * P.ld()), T(0));
    P.stats.assign(static_cast<size_t>(P.rows), RowStats{});
    std::vector<RowCheck> checks(static_cast<size_t>(P.rows));
    RowTransform tr{m, side, X.cols};
    parallel_for(P.rows, balanced_chunk(P.rows, pc.n_threads, 64), pc,
                 [&](int64_t r0, int64_t r1, int) {
                     for (int64_t r = r0; r < r1; ++r) {
                         const T* x = X.row(r);
                         double sum;
                         int64_t nnz;
                         bool has_zero;
                         RowCheck rc =
                             check_values<T>(x, nullptr, X.cols, m, false, sum, nnz, has_zero);
                         checks[static_cast<size_t>(r)] = rc;
                         if (rc.status != Status::ok) continue;
                         RowStats& st = P.stats[static_cast<size_t>(r)];
                         st.has_zero = has_zero;
                         T* out = P.v.data() + r * P.ld();
                         const int64_t W = P.W;
                         DenseIter<T> b{x, 0, X.cols};
                         b.skip();
                         DenseIter<T> e{x, X.cols, X.cols};
                         tr.apply<T>(b, e, sum, nnz, st, [&](int64_t c, T a, T bb) {
                             out[c] = a;
                             if (P.arrays == 2) out[W + c] = bb;
                         });
                     }
                 });
    raise_first(checks, name, m);
    return P;
}

template <class T>
SparsePrepared<T> prepare_sparse(const CsrView<T>& X, const MetricOptions& m, Side side,
                                 const char* name, const ParallelConfig& pc) {
    SparsePrepared<T> P;
    P.X = X;
    const int64_t nnz_total = X.nnz();
    const int arrays =
        arrays_for(m, side) == 2 || m.metric == Metric::jsd || m.metric == Metric::jensenshannon
            ? 2
            : 1;
    P.a.assign(static_cast<size_t>(nnz_total), T(0));
    if (arrays == 2) P.b.assign(static_cast<size_t>(nnz_total), T(0));
    P.stats.assign(static_cast<size_t>(X.rows), RowStats{});
    std::vector<RowCheck> checks(static_cast<size_t>(X.rows));
    RowTransform tr{m, side, X.cols};
    const int64_t base = X.indptr[0];
    parallel_for(X.rows, balanced_chunk(X.rows, pc.n_threads, 256), pc,
                 [&](int64_t r0, int64_t r1, int) {
                     for (int64_t r = r0; r < r1; ++r) {
                         const int64_t k0 = X.indptr[r] - base, k1 = X.indptr[r + 1] - base;
                         double sum;
                         int64_t nnz;
                         bool has_zero;
                         RowCheck rc = check_values<T>(X.data + base + k0, X.indices + base + k0,
                                                       k1 - k0, m, true, sum, nnz, has_zero);
                         checks[static_cast<size_t>(r)] = rc;
                         if (rc.status != Status::ok) continue;
                         RowStats& st = P.stats[static_cast<size_t>(r)];
                         SparseIter<T> b{X.indices + base, X.data + base, k0};
                         SparseIter<T> e{X.indices + base, X.data + base, k1};
                         int64_t k = k0;
                         tr.apply<T>(b, e, sum, nnz, st, [&](int64_t, T a, T bb) {
                             P.a[static_cast<size_t>(k)] = a;
                             if (arrays == 2) P.b[static_cast<size_t>(k)] = bb;
                             ++k;
                         });
                     }
                 });
    raise_first(checks, name, m);
    return P;
}

template <class T>
SparseRight<T> make_right(const SparsePrepared<T>& P, const ParallelConfig& pc) {
    SparseRight<T> R;
    R.index = build_inverted_index(P.X);
    R.rows = P.X.rows;
    R.stats = P.stats;
    const int64_t n = static_cast<int64_t>(R.index.src.size());
    R.a.resize(static_cast<size_t>(n));
    if (!P.b.empty()) R.b.resize(static_cast<size_t>(n));
    parallel_for(n, balanced_chunk(n, pc.n_threads, 1 << 16), pc, [&](int64_t k0, int64_t k1, int) {
        for (int64_t k = k0; k < k1; ++k) {
            const size_t s = static_cast<size_t>(R.index.src[static_cast<size_t>(k)]);
            R.a[static_cast<size_t>(k)] = P.a[s];
            if (!P.b.empty()) R.b[static_cast<size_t>(k)] = P.b[s];
        }
    });
    return R;
}

namespace {

// How the operands of a call are prepared: with a symmetric metric both sides hold both
// transforms (Side::both), and with Y = X the left operand serves as the right one too.
struct OperandPlan {
    Side left, right;
    bool shared;             // Y = X with a symmetric metric: the right operand is the left one
    const char* right_name;  // for error messages
};

OperandPlan operand_plan(const MetricOptions& m, bool self) {
    const bool sym_metric = metric_is_symmetric(m.metric);
    return {sym_metric ? Side::both : Side::left, sym_metric ? Side::both : Side::right,
            sym_metric && self, self ? "X" : "Y"};
}

}  // namespace

template <class T>
DenseOperands<T> prepare_dense_operands(const DenseView<T>& X, const DenseView<T>* Y,
                                        const MetricOptions& m, const ParallelConfig& pc) {
    const OperandPlan plan = operand_plan(m, Y == nullptr);
    DenseOperands<T> ops;
    ops.left = prepare_dense(X, m, plan.left, "X", pc);
    ops.shared = plan.shared;
    if (!plan.shared) ops.right_own = prepare_dense(Y ? *Y : X, m, plan.right, plan.right_name, pc);
    if (needs_support_check(m)) {
        bool zeros = false;
        for (const auto& s : ops.right().stats) zeros = zeros || s.has_zero;
        if (m.metric == Metric::jeffreys) {
            for (const auto& s : ops.left.stats) zeros = zeros || s.has_zero;
        }
        ops.zeros_need_sparse = zeros;
    }
    return ops;
}

template <class T>
SparseOperands<T> prepare_sparse_operands(const CsrView<T>& X, const CsrView<T>* Y,
                                          const MetricOptions& m, const ParallelConfig& pc) {
    const OperandPlan plan = operand_plan(m, Y == nullptr);
    SparseOperands<T> ops;
    ops.left = prepare_sparse(X, m, plan.left, "X", pc);
    if (plan.shared) {
        ops.right = make_right(ops.left, pc);
    } else {
        ops.right = make_right(prepare_sparse(Y ? *Y : X, m, plan.right, plan.right_name, pc), pc);
    }
    return ops;
}

#define DIVERGENCE_INSTANTIATE(T)                                                                 \
    template DensePrepared<T> prepare_dense<T>(const DenseView<T>&, const MetricOptions&, Side,   \
                                               const char*, const ParallelConfig&);               \
    template SparsePrepared<T> prepare_sparse<T>(const CsrView<T>&, const MetricOptions&, Side,   \
                                                 const char*, const ParallelConfig&);             \
    template SparseRight<T> make_right<T>(const SparsePrepared<T>&, const ParallelConfig&);       \
    template DenseOperands<T> prepare_dense_operands<T>(const DenseView<T>&, const DenseView<T>*, \
                                                        const MetricOptions&,                     \
                                                        const ParallelConfig&);                   \
    template SparseOperands<T> prepare_sparse_operands<T>(const CsrView<T>&, const CsrView<T>*,   \
                                                          const MetricOptions&,                   \
                                                          const ParallelConfig&);
DIVERGENCE_INSTANTIATE(double)
DIVERGENCE_INSTANTIATE(float)
#undef DIVERGENCE_INSTANTIATE

}  // namespace detail

template InvertedIndex build_inverted_index<double>(const CsrView<double>&);
template InvertedIndex build_inverted_index<float>(const CsrView<float>&);

}  // namespace divergence
