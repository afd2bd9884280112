"""Position scaling: Wordfish (unsupervised Poisson scaling) and Wordscores (from reference texts).

Wordfish (Slapin and Proksch 2008) models the count of feature j in document i as
``y_ij ~ Poisson(exp(alpha_i + psi_j + beta_j * theta_i))``: ``theta`` is the document's position,
``alpha`` its length effect, ``psi`` the feature's frequency and ``beta`` how strongly the feature
discriminates between positions. The fit runs in the compiled core on sparse counts, with memory
O(nnz + N + V) (expected counts are recomputed, never stored as an N x V array), in parallel over
features and documents, with the same bits for any ``n_jobs``. Each Newton sweep costs O(N V)
exponentials: every cell has an expected count whether or not it was observed.

Solvers
-------
``solver="quanteda"`` (default) follows quanteda.textmodels' ``textmodel_wordfish`` with its
defaults (dense path, ``abs_err = FALSE``), so positions agree with the published literature:

1. Start values. C_ij = (y_ij - r_i c_j / T) / sqrt(r_i c_j / T) (r, c the document and feature
   totals, T the grand total); u = first left singular vector of C. theta_i = (r_i / T)^(-1/2) u_i,
   standardised (mean 0, sample sd 1); beta_j = 0; alpha_i = ln r_i - ln mean(r);
   psi_j = ln(c_j / N). The singular vector is computed here in Python without densifying C:
   C C^T / T = A A^T - s s^T with A = diag(r)^(-1/2) Y diag(c)^(-1/2) and s = sqrt(r / T), so u is
   the top eigenvector of that N x N (or, via C^T C, V x V) operator: a dense ``eigh`` of the Gram
   matrix when the smaller side is <= 500, otherwise ``scipy.sparse.linalg.eigsh`` (Lanczos) on an
   implicit operator with a fixed start vector. Everything after this runs in the core.
2. Outer iterations: a 2x2 Newton step on (psi_j, beta_j) for every feature (documents fixed),
   repeated until the step is below 1e-8 or 10 steps; then the same on (alpha_i, theta_i) for every
   document. In the first outer iteration the first step of every parameter is halved. Priors are
   ridge penalties given as standard deviations ``priors=(alpha, psi, beta, theta)``, default
   ``(inf, inf, 3, 1)``: a penalty of beta^2 / (2 * 3^2) and theta^2 / 2, none on alpha and psi.
3. After each outer iteration theta is standardised and alpha centred, without rescaling beta and
   psi (so the expected counts move a little), and the log-posterior is computed. The loop stops at
   the first iteration whose gain is <= ``tol`` (signed: it also stops at a decrease), at most
   ``max_iter`` (default 100) iterations.
4. ``dir=(a, b)`` flips the sign of theta and beta so that theta_a < theta_b. Standard errors of
   theta come from each document's 2x2 Hessian of (alpha_i, theta_i) with the feature parameters
   held fixed (as quanteda reports them).

``solver="converged"`` is the maximum of the same penalised objective under the constraint that
theta has mean 0 and sample sd 1, beta and psi rescaled consistently. On that set the theta prior
is constant, and for any parameters giving the same expected counts the objective is
F = loglik - prec_beta/2 * sum(beta^2) * var(theta). Each outer iteration: the feature step as
above; the document step with a ridge on theta of precision prec_beta * sum(beta^2) / (N - 1)
towards 0, which minorises F (so F never decreases); then theta standardised with psi += beta *
mean(theta), beta *= sd(theta) and alpha centred into psi (expected counts and F unchanged).
Fixed points satisfy the constrained optimality conditions (the log-likelihood gradient in theta
equals mu * theta with mu = prec_beta * sum(beta^2) / (N - 1), the multiplier the likelihood's
scale invariance requires). Outer iterations are accelerated with SQUAREM (scheme S3, a step kept
only when it does not lower the objective) and run until no theta moves by more than ``tol``
(default at most 1000 iterations); ``logpost_`` is the penalised log-posterior there.

Step control: the "converged" solver takes a Newton step of a feature's (psi_j, beta_j) or a
document's (alpha_i, theta_i) only when it does not lower that block's penalised objective
(concave), halving it otherwise, so every block update is an ascent step; an outlying document (a
text in another language, sharing few words with the rest) used to drive the expected counts to
about 1e51 within two iterations and to non-finite values later. The "quanteda" procedure takes
full steps, as
quanteda does. After the fit, a document more than 4 standard deviations from the mean position
and 1.5 times further than any other is named in a :class:`ScalingWarning` (``outlier_``): the
dimension is then mostly that document against the rest. A fit or bootstrap that still ends with
non-finite values raises FloatingPointError naming the document(s).

Why the two differ: the default re-standardises theta without compensating beta and psi, which
changes every expected count after the Newton steps, and it stops at the first outer iteration
whose (signed) gain is <= tol, often a decrease caused by that re-standardisation. Its positions
are where that happened, not a maximum: on every data set measured its penalised objective is
below the converged solver's (both with theta standardised) and its last gain was negative.
Figures are in the :class:`Wordfish` docstring and in docs/scaling.md.

``dispersion="quasipoisson"`` adds quanteda's per-feature quasi-Poisson dispersion
phi_j = V * sum_i (y_ij - mu_ij)^2 / mu_ij / (N V - 2 N - 2 V), floored at ``dispersion_floor``,
re-estimated after every outer iteration; it divides the feature's score contributions.

Uncertainty: ``se_theta_`` (Hessian) and a parametric bootstrap (``fit(..., bootstrap=B)`` or
:meth:`Wordfish.bootstrap`): counts are drawn from Poisson(exp(alpha_i + psi_j + beta_j theta_i)) at
the fitted parameters (replicate r, document i from its own seeded stream, so the draws do not
depend on ``n_jobs``), the model is refitted from the fitted parameters with the same solver (phi
held at its fitted values; quasi-Poisson fits are still simulated as Poisson), and each replicate
is oriented to correlate positively with the fit. Each replicate runs to its own stopping point:
with the "quanteda" procedure its first iteration is not compared with the start (whose
log-posterior belongs to the fit of other counts; comparing them stopped every replicate after
one iteration, near the start, when the fit itself had stopped there). Intervals are centred on
the estimate: estimate + percentiles of (replicate - replicate mean), because a warm-started
refit with the "quanteda" procedure (which stops before a fixed point) lands systematically a
little away from the fit started at the SVD values, and raw percentiles would show that offset
rather than noise.

Wordscores (Laver, Benoit and Garry 2003): see :class:`Wordscores`.

From a :class:`~divergence.Corpus`: :meth:`ScalingCounts.from_corpus` tokenises the statements
and drops those left without a token (neither model can place them), saying so in ``notes``;
its ``counts``, ``documents`` and ``features`` go to :meth:`Wordfish.fit` /
:meth:`Wordscores.fit`, its ``groups`` to ``group_positions``, and :meth:`ScalingCounts.reference`
reads Wordscores' reference positions from a column of the corpus.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import _core
from ._corpus import Corpus
from ._util.groups import label_codes
from ._util.operands import as_csr, csr_tuple
from ._util.replicates import ci_percentiles
from ._util.summary import tables_page
from ._util.types import Counts, Labels, VectorizerLike
from ._util.validation import (
    check_choice,
    check_ci,
    check_int,
    check_real,
    is_int,
    resolve_n_jobs,
    seed_value,
)

__all__ = [
    "ConvergenceWarning",
    "ScalingCounts",
    "ScalingWarning",
    "Wordfish",
    "Wordscores",
    "residual_start",
]

PriorsArg = Union[Sequence[float], Mapping[str, float]]
# A documents x features count matrix: dense, sparse or a DataFrame.
CountsArg = Union[Counts, "pd.DataFrame"]
# A document named by its index or its name (Wordfish's ``dir``).
DocumentRef = Union[int, str]
_PRIOR_NAMES = ("alpha", "psi", "beta", "theta")


class ScalingWarning(UserWarning):
    """A Wordfish fit whose positions need a second look: it stopped early or at ``max_iter``
    (:class:`ConvergenceWarning`), or one document dominates the dimension.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import divergence as dv
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(np.exp(1.5 + np.outer(np.linspace(-1, 1, 8), rng.normal(0, 1, 60))))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     wf = dv.Wordfish(dir=(0, 7), max_iter=1).fit(X)
    >>> [issubclass(w.category, dv.ScalingWarning) for w in caught]
    [True]
    """


class ConvergenceWarning(ScalingWarning):
    """The Wordfish iterations stopped at ``max_iter`` before meeting the stopping rule, or the
    default procedure stopped within 2 iterations (near its start values).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import divergence as dv
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(np.exp(1.5 + np.outer(np.linspace(-1, 1, 8), rng.normal(0, 1, 60))))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     wf = dv.Wordfish(dir=(0, 7), max_iter=1).fit(X)
    >>> caught[0].category.__name__, wf.converged_
    ('ConvergenceWarning', False)
    >>> str(caught[0].message)[:26]
    'Wordfish did not converge:'
    """


# A document further than this (in standard deviations of theta) from the mean position, and
# OUTLIER_RATIO times further than any other, dominates the dimension (see Wordfish.fit).
OUTLIER_SD = 4.0
OUTLIER_RATIO = 1.5


# ----------------------------------------------------------------------------------------------
# input helpers


def _names(names: Optional[Labels], n: int, what: str, prefix: str) -> List[str]:
    if names is None:
        return [f"{prefix}{i}" for i in range(n)]
    out = [str(x) for x in names]
    if len(out) != n:
        raise ValueError(
            f"{what}: {len(out)} names for {n} {'rows' if what == 'doc_names' else 'columns'}"
        )
    return out


def _counts(X: CountsArg, name: str = "X") -> sp.csr_matrix:
    if isinstance(X, (pd.DataFrame,)):
        X = X.to_numpy()
    try:
        M = sp.csr_matrix(X, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{name}: expected a documents x features count matrix (sparse or dense): {e}"
        ) from None
    if M.ndim != 2:
        raise ValueError(f"{name}: expected a 2-d matrix")
    # A copy of its own: a fitted model keeps its training counts.
    return as_csr(
        M, drop_zeros=True, copy=True, invalid=f"{name}: counts must be finite and non-negative"
    )


def _document_groups(groups: Labels, n: int) -> Tuple[List[str], np.ndarray]:
    """(group names, code per document) of one label per document, compared as text."""
    g = np.asarray([str(x) for x in groups], dtype=object)
    if g.shape[0] != n:
        raise ValueError(f"groups: {g.shape[0]} labels for {n} documents")
    return label_codes(g)


def _show(names: Sequence[str], idx: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(repr(names[i]) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    return shown + more


def residual_start(X: CountsArg) -> np.ndarray:
    """First left singular vector u of the standardised (chi-square) residual matrix
    C_ij = (y_ij - r_i c_j / T) / sqrt(r_i c_j / T), computed without forming C (see the module
    docstring). The sign is normalised so that the largest component is positive.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[9, 1, 5], [5, 5, 5], [1, 9, 5]])
    >>> u = dv.residual_start(X)
    >>> bool(u[0] * u[2] < 0)
    True
    """
    M = _counts(X)
    N, V = M.shape
    r = np.asarray(M.sum(axis=1)).ravel()
    c = np.asarray(M.sum(axis=0)).ravel()
    T = r.sum()
    A = sp.diags(1.0 / np.sqrt(r)) @ M @ sp.diags(1.0 / np.sqrt(c))
    A = sp.csr_matrix(A)
    s_r = np.sqrt(r / T)
    s_c = np.sqrt(c / T)
    rows_side = N <= V
    n = N if rows_side else V
    if n <= 500:
        G = (A @ A.T if rows_side else A.T @ A).toarray()
        s = s_r if rows_side else s_c
        G -= np.outer(s, s)
        G = (G + G.T) / 2
        _, vecs = np.linalg.eigh(G)
        x = vecs[:, -1]
    else:
        from scipy.sparse.linalg import LinearOperator, eigsh

        At = sp.csr_matrix(A.T)
        if rows_side:

            def mv(v: np.ndarray) -> np.ndarray:
                v = np.ravel(v)
                return A @ (At @ v) - s_r * (s_r @ v)
        else:

            def mv(v: np.ndarray) -> np.ndarray:
                v = np.ravel(v)
                return At @ (A @ v) - s_c * (s_c @ v)

        op = LinearOperator((n, n), matvec=mv, dtype=np.float64)
        v0 = np.random.default_rng(12345).standard_normal(n)
        _, vecs = eigsh(op, k=1, which="LA", v0=v0, ncv=min(n, 40), maxiter=20 * n)
        x = vecs[:, 0]
    if rows_side:
        u = x
    else:
        u = A @ x - s_r * (s_c @ x)
        u = u / np.linalg.norm(u)
    u = np.asarray(u, dtype=np.float64)
    if u[np.argmax(np.abs(u))] < 0:
        u = -u
    return np.ascontiguousarray(u)


def _outlier(theta: np.ndarray) -> Optional[int]:
    """The index of a document that dominates the dimension (more than OUTLIER_SD standard
    deviations from the mean position and OUTLIER_RATIO times further than any other), or
    None."""
    z = np.abs(theta - theta.mean()) / theta.std(ddof=1)
    order = np.argsort(z)
    top, nxt = z[order[-1]], z[order[-2]]
    return int(order[-1]) if top > OUTLIER_SD and top > OUTLIER_RATIO * nxt else None


def _check_finite(res: Dict[str, Any], docs: List[str], M: sp.csr_matrix, u: np.ndarray) -> None:
    """A FloatingPointError naming the document(s) when the fit left non-finite parameters
    (a numerical failure, not invalid input): the documents with a non-finite position or
    standard error, or, when every document has one, the document the start values single out
    (largest |theta| at the start)."""
    bad_feats = ~np.isfinite(res["psi"]) | ~np.isfinite(res["beta"])
    bad = ~np.isfinite(res["theta"]) | ~np.isfinite(res["alpha"]) | ~np.isfinite(res["se_theta"])
    if not bad.any() and not bad_feats.any():
        return
    it = res["n_iter"]
    if bad.any() and not bad.all():
        idx = np.flatnonzero(bad)
        raise FloatingPointError(
            f"Wordfish: numerical failure after {it} iteration(s): non-finite position or "
            f"standard error for document(s) {_show(docs, idx)}; drop or check them and refit"
        )
    r = np.asarray(M.sum(axis=1)).ravel()
    start = u / np.sqrt(r / r.sum())
    k = int(np.argmax(np.abs(start - start.mean())))
    raise FloatingPointError(
        f"Wordfish: numerical failure after {it} iteration(s): non-finite parameters for "
        f"{int(bad.sum())} document(s) and {int(bad_feats.sum())} feature(s); the start values "
        f"single out document {docs[k]!r}: check it, or drop it and refit"
    )


def _priors(priors: PriorsArg) -> Tuple[float, float, float, float]:
    if isinstance(priors, Mapping):
        unknown = set(priors) - set(_PRIOR_NAMES)
        if unknown:
            raise ValueError(
                f"priors: unknown parameter(s) {sorted(unknown)}; use {', '.join(_PRIOR_NAMES)}"
            )
        defaults = dict(alpha=math.inf, psi=math.inf, beta=3.0, theta=1.0)
        defaults.update(priors)
        vals = [defaults[k] for k in _PRIOR_NAMES]
    else:
        vals = list(priors)
        if len(vals) != 4:
            raise ValueError(
                "priors: 4 standard deviations (alpha, psi, beta, theta) are needed, "
                f"got {len(vals)}"
            )
    out: List[float] = []
    for name, v in zip(_PRIOR_NAMES, vals):
        out.append(
            check_real(
                v,
                "priors",
                low=0,
                low_open=True,
                allow_inf=True,
                hint=f" ({name}: a standard deviation; inf = no prior)",
            )
        )
    return out[0], out[1], out[2], out[3]


def _interval(
    est: Union[float, np.ndarray], samples: np.ndarray, ci: float
) -> Tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval centred on the estimate: est + percentiles of (sample - sample mean).
    (Refits from a warm start do not land exactly where the fit from the SVD start did, so raw
    percentiles would be shifted by that procedural offset rather than by sampling noise.)"""
    dev = samples - samples.mean(axis=0)
    lo, hi = np.percentile(dev, ci_percentiles(ci), axis=0)
    return est + lo, est + hi


