"""Out-of-range integers, aliased out= buffers and corrupted CSR arrays: one-line errors from our
own checks, before pybind11, the core or SciPy see them (issue 16, points 7 to 9)."""

import numpy as np
import pytest
import scipy.sparse as sp

import divergence
from divergence import _core
from divergence._util.operands import as_csr
from divergence._util.validation import MAX_JOBS, resolve_n_jobs

X = np.random.default_rng(0).random((6, 5))


def _raises(exc, fn, *parts):
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    assert len(msg) < 300 and "\n" not in msg, msg  # one line, no printed arrays
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"
    return msg


# -- point 7: n_jobs and other integers handed to the core -----------------------------------
@pytest.mark.parametrize("n_jobs", [MAX_JOBS + 1, 10**9, 2**31, 2**40, 2**70])
def test_n_jobs_upper_bound(n_jobs):
    _raises(ValueError, lambda: resolve_n_jobs(n_jobs), "n_jobs", str(MAX_JOBS), str(n_jobs))
    counts = sp.csr_matrix(X)
    for fn in (
        lambda: divergence.pairwise(X, n_jobs=n_jobs),
        lambda: divergence.pairwise(counts, n_jobs=n_jobs),
        lambda: divergence.nearest(X, k=1, n_jobs=n_jobs),
        lambda: divergence.group_matrix(counts, np.arange(6) % 2, 2, n_jobs=n_jobs),
        lambda: divergence.Vectorizer(n_jobs=n_jobs).fit_transform(["ab cd", "cd ef"]),
    ):
        _raises(ValueError, fn, "n_jobs")


def test_n_jobs_cap_itself_is_accepted():
    assert resolve_n_jobs(MAX_JOBS) == MAX_JOBS
    assert np.array_equal(divergence.pairwise(X, n_jobs=64), divergence.pairwise(X, n_jobs=1))


def test_core_refuses_too_many_threads():
    out = np.empty((6, 6))
    _raises(
        ValueError,
        lambda: _core.pairwise_dense(X, None, out, "jsd", 0.0, 0.0, True, 10**9, False),
        "n_jobs",
    )


@pytest.mark.parametrize("ngram", [(1, 2**31), (1, 2**40), (2**40, 2**40)])
def test_ngram_range_bound(ngram):
    _raises(
        ValueError,
        lambda: divergence.Vectorizer(ngram_range=ngram).fit_transform(["ab cd"]),
        "ngram_range",
        "2147483647",
    )


def test_ngram_range_at_the_bound_works():
    vec = divergence.Vectorizer(ngram_range=(1, 2**31 - 1))
    assert vec.fit_transform(["ab cd ef"]).shape == (1, 6)


def test_other_vectorizer_integers():
    docs = ["ab cd"]
    _raises(
        ValueError,
        lambda: divergence.Vectorizer(min_token_length=2**40).fit_transform(docs),
        "min_token_length",
    )
    _raises(
        ValueError,
        lambda: divergence.Vectorizer(max_features=2**70).fit_transform(docs),
        "max_features",
    )


def test_group_matrix_integers():
    counts = sp.csr_matrix(X)
    lab = np.arange(6) % 2
    _raises(ValueError, lambda: divergence.group_matrix(counts, lab, 2**40), "n_groups")
    _raises(ValueError, lambda: divergence.group_matrix(counts, lab, 0), "n_groups")
    _raises(ValueError, lambda: divergence.group_matrix(counts, lab, 2, seed=-1), "seed")
    _raises(ValueError, lambda: divergence.group_matrix(counts, lab, 2, bootstrap=-1), "bootstrap")
    _raises(
        ValueError,
        lambda: divergence.group_matrix(counts, lab, 2, permutations=2**70),
        "permutations",
    )
    # A seed beyond 64 bits is reduced modulo 2**64, as everywhere else.
    a = divergence.group_matrix(counts, lab, 2, bootstrap=3, seed=2**64 + 5)
    b = divergence.group_matrix(counts, lab, 2, bootstrap=3, seed=5)
    assert np.array_equal(a[1], b[1])


# -- point 8: out= must not alias -------------------------------------------------------------
def test_out_with_zero_row_stride_is_refused():
    A = np.random.default_rng(1).random((20, 20))
    out = np.lib.stride_tricks.as_strided(np.zeros(400), (20, 20), (0, 8))
    msg = _raises(ValueError, lambda: divergence.pairwise(A, out=out), "out", "(20, 20)", "(0, 8)")
    assert "C-contiguous" in msg


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.lib.stride_tricks.as_strided(np.zeros(60), (6, 6), (16, 8)),  # overlapping
        lambda: np.zeros((6, 6))[::-1],  # rows backwards
        lambda: np.broadcast_to(np.zeros(6), (6, 6)),  # read-only broadcast
    ],
)
def test_aliasing_out_is_refused(make):
    _raises(ValueError, lambda: divergence.pairwise(X, out=make()), "out")


