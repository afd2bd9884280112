// Compressed sparse rows (CSR) views and the column-major inverted index that lets pairwise
// work follow the number of shared-term pairs (sum over terms of df^2) instead of N * N * V.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace divergence {

// CSR matrix: row r holds entries [indptr[r], indptr[r+1]) of indices/data. Column indices
// within a row must be strictly increasing (the Python layer sorts and sums duplicates).
template <class T>
struct CsrView {
    const int64_t* indptr = nullptr;
    const int32_t* indices = nullptr;
    const T* data = nullptr;
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t nnz() const { return rows ? indptr[rows] - indptr[0] : 0; }
};

// Column-major copy of a CSR matrix's structure: for column t, postings
// [colptr[t], colptr[t+1]) list the rows (increasing) that use t, and `src` the position of each
// posting in the CSR arrays. `csc_pos[k]` is the posting position of CSR entry k, so a row can
// start walking a column right after itself (upper triangle).
struct InvertedIndex {
    std::vector<int64_t> colptr;
    std::vector<int32_t> rows;
    std::vector<int64_t> src;
    std::vector<int64_t> csc_pos;
};

template <class T>
InvertedIndex build_inverted_index(const CsrView<T>& X);

// Checks the structure the core trusts: indptr[0] >= 0, indptr never decreases, and each row's
// column indices lie in [0, cols) and strictly increase. Throws InputError naming `name` and
// the first offending row. Rows are split over n_threads; each range is first checked in one
// vectorised pass (largest index; count of entries not above their predecessor, which must be
// exactly the row starts that are); only a failing range is walked row by row for the message,
// so the error is the same for any n_threads.
void check_csr_structure(const int64_t* indptr, const int32_t* indices, int64_t rows, int64_t cols,
                         const std::string& name, int n_threads = 1);

}  // namespace divergence
