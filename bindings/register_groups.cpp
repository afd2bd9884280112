// Bindings for group comparison (observed, bootstrap and permutation K x K matrices).
#include "divergence/groups.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

}  // namespace

void register_groups(py::module_& m) {
    m.def(
        "group_divergence",
        [](const py::tuple& X, const py::array& labels, int32_t K,
           const std::vector<std::string>& metrics, double alpha, double base, int64_t n_bootstrap,
           int64_t n_permutations, uint64_t seed, int n_jobs, const py::object& progress) {
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
        "Observed (metrics,K,K), bootstrap (B,metrics,K,K) and permutation (P,metrics,K,K) "
        "group divergence matrices from CSR counts and int32 group codes.");
}
