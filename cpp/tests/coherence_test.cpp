// Topic coherence (coherence.hpp): NPMI of every word pair and each topic's mean against the
// formula with document counts taken here row by row; the -1 / +1 ends; thread invariance; bad
// topic lists.
#include "divergence/coherence.hpp"

#include <cmath>
#include <vector>

#include "check.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

// NPMI(a, b) from the definition: documents containing a, b, both.
double npmi_direct(const ref::Csr& X, int32_t a, int32_t b) {
    const std::vector<double> d = X.dense();
    const int64_t N = X.rows();
    double da = 0, db = 0, dab = 0;
    for (int64_t r = 0; r < N; ++r) {
        const bool ha = d[static_cast<size_t>(r * X.cols + a)] != 0.0;
        const bool hb = d[static_cast<size_t>(r * X.cols + b)] != 0.0;
        da += ha;
        db += hb;
        dab += ha && hb;
    }
    if (dab == 0) return -1.0;
    if (dab == N) return 1.0;
    const double pab = dab / N, pa = da / N, pb = db / N;
    return std::log(pab / (pa * pb)) / -std::log(pab);
}

void against_formula() {
    ref::Csr X = ref::random_counts(80, 30, 0.25, 3, 13);
    // Column 29 in every document, column 28 in none: the +1 and -1 ends.
    ref::Csr Y;
    Y.cols = X.cols;
    for (int64_t r = 0; r < X.rows(); ++r) {
        for (int64_t k = X.indptr[static_cast<size_t>(r)]; k < X.indptr[static_cast<size_t>(r) + 1];
             ++k) {
            if (X.indices[static_cast<size_t>(k)] < 28) {
                Y.indices.push_back(X.indices[static_cast<size_t>(k)]);
                Y.data.push_back(X.data[static_cast<size_t>(k)]);
            }
        }
        Y.indices.push_back(29);
        Y.data.push_back(1.0);
        Y.indptr.push_back(static_cast<int64_t>(Y.indices.size()));
    }
    const std::vector<int64_t> topic_ptr = {0, 5, 8, 14};
    const std::vector<int32_t> words = {0, 3, 7, 11, 29, 28, 2, 5, 29, 1, 4, 9, 13, 20};
    const int64_t n_topics = 3;
    std::vector<double> out(3), pairs(10 + 3 + 15), out3(3), pairs3(pairs.size());
    RunOptions r1, r3;
    r3.n_threads = 3;
    npmi_coherence(Y.view(), topic_ptr.data(), words.data(), n_topics, r1, out.data(),
                   pairs.data());
    npmi_coherence(Y.view(), topic_ptr.data(), words.data(), n_topics, r3, out3.data(),
                   pairs3.data());
    CHECK(out == out3 && pairs == pairs3);
    size_t p = 0;
    int bad = 0;
    for (int64_t t = 0; t < n_topics; ++t) {
        double sum = 0.0;
        int64_t count = 0;
        for (int64_t i = topic_ptr[static_cast<size_t>(t)];
             i < topic_ptr[static_cast<size_t>(t) + 1]; ++i) {
            for (int64_t j = i + 1; j < topic_ptr[static_cast<size_t>(t) + 1]; ++j) {
                const double want =
                    npmi_direct(Y, words[static_cast<size_t>(i)], words[static_cast<size_t>(j)]);
                bad += !check::close(pairs[p++], want, 1e-14);
                sum += want;
                ++count;
            }
        }
        bad += !check::close(out[static_cast<size_t>(t)], sum / static_cast<double>(count), 1e-14);
    }
    CHECK(bad == 0);
    CHECK(p == pairs.size());
    // Word 29 is in every document, so independent of word 11 (pair 9 of topic 0); word 28 is
    // in none (pairs 10 and 11: topic 1 starts with it).
    CHECK(pairs[9] == 0.0);
    CHECK(pairs[10] == -1.0 && pairs[11] == -1.0);
}

void bad_topics() {
    const ref::Csr X = ref::random_counts(10, 6, 0.5, 2, 1);
    RunOptions run;
    double out[2];
    const std::vector<int64_t> ptr = {0, 3};
    const std::vector<int32_t> twice = {1, 2, 1}, outside = {1, 2, 6};
    CHECK_THROWS(npmi_coherence(X.view(), ptr.data(), twice.data(), 1, run, out), InputError);
    CHECK_THROWS(npmi_coherence(X.view(), ptr.data(), outside.data(), 1, run, out), InputError);
    const std::vector<int64_t> one_word = {0, 1};
    CHECK_THROWS(npmi_coherence(X.view(), one_word.data(), twice.data(), 1, run, out), InputError);
}

}  // namespace

int main() {
    against_formula();
    bad_topics();
    return check::report("coherence_test");
}
