// Group comparison (groups.hpp): the observed matrices against the definitions on group sums
// formed here, replicates that do not depend on the thread count, permutation replicates
// against labels shuffled here, and bad input.
#include "divergence/groups.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "check.hpp"
#include "divergence/random.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

constexpr int32_t K = 3;

MetricOptions options(Metric m, double alpha = 0.0) {
    MetricOptions o;
    o.metric = m;
    o.alpha = alpha;
    return o;
}

void observed_against_definitions(const ref::Csr& S, const std::vector<int32_t>& labels) {
    GroupOptions go;
    go.metrics = {options(Metric::jsd), options(Metric::tv), options(Metric::kl, 0.5),
                  options(Metric::cosine)};
    std::vector<double> obs(go.metrics.size() * K * K);
    RunOptions run;
    group_divergence(S.view(), labels.data(), K, go, run, obs.data(), nullptr, nullptr);
    // Group sums, one row at a time.
    std::vector<std::vector<double>> sums(K, std::vector<double>(static_cast<size_t>(S.cols), 0.0));
    for (int64_t i = 0; i < S.rows(); ++i) S.add_row_to(i, sums[static_cast<size_t>(labels[i])]);
    for (size_t m = 0; m < go.metrics.size(); ++m) {
        for (int32_t a = 0; a < K; ++a) {
            for (int32_t b = 0; b < K; ++b) {
                const double want = a == b ? 0.0
                                           : ref::divergence(sums[a], sums[b], go.metrics[m].metric,
                                                             go.metrics[m].alpha);
                CHECK_CLOSE(obs[m * K * K + static_cast<size_t>(a * K + b)], want, 1e-11);
            }
        }
    }
    // group_sums with multiplicities: statement i counted w[i] times.
    std::vector<int32_t> w(static_cast<size_t>(S.rows()));
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int32_t>(i % 3);
    std::vector<double> G(static_cast<size_t>(K * S.cols));
    group_sums(S.view(), labels.data(), K, w.data(), G.data());
    std::vector<double> want(G.size(), 0.0);
    for (int64_t i = 0; i < S.rows(); ++i) {
        for (int64_t k = S.indptr[static_cast<size_t>(i)]; k < S.indptr[static_cast<size_t>(i) + 1];
             ++k) {
            want[static_cast<size_t>(labels[i] * S.cols + S.indices[static_cast<size_t>(k)])] +=
                w[static_cast<size_t>(i)] * S.data[static_cast<size_t>(k)];
        }
    }
    CHECK(G == want);
}

void replicates(const ref::Csr& S, const std::vector<int32_t>& labels) {
    // Bootstrap and permutation replicates: the same bits for 1 and 3 threads; symmetric
    // matrices with a zero diagonal; a permutation changes the matrices.
    GroupOptions go;
    go.metrics = {options(Metric::jsd), options(Metric::hellinger)};
    go.n_bootstrap = 20;
    go.n_permutations = 20;
    go.seed = 11;
    const size_t per = go.metrics.size() * K * K;
    std::vector<double> o1(per), b1(20 * per), p1(20 * per), o3(per), b3(20 * per), p3(20 * per);
    RunOptions r1, r3;
    r3.n_threads = 3;
    group_divergence(S.view(), labels.data(), K, go, r1, o1.data(), b1.data(), p1.data());
    group_divergence(S.view(), labels.data(), K, go, r3, o3.data(), b3.data(), p3.data());
    CHECK(o1 == o3 && b1 == b3 && p1 == p3);
    bool shaped = true, moved = false;
    for (size_t r = 0; r < 20; ++r) {
        for (size_t m = 0; m < go.metrics.size(); ++m) {
            const double* B = b1.data() + r * per + m * K * K;
            const double* P = p1.data() + r * per + m * K * K;
            for (int32_t a = 0; a < K; ++a) {
                shaped = shaped && B[a * K + a] == 0.0 && P[a * K + a] == 0.0;
                for (int32_t b = 0; b < K; ++b) {
                    shaped = shaped && std::isfinite(B[a * K + b]) &&
                             B[a * K + b] == B[b * K + a] && P[a * K + b] == P[b * K + a];
                    moved = moved || P[a * K + b] != o1[m * K * K + static_cast<size_t>(a * K + b)];
                }
            }
        }
    }
    CHECK(shaped);
    CHECK(moved);
    // Another seed, other replicates.
    go.seed = 12;
    std::vector<double> b2(b1.size()), p2(p1.size());
    group_divergence(S.view(), labels.data(), K, go, r1, o3.data(), b2.data(), p2.data());
    CHECK(b2 != b1 && p2 != p1 && o3 == o1);
}

