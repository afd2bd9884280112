// Tokeniser bindings: Python texts -> one UTF-8 buffer + offsets (with the GIL), then the core
// without the GIL; results come back as NumPy arrays that own the core's vectors (no copies).
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "divergence/tokenize.hpp"
#include "pybind11.hpp"

namespace {

using namespace divergence;
using namespace divergence_py;

// Statements converted for the core. str -> UTF-8 (lone surrogates, which a Python str may
// hold, are encoded with "surrogatepass" and act as separators, as in Python's re); bytes and
// bytearray are taken as UTF-8 as they are and checked strictly by the core.
struct Texts {
    std::string data;
    std::vector<int64_t> offsets{0};
    std::vector<uint8_t> allow_surrogates;

    TextBatch batch() const {
        TextBatch b;
        b.data = data.data();
        b.offsets = offsets.data();
        b.n = static_cast<int64_t>(offsets.size()) - 1;
        b.allow_surrogates = allow_surrogates.data();
        return b;
    }
};

void append_text(Texts& out, PyObject* item, size_t i) {
    if (PyUnicode_Check(item)) {
        if (PyUnicode_IS_ASCII(item)) {
            out.data.append(static_cast<const char*>(PyUnicode_DATA(item)),
                            static_cast<size_t>(PyUnicode_GET_LENGTH(item)));
        } else {
            PyObject* b = PyUnicode_AsUTF8String(item);
            if (b == nullptr) {
                if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
                    throw py::error_already_set();
                PyErr_Clear();
                b = PyUnicode_AsEncodedString(item, "utf-8", "surrogatepass");
                if (b == nullptr) throw py::error_already_set();
            }
            out.data.append(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
            Py_DECREF(b);
        }
        out.allow_surrogates.push_back(1);
    } else if (PyBytes_Check(item)) {
        out.data.append(PyBytes_AS_STRING(item), static_cast<size_t>(PyBytes_GET_SIZE(item)));
        out.allow_surrogates.push_back(0);
    } else if (PyByteArray_Check(item)) {
        out.data.append(PyByteArray_AS_STRING(item),
                        static_cast<size_t>(PyByteArray_GET_SIZE(item)));
        out.allow_surrogates.push_back(0);
    } else {
        throw py::type_error("statement " + std::to_string(i) + ": expected str or bytes, got " +
                             std::string(Py_TYPE(item)->tp_name));
    }
    out.offsets.push_back(static_cast<int64_t>(out.data.size()));
}

Texts convert_texts(const py::handle& texts) {
    if (PyUnicode_Check(texts.ptr()) || PyBytes_Check(texts.ptr())) {
        throw py::type_error("texts: expected a sequence of str, got a single string");
    }
    py::object seq = py::reinterpret_steal<py::object>(
        PySequence_Fast(texts.ptr(), "texts: expected a sequence of str or bytes"));
    if (!seq) throw py::error_already_set();
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    Texts out;
    size_t guess = 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
        if (PyUnicode_Check(items[i])) guess += static_cast<size_t>(PyUnicode_GET_LENGTH(items[i]));
    }
    out.data.reserve(guess + guess / 8);
    out.offsets.reserve(static_cast<size_t>(n) + 1);
    out.allow_surrogates.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) append_text(out, items[i], static_cast<size_t>(i));
    return out;
}

// Stop words must match tokens byte for byte: str -> UTF-8 (a stop word with lone surrogates
// cannot match any token, so "surrogatepass" is harmless there).
std::vector<std::string> convert_words(const py::handle& words, const char* name) {
    std::vector<std::string> out;
    if (words.is_none()) return out;
    for (const py::handle w : py::iter(words)) {
        if (!PyUnicode_Check(w.ptr())) {
            throw py::type_error(std::string(name) + ": expected str items, got " +
                                 std::string(Py_TYPE(w.ptr())->tp_name));
        }
        PyObject* b = PyUnicode_AsEncodedString(w.ptr(), "utf-8", "surrogatepass");
        if (b == nullptr) throw py::error_already_set();
        out.emplace_back(PyBytes_AS_STRING(b), static_cast<size_t>(PyBytes_GET_SIZE(b)));
        Py_DECREF(b);
    }
    return out;
}

TokenizeOptions tokenize_options(bool lowercase, int min_token_length, int ngram_min, int ngram_max,
                                 const py::handle& stop_words) {
    TokenizeOptions o;
    o.lowercase = lowercase;
    o.min_token_length = min_token_length;
    o.ngram_min = ngram_min;
    o.ngram_max = ngram_max;
    o.stop_words = convert_words(stop_words, "stop_words");
    check_tokenize_options(o);
    return o;
}

ParallelConfig parallel_config(int n_jobs, const StopCheck* stop) {
    check_jobs(n_jobs);
    ParallelConfig c;
    c.n_threads = n_jobs;
    c.stop = stop;
    return c;
}

py::tuple csr_tuple(CountMatrix&& m) {
    return py::make_tuple(to_array(std::move(m.indptr)), to_array(std::move(m.indices)),
                          to_array(std::move(m.data)), m.rows, m.cols);
}

// A TermList from (bytes, int64 offsets) as returned by tokenize_fit.
// (The offsets are converted when they are not contiguous int64 already: a small copy.)
using OffsetsArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

