// Core-only checks (no Python): the static library builds and links on its own, known values
// come out right, and results do not depend on the thread count.
#include <cmath>
#include <cstdio>
#include <vector>

#include "divergence/groups.hpp"
#include "divergence/pairwise.hpp"

using namespace divergence;

static int failures = 0;
#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

int main() {
    // Two disjoint distributions: jsd = ln 2, tv = 1, hellinger = 1.
    std::vector<double> x = {1, 0, 0, 1, 1, 1};
    DenseView<double> X{x.data(), 3, 2, 2};
    std::vector<double> out(9);
    OutView<double> o{out.data(), 3, 3, 3};
    MetricOptions m;
    RunOptions run;
    pairwise_dense<double>(X, nullptr, m, run, o);
    CHECK(std::fabs(out[1] - std::log(2.0)) < 1e-15);
    CHECK(out[0] == 0.0 && out[4] == 0.0 && out[8] == 0.0);
    CHECK(out[1] == out[3]);
    m.metric = Metric::tv;
    pairwise_dense<double>(X, nullptr, m, run, o);
    CHECK(std::fabs(out[1] - 1.0) < 1e-15 && std::fabs(out[2] - 0.5) < 1e-15);

    // Sparse, 1 thread vs 3 threads: identical bits.
    const int n = 200, v = 50;
    std::vector<int64_t> indptr(1, 0);
    std::vector<int32_t> indices;
    std::vector<double> data;
    uint64_t s = 7;
    for (int r = 0; r < n; ++r) {
        for (int c = 0; c < v; ++c) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((s >> 60) < 3) {
                indices.push_back(c);
                data.push_back(1.0 + static_cast<double>((s >> 40) % 5));
            }
        }
        if (indptr.back() == static_cast<int64_t>(indices.size())) {
            indices.push_back(r % v);
            data.push_back(1.0);
        }
        indptr.push_back(static_cast<int64_t>(indices.size()));
    }
    CsrView<double> S{indptr.data(), indices.data(), data.data(), n, v};
    std::vector<double> a(n * n), b(n * n);
    MetricOptions js;
    RunOptions r1, r3;
    r3.n_threads = 3;
    pairwise_sparse<double>(S, nullptr, js, r1, OutView<double>{a.data(), n, n, n});
    pairwise_sparse<double>(S, nullptr, js, r3, OutView<double>{b.data(), n, n, n});
    CHECK(a == b);

    // Groups: bootstrap and permutation replicates do not depend on the thread count.
    std::vector<int32_t> labels(n);
    for (int i = 0; i < n; ++i) labels[i] = i % 3;
    GroupOptions go;
    go.metrics = {js};
    go.n_bootstrap = 20;
    go.n_permutations = 20;
    go.seed = 11;
    std::vector<double> o1(9), b1(20 * 9), p1(20 * 9), o2(9), b2(20 * 9), p2(20 * 9);
    group_divergence(S, labels.data(), 3, go, r1, o1.data(), b1.data(), p1.data());
    group_divergence(S, labels.data(), 3, go, r3, o2.data(), b2.data(), p2.data());
    CHECK(o1 == o2 && b1 == b2 && p1 == p2);

    // Bad input is an InputError (ValueError in Python), never a crash.
    bool threw = false;
    std::vector<double> bad = {1, -1};
    try {
        pairwise_dense<double>(DenseView<double>{bad.data(), 1, 2, 2}, nullptr, MetricOptions{},
                               run, OutView<double>{out.data(), 1, 1, 1});
    } catch (const InputError&) {
        threw = true;
    }
    CHECK(threw);

    if (failures == 0) std::printf("core_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
