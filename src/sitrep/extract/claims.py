"""Claims: sentences that state a check-worthy fact, with what kind of fact and who states it.

Every sentence of the doc (spaCy's sentences, cut at line breaks) is scored:

* ``checkworthiness`` (0..1): the trained layer's probability that the sentence is a check-worthy
  factual claim (``train/claims.py``: TF-IDF word and character n-grams, logistic regression, on
  ClaimBuster), lowered for opinion (first-person belief, "should"/"must", value words) when the
  sentence carries no figure: opinion vs. fact at sentence level. Without the trained layer a
  pattern score stands in (figures, causes, comparisons, sources, named entities raise it).
  A sentence then takes ``CONTEXT_WEIGHT`` of its score from its more check-worthy neighbour.
* ``kinds`` from patterns: figures, amounts, percentages -> statistic; because / due to / led to ->
  causal; more / less than, superlatives -> comparison; will / expected to -> prediction;
  said / according to -> attribution; none of these -> other.
* ``attributed_to``: the speaker of the quote the sentence lies in (``records(doc)["quotes"]``,
  when the quotes extractor ran before), else "author".

Sentences at or above ``min_score`` (0.5, ClaimBuster's threshold) are claims; ids c1, c2, ...
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from .spans import doc_text

MODEL_NAME = "claims"
#: Bumped when the artefact's layout changes; an artefact of another version is ignored.
MODEL_VERSION = 1
MIN_SCORE = 0.5
#: Checkworthiness of an opinion sentence without a figure is multiplied by this.
OPINION_FACTOR = 0.7
#: Sentences of this many words or more that carry a figure are also scored clause by clause.
LONG_SENTENCE = 20
#: Share of a sentence's checkworthiness taken from its more check-worthy neighbour. Check-worthy
#: statements come in runs (an argument, a passage of figures): on the 15 CLEF-2019 training
#: debates, which the model is not fitted on, 0.2 raised the pipeline's MAP from 0.243 to 0.253
#: (0.1 to 0.4 all help); a text of one sentence is left as it is.
CONTEXT_WEIGHT = 0.2

_YEAR = re.compile(r"^(1[89]\d\d|20\d\d)s?$")
# The word patterns below are matched against lowercased text: with re.I, Python's engine
# tries every letter of a long alternation at each position, three times slower.
_NUMBER_WORDS = re.compile(
    r"\b(hundreds?|thousands?|millions?|billions?|trillions?|dozens?|tens of|scores of|half|"
    r"a third|a quarter|two-thirds|twice|double[sd]?|tripled?|percent|per cent|percentage)\b")
_FIGURE = re.compile(r"\d[\d,.]*\s*(%|percent|per cent)|[$€£]\s?\d|"
                     r"\d+(\.\d+)?\s*(km|kilomet|mile|ton|kg|barrels|people|civilians|"
                     r"soldiers|fighters|troops|dead|killed|wounded|refugees|children)")
_DIGITS = re.compile(r"\d[\d,.]*")
_STAT_ENTS = {"PERCENT", "MONEY", "QUANTITY", "CARDINAL"}

_CAUSAL = re.compile(
    r"\b(because|due to|owing to|thanks to|as a result|result(ed|s|ing)? (in|from)|led to|"
    r"leads? to|leading to|caus(e|ed|es|ing)|blamed? (for|on)|responsible for|therefore|"
    r"consequently|hence|triggered|sparked|prompted|in response to|so that)\b")
_COMPARISON = re.compile(
    r"\b(more|less|fewer|greater|larger|smaller|higher|lower|bigger|better|worse) than\b|"
    r"\bcompared (to|with)\b|\bas (many|much|few|little) as\b|\b(twice|half) as\b|"
    r"\b(most|least|largest|biggest|highest|lowest|worst|best|greatest|longest|first|only)\b")
_PREDICTION = re.compile(
    r"\b(will|won't|shall|going to|expected to|likely to|unlikely to|set to|poised to|about to|"
    r"forecasts?|predicts?|predicted|projected|plans? to|intends? to|would soon|could soon)\b"
    r"|'ll\b")
_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according to|claimed|claims|stated|states that|announced|"
    r"reported|reports|alleged|insisted|noted|explained|warned|denied|confirmed|accused|argued|"
    r"added|estimated|estimates|revealed|quoted)\b")
_OPINION = re.compile(
    r"\b(i think|i believe|i feel|we believe|in my (view|opinion)|it seems|seems to me|"
    r"should|must|ought to|need to|needs to|have to|has to|it is time|let us|let's|"
    r"clearly|obviously|of course|surely|unfortunately|fortunately|hopefully|shameful|"
    r"disgraceful|outrageous|ridiculous|absurd|wonderful|terrible|great|good|bad|wrong|right)\b")


class ClaimVectorizer:
    """Sentence -> TF-IDF of word 1-2-grams and character 2-5-grams, side by side."""

    def __init__(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3,
                                     sublinear_tf=True, max_features=150_000)

    def fit_transform(self, texts):
        import scipy.sparse as sp

        return sp.hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()

    def transform(self, texts):
        import scipy.sparse as sp

        from .char_ngrams import transform

        return sp.hstack([transform(self.words, texts), transform(self.chars, texts)]).tocsr()


def _model():
    from ..train import load

    model = load(MODEL_NAME)
    return model if isinstance(model, dict) and model.get("version") == MODEL_VERSION else None


# -- sentences ----------------------------------------------------------------------------------

def sentences(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) character offsets of the doc's sentences, cut at line breaks and trimmed."""
    text = doc_text(doc)
    if doc.has_annotation("SENT_START"):
        bounds = [(s.start_char, s.end_char) for s in doc.sents]
    else:
        bounds = [(m.start(), m.end())
                  for m in re.finditer(r"[^.!?\n]+(?:[.!?]+[\"”’']?|$)", text)]
    out = []
    for start, end in bounds:
        for m in re.finditer(r"[^\n]+", text[start:end]):
            s, e = start + m.start(), start + m.end()
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and any(c.isalnum() for c in text[s:e]):
                out.append((s, e))
    return out


