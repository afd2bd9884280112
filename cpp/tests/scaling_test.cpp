// Wordfish (scaling.hpp) on a tiny count matrix drawn from known positions: both solvers give
// finite parameters that do not depend on the thread count, the converged solver converges to
// standardised positions that recover the true order, predict() puts the fitted documents back
// where the fit put them, the converged solver survives a document in another language, the
// Poisson draws have the right mean, the parametric bootstrap does
// not depend on the thread count, and bad input is refused.
#include "divergence/scaling.hpp"

#include <cmath>
#include <vector>

#include "check.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

constexpr int64_t N = 12, V = 30;

// Counts y_ij ~ Poisson(exp(psi_j + beta_j theta_i)) with theta_i spread over [-1.5, 1.5].
ref::Csr tiny_counts(std::vector<double>& theta_true) {
    Stream rng(17, 1, 0);
    ref::Csr m;
    m.cols = V;
    theta_true.resize(N);
    for (int64_t i = 0; i < N; ++i) {
        theta_true[static_cast<size_t>(i)] = -1.5 + 3.0 * static_cast<double>(i) / (N - 1);
        for (int64_t j = 0; j < V; ++j) {
            const double beta = (static_cast<double>(j) - V / 2.0) / (V / 2.0);
            const double psi = 1.0 + 0.5 * std::cos(static_cast<double>(j));
            const double lam = std::exp(psi + 1.5 * beta * theta_true[static_cast<size_t>(i)]);
            const uint64_t y = poisson_draw(rng, lam) + (j == i ? 1 : 0);  // no empty column
            if (y > 0) {
                m.indices.push_back(static_cast<int32_t>(j));
                m.data.push_back(static_cast<double>(y));
            }
        }
        m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
    }
    return m;
}

// First left singular vector of the standardised residuals (y - r c / T) / sqrt(r c / T), by
// power iteration on R R^T.
std::vector<double> start_vector(const ref::Csr& Y) {
    const std::vector<double> y = Y.dense();
    std::vector<double> r(N, 0.0), c(V, 0.0);
    double T = 0.0;
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < V; ++j) {
            r[static_cast<size_t>(i)] += y[static_cast<size_t>(i * V + j)];
            c[static_cast<size_t>(j)] += y[static_cast<size_t>(i * V + j)];
            T += y[static_cast<size_t>(i * V + j)];
        }
    }
    std::vector<double> R(static_cast<size_t>(N * V));
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < V; ++j) {
            const double e = r[static_cast<size_t>(i)] * c[static_cast<size_t>(j)] / T;
            R[static_cast<size_t>(i * V + j)] =
                (y[static_cast<size_t>(i * V + j)] - e) / std::sqrt(e);
        }
    }
    std::vector<double> u(N, 1.0), w(N);
    for (int it = 0; it < 500; ++it) {
        for (int64_t i = 0; i < N; ++i) {
            double s = 0.0;
            for (int64_t k = 0; k < N; ++k) {
                double d = 0.0;
                for (int64_t j = 0; j < V; ++j) {
                    d += R[static_cast<size_t>(i * V + j)] * R[static_cast<size_t>(k * V + j)];
                }
                s += d * u[static_cast<size_t>(k)];
            }
            w[static_cast<size_t>(i)] = s;
        }
        double nrm = 0.0;
        for (double v : w) nrm += v * v;
        for (int64_t i = 0; i < N; ++i)
            u[static_cast<size_t>(i)] = w[static_cast<size_t>(i)] / std::sqrt(nrm);
    }
    return u;
}

bool all_finite(const std::vector<double>& v) {
    for (double x : v) {
        if (!std::isfinite(x)) return false;
    }
    return !v.empty();
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
    double ma = 0.0, mb = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        ma += a[i] / static_cast<double>(a.size());
        mb += b[i] / static_cast<double>(b.size());
    }
    double sab = 0.0, saa = 0.0, sbb = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

