// Topic coherence (NPMI of top-word pairs from document co-occurrence); see coherence.hpp.
#include "divergence/coherence.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"

namespace divergence {

namespace {

// Size of the intersection of two increasing lists.
int64_t intersect_count(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    int64_t n = 0;
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) {
            ++i;
        } else if (b[j] < a[i]) {
            ++j;
        } else {
            ++n;
            ++i;
            ++j;
        }
    }
    return n;
}

double npmi(int64_t da, int64_t db, int64_t dab, int64_t n) {
    if (dab == 0) return -1.0;
    if (dab == n) return 1.0;
    const double N = static_cast<double>(n);
    const double pab = static_cast<double>(dab) / N;
    const double pa = static_cast<double>(da) / N;
    const double pb = static_cast<double>(db) / N;
    const double v = std::log(pab / (pa * pb)) / -std::log(pab);
    return std::min(1.0, std::max(-1.0, v));
}

}  // namespace

void npmi_coherence(const CsrView<double>& X, const int64_t* topic_ptr, const int32_t* words,
                    int64_t n_topics, const RunOptions& run, double* out, double* pair_out) {
    if (n_topics < 0) throw InputError("topics: negative number of topics");
    if (X.rows < 1) throw InputError("X: the reference corpus has no documents");
    if (n_topics > 0 && topic_ptr[0] != 0) throw InputError("topics: topic_ptr must start at 0");
    const int64_t V = X.cols;
    // Every word that some topic uses gets a slot; validate the lists on the way.
    std::vector<int32_t> slot(static_cast<size_t>(V), -1);
    std::vector<int32_t> used;
    int64_t n_pairs = 0;
    for (int64_t t = 0; t < n_topics; ++t) {
        const int64_t b = topic_ptr[t], e = topic_ptr[t + 1];
        if (e - b < 2) {
            throw InputError("topics: topic " + std::to_string(t) + " has " +
                             std::to_string(e - b) + " word(s); coherence needs at least 2");
        }
        for (int64_t i = b; i < e; ++i) {
            const int32_t w = words[i];
            if (w < 0 || w >= V) {
                throw InputError("topics: topic " + std::to_string(t) + " has word id " +
                                 std::to_string(w) + " outside [0, " + std::to_string(V) + ")");
            }
            for (int64_t j = b; j < i; ++j) {
                if (words[j] == w) {
                    throw InputError("topics: topic " + std::to_string(t) + " lists word id " +
                                     std::to_string(w) + " twice");
                }
            }
            if (slot[static_cast<size_t>(w)] < 0) {
                slot[static_cast<size_t>(w)] = static_cast<int32_t>(used.size());
                used.push_back(w);
            }
        }
        n_pairs += (e - b) * (e - b - 1) / 2;
    }
    if (n_topics == 0) return;

    // Posting lists (increasing document ids) of the used words only: one pass over X.
    std::vector<std::vector<int32_t>> postings(used.size());
    const int64_t base = X.indptr[0];
    for (int64_t r = 0; r < X.rows; ++r) {
        for (int64_t k = X.indptr[r] - base; k < X.indptr[r + 1] - base; ++k) {
            if (X.data[base + k] == 0.0) continue;
            const int32_t s = slot[static_cast<size_t>(X.indices[base + k])];
            if (s >= 0) postings[static_cast<size_t>(s)].push_back(static_cast<int32_t>(r));
        }
    }

    // Flat list of pairs (word slot a, word slot b), topic by topic.
    std::vector<int32_t> pa(static_cast<size_t>(n_pairs)), pb(static_cast<size_t>(n_pairs));
    {
        int64_t p = 0;
        for (int64_t t = 0; t < n_topics; ++t) {
            for (int64_t i = topic_ptr[t]; i < topic_ptr[t + 1]; ++i) {
                for (int64_t j = i + 1; j < topic_ptr[t + 1]; ++j) {
                    pa[static_cast<size_t>(p)] = slot[static_cast<size_t>(words[i])];
                    pb[static_cast<size_t>(p)] = slot[static_cast<size_t>(words[j])];
                    ++p;
                }
            }
        }
    }
    std::vector<double> values(static_cast<size_t>(n_pairs));
    ParallelConfig pc{run.n_threads, run.stop};
    pc.progress = run.progress;
    parallel_for(n_pairs, balanced_chunk(n_pairs, run.n_threads, 8), pc,
                 [&](int64_t p0, int64_t p1, int) {
                     for (int64_t p = p0; p < p1; ++p) {
                         const auto& A = postings[static_cast<size_t>(pa[static_cast<size_t>(p)])];
                         const auto& B = postings[static_cast<size_t>(pb[static_cast<size_t>(p)])];
                         const int64_t dab = intersect_count(A, B);
                         values[static_cast<size_t>(p)] =
                             npmi(static_cast<int64_t>(A.size()), static_cast<int64_t>(B.size()),
                                  dab, X.rows);
                     }
                 });
    int64_t p = 0;
    for (int64_t t = 0; t < n_topics; ++t) {
        const int64_t n = topic_ptr[t + 1] - topic_ptr[t];
        const int64_t m = n * (n - 1) / 2;
        double s = 0.0;
        for (int64_t q = 0; q < m; ++q) s += values[static_cast<size_t>(p + q)];
        out[t] = s / static_cast<double>(m);
        p += m;
    }
    if (pair_out != nullptr) std::copy(values.begin(), values.end(), pair_out);
}

}  // namespace divergence
