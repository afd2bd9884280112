// Sliding windows: incremental window count vectors, window-pair and between-group divergences
// with bootstrap / permutation replicates, token-stream drift in O(1) per token, and novelty /
// transience. See windows.hpp.
#include "divergence/windows.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "divergence/random.hpp"

namespace divergence {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_values(const CsrView<double>& X, const char* name) {
    const int64_t b = X.indptr[0], e = X.indptr[X.rows];
    for (int64_t k = b; k < e; ++k) {
        const double v = X.data[k];
        if (!(v >= 0.0) || !std::isfinite(v)) {
            throw InputError(std::string(name) + ": counts must be finite and >= 0");
        }
    }
}

// One pass over X (in parallel over rows): values finite and >= 0 (else InputError), each
// row's total (summed in column order), and whether the counts are integers whose grand total
// stays below 2^53 (then every window sum is exact in float64, in any order; the check does not
// depend on the order of the partial sums either, since rounding is monotone).
struct RowScan {
    std::vector<double> rowsum;
    bool integer = true;
};

// Flags over values d[0..n): bit 0 set if some value is negative, NaN or infinite; bit 1 if
// some value is not an integer (for 0 <= v < 2^52, v is an integer iff (v + 2^52) - 2^52 == v;
// larger doubles are all integers; -0.0 counts as not an integer, which only costs speed).
// Branch-free on the bit patterns, so it vectorises.
DIVERGENCE_CLONES
int value_flags(const double* d, int64_t n) {
    constexpr double two52 = 4503599627370496.0;
    uint64_t bad = 0, frac = 0;
    for (int64_t k = 0; k < n; ++k) {
        const double v = d[k];
        int64_t u;
        std::memcpy(&u, &v, sizeof u);
        // Sign set (except -0.0) or exponent all ones (inf, NaN); signed compares vectorise
        // on AVX2 too.
        const int64_t top = static_cast<int64_t>(static_cast<uint64_t>(u) >> 52);
        bad |= uint64_t(top > 0x7FE) & uint64_t(u != std::numeric_limits<int64_t>::min());
        const double r = (v + two52) - two52;
        int64_t ur;
        std::memcpy(&ur, &r, sizeof ur);
        frac |= static_cast<uint64_t>(ur ^ u) & (uint64_t(0) - uint64_t(v < two52));
    }
    return int(bad != 0) | (int(frac != 0) << 1);
}

// Row totals of rows [r0, r1): eight fixed lanes (entry k of a row to lane k % 8, lanes added
// in a fixed tree), so the bits depend only on the row, not on the instruction set. GCC vector
// types: one 8-wide add per 8 entries; the last partial group is one load with the lanes past
// the row's end zeroed (x + 0 == x for the sums of non-negative values here), reading at most
// 7 entries past the row but never past `end`.
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));

DIVERGENCE_CLONES
void row_totals(const CsrView<double>& X, int64_t r0, int64_t r1, const double* end, double* out) {
    const v8l lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int64_t r = r0; r < r1; ++r) {
        const double* d = X.data + X.indptr[r];
        const int64_t n = X.indptr[r + 1] - X.indptr[r];
        v8d acc = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t k = 0;
        for (; k + 8 <= n; k += 8) {
            v8d v;
            std::memcpy(&v, d + k, sizeof v);
            acc += v;
        }
        if (k < n) {
            v8d v = {0, 0, 0, 0, 0, 0, 0, 0};
            if (d + k + 8 <= end) {
                std::memcpy(&v, d + k, sizeof v);
                const v8d zero = {0, 0, 0, 0, 0, 0, 0, 0};
                v = lane < (n - k) ? v : zero;
            } else {
                for (int64_t j = 0; k + j < n; ++j) v[j] = d[k + j];
            }
            acc += v;
        }
        out[r] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}