void fit_both_solvers(const ref::Csr& Y, const std::vector<double>& u0,
                      const std::vector<double>& theta_true) {
    for (WordfishSolver solver : {WordfishSolver::quanteda, WordfishSolver::converged}) {
        WordfishOptions opt;
        opt.solver = solver;
        opt.dir_a = 0;
        opt.dir_b = N - 1;
        opt.max_iter = 500;
        RunOptions r1, r3;
        r3.n_threads = 3;
        WordfishFit f1, f3;
        wordfish_fit(Y.view(), u0.data(), opt, r1, f1);
        wordfish_fit(Y.view(), u0.data(), opt, r3, f3);
        CHECK(all_finite(f1.theta) && all_finite(f1.alpha) && all_finite(f1.beta) &&
              all_finite(f1.psi) && all_finite(f1.se_theta) && std::isfinite(f1.logpost));
        CHECK(f1.theta == f3.theta && f1.alpha == f3.alpha && f1.beta == f3.beta &&
              f1.psi == f3.psi && f1.se_theta == f3.se_theta && f1.n_iter == f3.n_iter);
        CHECK(f1.converged);
        CHECK(f1.theta[0] < f1.theta[N - 1]);  // the requested direction
        // The other direction: the mirror image.
        WordfishOptions flip = opt;
        flip.dir_a = N - 1;
        flip.dir_b = 0;
        WordfishFit fr;
        wordfish_fit(Y.view(), u0.data(), flip, r1, fr);
        bool mirrored = fr.theta.size() == f1.theta.size();
        for (size_t i = 0; mirrored && i < fr.theta.size(); ++i) {
            mirrored = check::close(fr.theta[i], -f1.theta[i], 1e-6);
        }
        CHECK(mirrored);
        CHECK(correlation(f1.theta, theta_true) > 0.95);
        if (solver == WordfishSolver::converged) {
            double mean = 0.0, ss = 0.0;
            for (double t : f1.theta) mean += t / N;
            for (double t : f1.theta) ss += (t - mean) * (t - mean);
            CHECK(std::fabs(mean) < 1e-10);
            CHECK_CLOSE(std::sqrt(ss / (N - 1)), 1.0, 1e-10);
            // The trace ends at the reported log-posterior, which is at least the start's.
            CHECK(f1.trace.size() >= 2 && f1.trace.back() >= f1.trace.front());
            // Positions of the same documents with the fitted features: back where they were.
            std::vector<double> theta(N), alpha(N), se(N);
            std::vector<uint8_t> conv(N);
            wordfish_predict(Y.view(), f1, opt, r3, theta.data(), alpha.data(), se.data(),
                             conv.data());
            CHECK(all_finite(theta) && all_finite(se));
            CHECK(correlation(theta, f1.theta) > 0.99);
            bool all_conv = true;
            for (uint8_t c : conv) all_conv = all_conv && c;
            CHECK(all_conv);
        }
    }
}

// One document in another language: the counts of tiny_counts (N documents, V features) repeated
// 14 times over (168 documents) plus a document whose words (60 features, counts 1-3) appear
// nowhere else. The start singles it out; the converged solver used to throw the expected counts
// out of range (non-finite log-posterior and standard errors after 11 iterations). With step
// control it converges, finite, the same bits for any thread count, and that document is the
// furthest from the mean.
void outlier_document() {
    std::vector<double> theta_true;
    const ref::Csr base = tiny_counts(theta_true);
    constexpr int64_t kCopies = 14, kForeign = 60;
    const int64_t n = kCopies * N + 1;
    ref::Csr Y;
    Y.cols = V + kForeign;
    Stream rng(23, 1, 0);
    for (int64_t c = 0; c < kCopies; ++c) {
        for (int64_t i = 0; i < N; ++i) {
            for (int64_t q = base.indptr[static_cast<size_t>(i)];
                 q < base.indptr[static_cast<size_t>(i) + 1]; ++q) {
                Y.indices.push_back(base.indices[static_cast<size_t>(q)]);
                // Copies differ a little: +0..2 on each count.
                Y.data.push_back(base.data[static_cast<size_t>(q)] +
                                 static_cast<double>(poisson_draw(rng, 1.0) % 3));
            }
            Y.indptr.push_back(static_cast<int64_t>(Y.indices.size()));
        }
    }
    for (int64_t j = 0; j < kForeign; ++j) {
        Y.indices.push_back(static_cast<int32_t>(V + j));
        Y.data.push_back(static_cast<double>(1 + poisson_draw(rng, 0.5)));
    }
    Y.indptr.push_back(static_cast<int64_t>(Y.indices.size()));
    // Start vector: the residual start singles the foreign document out (its theta far from the
    // rest), as the SVD does on such data.
    std::vector<double> u0(static_cast<size_t>(n), -0.02);
    u0[static_cast<size_t>(n - 1)] = 0.99;
    WordfishOptions opt;
    opt.solver = WordfishSolver::converged;
    opt.max_iter = 1000;  // as Python's default for this solver
    RunOptions r1, r3;
    r3.n_threads = 3;
    WordfishFit f1, f3;
    wordfish_fit(Y.view(), u0.data(), opt, r1, f1);
    wordfish_fit(Y.view(), u0.data(), opt, r3, f3);
    CHECK(all_finite(f1.theta) && all_finite(f1.alpha) && all_finite(f1.beta) &&
          all_finite(f1.psi) && all_finite(f1.se_theta) && std::isfinite(f1.logpost));
    CHECK(f1.converged);
    CHECK(f1.theta == f3.theta && f1.se_theta == f3.se_theta && f1.n_iter == f3.n_iter);
    size_t far = 0;
    for (size_t i = 0; i < f1.theta.size(); ++i) {
        if (std::fabs(f1.theta[i]) > std::fabs(f1.theta[far])) far = i;
    }
    CHECK(far == static_cast<size_t>(n - 1));
}

