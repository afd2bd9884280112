// Metric names, their properties, and the per-element helpers every kernel shares:
// a branch-free natural logarithm that compilers vectorise, in float64 and float32.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// Runtime dispatch: hot kernels are compiled for AVX-512, AVX2+FMA-class and baseline x86-64,
// and the loader picks one (GCC/Clang ifunc). Elsewhere (arm64, other compilers) one portable
// build. The AVX2/AVX-512 clones use fused multiply-adds, so the last bits of a result can
// differ between CPUs; on one machine a result never depends on the number of threads.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(DIVERGENCE_NO_CLONES)
#define DIVERGENCE_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DIVERGENCE_CLONES
#endif

#if defined(__GNUC__)
#define DIVERGENCE_INLINE inline __attribute__((always_inline))
#else
#define DIVERGENCE_INLINE inline
#endif

namespace divergence {

// Bad input: mapped to Python's ValueError by the bindings.
struct InputError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

enum class Metric { jsd, jensenshannon, kl, jeffreys, hellinger, bhattacharyya, tv, cosine };

// The metric table: one row per metric, in the order of the enum. Everything that names or
// classifies metrics reads it: parse_metric, the properties below, the error messages, and
// Python's METRICS / LOG_METRICS through _core.metric_table(). Adding a metric: a value in the
// enum, a row here, its transform in prepare.cpp and its finaliser in kernels.hpp.
struct MetricInfo {
    Metric id;
    std::string_view name;
    bool uses_log;    // measured in log units, so that `base` applies
    bool symmetric;   // d(p, q) == d(q, p)
    bool uses_alpha;  // additive smoothing (alpha) applies
};

// clang-format off
inline constexpr MetricInfo kMetricTable[] = {
    // id                    name             uses_log symmetric uses_alpha
    {Metric::jsd,            "jsd",           true,    true,     false},
    {Metric::jensenshannon,  "jensenshannon", true,    true,     false},
    {Metric::kl,             "kl",            true,    false,    true},
    {Metric::jeffreys,       "jeffreys",      true,    true,     true},
    {Metric::hellinger,      "hellinger",     false,   true,     false},
    {Metric::bhattacharyya,  "bhattacharyya", true,    true,     false},
    {Metric::tv,             "tv",            false,   true,     false},
    {Metric::cosine,         "cosine",        false,   true,     false},
};
// clang-format on

constexpr bool metric_table_in_enum_order() {
    for (size_t i = 0; i < std::size(kMetricTable); ++i) {
        if (static_cast<size_t>(kMetricTable[i].id) != i) return false;
    }
    return std::size(kMetricTable) == static_cast<size_t>(Metric::cosine) + 1;
}
static_assert(metric_table_in_enum_order(), "kMetricTable: one row per Metric, in enum order");

constexpr const MetricInfo& metric_info(Metric m) { return kMetricTable[static_cast<size_t>(m)]; }
inline std::string metric_name(Metric m) { return std::string(metric_info(m).name); }
constexpr bool metric_is_symmetric(Metric m) { return metric_info(m).symmetric; }
constexpr bool metric_uses_log(Metric m) { return metric_info(m).uses_log; }
constexpr bool metric_uses_alpha(Metric m) { return metric_info(m).uses_alpha; }

// Names of the metrics for which keep(info) holds, in table order, for messages: "a, b, c", or
// "a, b and c" with last = " and ".
template <class Keep>
std::string metric_names(Keep keep, const char* last = ", ") {
    std::vector<std::string_view> names;
    for (const MetricInfo& info : kMetricTable) {
        if (keep(info)) names.push_back(info.name);
    }
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? last : ", ";
        out += names[i];
    }
    return out;
}

inline Metric parse_metric(std::string_view name) {
    for (const MetricInfo& info : kMetricTable) {
        if (info.name == name) return info.id;
    }
    throw InputError("metric: unknown metric '" + std::string(name) + "'; valid metrics are " +
                     metric_names([](const MetricInfo&) { return true; }));
}

struct MetricOptions {
    Metric metric = Metric::jsd;
    double alpha = 0.0;     // additive smoothing for kl / jeffreys (pseudo-count per entry)
    double base = 0.0;      // 0: natural log (nats); else log base (2 = bits)
    bool normalize = true;  // rows are counts/weights to normalise; false: rows are probabilities
};

inline void check_metric_options(const MetricOptions& o) {
    if (!(o.alpha >= 0.0) || !std::isfinite(o.alpha)) {
        throw InputError("alpha: must be a finite number >= 0, got " + std::to_string(o.alpha));
    }
    if (o.alpha > 0.0 && !metric_uses_alpha(o.metric)) {
        throw InputError("alpha: smoothing applies only to " +
                         metric_names([](const MetricInfo& i) { return i.uses_alpha; }, " and ") +
                         "; use alpha=0 for other metrics");
    }
    if (o.base != 0.0) {
        if (!std::isfinite(o.base) || !(o.base > 1.0)) {
            throw InputError("base: must be a number greater than 1 (2 for bits), got " +
                             std::to_string(o.base));
        }
        if (!metric_uses_log(o.metric)) {
            throw InputError(
                "base: applies only to log-based metrics (" +
                metric_names([](const MetricInfo& i) { return i.uses_log; }) +
                "); leave base=None for " +
                metric_names([](const MetricInfo& i) { return !i.uses_log; }, " and "));
        }
    }
}