RowScan scan_rows(const CsrView<double>& X, const char* name, const RunOptions& run) {
    RowScan out;
    out.rowsum.resize(static_cast<size_t>(X.rows));
    const int nt = std::max(1, run.n_threads);
    std::vector<int> flags(static_cast<size_t>(nt), 0);
    ParallelConfig pc{run.n_threads, nullptr};
    const int64_t nnz = X.indptr[X.rows] - X.indptr[0];
    const int64_t chunk =
        nnz < (int64_t(1) << 18) ? X.rows + 1 : balanced_chunk(X.rows, nt, 4096, 4);
    parallel_for(X.rows, chunk, pc, [&](int64_t r0, int64_t r1, int tid) {
        // Blocks of 256 rows: the totals re-read values the flags pass just brought into cache.
        for (int64_t b0 = r0; b0 < r1; b0 += 256) {
            const int64_t b1 = std::min(r1, b0 + 256);
            const int64_t k0 = X.indptr[b0], k1 = X.indptr[b1];
            flags[static_cast<size_t>(tid)] |= value_flags(X.data + k0, k1 - k0);
            row_totals(X, b0, b1, X.data + X.indptr[X.rows], out.rowsum.data());
        }
    });
    int f = 0;
    for (int v : flags) f |= v;
    if (f & 1) throw InputError(std::string(name) + ": counts must be finite and >= 0");
    out.integer = !(f & 2);
    if (out.integer) {
        double total = 0.0;
        for (double v : out.rowsum) total += v;
        out.integer = total < 9007199254740992.0;  // 2^53
    }
    return out;
}

// A window's summed counts: dense vector plus a bitset of its nonzero columns. With integer
// counts the bitset is exact (bit set <=> count != 0): adding a nonzero value sets the bit, a
// removal that brings a count back to exactly 0 clears it. `dirty` (optional, V/64 words)
// collects every column written, for PairState::sync and jsd_dirty. With track_bits false
// (JSD over incrementally moved integer windows, which reads `dirty` only) no bitset is kept:
// clear() then zeroes the whole vector and marks every column dirty.
struct CountVec {
    std::vector<double> c;
    std::vector<uint64_t> bits;
    double total = 0.0;
    bool track_bits = true;

    void init(int64_t V, bool track = true) {
        c.assign(static_cast<size_t>(V), 0.0);
        bits.assign(static_cast<size_t>((V + 63) / 64), 0);
        total = 0.0;
        track_bits = track;
    }
    void clear(uint64_t* dirty = nullptr) {
        total = 0.0;
        if (!track_bits) {
            std::fill(c.begin(), c.end(), 0.0);
            if (dirty && !bits.empty()) {
                std::fill(dirty, dirty + bits.size(), ~uint64_t(0));
                const int64_t rem =
                    static_cast<int64_t>(c.size()) & 63;  // columns in the last word
                if (rem) dirty[bits.size() - 1] = (uint64_t(1) << rem) - 1;
            }
            return;
        }
        for (size_t w = 0; w < bits.size(); ++w) {
            uint64_t x = bits[w];
            if (!x) continue;
            if (dirty) dirty[w] |= x;
            while (x) {
                const int t = __builtin_ctzll(x);
                c[w * 64 + static_cast<size_t>(t)] = 0.0;
                x &= x - 1;
            }
            bits[w] = 0;
        }
    }
    // Adds row r (rowsum: the row's total, precomputed).
    void add_row(const CsrView<double>& X, int64_t r, double rowsum, uint64_t* dirty = nullptr) {
        const int64_t k0 = X.indptr[r], k1 = X.indptr[r + 1];
        double* cv = c.data();
        if (!track_bits) {
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t t = X.indices[k];
                cv[t] += X.data[k];
                if (dirty) dirty[t >> 6] |= uint64_t(1) << (t & 63);
            }
        } else if (dirty) {
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t t = X.indices[k];
                cv[t] += X.data[k];
                const uint64_t bit = uint64_t(1) << (t & 63);
                bits[static_cast<size_t>(t >> 6)] |= X.data[k] != 0.0 ? bit : 0;
                dirty[t >> 6] |= bit;
            }
        } else {
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t t = X.indices[k];
                cv[t] += X.data[k];
                bits[static_cast<size_t>(t >> 6)] |= uint64_t(X.data[k] != 0.0) << (t & 63);
            }
        }
        total += rowsum;
    }
    // Removes row r (integer counts only: a column returns to exactly 0 when emptied, and its
    // bit is cleared).
    void remove_row(const CsrView<double>& X, int64_t r, double rowsum, uint64_t* dirty = nullptr) {
        const int64_t k0 = X.indptr[r], k1 = X.indptr[r + 1];
        double* cv = c.data();
        if (!track_bits) {
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t t = X.indices[k];
                cv[t] -= X.data[k];
                if (dirty) dirty[t >> 6] |= uint64_t(1) << (t & 63);
            }
        } else {
            for (int64_t k = k0; k < k1; ++k) {
                const int32_t t = X.indices[k];
                const double v = cv[t] - X.data[k];
                cv[t] = v;
                bits[static_cast<size_t>(t >> 6)] &= ~(uint64_t(v == 0.0) << (t & 63));
                if (dirty) dirty[t >> 6] |= uint64_t(1) << (t & 63);
            }
        }
        total -= rowsum;
    }
};

