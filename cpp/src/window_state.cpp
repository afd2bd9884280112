// Window count vectors and the JSD of two of them from the columns where they differ (see
// windows_internal.hpp and windows.hpp).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "windows_internal.hpp"

namespace divergence {
namespace detail {

void check_windows(const int64_t* begins, const int64_t* ends, int64_t n_windows, int64_t rows) {
    for (int64_t w = 0; w < n_windows; ++w) {
        if (begins[w] < 0 || ends[w] < begins[w] || ends[w] > rows) {
            throw InputError("windows: window " + std::to_string(w) + " = [" +
                             std::to_string(begins[w]) + ", " + std::to_string(ends[w]) +
                             ") is not a row range inside [0, " + std::to_string(rows) + "]");
        }
    }
}

void union_cols(CountVec& a, CountVec& b, std::vector<int32_t>& cols) {
    cols.clear();
    for (size_t w = 0; w < a.bits.size(); ++w) {
        uint64_t x = a.bits[w] | b.bits[w];
        if (!x) continue;
        uint64_t ka = a.bits[w], kb = b.bits[w];
        while (x) {
            const int bit = __builtin_ctzll(x);
            const size_t t = w * 64 + static_cast<size_t>(bit);
            const bool na = a.c[t] != 0.0, nb = b.c[t] != 0.0;
            ka &= ~(uint64_t(!na) << bit);
            kb &= ~(uint64_t(!nb) << bit);
            if (na || nb) cols.push_back(static_cast<int32_t>(t));
            x &= x - 1;
        }
        a.bits[w] = ka;
        b.bits[w] = kb;
    }
}

namespace {

// x ln x for the integers 0 .. kXlogxTable - 1 (precise logs; built once).
constexpr int64_t kXlogxTable = 4096;

const double* xlogx_table() {
    static const std::vector<double> table = [] {
        std::vector<double> t(static_cast<size_t>(kXlogxTable));
        for (int64_t x = 0; x < kXlogxTable; ++x)
            t[static_cast<size_t>(x)] = xlogx_precise(double(x));
        return t;
    }();
    return table.data();
}

// acc[i % 8] += p ln p + q ln q - s ln s over i < n (n a multiple of 8), p = x ia, q = y ib,
// s = p + q. Integer counts: p ln p = (x ln x - x ln A) / A with x ln x from the table (hx, hy),
// so one logarithm per column; otherwise three. Fixed lanes, so every clone gives the same bits.
DIVERGENCE_CLONES
void shared_block_int(const double* x, const double* y, const double* hx, const double* hy,
                      int64_t n, double ia, double ib, double la, double lb, double* acc) {
    constexpr int64_t L = 8;
    double a[L];
    for (int64_t l = 0; l < L; ++l) a[l] = acc[l];
    for (int64_t i = 0; i < n; i += L) {
        for (int64_t l = 0; l < L; ++l) {
            const double xv = x[i + l], yv = y[i + l];
            const double s = xv * ia + yv * ib;
            a[l] += ((hx[i + l] - xv * la) * ia + (hy[i + l] - yv * lb) * ib) - xlogx(s);
        }
    }
    for (int64_t l = 0; l < L; ++l) acc[l] = a[l];
}

// As shared_block_int with hx = G[x], hy = G[y] looked up here (every x, y < kXlogxTable).
DIVERGENCE_CLONES
void shared_block_tab(const double* x, const double* y, int64_t n, double ia, double ib, double la,
                      double lb, const double* G, double* acc) {
    constexpr int64_t L = 8;
    double a[L];
    for (int64_t l = 0; l < L; ++l) a[l] = acc[l];
    for (int64_t i = 0; i < n; i += L) {
        for (int64_t l = 0; l < L; ++l) {
            const double xv = x[i + l], yv = y[i + l];
            const double hx = G[static_cast<int32_t>(xv)], hy = G[static_cast<int32_t>(yv)];
            const double s = xv * ia + yv * ib;
            a[l] += ((hx - xv * la) * ia + (hy - yv * lb) * ib) - xlogx(s);
        }
    }
    for (int64_t l = 0; l < L; ++l) acc[l] = a[l];
}

DIVERGENCE_CLONES
void shared_block_real(const double* x, const double* y, int64_t n, double ia, double ib,
                       double* acc) {
    constexpr int64_t L = 8;
    double a[L];
    for (int64_t l = 0; l < L; ++l) a[l] = acc[l];
    for (int64_t i = 0; i < n; i += L) {
        for (int64_t l = 0; l < L; ++l) {
            const double p = x[i + l] * ia, q = y[i + l] * ib;
            a[l] += (xlogx(p) + xlogx(q)) - xlogx(p + q);
        }
    }
    for (int64_t l = 0; l < L; ++l) acc[l] = a[l];
}

// JSD of two window vectors a, b (totals A, B) given `dirty`, a bitset of columns that holds
// every column where they differ (it may hold more). For a column with x = y (the same count in
// both windows) the term p ln p + q ln q - s ln s, p = x / A, q = x / B, s = p + q, is linear in
// x: the x ln x parts cancel and it equals x K with
//   K = (1/A) ln(B / (A + B)) + (1/B) ln(A / (A + B)).
// So, with D = {t : x_t != y_t} (read off `dirty`, increasing column order),
//   JSD = ln 2 + 1/2 [K (A - sum over D of x) + sum over shared columns of D of the term],
// (a column used by one window only contributes exactly 0), and only the columns that changed
// between the windows need logarithms: for adjacent windows that is the statements moved, not
// the windows. D and the order of every sum depend only on the two vectors, so the result is
// the same however the vectors were reached (incremental == from scratch) and whatever the
// thread. The i-th shared changed column goes to lane i % 8 of the block kernels.
// jsd_changed returns the pairwise kernels' mixlog sum acc = sum s ln s - p ln p - q ln q =
// 2 (ln 2 - JSD), which their finaliser turns into the value (2 ln 2, a JSD of exactly 0, for
// the same counts). It visits the columns of mask(w) (word w of a superset of D), col(t, x, y)
// reading the two counts of column t; A, B > 0.
template <class Mask, class Col>
double jsd_changed(double A, double B, size_t W, Mask mask, Col col, bool integer,
                   SharedScratch& S) {
    const double ia = 1.0 / A, ib = 1.0 / B;
    const double la = std::log(A), lb = std::log(B);
    const double K = ia * std::log(B / (A + B)) + ib * std::log(A / (A + B));
    const double* G = xlogx_table();
    auto h = [G](double v) {
        return v < double(kXlogxTable) ? G[static_cast<int64_t>(v)] : v * std::log(v);
    };
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    // Block of n shared columns (n a multiple of 8; mx: their largest count).
    auto flush = [&](int64_t n, double mx) {
        if (!integer) {
            shared_block_real(S.x, S.y, n, ia, ib, acc);
        } else if (mx < double(kXlogxTable)) {
            shared_block_tab(S.x, S.y, n, ia, ib, la, lb, G, acc);
        } else {
            for (int64_t i = 0; i < n; ++i) {
                S.hx[i] = h(S.x[i]);
                S.hy[i] = h(S.y[i]);
            }
            shared_block_int(S.x, S.y, S.hx, S.hy, n, ia, ib, la, lb, acc);
        }
    };
    int64_t n = 0;
    double mx = 0.0;
    double dx[4] = {0.0, 0.0, 0.0, 0.0};  // sum over D of x, lane = column % 4
    bool any = false;                     // D not empty
    for (size_t w = 0; w < W; ++w) {
        uint64_t m = mask(w);
        while (m) {
            const size_t t = w * 64 + static_cast<size_t>(__builtin_ctzll(m));
            m &= m - 1;
            double xv, yv;
            col(t, xv, yv);
            const bool diff = xv != yv;
            any |= diff;
            dx[t & 3] += diff ? xv : 0.0;
            S.x[n] = xv;
            S.y[n] = yv;
            mx = std::max(mx, std::max(xv, yv));
            n += diff & (xv > 0.0) & (yv > 0.0);
            if (n == SharedScratch::kBlock) {
                flush(n, mx);
                n = 0;
                mx = 0.0;
            }
        }
    }
    const int64_t n8 = n & ~int64_t(7);
    flush(n8, mx);
    double tail = 0.0;
    for (int64_t i = n8; i < n; ++i) {
        const double xv = S.x[i], yv = S.y[i];
        if (integer) {
            tail += ((h(xv) - xv * la) * ia + (h(yv) - yv * lb) * ib) - xlogx(xv * ia + yv * ib);
        } else {
            const double p = xv * ia, q = yv * ib;
            tail += (xlogx(p) + xlogx(q)) - xlogx(p + q);
        }
    }
    if (!any) return 2.0 * kLn2;  // the same counts: a JSD of exactly 0, not rounded
    double sum = 0.0;
    for (int l = 0; l < 8; ++l) sum += acc[l];
    const double same = A - ((dx[0] + dx[1]) + (dx[2] + dx[3]));
    return -(K * same + (sum + tail));
}

}  // namespace

double jsd_dirty(const CountVec& a, const CountVec& b, const uint64_t* dirty, bool integer,
                 SharedScratch& S) {
    const double A = a.total, B = b.total;
    if (!(A > 0.0) || !(B > 0.0)) return kNaN;
    const double* ca = a.c.data();
    const double* cb = b.c.data();
    auto col = [&](size_t t, double& x, double& y) {
        x = ca[t];
        y = cb[t];
    };
    if (a.track_bits) {
        const uint64_t* ba = a.bits.data();
        const uint64_t* bb = b.bits.data();
        return jsd_changed(
            A, B, a.bits.size(), [&](size_t w) { return dirty[w] & (ba[w] | bb[w]); }, col, integer,
            S);
    }
    return jsd_changed(A, B, a.bits.size(), [&](size_t w) { return dirty[w]; }, col, integer, S);
}

double jsd_delta(CountVec& v, CountVec& d, uint64_t* dirty, SharedScratch& S) {
    const double A = v.total, B = v.total + d.total;
    double* cv = v.c.data();
    double* cd = d.c.data();
    const size_t W = v.bits.size();
    double out = kNaN;
    if (A > 0.0 && B > 0.0) {
        out = jsd_changed(
            A, B, W,
            [&](size_t w) {
                const uint64_t m = dirty[w];
                dirty[w] = 0;
                return m;
            },
            [&](size_t t, double& x, double& y) {
                x = cv[t];
                y = x + cd[t];
                cv[t] = y;
                cd[t] = 0.0;
            },
            true, S);
    } else {
        for (size_t w = 0; w < W; ++w) {
            uint64_t m = dirty[w];
            dirty[w] = 0;
            while (m) {
                const size_t t = w * 64 + static_cast<size_t>(__builtin_ctzll(m));
                m &= m - 1;
                cv[t] += cd[t];
                cd[t] = 0.0;
            }
        }
    }
    v.total = B;
    d.total = 0.0;
    return out;
}

}  // namespace detail
}  // namespace divergence
