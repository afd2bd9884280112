// Plug-in and leave-out partisanship with speaker bootstrap and shuffled labels (see
// partisan.hpp for the definitions and the rules at the edges).
#include "divergence/partisan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "divergence/parallel.hpp"
#include "divergence/random.hpp"

namespace divergence {

namespace {

// Leftovers below this share of a total are rounding, not mass (exact for integer counts).
constexpr double kRelTol = 1e-12;

// Group totals and the other groups' summed frequencies for one weighting / labelling.
struct Totals {
    std::vector<double> C;  // G x V: group counts
    std::vector<double> O;  // G x V: sum_{h != g} q^h
    std::vector<double> T;  // V: sum_h q^h
    std::vector<double> M;  // G: group totals

    void compute(const CsrView<double>& X, const double* m, const int32_t* lab, int32_t G,
                 const int32_t* w) {
        const int64_t V = X.cols;
        const size_t GV = static_cast<size_t>(G) * static_cast<size_t>(V);
        C.assign(GV, 0.0);
        O.resize(GV);
        T.assign(static_cast<size_t>(V), 0.0);
        M.assign(static_cast<size_t>(G), 0.0);
        for (int64_t i = 0; i < X.rows; ++i) {
            const int32_t mult = w ? w[i] : 1;
            if (mult == 0) continue;
            const double f = static_cast<double>(mult);
            double* c = C.data() + static_cast<size_t>(lab[i]) * static_cast<size_t>(V);
            for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
                c[X.indices[k]] += f * X.data[k];
            }
            M[static_cast<size_t>(lab[i])] += f * m[i];
        }
        // O_g = (q^0 + ... + q^{g-1}) + (q^{g+1} + ... + q^{G-1}); T = q^0 + ... + q^{G-1}.
        for (int32_t g = 0; g < G; ++g) {
            double* o = O.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
            const double* c = C.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
            const double Mg = M[static_cast<size_t>(g)];
            const double inv = Mg > 0 ? 1.0 / Mg : 0.0;
            for (int64_t j = 0; j < V; ++j) {
                o[j] = T[j];  // prefix: groups before g
                T[j] += c[j] * inv;
            }
        }
        std::vector<double> suffix(static_cast<size_t>(V), 0.0);
        for (int32_t g = G - 1; g >= 0; --g) {
            double* o = O.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
            const double* c = C.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
            const double Mg = M[static_cast<size_t>(g)];
            const double inv = Mg > 0 ? 1.0 / Mg : 0.0;
            for (int64_t j = 0; j < V; ++j) {
                o[j] += suffix[j];
                suffix[j] += c[j] * inv;
            }
        }
    }

    // Plug-in: per group q^g . rho_g into pg[g]; returns their mean.
    double plugin(int32_t G, int64_t V, double* pg) const {
        double total = 0.0;
        for (int32_t g = 0; g < G; ++g) {
            const double* c = C.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
            const double Mg = M[static_cast<size_t>(g)];
            double s = 0.0;
            if (Mg > 0) {
                for (int64_t j = 0; j < V; ++j) {
                    if (c[j] > 0 && T[j] > 0) {
                        const double f = c[j] / Mg;
                        s += f * (f / T[j]);
                    }
                }
            }
            if (pg) pg[g] = s;
            total += s;
        }
        return total / static_cast<double>(G);
    }

    // q_i . rho_{g,-i} for speaker i in group g, with all `mult` copies of i removed.
    // Returns NaN when no one else is left in the group.
    double leave_out(const CsrView<double>& X, int64_t i, int32_t g, double mi, double mult,
                     int32_t G) const {
        const int64_t V = X.cols;
        const double Mg = M[static_cast<size_t>(g)];
        const double rest = Mg - mult * mi;
        if (!(rest > kRelTol * Mg)) return std::numeric_limits<double>::quiet_NaN();
        const double inv = 1.0 / rest;
        const double prior = 1.0 / static_cast<double>(G);
        const double* c = C.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
        const double* o = O.data() + static_cast<size_t>(g) * static_cast<size_t>(V);
        double s = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
            const int32_t j = X.indices[k];
            const double x = X.data[k];
            double left = c[j] - mult * x;
            if (left <= kRelTol * c[j]) left = 0.0;
            const double a = left * inv;
            const double den = a + o[j];
            s += x * (den > 0 ? a / den : prior);
        }
        return s / mi;
    }
};

