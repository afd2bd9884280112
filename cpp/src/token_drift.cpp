// Token-stream drift: JSD of adjacent token windows in O(1) per token (see windows.hpp).
#include <cmath>
#include <string>
#include <vector>

#include "divergence/windows.hpp"

namespace divergence {

int64_t token_drift_count(int64_t n, int64_t window, int64_t step) {
    if (window < 1 || step < 1 || n < 2 * window) return 0;
    return (n - 2 * window) / step + 1;
}

int64_t token_drift(const int64_t* tokens, int64_t n, int64_t n_types, int64_t window, int64_t step,
                    double scale, bool incremental, int64_t* positions, double* out) {
    if (window < 1) throw InputError("window: must be >= 1 token, got " + std::to_string(window));
    if (step < 1) throw InputError("step: must be >= 1 token, got " + std::to_string(step));
    if (n_types < 1) throw InputError("n_types: must be >= 1");
    for (int64_t i = 0; i < n; ++i) {
        if (tokens[i] < 0 || tokens[i] >= n_types) {
            throw InputError("tokens: token " + std::to_string(i) + " has id " +
                             std::to_string(tokens[i]) + " outside [0, " + std::to_string(n_types) +
                             ")");
        }
    }
    const int64_t count = token_drift_count(n, window, step);
    if (count == 0) return 0;
    using I128 = __int128;
    // G[x] = x ln x in 2^-64 fixed point, x = 0 .. 2 window.
    std::vector<I128> G(static_cast<size_t>(2 * window + 1));
    const long double two64 = 18446744073709551616.0L;
    for (int64_t x = 0; x <= 2 * window; ++x) {
        const long double lx = static_cast<long double>(x);
        G[static_cast<size_t>(x)] =
            x < 2 ? I128(0) : static_cast<I128>(lx * std::log(lx) * two64 + 0.5L);
    }
    std::vector<int32_t> a(static_cast<size_t>(n_types), 0), bcnt(static_cast<size_t>(n_types), 0);
    auto f = [&](int64_t t) -> I128 {
        const int32_t x = a[static_cast<size_t>(t)], y = bcnt[static_cast<size_t>(t)];
        return G[static_cast<size_t>(x)] + G[static_cast<size_t>(y)] -
               G[static_cast<size_t>(x + y)];
    };
    const double to_value = 1.0 / (2.0 * static_cast<double>(window)) / 18446744073709551616.0;
    auto value = [&](I128 S) {
        double v = kLn2 + static_cast<double>(S) * to_value;
        return (v > 0.0 ? v : 0.0) * scale;
    };
    if (!incremental) {
        std::vector<int64_t> touched;
        for (int64_t k = 0; k < count; ++k) {
            const int64_t i = window + k * step;
            touched.clear();
            for (int64_t j = i - window; j < i; ++j) {
                if (a[static_cast<size_t>(tokens[j])]++ == 0 &&
                    bcnt[static_cast<size_t>(tokens[j])] == 0)
                    touched.push_back(tokens[j]);
            }
            for (int64_t j = i; j < i + window; ++j) {
                if (bcnt[static_cast<size_t>(tokens[j])]++ == 0 &&
                    a[static_cast<size_t>(tokens[j])] == 0)
                    touched.push_back(tokens[j]);
            }
            I128 S = 0;
            for (int64_t t : touched) S += f(t);
            for (int64_t t : touched) a[static_cast<size_t>(t)] = bcnt[static_cast<size_t>(t)] = 0;
            positions[k] = i;
            out[k] = value(S);
        }
        return count;
    }
    I128 S = 0;
    auto update = [&](int64_t t, int32_t da, int32_t db) {
        S -= f(t);
        a[static_cast<size_t>(t)] += da;
        bcnt[static_cast<size_t>(t)] += db;
        S += f(t);
    };
    // First boundary i = window: fill both windows.
    for (int64_t j = 0; j < window; ++j) update(tokens[j], 1, 0);
    for (int64_t j = window; j < 2 * window; ++j) update(tokens[j], 0, 1);
    positions[0] = window;
    out[0] = value(S);
    int64_t i = window;
    for (int64_t k = 1; k < count; ++k) {
        // Move the boundary by `step` tokens, one at a time: O(1) each.
        for (int64_t s = 0; s < step; ++s, ++i) {
            update(tokens[i - window], -1, 0);  // leaves the left window
            update(tokens[i], 1, -1);           // crosses from right to left
            update(tokens[i + window], 0, 1);   // enters the right window
        }
        positions[k] = i;
        out[k] = value(S);
    }
    return count;
}

}  // namespace divergence
