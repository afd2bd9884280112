// The row scan of the windows area: values checked, row totals in fixed lanes, and whether the
// counts are integers (see windows_internal.hpp).
#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "windows_internal.hpp"

namespace divergence {
namespace detail {

namespace {

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

}  // namespace

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

}  // namespace detail
}  // namespace divergence
