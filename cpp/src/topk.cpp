// k nearest rows without forming the full matrix. Sparse: candidates are the rows that share a
// column (found through the inverted index); rows sharing nothing have a closed-form value and
// are visited in an order in which that value never decreases, stopping as soon as none can
// enter the top k. Ties are broken by the smaller row index.
#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

#include "divergence/pairwise.hpp"
#include "kernels.hpp"

namespace divergence {
namespace detail {

namespace {

// Bounded max-heap on (value, index): keeps the k smallest pairs.
class TopK {
   public:
    explicit TopK(int64_t k) : k_(k) { h_.reserve(static_cast<size_t>(k)); }
    void clear() { h_.clear(); }
    bool full() const { return static_cast<int64_t>(h_.size()) == k_; }
    const std::pair<double, int64_t>& worst() const { return h_.front(); }
    void push(double v, int64_t j) {
        const std::pair<double, int64_t> item{v, j};
        if (!full()) {
            h_.push_back(item);
            std::push_heap(h_.begin(), h_.end());
        } else if (item < h_.front()) {
            std::pop_heap(h_.begin(), h_.end());
            h_.back() = item;
            std::push_heap(h_.begin(), h_.end());
        }
    }
    template <class T>
    void write(int64_t* idx, T* val) {
        std::sort(h_.begin(), h_.end());
        for (size_t q = 0; q < h_.size(); ++q) {
            idx[q] = h_[q].second;
            val[q] = static_cast<T>(h_[q].first);
        }
    }

