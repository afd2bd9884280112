// The assertion macros of the core-only tests (one executable per area, registered with ctest).
// A failed check prints its file, line and expression and the test goes on; report() at the
// end of main gives the exit status (non-zero when a check failed or none ran).
#pragma once

#include <cmath>
#include <cstdio>

namespace check {

inline int failures = 0;
inline int passed = 0;

inline void record(bool ok, const char* file, int line, const char* what) {
    if (ok) {
        ++passed;
    } else {
        ++failures;
        std::fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

// |a - b| <= tol (1 + |b|), NaN only where both are NaN, infinities only where equal.
inline bool close(double a, double b, double tol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= tol * (1.0 + std::fabs(b));
}

inline int report(const char* name) {
    if (failures == 0 && passed > 0) {
        std::printf("%s: all %d checks passed\n", name, passed);
        return 0;
    }
    std::fprintf(stderr, "%s: %d of %d checks failed\n", name, failures, failures + passed);
    return 1;
}

}  // namespace check

#define CHECK(cond) ::check::record(static_cast<bool>(cond), __FILE__, __LINE__, #cond)

#define CHECK_CLOSE(a, b, tol)                                                            \
    do {                                                                                  \
        const double check_a_ = (a), check_b_ = (b);                                      \
        const bool check_ok_ = ::check::close(check_a_, check_b_, (tol));                 \
        ::check::record(check_ok_, __FILE__, __LINE__, #a " close to " #b);               \
        if (!check_ok_) std::fprintf(stderr, "    %.17g vs %.17g\n", check_a_, check_b_); \
    } while (0)

// expr must throw an exception of type Exc (or derived).
#define CHECK_THROWS(expr, Exc)                                                    \
    do {                                                                           \
        bool check_thrown_ = false;                                                \
        try {                                                                      \
            expr;                                                                  \
        } catch (const Exc&) {                                                     \
            check_thrown_ = true;                                                  \
        }                                                                          \
        ::check::record(check_thrown_, __FILE__, __LINE__, #expr " throws " #Exc); \
    } while (0)