// Multiplier that converts nats into the requested unit.
inline double log_scale(const MetricOptions& o) {
    return o.base == 0.0 ? 1.0 : 1.0 / std::log(o.base);
}

inline constexpr double kLn2 = 0.693147180559945309417232121458176568;

// ---------------------------------------------------------------------------------------------
// Fast natural logarithm, branch-free so that loops over it vectorise.
//
// x = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1)/(m + 1),
// |s| <= 0.1716, evaluated as 2 s + s z P(z), z = s^2, with P a degree-4 Chebyshev fit of the
// series 2/3 + 2z/5 + 2z^2/7 + ... (float64: relative error < 1.1e-13 before rounding), float32
// the series to s^9 (< 1e-7). Inputs must be positive and finite; callers clamp zero to the
// smallest normal number and multiply the result by the (zero) weight, so 0 * ln 0 contributes 0.
// ---------------------------------------------------------------------------------------------
DIVERGENCE_INLINE double fast_log(double x) {
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    // Adding (1.0's bits - sqrt(1/2)'s bits) moves the exponent boundary to sqrt(1/2), so the
    // exponent field of `ix` is e + 1023 for x = 2^e m with m in [sqrt(1/2), sqrt(2)): no
    // compare, no select (selects made compilers duplicate the whole polynomial per branch).
    const uint64_t ix = bits + 0x00095F619980C433ULL;
    const uint64_t top = ix & 0xFFF0000000000000ULL;
    const uint64_t mbits = bits - (top - 0x3FF0000000000000ULL);
    double m;
    std::memcpy(&m, &mbits, sizeof m);
    // Exponent field as a double without int->double conversion (vectorises on AVX2):
    // the double with bits 0x4330000000000000 | field equals 2^52 + field.
    const uint64_t ebits = (ix >> 52) | 0x4330000000000000ULL;
    double e;
    std::memcpy(&e, &ebits, sizeof e);
    e -= 4503599627370496.0 + 1023.0;  // 2^52 + bias
    const double s = (m - 1.0) / (m + 1.0);
    const double z = s * s;
    // (ln m - 2s) / (s z) = 2/3 + 2z/5 + 2z^2/7 + ... on z in [0, 0.0295]: a degree-4
    // Chebyshev fit (near-minimax) of that series, relative error of ln m below 1.1e-13.
    double p = 0.193634451306301;
    p = p * z + 0.22191354272666713;
    p = p * z + 0.2857175539153621;
    p = p * z + 0.3999999879230872;
    p = p * z + 0.6666666666737968;
    const double lnm = 2.0 * s + s * z * p;
    constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 to 32 bits: e * ln2_hi is exact
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    return e * ln2_hi + (lnm + e * ln2_lo);
}

DIVERGENCE_INLINE float fast_log(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const uint32_t ix = bits + (0x3F800000u - 0x3F3504F3u);
    const uint32_t top = ix & 0xFF800000u;
    const uint32_t mbits = bits - (top - 0x3F800000u);
    float m;
    std::memcpy(&m, &mbits, sizeof m);
    const float e = static_cast<float>(static_cast<int32_t>(ix >> 23) - 127);
    const float s = (m - 1.0f) / (m + 1.0f);
    const float z = s * s;
    float p = 2.0f / 9.0f;
    p = p * z + 2.0f / 7.0f;
    p = p * z + 2.0f / 5.0f;
    p = p * z + 2.0f / 3.0f;
    const float lnm = 2.0f * s + s * z * p;
    return e * 0.693147182f + lnm;
}

// x ln x with 0 ln 0 = 0, vectorisable.
template <class T>
DIVERGENCE_INLINE T xlogx(T x) {
    // max(x, smallest normal) on the bit patterns (x >= 0, so integer order = value order):
    // integer selects if-convert and vectorise where a float compare may not.
    using U = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
    constexpr U tiny = sizeof(T) == 8 ? U(0x0010000000000000ULL) : U(0x00800000u);
    U bits;
    std::memcpy(&bits, &x, sizeof bits);
    bits = bits > tiny ? bits : tiny;
    T safe;
    std::memcpy(&safe, &bits, sizeof safe);
    return x * fast_log(safe);
}

// Precise x ln x for preparation passes (not in hot loops).
inline double xlogx_precise(double x) { return x > 0.0 ? x * std::log(x) : 0.0; }

// ln((x + a) / a) for a count x >= 0 smoothed by a > 0: log1p(x / a), or ln x - ln a where x / a
// overflows (x > a * DBL_MAX), so that a huge count never turns the term into infinity.
inline double smoothed_log_ratio(double x, double a) {
    const double r = x / a;
    return std::isfinite(r) ? std::log1p(r) : std::log(x) - std::log(a);
}

}  // namespace divergence
