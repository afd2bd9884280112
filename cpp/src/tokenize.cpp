// The tokeniser (see tokenize.hpp for the semantics).
//
// Fit runs in three steps:
//   1. parallel over chunks of statements (cut by bytes): each worker thread tokenises its
//      statements into its own term -> local id hash map and records, per statement, the
//      distinct local ids with their counts;
//   2. each worker's terms are sorted (in parallel), then merged into one sorted vocabulary,
//      giving every (worker, local id) its global column; document and total frequencies decide
//      which columns survive pruning;
//   3. parallel over chunks again: rows are mapped to the kept columns, sorted and written into
//      the CSR arrays at offsets fixed by a prefix sum.
// Nothing in the result depends on which worker handled which statement: the vocabulary is the
// sorted set of terms, and each row is the counts of one statement.
#include "divergence/tokenize.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <queue>
#include <stdexcept>
#include <utility>

#include "unicode_tables.hpp"

// SSE2 is part of the x86-64 baseline (no -march flag needed); elsewhere the scalar loop runs.
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define DIVERGENCE_TOKENIZE_SSE2 1
#else
#define DIVERGENCE_TOKENIZE_SSE2 0
#endif

namespace divergence {

namespace {

namespace uc = unicode;

// ---------------------------------------------------------------------------------------------
// UTF-8

// Decodes one multi-byte sequence at s (s[0] >= 0x80, n >= 1 bytes left). Returns its length,
// or 0 when the bytes are not valid UTF-8 (overlong forms, stray continuation bytes, code points
// above U+10FFFF, truncated sequences; surrogates unless `surrogates`).
inline int decode_multibyte(const unsigned char* s, size_t n, bool surrogates, uint32_t& cp) {
    const uint32_t b0 = s[0];
    if (b0 < 0xC2) return 0;
    if (b0 < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80) return 0;
        cp = ((b0 & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (b0 < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (b0 == 0xE0 && s[1] < 0xA0) return 0;
        if (b0 == 0xED && s[1] >= 0xA0 && !surrogates) return 0;
        cp = ((b0 & 0x0F) << 12) | (static_cast<uint32_t>(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    if (b0 < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) {
            return 0;
        }
        if (b0 == 0xF0 && s[1] < 0x90) return 0;
        if (b0 == 0xF4 && s[1] >= 0x90) return 0;
        cp = ((b0 & 0x07) << 18) | (static_cast<uint32_t>(s[1] & 0x3F) << 12) |
             (static_cast<uint32_t>(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    return 0;
}

// Final_Sigma, looking ahead: is the first code point after position i that is not
// case-ignorable a cased one? (End of text, or invalid bytes, count as "no".)
inline bool next_is_cased(const unsigned char* s, size_t i, size_t n, bool surrogates) {
    while (i < n) {
        uint8_t f;
        if (s[i] < 0x80) {
            f = uc::kAsciiFlags[s[i]];
            ++i;
        } else {
            uint32_t cp = 0;
            const int len = decode_multibyte(s + i, n - i, surrogates, cp);
            if (len == 0) return false;
            f = uc::props(cp).flags;
            i += static_cast<size_t>(len);
        }
        if (!(f & uc::kIgnorable)) return (f & uc::kCased) != 0;
    }
    return false;
}

// Terms one after another in one growable byte buffer, the last one possibly still being
// built (between `start_` and `len_`): commit() ends it, discard() drops it. Cheaper than
// std::string appends, and tokens are written once, straight where they are consumed.
class TermBuffer {
   public:
    void clear() {
        len_ = 0;
        start_ = 0;
        ends_.clear();
    }
    int64_t size() const { return static_cast<int64_t>(ends_.size()); }
    std::string_view operator[](int64_t k) const {
        const size_t b = k == 0 ? 0 : ends_[static_cast<size_t>(k) - 1];
        return std::string_view(buf_.data() + b, ends_[static_cast<size_t>(k)] - b);
    }

    // The term being built.
    std::string_view current() const {
        return std::string_view(buf_.data() + start_, len_ - start_);
    }
    void commit() {
        ends_.push_back(len_);
        start_ = len_;
    }
    void discard() { len_ = start_; }

    // Room for `extra` more bytes; returns where they go (count them with advance).
    char* room(size_t extra) {
        if (len_ + extra > buf_.size()) buf_.resize(std::max(buf_.size() * 2, len_ + extra + 256));
        return buf_.data() + len_;
    }
    void advance(size_t k) { len_ += k; }
    void append(const void* p, size_t k) {
        if (k != 0) std::memcpy(room(k), p, k);
        len_ += k;
    }
    void push_back(char c) {
        *room(1) = c;
        ++len_;
    }
    void append_cp(uint32_t cp) {
        char* o = room(4);
        if (cp < 0x80) {
            o[0] = static_cast<char>(cp);
            len_ += 1;
        } else if (cp < 0x800) {
            o[0] = static_cast<char>(0xC0 | (cp >> 6));
            o[1] = static_cast<char>(0x80 | (cp & 0x3F));
            len_ += 2;
        } else if (cp < 0x10000) {
            o[0] = static_cast<char>(0xE0 | (cp >> 12));
            o[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o[2] = static_cast<char>(0x80 | (cp & 0x3F));
            len_ += 3;
        } else {
            o[0] = static_cast<char>(0xF0 | (cp >> 18));
            o[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            o[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o[3] = static_cast<char>(0x80 | (cp & 0x3F));
            len_ += 4;
        }
    }

   private:
    std::vector<char> buf_;
    size_t len_ = 0;
    size_t start_ = 0;
    std::vector<size_t> ends_;
};

// Byte -> itself (kAsciiWord) or its ASCII lowercase (kAsciiWordLower) for ASCII word
// characters, 0 for every other byte.
struct ByteMap {
    unsigned char v[256];
};

constexpr ByteMap make_ascii_word_map(bool lower) {
    ByteMap m{};
    for (int b = 0; b < 128; ++b) {
        if (uc::kAsciiFlags[b] & uc::kWordSelf) {
            m.v[b] = static_cast<unsigned char>(lower && b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
    }
    return m;
}

constexpr ByteMap kAsciiWord = make_ascii_word_map(false);
constexpr ByteMap kAsciiWordLower = make_ascii_word_map(true);

#if DIVERGENCE_TOKENIZE_SSE2
// Copies the 16 bytes at p to out (lowercasing ASCII capitals when asked) and returns how many
// leading bytes are ASCII word characters [0-9A-Za-z_]; bytes >= 0x80 are not (they compare as
// negative numbers below).
inline size_t ascii_word_run16(const unsigned char* p, bool lowercase, char* out) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto in_range = [&](char lo, char hi) {
        return _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8(static_cast<char>(lo - 1))),
                             _mm_cmplt_epi8(c, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    const __m128i upper = in_range('A', 'Z');
    const __m128i word =
        _mm_or_si128(_mm_or_si128(upper, in_range('a', 'z')),
                     _mm_or_si128(in_range('0', '9'), _mm_cmpeq_epi8(c, _mm_set1_epi8('_'))));
    const __m128i low = lowercase ? _mm_add_epi8(c, _mm_and_si128(upper, _mm_set1_epi8(0x20))) : c;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), low);
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(word));
    return mask == 0xFFFFu ? 16 : static_cast<size_t>(__builtin_ctz(~mask));
}
#endif

// Writes the tokens of s into `tok`: maximal runs of word characters of the (lowercased) text
// with at least min_len code points. Each token is left as tok.current() for on_token(tok),
// which must commit() or discard() it. Returns -1, or the byte offset of the first invalid
// UTF-8 sequence (tokens before it have been reported).
template <class OnToken>
int64_t scan_tokens(const unsigned char* s, size_t n, bool lowercase, int min_len, bool surrogates,
                    TermBuffer& tok, OnToken&& on_token) {
    size_t cps = 0;
    bool prev_cased = false;  // Final_Sigma, looking back: last non-ignorable code point cased?
    const size_t min_cps = static_cast<size_t>(min_len);
    auto flush = [&] {
        if (cps >= min_cps) {
            on_token(tok);
        } else {
            tok.discard();
        }
        cps = 0;
    };
    size_t i = 0;
    while (i < n) {
        const unsigned char b = s[i];
        if (b < 0x80) {
            const uint8_t f = uc::kAsciiFlags[b];
            if (f & uc::kWordSelf) {
                // A run of ASCII word characters (letters, digits, '_': none is case-ignorable),
                // copied (lowercased) 64 bytes of room at a time.
                const unsigned char* map = lowercase ? kAsciiWordLower.v : kAsciiWord.v;
                size_t j = i;
#if DIVERGENCE_TOKENIZE_SSE2
                // 16 bytes at a time while they are all ASCII word characters.
                while (j + 16 <= n) {
                    const size_t k = ascii_word_run16(s + j, lowercase, tok.room(16));
                    tok.advance(k);
                    j += k;
                    if (k < 16) break;
                }
                if (j + 16 <= n || j == n || map[s[j]] == 0) {
                    cps += j - i;
                    prev_cased = (uc::kAsciiFlags[s[j - 1]] & uc::kCased) != 0;
                    i = j;
                    continue;
                }
#endif
                for (;;) {
                    char* o = tok.room(64);
                    const size_t stop = std::min(n, j + 64);
                    size_t q = 0;
                    while (j < stop) {
                        const unsigned char c = map[s[j]];
                        if (c == 0) break;
                        o[q++] = static_cast<char>(c);
                        ++j;
                    }
                    tok.advance(q);
                    if (j < stop || j == n) break;
                }
                cps += j - i;
                prev_cased = (uc::kAsciiFlags[s[j - 1]] & uc::kCased) != 0;
                i = j;
                continue;
            }
            if (cps != 0) flush();
            if (!(f & uc::kIgnorable)) prev_cased = (f & uc::kCased) != 0;
            ++i;
            continue;
        }
        uint32_t cp = 0;
        const int len = decode_multibyte(s + i, n - i, surrogates, cp);
        if (len == 0) return static_cast<int64_t>(i);
        const uc::Props& p = uc::props(cp);
        if (!lowercase) {
            if (p.flags & uc::kWordSelf) {
                tok.append(s + i, static_cast<size_t>(len));
                ++cps;
            } else if (cps != 0) {
                flush();
            }
        } else if (cp == 0x3A3) {
            // Capital sigma: final form when preceded by a cased letter and not followed by one
            // (case-ignorable characters skipped both ways), as CPython's str.lower().
            const bool final_form =
                prev_cased && !next_is_cased(s, i + static_cast<size_t>(len), n, surrogates);
            tok.append_cp(final_form ? 0x3C2 : 0x3C3);
            ++cps;
        } else if (p.flags & uc::kMulti) {
            const uc::MultiLower& m = uc::kMultiLower[p.value];
            for (int k = 0; k < m.n; ++k) {
                if ((m.word_mask >> k) & 1) {
                    tok.append_cp(m.cp[k]);
                    ++cps;
                } else if (cps != 0) {
                    flush();
                }
            }
        } else if (p.flags & uc::kWordLower) {
            if (p.value == 0) {
                tok.append(s + i, static_cast<size_t>(len));
            } else {
                tok.append_cp(static_cast<uint32_t>(static_cast<int64_t>(cp) + p.value));
            }
            ++cps;
        } else if (cps != 0) {
            flush();
        }
        if (!(p.flags & uc::kIgnorable)) prev_cased = (p.flags & uc::kCased) != 0;
        i += static_cast<size_t>(len);
    }
    if (cps != 0) flush();
    return -1;
}

// ---------------------------------------------------------------------------------------------
// Hashing and a string -> id map (open addressing, linear probing, terms kept in one arena).

inline uint64_t load64(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

inline uint64_t load32(const char* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

inline uint64_t mix(uint64_t h, uint64_t w) {
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

// The first bytes of a string as one word: for a given length n <= 8 this is injective (4..8
// bytes: two overlapping 4-byte loads; 1..3 bytes: first, middle and last byte).
inline uint64_t head8(const char* p, size_t n) {
    if (n >= 8) return load64(p);
    if (n >= 4) return load32(p) | (load32(p + n - 4) << 32);
    if (n > 0) {
        return static_cast<uint64_t>(static_cast<unsigned char>(p[0])) |
               (static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
               (static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16);
    }
    return 0;
}

inline uint64_t hash_seed(size_t n) {
    return 0x9E3779B97F4A7C15ull ^ (static_cast<uint64_t>(n) * 0xC2B2AE3D27D4EB4Full);
}

inline uint64_t hash_finish(uint64_t h) {
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

// A fast 64-bit hash of short strings (terms are mostly under 16 bytes); not for adversaries.
inline uint64_t hash_bytes(const char* p, size_t n) {
    uint64_t h = hash_seed(n);
    while (n > 8) {
        h = mix(h, load64(p));
        p += 8;
        n -= 8;
    }
    return hash_finish(mix(h, head8(p, n)));
}

inline bool bytes_equal(const char* a, const char* b, size_t n) {
    while (n >= 8) {
        if (load64(a) != load64(b)) return false;
        a += 8;
        b += 8;
        n -= 8;
    }
    if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
    for (size_t k = 0; k < n; ++k) {
        if (a[k] != b[k]) return false;
    }
    return true;
}

inline bool same_term(std::string_view a, std::string_view b) {
    return a.size() == b.size() && bytes_equal(a.data(), b.data(), a.size());
}

// What a map slot keeps of a key: its head word, and length (capped at 255) + 24 hash bits.
// Keys of up to 8 bytes are compared on these alone, without touching the term arena.
struct KeyInfo {
    uint64_t head;
    uint64_t hash;
    uint32_t meta;
};

inline KeyInfo key_info(std::string_view t) {
    const size_t n = t.size();
    KeyInfo k;
    k.head = head8(t.data(), n);
    k.hash = n <= 8 ? hash_finish(mix(hash_seed(n), k.head)) : hash_bytes(t.data(), n);
    k.meta = (static_cast<uint32_t>(std::min<size_t>(n, 255)) << 24) |
             static_cast<uint32_t>((k.hash >> 40) & 0xFFFFFFu);
    return k;
}

// String -> dense id (0, 1, ... in insertion order): open addressing with linear probing, at
// most 3/4 full; the terms are kept in one arena (TermList).
class StringIdMap {
   public:
    StringIdMap() { reset_slots(64); }

    int64_t size() const { return terms_.size(); }
    const TermList& terms() const { return terms_; }

    // The id of key, or -1.
    int64_t find(std::string_view key) const { return find(key, key_info(key)); }
    int64_t find(std::string_view key, const KeyInfo& k) const {
        for (uint64_t i = k.hash & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id1 == 0) return -1;
            if (matches(s, k, key)) return static_cast<int64_t>(s.id1) - 1;
        }
    }

    // Starts loading the slot where the search for a key begins (batches hide the latency).
    void prefetch(const KeyInfo& k) const {
#if defined(__GNUC__) || defined(__clang__)
        __builtin_prefetch(&slots_[k.hash & mask_]);
#else
        (void)k;
#endif
    }

    // The id of key, inserting it when new.
    uint32_t insert(std::string_view key) { return insert(key, key_info(key)); }
    uint32_t insert(std::string_view key, const KeyInfo& k) {
        uint64_t i = k.hash & mask_;
        for (;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id1 == 0) break;
            if (matches(s, k, key)) return s.id1 - 1;
        }
        const int64_t id = terms_.size();
        if (id >= static_cast<int64_t>(0xFFFFFFFEull)) {
            throw std::length_error("tokenize: more than 2**32 - 2 distinct terms");
        }
        terms_.push_back(key);
        hashes_.push_back(k.hash);
        slots_[i] = Slot{k.head, k.meta, static_cast<uint32_t>(id + 1)};
        if (static_cast<uint64_t>(id + 1) * 4 > (mask_ + 1) * 3) rebuild((mask_ + 1) * 2);
        return static_cast<uint32_t>(id);
    }

    void reserve(int64_t n) {
        uint64_t cap = 64;
        while (cap * 3 < static_cast<uint64_t>(n) * 4 + 4) cap <<= 1;
        if (cap > mask_ + 1) rebuild(cap);
    }

    // Frees everything (the map is empty afterwards).
    void clear() {
        TermList().bytes.swap(terms_.bytes);
        std::vector<int64_t>{0}.swap(terms_.offsets);
        std::vector<uint64_t>().swap(hashes_);
        reset_slots(64);
    }

   private:
    struct Slot {
        uint64_t head;
        uint32_t meta;
        uint32_t id1;  // id + 1; 0 = empty
    };

    bool matches(const Slot& s, const KeyInfo& k, std::string_view key) const {
        if (s.meta != k.meta || s.head != k.head) return false;
        return key.size() <= 8 || same_term(terms_[static_cast<int64_t>(s.id1) - 1], key);
    }

    void reset_slots(uint64_t cap) {
        std::vector<Slot>(cap, Slot{0, 0, 0}).swap(slots_);
        mask_ = cap - 1;
    }

    // Re-slots every term from the old slots and the stored hashes (no term bytes are read).
    void rebuild(uint64_t cap) {
        std::vector<Slot> old;
        old.swap(slots_);
        reset_slots(cap);
        for (const Slot& s : old) {
            if (s.id1 == 0) continue;
            uint64_t i = hashes_[s.id1 - 1] & mask_;
            while (slots_[i].id1 != 0) i = (i + 1) & mask_;
            slots_[i] = s;
        }
    }

    std::vector<Slot> slots_;
    uint64_t mask_ = 0;
    TermList terms_;
    std::vector<uint64_t> hashes_;  // per id
};

// UTF-8 byte order (= code point order), independent of char's signedness.
inline int compare_bytes(std::string_view a, std::string_view b) {
    const size_t m = std::min(a.size(), b.size());
    const int c = m == 0 ? 0 : std::memcmp(a.data(), b.data(), m);
    if (c != 0) return c;
    return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Analyzer: tokens -> stop words removed -> n-grams. One per worker (holds scratch space).

class Analyzer {
   public:
    // Terms are handed over in batches of at most this many (lets callers prefetch).
    static constexpr int64_t kBatch = 64;

    Analyzer(const TokenizeOptions& opts, const StringIdMap* stop) : o_(opts), stop_(stop) {}

    // Calls on_batch(const TermBuffer&) with the terms of the statement, in order, a batch at
    // a time; returns -1 or the byte offset of invalid UTF-8.
    template <class OnBatch>
    int64_t run(std::string_view text, bool surrogates, OnBatch&& on_batch) {
        const auto* s = reinterpret_cast<const unsigned char*>(text.data());
        const bool plain = o_.ngram_min == 1 && o_.ngram_max == 1;
        batch_.clear();
        if (plain) {
            const int64_t err = scan_tokens(s, text.size(), o_.lowercase, o_.min_token_length,
                                            surrogates, batch_, [&](TermBuffer& b) {
                                                if (is_stop(b.current())) {
                                                    b.discard();
                                                    return;
                                                }
                                                b.commit();
                                                if (b.size() >= kBatch) {
                                                    on_batch(static_cast<const TermBuffer&>(b));
                                                    b.clear();
                                                }
                                            });
            if (err >= 0) return err;
        } else {
            doc_.clear();
            const int64_t err = scan_tokens(s, text.size(), o_.lowercase, o_.min_token_length,
                                            surrogates, doc_, [&](TermBuffer& b) {
                                                if (is_stop(b.current())) {
                                                    b.discard();
                                                } else {
                                                    b.commit();
                                                }
                                            });
            if (err >= 0) return err;
            const int64_t nt = doc_.size();
            for (int64_t n = o_.ngram_min; n <= o_.ngram_max && n <= nt; ++n) {
                for (int64_t i = 0; i + n <= nt; ++i) {
                    const std::string_view t0 = doc_[i];
                    batch_.append(t0.data(), t0.size());
                    for (int64_t k = 1; k < n; ++k) {
                        const std::string_view t = doc_[i + k];
                        batch_.push_back(' ');
                        batch_.append(t.data(), t.size());
                    }
                    batch_.commit();
                    if (batch_.size() >= kBatch) {
                        on_batch(static_cast<const TermBuffer&>(batch_));
                        batch_.clear();
                    }
                }
            }
        }
        if (batch_.size() > 0) on_batch(static_cast<const TermBuffer&>(batch_));
        return -1;
    }

   private:
    bool is_stop(std::string_view t) const { return stop_ != nullptr && stop_->find(t) >= 0; }

    const TokenizeOptions& o_;
    const StringIdMap* stop_;
    TermBuffer doc_;
    TermBuffer batch_;
};

// Ids of a batch of terms (find: -1 when absent; insert: new ids for new terms), computing all
// hashes first and prefetching slots a few terms ahead.
template <bool Insert, class Map>
void lookup_batch(Map& map, const TermBuffer& batch, std::vector<KeyInfo>& keys,
                  std::vector<int64_t>& ids) {
    constexpr int64_t kAhead = 8;
    const int64_t n = batch.size();
    keys.resize(static_cast<size_t>(n));
    ids.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) keys[static_cast<size_t>(i)] = key_info(batch[i]);
    for (int64_t i = 0; i < std::min(n, kAhead); ++i) map.prefetch(keys[static_cast<size_t>(i)]);
    for (int64_t i = 0; i < n; ++i) {
        if (i + kAhead < n) map.prefetch(keys[static_cast<size_t>(i + kAhead)]);
        if constexpr (Insert) {
            ids[static_cast<size_t>(i)] = map.insert(batch[i], keys[static_cast<size_t>(i)]);
        } else {
            ids[static_cast<size_t>(i)] = map.find(batch[i], keys[static_cast<size_t>(i)]);
        }
    }
}

std::unique_ptr<StringIdMap> make_stop_map(const TokenizeOptions& opts) {
    if (opts.stop_words.empty()) return nullptr;
    auto m = std::make_unique<StringIdMap>();
    for (const std::string& w : opts.stop_words) m->insert(w);
    return m;
}

[[noreturn]] void throw_invalid_utf8(int64_t statement, int64_t offset) {
    throw std::invalid_argument("statement " + std::to_string(statement) +
                                ": invalid UTF-8 at byte offset " + std::to_string(offset));
}

void check_batch(const TextBatch& texts) {
    if (texts.n < 0) throw std::invalid_argument("texts: negative count");
    if (texts.n == 0) return;
    if (texts.offsets == nullptr) throw std::invalid_argument("texts: missing offsets");
    if (texts.offsets[0] < 0) throw std::invalid_argument("texts: negative offset");
    for (int64_t i = 0; i < texts.n; ++i) {
        if (texts.offsets[i + 1] < texts.offsets[i]) {
            throw std::invalid_argument("texts: offsets decrease at statement " +
                                        std::to_string(i));
        }
    }
    if (texts.offsets[texts.n] > texts.offsets[0] && texts.data == nullptr) {
        throw std::invalid_argument("texts: missing data");
    }
}

std::string_view statement(const TextBatch& t, int64_t i) {
    return std::string_view(t.data + t.offsets[i],
                            static_cast<size_t>(t.offsets[i + 1] - t.offsets[i]));
}

bool surrogates_ok(const TextBatch& t, int64_t i) {
    return t.allow_surrogates != nullptr && t.allow_surrogates[i] != 0;
}

// Chunk boundaries over statements with about equal numbers of bytes (at least one statement
// per chunk), several chunks per thread for balance.
std::vector<int64_t> chunk_bounds(const TextBatch& t, int n_threads) {
    std::vector<int64_t> b{0};
    if (t.n == 0) return b;
    const int64_t total = t.offsets[t.n] - t.offsets[0];
    const int64_t target_chunks = static_cast<int64_t>(std::max(1, n_threads)) * 16;
    const int64_t per_chunk = std::max<int64_t>(1, total / target_chunks);
    int64_t start_bytes = t.offsets[0];
    for (int64_t i = 1; i <= t.n; ++i) {
        if (i == t.n || t.offsets[i] - start_bytes >= per_chunk) {
            b.push_back(i);
            start_bytes = t.offsets[i];
        }
    }
    return b;
}

// The terms of each statement of one chunk: distinct ids (worker-local in fit, columns in
// count_terms) with their counts, rows one after the other.
struct ChunkRows {
    int worker = 0;
    std::vector<uint32_t> ids;
    std::vector<int64_t> counts;
    std::vector<int64_t> row_end;  // per statement of the chunk: end in ids/counts
    int64_t err_statement = -1;
    int64_t err_offset = -1;
};

// Per-worker state that turns a stream of term ids into (id, count) pairs for one statement.
struct RowAccumulator {
    struct Seen {
        uint32_t stamp;  // the statement stamp when the id was last seen
        uint32_t slot;   // its position in the current row
    };
    std::vector<Seen> seen;  // per id
    uint32_t current = 0;
    int64_t row_start = 0;

    void begin_row(size_t n_ids, int64_t start) {
        if (seen.size() < n_ids) seen.resize(n_ids, Seen{0, 0});
        if (++current == 0) {  // wrapped: forget every stamp
            std::fill(seen.begin(), seen.end(), Seen{0, 0});
            current = 1;
        }
        row_start = start;
    }
    void prefetch(int64_t id) const {
#if defined(__GNUC__) || defined(__clang__)
        if (id >= 0 && static_cast<size_t>(id) < seen.size())
            __builtin_prefetch(&seen[static_cast<size_t>(id)]);
#else
        (void)id;
#endif
    }
    void add(uint32_t id, ChunkRows& out) {
        if (id >= seen.size()) {
            seen.resize(std::max<size_t>(static_cast<size_t>(id) + 1, seen.size() * 2), Seen{0, 0});
        }
        Seen& e = seen[id];
        if (e.stamp != current) {
            e.stamp = current;
            e.slot = static_cast<uint32_t>(out.ids.size() - static_cast<size_t>(row_start));
            out.ids.push_back(id);
            out.counts.push_back(1);
        } else {
            ++out.counts[static_cast<size_t>(row_start) + e.slot];
        }
    }
};

// Throws for the first statement (lowest index) with invalid UTF-8, whatever the scheduling.
void report_errors(const std::vector<ChunkRows>& chunks) {
    for (const ChunkRows& c : chunks) {
        if (c.err_statement >= 0) throw_invalid_utf8(c.err_statement, c.err_offset);
    }
}

// Tokenises every chunk of statements in parallel. term_ids(worker, batch, keys, ids) sets
// ids[k] to the id of term k of the batch (>= 0) or -1 to skip it (keys: scratch space);
// ids_hint(worker) is the current number of ids for that worker.
template <class TermIds, class IdsHint>
std::vector<ChunkRows> tokenize_chunks(const TextBatch& texts, const std::vector<int64_t>& bounds,
                                       const TokenizeOptions& opts, const StringIdMap* stop,
                                       const ParallelConfig& cfg, TermIds&& term_ids,
                                       IdsHint&& ids_hint) {
    const int64_t n_chunks = static_cast<int64_t>(bounds.size()) - 1;
    std::vector<ChunkRows> chunks(static_cast<size_t>(n_chunks));
    const int n_workers = std::max(1, cfg.n_threads);
    struct Scratch {
        Analyzer an;
        RowAccumulator acc;
        std::vector<KeyInfo> keys;
        std::vector<int64_t> ids;
        Scratch(const TokenizeOptions& o, const StringIdMap* st) : an(o, st) {}
    };
    std::vector<std::unique_ptr<Scratch>> scratch;
    for (int w = 0; w < n_workers; ++w) scratch.push_back(std::make_unique<Scratch>(opts, stop));
    parallel_for(n_chunks, 1, cfg, [&](int64_t cb, int64_t ce, int worker) {
        Scratch& sc = *scratch[static_cast<size_t>(worker)];
        Analyzer& an = sc.an;
        RowAccumulator& acc = sc.acc;
        for (int64_t c = cb; c < ce; ++c) {
            ChunkRows& out = chunks[static_cast<size_t>(c)];
            out.worker = worker;
            const int64_t sb = bounds[static_cast<size_t>(c)];
            const int64_t se = bounds[static_cast<size_t>(c) + 1];
            out.row_end.reserve(static_cast<size_t>(se - sb));
            for (int64_t i = sb; i < se; ++i) {
                acc.begin_row(ids_hint(worker), static_cast<int64_t>(out.ids.size()));
                const int64_t err = an.run(statement(texts, i), surrogates_ok(texts, i),
                                           [&](const TermBuffer& batch) {
                                               term_ids(worker, batch, sc.keys, sc.ids);
                                               const size_t m = sc.ids.size();
                                               for (size_t k = 0; k < m; ++k) {
                                                   if (k + 8 < m) acc.prefetch(sc.ids[k + 8]);
                                                   const int64_t id = sc.ids[k];
                                                   if (id >= 0)
                                                       acc.add(static_cast<uint32_t>(id), out);
                                               }
                                           });
                if (err >= 0 && out.err_statement < 0) {
                    out.err_statement = i;
                    out.err_offset = err;
                }
                out.row_end.push_back(static_cast<int64_t>(out.ids.size()));
            }
        }
    });
    return chunks;
}

inline int ctz64(uint64_t w) {
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(w);
#else
    int n = 0;
    while (!(w & 1)) {
        w >>= 1;
        ++n;
    }
    return n;
#endif
}

// Dense row scratch (uint32 counts + bitmap) only up to this many columns per worker.
constexpr int64_t kDenseRowMaxCols = int64_t{1} << 22;

// Writes the CSR matrix: column of (worker, id) = column(worker, id), -1 = dropped.
template <class Column>
CountMatrix assemble(const std::vector<ChunkRows>& chunks, const std::vector<int64_t>& bounds,
                     int64_t rows, int64_t cols, bool binary, const ParallelConfig& cfg,
                     Column&& column) {
    CountMatrix m;
    m.rows = rows;
    m.cols = cols;
    m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
    const int64_t n_chunks = static_cast<int64_t>(chunks.size());
    parallel_for(n_chunks, 1, cfg, [&](int64_t cb, int64_t ce, int) {
        for (int64_t c = cb; c < ce; ++c) {
            const ChunkRows& ch = chunks[static_cast<size_t>(c)];
            int64_t k = 0;
            const int64_t sb = bounds[static_cast<size_t>(c)];
            for (size_t r = 0; r < ch.row_end.size(); ++r) {
                int64_t nnz = 0;
                for (; k < ch.row_end[r]; ++k)
                    nnz += column(ch.worker, ch.ids[static_cast<size_t>(k)]) >= 0;
                m.indptr[static_cast<size_t>(sb) + r + 1] = nnz;
            }
        }
    });
    for (int64_t i = 0; i < rows; ++i)
        m.indptr[static_cast<size_t>(i) + 1] += m.indptr[static_cast<size_t>(i)];
    const int64_t nnz = m.indptr[static_cast<size_t>(rows)];
    m.indices.resize(static_cast<size_t>(nnz));
    m.data.resize(static_cast<size_t>(nnz));
    // A row is sorted as (column << 32 | count) keys; counts of 2**32 or more (never seen in
    // practice) take the slower pair sort.
    std::vector<std::vector<uint64_t>> scratch(static_cast<size_t>(std::max(1, cfg.n_threads)));
    std::vector<std::vector<std::pair<int32_t, int64_t>>> wide(
        static_cast<size_t>(std::max(1, cfg.n_threads)));
    struct DenseRow {
        std::vector<uint32_t> count;
        std::vector<uint64_t> bits;
    };
    std::vector<DenseRow> dense(static_cast<size_t>(std::max(1, cfg.n_threads)));
    parallel_for(n_chunks, 1, cfg, [&](int64_t cb, int64_t ce, int worker) {
        auto& row = scratch[static_cast<size_t>(worker)];
        auto& wide_row = wide[static_cast<size_t>(worker)];
        for (int64_t c = cb; c < ce; ++c) {
            const ChunkRows& ch = chunks[static_cast<size_t>(c)];
            int64_t k = 0;
            const int64_t sb = bounds[static_cast<size_t>(c)];
            for (size_t r = 0; r < ch.row_end.size(); ++r) {
                row.clear();
                bool narrow = true;
                const int64_t k0 = k;
                for (; k < ch.row_end[r]; ++k) {
                    const int64_t col = column(ch.worker, ch.ids[static_cast<size_t>(k)]);
                    if (col >= 0) {
                        const int64_t n = binary ? 1 : ch.counts[static_cast<size_t>(k)];
                        narrow = narrow && n < (int64_t{1} << 32);
                        row.push_back((static_cast<uint64_t>(col) << 32) |
                                      static_cast<uint32_t>(n));
                    }
                }
                size_t at = static_cast<size_t>(m.indptr[static_cast<size_t>(sb) + r]);
                if (narrow && !row.empty() && cols <= kDenseRowMaxCols) {
                    // Long rows: scatter into a dense row and walk its bitmap (O(nnz + span/64)),
                    // cheaper than sorting when the columns are not too spread out.
                    uint64_t lo = row[0] >> 32;
                    uint64_t hi = lo;
                    for (const uint64_t e : row) {
                        lo = std::min(lo, e >> 32);
                        hi = std::max(hi, e >> 32);
                    }
                    if ((hi - lo) / 64 <= 4 * row.size()) {
                        DenseRow& d = dense[static_cast<size_t>(worker)];
                        if (d.count.empty()) {
                            d.count.assign(static_cast<size_t>(cols), 0);
                            d.bits.assign(static_cast<size_t>(cols + 63) / 64, 0);
                        }
                        for (const uint64_t e : row) {
                            const uint64_t col = e >> 32;
                            d.count[col] = static_cast<uint32_t>(e);
                            d.bits[col >> 6] |= uint64_t{1} << (col & 63);
                        }
                        for (uint64_t wi = lo >> 6; wi <= (hi >> 6); ++wi) {
                            uint64_t w = d.bits[wi];
                            d.bits[wi] = 0;
                            while (w != 0) {
                                const uint64_t col = wi * 64 + static_cast<uint64_t>(ctz64(w));
                                m.indices[at] = static_cast<int32_t>(col);
                                m.data[at] = d.count[col];
                                ++at;
                                w &= w - 1;
                            }
                        }
                        continue;
                    }
                }
                if (narrow) {
                    std::sort(row.begin(), row.end());
                    for (const uint64_t e : row) {
                        m.indices[at] = static_cast<int32_t>(e >> 32);
                        m.data[at] = static_cast<int64_t>(e & 0xFFFFFFFFull);
                        ++at;
                    }
                    continue;
                }
                wide_row.clear();
                for (int64_t q = k0; q < k; ++q) {
                    const int64_t col = column(ch.worker, ch.ids[static_cast<size_t>(q)]);
                    if (col >= 0) {
                        wide_row.emplace_back(static_cast<int32_t>(col),
                                              binary ? 1 : ch.counts[static_cast<size_t>(q)]);
                    }
                }
                std::sort(wide_row.begin(), wide_row.end(),
                          [](const auto& a, const auto& b) { return a.first < b.first; });
                for (const auto& e : wide_row) {
                    m.indices[at] = e.first;
                    m.data[at] = e.second;
                    ++at;
                }
            }
        }
    });
    return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

const char* unicode_version() { return uc::kUnicodeVersion; }
const char* unicode_tables_python_version() { return uc::kPythonVersion; }

void check_tokenize_options(const TokenizeOptions& o) {
    if (o.min_token_length < 1) {
        throw std::invalid_argument("min_token_length: must be >= 1, got " +
                                    std::to_string(o.min_token_length));
    }
    if (o.ngram_min < 1 || o.ngram_max < o.ngram_min) {
        throw std::invalid_argument("ngram_range: need 1 <= min_n <= max_n, got (" +
                                    std::to_string(o.ngram_min) + ", " +
                                    std::to_string(o.ngram_max) + ")");
    }
}

std::vector<std::string> analyze(std::string_view text, const TokenizeOptions& opts,
                                 bool allow_surrogates, int64_t stmt) {
    check_tokenize_options(opts);
    const auto stop = make_stop_map(opts);
    Analyzer an(opts, stop.get());
    std::vector<std::string> out;
    const int64_t err = an.run(text, allow_surrogates, [&](const TermBuffer& batch) {
        for (int64_t k = 0; k < batch.size(); ++k) out.emplace_back(batch[k]);
    });
    if (err >= 0) throw_invalid_utf8(stmt, err);
    return out;
}

FitResult fit_counts(const TextBatch& texts, const TokenizeOptions& opts,
                     const VocabularyLimits& limits, const ParallelConfig& cfg) {
    check_tokenize_options(opts);
    check_batch(texts);
    if (limits.max_features < 0) throw std::invalid_argument("max_features: must be >= 0");
    const auto stop = make_stop_map(opts);
    const int n_workers = std::max(1, cfg.n_threads);
    const std::vector<int64_t> bounds = chunk_bounds(texts, n_workers);

    // 1. Tokenise into per-worker maps.
    std::vector<std::unique_ptr<StringIdMap>> maps;
    for (int w = 0; w < n_workers; ++w) maps.push_back(std::make_unique<StringIdMap>());
    std::vector<ChunkRows> chunks = tokenize_chunks(
        texts, bounds, opts, stop.get(), cfg,
        [&](int w, const TermBuffer& batch, std::vector<KeyInfo>& keys, std::vector<int64_t>& ids) {
            lookup_batch<true>(*maps[static_cast<size_t>(w)], batch, keys, ids);
        },
        [&](int w) { return static_cast<size_t>(maps[static_cast<size_t>(w)]->size()); });
    report_errors(chunks);

    // 2. Sort each worker's terms, merge into the global sorted vocabulary.
    std::vector<std::vector<uint32_t>> order(static_cast<size_t>(n_workers));
    parallel_for(n_workers, 1, cfg, [&](int64_t wb, int64_t we, int) {
        for (int64_t w = wb; w < we; ++w) {
            const TermList& tl = maps[static_cast<size_t>(w)]->terms();
            // Sort by the first 16 bytes as big-endian numbers (zero-padded: the same order
            // as the bytes), the full terms only on ties.
            struct Keyed {
                uint64_t hi;  // bytes 0..7
                uint64_t lo;  // bytes 8..15
                uint32_t id;
            };
            std::vector<Keyed> keyed(static_cast<size_t>(tl.size()));
            for (int64_t id = 0; id < tl.size(); ++id) {
                const std::string_view t = tl[id];
                uint64_t p[2] = {0, 0};
                for (size_t k = 0; k < 16; ++k) {
                    p[k / 8] =
                        (p[k / 8] << 8) | (k < t.size() ? static_cast<unsigned char>(t[k]) : 0u);
                }
                keyed[static_cast<size_t>(id)] = Keyed{p[0], p[1], static_cast<uint32_t>(id)};
            }
            std::sort(keyed.begin(), keyed.end(), [&](const Keyed& a, const Keyed& b) {
                if (a.hi != b.hi) return a.hi < b.hi;
                if (a.lo != b.lo) return a.lo < b.lo;
                return compare_bytes(tl[a.id], tl[b.id]) < 0;
            });
            auto& ord = order[static_cast<size_t>(w)];
            ord.resize(keyed.size());
            for (size_t k = 0; k < keyed.size(); ++k) ord[k] = keyed[k].id;
        }
    });
    std::vector<std::vector<uint32_t>> to_global(static_cast<size_t>(n_workers));
    // The global vocabulary, as views into the workers' term arenas (alive until the kept
    // terms are copied out).
    std::vector<std::string_view> all;
    {
        struct Head {
            std::string_view term;
            int worker;
            size_t pos;
        };
        auto after = [](const Head& a, const Head& b) {
            const int c = compare_bytes(a.term, b.term);
            return c > 0 || (c == 0 && a.worker > b.worker);
        };
        std::priority_queue<Head, std::vector<Head>, decltype(after)> heap(after);
        size_t largest = 0;
        for (int w = 0; w < n_workers; ++w) {
            const TermList& tl = maps[static_cast<size_t>(w)]->terms();
            to_global[static_cast<size_t>(w)].resize(static_cast<size_t>(tl.size()));
            largest = std::max(largest, static_cast<size_t>(tl.size()));
            if (tl.size() > 0) heap.push(Head{tl[order[static_cast<size_t>(w)][0]], w, 0});
        }
        all.reserve(largest);
        while (!heap.empty()) {
            Head h = heap.top();
            heap.pop();
            if (all.empty() || !same_term(all.back(), h.term)) all.push_back(h.term);
            const auto& ord = order[static_cast<size_t>(h.worker)];
            to_global[static_cast<size_t>(h.worker)][ord[h.pos]] =
                static_cast<uint32_t>(all.size() - 1);
            if (++h.pos < ord.size()) {
                h.term = maps[static_cast<size_t>(h.worker)]->terms()[ord[h.pos]];
                heap.push(h);
            }
        }
    }
    order.clear();

    FitResult res;
    const int64_t n_all = static_cast<int64_t>(all.size());
    res.n_terms_seen = n_all;

    // Document and total frequencies (integer sums: order does not matter).
    std::vector<int64_t> df(static_cast<size_t>(n_all), 0);
    std::vector<int64_t> tf(static_cast<size_t>(n_all), 0);
    for (const ChunkRows& c : chunks) {
        const auto& g = to_global[static_cast<size_t>(c.worker)];
        for (size_t k = 0; k < c.ids.size(); ++k) {
            const uint32_t col = g[c.ids[k]];
            ++df[col];
            tf[col] += limits.binary ? 1 : c.counts[k];
        }
    }
    std::vector<uint8_t> keep(static_cast<size_t>(n_all), 0);
    std::vector<uint32_t> kept;
    for (int64_t j = 0; j < n_all; ++j) {
        const double d = static_cast<double>(df[static_cast<size_t>(j)]);
        if (d >= limits.min_df && d <= limits.max_df) kept.push_back(static_cast<uint32_t>(j));
    }
    if (limits.max_features > 0 && static_cast<int64_t>(kept.size()) > limits.max_features) {
        auto more_frequent = [&](uint32_t a, uint32_t b) {
            return tf[a] > tf[b] || (tf[a] == tf[b] && a < b);
        };
        std::nth_element(kept.begin(), kept.begin() + limits.max_features, kept.end(),
                         more_frequent);
        kept.resize(static_cast<size_t>(limits.max_features));
        std::sort(kept.begin(), kept.end());
    }
    if (kept.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        throw std::length_error("tokenize: more than 2**31 - 1 terms kept; use max_features");
    }
    std::vector<int32_t> new_col(static_cast<size_t>(n_all), -1);
    size_t kept_bytes = 0;
    for (const uint32_t j : kept) kept_bytes += all[j].size();
    res.terms.bytes.reserve(kept_bytes);
    res.terms.offsets.reserve(kept.size() + 1);
    for (size_t k = 0; k < kept.size(); ++k) {
        new_col[kept[k]] = static_cast<int32_t>(k);
        res.terms.push_back(all[kept[k]]);
    }
    std::vector<std::string_view>().swap(all);
    for (auto& m : maps) m->clear();

    // 3. Rows in the kept columns.
    for (auto& g : to_global) {
        for (auto& x : g) x = static_cast<uint32_t>(new_col[x]);  // -1 -> 0xFFFFFFFF
    }
    res.counts = assemble(chunks, bounds, texts.n, static_cast<int64_t>(kept.size()), limits.binary,
                          cfg, [&](int w, uint32_t id) -> int64_t {
                              const uint32_t c = to_global[static_cast<size_t>(w)][id];
                              return c == 0xFFFFFFFFu ? -1 : static_cast<int64_t>(c);
                          });
    return res;
}

CountMatrix count_terms(const TextBatch& texts, const TokenizeOptions& opts,
                        const TermList& vocabulary, bool binary, const ParallelConfig& cfg) {
    check_tokenize_options(opts);
    check_batch(texts);
    if (vocabulary.size() > std::numeric_limits<int32_t>::max()) {
        throw std::invalid_argument("vocabulary: more than 2**31 - 1 terms");
    }
    StringIdMap vocab;
    vocab.reserve(vocabulary.size());
    for (int64_t k = 0; k < vocabulary.size(); ++k) {
        const std::string_view t = vocabulary[k];
        if (vocab.insert(t) != static_cast<uint32_t>(k)) {
            throw std::invalid_argument("vocabulary: term " + std::to_string(k) +
                                        " repeats an earlier term");
        }
    }
    const auto stop = make_stop_map(opts);
    const std::vector<int64_t> bounds = chunk_bounds(texts, std::max(1, cfg.n_threads));
    const size_t n_cols = static_cast<size_t>(vocabulary.size());
    std::vector<ChunkRows> chunks = tokenize_chunks(
        texts, bounds, opts, stop.get(), cfg,
        [&](int, const TermBuffer& batch, std::vector<KeyInfo>& keys, std::vector<int64_t>& ids) {
            lookup_batch<false>(vocab, batch, keys, ids);
        },
        [&](int) { return n_cols; });
    report_errors(chunks);
    return assemble(chunks, bounds, texts.n, vocabulary.size(), binary, cfg,
                    [](int, uint32_t id) { return static_cast<int64_t>(id); });
}

}  // namespace divergence