# ----------------------------------------------------------------------------------------------
# Wordfish


class Wordfish:
    """Wordfish Poisson scaling (see the module docstring for the exact procedure).

    Parameters
    ----------
    dir : (a, b), document indices or names: theta_a < theta_b after fitting. None = (0, 1), as
        quanteda's default ``dir = c(1, 2)``.
    solver : "quanteda" (default) or "converged".
    priors : prior standard deviations (alpha, psi, beta, theta), default (inf, inf, 3, 1), or a
        dict with some of those keys.
    dispersion : "poisson" or "quasipoisson" (per feature; ``dispersion_level="overall"`` for one
        value), with ``dispersion_floor``.
    tol : outer tolerance (log-posterior gain for "quanteda", largest theta change for "converged").
    max_iter : outer iterations (None: 100 for "quanteda", 1000 for "converged").
    n_jobs : threads (None = all usable CPUs); results do not depend on it.
    seed : seed of the parametric bootstrap.

    Notes
    -----
    How far ``solver="converged"`` lands from the default (defaults otherwise, ``n_jobs=2``, a
    shared 2-core machine; corr = correlation of the two thetas, max|d| = largest absolute theta
    difference, log-posteriors as reported in ``logpost_``, iterations, seconds; see
    docs/scaling.md for the log-likelihoods and the reasons). Each data set (documents x
    features) is followed by its figures::

          corr     max|d|  logpost default / converged  iter       s
        example corpus, statements, Vectorizer(min_df=2) (170 x 911)
          0.99999  0.015   -21439.26 / -21439.22        71 / 60    0.12 / 0.08
        example corpus, 17 speakers (summed statements) (17 x 911)
          0.9996   0.069   -2255.72 / -2254.61          27 / 81    0.02 / 0.03
        irishbudget2010, Vectorizer(min_df=1), dir=(Kenny, Cowen) (14 x 4902)
          0.9789   0.378   54576.87 / 54627.18          32 / 102   0.04 / 0.09
        irishbudget2010, Vectorizer(min_df=2) (14 x 2374)
          0.9974   0.202   62107.54 / 62111.60          52 / 81    0.03 / 0.04
        uk_manifestos Con+Lab natl 1945-2005, Vectorizer(min_df=2) (32 x 8911)
          0.988    0.338   1227824.4 / 1280625.8        1 / 111    0.02 / 0.22
        uk_manifestos Con+Lab+LibSDP/LD 1983-2005 (18 x 6694)
          0.99992  0.022   716685.90 / 716688.07        16 / 105   0.03 / 0.11
        uk_manifestos Con+Lab 1983-2005 (12 x 5554)
          0.99981  0.029   506834.03 / 506836.87        38 / 66    0.04 / 0.05

    Many documents with a clear dimension: the same positions to about 0.02. Few long documents:
    the same order (correlation 0.98-0.9998) but positions up to 0.2-0.4 sd apart on the Irish
    budget; on the UK manifestos 1945-2005 the first iteration lowers the log-posterior (by
    29103) so the default stops after one iteration, near the SVD start values.

    Attributes after :meth:`fit`: ``theta_``, ``alpha_`` (documents), ``beta_``, ``psi_``, ``phi_``
    (features), ``se_theta_``, ``n_iter_``, ``converged_``, ``logpost_``, ``trace_``,
    ``doc_names_``, ``feature_names_``, ``dir_`` (indices), ``start_`` (the singular vector),
    ``outlier_`` (index of a document that dominates the dimension, or None), and after a
    bootstrap ``theta_boot_`` (B x N).

    Warnings: :class:`ConvergenceWarning` when the default procedure stops within 2 iterations
    (its first iteration lowered the log-posterior: positions near the start values) or at
    ``max_iter``; :class:`ScalingWarning` naming a document that dominates the dimension.
    FloatingPointError (a numerical failure, not invalid input) names the document(s) when the
    fit ends with non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> rng = np.random.default_rng(0)
    >>> theta = np.linspace(-1, 1, 8)
    >>> beta = rng.normal(0, 1, 60)
    >>> X = rng.poisson(np.exp(1.5 + np.outer(theta, beta)))
    >>> wf = dv.Wordfish(dir=(0, 7)).fit(X)
    >>> bool(np.corrcoef(wf.theta_, theta)[0, 1] > 0.9)
    True
    """

    def __init__(
        self,
        dir: Optional[Tuple[DocumentRef, DocumentRef]] = None,
        solver: str = "quanteda",
        priors: PriorsArg = (math.inf, math.inf, 3.0, 1.0),
        dispersion: str = "poisson",
        tol: float = 1e-6,
        max_iter: Optional[int] = None,
        n_jobs: Optional[int] = None,
        seed: int = 0,
        dispersion_level: str = "feature",
        dispersion_floor: float = 0.0,
    ) -> None:
        self.dir = dir
        self.solver = solver
        self.priors = priors
        self.dispersion = dispersion
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.seed = seed
        self.dispersion_level = dispersion_level
        self.dispersion_floor = dispersion_floor

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's parameters as a dict (scikit-learn's estimator protocol)."""
        return {
            k: getattr(self, k)
            for k in (
                "dir",
                "solver",
                "priors",
                "dispersion",
                "tol",
                "max_iter",
                "n_jobs",
                "seed",
                "dispersion_level",
                "dispersion_floor",
            )
        }

    def set_params(self, **params: Any) -> Wordfish:
        """Set constructor parameters by name (scikit-learn's protocol); returns ``self``."""
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return "Wordfish(" + ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()) + ")"

    # -- options
    def _options(self, dir_ab: Tuple[int, int] = (0, 1)) -> Dict[str, Any]:
        check_choice(self.solver, "solver", ("quanteda", "converged"))
        check_choice(self.dispersion, "dispersion", ("poisson", "quasipoisson"))
        check_choice(self.dispersion_level, "dispersion_level", ("feature", "overall"))
        floor = check_real(self.dispersion_floor, "dispersion_floor", low=0, high=1)
        tol = check_real(self.tol, "tol", low=0, low_open=True)
        max_iter = check_int(self.max_iter, "max_iter", minimum=1, allow_none=True)
        if max_iter is None:
            max_iter = 100 if self.solver == "quanteda" else 1000
        sd = _priors(self.priors)
        prec = [0.0 if math.isinf(s) else 1.0 / (s * s) for s in sd]
        disp = self.dispersion
        if disp == "quasipoisson" and self.dispersion_level == "overall":
            disp = "quasipoisson-overall"
        return dict(
            solver=self.solver,
            dispersion=disp,
            prec_alpha=prec[0],
            prec_psi=prec[1],
            prec_beta=prec[2],
            prec_theta=prec[3],
            dispersion_floor=floor,
            tol=tol,
            inner_tol=1e-8,
            max_iter=int(max_iter),
            max_inner=10,
            dir_a=int(dir_ab[0]),
            dir_b=int(dir_ab[1]),
        )

    def _resolve_dir(self, names: List[str]) -> Tuple[int, int]:
        d = self.dir if self.dir is not None else (0, 1)
        if isinstance(d, (str, bytes)) or len(d) != 2:
            raise ValueError(f"dir: expected two documents (indices or names), got {d!r}")
        out = []
        N = len(names)
        for x in d:
            if is_int(x):
                if not -N <= int(x) < N:
                    raise ValueError(f"dir: document index {x} is outside the {N} documents")
                out.append(int(x) % N)
            else:
                if str(x) not in names:
                    raise ValueError(
                        f"dir: no document named {str(x)!r} "
                        f"(documents: {_show(names, np.arange(N), 8)})"
                    )
                out.append(names.index(str(x)))
        if out[0] == out[1]:
            raise ValueError(f"dir: the two documents must differ, got {d!r}")
        return out[0], out[1]

    # -- fitting
    def fit(
        self,
        X: CountsArg,
        y: object = None,
        *,
        doc_names: Optional[Labels] = None,
        feature_names: Optional[Labels] = None,
        bootstrap: int = 0,
    ) -> Wordfish:
        """Fit on a documents x features count matrix (sparse or dense). ``y`` is ignored.
        ``bootstrap=B`` also runs B parametric bootstrap replicates (``theta_boot_``)."""
        M = _counts(X)
        N, V = M.shape
        docs = _names(doc_names, N, "doc_names", "doc")
        feats = _names(feature_names, V, "feature_names", "feature")
        if N < 3:
            raise ValueError(f"X: Wordfish needs at least 3 documents, got {N}")
        rs = np.asarray(M.sum(axis=1)).ravel()
        empty = np.flatnonzero(rs == 0)
        if empty.size:
            raise ValueError(
                f"X: {empty.size} document(s) have no counts: {_show(docs, empty)}; drop them first"
            )
        cs = np.asarray(M.sum(axis=0)).ravel()
        emptyf = np.flatnonzero(cs == 0)
        if emptyf.size:
            raise ValueError(
                f"X: {emptyf.size} feature(s) have no counts: {_show(feats, emptyf)}; "
                "drop them first"
            )
        if V < 2:
            raise ValueError(f"X: Wordfish needs at least 2 features, got {V}")
        dir_ab = self._resolve_dir(docs)
        opts = self._options(dir_ab)
        threads = resolve_n_jobs(self.n_jobs)
        u = residual_start(M)
        res = _core.wordfish_fit(csr_tuple(M), u, opts, threads)
        _check_finite(res, docs, M, u)
        self.theta_ = res["theta"]
        self.alpha_ = res["alpha"]
        self.psi_ = res["psi"]
        self.beta_ = res["beta"]
        self.phi_ = res["phi"]
        self.se_theta_ = res["se_theta"]
        self.trace_ = res["trace"]
        self.n_iter_ = int(res["n_iter"])
        self.converged_ = bool(res["converged"])
        self.logpost_ = float(res["logpost"])
        self.start_ = u
        self.doc_names_ = docs
        self.feature_names_ = feats
        self.dir_ = dir_ab
        self.n_features_in_ = V
        self.theta_boot_: Optional[np.ndarray] = None
        self._options_used = opts
        if not self.converged_:
            rule = (
                "log-posterior gain <= tol"
                if self.solver == "quanteda"
                else "largest theta change < tol"
            )
            warnings.warn(
                f"Wordfish did not converge: stopped after {self.n_iter_} iterations (max_iter) "
                f"before the stopping rule ({rule}, tol={self.tol:g}) was met; positions may still "
                "move. Raise max_iter or check the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        if self.solver == "quanteda" and self.converged_ and self.n_iter_ <= 2:
            warnings.warn(
                f"Wordfish (default procedure) stopped after {self.n_iter_} iteration(s) because "
                "the log-posterior fell: the positions are close to the start values, not a fitted "
                "maximum; solver='converged' (--solver converged) runs to the maximum",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.outlier_ = _outlier(self.theta_)
        if self.outlier_ is not None:
            a = np.sort(np.abs(self.theta_))
            warnings.warn(
                f"Wordfish: document {docs[self.outlier_]!r} dominates the dimension: it lies "
                f"{a[-1]:.2f} sd from the mean position, the next document {a[-2]:.2f} sd (often "
                "a text in another language or of another kind); check it, or drop it and refit",
                ScalingWarning,
                stacklevel=2,
            )
        if bootstrap:
            self.bootstrap(bootstrap)
        return self

    def fit_transform(
        self,
        X: CountsArg,
        y: object = None,
        *,
        doc_names: Optional[Labels] = None,
        feature_names: Optional[Labels] = None,
        bootstrap: int = 0,
    ) -> np.ndarray:
        """Fit (see :meth:`fit`) and return the document positions ``theta_``."""
        return self.fit(
            X, y, doc_names=doc_names, feature_names=feature_names, bootstrap=bootstrap
        ).theta_

    def _check_fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise ValueError("this Wordfish model is not fitted yet; call fit(X) first")

    def _fit_dict(self) -> Dict[str, np.ndarray]:
        return dict(
            theta=self.theta_, alpha=self.alpha_, psi=self.psi_, beta=self.beta_, phi=self.phi_
        )

    def bootstrap(self, B: int = 200, seed: Optional[int] = None) -> np.ndarray:
        """Parametric bootstrap: B x N replicate positions (also stored as ``theta_boot_``)."""
        self._check_fitted()
        B = check_int(B, "bootstrap", minimum=1)
        seed_v = seed_value(self.seed if seed is None else seed, allow_none=False)
        theta, n_iter, conv = _core.wordfish_bootstrap(
            self._fit_dict(), self._options_used, B, seed_v, resolve_n_jobs(self.n_jobs)
        )
        bad = np.flatnonzero(~np.isfinite(theta).all(axis=0))
        if bad.size:
            raise FloatingPointError(
                f"Wordfish bootstrap: numerical failure: non-finite positions in "
                f"{int((~np.isfinite(theta).all(axis=1)).sum())} of {B} replicate(s) for "
                f"document(s) {_show(self.doc_names_, bad)}"
            )
        self.theta_boot_ = theta
        self.boot_converged_ = conv
        self.boot_n_iter_ = n_iter
        if not conv.all():
            warnings.warn(
                f"Wordfish bootstrap: {int((~conv).sum())} of {B} replicates stopped at max_iter "
                f"({int(n_iter.max())} iterations) before converging",
                ConvergenceWarning,
                stacklevel=2,
            )
        return theta

    @overload
    def predict(self, X: CountsArg, return_se: Literal[False] = ...) -> np.ndarray: ...

    @overload
    def predict(self, X: CountsArg, return_se: Literal[True]) -> Tuple[np.ndarray, np.ndarray]: ...

    @overload
    def predict(
        self, X: CountsArg, return_se: bool
    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]: ...

    def predict(
        self, X: CountsArg, return_se: bool = False
    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
        """Positions of new documents (same feature columns) with the feature parameters fixed:
        Newton on (alpha_i, theta_i) with the theta prior, from theta = 0. Because the default
        solver re-standardises theta without compensating beta, predicting the training documents
        gives positions close to, not identical with, ``theta_``. Rows without counts raise."""
        self._check_fitted()
        M = _counts(X)
        if M.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X: {M.shape[1]} feature columns, the model was fitted on {self.n_features_in_}"
            )
        empty = np.flatnonzero(np.asarray(M.sum(axis=1)).ravel() == 0)
        if empty.size:
            raise ValueError(
                f"X: {empty.size} document(s) have no counts on the model's features "
                f"(rows {list(empty[:10])})"
            )
        theta, _alpha, se, conv = _core.wordfish_predict(
            self._fit_dict(), csr_tuple(M), self._options_used, resolve_n_jobs(self.n_jobs)
        )
        if not conv.all():
            warnings.warn(
                f"Wordfish predict: {int((~conv).sum())} document(s) did not converge in 100 "
                "Newton steps",
                ConvergenceWarning,
                stacklevel=2,
            )
        return (theta, se) if return_se else theta

    # -- tables
    def documents(self, ci: float = 0.95) -> pd.DataFrame:
        """One row per document: theta, se, the Hessian interval, and bootstrap interval if run."""
        self._check_fitted()
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_ci(ci) / 2))
        df = pd.DataFrame(
            {
                "document": self.doc_names_,
                "theta": self.theta_,
                "se": self.se_theta_,
                "ci_low": self.theta_ - z * self.se_theta_,
                "ci_high": self.theta_ + z * self.se_theta_,
                "alpha": self.alpha_,
            }
        )
        if self.theta_boot_ is not None:
            lo, hi = _interval(self.theta_, self.theta_boot_, ci)
            df["boot_se"] = self.theta_boot_.std(axis=0, ddof=1)
            df["boot_low"] = lo
            df["boot_high"] = hi
        return df

    def features(self) -> pd.DataFrame:
        """One row per feature: ``feature``, ``beta`` (discrimination), ``psi`` (fixed effect),
        ``phi`` (dispersion)."""
        self._check_fitted()
        return pd.DataFrame(
            {"feature": self.feature_names_, "beta": self.beta_, "psi": self.psi_, "phi": self.phi_}
        )

    def _group_codes(self, groups: Labels) -> Tuple[List[str], np.ndarray]:
        return _document_groups(groups, len(self.theta_))

    def to_html(self, groups: Optional[Labels] = None, ci: float = 0.95) -> str:
        """A self-contained HTML page (no script, no network) of the fit: group positions
        (with ``groups``, one label per document), documents and features."""
        self._check_fitted()
        tables = {
            "group_positions": self.group_positions(groups, ci) if groups is not None else None,
            "documents": self.documents(ci),
            "features": self.features(),
        }
        facts = [("iterations", str(self.n_iter_)), ("converged", str(self.converged_))]
        return tables_page(f"Wordfish: {len(self.theta_)} documents", facts, tables)

    def group_positions(self, groups: Labels, ci: float = 0.95) -> pd.DataFrame:
        """Mean theta per group with intervals: from the bootstrap replicates when available
        (percentile), otherwise from the Hessian standard errors (normal, documents independent)."""
        self._check_fitted()
        names, codes = self._group_codes(groups)
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_ci(ci) / 2))
        rows = []
        for k, name in enumerate(names):
            m = codes == k
            mean = float(self.theta_[m].mean())
            se = float(np.sqrt((self.se_theta_[m] ** 2).sum()) / m.sum())
            row: Dict[str, Any] = {
                "group": name,
                "n": int(m.sum()),
                "theta": mean,
                "se": se,
                "ci_low": mean - z * se,
                "ci_high": mean + z * se,
            }
            if self.theta_boot_ is not None:
                bs = self.theta_boot_[:, m].mean(axis=1)
                lo, hi = _interval(mean, bs, ci)
                row.update(
                    boot_se=float(bs.std(ddof=1)) if bs.size > 1 else np.nan,
                    boot_low=float(lo),
                    boot_high=float(hi),
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def group_distances(self, groups: Labels, ci: float = 0.95) -> pd.DataFrame:
        """Distance between every two groups' mean positions (b - a) with intervals (bootstrap
        percentile when available, otherwise normal from the Hessian standard errors)."""
        self._check_fitted()
        names, codes = self._group_codes(groups)
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_ci(ci) / 2))
        means = np.array([self.theta_[codes == k].mean() for k in range(len(names))])
        ses = np.array(
            [
                np.sqrt((self.se_theta_[codes == k] ** 2).sum()) / (codes == k).sum()
                for k in range(len(names))
            ]
        )
        boot = None
        if self.theta_boot_ is not None:
            boot = np.stack(
                [self.theta_boot_[:, codes == k].mean(axis=1) for k in range(len(names))], axis=1
            )
        rows = []
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                d = float(means[b] - means[a])
                se = float(np.hypot(ses[a], ses[b]))
                row: Dict[str, Any] = {
                    "group_a": names[a],
                    "group_b": names[b],
                    "distance": d,
                    "se": se,
                    "ci_low": d - z * se,
                    "ci_high": d + z * se,
                }
                if boot is not None:
                    bd = boot[:, b] - boot[:, a]
                    lo, hi = _interval(d, bd, ci)
                    row.update(boot_low=float(lo), boot_high=float(hi))
                rows.append(row)
        return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Wordscores


