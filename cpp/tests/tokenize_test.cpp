// The tokeniser (tokenize.hpp): ASCII text against a plain tokeniser written here; Unicode
// lowercasing and word characters against CPython's results (scikit-learn's CountVectorizer on
// the same strings); n-grams and stop words; fit_counts / count_terms against counts of the
// analyzed terms; thread invariance; invalid UTF-8.
#include "divergence/tokenize.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "check.hpp"
#include "reference.hpp"

using namespace divergence;

namespace {

using Terms = std::vector<std::string>;

// The token pattern (?u)\b\w\w+\b on ASCII text, lowercased: runs of [A-Za-z0-9_].
Terms plain_ascii_tokens(const std::string& s, bool lowercase, size_t min_len) {
    Terms out;
    std::string cur;
    for (size_t i = 0; i <= s.size(); ++i) {
        const unsigned char c = i < s.size() ? static_cast<unsigned char>(s[i]) : ' ';
        if (std::isalnum(c) || c == '_') {
            cur += lowercase ? static_cast<char>(std::tolower(c)) : static_cast<char>(c);
        } else {
            if (cur.size() >= min_len) out.push_back(cur);
            cur.clear();
        }
    }
    return out;
}

struct Batch {
    std::string data;
    std::vector<int64_t> offsets{0};
    void add(const std::string& s) {
        data += s;
        offsets.push_back(static_cast<int64_t>(data.size()));
    }
    TextBatch view() const {
        TextBatch b;
        b.data = data.data();
        b.offsets = offsets.data();
        b.n = static_cast<int64_t>(offsets.size()) - 1;
        return b;
    }
};

std::string random_ascii(ref::Lcg& rng, int len) {
    static const char alphabet[] = "abcXYZ019_ _.,-'!\t\n";
    std::string s;
    for (int i = 0; i < len; ++i) s += alphabet[rng.below(sizeof(alphabet) - 1)];
    return s;
}

void ascii_against_plain_tokeniser() {
    ref::Lcg rng(1);
    int bad = 0;
    for (int i = 0; i < 300; ++i) {
        const std::string s = random_ascii(rng, 1 + static_cast<int>(rng.below(60)));
        for (int lower = 0; lower < 2; ++lower) {
            for (int min_len : {1, 2, 3}) {
                TokenizeOptions o;
                o.lowercase = lower;
                o.min_token_length = min_len;
                bad += analyze(s, o) != plain_ascii_tokens(s, lower, static_cast<size_t>(min_len));
            }
        }
    }
    CHECK(bad == 0);
}

void unicode_as_python() {
    // Expected: CountVectorizer().build_analyzer() in CPython 3.11 (Unicode 14).
    TokenizeOptions o;
    CHECK(analyze("Stra\xc3\x9f"
                  "e \xc3\x89"
                  "COLE \xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1 "
                  "\xce\x9f\xce\x94\xce\x9f\xce\xa3",
                  o) == (Terms{"stra\xc3\x9f"
                               "e",
                               "\xc3\xa9"
                               "cole",
                               "\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1",
                               "\xce\xbf\xce\xb4\xce\xbf\xcf\x82"}));  // final sigma
    // U+0130 lowercases to "i" + U+0307 (not a word character); lone capital sigma: sigma.
    CHECK(analyze("\xc4\xb0stanbul \xce\xa3\xce\x91\xce\xa3 \xce\xa3", o) ==
          (Terms{"stanbul", "\xcf\x83\xce\xb1\xcf\x82"}));
    CHECK(analyze("na\xc3\xafve caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf"
                  "\xe3\x83\xbc ok",
                  o) ==
          (Terms{"na\xc3\xafve", "caf\xc3\xa9",
                 "\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xbf\xe3\x83\xaf\xe3\x83\xbc", "ok"}));
    CHECK(analyze("x_1 __ a-b \xc3\x80\xc3\x89\xc3\x8e 123 \xd9\xa3\xd9\xa4", o) ==
          (Terms{"x_1", "__", "\xc3\xa0\xc3\xa9\xc3\xae", "123", "\xd9\xa3\xd9\xa4"}));
    o.lowercase = false;
    CHECK(analyze("\xce\x9f\xce\x94\xce\x9f\xce\xa3 Stra\xc3\x9f"
                  "e",
                  o) == (Terms{"\xce\x9f\xce\x94\xce\x9f\xce\xa3",
                               "Stra\xc3\x9f"
                               "e"}));
    CHECK(std::string(unicode_version()).size() > 0);
}

void ngrams_and_stop_words() {
    TokenizeOptions o;
    o.ngram_max = 2;
    o.stop_words = {"is"};
    CHECK(analyze("This is a big red fox", o) ==
          (Terms{"this", "big", "red", "fox", "this big", "big red", "red fox"}));
    o.ngram_min = 2;
    o.ngram_max = 3;
    CHECK(analyze("one two three", o) == (Terms{"one two", "two three", "one two three"}));
    o.ngram_min = 3;
    o.ngram_max = 2;
    CHECK_THROWS(check_tokenize_options(o), std::invalid_argument);
}

void counts_against_analyzed_terms() {
    ref::Lcg rng(2);
    Batch batch;
    std::vector<std::string> texts;
    for (int i = 0; i < 200; ++i) {
        std::string s = random_ascii(rng, 40) + " caf\xc3\xa9 " + random_ascii(rng, 10);
        texts.push_back(s);
        batch.add(s);
    }
    TokenizeOptions o;
    o.ngram_max = 2;
    // Reference: term -> (document frequency, total count) and per-statement counts.
    std::map<std::string, std::pair<int64_t, int64_t>> stats;
    std::vector<std::map<std::string, int64_t>> per(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
        for (const std::string& t : analyze(texts[i], o)) per[i][t] += 1;
        for (const auto& [t, c] : per[i]) {
            stats[t].first += 1;
            stats[t].second += c;
        }
    }
    VocabularyLimits lim;
    lim.min_df = 2;
    lim.max_df = 150;
    ParallelConfig one, three;
    three.n_threads = 3;
    const FitResult fit = fit_counts(batch.view(), o, lim, one);
    const FitResult fit3 = fit_counts(batch.view(), o, lim, three);
    CHECK(fit.terms.bytes == fit3.terms.bytes && fit.counts.indices == fit3.counts.indices &&
          fit.counts.data == fit3.counts.data && fit.counts.indptr == fit3.counts.indptr);
    std::vector<std::string> kept;  // sorted, as the map
    for (const auto& [t, s] : stats) {
        if (s.first >= 2 && s.first <= 150) kept.push_back(t);
    }
    CHECK(fit.n_terms_seen == static_cast<int64_t>(stats.size()));
    CHECK(fit.terms.size() == static_cast<int64_t>(kept.size()));
    bool terms_ok = fit.terms.size() == static_cast<int64_t>(kept.size());
    for (int64_t k = 0; terms_ok && k < fit.terms.size(); ++k) {
        terms_ok = fit.terms[k] == kept[static_cast<size_t>(k)];
    }
    CHECK(terms_ok);
    int bad = 0;
    for (size_t i = 0; terms_ok && i < texts.size(); ++i) {
        std::map<std::string, int64_t> row;
        for (int64_t k = fit.counts.indptr[i]; k < fit.counts.indptr[i + 1]; ++k) {
            row[std::string(fit.terms[fit.counts.indices[static_cast<size_t>(k)]])] =
                fit.counts.data[static_cast<size_t>(k)];
        }
        std::map<std::string, int64_t> want;
        for (const auto& [t, c] : per[i]) {
            const auto s = stats[t];
            if (s.first >= 2 && s.first <= 150) want[t] = c;
        }
        bad += row != want;
    }
    CHECK(bad == 0);
    // A fixed vocabulary gives the same counts.
    const CountMatrix again = count_terms(batch.view(), o, fit.terms, false, three);
    CHECK(again.indptr == fit.counts.indptr && again.indices == fit.counts.indices &&
          again.data == fit.counts.data);
    // max_features: the terms with the largest total counts (ties: vocabulary order).
    lim.max_features = 5;
    const FitResult top = fit_counts(batch.view(), o, lim, one);
    std::vector<std::pair<int64_t, std::string>> by_count;
    for (const std::string& t : kept) by_count.emplace_back(-stats[t].second, t);
    std::sort(by_count.begin(), by_count.end());
    std::vector<std::string> want_top;
    for (int k = 0; k < 5; ++k) want_top.push_back(by_count[static_cast<size_t>(k)].second);
    std::sort(want_top.begin(), want_top.end());
    bool top_ok = top.terms.size() == 5;
    for (int64_t k = 0; top_ok && k < 5; ++k)
        top_ok = top.terms[k] == want_top[static_cast<size_t>(k)];
    CHECK(top_ok);
}

void invalid_utf8() {
    TokenizeOptions o;
    CHECK_THROWS(analyze("ok \xc3 then", o), std::invalid_argument);
    CHECK_THROWS(analyze("\xed\xa0\x80", o), std::invalid_argument);  // a surrogate, strict
    CHECK(analyze("a\xed\xa0\x80"
                  "bc",
                  o, true) == Terms{"bc"});  // allowed: a separator
}

}  // namespace

int main() {
    ascii_against_plain_tokeniser();
    unicode_as_python();
    ngrams_and_stop_words();
    counts_against_analyzed_terms();
    invalid_utf8();
    return check::report("tokenize_test");
}
