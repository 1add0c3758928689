"""Places: toponyms found in the text and resolved to coordinates.

spaCy's entity labels are a hint, not a gate: the small English model tags Daraa as ORG,
Quneitra as PERSON and Aleppo as NORP. Candidates are every named entity plus runs of
capitalised words that the gazetteer knows; each is kept when the gazetteer and the context agree
("in X", "X province", "the town of X", a list of places), and dropped when the words around it
make it an actor ("Washington warned", "in coordination with Moscow") or a common word.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..resolve.gazetteer import Gazetteer, default as default_gazetteer
from ..resolve.places import PlaceResolver, Toponym
from .spans import dateline, doc_text, mention, slug, trim
from .usage import usage as _usage

NON_PLACE_LABELS = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
                    "LAW", "LANGUAGE", "WORK_OF_ART", "EVENT", "PRODUCT"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
LOCATIVE_PREPS = {"in", "near", "from", "to", "at", "into", "towards", "toward", "outside",
                  "around", "across", "through", "via", "across", "inside", "throughout",
                  "between", "of", "on", "off", "along", "north", "south", "east", "west",
                  "northern", "southern", "eastern", "western", "central", "within", "over",
                  "reach", "entered", "liberate", "captured"}
#: Verbs whose object is a place: "Rebels shelled Aleppo", "troops retook Palmyra".
PLACE_OBJECT_VERBS = {"shell", "bomb", "strike", "attack", "storm", "besiege", "seize",
                      "capture", "recapture", "retake", "overrun", "encircle", "surround",
                      "raid", "pound", "liberate", "enter", "evacuate", "flee", "occupy",
                      "invade", "blockade", "bombard"}
HINT_AFTER = {
    "province": "admin1", "governorate": "admin1", "oblast": "admin1", "state": "admin1",
    "region": "region", "countryside": "region", "district": "admin2", "county": "admin2",
    "parish": "admin2", "city": "settlement", "town": "settlement", "village": "settlement",
    "crossing": "crossing", "camp": "camp", "highway": "road", "road": "road",
    "motorway": "road",
}
HINT_BEFORE = {"city": "settlement", "town": "settlement", "village": "settlement",
               "province": "admin1", "governorate": "admin1", "state": "admin1",
               "region": "region", "capital": "settlement", "suburb": "settlement",
               "port": "settlement", "district": "admin2"}
COMMON_WORDS = {"of", "said", "will", "may", "can", "mobile", "reading", "nice", "bath",
                "orange", "victoria", "union", "university", "national", "international",
                "world", "general", "president", "minister", "army", "police", "city", "state",
                "north", "south", "east", "west", "god", "allah", "mr", "mrs", "ms", "dr",
                "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                "january", "february", "march", "april", "june", "july", "august",
                "september", "october", "november", "december", "christmas", "easter",
                "ramadan", "eid", "resistance", "republic", "kingdom", "the", "and", "but",
                "thus", "however", "therefore", "moreover", "simultaneously", "interestingly",
                "surprisingly", "after", "before", "during", "just", "only", "also", "home",
                "page", "news", "comments", "share", "more", "read", "click"}
MAX_NGRAM = 5


PARTICLES = {"al", "el", "ad", "as", "ash", "ar", "an", "az", "at", "bin", "ibn", "abu", "umm",
             "de", "du", "la", "le", "del", "of", "-", "al-", "el-"}


def _words(doc: Doc) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Each token's text, start and end offsets and punctuation flag, read once per doc from
    plain arrays: the finders below look at every token, and each ``doc[i]`` builds a Token."""
    from spacy.attrs import IDX, IS_PUNCT, LENGTH

    if not len(doc):
        return [], [], [], []
    text = doc_text(doc)
    rows = doc.to_array([IDX, LENGTH, IS_PUNCT]).tolist()
    starts = [r[0] for r in rows]
    ends = [r[0] + r[1] for r in rows]
    return [text[a:b] for a, b in zip(starts, ends)], starts, ends, [bool(r[2]) for r in rows]


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word.lower() in PARTICLES


def _ngrams(doc: Doc, taken: list[bool], words=None) -> list[tuple[int, int, str]]:
    """Runs of capitalised words (with name particles inside) not already taken, as n-grams:
    (start token, end token, text)."""
    texts, starts, ends, punct = words or _words(doc)
    text = doc_text(doc)
    upper = [w[:1].isupper() for w in texts]
    grams = []
    i = 0
    n = len(texts)
    while i < n:
        if taken[i] or not upper[i] or punct[i]:
            i += 1
            continue
        j = i
        while j < n and not taken[j] and (_capitalised(texts[j]) or texts[j] in {"-", "'", "’"}):
            j += 1
        # Trim trailing particles and hyphens.
        while j > i and not upper[j - 1]:
            j -= 1
        for a in range(i, j):
            if not upper[a]:
                continue
            for b in range(a + 1, min(j, a + MAX_NGRAM) + 1):
                if upper[b - 1]:
                    grams.append((a, b, text[starts[a]:ends[b - 1]]))
        i = max(j, i + 1)
    return grams


