// Bindings for sliding windows: window pairs, between-group windows with replicates,
// token-stream drift, novelty / transience.
#include <algorithm>
#include <type_traits>

#include "divergence/windows.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

// begins/ends: int64 vectors of equal length.
int64_t window_arrays(const py::array& begins, const py::array& ends) {
    require_rows<int64_t>(begins, "begins", 1);
    require_rows<int64_t>(ends, "ends", 1);
    if (begins.shape(0) != ends.shape(0)) {
        throw py::value_error("ends: length " + std::to_string(ends.shape(0)) +
                              " does not match begins (" + std::to_string(begins.shape(0)) + ")");
    }
    return begins.shape(0);
}

}  // namespace

namespace {

// (novelty, transience) arrays for dense or CSR rows: the core overloads novelty_dense /
// novelty_sparse picked by the view type.
template <class View>
py::tuple novelty_py(const View& xv, int64_t window, double alpha, double scale, int n_jobs) {
    check_jobs(n_jobs);
    py::array_t<double> nov(static_cast<py::ssize_t>(xv.rows));
    py::array_t<double> tra(static_cast<py::ssize_t>(xv.rows));
    double* pn = nov.mutable_data();
    double* pt = tra.mutable_data();
    const StopCheck stop = make_stop_check();
    RunOptions ro = run_options(n_jobs, &stop);
    run_without_gil([&] {
        if constexpr (std::is_same_v<View, DenseView<double>>) {
            novelty_dense(xv, window, alpha, scale, ro, pn, pt);
        } else {
            novelty_sparse(xv, window, alpha, scale, ro, pn, pt);
        }
    });
    return py::make_tuple(nov, tra);
}

}  // namespace

