// Window pairs and between-group windows with bootstrap / permutation replicates, and the
// divergence of two window count vectors (see windows.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "divergence/random.hpp"
#include "divergence/windows.hpp"
#include "kernels.hpp"
#include "windows_internal.hpp"

namespace divergence {

using namespace detail;

namespace {

// sum over k of p ln p + q ln q - s ln s, p = x[k] ia, q = y[k] ib, s = p + q (zero when
// either is 0, exactly: xlogx(p + 0) == xlogx(p)). Fixed lanes, so every clone gives the same
// bits (contraction is off in this file).
DIVERGENCE_CLONES
double mixlog_sum(const double* x, const double* y, int64_t n, double ia, double ib) {
    constexpr int64_t L = 8;
    double acc[L] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + L <= n; i += L) {
        for (int64_t l = 0; l < L; ++l) {
            const double p = x[i + l] * ia, q = y[i + l] * ib;
            acc[l] += (xlogx(p) + xlogx(q)) - xlogx(p + q);
        }
    }
    double tail = 0.0;
    for (; i < n; ++i) {
        const double p = x[i] * ia, q = y[i] * ib;
        tail += (xlogx(p) + xlogx(q)) - xlogx(p + q);
    }
    double s = 0.0;
    for (int64_t l = 0; l < L; ++l) s += acc[l];
    return s + tail;
}

}  // namespace

double count_divergence(const double* a, double A, const double* b, double B, const int32_t* cols,
                        int64_t n_cols, int64_t V, const MetricOptions& m,
                        bool* support_violation) {
    if (!(A > 0.0) || !(B > 0.0)) return kNaN;
    // The sums run over the union of the supports, once per pair: nothing is amortised over
    // many pairs as in the pairwise kernels' row transforms, so each term is formed directly
    // from the counts; the values are finished by the kernels' finaliser (kernels.hpp).
    const Finalizer fin(m);
    const RowStats unit = normalised_row_stats();
    const double ia = 1.0 / A, ib = 1.0 / B;
    double acc = 0.0;  // the op's sum of the kernels' table, p = a / A, q = b / B
    switch (m.metric) {
        case Metric::jsd:
        case Metric::jensenshannon: {
            // mixlog: sum over the union of s ln s - p ln p - q ln q, s = p + q (only shared
            // columns contribute), on gathered contiguous copies.
            thread_local std::vector<double> gx, gy;
            gx.resize(static_cast<size_t>(n_cols));
            gy.resize(static_cast<size_t>(n_cols));
            for (int64_t k = 0; k < n_cols; ++k) {
                gx[static_cast<size_t>(k)] = a[cols[k]];
                gy[static_cast<size_t>(k)] = b[cols[k]];
            }
            acc = -mixlog_sum(gx.data(), gy.data(), n_cols, ia, ib);
            break;
        }
        case Metric::hellinger:
        case Metric::bhattacharyya:
            // dot of sqrt p and sqrt q.
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                acc += std::sqrt(a[t] * ia * (b[t] * ib));
            }
            break;
        case Metric::tv:
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                acc += std::min(a[t] * ia, b[t] * ib);
            }
            break;
        case Metric::cosine: {
            // The cosine similarity of the counts.
            double dot = 0.0, na = 0.0, nb = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                dot += a[t] * b[t];
                na += a[t] * a[t];
                nb += b[t] * b[t];
            }
            acc = dot / std::sqrt(na * nb);
            break;
        }
        case Metric::kl:
        case Metric::jeffreys: {
            // sum p ln(p / q) (kl) or (p - q) ln(p / q) (jeffreys) over the union, smoothed
            // columns outside it in closed form: one logarithm per column, where the kernels'
            // split into entropies and a cross term would take two.
            const bool both = m.metric == Metric::jeffreys;
            const double al = m.alpha;
            const double Za = A + static_cast<double>(V) * al, Zb = B + static_cast<double>(V) * al;
            double d = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                const double p = (a[t] + al) / Za, q = (b[t] + al) / Zb;
                if (al == 0.0 && ((p > 0.0 && q == 0.0) || (both && q > 0.0 && p == 0.0))) {
                    if (support_violation) *support_violation = true;
                    return HUGE_VAL;
                }
                if (both) {
                    d += (p - q) * std::log(p / q);
                } else if (p > 0.0) {
                    d += p * std::log(p / q);
                }
            }
            if (al > 0.0) {
                // Columns outside both supports: p = alpha / Za, q = alpha / Zb.
                const double rest = static_cast<double>(V - n_cols);
                const double lr = std::log(Zb / Za);
                d += both ? rest * (al / Za - al / Zb) * lr : rest * (al / Za) * lr;
            }
            return fin.in_units(d);
        }
    }
    return fin(acc, unit, unit);
}