// Leave-out estimate of one replicate (serial): weights w (null = each speaker once).
double leave_out_serial(const CsrView<double>& X, const double* m, const int32_t* lab, int32_t G,
                        const int32_t* w, const Totals& t, std::vector<double>& num,
                        std::vector<double>& den) {
    num.assign(static_cast<size_t>(G), 0.0);
    den.assign(static_cast<size_t>(G), 0.0);
    for (int64_t i = 0; i < X.rows; ++i) {
        const int32_t mult = w ? w[i] : 1;
        if (mult == 0) continue;
        const int32_t g = lab[i];
        const double v = t.leave_out(X, i, g, m[i], static_cast<double>(mult), G);
        num[static_cast<size_t>(g)] += static_cast<double>(mult) * v;
        den[static_cast<size_t>(g)] += static_cast<double>(mult);
    }
    double total = 0.0;
    for (int32_t g = 0; g < G; ++g)
        total += num[static_cast<size_t>(g)] / den[static_cast<size_t>(g)];
    return total / static_cast<double>(G);
}

}  // namespace

void partisanship(const CsrView<double>& X, const int32_t* labels, int32_t G,
                  const PartisanOptions& opt, const RunOptions& run, double* observed,
                  double* by_group, double* per_speaker, double* boot, double* perm) {
    if (G < 2) {
        throw InputError("groups: partisanship needs at least two groups, got " +
                         std::to_string(G));
    }
    if (opt.n_bootstrap < 0 || opt.n_permutations < 0) {
        throw InputError("bootstrap/permutations: counts must be >= 0");
    }
    const int64_t N = X.rows;
    const int64_t V = X.cols;
    if (N > std::numeric_limits<int32_t>::max()) {
        throw InputError("X: at most 2^31 - 1 speakers, got " + std::to_string(N));
    }
    // Speaker totals and checks.
    std::vector<double> m(static_cast<size_t>(N), 0.0);
    std::vector<std::vector<int32_t>> members(static_cast<size_t>(G));
    for (int64_t i = 0; i < N; ++i) {
        const int32_t g = labels[i];
        if (g < 0 || g >= G) {
            throw InputError("labels: speaker " + std::to_string(i) + " has group code " +
                             std::to_string(g) + " outside [0, " + std::to_string(G) + ")");
        }
        double s = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
            const double x = X.data[k];
            if (!(x >= 0.0) || !std::isfinite(x)) {
                throw InputError("X: speaker " + std::to_string(i) + " has count " +
                                 std::to_string(x) + "; counts must be finite and >= 0");
            }
            s += x;
        }
        if (!(s > 0.0)) {
            throw InputError("X: speaker " + std::to_string(i) +
                             " has no tokens; drop speakers without tokens first");
        }
        m[static_cast<size_t>(i)] = s;
        members[static_cast<size_t>(g)].push_back(static_cast<int32_t>(i));
    }
    for (int32_t g = 0; g < G; ++g) {
        const size_t n = members[static_cast<size_t>(g)].size();
        if (n < 2) {
            throw InputError("labels: group " + std::to_string(g) + " has " + std::to_string(n) +
                             " speaker" + (n == 1 ? "" : "s") +
                             "; the leave-out estimate needs at least two speakers per group");
        }
    }

    // Observed: totals once, then every speaker's leave-out score in parallel (each output cell
    // written by one task), reduced serially in speaker order.
    Totals obs;
    obs.compute(X, m.data(), labels, G, nullptr);
    std::vector<double> pg(static_cast<size_t>(G));
    const double pi = obs.plugin(G, V, pg.data());
    std::vector<double> score(static_cast<size_t>(N));
    const ParallelConfig pc{run.n_threads, run.stop};
    parallel_for(N, balanced_chunk(N, run.n_threads, 1024), pc, [&](int64_t i0, int64_t i1, int) {
        for (int64_t i = i0; i < i1; ++i) {
            score[static_cast<size_t>(i)] =
                obs.leave_out(X, i, labels[i], m[static_cast<size_t>(i)], 1.0, G);
        }
    });
    std::vector<double> num(static_cast<size_t>(G), 0.0), den(static_cast<size_t>(G), 0.0);
    for (int64_t i = 0; i < N; ++i) {
        num[static_cast<size_t>(labels[i])] += score[static_cast<size_t>(i)];
        den[static_cast<size_t>(labels[i])] += 1.0;
    }
    double lo = 0.0;
    for (int32_t g = 0; g < G; ++g) {
        const double v = num[static_cast<size_t>(g)] / den[static_cast<size_t>(g)];
        if (by_group) {
            by_group[2 * g] = pg[static_cast<size_t>(g)];
            by_group[2 * g + 1] = v;
        }
        lo += v;
    }
    if (observed) {
        observed[0] = pi;
        observed[1] = lo / static_cast<double>(G);
    }
    if (per_speaker) std::copy(score.begin(), score.end(), per_speaker);

    // Replicates: one seeded stream each, one task each.
    const int64_t total = opt.n_bootstrap + opt.n_permutations;
    if (total == 0) return;
    struct Scratch {
        Totals t;
        std::vector<int32_t> w, lab;
        std::vector<double> num, den;
    };
    std::vector<Scratch> scratch(static_cast<size_t>(std::max(1, run.n_threads)));
    parallel_for(total, balanced_chunk(total, run.n_threads, 1, 8), pc,
                 [&](int64_t r0, int64_t r1, int tid) {
                     Scratch& s = scratch[static_cast<size_t>(tid)];
                     for (int64_t r = r0; r < r1; ++r) {
                         if (r < opt.n_bootstrap) {
                             // Speakers resampled with replacement within each group.
                             Stream rng(opt.seed, kTagPartisanBootstrap, static_cast<uint64_t>(r));
                             s.w.assign(static_cast<size_t>(N), 0);
                             for (const auto& mem : members) {
                                 const uint64_t n = mem.size();
                                 for (uint64_t d = 0; d < n; ++d)
                                     ++s.w[static_cast<size_t>(mem[rng.below(n)])];
                             }
                             s.t.compute(X, m.data(), labels, G, s.w.data());
                             boot[2 * r] = s.t.plugin(G, V, nullptr);
                             boot[2 * r + 1] = leave_out_serial(X, m.data(), labels, G, s.w.data(),
                                                                s.t, s.num, s.den);
                         } else {
                             // Labels permuted over speakers (Fisher-Yates), group sizes kept.
                             const int64_t p = r - opt.n_bootstrap;
                             Stream rng(opt.seed, kTagPartisanPermutation,
                                        static_cast<uint64_t>(p));
                             s.lab.assign(labels, labels + N);
                             for (int64_t i = N - 1; i > 0; --i) {
                                 const int64_t j =
                                     static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
                                 std::swap(s.lab[static_cast<size_t>(i)],
                                           s.lab[static_cast<size_t>(j)]);
                             }
                             s.t.compute(X, m.data(), s.lab.data(), G, nullptr);
                             perm[2 * p] = s.t.plugin(G, V, nullptr);
                             perm[2 * p + 1] = leave_out_serial(X, m.data(), s.lab.data(), G,
                                                                nullptr, s.t, s.num, s.den);
                         }
                     }
                 });
}

