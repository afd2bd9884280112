// Sliding windows (windows.hpp): window pairs and between-group windows against the
// definitions on window sums formed here, incremental == from scratch == any thread count, exact
// zeros and NaNs, token drift against the JSD of the two token windows counted here, novelty
// and transience against direct KL sums, between-group bootstrap and permutation replicates against
// draws made here, the block jackknife against windows recomputed on the rows kept, and bad input.
#include "divergence/windows.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "check.hpp"
#include "divergence/random.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

struct Windows {
    std::vector<int64_t> begins, ends, pair_a, pair_b;
};

// Windows of several lengths (some empty), and pairs in adjacent, baseline and random order so
// that every plan of window_pairs is taken.
Windows make_windows(int64_t rows, uint64_t seed) {
    ref::Lcg rng(seed);
    Windows w;
    for (int64_t b = 0; b + 12 <= rows; b += 5) {
        w.begins.push_back(b);
        w.ends.push_back(b + 12);
    }
    for (int i = 0; i < 12; ++i) {
        const int64_t b = rng.below(rows);
        w.begins.push_back(b);
        w.ends.push_back(std::min(rows, b + rng.below(30)));
    }
    w.begins.push_back(7);  // an empty window
    w.ends.push_back(7);
    const int64_t n = static_cast<int64_t>(w.begins.size());
    for (int64_t k = 0; k + 1 < n; ++k) {
        w.pair_a.push_back(k);
        w.pair_b.push_back(k + 1);
    }
    for (int64_t k = 0; k < n; ++k) {
        w.pair_a.push_back(0);
        w.pair_b.push_back(k);
    }
    for (int i = 0; i < 40; ++i) {
        w.pair_a.push_back(rng.below(n));
        w.pair_b.push_back(rng.below(n));
    }
    return w;
}

std::vector<double> window_sum(const ref::Csr& S, int64_t b, int64_t e,
                               const int32_t* labels = nullptr, int32_t group = 0) {
    std::vector<double> s(static_cast<size_t>(S.cols), 0.0);
    for (int64_t r = b; r < e; ++r) {
        if (!labels || labels[r] == group) S.add_row_to(r, s);
    }
    return s;
}

double total(const std::vector<double>& v) {
    double t = 0.0;
    for (double x : v) t += x;
    return t;
}

void pairs_against_definitions(const ref::Csr& S, const Windows& w, double scale_counts) {
    const int64_t nw = static_cast<int64_t>(w.begins.size());
    const int64_t np = static_cast<int64_t>(w.pair_a.size());
    for (const MetricInfo& info : kMetricTable) {
        WindowOptions opt;
        opt.metric.metric = info.id;
        opt.metric.alpha = info.uses_alpha ? 0.5 : 0.0;
        std::vector<double> inc(static_cast<size_t>(np)), scratch(inc.size()), par(inc.size());
        std::vector<double> totals(static_cast<size_t>(nw));
        RunOptions r1, r3;
        r3.n_threads = 3;
        window_pairs(S.view(), w.begins.data(), w.ends.data(), nw, w.pair_a.data(), w.pair_b.data(),
                     np, opt, r1, inc.data(), totals.data());
        window_pairs(S.view(), w.begins.data(), w.ends.data(), nw, w.pair_a.data(), w.pair_b.data(),
                     np, opt, r3, par.data());
        opt.incremental = false;
        window_pairs(S.view(), w.begins.data(), w.ends.data(), nw, w.pair_a.data(), w.pair_b.data(),
                     np, opt, r1, scratch.data());
        bool same_bits = true;
        for (size_t k = 0; k < inc.size(); ++k) {
            same_bits =
                same_bits && (std::isnan(inc[k]) ? std::isnan(scratch[k]) && std::isnan(par[k])
                                                 : inc[k] == scratch[k] && inc[k] == par[k]);
        }
        CHECK(same_bits);
        int bad = 0;
        for (int64_t k = 0; k < np; ++k) {
            const int64_t a = w.pair_a[static_cast<size_t>(k)],
                          b = w.pair_b[static_cast<size_t>(k)];
            const std::vector<double> sa = window_sum(S, w.begins[a], w.ends[a]);
            const std::vector<double> sb = window_sum(S, w.begins[b], w.ends[b]);
            const bool itself = w.begins[a] == w.begins[b] && w.ends[a] == w.ends[b];
            const double want =
                itself && total(sa) > 0.0 ? 0.0 : ref::divergence(sa, sb, info.id, 0.5);
            const double got = inc[static_cast<size_t>(k)];
            bad += !check::close(got, want, 1e-11);
            if (itself) bad += !(got == 0.0 || (std::isnan(got) && total(sa) == 0.0));
        }
        CHECK(bad == 0);
        if (bad)
            std::fprintf(stderr, "    metric %s: %d pairs off\n", metric_name(info.id).c_str(),
                         bad);
        for (int64_t v = 0; v < nw; ++v) {
            CHECK_CLOSE(totals[static_cast<size_t>(v)],
                        total(window_sum(S, w.begins[v], w.ends[v])), 1e-14 * scale_counts);
        }
    }
}