// Increasing columns where a or b is nonzero. Bits of columns that went back to zero are
// cleared on the way (removals leave them set), so the bitsets stay close to the supports.
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

// Rows touched moving a window from [b, e) to [nb, ne): the symmetric difference of the
// ranges, or all of both when a rebuild (clear, then add [nb, ne)) is cheaper.
int64_t range_move_cost(int64_t b, int64_t e, int64_t nb, int64_t ne) {
    const int64_t lo = std::max(b, nb), hi = std::min(e, ne);
    const int64_t shared = std::max<int64_t>(0, hi - lo);
    return std::min((e - b - shared) + (ne - nb - shared), ne - nb + (e - b));
}

// Moving a row range from [b, e) to [nb, ne): remove(r) for the rows of [b, e) \ [nb, ne),
// then add(r) for those of [nb, ne) \ [b, e), each in increasing r.
template <class Remove, class Add>
void range_difference(int64_t b, int64_t e, int64_t nb, int64_t ne, Remove remove, Add add) {
    for (int64_t r = b; r < std::min(e, nb); ++r) remove(r);
    for (int64_t r = std::max(b, ne); r < e; ++r) remove(r);
    for (int64_t r = nb; r < std::min(ne, b); ++r) add(r);
    for (int64_t r = std::max(nb, e); r < ne; ++r) add(r);
}

// K count vectors (one per group; K = 1 for a plain window) over the row range [b, e).
struct WindowState {
    std::vector<CountVec> g;
    int64_t b = 0, e = 0;
    bool valid = false;

    void init(int32_t K, int64_t V, bool track_bits = true) {
        g.resize(static_cast<size_t>(K));
        for (auto& v : g) v.init(V, track_bits);
        valid = false;
    }
    void clear(uint64_t* dirty = nullptr) {
        for (auto& v : g) v.clear(dirty);
        valid = false;
    }
    // Rows that moving to [nb, ne) touches: all of [nb, ne) when rebuilt, else the symmetric
    // difference of the ranges.
    int64_t move_cost(int64_t nb, int64_t ne) const {
        return valid ? range_move_cost(b, e, nb, ne) : ne - nb;
    }
    void move(const CsrView<double>& X, const double* rowsum, const int32_t* labels, int64_t nb,
              int64_t ne, bool incremental, uint64_t* dirty = nullptr) {
        auto vec = [&](int64_t r) -> CountVec& {
            return g[labels ? static_cast<size_t>(labels[r]) : 0];
        };
        if (valid && b == nb && e == ne) return;
        const int64_t lo = std::max(b, nb), hi = std::min(e, ne);
        const int64_t shared = std::max<int64_t>(0, hi - lo);
        const int64_t diff = (e - b - shared) + (ne - nb - shared);
        if (!incremental || !valid || diff >= ne - nb) {
            clear(dirty);
            for (int64_t r = nb; r < ne; ++r) vec(r).add_row(X, r, rowsum[r], dirty);
        } else {
            // Remove old \ new, then add new \ old (counts never go negative).
            range_difference(
                b, e, nb, ne, [&](int64_t r) { vec(r).remove_row(X, r, rowsum[r], dirty); },
                [&](int64_t r) { vec(r).add_row(X, r, rowsum[r], dirty); });
            // Integer counts: every partial sum is exact, so the vectors (and their totals)
            // equal the ones summed from scratch.
        }
        b = nb;
        e = ne;
        valid = true;
    }
};