namespace {

// Two window vectors for window_pairs, plus `dirty`: the columns where they may differ (every
// column either one wrote since they were last equal). sync(to) copies the other vector into
// s[to] over the dirty columns only, so that for adjacent pairs (w - 1, w), (w, w + 1), ...
// the vector at w is copied (its dirty columns) and moved on by one step, instead of moving
// the vector at w - 1 two steps. For JSD over integer counts the copy is skipped altogether
// (the delta plan in window_pairs): the rows that differ go into `delta` and jsd_delta reads
// both windows off one vector and the delta while it moves that vector on.
struct PairScratch {
    WindowState s[2];
    std::vector<uint64_t> dirty;
    std::vector<int32_t> cols;
    SharedScratch shared;
    bool ready = false;

    CountVec delta;  // window b minus window a (delta plan; zero outside `dirty` between pairs)

    void init(int64_t V, bool track_bits) {
        s[0].init(1, V, track_bits);
        s[1].init(1, V, track_bits);
        delta.init(V, false);
        dirty.assign(static_cast<size_t>((V + 63) / 64), 0);
        ready = true;
    }
    void reset() {
        s[0].clear();
        s[1].clear();
        delta.clear();
        std::fill(dirty.begin(), dirty.end(), 0);
    }
    void sync(int to) {
        CountVec& d = s[to].g[0];
        const CountVec& f = s[1 - to].g[0];
        for (size_t w = 0; w < dirty.size(); ++w) {
            uint64_t x = dirty[w];
            if (!x) continue;
            if (d.track_bits) d.bits[w] = f.bits[w];
            while (x) {
                const size_t t = w * 64 + static_cast<size_t>(__builtin_ctzll(x));
                d.c[t] = f.c[t];
                x &= x - 1;
            }
            dirty[w] = 0;
        }
        d.total = f.total;
        s[to].b = s[1 - to].b;
        s[to].e = s[1 - to].e;
        s[to].valid = s[1 - to].valid;
    }
};

}  // namespace