void between_against_definitions(const ref::Csr& S, const Windows& w) {
    constexpr int32_t K = 3;
    std::vector<int32_t> labels(static_cast<size_t>(S.rows()));
    for (size_t i = 0; i < labels.size(); ++i)
        labels[i] = static_cast<int32_t>((i * 5 + i / 7) % K);
    const int64_t nw = static_cast<int64_t>(w.begins.size());
    for (Metric metric : {Metric::jsd, Metric::kl, Metric::hellinger}) {
        BetweenOptions opt;
        opt.window.metric.metric = metric;
        opt.window.metric.alpha = metric == Metric::kl ? 0.5 : 0.0;
        opt.n_bootstrap = 3;
        opt.n_permutations = 3;
        opt.seed = 5;
        const size_t kk = K * K;
        std::vector<double> obs(nw * kk), boot(nw * 3 * kk), perm(nw * 3 * kk);
        std::vector<double> obs3(obs.size()), boot3(boot.size()), perm3(perm.size());
        RunOptions r1, r3;
        r3.n_threads = 3;
        window_between(S.view(), labels.data(), K, w.begins.data(), w.ends.data(), nw, opt, r1,
                       obs.data(), boot.data(), perm.data());
        window_between(S.view(), labels.data(), K, w.begins.data(), w.ends.data(), nw, opt, r3,
                       obs3.data(), boot3.data(), perm3.data());
        auto same = [](const std::vector<double>& x, const std::vector<double>& y) {
            for (size_t i = 0; i < x.size(); ++i) {
                if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
            }
            return true;
        };
        CHECK(same(obs, obs3) && same(boot, boot3) && same(perm, perm3));
        int bad = 0;
        for (int64_t v = 0; v < nw; ++v) {
            for (int32_t a = 0; a < K; ++a) {
                const std::vector<double> ga =
                    window_sum(S, w.begins[v], w.ends[v], labels.data(), a);
                for (int32_t b = 0; b < K; ++b) {
                    const std::vector<double> gb =
                        window_sum(S, w.begins[v], w.ends[v], labels.data(), b);
                    const double want =
                        a == b && total(ga) > 0.0 ? 0.0 : ref::divergence(ga, gb, metric, 0.5);
                    bad += !check::close(obs[static_cast<size_t>(v) * kk + a * K + b], want, 1e-11);
                }
            }
        }
        CHECK(bad == 0);
    }
}

void count_divergence_direct() {
    // Two count vectors over the union of their supports; kl without smoothing flags a column
    // that p uses and q lacks.
    const std::vector<double> a = {3, 0, 1, 0, 2}, b = {1, 2, 1, 0, 0};
    const std::vector<int32_t> cols = {0, 1, 2, 4};
    for (const MetricInfo& info : kMetricTable) {
        MetricOptions m;
        m.metric = info.id;
        m.alpha = info.uses_alpha ? 0.25 : 0.0;
        bool flag = false;
        const double got =
            count_divergence(a.data(), total(a), b.data(), total(b), cols.data(), 4, 5, m, &flag);
        CHECK_CLOSE(got, ref::divergence(a, b, info.id, 0.25), 1e-12);
        CHECK(!flag);
    }
    MetricOptions kl;
    kl.metric = Metric::kl;
    bool flag = false;
    CHECK(count_divergence(a.data(), 6, b.data(), 4, cols.data(), 4, 5, kl, &flag) == HUGE_VAL);
    CHECK(flag);
    CHECK(std::isnan(count_divergence(a.data(), 0.0, b.data(), 4, cols.data(), 4, 5, kl, nullptr)));
}