   private:
    int64_t k_;
    std::vector<std::pair<double, int64_t>> h_;
};

}  // namespace
}  // namespace detail

using namespace detail;

template <class T>
void nearest_dense(const DenseView<T>& X, const DenseView<T>* Y, int64_t k, const MetricOptions& m,
                   const RunOptions& run, int64_t* indices_out, T* values_out) {
    check_metric_options(m);
    const ParallelConfig pc{run.n_threads, run.stop};
    const bool self = (Y == nullptr);
    const DenseView<T>& Yv = self ? X : *Y;
    const DenseOperands<T> ops = prepare_dense_operands(X, Y, m, pc);
    if (ops.zeros_need_sparse) {
        with_csr_copies(X, Y, [&](const CsrView<T>& SX, const CsrView<T>* SY) {
            nearest_sparse<T>(SX, SY, k, m, run, indices_out, values_out);
        });
        return;
    }
    const DensePrepared<T>& PL = ops.left;
    const DensePrepared<T>& PR = ops.right();
    const Op op = op_for(m.metric);
    const Finalizer fin(m);
    const int64_t N = X.rows, M = Yv.rows;
    const int64_t B = run.block > 0 ? run.block : 32;
    const int64_t nbj = (M + B - 1) / B;

    parallel_for((N + B - 1) / B, 1, pc, [&](int64_t b0, int64_t b1, int) {
        std::vector<double> acc(static_cast<size_t>(B * B));
        std::vector<TopK> heaps(static_cast<size_t>(B), TopK(k));
        for (int64_t bi = b0; bi < b1; ++bi) {
            const int64_t i0 = bi * B, ni = std::min(B, N - i0);
            for (auto& h : heaps) h.clear();
            for (int64_t bj = 0; bj < nbj; ++bj) {
                const int64_t j0 = bj * B, nj = std::min(B, M - j0);
                TileArgs<T> ta{PL.row(i0), PL.ld(),
                               PR.row(j0), PR.ld(),
                               PL.W,       ni,
                               nj,         std::numeric_limits<int64_t>::min() / 2,
                               acc.data()};
                tile<T>(op, ta);
                for (int64_t i = 0; i < ni; ++i) {
                    const RowStats& si = PL.stats[static_cast<size_t>(i0 + i)];
                    for (int64_t j = 0; j < nj; ++j) {
                        if (self && j0 + j == i0 + i) continue;
                        const RowStats& sj = PR.stats[static_cast<size_t>(j0 + j)];
                        double a = acc[static_cast<size_t>(i * nj + j)];
                        if (op == Op::mixlog) a = a - (si.h + sj.h);
                        // Round to T first so ranking matches the values returned.
                        const double v = static_cast<double>(static_cast<T>(fin(a, si, sj)));
                        heaps[static_cast<size_t>(i)].push(v, j0 + j);
                    }
                }
            }
            for (int64_t i = 0; i < ni; ++i) {
                heaps[static_cast<size_t>(i)].write(indices_out + (i0 + i) * k,
                                                    values_out + (i0 + i) * k);
            }
        }
    });
}

template <class T>
void nearest_sparse(const CsrView<T>& X, const CsrView<T>* Y, int64_t k, const MetricOptions& m,
                    const RunOptions& run, int64_t* indices_out, T* values_out) {
    check_metric_options(m);
    const ParallelConfig pc{run.n_threads, run.stop};
    const bool self = (Y == nullptr);
    const CsrView<T>& Yv = self ? X : *Y;
    SparseOperands<T> ops = prepare_sparse_operands(X, Y, m, pc);
    const SparsePrepared<T>& PL = ops.left;
    SparseRight<T>& R = ops.right;
    const Op op = op_for(m.metric);
    const Finalizer fin(m);
    const bool check = needs_support_check(m);
    const int64_t N = X.rows, M = Yv.rows;
    const int64_t maxp = max_postings(R.index);
    const StatsSoA Rsoa(R.stats);
    // The same dense head as pairwise (same bits); rows that use a head column always take the
    // block sweep below, which reads it.
    if (!check) build_head(R, X.cols, head_min_df(M), kHeadMaxBytes);

    // Rows that share no column with row i have value fin.base(i, j). For every metric but
    // smoothed kl/jeffreys that value never decreases along `order` (sorted by mass, then
    // index); for those two, a lower bound decides whether a full scan is needed.
    const bool keyed = fin.constant_base();
    std::vector<int64_t> order(static_cast<size_t>(M));
    std::iota(order.begin(), order.end(), int64_t{0});
    if (keyed) {
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return R.stats[static_cast<size_t>(a)].mass < R.stats[static_cast<size_t>(b)].mass;
        });
    }
    double min_lnz = HUGE_VAL, max_s = -HUGE_VAL, min_hl = HUGE_VAL, max_az = -HUGE_VAL;
    for (const RowStats& s : R.stats) {
        min_lnz = std::min(min_lnz, s.lnz);
        max_s = std::max(max_s, s.s);
        min_hl = std::min(min_hl, s.h + s.lnz);
        max_az = std::max(max_az, s.az);
    }
    FirstViolation viol(M);

    parallel_for(N, balanced_chunk(N, run.n_threads, 1, 64), pc, [&](int64_t r0, int64_t r1, int) {
        std::vector<double> acc(static_cast<size_t>(M), 0.0);
        std::vector<int32_t> count(static_cast<size_t>(M), 0);
        std::vector<T> tmp(static_cast<size_t>(std::max<int64_t>(maxp, 1)));
        std::vector<int32_t> touched;
        TopK heap(k);
        std::vector<T> vals;
        std::vector<int64_t> cursor;
        const int64_t base = X.indptr[0];
        for (int64_t i = r0; i < r1; ++i) {
            if (check && viol.beyond(i)) break;
            touched.clear();
            heap.clear();
            const RowStats& srow = PL.stats[static_cast<size_t>(i)];
            const int64_t k0 = X.indptr[i] - base, k1 = X.indptr[i + 1] - base;
            int64_t visits = 0;
            for (int64_t q = k0; q < k1; ++q) {
                const size_t t = static_cast<size_t>(X.indices[base + q]);
                visits += R.index.colptr[t + 1] - R.index.colptr[t];
            }
            bool uses_head = false;
            if (!R.head_of.empty()) {
                for (int64_t q = k0; q < k1 && !uses_head; ++q) {
                    uses_head = R.head_of[static_cast<size_t>(X.indices[base + q])] >= 0;
                }
            }
            if (!check && (uses_head || visits * 4 >= M)) {
                // Most rows share a column with row i: sweep every row in cache-sized blocks
                // (no candidate bookkeeping), finalise each block at once, keep the k best.
                cursor.resize(static_cast<size_t>(k1 - k0));
                for (int64_t q = k0; q < k1; ++q) {
                    cursor[static_cast<size_t>(q - k0)] =
                        R.index.colptr[static_cast<size_t>(X.indices[base + q])];
                }
                vals.resize(static_cast<size_t>(M));
                constexpr int64_t kBlock = 1 << 15;
                for (int64_t jb = 0; jb < M; jb += kBlock) {
                    const int64_t je = std::min(M, jb + kBlock);
                    sparse_row_accumulate_block<T>(op, PL, i, R, cursor.data(),
                                                   static_cast<int32_t>(jb),
                                                   static_cast<int32_t>(je), acc.data(),
                                                   tmp.data());
                    finalize_range<T>(fin, srow, Rsoa, acc.data(), jb, je, vals.data());
                    for (int64_t j = jb; j < je; ++j) {
                        if (self && j == i) continue;
                        const double v = static_cast<double>(vals[static_cast<size_t>(j)]);
                        if (heap.full() && v > heap.worst().first) continue;
                        heap.push(v, j);
                    }
                }
                heap.write(indices_out + i * k, values_out + i * k);
                continue;
            }
            sparse_row_accumulate<T>(op, PL, i, R, false, acc.data(), count.data(), tmp.data(),
                                     &touched);
            const RowStats& si = PL.stats[static_cast<size_t>(i)];
            int64_t bad_j = std::numeric_limits<int64_t>::max();
            for (int32_t j : touched) {
                if (self && j == i) continue;
                const RowStats& sj = R.stats[static_cast<size_t>(j)];
                if (check && !support_ok(m.metric, count[static_cast<size_t>(j)], si, sj)) {
                    bad_j = std::min<int64_t>(bad_j, j);
                }
                const double v =
                    static_cast<double>(static_cast<T>(fin(acc[static_cast<size_t>(j)], si, sj)));
                heap.push(v, j);
            }
            // Rows sharing no column.
            const auto noncand = [&](int64_t j) {
                return !(self && j == i) && count[static_cast<size_t>(j)] == 0;
            };
            if (check) {
                for (int64_t j = 0; j < M && j < bad_j; ++j) {
                    if (noncand(j)) {
                        bad_j = j;
                        break;
                    }
                }
            } else if (keyed) {
                for (int64_t q = 0; q < M; ++q) {
                    const int64_t j = order[static_cast<size_t>(q)];
                    if (!noncand(j)) continue;
                    const double v = static_cast<double>(
                        static_cast<T>(fin.base(si, R.stats[static_cast<size_t>(j)])));
                    if (heap.full() && v > heap.worst().first) break;
                    heap.push(v, j);
                }
            } else {
                // Smoothed kl/jeffreys: lower bound of base(i, j) over all j.
                double lb;
                if (m.metric == Metric::kl) {
                    lb = si.h + min_lnz - fin.lnalpha - si.az * max_s;
                } else {
                    lb = si.h + si.lnz + min_hl - 2.0 * fin.lnalpha - si.az * max_s - max_az * si.s;
                }
                lb -= 1e-9 * (1.0 + std::fabs(lb));
                lb = std::max(0.0, lb * fin.scale);
                if (!heap.full() || !(heap.worst().first < lb)) {
                    for (int64_t j = 0; j < M; ++j) {
                        if (!noncand(j)) continue;
                        heap.push(static_cast<double>(static_cast<T>(
                                      fin.base(si, R.stats[static_cast<size_t>(j)]))),
                                  j);
                    }
                }
            }
            for (int32_t j : touched) {
                acc[static_cast<size_t>(j)] = 0.0;
                count[static_cast<size_t>(j)] = 0;
            }
            if (bad_j != std::numeric_limits<int64_t>::max()) {
                viol.record(i, bad_j);
                continue;
            }
            heap.write(indices_out + i * k, values_out + i * k);
        }
    });
    if (viol.any()) viol.raise(m, self);
}

#define DIVERGENCE_INSTANTIATE(T)                                                          \
    template void nearest_dense<T>(const DenseView<T>&, const DenseView<T>*, int64_t,      \
                                   const MetricOptions&, const RunOptions&, int64_t*, T*); \
    template void nearest_sparse<T>(const CsrView<T>&, const CsrView<T>*, int64_t,         \
                                    const MetricOptions&, const RunOptions&, int64_t*, T*);
DIVERGENCE_INSTANTIATE(double)
DIVERGENCE_INSTANTIATE(float)
#undef DIVERGENCE_INSTANTIATE

}  // namespace divergence
