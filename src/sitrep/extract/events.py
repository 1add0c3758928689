"""Events: who did what to whom, where and when, typed with PLOVER and ACLED, over the parse.

A trigger is a verb or an event noun of the lexicon (``data/plover.yaml``) whose conditions hold
in its sentence ("call on", "fire at", "air strike", "the return of the army to"). Its arguments
come from the syntax, in this order:

- source: the subject (or, in the passive, the by-agent); a subject shared with the clause above
  (controlled infinitives, participles, conjoined verbs, relative clauses: "X has decided to
  liberate", "helicopters threw leaflets calling on"); for a noun, its possessor, an actor
  modifier ("Iraqi air strikes", "the US warning"), "by X", "of X" for nouns that read it as the
  actor ("the return of the army"), or the subject of a light verb ("issued a warning",
  "carried out air strikes"); "between X and Y" makes every party a source.
- target: the object (the passive subject), the person of a double object, and the prepositions
  each type reads as its target ("against X", "on X", "to X", "with X").
- place: a place mention in a locative phrase of the event ("in", "at", "near", "over", "into",
  "to", "from", "of" ...) or in its object ("shelled Aleppo", "liberate Daraa"); failing that,
  the sentence's place when it names exactly one.
- date: a date expression attached to the event's clause, resolved against the publication date
  (``doc.user_data["published"]``) by ``resolve.dates``; else the publication date itself
  (precision "publication"); else unknown.
- modality and attribution: ``extract.modality`` reads the path to the root; quotes found by the
  quote extractor (``records(doc)["quotes"]``) when it ran, else quotation marks and verbs of
  saying, make the event reported and give its speaker.

Precision before volume: an event needs a source or target actor or a place of its own; events
of the same type linked in the parse ("pounded the village, killing ...", "carried out air
strikes") are merged into one. ``find(doc)`` is pure; the spaCy component writes
``records(doc)["events"]``; ``classify_sentence(span)`` gives the events of one sentence.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..resolve.dates import as_date, resolve as resolve_date
from . import modality as modality_module
from .spans import doc_text

log = logging.getLogger(__name__)

EVENT_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT",
               "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE",
               "COERCE", "ASSAULT")
#: Types whose parties act together: "X and Y agreed", "talks between X and Y".
SYMMETRIC = {"AGREE", "CONSULT", "COOPERATE"}
#: Prepositions each type reads as its target ("attack on X", "appeal to X").
TARGET_PREPS = {
    "ASSAULT": {"against", "on", "upon", "at", "with", "targeting"},
    "COERCE": {"against", "on", "upon", "of"},
    "SANCTION": {"on", "upon", "against", "of"},
    "THREATEN": {"to", "against", "on", "at"},
    "PROTEST": {"against"},
    "ACCUSE": {"against", "of"},
    "REJECT": {"of"},
    "REQUEST": {"on", "upon", "to", "from"},
    "AGREE": {"with"},
    "CONSULT": {"with"},
    "COOPERATE": {"with"},
    "SUPPORT": {"for", "to", "behind", "with", "of"},
    "AID": {"to", "for"},
    "CONCEDE": {"to"},
    "RETREAT": {"to", "from"},
    "MOBILIZE": {"against"},
}
#: Prepositions of a clause-level locative adjunct ("fighting raged in Daraa").
ADJUNCT_PREPS = {"in", "at", "near", "inside", "outside", "around", "across", "throughout",
                 "over", "within", "along"}
#: Words that name a part of a place: "the north of Syria", "the vicinity of Damascus".
REGION_NOUNS = {"north", "south", "east", "west", "northeast", "northwest", "southeast",
                "southwest", "north-east", "north-west", "south-east", "south-west", "vicinity",
                "outskirts", "countryside", "area", "region", "part", "city", "town", "village",
                "province", "district", "suburb", "suburbs", "heart", "centre", "center", "edge",
                "border", "borders", "environs", "outskirt", "neighbourhood", "neighborhood",
                "governorate", "capital", "port", "coast", "countryside", "parts", "areas"}
#: Prepositional objects that make no place of what follows ("at the expense of X").
NOT_PLACE_HEADS = {"expense", "cost", "behest", "request", "hand", "hands", "mercy", "level",
                   "time", "moment", "end", "risk", "rate", "point", "invitation", "name",
                   "interest", "interests", "context", "eye", "eyes", "way", "face", "wake",
                   "light", "absence", "behalf", "basis", "lack", "price", "instead", "favour",
                   "favor", "support", "help", "aid", "benefit", "sake", "account", "spite",
                   "view", "opinion", "stance", "policy", "permission",
                   "orders", "order", "command", "control", "auspices", "framework", "terms"}
#: Cooperative types whose refusal is a REJECT.
FACTUAL = {"asserted", "reported"}
#: CAMEO quad class of each type (EVALUATION.md): verbal/material cooperation 1/2, conflict 3/4.
QUAD_OF = {"AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "REQUEST": 1, "COOPERATE": 2, "AID": 2,
           "CONCEDE": 2, "RETREAT": 2, "ACCUSE": 3, "REJECT": 3, "THREATEN": 3, "PROTEST": 3,
           "SANCTION": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4}
NONE_TYPE = "NONE"  # the event-type model's "no event" label
COOPERATIVE_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT"}
#: Types whose object noun is their content: "agreed on a ceasefire" is one AGREE event.
CONTENT_TYPES = {"AGREE", "REQUEST", "REJECT", "THREATEN", "CONSULT", "CONCEDE", "SANCTION"}
#: When two linked triggers disagree on the weapon, the more telling one wins.
MODE_RANK = {"suicide-attack": 9, "unconventional": 8, "drone": 7, "aerial": 6,
             "heavy-weapons": 5, "explosives": 4, "firearms": 3, "crowd-control": 2,
             "primitive": 1}
#: Weapons telling enough to override the mode a trigger word gives.
OVERRIDING_MODES = {"suicide-attack", "unconventional", "drone"}
#: Types whose target is never a place: a country named as their target is its state.
VERBAL_TYPES = {"AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "REQUEST", "ACCUSE",
                "REJECT", "THREATEN", "SANCTION"}
LOCATIVE_PREPS = {"in", "at", "near", "over", "across", "inside", "outside", "around",
                  "throughout", "into", "toward", "towards", "to", "from", "on", "along", "within",
                  "off", "through", "via", "of", "onto", "upon", "beyond", "behind",
                  "north", "south", "east", "west", "outskirts", "close", "south-east",
                  "north-east", "south-west", "north-west", "against", "around", "past"}
#: Noun-phrase heads that stand for the actor in their "of" phrase ("forces of the regime").
GROUP_NOUNS = {"force", "forces", "troops", "army", "military", "militia", "fighter", "fighters",
               "soldier", "soldiers", "unit", "units", "member", "members", "government",
               "jet", "jets", "warplane", "warplanes", "aircraft", "helicopter", "helicopters",
               "drone", "drones", "plane", "planes", "official", "officials", "leader",
               "leaders", "leadership", "authorities", "delegation", "representative",
               "representatives", "spokesman", "spokeswoman", "spokesperson", "police", "ministry", "militant", "militants", "regime",
               "administration", "commander", "commanders", "battalion", "brigade", "division",
               "navy", "airforce", "artillery", "tank", "tanks", "ship", "ships", "warship",
               "warships", "gunman", "gunmen", "agent", "agents", "envoy", "diplomat",
               "diplomats", "minister", "president", "head", "chief", "observers", "observer",
               "monitors", "monitor", "coalition", "wing", "branch", "faction", "factions"}
#: Nouns whose possessor is the actor meant ("conceded to Israel's demands", "rejected
#: Turkey's proposal").
STANCE_NOUNS = {"demand", "demands", "proposal", "plan", "offer", "decision", "policy",
                "position", "statement", "claim", "initiative", "move", "idea", "request",
                "call", "appeal", "warning", "threat", "ultimatum", "condition", "conditions",
                "terms", "invitation", "bid", "suggestion", "stance", "view", "accusation",
                "allegation", "allegations", "accusations", "criticism", "support", "offer",
                "invasion", "occupation", "aggression", "attack", "attacks", "actions",
                "action", "behaviour", "behavior", "interference", "involvement", "role"}
#: Noun-phrase heads that are only a quantity of their "of" phrase ("all of its territory").
QUANTIFIERS = {"all", "part", "parts", "most", "much", "some", "rest", "half", "portion",
               "percent", "%", "majority", "bulk", "many", "dozens", "scores", "hundreds",
               "thousands", "millions", "thousand", "hundred", "dozen", "million", "number",
               "lot", "lots", "group", "series", "wave", "spate", "string", "round", "volley",
               "barrage", "couple", "pair", "handful", "one", "two", "three", "several", "each",
               "any", "none", "both", "kind", "type", "sort", "set"}
#: In a sense's ``obj`` list, stands for any armed actor the doc names ("armed the Houthis").
ARMED_OBJECT = "@armed"
ARMED_PARTY_KINDS = frozenset({"armed_group", "military"})
#: Target nouns ACLED distinguishes when no actor is named.
CIVILIAN_WORDS = {"civilian", "civilians", "resident", "residents", "villager", "villagers",
                  "people", "child", "children", "woman", "women", "man", "men", "family",
                  "families", "worker", "workers", "farmer", "farmers", "journalist",
                  "journalists", "student", "students", "worshipper", "worshippers", "refugee",
                  "refugees", "displaced", "passenger", "passengers", "pilgrim", "pilgrims",
                  "shepherd", "shepherds", "teacher", "teachers", "doctor", "doctors", "patient",
                  "patients", "activist", "activists", "villages", "village", "house", "houses",
                  "home", "homes", "hospital", "school", "market", "mosque", "church", "camp",
                  "girl", "girls", "boy", "boys", "infant", "baby", "elderly", "person",
                  "persons", "individual", "individuals", "citizen", "citizens", "nurse",
                  "nurses", "medic", "medics", "volunteer", "volunteers", "trader", "traders",
                  "fisherman", "fishermen", "motorist", "driver", "drivers", "herder", "herders"}
PROTESTER_WORDS = {"protester", "protesters", "protestor", "protestors", "demonstrator",
                   "demonstrators", "marcher", "marchers", "crowd", "crowds", "rally",
                   "protest", "protests", "demonstration", "demonstrations", "mourners", "sit-in"}
ARMED_WORDS = {"troops", "soldier", "soldiers", "forces", "force", "militant", "militants",
               "fighter", "fighters", "rebel", "rebels", "insurgent", "insurgents", "jihadist",
               "jihadists", "gunman", "gunmen", "army", "militia", "militias", "militiamen",
               "terrorist", "terrorists", "position", "positions", "base", "bases", "convoy",
               "checkpoint", "checkpoints", "police", "policemen", "officer", "officers",
               "guard", "guards", "enemy", "combatants", "unit", "units", "paramilitaries",
               "commander", "commanders", "tank", "tanks", "outpost", "outposts", "garrison",
               "headquarters", "barracks", "patrol", "patrols", "pockets", "stronghold",
               "strongholds", "hideout", "hideouts", "group", "groups", "cell", "cells"}
STATE_KINDS = {"state", "government", "military"}
STATE_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "SPY"}
NON_STATE_KINDS = {"armed_group", "organisation", "person", "other", "civilians"}
ARMED_KINDS = {"state", "government", "military", "armed_group"}
#: A preposition glued to the end of a word by a missing space ("strikesin").
GLUED_PREPS = ("against", "across", "in", "on", "at", "of", "by", "near", "over", "into", "with")
PRONOUNS = {"it", "they", "he", "she", "we", "you", "i", "them", "him", "her", "us", "its",
            "their", "his", "this", "that", "these", "those", "itself", "themselves", "one"}
QUOTE_OPEN = {"“", "«", "„"}
QUOTE_CLOSE = {"”", "»", "‟"}


# ------------------------------------------------------------------------------------------------
# The lexicon
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sense:
    type: str
    mode: str | None = None
    words: tuple[str, ...] = ()          # the other words of a multi-word key
    with_: frozenset[str] | None = None
    obj: frozenset[str] | None = None
    not_obj: frozenset[str] | None = None
    subj: frozenset[str] | None = None
    mod: frozenset[str] | None = None
    not_mod: frozenset[str] | None = None
    head: frozenset[str] | None = None
    not_head: frozenset[str] | None = None
    comp: frozenset[str] | None = None
    source_kind: frozenset[str] | None = None
    of: str = "target"
    patient_source: bool = False
    acled: str | None = None
    default_mode: str | None = None
    confidence: float = 0.7


_CONDITION_KEYS = {"with", "obj", "not_obj", "subj", "mod", "not_mod", "head", "not_head",
                   "comp", "source_kind"}
#: Conditions that pick a sense by who acts ("protesters clashed" is a riot): the classifier
#: does not overrule them. What is acted on ("blocked roads") fits several readings, and the
#: classifier may still choose between those.
_CHOOSING_CONDITIONS = ("subj", "source_kind")
_SENSE_KEYS = _CONDITION_KEYS | {"type", "mode", "of", "patient_source", "acled", "confidence",
                                 "default_mode"}


class LexiconError(ValueError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key written twice (the second would silently win)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise LexiconError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                 _construct_mapping)


def _words(value) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    return frozenset(str(v).lower() for v in value)


def _sense(raw, words: tuple[str, ...], where: str) -> Sense:
    if isinstance(raw, str):
        type_, _, mode = raw.partition("/")
        raw = {"type": type_, "mode": mode or None}
    if not isinstance(raw, dict):
        raise LexiconError(f"{where}: a sense is TYPE, TYPE/mode or a mapping, not {raw!r}")
    unknown = set(raw) - _SENSE_KEYS
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
    type_ = str(raw.get("type", "")).upper()
    if type_ not in EVENT_TYPES:
        raise LexiconError(f"{where}: {type_!r} is not one of PLOVER's 16 types")
    of = raw.get("of", "target")
    if of not in {"target", "source"}:
        raise LexiconError(f"{where}: of must be target or source")
    return Sense(
        type=type_, mode=raw.get("mode"), words=words, with_=_words(raw.get("with")),
        obj=_words(raw.get("obj")), not_obj=_words(raw.get("not_obj")),
        subj=_words(raw.get("subj")), mod=_words(raw.get("mod")),
        not_mod=_words(raw.get("not_mod")), head=_words(raw.get("head")),
        not_head=_words(raw.get("not_head")),
        comp=frozenset(str(c).upper() for c in raw["comp"]) if raw.get("comp") else None,
        source_kind=_words(raw.get("source_kind")), of=of,
        patient_source=bool(raw.get("patient_source", False)), acled=raw.get("acled"),
        default_mode=raw.get("default_mode"),
        confidence=float(raw.get("confidence", 0.7)),
    )


def _is_conditional(s: Sense) -> bool:
    return any(getattr(s, k) is not None for k in ("with_", "obj", "subj", "mod", "head", "comp",
                                                   "source_kind")) or bool(s.words)


@dataclass
class Lexicon:
    """Trigger senses by lemma, with the light verbs and the instrument words."""

    verbs: dict[str, list[Sense]]
    nouns: dict[str, list[Sense]]
    light_verbs: frozenset[str]
    instruments: list[tuple[tuple[str, ...], str]]   # (words, ASSAULT mode), longest first
    verb_types: dict[str, frozenset[str]] = field(default_factory=dict)
    #: per first word, the instruments starting with it: (rank in ``instruments``, the phrase
    #: as " w1 w2 ", mode), so an event tries only those whose first word it has
    instrument_index: dict[str, list[tuple[int, str, str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.instrument_index = {}
        for k, (phrase, mode) in enumerate(self.instruments):
            if phrase:
                self.instrument_index.setdefault(phrase[0], []).append(
                    (k, " " + " ".join(phrase) + " ", mode))

    @classmethod
    def from_dict(cls, data: dict) -> Lexicon:
        verbs: dict[str, list[Sense]] = {}
        nouns: dict[str, list[Sense]] = {}
        for section, target, head_last in (("verbs", verbs, False), ("nouns", nouns, True)):
            for key, value in (data.get(section) or {}).items():
                words = str(key).lower().split()
                if head_last and not ({"of", "for"} & set(words)):
                    head, rest = words[-1], tuple(words[:-1])
                else:
                    head, rest = words[0], tuple(words[1:])
                raws = value if isinstance(value, list) else [value]
                senses = [_sense(r, rest, f"{section}.{key}") for r in raws]
                target.setdefault(head, []).extend(senses)
        # Multi-word and conditioned senses are tried before the plain ones, in file order.
        for table in (verbs, nouns):
            for head, senses in table.items():
                table[head] = sorted(senses, key=lambda s: (not s.words, not _is_conditional(s)))
        instruments = []
        for mode, phrases in (data.get("instruments") or {}).items():
            for phrase in phrases:
                instruments.append((tuple(str(phrase).lower().split()), str(mode)))
        instruments.sort(key=lambda x: -len(x[0]))
        verb_types = {k: frozenset(s.type for s in v) for k, v in verbs.items()}
        return cls(verbs=verbs, nouns=nouns,
                   light_verbs=frozenset(str(v).lower() for v in data.get("light_verbs") or ()),
                   instruments=instruments, verb_types=verb_types)

    @classmethod
    def from_path(cls, path: str | Path) -> Lexicon:
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(yaml.load(fh, Loader=_UniqueKeyLoader))

    def size(self) -> int:
        """The number of senses (entries) in the lexicon."""
        return sum(len(v) for v in self.verbs.values()) + sum(len(v) for v in self.nouns.values())


@dataclass
class AcledMap:
    """PLOVER type/mode (and the lexicon's hints) -> ACLED event type and sub-event type."""

    taxonomy: dict[str, list[str]]
    rules: list[dict]
    event_type_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> AcledMap:
        taxonomy = {str(k): [str(s) for s in v] for k, v in data["taxonomy"].items()}
        event_type_of = {sub: et for et, subs in taxonomy.items() for sub in subs}
        rules = []
        for i, rule in enumerate(data.get("rules") or []):
            sub = rule.get("sub")
            if sub is not None and sub not in event_type_of:
                raise LexiconError(f"acled rule {i}: {sub!r} is not an ACLED sub-event type")
            norm = {"sub": sub}
            for key in ("type", "mode", "hint", "source", "target"):
                if key in rule:
                    value = rule[key]
                    values = value if isinstance(value, list) else [value]
                    norm[key] = {None if v in (None, "null") else str(v) for v in values}
            if "place" in rule:
                norm["place"] = bool(rule["place"])
            rules.append(norm)
        return cls(taxonomy=taxonomy, rules=rules, event_type_of=event_type_of)

    @classmethod
    def from_path(cls, path: str | Path) -> AcledMap:
        with open(path, encoding="utf-8") as fh:
            return cls.from_dict(yaml.load(fh, Loader=_UniqueKeyLoader))

    def classify(self, type_: str, mode: str | None, hint: str | None, source: str,
                 target: str, has_place: bool) -> tuple[str | None, str | None]:
        facts = {"type": type_, "mode": mode, "hint": hint}
        for rule in self.rules:
            if any(key in rule and facts[key] not in rule[key] for key in facts):
                continue
            if "source" in rule and not ({source, "any"} & rule["source"] if source != "none"
                                         else "none" in rule["source"]):
                continue
            if "target" in rule and not ({target, "any"} & rule["target"] if target != "none"
                                         else "none" in rule["target"]):
                continue
            if "place" in rule and rule["place"] != has_place:
                continue
            sub = rule["sub"]
            return (self.event_type_of[sub], sub) if sub else (None, None)
        return None, None


_lock = threading.RLock()


@lru_cache(maxsize=4)
def _load_lexicon(path: str | None) -> Lexicon:
    if path:
        return Lexicon.from_path(path)
    ref = resources.files("sitrep.data").joinpath("plover.yaml")
    with ref.open("r", encoding="utf-8") as fh:
        return Lexicon.from_dict(yaml.load(fh, Loader=_UniqueKeyLoader))


@lru_cache(maxsize=4)
def _load_acled(path: str | None) -> AcledMap:
    if path:
        return AcledMap.from_path(path)
    ref = resources.files("sitrep.data").joinpath("acled_map.yaml")
    with ref.open("r", encoding="utf-8") as fh:
        return AcledMap.from_dict(yaml.load(fh, Loader=_UniqueKeyLoader))


def default_lexicon(path: str | None = None) -> Lexicon:
    with _lock:
        return _load_lexicon(path)


def default_acled_map(path: str | None = None) -> AcledMap:
    with _lock:
        return _load_acled(path)


# ------------------------------------------------------------------------------------------------
# What the earlier components found, indexed by token
# ------------------------------------------------------------------------------------------------
class _DocIndex:
    """Actors, places and quotes of a doc, per token; built once per doc."""

    def __init__(self, doc: Doc):
        from . import records

        found = records(doc) if doc._.sitrep is not None else {}
        n = len(doc)
        self.doc = doc
        self.text = doc_text(doc)  # spaCy joins the tokens on every doc.text
        self.actor_at: list[str | None] = [None] * n
        self.place_at: list[str | None] = [None] * n
        self.place_text: dict[int, str] = {}
        self.kind: dict[str, str] = {}
        self.sector: dict[str, str] = {}
        self.feature: dict[str, str] = {}
        self._as_actor: dict[str, str | None] = {}
        if "actors" in found:
            for actor in found["actors"]:
                self.kind[actor["id"]] = actor.get("kind", "other")
                self.sector[actor["id"]] = (actor.get("sector") or "").upper()
                for m in actor.get("mentions", []):
                    self._mark(self.actor_at, m["start"], m["end"], actor["id"])
        else:  # a bare parse (an evaluation sentence): named entities stand in for actors
            from .spans import slug

            for ent in doc.ents:
                if ent.label_ in {"PERSON", "ORG", "NORP", "GPE"}:
                    aid = f"doc:{slug(ent.text)}"
                    self.kind.setdefault(aid, {"PERSON": "person", "ORG": "organisation",
                                               "NORP": "state", "GPE": "state"}[ent.label_])
                    for i in range(ent.start, ent.end):
                        self.actor_at[i] = aid
        for place in found.get("places", []):
            self.feature[place["id"]] = place.get("feature", "other")
            for m in place.get("mentions", []):
                span = self._mark(self.place_at, m["start"], m["end"], place["id"])
                if span is not None:
                    for i in range(span.start, span.end):
                        self.place_text.setdefault(i, m["text"])
        self.quotes = found.get("quotes")
        self.in_quote = self._quote_marks(doc) if self.quotes is None else None
        self.published = as_date(doc.user_data.get("published")) if doc.user_data else None
        # DATE entities by sentence start, and questions by sentence start (computed once)
        self.dates: dict[int, list[Span]] = {}
        for ent in doc.ents:
            if ent.label_ == "DATE":
                self.dates.setdefault(doc[ent.start].sent.start, []).append(ent)
        self._questions: dict[int, bool] = {}

    def has_actor(self, sent: Span) -> bool:
        """Whether the sentence names an actor (or a place read as one)."""
        return any(self.actor_at[i] is not None for i in range(sent.start, sent.end)) or any(
            self.place_at[i] is not None and self.place_as_actor(i) is not None
            for i in range(sent.start, sent.end))

    def is_question(self, sent: Span) -> bool:
        if sent.start not in self._questions:
            self._questions[sent.start] = modality_module.is_question(sent)
        return self._questions[sent.start]

    def _mark(self, table: list, start: int, end: int, value: str) -> Span | None:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None
        for i in range(span.start, span.end):
            if table[i] is None:
                table[i] = value
        return span

    def place_as_actor(self, i: int, capitals: bool = True) -> str | None:
        """A place named where an actor is expected ("negotiated between the US, Jordan and
        Russia", "talks between Damascus and Ankara"): the doc's actor for that state, or for the
        government whose capital it is. Only actors the doc already has are returned."""
        text = self.place_text.get(i)
        if text is None or not self.kind:
            return None
        key = f"{text}|{capitals}"
        if key not in self._as_actor:
            from ..resolve.registry_data import registry

            found = None
            try:
                states = [e for e in registry.lookup_exact(text) if e.kind == "state"]
                if states:
                    gov = registry.organ(states[0].id, "GOV")
                    options = [states[0].id] + ([gov.id] if gov else [])
                elif capitals:
                    state = registry.by_capital(text)
                    gov = registry.organ(state.id, "GOV") if state else None
                    options = ([gov.id] if gov else []) + ([state.id] if state else [])
                else:
                    options = []
                found = next((o for o in options if o in self.kind), None)
            except Exception:  # the registry is a convenience here, never a reason to fail
                found = None
            self._as_actor[key] = found
        return self._as_actor[key]

    @staticmethod
    def _quote_marks(doc: Doc) -> list[bool]:
        """Which tokens sit between quotation marks. A closing mark with no opening one in its
        sentence ("... in Syria,” said Halevy") quotes the sentence up to it."""
        inside = [False] * len(doc)
        text = doc_text(doc)
        if not any(q in text for q in ('"', "“", "”", "«", "»", "„", "‟")):
            return inside
        for sent in doc.sents:
            if not any(q in sent.text for q in ('"', "“", "”", "«", "»", "„", "‟")):
                continue
            open_at = None
            straight_open = None
            for tok in sent:
                t = tok.text
                if t in QUOTE_OPEN or (t == "``"):
                    open_at = tok.i
                elif t in QUOTE_CLOSE or t == "''":
                    start = open_at if open_at is not None else sent.start
                    for i in range(start, tok.i):
                        inside[i] = True
                    open_at = None
                elif t == '"':
                    if straight_open is None:
                        straight_open = tok.i
                    else:
                        for i in range(straight_open, tok.i):
                            inside[i] = True
                        straight_open = None
            end = open_at if open_at is not None else straight_open
            if end is not None:  # a quote running on past the sentence end
                for i in range(end, sent.end):
                    inside[i] = True
        return inside

    def quote_of(self, tok: Token) -> tuple[bool, str | None]:
        """(inside a quote, the quote record's speaker id) for a token."""
        if self.quotes is not None:
            pos = tok.idx
            for q in self.quotes:
                if q.get("start", 0) <= pos < q.get("end", -1):
                    return True, q.get("speaker")
            return False, None
        return bool(self.in_quote and self.in_quote[tok.i]), None


# ------------------------------------------------------------------------------------------------
# Finding events
# ------------------------------------------------------------------------------------------------
@dataclass
class _Candidate:
    trigger: Token
    sense: Sense
    noun: bool
    light: Token | None = None         # the light verb carrying a noun trigger
    host: Token | None = None          # the verb a noun trigger is the subject of
    glued: bool = False
    source: list[str] = field(default_factory=list)
    target: list[str] = field(default_factory=list)
    target_words: set[str] = field(default_factory=set)
    place: str | None = None
    place_syntactic: bool = False
    mode: str | None = None
    confidence: float = 0.7
    arg_tokens: set[int] = field(default_factory=set)
    converted: set[int] = field(default_factory=set)
    modality: str = "asserted"
    attributed_to: str = "author"
    date: str | None = None
    date_precision: str = "unknown"
    merged: list[int] = field(default_factory=list)
    derived: bool = False              # an event read off another one (a refusal)
    # (role, start_char, end_char, actor id or None): the spans naming source and target
    arguments: list[tuple[str, int, int, str | None]] = field(default_factory=list)


class EventFinder:
    """The events of a doc; one instance per pipeline (it holds the lexicon and the ACLED map)."""

    def __init__(self, lexicon: Lexicon | None = None, acled: AcledMap | None = None, *,
                 use_model: bool = True, new_event: float = 0.5, retype: float = 0.9,
                 roles: str = "all"):
        self.lexicon = lexicon or default_lexicon()
        self.acled = acled or default_acled_map()
        # The trained layer (see _trained_layer); it is skipped when `make models` has not run.
        self.use_model = use_model
        self.new_event = new_event
        self.retype = retype
        self.roles = roles

    # -- spaCy component -------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        from . import guarded, records

        records(doc)["events"] = guarded("events", doc, self.find)
        return doc

    def pipe(self, docs, batch_size: int = 16):
        from . import pipe_batches

        return pipe_batches(docs, batch_size, "events", self.find_many, self.find)

    def find(self, doc: Doc, spans: list[Span] | None = None) -> list[dict]:
        """The event records of ``doc`` (or of the sentences of ``spans``), as Event dicts."""
        return self.find_many([doc], [spans])[0]

    def find_many(self, docs: list[Doc],
                  spans: list[list[Span] | None] | None = None) -> list[list[dict]]:
        """:meth:`find` for several docs; the trained layer's classifier reads the sentences of
        them all in one call (a call costs milliseconds of input checks whatever its size)."""
        states = []
        for doc, only in zip(docs, spans or [None] * len(docs)):
            index = _DocIndex(doc)
            sents = list(doc.sents) if only is None else _sentences_of(only)
            found: list[tuple[Span, list[_Candidate]]] = []
            for sent in sents:
                try:
                    found.append((sent, self._sentence(sent, index)))
                except Exception as err:  # one odd parse never costs the doc its other events
                    # one line, as every extraction error (`sitrep -v` adds the traceback)
                    log.error("event extraction failed on document %s at char %d (%s: %s)",
                              doc.user_data.get("document_id", "?"), sent.start_char,
                              type(err).__name__, err)
                    log.debug("traceback", exc_info=True)
            states.append((found, index))
        if self.use_model and any(found for found, _ in states):
            try:
                self._trained_layer(states)
            except Exception as err:  # the rules' events stand without the trained layer
                log.error("the event-type model failed on a batch of documents (%s: %s); their "
                          "events are the rules' alone", type(err).__name__, err)
                log.debug("traceback", exc_info=True)
        out = []
        for found, index in states:
            records: list[dict] = []
            for sent, cands in found:
                for cand in cands:
                    if not cand.arguments:
                        cand.arguments = _mention_arguments(cand, index)
                    if _mutual(cand, index):
                        _make_mutual(cand)
                    records.append(self._record(cand, index))
            out.append(records)
        return out

    def classify_sentence(self, span: Span) -> list[dict]:
        """The events of the sentence(s) ``span`` covers (for evaluations that score sentences)."""
        return self.find(span.doc, [span])

    # -- the trained layer -----------------------------------------------------------------------
    def _trained_layer(self, states: list[tuple[list[tuple[Span, list[_Candidate]]], _DocIndex]]
                       ) -> None:
        """What the trained layer (``event_model``) adds to the rules, sentence by sentence, for
        the docs of ``states`` (each: its sentences with their candidates, and its index).

        - Recall: a sentence the rules found nothing in gets the model's event when the model
          is confident of an event class (``new_event``), the sentence names an actor, its main
          verb is a verb of action, and the role tagger names the source (the event then has
          the model's type, in that class, on the main verb, with a lower confidence).
        - Roles: the role tagger's source and target spans become the main event's
          ``arguments``, and their actors fill the roles the syntax left empty.
        - Type: a lexicon hit keeps its type unless its trigger is ambiguous across quad
          classes and the model is sure of another of its senses (``_arbitrate``).
        The classifier reads only the sentences where it can change something (its features
        cost several times the rules), and the model never deletes a rule event. Modality is
        the rules' in every case: the model does not read it."""
        from . import event_model

        plans = [self._plan(found, index) for found, index in states]
        todo_spans = [found[k][0] for (found, _), (todo, _) in zip(states, plans) for k, _ in todo]
        dists = event_model.distribution(todo_spans) if todo_spans else []
        if dists is None:
            return
        dists = iter(dists)
        for (found, index), (todo, mains) in zip(states, plans):
            self._apply(found, index, todo, [next(dists) for _ in todo], mains)
        # the role tagger reads the main events' sentences of all the docs in one call: it
        # decodes position by position across the sentences it is given
        tagged = iter(event_model.roles([found[k][0] for (found, _), (_, mains) in
                                         zip(states, plans) for k, _ in mains]) or [])
        for (found, index), (_, mains) in zip(states, plans):
            self._take(found, index, mains, [next(tagged, []) for _ in mains])

    def _plan(self, found: list[tuple[Span, list[_Candidate]]], index: _DocIndex
              ) -> tuple[list[tuple[int, _Candidate | None]], list[tuple[int, _Candidate]]]:
        """The sentences the classifier reads (with their main rule event, or None) and the
        main events the role tagger reads whatever the classifier says."""
        mains: list[tuple[int, _Candidate]] = []
        todo: list[tuple[int, _Candidate | None]] = []  # sentences the classifier reads
        for k, (sent, cands) in enumerate(found):
            factual = [c for c in cands if c.modality in FACTUAL and not c.derived]
            main = max(factual or cands, key=lambda c: c.confidence, default=None)
            if main is None:
                if sent.root.pos_ == "VERB" and index.has_actor(sent):
                    todo.append((k, None))
            elif factual and self._ambiguous(main):
                todo.append((k, main))
            elif self._wants_roles(main):
                mains.append((k, main))
        return todo, mains

    def _apply(self, found: list[tuple[Span, list[_Candidate]]], index: _DocIndex,
               todo: list[tuple[int, _Candidate | None]], dists: list[dict[str, float]],
               mains: list[tuple[int, _Candidate]]) -> None:
        from . import event_model

        for (k, main), dist in zip(todo, dists):
            sent = found[k][0]
            group, p_group = event_model.quad_class(dist)
            if main is None:
                if group == 0 or p_group < self.new_event:
                    continue
                label, p, _ = event_model.combine(None, dist, self.new_event)
                main = self._model_candidate(sent, label, p)
                if main is None:
                    continue
                found[k] = (sent, [main])
            else:
                label = self._arbitrate(main, dist)
                if label is not None:
                    main.sense = Sense(type=label, confidence=main.sense.confidence)
                    main.mode = None
                    main.confidence = _model_confidence(float(dist.get(label, 0.0)))
                    self._finish(main, index)
            if self._wants_roles(main):
                mains.append((k, main))

    def _take(self, found: list[tuple[Span, list[_Candidate]]], index: _DocIndex,
              mains: list[tuple[int, _Candidate]], tagged: list[list[tuple[str, int, int]]]
              ) -> None:
        """The role tagger's spans (``tagged``, per main event) as the main events' arguments;
        a new model event whose source the tagger did not name is dropped."""
        for (k, main), spans in zip(mains, tagged):
            _take_roles(main, spans, index)
            for read_off in found[k][1]:  # its pledge or refusal has the same parties
                if read_off.derived and read_off.trigger.i == main.trigger.i:
                    _share_roles(main, read_off)
            if main.sense.confidence < 0 and not any(x[0] == "source" for x in main.arguments):
                found[k] = (found[k][0], [])  # a model event with no actor: not kept
                continue
            if main.sense.confidence < 0:  # a new model event: now it has its arguments
                main.sense = Sense(type=main.sense.type, confidence=main.confidence)
                main.place = self._sentence_place(found[k][0], index, main)
                self._finish(main, index)

    def _wants_roles(self, cand: _Candidate) -> bool:
        """Whether the role tagger runs for an event: always (``roles="all"``, the default),
        or for a new model event and for one whose syntax found no source (``"source"``) or
        no source or no target (``"missing"``)."""
        if self.roles == "all" or cand.sense.confidence < 0:
            return True
        if self.roles == "missing":
            return not (cand.source and cand.target)
        return not cand.source

    def _senses(self, cand: _Candidate) -> list[Sense]:
        senses = []
        for tok in (cand.trigger, cand.light):
            if tok is not None:
                lex = self.lexicon.nouns if tok.pos_ in {"NOUN", "PROPN"} else self.lexicon.verbs
                senses += lex.get(tok.lemma_.lower()) or lex.get(tok.lower_) or []
        return senses

    def _ambiguous(self, cand: _Candidate) -> bool:
        """A trigger whose lexicon senses fall in more than one quad class ("withdraw" troops
        or support)."""
        return len({QUAD_OF.get(s.type) for s in self._senses(cand)}) > 1

    def _arbitrate(self, cand: _Candidate, dist: dict[str, float]) -> str | None:
        """The sense an ambiguous trigger takes when the model is sure (``retype``) of a quad
        class in which the trigger has a sense, else None (the rules' choice stands). The
        model never imposes a type of its own on a lexicon hit: trained on a thousand
        ConfliBERT sentences, it is sure and wrong on plain ones, and it learned that corpus's
        convention of coding sanctions and aid cuts as verbal conflict and condolences,
        appeals and denials as "no event", which PLOVER codes as SANCTION, SUPPORT, REQUEST
        and REJECT."""
        from .event_model import quad_class

        if any(getattr(cand.sense, k) for k in _CHOOSING_CONDITIONS):
            return None  # who acts chose the sense ("protesters clashed")
        group, p_group = quad_class(dist)
        if p_group < self.retype or group == QUAD_OF.get(cand.sense.type):
            return None
        own = [s.type for s in self._senses(cand) if QUAD_OF.get(s.type) == group]
        return own[0] if own else None

    @staticmethod
    def _model_candidate(sent: Span, label: str, p: float) -> _Candidate | None:
        """An event of the model's type in a sentence the rules found none in, on its main verb
        (a negative sense confidence marks it as waiting for its arguments: it is kept only
        when the role tagger names its source)."""
        root = sent.root
        if root.pos_ != "VERB" or root.lemma_.lower() in STATIVE_VERBS:
            return None  # "The area is sensitive to the US", "The Observatory relies on ..."
        if root.lemma_.lower() in SAYING_VERBS and label in MATERIAL_TYPES:
            # "The Observatory said the army shelled the town": a material act is the one said,
            # by the party of the clause said (see _take_roles), reported. What is announced
            # ("X announced the release of Y") is the announcer's act; a verb of saying with
            # neither is no act ("..., the Observatory said."). A verbal act is the saying
            # itself ("X said it would send troops" is a promise, X's).
            said = next((c for c in root.children if c.dep_ == "ccomp" and c.pos_ == "VERB"),
                        None)
            if said is not None:
                root = said
            elif root.lemma_.lower() not in ANNOUNCING_VERBS or not any(
                    c.dep_ == "dobj" and c.pos_ == "NOUN" for c in root.children):
                return None
        return _Candidate(trigger=root, sense=Sense(type=label, confidence=-1.0),
                          noun=root.pos_ == "NOUN", confidence=_model_confidence(p))

    # -- one sentence ----------------------------------------------------------------------------
    def _sentence(self, sent: Span, index: _DocIndex) -> list[_Candidate]:
        lex = self.lexicon
        cands: list[_Candidate] = []
        for tok in sent:
            pos = tok.pos_
            if pos == "VERB" or (pos == "AUX" and tok.lemma_.lower() not in {"be", "have", "do"}):
                if tok.dep_ in {"amod", "aux", "auxpass", "compound"}:
                    continue
                senses = lex.verbs.get(tok.lemma_.lower()) or lex.verbs.get(tok.lower_)
                if senses and not self._inside_name(tok, index):
                    cand = self._verb_candidate(tok, senses, index)
                    if cand:
                        cands.append(cand)
            elif pos in {"NOUN", "PROPN", "X"}:
                senses = lex.nouns.get(tok.lower_) or lex.nouns.get(tok.lemma_.lower())
                glued = False
                if not senses:
                    senses, glued = self._glued(tok)
                if not senses:
                    continue
                if tok.dep_ in {"compound", "amod", "nmod"} and not glued:
                    continue  # "attack helicopters", "strike aircraft": a modifier, not an event
                if self._inside_name(tok, index):
                    continue
                cand = self._noun_candidate(tok, senses, index, glued)
                if cand:
                    cands.append(cand)
        kept = []
        for cand in self._merge(cands):
            # Precision before volume: an event needs an actor or a place of its own.
            if not (cand.source or cand.target or cand.place_syntactic):
                continue
            if cand.place is None:
                cand.place = self._sentence_place(sent, index, cand)
            self._finish(cand, index)
            kept.append(cand)
            refusal = _refusal(cand)
            if refusal is not None:
                kept.append(refusal)
        for cand in list(kept):
            pledge = _commitment(cand, kept)
            if pledge is not None:
                kept.append(pledge)
        return kept

    @staticmethod
    def _sentence_place(sent: Span, index: _DocIndex, cand: _Candidate) -> str | None:
        """The place of the sentence's locative adjuncts ("... in Daraa", "near X"), on its verbs
        or the event's parties, when it names exactly one (the parser often hangs them on
        another word of the clause)."""
        doc = sent.doc
        ids = set()
        for i in range(sent.start, sent.end):
            pid = index.place_at[i]
            if pid is None or index.actor_at[i] is not None or i in cand.converted:
                continue
            tok = doc[i]
            while tok.dep_ in {"compound", "conj", "amod", "nmod"} and tok.head != tok:
                tok = tok.head
            prep = tok.head
            # on the verb, or on one of the event's parties ("clashed with [police in Baghdad]")
            if tok.dep_ == "pobj" and prep.lower_ in ADJUNCT_PREPS and (
                    prep.head.pos_ in {"VERB", "AUX"} or prep.head.i in cand.arg_tokens):
                ids.add(pid)
        if len(ids) == 1:
            cand.confidence -= 0.05
            return ids.pop()
        return None

    def _glued(self, tok: Token) -> tuple[list[Sense] | None, bool]:
        """'strikesin' -> 'strikes' + 'in': a word glued to the preposition after it."""
        low = tok.lower_
        if len(low) < 6 or not low.endswith(GLUED_PREPS):
            return None, False
        for prep in GLUED_PREPS:
            if low.endswith(prep) and len(low) - len(prep) >= 4:
                stem = low[: -len(prep)]
                for form in (stem, stem[:-1] if stem.endswith("s") else None,
                             stem[:-2] if stem.endswith("es") else None):
                    if form and form in self.lexicon.nouns:
                        return self.lexicon.nouns[form], True
        return None, False

    @staticmethod
    def _inside_name(tok: Token, index: _DocIndex) -> bool:
        """Part of an actor's or a place's name ("Liberation Army", "Peace Council")."""
        i = tok.i
        return (index.actor_at[i] is not None or index.place_at[i] is not None) and (
            tok.text[:1].isupper() or tok.pos_ == "PROPN")

    # -- verbs -----------------------------------------------------------------------------------
    def _verb_candidate(self, v: Token, senses: list[Sense], index: _DocIndex):
        passive = any(c.dep_ in {"nsubjpass", "auxpass"} for c in v.children) or (
            v.dep_ == "acl" and v.tag_ == "VBN")
        subj = _subject(v, passive)
        objs = _objects(v, passive)
        sense = self._select(senses, v, subj=subj, objs=objs, noun=False, index=index)
        if sense is None:
            return None
        cand = _Candidate(trigger=v, sense=sense, noun=False, mode=sense.mode,
                          confidence=sense.confidence)
        verbal = sense.type in VERBAL_TYPES
        inherited = subj is not None and subj not in v.children and not (
            passive and subj.head.dep_ == "agent")
        # source
        if subj is not None:
            cand.source = self._actors(subj, index, cand, "capital")
            if inherited:
                cand.confidence -= 0.05
        for prep in _preps(v):
            if prep.lower_ == "between":
                parties = [a for p in _pobjs(prep) for a in self._actors(p, index, cand,
                                                                          "capital")]
                if parties:
                    cand.source = _unique(cand.source + parties)
        # target
        for obj in objs:
            if sense.patient_source and not cand.source:
                cand.source = self._actors(obj, index, cand, "country")
                continue
            convert = "country" if verbal and sense.mode != "visit" else None
            cand.target += self._actors(obj, index, cand, convert)
            cand.target_words |= _np_words(obj)
        for c in v.children:
            if c.dep_ in {"dative", "iobj"} and c.pos_ in {"NOUN", "PROPN", "PRON"}:
                cand.target += self._actors(c, index, cand, "capital")
        self._prep_targets(cand, [v], index)
        # place: locative phrases, then the object ("liberate Daraa", "shelled Aleppo")
        cand.place = self._place_from_preps(cand, [v], index)
        if cand.place is None and not verbal:
            for obj in objs:
                cand.place = self._place_in(obj, index, depth=3, skip=cand.converted,
                                            clauses=True)
                if cand.place:
                    cand.arg_tokens.add(obj.i)
                    break
        if cand.place is None and v.dep_ in {"advcl", "xcomp", "conj"}:
            cand.place = self._place_from_preps(cand, [v.head], index)
            if cand.place:
                cand.confidence -= 0.05
        cand.place_syntactic = cand.place is not None
        return cand

    # -- nouns -----------------------------------------------------------------------------------
    def _noun_candidate(self, n: Token, senses: list[Sense], index: _DocIndex, glued: bool):
        head_tok = n
        if glued:  # the glued word heads nothing: read the phrase through its real head
            while head_tok.dep_ in {"compound", "amod", "nmod"} and head_tok.head != head_tok:
                head_tok = head_tok.head
        light = host = None
        gov = head_tok.head
        if head_tok.dep_ in {"dobj", "nsubjpass", "attr", "oprd"} and (
                gov.lemma_.lower() in self.lexicon.light_verbs):
            light = gov
        elif head_tok.dep_ == "pobj" and gov.dep_ == "prep" and gov.lower_ in {"in", "into"} and (
                gov.head.lemma_.lower() in {"engage", "join", "participate", "take", "involve"}):
            light = gov.head
        elif head_tok.dep_ in {"nsubj", "nsubjpass"} and gov.pos_ in {"VERB", "AUX"}:
            host = gov
        sense = self._select(senses, n, subj=None, objs=[], noun=True, index=index,
                             light=light, head_tok=head_tok)
        if sense is None:
            return None
        cand = _Candidate(trigger=n, sense=sense, noun=True, light=light, host=host, glued=glued,
                          mode=sense.mode, confidence=sense.confidence - 0.05)
        verbal = sense.type in VERBAL_TYPES
        if glued:
            cand.confidence -= 0.15
        # source: possessor, actor modifiers, "by X", "of X" (of: source), the light verb's subject
        for c in n.children:
            if c.dep_ in {"poss", "nsubj"} or (c.dep_ in {"compound", "amod", "nmod"} and (
                    index.actor_at[c.i] is not None
                    or c.i < n.i and index.place_as_actor(c.i, capitals=False))):
                cand.source += self._actors(c, index, cand, "capital")
        preps = list(_preps(n)) + (list(_preps(head_tok)) if head_tok != n else [])
        adopted = _adjacent_preps(head_tok) if light is None else []
        if adopted:
            cand.confidence -= 0.05
        for prep in preps + adopted:
            low = prep.lower_
            if low == "by" or prep.dep_ == "agent":
                for p in _pobjs(prep):
                    cand.source += self._actors(p, index, cand, "capital")
            elif low == "of":
                for p in _pobjs(prep):
                    if sense.of == "source":
                        cand.source += self._actors(p, index, cand, "capital")
                    else:
                        cand.target += self._actors(p, index, cand,
                                                    "country" if verbal else None)
                        cand.target_words |= _np_words(p)
            elif low == "between":
                cand.source += [a for p in _pobjs(prep)
                                for a in self._actors(p, index, cand, "capital")]
        if light is not None:
            subj = _subject(light, any(c.dep_ in {"nsubjpass", "auxpass"}
                                       for c in light.children))
            if subj is not None and subj != head_tok:
                ids = self._actors(subj, index, cand, "capital")
                if ids and not cand.source:
                    cand.source = ids
            for c in light.children:
                if c.dep_ in {"dative", "iobj"}:
                    cand.target += self._actors(c, index, cand, "capital")
            for prep in _preps(light):
                if prep.lower_ == "between":
                    cand.source += [a for p in _pobjs(prep)
                                    for a in self._actors(p, index, cand, "capital")]
        if not cand.source:
            claimant = _claimant(head_tok)
            if claimant is not None:
                cand.source = self._actors(claimant, index, cand, "capital")
        cand.source = _unique(cand.source)
        holders = [n] + ([head_tok] if head_tok != n else [])
        self._prep_targets(cand, holders + ([light] if light is not None else []), index,
                           extra=adopted)
        # place
        cand.place = self._place_from_preps(cand, holders, index, extra=adopted,
                                            include_of=sense.of == "target")
        if cand.place is None and light is not None:
            cand.place = self._place_from_preps(cand, [light], index)
        if cand.place is None and host is not None:
            cand.place = self._place_from_preps(cand, [host], index)
        cand.place_syntactic = cand.place is not None
        return cand

    # -- senses ----------------------------------------------------------------------------------
    def _select(self, senses: list[Sense], tok: Token, *, subj: Token | None, objs: list[Token],
                noun: bool, index: _DocIndex, light: Token | None = None,
                head_tok: Token | None = None) -> Sense | None:
        ctx = None
        for sense in senses:
            if ctx is None:
                ctx = _SenseContext(tok, subj, objs, noun, light, head_tok or tok, index,
                                    self.lexicon)
            if ctx.matches(sense):
                return sense
        return None

    # -- arguments -------------------------------------------------------------------------------
    def _actors(self, head: Token, index: _DocIndex, cand: _Candidate,
                convert: str | None = None) -> list[str]:
        if head.pos_ == "PRON":
            speaker = _speaker_antecedent(head)
            if speaker is None:
                return []
            head = speaker
            cand.confidence -= 0.1
        ids, toks, converted = actors_of(head, index, convert)
        cand.arg_tokens |= toks
        cand.converted |= converted
        return ids

    def _prep_targets(self, cand: _Candidate, holders: list[Token], index: _DocIndex,
                      extra: list[Token] = ()) -> None:
        wanted = TARGET_PREPS.get(cand.sense.type, set())
        extra = list(extra)
        if cand.sense.type == "ASSAULT" and cand.sense.acled == "territory":
            # who lost the ground: "recaptured Palmyra from the IS", where the parser often
            # hangs "from" on the place taken
            wanted = (wanted - {"with"}) | {"from"}
            extra += [prep for holder in holders for obj in holder.children
                      if obj.dep_ in {"dobj", "nsubjpass"}
                      for prep in _preps(obj) if prep.lower_ == "from"]
        elif cand.sense.type == "ASSAULT" and cand.sense.acled != "clash":
            wanted = wanted - {"with"}
        elif cand.sense.type == "PROTEST" and cand.sense.mode == "riot":
            wanted = wanted | {"with"}  # "protesters clashed with police"
        convert = "capital" if cand.sense.type in VERBAL_TYPES else None
        seen = set()
        for holder in holders:
            for prep in list(_preps(holder)) + extra:
                if prep.i in seen:
                    continue
                seen.add(prep.i)
                low = prep.lower_
                if low in wanted and low != "of":
                    for p in _pobjs(prep):
                        ids = self._actors(p, index, cand, convert)
                        cand.target += ids
                        cand.target_words |= _np_words(p)
        # "X met with Y" keeps Y a target; an actor never targets itself.
        cand.target = [t for t in _unique(cand.target) if t not in cand.source]

    def _place_from_preps(self, cand: _Candidate, holders: list[Token], index: _DocIndex,
                          extra: list[Token] = (), include_of: bool = True) -> str | None:
        # "sanctions on Iran", "appeal to Moscow": a verbal event's target is never its place
        skip_preps = TARGET_PREPS.get(cand.sense.type, set()) if (
            cand.sense.type in VERBAL_TYPES) else set()
        for holder in holders:
            if holder is None:
                continue
            for prep in list(_preps(holder)) + list(extra):
                low = prep.lower_
                if low not in LOCATIVE_PREPS or (low == "of" and not include_of) or (
                        low in skip_preps):
                    continue
                for p in _pobjs(prep):
                    if p.lemma_.lower() in NOT_PLACE_HEADS:
                        continue
                    place = self._place_in(p, index, depth=6, skip=cand.converted)
                    if place:
                        cand.arg_tokens.add(p.i)
                        return place
            # "north of Damascus", "10 km south of X" (advmod heads)
            for c in holder.children:
                if c.dep_ in {"advmod", "npadvmod"} and c.lower_ in LOCATIVE_PREPS:
                    for prep in _preps(c):
                        for p in _pobjs(prep):
                            place = self._place_in(p, index, depth=4, skip=cand.converted)
                            if place:
                                return place
        return None

    @staticmethod
    def _place_in(head: Token, index: _DocIndex, depth: int, skip: set[int] = frozenset(),
                  clauses: bool = False) -> str | None:
        """The nearest place mention in a phrase (fewest steps down, then leftmost; modifiers
        and conjuncts cost no step), not crossing into clauses (nor participles if
        ``clauses``)."""
        closed = {"relcl", "ccomp", "advcl", "parataxis", "punct", "cc", "appos"}
        if clauses:
            closed |= {"acl"}
        best: tuple[int, int, str] | None = None
        stack = [(head, 0)]
        while stack:
            tok, d = stack.pop()
            pid = index.place_at[tok.i]
            if pid is not None and index.actor_at[tok.i] is None and tok.i not in skip:
                if best is None or (d, tok.i) < best[:2]:
                    best = (d, tok.i, pid)
                continue
            region = tok.lemma_.lower() in REGION_NOUNS or tok.lower_ == "of" and (
                tok.head.lemma_.lower() in REGION_NOUNS)
            for c in tok.children:
                if c.dep_ in closed:
                    continue
                free = c.dep_ in {"compound", "amod", "nmod", "conj", "poss"} or region and (
                    c.lower_ == "of" or c.dep_ == "pobj")
                step = 0 if free else 1
                if d + step <= depth:
                    stack.append((c, d + step))
        return best[2] if best else None

    # -- merging linked events of one type --------------------------------------------------------
    @staticmethod
    def _merge(cands: list[_Candidate]) -> list[_Candidate]:
        by_tok = {c.trigger.i: c for c in cands}
        absorbed: set[int] = set()
        # The object of an agreement, a demand, a refusal or a threat is its content, not a
        # second event: "agreed on a ceasefire", "called for the release", "threatened sanctions".
        for c in cands:
            if not c.noun or c.light is not None:
                continue
            gov = _governing_verb(c.trigger)
            owner = by_tok.get(gov.i) if gov is not None else None
            if owner is not None and not owner.noun and owner.sense.type in CONTENT_TYPES:
                owner.merged.append(c.trigger.i)
                if owner.place is None and c.place is not None:
                    owner.place, owner.place_syntactic = c.place, c.place_syntactic
                absorbed.add(c.trigger.i)
        for c in cands:
            if c.trigger.i in absorbed:
                continue
            for other in cands:
                if other is c or other.trigger.i in absorbed or other.sense.type != c.sense.type:
                    continue
                if _linked(c, other):
                    keep, drop = (c, other) if _rank(c) >= _rank(other) else (other, c)
                    _absorb(keep, drop)
                    absorbed.add(drop.trigger.i)
                    if drop is c:
                        break
        return [c for i, c in by_tok.items() if i not in absorbed]

    # -- modality, attribution, date, mode, ACLED, confidence -------------------------------------
    def _finish(self, cand: _Candidate, index: _DocIndex) -> None:
        trig = cand.trigger
        inside, quote_speaker = index.quote_of(trig)
        reading = modality_module.classify(trig, inside_quote=inside,
                                           question=index.is_question(trig.sent))
        cand.modality = reading.modality
        speaker_id = quote_speaker
        if speaker_id is None and (reading.speaker is not None or inside):
            head = reading.speaker
            if head is None and inside and index.quotes is None:
                head = _quote_speaker(trig, index)
            if head is not None:
                ids, _, _ = actors_of(head, index, "capital")
                speaker_id = ids[0] if ids else None
        cand.attributed_to = speaker_id or "author"
        # mode from the weapons around an assault
        if cand.sense.type == "ASSAULT":
            found = self._instrument_mode(cand)
            if cand.mode is None:
                cand.mode = found or cand.sense.default_mode
            elif found in OVERRIDING_MODES and MODE_RANK[found] > MODE_RANK.get(cand.mode, 0):
                cand.mode = found  # "shelled with chlorine", "bombed by drones"
        # date
        cand.date, cand.date_precision = _event_date(cand, index)
        # confidence
        conf = cand.confidence
        if cand.source and (cand.target or cand.place):
            conf += 0.1
        if not cand.source:
            conf -= 0.1
        if not cand.source and not cand.target:
            conf -= 0.1
        if reading.uncertain:
            conf -= 0.05
        cand.confidence = round(min(0.95, max(0.05, conf)), 2)

    def _instrument_mode(self, cand: _Candidate) -> str | None:
        """The weapon the words of the event name ("warplanes pounded", "shells filled with
        chlorine", "a rocket attack"): its phrase, its subject, the triggers merged into it."""
        trig = cand.trigger
        sent = trig.sent
        keep: set[int] = set()

        def take(tok: Token, limit: int = 14) -> None:
            stack = [tok]
            while stack:
                t = stack.pop()
                if t.i in keep or abs(t.i - tok.i) > limit:
                    continue
                keep.add(t.i)
                stack += [c for c in t.children if c.dep_ not in {
                    "ccomp", "advcl", "relcl", "parataxis", "conj", "cc", "punct"}]

        roots = [trig] + [trig.doc[i] for i in cand.merged]
        for verb in [trig, cand.light, cand.host]:
            if verb is None:
                continue
            roots.append(verb)
            subj = _subject(verb, False) if verb.pos_ in {"VERB", "AUX"} else None
            if subj is not None:
                roots.append(subj)
        for r in roots:
            take(r)
        words = []
        prev = None
        for i in sorted(keep):
            if not sent.start <= i < sent.end:
                continue
            if prev is not None and i != prev + 1:
                words.append("|")
            t = trig.doc[i]
            words.append(t.lemma_.lower() + "/" + t.lower_)
            prev = i
        # match each phrase on lemmas or on forms, over adjacent words
        lemma_words = [w.split("/")[0] for w in words]
        form_words = [w.split("/")[-1] for w in words]
        lemmas, forms = " " + " ".join(lemma_words) + " ", " " + " ".join(form_words) + " "
        index = self.lexicon.instrument_index
        hits = sorted((k, mode) for w in {*lemma_words, *form_words} for k, key, mode in
                      index.get(w, ()) if key in lemmas or key in forms)
        best = None
        for _, mode in hits:  # in the lexicon's order: the first of the highest rank wins
            if best is None or MODE_RANK.get(mode, 0) > MODE_RANK.get(best, 0):
                best = mode
        return best

    def _record(self, cand: _Candidate, index: _DocIndex) -> dict:
        trig = cand.trigger
        doc = trig.doc
        sent = trig.sent
        toks = {trig.i} | set(cand.merged)
        toks |= {t for t in cand.arg_tokens if sent.start <= t < sent.end}
        if cand.light is not None:
            toks.add(cand.light.i)
        for c in trig.children:
            if c.dep_ in {"prt", "neg", "compound", "amod"}:
                toks.add(c.i)
            elif c.dep_ in {"dobj", "attr", "oprd"} and 0 < c.right_edge.i - trig.i <= 8:
                toks.add(c.right_edge.i)  # "praised the decision", not just "praised"
        lo, hi = min(toks), max(toks)
        lo, hi = _widen(doc, lo, hi, sent)
        span = doc[lo:hi + 1]
        text = span.text
        start = span.start_char
        source_side = _side(cand.source, index)
        target_side = _target_side(cand, index)
        hint = cand.sense.acled
        et, sub = self.acled.classify(cand.sense.type, cand.mode, hint, source_side, target_side,
                                      cand.place is not None)
        return {
            # an event read off another has its trigger: "-r" a refusal, "-p" a pledge or threat
            "id": f"ev:{trig.idx}" + (("-r" if cand.sense.type == "REJECT" else "-p")
                                      if cand.derived else ""),
            "type": cand.sense.type,
            "mode": cand.mode,
            "source": list(cand.source),
            "target": list(cand.target),
            "place": cand.place,
            "date": cand.date,
            "date_precision": cand.date_precision,
            "modality": cand.modality,
            "attributed_to": cand.attributed_to,
            "confidence": cand.confidence,
            "acled_event_type": et,
            "acled_sub_event_type": sub,
            "evidence": {"start": start, "end": start + len(text), "text": text},
            "arguments": [{"role": role, "start": a, "end": b, "text": index.text[a:b],
                           "actor": actor} for role, a, b, actor in cand.arguments],
        }


class _SenseContext:
    """The words around a trigger that sense conditions test, computed once per trigger."""

    def __init__(self, tok: Token, subj: Token | None, objs: list[Token], noun: bool,
                 light: Token | None, head_tok: Token, index: _DocIndex, lexicon: Lexicon):
        self.tok = tok
        self.noun = noun
        self.index = index
        self.lexicon = lexicon
        self.subj = subj
        self.head_tok = head_tok
        self._objs = objs
        self._cache: dict[str, object] = {}
        self.light = light

    def _get(self, key: str, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def withs(self) -> set[str]:
        def compute():
            out = set()
            toks = [self.tok] + ([self.head_tok] if self.head_tok != self.tok else [])
            for t in toks:
                for c in t.children:
                    if c.dep_ in {"prt", "prep", "agent", "dative", "advmod"}:
                        out.add(c.lower_)
                    elif c.dep_ in {"ccomp"}:
                        out |= {g.lower_ for g in c.children if g.dep_ == "mark"}
            if self.noun:
                out |= {p.lower_ for p in _adjacent_preps(self.head_tok)}
            return out
        return self._get("with", compute)

    def objs(self) -> set[str]:
        def compute():
            out = set()
            heads = list(self._objs)
            if self.noun:
                heads = [p for prep in _preps(self.tok) if prep.lower_ == "of"
                         for p in _pobjs(prep)]
            for h in heads:
                out |= _np_words(h)
                aid = self.index.actor_at[_through_quantifier(h).i]
                if aid is not None and self.index.kind.get(aid) in ARMED_PARTY_KINDS:
                    out.add(ARMED_OBJECT)  # "armed the Houthis": a named armed party
            return out
        return self._get("obj", compute)

    def subjs(self) -> set[str]:
        def compute():
            return _np_words(self.subj) if self.subj is not None else set()
        return self._get("subj", compute)

    def mods(self) -> set[str]:
        def compute():
            out = set()
            for c in self.tok.children:
                if c.dep_ in {"compound", "amod", "nmod", "npadvmod", "nummod"} and (
                        c.i < self.tok.i):
                    for t in c.subtree:
                        out.add(t.lower_)
                        out.add(t.lemma_.lower())
            # glued or hyphen-split modifiers just before the noun
            for t in self.tok.doc[max(self.tok.sent.start, self.tok.i - 2):self.tok.i]:
                if t.dep_ in {"compound", "amod", "nmod"} or t.text == "-":
                    out.add(t.lower_)
                    out.add(t.lemma_.lower())
            return out
        return self._get("mod", compute)

    def heads(self) -> set[str]:
        def compute():
            out = set()
            t = self.head_tok
            prev = t.doc[t.i - 1] if t.i > t.sent.start else None
            if prev is not None and prev.dep_ == "compound":
                low = prev.lower_
                for prep in GLUED_PREPS:
                    if low.endswith(prep) and len(low) - len(prep) >= 4:
                        out.add(prep)
            gov = t.head
            if gov == t:
                return out
            if t.dep_ == "pobj":
                out.add(gov.lower_)
                gov = gov.head
            out.add(gov.lemma_.lower())
            out.add(gov.lower_)
            return out
        return self._get("head", compute)

    def comp_types(self) -> set[str]:
        def compute():
            out = set()
            for c in self.tok.children:
                if c.dep_ in {"xcomp", "ccomp"}:
                    out |= self.lexicon.verb_types.get(c.lemma_.lower(), frozenset())
                    for cc in c.children:
                        if cc.dep_ == "conj":
                            out |= self.lexicon.verb_types.get(cc.lemma_.lower(), frozenset())
            return out
        return self._get("comp", compute)

    def source_kinds(self) -> set[str]:
        def compute():
            heads: list[Token] = []
            if self.noun:
                for prep in _preps(self.tok) + _adjacent_preps(self.head_tok):
                    if prep.lower_ in {"of", "by"}:
                        heads += _pobjs(prep)
                heads += [c for c in self.tok.children
                          if c.dep_ in {"poss", "compound", "amod", "nsubj"}]
            elif self.subj is not None:
                heads.append(self.subj)
            kinds = set()
            for h in heads:
                ids, _, _ = actors_of(h, self.index, "capital")
                kinds |= {self.index.kind.get(i, "other") for i in ids}
            return kinds
        return self._get("kinds", compute)

    def words_present(self, words: tuple[str, ...]) -> bool:
        """The other words of a multi-word key, among the trigger's dependents."""
        def near() -> set[str]:
            out = set()
            tok = self.tok
            if self.noun:
                for t in tok.doc[max(tok.sent.start, tok.i - 3):min(tok.sent.end, tok.i + 4)]:
                    out.add(t.lower_)
                    out.add(t.lemma_.lower())
                return out
            for c in tok.children:
                if c.dep_ in {"prt", "prep", "dobj", "advmod", "acomp", "oprd", "npadvmod",
                              "dative", "attr", "nsubjpass", "agent"}:
                    out.add(c.lower_)
                    out.add(c.lemma_.lower())
                    if c.dep_ in {"prep", "dative", "agent"}:
                        for g in c.children:
                            if g.dep_ == "pobj":
                                out.add(g.lower_)
                                out.add(g.lemma_.lower())
            return out
        present = self._get("near", near)
        return all(w in present for w in words)

    def matches(self, s: Sense) -> bool:
        if s.words and not self.words_present(s.words):
            return False
        if s.with_ is not None and not (s.with_ & self.withs()):
            return False
        if s.obj is not None and not (s.obj & self.objs()):
            return False
        if s.not_obj is not None and (s.not_obj & self.objs()):
            return False
        if s.subj is not None and not (s.subj & self.subjs()):
            return False
        if s.mod is not None and not (s.mod & self.mods()):
            return False
        if s.not_mod is not None and (s.not_mod & self.mods()):
            return False
        if s.head is not None and not (s.head & self.heads()):
            return False
        if s.not_head is not None and (s.not_head & self.heads()):
            return False
        if s.comp is not None and not (s.comp & self.comp_types()):
            return False
        if s.source_kind is not None and not (s.source_kind & self.source_kinds()):
            return False
        return True


# ------------------------------------------------------------------------------------------------
# Syntax helpers
# ------------------------------------------------------------------------------------------------
def _sentences_of(spans: list[Span]) -> list[Span]:
    seen, out = set(), []
    for span in spans:
        for tok in span:
            sent = tok.sent
            if sent.start not in seen:
                seen.add(sent.start)
                out.append(sent)
    return out


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _preps(tok: Token) -> list[Token]:
    return [c for c in tok.children if c.dep_ in {"prep", "agent", "dative"} and c.pos_ in {
        "ADP", "SCONJ", "ADV", "VERB"}]


def _pobjs(prep: Token) -> list[Token]:
    out = []
    for c in prep.children:
        if c.dep_ in {"pobj", "pcomp"}:
            out.append(c)
            out += [cc for cc in c.children if cc.dep_ == "conj"]
            out += [g for cc in c.children if cc.dep_ == "conj" for g in cc.children
                    if g.dep_ == "conj"]
    return out


def _adjacent_preps(noun: Token) -> list[Token]:
    """Prepositional phrases right after a noun phrase that the parser hung on the verb above
    ("coincided with [the return of the army] [to its positions]"): they may be the noun's."""
    out = []
    doc = noun.doc
    i = noun.right_edge.i + 1
    gov = noun.head
    # climb to the verb the noun phrase depends on
    if noun.dep_ == "pobj":
        gov = gov.head
    while i < noun.sent.end:
        tok = doc[i]
        if tok.dep_ == "prep" and tok.head == gov and tok.head.pos_ in {"VERB", "AUX"}:
            out.append(tok)
            i = tok.right_edge.i + 1
            continue
        break
    return out


def _subject(v: Token, passive: bool) -> Token | None:
    if passive:
        for c in v.children:
            if c.dep_ == "agent":
                p = next((g for g in c.children if g.dep_ == "pobj"), None)
                if p is not None:
                    return p
        if v.dep_ == "acl":
            return None
        for c in v.children:
            if c.dep_ == "nsubjpass":
                return None
        return None
    return modality_module.subject_of(v)


def _objects(v: Token, passive: bool) -> list[Token]:
    objs: list[Token] = []
    for c in v.children:
        if (c.dep_ in {"dobj", "attr", "oprd"} and not passive) or (
                passive and c.dep_ == "nsubjpass"):
            objs.append(c)
    if passive and v.dep_ == "acl" and v.tag_ == "VBN":
        objs.append(v.head)
    if not objs and v.dep_ == "relcl" and any(
            c.dep_ == "nsubj" for c in v.children) and v.head.pos_ in {"NOUN", "PROPN"}:
        # "the territory (that) ISIS occupied"
        objs.append(v.head)
    out = []
    for o in objs:
        o = _through_quantifier(o)
        out.append(o)
        out += [c for c in o.children if c.dep_ == "conj"]
    return out


def _through_quantifier(tok: Token) -> Token:
    """'all of its territory' -> territory; 'thousands of leaflets' -> leaflets."""
    for _ in range(2):
        if tok.lower_ in QUANTIFIERS or tok.lemma_.lower() in QUANTIFIERS or tok.pos_ == "NUM":
            of = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of else None
            if pobj is None:
                return tok
            tok = pobj
        else:
            break
    return tok


def _np_words(head: Token) -> set[str]:
    """The lemmas and forms of a noun phrase's head and its modifiers ("cease-fire" and
    "ceasefire" for "a cease - fire situation")."""
    head = _through_quantifier(head)
    out = {head.lower_, head.lemma_.lower()}
    left = []
    for c in head.children:
        if c.dep_ in {"compound", "amod", "nmod", "poss"}:
            out.add(c.lower_)
            out.add(c.lemma_.lower())
            if c.i < head.i:
                left.append(c)
    if left:
        start = min(t.left_edge.i for t in left)
        words = [t.lower_ for t in head.doc[start:head.i] if t.dep_ != "det"]
        joined = "".join(words)
        out.add(joined)
        out.add(joined.replace("-", ""))
    return out


def actors_of(head: Token, index: _DocIndex,
              convert: str | None = None) -> tuple[list[str], set[int], set[int]]:
    """The actors a noun phrase names: mentions on its head, its modifiers ("Russian, Turkish
    and Iranian observers", "Syrian army helicopters"), its conjuncts, and the "of" phrase of a
    group noun ("forces of the regime"). Possessors count only before a group noun ("Russia's
    forces"), not before others ("Washington's European allies" are not Washington). With
    ``convert``, a place standing where an actor is expected becomes the doc's actor for it
    ("country": states only; "capital": capitals for their governments too).
    Returns (actor ids in order of appearance, their tokens, the tokens converted from places)."""
    if head.lower_ in {"who", "which", "that"} and head.head.dep_ == "relcl":
        head = head.head.head
    head = _through_quantifier(head)
    found: dict[str, int] = {}
    toks: set[int] = set()
    converted: set[int] = set()
    stack = [(head, 0)]
    seen = set()
    while stack:
        tok, depth = stack.pop()
        if tok.i in seen or depth > 5:
            continue
        seen.add(tok.i)
        aid = index.actor_at[tok.i]
        if aid is None and convert and index.place_at[tok.i] is not None:
            aid = index.place_as_actor(tok.i, capitals=convert == "capital")
            if aid is not None:
                converted.add(tok.i)
        if aid is not None:
            found[aid] = min(found.get(aid, tok.i), tok.i)
            toks.add(tok.i)
        lemma = tok.lemma_.lower()
        for c in tok.children:
            dep = c.dep_
            if dep in {"compound", "amod", "nmod", "conj", "nummod"}:
                stack.append((c, depth + 1))
            elif dep == "poss" and (lemma in GROUP_NOUNS or tok.lower_ in GROUP_NOUNS
                                    or lemma in STANCE_NOUNS
                                    or index.actor_at[tok.i] is not None):
                stack.append((c, depth + 1))
            elif dep == "prep" and c.lower_ == "of" and (lemma in GROUP_NOUNS
                                                         or tok.lower_ in GROUP_NOUNS):
                for p in c.children:
                    if p.dep_ == "pobj":
                        stack.append((p, depth + 1))
    ids = [a for a, _ in sorted(found.items(), key=lambda kv: kv[1])]
    return ids, toks, converted


def _model_confidence(p: float) -> float:
    """The base confidence of an event typed by the model, from the probability of its type:
    between 0.35 (p = 0.25) and 0.75 (p = 1), below the lexicon's usual 0.7 unless very sure."""
    return round(min(0.75, max(0.35, 0.2 + 0.55 * p)), 2)


NOT_PARTY_ENTS = {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "QUANTITY", "ORDINAL"}


#: Subject pronouns that, in a clause a speaker reports, are that speaker ("Israel said it
#: will not lift the embargo").
SPEAKER_PRONOUNS = frozenset({"it", "they", "he", "she", "we"})


#: Verbs of saying: the sentence classifier's event is the one said, not the saying
#: (speech acts that are events themselves, "warned", "accused", are in the lexicon).
SAYING_VERBS = frozenset({
    "say", "tell", "state", "report", "add", "note", "announce", "explain", "write", "tweet",
    "post", "reply", "respond", "quote", "cite", "confirm", "claim", "insist", "stress",
    "reiterate", "mention", "comment", "remark", "indicate", "reveal", "believe", "think",
    "document", "record", "count", "tally", "verify"})  # monitors count, they do not kill


#: Verbs of a state or a mind, never an act: the classifier's event is not put on them ("The
#: Observatory relies on sources who say whose planes carry out raids" is no raid by it). Not
#: "remain" ("troops remained on alert") nor "consist" ("the aid package consisted of").
STATIVE_VERBS = frozenset({
    "rely", "depend", "seem", "appear", "belong", "know", "mean", "matter", "cost", "resemble",
    "deserve", "hope", "wish", "like", "love", "hate", "prefer", "understand", "feel", "look",
    "sound"})


#: ...of which a noun object is the speaker's own act ("announced the release of").
ANNOUNCING_VERBS = frozenset({"announce", "confirm", "claim", "reveal"})


#: Verbs by which a party owns an act: "claimed responsibility for the bombing".
CLAIMING = frozenset({"claim", "accept", "admit", "take", "bear", "assume", "acknowledge"})


def _claimant(noun: Token) -> Token | None:
    """Whom the sentence makes the author of the act <noun>: the subject of "X claimed (took,
    accepted) responsibility for <noun>" (the party that says the act was its own; a denial
    names no one), of "X was responsible for <noun>" and of "X was behind <noun>"."""
    prep = noun.head
    if noun.dep_ != "pobj":
        return None
    if prep.lower_ == "behind" and prep.head.lemma_ == "be":
        return next((c for c in prep.head.children if c.dep_ == "nsubj"), None)
    if prep.lower_ != "for":
        return None
    owned = prep.head
    if owned.lower_ == "responsible" and owned.dep_ == "acomp" and owned.head.lemma_ == "be":
        return next((c for c in owned.head.children if c.dep_ == "nsubj"), None)
    if owned.lemma_.lower() not in {"responsibility", "credit"} or owned.dep_ != "dobj":
        return None
    verb = owned.head
    if verb.lemma_.lower() not in CLAIMING:
        return None
    return next((c for c in verb.children if c.dep_ == "nsubj"), None)


#: Nouns that name a part or a number of a party ("members of", "a unit of", "dozens of").
PART_NOUNS = frozenset({
    "member", "unit", "faction", "wing", "branch", "group", "number", "dozen", "hundred",
    "thousand", "million", "score", "some", "many", "several", "most", "all", "none", "part",
    "contingent", "detachment", "battalion", "brigade", "fighter"})


def _actors_in(doc: Doc, start: int, end: int, index: _DocIndex) -> list[str] | None:
    """The actors a span of the role tagger names: those at its head word or in the words before
    it ("Syrian President Bashar al-Assad", "a U.S. missile strike"), not those of a phrase
    attached after it ("victims of an attack in Syria"); capitals and countries read as actors.
    None when the span names a date or a number, not a party."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    root = span.root
    # "dozens of protesters", "members of the New People's Army": the party is the "of" object
    while root.lemma_.lower() in PART_NOUNS or root.ent_type_ in {"CARDINAL", "QUANTITY"}:
        of = next((p for c in root.children if c.dep_ == "prep" and c.lower_ == "of"
                   for p in c.children if p.dep_ == "pobj" and span.start <= p.i < span.end),
                  None)
        if of is None:
            break
        root = of
    if root.ent_type_ in NOT_PARTY_ENTS or root.pos_ in {"NUM", "VERB", "AUX"}:
        return None
    ids: list[str] = []
    heads = list(range(span.start, root.i + 1)) + [  # "the party's leader, Jose Guimaraes"
        t.i for c in root.children if c.dep_ == "appos" for t in c.subtree
        if span.start <= t.i < span.end]
    for conj in root.conjuncts:  # "Britain and Germany": each conjunct and the words before it
        if span.start <= conj.i < span.end:
            heads += [t.i for t in conj.subtree if t.i <= conj.i and t.i >= span.start]
    for i in heads:
        aid = index.actor_at[i] or (index.place_as_actor(i) if index.place_at[i] else None)
        if aid is not None and aid not in ids:
            ids.append(aid)
    return ids


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """A tagger span without the verb or punctuation it sometimes runs into at its ends ("the
    insurgents posted")."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return start, end
    toks = list(span)
    while toks and (toks[-1].pos_ in {"VERB", "AUX", "PUNCT"}
                    or toks[-1].is_space):
        if toks[-1].text == ")" and any(t.text == "(" for t in toks):
            break  # a name's own bracketed acronym: "Space Research Organization (ISRO)"
        toks.pop()
    while toks and (toks[0].pos_ == "PUNCT" or toks[0].is_space):
        toks.pop(0)
    if not toks:
        return start, start
    return toks[0].idx, toks[-1].idx + len(toks[-1])


def _mutual(cand: _Candidate, index: _DocIndex) -> bool:
    """Two parties named together, as coordinated phrases, of an agreement, a consultation or a
    cooperation with no one else as its target ("X and Y agreed", "talks between X and Y"):
    the text gives the act no direction, so each is its source and its target. Where the
    syntax gives one ("X met Y", "X held talks with Y"), it is kept, as PLOVER codes it;
    "Sri Lankan Tamil rebels" is one phrase naming two actors, not two parties."""
    if cand.sense.type not in SYMMETRIC or cand.target:
        return False
    if len(cand.source) != 2:
        return False
    sent = cand.trigger.sent
    first, second = ({i for i in range(sent.start, sent.end) if index.actor_at[i] == aid}
                     for aid in cand.source)
    doc = index.doc
    return any(doc[i].dep_ == "conj" and doc[i].head.i in other
               for mine, other in ((first, second), (second, first)) for i in mine)


def _make_mutual(cand: _Candidate) -> None:
    """Each party of a mutual event is its source and its target (``Argument``: "a reciprocal
    party is both"), and each span that names one carries both roles."""
    parties = list(dict.fromkeys([*cand.source, *cand.target]))
    cand.source, cand.target = parties, list(parties)
    mirrored = [("target" if r == "source" else "source", a, b, i) for r, a, b, i in
                cand.arguments]
    cand.arguments = _in_text_order([*cand.arguments, *mirrored])


def _in_text_order(args: list[tuple[str, int, int, str | None]]
                   ) -> list[tuple[str, int, int, str | None]]:
    """Arguments without repeats, in text order; a span naming two actors gives one argument
    each, in id order (never in set order, which changes from one process to the next)."""
    return sorted(set(args), key=lambda x: (x[1], x[2], x[0], x[3] or ""))


def _not_said_by(trig: Token):
    """A test of the tagger's spans for an act a verb of saying reports: None when there is no
    such verb above ``trig``, else ``keep(start, end)``, true for a span that may be a party.

    - In a clause the verb governs ("The Observatory said [20 people were killed]") or in the
      object of one that reports ("documented [the killing of ...]"), only spans inside it.
      The speaker stays when the clause's subject is a pronoun that is the speaker ("NAF
      says [it has killed ...]").
    - Elsewhere below such a verb (the parser hangs "in the attacks" on another word of the
      sentence), any span but the speaker's."""
    tok = trig
    while tok.head.i != tok.i:
        head = tok.head
        if tok.dep_ == "dobj" and head.lemma_.lower() in modality_module.SPEECH_OBJECT_VERBS:
            lo, hi = _edges(tok)
            return lambda a, b: lo <= a and b <= hi
        if tok.dep_ == "ccomp" and head.lemma_.lower() in SAYING_VERBS:
            lo, hi = _edges(tok)
            subj = next((c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            speaker = next((c for c in head.children if c.dep_ == "nsubj"), None)
            if (subj is None or subj.lower_ not in SPEAKER_PRONOUNS or speaker is None
                    or tok.lemma_ == "be"):  # "said it was unclear if ...": no one
                return lambda a, b: lo <= a and b <= hi
            s_lo, s_hi = _edges(speaker)
            return lambda a, b: lo <= a and b <= hi or s_lo <= a and b <= s_hi
        tok = head
        if tok.pos_ == "VERB" and tok.lemma_.lower() in SAYING_VERBS:
            speaker = next((c for c in tok.children if c.dep_ == "nsubj"), None)
            if speaker is not None:
                s_lo, s_hi = _edges(speaker)
                return lambda a, b: b <= s_lo or a >= s_hi
    return None


def _edges(tok: Token) -> tuple[int, int]:
    """The character span of ``tok``'s subtree."""
    return tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge)


def _share_roles(cand: _Candidate, read_off: _Candidate) -> None:
    """An event read off ``cand`` ("is willing to provide aid" -> AGREE) takes the roles the
    tagger filled in ``cand`` after it was read off, and their argument spans."""
    if not read_off.source:
        read_off.source = list(cand.source)
    if not read_off.target:
        read_off.target = [i for i in cand.target if i not in read_off.source]
    ids = {"source": set(read_off.source), "target": set(read_off.target)}
    read_off.arguments = [x for x in cand.arguments if x[3] is None or x[3] in ids[x[0]]]
    read_off.arg_tokens |= cand.arg_tokens


def _take_roles(cand: _Candidate, spans: list[tuple[str, int, int]], index: _DocIndex) -> None:
    """The role tagger's spans as the event's arguments; their actors fill empty roles."""
    doc = index.doc
    found: dict[str, list[str]] = {"source": [], "target": []}
    args: list[tuple[str, int, int, str | None]] = []
    trig = cand.trigger
    keep = _not_said_by(trig)
    for role, a, b in spans:
        roles = ("source", "target") if role == "both" else (role,)
        a, b = _trim(doc, a, b)
        if a >= b or (role == "target" and a <= trig.idx < b):  # the act is not its target
            continue
        ids = _actors_in(doc, a, b, index)
        if ids is None:
            continue
        if keep is not None and not keep(a, b) and not (set(ids) & {*cand.source, *cand.target}):
            continue  # who says it is not a party of what is said, unless the syntax says so
        for r in roles:
            found[r] += [i for i in ids if i not in found[r]]
            args += [(r, a, b, i) for i in ids] or [(r, a, b, None)]
            cand.arg_tokens |= {t.i for t in doc.char_span(a, b, alignment_mode="expand") or ()}
    if not cand.source:
        cand.source = found["source"]
    if not cand.target:
        cand.target = [i for i in found["target"] if i not in cand.source]
    # a span linked to an actor the syntax gave another role (or none) is left out, so the
    # arguments never contradict source[] and target[]; unlinked spans stay ("unknown gunmen")
    ids = {"source": set(cand.source), "target": set(cand.target)}
    args = [x for x in args if x[3] is None or x[3] in ids[x[0]]]
    # every actor of the event has a span: the tagger's, else its mention nearest the trigger
    carried = {(r, i) for r, _, _, i in args}
    for r, ids in (("source", cand.source), ("target", cand.target)):
        for aid in ids:
            if (r, aid) not in carried:
                args += [x for x in _mention_arguments(cand, index, only=(r, aid))]
    cand.arguments = _in_text_order(args)


def _mention_arguments(cand: _Candidate, index: _DocIndex,
                       only: tuple[str, str] | None = None) -> list[tuple[str, int, int, str]]:
    """Arguments read off the actors' mentions: for each source and target actor, its mention in
    the trigger's sentence nearest the trigger (none when the sentence names it only by a
    pronoun)."""
    doc = index.doc
    sent = cand.trigger.sent
    pairs = [only] if only else [("source", a) for a in cand.source] + [
        ("target", a) for a in cand.target]
    out = []
    for role, aid in pairs:
        runs: list[list[int]] = []
        for i in range(sent.start, sent.end):
            here = index.actor_at[i] == aid or (
                index.actor_at[i] is None and index.place_at[i] is not None
                and index.place_as_actor(i) == aid)
            if here:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
        if not runs:
            continue
        t = cand.trigger.i
        run = min(runs, key=lambda r: min(abs(t - r[0]), abs(t - r[-1])))
        first, last = _phrase(doc, run[0], run[-1], cand.trigger)
        a, b = doc[first].idx, doc[last].idx + len(doc[last])
        out.append((role, a, b, aid))
    return out


def _phrase(doc: Doc, first: int, last: int, trigger: Token) -> tuple[int, int]:
    """The noun phrase a mention heads or sits in ("Israeli Prime Minister Benjamin Netanyahu",
    "US President Donald Trump's decision"): the base noun phrase (no attached clauses or
    prepositional phrases) around the mention, never reaching the trigger."""
    head = doc[last]
    while head.dep_ in {"compound", "amod", "nmod", "poss", "case", "flat"} and (
            head.head.i > head.i and head.head.i - last <= 6 and head.head.pos_ in {
                "NOUN", "PROPN"} and head.head.i != trigger.i):
        head = head.head
    lo = first
    for tok in head.lefts:  # "several" may hang on a word of the name ("Boko Haram")
        if tok.left_edge.i < lo and tok.dep_ in {"compound", "amod", "nmod", "poss", "det",
                                                 "nummod", "npadvmod"} and tok.i != trigger.i:
            lo = min(lo, tok.left_edge.i)
    lo = max(lo, trigger.i + 1) if lo <= trigger.i < first else lo
    hi = max(last, head.i)
    if lo <= trigger.i <= hi:
        return first, last
    while lo < first and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    return lo, hi


def _rank(c: _Candidate) -> tuple:
    """Which of two linked events keeps its trigger: a verb over a noun (its clause carries
    the arguments), then the one with more arguments."""
    return (not c.noun or c.light is not None, bool(c.source) + bool(c.target) + bool(c.place),
            -c.trigger.i)


def _linked(a: _Candidate, b: _Candidate) -> bool:
    """Two triggers in one syntactic relation: a verb and its conjoined or adverbial verb, a verb
    and the event noun that is its subject, object or light-verb noun."""
    ta, tb = a.trigger, b.trigger
    for x, y in ((ta, tb), (tb, ta)):
        if y.head == x and y.dep_ in {"advcl", "conj", "xcomp", "nsubj", "nsubjpass", "dobj",
                                      "acl", "ccomp"}:
            return True
        if y.dep_ == "pobj" and y.head.head == x and y.head.lower_ in {"in", "with", "by", "of"}:
            return True
    for x, y in ((a, b), (b, a)):
        if x.light is not None and (x.light == y.trigger):
            return True
        if x.host is not None and x.host == y.trigger:
            return True
    return False


REFUSAL_VERBS = {"decline", "refuse"}
THREAT_VERBS = {"threaten", "vow", "warn", "swear"}
MATERIAL_CONFLICT = {"ASSAULT", "COERCE", "SANCTION", "MOBILIZE"}


def _derived(cand: _Candidate, sense: Sense, attributed_to: str) -> _Candidate:
    """An event read off ``cand`` (a refusal, a pledge, a threat): its trigger, arguments, place
    and date, a little less sure; asserted when the author says it, else reported."""
    out = _Candidate(trigger=cand.trigger, sense=sense, noun=cand.noun, light=cand.light,
                     host=cand.host, source=list(cand.source), target=list(cand.target),
                     place=cand.place, place_syntactic=cand.place_syntactic,
                     confidence=round(max(0.05, cand.confidence - 0.1), 2),
                     arg_tokens=set(cand.arg_tokens), merged=list(cand.merged),
                     attributed_to=attributed_to, date=cand.date,
                     date_precision=cand.date_precision, derived=True)
    out.modality = "asserted" if attributed_to == "author" else "reported"
    return out


def _refusal(cand: _Candidate) -> _Candidate | None:
    """"X will not lift the embargo", "won't accept refugees", "declined to resign": refusing a
    cooperative act is itself an act, PLOVER's REJECT (CAMEO's "decline to ease sanctions")."""
    if cand.modality != "negated" or cand.sense.type not in COOPERATIVE_TYPES or not cand.source:
        return None
    trig = cand.trigger
    verbs = [t for t in (trig, cand.light) if t is not None]
    declined = any(v.dep_ == "xcomp" and v.head.lemma_.lower() in REFUSAL_VERBS for v in verbs)
    if not declined and not any(
            any(c.dep_ == "aux" and c.lower_ in {"will", "wo", "shall", "'ll"}
                for c in v.children) and any(c.dep_ == "neg" for c in v.children)
            for v in verbs):
        return None
    sense = Sense(type="REJECT", mode=None, confidence=cand.sense.confidence)
    return _derived(cand, sense, cand.attributed_to)


MATERIAL_COOPERATION = {"COOPERATE", "AID", "CONCEDE", "RETREAT"}
#: Acts done, not said (CAMEO's material quad classes).
MATERIAL_TYPES = MATERIAL_CONFLICT | MATERIAL_COOPERATION


PLEDGE_VERBS = {"promise", "pledge", "vow", "offer", "commit", "undertake", "agree"}
WILLING_WORDS = {"willing", "ready", "prepared"}


def _announced(trig: Token) -> bool:
    """An intention stated as a promise: "will release", "is willing to provide", "pledged to
    send" (not a purpose, "deployed to train", nor a decision, "decided to ease")."""
    if any(c.dep_ == "aux" and c.lower_ in {"will", "'ll", "shall"} for c in trig.children):
        return True
    head = trig.head
    return trig.dep_ == "xcomp" and (head.lemma_.lower() in PLEDGE_VERBS
                                     or head.lower_ in WILLING_WORDS)


def _commitment(cand: _Candidate, kept: list[_Candidate]) -> _Candidate | None:
    """"The rebels will release the captives", "X is willing to provide aid", "Y decided to
    ease restrictions": an actor's announced intention to give, free, yield or withdraw is
    itself an act, PLOVER's AGREE (a promise or commitment to cooperate; CAMEO's "express
    intent to cooperate"); "threatened to shell", "vowed to strike" is a THREATEN. The intended
    act stays what it is; the promise or threat is asserted, or reported when a third party
    says it was made."""
    if cand.modality != "intended" or not cand.source or cand.derived:
        return None
    trig = cand.trigger
    if cand.sense.type in MATERIAL_COOPERATION and any(
            _announced(v) for v in (trig, cand.light) if v is not None):
        kind = "AGREE"
    elif cand.sense.type in MATERIAL_CONFLICT and trig.dep_ == "xcomp" and (
            trig.head.lemma_.lower() in THREAT_VERBS):
        kind = "THREATEN"  # "threatened to shell", "vowed to retaliate"
    else:
        return None
    if any(k.sense.type == kind and set(k.source) & set(cand.source) for k in kept):
        return None
    speaker = cand.attributed_to
    own = speaker == "author" or speaker in cand.source
    sense = Sense(type=kind, mode=None, confidence=cand.sense.confidence)
    return _derived(cand, sense, "author" if own else speaker)


def _speaker_antecedent(pron: Token) -> Token | None:
    """The one pronoun resolved without coreference: the subject of a clause reported by a
    speaker is that speaker ("Israel said it will not lift the embargo")."""
    if pron.lower_ not in SPEAKER_PRONOUNS or pron.dep_ not in {
            "nsubj", "nsubjpass"}:
        return None
    verb = pron.head
    for _ in range(3):
        if verb.dep_ == "conj":
            verb = verb.head
            continue
        break
    if verb.dep_ != "ccomp" or verb.head.lemma_.lower() not in modality_module.SPEECH_VERBS:
        return None
    subj = modality_module.subject_of(verb.head)
    if subj is None or subj.pos_ == "PRON":
        return None
    return subj


def _governing_verb(noun: Token) -> Token | None:
    """The verb a noun is the object of, directly or through a preposition."""
    head = noun.head
    if noun.dep_ in {"dobj", "nsubjpass", "attr"} and head.pos_ in {"VERB", "AUX"}:
        return head
    if noun.dep_ == "pobj" and head.head.pos_ in {"VERB", "AUX"}:
        return head.head
    return None


def _absorb(keep: _Candidate, drop: _Candidate) -> None:
    keep.source = _unique(keep.source + drop.source)
    keep.target = [t for t in _unique(keep.target + drop.target) if t not in keep.source]
    keep.target_words |= drop.target_words
    if keep.place is None and drop.place is not None:
        keep.place, keep.place_syntactic = drop.place, drop.place_syntactic
    if drop.mode and (keep.mode is None or MODE_RANK.get(drop.mode, 0) > MODE_RANK.get(
            keep.mode, 0)):
        keep.mode = drop.mode
    if keep.sense.acled is None and drop.sense.acled is not None:
        keep.sense = Sense(**{**keep.sense.__dict__, "acled": drop.sense.acled})
    keep.arg_tokens |= drop.arg_tokens
    keep.merged.append(drop.trigger.i)
    keep.merged += drop.merged
    keep.confidence = max(keep.confidence, drop.confidence) + 0.05


def _quote_speaker(tok: Token, index: _DocIndex) -> Token | None:
    """The speaker of a quotation with no quote records: the subject of a verb of saying outside
    the quote in its sentence, else the sentence's subject outside the quote ("Halevy was
    “concerned ...”")."""
    sent = tok.sent
    inside = index.in_quote or []
    candidates = [t for t in sent if not inside[t.i] and t.pos_ == "VERB"
                  and t.lemma_.lower() in modality_module.SPEECH_VERBS]
    for verb in candidates:
        subj = modality_module.subject_of(verb)
        if subj is not None and not inside[subj.i]:
            return subj
    root = sent.root
    subj = next((c for c in root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
    if subj is not None and not inside[subj.i]:
        return subj
    return None


def _side(ids: list[str], index: _DocIndex) -> str:
    """state, non_state, unknown (a person of no known sector) or none, for ACLED's rules."""
    if not ids:
        return "none"
    sides = set()
    for i in ids:
        kind = index.kind.get(i, "other")
        sector = index.sector.get(i, "")
        if kind in STATE_KINDS or sector.split(".")[0] in STATE_SECTORS:
            sides.add("state")
        elif kind in {"armed_group", "civilians", "organisation"} or sector.split(".")[0] in {
                "REB", "INS", "MIL_NS", "CRM", "OPP", "UAF", "REF", "CVL"}:
            sides.add("non_state")
    if "state" in sides:
        return "state"
    return "non_state" if sides else "unknown"


def _target_side(cand: _Candidate, index: _DocIndex) -> str:
    kinds = {index.kind.get(i, "other") for i in cand.target}
    words = cand.target_words
    if words & PROTESTER_WORDS:
        return "protesters"
    if "civilians" in kinds or (words & CIVILIAN_WORDS and not kinds & ARMED_KINDS):
        return "civilians"
    if kinds & ARMED_KINDS or words & ARMED_WORDS:
        return "armed"
    if cand.target:
        return "other"
    return "none"


def _widen(doc: Doc, lo: int, hi: int, sent: Span) -> tuple[int, int]:
    """Grow an evidence span to whole phrases at its edges, without leaving the sentence."""
    left = doc[lo]
    # take in the determiner/modifiers of the first noun phrase
    lo = max(sent.start, min(lo, left.left_edge.i if left.pos_ in {"NOUN", "PROPN"} and (
        left.i - left.left_edge.i) <= 4 else lo))
    right = doc[hi]
    if right.pos_ in {"NOUN", "PROPN", "NUM"} and right.right_edge.i - hi <= 3:
        hi = min(sent.end - 1, right.right_edge.i)
    while hi > lo and (doc[hi].is_punct or doc[hi].is_space):
        hi -= 1
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space):
        lo += 1
    return lo, hi


def _event_date(cand: _Candidate, index: _DocIndex) -> tuple[str | None, str]:
    """A date expression attached to the event's clause, else the publication date."""
    trig = cand.trigger
    sent = trig.sent
    anchors = {trig.i} | set(cand.merged)
    if cand.light is not None:
        anchors.add(cand.light.i)
    if cand.host is not None:
        anchors.add(cand.host.i)
    # the trigger's governors up to its clause root count too ("on Tuesday, the army said ...")
    t = trig
    chain = set()
    for _ in range(8):
        chain.add(t.i)
        if t.head == t:
            break
        t = t.head
    ents = index.dates.get(sent.start, [])
    if not ents:
        if index.published is not None:
            return index.published.isoformat(), "publication"
        return None, "unknown"
    best = None
    for ent in ents:
        root = ent.root
        attach = root.head
        # "on Tuesday" hangs on the preposition, which hangs on the verb
        if attach.dep_ == "prep" or attach.pos_ == "ADP":
            attach = attach.head
        if attach.i in anchors or root.i in anchors or (
                attach.i in chain and attach.dep_ == "ROOT" and trig.dep_ != "relcl"):
            best = ent
            break
        if any(a in anchors for a in (attach.head.i,)) and attach.dep_ in {"prep", "npadvmod"}:
            best = ent
            break
    if best is not None:
        text = best.text
        date, precision = resolve_date(text, index.published)
        return date, precision
    if index.published is not None:
        return index.published.isoformat(), "publication"
    return None, "unknown"


# ------------------------------------------------------------------------------------------------
# Public surface
# ------------------------------------------------------------------------------------------------
_default_finder: EventFinder | None = None


def _finder() -> EventFinder:
    global _default_finder
    with _lock:
        if _default_finder is None:
            _default_finder = EventFinder()
        return _default_finder


def find(doc: Doc) -> list[dict]:
    """The event records of a parsed doc (actors and places from the earlier components)."""
    return _finder().find(doc)


def classify_sentence(span: Span) -> list[dict]:
    """The events of one sentence (or the sentences ``span`` covers), most confident first."""
    events = _finder().classify_sentence(span)
    return sorted(events, key=lambda e: -e["confidence"])


@Language.factory(
    "sitrep_events",
    requires=["doc.sents", "token.dep", "token.lemma", "token.pos", "doc.ents"],
    assigns=["doc._.sitrep"],
    default_config={"lexicon_path": None, "acled_map_path": None, "use_model": True,
                    "roles": "all"},
)
def make_event_finder(nlp: Language, name: str, lexicon_path: str | None,
                      acled_map_path: str | None, use_model: bool, roles: str) -> EventFinder:
    """``roles``: when the role tagger reads a sentence (see ``EventFinder._wants_roles``):
    "all" (default: for every sentence's main event; its parties are then named by the tagger's
    spans, and it finds many targets the syntax missed), "missing" (for events without a source
    or a target; as costly, since most events lack one) or "source" (for events without a
    source: about a fifth less time for events, and about half the targets)."""
    if roles not in {"source", "missing", "all"}:
        raise ValueError(f"roles must be source, missing or all, not {roles!r}")
    return EventFinder(default_lexicon(lexicon_path), default_acled_map(acled_map_path),
                       use_model=use_model, roles=roles)