void token_drift_against_counts() {
    ref::Lcg rng(3);
    const int64_t n = 700, types = 25;
    std::vector<int64_t> tokens(static_cast<size_t>(n));
    for (auto& t : tokens) t = rng.below(rng.uniform() < 0.5 ? 5 : types);  // skewed
    for (int64_t window : {1, 10, 64}) {
        for (int64_t step : {1, 7}) {
            const int64_t count = token_drift_count(n, window, step);
            CHECK(count == (n - 2 * window) / step + 1);
            std::vector<int64_t> pos(static_cast<size_t>(count)), pos2(pos.size());
            std::vector<double> inc(pos.size()), scratch(pos.size());
            CHECK(token_drift(tokens.data(), n, types, window, step, 1.0, true, pos.data(),
                              inc.data()) == count);
            token_drift(tokens.data(), n, types, window, step, 1.0, false, pos2.data(),
                        scratch.data());
            CHECK(inc == scratch && pos == pos2);
            int bad = 0;
            for (int64_t k = 0; k < count; ++k) {
                const int64_t i = window + k * step;
                bad += pos[static_cast<size_t>(k)] != i;
                std::vector<double> left(static_cast<size_t>(types), 0.0), right(left);
                for (int64_t j = i - window; j < i; ++j) left[static_cast<size_t>(tokens[j])] += 1;
                for (int64_t j = i; j < i + window; ++j) right[static_cast<size_t>(tokens[j])] += 1;
                bad += !check::close(inc[static_cast<size_t>(k)],
                                     ref::divergence(left, right, Metric::jsd), 1e-13);
            }
            CHECK(bad == 0);
        }
    }
    CHECK(token_drift_count(10, 6, 1) == 0);
    std::vector<int64_t> bad_tokens = {0, 1, 99};
    int64_t p;
    double o;
    CHECK_THROWS(token_drift(bad_tokens.data(), 3, 5, 1, 1, 1.0, true, &p, &o), InputError);
}

void novelty_against_sums() {
    // Dense rows with every entry > 0 (alpha = 0) and CSR counts smoothed with alpha.
    const ref::Csr S = ref::random_counts(30, 12, 0.4, 5, 9);
    const std::vector<double> d = S.dense();
    const int64_t N = S.rows(), D = S.cols, w = 3;
    const double alpha = 0.3;
    std::vector<double> pos(d.size());
    for (size_t i = 0; i < d.size(); ++i) pos[i] = d[i] + 0.1;
    auto row = [&](const std::vector<double>& m, int64_t r) {
        return std::vector<double>(m.begin() + r * D, m.begin() + (r + 1) * D);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int dense = 0; dense < 2; ++dense) {
        std::vector<double> nov(static_cast<size_t>(N)), tra(nov.size());
        RunOptions run;
        run.n_threads = 2;
        const double a = dense ? 0.0 : alpha;
        const std::vector<double>& M = dense ? pos : d;
        if (dense) {
            novelty_dense(DenseView<double>{pos.data(), N, D, D}, w, 0.0, 2.0, run, nov.data(),
                          tra.data());
        } else {
            novelty_sparse(S.view(), w, alpha, 2.0, run, nov.data(), tra.data());
        }
        int bad = 0;
        for (int64_t j = 0; j < N; ++j) {
            double n_sum = 0.0, t_sum = 0.0;
            for (int64_t k = 1; k <= w; ++k) {
                if (j >= w) n_sum += ref::divergence(row(M, j), row(M, j - k), Metric::kl, a);
                if (j + w < N) t_sum += ref::divergence(row(M, j), row(M, j + k), Metric::kl, a);
            }
            bad +=
                !check::close(nov[static_cast<size_t>(j)], j >= w ? 2.0 * n_sum / w : nan, 1e-11);
            bad += !check::close(tra[static_cast<size_t>(j)], j + w < N ? 2.0 * t_sum / w : nan,
                                 1e-11);
        }
        CHECK(bad == 0);
    }
    std::vector<double> out(static_cast<size_t>(N));
    RunOptions run;
    CHECK_THROWS(novelty_sparse(S.view(), w, 0.0, 1.0, run, out.data(), out.data()), InputError);
    CHECK_THROWS(novelty_dense(DenseView<double>{d.data(), N, D, D}, w, 0.0, 1.0, run, out.data(),
                               out.data()),
                 InputError);  // zeros without smoothing: KL is infinite
}

bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
        if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    }
    return true;
}

// Bootstrap and permutation replicates against the definitions: for window w and replicate r,
// the draws of Stream(seed, tag, w * 2^32 + r) made here (a group's members drawn with
// replacement, group by group; labels shuffled by Fisher-Yates), the groups' vectors summed
// here draw by draw, the divergence of the summed vectors. Integer and non-integer counts.
void between_replicates_against_draws(const ref::Csr& S, const Windows& w) {
    constexpr int32_t K = 3;
    constexpr int64_t B = 4, P = 3;
    std::vector<int32_t> labels(static_cast<size_t>(S.rows()));
    for (size_t i = 0; i < labels.size(); ++i)
        labels[i] = static_cast<int32_t>((i * 7 + i / 5) % K);
    const int64_t nw = static_cast<int64_t>(w.begins.size());
    const size_t kk = K * K;
    for (Metric metric : {Metric::jsd, Metric::hellinger}) {
        BetweenOptions opt;
        opt.window.metric.metric = metric;
        opt.n_bootstrap = B;
        opt.n_permutations = P;
        opt.seed = 17;
        std::vector<double> obs(nw * kk), boot(nw * B * kk), perm(nw * P * kk);
        RunOptions r2;
        r2.n_threads = 2;
        window_between(S.view(), labels.data(), K, w.begins.data(), w.ends.data(), nw, opt, r2,
                       obs.data(), boot.data(), perm.data());
        int bad = 0;
        for (int64_t v = 0; v < nw; ++v) {
            const int64_t b = w.begins[v], e = w.ends[v];
            const uint64_t wkey = static_cast<uint64_t>(v) << 32;
            std::vector<std::vector<int64_t>> members(K);
            for (int64_t i = b; i < e; ++i) members[labels[i]].push_back(i);
            for (int64_t r = 0; r < B + P; ++r) {
                std::vector<std::vector<double>> g(K, std::vector<double>(S.cols, 0.0));
                if (r < B) {
                    Stream rng(opt.seed, kTagBootstrap, wkey | static_cast<uint64_t>(r));
                    for (int32_t a = 0; a < K; ++a) {
                        const uint64_t n = members[a].size();
                        for (uint64_t d = 0; d < n; ++d)
                            S.add_row_to(members[a][rng.below(n)], g[a]);
                    }
                } else {
                    Stream rng(opt.seed, kTagPermutation, wkey | static_cast<uint64_t>(r - B));
                    std::vector<int32_t> lab(labels.begin() + b, labels.begin() + e);
                    for (int64_t i = e - b - 1; i > 0; --i) {
                        const auto j =
                            static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
                        std::swap(lab[i], lab[j]);
                    }
                    for (int64_t i = b; i < e; ++i) S.add_row_to(i, g[lab[i - b]]);
                }
                const double* got = r < B ? &boot[(v * B + r) * kk] : &perm[(v * P + r - B) * kk];
                for (int32_t a = 0; a < K; ++a) {
                    for (int32_t c = 0; c < K; ++c) {
                        const double want = a == c && total(g[a]) > 0.0
                                                ? 0.0
                                                : ref::divergence(g[a], g[c], metric, 0.5);
                        bad += !check::close(got[a * K + c], want, 1e-11);
                    }
                }
            }
        }
        CHECK(bad == 0);
        if (bad) std::fprintf(stderr, "    replicates: %d cells off\n", bad);
    }
}

