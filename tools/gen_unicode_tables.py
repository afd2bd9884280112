#!/usr/bin/env python3
"""Generate cpp/src/unicode_tables.hpp: the character data of the tokeniser, probed from Python.

The tokeniser reproduces, in C++, what ``str.lower()`` followed by the regular expression
``(?u)\\b\\w\\w+\\b`` does in the running Python (scikit-learn's CountVectorizer defaults). Rather
than reading the Unicode Character Database, this script asks the interpreter itself, code point
by code point, so the tables agree with CPython by construction:

* ``\\w`` (re, str patterns) is ``ch.isalnum() or ch == "_"``;
* ``ch.lower()``: full case mapping, 1 to 3 code points (only U+0130 maps to more than one);
* the two properties of the Final_Sigma rule that ``str.lower()`` applies to U+03A3 (Σ -> ς at
  the end of a word, σ elsewhere): *case-ignorable* and *cased*. They are probed through
  ``str.lower()`` itself on short strings:

    P1(c) = ("" + c + "Σ").lower() ends in ς   <=>  cased(c) and not ignorable(c)
    P2(c) = ("A" + c + "Σ").lower() ends in ς  <=>  ignorable(c) or cased(c)
    P3(c) = ("AΣ" + c).lower()[1] == ς         <=>  ignorable(c) or not cased(c)

  so ignorable = P2 and P3; for characters that are not ignorable, cased = P1 (the rule skips
  ignorable characters without looking at whether they are cased). The results are checked
  against the Unicode definitions (General_Category Mn/Me/Cf/Lm/Sk are ignorable; Lu/Ll/Lt are
  cased), and the whole model (per-character table plus the Σ rule) is checked against
  ``str.lower()`` on random strings before anything is written.

Run it with the Python whose behaviour the tokeniser must match (the tests compare against
scikit-learn in that Python): ``python tools/gen_unicode_tables.py``. The header records the
Python and Unicode versions; ``divergence._core.UNICODE_VERSION`` reports it at run time.

Layout of the generated tables (two-level lookup):
    props = kProps[kStage2[(kStage1[cp >> SHIFT] << SHIFT) | (cp & MASK)]]
``props.flags`` holds WORD_SELF (cp is \\w), WORD_LOWER (lower(cp) is \\w, single code point
mappings), CASED, IGNORABLE and MULTI; ``props.value`` is lower(cp) - cp, or with MULTI an index
into kMultiLower (mappings of several code points, each with its own \\w bit).
"""

from __future__ import annotations

import argparse
import random
import sys
import unicodedata
from pathlib import Path
from typing import Dict, List, Tuple

MAX_CP = sys.maxunicode  # 0x10FFFF
SIGMA = "\u03a3"
SMALL_SIGMA = "\u03c3"
FINAL_SIGMA = "\u03c2"

WORD_SELF = 1
WORD_LOWER = 2
CASED = 4
IGNORABLE = 8
MULTI = 16


def is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def probe_sigma_classes() -> Tuple[List[bool], List[bool]]:
    """Case-ignorable and cased (for non-ignorable characters), probed through str.lower()."""
    ignorable = [False] * (MAX_CP + 1)
    cased = [False] * (MAX_CP + 1)
    for cp in range(MAX_CP + 1):
        c = chr(cp)
        p1 = (c + SIGMA).lower()[-1] == FINAL_SIGMA
        p2 = ("A" + c + SIGMA).lower()[-1] == FINAL_SIGMA
        p3 = ("A" + SIGMA + c).lower()[1] == FINAL_SIGMA
        ign = p2 and p3
        ignorable[cp] = ign
        cased[cp] = (not ign) and p1
    return ignorable, cased


def check_against_categories(ignorable: List[bool], cased: List[bool]) -> None:
    """The probes must agree with the Unicode definitions wherever the category decides."""
    for cp in range(MAX_CP + 1):
        cat = unicodedata.category(chr(cp))
        if cat in ("Mn", "Me", "Cf", "Lm", "Sk") and not ignorable[cp]:
            raise SystemExit(f"U+{cp:04X} ({cat}) should be case-ignorable")
        if cat in ("Lu", "Ll", "Lt") and not (cased[cp] or ignorable[cp]):
            raise SystemExit(f"U+{cp:04X} ({cat}) should be cased")
        if cat in ("Zs", "Nd", "Cc", "Co", "Cs", "Cn") and (cased[cp] or ignorable[cp]):
            # Zs, digits, controls, private use, surrogates, unassigned: neither (except where
            # Word_Break makes a few punctuation characters ignorable; none is in these).
            raise SystemExit(f"U+{cp:04X} ({cat}) should be neither cased nor ignorable")


