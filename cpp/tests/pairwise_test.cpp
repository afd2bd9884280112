// Pairwise matrices and nearest rows (pairwise.hpp), and the metric table (metrics.hpp): every
// metric, dense and sparse, float64 and float32, against the definitions; known values;
// symmetry, thread and block invariance; bad input.
#include "divergence/pairwise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "check.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

MetricOptions options(Metric m, double alpha = 0.0, double base = 0.0) {
    MetricOptions o;
    o.metric = m;
    o.alpha = metric_uses_alpha(m) ? alpha : 0.0;
    o.base = base;
    return o;
}

std::vector<double> row_of(const std::vector<double>& dense, int64_t cols, int64_t r) {
    return std::vector<double>(dense.begin() + r * cols, dense.begin() + (r + 1) * cols);
}

bool accepted(const MetricOptions& o) {
    try {
        check_metric_options(o);
    } catch (const InputError&) {
        return false;
    }
    return true;
}

void metric_table() {
    // Every row of the table is found by its name, and the checks of the options follow the
    // table's properties: base only for log metrics, alpha only where smoothing applies.
    for (const MetricInfo& info : kMetricTable) {
        CHECK(parse_metric(info.name) == info.id);
        CHECK(metric_name(info.id) == std::string(info.name));
        CHECK(accepted(options(info.id, 0.0, 2.0)) == info.uses_log);
        MetricOptions smoothed;
        smoothed.metric = info.id;
        smoothed.alpha = 0.5;
        CHECK(accepted(smoothed) == info.uses_alpha);
    }
    CHECK_THROWS(parse_metric("euclidean"), InputError);
    CHECK(metric_is_symmetric(Metric::jeffreys) && !metric_is_symmetric(Metric::kl));
    try {
        parse_metric("nope");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("jsd, jensenshannon, kl, jeffreys, hellinger, "
                                         "bhattacharyya, tv, cosine") != std::string::npos);
    }
}

void known_values() {
    // Two disjoint distributions and one that overlaps both: jsd(disjoint) = ln 2, tv = 1,
    // hellinger = 1, cosine = 1; the diagonal is exactly 0.
    std::vector<double> x = {1, 0, 0, 1, 1, 1};
    DenseView<double> X{x.data(), 3, 2, 2};
    std::vector<double> out(9);
    OutView<double> o{out.data(), 3, 3, 3};
    RunOptions run;
    pairwise_dense<double>(X, nullptr, options(Metric::jsd), run, o);
    CHECK_CLOSE(out[1], std::log(2.0), 1e-15);
    CHECK(out[0] == 0.0 && out[4] == 0.0 && out[8] == 0.0);
    CHECK(out[1] == out[3]);
    pairwise_dense<double>(X, nullptr, options(Metric::jsd, 0.0, 2.0), run, o);
    CHECK_CLOSE(out[1], 1.0, 1e-15);  // one bit
    pairwise_dense<double>(X, nullptr, options(Metric::tv), run, o);
    CHECK_CLOSE(out[1], 1.0, 1e-15);
    CHECK_CLOSE(out[2], 0.5, 1e-15);
    pairwise_dense<double>(X, nullptr, options(Metric::hellinger), run, o);
    CHECK_CLOSE(out[1], 1.0, 1e-15);
    pairwise_dense<double>(X, nullptr, options(Metric::cosine), run, o);
    CHECK_CLOSE(out[1], 1.0, 1e-15);
    CHECK_CLOSE(out[2], 1.0 - std::sqrt(0.5), 1e-15);
}

// Every metric, self and cross, dense and sparse, against ref::divergence.
template <class T>
void against_definitions(double tol) {
    const ref::Csr A = ref::random_counts(23, 17, 0.35, 6, 1);
    const ref::Csr B = ref::random_counts(9, 17, 0.35, 6, 2);
    const std::vector<double> da = A.dense(), db = B.dense();
    const int64_t V = A.cols, na = A.rows(), nb = B.rows();
    std::vector<T> ta(da.begin(), da.end()), tb(db.begin(), db.end());
    std::vector<T> ca(A.data.begin(), A.data.end()), cb(B.data.begin(), B.data.end());
    const DenseView<T> XA{ta.data(), na, V, V}, XB{tb.data(), nb, V, V};
    const CsrView<T> SA{A.indptr.data(), A.indices.data(), ca.data(), na, V};
    const CsrView<T> SB{B.indptr.data(), B.indices.data(), cb.data(), nb, V};
    RunOptions run;
    run.n_threads = 2;
    for (const MetricInfo& info : kMetricTable) {
        // Without smoothing kl/jeffreys are infinite for these supports: smoothed here.
        const MetricOptions m = options(info.id, 0.5, info.uses_log ? 2.0 : 0.0);
        const double unit = info.uses_log ? std::log(2.0) : 1.0;
        const double to_bits = info.id == Metric::jensenshannon ? std::sqrt(unit) : unit;
        std::vector<T> self_d(static_cast<size_t>(na * na)), self_s(self_d.size());
        std::vector<T> cross_d(static_cast<size_t>(na * nb)), cross_s(cross_d.size());
        pairwise_dense<T>(XA, nullptr, m, run, OutView<T>{self_d.data(), na, na, na});
        pairwise_sparse<T>(SA, nullptr, m, run, OutView<T>{self_s.data(), na, na, na});
        pairwise_dense<T>(XA, &XB, m, run, OutView<T>{cross_d.data(), na, nb, nb});
        pairwise_sparse<T>(SA, &SB, m, run, OutView<T>{cross_s.data(), na, nb, nb});
        int bad = 0;
        for (int64_t i = 0; i < na; ++i) {
            for (int64_t j = 0; j < na; ++j) {
                const double want =
                    i == j ? 0.0
                           : ref::divergence(row_of(da, V, i), row_of(da, V, j), info.id, 0.5) /
                                 to_bits;
                const size_t k = static_cast<size_t>(i * na + j);
                bad += !check::close(self_d[k], want, tol) || !check::close(self_s[k], want, tol);
                if (info.symmetric) bad += self_d[k] != self_d[static_cast<size_t>(j * na + i)];
            }
            for (int64_t j = 0; j < nb; ++j) {
                const double want =
                    ref::divergence(row_of(da, V, i), row_of(db, V, j), info.id, 0.5) / to_bits;
                const size_t k = static_cast<size_t>(i * nb + j);
                bad += !check::close(cross_d[k], want, tol) || !check::close(cross_s[k], want, tol);
            }
        }
        CHECK(bad == 0);
        if (bad)
            std::fprintf(stderr, "    metric %s: %d cells off\n", metric_name(info.id).c_str(),
                         bad);
    }
}

