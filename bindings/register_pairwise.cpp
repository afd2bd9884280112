// Bindings for pairwise matrices and nearest rows: check and convert, release the GIL, call
// the core. Outputs are allocated by the caller (Python) and written in place: no copies.
#include <limits>

#include "divergence/pairwise.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

RunOptions run_options(int n_jobs, bool full_rows, int64_t block, const StopCheck* stop) {
    RunOptions r = divergence_py::run_options(n_jobs, stop);
    r.full_rows = full_rows;
    r.block = block;
    return r;
}

template <class T>
void dense_impl(const py::array& X, const py::object& Y, py::array& out, const MetricOptions& mo,
                const RunOptions& ro) {
    const DenseView<T> xv = dense_view<T>(X, "X");
    DenseView<T> yv;
    const bool self = Y.is_none();
    if (!self) yv = dense_view<T>(py::cast<py::array>(Y), "Y");
    const OutView<T> ov = out_view<T>(out, "out");
    const int64_t m = self ? xv.rows : yv.rows;
    if (ov.rows != xv.rows || ov.cols != m) throw py::value_error("out: wrong shape");
    run_without_gil([&] { pairwise_dense<T>(xv, self ? nullptr : &yv, mo, ro, ov); });
}

template <class T>
void sparse_impl(const py::tuple& X, const py::object& Y, py::array& out, const MetricOptions& mo,
                 const RunOptions& ro) {
    const CsrView<T> xv = csr_tuple<T>(X, "X", ro.n_threads);
    CsrView<T> yv;
    const bool self = Y.is_none();
    if (!self) yv = csr_tuple<T>(py::cast<py::tuple>(Y), "Y", ro.n_threads);
    const OutView<T> ov = out_view<T>(out, "out");
    const int64_t m = self ? xv.rows : yv.rows;
    if (ov.rows != xv.rows || ov.cols != m) throw py::value_error("out: wrong shape");
    run_without_gil([&] { pairwise_sparse<T>(xv, self ? nullptr : &yv, mo, ro, ov); });
}

template <class T>
void nearest_dense_impl(const py::array& X, const py::object& Y, int64_t k, py::array& idx,
                        py::array& val, const MetricOptions& mo, const RunOptions& ro) {
    const DenseView<T> xv = dense_view<T>(X, "X");
    DenseView<T> yv;
    const bool self = Y.is_none();
    if (!self) yv = dense_view<T>(py::cast<py::array>(Y), "Y");
    require_rows<int64_t>(idx, "indices");
    require_rows<T>(val, "values");
    if (idx.shape(0) != xv.rows || idx.shape(1) != k || val.shape(0) != xv.rows ||
        val.shape(1) != k || !(idx.flags() & py::array::c_style) ||
        !(val.flags() & py::array::c_style)) {
        throw py::value_error("indices/values: wrong shape or layout");
    }
    auto* ip = static_cast<int64_t*>(idx.mutable_data());
    auto* vp = static_cast<T*>(val.mutable_data());
    run_without_gil([&] { nearest_dense<T>(xv, self ? nullptr : &yv, k, mo, ro, ip, vp); });
}

template <class T>
void nearest_sparse_impl(const py::tuple& X, const py::object& Y, int64_t k, py::array& idx,
                         py::array& val, const MetricOptions& mo, const RunOptions& ro) {
    const CsrView<T> xv = csr_tuple<T>(X, "X", ro.n_threads);
    CsrView<T> yv;
    const bool self = Y.is_none();
    if (!self) yv = csr_tuple<T>(py::cast<py::tuple>(Y), "Y", ro.n_threads);
    require_rows<int64_t>(idx, "indices");
    require_rows<T>(val, "values");
    if (idx.shape(0) != xv.rows || idx.shape(1) != k || val.shape(0) != xv.rows ||
        val.shape(1) != k || !(idx.flags() & py::array::c_style) ||
        !(val.flags() & py::array::c_style)) {
        throw py::value_error("indices/values: wrong shape or layout");
    }
    auto* ip = static_cast<int64_t*>(idx.mutable_data());
    auto* vp = static_cast<T*>(val.mutable_data());
    run_without_gil([&] { nearest_sparse<T>(xv, self ? nullptr : &yv, k, mo, ro, ip, vp); });
}

bool is_f32(const py::array& a) { return py::isinstance<py::array_t<float>>(a); }