class Wordscores:
    """Wordscores (Laver, Benoit and Garry 2003).

    Word scores from reference texts with known positions A_r: F_wr = relative frequency of w in
    r (after adding ``smooth`` to every reference count), P(r|w) = F_wr / sum_r F_wr,
    S_w = sum_r P(r|w) A_r (words absent from every reference text get no score). A text's raw
    score is S_v = sum_w F_wv S_w over its scored words (F_wv renormalised over those words), with
    standard error sqrt(sum_w F_wv (S_w - S_v)^2) / sqrt(N_v), N_v its count of scored words.

    Rescaling of the texts being scored (as quanteda's ``predict``):
    ``"lbg"``: S*_v = (S_v - mean S) * sd(A) / sd(S) + mean S, means and sample sds over the texts
    scored together (and the reference positions); ``"mv"`` (Martin and Vanberg 2008): the raw
    scores of the two extreme reference texts are mapped onto their reference positions. Standard
    errors are multiplied by the same factor.

    ``fit(X, y)``: y holds a position for each reference row and NaN (or None) for the others,
    so ``predict()`` without arguments scores every fitted row, as quanteda does.

    Examples
    --------
    >>> import numpy as np
    >>> import divergence as dv
    >>> X = np.array([[8, 2, 0], [0, 2, 8], [4, 2, 4]])
    >>> ws = dv.Wordscores().fit(X, [-1.0, 1.0, np.nan])
    >>> ws.predict().round(3)
    array([-0.8,  0.8,  0. ])
    """

    def __init__(self, smooth: float = 0.0, rescaling: Optional[str] = None) -> None:
        self.smooth = smooth
        self.rescaling = rescaling

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        """The constructor's parameters as a dict (scikit-learn's estimator protocol)."""
        return {"smooth": self.smooth, "rescaling": self.rescaling}

    def __repr__(self) -> str:
        return f"Wordscores(smooth={self.smooth!r}, rescaling={self.rescaling!r})"

    def fit(
        self,
        X: CountsArg,
        y: Union[Sequence[Optional[float]], np.ndarray],
        *,
        doc_names: Optional[Labels] = None,
        feature_names: Optional[Labels] = None,
    ) -> Wordscores:
        """Word scores from the reference texts: ``y`` holds each document's reference
        position, NaN (or None) for the documents to score later; returns ``self``."""
        M = _counts(X)
        N, V = M.shape
        yv = np.array([np.nan if v is None else v for v in y], dtype=np.float64)
        if yv.shape != (N,):
            raise ValueError(
                f"y: {yv.size} reference positions for {N} documents (NaN for unscored ones)"
            )
        if np.isinf(yv).any():
            raise ValueError("y: reference positions must be finite (NaN marks a text without one)")
        smooth = check_real(self.smooth, "smooth", low=0)
        self._check_rescaling(self.rescaling)
        ref = np.flatnonzero(~np.isnan(yv))
        if ref.size < 2:
            raise ValueError(
                f"y: at least 2 reference texts with positions are needed, got {ref.size}"
            )
        docs = _names(doc_names, N, "doc_names", "doc")
        R = M[ref].toarray() + smooth
        tot = R.sum(axis=1)
        empty = np.flatnonzero(tot == 0)
        if empty.size:
            raise ValueError(
                f"X: reference text(s) without counts: {_show([docs[i] for i in ref], empty)}"
            )
        F = R / tot[:, None]
        colsum = F.sum(axis=0)
        scored = colsum > 0
        P = np.zeros_like(F)
        P[:, scored] = F[:, scored] / colsum[scored]
        S = np.full(V, np.nan)
        S[scored] = P[:, scored].T @ yv[ref]
        self.wordscores_ = S
        self.reference_ = ref
        self.reference_positions_ = yv[ref]
        self.y_ = yv
        self.doc_names_ = docs
        self.feature_names_ = _names(feature_names, V, "feature_names", "feature")
        self.n_features_in_ = V
        self._X = M
        # Raw scores of the reference texts themselves (for Martin-Vanberg).
        self._ref_raw = self._raw(M[ref])[0]
        return self

    @staticmethod
    def _check_rescaling(r: Optional[str]) -> None:
        check_choice(r, "rescaling", (None, "none", "lbg", "mv"))

    def _raw(self, M: sp.csr_matrix) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        S = self.wordscores_
        scored = ~np.isnan(S)
        Ms = sp.csr_matrix(M[:, np.flatnonzero(scored)])
        Sv = S[scored]
        n = np.asarray(Ms.sum(axis=1)).ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            raw = (Ms @ Sv) / n
            # sum_w F_wv (S_w - raw)^2 = sum F S^2 - raw^2
            m2 = (Ms @ (Sv * Sv)) / n
            var = np.maximum(m2 - raw * raw, 0.0)
            se = np.sqrt(var) / np.sqrt(n)
        return raw, se, n

    def to_html(self, groups: Optional[Labels] = None, ci: float = 0.95) -> str:
        """A self-contained HTML page (no script, no network) of the fitted texts' scores and,
        with ``groups`` (one label per fitted text), the group positions."""
        tables = {
            "group_positions": self.group_positions(groups, ci) if groups is not None else None,
            "scores": self.scores(None, "default", ci),
        }
        return tables_page(f"Wordscores: {len(self.doc_names_)} texts", [], tables)

    def scores(
        self, X: Optional[CountsArg] = None, rescaling: Optional[str] = "default", ci: float = 0.95
    ) -> pd.DataFrame:
        """Table of raw score, se and interval, plus the rescaled score, se and interval."""
        if not hasattr(self, "wordscores_"):
            raise ValueError("this Wordscores model is not fitted yet; call fit(X, y) first")
        rescaling = self.rescaling if rescaling == "default" else rescaling
        self._check_rescaling(rescaling)
        if X is None:
            M, names = self._X, self.doc_names_
        else:
            M = _counts(X)
            names = [f"doc{i}" for i in range(M.shape[0])]
        if M.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X: {M.shape[1]} feature columns, the model was fitted on {self.n_features_in_}"
            )
        raw, se, n = self._raw(M)
        bad = np.flatnonzero(n == 0)
        if bad.size:
            raise ValueError(f"X: {bad.size} text(s) contain no scored word: {_show(names, bad)}")
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_ci(ci) / 2))
        df = pd.DataFrame(
            {
                "document": names,
                "raw": raw,
                "se": se,
                "ci_low": raw - z * se,
                "ci_high": raw + z * se,
                "n_scored": n,
            }
        )
        if rescaling in ("lbg", "mv"):
            A = self.reference_positions_
            if rescaling == "lbg":
                if raw.size < 2:
                    raise ValueError("rescaling='lbg' needs at least 2 texts scored together")
                m = raw.mean()
                f = A.std(ddof=1) / raw.std(ddof=1)
                fit = (raw - m) * f + m
            else:
                lo, hi = int(np.argmin(A)), int(np.argmax(A))
                f = (A[hi] - A[lo]) / (self._ref_raw[hi] - self._ref_raw[lo])
                fit = (raw - self._ref_raw[lo]) * f + A[lo]
            df[rescaling] = fit
            df[f"{rescaling}_se"] = se * abs(f)
            df[f"{rescaling}_low"] = fit - z * se * abs(f)
            df[f"{rescaling}_high"] = fit + z * se * abs(f)
        return df

    @overload
    def predict(
        self,
        X: Optional[CountsArg] = ...,
        rescaling: Optional[str] = ...,
        return_se: Literal[False] = ...,
    ) -> np.ndarray: ...

    @overload
    def predict(
        self, X: Optional[CountsArg], rescaling: Optional[str], return_se: Literal[True]
    ) -> Tuple[np.ndarray, np.ndarray]: ...

    @overload
    def predict(
        self,
        X: Optional[CountsArg] = ...,
        rescaling: Optional[str] = ...,
        *,
        return_se: Literal[True],
    ) -> Tuple[np.ndarray, np.ndarray]: ...

    @overload
    def predict(
        self, X: Optional[CountsArg] = ..., rescaling: Optional[str] = ..., return_se: bool = ...
    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]: ...

    def predict(
        self,
        X: Optional[CountsArg] = None,
        rescaling: Optional[str] = "default",
        return_se: bool = False,
    ) -> Union[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
        """Scores of the texts in X (None = every fitted row), rescaled if asked."""
        rescaling = self.rescaling if rescaling == "default" else rescaling
        df = self.scores(X, rescaling)
        col = rescaling if rescaling in ("lbg", "mv") else "raw"
        sec = f"{col}_se" if col != "raw" else "se"
        v = df[col].to_numpy()
        return (v, df[sec].to_numpy()) if return_se else v

    def group_positions(
        self, groups: Labels, ci: float = 0.95, rescaling: Optional[str] = "default"
    ) -> pd.DataFrame:
        """Mean score per group of the fitted texts (rescaled as ``scores``), as
        :meth:`Wordfish.group_positions`: ``group``, ``n``, ``theta`` (the mean), ``se`` (texts
        independent: sqrt(sum se^2) / n) and the normal interval ``ci_low``, ``ci_high``."""
        rescaling = self.rescaling if rescaling == "default" else rescaling
        df = self.scores(None, rescaling, ci)
        col = rescaling if rescaling in ("lbg", "mv") else "raw"
        pos, se = df[col].to_numpy(), df[f"{col}_se" if col != "raw" else "se"].to_numpy()
        names, codes = _document_groups(groups, pos.shape[0])
        n = np.bincount(codes, minlength=len(names))
        mean = np.array([pos[codes == k].mean() for k in range(len(names))])
        sem = np.array([np.sqrt((se[codes == k] ** 2).sum()) for k in range(len(names))]) / n
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + check_ci(ci) / 2))
        return pd.DataFrame(
            {
                "group": [str(x) for x in names],
                "n": n,
                "theta": mean,
                "se": sem,
                "ci_low": mean - z * sem,
                "ci_high": mean + z * sem,
            }
        )


