// Pairwise matrices: drivers that prepare operands, split work over threads and finalise.
#include "divergence/pairwise.hpp"

#include <cstdint>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels.hpp"

namespace divergence {
namespace detail {

namespace {

// dst[k] = src(k) for k in [0, n), with stores that bypass the cache where the CPU has them
// (x86-64: SSE2 streaming stores, 16 aligned bytes at a time): lines of an output far larger
// than the caches are then not read from memory before being overwritten. Plain stores
// elsewhere. Each thread calls stream_fence() before its writes are read by another.
template <class T, class Src>
inline void stream_store(T* dst, int64_t n, Src src) {
    int64_t k = 0;
#if defined(__SSE2__)
    for (; k < n && (reinterpret_cast<uintptr_t>(dst + k) & 15u) != 0; ++k) dst[k] = src(k);
    if constexpr (sizeof(T) == 8) {
        for (; k + 2 <= n; k += 2) {
            _mm_stream_pd(reinterpret_cast<double*>(dst + k), _mm_set_pd(src(k + 1), src(k)));
        }
    } else {
        for (; k + 4 <= n; k += 4) {
            _mm_stream_ps(reinterpret_cast<float*>(dst + k),
                          _mm_set_ps(src(k + 3), src(k + 2), src(k + 1), src(k)));
        }
    }
#endif
    for (; k < n; ++k) dst[k] = src(k);
}

inline void stream_fence() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

}  // namespace

template <class T>
int64_t default_block(int64_t ld) {
    const int64_t bytes = ld * static_cast<int64_t>(sizeof(T));
    int64_t b = (24 * 1024) / std::max<int64_t>(bytes, 1);
    return std::max<int64_t>(8, std::min<int64_t>(128, b));
}

// Parallel blocked copy of the upper triangle into the lower one.
template <class T>
void mirror_upper(const OutView<T>& out, const ParallelConfig& pc) {
    const int64_t n = out.rows;
    constexpr int64_t B = 64;
    const int64_t nb = (n + B - 1) / B;
    parallel_for(nb, 1, pc, [&](int64_t b0, int64_t b1, int) {
        for (int64_t bi = b0; bi < b1; ++bi) {
            // Lower rows of tile row bi take columns < their index.
            const int64_t i0 = bi * B, i1 = std::min(n, i0 + B);
            for (int64_t j0 = 0; j0 <= i0; j0 += B) {
                const int64_t j1 = std::min(n, j0 + B);
                for (int64_t i = i0; i < i1; ++i) {
                    const int64_t je = std::min(j1, i);
                    if (je > j0) {
                        stream_store(out.row(i) + j0, je - j0,
                                     [&](int64_t q) { return out.row(j0 + q)[i]; });
                    }
                }
            }
        }
        stream_fence();
    });
}

}  // namespace detail

using namespace detail;

template <class T>
void pairwise_dense(const DenseView<T>& X, const DenseView<T>* Y, const MetricOptions& m,
                    const RunOptions& run, const OutView<T>& out) {
    check_metric_options(m);
    const ParallelConfig pc{run.n_threads, run.stop};
    const bool self = (Y == nullptr);
    const DenseView<T>& Yv = self ? X : *Y;
    const bool sym_metric = metric_is_symmetric(m.metric);
    const DenseOperands<T> ops = prepare_dense_operands(X, Y, m, pc);
    if (ops.zeros_need_sparse) {
        with_csr_copies(X, Y, [&](const CsrView<T>& SX, const CsrView<T>* SY) {
            pairwise_sparse<T>(SX, SY, m, run, out);
        });
        return;
    }
    const DensePrepared<T>& PL = ops.left;
    const DensePrepared<T>& PR = ops.right();

    const Op op = op_for(m.metric);
    const Finalizer fin(m);
    const int64_t B = run.block > 0 ? run.block : default_block<T>(PL.ld());
    const int64_t N = X.rows, M = Yv.rows;
    const int64_t nbi = (N + B - 1) / B, nbj = (M + B - 1) / B;
    // Symmetric self-matrix: only tiles on or above the diagonal, mirrored as they are written.
    const bool triangle = self && sym_metric && !run.full_rows;
    std::vector<std::vector<double>> scratch(static_cast<size_t>(std::max(1, run.n_threads)));

    parallel_for(nbi, 1, pc, [&](int64_t b0, int64_t b1, int tid) {
        std::vector<double>& acc = scratch[static_cast<size_t>(tid)];
        acc.resize(static_cast<size_t>(B * B));
        for (int64_t bi = b0; bi < b1; ++bi) {
            const int64_t i0 = bi * B, ni = std::min(B, N - i0);
            for (int64_t bj = triangle ? bi : 0; bj < nbj; ++bj) {
                const int64_t j0 = bj * B, nj = std::min(B, M - j0);
                TileArgs<T> ta{PL.row(i0),
                               PL.ld(),
                               PR.row(j0),
                               PR.ld(),
                               PL.W,
                               ni,
                               nj,
                               (triangle && bi == bj) ? 0 : std::numeric_limits<int64_t>::min() / 2,
                               acc.data()};
                tile<T>(op, ta);
                for (int64_t i = 0; i < ni; ++i) {
                    const RowStats& si = PL.stats[static_cast<size_t>(i0 + i)];
                    T* orow = out.row(i0 + i);
                    const int64_t jstart = (triangle && bi == bj) ? i + 1 : 0;
                    for (int64_t j = jstart; j < nj; ++j) {
                        const RowStats& sj = PR.stats[static_cast<size_t>(j0 + j)];
                        double a = acc[static_cast<size_t>(i * nj + j)];
                        if (op == Op::mixlog) a = a - (si.h + sj.h);
                        const T v = static_cast<T>(fin(a, si, sj));
                        orow[j0 + j] = v;
                        if (triangle) out.row(j0 + j)[i0 + i] = v;
                    }
                }
            }
            if (self) {
                for (int64_t i = i0; i < i0 + ni; ++i) out.row(i)[i + run.row_offset] = T(0);
            }
        }
    });
}

template <class T>
void pairwise_sparse(const CsrView<T>& X, const CsrView<T>* Y, const MetricOptions& m,
                     const RunOptions& run, const OutView<T>& out) {
    check_metric_options(m);
    const ParallelConfig pc{run.n_threads, run.stop};
    const bool self = (Y == nullptr);
    const CsrView<T>& Yv = self ? X : *Y;
    const bool sym_metric = metric_is_symmetric(m.metric);
    SparseOperands<T> ops = prepare_sparse_operands(X, Y, m, pc);
    const SparsePrepared<T>& PL = ops.left;
    SparseRight<T>& R = ops.right;

    const Op op = op_for(m.metric);
    const Finalizer fin(m);
    const bool check = needs_support_check(m);
    const int64_t N = X.rows, M = Yv.rows;
    const bool triangle = self && sym_metric && !run.full_rows;
    // Columns used by a large share of the rows are added densely (no scatters).
    if (!check) build_head(R, X.cols, head_min_df(M), kHeadMaxBytes);
    const int64_t maxp = max_postings(R.index);
    const StatsSoA Rsoa(R.stats);
    FirstViolation viol(M);

    struct Scratch {
        std::vector<double> acc;
        std::vector<int32_t> count;
        std::vector<T> tmp;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    const int64_t chunk = balanced_chunk(N, run.n_threads, 1, 64);

    parallel_for(N, chunk, pc, [&](int64_t r0, int64_t r1, int tid) {
        Scratch& s = scratch[static_cast<size_t>(tid)];
        if (s.acc.empty()) {
            s.acc.assign(static_cast<size_t>(M), 0.0);
            if (check) s.count.assign(static_cast<size_t>(M), 0);
            s.tmp.resize(static_cast<size_t>(std::max<int64_t>(maxp, 1)));
        }
        for (int64_t i = r0; i < r1; ++i) {
            if (check && viol.beyond(i)) break;
            sparse_row_accumulate<T>(op, PL, i, R, triangle, s.acc.data(),
                                     check ? s.count.data() : nullptr, s.tmp.data(), nullptr);
            const RowStats& si = PL.stats[static_cast<size_t>(i)];
            T* orow = out.row(i);
            const int64_t jstart = triangle ? i + 1 : 0;
            if (check) {
                for (int64_t j = jstart; j < M; ++j) {
                    if (!(self && j == i + run.row_offset) &&
                        !support_ok(m.metric, s.count[static_cast<size_t>(j)], si,
                                    R.stats[static_cast<size_t>(j)])) {
                        viol.record(i, j);
                    }
                    s.count[static_cast<size_t>(j)] = 0;
                }
            }
            // Zeroes acc[jstart, M). In upper-only mode nothing writes acc[j] for j <= i (the
            // postings and head columns start after row i), so acc is all zero again for the
            // next row without clearing the entries before the diagonal.
            if (triangle) {
                // Upper part through a small block, written with streaming stores.
                T blk[256];
                for (int64_t j0 = jstart; j0 < M; j0 += 256) {
                    const int64_t j1 = std::min(M, j0 + 256);
                    finalize_range<T>(fin, si, Rsoa, s.acc.data() + j0, j0, j1, blk, j0);
                    stream_store(orow + j0, j1 - j0, [&](int64_t q) { return blk[q]; });
                }
            } else {
                finalize_range<T>(fin, si, Rsoa, s.acc.data(), jstart, M, orow);
            }
            if (self) orow[i + run.row_offset] = T(0);
        }
        stream_fence();
    });
    if (viol.any()) viol.raise(m, self);
    if (triangle) mirror_upper(out, pc);
}

void fast_log(const double* x, double* y, int64_t n) { detail::fast_log_array(x, y, n); }
void fast_log(const float* x, float* y, int64_t n) { detail::fast_log_array(x, y, n); }

#define DIVERGENCE_INSTANTIATE(T)                                                                \
    template void pairwise_dense<T>(const DenseView<T>&, const DenseView<T>*,                    \
                                    const MetricOptions&, const RunOptions&, const OutView<T>&); \
    template void pairwise_sparse<T>(const CsrView<T>&, const CsrView<T>*, const MetricOptions&, \
                                     const RunOptions&, const OutView<T>&);
DIVERGENCE_INSTANTIATE(double)
DIVERGENCE_INSTANTIATE(float)
#undef DIVERGENCE_INSTANTIATE

}  // namespace divergence
