// Partisanship (partisan.hpp): plug-in and leave-out estimates, per group and per speaker,
// against the formulas evaluated speaker by speaker here; a hand-computed case with the prior
// rule; replicates that do not depend on the thread count; sum_rows_by; bad input.
#include "divergence/partisan.hpp"

#include <cmath>
#include <vector>

#include "check.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

struct Estimates {
    double pi = 0.0, lo = 0.0;
    std::vector<double> by_group;  // G x 2
    std::vector<double> score;     // per speaker
};

// The header's formulas, dense, one speaker at a time: rho_{g,j} = q^g_j / sum_h q^h_j (1/G
// where no one used phrase j), the leave-out with speaker i removed from its group's totals.
Estimates direct(const ref::Csr& X, const std::vector<int32_t>& lab, int32_t G) {
    const int64_t N = X.rows(), V = X.cols;
    const std::vector<double> c = X.dense();
    std::vector<double> m(static_cast<size_t>(N), 0.0);
    std::vector<double> C(static_cast<size_t>(G * V), 0.0), M(static_cast<size_t>(G), 0.0);
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t j = 0; j < V; ++j) {
            m[static_cast<size_t>(i)] += c[static_cast<size_t>(i * V + j)];
            C[static_cast<size_t>(lab[i] * V + j)] += c[static_cast<size_t>(i * V + j)];
        }
        M[static_cast<size_t>(lab[i])] += m[static_cast<size_t>(i)];
    }
    auto rho = [&](const std::vector<double>& F, int32_t g, int64_t j) {
        double t = 0.0;
        for (int32_t h = 0; h < G; ++h) t += F[static_cast<size_t>(h * V + j)];
        return t > 0.0 ? F[static_cast<size_t>(g * V + j)] / t : 1.0 / G;
    };
    std::vector<double> F(C.size());
    for (int32_t g = 0; g < G; ++g) {
        for (int64_t j = 0; j < V; ++j) {
            F[static_cast<size_t>(g * V + j)] = C[static_cast<size_t>(g * V + j)] / M[g];
        }
    }
    Estimates e;
    e.by_group.assign(static_cast<size_t>(2 * G), 0.0);
    e.score.assign(static_cast<size_t>(N), 0.0);
    for (int32_t g = 0; g < G; ++g) {
        double s = 0.0;
        for (int64_t j = 0; j < V; ++j) s += F[static_cast<size_t>(g * V + j)] * rho(F, g, j);
        e.by_group[static_cast<size_t>(2 * g)] = s;
        e.pi += s / G;
    }
    std::vector<double> n_in(static_cast<size_t>(G), 0.0);
    for (int64_t i = 0; i < N; ++i) {
        const int32_t g = lab[i];
        std::vector<double> Fi = F;
        for (int64_t j = 0; j < V; ++j) {
            Fi[static_cast<size_t>(g * V + j)] =
                (C[static_cast<size_t>(g * V + j)] - c[static_cast<size_t>(i * V + j)]) /
                (M[g] - m[static_cast<size_t>(i)]);
        }
        double s = 0.0;
        for (int64_t j = 0; j < V; ++j) {
            s += c[static_cast<size_t>(i * V + j)] / m[static_cast<size_t>(i)] * rho(Fi, g, j);
        }
        e.score[static_cast<size_t>(i)] = s;
        e.by_group[static_cast<size_t>(2 * g + 1)] += s;
        n_in[static_cast<size_t>(g)] += 1.0;
    }
    for (int32_t g = 0; g < G; ++g) {
        e.by_group[static_cast<size_t>(2 * g + 1)] /= n_in[static_cast<size_t>(g)];
        e.lo += e.by_group[static_cast<size_t>(2 * g + 1)] / G;
    }
    return e;
}

void hand_computed() {
    // Group 0: two speakers saying "a"; group 1: one says "b", one says "c", each the only
    // one to say it: plug-in 1; leave-out: group 0 still sees the other speaker say "a"
    // (posterior 1), "b" and "c" were said by no one left (posterior = prior 1/2).
    ref::Csr X;
    X.cols = 3;
    X.indices = {0, 0, 1, 2};
    X.data = {1, 1, 1, 1};
    X.indptr = {0, 1, 2, 3, 4};
    const std::vector<int32_t> lab = {0, 0, 1, 1};
    double obs[2], by_group[4], score[4];
    partisanship(X.view(), lab.data(), 2, PartisanOptions{}, RunOptions{}, obs, by_group, score,
                 nullptr, nullptr);
    CHECK_CLOSE(obs[0], 1.0, 1e-15);
    CHECK_CLOSE(obs[1], 0.75, 1e-15);
    CHECK(score[0] == 1.0 && score[1] == 1.0 && score[2] == 0.5 && score[3] == 0.5);
}