def model_lower(s: str, lower_of: Dict[int, str], ignorable: List[bool], cased: List[bool]) -> str:
    """Our model of str.lower(): the per-character table plus the Final_Sigma rule."""
    out = []
    n = len(s)
    for i, c in enumerate(s):
        cp = ord(c)
        if cp == 0x3A3:
            j = i - 1
            while j >= 0 and ignorable[ord(s[j])]:
                j -= 1
            final = j >= 0 and cased[ord(s[j])]
            if final:
                k = i + 1
                while k < n and ignorable[ord(s[k])]:
                    k += 1
                final = k == n or not cased[ord(s[k])]
            out.append(FINAL_SIGMA if final else SMALL_SIGMA)
        else:
            out.append(lower_of.get(cp, c))
    return "".join(out)


def self_check(lower_of: Dict[int, str], ignorable: List[bool], cased: List[bool]) -> None:
    """Random strings rich in Σ, cased, ignorable and other characters: model == str.lower()."""
    rng = random.Random(20240601)
    ign = [cp for cp in range(MAX_CP + 1) if ignorable[cp]]
    cas = [cp for cp in range(MAX_CP + 1) if cased[cp]]
    pools = [ign, cas, [0x3A3] * 8, list(range(0x20, 0x7F)), [0x130, 0x20, 0x2E, 0x27]]
    for _ in range(200_000):
        n = rng.randint(1, 8)
        s = "".join(chr(rng.choice(rng.choice(pools))) for _ in range(n))
        if model_lower(s, lower_of, ignorable, cased) != s.lower():
            raise SystemExit(f"model of str.lower() differs from Python on {s!r}")
    for _ in range(20_000):
        s = "".join(chr(rng.randint(0, MAX_CP)) for _ in range(rng.randint(1, 6)))
        if model_lower(s, lower_of, ignorable, cased) != s.lower():
            raise SystemExit(f"model of str.lower() differs from Python on {s!r}")


