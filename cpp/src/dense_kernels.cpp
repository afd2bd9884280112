// Dense tile kernels, compiled once per instruction set (DIVERGENCE_CLONES) and picked at load.
// Each pair is one fused pass over the padded columns with kLanes independent accumulators,
// reduced in a fixed tree order: the same bits for any thread count.
#include <algorithm>

#include "kernels.hpp"

namespace divergence {
namespace detail {

namespace {

template <class T>
DIVERGENCE_INLINE double reduce_lanes(const double* l) {
    constexpr int64_t L = kLanes<T>;
    double t[L];
    for (int64_t i = 0; i < L; ++i) t[i] = l[i];
    for (int64_t w = L / 2; w >= 1; w /= 2) {
        for (int64_t i = 0; i < w; ++i) t[i] = t[i] + t[i + w];
    }
    return t[0];
}

template <class T, Op op>
DIVERGENCE_INLINE double pair_sum(const T* __restrict a, const T* __restrict b, int64_t W) {
    constexpr int64_t L = kLanes<T>;
    double lanes[L] = {};
    if constexpr (op != Op::dot2 && sizeof(T) == 8) {
        for (int64_t k = 0; k < W; k += L) {
            for (int64_t l = 0; l < L; ++l) {
                const T x = a[k + l];
                const T y = b[k + l];
                if constexpr (op == Op::mixlog) {
                    lanes[l] += xlogx<T>(x + y);
                } else if constexpr (op == Op::dot) {
                    lanes[l] += x * y;
                } else {
                    lanes[l] += x < y ? x : y;
                }
            }
        }
    } else if constexpr (op == Op::dot2) {
        const T* a2 = a + W;
        const T* b2 = b + W;
        for (int64_t k = 0; k < W; k += L) {
            T u[L], w[L];
            for (int64_t l = 0; l < L; ++l) {
                const T x = a[k + l] * b2[k + l];
                const T y = b[k + l] * a2[k + l];
                // min + max: the same bits when the two rows swap, even where the compiler
                // fuses a multiply into the add.
                u[l] = x < y ? x : y;
                w[l] = x < y ? y : x;
            }
            for (int64_t l = 0; l < L; ++l) {
                lanes[l] += static_cast<double>(u[l]) + static_cast<double>(w[l]);
            }
        }
    } else if constexpr (op != Op::dot2) {
        // float32: accumulate in float lanes (each lane sums W / 16 terms: a handful for topic
        // rows), widened to double for the final reduction.
        float fl[L] = {};
        for (int64_t k = 0; k < W; k += L) {
            for (int64_t l = 0; l < L; ++l) {
                const T x = a[k + l];
                const T y = b[k + l];
                if constexpr (op == Op::mixlog) {
                    fl[l] += xlogx<T>(x + y);
                } else if constexpr (op == Op::dot) {
                    fl[l] += x * y;
                } else {
                    fl[l] += x < y ? x : y;
                }
            }
        }
        for (int64_t l = 0; l < L; ++l) lanes[l] = static_cast<double>(fl[l]);
    }
    return reduce_lanes<T>(lanes);
}

template <class T, Op op>
DIVERGENCE_INLINE void tile_impl(const TileArgs<T>& t) {
    for (int64_t i = 0; i < t.ni; ++i) {
        const T* a = t.A + i * t.lda;
        const int64_t j0 = std::max<int64_t>(0, i + t.diag + 1);
        for (int64_t j = j0; j < t.nj; ++j) {
            t.acc[i * t.nj + j] = pair_sum<T, op>(a, t.B + j * t.ldb, t.W);
        }
    }
}

DIVERGENCE_CLONES void tile_mixlog_f64(const TileArgs<double>& t) {
    tile_impl<double, Op::mixlog>(t);
}
DIVERGENCE_CLONES void tile_dot_f64(const TileArgs<double>& t) { tile_impl<double, Op::dot>(t); }
DIVERGENCE_CLONES void tile_min_f64(const TileArgs<double>& t) { tile_impl<double, Op::min>(t); }
DIVERGENCE_CLONES void tile_dot2_f64(const TileArgs<double>& t) { tile_impl<double, Op::dot2>(t); }
DIVERGENCE_CLONES void tile_mixlog_f32(const TileArgs<float>& t) {
    tile_impl<float, Op::mixlog>(t);
}
DIVERGENCE_CLONES void tile_dot_f32(const TileArgs<float>& t) { tile_impl<float, Op::dot>(t); }
DIVERGENCE_CLONES void tile_min_f32(const TileArgs<float>& t) { tile_impl<float, Op::min>(t); }
DIVERGENCE_CLONES void tile_dot2_f32(const TileArgs<float>& t) { tile_impl<float, Op::dot2>(t); }

}  // namespace

void tile_f64(Op op, const TileArgs<double>& t) {
    switch (op) {
        case Op::mixlog: return tile_mixlog_f64(t);
        case Op::dot: return tile_dot_f64(t);
        case Op::min: return tile_min_f64(t);
        case Op::dot2: return tile_dot2_f64(t);
    }
}

void tile_f32(Op op, const TileArgs<float>& t) {
    switch (op) {
        case Op::mixlog: return tile_mixlog_f32(t);
        case Op::dot: return tile_dot_f32(t);
        case Op::min: return tile_min_f32(t);
        case Op::dot2: return tile_dot2_f32(t);
    }
}

namespace {
DIVERGENCE_CLONES void log_array_f64(const double* x, double* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = fast_log(x[i]);
}
DIVERGENCE_CLONES void log_array_f32(const float* x, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = fast_log(x[i]);
}
}  // namespace

void fast_log_array(const double* x, double* y, int64_t n) { log_array_f64(x, y, n); }
void fast_log_array(const float* x, float* y, int64_t n) { log_array_f32(x, y, n); }

}  // namespace detail
}  // namespace divergence
