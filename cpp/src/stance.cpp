// Stance replicates on small tables: observed, bootstrap and permutation K x K matrices for
// every target in one threaded pass over (target, replicate) items (see replicates.hpp).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

#include "divergence/pairwise.hpp"
#include "divergence/replicates.hpp"
#include "kernels.hpp"

namespace divergence {

namespace {

// NumPy's pairwise_sum (numpy/_core/src/umath/loops_utils.h.src): below 8 values a plain loop,
// up to 128 eight accumulators added as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) and
// then the rest, above that the two halves (split at a multiple of 8) summed recursively.
double pairwise_sum(const double* x, int64_t n) {
    if (n < 8) {
        double res = 0.0;
        for (int64_t i = 0; i < n; ++i) res += x[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j) r[j] = x[j];
        int64_t i = 8;
        for (; i < n - (n % 8); i += 8) {
            for (int j = 0; j < 8; ++j) r[j] += x[i + j];
        }
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) res += x[i];
        return res;
    }
    int64_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(x, n2) + pairwise_sum(x + n2, n - n2);
}

// One target: its statements [begin, begin + n) and their groups' members.
struct Target {
    int64_t begin = 0, n = 0;
    int32_t K = 0;
    std::vector<int64_t> off;      // group g's members: members[off[g], off[g + 1])
    std::vector<int32_t> members;  // positions within the target, group by group, in order
    // Scores only: the distinct values in increasing order and each statement's index in them.
    std::vector<double> values;
    std::vector<int32_t> dv;
};

Target make_target(const int32_t* group, int64_t begin, int64_t n, int32_t K, int64_t t) {
    const std::string where = "target " + std::to_string(t);
    if (K < 2) throw InputError(where + ": needs at least two groups, got " + std::to_string(K));
    Target T;
    T.begin = begin;
    T.n = n;
    T.K = K;
    T.off.assign(static_cast<size_t>(K) + 1, 0);
    for (int64_t i = 0; i < n; ++i) {
        const int32_t g = group[begin + i];
        if (g < 0 || g >= K) {
            throw InputError(where + ": statement " + std::to_string(i) + " has group code " +
                             std::to_string(g) + " outside [0, " + std::to_string(K) + ")");
        }
        ++T.off[static_cast<size_t>(g) + 1];
    }
    for (int32_t g = 0; g < K; ++g) {
        if (T.off[static_cast<size_t>(g) + 1] == 0) {
            throw InputError(where + ": group " + std::to_string(g) + " has no statements");
        }
        T.off[static_cast<size_t>(g) + 1] += T.off[static_cast<size_t>(g)];
    }
    T.members.resize(static_cast<size_t>(n));
    std::vector<int64_t> fill(T.off.begin(), T.off.end() - 1);
    for (int64_t i = 0; i < n; ++i) {
        T.members[static_cast<size_t>(fill[static_cast<size_t>(group[begin + i])]++)] =
            static_cast<int32_t>(i);
    }
    return T;
}

std::vector<Target> make_targets(const StanceTargets& st, const ReplicateOptions& opt,
                                 size_t n_out) {
    if (st.n_targets < 0 || n_out != static_cast<size_t>(st.n_targets)) {
        throw InputError("targets: " + std::to_string(n_out) + " outputs for " +
                         std::to_string(st.n_targets) + " targets");
    }
    if (opt.n_bootstrap < 0 || opt.n_permutations < 0) {
        throw InputError("bootstrap/permutations: counts must be >= 0");
    }
    std::vector<Target> out;
    out.reserve(static_cast<size_t>(st.n_targets));
    for (int32_t t = 0; t < st.n_targets; ++t) {
        const int64_t b = st.start[t], e = st.start[t + 1];
        if (b < 0 || e < b) throw InputError("targets: start must be non-decreasing from 0");
        out.push_back(make_target(st.group, b, e - b, st.n_groups[t], t));
    }
    return out;
}

// Bootstrap draw: idx[off[g], off[g + 1]) are group g's n_g members drawn with replacement.
void draw_bootstrap(Stream& rng, const Target& T, int32_t* idx) {
    for (int32_t g = 0; g < T.K; ++g) {
        const int64_t b = T.off[static_cast<size_t>(g)], e = T.off[static_cast<size_t>(g) + 1];
        const auto ng = static_cast<uint64_t>(e - b);
        for (int64_t p = b; p < e; ++p) {
            idx[p] = T.members[static_cast<size_t>(b + static_cast<int64_t>(rng.below(ng)))];
        }
    }
}

// Replicate r of target t: fills `draw` with the bootstrap indices (r < B; returns true) or the
// permuted group codes (returns false).
bool draw_replicate(const Target& T, const int32_t* group, int64_t t, int64_t r,
                    const ReplicateOptions& opt, std::vector<int32_t>& draw) {
    draw.resize(static_cast<size_t>(T.n));
    if (r < opt.n_bootstrap) {
        Stream rng(opt.seed, indexed_tag(kTagStanceBootstrap, static_cast<uint64_t>(t)),
                   static_cast<uint64_t>(r));
        draw_bootstrap(rng, T, draw.data());
        return true;
    }
    Stream rng(opt.seed, indexed_tag(kTagStancePermutation, static_cast<uint64_t>(t)),
               static_cast<uint64_t>(r - opt.n_bootstrap));
    std::copy(group + T.begin, group + T.begin + T.n, draw.begin());
    shuffle(rng, draw.data(), T.n);
    return false;
}

// Runs fn(t, r_begin, r_end, tid) over the replicates [0, B + P) of every target, threaded over
// (target, replicate) items; each call covers replicates of one target.
template <class Fn>
void over_replicates(int64_t n_targets, const ReplicateOptions& opt, const RunOptions& run,
                     Fn&& fn) {
    const int64_t per = opt.n_bootstrap + opt.n_permutations;
    const int64_t total = n_targets * per;
    if (total == 0) return;
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    const int64_t chunk = std::min<int64_t>(256, balanced_chunk(total, run.n_threads, 1, 16));
    parallel_for(total, chunk, pc, [&](int64_t q0, int64_t q1, int tid) {
        for (int64_t q = q0; q < q1;) {
            const int64_t t = q / per, r0 = q - t * per;
            const int64_t r1 = std::min(per, q1 - t * per);
            fn(t, r0, r1, tid);
            q = t * per + r1;
        }
    });
}

// Output slot of replicate r of target t.
double* replicate_out(const StanceOut& o, int64_t r, const ReplicateOptions& opt, int64_t size) {
    return r < opt.n_bootstrap ? o.boot + r * size : o.perm + (r - opt.n_bootstrap) * size;
}

// ---------------------------------------------------------------------------------------------
// Labels

using detail::DensePrepared;
using detail::Finalizer;
using detail::Op;
using detail::Side;
using detail::TileArgs;

struct LabelScratch {
    std::vector<double> unique;       // U x S: the distinct count rows of a batch of tables
    std::vector<int32_t> uid, slot;   // each row's index in unique; hash slots
    std::vector<double> acc, values;  // kernel sums and finished values of row pairs
};

// Finds the distinct rows of the `rows` x S counts at G (exact compare, hashed): s.unique, s.uid.
int64_t distinct_rows(const double* G, int64_t rows, int32_t S, LabelScratch& s) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(2 * rows)) cap *= 2;
    s.slot.assign(cap, -1);
    s.uid.resize(static_cast<size_t>(rows));
    s.unique.clear();
    int32_t U = 0;
    for (int64_t r = 0; r < rows; ++r) {
        const double* x = G + r * S;
        uint64_t h = 0x9E3779B97F4A7C15ULL;
        for (int32_t c = 0; c < S; ++c) {
            uint64_t bits;
            std::memcpy(&bits, x + c, sizeof bits);
            h = (h ^ bits) * 0xBF58476D1CE4E5B9ULL;
            h ^= h >> 31;
        }
        for (size_t k = h & (cap - 1);; k = (k + 1) & (cap - 1)) {
            const int32_t u = s.slot[k];
            if (u < 0) {
                s.slot[k] = U;
                s.unique.insert(s.unique.end(), x, x + S);
                s.uid[static_cast<size_t>(r)] = U++;
                break;
            }
            if (std::equal(x, x + S, s.unique.data() + static_cast<int64_t>(u) * S)) {
                s.uid[static_cast<size_t>(r)] = u;
                break;
            }
        }
    }
    return U;
}