void window_pairs(const CsrView<double>& X, const int64_t* begins, const int64_t* ends,
                  int64_t n_windows, const int64_t* pair_a, const int64_t* pair_b, int64_t n_pairs,
                  const WindowOptions& opt, const RunOptions& run, double* out, double* totals) {
    check_metric_options(opt.metric);
    const RowScan scan = scan_rows(X, "X", run);
    check_windows(begins, ends, n_windows, X.rows);
    if (totals) {
        if (scan.integer) {
            // Integer counts, grand total below 2^53: prefix sums are exact, so differences
            // equal the sums in row order.
            std::vector<double> pre(static_cast<size_t>(X.rows) + 1, 0.0);
            for (int64_t r = 0; r < X.rows; ++r) {
                pre[static_cast<size_t>(r) + 1] =
                    pre[static_cast<size_t>(r)] + scan.rowsum[static_cast<size_t>(r)];
            }
            for (int64_t w = 0; w < n_windows; ++w) {
                totals[w] = pre[static_cast<size_t>(ends[w])] - pre[static_cast<size_t>(begins[w])];
            }
        } else {
            for (int64_t w = 0; w < n_windows; ++w) {
                double t = 0.0;
                for (int64_t r = begins[w]; r < ends[w]; ++r)
                    t += scan.rowsum[static_cast<size_t>(r)];
                totals[w] = t;
            }
        }
    }
    for (int64_t k = 0; k < n_pairs; ++k) {
        if (pair_a[k] < 0 || pair_a[k] >= n_windows || pair_b[k] < 0 || pair_b[k] >= n_windows) {
            throw InputError("pairs: pair " + std::to_string(k) + " names a window outside [0, " +
                             std::to_string(n_windows) + ")");
        }
    }
    const bool integer = scan.integer;
    const bool incremental = opt.incremental && integer;
    const bool jsd = opt.metric.metric == Metric::jsd || opt.metric.metric == Metric::jensenshannon;
    // The value of a mixlog sum (NaN for an empty window), through the kernels' finaliser.
    const Finalizer fin(opt.metric);
    const RowStats unit = normalised_row_stats();
    auto jsd_value = [&](double acc) { return std::isnan(acc) ? acc : fin(acc, unit, unit); };
    const int64_t V = X.cols;
    const double* rs = scan.rowsum.data();
    const int nt = std::max(1, run.n_threads);
    std::vector<PairScratch> scratch(static_cast<size_t>(nt));
    std::atomic<int64_t> violation{-1};
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    parallel_for(n_pairs, balanced_chunk(n_pairs, run.n_threads, 8, 2), pc,
                 [&](int64_t k0, int64_t k1, int tid) {
                     PairScratch& S = scratch[static_cast<size_t>(tid)];
                     if (!S.ready) S.init(V, !(jsd && incremental));
                     // Each chunk starts from empty vectors: results never depend on which
                     // thread ran the previous chunk (and every vector equals its window's
                     // from-scratch sum anyway).
                     S.reset();
                     uint64_t* dirty = S.dirty.data();
                     for (int64_t k = k0; k < k1; ++k) {
                         const int64_t ba = begins[pair_a[k]], ea = ends[pair_a[k]];
                         const int64_t bb = begins[pair_b[k]], eb = ends[pair_b[k]];
                         if (ba == bb && ea == eb) {  // a window against itself: 0 exactly
                             bool mass = false;
                             for (int64_t r = ba; r < ea && !mass; ++r) mass = rs[r] > 0.0;
                             out[k] = mass ? 0.0 : kNaN;
                             continue;
                         }
                         // Options: s[0] -> a and s[1] -> b; the reverse; or for j = 0, 1:
                         // move s[j] to a, copy it into s[1 - j] (sync), move s[j] on to b.
                         int64_t best = S.s[0].move_cost(ba, ea) + S.s[1].move_cost(bb, eb);
                         int plan = 0;
                         const int64_t c1 = S.s[1].move_cost(ba, ea) + S.s[0].move_cost(bb, eb);
                         if (c1 < best) {
                             best = c1;
                             plan = 1;
                         }
                         for (int j = 0; j < 2; ++j) {
                             const int64_t cj =
                                 S.s[j].move_cost(ba, ea) + range_move_cost(ba, ea, bb, eb) + 1;
                             if (cj < best) {
                                 best = cj;
                                 plan = 2 + j;
                             }
                         }
                         int ia = 0, ib = 1;
                         if (plan == 1) {
                             ia = 1;
                             ib = 0;
                         } else if (plan >= 2) {
                             ib = plan - 2;
                             ia = 1 - ib;
                         }
                         if (plan >= 2 && jsd && incremental) {
                             // Delta plan: s[ib] to a, then the rows of b \ a (+) and a \ b (-)
                             // into S.delta, and one pass that evaluates the pair and moves
                             // s[ib] on to b. s[ia] is not kept in step: marked invalid.
                             WindowState& st = S.s[ib];
                             st.move(X, rs, nullptr, ba, ea, true, nullptr);
                             S.s[ia].valid = false;
                             std::fill(S.dirty.begin(), S.dirty.end(), 0);
                             CountVec& d = S.delta;
                             range_difference(
                                 ba, ea, bb, eb,
                                 [&](int64_t r) { d.remove_row(X, r, rs[r], dirty); },
                                 [&](int64_t r) { d.add_row(X, r, rs[r], dirty); });
                             out[k] = jsd_value(jsd_delta(st.g[0], d, dirty, S.shared));
                             st.b = bb;
                             st.e = eb;
                             continue;
                         }
                         if (plan >= 2) {
                             S.s[ib].move(X, rs, nullptr, ba, ea, incremental, dirty);
                             S.sync(ia);
                             S.s[ib].move(X, rs, nullptr, bb, eb, incremental, dirty);
                         } else {
                             S.s[ia].move(X, rs, nullptr, ba, ea, incremental, dirty);
                             S.s[ib].move(X, rs, nullptr, bb, eb, incremental, dirty);
                         }
                         CountVec& va = S.s[ia].g[0];
                         CountVec& vb = S.s[ib].g[0];
                         if (jsd) {
                             out[k] =
                                 jsd_value(jsd_dirty(va, vb, S.dirty.data(), integer, S.shared));
                             continue;
                         }
                         union_cols(va, vb, S.cols);
                         bool bad = false;
                         out[k] =
                             count_divergence(va.c.data(), va.total, vb.c.data(), vb.total,
                                              S.cols.data(), static_cast<int64_t>(S.cols.size()), V,
                                              opt.metric, &bad);
                         if (bad) {
                             int64_t cur = violation.load();
                             while ((cur < 0 || k < cur) &&
                                    !violation.compare_exchange_weak(cur, k)) {
                             }
                         }
                     }
                 });
    const int64_t k = violation.load();
    if (k >= 0) {
        throw InputError(metric_name(opt.metric.metric) + " with alpha=0: window " +
                         std::to_string(pair_a[k]) + " uses terms that window " +
                         std::to_string(pair_b[k]) +
                         " lacks (or the reverse), so the divergence is infinite; pass alpha > 0 "
                         "to smooth");
    }
}

