// Position scaling: Wordfish (Slapin and Proksch 2008), y_ij ~ Poisson(exp(alpha_i + psi_j +
// beta_j theta_i)) for documents i and features j, fitted on sparse (CSR) counts.
//
// Memory is O(nnz + N + V): the counts are kept as given (CSR) plus one column-major copy of
// their structure; expected counts are never stored but recomputed where needed. Work per
// Newton sweep is O(N V) exponentials (every cell has an expected count, observed or not),
// spread over threads: features in parallel for the feature step, documents in parallel for the
// document step. Every parameter is updated by exactly one task, and every sum over documents or
// features runs in a fixed order (lane accumulators combined in a fixed order, per-document
// partials added in document order), so results are bit-identical for any thread count.
//
// Solvers (see scaling.cpp for the exact steps):
//  - quanteda: the procedure of quanteda.textmodels' textmodel_wordfish (dense path, defaults):
//    start values from the SVD of the chi-square residuals (the caller passes the first left
//    singular vector), alternating 2x2 Newton steps for (psi_j, beta_j) then (alpha_i, theta_i),
//    at most `max_inner` steps each with tolerance `inner_tol`, the very first step of every
//    parameter halved in the first outer iteration; after each outer iteration theta is
//    standardised and alpha centred (beta and psi not rescaled); stop at the first outer iteration
//    whose log-posterior gain is <= tol (signed), or after max_iter.
//  - converged: the same updates, but the standardisation of theta and the centring of alpha are
//    compensated in beta and psi (the expected counts do not change), and the loop runs until the
//    largest change of theta is below tol: the maximum of the penalised likelihood with theta
//    constrained to mean 0 and standard deviation 1.
#pragma once

#include <cstdint>
#include <vector>

#include "divergence/parallel.hpp"
#include "divergence/random.hpp"
#include "divergence/sparse.hpp"

namespace divergence {

enum class WordfishSolver { quanteda = 0, converged = 1 };

// poisson: phi = 1. quasi_feature: one dispersion per feature (quanteda's
// dispersion = "quasipoisson", dispersion_level = "feature"); quasi_overall: one for all.
enum class Dispersion { poisson = 0, quasi_feature = 1, quasi_overall = 2 };

struct WordfishOptions {
    WordfishSolver solver = WordfishSolver::quanteda;
    // Prior precisions (1 / sd^2; 0 = flat) on alpha, psi, beta, theta: ridge penalties.
    double prec_alpha = 0.0, prec_psi = 0.0, prec_beta = 1.0 / 9.0, prec_theta = 1.0;
    Dispersion dispersion = Dispersion::poisson;
    double dispersion_floor = 0.0;  // lower bound of per-feature phi (quasi_feature only)
    double tol = 1e-6;              // outer tolerance (see the solvers)
    double inner_tol = 1e-8;        // Newton step size below which the inner loop stops
    int max_iter = 100;
    int max_inner = 10;
    int64_t dir_a = 0, dir_b = 1;  // after fitting, theta[dir_a] < theta[dir_b]
};

struct WordfishFit {
    std::vector<double> alpha, theta, psi, beta, phi, se_theta;
    std::vector<double> trace;  // log-posterior after each outer iteration (first: start values)
    int n_iter = 0;
    bool converged = false;
    double logpost = 0.0;
};

// Y: documents x features counts (CSR; every row and column with a positive count).
// u0: the first left singular vector of the standardised residual matrix
// (y_ij - r_i c_j / T) / sqrt(r_i c_j / T) (any sign; the fit is mirror-symmetric).
void wordfish_fit(const CsrView<double>& Y, const double* u0, const WordfishOptions& opt,
                  const RunOptions& run, WordfishFit& out);

// Parametric bootstrap: for r in [0, B), counts drawn from Poisson(exp(alpha_i + psi_j +
// beta_j theta_i)) of `fit` (document i of replicate r from Stream(seed, kTagParametric,
// r * N + i)), refitted from `fit`'s parameters (warm start, same solver), oriented to correlate
// positively with fit.theta. theta_out: B x N; n_iter_out, converged_out: B.
void wordfish_bootstrap(const WordfishFit& fit, const WordfishOptions& opt, int64_t B,
                        uint64_t seed, const RunOptions& run, double* theta_out,
                        int32_t* n_iter_out, uint8_t* converged_out);

// Positions of new documents with the feature parameters (psi, beta, phi) of `fit` fixed:
// Newton on (alpha_i, theta_i) with the same priors, from theta = 0, until the step is below
// inner_tol (at most 100 steps). Rows without counts get NaN. converged_out may be null.
void wordfish_predict(const CsrView<double>& Y, const WordfishFit& fit, const WordfishOptions& opt,
                      const RunOptions& run, double* theta_out, double* alpha_out, double* se_out,
                      uint8_t* converged_out);

// One Poisson draw with mean lam >= 0 (inversion below 30, Hormann's PTRS above): our own, so
// that draws are the same on every platform.
uint64_t poisson_draw(Stream& rng, double lam);

}  // namespace divergence
