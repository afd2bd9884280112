// Bindings for the replicate loops over small tables: stance replicates per target and the
// permutation null of a change point (see divergence/replicates.hpp).
#include "divergence/replicates.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

// Targets as (group int32[n], start int64[T + 1], n_groups int32[T]), checked.
StanceTargets stance_targets(const py::array& group, const py::array& start,
                             const py::array& n_groups) {
    require_rows<int32_t>(group, "group", 1);
    require_rows<int64_t>(start, "start", 1);
    require_rows<int32_t>(n_groups, "n_groups", 1);
    if (start.shape(0) != n_groups.shape(0) + 1) {
        throw py::value_error("start: expected " + std::to_string(n_groups.shape(0) + 1) +
                              " offsets for " + std::to_string(n_groups.shape(0)) + " targets");
    }
    StanceTargets t;
    t.group = static_cast<const int32_t*>(group.data());
    t.start = static_cast<const int64_t*>(start.data());
    t.n_groups = static_cast<const int32_t*>(n_groups.data());
    t.n_targets = static_cast<int32_t>(n_groups.shape(0));
    if (t.start[0] < 0 || t.start[t.n_targets] > group.shape(0)) {
        throw py::value_error("start: offsets must lie in [0, " + std::to_string(group.shape(0)) +
                              "]");
    }
    return t;
}

ReplicateOptions replicate_options(int64_t n_bootstrap, int64_t n_permutations, uint64_t seed) {
    if (n_bootstrap < 0 || n_permutations < 0) {
        throw py::value_error("bootstrap/permutations: counts must be >= 0");
    }
    ReplicateOptions o;
    o.n_bootstrap = n_bootstrap;
    o.n_permutations = n_permutations;
    o.seed = seed;
    return o;
}

// Allocates each target's (observed, boot, perm) arrays of m metrics; fills `out` with their
// buffers and returns them as a list of tuples.
py::list stance_outputs(const StanceTargets& t, py::ssize_t m, const ReplicateOptions& o,
                        std::vector<StanceOut>& out) {
    py::list result;
    for (int32_t i = 0; i < t.n_targets; ++i) {
        const auto K = static_cast<py::ssize_t>(std::max(t.n_groups[i], 0));
        py::array_t<double> obs({m, K, K});
        py::array_t<double> boot({static_cast<py::ssize_t>(o.n_bootstrap), m, K, K});
        py::array_t<double> perm({static_cast<py::ssize_t>(o.n_permutations), m, K, K});
        out.push_back(StanceOut{obs.mutable_data(), boot.mutable_data(), perm.mutable_data()});
        result.append(py::make_tuple(obs, boot, perm));
    }
    return result;
}

// Checks the per-statement `values` (T[n], as many as group codes), allocates each target's
// outputs of n_metrics metrics and runs fn(values, run options, outputs) without the GIL.
template <class T, class Fn>
py::list run_stance(const StanceTargets& t, const py::array& group, const py::array& values,
                    const char* name, size_t n_metrics, const ReplicateOptions& o, int n_jobs,
                    Fn&& fn) {
    require_rows<T>(values, name, 1);
    if (values.shape(0) != group.shape(0)) {
        throw py::value_error(std::string(name) + ": length " + std::to_string(values.shape(0)) +
                              " does not match group's " + std::to_string(group.shape(0)));
    }
    std::vector<StanceOut> out;
    py::list result = stance_outputs(t, static_cast<py::ssize_t>(n_metrics), o, out);
    const StopCheck stop = make_stop_check();
    const RunOptions ro = run_options(n_jobs, &stop);
    const auto* v = static_cast<const T*>(values.data());
    run_without_gil([&] { fn(v, ro, out); });
    return result;
}

}  // namespace