namespace {

// K x K matrix of the groups' vectors into M (row-major). Returns true on a support violation.
bool group_matrix_of(std::vector<CountVec>& g, int32_t K, int64_t V, const MetricOptions& m,
                     std::vector<int32_t>& cols, double* M) {
    bool bad = false;
    const bool sym = metric_is_symmetric(m.metric);
    std::vector<double> tot(static_cast<size_t>(K));
    for (int32_t i = 0; i < K; ++i) tot[static_cast<size_t>(i)] = g[static_cast<size_t>(i)].total;
    for (int32_t i = 0; i < K; ++i) {
        M[i * K + i] = tot[static_cast<size_t>(i)] > 0.0 ? 0.0 : kNaN;
        for (int32_t j = i + 1; j < K; ++j) {
            CountVec& a = g[static_cast<size_t>(i)];
            CountVec& b = g[static_cast<size_t>(j)];
            union_cols(a, b, cols);
            const int64_t nc = static_cast<int64_t>(cols.size());
            M[i * K + j] =
                count_divergence(a.c.data(), tot[static_cast<size_t>(i)], b.c.data(),
                                 tot[static_cast<size_t>(j)], cols.data(), nc, V, m, &bad);
            M[j * K + i] =
                sym ? M[i * K + j]
                    : count_divergence(b.c.data(), tot[static_cast<size_t>(j)], a.c.data(),
                                       tot[static_cast<size_t>(i)], cols.data(), nc, V, m, &bad);
        }
    }
    return bad;
}

}  // namespace

namespace {

// Checks shared by window_between and window_between_jackknife.
void check_between(const CsrView<double>& X, const int32_t* labels, int32_t K,
                   const int64_t* begins, const int64_t* ends, int64_t n_windows,
                   const MetricOptions& metric) {
    if (K < 2) throw InputError("groups: at least two groups are needed, got " + std::to_string(K));
    check_metric_options(metric);
    check_windows(begins, ends, n_windows, X.rows);
    for (int64_t i = 0; i < X.rows; ++i) {
        if (labels[i] < 0 || labels[i] >= K) {
            throw InputError("labels: statement " + std::to_string(i) + " has group code " +
                             std::to_string(labels[i]) + " outside [0, " + std::to_string(K) + ")");
        }
    }
}

// Keeps the smallest index at which a support violation was seen.
void note_violation(std::atomic<int64_t>& violation, int64_t at) {
    int64_t cur = violation.load();
    while ((cur < 0 || at < cur) && !violation.compare_exchange_weak(cur, at)) {
    }
}

void throw_violation(const MetricOptions& m, int64_t w) {
    throw InputError(metric_name(m.metric) + " with alpha=0: in window " + std::to_string(w) +
                     " one group uses terms another lacks, so the divergence is infinite; "
                     "pass alpha > 0 to smooth");
}

}  // namespace

