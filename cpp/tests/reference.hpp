// Test data and slow references shared by the per-area tests: small deterministic count
// matrices, and the divergence of two count vectors written straight from the definitions.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/sparse.hpp"

namespace ref {

using divergence::Metric;

// A small generator of our own, so that the test data are the same on every platform.
struct Lcg {
    uint64_t s;
    explicit Lcg(uint64_t seed) : s(seed * 2862933555777941757ULL + 3037000493ULL) {}
    uint64_t next() {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return s >> 11;
    }
    double uniform() { return static_cast<double>(next()) / 9007199254740992.0; }  // [0, 1)
    int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
};

// A CSR matrix that owns its arrays.
struct Csr {
    std::vector<int64_t> indptr{0};
    std::vector<int32_t> indices;
    std::vector<double> data;
    int64_t cols = 0;

    int64_t rows() const { return static_cast<int64_t>(indptr.size()) - 1; }
    divergence::CsrView<double> view() const {
        return divergence::CsrView<double>{indptr.data(), indices.data(), data.data(), rows(),
                                           cols};
    }
    // Adds row r of this matrix, times w, to the dense vector out (length cols).
    void add_row_to(int64_t r, std::vector<double>& out, double w = 1.0) const {
        for (int64_t k = indptr[static_cast<size_t>(r)]; k < indptr[static_cast<size_t>(r) + 1];
             ++k) {
            out[static_cast<size_t>(indices[static_cast<size_t>(k)])] +=
                w * data[static_cast<size_t>(k)];
        }
    }
    std::vector<double> dense() const {
        std::vector<double> d(static_cast<size_t>(rows() * cols), 0.0);
        for (int64_t r = 0; r < rows(); ++r) {
            std::vector<double> row(static_cast<size_t>(cols), 0.0);
            add_row_to(r, row);
            for (int64_t c = 0; c < cols; ++c) {
                d[static_cast<size_t>(r * cols + c)] = row[static_cast<size_t>(c)];
            }
        }
        return d;
    }
};

// rows x cols integer counts in [1, max_count], each entry present with probability `density`;
// with `nonempty`, a row that drew nothing gets one entry.
inline Csr random_counts(int64_t rows, int64_t cols, double density, int max_count, uint64_t seed,
                         bool nonempty = true) {
    Lcg rng(seed);
    Csr m;
    m.cols = cols;
    for (int64_t r = 0; r < rows; ++r) {
        const size_t start = m.indices.size();
        for (int64_t c = 0; c < cols; ++c) {
            if (rng.uniform() < density) {
                m.indices.push_back(static_cast<int32_t>(c));
                m.data.push_back(static_cast<double>(1 + rng.below(max_count)));
            }
        }
        if (nonempty && m.indices.size() == start) {
            m.indices.push_back(static_cast<int32_t>(rng.below(cols)));
            m.data.push_back(1.0);
        }
        m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
    }
    return m;
}

// sum p ln(p / q) over p > 0 (+inf where q = 0 < p).
inline double kl_sum(const std::vector<double>& p, const std::vector<double>& q) {
    double s = 0.0;
    for (size_t t = 0; t < p.size(); ++t) {
        if (p[t] > 0.0) s += p[t] * std::log(p[t] / q[t]);
    }
    return s;
}

// d(a, b) for count vectors a, b of one length, in nats, from the definitions: a and b are
// normalised to distributions p, q (kl and jeffreys: smoothed, p = (a + alpha) / (sum a + V
// alpha)); cosine compares the counts. NaN when a or b has no mass.
inline double divergence(const std::vector<double>& a, const std::vector<double>& b, Metric m,
                         double alpha = 0.0) {
    const size_t V = a.size();
    double sa = 0.0, sb = 0.0;
    for (size_t t = 0; t < V; ++t) {
        sa += a[t];
        sb += b[t];
    }
    if (!(sa > 0.0) || !(sb > 0.0)) return std::numeric_limits<double>::quiet_NaN();
    std::vector<double> p(V), q(V);
    const bool smooth = m == Metric::kl || m == Metric::jeffreys;
    for (size_t t = 0; t < V; ++t) {
        p[t] = smooth ? (a[t] + alpha) / (sa + static_cast<double>(V) * alpha) : a[t] / sa;
        q[t] = smooth ? (b[t] + alpha) / (sb + static_cast<double>(V) * alpha) : b[t] / sb;
    }
    double bc = 0.0, tv = 0.0, dot = 0.0, na = 0.0, nb = 0.0;
    std::vector<double> mid(V);
    for (size_t t = 0; t < V; ++t) {
        bc += std::sqrt(p[t] * q[t]);
        tv += std::fabs(p[t] - q[t]);
        dot += a[t] * b[t];
        na += a[t] * a[t];
        nb += b[t] * b[t];
        mid[t] = 0.5 * (p[t] + q[t]);
    }
    const double jsd = 0.5 * kl_sum(p, mid) + 0.5 * kl_sum(q, mid);
    switch (m) {
        case Metric::jsd: return jsd;
        case Metric::jensenshannon: return std::sqrt(jsd);
        case Metric::kl: return kl_sum(p, q);
        case Metric::jeffreys: return kl_sum(p, q) + kl_sum(q, p);
        case Metric::hellinger: return std::sqrt(std::max(0.0, 1.0 - bc));
        case Metric::bhattacharyya: return -std::log(bc);
        case Metric::tv: return 0.5 * tv;
        case Metric::cosine: return 1.0 - dot / std::sqrt(na * nb);
    }
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace ref
