// Bindings for group comparison (observed, bootstrap and permutation K x K matrices).
#include "divergence/groups.hpp"
#include "divergence/random.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

BootstrapScheme parse_scheme(const std::string& name) {
    if (name == "resample") return BootstrapScheme::resample;
    if (name == "poisson") return BootstrapScheme::poisson;
    throw py::value_error("bootstrap_scheme: must be 'resample' or 'poisson', got '" + name + "'");
}

// Statement keys for the Poisson bootstrap: None (positions) or n uint64 values.
const uint64_t* statement_keys(const py::object& keys, int64_t n) {
    if (keys.is_none()) return nullptr;
    const auto arr = py::cast<py::array>(keys);
    require_rows<uint64_t>(arr, "keys", 1);
    if (arr.shape(0) > 1 && arr.strides(0) != static_cast<py::ssize_t>(sizeof(uint64_t))) {
        throw py::value_error("keys: must be contiguous");
    }
    if (arr.shape(0) != n) {
        throw py::value_error("keys: length " + std::to_string(arr.shape(0)) +
                              " does not match the " + std::to_string(n) + " statements");
    }
    return static_cast<const uint64_t*>(arr.data());
}

}  // namespace

void register_groups(py::module_& m) {
    m.def(
        "group_divergence",
        [](const py::tuple& X, const py::array& labels, int32_t K,
           const std::vector<std::string>& metrics, double alpha, double base, int64_t n_bootstrap,
           int64_t n_permutations, uint64_t seed, int n_jobs, const py::object& progress,
           const std::string& bootstrap_scheme, const py::object& keys) {
            const CsrView<double> xv = csr_tuple<double>(X, "X");
            require_rows<int32_t>(labels, "labels", 1);
            if (labels.shape(0) != xv.rows) {
                throw py::value_error("labels: length " + std::to_string(labels.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) +
                                      " statements");
            }
            check_jobs(n_jobs);
            GroupOptions opt;
            for (const auto& name : metrics) {
                // alpha and base apply to the metrics that take them.
                const Metric id = parse_metric(name);
                opt.metrics.push_back(metric_options(name, metric_uses_alpha(id) ? alpha : 0.0,
                                                     metric_uses_log(id) ? base : 0.0));
            }
            opt.n_bootstrap = n_bootstrap;
            opt.n_permutations = n_permutations;
            opt.seed = seed;
            opt.scheme = parse_scheme(bootstrap_scheme);
            opt.keys = statement_keys(keys, xv.rows);
            const auto nm = static_cast<py::ssize_t>(opt.metrics.size());
            py::array_t<double> observed(
                {nm, static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(K)});
            py::array_t<double> boot({static_cast<py::ssize_t>(std::max<int64_t>(n_bootstrap, 0)),
                                      nm, static_cast<py::ssize_t>(K),
                                      static_cast<py::ssize_t>(K)});
            py::array_t<double> perm(
                {static_cast<py::ssize_t>(std::max<int64_t>(n_permutations, 0)), nm,
                 static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(K)});
            const auto* lab = static_cast<const int32_t*>(labels.data());
            double* po = observed.mutable_data();
            double* pb = boot.mutable_data();
            double* pp = perm.mutable_data();
            // Progress: the waiting thread reports replicates done to the Python callable.
            std::atomic<int64_t> done{0};
            const int64_t total =
                std::max<int64_t>(n_bootstrap, 0) + std::max<int64_t>(n_permutations, 0);
            const StopCheck stop = make_stop_check(done, total, progress);
            const RunOptions ro = run_options(n_jobs, &stop, &done);
            run_without_gil([&] { group_divergence(xv, lab, K, opt, ro, po, pb, pp); });
            return py::make_tuple(observed, boot, perm);
        },
        py::arg("X"), py::arg("labels"), py::arg("K"), py::arg("metrics"), py::arg("alpha"),
        py::arg("base"), py::arg("n_bootstrap"), py::arg("n_permutations"), py::arg("seed"),
        py::arg("n_jobs"), py::arg("progress") = py::none(),
        py::arg("bootstrap_scheme") = "resample", py::arg("keys") = py::none(),
        "Observed (metrics,K,K), bootstrap (B,metrics,K,K) and permutation (P,metrics,K,K) "
        "group divergence matrices from CSR counts and int32 group codes; bootstrap_scheme "
        "'resample' (within groups) or 'poisson' (weights keyed by keys, default positions).");

    m.def(
        "poisson_group_sums",
        [](const py::tuple& X, const py::array& labels, int32_t K, const py::object& keys,
           uint64_t seed, int64_t r0, py::array_t<double, py::array::c_style> out, int n_jobs) {
            const CsrView<double> xv = csr_tuple<double>(X, "X");
            require_rows<int32_t>(labels, "labels", 1);
            if (labels.shape(0) != xv.rows) {
                throw py::value_error("labels: length does not match the statements");
            }
            const auto* lab = static_cast<const int32_t*>(labels.data());
            for (int64_t i = 0; i < xv.rows; ++i) {
                if (lab[i] < 0 || lab[i] >= K) throw py::value_error("labels: outside [0, K)");
            }
            if (out.ndim() != 3 || out.shape(1) != K || out.shape(2) != xv.cols) {
                throw py::value_error("out: expected shape (n_rep, K, V)");
            }
            if (r0 < 0) throw py::value_error("r0: must be >= 0");
            check_jobs(n_jobs);
            const uint64_t* kp = statement_keys(keys, xv.rows);
            double* po = out.mutable_data();
            const int64_t n_rep = out.shape(0);
            const RunOptions ro = run_options(n_jobs, nullptr, nullptr);
            run_without_gil([&] { poisson_group_sums(xv, lab, K, kp, seed, r0, n_rep, ro, po); });
        },
        py::arg("X"), py::arg("labels"), py::arg("K"), py::arg("keys"), py::arg("seed"),
        py::arg("r0"), py::arg("out"), py::arg("n_jobs"),
        "Adds the Poisson-bootstrap group sums of replicates r0 .. r0+n_rep-1 to out "
        "(n_rep, K, V): statement i weighted by poisson_weights(keys[i], seed, r).");

    m.def(
        "poisson_weights",
        [](py::array_t<uint64_t, py::array::c_style | py::array::forcecast> keys, uint64_t seed,
           uint64_t r) {
            py::array_t<int32_t> w(keys.shape(0));
            const uint64_t* k = keys.data();
            int32_t* pw = w.mutable_data();
            for (py::ssize_t i = 0; i < keys.shape(0); ++i) pw[i] = poisson_weight(seed, k[i], r);
            return w;
        },
        py::arg("keys"), py::arg("seed"), py::arg("r"),
        "Poisson(1) bootstrap weight of each statement key in replicate r (counter-based).");
}