void check_windows(const int64_t* begins, const int64_t* ends, int64_t n_windows, int64_t rows) {
    for (int64_t w = 0; w < n_windows; ++w) {
        if (begins[w] < 0 || ends[w] < begins[w] || ends[w] > rows) {
            throw InputError("windows: window " + std::to_string(w) + " = [" +
                             std::to_string(begins[w]) + ", " + std::to_string(ends[w]) +
                             ") is not a row range inside [0, " + std::to_string(rows) + "]");
        }
    }
}

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

struct SharedScratch {
    static constexpr int64_t kBlock = 512;  // a multiple of 8
    double x[kBlock], y[kBlock], hx[kBlock], hy[kBlock];
};

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
// jsd_changed visits the columns of mask(w) (word w of a superset of D), col(t, x, y) reading
// the two counts of column t; A, B > 0.
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
    if (!any) return 0.0;  // the same counts: exactly 0, not ln 2 - ln 2 rounded
    double sum = 0.0;
    for (int l = 0; l < 8; ++l) sum += acc[l];
    const double same = A - ((dx[0] + dx[1]) + (dx[2] + dx[3]));
    return kLn2 + 0.5 * (K * same + (sum + tail));
}

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

// JSD of window a (vector v, integer counts) and window b = a + d, where d (total d.total) is
// the difference of the two windows' counts, nonzero only on columns of `dirty`; then moves v
// to b (v += d) and clears d and `dirty`. The same pass reads the counts and applies the move,
// so adjacent windows cost one scatter of the rows moved plus one pass over the columns they
// touch. Same columns, order and lanes as jsd_dirty (x = v[t], y = v[t] + d[t], exact for
// integer counts), so the same bits as from vectors summed from scratch.
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

}  // namespace

double count_divergence(const double* a, double A, const double* b, double B, const int32_t* cols,
                        int64_t n_cols, int64_t V, const MetricOptions& m,
                        bool* support_violation) {
    if (!(A > 0.0) || !(B > 0.0)) return kNaN;
    const double scale = log_scale(m);
    const double ia = 1.0 / A, ib = 1.0 / B;
    switch (m.metric) {
        case Metric::jsd:
        case Metric::jensenshannon: {
            // ln 2 + 1/2 sum over the union of p ln p + q ln q - s ln s, s = p + q (only shared
            // columns contribute), on gathered contiguous copies.
            thread_local std::vector<double> gx, gy;
            gx.resize(static_cast<size_t>(n_cols));
            gy.resize(static_cast<size_t>(n_cols));
            for (int64_t k = 0; k < n_cols; ++k) {
                gx[static_cast<size_t>(k)] = a[cols[k]];
                gy[static_cast<size_t>(k)] = b[cols[k]];
            }
            const double acc = mixlog_sum(gx.data(), gy.data(), n_cols, ia, ib);
            double v = kLn2 + 0.5 * acc;
            v = (v > 0.0 ? v : 0.0) * scale;
            return m.metric == Metric::jensenshannon ? std::sqrt(v) : v;
        }
        case Metric::hellinger:
        case Metric::bhattacharyya: {
            double bc = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                bc += std::sqrt(a[t] * ia * (b[t] * ib));
            }
            if (m.metric == Metric::hellinger) {
                const double v = 1.0 - bc;
                return std::sqrt(std::min(1.0, std::max(0.0, v)));
            }
            if (bc <= 0.0) return HUGE_VAL;
            const double v = -std::log(bc);
            return v > 0.0 ? v * scale : 0.0;
        }
        case Metric::tv: {
            double acc = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                acc += std::min(a[t] * ia, b[t] * ib);
            }
            return std::min(1.0, std::max(0.0, 1.0 - acc));
        }
        case Metric::cosine: {
            double dot = 0.0, na = 0.0, nb = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                dot += a[t] * b[t];
                na += a[t] * a[t];
                nb += b[t] * b[t];
            }
            const double v = 1.0 - dot / std::sqrt(na * nb);
            return std::min(1.0, std::max(0.0, v));
        }
        case Metric::kl:
        case Metric::jeffreys: {
            const bool both = m.metric == Metric::jeffreys;
            const double al = m.alpha;
            const double Za = A + static_cast<double>(V) * al, Zb = B + static_cast<double>(V) * al;
            double acc = 0.0;
            for (int64_t k = 0; k < n_cols; ++k) {
                const int32_t t = cols[k];
                const double p = (a[t] + al) / Za, q = (b[t] + al) / Zb;
                if (al == 0.0 && ((p > 0.0 && q == 0.0) || (both && q > 0.0 && p == 0.0))) {
                    if (support_violation) *support_violation = true;
                    return HUGE_VAL;
                }
                if (both) {
                    acc += (p - q) * std::log(p / q);
                } else if (p > 0.0) {
                    acc += p * std::log(p / q);
                }
            }
            if (al > 0.0) {
                // Columns outside both supports: p = alpha / Za, q = alpha / Zb.
                const double rest = static_cast<double>(V - n_cols);
                const double lr = std::log(Zb / Za);
                acc += both ? rest * (al / Za - al / Zb) * lr : rest * (al / Za) * lr;
            }
            return (acc > 0.0 ? acc : 0.0) * scale;
        }
    }
    return kNaN;
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
    const double jsd_scale = log_scale(opt.metric);
    // A JSD in nats (NaN for an empty window) in the requested units, sqrt for jensenshannon.
    auto jsd_units = [&](double v) {
        if (std::isnan(v)) return v;
        v = (v > 0.0 ? v : 0.0) * jsd_scale;
        return opt.metric.metric == Metric::jensenshannon ? std::sqrt(v) : v;
    };
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
                             out[k] = jsd_units(jsd_delta(st.g[0], d, dirty, S.shared));
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
                                 jsd_units(jsd_dirty(va, vb, S.dirty.data(), integer, S.shared));
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