void poisson_mean() {
    for (double lam : {0.5, 4.0, 80.0}) {
        Stream rng(3, 2, static_cast<uint64_t>(lam));
        double sum = 0.0;
        const int n = 40000;
        for (int i = 0; i < n; ++i) sum += static_cast<double>(poisson_draw(rng, lam));
        // Within 5 standard errors of lam.
        CHECK(std::fabs(sum / n - lam) < 5.0 * std::sqrt(lam / n));
    }
}

// The parametric bootstrap: the same replicates for any thread count, finite positions that
// correlate positively with the fit's.
void bootstrap_threads(const ref::Csr& Y, const std::vector<double>& u0) {
    WordfishOptions opt;
    opt.dir_a = 0;
    opt.dir_b = N - 1;
    RunOptions r1, r3;
    r3.n_threads = 3;
    WordfishFit fit;
    wordfish_fit(Y.view(), u0.data(), opt, r1, fit);
    constexpr int64_t B = 6;
    std::vector<double> t1(B * N), t3(B * N);
    std::vector<int32_t> it1(B), it3(B);
    std::vector<uint8_t> c1(B), c3(B);
    wordfish_bootstrap(fit, opt, B, 42, r1, t1.data(), it1.data(), c1.data());
    wordfish_bootstrap(fit, opt, B, 42, r3, t3.data(), it3.data(), c3.data());
    CHECK(t1 == t3 && it1 == it3 && c1 == c3);
    CHECK(all_finite(t1));
    bool positive = true;
    for (int64_t r = 0; r < B; ++r) {
        const std::vector<double> rep(t1.begin() + r * N, t1.begin() + (r + 1) * N);
        positive = positive && correlation(rep, fit.theta) > 0.0;
    }
    CHECK(positive);
}

// Bad input: InputError with nothing read out of bounds (the sanitizer build checks the latter).
void bad_input(const ref::Csr& Y, const std::vector<double>& u0) {
    RunOptions run;
    WordfishOptions opt;
    opt.dir_b = N - 1;
    WordfishFit out;
    {
        WordfishOptions o = opt;
        o.dir_b = N;  // out of range
        CHECK_THROWS(wordfish_fit(Y.view(), u0.data(), o, run, out), InputError);
        o.dir_b = o.dir_a;  // the same document twice
        CHECK_THROWS(wordfish_fit(Y.view(), u0.data(), o, run, out), InputError);
        o = opt;
        o.tol = 0.0;
        CHECK_THROWS(wordfish_fit(Y.view(), u0.data(), o, run, out), InputError);
        o = opt;
        o.max_iter = 0;
        CHECK_THROWS(wordfish_fit(Y.view(), u0.data(), o, run, out), InputError);
    }
    {
        ref::Csr two = Y;  // two documents only
        two.indptr.resize(3);
        two.indices.resize(static_cast<size_t>(two.indptr[2]));
        two.data.resize(two.indices.size());
        WordfishOptions o = opt;
        o.dir_b = 1;
        CHECK_THROWS(wordfish_fit(two.view(), u0.data(), o, run, out), InputError);
    }
    {
        ref::Csr neg = Y;
        neg.data[3] = -1.0;
        CHECK_THROWS(wordfish_fit(neg.view(), u0.data(), opt, run, out), InputError);
        neg.data[3] = std::nan("");
        CHECK_THROWS(wordfish_fit(neg.view(), u0.data(), opt, run, out), InputError);
    }
    {
        ref::Csr wide = Y;  // a feature without counts
        wide.cols = V + 1;
        CHECK_THROWS(wordfish_fit(wide.view(), u0.data(), opt, run, out), InputError);
    }
    {
        ref::Csr empty_row;  // document 1 without counts
        empty_row.cols = V;
        for (int64_t i = 0; i < N; ++i) {
            if (i != 1) {
                for (int64_t k = Y.indptr[static_cast<size_t>(i)];
                     k < Y.indptr[static_cast<size_t>(i) + 1]; ++k) {
                    empty_row.indices.push_back(Y.indices[static_cast<size_t>(k)]);
                    empty_row.data.push_back(Y.data[static_cast<size_t>(k)]);
                }
            }
            empty_row.indptr.push_back(static_cast<int64_t>(empty_row.indices.size()));
        }
        CHECK_THROWS(wordfish_fit(empty_row.view(), u0.data(), opt, run, out), InputError);
    }
    {
        WordfishFit fit;
        wordfish_fit(Y.view(), u0.data(), opt, run, fit);
        ref::Csr wide = Y;  // predict with a column more than the model has
        wide.cols = V + 1;
        std::vector<double> theta(N), alpha(N), se(N);
        CHECK_THROWS(wordfish_predict(wide.view(), fit, opt, run, theta.data(), alpha.data(),
                                      se.data(), nullptr),
                     InputError);
    }
}

}  // namespace

int main() {
    std::vector<double> theta_true;
    const ref::Csr Y = tiny_counts(theta_true);
    const std::vector<double> u0 = start_vector(Y);
    fit_both_solvers(Y, u0, theta_true);
    outlier_document();
    poisson_mean();
    bootstrap_threads(Y, u0);
    bad_input(Y, u0);
    return check::report("scaling_test");
}
