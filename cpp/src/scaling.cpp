// Wordfish on sparse counts (see scaling.hpp for the model, the solvers and the guarantees).
//
// Notation: documents i < N, features k < V; eta_ik = alpha_i + psi_k + beta_k theta_i,
// lambda_ik = exp(eta_ik); phi_k the dispersion (1 for Poisson); p_a, p_p, p_b, p_t the prior
// precisions. The log-posterior (up to constants) is
//   lp = sum_ik [y_ik eta_ik - lambda_ik]
//        - 1/2 (p_a |alpha|^2 + p_p |psi|^2 + p_b |beta|^2 + p_t |theta|^2)
// and it is evaluated as sum over stored counts of y eta minus, per document, the sum of
// lambda over all features: no dense N x V array is ever formed.
//
// Feature step, for each k (theta, alpha fixed), Newton on (psi_k, beta_k) with
//   S_m = sum_i theta_i^m lambda_ik (m = 0, 1, 2),
//   g = ((c_k - S_0)/phi_k - p_p psi_k, (sum_i theta_i y_ik - S_1)/phi_k - p_b beta_k),
//   H = [[-S_0/phi_k - p_p, -S_1/phi_k], [-S_1/phi_k, -S_2/phi_k - p_b]],
//   (psi_k, beta_k) -= step * H^{-1} g.
// Document step, for each i (psi, beta, phi fixed), Newton on (alpha_i, theta_i) with
//   T_m = sum_k beta_k^m lambda_ik / phi_k,
//   g = (sum_k y_ik/phi_k - T_0 - p_a alpha_i, sum_k beta_k y_ik/phi_k - T_1 - p_t theta_i),
//   H = [[-T_0 - p_a, -T_1], [-T_1, -T_2 - p_t]].
// A step whose result is not finite is not taken (the inner loop of that parameter stops).
#include "divergence/scaling.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "divergence/metrics.hpp"
#include "divergence/parallel.hpp"