template <class T>
py::array_t<T> fast_log_py(const py::array& x) {
    require_rows<T>(x, "x", 1);
    py::array_t<T> y(x.shape(0));
    const T* px = static_cast<const T*>(x.data());
    T* py_ = y.mutable_data();
    const int64_t n = x.shape(0);
    for (int64_t i = 0; i < n; ++i) {
        if (!(px[i] >= std::numeric_limits<T>::min()) ||
            !(px[i] <= std::numeric_limits<T>::max())) {
            throw py::value_error("x: fast_log needs positive, finite, normal values (index " +
                                  std::to_string(i) + ")");
        }
    }
    divergence::fast_log(px, py_, n);
    return y;
}

}  // namespace

void register_pairwise(py::module_& m) {
    m.def(
        "fast_log",
        [](const py::array& x) -> py::object {
            if (py::isinstance<py::array_t<float>>(x)) return fast_log_py<float>(x);
            return fast_log_py<double>(x);
        },
        py::arg("x"), "The kernels' natural logarithm (for accuracy tests; 1-d float32/float64).");

    m.def(
        "pairwise_dense",
        [](const py::array& X, const py::object& Y, py::array& out, const std::string& metric,
           double alpha, double base, bool normalize, int n_jobs, bool full_rows, int64_t block) {
            const MetricOptions mo = metric_options(metric, alpha, base, normalize);
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, full_rows, block, &stop);
            if (is_f32(X)) {
                dense_impl<float>(X, Y, out, mo, ro);
            } else {
                dense_impl<double>(X, Y, out, mo, ro);
            }
        },
        py::arg("X"), py::arg("Y"), py::arg("out"), py::arg("metric"), py::arg("alpha"),
        py::arg("base"), py::arg("normalize"), py::arg("n_jobs"), py::arg("full_rows") = false,
        py::arg("block") = 0,
        "Dense pairwise matrix into `out` (float32 or float64, C-contiguous rows). base=0: nats.");

    m.def(
        "pairwise_sparse",
        [](const py::tuple& X, const py::object& Y, py::array& out, const std::string& metric,
           double alpha, double base, bool normalize, int n_jobs, bool full_rows) {
            const MetricOptions mo = metric_options(metric, alpha, base, normalize);
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, full_rows, 0, &stop);
            if (is_f32(X[2].cast<py::array>())) {
                sparse_impl<float>(X, Y, out, mo, ro);
            } else {
                sparse_impl<double>(X, Y, out, mo, ro);
            }
        },
        py::arg("X"), py::arg("Y"), py::arg("out"), py::arg("metric"), py::arg("alpha"),
        py::arg("base"), py::arg("normalize"), py::arg("n_jobs"), py::arg("full_rows") = false,
        "Sparse (CSR) pairwise matrix into `out`; X/Y are (indptr int64, indices int32, data, "
        "n_cols).");

    m.def(
        "nearest_dense",
        [](const py::array& X, const py::object& Y, int64_t k, py::array& idx, py::array& val,
           const std::string& metric, double alpha, double base, bool normalize, int n_jobs) {
            const MetricOptions mo = metric_options(metric, alpha, base, normalize);
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, false, 0, &stop);
            if (is_f32(X)) {
                nearest_dense_impl<float>(X, Y, k, idx, val, mo, ro);
            } else {
                nearest_dense_impl<double>(X, Y, k, idx, val, mo, ro);
            }
        },
        py::arg("X"), py::arg("Y"), py::arg("k"), py::arg("indices"), py::arg("values"),
        py::arg("metric"), py::arg("alpha"), py::arg("base"), py::arg("normalize"),
        py::arg("n_jobs"), "k nearest rows (dense) into indices/values.");

    m.def(
        "nearest_sparse",
        [](const py::tuple& X, const py::object& Y, int64_t k, py::array& idx, py::array& val,
           const std::string& metric, double alpha, double base, bool normalize, int n_jobs) {
            const MetricOptions mo = metric_options(metric, alpha, base, normalize);
            const StopCheck stop = make_stop_check();
            const RunOptions ro = run_options(n_jobs, false, 0, &stop);
            if (is_f32(X[2].cast<py::array>())) {
                nearest_sparse_impl<float>(X, Y, k, idx, val, mo, ro);
            } else {
                nearest_sparse_impl<double>(X, Y, k, idx, val, mo, ro);
            }
        },
        py::arg("X"), py::arg("Y"), py::arg("k"), py::arg("indices"), py::arg("values"),
        py::arg("metric"), py::arg("alpha"), py::arg("base"), py::arg("normalize"),
        py::arg("n_jobs"), "k nearest rows (CSR) into indices/values.");
}