void window_between(const CsrView<double>& X, const int32_t* labels, int32_t K,
                    const int64_t* begins, const int64_t* ends, int64_t n_windows,
                    const BetweenOptions& opt, const RunOptions& run, double* observed,
                    double* boot, double* perm) {
    if (K < 2) throw InputError("groups: at least two groups are needed, got " + std::to_string(K));
    check_metric_options(opt.window.metric);
    if (opt.n_bootstrap < 0 || opt.n_permutations < 0) {
        throw InputError("bootstrap/permutations: counts must be >= 0");
    }
    if (opt.n_bootstrap >= (int64_t(1) << 32) || opt.n_permutations >= (int64_t(1) << 32)) {
        throw InputError("bootstrap/permutations: at most 2^32 - 1 replicates");
    }
    const RowScan scan = scan_rows(X, "X", run);
    check_windows(begins, ends, n_windows, X.rows);
    for (int64_t i = 0; i < X.rows; ++i) {
        if (labels[i] < 0 || labels[i] >= K) {
            throw InputError("labels: statement " + std::to_string(i) + " has group code " +
                             std::to_string(labels[i]) + " outside [0, " + std::to_string(K) + ")");
        }
    }
    const bool incremental = opt.window.incremental && scan.integer;
    const std::vector<double>& rs = scan.rowsum;
    const int64_t V = X.cols, KK = static_cast<int64_t>(K) * K;
    const int64_t B = opt.n_bootstrap, P = opt.n_permutations;
    struct Scratch {
        WindowState obs, rep;
        std::vector<int32_t> cols, lab;
        std::vector<std::vector<int64_t>> members;
        bool ready = false;
    };
    const int nt = std::max(1, run.n_threads);
    std::vector<Scratch> scratch(static_cast<size_t>(nt));
    std::atomic<int64_t> violation{-1};
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    const int64_t chunk = balanced_chunk(n_windows, run.n_threads, 1, (B + P) > 0 ? 32 : 8);
    parallel_for(n_windows, chunk, pc, [&](int64_t w0, int64_t w1, int tid) {
        Scratch& S = scratch[static_cast<size_t>(tid)];
        if (!S.ready) {
            S.obs.init(K, V);
            if (B + P > 0) S.rep.init(K, V);
            S.members.resize(static_cast<size_t>(K));
            S.ready = true;
        }
        S.obs.clear();
        for (int64_t w = w0; w < w1; ++w) {
            const int64_t b = begins[w], e = ends[w];
            S.obs.move(X, rs.data(), labels, b, e, incremental);
            if (group_matrix_of(S.obs.g, K, V, opt.window.metric, S.cols, observed + w * KK)) {
                int64_t cur = violation.load();
                while ((cur < 0 || w < cur) && !violation.compare_exchange_weak(cur, w)) {
                }
            }
            if (B + P == 0) continue;
            for (auto& mem : S.members) mem.clear();
            for (int64_t r = b; r < e; ++r) S.members[static_cast<size_t>(labels[r])].push_back(r);
            const uint64_t wkey = static_cast<uint64_t>(w) << 32;
            for (int64_t r = 0; r < B; ++r) {
                // Statements resampled with replacement within each group, within the window.
                Stream rng(opt.seed, kTagBootstrap, wkey | static_cast<uint64_t>(r));
                S.rep.clear();
                for (int32_t g = 0; g < K; ++g) {
                    const auto& mem = S.members[static_cast<size_t>(g)];
                    const uint64_t n = mem.size();
                    for (uint64_t d = 0; d < n; ++d) {
                        {
                            const int64_t row = mem[rng.below(n)];
                            S.rep.g[static_cast<size_t>(g)].add_row(X, row,
                                                                    rs[static_cast<size_t>(row)]);
                        }
                    }
                }
                group_matrix_of(S.rep.g, K, V, opt.window.metric, S.cols, boot + (w * B + r) * KK);
            }
            for (int64_t r = 0; r < P; ++r) {
                // Group labels shuffled across the window's statements (sizes kept).
                Stream rng(opt.seed, kTagPermutation, wkey | static_cast<uint64_t>(r));
                S.lab.assign(labels + b, labels + e);
                for (int64_t i = e - b - 1; i > 0; --i) {
                    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
                    std::swap(S.lab[static_cast<size_t>(i)], S.lab[static_cast<size_t>(j)]);
                }
                S.rep.clear();
                for (int64_t i = b; i < e; ++i) {
                    S.rep.g[static_cast<size_t>(S.lab[static_cast<size_t>(i - b)])]
                        .add_row(X, i, rs[static_cast<size_t>(i)]);
                }
                group_matrix_of(S.rep.g, K, V, opt.window.metric, S.cols, perm + (w * P + r) * KK);
            }
        }
    });
    const int64_t w = violation.load();
    if (w >= 0) {
        throw InputError(metric_name(opt.window.metric.metric) + " with alpha=0: in window " +
                         std::to_string(w) +
                         " one group uses terms another lacks, so the divergence is infinite; "
                         "pass alpha > 0 to smooth");
    }
}