void window_between(const CsrView<double>& X, const int32_t* labels, int32_t K,
                    const int64_t* begins, const int64_t* ends, int64_t n_windows,
                    const BetweenOptions& opt, const RunOptions& run, double* observed,
                    double* boot, double* perm) {
    if (opt.n_bootstrap < 0 || opt.n_permutations < 0) {
        throw InputError("bootstrap/permutations: counts must be >= 0");
    }
    if (opt.n_bootstrap >= (int64_t(1) << 32) || opt.n_permutations >= (int64_t(1) << 32)) {
        throw InputError("bootstrap/permutations: at most 2^32 - 1 replicates");
    }
    const RowScan scan = scan_rows(X, "X", run);
    check_between(X, labels, K, begins, ends, n_windows, opt.window.metric);
    const bool incremental = opt.window.incremental && scan.integer;
    const double* rs = scan.rowsum.data();
    const int64_t V = X.cols, KK = static_cast<int64_t>(K) * K;
    const int64_t B = opt.n_bootstrap, P = opt.n_permutations, R = B + P;
    const int nt = std::max(1, run.n_threads);
    std::atomic<int64_t> violation{-1};
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    // Observed matrices: windows in chunks, each window moved on from the previous one.
    {
        std::vector<WindowState> obs(static_cast<size_t>(nt));
        std::vector<std::vector<int32_t>> cols(static_cast<size_t>(nt));
        parallel_for(n_windows, balanced_chunk(n_windows, run.n_threads, 1, 8), pc,
                     [&](int64_t w0, int64_t w1, int tid) {
                         WindowState& st = obs[static_cast<size_t>(tid)];
                         if (st.g.empty()) st.init(K, V);
                         st.clear();
                         for (int64_t w = w0; w < w1; ++w) {
                             st.move(X, rs, labels, begins[w], ends[w], incremental);
                             if (group_matrix_of(st.g, K, V, opt.window.metric,
                                                 cols[static_cast<size_t>(tid)],
                                                 observed + w * KK)) {
                                 note_violation(violation, w);
                             }
                         }
                     });
    }
    if (violation.load() >= 0) throw_violation(opt.window.metric, violation.load());
    if (R == 0) return;
    // Replicates: task k is replicate k % R of window k / R, so that the work spreads over the
    // threads however few the windows are. Each task draws from its own stream, so the results
    // do not depend on which thread ran it.
    struct Scratch {
        WindowState rep;
        std::vector<int32_t> cols, lab, mult;
        std::vector<std::vector<int64_t>> members;
        int64_t window = -1;  // the window whose members are listed
    };
    std::vector<Scratch> scratch(static_cast<size_t>(nt));
    const bool integer = scan.integer;
    parallel_for(n_windows * R, balanced_chunk(n_windows * R, run.n_threads, 1, 32), pc,
                 [&](int64_t k0, int64_t k1, int tid) {
                     Scratch& S = scratch[static_cast<size_t>(tid)];
                     if (S.rep.g.empty()) {
                         S.rep.init(K, V);
                         S.members.resize(static_cast<size_t>(K));
                     }
                     for (int64_t k = k0; k < k1; ++k) {
                         const int64_t w = k / R, r = k % R;
                         const int64_t b = begins[w], e = ends[w];
                         if (S.window != w) {
                             for (auto& mem : S.members) mem.clear();
                             for (int64_t i = b; i < e; ++i)
                                 S.members[static_cast<size_t>(labels[i])].push_back(i);
                             S.mult.assign(static_cast<size_t>(e - b), 0);
                             S.window = w;
                         }
                         const uint64_t wkey = static_cast<uint64_t>(w) << 32;
                         S.rep.clear();
                         if (r < B) {
                             // Statements resampled with replacement within each group, within
                             // the window.
                             Stream rng(opt.seed, kTagBootstrap, wkey | static_cast<uint64_t>(r));
                             for (int32_t g = 0; g < K; ++g) {
                                 const auto& mem = S.members[static_cast<size_t>(g)];
                                 const uint64_t n = mem.size();
                                 CountVec& v = S.rep.g[static_cast<size_t>(g)];
                                 for (uint64_t d = 0; d < n; ++d) {
                                     const int64_t row = mem[rng.below(n)];
                                     if (integer) {
                                         ++S.mult[static_cast<size_t>(row - b)];
                                     } else {
                                         v.add_row(X, row, rs[row]);  // draw order: same bits
                                     }
                                 }
                             }
                             if (integer) {
                                 // Integer counts: each drawn statement added once times its
                                 // multiplicity, in row order (exact sums: the same vectors as
                                 // adding the draws one by one, and rows read in memory order).
                                 int32_t* mu = S.mult.data();
                                 for (int64_t i = b; i < e; ++i) {
                                     const int32_t m = mu[i - b];
                                     if (m == 0) continue;
                                     mu[i - b] = 0;
                                     S.rep.g[static_cast<size_t>(labels[i])]
                                         .add_row_times(X, i, static_cast<double>(m), rs[i]);
                                 }
                                 for (auto& v : S.rep.g) v.set_bits_from_counts();
                             }
                             group_matrix_of(S.rep.g, K, V, opt.window.metric, S.cols,
                                             boot + (w * B + r) * KK);
                         } else {
                             // Group labels shuffled across the window's statements (sizes
                             // kept).
                             const int64_t p = r - B;
                             Stream rng(opt.seed, kTagPermutation, wkey | static_cast<uint64_t>(p));
                             S.lab.assign(labels + b, labels + e);
                             for (int64_t i = e - b - 1; i > 0; --i) {
                                 const int64_t j =
                                     static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
                                 std::swap(S.lab[static_cast<size_t>(i)],
                                           S.lab[static_cast<size_t>(j)]);
                             }
                             for (int64_t i = b; i < e; ++i) {
                                 S.rep.g[static_cast<size_t>(S.lab[static_cast<size_t>(i - b)])]
                                     .add_row(X, i, rs[i]);
                             }
                             group_matrix_of(S.rep.g, K, V, opt.window.metric, S.cols,
                                             perm + (w * P + p) * KK);
                         }
                     }
                 });
}