// Permutation replicates against the definition: labels shuffled here (Fisher-Yates with
// Stream(seed, kTagPermutation, p)), groups summed here row by row, the divergence of the sums.
// Unequal group sizes (the largest group of integer counts is found as the totals minus the
// others in the core), integer and non-integer counts.
void permutations_against_draws(const ref::Csr& S) {
    std::vector<int32_t> labels(static_cast<size_t>(S.rows()));
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = i % 5 == 0 ? 0 : (i % 3 == 0 ? 1 : 2);
    GroupOptions go;
    go.metrics = {options(Metric::jsd), options(Metric::hellinger)};
    constexpr int64_t P = 6;
    go.n_permutations = P;
    go.seed = 3;
    const size_t per = go.metrics.size() * K * K;
    std::vector<double> obs(per), perm(P * per), perm3(P * per);
    RunOptions r1, r3;
    r3.n_threads = 3;
    group_divergence(S.view(), labels.data(), K, go, r1, obs.data(), nullptr, perm.data());
    group_divergence(S.view(), labels.data(), K, go, r3, obs.data(), nullptr, perm3.data());
    CHECK(perm == perm3);
    int bad = 0;
    for (int64_t p = 0; p < P; ++p) {
        Stream rng(go.seed, kTagPermutation, static_cast<uint64_t>(p));
        std::vector<int32_t> lab(labels);
        for (int64_t i = S.rows() - 1; i > 0; --i) {
            const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i + 1)));
            std::swap(lab[static_cast<size_t>(i)], lab[static_cast<size_t>(j)]);
        }
        std::vector<std::vector<double>> g(K, std::vector<double>(static_cast<size_t>(S.cols)));
        for (int64_t i = 0; i < S.rows(); ++i) S.add_row_to(i, g[lab[static_cast<size_t>(i)]]);
        for (size_t m = 0; m < go.metrics.size(); ++m) {
            for (int32_t a = 0; a < K; ++a) {
                for (int32_t b = 0; b < K; ++b) {
                    const double want =
                        a == b ? 0.0 : ref::divergence(g[a], g[b], go.metrics[m].metric, 0.0);
                    bad += !check::close(perm[p * per + m * K * K + a * K + b], want, 1e-11);
                }
            }
        }
    }
    CHECK(bad == 0);
}

void poisson_replicates(const ref::Csr& S, const std::vector<int32_t>& labels) {
    // The Poisson scheme: the same bits for 1 and 3 threads; replicate r equals the matrices of
    // the group sums weighted by poisson_weight(seed, key, r); poisson_group_sums adds up over
    // a split of the statements.
    GroupOptions go;
    go.metrics = {options(Metric::jsd)};
    go.n_bootstrap = 8;
    go.seed = 21;
    go.scheme = BootstrapScheme::poisson;
    std::vector<double> o(K * K), b1(8 * K * K), b3(8 * K * K);
    RunOptions r1, r3;
    r3.n_threads = 3;
    group_divergence(S.view(), labels.data(), K, go, r1, o.data(), b1.data(), nullptr);
    group_divergence(S.view(), labels.data(), K, go, r3, o.data(), b3.data(), nullptr);
    CHECK(b1 == b3);
    const int64_t V = S.cols;
    std::vector<double> whole(static_cast<size_t>(8 * K * V), 0.0);
    poisson_group_sums(S.view(), labels.data(), K, nullptr, 21, 0, 8, r3, whole.data());
    std::vector<int32_t> w(static_cast<size_t>(S.rows()));
    std::vector<double> G(static_cast<size_t>(K * V)), m(K * K);
    for (int64_t r = 0; r < 8; ++r) {
        for (int64_t i = 0; i < S.rows(); ++i) {
            w[static_cast<size_t>(i)] =
                poisson_weight(21, static_cast<uint64_t>(i), static_cast<uint64_t>(r));
        }
        group_sums(S.view(), labels.data(), K, w.data(), G.data());
        CHECK(std::equal(G.begin(), G.end(), whole.begin() + r * K * V));
        GroupOptions one;
        one.metrics = go.metrics;
        std::vector<int32_t> lab{0, 1, 2};
        ref::Csr gs;  // the K group sums as a K-row CSR matrix
        gs.cols = V;
        for (int32_t g = 0; g < K; ++g) {
            for (int64_t c = 0; c < V; ++c) {
                const double x = G[static_cast<size_t>(g * V + c)];
                if (x != 0.0) {
                    gs.indices.push_back(static_cast<int32_t>(c));
                    gs.data.push_back(x);
                }
            }
            gs.indptr.push_back(static_cast<int64_t>(gs.data.size()));
        }
        group_divergence(gs.view(), lab.data(), K, one, r1, m.data(), nullptr, nullptr);
        CHECK(std::equal(m.begin(), m.end(), b1.begin() + r * K * K));
    }
}

void bad_input(const ref::Csr& S, std::vector<int32_t> labels) {
    GroupOptions go;
    go.metrics = {options(Metric::jsd)};
    std::vector<double> obs(K * K);
    RunOptions run;
    CHECK_THROWS(group_divergence(S.view(), labels.data(), 1, go, run, obs.data(), nullptr,
                                  nullptr),
                 InputError);
    labels[5] = K;  // outside [0, K)
    CHECK_THROWS(group_divergence(S.view(), labels.data(), K, go, run, obs.data(), nullptr,
                                  nullptr),
                 InputError);
    labels[5] = 0;
    go.metrics.clear();
    CHECK_THROWS(group_divergence(S.view(), labels.data(), K, go, run, obs.data(), nullptr,
                                  nullptr),
                 InputError);
    const ref::Csr empty_row = ref::random_counts(30, 10, 0.0, 1, 3, false);
    go.metrics = {options(Metric::jsd)};
    CHECK_THROWS(group_divergence(empty_row.view(), labels.data(), K, go, run, obs.data(), nullptr,
                                  nullptr),
                 InputError);
}

}  // namespace

int main() {
    const ref::Csr S = ref::random_counts(150, 40, 0.1, 5, 5);
    std::vector<int32_t> labels(static_cast<size_t>(S.rows()));
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>((i * 7) % K);
    observed_against_definitions(S, labels);
    replicates(S, labels);
    poisson_replicates(S, labels);
    permutations_against_draws(S);
    ref::Csr R = S;
    for (double& v : R.data) v *= 0.37;
    permutations_against_draws(R);
    bad_input(S, labels);
    return check::report("groups_test");
}