// ---------------------------------------------------------------------------------------------
// Token-stream drift

int64_t token_drift_count(int64_t n, int64_t window, int64_t step) {
    if (window < 1 || step < 1 || n < 2 * window) return 0;
    return (n - 2 * window) / step + 1;
}

int64_t token_drift(const int64_t* tokens, int64_t n, int64_t n_types, int64_t window, int64_t step,
                    double scale, bool incremental, int64_t* positions, double* out) {
    if (window < 1) throw InputError("window: must be >= 1 token, got " + std::to_string(window));
    if (step < 1) throw InputError("step: must be >= 1 token, got " + std::to_string(step));
    if (n_types < 1) throw InputError("n_types: must be >= 1");
    for (int64_t i = 0; i < n; ++i) {
        if (tokens[i] < 0 || tokens[i] >= n_types) {
            throw InputError("tokens: token " + std::to_string(i) + " has id " +
                             std::to_string(tokens[i]) + " outside [0, " + std::to_string(n_types) +
                             ")");
        }
    }
    const int64_t count = token_drift_count(n, window, step);
    if (count == 0) return 0;
    using I128 = __int128;
    // G[x] = x ln x in 2^-64 fixed point, x = 0 .. 2 window.
    std::vector<I128> G(static_cast<size_t>(2 * window + 1));
    const long double two64 = 18446744073709551616.0L;
    for (int64_t x = 0; x <= 2 * window; ++x) {
        const long double lx = static_cast<long double>(x);
        G[static_cast<size_t>(x)] =
            x < 2 ? I128(0) : static_cast<I128>(lx * std::log(lx) * two64 + 0.5L);
    }
    std::vector<int32_t> a(static_cast<size_t>(n_types), 0), bcnt(static_cast<size_t>(n_types), 0);
    auto f = [&](int64_t t) -> I128 {
        const int32_t x = a[static_cast<size_t>(t)], y = bcnt[static_cast<size_t>(t)];
        return G[static_cast<size_t>(x)] + G[static_cast<size_t>(y)] -
               G[static_cast<size_t>(x + y)];
    };
    const double to_value = 1.0 / (2.0 * static_cast<double>(window)) / 18446744073709551616.0;
    auto value = [&](I128 S) {
        double v = kLn2 + static_cast<double>(S) * to_value;
        return (v > 0.0 ? v : 0.0) * scale;
    };
    if (!incremental) {
        std::vector<int64_t> touched;
        for (int64_t k = 0; k < count; ++k) {
            const int64_t i = window + k * step;
            touched.clear();
            for (int64_t j = i - window; j < i; ++j) {
                if (a[static_cast<size_t>(tokens[j])]++ == 0 &&
                    bcnt[static_cast<size_t>(tokens[j])] == 0)
                    touched.push_back(tokens[j]);
            }
            for (int64_t j = i; j < i + window; ++j) {
                if (bcnt[static_cast<size_t>(tokens[j])]++ == 0 &&
                    a[static_cast<size_t>(tokens[j])] == 0)
                    touched.push_back(tokens[j]);
            }
            I128 S = 0;
            for (int64_t t : touched) S += f(t);
            for (int64_t t : touched) a[static_cast<size_t>(t)] = bcnt[static_cast<size_t>(t)] = 0;
            positions[k] = i;
            out[k] = value(S);
        }
        return count;
    }
    I128 S = 0;
    auto update = [&](int64_t t, int32_t da, int32_t db) {
        S -= f(t);
        a[static_cast<size_t>(t)] += da;
        bcnt[static_cast<size_t>(t)] += db;
        S += f(t);
    };
    // First boundary i = window: fill both windows.
    for (int64_t j = 0; j < window; ++j) update(tokens[j], 1, 0);
    for (int64_t j = window; j < 2 * window; ++j) update(tokens[j], 0, 1);
    positions[0] = window;
    out[0] = value(S);
    int64_t i = window;
    for (int64_t k = 1; k < count; ++k) {
        // Move the boundary by `step` tokens, one at a time: O(1) each.
        for (int64_t s = 0; s < step; ++s, ++i) {
            update(tokens[i - window], -1, 0);  // leaves the left window
            update(tokens[i], 1, -1);           // crosses from right to left
            update(tokens[i + window], 0, 1);   // enters the right window
        }
        positions[k] = i;
        out[k] = value(S);
    }
    return count;
}

