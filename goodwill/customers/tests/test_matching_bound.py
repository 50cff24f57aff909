"""The scorer's cheap bound (`matching.Bound`) never rejects a pair `compare` would score at
or above the threshold, so the import's `score_candidates(at_least=…)` finds the same
likely matches as the entry-time check's full scoring."""

from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.customers.duplicates import score_candidates
from goodwill.customers.matching import DEFAULT_BOUND, Rec, compare

# Small pools, so that equal, typo'd, nickname, swapped and missing values meet often.
FIRSTS = ["", "robert", "bob", "rob", "roberta", "anna", "ann", "smith", "j", "maria"]
LASTS = ["", "smith", "smyth", "smithe", "johnson", "robert", "anna", "nunez ortega", "nunez"]
STREETS = ["", "12 main st", "13 main st", "12 main street", "main st 12", "12 maine st", "40 oak"]
PHONES = ["+15125550142", "+15125550143", "+15125550199"]
EMAILS = ["bob@example.com", "anna@example.com", "rob@example.org"]
VINS = ["1FTFW1E50NFA00001", "1FTFW1E50NFA00002"]
CITIES = ["", "austin", "austn", "dallas"]
POSTALS = ["", "78701", "78702", "78745", "10001"]
COMPANIES = ["", "acme", "acme inc", "acmee", "zenith fleet"]
DOBS = ["", "19800101", "19800110", "19500101", "19810101", "1980"]


@st.composite
def recs(draw, id=None):
    return Rec.build(
        draw(id) if isinstance(id, st.SearchStrategy) else id,
        first_name=draw(st.sampled_from(FIRSTS)),
        last_name=draw(st.sampled_from(LASTS)),
        company_name=draw(st.sampled_from(COMPANIES)),
        phones=draw(st.lists(st.sampled_from(PHONES), max_size=2)),
        emails=draw(st.lists(st.sampled_from(EMAILS), max_size=2)),
        vins=draw(st.lists(st.sampled_from(VINS), max_size=1)),
        street=draw(st.sampled_from(STREETS)),
        city=draw(st.sampled_from(CITIES)),
        postal_code=draw(st.sampled_from(POSTALS)),
        dob=draw(st.sampled_from(DOBS)),
    )


@settings(max_examples=1000, deadline=None)
@given(recs(), recs(id=1))
def test_the_bound_never_rejects_a_pair_at_or_above_its_score(a, b):
    score = compare(a, b).score
    assert DEFAULT_BOUND.reaches(a, b, score - 1e-9)


@settings(max_examples=200, deadline=None)
@given(recs(), st.lists(recs(id=st.integers(1, 10**6)), max_size=8))
def test_the_imports_scoring_finds_the_same_likely_matches_as_the_full_scoring(typed, cands):
    full = sorted(m[:2] for m in score_candidates(typed, cands) if m[0] >= 90)
    quick = score_candidates(typed, cands, at_least=90)
    assert sorted(m[:2] for m in quick if m[0] >= 90) == full
    # What it keeps is scored exactly as the full scoring scores it.
    assert all(m in score_candidates(typed, cands) for m in quick)
