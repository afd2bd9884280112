// Core-only checks of the replicate loops (stances, change points): known values, agreement
// with pairwise_dense on the same counts, and results that do not depend on the thread count.
#include "divergence/replicates.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "check.hpp"
#include "divergence/pairwise.hpp"

using namespace divergence;

int main() {
    // NumPy's summation order: 0.1 * 10 sums to 0.9999999999999999 sequentially, to 1 pairwise.
    std::vector<double> tenth(10, 0.1);
    CHECK(numpy_sum(tenth.data(), 10) == 1.0);
    CHECK(numpy_sum(tenth.data(), 3) == (0.1 + 0.1) + 0.1);

    // Two targets: 3 groups x 6 statements, then 2 groups x 5.
    const std::vector<int32_t> group = {0, 1, 2, 0, 1, 2, 0, 0, 1, 1, 0};
    const std::vector<int32_t> stance = {0, 1, 2, 0, 0, 2, 1, 1, 0, 2, 1};
    const std::vector<double> score = {0, 1, 3, 5, 6, 8, 1, 2, 2, 4, 3};
    const std::vector<int64_t> start = {0, 6, 11};
    const std::vector<int32_t> n_groups = {3, 2};
    const StanceTargets targets{group.data(), start.data(), n_groups.data(), 2};
    ReplicateOptions opt;
    opt.n_bootstrap = 40;
    opt.n_permutations = 50;
    opt.seed = 3;
    std::vector<MetricOptions> metrics(3);
    metrics[1].metric = Metric::kl;
    metrics[1].alpha = 0.5;
    metrics[2].metric = Metric::tv;

    // Per target: observed, bootstrap and permutation buffers of m metrics.
    auto outputs = [&](int64_t m, std::vector<std::vector<double>>& buf) {
        buf.assign(6, {});
        std::vector<StanceOut> out;
        for (int t = 0; t < 2; ++t) {
            const int64_t per = m * n_groups[t] * n_groups[t];
            buf[3 * t].resize(per);
            buf[3 * t + 1].resize(opt.n_bootstrap * per);
            buf[3 * t + 2].resize(opt.n_permutations * per);
            out.push_back({buf[3 * t].data(), buf[3 * t + 1].data(), buf[3 * t + 2].data()});
        }
        return out;
    };
    auto labels = [&](int threads, std::vector<std::vector<double>>& buf) {
        RunOptions run;
        run.n_threads = threads;
        stance_label_replicates(targets, stance.data(), 3, metrics, opt, run, outputs(3, buf));
    };
    std::vector<std::vector<double>> l1, l3;
    labels(1, l1);
    labels(3, l3);
    CHECK(l1 == l3);
    // Observed = pairwise_dense on the first target's 3 x 3 counts, bit for bit.
    const std::vector<double> counts = {2, 0, 0, 1, 1, 0, 0, 0, 2};
    for (int m = 0; m < 3; ++m) {
        std::vector<double> want(9);
        pairwise_dense<double>(DenseView<double>{counts.data(), 3, 3, 3}, nullptr, metrics[m],
                               RunOptions{}, OutView<double>{want.data(), 3, 3, 3});
        CHECK(std::equal(want.begin(), want.end(), l1[0].begin() + m * 9));
    }
    CHECK(std::fabs(l1[0][2 * 9 + 1] - 0.5) < 1e-15);  // tv of (1, 0, 0) and (1/2, 1/2, 0)

    auto scores = [&](int threads, std::vector<std::vector<double>>& buf) {
        RunOptions run;
        run.n_threads = threads;
        stance_score_replicates(targets, score.data(),
                                {ScoreMetric::mean_difference, ScoreMetric::wasserstein}, opt, run,
                                outputs(2, buf));
    };
    std::vector<std::vector<double>> s1, s3;
    scores(1, s1);
    scores(3, s3);
    for (size_t i = 0; i < s1.size(); ++i) {
        for (size_t k = 0; k < s1[i].size(); ++k) {
            CHECK(s1[i][k] == s3[i][k] || (std::isnan(s1[i][k]) && std::isnan(s3[i][k])));
        }
    }
    // Target 2: group 0 = {1, 2, 3}, group 1 = {2, 4}: means 2 and 3; W1 = 1/3 + 1/6 + 1/2.
    CHECK(s1[3][1] == -1.0);
    CHECK(std::fabs(s1[3][4 + 1] - 1.0) < 1e-15);
    CHECK(std::isnan(s1[3][0]) && std::isnan(s1[3][2]));
    // Target 1, groups 0 and 1 = {0, 5} and {1, 6}: W1 = 0.5 (1 - 0) + 0 (5 - 1) + 0.5 (6 - 5).
    CHECK(s1[0][9 + 1] == 1.0);

    // Draws: bootstrap members of each group, permutations keep group sizes.
    std::vector<int32_t> bi(opt.n_bootstrap * 6), pg(opt.n_permutations * 6);
    stance_draws(group.data(), 6, 3, 0, opt, bi.data(), pg.data());
    for (int64_t r = 0; r < opt.n_bootstrap; ++r) {
        for (int p = 0; p < 6; ++p) CHECK(group[bi[r * 6 + p]] == p / 2);
    }
    for (int64_t r = 0; r < opt.n_permutations; ++r) {
        int c[3] = {0, 0, 0};
        for (int i = 0; i < 6; ++i) ++c[pg[r * 6 + i]];
        CHECK(c[0] == 2 && c[1] == 2 && c[2] == 2);
    }

    // Bad input is an InputError, never a crash.
    bool threw = false;
    try {
        const std::vector<int32_t> one = {0, 0, 0};
        const std::vector<int64_t> st = {0, 3};
        const std::vector<int32_t> k2 = {2};
        std::vector<double> o(2 * 4);
        stance_score_replicates(StanceTargets{one.data(), st.data(), k2.data(), 1}, score.data(),
                                {ScoreMetric::wasserstein}, ReplicateOptions{}, RunOptions{},
                                {StanceOut{o.data(), nullptr, nullptr}});
    } catch (const InputError&) {
        threw = true;
    }
    CHECK(threw);

    // Change points: a planted shift is far beyond its null; one block is the series itself.
    std::vector<double> y(60);
    uint64_t state = 5;
    for (int i = 0; i < 60; ++i) {
        const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
        y[i] = u + (i >= 30 ? 2.0 : 0.0);
    }
    std::vector<double> scratch(60), g1(99), g3(99);
    const double obs = max_split_gain(y.data(), 60, 2, scratch.data());
    RunOptions r1, r3;
    r3.n_threads = 3;
    const int64_t h1 = changepoint_null(y.data(), 60, 1, 2, obs, 99, 1, 0, r1, g1.data());
    const int64_t h3 = changepoint_null(y.data(), 60, 1, 2, obs, 99, 1, 0, r3, g3.data());
    CHECK(h1 == 0 && h3 == 0 && g1 == g3);
    CHECK(changepoint_null(y.data(), 60, 60, 2, obs, 7, 1, 0, r1, nullptr) == 7);
    CHECK(max_split_gain(y.data(), 3, 2, scratch.data()) == 0.0);

    return check::report("replicates_test");
}