# ----------------------------------------------------------------------------------------------
# A corpus as documents x features counts


@dataclass(frozen=True)
class ScalingCounts:
    """A :class:`~divergence.Corpus` as the documents x features counts that :class:`Wordfish`
    and :class:`Wordscores` fit, built by :meth:`from_corpus`.

    Statements with no token left after tokenising are dropped (neither model can place a
    document without counts) and ``notes`` says how many; every field below covers the kept
    documents only, in corpus order.

    Fields: ``counts`` (documents x features, CSR), ``documents`` (their ids, as text),
    ``groups`` (their groups, as text), ``features`` (the vocabulary, as text), ``rows`` (their
    positions in the corpus), ``frame`` (their rows of ``Corpus.frame``), ``notes``.

    Examples
    --------
    >>> import divergence as dv
    >>> sc = dv.ScalingCounts.from_corpus(dv.Corpus.read(dv.example_path()))
    >>> sc.counts.shape, sc.documents[:2], sc.groups[:2]
    ((170, 1794), ['s001', 's002'], ['Azerbaijan', 'Karabakh Armenians'])
    """

    counts: sp.csr_matrix
    documents: List[str]
    groups: List[str]
    features: List[str]
    rows: np.ndarray
    frame: pd.DataFrame
    notes: List[str] = field(default_factory=list)

    @classmethod
    def from_corpus(
        cls, corpus: Corpus, vectorizer: Optional[VectorizerLike] = None
    ) -> ScalingCounts:
        """Tokenise ``corpus`` with ``vectorizer`` (fitted here; default
        :class:`divergence.Vectorizer`) and keep the statements that have a token."""
        if not isinstance(corpus, Corpus):
            raise TypeError(f"corpus: expected a Corpus, got {type(corpus).__name__}")
        if vectorizer is None:
            from ._text import Vectorizer

            vectorizer = Vectorizer()
        X = sp.csr_matrix(vectorizer.fit_transform(list(corpus.text)))
        features = [str(v) for v in vectorizer.get_feature_names_out()]
        ids = [str(x) for x in corpus.id]
        groups = np.asarray(corpus.group.astype(str))
        keep = np.flatnonzero(np.asarray(X.sum(axis=1)).ravel() > 0)
        notes: List[str] = []
        if keep.size < len(ids):
            notes.append(f"dropped {len(ids) - keep.size} statement(s) with no tokens")
        return cls(
            counts=X[keep],
            documents=[ids[i] for i in keep],
            groups=[str(g) for g in groups[keep]],
            features=features,
            rows=keep,
            frame=corpus.frame.iloc[keep],
            notes=notes,
        )

    def default_dir(self) -> Tuple[int, int]:
        """Wordfish's direction when none is given: the first document and the first one of
        another group, so that ``dir`` contrasts two groups (quanteda's first two documents may
        share a group). (0, 1) when every document has the same group."""
        first = self.groups[0]
        for i, g in enumerate(self.groups):
            if g != first:
                return 0, i
        return 0, 1

    @property
    def n_groups(self) -> int:
        """How many groups the kept documents belong to."""
        return len(set(self.groups))

    def reference(self, column: str) -> np.ndarray:
        """Wordscores' reference positions of the kept documents from a column of the corpus:
        numbers as float64, NaN for an empty cell or one that is not a number (a text to
        score)."""
        if column not in self.frame.columns:
            raise ValueError(
                f"column: no column {column!r}; columns: {', '.join(map(str, self.frame.columns))}"
            )
        return pd.to_numeric(self.frame[column], errors="coerce").to_numpy(dtype=float)