void against_formulas() {
    for (int32_t G : {2, 3, 5}) {
        ref::Csr X = ref::random_counts(40, 25, 0.2, 3, static_cast<uint64_t>(G));
        // Speaker 3 alone says a phrase (last column): its leave-out posterior is the prior.
        X.cols += 1;
        X.indices.insert(X.indices.begin() + X.indptr[4], static_cast<int32_t>(X.cols - 1));
        X.data.insert(X.data.begin() + X.indptr[4], 2.0);
        for (size_t r = 4; r < X.indptr.size(); ++r) X.indptr[r] += 1;
        std::vector<int32_t> lab(static_cast<size_t>(X.rows()));
        for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<int32_t>((i * 3 + i / 5) % G);
        const Estimates want = direct(X, lab, G);
        double obs[2];
        std::vector<double> by_group(static_cast<size_t>(2 * G)), score(lab.size());
        RunOptions run;
        run.n_threads = 2;
        partisanship(X.view(), lab.data(), G, PartisanOptions{}, run, obs, by_group.data(),
                     score.data(), nullptr, nullptr);
        CHECK_CLOSE(obs[0], want.pi, 1e-13);
        CHECK_CLOSE(obs[1], want.lo, 1e-13);
        int bad = 0;
        for (size_t k = 0; k < by_group.size(); ++k)
            bad += !check::close(by_group[k], want.by_group[k], 1e-13);
        for (size_t i = 0; i < score.size(); ++i)
            bad += !check::close(score[i], want.score[i], 1e-13);
        CHECK(bad == 0);
    }
}

void replicates() {
    const ref::Csr X = ref::random_counts(300, 120, 0.05, 3, 8);
    std::vector<int32_t> lab(static_cast<size_t>(X.rows()));
    for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<int32_t>(i % 2);
    PartisanOptions opt;
    opt.n_bootstrap = 25;
    opt.n_permutations = 25;
    opt.seed = 4;
    double o1[2], o3[2];
    std::vector<double> b1(50), p1(50), b3(50), p3(50);
    RunOptions r1, r3;
    r3.n_threads = 3;
    partisanship(X.view(), lab.data(), 2, opt, r1, o1, nullptr, nullptr, b1.data(), p1.data());
    partisanship(X.view(), lab.data(), 2, opt, r3, o3, nullptr, nullptr, b3.data(), p3.data());
    CHECK(o1[0] == o3[0] && o1[1] == o3[1] && b1 == b3 && p1 == p3);
    // Shuffled labels carry no group signal: their leave-out mean is near chance (1/2).
    double mean = 0.0;
    for (int r = 0; r < 25; ++r) mean += p1[static_cast<size_t>(2 * r + 1)] / 25.0;
    CHECK(std::fabs(mean - 0.5) < 0.02);
}

void rows_by_owner() {
    const ref::Csr X = ref::random_counts(50, 20, 0.2, 4, 6);
    std::vector<int64_t> owner(static_cast<size_t>(X.rows()));
    for (size_t i = 0; i < owner.size(); ++i) owner[i] = static_cast<int64_t>((i * 7) % 9);
    RunOptions run;
    run.n_threads = 2;
    const RowSums s = sum_rows_by(X.view(), owner.data(), 9, run);
    bool ok = s.indptr.size() == 10;
    for (int64_t o = 0; ok && o < 9; ++o) {
        std::vector<double> want(static_cast<size_t>(X.cols), 0.0), got(want.size(), 0.0);
        for (int64_t i = 0; i < X.rows(); ++i) {
            if (owner[static_cast<size_t>(i)] == o) X.add_row_to(i, want);
        }
        for (int64_t k = s.indptr[static_cast<size_t>(o)]; k < s.indptr[static_cast<size_t>(o) + 1];
             ++k) {
            ok = ok && (k == s.indptr[static_cast<size_t>(o)] ||
                        s.indices[static_cast<size_t>(k)] > s.indices[static_cast<size_t>(k) - 1]);
            got[static_cast<size_t>(s.indices[static_cast<size_t>(k)])] =
                s.data[static_cast<size_t>(k)];
        }
        ok = ok && got == want;
    }
    CHECK(ok);
}

void bad_input() {
    const ref::Csr X = ref::random_counts(6, 5, 0.5, 3, 1);
    const std::vector<int32_t> lone = {0, 0, 0, 0, 0, 1};  // group 1 has one speaker
    double obs[2];
    CHECK_THROWS(partisanship(X.view(), lone.data(), 2, PartisanOptions{}, RunOptions{}, obs,
                              nullptr, nullptr, nullptr, nullptr),
                 InputError);
    const std::vector<int32_t> outside = {0, 0, 1, 1, 2, 0};
    CHECK_THROWS(partisanship(X.view(), outside.data(), 2, PartisanOptions{}, RunOptions{}, obs,
                              nullptr, nullptr, nullptr, nullptr),
                 InputError);
}

}  // namespace

int main() {
    hand_computed();
    against_formulas();
    replicates();
    rows_by_owner();
    bad_input();
    return check::report("partisan_test");
}
