// Entropy estimates and the plug-in JSD's estimated bias (see divergence/entropy.hpp).
#include "divergence/entropy.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace divergence {

namespace {

constexpr double kEulerGamma = 0.57721566490153286061;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Tally {
    double n = 0;   // total count
    double f1 = 0;  // words seen once
    double f2 = 0;  // words seen twice
    double seen = 0;

    // one word's count, x > 0
    void add(double x) {
        n += x;
        seen += 1;
        f1 += x == 1.0;
        f2 += x == 2.0;
    }
};

Tally tally(const double* c, int64_t V) {
    Tally t;
    for (int64_t i = 0; i < V; ++i) {
        if (c[i] > 0) t.add(c[i]);
    }
    return t;
}

// sum x log x over the counts (the plug-in entropy is log n - this / n)
double sum_xlogx(const double* c, int64_t V) {
    double s = 0;
    for (int64_t i = 0; i < V; ++i) {
        if (c[i] > 0) s += c[i] * std::log(c[i]);
    }
    return s;
}

double plugin_from(double n, double xlogx) { return std::log(n) - xlogx / n; }

// Chao-Wang-Jost from a count accessor (the pooled counts are a + b without a copy)
template <class Count>
double cwj_from(const Tally& t, int64_t V, Count count) {
    if (!(t.n > 0)) return kNaN;
    const double n = t.n;
    const double psi_n = digamma(n);
    double h = 0;
    for (int64_t i = 0; i < V; ++i) {
        const double x = count(i);
        if (x > 0 && x <= n - 1) h += x / n * (psi_n - digamma(x));
    }
    if (t.f1 > 0) {
        double A = 1.0;
        if (t.f2 > 0) {
            A = 2 * t.f2 / ((n - 1) * t.f1 + 2 * t.f2);
        } else {
            A = 2 / ((n - 1) * (t.f1 - 1) + 2);
        }
        if (A < 1) h += t.f1 / n * cwj_tail(n, A);
    }
    return h;
}

}  // namespace

double digamma(double x) {
    if (!(x > 0)) return kNaN;
    double shift = 0;
    while (x < 20) {
        shift += 1 / x;
        x += 1;
    }
    const double r = 1 / (x * x);
    // ln x - 1/(2x) - sum B_2k / (2k x^2k)
    const double series =
        r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132)))));
    return std::log(x) - 0.5 / x - series - shift;
}

double exp_e1(double z) {
    if (!(z > 0)) return kNaN;
    if (z <= 1) {
        // E1(z) = -gamma - ln z - sum_{k>=1} (-z)^k / (k k!)
        double term = 1, s = 0;
        for (int k = 1; k < 60; ++k) {
            term *= -z / k;
            const double add = term / k;
            s += add;
            if (std::fabs(add) < 1e-18) break;
        }
        return std::exp(z) * (-kEulerGamma - std::log(z) - s);
    }
    // e^z E1(z) = 1 / (z + 1 - 1 / (z + 3 - 4 / (z + 5 - ...))), modified Lentz
    const double tiny = 1e-300;
    double b = z + 1, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 1000; ++i) {
        const double an = -static_cast<double>(i) * i;
        b += 2;
        d = 1 / (an * d + b);
        c = b + an / c;
        const double del = c * d;
        h *= del;
        if (std::fabs(del - 1) < 1e-16) break;
    }
    return h;
}

