// Tokeniser bindings (filled in by the tokeniser work of the compare issue).
#include "pybind11.hpp"

void register_tokenize(py::module_&) {}
