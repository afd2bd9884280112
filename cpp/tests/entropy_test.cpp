// Entropy estimates (entropy.hpp): digamma and e^z E1(z) against known values and their
// recurrences, the tail's two branches against a long direct sum, the Chao-Wang-Jost estimate
// against its formula written out, the JSD bias (symmetric, equal to its formula for two groups,
// the same for any thread count).
#include "divergence/entropy.hpp"

#include <cmath>
#include <vector>

#include "check.hpp"

using namespace divergence;

namespace {

constexpr double kGamma = 0.57721566490153286061;

void special_functions() {
    CHECK(check::close(digamma(1.0), -kGamma, 1e-15));
    CHECK(check::close(digamma(0.5), -kGamma - 2 * std::log(2.0), 1e-15));
    for (double x : {0.3, 1.0, 2.5, 7.0, 19.5, 20.0, 33.0, 1e3, 1e7}) {
        CHECK(check::close(digamma(x + 1), digamma(x) + 1 / x, 1e-14));
    }
    CHECK(std::isnan(digamma(0.0)));
    // e E1(1) and e^10 E1(10) (Abramowitz and Stegun table 5.1)
    CHECK(check::close(exp_e1(1.0), 0.596347362323194, 1e-14));
    CHECK(check::close(exp_e1(10.0), 0.0915633339397881, 1e-13));
    CHECK(check::close(exp_e1(0.01), std::exp(0.01) * 4.03792957653811, 1e-13));
}

double tail_direct(double n, double A) {
    // long double, term by term until the terms vanish
    long double x = 1.0L - A, p = x, s = 0;
    for (long j = 0; j < 200000000L; ++j) {
        const long double t = p / (n + j);
        s += t;
        if (t < 1e-22L * s) break;
        p *= x;
    }
    return static_cast<double>(s);
}

void tail() {
    for (double n : {1.0, 2.0, 10.0, 500.0, 1e5}) {
        for (double A : {0.9, 0.01, 2.1e-4, 1.9e-4, 1e-5}) {
            CHECK(check::close(cwj_tail(n, A), tail_direct(n, A), 1e-12));
        }
    }
    CHECK(std::isnan(cwj_tail(10, 0)));
    CHECK(std::isnan(cwj_tail(10, 1)));
}

// The estimator as written in the paper: the second part with the finite sum subtracted.
double cwj_written(const std::vector<double>& c) {
    double n = 0, f1 = 0, f2 = 0;
    for (double x : c) {
        n += x;
        f1 += x == 1;
        f2 += x == 2;
    }
    double h = 0;
    for (double x : c) {
        if (x < 1 || x > n - 1) continue;
        double s = 0;
        for (double k = x; k <= n - 1; ++k) s += 1 / k;
        h += x / n * s;
    }
    const double A =
        f2 > 0 ? 2 * f2 / ((n - 1) * f1 + 2 * f2) : (f1 > 0 ? 2 / ((n - 1) * (f1 - 1) + 2) : 1.0);
    if (f1 > 0 && A < 1) {
        long double partial = 0;
        for (double r = 1; r <= n - 1; ++r) partial += std::pow(1.0L - A, r) / r;
        h += static_cast<double>(f1 / n * std::pow(1 - A, 1 - n) *
                                 (-std::log(static_cast<long double>(A)) - partial));
    }
    return h;
}

void estimator() {
    const std::vector<std::vector<double>> cases =
        {{5, 3, 1, 1, 2, 0, 7}, {1, 1, 1, 1}, {2, 2, 3}, {1, 4, 0, 9, 1, 1, 2, 2, 30}, {6}, {1}};
    for (const auto& c : cases) {
        const auto V = static_cast<int64_t>(c.size());
        CHECK(check::close(entropy_cwj(c.data(), V), cwj_written(c), 1e-12));
    }
    const std::vector<double> z = {0, 0};
    CHECK(std::isnan(entropy_cwj(z.data(), 2)));
    CHECK(std::isnan(entropy_plugin(z.data(), 2)));
    const std::vector<double> c = {2, 2};
    CHECK(check::close(entropy_plugin(c.data(), 2), std::log(2.0), 1e-15));
}

void jsd_bias() {
    const int32_t K = 3;
    const int64_t V = 6;
    const std::vector<double> G = {5, 3, 1, 1, 0, 2, 4, 0, 2, 1, 1, 4, 0, 0, 0, 0, 0, 0};
    std::vector<double> one(K * K), four(K * K);
    RunOptions r1, r4;
    r4.n_threads = 4;
    jsd_entropy_bias(G.data(), K, V, r1, one.data());
    jsd_entropy_bias(G.data(), K, V, r4, four.data());
    for (int i = 0; i < K * K; ++i) {
        CHECK(check::close(one[i], four[i], 0.0));
    }
    CHECK(one[0] == 0 && one[4] == 0);
    CHECK(std::isnan(one[2]) && std::isnan(one[5]));  // group 2 has no mass
    // pair (0, 1) from its formula: both groups hold 12 tokens, so r = 1
    std::vector<double> pooled(V);
    for (int64_t w = 0; w < V; ++w) pooled[w] = G[w] + G[V + w];
    const double own0 = entropy_plugin(G.data(), V) - entropy_cwj(G.data(), V);
    const double own1 = entropy_plugin(G.data() + V, V) - entropy_cwj(G.data() + V, V);
    const double pool = entropy_plugin(pooled.data(), V) - entropy_cwj(pooled.data(), V);
    CHECK(check::close(one[1], pool - own0 / 2 - own1 / 2, 1e-14));
    CHECK(one[1] == one[3]);
}

}  // namespace

int main() {
    special_functions();
    tail();
    estimator();
    jsd_bias();
    return check::report("entropy_test");
}
