// The one pybind11 include of every binding file, with the helpers they share: array checks,
// views onto numpy buffers, the Ctrl-C stop check and the exception translation.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "divergence/dense.hpp"
#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"
#include "divergence/sparse.hpp"

namespace py = pybind11;

namespace divergence_py {

// Called by the core's waiting thread about every 100 ms while workers run: takes the GIL and
// runs Python's signal handlers, so Ctrl-C stops a long call.
inline divergence::StopCheck make_stop_check() {
    return [] {
        py::gil_scoped_acquire gil;
        return PyErr_CheckSignals() != 0;
    };
}

// The same, and then reports progress: calls progress(done, total) with the items done so far
// (the core counts them in `done`, see RunOptions::progress), unless progress is None. A callback
// that raises stops the work, and its exception is the one raised. `done` and `progress` must
// outlive the call.
inline divergence::StopCheck make_stop_check(const std::atomic<int64_t>& done, int64_t total,
                                             const py::object& progress) {
    return [&done, total, &progress] {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) return true;
        if (!progress.is_none()) {
            try {
                progress(done.load(), total);
            } catch (py::error_already_set& e) {
                e.restore();  // raised again by run_without_gil
                return true;
            }
        }
        return false;
    };
}

// Runs fn with the GIL released, turning the core's Interrupted into the pending
// KeyboardInterrupt once the GIL is held again.
template <class Fn>
void run_without_gil(Fn&& fn) {
    bool interrupted = false;
    {
        py::gil_scoped_release release;
        try {
            fn();
        } catch (const divergence::Interrupted&) {
            interrupted = true;
        }
    }
    if (interrupted) {
        if (PyErr_Occurred()) throw py::error_already_set();
        throw py::value_error("interrupted");
    }
}

// n_jobs as the core takes it (the Python layer resolves None and -1 before and caps it at
// MAX_JOBS, _util/validation.py; the same cap here keeps a direct call from exhausting memory).
constexpr int kMaxJobs = 4096;
inline void check_jobs(int n_jobs) {
    if (n_jobs < 1) throw py::value_error("n_jobs: must be >= 1 at the core level");
    if (n_jobs > kMaxJobs) {
        throw py::value_error("n_jobs: at most " + std::to_string(kMaxJobs) + " threads, got " +
                              std::to_string(n_jobs));
    }
}

// Options of a core call: n_jobs threads (checked), the stop check and, optionally, the counter
// of items done that the stop check reports.
inline divergence::RunOptions run_options(int n_jobs, const divergence::StopCheck* stop,
                                          std::atomic<int64_t>* progress = nullptr) {
    check_jobs(n_jobs);
    divergence::RunOptions r;
    r.n_threads = n_jobs;
    r.stop = stop;
    r.progress = progress;
    return r;
}

// A metric by name with its options, checked (InputError -> ValueError).
inline divergence::MetricOptions metric_options(const std::string& metric, double alpha,
                                                double base, bool normalize = true) {
    divergence::MetricOptions o;
    o.metric = divergence::parse_metric(metric);
    o.alpha = alpha;
    o.base = base;
    o.normalize = normalize;
    divergence::check_metric_options(o);
    return o;
}

inline std::string dtype_name(const py::array& a) { return py::str(a.dtype()).cast<std::string>(); }