def test_core_refuses_overlapping_out():
    out = np.lib.stride_tricks.as_strided(np.zeros(400), (6, 6), (0, 8))
    _raises(
        ValueError,
        lambda: _core.pairwise_dense(X, None, out, "jsd", 0.0, 0.0, True, 1, False),
        "out",
    )


def test_contiguous_memmap_and_row_slice_still_work(tmp_path):
    mm = np.memmap(tmp_path / "o.bin", dtype=np.float64, mode="w+", shape=(6, 6))
    assert np.array_equal(divergence.pairwise(X, out=mm), divergence.pairwise(X))
    big = np.full((12, 6), -1.0)
    divergence.pairwise(X, out=big[::2])
    assert np.array_equal(big[::2], divergence.pairwise(X)) and np.all(big[1::2] == -1)
    one = np.zeros((1, 6))
    divergence.pairwise(X[:1], X, out=one)


# -- point 9: corrupted CSR arrays ------------------------------------------------------------
def _corrupt(pos, value, fmt="csr"):
    M = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    M.indptr = M.indptr.astype(np.int64)
    M.indptr[pos] = value
    return M


@pytest.mark.parametrize(
    "pos, value, parts",
    [
        (3, 10**12, ("decreases at position 4",)),
        (3, -5, ("decreases at position 3",)),
        (0, 1, ("indptr[0]",)),
        (6, 10**6, ("indptr[6]", "30 stored entries")),
    ],
)
def test_corrupted_indptr(pos, value, parts):
    M = _corrupt(pos, value)
    _raises(ValueError, lambda: divergence.pairwise(M), "X:", *parts)
    _raises(ValueError, lambda: divergence.pairwise(X, M), "Y:", *parts)
    _raises(ValueError, lambda: divergence.nearest(M, k=1), "X:", *parts)
    _raises(ValueError, lambda: as_csr(M, name="counts"), "counts:", *parts)
    _raises(ValueError, lambda: divergence.group_matrix(M, np.arange(6) % 2, 2), "counts:", *parts)


def test_corrupted_csc_indptr():
    _raises(ValueError, lambda: divergence.pairwise(_corrupt(2, 10**12, "csc")), "X:", "indptr")


def test_indptr_of_wrong_length():
    M = sp.csr_matrix(X)
    M.indptr = M.indptr[:-1].copy()
    _raises(ValueError, lambda: divergence.pairwise(M), "X:", "7 entries")


def test_indices_out_of_range():
    M = sp.csr_matrix(X)
    M.indices = M.indices.copy()
    M.indices[7] = 99
    _raises(ValueError, lambda: divergence.pairwise(M), "X:", "indices[7] = 99", "row 1")
    M.indices[7] = -1
    _raises(ValueError, lambda: divergence.pairwise(M), "X:", "indices[7] = -1")


def test_one_pair_functions_check_structure():
    p = sp.csr_matrix(X[:1])
    p.indptr = p.indptr.astype(np.int64)
    p.indptr[1] = 10**12
    q = X[1]
    _raises(ValueError, lambda: divergence.divergence(p, q), "p:", "indptr")
    _raises(ValueError, lambda: divergence.contributions(q, p), "q:", "indptr")


def test_valid_sparse_inputs_pass():
    for M in (sp.csr_matrix(X), sp.csc_matrix(X), sp.coo_matrix(X), sp.csr_matrix((6, 5))):
        if M.nnz:
            assert np.allclose(divergence.pairwise(M), divergence.pairwise(X))
    # indptr ending before the end of indices/data (unused trailing capacity) is still a matrix
    M = sp.csr_matrix(X)
    M2 = sp.csr_matrix(
        (np.append(M.data, 7.0), np.append(M.indices, 0), M.indptr.copy()), shape=M.shape
    )
    assert np.allclose(divergence.pairwise(M2), divergence.pairwise(X))


@pytest.mark.parametrize("sparse", [False, True])
def test_negative_entry_lost_in_float32_is_refused(sparse):
    """Found by the kernels fuzzer: -1e-50 became -0.0 in float32 and was accepted."""
    import scipy.sparse as sp

    import divergence as dv

    X = np.array([[1.0, -1e-50], [1.0, 0.0]])
    A = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=r"X: row 0, column 1 is negative \(-1e-50\)"):
        dv.pairwise(A, dtype=np.float32)
    # -0.0 itself is zero, not negative
    assert (dv.pairwise(np.array([[1.0, -0.0], [1.0, 0.0]]), dtype=np.float32) == 0).all()