namespace divergence {

namespace {

// exp(x), branch-free so that loops over it vectorise; about 1 ulp. x is clamped to
// [-708, 709] (exp(-708) ~ 3e-308 stands in for underflow to 0). Range reduction
// x = n ln2 + r, |r| <= ln2/2, with ln2 split so that n * ln2_hi is exact; exp(r) by its Taylor
// series to r^13 (truncation < 2e-17 relative); 2^n built in the exponent bits.
DIVERGENCE_INLINE double wf_exp(double x) {
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    constexpr double shifter = 6755399441055744.0;  // 1.5 * 2^52: rounds to an integer
    const double kd = x * 1.4426950408889634074 + shifter;
    uint64_t kbits;
    std::memcpy(&kbits, &kd, sizeof kbits);
    const double n = kd - shifter;
    constexpr double ln2_hi = 6.93147180369123816490e-01;
    constexpr double ln2_lo = 1.90821492927058770002e-10;
    const double r = (x - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r * r + r;
    // The low bits of kbits hold n (two's complement in the mantissa field).
    const uint64_t sbits = (kbits + 1023u) << 52;
    double scale;
    std::memcpy(&scale, &sbits, sizeof scale);
    return scale + scale * p;
}

constexpr int kL = 8;  // accumulator lanes: fixed, so every build sums in the same order

DIVERGENCE_INLINE double combine(const double* s) {
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// S[j] = sum_i w_j[i] exp(c + a[i] + t b[i]), j = 0, 1, 2.
DIVERGENCE_CLONES
void expsum3(const double* a, const double* b, const double* w0, const double* w1, const double* w2,
             double c, double t, int64_t n, double* S) {
    double s0[kL] = {0}, s1[kL] = {0}, s2[kL] = {0};
    int64_t i = 0;
    for (; i + kL <= n; i += kL) {
        for (int l = 0; l < kL; ++l) {
            const double e = wf_exp(c + a[i + l] + t * b[i + l]);
            s0[l] += w0[i + l] * e;
            s1[l] += w1[i + l] * e;
            s2[l] += w2[i + l] * e;
        }
    }
    double r0 = 0.0, r1 = 0.0, r2 = 0.0;
    for (; i < n; ++i) {
        const double e = wf_exp(c + a[i] + t * b[i]);
        r0 += w0[i] * e;
        r1 += w1[i] * e;
        r2 += w2[i] * e;
    }
    S[0] = combine(s0) + r0;
    S[1] = combine(s1) + r1;
    S[2] = combine(s2) + r2;
}

// sum_i exp(c + a[i] + t b[i]).
DIVERGENCE_CLONES
double expsum1(const double* a, const double* b, double c, double t, int64_t n) {
    double s0[kL] = {0};
    int64_t i = 0;
    for (; i + kL <= n; i += kL) {
        for (int l = 0; l < kL; ++l) s0[l] += wf_exp(c + a[i + l] + t * b[i + l]);
    }
    double r0 = 0.0;
    for (; i < n; ++i) r0 += wf_exp(c + a[i] + t * b[i]);
    return combine(s0) + r0;
}

// Counts in both orientations. Owns storage when built from simulated counts.
struct Problem {
    int64_t N = 0, V = 0;
    // rows (CSR), 0-based offsets
    const int64_t* rp = nullptr;
    const int32_t* ri = nullptr;
    const double* rv = nullptr;
    int64_t rbase = 0;
    // columns (CSC)
    std::vector<int64_t> cp;
    std::vector<int32_t> crow;
    std::vector<double> cval;
    // storage for simulated counts
    std::vector<int64_t> own_rp;
    std::vector<int32_t> own_ri;
    std::vector<double> own_rv;

    void build_columns() {
        const int64_t nnz = rp[N] - rp[0];
        cp.assign(static_cast<size_t>(V + 1), 0);
        for (int64_t q = 0; q < nnz; ++q) ++cp[static_cast<size_t>(ri[rbase + q]) + 1];
        for (int64_t k = 0; k < V; ++k)
            cp[static_cast<size_t>(k + 1)] += cp[static_cast<size_t>(k)];
        crow.resize(static_cast<size_t>(nnz));
        cval.resize(static_cast<size_t>(nnz));
        std::vector<int64_t> pos(cp.begin(), cp.end() - 1);
        for (int64_t i = 0; i < N; ++i) {
            for (int64_t q = rp[i] - rp[0]; q < rp[i + 1] - rp[0]; ++q) {
                const int64_t dst = pos[static_cast<size_t>(ri[rbase + q])]++;
                crow[static_cast<size_t>(dst)] = static_cast<int32_t>(i);
                cval[static_cast<size_t>(dst)] = rv[rbase + q];
            }
        }
    }
    int64_t row_begin(int64_t i) const { return rbase + rp[i] - rp[0]; }
    int64_t row_end(int64_t i) const { return rbase + rp[i + 1] - rp[0]; }
};

struct State {
    std::vector<double> alpha, theta, psi, beta, phi;
};

double sum_sq(const std::vector<double>& x) {
    double s = 0.0;
    for (double v : x) s += v * v;
    return s;
}

double mean_of(const std::vector<double>& x) {
    double s = 0.0;
    for (double v : x) s += v;
    return s / static_cast<double>(x.size());
}

// Log-posterior (up to constants), per-document partials added in document order.
double log_posterior(const Problem& P, const State& s, const WordfishOptions& opt,
                     const ParallelConfig& pc, std::vector<double>& per_doc) {
    per_doc.assign(static_cast<size_t>(P.N), 0.0);
    parallel_for(P.N, balanced_chunk(P.N, pc.n_threads, 1, 8), pc,
                 [&](int64_t i0, int64_t i1, int) {
                     for (int64_t i = i0; i < i1; ++i) {
                         const double a = s.alpha[static_cast<size_t>(i)];
                         const double t = s.theta[static_cast<size_t>(i)];
                         double obs = 0.0;
                         for (int64_t q = P.row_begin(i); q < P.row_end(i); ++q) {
                             const auto k = static_cast<size_t>(P.ri[q]);
                             obs += P.rv[q] * (a + s.psi[k] + s.beta[k] * t);
                         }
                         per_doc[static_cast<size_t>(i)] =
                             obs - expsum1(s.psi.data(), s.beta.data(), a, t, P.V);
                     }
                 });
    double lp =
        -(0.5 * (sum_sq(s.alpha) * opt.prec_alpha) + 0.5 * (sum_sq(s.psi) * opt.prec_psi) +
          0.5 * (sum_sq(s.beta) * opt.prec_beta) + 0.5 * (sum_sq(s.theta) * opt.prec_theta));
    for (double v : per_doc) lp += v;
    return lp;
}

struct Scratch {
    std::vector<double> ones_n, theta2, w, wb, wbb, per_doc, per_feat;
};

// Newton on (alpha_i, theta_i) with psi, beta, phi fixed (w = 1/phi, wb = beta/phi,
// wbb = beta^2/phi). Returns the number of steps; *cc_out the last step size.
// guarded (the converged solver): a step is taken only if it does not lower the document's
// penalised objective f = alpha sy + theta sby - T_0 - pa alpha^2/2 - pt theta^2/2 (concave), else
// it is halved (at most kMaxHalvings times); the quanteda procedure takes every finite step.
constexpr int kMaxHalvings = 40;

// Accept a candidate of a guarded step: not below the current objective beyond rounding.
DIVERGENCE_INLINE bool not_lower(double f_new, double f_old) {
    return std::isfinite(f_new) && f_new >= f_old - 1e-12 * (1.0 + std::fabs(f_old));
}

int doc_newton(const Problem& P, int64_t i, const State& s, const Scratch& sc, double pa, double pt,
               double step, int max_inner, double inner_tol, double& alpha, double& theta,
               double* cc_out, bool guarded = false) {
    double sy = 0.0, sby = 0.0;
    for (int64_t q = P.row_begin(i); q < P.row_end(i); ++q) {
        const auto k = static_cast<size_t>(P.ri[q]);
        sy += P.rv[q] * sc.w[k];
        sby += P.rv[q] * sc.wb[k];
    }
    double cc = std::numeric_limits<double>::infinity();
    int it = 0;
    auto objective = [&](double a, double t, const double* Tm) {
        return a * sy + t * sby - Tm[0] - 0.5 * pa * a * a - 0.5 * pt * t * t;
    };
    double T[3];
    bool have_T = false;  // T holds the sums at (alpha, theta)
    double f = 0.0;
    while (it < max_inner) {
        ++it;
        if (!have_T) {
            expsum3(s.psi.data(), s.beta.data(), sc.w.data(), sc.wb.data(), sc.wbb.data(), alpha,
                    theta, P.V, T);
            have_T = true;
            if (guarded) f = objective(alpha, theta, T);
        }
        const double g0 = sy - T[0] - alpha * pa;
        const double g1 = sby - T[1] - theta * pt;
        const double h00 = -T[0] - pa, h01 = -T[1], h11 = -T[2] - pt;
        const double det = h00 * h11 - h01 * h01;
        const double da = -(h11 * g0 - h01 * g1) / det;
        const double dt = -(h00 * g1 - h01 * g0) / det;
        double na = alpha + step * da, nt = theta + step * dt;
        if (guarded) {
            double Tn[3];
            bool ok = false;
            for (int h = 0; h <= kMaxHalvings; ++h) {
                if (std::isfinite(na) && std::isfinite(nt)) {
                    expsum3(s.psi.data(), s.beta.data(), sc.w.data(), sc.wb.data(), sc.wbb.data(),
                            na, nt, P.V, Tn);
                    const double fn = objective(na, nt, Tn);
                    if (not_lower(fn, f)) {
                        ok = true;
                        f = fn;
                        break;
                    }
                }
                step *= 0.5;
                na = alpha + step * da;
                nt = theta + step * dt;
            }
            if (!ok) break;
            cc = std::max(std::fabs(na - alpha), std::fabs(nt - theta));
            alpha = na;
            theta = nt;
            std::copy(Tn, Tn + 3, T);
        } else {
            if (!std::isfinite(na) || !std::isfinite(nt)) break;
            cc = std::max(std::fabs(na - alpha), std::fabs(nt - theta));
            alpha = na;
            theta = nt;
            have_T = false;
        }
        step = 1.0;
        if (!(cc > inner_tol)) break;
    }
    if (cc_out) *cc_out = cc;
    return it;
}

void set_doc_weights(const State& s, Scratch& sc) {
    const size_t V = s.beta.size();
    sc.w.resize(V);
    sc.wb.resize(V);
    sc.wbb.resize(V);
    for (size_t k = 0; k < V; ++k) {
        const double inv = 1.0 / s.phi[k];
        sc.w[k] = inv;
        sc.wb[k] = s.beta[k] * inv;
        sc.wbb[k] = s.beta[k] * s.beta[k] * inv;
    }
}

// Standardises theta (mean 0, sample sd 1) with beta and psi compensated: same expected counts.
void standardise_compensated(State& s) {
    const auto N = static_cast<double>(s.theta.size());
    const double mt = mean_of(s.theta);
    double ss = 0.0;
    for (double t : s.theta) ss += (t - mt) * (t - mt);
    const double sd = std::sqrt(ss / (N - 1.0));
    for (auto& t : s.theta) t = (t - mt) / sd;
    for (size_t k = 0; k < s.beta.size(); ++k) {
        s.psi[k] = s.psi[k] + s.beta[k] * mt;
        s.beta[k] = s.beta[k] * sd;
    }
}

struct RunResult {
    int n_iter = 0;
    bool converged = false;
    double lp = 0.0;
};

// The outer loop from the current state (start values or a warm start).
// warm (bootstrap replicates, started from the fit to other counts): the quanteda stopping rule
// does not compare the first iteration with the start, whose log-posterior belongs to a fit of
// other counts; the replicate runs to its own stopping point.
RunResult run_fit(const Problem& P, State& s, const WordfishOptions& opt, bool update_phi,
                  const ParallelConfig& pc, std::vector<double>* trace, bool warm = false) {
    const int64_t N = P.N, V = P.V;
    Scratch sc;
    sc.ones_n.assign(static_cast<size_t>(N), 1.0);
    sc.theta2.resize(static_cast<size_t>(N));
    sc.per_feat.resize(static_cast<size_t>(V));
    const double pa = opt.prec_alpha, pp = opt.prec_psi, pb = opt.prec_beta, pt = opt.prec_theta;
    const bool quanteda = opt.solver == WordfishSolver::quanteda;
    // The converged solver takes only steps that do not lower a block's objective (step
    // halving), so an outlying document cannot throw the expected counts out of range; the
    // quanteda procedure takes full Newton steps, as quanteda does.
    const bool guarded = !quanteda;
    const int64_t fchunk = balanced_chunk(V, pc.n_threads, 1, 8);
    const int64_t dchunk = balanced_chunk(N, pc.n_threads, 1, 8);

    RunResult res;
    double lp = log_posterior(P, s, opt, pc, sc.per_doc);
    if (trace) trace->push_back(lp);
    double lastlp = -2000000000000.0;
    double err = lp - lastlp;
    int iter = 0;
    // One outer iteration: features, documents, dispersion, identification.
    auto outer_step = [&](double first_step) {
        // Feature parameters, one task per feature.
        for (int64_t i = 0; i < N; ++i) {
            const double t = s.theta[static_cast<size_t>(i)];
            sc.theta2[static_cast<size_t>(i)] = t * t;
        }
        parallel_for(V, fchunk, pc, [&](int64_t k0, int64_t k1, int) {
            for (int64_t k = k0; k < k1; ++k) {
                const auto kk = static_cast<size_t>(k);
                double sy = 0.0, sty = 0.0;
                for (int64_t q = P.cp[kk]; q < P.cp[kk + 1]; ++q) {
                    const double y = P.cval[static_cast<size_t>(q)];
                    sy += y;
                    sty += s.theta[static_cast<size_t>(P.crow[static_cast<size_t>(q)])] * y;
                }
                const double ph = s.phi[kk];
                double psi = s.psi[kk], beta = s.beta[kk], step = first_step;
                // The feature's penalised objective (concave in psi, beta), for guarded steps.
                auto objective = [&](double p, double b, const double* Sm) {
                    return (sy * p + sty * b - Sm[0]) / ph - 0.5 * pp * p * p - 0.5 * pb * b * b;
                };
                double S[3];
                bool have_S = false;  // S holds the sums at (psi, beta)
                double f = 0.0;
                for (int it = 0; it < opt.max_inner; ++it) {
                    if (!have_S) {
                        expsum3(s.alpha.data(), s.theta.data(), sc.ones_n.data(), s.theta.data(),
                                sc.theta2.data(), psi, beta, N, S);
                        have_S = true;
                        if (guarded) f = objective(psi, beta, S);
                    }
                    const double g0 = (sy - S[0]) / ph - psi * pp;
                    const double g1 = (sty - S[1]) / ph - beta * pb;
                    const double h00 = -S[0] / ph - pp, h01 = -S[1] / ph, h11 = -S[2] / ph - pb;
                    const double det = h00 * h11 - h01 * h01;
                    const double dp = -(h11 * g0 - h01 * g1) / det;
                    const double db = -(h00 * g1 - h01 * g0) / det;
                    double np = psi + step * dp, nb = beta + step * db;
                    if (guarded) {
                        // Halve the step until the objective does not fall.
                        double Sn[3];
                        bool ok = false;
                        for (int h = 0; h <= kMaxHalvings; ++h) {
                            if (std::isfinite(np) && std::isfinite(nb)) {
                                expsum3(s.alpha.data(), s.theta.data(), sc.ones_n.data(),
                                        s.theta.data(), sc.theta2.data(), np, nb, N, Sn);
                                const double fn = objective(np, nb, Sn);
                                if (not_lower(fn, f)) {
                                    ok = true;
                                    f = fn;
                                    break;
                                }
                            }
                            step *= 0.5;
                            np = psi + step * dp;
                            nb = beta + step * db;
                        }
                        if (!ok) break;
                        std::copy(Sn, Sn + 3, S);
                    } else {
                        if (!std::isfinite(np) || !std::isfinite(nb)) break;
                        have_S = false;
                    }
                    const double cc = std::max(std::fabs(np - psi), std::fabs(nb - beta));
                    psi = np;
                    beta = nb;
                    step = 1.0;
                    if (!(cc > opt.inner_tol)) break;
                }
                s.psi[kk] = psi;
                s.beta[kk] = beta;
            }
        });

        // Document parameters, one task per document. The converged solver maximises the
        // penalised log-likelihood on the constraint set mean(theta) = 0, sd(theta) = 1, where
        // the theta prior is constant and the objective, written for any representative of the
        // same expected counts, is F = loglik - prec_beta/2 sum(beta^2) var(theta). With theta
        // standardised, var(theta) <= sum(theta^2)/(N-1) after the step, so a ridge of
        // precision prec_beta sum(beta^2)/(N-1) towards 0 is a minoriser of F (an MM step).
        // Its fixed points meet the constrained optimality conditions: grad_theta loglik =
        // mu theta with mu = prec_beta sum(beta^2)/(N-1), the multiplier the scale invariance
        // of the likelihood requires.
        const double pt_doc =
            quanteda ? pt : pb * sum_sq(s.beta) / static_cast<double>(std::max<int64_t>(N - 1, 1));
        set_doc_weights(s, sc);
        parallel_for(N, dchunk, pc, [&](int64_t i0, int64_t i1, int) {
            for (int64_t i = i0; i < i1; ++i) {
                double a = s.alpha[static_cast<size_t>(i)], t = s.theta[static_cast<size_t>(i)];
                doc_newton(P, i, s, sc, pa, pt_doc, first_step, opt.max_inner, opt.inner_tol, a, t,
                           nullptr, guarded);
                s.alpha[static_cast<size_t>(i)] = a;
                s.theta[static_cast<size_t>(i)] = t;
            }
        });

        // Dispersion: D_k = sum_i (y - mu)^2 / mu = S_0 + sum over stored counts (y^2/mu - 2y).
        if (update_phi && opt.dispersion != Dispersion::poisson) {
            parallel_for(V, fchunk, pc, [&](int64_t k0, int64_t k1, int) {
                for (int64_t k = k0; k < k1; ++k) {
                    const auto kk = static_cast<size_t>(k);
                    double d = 0.0;
                    for (int64_t q = P.cp[kk]; q < P.cp[kk + 1]; ++q) {
                        const auto i = static_cast<size_t>(P.crow[static_cast<size_t>(q)]);
                        const double y = P.cval[static_cast<size_t>(q)];
                        const double mu = wf_exp(s.alpha[i] + s.psi[kk] + s.beta[kk] * s.theta[i]);
                        d += y * y / mu - 2.0 * y;
                    }
                    sc.per_feat[kk] =
                        d + expsum1(s.alpha.data(), s.theta.data(), s.psi[kk], s.beta[kk], N);
                }
            });
            const double denom = static_cast<double>(N) * static_cast<double>(V) -
                                 2.0 * static_cast<double>(N) - 2.0 * static_cast<double>(V);
            if (opt.dispersion == Dispersion::quasi_overall) {
                double tot = 0.0;
                for (double d : sc.per_feat) tot += d;
                std::fill(s.phi.begin(), s.phi.end(), tot / denom);
            } else {
                for (int64_t k = 0; k < V; ++k) {
                    const double ph =
                        static_cast<double>(V) * sc.per_feat[static_cast<size_t>(k)] / denom;
                    s.phi[static_cast<size_t>(k)] = std::max(opt.dispersion_floor, ph);
                }
            }
        }

        if (quanteda) {
            // Identification (quanteda): centre alpha, standardise theta (sample sd); beta and
            // psi are not rescaled.
            const double ma = mean_of(s.alpha);
            for (auto& a : s.alpha) a -= ma;
            const double mt = mean_of(s.theta);
            double ss = 0.0;
            for (double t : s.theta) ss += (t - mt) * (t - mt);
            const double sd = std::sqrt(ss / static_cast<double>(N - 1));
            for (auto& t : s.theta) t = (t - mt) / sd;
        } else {
            // Back onto the constraint set with the same expected counts (F is unchanged).
            if (opt.prec_alpha == 0.0 && opt.prec_psi == 0.0) {
                const double ma = mean_of(s.alpha);
                for (auto& a : s.alpha) a -= ma;
                for (auto& p : s.psi) p += ma;
            }
            standardise_compensated(s);
        }
    };

    if (quanteda) {
        while (iter < opt.max_iter && err > opt.tol) {
            ++iter;
            outer_step(iter == 1 ? 0.5 : 1.0);
            lastlp = lp;
            lp = log_posterior(P, s, opt, pc, sc.per_doc);
            if (trace) trace->push_back(lp);
            err = (warm && iter == 1) ? std::numeric_limits<double>::infinity() : lp - lastlp;
            if (!std::isfinite(lp)) break;
        }
    } else {
        // SQUAREM (Varadhan and Roland 2008, scheme S3) on x = (alpha, theta, psi, beta):
        // x1 = F(x0), x2 = F(x1), r = x1 - x0, v = x2 - 2 x1 + x0, a = min(-1, -|r|/|v|),
        // x' = F(x0 - 2 a r + a^2 v), kept only when its log-posterior is at least that of x2.
        // F counts as one iteration each time it runs.
        auto axpy = [](std::vector<double>& out, const std::vector<double>& x0,
                       const std::vector<double>& x1, const std::vector<double>& x2, double a) {
            for (size_t j = 0; j < out.size(); ++j) {
                const double r = x1[j] - x0[j];
                const double v = (x2[j] - x1[j]) - r;
                out[j] = x0[j] - 2.0 * a * r + a * a * v;
            }
        };
        auto dots = [](const std::vector<double>& x0, const std::vector<double>& x1,
                       const std::vector<double>& x2, double& rr, double& vv) {
            for (size_t j = 0; j < x0.size(); ++j) {
                const double r = x1[j] - x0[j];
                const double v = (x2[j] - x1[j]) - r;
                rr += r * r;
                vv += v * v;
            }
        };
        while (iter < opt.max_iter) {
            const State x0 = s;
            ++iter;
            outer_step(iter == 1 ? 0.5 : 1.0);
            const State x1 = s;
            double step_lp = 0.0;
            if (iter < opt.max_iter) {
                ++iter;
                outer_step(1.0);
            }
            step_lp = log_posterior(P, s, opt, pc, sc.per_doc);
            if (!std::isfinite(step_lp)) {
                lp = step_lp;
                break;
            }
            double rr = 0.0, vv = 0.0;
            dots(x0.alpha, x1.alpha, s.alpha, rr, vv);
            dots(x0.theta, x1.theta, s.theta, rr, vv);
            dots(x0.psi, x1.psi, s.psi, rr, vv);
            dots(x0.beta, x1.beta, s.beta, rr, vv);
            lp = step_lp;
            if (iter < opt.max_iter && vv > 0.0 && std::isfinite(rr / vv)) {
                const double a = std::min(-1.0, -std::sqrt(rr / vv));
                const State x2 = s;
                axpy(s.alpha, x0.alpha, x1.alpha, x2.alpha, a);
                axpy(s.theta, x0.theta, x1.theta, x2.theta, a);
                axpy(s.psi, x0.psi, x1.psi, x2.psi, a);
                axpy(s.beta, x0.beta, x1.beta, x2.beta, a);
                ++iter;
                outer_step(1.0);
                const double lpe = log_posterior(P, s, opt, pc, sc.per_doc);
                if (lpe >= step_lp) {
                    lp = lpe;
                } else {
                    s = x2;
                }
            }
            if (trace) trace->push_back(lp);
            double dmax = 0.0;
            for (int64_t i = 0; i < N; ++i) {
                const auto ii = static_cast<size_t>(i);
                dmax = std::max(dmax, std::fabs(s.theta[ii] - x0.theta[ii]));
            }
            if (dmax < opt.tol) {
                res.converged = true;
                break;
            }
        }
    }
    if (quanteda) {
        res.converged = err <= opt.tol && std::isfinite(lp);
    } else {
        // Report the maximum with theta standardised (expected counts unchanged).
        standardise_compensated(s);
    }
    res.n_iter = iter;
    res.lp = lp;
    return res;
}

void check_options(const WordfishOptions& opt) {
    auto bad_prec = [](double p) { return !(p >= 0.0) || !std::isfinite(p); };
    if (bad_prec(opt.prec_alpha) || bad_prec(opt.prec_psi) || bad_prec(opt.prec_beta) ||
        bad_prec(opt.prec_theta)) {
        throw InputError("priors: precisions must be finite and >= 0");
    }
    if (!(opt.tol > 0.0) || !(opt.inner_tol > 0.0)) throw InputError("tol: must be > 0");
    if (opt.max_iter < 1 || opt.max_inner < 1) throw InputError("max_iter: must be >= 1");
    if (!(opt.dispersion_floor >= 0.0)) throw InputError("dispersion_floor: must be >= 0");
}

void check_counts(const CsrView<double>& Y) {
    const int64_t base = Y.indptr[0];
    for (int64_t q = 0; q < Y.nnz(); ++q) {
        const double y = Y.data[base + q];
        if (!(y >= 0.0) || !std::isfinite(y)) {
            throw InputError("counts: must be finite and non-negative");
        }
    }
}

// Standard errors of theta from the per-document 2x2 Hessian of (alpha_i, theta_i).
void doc_se(const Problem& P, const State& s, const WordfishOptions& opt, const ParallelConfig& pc,
            double* se) {
    Scratch sc;
    set_doc_weights(s, sc);
    parallel_for(P.N, balanced_chunk(P.N, pc.n_threads, 1, 8), pc,
                 [&](int64_t i0, int64_t i1, int) {
                     for (int64_t i = i0; i < i1; ++i) {
                         double T[3];
                         expsum3(s.psi.data(), s.beta.data(), sc.w.data(), sc.wb.data(),
                                 sc.wbb.data(), s.alpha[static_cast<size_t>(i)],
                                 s.theta[static_cast<size_t>(i)], P.V, T);
                         const double h00 = -T[0] - opt.prec_alpha, h01 = -T[1];
                         const double h11 = -T[2] - opt.prec_theta;
                         se[i] = std::sqrt(-h00 / (h00 * h11 - h01 * h01));
                     }
                 });
}

}  // namespace

uint64_t poisson_draw(Stream& rng, double lam) {
    if (!(lam > 0.0)) return 0;
    if (lam < 30.0) {
        // Inversion by sequential search.
        const double u = rng.uniform();
        double p = std::exp(-lam), F = p;
        uint64_t k = 0;
        const double kmax = lam + 40.0 * std::sqrt(lam) + 40.0;
        while (u >= F && static_cast<double>(k) < kmax) {
            ++k;
            p *= lam / static_cast<double>(k);
            F += p;
        }
        return k;
    }
    // Transformed rejection with squeeze (Hormann 1993, "PTRS").
    auto log_factorial = [](double k) {
        if (k < 16.0) {
            double s = 0.0;
            for (int j = 2; j <= static_cast<int>(k); ++j) s += std::log(static_cast<double>(j));
            return s;
        }
        const double k2 = 1.0 / (k * k);
        return k * std::log(k) - k + 0.5 * std::log(2.0 * M_PI * k) +
               (1.0 / 12.0 - k2 * (1.0 / 360.0 - k2 / 1260.0)) / k;
    };
    const double slam = std::sqrt(lam), loglam = std::log(lam);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    while (true) {
        const double U = rng.uniform() - 0.5;
        const double V = rng.uniform();
        const double us = 0.5 - std::fabs(U);
        const double k = std::floor((2.0 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= vr) return static_cast<uint64_t>(k);
        if (k < 0.0 || (us < 0.013 && V > us)) continue;
        if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <=
            -lam + k * loglam - log_factorial(k)) {
            return static_cast<uint64_t>(k);
        }
    }
}

void wordfish_fit(const CsrView<double>& Y, const double* u0, const WordfishOptions& opt,
                  const RunOptions& run, WordfishFit& out) {
    check_options(opt);
    const int64_t N = Y.rows, V = Y.cols;
    if (N < 3)
        throw InputError("counts: Wordfish needs at least 3 documents, got " + std::to_string(N));
    if (V < 2)
        throw InputError("counts: Wordfish needs at least 2 features, got " + std::to_string(V));
    if (opt.dir_a < 0 || opt.dir_a >= N || opt.dir_b < 0 || opt.dir_b >= N ||
        opt.dir_a == opt.dir_b) {
        throw InputError("dir: two different document indices in [0, " + std::to_string(N) +
                         ") are needed, got (" + std::to_string(opt.dir_a) + ", " +
                         std::to_string(opt.dir_b) + ")");
    }
    if (opt.dispersion != Dispersion::poisson &&
        !(static_cast<double>(N) * static_cast<double>(V) - 2.0 * static_cast<double>(N + V) >
          0.0)) {
        throw InputError("dispersion: quasi-Poisson needs N*V > 2(N+V)");
    }
    check_counts(Y);
    Problem P;
    P.N = N;
    P.V = V;
    P.rp = Y.indptr;
    P.ri = Y.indices;
    P.rv = Y.data;
    P.rbase = Y.indptr[0];
    P.build_columns();

    // Margins; every document and feature must have counts.
    std::vector<double> rsum(static_cast<size_t>(N), 0.0), csum(static_cast<size_t>(V), 0.0);
    for (int64_t i = 0; i < N; ++i) {
        for (int64_t q = P.row_begin(i); q < P.row_end(i); ++q)
            rsum[static_cast<size_t>(i)] += P.rv[q];
        if (!(rsum[static_cast<size_t>(i)] > 0.0)) {
            throw InputError("counts: document " + std::to_string(i) + " has no counts");
        }
    }
    for (int64_t k = 0; k < V; ++k) {
        for (int64_t q = P.cp[static_cast<size_t>(k)]; q < P.cp[static_cast<size_t>(k) + 1]; ++q) {
            csum[static_cast<size_t>(k)] += P.cval[static_cast<size_t>(q)];
        }
        if (!(csum[static_cast<size_t>(k)] > 0.0)) {
            throw InputError("counts: feature " + std::to_string(k) + " has no counts");
        }
    }
    double total = 0.0;
    for (double r : rsum) total += r;

    // Start values (quanteda): theta_i = (r_i / T)^(-1/2) u_i standardised; beta = 0;
    // alpha_i = ln r_i - ln mean(r); psi_k = ln(c_k / N).
    State s;
    s.theta.resize(static_cast<size_t>(N));
    s.alpha.resize(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) {
        const auto ii = static_cast<size_t>(i);
        if (!std::isfinite(u0[i])) throw InputError("start: the singular vector is not finite");
        s.theta[ii] = std::pow(rsum[ii] / total, -0.5) * u0[i];
        s.alpha[ii] = std::log(rsum[ii]);
    }
    const double lmr = std::log(total / static_cast<double>(N));
    for (auto& a : s.alpha) a -= lmr;
    {
        const double mt = mean_of(s.theta);
        double ss = 0.0;
        for (double t : s.theta) ss += (t - mt) * (t - mt);
        const double sd = std::sqrt(ss / static_cast<double>(N - 1));
        if (!(sd > 0.0)) throw InputError("start: the start positions are all equal");
        for (auto& t : s.theta) t = (t - mt) / sd;
    }
    s.beta.assign(static_cast<size_t>(V), 0.0);
    s.psi.resize(static_cast<size_t>(V));
    for (int64_t k = 0; k < V; ++k) {
        s.psi[static_cast<size_t>(k)] =
            std::log(csum[static_cast<size_t>(k)] / static_cast<double>(N));
    }
    s.phi.assign(static_cast<size_t>(V), 1.0);

    const ParallelConfig pc{run.n_threads, run.stop};
    out.trace.clear();
    const RunResult r = run_fit(P, s, opt, true, pc, &out.trace);

    if (s.theta[static_cast<size_t>(opt.dir_a)] > s.theta[static_cast<size_t>(opt.dir_b)]) {
        for (auto& t : s.theta) t = -t;
        for (auto& b : s.beta) b = -b;
    }
    out.se_theta.assign(static_cast<size_t>(N), 0.0);
    doc_se(P, s, opt, pc, out.se_theta.data());
    out.alpha = std::move(s.alpha);
    out.theta = std::move(s.theta);
    out.psi = std::move(s.psi);
    out.beta = std::move(s.beta);
    out.phi = std::move(s.phi);
    out.n_iter = r.n_iter;
    out.converged = r.converged;
    out.logpost = r.lp;
}

void wordfish_bootstrap(const WordfishFit& fit, const WordfishOptions& opt, int64_t B,
                        uint64_t seed, const RunOptions& run, double* theta_out,
                        int32_t* n_iter_out, uint8_t* converged_out) {
    check_options(opt);
    if (B <= 0) return;
    const int64_t N = static_cast<int64_t>(fit.theta.size());
    const int64_t V = static_cast<int64_t>(fit.psi.size());
    const int threads = std::max(1, run.n_threads);
    // Replicates in parallel (each fit serial) when there are enough of them; otherwise one
    // replicate at a time with parallel fits. Both give the same bits.
    const bool outer = B >= threads;
    const ParallelConfig outer_pc{outer ? threads : 1, run.stop};
    const ParallelConfig inner_pc{outer ? 1 : threads, outer ? nullptr : run.stop};

    auto one = [&](int64_t r) {
        // Simulated counts, documents in parallel (inner), each from its own stream.
        std::vector<std::vector<std::pair<int32_t, double>>> rows(static_cast<size_t>(N));
        parallel_for(N, balanced_chunk(N, inner_pc.n_threads, 1, 4), inner_pc,
                     [&](int64_t i0, int64_t i1, int) {
                         for (int64_t i = i0; i < i1; ++i) {
                             Stream rng(seed, kTagParametric, static_cast<uint64_t>(r * N + i));
                             auto& row = rows[static_cast<size_t>(i)];
                             const double a = fit.alpha[static_cast<size_t>(i)];
                             const double t = fit.theta[static_cast<size_t>(i)];
                             for (int64_t k = 0; k < V; ++k) {
                                 const auto kk = static_cast<size_t>(k);
                                 const double lam = std::exp(a + fit.psi[kk] + fit.beta[kk] * t);
                                 const uint64_t y = poisson_draw(rng, lam);
                                 if (y)
                                     row.emplace_back(static_cast<int32_t>(k),
                                                      static_cast<double>(y));
                             }
                         }
                     });
        Problem P;
        P.N = N;
        P.V = V;
        P.own_rp.assign(static_cast<size_t>(N + 1), 0);
        for (int64_t i = 0; i < N; ++i) {
            P.own_rp[static_cast<size_t>(i + 1)] =
                P.own_rp[static_cast<size_t>(i)] +
                static_cast<int64_t>(rows[static_cast<size_t>(i)].size());
        }
        P.own_ri.reserve(static_cast<size_t>(P.own_rp.back()));
        P.own_rv.reserve(static_cast<size_t>(P.own_rp.back()));
        for (auto& row : rows) {
            for (const auto& e : row) {
                P.own_ri.push_back(e.first);
                P.own_rv.push_back(e.second);
            }
            std::vector<std::pair<int32_t, double>>().swap(row);
        }
        P.rp = P.own_rp.data();
        P.ri = P.own_ri.data();
        P.rv = P.own_rv.data();
        P.rbase = 0;
        P.build_columns();

        State s{fit.alpha, fit.theta, fit.psi, fit.beta, fit.phi};
        const RunResult res = run_fit(P, s, opt, false, inner_pc, nullptr, true);
        double dot = 0.0;
        for (int64_t i = 0; i < N; ++i)
            dot += s.theta[static_cast<size_t>(i)] * fit.theta[static_cast<size_t>(i)];
        const double sign = dot < 0.0 ? -1.0 : 1.0;
        for (int64_t i = 0; i < N; ++i)
            theta_out[r * N + i] = sign * s.theta[static_cast<size_t>(i)];
        if (n_iter_out) n_iter_out[r] = res.n_iter;
        if (converged_out) converged_out[r] = res.converged ? 1 : 0;
    };

    if (outer) {
        parallel_for(B, 1, outer_pc, [&](int64_t r0, int64_t r1, int) {
            for (int64_t r = r0; r < r1; ++r) one(r);
        });
    } else {
        for (int64_t r = 0; r < B; ++r) one(r);
    }
}

void wordfish_predict(const CsrView<double>& Y, const WordfishFit& fit, const WordfishOptions& opt,
                      const RunOptions& run, double* theta_out, double* alpha_out, double* se_out,
                      uint8_t* converged_out) {
    check_options(opt);
    const int64_t V = static_cast<int64_t>(fit.psi.size());
    if (Y.cols != V) {
        throw InputError("new counts: " + std::to_string(Y.cols) + " columns, the model has " +
                         std::to_string(V) + " features");
    }
    check_counts(Y);
    Problem P;
    P.N = Y.rows;
    P.V = V;
    P.rp = Y.indptr;
    P.ri = Y.indices;
    P.rv = Y.data;
    P.rbase = Y.indptr[0];
    State s;
    s.psi = fit.psi;
    s.beta = fit.beta;
    s.phi = fit.phi;
    Scratch sc;
    set_doc_weights(s, sc);
    std::vector<double> zeros(static_cast<size_t>(V), 0.0);
    const double lse = std::log(expsum1(s.psi.data(), zeros.data(), 0.0, 0.0, V));
    const ParallelConfig pc{run.n_threads, run.stop};
    parallel_for(P.N, balanced_chunk(P.N, pc.n_threads, 1, 8), pc,
                 [&](int64_t i0, int64_t i1, int) {
                     for (int64_t i = i0; i < i1; ++i) {
                         double tot = 0.0;
                         for (int64_t q = P.row_begin(i); q < P.row_end(i); ++q) tot += P.rv[q];
                         if (!(tot > 0.0)) {
                             const double nan = std::numeric_limits<double>::quiet_NaN();
                             theta_out[i] = alpha_out[i] = se_out[i] = nan;
                             if (converged_out) converged_out[i] = 0;
                             continue;
                         }
                         double a = std::log(tot) - lse, t = 0.0, cc = 0.0;
                         doc_newton(P, i, s, sc, opt.prec_alpha, opt.prec_theta, 1.0, 100,
                                    opt.inner_tol, a, t, &cc);
                         double T[3];
                         expsum3(s.psi.data(), s.beta.data(), sc.w.data(), sc.wb.data(),
                                 sc.wbb.data(), a, t, V, T);
                         const double h00 = -T[0] - opt.prec_alpha, h01 = -T[1];
                         const double h11 = -T[2] - opt.prec_theta;
                         theta_out[i] = t;
                         alpha_out[i] = a;
                         se_out[i] = std::sqrt(-h00 / (h00 * h11 - h01 * h01));
                         if (converged_out) converged_out[i] = cc <= opt.inner_tol ? 1 : 0;
                     }
                 });
}

}  // namespace divergence
