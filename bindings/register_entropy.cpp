// Bindings for entropy estimates from counts and the plug-in JSD's estimated bias (see
// divergence/entropy.hpp).
#include <cmath>

#include "divergence/entropy.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

// A C-contiguous float64 K x V array of counts: every entry a finite non-negative integer.
const double* integer_counts(const py::array& a, const char* name) {
    require_rows<double>(a, name);
    if (a.shape(0) > 1 && a.strides(0) != a.shape(1) * static_cast<py::ssize_t>(sizeof(double))) {
        throw py::value_error(std::string(name) + ": pass a C-contiguous array");
    }
    const auto* d = static_cast<const double*>(a.data());
    const py::ssize_t V = a.shape(1);
    for (py::ssize_t i = 0; i < a.shape(0) * V; ++i) {
        const double x = d[i];
        if (!(x >= 0) || !std::isfinite(x) || std::floor(x) != x) {
            throw py::value_error(std::string(name) + ": row " + std::to_string(i / V) +
                                  ", column " + std::to_string(i % V) + " holds " +
                                  py::str(py::float_(x)).cast<std::string>() +
                                  "; counts must be non-negative integers");
        }
    }
    return d;
}

}  // namespace

void register_entropy(py::module_& m) {
    m.def(
        "entropy",
        [](const py::array& counts, const std::string& estimator) {
            const double* d = integer_counts(counts, "counts");
            const py::ssize_t K = counts.shape(0), V = counts.shape(1);
            if (estimator != "plugin" && estimator != "cwj") {
                throw py::value_error("estimator: expected 'plugin' or 'cwj', got '" + estimator +
                                      "'");
            }
            py::array_t<double> out(K);
            double* o = out.mutable_data();
            const bool cwj = estimator == "cwj";
            run_without_gil([&] {
                for (py::ssize_t k = 0; k < K; ++k) {
                    o[k] = cwj ? entropy_cwj(d + k * V, V) : entropy_plugin(d + k * V, V);
                }
            });
            return out;
        },
        py::arg("counts"), py::arg("estimator"),
        "Entropy (nats) of each row of integer counts (K x V float64): 'plugin' or 'cwj' "
        "(Chao-Wang-Jost 2013); NaN for a row without mass.");
    m.def(
        "jsd_entropy_bias",
        [](const py::array& counts, int n_jobs) {
            const double* d = integer_counts(counts, "counts");
            const auto K = static_cast<int32_t>(counts.shape(0));
            const int64_t V = counts.shape(1);
            py::array_t<double> out({static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(K)});
            double* o = out.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { jsd_entropy_bias(d, K, V, ro, o); });
            return out;
        },
        py::arg("counts"), py::arg("n_jobs"),
        "K x K estimated bias (nats) of the equally weighted plug-in JSD of each pair of rows of "
        "integer group counts (K x V float64), from Chao-Wang-Jost entropies; NaN for a pair "
        "with an empty row.");
    m.def("cwj_tail", &cwj_tail, py::arg("n"), py::arg("A"),
          "sum_{j>=0} (1 - A)^(j + 1) / (n + j): the extrapolated part of the Chao-Wang-Jost "
          "entropy (exposed for tests).");
    m.def("digamma", &digamma, py::arg("x"), "psi(x) for x > 0 (exposed for tests).");
}