STREET_WORDS = {"street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane",
                "drive", "square", "bridge", "plaza", "parkway", "alley", "highway"}
STREET_BEFORE = {"rue", "via", "calle", "avenida", "boulevard", "place", "piazza", "plaza"}
ORDINAL_NAMES = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth", "main", "high", "broad", "market", "king", "queen"}


def _streets(doc: Doc, taken: list[bool], words=None) -> list[Span]:
    """Capitalised names ending in a street word ("Royal Street", "Third Avenue", "Westminster
    Bridge") or after a foreign one ("Rue Casa Calvo"), not part of an actor's name."""
    out = []
    for i, word in enumerate((words or _words(doc))[0]):
        if taken[i] or not word[:1].isupper():
            continue
        low = word.lower().rstrip(".")
        if low in STREET_WORDS and i > 0:
            j = i
            while j > 0 and not taken[j - 1] and doc[j - 1].text[:1].isupper() and (
                    doc[j - 1].pos_ in {"PROPN", "NUM", "ADJ"} or doc[j - 1].lower_ in
                    ORDINAL_NAMES) and i - j < 3:
                j -= 1
            if j < i and doc[j].lower_ not in COMMON_WORDS:
                out.append(doc[j:i + 1])
        elif low in STREET_BEFORE and i + 1 < len(doc) and doc[i + 1].text[:1].isupper():
            j = i + 1
            while j < len(doc) and not taken[j] and doc[j].text[:1].isupper() and j - i <= 3:
                j += 1
            out.append(doc[i:j])
    kept, last = [], -1
    for span in out:  # no overlaps, first come first kept
        if span.start > last:
            kept.append(span)
            last = span.end - 1
    return kept


def _dateline(doc: Doc, taken: list[bool]) -> Span | None:
    """The dateline's place name as a span, unless something took it; whether it is a known
    place is checked by the caller."""
    found = dateline(doc)
    span = doc.char_span(*found) if found else None
    if span is None or span.text.lower() in COMMON_WORDS or any(
            taken[i] for i in range(span.start, span.end)):
        return None
    return span


def _hint(span: Span) -> str | None:
    doc = span.doc
    if span.end < len(doc):
        nxt = doc[span.end].lower_
        if nxt in HINT_AFTER:
            return HINT_AFTER[nxt]
        if nxt == "border" and span.end + 1 < len(doc) and doc[span.end + 1].lower_ == "crossing":
            return "crossing"
    if span.start >= 2 and doc[span.start - 1].lower_ == "of":
        before = doc[span.start - 2].lower_
        if before in HINT_BEFORE:
            return HINT_BEFORE[before]
    return None


def _within(span: Span) -> str | None:
    """'Alexandria, La.' / 'Homs, Syria': the capitalised words after a comma, if any."""
    doc = span.doc
    k = span.end
    if k + 1 < len(doc) and doc[k].text == "," and doc[k + 1].text[:1].isupper():
        e = k + 1
        while e < len(doc) and e < k + 4 and (doc[e].text[:1].isupper() or doc[e].text == "."):
            e += 1
        return doc[k + 1:e].text
    return None


def _locative(span: Span, strict: bool = False) -> bool:
    """Said to be a place: after a locative preposition, with a place word ("X province"), or
    (unless ``strict``) in a list."""
    doc = span.doc
    prev = doc[span.start - 1] if span.start > 0 else None
    if prev is not None and prev.lower_ == "the" and span.start > 1:
        prev = doc[span.start - 2]
    if prev is not None and prev.lower_ in LOCATIVE_PREPS:
        return True
    if _hint(span) is not None:
        return True
    if span.root.dep_ in {"dobj", "npadvmod"} and (
            span.root.head.lemma_.lower() in PLACE_OBJECT_VERBS):
        return True
    if strict:
        return False
    if prev is not None and prev.text in {",", "and", "or", "/"}:
        return True  # in a list: the list's other items decide through the resolver
    return span.end < len(doc) and doc[span.end].text in {",", "and"}


