// divergence._core: the compiled core. Private: import `divergence`, not this module.
#include "pybind11.hpp"

PYBIND11_MODULE(_core, m) {
    m.doc() = "Compiled core of divergence (private; use the divergence package).";
    register_metrics(m);
    register_pairwise(m);
    register_tokenize(m);
    register_groups(m);
    register_scaling(m);
    register_partisan(m);
    register_coherence(m);
    register_windows(m);
    register_replicates(m);
    register_entropy(m);
}