RowSums sum_rows_by(const CsrView<double>& X, const int64_t* owner, int64_t n_out,
                    const RunOptions& run) {
    const int64_t N = X.rows;
    const int64_t V = X.cols;
    if (n_out < 0) throw InputError("n_out: must be >= 0");
    for (int64_t i = 0; i < N; ++i) {
        const int64_t o = owner[i];
        if (o < 0 || o >= n_out) {
            throw InputError("owner: row " + std::to_string(i) + " has owner " + std::to_string(o) +
                             " outside [0, " + std::to_string(n_out) + ")");
        }
    }
    // The rows of each owner, in increasing i (a stable counting sort), and upper-bound row
    // starts of the output (each owner's rows' entries; see below).
    std::vector<int64_t> optr(static_cast<size_t>(n_out) + 1, 0);
    std::vector<int64_t> ub(static_cast<size_t>(n_out) + 1, 0);
    for (int64_t i = 0; i < N; ++i) {
        ++optr[static_cast<size_t>(owner[i]) + 1];
        ub[static_cast<size_t>(owner[i]) + 1] += X.indptr[i + 1] - X.indptr[i];
    }
    for (int64_t o = 0; o < n_out; ++o) {
        optr[static_cast<size_t>(o) + 1] += optr[static_cast<size_t>(o)];
        ub[static_cast<size_t>(o) + 1] += ub[static_cast<size_t>(o)];
    }
    std::vector<int64_t> orows(static_cast<size_t>(N));
    {
        std::vector<int64_t> fill(optr.begin(), optr.end() - 1);
        for (int64_t i = 0; i < N; ++i)
            orows[static_cast<size_t>(fill[static_cast<size_t>(owner[i])]++)] = i;
    }
    // Owners in chunks over the threads. Per owner: its rows are added, in increasing i, into a
    // dense accumulator (columns stamped with the owner, so it is never cleared); the columns
    // touched (one increasing run per row) are merged into order and written at the owner's
    // slot in the output, sized by its rows' entries (an upper bound); one sequential pass then
    // closes the gaps. The sums depend only on the owner's rows: the same bits for any n_jobs.
    RowSums out;
    out.indices.resize(static_cast<size_t>(ub[static_cast<size_t>(n_out)]));
    out.data.resize(static_cast<size_t>(ub[static_cast<size_t>(n_out)]));
    std::vector<int64_t> counts(static_cast<size_t>(n_out), 0);
    struct Scratch {
        std::vector<double> acc;
        std::vector<int64_t> stamp;
        std::vector<int32_t> touched, tmp;
        std::vector<size_t> runs, next;
    };
    const int nt = std::max(1, run.n_threads);
    std::vector<Scratch> scratch(static_cast<size_t>(nt));
    ParallelConfig pc{nt, run.stop};
    parallel_for(n_out, balanced_chunk(n_out, nt, 256, 8), pc,
                 [&](int64_t o0, int64_t o1, int tid) {
                     Scratch& sc = scratch[static_cast<size_t>(tid)];
                     if (sc.acc.empty()) {
                         sc.acc.assign(static_cast<size_t>(V), 0.0);
                         sc.stamp.assign(static_cast<size_t>(V), -1);
                     }
                     for (int64_t o = o0; o < o1; ++o) {
                         sc.touched.clear();
                         sc.runs.clear();
                         for (int64_t q = optr[static_cast<size_t>(o)];
                              q < optr[static_cast<size_t>(o) + 1]; ++q) {
                             const int64_t i = orows[static_cast<size_t>(q)];
                             sc.runs.push_back(sc.touched.size());
                             for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
                                 const size_t t = static_cast<size_t>(X.indices[k]);
                                 if (sc.stamp[t] != o) {
                                     sc.stamp[t] = o;
                                     sc.acc[t] = X.data[k];
                                     sc.touched.push_back(static_cast<int32_t>(t));
                                 } else {
                                     sc.acc[t] += X.data[k];
                                 }
                             }
                         }
                         sc.runs.push_back(sc.touched.size());
                         // Merge the runs pairwise (n log k for k rows) instead of sorting
                         // from scratch.
                         while (sc.runs.size() > 2) {
                             sc.tmp.resize(sc.touched.size());
                             sc.next.clear();
                             size_t r = 0;
                             for (; r + 2 < sc.runs.size(); r += 2) {
                                 const auto a = static_cast<std::ptrdiff_t>(sc.runs[r]);
                                 const auto m = static_cast<std::ptrdiff_t>(sc.runs[r + 1]);
                                 const auto e = static_cast<std::ptrdiff_t>(sc.runs[r + 2]);
                                 std::merge(sc.touched.begin() + a, sc.touched.begin() + m,
                                            sc.touched.begin() + m, sc.touched.begin() + e,
                                            sc.tmp.begin() + a);
                                 sc.next.push_back(sc.runs[r]);
                             }
                             if (r + 1 < sc.runs.size()) {  // an odd run left over: copied as it is
                                 const auto a = static_cast<std::ptrdiff_t>(sc.runs[r]);
                                 const auto e = static_cast<std::ptrdiff_t>(sc.runs[r + 1]);
                                 std::copy(sc.touched.begin() + a, sc.touched.begin() + e,
                                           sc.tmp.begin() + a);
                                 sc.next.push_back(sc.runs[r]);
                             }
                             sc.next.push_back(sc.touched.size());
                             sc.touched.swap(sc.tmp);
                             sc.runs.swap(sc.next);
                         }
                         const size_t at = static_cast<size_t>(ub[static_cast<size_t>(o)]);
                         for (size_t q = 0; q < sc.touched.size(); ++q) {
                             const int32_t t = sc.touched[q];
                             out.indices[at + q] = t;
                             out.data[at + q] = sc.acc[static_cast<size_t>(t)];
                         }
                         counts[static_cast<size_t>(o)] = static_cast<int64_t>(sc.touched.size());
                     }
                 });
    out.indptr.assign(static_cast<size_t>(n_out) + 1, 0);
    for (int64_t o = 0; o < n_out; ++o) {
        const int64_t from = ub[static_cast<size_t>(o)], to = out.indptr[static_cast<size_t>(o)];
        const int64_t c = counts[static_cast<size_t>(o)];
        if (from != to) {  // close the gap (moving left: from >= to)
            std::copy(out.indices.begin() + from, out.indices.begin() + from + c,
                      out.indices.begin() + to);
            std::copy(out.data.begin() + from, out.data.begin() + from + c, out.data.begin() + to);
        }
        out.indptr[static_cast<size_t>(o) + 1] = to + c;
    }
    const auto total = static_cast<size_t>(out.indptr[static_cast<size_t>(n_out)]);
    out.indices.resize(total);
    out.data.resize(total);
    return out;
}

}  // namespace divergence