class PlaceFinder:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or default_gazetteer()
        self.resolver = PlaceResolver(self.gazetteer)
        self._known: set[str] = set()
        self._readings_of: dict[str, list] = {}

    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        def places(d: Doc) -> list[dict]:
            toponyms = self.find(d)
            self.resolver.resolve(toponyms)
            return self.to_records(toponyms)

        records(doc)["places"] = guarded("places", doc, places)
        return doc

    # -- finding -------------------------------------------------------------------------------
    def find(self, doc: Doc) -> list[Toponym]:
        from . import records

        self._readings_of = {}
        taken = [False] * len(doc)
        # Spans the actors extractor linked ("al-Qaeda", "Washington warned") are not places.
        for actor in records(doc).get("actors", []):
            for m in actor["mentions"]:
                span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
                for i in range(span.start, span.end) if span is not None else ():
                    taken[i] = True
        chosen: list[Span] = []
        # Streets, squares and bridges ("Royal Street", "Rue Casa Calvo"): places the
        # gazetteer lacks, placed at the document's town by the resolver's context fallback.
        words = _words(doc)
        streets = [sp for sp in _streets(doc, taken, words) if not any(
            t.ent_type_ == "PERSON" for t in sp)]  # "Director Alan Lane" is a man
        known_streets = self.gazetteer.known_keys({sp.text for sp in streets})
        for span in streets:
            if span.text in known_streets:
                continue  # a named road of the gazetteer ("the M5 highway"): resolved as usual
            chosen.append(span)
            for i in range(span.start, span.end):
                taken[i] = True
        filed = _dateline(doc, taken)
        if filed is not None and self._strong(filed, towns=True):
            chosen.append(filed)
            for i in range(filed.start, filed.end):
                taken[i] = True
        ent_spans = []
        for ent in doc.ents:
            if ent.label_ in NON_PLACE_LABELS:
                continue
            span = trim(ent)
            if not span.text.strip():
                continue
            ent_spans.append((span, ent.label_))
        # Entity texts and n-grams are checked against the index in one batch.
        grams = _ngrams(doc, list(taken), words)
        known = self.gazetteer.known_keys({s.text for s, _ in ent_spans} | {g[2] for g in grams})
        self._known = known

        for span, label in ent_spans:
            if any(taken[i] for i in range(span.start, span.end)):
                continue
            if label in PLACE_LABELS and span.text not in known and any(
                    text in known for a, b, text in grams if span.start <= a and b <= span.end):
                continue  # "Gaziantep Turkey": let the known names inside it be found one by one
            if self._keep_entity(span, label, span.text in known):
                chosen.append(span)
                for i in range(span.start, span.end):
                    taken[i] = True
            elif label in {"PERSON", "ORG"}:
                # Don't look for places inside people's and organisations' names.
                for i in range(span.start, span.end):
                    taken[i] = True
        for a, b, text in sorted(grams, key=lambda g: (-(g[1] - g[0]), g[0])):
            if text not in known or any(taken[i] for i in range(a, b)):
                continue
            g = doc[a:b]
            if self._keep_ngram(g):
                chosen.append(g)
                for i in range(g.start, g.end):
                    taken[i] = True
        chosen.sort(key=lambda s: s.start)
        sent_of = {}
        for k, sent in enumerate(doc.sents):
            sent_of[sent.start] = k
        out = []
        for s in chosen:
            m = mention(s)
            street = s[-1].lower_.rstrip(".") in STREET_WORDS or s[0].lower_ in STREET_BEFORE
            out.append(Toponym(start=m["start"], end=m["end"], text=m["text"],
                               hint=_hint(s) or ("road" if street else None),
                               within=_within(s), sentence=sent_of.get(s.sent.start, 0)))
        return out

    def _keep_entity(self, span: Span, label: str, known: bool) -> bool:
        if _usage(span) != "literal":
            return False
        if label in PLACE_LABELS:
            return True
        if not known:
            return False
        if span.text.lower() in COMMON_WORDS:
            return False
        if label == "NORP" and self._demonym_only(span):
            # A demonym as an adjective of a place noun ("Syrian territory") is a place; as a
            # people noun ("Syrians") or a language ("the learning of English") it is not
            # (modifiers of other nouns were dropped above).
            return span.root.dep_ in {"amod", "compound"} or (
                span.root.pos_ == "ADJ" and span.root.dep_ not in {"pobj", "dobj", "conj",
                                                                   "nsubj", "appos"})
        if label == "PERSON":
            # "Quneitra" mis-tagged as a person is taken only where it is said to be a place, and
            # never when it is the surname of a person named in full elsewhere ("Salah").
            head = span.root.head
            coordinated = span.root.dep_ == "conj" and (head.ent_type_ in PLACE_LABELS
                                                        or head.text in self._known)
            return ((_locative(span, strict=True) or coordinated)
                    and span.text not in self._surnames(span.doc))
        return self._strong(span) or _locative(span)

    @staticmethod
    def _surnames(doc: Doc) -> set[str]:
        return {tok.text for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1
                for tok in ent[1:]}

    def _keep_ngram(self, g: Span) -> bool:
        if g.text.lower() in COMMON_WORDS or all(t.is_stop for t in g):
            return False
        if any(t.pos_ not in {"PROPN", "ADJ", "NOUN", "ADP", "PUNCT", "DET", "VERB"} for t in g):
            return False
        if g.start == g.sent.start and not (_hint(g) or self._strong(g)):
            return False
        if _usage(g) != "literal":
            return False
        if not any(t.pos_ == "PROPN" for t in g) and not _hint(g):
            return False
        # No entity label at all: the words around must say it is a place, or, for a single
        # word, it must also be well known ("Gate", "Class" and "Centre" are places somewhere).
        if self._demonym_only(g):
            # "English" or "Syrians" unlabelled: a place only as the adjective of a place noun
            return g.root.dep_ in {"amod", "compound"} and _usage(g) == "literal"
        if len(g) == 1:
            return _locative(g, strict=True) or (self._strong(g) and (
                _locative(g) or g.root.dep_ == "nsubjpass"))  # "Aleppo was shelled"
        return self._strong(g) or _locative(g)

    def _readings(self, span: Span) -> list:
        """The gazetteer's near-exact readings of the span's text, looked up once per document
        (``_strong`` and ``_demonym_only`` both ask)."""
        found = self._readings_of.get(span.text)
        if found is None:
            found = self._readings_of[span.text] = [
                c for c in self.gazetteer.candidates(span.text, fuzzy=False, limit=5)
                if c.name_score >= 0.9]
        return found

    def _demonym_only(self, span: Span) -> bool:
        """Known to the gazetteer only as a people or a language ("English", "Syrians")."""
        cands = self._readings(span)
        return bool(cands) and all(c.kind == "demonym" for c in cands)

    def _strong(self, span: Span, towns: bool = False) -> bool:
        """A name whose best reading is a well-known place (a country, a province, a city, a
        named region or crossing), so that a mis-labelled entity is still taken; ``towns``:
        any town will do (a dateline says it is a place)."""
        # a people's name ("English", "Syrians") does not make a well-known place
        return any(c.kind != "demonym" and (
                   c.place.feature in {"country", "admin1", "region", "crossing", "camp", "road"}
                   or c.place.population >= 50_000
                   or (towns and c.place.feature in {"city", "town"}))
                   for c in self._readings(span))

    def geocode(self, doc: Doc, spans: list[tuple[int, int]]) -> list[Toponym]:
        """Resolve given character spans (gold toponyms): no recognition, same resolution, with the
        other given spans as the document's context."""
        toponyms = []
        for start, end in spans:
            span = doc.char_span(start, end, alignment_mode="expand")
            toponyms.append(Toponym(start=start, end=end, text=doc_text(doc)[start:end],
                                    hint=_hint(span) if span is not None else None,
                                    within=_within(span) if span is not None else None))
        self.resolver.resolve(toponyms)
        return toponyms

    # -- records -------------------------------------------------------------------------------
    @staticmethod
    def to_records(toponyms: list[Toponym]) -> list[dict]:
        places: dict[str, dict] = {}
        for t in toponyms:
            span = {"start": t.start, "end": t.end, "text": t.text}
            if t.choice is None:
                key = f"doc:{slug(t.text)}"
                rec = places.setdefault(key, {"id": key, "name": t.text, "feature": "other",
                                              "confidence": 0.0, "mentions": []})
            else:
                p = t.choice.place
                rec = places.setdefault(p.id, {
                    "id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "country": p.country,
                    "admin1": p.admin1, "feature": p.feature, "geonames_id": p.geonames_id,
                    "confidence": t.confidence, "mentions": []})
                rec["confidence"] = max(rec["confidence"], t.confidence)
            rec["mentions"].append(span)
        return list(places.values())


@Language.factory("sitrep_places", requires=["doc.ents", "token.dep", "token.pos"],
                  assigns=["doc._.sitrep"], default_config={"gazetteer_path": None})
def make_place_finder(nlp: Language, name: str, gazetteer_path: str | None) -> PlaceFinder:
    return PlaceFinder(Gazetteer(gazetteer_path) if gazetteer_path else None)

