// Internal to the windows area (row_scan.cpp, window_state.cpp, window_pairs.cpp): the row
// scan, window count vectors moved incrementally, and the JSD of two window vectors from the
// columns where they differ. See windows.hpp for the guarantees.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {
namespace detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Row scan (row_scan.cpp)

// One pass over X (in parallel over rows): values finite and >= 0 (else InputError), each
// row's total (summed in column order), and whether the counts are integers whose grand total
// stays below 2^53 (then every window sum is exact in float64, in any order; the check does not
// depend on the order of the partial sums either, since rounding is monotone).
struct RowScan {
    std::vector<double> rowsum;
    bool integer = true;
};

RowScan scan_rows(const CsrView<double>& X, const char* name, const RunOptions& run);

// ---------------------------------------------------------------------------------------------
// Window state (window_state.cpp)

// Throws InputError unless every window [begins[w], ends[w]) is a row range inside [0, rows].
void check_windows(const int64_t* begins, const int64_t* ends, int64_t n_windows, int64_t rows);

// A window's summed counts: dense vector plus a bitset of its nonzero columns. With integer
// counts the bitset is exact (bit set <=> count != 0): adding a nonzero value sets the bit, a
// removal that brings a count back to exactly 0 clears it. `dirty` (optional, V/64 words)
// collects every column written, for PairScratch::sync and jsd_dirty. With track_bits false
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
    // Adds row r times mult (> 0) to the counts only, the bitset left as it is (call
    // set_bits_from_counts once all rows are in): the bootstrap's drawn statements, each once
    // with its multiplicity. With integer counts mult * x and every sum are exact, so the vector
    // equals row r added mult times, in any order.
    void add_row_times(const CsrView<double>& X, int64_t r, double mult, double rowsum) {
        const int64_t k0 = X.indptr[r], k1 = X.indptr[r + 1];
        double* cv = c.data();
        for (int64_t k = k0; k < k1; ++k) cv[X.indices[k]] += mult * X.data[k];
        total += mult * rowsum;
    }
    // The bitset from the counts: bit set <=> count != 0 (one pass over the V counts).
    void set_bits_from_counts() {
        const size_t V = c.size();
        for (size_t w = 0; w < bits.size(); ++w) {
            uint64_t x = 0;
            const size_t t0 = w * 64, t1 = std::min(V, t0 + 64);
            for (size_t t = t0; t < t1; ++t) x |= uint64_t(c[t] != 0.0) << (t - t0);
            bits[w] = x;
        }
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
void union_cols(CountVec& a, CountVec& b, std::vector<int32_t>& cols);

// Rows touched moving a window from [b, e) to [nb, ne): the symmetric difference of the
// ranges, or all of both when a rebuild (clear, then add [nb, ne)) is cheaper.
inline int64_t range_move_cost(int64_t b, int64_t e, int64_t nb, int64_t ne) {
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

// ---------------------------------------------------------------------------------------------
// JSD of two window vectors (window_state.cpp)

struct SharedScratch {
    static constexpr int64_t kBlock = 512;  // a multiple of 8
    double x[kBlock], y[kBlock], hx[kBlock], hy[kBlock];
};

// The mixlog sum of window vectors a and b (see kernels.hpp; JSD = ln 2 - acc / 2 in nats; NaN
// when either is empty) given `dirty`, a bitset of columns that holds every column where they
// differ; see jsd_changed in window_state.cpp.
double jsd_dirty(const CountVec& a, const CountVec& b, const uint64_t* dirty, bool integer,
                 SharedScratch& S);

// The mixlog sum, as jsd_dirty, of window a (vector v, integer counts) and window b = a + d,
// where d (total d.total) is
// the difference of the two windows' counts, nonzero only on columns of `dirty`; then moves v
// to b (v += d) and clears d and `dirty`. The same pass reads the counts and applies the move,
// so adjacent windows cost one scatter of the rows moved plus one pass over the columns they
// touch. Same columns, order and lanes as jsd_dirty (x = v[t], y = v[t] + d[t], exact for
// integer counts), so the same bits as from vectors summed from scratch.
double jsd_delta(CountVec& v, CountVec& d, uint64_t* dirty, SharedScratch& S);

}  // namespace detail
}  // namespace divergence
