"""Actors: who acts in the text, linked to the registry, with roles and in-document coreference.

Mentions come from a phrase matcher over the registry's aliases (so "Daesh", "the Syrian army"
and "Jaish Khaled bin Al-Waleed" are found whatever spaCy labels them), from demonyms used as
nationalities ("Russian observers"), from countries and capitals standing for their governments
("Washington warned", "in coordination with Moscow"), and from spaCy's PERSON and ORG entities
the registry does not know, which become actors of the document rather than being dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..resolve.gazetteer import Gazetteer, default as default_gazetteer
from ..resolve.registry_data import ActorEntry, ActorRegistry, registry as default_registry
from .spans import doc_text, mention, slug, token_columns, trim
from .usage import GEO_HEADS, modified_noun, usage

#: Words of a title before a name: "Defence Minister Moshe Ya'alon", "Major General Herzi Halevy".
TITLE_WORDS = {
    "president", "prime", "minister", "foreign", "defence", "defense", "interior", "general",
    "major", "lieutenant", "colonel", "brigadier", "commander", "chief", "secretary", "state",
    "king", "queen", "prince", "crown", "emir", "sheikh", "ambassador", "envoy", "special",
    "spokesman", "spokeswoman", "spokesperson", "senator", "representative", "governor",
    "mayor", "deputy", "vice", "admiral", "marshal", "sergeant", "captain", "field",
    "supreme", "leader", "ayatollah", "imam", "pope", "chancellor", "former", "acting",
    "senior", "top", "army", "military", "intelligence", "head", "director", "speaker",
    "national", "security", "adviser", "advisor", "justice", "finance", "health", "economy",
    "energy", "trade", "information", "education", "mr", "mrs", "ms", "dr", "gen", "col", "lt",
    "maj", "sgt", "capt", "rep", "sen", "gov", "us", "u.s.", "israeli", "syrian", "russian",
    "iranian", "turkish", "iraqi", "british", "french", "american", "ukrainian", "sudanese",
}
#: Nominal references resolved to the last actor of that kind: "the army" -> the Syrian army.
NOMINALS = {
    "army": (".MIL.ARMY", ".MIL"), "military": (".MIL", ".MIL.ARMY"),
    "armed forces": (".MIL",), "air force": (".MIL.AIR",), "navy": (".MIL.NAVY",),
    "government": (".GOV",), "regime": (".GOV",), "authorities": (".GOV",),
    "administration": (".GOV",), "foreign ministry": (".GOV.MFA",),
    "defence ministry": (".GOV.MOD",), "defense ministry": (".GOV.MOD",),
    "state department": (".GOV.MFA",),
}
#: NOMINALS by their first word, in the same order (most words after "the" start none).
_NOMINALS_BY_FIRST: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
for _words, _suffixes in NOMINALS.items():
    _NOMINALS_BY_FIRST.setdefault(_words.split()[0], []).append((_words, _suffixes))
#: Nouns for people: a demonym before one names a nationality ("Russian observers").
PEOPLE_NOUNS = {"observers", "observer", "officials", "official", "soldiers", "soldier",
                "troops", "diplomats", "diplomat", "citizens", "citizen", "nationals",
                "fighters", "advisers", "advisors", "experts", "delegation", "envoy",
                "leaders", "leader", "forces", "militias",
                "militiamen", "mercenaries", "contractors", "pilots", "police", "guards",
                "monitors", "peacekeepers", "volunteers", "jihadist", "jihadists", "sponsor",
                "negotiators", "mediators", "side", "team", "authorities", "intelligence",
                "warplanes", "jets", "aircraft", "helicopters", "drones", "ships", "warships",
                "army", "armies", "navy", "navies", "military", "militaries", "hackers",
                "regulators", "prosecutors", "investigators", "lawmakers", "officers",
                "commanders", "agents", "governments", "coastguard", "gunboats"}
#: Offices of state: a demonym before one names that state's government ("the German
#: president", "the Polish head of state").
OFFICE_NOUNS = {"president", "presidents", "minister", "ministers", "premier", "chancellor",
                "king", "queen", "emir", "monarch", "sultan", "ambassador", "ambassadors",
                "counterpart", "counterparts"}
_QUOTES = "\"“”«»"
_QUOTE_MARK = re.compile("[" + _QUOTES + "]")
_ENT_KIND = {"PERSON": "person", "ORG": "organisation"}


@dataclass
class _Found:
    entry_id: str
    span: Span
    role: str | None = None
    extra: dict = field(default_factory=dict)


class ActorFinder:
    def __init__(self, nlp: Language, registry: ActorRegistry | None = None,
                 gazetteer: Gazetteer | None = None):
        self.registry = registry or default_registry
        self.gazetteer = gazetteer or default_gazetteer()
        self.vocab = nlp.vocab
        self._tokenizer = nlp.tokenizer
        self._matchers: tuple[PhraseMatcher, PhraseMatcher] | None = None

    # -- the alias matcher, built on first use (tokenising 20k aliases takes a moment) --------
    def _build(self) -> tuple[PhraseMatcher, PhraseMatcher]:
        folded = PhraseMatcher(self.vocab, attr="LOWER")
        exact = PhraseMatcher(self.vocab, attr="ORTH")
        loose, strict = set(), set()
        for rec in self.registry.alias_records():
            for form in _surface_variants(rec.alias):
                (strict if rec.case_sensitive else loose).add(form)
        folded.add("ALIAS", list(self._tokenizer.pipe(sorted(loose))))
        exact.add("ALIAS", list(self._tokenizer.pipe(sorted(strict))))
        return folded, exact

    def _alias_spans(self, doc: Doc) -> list[Span]:
        if self._matchers is None:
            self._matchers = self._build()
        spans = []
        for matcher in self._matchers:
            spans += [doc[s:e] for _, s, e in matcher(doc)]
        return filter_spans(spans)

    # -- finding -------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        records(doc)["actors"] = guarded("actors", doc,
                                         lambda d: self.to_records(d, self.find(d)))
        return doc

    def find(self, doc: Doc) -> list[_Found]:
        from spacy.attrs import LOWER, ORTH, POS

        found: list[_Found] = []
        taken = [False] * len(doc)
        marks = [m.start() for m in _QUOTE_MARK.finditer(doc_text(doc))]
        words, lowers, pos = token_columns(doc, [ORTH, LOWER, POS])

        def take(entry_id: str, span: Span) -> None:
            found.append(_Found(entry_id, span))
            for i in range(span.start, span.end):
                taken[i] = True

        for span in self._alias_spans(doc):
            span = trim(span)
            if not span.text or _in_slogan(span, marks):
                continue
            entries = self.registry.lookup_exact(span.text)
            if not entries:
                continue
            entry = entries[0]
            if entry.kind == "state":
                use = usage(span)
                if use == "literal":
                    continue  # a place, for the places extractor
                if use == "metonymic":
                    entry = self.registry.organ(entry.id, "GOV") or entry
            take(entry.id, span)

        ents = [e for e in doc.ents if not any(taken[i] for i in range(e.start, e.end))]
        # Names the gazetteer knows are left to the places extractor ("Daraa" tagged ORG).
        places = self.gazetteer.known_keys({trim(e).text for e in ents if e.label_ in _ENT_KIND})
        for ent in ents:
            span = trim(ent)
            if not span.text or _in_slogan(span, marks):
                continue
            state = None
            if ent.label_ in {"GPE", "ORG", "PERSON", "NORP", "LOC"}:
                state = self.registry.by_capital(span.text)
            if state is not None and usage(span) == "metonymic":
                gov = self.registry.organ(state.id, "GOV") or state
                take(gov.id, span)
            elif ent.label_ == "NORP":
                self._demonym(span, take)
            elif ent.label_ in _ENT_KIND and _plausible_name(span) and span.text not in places:
                found.append(_Found(f"new:{ent.label_}", span))
                for i in range(span.start, span.end):
                    taken[i] = True
        # Demonyms spaCy did not label ("Turkish jihadist-sponsor").
        for i, word in enumerate(words):
            if not taken[i] and word[:1].isupper() and pos[i] in {"ADJ", "PROPN"}:
                self._demonym(doc[i:i + 1], take)
        self._nominals(doc, found, taken, lowers, marks)
        found.sort(key=lambda f: f.span.start)
        return found

    def _demonym(self, span: Span, take) -> None:
        state = self.registry.by_demonym(span.text)
        if state is None or state.kind != "state":
            return
        noun = modified_noun(span.root)
        if span.root.dep_ in {"amod", "compound", "nmod", "conj"} and noun is not None:
            if noun.lemma_.lower() in GEO_HEADS or noun.lower_ in GEO_HEADS:
                return  # "Syrian territory": a place
            if _office(noun):
                take((self.registry.organ(state.id, "GOV") or state).id, span)
            elif noun.lower_ in PEOPLE_NOUNS or noun.lemma_.lower() in PEOPLE_NOUNS:
                take(state.id, span)
            return
        if span.text.endswith("s") and span.root.pos_ in {"PROPN", "NOUN"}:
            civilians = self.registry.organ(state.id, "CVL")
            take((civilians or state).id, span)  # "Syrians": the people

    def _nominals(self, doc: Doc, found: list[_Found], taken: list[bool], lowers: list[str],
                  marks: list[int]) -> None:
        """'the army' -> the last army mentioned, when exactly one actor of that kind came before."""
        for i, low in enumerate(lowers):
            if low != "the" or i + 1 >= len(doc):
                continue
            for words, suffixes in _NOMINALS_BY_FIRST.get(lowers[i + 1], ()):
                n = len(words.split())
                span = doc[i + 1:i + 1 + n]
                if span.text.lower() != words or any(taken[j] for j in range(span.start, span.end)):
                    continue
                if span.end < len(doc) and doc[span.end].text[:1].isupper():
                    continue  # "the army of X" is fine, "the Army Corps" is a name
                if _in_slogan(span, marks):
                    continue
                before = [f for f in found if f.span.start < span.start and any(
                    f.entry_id.endswith(sfx) for sfx in suffixes)]
                ids = {f.entry_id for f in before}
                if len(ids) == 1:
                    found.append(_Found(before[-1].entry_id, span))
                    for j in range(span.start, span.end):
                        taken[j] = True
                break

    # -- roles and records ----------------------------------------------------------------------
    def to_records(self, doc: Doc, found: list[_Found]) -> list[dict]:
        actors: dict[str, dict] = {}
        surname_of: dict[str, str] = {}  # "Halevy" -> the id of the full name seen before
        for f in found:
            span = f.span
            if f.entry_id.startswith("new:"):
                label = f.entry_id[4:]
                key = slug(span.text)
                if label == "PERSON" and len(span) == 1 and span.text in surname_of:
                    actor_id = surname_of[span.text]
                else:
                    actor_id = f"doc:{key}"
                rec = actors.setdefault(actor_id, {
                    "id": actor_id, "name": span.text, "kind": _ENT_KIND[label],
                    "linked": False, "mentions": []})
            else:
                entry = self.registry.get(f.entry_id)
                rec = actors.setdefault(entry.id, _entry_record(entry))
            if rec["kind"] == "person":
                if len(span) > 1:
                    surname_of.setdefault(span[-1].text, rec["id"])
                role = _role(span)
                # A bare title ("President") says less than the registry's role; an apposition
                # ("the head of Israel's military intelligence") says what this text says.
                if role and not rec.get("role_from_text") and ("," in role or not rec.get("role")
                                                               or _has_appos(span)):
                    rec["role"], rec["role_from_text"] = role, True
                    country = _role_country(role, self.registry)
                    if country and not rec.get("country"):
                        rec["country"] = country
            rec["mentions"].append(mention(span))
        for rec in actors.values():
            rec.pop("role_from_text", None)
        return list(actors.values())


def _office(noun) -> bool:
    """An office of state: "president", "minister", "head of state / government"."""
    if noun.lower_ in OFFICE_NOUNS:
        return True
    return noun.lower_ == "head" and any(
        c.dep_ == "prep" and c.lower_ == "of" and any(
            g.lower_ in {"state", "government"} for g in c.children) for c in noun.children)


def _entry_record(entry: ActorEntry) -> dict:
    return {"id": entry.id, "name": entry.name, "kind": entry.kind, "country": entry.country,
            "sector": entry.sector, "role": entry.role, "wikidata": entry.wikidata,
            "linked": True, "mentions": []}


def _surface_variants(alias: str) -> set[str]:
    """Spellings of one alias as it appears in text: both apostrophes, 'al-X' and 'al X'."""
    forms = {alias}
    if "'" in alias or "’" in alias:
        forms |= {alias.replace("'", "’"), alias.replace("’", "'")}
    for f in list(forms):
        if re.search(r"\b[Aa]l-", f):
            forms.add(re.sub(r"\b([Aa]l)-", r"\1 ", f))
    return forms


def _in_slogan(span: Span, marks: list[int]) -> bool:
    """Inside a short quotation with no verb ("the Army – the People – the Resistance"): a
    slogan names no actors. ``marks``: the offsets of the doc's quotation marks, in order."""
    # the nearest marks around the span, then whether they lie in its sentence (finding the
    # sentence walks its tokens: most spans have no mark before them at all)
    k = bisect.bisect_left(marks, span.start_char)
    if k == 0 or k == len(marks):
        return False
    start, close = marks[k - 1], marks[k]
    sent = span.sent
    if start < sent.start_char or close >= sent.end_char:
        return False
    quoted = sent.doc.char_span(start + 1, close, alignment_mode="expand")
    if quoted is None or not 3 <= len(quoted) <= 12 or any(t.pos_ in {"VERB", "AUX"} for t in quoted):
        return False
    # A chant of capitalised words between dashes: "Army- Population- Resistance".
    return sum(t.text in {"-", "–", "—", "/"} or t.text.endswith("-") for t in quoted) >= 2