// ---------------------------------------------------------------------------------------------
// Novelty and transience

namespace {

void check_window_len(int64_t window) {
    if (window < 1)
        throw InputError("window: must be >= 1 statement, got " + std::to_string(window));
}

template <class KL>
void novelty_loop(int64_t N, int64_t window, const RunOptions& run, KL&& kl, double* nov,
                  double* tra) {
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    const double iw = 1.0 / static_cast<double>(window);
    parallel_for(N, balanced_chunk(N, run.n_threads, 16, 8), pc, [&](int64_t j0, int64_t j1, int) {
        for (int64_t j = j0; j < j1; ++j) {
            if (j >= window) {
                double s = 0.0;
                for (int64_t d = 1; d <= window; ++d) s += kl(j, j - d);
                nov[j] = s * iw;
            } else {
                nov[j] = kNaN;
            }
            if (j + window < N) {
                double s = 0.0;
                for (int64_t d = 1; d <= window; ++d) s += kl(j, j + d);
                tra[j] = s * iw;
            } else {
                tra[j] = kNaN;
            }
        }
    });
}

}  // namespace

void novelty_dense(const DenseView<double>& X, int64_t window, double alpha, double scale,
                   const RunOptions& run, double* novelty, double* transience) {
    check_window_len(window);
    if (!(alpha >= 0.0) || !std::isfinite(alpha))
        throw InputError("alpha: must be a finite number >= 0");
    const int64_t N = X.rows, D = X.cols;
    std::vector<double> P(static_cast<size_t>(N * D)), L(static_cast<size_t>(N * D)),
        H(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) {
        const double* x = X.row(i);
        double z = 0.0;
        for (int64_t t = 0; t < D; ++t) {
            if (!(x[t] >= 0.0) || !std::isfinite(x[t])) {
                throw InputError("X: row " + std::to_string(i) + " column " + std::to_string(t) +
                                 " is negative or not finite");
            }
            z += x[t] + alpha;
        }
        if (!(z > 0.0)) throw InputError("X: row " + std::to_string(i) + " has no mass");
        double h = 0.0;
        for (int64_t t = 0; t < D; ++t) {
            const double p = (x[t] + alpha) / z;
            if (!(p > 0.0)) {
                throw InputError("X: row " + std::to_string(i) + " column " + std::to_string(t) +
                                 " is 0: KL needs every entry > 0 (topic mixtures are), or pass "
                                 "alpha > 0 to smooth");
            }
            P[static_cast<size_t>(i * D + t)] = p;
            L[static_cast<size_t>(i * D + t)] = std::log(p);
            h += p * L[static_cast<size_t>(i * D + t)];
        }
        H[static_cast<size_t>(i)] = h;
    }
    auto kl = [&](int64_t j, int64_t k) {
        const double* p = P.data() + j * D;
        const double* lq = L.data() + k * D;
        double c = 0.0;
        for (int64_t t = 0; t < D; ++t) c += p[t] * lq[t];
        const double v = H[static_cast<size_t>(j)] - c;
        return (v > 0.0 ? v : 0.0) * scale;
    };
    novelty_loop(N, window, run, kl, novelty, transience);
}

