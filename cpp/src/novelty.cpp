// Novelty and transience of rows (Barron et al. 2018; see windows.hpp).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "divergence/windows.hpp"

namespace divergence {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_values(const CsrView<double>& X, const char* name) {
    const int64_t b = X.indptr[0], e = X.indptr[X.rows];
    for (int64_t k = b; k < e; ++k) {
        const double v = X.data[k];
        if (!(v >= 0.0) || !std::isfinite(v)) {
            throw InputError(std::string(name) + ": counts must be finite and >= 0");
        }
    }
}

void check_window_len(int64_t window) {
    if (window < 1)
        throw InputError("window: must be >= 1 statement, got " + std::to_string(window));
}

template <class KL>
void novelty_loop(int64_t N, int64_t window, const RunOptions& run, KL&& kl, double* nov,
                  double* tra) {
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    const double iw = 1.0 / static_cast<double>(window);
    parallel_for(N, balanced_chunk(N, run.n_threads, 16, 8), pc, [&](int64_t j0, int64_t j1, int) {
        for (int64_t j = j0; j < j1; ++j) {
            if (j >= window) {
                double s = 0.0;
                for (int64_t d = 1; d <= window; ++d) s += kl(j, j - d);
                nov[j] = s * iw;
            } else {
                nov[j] = kNaN;
            }
            if (j + window < N) {
                double s = 0.0;
                for (int64_t d = 1; d <= window; ++d) s += kl(j, j + d);
                tra[j] = s * iw;
            } else {
                tra[j] = kNaN;
            }
        }
    });
}

}  // namespace

void novelty_dense(const DenseView<double>& X, int64_t window, double alpha, double scale,
                   const RunOptions& run, double* novelty, double* transience) {
    check_window_len(window);
    if (!(alpha >= 0.0) || !std::isfinite(alpha))
        throw InputError("alpha: must be a finite number >= 0");
    const int64_t N = X.rows, D = X.cols;
    std::vector<double> P(static_cast<size_t>(N * D)), L(static_cast<size_t>(N * D)),
        H(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) {
        const double* x = X.row(i);
        double z = 0.0;
        for (int64_t t = 0; t < D; ++t) {
            if (!(x[t] >= 0.0) || !std::isfinite(x[t])) {
                throw InputError("X: row " + std::to_string(i) + " column " + std::to_string(t) +
                                 " is negative or not finite");
            }
            z += x[t] + alpha;
        }
        if (!(z > 0.0)) throw InputError("X: row " + std::to_string(i) + " has no mass");
        double h = 0.0;
        for (int64_t t = 0; t < D; ++t) {
            const double p = (x[t] + alpha) / z;
            if (!(p > 0.0)) {
                throw InputError("X: row " + std::to_string(i) + " column " + std::to_string(t) +
                                 " is 0: KL needs every entry > 0 (topic mixtures are), or pass "
                                 "alpha > 0 to smooth");
            }
            P[static_cast<size_t>(i * D + t)] = p;
            L[static_cast<size_t>(i * D + t)] = std::log(p);
            h += p * L[static_cast<size_t>(i * D + t)];
        }
        H[static_cast<size_t>(i)] = h;
    }
    auto kl = [&](int64_t j, int64_t k) {
        const double* p = P.data() + j * D;
        const double* lq = L.data() + k * D;
        double c = 0.0;
        for (int64_t t = 0; t < D; ++t) c += p[t] * lq[t];
        const double v = H[static_cast<size_t>(j)] - c;
        return (v > 0.0 ? v : 0.0) * scale;
    };
    novelty_loop(N, window, run, kl, novelty, transience);
}

void novelty_sparse(const CsrView<double>& X, int64_t window, double alpha, double scale,
                    const RunOptions& run, double* novelty, double* transience) {
    check_window_len(window);
    if (!(alpha > 0.0) || !std::isfinite(alpha)) {
        throw InputError(
            "alpha: sparse counts need smoothing alpha > 0 (KL of raw counts is "
            "infinite where a term is missing)");
    }
    check_values(X, "X");
    const int64_t N = X.rows, V = X.cols;
    const double lna = std::log(alpha);
    // Per row: Z, A = sum over all V columns of p' ln p', S = sum over nonzeros ln(1 + x/alpha),
    // and per nonzero ln(1 + x/alpha).
    std::vector<double> Z(static_cast<size_t>(N)), A(static_cast<size_t>(N)),
        Ssum(static_cast<size_t>(N));
    const int64_t base = X.indptr[0];
    std::vector<double> l1(static_cast<size_t>(X.indptr[N] - base));
    for (int64_t i = 0; i < N; ++i) {
        double sx = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) sx += X.data[k];
        const double z = sx + static_cast<double>(V) * alpha;
        double a = 0.0, s = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
            const double p = (X.data[k] + alpha) / z;
            a += p * std::log(p);
            const double l = smoothed_log_ratio(X.data[k], alpha);
            l1[static_cast<size_t>(k - base)] = l;
            s += l;
        }
        const int64_t nnz = X.indptr[i + 1] - X.indptr[i];
        a += static_cast<double>(V - nnz) * (alpha / z) * (lna - std::log(z));
        Z[static_cast<size_t>(i)] = z;
        A[static_cast<size_t>(i)] = a;
        Ssum[static_cast<size_t>(i)] = s;
    }
    auto kl = [&](int64_t j, int64_t k) {
        // KL(p'_j || p'_k) = A_j + ln Z_k - ln alpha - (alpha / Z_j) S_k
        //                    - sum over shared columns (x_t / Z_j) ln(1 + y_t / alpha)
        double shared = 0.0;
        int64_t u = X.indptr[j], ue = X.indptr[j + 1], v = X.indptr[k], ve = X.indptr[k + 1];
        while (u < ue && v < ve) {
            const int32_t cu = X.indices[u], cv = X.indices[v];
            if (cu == cv) {
                shared += X.data[u] * l1[static_cast<size_t>(v - base)];
                ++u;
                ++v;
            } else if (cu < cv) {
                ++u;
            } else {
                ++v;
            }
        }
        const double zj = Z[static_cast<size_t>(j)];
        const double r = A[static_cast<size_t>(j)] + std::log(Z[static_cast<size_t>(k)]) - lna -
                         (alpha / zj) * Ssum[static_cast<size_t>(k)] - shared / zj;
        return (r > 0.0 ? r : 0.0) * scale;
    };
    novelty_loop(N, window, run, kl, novelty, transience);
}

}  // namespace divergence
