// Bindings for position scaling (Wordfish fit, parametric bootstrap, prediction).
#include "divergence/scaling.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

WordfishOptions options_from(const py::dict& o) {
    WordfishOptions opt;
    const std::string solver = o["solver"].cast<std::string>();
    if (solver == "quanteda") {
        opt.solver = WordfishSolver::quanteda;
    } else if (solver == "converged") {
        opt.solver = WordfishSolver::converged;
    } else {
        throw py::value_error("solver: must be 'quanteda' or 'converged', got '" + solver + "'");
    }
    const std::string disp = o["dispersion"].cast<std::string>();
    if (disp == "poisson") {
        opt.dispersion = Dispersion::poisson;
    } else if (disp == "quasipoisson") {
        opt.dispersion = Dispersion::quasi_feature;
    } else if (disp == "quasipoisson-overall") {
        opt.dispersion = Dispersion::quasi_overall;
    } else {
        throw py::value_error("dispersion: must be 'poisson' or 'quasipoisson', got '" + disp +
                              "'");
    }
    opt.prec_alpha = o["prec_alpha"].cast<double>();
    opt.prec_psi = o["prec_psi"].cast<double>();
    opt.prec_beta = o["prec_beta"].cast<double>();
    opt.prec_theta = o["prec_theta"].cast<double>();
    opt.dispersion_floor = o["dispersion_floor"].cast<double>();
    opt.tol = o["tol"].cast<double>();
    opt.inner_tol = o["inner_tol"].cast<double>();
    opt.max_iter = o["max_iter"].cast<int>();
    opt.max_inner = o["max_inner"].cast<int>();
    opt.dir_a = o["dir_a"].cast<int64_t>();
    opt.dir_b = o["dir_b"].cast<int64_t>();
    return opt;
}

py::array_t<double> vec_array(const std::vector<double>& v) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

std::vector<double> vec_from(const py::array& a, const char* name, int64_t n) {
    require_rows<double>(a, name, 1);
    if (a.shape(0) != n) {
        throw py::value_error(std::string(name) + ": length " + std::to_string(a.shape(0)) +
                              ", expected " + std::to_string(n));
    }
    const auto* p = static_cast<const double*>(a.data());
    return std::vector<double>(p, p + n);
}

// A fitted model passed back from Python: dict of float64 arrays alpha, theta, psi, beta, phi.
WordfishFit fit_from(const py::dict& f) {
    WordfishFit fit;
    const py::array theta = f["theta"].cast<py::array>();
    const py::array psi = f["psi"].cast<py::array>();
    require_rows<double>(theta, "theta", 1);
    require_rows<double>(psi, "psi", 1);
    const int64_t N = theta.shape(0), V = psi.shape(0);
    fit.theta = vec_from(theta, "theta", N);
    fit.alpha = vec_from(f["alpha"].cast<py::array>(), "alpha", N);
    fit.psi = vec_from(psi, "psi", V);
    fit.beta = vec_from(f["beta"].cast<py::array>(), "beta", V);
    fit.phi = vec_from(f["phi"].cast<py::array>(), "phi", V);
    return fit;
}

}  // namespace

void register_scaling(py::module_& m) {
    m.def(
        "wordfish_fit",
        [](const py::tuple& Y, const py::array& u0, const py::dict& options, int n_jobs) {
            const CsrView<double> yv = csr_tuple<double>(Y, "counts");
            require_rows<double>(u0, "start", 1);
            if (u0.shape(0) != yv.rows) {
                throw py::value_error("start: length " + std::to_string(u0.shape(0)) + " for " +
                                      std::to_string(yv.rows) + " documents");
            }
            check_jobs(n_jobs);
            const WordfishOptions opt = options_from(options);
            const auto* pu = static_cast<const double*>(u0.data());
            WordfishFit fit;
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { wordfish_fit(yv, pu, opt, ro, fit); });
            py::dict out;
            out["alpha"] = vec_array(fit.alpha);
            out["theta"] = vec_array(fit.theta);
            out["psi"] = vec_array(fit.psi);
            out["beta"] = vec_array(fit.beta);
            out["phi"] = vec_array(fit.phi);
            out["se_theta"] = vec_array(fit.se_theta);
            out["trace"] = vec_array(fit.trace);
            out["n_iter"] = fit.n_iter;
            out["converged"] = fit.converged;
            out["logpost"] = fit.logpost;
            return out;
        },
        py::arg("counts"), py::arg("start"), py::arg("options"), py::arg("n_jobs"),
        "Wordfish fit on CSR counts (indptr int64, indices int32, data float64, n_cols) from the "
        "first left singular vector of the standardised residuals. Returns a dict of arrays.");

    m.def(
        "wordfish_bootstrap",
        [](const py::dict& fitd, const py::dict& options, int64_t B, uint64_t seed, int n_jobs) {
            if (B < 0) throw py::value_error("bootstrap: must be >= 0");
            check_jobs(n_jobs);
            const WordfishFit fit = fit_from(fitd);
            const WordfishOptions opt = options_from(options);
            const auto N = static_cast<py::ssize_t>(fit.theta.size());
            py::array_t<double> theta({static_cast<py::ssize_t>(B), N});
            py::array_t<int32_t> n_iter(static_cast<py::ssize_t>(B));
            py::array_t<uint8_t> conv(static_cast<py::ssize_t>(B));
            double* pt = theta.mutable_data();
            int32_t* pn = n_iter.mutable_data();
            uint8_t* pc = conv.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { wordfish_bootstrap(fit, opt, B, seed, ro, pt, pn, pc); });
            return py::make_tuple(theta, n_iter, conv.attr("astype")("bool"));
        },
        py::arg("fit"), py::arg("options"), py::arg("B"), py::arg("seed"), py::arg("n_jobs"),
        "Parametric bootstrap of Wordfish positions: (theta B x N, n_iter B, converged B).");

    m.def(
        "wordfish_predict",
        [](const py::dict& fitd, const py::tuple& Y, const py::dict& options, int n_jobs) {
            check_jobs(n_jobs);
            const WordfishFit fit = fit_from(fitd);
            const CsrView<double> yv = csr_tuple<double>(Y, "counts");
            const WordfishOptions opt = options_from(options);
            const auto n = static_cast<py::ssize_t>(yv.rows);
            py::array_t<double> theta(n), alpha(n), se(n);
            py::array_t<uint8_t> conv(n);
            double* pt = theta.mutable_data();
            double* pa = alpha.mutable_data();
            double* ps = se.mutable_data();
            uint8_t* pc = conv.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { wordfish_predict(yv, fit, opt, ro, pt, pa, ps, pc); });
            return py::make_tuple(theta, alpha, se, conv.attr("astype")("bool"));
        },
        py::arg("fit"), py::arg("counts"), py::arg("options"), py::arg("n_jobs"),
        "Positions of new documents with the feature parameters fixed: (theta, alpha, se, "
        "converged).");
}