// The block jackknife against window_between on the rows kept (the windows' row ranges mapped
// onto them): the same bits, for 1 and 3 threads, incremental or not, integer counts or not.
void jackknife_against_rows_kept(const ref::Csr& S, const Windows& w) {
    constexpr int32_t K = 3, G = 4;
    std::vector<int32_t> labels(static_cast<size_t>(S.rows())), blocks(labels.size());
    ref::Lcg rng(9);
    for (size_t i = 0; i < labels.size(); ++i) {
        labels[i] = static_cast<int32_t>((i * 5 + i / 7) % K);
        blocks[i] = static_cast<int32_t>(rng.below(G));
    }
    const int64_t nw = static_cast<int64_t>(w.begins.size());
    const size_t kk = K * K;
    for (Metric metric : {Metric::jsd, Metric::kl, Metric::hellinger}) {
        for (bool incremental : {true, false}) {
            WindowOptions opt;
            opt.metric.metric = metric;
            opt.metric.alpha = metric == Metric::kl ? 0.5 : 0.0;
            opt.incremental = incremental;
            std::vector<double> jack(G * nw * kk), jack3(jack.size());
            RunOptions r1, r3;
            r3.n_threads = 3;
            window_between_jackknife(S.view(), labels.data(), K, w.begins.data(), w.ends.data(), nw,
                                     blocks.data(), G, opt, r1, jack.data());
            window_between_jackknife(S.view(), labels.data(), K, w.begins.data(), w.ends.data(), nw,
                                     blocks.data(), G, opt, r3, jack3.data());
            CHECK(same_bits(jack, jack3));
            bool all_same = true;
            for (int32_t j = 0; j < G; ++j) {
                ref::Csr kept;
                kept.cols = S.cols;
                std::vector<int32_t> lab;
                std::vector<int64_t> at{0};  // rows kept before each row
                for (int64_t i = 0; i < S.rows(); ++i) {
                    const bool keep = blocks[i] != j;
                    at.push_back(at.back() + keep);
                    if (!keep) continue;
                    for (int64_t k = S.indptr[i]; k < S.indptr[i + 1]; ++k) {
                        kept.indices.push_back(S.indices[k]);
                        kept.data.push_back(S.data[k]);
                    }
                    kept.indptr.push_back(static_cast<int64_t>(kept.indices.size()));
                    lab.push_back(labels[i]);
                }
                std::vector<int64_t> kb, ke;
                for (int64_t v = 0; v < nw; ++v) {
                    kb.push_back(at[w.begins[v]]);
                    ke.push_back(at[w.ends[v]]);
                }
                BetweenOptions bo;
                bo.window = opt;
                std::vector<double> obs(nw * kk);
                window_between(kept.view(), lab.data(), K, kb.data(), ke.data(), nw, bo, r1,
                               obs.data(), nullptr, nullptr);
                all_same = all_same &&
                           same_bits(obs, std::vector<double>(jack.begin() + j * nw * kk,
                                                              jack.begin() + (j + 1) * nw * kk));
            }
            CHECK(all_same);
        }
    }
    // A block outside [0, n_blocks): refused.
    std::vector<int32_t> bad_blocks(blocks);
    bad_blocks[3] = G;
    std::vector<double> out(G * nw * kk);
    CHECK_THROWS(window_between_jackknife(S.view(), labels.data(), K, w.begins.data(),
                                          w.ends.data(), nw, bad_blocks.data(), G, WindowOptions{},
                                          RunOptions{}, out.data()),
                 InputError);
}

void bad_input(const ref::Csr& S) {
    WindowOptions opt;
    RunOptions run;
    const int64_t b[] = {0, 5}, e[] = {4, 500};  // the second window ends past the last row
    const int64_t pa[] = {0}, pb[] = {1};
    double out[1];
    CHECK_THROWS(window_pairs(S.view(), b, e, 2, pa, pb, 1, opt, run, out), InputError);
    const int64_t e_ok[] = {4, 9};
    const int64_t pz[] = {2};  // names a window that does not exist
    CHECK_THROWS(window_pairs(S.view(), b, e_ok, 2, pa, pz, 1, opt, run, out), InputError);
    // kl without smoothing between windows with different supports: infinite, refused.
    opt.metric.metric = Metric::kl;
    const int64_t b2[] = {0, 40}, e2[] = {10, 50};
    CHECK_THROWS(window_pairs(S.view(), b2, e2, 2, pa, pb, 1, opt, run, out), InputError);
}

}  // namespace

int main() {
    const ref::Csr S = ref::random_counts(120, 40, 0.12, 5, 21);
    const Windows w = make_windows(S.rows(), 4);
    pairs_against_definitions(S, w, 1.0);
    // Non-integer counts: every window summed from scratch, same checks.
    ref::Csr R = S;
    for (double& v : R.data) v *= 0.37;
    pairs_against_definitions(R, w, 1.0);
    between_against_definitions(S, w);
    between_replicates_against_draws(S, w);
    between_replicates_against_draws(R, w);
    jackknife_against_rows_kept(S, w);
    jackknife_against_rows_kept(R, w);
    count_divergence_direct();
    token_drift_against_counts();
    novelty_against_sums();
    bad_input(S);
    return check::report("windows_test");
}
