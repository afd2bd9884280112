// Binding of the metric table (metrics.hpp): the one list of metric names and properties, which
// the Python layer reads for METRICS and LOG_METRICS.
#include "divergence/metrics.hpp"
#include "pybind11.hpp"

void register_metrics(py::module_& m) {
    m.def(
        "metric_table",
        []() -> py::typing::List<py::dict> {
            py::typing::List<py::dict> rows;
            for (const divergence::MetricInfo& info : divergence::kMetricTable) {
                py::dict row;
                row["name"] = std::string(info.name);
                row["id"] = static_cast<int>(info.id);
                row["uses_log"] = info.uses_log;
                row["symmetric"] = info.symmetric;
                row["uses_alpha"] = info.uses_alpha;
                rows.append(row);
            }
            return rows;
        },
        "The metrics, in the core's order: a list of dicts {name, id, uses_log, symmetric, "
        "uses_alpha}.");
}