TermList term_list(const py::bytes& terms, const OffsetsArray& offsets) {
    if (offsets.ndim() != 1) throw py::value_error("term_offsets: expected a 1-d array");
    TermList t;
    t.bytes = std::string(terms);
    const auto* o = static_cast<const int64_t*>(offsets.data());
    const int64_t n = offsets.shape(0);
    if (n < 1 || o[0] != 0 || o[n - 1] != static_cast<int64_t>(t.bytes.size())) {
        throw py::value_error("term_offsets: must start at 0 and end at len(terms)");
    }
    for (int64_t k = 1; k < n; ++k) {
        if (o[k] < o[k - 1]) throw py::value_error("term_offsets: must not decrease");
    }
    t.offsets.assign(o, o + n);
    return t;
}

}  // namespace

void register_tokenize(py::module_& m) {
    m.attr("UNICODE_VERSION") = unicode_version();
    m.attr("UNICODE_TABLES_PYTHON") = unicode_tables_python_version();

    m.def(
        "tokenize_fit",
        [](const py::handle& texts, bool lowercase, int min_token_length, int ngram_min,
           int ngram_max, const py::handle& stop_words, double min_df, double max_df,
           int64_t max_features, bool binary, int n_jobs) {
            const TokenizeOptions o =
                tokenize_options(lowercase, min_token_length, ngram_min, ngram_max, stop_words);
            const Texts t = convert_texts(texts);
            VocabularyLimits lim;
            lim.min_df = min_df;
            lim.max_df = max_df;
            lim.max_features = max_features;
            lim.binary = binary;
            if (max_features < 0)
                throw py::value_error("max_features: must be >= 0 (0 = no limit)");
            const StopCheck stop = make_stop_check();
            const ParallelConfig cfg = parallel_config(n_jobs, &stop);
            FitResult r;
            run_without_gil([&] { r = fit_counts(t.batch(), o, lim, cfg); });
            py::bytes terms(r.terms.bytes);
            {
                std::string().swap(r.terms.bytes);
            }
            return py::make_tuple(terms, to_array(std::move(r.terms.offsets)),
                                  csr_tuple(std::move(r.counts)), r.n_terms_seen);
        },
        py::arg("texts"), py::arg("lowercase"), py::arg("min_token_length"), py::arg("ngram_min"),
        py::arg("ngram_max"), py::arg("stop_words"), py::arg("min_df"), py::arg("max_df"),
        py::arg("max_features"), py::arg("binary"), py::arg("n_jobs"),
        "Learn the vocabulary of texts (sequence of str/bytes) and count it. min_df/max_df are "
        "document counts, max_features 0 = no limit. Returns (terms UTF-8 bytes, term offsets "
        "int64, (indptr int64, indices int32, data int64, rows, cols), distinct terms before "
        "pruning).");

    m.def(
        "tokenize_count",
        [](const py::handle& texts, bool lowercase, int min_token_length, int ngram_min,
           int ngram_max, const py::handle& stop_words, const py::bytes& terms,
           const OffsetsArray& term_offsets, bool binary, int n_jobs) {
            const TokenizeOptions o =
                tokenize_options(lowercase, min_token_length, ngram_min, ngram_max, stop_words);
            const TermList vocab = term_list(terms, term_offsets);
            const Texts t = convert_texts(texts);
            const StopCheck stop = make_stop_check();
            const ParallelConfig cfg = parallel_config(n_jobs, &stop);
            CountMatrix c;
            run_without_gil([&] { c = count_terms(t.batch(), o, vocab, binary, cfg); });
            return csr_tuple(std::move(c));
        },
        py::arg("texts"), py::arg("lowercase"), py::arg("min_token_length"), py::arg("ngram_min"),
        py::arg("ngram_max"), py::arg("stop_words"), py::arg("terms"), py::arg("term_offsets"),
        py::arg("binary"), py::arg("n_jobs"),
        "Count the terms of a fixed vocabulary (terms UTF-8 bytes + int64 offsets, column k = "
        "term k). Returns (indptr int64, indices int32, data int64, rows, cols).");

    m.def(
        "tokenize_analyze",
        [](const py::handle& text, bool lowercase, int min_token_length, int ngram_min,
           int ngram_max, const py::handle& stop_words) {
            const TokenizeOptions o =
                tokenize_options(lowercase, min_token_length, ngram_min, ngram_max, stop_words);
            const Texts t = convert_texts(py::make_tuple(text));
            std::vector<std::string> terms;
            run_without_gil([&] {
                terms = analyze(std::string_view(t.data), o, t.allow_surrogates[0] != 0, 0);
            });
            py::list out(terms.size());
            for (size_t k = 0; k < terms.size(); ++k) {
                PyObject* u =
                    PyUnicode_DecodeUTF8(terms[k].data(), static_cast<Py_ssize_t>(terms[k].size()),
                                         "surrogatepass");
                if (u == nullptr) throw py::error_already_set();
                out[k] = py::reinterpret_steal<py::object>(u);
            }
            return out;
        },
        py::arg("text"), py::arg("lowercase"), py::arg("min_token_length"), py::arg("ngram_min"),
        py::arg("ngram_max"), py::arg("stop_words"),
        "The terms of one statement (str or bytes), in order: tokens, then n-grams.");

    m.def(
        "tokenize_terms",
        [](const py::bytes& terms, const OffsetsArray& term_offsets) {
            const TermList t = term_list(terms, term_offsets);
            py::list out(static_cast<size_t>(t.size()));
            for (int64_t k = 0; k < t.size(); ++k) {
                const std::string_view s = t[k];
                PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()),
                                                   "surrogatepass");
                if (u == nullptr) throw py::error_already_set();
                out[static_cast<size_t>(k)] = py::reinterpret_steal<py::object>(u);
            }
            return out;
        },
        py::arg("terms"), py::arg("term_offsets"),
        "Decode a term list (UTF-8 bytes + int64 offsets) into a list of str.");
}