// K x K matrices of every metric for `reps` count tables (K x S each, stacked at G) into
// dst[r] (m x K x K). Each distinct count row is prepared once per batch and each pair of rows
// goes through the pairwise kernels (tile, then the finaliser), so every value has the bits
// pairwise_dense gives for that table alone. Where the distinct rows are few (bootstrap tables
// of small or one-sided groups repeat), all their pairs are computed once and looked up.
void label_matrices(const double* G, int64_t reps, int32_t K, int32_t S,
                    const std::vector<MetricOptions>& metrics, double* const* dst,
                    LabelScratch& s) {
    const int64_t KK = static_cast<int64_t>(K) * K;
    const ParallelConfig serial{1, nullptr};
    const RunOptions serial_run;
    const int64_t U = distinct_rows(G, reps * K, S, s);
    const DenseView<double> uv{s.unique.data(), U, S, S};
    for (size_t m = 0; m < metrics.size(); ++m) {
        const MetricOptions& mo = metrics[m];
        const auto mi = static_cast<int64_t>(m);
        if (detail::needs_support_check(mo)) {
            // kl/jeffreys without smoothing: pairwise_dense checks the supports (sparse path).
            for (int64_t r = 0; r < reps; ++r) {
                pairwise_dense<double>(DenseView<double>{G + r * K * S, K, S, S}, nullptr, mo,
                                       serial_run, OutView<double>{dst[r] + mi * KK, K, K, K});
            }
            continue;
        }
        const bool sym = metric_is_symmetric(mo.metric);
        const DensePrepared<double> PL =
            detail::prepare_dense(uv, mo, sym ? Side::both : Side::left, "counts", serial);
        DensePrepared<double> PRstore;
        if (!sym) PRstore = detail::prepare_dense(uv, mo, Side::right, "counts", serial);
        const DensePrepared<double>& PR = sym ? PL : PRstore;
        const Op op = detail::op_for(mo.metric);
        const Finalizer fin(mo);
        // The value of distinct rows (u, v) from the kernel sum, as pairwise_dense finishes it.
        auto finish = [&](double a, int64_t u, int64_t v) {
            const RowStats& su = PL.stats[static_cast<size_t>(u)];
            const RowStats& sv = PR.stats[static_cast<size_t>(v)];
            if (op == Op::mixlog) a = a - (su.h + sv.h);
            return fin(a, su, sv);
        };
        const int32_t* uid = s.uid.data();
        if ((sym ? U * (U + 1) / 2 : U * U) <= reps * K * (K - 1) / (sym ? 2 : 1)) {
            // Every pair of distinct rows once (diagonal included: two groups may have the
            // same counts), then looked up per table.
            s.acc.resize(static_cast<size_t>(U * U));
            s.values.resize(static_cast<size_t>(U * U));
            const TileArgs<double> ta{PL.row(0),
                                      PL.ld(),
                                      PR.row(0),
                                      PR.ld(),
                                      PL.W,
                                      U,
                                      U,
                                      sym ? -1 : std::numeric_limits<int64_t>::min() / 2,
                                      s.acc.data()};
            detail::tile<double>(op, ta);
            for (int64_t u = 0; u < U; ++u) {
                for (int64_t v = sym ? u : 0; v < U; ++v) {
                    const double x = finish(s.acc[static_cast<size_t>(u * U + v)], u, v);
                    s.values[static_cast<size_t>(u * U + v)] = x;
                    if (sym) s.values[static_cast<size_t>(v * U + u)] = x;
                }
            }
            for (int64_t r = 0; r < reps; ++r) {
                double* o = dst[r] + mi * KK;
                const int32_t* ur = uid + r * K;
                for (int64_t i = 0; i < K; ++i) {
                    for (int64_t j = 0; j < K; ++j) {
                        const auto uv_ij = static_cast<size_t>(ur[i] * U + ur[j]);
                        o[i * K + j] = i == j ? 0.0 : s.values[uv_ij];
                    }
                }
            }
            continue;
        }
        for (int64_t r = 0; r < reps; ++r) {
            double* o = dst[r] + mi * KK;
            const int32_t* ur = uid + r * K;
            for (int64_t i = 0; i < K; ++i) {
                o[i * K + i] = 0.0;
                for (int64_t j = sym ? i + 1 : 0; j < K; ++j) {
                    if (j == i) continue;
                    double a = 0.0;
                    const TileArgs<double> ta{PL.row(ur[i]),
                                              PL.ld(),
                                              PR.row(ur[j]),
                                              PR.ld(),
                                              PL.W,
                                              1,
                                              1,
                                              std::numeric_limits<int64_t>::min() / 2,
                                              &a};
                    detail::tile<double>(op, ta);
                    o[i * K + j] = finish(a, ur[i], ur[j]);
                    if (sym) o[j * K + i] = o[i * K + j];
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scores

struct ScoreScratch {
    std::vector<int32_t> draw, cnt;
    std::vector<int64_t> pos;
    std::vector<double> buf, mean;
};

// Distinct values of the target's scores and each statement's index among them.
void index_values(Target& T, const double* value) {
    std::vector<int32_t> order(static_cast<size_t>(T.n));
    std::iota(order.begin(), order.end(), 0);
    const double* x = value + T.begin;
    for (int64_t i = 0; i < T.n; ++i) {
        if (!std::isfinite(x[i])) {
            throw InputError("value: statement " + std::to_string(T.begin + i) + " is " +
                             std::to_string(x[i]) + "; scores must be finite");
        }
    }
    std::sort(order.begin(), order.end(), [x](int32_t a, int32_t b) { return x[a] < x[b]; });
    T.dv.resize(static_cast<size_t>(T.n));
    for (const int32_t i : order) {
        if (T.values.empty() || x[i] != T.values.back()) T.values.push_back(x[i]);
        T.dv[static_cast<size_t>(i)] = static_cast<int32_t>(T.values.size() - 1);
    }
}

// scipy.stats.wasserstein_distance from the counts of each distinct value in the two samples:
// sum over successive values present in either of |F_a - F_b| (value gap); F = count / n.
double wasserstein(const int32_t* ca, const int32_t* cb, const double* values, int64_t D, double na,
                   double nb) {
    double s = 0.0, prev_value = 0.0, prev_diff = 0.0;
    int64_t fa = 0, fb = 0;
    bool started = false;
    for (int64_t d = 0; d < D; ++d) {
        if (ca[d] == 0 && cb[d] == 0) continue;
        if (started) s += prev_diff * (values[d] - prev_value);
        fa += ca[d];
        fb += cb[d];
        prev_diff = std::fabs(static_cast<double>(fa) / na - static_cast<double>(fb) / nb);
        prev_value = values[d];
        started = true;
    }
    return s;
}

// metrics x K x K score values of one sample: statement i of the target in group codes[i]
// (bootstrap == false), or the bootstrap draw idx (group g at idx[off[g], off[g + 1])).
void score_matrices(const Target& T, const double* value, const int32_t* draw, bool bootstrap,
                    const std::vector<ScoreMetric>& metrics, ScoreScratch& s, double* out) {
    const int32_t K = T.K;
    const auto D = static_cast<int64_t>(T.values.size());
    const double* x = value + T.begin;
    s.cnt.assign(static_cast<size_t>(K * D), 0);
    s.buf.resize(static_cast<size_t>(T.n));
    if (bootstrap) {
        for (int32_t g = 0; g < K; ++g) {
            int32_t* c = s.cnt.data() + g * D;
            for (int64_t p = T.off[static_cast<size_t>(g)]; p < T.off[static_cast<size_t>(g) + 1];
                 ++p) {
                const int32_t i = draw[p];
                s.buf[static_cast<size_t>(p)] = x[i];
                ++c[T.dv[static_cast<size_t>(i)]];
            }
        }
    } else {
        s.pos.assign(T.off.begin(), T.off.end() - 1);
        for (int64_t i = 0; i < T.n; ++i) {
            const int32_t g = draw[i];
            s.buf[static_cast<size_t>(s.pos[static_cast<size_t>(g)]++)] = x[i];
            ++s.cnt[static_cast<size_t>(g * D + T.dv[static_cast<size_t>(i)])];
        }
    }
    s.mean.resize(static_cast<size_t>(K));
    for (int32_t g = 0; g < K; ++g) {
        const int64_t b = T.off[static_cast<size_t>(g)], e = T.off[static_cast<size_t>(g) + 1];
        s.mean[static_cast<size_t>(g)] =
            numpy_sum(s.buf.data() + b, e - b) / static_cast<double>(e - b);
    }
    const int64_t KK = static_cast<int64_t>(K) * K;
    std::fill(out, out + static_cast<int64_t>(metrics.size()) * KK,
              std::numeric_limits<double>::quiet_NaN());
    for (size_t m = 0; m < metrics.size(); ++m) {
        double* o = out + static_cast<int64_t>(m) * KK;
        for (int32_t a = 0; a < K; ++a) {
            for (int32_t b = a + 1; b < K; ++b) {
                if (metrics[m] == ScoreMetric::mean_difference) {
                    o[a * K + b] = s.mean[static_cast<size_t>(a)] - s.mean[static_cast<size_t>(b)];
                } else {
                    const auto na = static_cast<double>(T.off[static_cast<size_t>(a) + 1] -
                                                        T.off[static_cast<size_t>(a)]);
                    const auto nb = static_cast<double>(T.off[static_cast<size_t>(b) + 1] -
                                                        T.off[static_cast<size_t>(b)]);
                    o[a * K + b] = wasserstein(s.cnt.data() + a * D, s.cnt.data() + b * D,
                                               T.values.data(), D, na, nb);
                }
            }
        }
    }
}

}  // namespace

double numpy_sum(const double* x, int64_t n) { return 0.0 + pairwise_sum(x, n); }

ScoreMetric parse_score_metric(std::string_view name) {
    if (name == "mean_difference") return ScoreMetric::mean_difference;
    if (name == "wasserstein") return ScoreMetric::wasserstein;
    throw InputError("metric: unknown score metric '" + std::string(name) +
                     "'; valid: mean_difference, wasserstein");
}

void stance_label_replicates(const StanceTargets& targets, const int32_t* stance, int32_t n_stances,
                             const std::vector<MetricOptions>& metrics, const ReplicateOptions& opt,
                             const RunOptions& run, const std::vector<StanceOut>& out) {
    if (metrics.empty()) throw InputError("metric: no metric given");
    for (const auto& m : metrics) check_metric_options(m);
    if (n_stances < 1) throw InputError("stances: at least one stance is needed");
    const std::vector<Target> info = make_targets(targets, opt, out.size());
    const int64_t S = n_stances;
    for (const Target& T : info) {
        for (int64_t i = T.begin; i < T.begin + T.n; ++i) {
            if (stance[i] < 0 || stance[i] >= n_stances) {
                throw InputError("stance: statement " + std::to_string(i) + " has stance code " +
                                 std::to_string(stance[i]) + " outside [0, " +
                                 std::to_string(n_stances) + ")");
            }
        }
    }
    LabelScratch ls;
    std::vector<double> G;
    for (size_t t = 0; t < info.size(); ++t) {
        const Target& T = info[t];
        G.assign(static_cast<size_t>(T.K * S), 0.0);
        for (int64_t i = 0; i < T.n; ++i) {
            G[static_cast<size_t>(targets.group[T.begin + i] * S + stance[T.begin + i])] += 1.0;
        }
        double* dst = out[t].observed;
        label_matrices(G.data(), 1, T.K, n_stances, metrics, &dst, ls);
    }
    struct Scratch {
        std::vector<double> G;
        std::vector<int32_t> draw;
        std::vector<double*> dst;
        LabelScratch ls;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    const auto nm = static_cast<int64_t>(metrics.size());
    over_replicates(targets.n_targets, opt, run, [&](int64_t t, int64_t r0, int64_t r1, int tid) {
        Scratch& s = scratch[static_cast<size_t>(tid)];
        const Target& T = info[static_cast<size_t>(t)];
        const int64_t KS = T.K * S;
        s.G.assign(static_cast<size_t>((r1 - r0) * KS), 0.0);
        s.dst.resize(static_cast<size_t>(r1 - r0));
        for (int64_t r = r0; r < r1; ++r) {
            double* G = s.G.data() + (r - r0) * KS;
            const int32_t* st = stance + T.begin;
            if (draw_replicate(T, targets.group, t, r, opt, s.draw)) {
                for (int32_t g = 0; g < T.K; ++g) {
                    for (int64_t p = T.off[static_cast<size_t>(g)];
                         p < T.off[static_cast<size_t>(g) + 1]; ++p) {
                        G[g * S + st[s.draw[static_cast<size_t>(p)]]] += 1.0;
                    }
                }
            } else {
                for (int64_t i = 0; i < T.n; ++i) {
                    G[s.draw[static_cast<size_t>(i)] * S + st[i]] += 1.0;
                }
            }
            s.dst[static_cast<size_t>(r - r0)] =
                replicate_out(out[static_cast<size_t>(t)], r, opt, nm * T.K * T.K);
        }
        label_matrices(s.G.data(), r1 - r0, T.K, n_stances, metrics, s.dst.data(), s.ls);
    });
}

void stance_score_replicates(const StanceTargets& targets, const double* value,
                             const std::vector<ScoreMetric>& metrics, const ReplicateOptions& opt,
                             const RunOptions& run, const std::vector<StanceOut>& out) {
    if (metrics.empty()) throw InputError("metric: no metric given");
    std::vector<Target> info = make_targets(targets, opt, out.size());
    for (Target& T : info) index_values(T, value);
    std::vector<ScoreScratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    for (size_t t = 0; t < info.size(); ++t) {
        score_matrices(info[t], value, targets.group + info[t].begin, false, metrics, scratch[0],
                       out[t].observed);
    }
    const auto nm = static_cast<int64_t>(metrics.size());
    over_replicates(targets.n_targets, opt, run, [&](int64_t t, int64_t r0, int64_t r1, int tid) {
        ScoreScratch& s = scratch[static_cast<size_t>(tid)];
        const Target& T = info[static_cast<size_t>(t)];
        for (int64_t r = r0; r < r1; ++r) {
            const bool boot = draw_replicate(T, targets.group, t, r, opt, s.draw);
            score_matrices(T, value, s.draw.data(), boot, metrics, s,
                           replicate_out(out[static_cast<size_t>(t)], r, opt, nm * T.K * T.K));
        }
    });
}

void stance_draws(const int32_t* group, int64_t n, int32_t K, uint64_t key,
                  const ReplicateOptions& opt, int32_t* boot_idx, int32_t* perm_group) {
    const Target T = make_target(group, 0, n, K, static_cast<int64_t>(key));
    std::vector<int32_t> draw;
    const auto t = static_cast<int64_t>(key);
    for (int64_t r = 0; r < opt.n_bootstrap + opt.n_permutations; ++r) {
        const bool boot = draw_replicate(T, group, t, r, opt, draw);
        int32_t* dst = boot ? boot_idx : perm_group;
        if (dst == nullptr) continue;
        const int64_t row = boot ? r : r - opt.n_bootstrap;
        std::copy(draw.begin(), draw.end(), dst + row * n);
    }
}

}  // namespace divergence