def build() -> Tuple[str, Dict[str, int]]:
    ignorable, cased = probe_sigma_classes()
    check_against_categories(ignorable, cased)

    lower_of: Dict[int, str] = {}
    multi: List[Tuple[Tuple[int, ...], int]] = []
    multi_index: Dict[Tuple[int, ...], int] = {}
    props: List[Tuple[int, int]] = []
    props_index: Dict[Tuple[int, int], int] = {}
    per_cp = [0] * (MAX_CP + 1)
    for cp in range(MAX_CP + 1):
        c = chr(cp)
        low = c.lower()
        if low != c:
            lower_of[cp] = low
        flags = 0
        if is_word(c):
            flags |= WORD_SELF
        if ignorable[cp]:
            flags |= IGNORABLE
        elif cased[cp]:
            flags |= CASED
        if len(low) == 1:
            value = ord(low) - cp
            if is_word(low):
                flags |= WORD_LOWER
        else:
            if len(low) > 3:
                raise SystemExit(f"U+{cp:04X} lowers to {len(low)} code points (> 3)")
            cps = tuple(ord(x) for x in low)
            mask = sum(1 << k for k, x in enumerate(low) if is_word(x))
            key = cps + (mask,)
            if key not in multi_index:
                multi_index[key] = len(multi)
                multi.append((cps, mask))
            value = multi_index[key]
            flags |= MULTI
        key2 = (value, flags)
        if key2 not in props_index:
            props_index[key2] = len(props)
            props.append(key2)
        per_cp[cp] = props_index[key2]
    if SIGMA.lower() != SMALL_SIGMA:
        raise SystemExit("expected 'Σ'.lower() == 'σ' for a lone capital sigma")
    self_check(lower_of, ignorable, cased)

    # Two-level table: pick the block size that gives the smallest total.
    best = None
    for shift in range(4, 11):
        size = 1 << shift
        blocks: Dict[Tuple[int, ...], int] = {}
        stage1 = []
        stage2: List[int] = []
        for start in range(0, MAX_CP + 1, size):
            blk = tuple(per_cp[start : start + size])
            if blk not in blocks:
                blocks[blk] = len(blocks)
                stage2.extend(blk)
            stage1.append(blocks[blk])
        s2_bytes = 1 if len(props) <= 256 else 2
        s1_bytes = 1 if len(blocks) <= 256 else 2
        total = len(stage1) * s1_bytes + len(stage2) * s2_bytes
        if best is None or total < best[0]:
            best = (total, shift, stage1, stage2, s1_bytes, s2_bytes)
    assert best is not None
    total, shift, stage1, stage2, s1_bytes, s2_bytes = best

    # ASCII fast path: flags per byte (values for ASCII are 0 or +32).
    ascii_flags = [props[per_cp[b]][1] for b in range(128)]
    for b in range(128):
        value, flags = props[per_cp[b]]
        assert not flags & MULTI and value == (32 if 0x41 <= b <= 0x5A else 0), b
        # the tokeniser's ASCII fast path relies on these:
        assert bool(flags & WORD_SELF) == bool(flags & WORD_LOWER), b
        assert not (flags & WORD_SELF and flags & IGNORABLE), b

    def ctype(nbytes: int) -> str:
        return "uint8_t" if nbytes == 1 else "uint16_t"

    def rows(values: List[int], per_line: int = 24) -> str:
        lines = []
        for i in range(0, len(values), per_line):
            lines.append("    " + ",".join(str(v) for v in values[i : i + per_line]) + ",")
        return "\n".join(lines)

    py = ".".join(str(x) for x in sys.version_info[:3])
    ucd = unicodedata.unidata_version
    out = []
    out.append(
        "// GENERATED by tools/gen_unicode_tables.py -- do not edit; rerun the script instead.\n"
        f"// Probed from Python {py} (Unicode {ucd}): str.isalnum, str.lower and the Final_Sigma\n"
        "// context of str.lower, per code point. See the script for the probes and the layout.\n"
        "// clang-format off\n"
        "#pragma once\n\n#include <cstdint>\n\n"
        "namespace divergence {\nnamespace unicode {\n\n"
        f'constexpr const char* kPythonVersion = "{py}";\n'
        f'constexpr const char* kUnicodeVersion = "{ucd}";\n\n'
        f"constexpr uint8_t kWordSelf = {WORD_SELF};    // the code point is \\w (isalnum or '_')\n"
        f"constexpr uint8_t kWordLower = {WORD_LOWER};   // its (single) lowercase is \\w\n"
        f"constexpr uint8_t kCased = {CASED};        "
        "// cased and not case-ignorable (Final_Sigma)\n"
        f"constexpr uint8_t kIgnorable = {IGNORABLE};    // case-ignorable (Final_Sigma)\n"
        f"constexpr uint8_t kMulti = {MULTI};       // lowercase has several code points: value "
        "indexes kMultiLower\n\n"
        "struct Props {\n    int32_t value;  // lower(cp) - cp, or the kMultiLower index\n"
        "    uint8_t flags;\n};\n\n"
        "struct MultiLower {\n    uint8_t n;          // code points\n"
        "    uint8_t word_mask;  // bit k: code point k is \\w\n    uint32_t cp[3];\n};\n\n"
        f"constexpr int kShift = {shift};\n"
        f"constexpr uint32_t kMask = {(1 << shift) - 1};\n\n"
    )
    out.append(f"static const Props kProps[{len(props)}] = {{\n")
    for value, flags in props:
        out.append(f"    {{{value}, {flags}}},\n")
    out.append("};\n\n")
    out.append(f"static const MultiLower kMultiLower[{max(1, len(multi))}] = {{\n")
    for cps, mask in multi:
        padded = list(cps) + [0] * (3 - len(cps))
        out.append(f"    {{{len(cps)}, {mask}, {{{', '.join(hex(x) for x in padded)}}}}},\n")
    if not multi:
        out.append("    {0, 0, {0, 0, 0}},\n")
    out.append("};\n\n")
    out.append(f"constexpr uint8_t kAsciiFlags[128] = {{\n{rows(ascii_flags, 32)}\n}};\n\n")
    out.append(
        f"static const {ctype(s1_bytes)} kStage1[{len(stage1)}] = {{\n{rows(stage1)}\n}};\n\n"
    )
    out.append(
        f"static const {ctype(s2_bytes)} kStage2[{len(stage2)}] = {{\n{rows(stage2, 32)}\n}};\n\n"
    )
    out.append(
        "inline const Props& props(uint32_t cp) {\n"
        "    return kProps[kStage2[(static_cast<uint32_t>(kStage1[cp >> kShift]) << kShift) |"
        " (cp & kMask)]];\n}\n\n"
        "}  // namespace unicode\n}  // namespace divergence\n"
    )
    stats = {
        "props": len(props),
        "multi": len(multi),
        "shift": shift,
        "stage1": len(stage1),
        "stage2": len(stage2),
        "table_bytes": total,
        "ignorable": sum(ignorable),
        "cased": sum(cased),
    }
    return "".join(out), stats


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=root / "cpp" / "src" / "unicode_tables.hpp")
    args = ap.parse_args()
    text, stats = build()
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode()) / 1024:.0f} KiB): {stats}")


if __name__ == "__main__":
    main()