void invariance() {
    // Sparse and dense, 1 vs 3 threads, and dense tile sizes: identical bits.
    const ref::Csr S = ref::random_counts(200, 50, 0.06, 5, 7);
    const CsrView<double> X = S.view();
    const int64_t n = X.rows;
    const std::vector<double> d = S.dense();
    const DenseView<double> D{d.data(), n, X.cols, X.cols};
    RunOptions r1, r3, rb;
    r3.n_threads = 3;
    rb.n_threads = 3;
    rb.block = 7;
    for (Metric metric : {Metric::jsd, Metric::hellinger, Metric::kl, Metric::jeffreys}) {
        const MetricOptions m = options(metric, 0.25);
        std::vector<double> a(static_cast<size_t>(n * n)), b(a.size()), c(a.size()), e(a.size());
        pairwise_sparse<double>(X, nullptr, m, r1, OutView<double>{a.data(), n, n, n});
        pairwise_sparse<double>(X, nullptr, m, r3, OutView<double>{b.data(), n, n, n});
        CHECK(a == b);
        pairwise_dense<double>(D, nullptr, m, r1, OutView<double>{c.data(), n, n, n});
        pairwise_dense<double>(D, nullptr, m, rb, OutView<double>{e.data(), n, n, n});
        CHECK(c == e);
        // Dense and sparse agree to rounding.
        double worst = 0.0;
        for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::fabs(a[k] - c[k]));
        CHECK(worst < 1e-12);
    }
}

void nearest_matches_sorted_rows() {
    const ref::Csr S = ref::random_counts(60, 30, 0.15, 4, 11);
    const CsrView<double> X = S.view();
    const int64_t n = X.rows, k = 4;
    for (Metric metric : {Metric::jsd, Metric::tv, Metric::kl}) {
        const MetricOptions m = options(metric, 0.5);
        std::vector<double> full(static_cast<size_t>(n * n));
        RunOptions run;
        pairwise_sparse<double>(X, nullptr, m, run, OutView<double>{full.data(), n, n, n});
        std::vector<int64_t> idx(static_cast<size_t>(n * k));
        std::vector<double> val(idx.size());
        run.n_threads = 2;
        nearest_sparse<double>(X, nullptr, k, m, run, idx.data(), val.data());
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) {
            std::vector<std::pair<double, int64_t>> row;
            for (int64_t j = 0; j < n; ++j) {
                if (j != i) row.emplace_back(full[static_cast<size_t>(i * n + j)], j);
            }
            std::sort(row.begin(), row.end());
            for (int64_t q = 0; q < k; ++q) {
                const size_t o = static_cast<size_t>(i * k + q);
                bad += idx[o] != row[static_cast<size_t>(q)].second ||
                       val[o] != row[static_cast<size_t>(q)].first;
            }
        }
        CHECK(bad == 0);
    }
}

void bad_input() {
    RunOptions run;
    std::vector<double> out(4);
    std::vector<double> negative = {1, -1};
    CHECK_THROWS(pairwise_dense<double>(DenseView<double>{negative.data(), 1, 2, 2}, nullptr,
                                        MetricOptions{}, run, OutView<double>{out.data(), 1, 1, 1}),
                 InputError);
    std::vector<double> empty = {1, 1, 0, 0};
    CHECK_THROWS(pairwise_dense<double>(DenseView<double>{empty.data(), 2, 2, 2}, nullptr,
                                        MetricOptions{}, run, OutView<double>{out.data(), 2, 2, 2}),
                 InputError);
    // kl without smoothing where q is zero and p is not: infinite, refused.
    std::vector<double> disjoint = {1, 0, 0, 1};
    CHECK_THROWS(pairwise_dense<double>(DenseView<double>{disjoint.data(), 2, 2, 2}, nullptr,
                                        options(Metric::kl), run,
                                        OutView<double>{out.data(), 2, 2, 2}),
                 InputError);
    MetricOptions bad_base = options(Metric::tv);
    bad_base.base = 2.0;
    CHECK_THROWS(check_metric_options(bad_base), InputError);
}

void fast_log_accuracy() {
    std::vector<double> x, y;
    for (double v = 1e-300; v < 1e300; v *= 1.37) x.push_back(v);
    y.resize(x.size());
    fast_log(x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        const double want = std::log(x[i]);
        worst = std::max(worst, std::fabs(y[i] - want) / std::max(1.0, std::fabs(want)));
    }
    CHECK(worst < 1e-12);
}

}  // namespace

int main() {
    metric_table();
    known_values();
    against_definitions<double>(1e-11);
    against_definitions<float>(2e-5);
    invariance();
    nearest_matches_sorted_rows();
    bad_input();
    fast_log_accuracy();
    return check::report("pairwise_test");
}
