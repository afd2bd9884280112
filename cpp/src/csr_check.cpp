// CSR structure check (see sparse.hpp).
#include <algorithm>
#include <atomic>
#include <string>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

namespace {

// True when rows [r0, r1) are well formed (indptr[r0] already known to be >= 0). Branch-free
// loops over indptr and the indices, so they vectorise; `cols` <= 2^31.
DIVERGENCE_CLONES
bool rows_ok(const int64_t* ip, const int32_t* idx, int64_t r0, int64_t r1, int64_t cols) {
    uint64_t dec = 0;
    for (int64_t r = r0; r < r1; ++r) dec |= uint64_t(ip[r + 1] < ip[r]);
    if (dec) return false;
    const int64_t k0 = ip[r0], k1 = ip[r1];
    if (k1 == k0) return true;
    uint32_t mx = static_cast<uint32_t>(idx[k0]);  // negative indices become huge
    int64_t desc = 0;                              // entries not above their predecessor
    for (int64_t k = k0 + 1; k < k1; ++k) {
        mx = std::max(mx, static_cast<uint32_t>(idx[k]));
        desc += idx[k] <= idx[k - 1];
    }
    if (static_cast<int64_t>(mx) >= cols) return false;
    int64_t starts = 0;  // of those, the ones that start a nonempty row
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t k = ip[r];
        if (k > k0 && ip[r + 1] > k) starts += idx[k] <= idx[k - 1];
    }
    return desc == starts;
}

// The first offending row of [r0, r1), as a message (empty when none).
std::string first_problem(const int64_t* ip, const int32_t* idx, int64_t r0, int64_t r1,
                          int64_t cols, const std::string& name) {
    for (int64_t r = r0; r < r1; ++r) {
        if (ip[r + 1] < ip[r]) return name + ": indptr decreases at row " + std::to_string(r);
        int64_t prev = -1;
        for (int64_t k = ip[r]; k < ip[r + 1]; ++k) {
            const int64_t c = idx[k];
            if (c < 0 || c >= cols) {
                return name + ": row " + std::to_string(r) + " has column index " +
                       std::to_string(c) + " outside [0, " + std::to_string(cols) + ")";
            }
            if (c <= prev) {
                return name + ": row " + std::to_string(r) +
                       " has unsorted or duplicate column indices";
            }
            prev = c;
        }
    }
    return std::string();
}

}  // namespace

void check_csr_structure(const int64_t* indptr, const int32_t* indices, int64_t rows, int64_t cols,
                         const std::string& name, int n_threads) {
    if (rows < 0 || indptr[0] < 0) throw InputError(name + ": indptr starts below 0");
    if (rows == 0) return;
    // Row ranges of about 64k entries (whole matrix when small), at most a few per thread.
    const int64_t nnz = std::max<int64_t>(0, indptr[rows] - indptr[0]);
    const int nt = std::max(1, n_threads);
    const int64_t chunk =
        nnz < (int64_t(1) << 17) ? rows : std::max<int64_t>(1, (rows + 4 * nt - 1) / (4 * nt));
    const int64_t n_chunks = (rows + chunk - 1) / chunk;
    std::atomic<int64_t> bad{n_chunks};  // lowest failing chunk
    ParallelConfig pc{nt, nullptr};
    parallel_for(n_chunks, 1, pc, [&](int64_t c0, int64_t c1, int) {
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
            // indptr[r0] >= 0 holds once rows before it are checked; a negative value there
            // makes an earlier range fail (it decreases), except for r0 = 0, checked above.
            if (indptr[r0] < 0 || !rows_ok(indptr, indices, r0, r1, cols)) {
                int64_t cur = bad.load();
                while (c < cur && !bad.compare_exchange_weak(cur, c)) {
                }
            }
        }
    });
    const int64_t c = bad.load();
    if (c < n_chunks) {
        const int64_t r0 = c * chunk;
        std::string msg =
            first_problem(indptr, indices, r0, std::min(rows, r0 + chunk), cols, name);
        if (msg.empty()) msg = name + ": indptr decreases at row " + std::to_string(r0 - 1);
        throw InputError(msg);
    }
}

}  // namespace divergence
