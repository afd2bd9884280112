// Group comparison: observed, bootstrap and permutation K x K matrices (see groups.hpp).
#include "divergence/groups.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "divergence/pairwise.hpp"
#include "divergence/random.hpp"
#include "kernels.hpp"

namespace divergence {

void group_sums(const CsrView<double>& X, const int32_t* labels, int32_t K, const int32_t* w,
                double* G) {
    const int64_t V = X.cols;
    std::fill(G, G + static_cast<int64_t>(K) * V, 0.0);
    const int64_t base = X.indptr[0];
    for (int64_t i = 0; i < X.rows; ++i) {
        const int32_t mult = w ? w[i] : 1;
        if (mult == 0) continue;
        double* g = G + static_cast<int64_t>(labels[i]) * V;
        const double f = static_cast<double>(mult);
        for (int64_t k = X.indptr[i] - base; k < X.indptr[i + 1] - base; ++k) {
            g[X.indices[base + k]] += f * X.data[base + k];
        }
    }
}

void poisson_group_sums(const CsrView<double>& X, const int32_t* labels, int32_t K,
                        const uint64_t* keys, uint64_t seed, int64_t r0, int64_t n_rep,
                        const RunOptions& run, double* out) {
    if (n_rep <= 0) return;
    const int64_t V = X.cols, N = X.rows;
    const int64_t base = X.indptr[0];
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    parallel_for(n_rep, balanced_chunk(n_rep, run.n_threads, 1, 32), pc,
                 [&](int64_t a, int64_t b, int) {
                     for (int64_t r = a; r < b; ++r) {
                         double* G = out + r * static_cast<int64_t>(K) * V;
                         const auto rep = static_cast<uint64_t>(r0 + r);
                         for (int64_t i = 0; i < N; ++i) {
                             const uint64_t key = keys ? keys[i] : static_cast<uint64_t>(i);
                             const int32_t w = poisson_weight(seed, key, rep);
                             if (w == 0) continue;
                             double* g = G + static_cast<int64_t>(labels[i]) * V;
                             const double f = static_cast<double>(w);
                             for (int64_t k = X.indptr[i] - base; k < X.indptr[i + 1] - base; ++k) {
                                 g[X.indices[base + k]] += f * X.data[base + k];
                             }
                         }
                     }
                 });
}

namespace {

// group_sums for integer counts without adding the rows of group `skip`: its row of G is
// col_total minus the other groups' rows (every sum exact, so the same vector).
void group_sums_but(const CsrView<double>& X, const int32_t* labels, int32_t K, int32_t skip,
                    const double* col_total, double* G) {
    const int64_t V = X.cols;
    std::fill(G, G + static_cast<int64_t>(K) * V, 0.0);
    const int64_t base = X.indptr[0];
    for (int64_t i = 0; i < X.rows; ++i) {
        if (labels[i] == skip) continue;
        double* g = G + static_cast<int64_t>(labels[i]) * V;
        for (int64_t k = X.indptr[i] - base; k < X.indptr[i + 1] - base; ++k) {
            g[X.indices[base + k]] += X.data[base + k];
        }
    }
    double* gs = G + static_cast<int64_t>(skip) * V;
    for (int64_t t = 0; t < V; ++t) {
        double others = 0.0;
        for (int32_t g = 0; g < K; ++g) {
            if (g != skip) others += G[static_cast<int64_t>(g) * V + t];
        }
        gs[t] = col_total[t] - others;
    }
}

// K x K matrices of every metric for one group count matrix G (serial).
void matrices(const double* G, int32_t K, int64_t V, const GroupOptions& opt, double* out) {
    DenseView<double> gv{G, K, V, V};
    RunOptions serial;
    serial.n_threads = 1;
    for (size_t m = 0; m < opt.metrics.size(); ++m) {
        OutView<double> ov{out + m * K * K, K, K, K};
        pairwise_dense<double>(gv, nullptr, opt.metrics[m], serial, ov);
    }
}

}  // namespace

void group_divergence(const CsrView<double>& X, const int32_t* labels, int32_t K,
                      const GroupOptions& opt, const RunOptions& run, double* observed,
                      double* boot, double* perm) {
    if (K < 2) throw InputError("groups: at least two groups are needed, got " + std::to_string(K));
    if (opt.metrics.empty()) throw InputError("metric: no metric given");
    for (const auto& m : opt.metrics) check_metric_options(m);
    if (opt.n_bootstrap < 0 || opt.n_permutations < 0) {
        throw InputError("bootstrap/permutations: counts must be >= 0");
    }
    const int64_t N = X.rows, V = X.cols;
    std::vector<std::vector<int32_t>> members(static_cast<size_t>(K));
    const int64_t base = X.indptr[0];
    for (int64_t i = 0; i < N; ++i) {
        const int32_t g = labels[i];
        if (g < 0 || g >= K) {
            throw InputError("labels: statement " + std::to_string(i) + " has group code " +
                             std::to_string(g) + " outside [0, " + std::to_string(K) + ")");
        }
        if (X.indptr[i + 1] - X.indptr[i] == 0) {
            throw InputError("X: statement " + std::to_string(i) +
                             " has no tokens; drop empty statements first");
        }
        members[static_cast<size_t>(g)].push_back(static_cast<int32_t>(i));
    }
    for (int32_t g = 0; g < K; ++g) {
        if (members[static_cast<size_t>(g)].empty()) {
            throw InputError("labels: group " + std::to_string(g) + " has no statements");
        }
    }
    (void)base;
    const int64_t per = static_cast<int64_t>(opt.metrics.size()) * K * K;

    {
        std::vector<double> G(static_cast<size_t>(K * V));
        group_sums(X, labels, K, nullptr, G.data());
        matrices(G.data(), K, V, opt, observed);
    }

    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    const int64_t total = opt.n_bootstrap + opt.n_permutations;
    if (total == 0) return;
    // Integer counts (grand total of |x| below 2^53): every sum is exact, so a permutation's
    // largest group (sizes are kept) is the column totals minus the other groups, the same
    // vector as its rows summed, and its rows are never added.
    int32_t skip = -1;
    std::vector<double> col_total;
    if (opt.n_permutations > 0) {
        bool integer = true;
        double mass = 0.0;
        const int64_t nnz = X.indptr[N] - base;
        for (int64_t k = 0; k < nnz; ++k) {
            const double v = X.data[base + k];
            integer = integer && v == std::floor(v);
            mass += std::fabs(v);
        }
        if (integer && mass < 9007199254740992.0) {  // 2^53
            size_t largest = 0;
            for (size_t g = 1; g < members.size(); ++g) {
                if (members[g].size() > members[largest].size()) largest = g;
            }
            skip = static_cast<int32_t>(largest);
            col_total.assign(static_cast<size_t>(V), 0.0);
            for (int64_t k = 0; k < nnz; ++k)
                col_total[static_cast<size_t>(X.indices[base + k])] += X.data[base + k];
        }
    }
    struct Scratch {
        std::vector<double> G;
        std::vector<int32_t> w, lab;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    parallel_for(total, balanced_chunk(total, run.n_threads, 1, 32), pc,
                 [&](int64_t r0, int64_t r1, int tid) {
                     Scratch& s = scratch[static_cast<size_t>(tid)];
                     s.G.resize(static_cast<size_t>(K * V));
                     for (int64_t r = r0; r < r1; ++r) {
                         if (r < opt.n_bootstrap && opt.scheme == BootstrapScheme::poisson) {
                             // Poisson(1) weight per statement, keyed by the statement.
                             s.w.resize(static_cast<size_t>(N));
                             for (int64_t i = 0; i < N; ++i) {
                                 const uint64_t key =
                                     opt.keys ? opt.keys[i] : static_cast<uint64_t>(i);
                                 s.w[static_cast<size_t>(i)] =
                                     poisson_weight(opt.seed, key, static_cast<uint64_t>(r));
                             }
                             group_sums(X, labels, K, s.w.data(), s.G.data());
                             matrices(s.G.data(), K, V, opt, boot + r * per);
                         } else if (r < opt.n_bootstrap) {
                             // Resample statements within each group, with replacement.
                             Stream rng(opt.seed, kTagBootstrap, static_cast<uint64_t>(r));
                             s.w.assign(static_cast<size_t>(N), 0);
                             for (const auto& mem : members) {
                                 const uint64_t n = mem.size();
                                 for (uint64_t d = 0; d < n; ++d) {
                                     ++s.w[static_cast<size_t>(mem[rng.below(n)])];
                                 }
                             }
                             group_sums(X, labels, K, s.w.data(), s.G.data());
                             matrices(s.G.data(), K, V, opt, boot + r * per);
                         } else {
                             // Shuffle labels across statements (Fisher-Yates), sizes kept.
                             const int64_t p = r - opt.n_bootstrap;
                             Stream rng(opt.seed, kTagPermutation, static_cast<uint64_t>(p));
                             s.lab.assign(labels, labels + N);
                             for (int64_t i = N - 1; i > 0; --i) {
                                 const int64_t j =
                                     static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
                                 std::swap(s.lab[static_cast<size_t>(i)],
                                           s.lab[static_cast<size_t>(j)]);
                             }
                             if (skip >= 0) {
                                 group_sums_but(X, s.lab.data(), K, skip, col_total.data(),
                                                s.G.data());
                             } else {
                                 group_sums(X, s.lab.data(), K, nullptr, s.G.data());
                             }
                             matrices(s.G.data(), K, V, opt, perm + p * per);
                         }
                     }
                 });
}

}  // namespace divergence