def _plausible_name(span: Span) -> bool:
    from .places import STREET_BEFORE, STREET_WORDS

    text = span.text
    if span[0].lower_ in STREET_BEFORE or span[-1].lower_.rstrip(".") in STREET_WORDS:
        return False  # "Rue Casa Calvo", "Royal Street": a place, for the places extractor
    return (len(text) >= 2 and any(c.isalpha() for c in text) and text[:1].isupper()
            and not all(t.is_stop for t in span))


def _role(span: Span) -> str | None:
    """Title words before the name and an apposition after it."""
    doc = span.doc
    i = span.start
    while i > 0 and (doc[i - 1].lower_.rstrip(".") in TITLE_WORDS or (
            doc[i - 1].text[:1].isupper() and doc[i - 1].dep_ == "compound"
            and doc[i - 1].head.i >= span.start and doc[i - 1].ent_type_ != "PERSON")):
        i -= 1
    title = doc[i:span.start].text if i < span.start else ""
    appos = ""
    for child in span.root.children:
        if child.dep_ == "appos" and child.i >= span.end:
            sub = doc[child.left_edge.i:child.right_edge.i + 1]
            words = sub.text
            if words.lower().startswith("the "):
                words = words[4:]
            if 1 <= len(sub) <= 14:
                appos = words
            break
    parts = [p for p in (title.strip(), appos.strip()) if p]
    return ", ".join(parts) if parts else None


def _has_appos(span: Span) -> bool:
    return any(c.dep_ == "appos" and c.i >= span.end for c in span.root.children)


def _role_country(role: str, registry: ActorRegistry) -> str | None:
    for word in re.findall(r"[A-Z][\w’'-]+", role):
        word = re.sub(r"[’']s$", "", word)
        state = registry.by_demonym(word)
        if state is None:
            hits = [e for e in registry.lookup_exact(word) if e.kind == "state"]
            state = hits[0] if hits else None
        if state is not None and state.kind == "state":
            return state.id
    return None


@Language.factory("sitrep_actors", requires=["doc.ents", "token.dep", "token.pos"],
                  assigns=["doc._.sitrep"], default_config={})
def make_actor_finder(nlp: Language, name: str) -> ActorFinder:
    return ActorFinder(nlp)