double cwj_tail(double n, double A) {
    if (!(n >= 1) || !(A > 0) || !(A < 1)) return kNaN;
    const double x = 1 - A;
    // term by term while about 39 / A terms reach 1e-17 of the sum
    if (A > 2e-4) {
        double p = x, s = 0;
        for (int64_t j = 0; j < 1000000; ++j) {
            const double t = p / (n + static_cast<double>(j));
            s += t;
            if (t < 1e-17 * s) break;
            p *= x;
        }
        return s;
    }
    constexpr int kHead = 50;
    double p = x, s = 0;
    for (int j = 0; j < kHead; ++j) {
        s += p / (n + j);
        p *= x;
    }
    // p = x^(kHead + 1); the rest is p * sum_{j>=0} e^(-a j) / (m + j), m = n + kHead:
    // integral + f(0)/2 - f'(0)/12 + f'''(0)/720 - f'''''(0)/30240, f(y) = e^(-a y) / (m + y)
    const double a = -std::log1p(-A);
    const double m = n + kHead;
    // f^(k)(0) = (-1)^k sum_{i=0}^{k} C(k, i) a^(k-i) i! / m^(i+1)
    auto deriv = [&](int k) {
        double s_k = 0, binom = 1, fact = 1, mpow = m;
        for (int i = 0; i <= k; ++i) {
            if (i > 0) {
                binom = binom * (k - i + 1) / i;
                fact *= i;
                mpow *= m;
            }
            s_k += binom * std::pow(a, k - i) * fact / mpow;
        }
        return (k % 2 == 0 ? 1.0 : -1.0) * s_k;
    };
    const double rest = exp_e1(a * m) + 0.5 / m - deriv(1) / 12 + deriv(3) / 720 - deriv(5) / 30240;
    return s + p * rest;
}

double entropy_plugin(const double* counts, int64_t V) {
    const Tally t = tally(counts, V);
    if (!(t.n > 0)) return kNaN;
    return plugin_from(t.n, sum_xlogx(counts, V));
}

double entropy_cwj(const double* counts, int64_t V) {
    return cwj_from(tally(counts, V), V, [&](int64_t i) { return counts[i]; });
}

void jsd_entropy_bias(const double* G, int32_t K, int64_t V, const RunOptions& run, double* out) {
    const auto Kz = static_cast<size_t>(K > 0 ? K : 0);
    std::vector<double> own(Kz, kNaN), n_of(Kz, 0);
    for (size_t g = 0; g < Kz; ++g) {
        const double* c = G + g * static_cast<size_t>(V);
        const Tally t = tally(c, V);
        n_of[g] = t.n;
        if (t.n > 0) {
            own[g] =
                plugin_from(t.n, sum_xlogx(c, V)) - cwj_from(t, V, [&](int64_t i) { return c[i]; });
        }
    }
    for (size_t i = 0; i < Kz * Kz; ++i) out[i] = 0;
    std::vector<std::pair<int32_t, int32_t>> pairs;
    for (int32_t a = 0; a < K; ++a) {
        for (int32_t b = a + 1; b < K; ++b) pairs.emplace_back(a, b);
    }
    const auto n_pairs = static_cast<int64_t>(pairs.size());
    ParallelConfig pc{run.n_threads, run.stop};
    parallel_for(n_pairs, 1, pc, [&](int64_t begin, int64_t end, int) {
        for (int64_t k = begin; k < end; ++k) {
            const auto [a, b] = pairs[static_cast<size_t>(k)];
            const double* ca = G + static_cast<size_t>(a) * static_cast<size_t>(V);
            const double* cb = G + static_cast<size_t>(b) * static_cast<size_t>(V);
            const double na = n_of[static_cast<size_t>(a)], nb = n_of[static_cast<size_t>(b)];
            double bias = kNaN;
            if (na > 0 && nb > 0) {
                Tally t;
                double xlogx = 0, ratio = 0;
                for (int64_t w = 0; w < V; ++w) {
                    const double x = ca[w] + cb[w];
                    if (x <= 0) continue;
                    t.add(x);
                    xlogx += x * std::log(x);
                    const double pa = ca[w] / na, pb = cb[w] / nb;
                    ratio += (pa / na + pb / nb) / (4 * (pa + pb));
                }
                const double r = ratio * 2 * t.n / t.seen;
                const double pooled = plugin_from(t.n, xlogx) -
                                      cwj_from(t, V, [&](int64_t w) { return ca[w] + cb[w]; });
                bias =
                    r * pooled - own[static_cast<size_t>(a)] / 2 - own[static_cast<size_t>(b)] / 2;
            }
            out[static_cast<size_t>(a) * Kz + static_cast<size_t>(b)] = bias;
            out[static_cast<size_t>(b) * Kz + static_cast<size_t>(a)] = bias;
        }
    });
}

}  // namespace divergence