void register_windows(py::module_& m) {
    m.def(
        "window_pairs",
        [](const py::tuple& X, const py::array& begins, const py::array& ends,
           const py::array& pair_a, const py::array& pair_b, const std::string& metric,
           double alpha, double base, bool incremental, int n_jobs, const py::object& totals) {
            check_jobs(n_jobs);
            const CsrView<double> xv = csr_tuple<double>(X, "X", n_jobs);
            const int64_t W = window_arrays(begins, ends);
            require_rows<int64_t>(pair_a, "pair_a", 1);
            require_rows<int64_t>(pair_b, "pair_b", 1);
            if (pair_a.shape(0) != pair_b.shape(0)) {
                throw py::value_error("pair_b: length does not match pair_a");
            }
            double* pt = nullptr;
            if (!totals.is_none()) {
                py::array t = totals.cast<py::array>();
                require_rows<double>(t, "totals", 1);
                if (t.shape(0) != W || !t.writeable()) {
                    throw py::value_error("totals: expected a writeable float64 array of length " +
                                          std::to_string(W));
                }
                pt = static_cast<double*>(t.mutable_data());
            }
            WindowOptions opt;
            opt.metric = metric_options(metric, alpha, base);
            opt.incremental = incremental;
            const int64_t n = pair_a.shape(0);
            py::array_t<double> out(static_cast<py::ssize_t>(n));
            const auto* pb = static_cast<const int64_t*>(begins.data());
            const auto* pe = static_cast<const int64_t*>(ends.data());
            const auto* pa = static_cast<const int64_t*>(pair_a.data());
            const auto* pz = static_cast<const int64_t*>(pair_b.data());
            double* po = out.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { window_pairs(xv, pb, pe, W, pa, pz, n, opt, ro, po, pt); });
            return out;
        },
        py::arg("X"), py::arg("begins"), py::arg("ends"), py::arg("pair_a"), py::arg("pair_b"),
        py::arg("metric"), py::arg("alpha"), py::arg("base"), py::arg("incremental"),
        py::arg("n_jobs"), py::arg("totals") = py::none(),
        "Divergence between windows pair_a[k] and pair_b[k] (window w = CSR rows [begins[w], "
        "ends[w])), window count vectors moved incrementally; NaN for empty windows. `totals` "
        "(optional, float64, length n_windows) receives each window's summed counts.");

    m.def(
        "window_between",
        [](const py::tuple& X, const py::array& labels, int32_t K, const py::array& begins,
           const py::array& ends, const std::string& metric, double alpha, double base,
           int64_t n_bootstrap, int64_t n_permutations, uint64_t seed, bool incremental, int n_jobs,
           const py::object& progress) {
            check_jobs(n_jobs);
            const CsrView<double> xv = csr_tuple<double>(X, "X", n_jobs);
            const int64_t W = window_arrays(begins, ends);
            require_rows<int32_t>(labels, "labels", 1);
            if (labels.shape(0) != xv.rows) {
                throw py::value_error("labels: length " + std::to_string(labels.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) +
                                      " statements");
            }
            if (K < 2) throw py::value_error("K: at least two groups are needed");
            BetweenOptions opt;
            opt.window.metric = metric_options(metric, alpha, base);
            opt.window.incremental = incremental;
            opt.n_bootstrap = n_bootstrap;
            opt.n_permutations = n_permutations;
            opt.seed = seed;
            const auto k = static_cast<py::ssize_t>(K);
            const auto w = static_cast<py::ssize_t>(W);
            py::array_t<double> observed({w, k, k});
            py::array_t<double> boot(
                {w, static_cast<py::ssize_t>(std::max<int64_t>(n_bootstrap, 0)), k, k});
            py::array_t<double> perm(
                {w, static_cast<py::ssize_t>(std::max<int64_t>(n_permutations, 0)), k, k});
            const auto* lab = static_cast<const int32_t*>(labels.data());
            const auto* pb = static_cast<const int64_t*>(begins.data());
            const auto* pe = static_cast<const int64_t*>(ends.data());
            double* po = observed.mutable_data();
            double* pbo = boot.mutable_data();
            double* pp = perm.mutable_data();
            std::atomic<int64_t> done{0};
            // Progress: the windows' observed matrices, then their replicates.
            const int64_t total =
                W * (1 + std::max<int64_t>(n_bootstrap, 0) + std::max<int64_t>(n_permutations, 0));
            const StopCheck stop = make_stop_check(done, total, progress);
            const RunOptions ro = run_options(n_jobs, &stop, &done);
            run_without_gil([&] { window_between(xv, lab, K, pb, pe, W, opt, ro, po, pbo, pp); });
            return py::make_tuple(observed, boot, perm);
        },
        py::arg("X"), py::arg("labels"), py::arg("K"), py::arg("begins"), py::arg("ends"),
        py::arg("metric"), py::arg("alpha"), py::arg("base"), py::arg("n_bootstrap"),
        py::arg("n_permutations"), py::arg("seed"), py::arg("incremental"), py::arg("n_jobs"),
        py::arg("progress") = py::none(),
        "Per window, observed (W,K,K), bootstrap (W,B,K,K) and permutation (W,P,K,K) group "
        "divergence matrices; NaN where a group is absent from a window.");

    m.def(
        "window_between_jackknife",
        [](const py::tuple& X, const py::array& labels, int32_t K, const py::array& begins,
           const py::array& ends, const py::array& blocks, const std::string& metric, double alpha,
           double base, bool incremental, int n_jobs) {
            check_jobs(n_jobs);
            const CsrView<double> xv = csr_tuple<double>(X, "X", n_jobs);
            const int64_t W = window_arrays(begins, ends);
            require_rows<int32_t>(labels, "labels", 1);
            require_rows<int32_t>(blocks, "blocks", 1);
            if (labels.shape(0) != xv.rows) {
                throw py::value_error("labels: length " + std::to_string(labels.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) +
                                      " statements");
            }
            if (blocks.shape(0) != xv.rows) {
                throw py::value_error("blocks: length " + std::to_string(blocks.shape(0)) +
                                      " does not match the " + std::to_string(xv.rows) +
                                      " statements");
            }
            if (K < 2) throw py::value_error("K: at least two groups are needed");
            const auto* pk = static_cast<const int32_t*>(blocks.data());
            int32_t G = 0;
            for (py::ssize_t i = 0; i < blocks.shape(0); ++i) {
                if (pk[i] < 0) {
                    throw py::value_error("blocks: statement " + std::to_string(i) +
                                          " has a negative block");
                }
                G = std::max(G, pk[i] + 1);
            }
            WindowOptions opt;
            opt.metric = metric_options(metric, alpha, base);
            opt.incremental = incremental;
            const auto k = static_cast<py::ssize_t>(K);
            py::array_t<double> out(
                {static_cast<py::ssize_t>(G), static_cast<py::ssize_t>(W), k, k});
            const auto* lab = static_cast<const int32_t*>(labels.data());
            const auto* pb = static_cast<const int64_t*>(begins.data());
            const auto* pe = static_cast<const int64_t*>(ends.data());
            double* po = out.mutable_data();
            if (G == 0) return out;
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil(
                [&] { window_between_jackknife(xv, lab, K, pb, pe, W, pk, G, opt, ro, po); });
            return out;
        },
        py::arg("X"), py::arg("labels"), py::arg("K"), py::arg("begins"), py::arg("ends"),
        py::arg("blocks"), py::arg("metric"), py::arg("alpha"), py::arg("base"),
        py::arg("incremental"), py::arg("n_jobs"),
        "Block jackknife of window_between's observed matrices: (G, W, K, K), block j's "
        "statements left out (G = blocks.max() + 1); the same bits as window_between on the rows "
        "kept.");

    m.def(
        "token_drift",
        [](const py::array& tokens, int64_t n_types, int64_t window, int64_t step, double scale,
           bool incremental) {
            require_rows<int64_t>(tokens, "tokens", 1);
            if (window < 1) throw py::value_error("window: must be >= 1 token");
            if (step < 1) throw py::value_error("step: must be >= 1 token");
            const int64_t n = tokens.shape(0);
            const int64_t count = token_drift_count(n, window, step);
            py::array_t<int64_t> pos(static_cast<py::ssize_t>(count));
            py::array_t<double> out(static_cast<py::ssize_t>(count));
            const auto* pt = static_cast<const int64_t*>(tokens.data());
            int64_t* pp = pos.mutable_data();
            double* po = out.mutable_data();
            run_without_gil(
                [&] { token_drift(pt, n, n_types, window, step, scale, incremental, pp, po); });
            return py::make_tuple(pos, out);
        },
        py::arg("tokens"), py::arg("n_types"), py::arg("window"), py::arg("step"), py::arg("scale"),
        py::arg("incremental"),
        "JSD between adjacent windows of `window` tokens at boundaries window, window+step, ...: "
        "(positions, values). O(1) per token moved.");

    m.def(
        "novelty_dense",
        [](const py::array& X, int64_t window, double alpha, double scale, int n_jobs) {
            return novelty_py(dense_view<double>(X, "X"), window, alpha, scale, n_jobs);
        },
        py::arg("X"), py::arg("window"), py::arg("alpha"), py::arg("scale"), py::arg("n_jobs"),
        "Novelty and transience (Barron et al. 2018) of dense rows (float64, C order).");

    m.def(
        "novelty_sparse",
        [](const py::tuple& X, int64_t window, double alpha, double scale, int n_jobs) {
            return novelty_py(csr_tuple<double>(X, "X"), window, alpha, scale, n_jobs);
        },
        py::arg("X"), py::arg("window"), py::arg("alpha"), py::arg("scale"), py::arg("n_jobs"),
        "Novelty and transience (Barron et al. 2018) of CSR count rows smoothed with alpha > 0.");
}