# -- patterns -----------------------------------------------------------------------------------

def _figure_ents(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the entities that are figures (not bare years), once per document."""
    if not doc.has_annotation("ENT_IOB"):
        return []
    return [(e.start_char, e.end_char) for e in doc.ents
            if e.label_ in _STAT_ENTS and not _YEAR.match(e.text.strip())]


def _has_statistic(doc: Doc | None, text: str, start: int, end: int,
                   figures: list[tuple[int, int]] | None = None) -> bool:
    text = text.lower()
    if _FIGURE.search(text) or _NUMBER_WORDS.search(text):
        return True
    for s, e in _figure_ents(doc) if figures is None else figures:
        if s >= start and e <= end:
            return True
    for m in _DIGITS.finditer(text):
        token = m.group().strip(".,")
        if token and not _YEAR.match(token):
            before = text[max(0, m.start() - 12):m.start()]
            # dates ("on 12 June", "June 12") and ordinals in names are not figures
            if re.search(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*$", before):
                continue
            after = text[m.end():m.end() + 10]
            if re.match(r"\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", after):
                continue
            return True
    return False


def _comparative(doc: Doc, start: int, end: int) -> bool:
    if not doc.has_annotation("TAG"):
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.tag_ in {"JJR", "RBR", "JJS", "RBS"} for t in span)


def kinds(doc: Doc, start: int, end: int,
          figures: list[tuple[int, int]] | None = None) -> list[str]:
    """The kinds of fact the sentence doc.text[start:end] states, from patterns. ``figures``:
    the doc's figure entities (:func:`_figure_ents`), when the caller has them."""
    text = doc_text(doc)[start:end].lower()
    found = []
    if _has_statistic(doc, text, start, end, figures):
        found.append("statistic")
    if _CAUSAL.search(text):
        found.append("causal")
    if _COMPARISON.search(text) or _comparative(doc, start, end):
        found.append("comparison")
    if _PREDICTION.search(text):
        found.append("prediction")
    if _ATTRIBUTION.search(text):
        found.append("attribution")
    return found or ["other"]


def is_opinion(text: str) -> bool:
    """A sentence that voices a judgement or a wish rather than stating a fact."""
    return bool(_OPINION.search(text.lower())) or text.rstrip().endswith("?")


def pattern_score(doc: Doc, start: int, end: int, found: list[str]) -> float:
    """The checkworthiness the patterns alone give (when the trained layer is absent)."""
    text = doc_text(doc)[start:end]
    score = 0.15
    score += 0.4 if "statistic" in found else 0.0
    score += 0.15 if "causal" in found else 0.0
    score += 0.1 if "comparison" in found else 0.0
    score += 0.1 if "attribution" in found else 0.0
    score += 0.05 if "prediction" in found else 0.0
    if doc.has_annotation("ENT_IOB") and any(
            e.start_char >= start and e.end_char <= end
            and e.label_ in {"GPE", "ORG", "PERSON", "NORP"} for e in doc.ents):
        score += 0.1
    if len(text.split()) < 6:
        score *= 0.5
    return min(score, 0.95)


_CLAUSE_BREAK = re.compile(r"[();:]|\s[–—-]\s|,\s")


def clauses(text: str) -> list[str]:
    """The clauses of a long sentence, cut at brackets, colons, semicolons, dashes and commas;
    only those of four words or more."""
    return [c.strip() for c in _CLAUSE_BREAK.split(text) if len(c.split()) >= 4]


def _model_inputs(text: str, bounds, found, figures) -> tuple[list[str], list[int]]:
    """The texts the model scores for one doc and, per text, the sentence it scores: each
    sentence, and the clauses with a figure of a long sentence that carries one (a news sentence
    can pack several statements, and the model was trained on single debate sentences)."""
    inputs = [text[s:e] for s, e in bounds]
    owners = list(range(len(bounds)))
    for k, ((s, e), kind) in enumerate(zip(bounds, found)):
        sentence = text[s:e]
        if "statistic" in kind and len(sentence.split()) >= LONG_SENTENCE:
            for clause in clauses(sentence):
                if clause != sentence and _has_statistic(None, clause, -1, -1, []):
                    inputs.append(clause)
                    owners.append(k)
    return inputs, owners


def _predict(model, inputs: list[str]) -> list[float]:
    from . import trusted_inputs

    if not inputs:
        return []
    with trusted_inputs():
        probs = model["classifier"].predict_proba(model["vectorizer"].transform(inputs))
    return [float(p) for p in probs[:, 1]]


def _best_per_sentence(n: int, owners: list[int], probs) -> list[float]:
    """A sentence scores as its most check-worthy text (itself or one of its clauses)."""
    scores = [0.0] * n
    for k, p in zip(owners, probs):
        scores[k] = max(scores[k], p)
    return scores


def with_context(scores: list[float], weight: float = CONTEXT_WEIGHT) -> list[float]:
    """Each sentence's score blended with its more check-worthy neighbour (the one it has, at
    the ends; none in a text of one sentence)."""
    if len(scores) < 2 or not weight:
        return list(scores)
    out = []
    for k, own in enumerate(scores):
        near = max(scores[max(k - 1, 0):k] + scores[k + 1:k + 2])
        out.append((1 - weight) * own + weight * near)
    return out


def _speaker(quotes: list[dict], start: int, end: int) -> str | None:
    """The speaker of the quote holding most of [start, end), if any."""
    best, share = None, 0.5
    for q in quotes:
        overlap = min(end, q.get("end", 0)) - max(start, q.get("start", 0))
        if overlap > 0 and overlap / (end - start) > share and q.get("speaker"):
            best, share = q["speaker"], overlap / (end - start)
    return best


def find(doc: Doc, model=None, min_score: float | None = None) -> list[dict]:
    """The claims of ``doc`` as Claim dicts (ids c1, c2, ... in text order); reads the quotes
    found before, writes nothing. ``model``: the trained layer (default: the built one, if any;
    False: the patterns alone); ``min_score``: the lowest checkworthiness kept."""
    return find_many([doc], model, min_score)[0]


def find_many(docs: list[Doc], model=None, min_score: float | None = None) -> list[list[dict]]:
    """:func:`find` for several docs, scored by one call of the trained model for them all (a
    call costs milliseconds of input checks whatever its size)."""
    model = _model() if model is None else (model or None)  # model=False: the patterns alone
    min_score = MIN_SCORE if min_score is None else min_score
    parts = []  # per doc: text, sentence bounds, their kinds, the sentence of each model input
    inputs: list[str] = []
    for doc in docs:
        bounds = sentences(doc) if len(doc) else []
        text = doc_text(doc) if bounds else ""
        figures = _figure_ents(doc) if bounds else []
        found = [kinds(doc, s, e, figures) for s, e in bounds]
        texts, owners = (_model_inputs(text, bounds, found, figures)
                         if model is not None and bounds else ([], []))
        inputs += texts
        parts.append((text, bounds, found, owners))
    probs = iter(_predict(model, inputs))
    out = []
    for doc, (text, bounds, found, owners) in zip(docs, parts):
        if model is not None:
            scores = _best_per_sentence(len(bounds), owners, [next(probs) for _ in owners])
        else:
            scores = [pattern_score(doc, s, e, k) for (s, e), k in zip(bounds, found)]
        scores = with_context(scores)
        out.append(_claims(doc, text, bounds, found, scores, min_score))
    return out


def _claims(doc: Doc, text: str, bounds, found, scores, min_score: float) -> list[dict]:
    quotes = (doc._.sitrep or {}).get("quotes") or []
    claims = []
    for (s, e), k, score in zip(bounds, found, scores):
        sentence = text[s:e]
        if "statistic" not in k and is_opinion(sentence):
            score *= OPINION_FACTOR
        score = round(float(min(max(score, 0.0), 1.0)), 4)
        if score < min_score:
            continue
        claims.append({"id": f"c{len(claims) + 1}", "text": sentence, "start": s, "end": e,
                       "checkworthiness": score, "kinds": k,
                       "attributed_to": _speaker(quotes, s, e) or "author"})
    return claims


class ClaimFinder:
    def __init__(self, min_score: float = MIN_SCORE):
        self.min_score = min_score

    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        records(doc)["claims"] = guarded("claims", doc, self.find)
        return doc

    def pipe(self, docs, batch_size: int = 16):
        from . import pipe_batches

        return pipe_batches(docs, batch_size, "claims",
                            lambda batch: find_many(batch, min_score=self.min_score), self.find)

    def find(self, doc: Doc) -> list[dict]:
        return find(doc, min_score=self.min_score)


@Language.factory("sitrep_claims", assigns=["doc._.sitrep"],
                  default_config={"min_score": MIN_SCORE})
def make_claim_finder(nlp: Language, name: str, min_score: float) -> ClaimFinder:
    return ClaimFinder(min_score)