void window_between_jackknife(const CsrView<double>& X, const int32_t* labels, int32_t K,
                              const int64_t* begins, const int64_t* ends, int64_t n_windows,
                              const int32_t* blocks, int32_t n_blocks, const WindowOptions& opt,
                              const RunOptions& run, double* out) {
    if (n_blocks < 1) throw InputError("blocks: at least one block is needed");
    const RowScan scan = scan_rows(X, "X", run);
    check_between(X, labels, K, begins, ends, n_windows, opt.metric);
    for (int64_t i = 0; i < X.rows; ++i) {
        if (blocks[i] < 0 || blocks[i] >= n_blocks) {
            throw InputError("blocks: statement " + std::to_string(i) + " has block " +
                             std::to_string(blocks[i]) + " outside [0, " +
                             std::to_string(n_blocks) + ")");
        }
    }
    // Integer counts: the window's group vectors with the block's rows removed (then added
    // back), every sum exact, so the same vectors as summing the rows kept. Otherwise the rows
    // kept are summed from scratch in row order.
    const bool subtract = opt.incremental && scan.integer;
    const double* rs = scan.rowsum.data();
    const int64_t V = X.cols, KK = static_cast<int64_t>(K) * K, G = n_blocks;
    const int nt = std::max(1, run.n_threads);
    struct Scratch {
        WindowState st;
        std::vector<int32_t> cols;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(nt));
    std::atomic<int64_t> violation{-1};
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    // Task k: block k % G of window k / G; a chunk's tasks share their windows' vectors.
    parallel_for(n_windows * G, balanced_chunk(n_windows * G, run.n_threads, 1, 16), pc,
                 [&](int64_t k0, int64_t k1, int tid) {
                     Scratch& S = scratch[static_cast<size_t>(tid)];
                     if (S.st.g.empty()) S.st.init(K, V);
                     S.st.clear();
                     for (int64_t k = k0; k < k1; ++k) {
                         const int64_t w = k / G;
                         const int32_t j = static_cast<int32_t>(k % G);
                         const int64_t b = begins[w], e = ends[w];
                         double* M = out + (j * n_windows + w) * KK;
                         bool bad;
                         if (subtract) {
                             S.st.move(X, rs, labels, b, e, true);
                             for (int64_t i = b; i < e; ++i) {
                                 if (blocks[i] == j)
                                     S.st.g[static_cast<size_t>(labels[i])].remove_row(X, i, rs[i]);
                             }
                             bad = group_matrix_of(S.st.g, K, V, opt.metric, S.cols, M);
                             for (int64_t i = b; i < e; ++i) {
                                 if (blocks[i] == j)
                                     S.st.g[static_cast<size_t>(labels[i])].add_row(X, i, rs[i]);
                             }
                         } else {
                             S.st.clear();
                             for (int64_t i = b; i < e; ++i) {
                                 if (blocks[i] != j)
                                     S.st.g[static_cast<size_t>(labels[i])].add_row(X, i, rs[i]);
                             }
                             bad = group_matrix_of(S.st.g, K, V, opt.metric, S.cols, M);
                         }
                         if (bad) note_violation(violation, w);
                     }
                 });
    if (violation.load() >= 0) throw_violation(opt.metric, violation.load());
}

}  // namespace divergence
