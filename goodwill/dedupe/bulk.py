"""The bulk pass: blocking, pairwise scoring, clusters.

Blocking keys are cheap exact keys (a shared phone, email or VIN; the nickname-canonical first
name with the last name; phonetic names; birth date; ZIP with street number …). Only records
sharing at least one key are compared, and a key shared by more than `max_block` records
(a switchboard number, "john smith") is compared within a sorted window instead of all pairs,
so the work grows with the store, not with its square."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jellyfish

from goodwill.customers.matching import (
    DEFAULT_WEIGHTS,
    THRESHOLD,
    Comparison,
    Rec,
    Weights,
    canonical_first,
    compare,
)


def blocking_keys(r: Rec) -> Iterable[str]:
    for p in r.phones:
        yield "p" + p
    for e in r.emails:
        yield "e" + e
    for v in r.vins:
        yield "v" + v
    first, last = r.first, r.last
    canon = canonical_first(first)
    if last:
        if canon:
            yield f"n{canon}|{last}"
            yield f"m{jellyfish.soundex(first)}{jellyfish.soundex(last)}"
        if first:
            # Order-free, so a record with first and last name swapped shares it.
            yield f"s{min(first, last)}|{max(first, last)}"
    # Wider keys (ZIP + surname prefix, birth year + surname prefix, first name + ZIP,
    # birthday + first letters) were measured: 6x the pairs for < 0.3 % more recall on
    # FEBRL3/4 (bench/bench_dedupe.py), so they are left out.
    if r.dob:
        yield "d" + r.dob
    if r.street_number and r.postal:
        yield f"a{r.street_number}|{r.postal}"
    if r.street and r.street_number:
        yield f"t{r.street}"
    if r.company:
        yield "c" + r.company
    if first and r.street_number and r.city:
        yield f"h{first[:3]}|{r.street_number}|{r.city[:4]}"
    # Without a birth date (what customer records hold), a name and an address that are
    # both misspelt share none of the keys above: these five found 551 more true pairs of
    # FEBRL3 and 297 of FEBRL4 for ~35 % more comparisons, precision unchanged (0.999):
    # F1 0.874 → 0.901 and 0.909 → 0.931 (`bench/bench_febrl_import.py`, in-process figures
    # in docs/closing-notes/issue-10.md).
    if last and r.postal:
        yield f"x{jellyfish.soundex(last)}|{r.postal}"
    if first and r.postal:
        yield f"y{jellyfish.soundex(first)}|{r.postal}"
    if r.street_number and r.city:
        yield f"z{r.street_number}|{r.city}"
    if last and r.street_number:
        yield f"w{last}|{r.street_number}"
    if first and r.street_number:
        yield f"v{first}|{r.street_number}"
    # A street's own name with the postcode or the city: the same address with the number
    # mistyped and the names misspelt or replaced; and the names' phonetic keys in either
    # order, for a swapped name with a typo. 122 more true pairs of FEBRL3 compared, 47 of
    # FEBRL4, for 3 % more comparisons (`bench/bench_febrl_import.py`, figures in
    # docs/closing-notes/issue-10.md).
    name = street_name(r.street)
    if name and r.postal:
        yield f"k{name}|{r.postal}"
    if name and r.city:
        yield f"j{name}|{r.city}"
    if name and last:
        yield f"l{name}|{jellyfish.soundex(last)}"
    if first and last:
        low, high = sorted((jellyfish.soundex(first), jellyfish.soundex(last)))
        yield f"q{low}{high}"


def street_name(street: str) -> str:
    """The longest word of a street address ('94 beasley st crystal brook farm' → 'beasley'):
    a street's own name, which a typo in the number or a unit leaves alone."""
    words = [w for w in street.split() if w.isalpha() and len(w) > 3]
    return max(words, key=len) if words else ""


@dataclass(slots=True)
class Pair:
    a: int  # indexes into the record list
    b: int
    comparison: Comparison


def candidate_pairs(recs: list[Rec], *, link: bool = False, max_block: int = 20, window: int = 4):
    """Yield (i, j) index pairs sharing a blocking key, each once. With `link`, only pairs
    of records from different sources (record linkage rather than deduplication)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        for key in set(blocking_keys(r)):
            blocks[key].append(i)
    seen: set[int] = set()
    n = len(recs)
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= max_block:
            combos = (
                (members[x], members[y])
                for x in range(len(members))
                for y in range(x + 1, len(members))
            )
        else:
            ordered = sorted(members, key=lambda i: (recs[i].last, recs[i].first, recs[i].postal))
            combos = (
                (ordered[x], ordered[y])
                for x in range(len(ordered))
                for y in range(x + 1, min(x + window, len(ordered)))
            )
        for i, j in combos:
            if i > j:
                i, j = j, i
            if link and recs[i].source == recs[j].source:
                continue
            code = i * n + j
            if code in seen:
                continue
            seen.add(code)
            yield i, j


def score_pairs(
    recs: list[Rec],
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    link: bool = False,
    threshold: float = THRESHOLD,
    progress: Callable[[int], None] | None = None,
    skip: Callable[[Rec, Rec], bool] | None = None,
) -> list[Pair]:
    """Every candidate pair at or above `threshold`, with its comparison."""
    out = []
    done = 0
    for i, j in candidate_pairs(recs, link=link):
        done += 1
        if progress and done % 50_000 == 0:
            progress(done)
        if skip and skip(recs[i], recs[j]):
            continue
        c = compare(recs[i], recs[j], weights)
        if c.score >= threshold:
            out.append(Pair(i, j, c))
    if progress:
        progress(done)
    return out


def clusters(n: int, pairs: list[Pair]) -> list[list[int]]:
    """Connected components of the match graph (union-find), singletons left out."""
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for p in pairs:
        groups[find(p.a)]
    for i in range(n):
        root = find(i)
        if root in groups:
            groups[root].append(i)
    return [sorted(m) for m in groups.values() if len(m) > 1]