// A 1-d NumPy array that takes over the vector's buffer (no copy of the result).
template <class T>
py::array_t<T> to_array(std::vector<T>&& v) {
    auto holder = std::make_unique<std::vector<T>>(std::move(v));
    std::vector<T>* raw = holder.get();
    py::capsule owner(raw, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    holder.release();
    return py::array_t<T>({static_cast<py::ssize_t>(raw->size())},
                          {static_cast<py::ssize_t>(sizeof(T))}, raw->data(), owner);
}

// Checks the array's dtype, ndim and that rows are stored with unit column stride.
template <class T>
void require_rows(const py::array& a, const char* name, int ndim = 2) {
    // Equivalence, not identity: an unpickled int64 dtype is a different object.
    if (!py::isinstance<py::array_t<T>>(a)) {
        throw py::type_error(std::string(name) + ": expected dtype " +
                             py::str(py::dtype::of<T>()).cast<std::string>() + ", got " +
                             dtype_name(a));
    }
    if (a.ndim() != ndim) {
        throw py::value_error(std::string(name) + ": expected a " + std::to_string(ndim) +
                              "-d array, got " + std::to_string(a.ndim()) + "-d");
    }
    const auto item = static_cast<py::ssize_t>(sizeof(T));
    if (ndim == 2 && a.shape(1) > 1 && a.strides(1) != item) {
        throw py::value_error(std::string(name) + ": columns must be contiguous (C order)");
    }
    if (ndim == 2 && a.strides(0) % item != 0) {
        throw py::value_error(std::string(name) +
                              ": row stride is not a multiple of the item size");
    }
    if (ndim == 1 && a.shape(0) > 1 && a.strides(0) != item) {
        throw py::value_error(std::string(name) + ": must be contiguous");
    }
}

template <class T>
divergence::DenseView<T> dense_view(const py::array& a, const char* name) {
    require_rows<T>(a, name);
    divergence::DenseView<T> v;
    v.data = static_cast<const T*>(a.data());
    v.rows = a.shape(0);
    v.cols = a.shape(1);
    v.row_stride = a.shape(0) > 1 ? a.strides(0) / static_cast<py::ssize_t>(sizeof(T)) : v.cols;
    return v;
}

template <class T>
divergence::OutView<T> out_view(py::array& a, const char* name) {
    require_rows<T>(a, name);
    if (!a.writeable()) throw py::value_error(std::string(name) + ": array is read-only");
    // No two cells may share memory: rows forward, at least a row apart.
    if (a.shape(0) > 1 && a.strides(0) < a.shape(1) * static_cast<py::ssize_t>(sizeof(T))) {
        throw py::value_error(std::string(name) + ": rows overlap (row stride " +
                              std::to_string(a.strides(0)) + " bytes); pass a C-contiguous array");
    }
    divergence::OutView<T> v;
    v.data = static_cast<T*>(a.mutable_data());
    v.rows = a.shape(0);
    v.cols = a.shape(1);
    v.row_stride = a.shape(0) > 1 ? a.strides(0) / static_cast<py::ssize_t>(sizeof(T)) : v.cols;
    return v;
}

// A CSR matrix passed as (indptr int64, indices int32, data T, n_cols); its structure is
// checked with n_threads threads (the GIL stays held: no Python is touched).
template <class T>
divergence::CsrView<T> csr_view(const py::array& indptr, const py::array& indices,
                                const py::array& data, int64_t n_cols, const char* name,
                                int n_threads = 1) {
    require_rows<int64_t>(indptr, (std::string(name) + ".indptr").c_str(), 1);
    require_rows<int32_t>(indices, (std::string(name) + ".indices").c_str(), 1);
    require_rows<T>(data, (std::string(name) + ".data").c_str(), 1);
    if (indptr.shape(0) < 1) throw py::value_error(std::string(name) + ": empty indptr");
    divergence::CsrView<T> v;
    v.indptr = static_cast<const int64_t*>(indptr.data());
    v.indices = static_cast<const int32_t*>(indices.data());
    v.data = static_cast<const T*>(data.data());
    v.rows = indptr.shape(0) - 1;
    v.cols = n_cols;
    const int64_t nnz = v.indptr[v.rows] - v.indptr[0];
    if (v.indptr[0] < 0 || nnz < 0 || indices.shape(0) < v.indptr[v.rows] ||
        data.shape(0) < v.indptr[v.rows]) {
        throw py::value_error(std::string(name) + ": indptr does not match indices/data");
    }
    // Structure checks (the core trusts them): monotone indptr, sorted in-range columns.
    divergence::check_csr_structure(v.indptr, v.indices, v.rows, n_cols, name, n_threads);
    return v;
}

// A CSR matrix passed from Python as the tuple (indptr, indices, data, n_cols).
template <class T>
divergence::CsrView<T> csr_tuple(const py::tuple& t, const char* name, int n_threads = 1) {
    if (t.size() != 4) {
        throw py::type_error(std::string(name) + ": expected (indptr, indices, data, n_cols)");
    }
    return csr_view<T>(t[0].cast<py::array>(), t[1].cast<py::array>(), t[2].cast<py::array>(),
                       t[3].cast<int64_t>(), name, n_threads);
}

}  // namespace divergence_py

void register_metrics(py::module_& m);
void register_pairwise(py::module_& m);
void register_tokenize(py::module_& m);
void register_groups(py::module_& m);
void register_scaling(py::module_& m);
void register_partisan(py::module_& m);
void register_coherence(py::module_& m);
void register_windows(py::module_& m);
void register_replicates(py::module_& m);
void register_entropy(py::module_& m);