void novelty_sparse(const CsrView<double>& X, int64_t window, double alpha, double scale,
                    const RunOptions& run, double* novelty, double* transience) {
    check_window_len(window);
    if (!(alpha > 0.0) || !std::isfinite(alpha)) {
        throw InputError(
            "alpha: sparse counts need smoothing alpha > 0 (KL of raw counts is "
            "infinite where a term is missing)");
    }
    check_values(X, "X");
    const int64_t N = X.rows, V = X.cols;
    const double lna = std::log(alpha);
    // Per row: Z, A = sum over all V columns of p' ln p', S = sum over nonzeros ln(1 + x/alpha),
    // and per nonzero ln(1 + x/alpha).
    std::vector<double> Z(static_cast<size_t>(N)), A(static_cast<size_t>(N)),
        Ssum(static_cast<size_t>(N));
    const int64_t base = X.indptr[0];
    std::vector<double> l1(static_cast<size_t>(X.indptr[N] - base));
    for (int64_t i = 0; i < N; ++i) {
        double sx = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) sx += X.data[k];
        const double z = sx + static_cast<double>(V) * alpha;
        double a = 0.0, s = 0.0;
        for (int64_t k = X.indptr[i]; k < X.indptr[i + 1]; ++k) {
            const double p = (X.data[k] + alpha) / z;
            a += p * std::log(p);
            const double l = std::log1p(X.data[k] / alpha);
            l1[static_cast<size_t>(k - base)] = l;
            s += l;
        }
        const int64_t nnz = X.indptr[i + 1] - X.indptr[i];
        a += static_cast<double>(V - nnz) * (alpha / z) * (lna - std::log(z));
        Z[static_cast<size_t>(i)] = z;
        A[static_cast<size_t>(i)] = a;
        Ssum[static_cast<size_t>(i)] = s;
    }
    auto kl = [&](int64_t j, int64_t k) {
        // KL(p'_j || p'_k) = A_j + ln Z_k - ln alpha - (alpha / Z_j) S_k
        //                    - sum over shared columns (x_t / Z_j) ln(1 + y_t / alpha)
        double shared = 0.0;
        int64_t u = X.indptr[j], ue = X.indptr[j + 1], v = X.indptr[k], ve = X.indptr[k + 1];
        while (u < ue && v < ve) {
            const int32_t cu = X.indices[u], cv = X.indices[v];
            if (cu == cv) {
                shared += X.data[u] * l1[static_cast<size_t>(v - base)];
                ++u;
                ++v;
            } else if (cu < cv) {
                ++u;
            } else {
                ++v;
            }
        }
        const double zj = Z[static_cast<size_t>(j)];
        const double r = A[static_cast<size_t>(j)] + std::log(Z[static_cast<size_t>(k)]) - lna -
                         (alpha / zj) * Ssum[static_cast<size_t>(k)] - shared / zj;
        return (r > 0.0 ? r : 0.0) * scale;
    };
    novelty_loop(N, window, run, kl, novelty, transience);
}

}  // namespace divergence
