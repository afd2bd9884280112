// The tokeniser: UTF-8 statements -> terms -> vocabulary and CSR counts.
//
// Semantics (scikit-learn's CountVectorizer defaults, reproduced exactly):
//   1. lowercase the statement as Python's str.lower() does: full case mapping per code point
//      (U+0130 İ -> "i" + U+0307), and capital sigma Σ -> ς in the Final_Sigma context
//      (preceded by a cased letter and not followed by one, case-ignorable characters skipped),
//      σ elsewhere;
//   2. tokens = maximal runs of word characters (Python re's \w for str: isalnum() or '_') of at
//      least `min_token_length` code points (2 = the token pattern (?u)\b\w\w+\b);
//   3. tokens equal to a stop word are dropped; then n-grams for n in [ngram_min, ngram_max]
//      are formed over the remaining tokens, joined by one space.
// The character tables are generated from CPython by tools/gen_unicode_tables.py
// (unicode_version() says which Unicode version). Statements are UTF-8; an invalid sequence
// raises std::invalid_argument naming the statement and the byte offset. Unicode
// normalisation is not done here (the Python layer offers it, before tokenising).
//
// Vocabulary order is byte order of the UTF-8 terms, which is code point order: the order of
// Python's sorted() on the terms. Results never depend on the thread count.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "divergence/parallel.hpp"

namespace divergence {

// A batch of statements in one buffer: statement i is data[offsets[i], offsets[i+1]).
struct TextBatch {
    const char* data = nullptr;
    const int64_t* offsets = nullptr;  // n + 1 non-decreasing entries
    int64_t n = 0;
    // Optional, one flag per statement: 1 when the statement may contain UTF-8-encoded
    // surrogate code points (U+D800..U+DFFF: Python str encoded with "surrogatepass" can hold
    // lone surrogates). They are not word characters, so they only ever separate tokens, as in
    // Python. nullptr (or 0): strict UTF-8, surrogates are an error.
    const uint8_t* allow_surrogates = nullptr;
};

struct TokenizeOptions {
    bool lowercase = true;
    int min_token_length = 2;  // code points, >= 1
    int ngram_min = 1;         // 1 <= ngram_min <= ngram_max
    int ngram_max = 1;
    // Exact (byte) matches against the tokens after lowercasing; UTF-8.
    std::vector<std::string> stop_words;
};

void check_tokenize_options(const TokenizeOptions& opts);  // std::invalid_argument if bad

// Terms in one buffer: term k is bytes[offsets[k], offsets[k+1]).
struct TermList {
    std::string bytes;
    std::vector<int64_t> offsets{0};

    int64_t size() const { return static_cast<int64_t>(offsets.size()) - 1; }
    std::string_view operator[](int64_t k) const {
        return std::string_view(bytes.data() + offsets[k],
                                static_cast<size_t>(offsets[k + 1] - offsets[k]));
    }
    void push_back(std::string_view t) {
        bytes.append(t.data(), t.size());
        offsets.push_back(static_cast<int64_t>(bytes.size()));
    }
};

// Rows = statements, columns = terms; column indices sorted within each row; counts > 0.
struct CountMatrix {
    std::vector<int64_t> indptr;   // rows + 1
    std::vector<int32_t> indices;  // nnz
    std::vector<int64_t> data;     // nnz
    int64_t rows = 0;
    int64_t cols = 0;
};

// Vocabulary pruning, as CountVectorizer: keep terms with min_df <= df <= max_df (document
// counts, already converted from proportions by the caller), then, when max_features > 0 and
// more terms remain, the max_features terms with the largest total count; ties go to the term
// that comes first in vocabulary order. `binary`: counts are 1/0 (and the total count used by
// max_features is then the document frequency), as CountVectorizer(binary=True).
struct VocabularyLimits {
    double min_df = 1.0;
    double max_df = std::numeric_limits<double>::infinity();
    int64_t max_features = 0;  // 0 = no limit
    bool binary = false;
};

struct FitResult {
    TermList terms;            // kept terms, sorted (column order)
    CountMatrix counts;        // statements x kept terms
    int64_t n_terms_seen = 0;  // distinct terms before pruning (0: empty vocabulary)
};

// Learns the vocabulary of `texts` and counts it. Parallel over statements.
FitResult fit_counts(const TextBatch& texts, const TokenizeOptions& opts,
                     const VocabularyLimits& limits, const ParallelConfig& cfg);

// Counts the terms of a fixed vocabulary (any order, no duplicates; column k = vocabulary[k]);
// other terms are ignored.
CountMatrix count_terms(const TextBatch& texts, const TokenizeOptions& opts,
                        const TermList& vocabulary, bool binary, const ParallelConfig& cfg);

// The terms of one statement, in order (tokens, then n-grams by increasing n), as the
// analyzer of CountVectorizer returns them. `statement` is only used in error messages.
std::vector<std::string> analyze(std::string_view text, const TokenizeOptions& opts,
                                 bool allow_surrogates = false, int64_t statement = 0);

// The Unicode version of the generated tables, and the Python that they were probed from.
const char* unicode_version();
const char* unicode_tables_python_version();

}  // namespace divergence