void register_replicates(py::module_& m) {
    m.def(
        "stance_label_replicates",
        [](const py::array& group, const py::array& stance, const py::array& start,
           const py::array& n_groups, int32_t n_stances, const std::vector<std::string>& metrics,
           double alpha, int64_t n_bootstrap, int64_t n_permutations, uint64_t seed, int n_jobs) {
            const StanceTargets t = stance_targets(group, start, n_groups);
            std::vector<MetricOptions> mos;
            for (const auto& name : metrics) {
                const bool smoothed = metric_uses_alpha(parse_metric(name));
                mos.push_back(metric_options(name, smoothed ? alpha : 0.0, 0.0));
            }
            const ReplicateOptions o = replicate_options(n_bootstrap, n_permutations, seed);
            return run_stance<int32_t>(t, group, stance, "stance", mos.size(), o, n_jobs,
                                       [&](const int32_t* st, const RunOptions& ro,
                                           const std::vector<StanceOut>& out) {
                                           stance_label_replicates(t, st, n_stances, mos, o, ro,
                                                                   out);
                                       });
        },
        py::arg("group"), py::arg("stance"), py::arg("start"), py::arg("n_groups"),
        py::arg("n_stances"), py::arg("metrics"), py::arg("alpha"), py::arg("n_bootstrap"),
        py::arg("n_permutations"), py::arg("seed"), py::arg("n_jobs"),
        "Label stances of several targets (statements target by target: target t holds "
        "[start[t], start[t+1]), int32 group codes within the target in [0, n_groups[t]), int32 "
        "stance codes in [0, n_stances)): per target (observed (m,K,K), bootstrap (B,m,K,K), "
        "permutation (P,m,K,K)).");

    m.def(
        "stance_score_replicates",
        [](const py::array& group, const py::array& value, const py::array& start,
           const py::array& n_groups, const std::vector<std::string>& metrics, int64_t n_bootstrap,
           int64_t n_permutations, uint64_t seed, int n_jobs) {
            const StanceTargets t = stance_targets(group, start, n_groups);
            std::vector<ScoreMetric> sms;
            for (const auto& name : metrics) sms.push_back(parse_score_metric(name));
            const ReplicateOptions o = replicate_options(n_bootstrap, n_permutations, seed);
            return run_stance<double>(t, group, value, "value", sms.size(), o, n_jobs,
                                      [&](const double* x, const RunOptions& ro,
                                          const std::vector<StanceOut>& out) {
                                          stance_score_replicates(t, x, sms, o, ro, out);
                                      });
        },
        py::arg("group"), py::arg("value"), py::arg("start"), py::arg("n_groups"),
        py::arg("metrics"), py::arg("n_bootstrap"), py::arg("n_permutations"), py::arg("seed"),
        py::arg("n_jobs"),
        "Numeric stances (float64 scores) of several targets, laid out as in "
        "stance_label_replicates; metrics mean_difference and wasserstein (cells a < b, others "
        "NaN).");

    m.def(
        "stance_draws",
        [](const py::array& group, int32_t K, uint64_t key, int64_t n_bootstrap,
           int64_t n_permutations, uint64_t seed) {
            require_rows<int32_t>(group, "group", 1);
            const ReplicateOptions o = replicate_options(n_bootstrap, n_permutations, seed);
            const py::ssize_t n = group.shape(0);
            py::array_t<int32_t> boot({static_cast<py::ssize_t>(n_bootstrap), n});
            py::array_t<int32_t> perm({static_cast<py::ssize_t>(n_permutations), n});
            stance_draws(static_cast<const int32_t*>(group.data()), n, K, key, o,
                         boot.mutable_data(), perm.mutable_data());
            return py::make_tuple(boot, perm);
        },
        py::arg("group"), py::arg("K"), py::arg("key"), py::arg("n_bootstrap"),
        py::arg("n_permutations"), py::arg("seed"),
        "The resampling of target number `key` in the stance replicates: bootstrap (B,n) "
        "statements drawn (each group's draws, group after group), permutation (P,n) shuffled "
        "group codes.");

    m.def(
        "changepoint_null",
        [](const py::array& y, int64_t block, int64_t min_size, double observed,
           int64_t n_permutations, uint64_t seed, uint64_t key, int n_jobs) {
            require_rows<double>(y, "y", 1);
            if (n_permutations < 0) throw py::value_error("permutations: must be >= 0");
            py::array_t<double> gains({static_cast<py::ssize_t>(n_permutations)});
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, &stop);
            const auto* yp = static_cast<const double*>(y.data());
            const int64_t n = y.shape(0);
            double* g = gains.mutable_data();
            int64_t hits = 0;
            run_without_gil([&] {
                hits = changepoint_null(yp, n, block, min_size, observed, n_permutations, seed, key,
                                        ro, g);
            });
            return py::make_tuple(hits, gains);
        },
        py::arg("y"), py::arg("block"), py::arg("min_size"), py::arg("observed"),
        py::arg("n_permutations"), py::arg("seed"), py::arg("key"), py::arg("n_jobs"),
        "Permutation null of a change in the float64 segment y: (hits, gains), gains (P,) the "
        "largest split gain of each block-shuffled segment, hits how many are >= observed - "
        "1e-12 |observed|.");

    m.def(
        "changepoint_orders",
        [](int64_t n_blocks, int64_t n_permutations, uint64_t seed, uint64_t key) {
            if (n_blocks < 0 || n_permutations < 0) {
                throw py::value_error("n_blocks/permutations: must be >= 0");
            }
            py::array_t<int32_t> orders(
                {static_cast<py::ssize_t>(n_permutations), static_cast<py::ssize_t>(n_blocks)});
            changepoint_orders(n_blocks, n_permutations, seed, key, orders.mutable_data());
            return orders;
        },
        py::arg("n_blocks"), py::arg("n_permutations"), py::arg("seed"), py::arg("key"),
        "The block orders (P, n_blocks) that changepoint_null uses.");
}
