// Bindings for partisanship (plug-in and leave-out, speaker bootstrap, shuffled labels).
#include <algorithm>

#include "divergence/partisan.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

}  // namespace

void register_partisan(py::module_& m) {
    m.def(
        "partisanship",
        [](const py::tuple& X, const py::array& labels, int32_t G, int64_t n_bootstrap,
           int64_t n_permutations, uint64_t seed, int n_jobs) {
            const CsrView<double> xv = csr_tuple<double>(X, "X");
            require_rows<int32_t>(labels, "labels", 1);
            if (labels.shape(0) != xv.rows) {
                throw py::value_error("labels: length " + std::to_string(labels.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) +
                                      " speakers");
            }
            if (G < 2) {
                throw py::value_error("groups: partisanship needs at least two groups, got " +
                                      std::to_string(G));
            }
            if (n_bootstrap < 0 || n_permutations < 0) {
                throw py::value_error("bootstrap/permutations: counts must be >= 0");
            }
            check_jobs(n_jobs);
            PartisanOptions opt;
            opt.n_bootstrap = n_bootstrap;
            opt.n_permutations = n_permutations;
            opt.seed = seed;
            const auto g = static_cast<py::ssize_t>(G);
            py::array_t<double> observed(py::ssize_t{2});
            py::array_t<double> by_group({g, py::ssize_t{2}});
            py::array_t<double> per_speaker(static_cast<py::ssize_t>(xv.rows));
            py::array_t<double> boot({static_cast<py::ssize_t>(n_bootstrap), py::ssize_t{2}});
            py::array_t<double> perm({static_cast<py::ssize_t>(n_permutations), py::ssize_t{2}});
            const auto* lab = static_cast<const int32_t*>(labels.data());
            double* po = observed.mutable_data();
            double* pg = by_group.mutable_data();
            double* ps = per_speaker.mutable_data();
            double* pb = boot.mutable_data();
            double* pp = perm.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { partisanship(xv, lab, G, opt, ro, po, pg, ps, pb, pp); });
            return py::make_tuple(observed, by_group, per_speaker, boot, perm);
        },
        py::arg("X"), py::arg("labels"), py::arg("G"), py::arg("n_bootstrap"),
        py::arg("n_permutations"), py::arg("seed"), py::arg("n_jobs"),
        "Partisanship of speakers x phrases CSR counts with int32 group codes: observed (2,) "
        "[plug-in, leave-out], by_group (G, 2), per_speaker (N,) leave-out scores, bootstrap "
        "(B, 2) and shuffled-label (P, 2) replicates.");

    m.def(
        "sum_rows_by",
        [](const py::tuple& X, const py::array& owner, int64_t n_out, int n_jobs) {
            check_jobs(n_jobs);
            const CsrView<double> xv = csr_tuple<double>(X, "X", n_jobs);
            require_rows<int64_t>(owner, "owner", 1);
            if (owner.shape(0) != xv.rows) {
                throw py::value_error("owner: length " + std::to_string(owner.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) + " rows");
            }
            const auto* ow = static_cast<const int64_t*>(owner.data());
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            RowSums rs;
            run_without_gil([&] { rs = sum_rows_by(xv, ow, n_out, ro); });
            return py::make_tuple(to_array(std::move(rs.indptr)), to_array(std::move(rs.indices)),
                                  to_array(std::move(rs.data)));
        },
        py::arg("X"), py::arg("owner"), py::arg("n_out"), py::arg("n_jobs"),
        "Rows of a CSR matrix summed by int64 owner codes: (indptr, indices, data) of the "
        "n_out x n_cols result, column indices sorted (copied out of the core).");
}
