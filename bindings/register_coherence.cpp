// Bindings for topic coherence (NPMI of top-word pairs from document co-occurrence counts).
#include "divergence/coherence.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

}  // namespace

void register_coherence(py::module_& m) {
    m.def(
        "npmi_coherence",
        [](const py::tuple& X, const py::array& topic_ptr, const py::array& words, int n_jobs) {
            const CsrView<double> xv = csr_tuple<double>(X, "X");
            require_rows<int64_t>(topic_ptr, "topic_ptr", 1);
            require_rows<int32_t>(words, "words", 1);
            if (topic_ptr.shape(0) < 1)
                throw py::value_error("topic_ptr: must have n_topics + 1 entries");
            check_jobs(n_jobs);
            const auto* tp = static_cast<const int64_t*>(topic_ptr.data());
            const int64_t n_topics = topic_ptr.shape(0) - 1;
            if (tp[0] != 0) throw py::value_error("topic_ptr: must start at 0");
            int64_t n_pairs = 0;
            for (int64_t t = 0; t < n_topics; ++t) {
                if (tp[t + 1] < tp[t]) {
                    throw py::value_error("topic_ptr: decreases at topic " + std::to_string(t));
                }
                const int64_t n = tp[t + 1] - tp[t];
                n_pairs += n * (n - 1) / 2;
            }
            if (tp[n_topics] != words.shape(0)) {
                throw py::value_error("topic_ptr: last entry " + std::to_string(tp[n_topics]) +
                                      " does not match the " + std::to_string(words.shape(0)) +
                                      " words");
            }
            const auto* w = static_cast<const int32_t*>(words.data());
            py::array_t<double> out(static_cast<py::ssize_t>(n_topics));
            py::array_t<double> pairs(static_cast<py::ssize_t>(n_pairs));
            double* po = out.mutable_data();
            double* pp = pairs.mutable_data();
            const StopCheck stop = make_stop_check();
            RunOptions ro = run_options(n_jobs, &stop);
            run_without_gil([&] { npmi_coherence(xv, tp, w, n_topics, ro, po, pp); });
            return py::make_tuple(out, pairs);
        },
        py::arg("X"), py::arg("topic_ptr"), py::arg("words"), py::arg("n_jobs"),
        "NPMI coherence per topic (n_topics,) and per word pair, from CSR counts (only non-zero "
        "entries matter), topic offsets (int64, n_topics + 1) and word ids (int32).");
}
