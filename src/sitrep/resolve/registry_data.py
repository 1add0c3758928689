"""The actor registry's data: states, their organs, armed groups, organisations and people.

This module loads ``sitrep/data/actors.yaml`` (hand-written, see the comment block at its top) and
derives what rules can derive: the organs of every sovereign state (government, armed forces,
army, air force, navy, intelligence, foreign and defence ministries, police, parliament,
civilians) with their English aliases ("Syrian army", "Syria's foreign ministry", "Damascus
government" ...). It knows nothing about spaCy: the linker in ``resolve/`` builds on
:class:`ActorRegistry`.

It follows pycountry: the module-level ``registry`` costs nothing at import; the YAML is parsed
and indexed on first use, under a lock. ``get()`` returns a default on a miss, ``lookup()``
raises ``LookupError``, ``candidates()`` returns an empty list.

Matching contract
-----------------
Every alias is indexed under :func:`normalise_alias`. All-capital aliases of at most four
characters ("IS", "AQ", "UN", "SAA", "U.S.") are *case-sensitive*: :meth:`ActorRegistry.lookup_exact`
(what a linker should call on text) matches them only when written in capitals, so "is" and "us"
never become the Islamic State or the United States. ``lookup()``/``candidates()`` are lenient
(case-insensitive) and meant for people typing a name, e.g. ``sitrep events --actor daesh``.

Demonyms ("Syrian", "Syrians") and capitals ("Damascus") have their own indices
(:meth:`by_demonym`, :meth:`by_capital`); they are not aliases, because "Damascus" is first of all
a place and "Syrian" an adjective.

Derivation rules (what ``derived=True`` entries and aliases are)
----------------------------------------------------------------
* For a state, pycountry's ``name``/``official_name``/``common_name`` (when free of commas) are
  added to its aliases.
* For each sovereign state (``sovereign`` is not false) and each rule in :data:`ORGAN_RULES`, an
  organ ``{ID}.{SUFFIX}`` is made, ``part_of`` its parent organ (or the state) and ``country`` the
  state. Its aliases come from templates over the state's adjectives (``adjectives:``, else the
  first demonym), its name and its capital.
* A per-state ``organs:`` mapping in the YAML adds aliases to a derived organ, or renames it, or
  creates a new organ (``IRGC`` -> ``IRN.IRGC``, ``INTEL.CIA`` -> ``USA.INTEL.CIA``).
* Hand-written beats derived: when a hand-written alias of an actor in the same state family
  (its id starts with ``{ID}.``) has the same normalised form as a derived alias, the derived one
  is dropped (``"Israeli army"`` is written on ``ISR.MIL``, so ``ISR.MIL.ARMY`` loses it).
  Any other shared normalised alias is a clash unless the YAML's ``ambiguous:`` section lists it
  with a rule; :meth:`ActorRegistry.clashes` reports the rest.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from anyascii import anyascii

__all__ = [
    "KINDS",
    "SECTORS",
    "ORGAN_RULES",
    "ActorEntry",
    "AliasRecord",
    "Ambiguity",
    "ActorRegistry",
    "normalise_alias",
    "case_form",
    "is_case_sensitive",
    "registry",
]

#: Actor kinds, as in ``model.ActorKind``.
KINDS: frozenset[str] = frozenset(
    {"state", "government", "military", "armed_group", "person", "organisation", "igo",
     "civilians", "other"}
)
#: PLOVER/CAMEO-style sector codes the registry may use.
SECTORS: frozenset[str] = frozenset(
    {
        "GOV", "MIL", "REB", "INS", "UAF", "OPP", "PTY", "CVL", "IGO", "NGO", "MED", "JUD",
        "LEG", "SPY", "COP", "BUS", "REL",
        # further CAMEO agent codes, used sparingly
        "REF", "CRM", "ELI", "LAB", "EDU", "HLH",
    }
)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_APOSTROPHES = "'\u2019\u2018\u02bf\u02be\u02bc\u02bb`\u00b4\u2032"
_APOS_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_POSSESSIVE_RE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)")
# Sun-letter assimilated Arabic article: ash-Sham, ad-Dawla, an-Nusra, ar-Raqqa, az-Zawiya ...
_SUN_ARTICLE_RE = re.compile(r"\b[ae](sh|th|dh|[tdsznrl])-(?=\1)", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015/_,:;()\[\]{}\"|+*!?<>=~^]+")
_ARTICLES = frozenset({"al", "el"})
# British and American spellings share a key, and a few transliteration habits are unified.
_TOKEN_MAP = {
    "defence": "defense",
    "armoured": "armored",
    "organisation": "organization",
    "organisations": "organizations",
    "mobilisation": "mobilization",
    "centre": "center",
    "programme": "program",
    "ibn": "bin",
    "abou": "abu",
}


@lru_cache(maxsize=65536)
def normalise_alias(text: str) -> str:
    """The key an alias is indexed under, and a surface is looked up by.

    anyascii transliteration; lowercase; apostrophes and ayn/hamza marks (' ’ ‘ ʿ ʾ `) removed,
    after a possessive "'s" is stripped; dots removed ("U.S." -> "us"); hyphens, slashes and
    other punctuation become spaces, and spaces collapse; the word "the" is dropped wherever it
    stands; the Arabic article is dropped in all its spellings (al-, al , el-, and assimilated
    ash-/ad-/an-/ar-... before a doubled letter), so "al-Nusra", "an-Nusra" and "Nusra" share a
    key; a few spelling pairs are unified (defence/defense, armoured/armored, ibn/bin ...).

    >>> normalise_alias("Jaish Khaled bin Al-Waleed")
    'jaish khaled bin waleed'
    >>> normalise_alias("the Syrian army")
    'syrian army'
    >>> normalise_alias("Ya\u2019alon") == normalise_alias("Yaalon")
    True
    """
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text)
    t = _APOS_RE.sub("'", t)
    t = anyascii(t)
    t = t.lower()
    t = _POSSESSIVE_RE.sub("", t)
    t = t.replace("'", "").replace(".", "").replace("&", " and ")
    t = _SUN_ARTICLE_RE.sub("al-", t)
    tokens = [tok for tok in _SEPARATORS_RE.split(t) if tok]
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == "the":
            continue
        if tok in _ARTICLES and i < len(tokens) - 1:
            continue
        out.append(_TOKEN_MAP.get(tok, tok))
    return " ".join(out)


def case_form(text: str) -> str:
    """What a case-sensitive alias is compared on: transliterated, punctuation-free, case kept.

    A leading "the"/"The" and a possessive "'s" are dropped, so "the U.S.'s" and "US" compare
    equal, while "us" does not.
    """
    t = _APOS_RE.sub("'", unicodedata.normalize("NFC", text))
    t = anyascii(t).strip()
    t = re.sub(r"(?<=\w)'s\b", "", t)
    t = t.replace("'", "").replace(".", "")
    t = " ".join(tok for tok in _SEPARATORS_RE.split(t) if tok)
    t = re.sub(r"^(?:the|The|THE) ", "", t)
    return t


def is_case_sensitive(alias: str) -> bool:
    """All-capital aliases of at most four characters (dots and spaces not counted), and the
    names of the Islamic State's provinces ("Sinai Province", "Sahel Province"): written in
    lower case, "Egypt's North Sinai province" is the governorate, not the group."""
    if alias.endswith(" Province"):
        return True
    core = re.sub(r"[\s.]", "", alias)
    letters = [c for c in core if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(core) <= 4


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorEntry:
    """One actor of the registry (hand-written or derived by rule)."""

    id: str
    name: str
    kind: str
    country: str | None = None
    sector: str | None = None
    role: str | None = None
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()
    part_of: str | None = None
    affiliate_of: str | None = None
    demonyms: tuple[str, ...] = ()
    capital: str | None = None
    #: the id of the organisation this one became (Nusra Front -> HTS, AQI -> Islamic State).
    predecessor_of: str | None = None
    #: true for organs made by rule with no YAML override.
    derived: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class AliasRecord:
    """One (surface form, actor) pair of the alias index."""

    alias: str
    key: str
    actor_id: str
    case_sensitive: bool
    derived: bool

    def matches(self, surface: str) -> bool:
        """Whether ``surface`` (text as written) is this alias, honouring case sensitivity."""
        if self.case_sensitive:
            return case_form(surface) == case_form(self.alias)
        return normalise_alias(surface) == self.key


@dataclass(frozen=True)
class Ambiguity:
    """An alias knowingly shared (or knowingly risky), with the rule that decides."""

    alias: str
    key: str
    candidates: tuple[str, ...]
    rule: str
    prefer: str | None = None


@dataclass(frozen=True)
class OrganRule:
    """How one organ of every sovereign state is derived."""

    suffix: str
    name: str
    kind: str
    sector: str
    by_adj: tuple[str, ...] = ()
    by_name: tuple[str, ...] = ()
    by_capital: tuple[str, ...] = ()

    @property
    def parent_suffix(self) -> str | None:
        return self.suffix.rsplit(".", 1)[0] if "." in self.suffix else None


#: The organs derived for every sovereign state. Placeholders: {adj} (each adjective of the
#: state), {name} (its short name, with "the" where the YAML says ``the: true``), {name_s} (its
#: possessive), {capital}.
ORGAN_RULES: tuple[OrganRule, ...] = (
    OrganRule(
        "GOV", "{adj} government", "government", "GOV",
        by_adj=("{adj} government", "{adj} authorities", "{adj} regime", "{adj} administration",
                "{adj} officials", "{adj} leadership", "{adj} cabinet"),
        by_name=("{name} government", "government of {name}", "{name_s} government",
                 "{name_s} authorities", "{name_s} leadership", "authorities in {name}"),
        by_capital=("{capital} government", "{capital} regime", "authorities in {capital}"),
    ),
    OrganRule(
        "GOV.MFA", "{adj} Foreign Ministry", "government", "GOV",
        by_adj=("{adj} foreign ministry", "{adj} Ministry of Foreign Affairs",
                "{adj} Foreign Affairs Ministry", "{adj} foreign office"),
        by_name=("{name_s} foreign ministry", "foreign ministry of {name}",
                 "Ministry of Foreign Affairs of {name}"),
    ),
    OrganRule(
        "GOV.MOD", "{adj} Defence Ministry", "government", "GOV",
        by_adj=("{adj} defence ministry", "{adj} defense ministry", "{adj} Ministry of Defence",
                "{adj} Ministry of Defense"),
        by_name=("{name_s} defence ministry", "{name_s} defense ministry",
                 "defence ministry of {name}", "defense ministry of {name}",
                 "Ministry of Defence of {name}", "Ministry of Defense of {name}"),
    ),
    OrganRule(
        "MIL", "{adj} Armed Forces", "military", "MIL",
        by_adj=("{adj} armed forces", "{adj} military", "{adj} forces", "{adj} troops",
                "{adj} government forces", "{adj} government troops", "{adj} regime forces",
                "{adj} military forces"),
        by_name=("{name_s} armed forces", "{name_s} military", "armed forces of {name}",
                 "military of {name}", "government forces in {name}",
                 "government troops in {name}"),
    ),
    OrganRule(
        "MIL.ARMY", "{adj} Army", "military", "MIL",
        by_adj=("{adj} army", "{adj} soldiers", "{adj} ground forces", "{adj} land forces"),
        by_name=("{name_s} army", "army of {name}"),
    ),
    OrganRule(
        "MIL.AIR", "{adj} Air Force", "military", "MIL",
        by_adj=("{adj} air force", "{adj} warplanes", "{adj} jets", "{adj} fighter jets",
                "{adj} military aircraft", "{adj} air forces"),
        by_name=("{name_s} air force",),
    ),
    OrganRule(
        "MIL.NAVY", "{adj} Navy", "military", "MIL",
        by_adj=("{adj} navy", "{adj} naval forces", "{adj} warships"),
        by_name=("{name_s} navy",),
    ),
    OrganRule(
        "INTEL", "{adj} intelligence services", "government", "SPY",
        by_adj=("{adj} intelligence", "{adj} intelligence services", "{adj} intelligence service",
                "{adj} intelligence agencies", "{adj} intelligence agency", "{adj} spy agency"),
        by_name=("{name_s} intelligence services", "{name_s} intelligence agencies"),
    ),
    OrganRule(
        "COP", "{adj} police", "government", "COP",
        by_adj=("{adj} police", "{adj} police force", "{adj} security forces", "{adj} riot police"),
        by_name=("{name_s} police", "{name_s} security forces", "security forces in {name}",
                 "police in {name}"),
    ),
    OrganRule(
        # courts sentence, free and extradite: "a Turkish court", "Turkey's courts"
        "JUD", "{adj} judiciary", "government", "JUD",
        by_adj=("{adj} judiciary", "{adj} court", "{adj} courts", "{adj} judges",
                "{adj} prosecutors"),
        # not "a court in Bishkek": the town stays a place, the court an unnamed judiciary
        by_name=("{name_s} judiciary", "{name_s} courts"),
    ),
    OrganRule(
        "LEG", "{adj} parliament", "government", "LEG",
        by_adj=("{adj} parliament", "{adj} legislature", "{adj} lawmakers", "{adj} MPs"),
        by_name=("{name_s} parliament", "parliament of {name}"),
    ),
    OrganRule(
        "CVL", "{adj} civilians", "civilians", "CVL",
        by_adj=("{adj} civilians", "{adj} people", "{adj} citizens"),
        by_name=("civilians in {name}", "{name_s} civilians"),
    ),
)
_RULES_BY_SUFFIX = {r.suffix: r for r in ORGAN_RULES}
#: Convenience names accepted by :meth:`ActorRegistry.organ`.
ORGAN_NAMES = {
    "government": "GOV", "gov": "GOV", "foreign ministry": "GOV.MFA", "mfa": "GOV.MFA",
    "defence ministry": "GOV.MOD", "defense ministry": "GOV.MOD", "mod": "GOV.MOD",
    "military": "MIL", "armed forces": "MIL", "mil": "MIL", "army": "MIL.ARMY",
    "air force": "MIL.AIR", "navy": "MIL.NAVY", "intelligence": "INTEL", "intel": "INTEL",
    "police": "COP", "parliament": "LEG", "legislature": "LEG", "civilians": "CVL",
    "judiciary": "JUD", "courts": "JUD",
}

_STATE_KEYS = frozenset(
    {"id", "name", "aliases", "demonyms", "adjectives", "capital", "metonyms", "wikidata",
     "organs", "sovereign", "part_of", "the"}
)
_ACTOR_KEYS = frozenset(
    {"id", "name", "kind", "sector", "country", "aliases", "wikidata", "role", "part_of",
     "affiliate_of", "predecessor_of", "demonyms", "adjectives", "capital", "metonyms",
     "organs", "the"}
)
_ORGAN_KEYS = frozenset(
    {"name", "aliases", "kind", "sector", "part_of", "role", "wikidata", "affiliate_of"}
)
_AMBIGUOUS_KEYS = frozenset({"alias", "candidates", "rule", "prefer"})


class RegistryDataError(ValueError):
    """The YAML is malformed: an unknown key, a duplicate id, a missing field."""


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _as_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryDataError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


def _check_keys(data: dict, allowed: frozenset[str], where: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise RegistryDataError(f"{where}: unknown key(s) {sorted(unknown)}")


def _lazy(method: Callable) -> Callable:
    @wraps(method)
    def wrapper(self: ActorRegistry, *args, **kwargs):
        self._ensure_loaded()
        return method(self, *args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """A mutable actor while the registry is being built."""

    id: str
    name: str
    kind: str
    country: str | None = None
    sector: str | None = None
    role: str | None = None
    wikidata: str | None = None
    aliases: list[str] = field(default_factory=list)
    derived_aliases: list[str] = field(default_factory=list)
    part_of: str | None = None
    affiliate_of: str | None = None
    predecessor_of: str | None = None
    demonyms: list[str] = field(default_factory=list)
    capital: str | None = None
    metonyms: list[str] = field(default_factory=list)
    derived: bool = False

    def freeze(self) -> ActorEntry:
        seen: set[str] = {self.name}
        aliases: list[str] = []
        for a in (*self.aliases, *self.derived_aliases):
            if a not in seen:
                seen.add(a)
                aliases.append(a)
        return ActorEntry(
            id=self.id, name=self.name, kind=self.kind, country=self.country, sector=self.sector,
            role=self.role, wikidata=self.wikidata, aliases=tuple(aliases), part_of=self.part_of,
            affiliate_of=self.affiliate_of, demonyms=tuple(self.demonyms), capital=self.capital,
            predecessor_of=self.predecessor_of, derived=self.derived,
        )


class ActorRegistry:
    """States, organs, groups, organisations and people, indexed by normalised alias.

    ``ActorRegistry()`` reads the packaged ``sitrep/data/actors.yaml``; pass ``path`` to read
    another file (tests). Nothing is read until first use.
    """

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._loaded = False
        self._entries: dict[str, ActorEntry] = {}
        self._records: dict[str, list[AliasRecord]] = {}
        self._demonyms: dict[str, list[str]] = {}
        self._capitals: dict[str, list[str]] = {}
        self._ambiguous: dict[str, Ambiguity] = {}
        self._state_ids: tuple[str, ...] = ()
        self._hand_ids: frozenset[str] = frozenset()
        self._listed_ids: tuple[str, ...] = ()

    # -- loading -------------------------------------------------------------------------------

    def _read_text(self) -> str:
        if self.path is not None:
            return self.path.read_text(encoding="utf-8")
        return resources.files("sitrep").joinpath("data", "actors.yaml").read_text(
            encoding="utf-8"
        )

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(self._read_text(), Loader=loader) or {}
            self._build(data)
            self._loaded = True

    def _build(self, data: dict) -> None:
        if not isinstance(data, dict):
            raise RegistryDataError("the registry file must be a mapping")
        _check_keys(data, frozenset({"states", "actors", "ambiguous"}), "top level")
        drafts: dict[str, _Draft] = {}
        order: list[str] = []
        state_ids: list[str] = []
        listed_ids: list[str] = []
        hand_ids: set[str] = set()

        def add(d: _Draft, where: str) -> None:
            if d.id in drafts:
                raise RegistryDataError(f"{where}: duplicate id {d.id!r}")
            drafts[d.id] = d
            order.append(d.id)
            if not d.derived:
                hand_ids.add(d.id)

        for i, raw in enumerate(data.get("states") or []):
            where = f"states[{i}]"
            if not isinstance(raw, dict) or "id" not in raw:
                raise RegistryDataError(f"{where}: a state needs an id")
            _check_keys(raw, _STATE_KEYS, f"{where} ({raw['id']})")
            state = self._state_draft(raw, where)
            add(state, where)
            state_ids.append(state.id)
            listed_ids.append(state.id)
            if raw.get("sovereign", True) is not False:
                for organ in self._organs_of(state, raw, where):
                    add(organ, f"{where} organs")
            elif raw.get("organs"):
                raise RegistryDataError(f"{where}: a non-sovereign entry cannot have organs")

        for i, raw in enumerate(data.get("actors") or []):
            where = f"actors[{i}]"
            if not isinstance(raw, dict) or "id" not in raw:
                raise RegistryDataError(f"{where}: an actor needs an id")
            _check_keys(raw, _ACTOR_KEYS, f"{where} ({raw['id']})")
            actor = self._actor_draft(raw, where)
            add(actor, where)
            listed_ids.append(actor.id)
            if actor.kind == "state":  # a state outside ISO 3166 (Kosovo): organs too
                for organ in self._organs_of(actor, raw, where):
                    add(organ, f"{where} organs")

        ambiguous: dict[str, Ambiguity] = {}
        for i, raw in enumerate(data.get("ambiguous") or []):
            where = f"ambiguous[{i}]"
            if not isinstance(raw, dict) or "alias" not in raw:
                raise RegistryDataError(f"{where}: needs an alias")
            _check_keys(raw, _AMBIGUOUS_KEYS, where)
            key = normalise_alias(raw["alias"])
            if key in ambiguous:
                raise RegistryDataError(f"{where}: {raw['alias']!r} listed twice")
            ambiguous[key] = Ambiguity(
                alias=raw["alias"], key=key,
                candidates=tuple(_as_list(raw.get("candidates"), where)),
                rule=str(raw.get("rule") or "").strip(), prefer=raw.get("prefer"),
            )

        # Hand-written beats derived within a state family.
        hand_keys: dict[str, set[str]] = {}
        for d in drafts.values():
            for a in (d.name, *d.aliases) if not d.derived else d.aliases:
                hand_keys.setdefault(normalise_alias(a), set()).add(d.id)
        unindexed_names: set[str] = set()

        def owned_in_family(d: _Draft, alias: str) -> bool:
            family = d.id.split(".", 1)[0]
            owners = hand_keys.get(normalise_alias(alias), set()) - {d.id}
            return any(o == family or o.startswith(family + ".") for o in owners)

        for d in drafts.values():
            d.derived_aliases = [a for a in d.derived_aliases if not owned_in_family(d, a)]
            if d.derived and owned_in_family(d, d.name):
                unindexed_names.add(d.id)  # the name stays, but is not an index key

        entries = {i: drafts[i].freeze() for i in order}
        records: dict[str, list[AliasRecord]] = {}
        for d in (drafts[i] for i in order):
            hand = [d.name, *d.aliases] if not d.derived else list(d.aliases)
            derived = list(d.derived_aliases)
            if d.derived and d.id not in unindexed_names:
                derived.insert(0, d.name)
            seen: set[str] = set()
            for alias, is_derived in [*((a, False) for a in hand), *((a, True) for a in derived)]:
                if alias in seen:
                    continue
                seen.add(alias)
                key = normalise_alias(alias)
                if not key:
                    continue
                records.setdefault(key, []).append(
                    AliasRecord(alias=alias, key=key, actor_id=d.id,
                                case_sensitive=is_case_sensitive(alias), derived=is_derived)
                )
        demonyms: dict[str, list[str]] = {}
        capitals: dict[str, list[str]] = {}
        for d in (drafts[i] for i in order):
            for dem in d.demonyms:
                ids = demonyms.setdefault(normalise_alias(dem), [])
                if d.id not in ids:
                    ids.append(d.id)
            for cap in ([d.capital] if d.capital else []) + d.metonyms:
                ids = capitals.setdefault(normalise_alias(cap), [])
                if d.id not in ids:
                    ids.append(d.id)

        self._entries = entries
        self._records = records
        self._demonyms = demonyms
        self._capitals = capitals
        self._ambiguous = ambiguous
        self._state_ids = tuple(state_ids)
        self._hand_ids = frozenset(hand_ids)
        self._listed_ids = tuple(listed_ids)

    def _state_draft(self, raw: dict, where: str) -> _Draft:
        sid = str(raw["id"])
        pyc = _pycountry(sid)
        name = raw.get("name")
        derived_names: list[str] = []
        if pyc is not None:
            for attr in ("common_name", "name", "official_name"):
                value = getattr(pyc, attr, None)
                if value and "," not in value:
                    value = re.sub(r"^the ", "", value)
                    if name is None:
                        name = value
                    derived_names.append(value)
        if not name:
            raise RegistryDataError(f"{where}: {sid} has no name and is not in pycountry")
        sovereign = raw.get("sovereign", True) is not False
        return _Draft(
            id=sid, name=name, kind="state", country=sid, sector=None,
            role=None if sovereign else "territory",
            wikidata=raw.get("wikidata"),
            aliases=_as_list(raw.get("aliases"), where),
            derived_aliases=[n for n in derived_names if n != name],
            part_of=raw.get("part_of"),
            demonyms=_as_list(raw.get("demonyms"), where),
            capital=raw.get("capital"),
            metonyms=_as_list(raw.get("metonyms"), where),
        )

    def _actor_draft(self, raw: dict, where: str) -> _Draft:
        aid = str(raw["id"])
        kind = raw.get("kind") or ("person" if aid.startswith("per:") else None)
        if not kind:
            raise RegistryDataError(f"{where}: {aid} needs a kind")
        if not raw.get("name"):
            raise RegistryDataError(f"{where}: {aid} needs a name")
        return _Draft(
            id=aid, name=raw["name"], kind=kind,
            country=raw.get("country") if kind != "state" else raw.get("country", aid),
            sector=raw.get("sector"), role=raw.get("role"), wikidata=raw.get("wikidata"),
            aliases=_as_list(raw.get("aliases"), where), part_of=raw.get("part_of"),
            affiliate_of=raw.get("affiliate_of"), predecessor_of=raw.get("predecessor_of"),
            demonyms=_as_list(raw.get("demonyms"), where), capital=raw.get("capital"),
            metonyms=_as_list(raw.get("metonyms"), where),
        )

    def _organs_of(self, state: _Draft, raw: dict, where: str) -> list[_Draft]:
        sid = state.id
        adjectives = _as_list(raw.get("adjectives"), where) or state.demonyms[:1]
        if not adjectives:
            raise RegistryDataError(f"{where}: {sid} needs a demonym or adjectives for its organs")
        name = f"the {state.name}" if raw.get("the") else state.name
        fmt = {"name": name, "name_s": _possessive(name), "capital": state.capital or ""}
        overrides = raw.get("organs") or {}
        if not isinstance(overrides, dict):
            raise RegistryDataError(f"{where}: organs must be a mapping")
        organs: dict[str, _Draft] = {}
        for rule in ORGAN_RULES:
            derived = []
            for adj in adjectives:
                derived += [t.format(adj=adj, **fmt) for t in rule.by_adj]
            derived += [t.format(**fmt) for t in rule.by_name]
            if state.capital:
                derived += [t.format(**fmt) for t in rule.by_capital]
            parent = f"{sid}.{rule.parent_suffix}" if rule.parent_suffix else sid
            organs[rule.suffix] = _Draft(
                id=f"{sid}.{rule.suffix}", name=rule.name.format(adj=adjectives[0], **fmt),
                kind=rule.kind, country=sid, sector=rule.sector, derived_aliases=derived,
                part_of=parent, derived=True,
            )
        for suffix, spec in overrides.items():
            owhere = f"{where} organs.{suffix}"
            spec = spec or {}
            if not isinstance(spec, dict):
                raise RegistryDataError(f"{owhere}: expected a mapping")
            _check_keys(spec, _ORGAN_KEYS, owhere)
            suffix = str(suffix)
            if suffix.startswith(f"{sid}."):
                suffix = suffix[len(sid) + 1:]
            organ = organs.get(suffix)
            if organ is None:
                parent_suffix = suffix.rsplit(".", 1)[0] if "." in suffix else None
                parent = organs.get(parent_suffix) if parent_suffix else None
                if "name" not in spec:
                    raise RegistryDataError(f"{owhere}: a new organ needs a name")
                kind = spec.get("kind") or (parent.kind if parent else None)
                sector = spec.get("sector") or (parent.sector if parent else None)
                if kind is None:
                    raise RegistryDataError(f"{owhere}: a new organ needs a kind")
                organ = _Draft(
                    id=f"{sid}.{suffix}", name=spec["name"], kind=kind, country=sid,
                    sector=sector, part_of=parent.id if parent else sid,
                )
                organs[suffix] = organ
            else:
                organ.derived = False
                organ.kind = spec.get("kind", organ.kind)
                organ.sector = spec.get("sector", organ.sector)
                if "name" in spec:
                    # the rule's name stays reachable as a derived alias
                    organ.derived_aliases.insert(0, organ.name)
                    organ.name = spec["name"]
            organ.aliases += _as_list(spec.get("aliases"), owhere)
            organ.part_of = spec.get("part_of", organ.part_of)
            organ.role = spec.get("role", organ.role)
            organ.wikidata = spec.get("wikidata", organ.wikidata)
            organ.affiliate_of = spec.get("affiliate_of", organ.affiliate_of)
        return list(organs.values())

    # -- access --------------------------------------------------------------------------------

    @_lazy
    def get(self, id: str, default: ActorEntry | None = None) -> ActorEntry | None:
        """The actor with this id, or ``default``."""
        return self._entries.get(id, default)

    @_lazy
    def __getitem__(self, id: str) -> ActorEntry:
        return self._entries[id]

    @_lazy
    def __contains__(self, id: object) -> bool:
        return id in self._entries

    @_lazy
    def __iter__(self) -> Iterator[ActorEntry]:
        return iter(list(self._entries.values()))

    @_lazy
    def __len__(self) -> int:
        return len(self._entries)

    @_lazy
    def states(self) -> list[ActorEntry]:
        """The entries of the ``states:`` section (ISO 3166-1), in file order."""
        return [self._entries[i] for i in self._state_ids]

    @_lazy
    def listed(self) -> list[ActorEntry]:
        """The entries of the ``states:`` and ``actors:`` sections, without any organ."""
        return [self._entries[i] for i in self._listed_ids]

    @_lazy
    def is_hand_written(self, id: str) -> bool:
        """True for actors written in the YAML (including overridden organs)."""
        return id in self._hand_ids

    def _rank(self, key: str) -> Callable[[ActorEntry], tuple]:
        amb = self._ambiguous.get(key)
        prefer = amb.prefer if amb else None
        return lambda e: (e.id != prefer, e.derived, e.id)

    def _entries_for(self, records: Iterable[AliasRecord], key: str) -> list[ActorEntry]:
        ids = dict.fromkeys(r.actor_id for r in records)
        return sorted((self._entries[i] for i in ids), key=self._rank(key))

    @_lazy
    def candidates(self, alias: str) -> list[ActorEntry]:
        """Every actor this alias may name, case-insensitively; [] when none.

        Tries the id, then the alias index, then the demonym index. Ties are ordered: the
        ``prefer`` of an ``ambiguous`` entry first, hand-written before derived, then by id.
        """
        if alias in self._entries:
            return [self._entries[alias]]
        key = normalise_alias(alias)
        if key in self._records:
            return self._entries_for(self._records[key], key)
        if key in self._demonyms:
            return sorted((self._entries[i] for i in self._demonyms[key]), key=self._rank(key))
        return []

    def lookup(self, alias: str) -> list[ActorEntry]:
        """Like :meth:`candidates`, but raises ``LookupError`` when nothing matches."""
        found = self.candidates(alias)
        if not found:
            raise LookupError(alias)
        return found

    @_lazy
    def lookup_exact(self, surface: str) -> list[ActorEntry]:
        """Actors whose alias is ``surface`` as written in a text: the linker's lookup.

        Case-sensitive aliases ("IS", "US", "UN", "AQ", "WHO") match only in capitals; the
        demonym index is not consulted.
        """
        key = normalise_alias(surface)
        hits = [r for r in self._records.get(key, ()) if r.matches(surface)]
        return self._entries_for(hits, key)

    @_lazy
    def alias_records(self, surface: str | None = None) -> list[AliasRecord]:
        """The index rows under ``surface``'s key (all of them when ``surface`` is None),
        with their ``case_sensitive`` flag, for building matchers."""
        if surface is None:
            return [r for rows in self._records.values() for r in rows]
        return list(self._records.get(normalise_alias(surface), ()))

    @_lazy
    def by_demonym(self, word: str) -> ActorEntry | None:
        """The state a demonym names ("Syrian", "Syrians", "Turk"), or None.

        A demonym shared by two states ("Congolese") gives the ``prefer`` of its ``ambiguous``
        entry, or None without one.
        """
        key = normalise_alias(word)
        ids = self._demonyms.get(key, [])
        return self._pick(key, ids)

    @_lazy
    def by_capital(self, name: str) -> ActorEntry | None:
        """The state whose capital (or metonym, e.g. "Tel Aviv", "Kiev") this is, or None."""
        key = normalise_alias(name)
        return self._pick(key, self._capitals.get(key, []))

    def _pick(self, key: str, ids: list[str]) -> ActorEntry | None:
        if len(ids) == 1:
            return self._entries[ids[0]]
        amb = self._ambiguous.get(key)
        if ids and amb and amb.prefer in ids:
            return self._entries[amb.prefer]
        return None

    @_lazy
    def organ(self, state_id: str, suffix: str) -> ActorEntry | None:
        """An organ of a state: ``organ("SYR", "MIL.ARMY")`` or ``organ("SYR", "army")``."""
        suffix = ORGAN_NAMES.get(suffix.strip().lower(), suffix.strip())
        return self._entries.get(f"{state_id.upper()}.{suffix}")

    @_lazy
    def children(self, id: str) -> list[ActorEntry]:
        """Actors whose ``part_of`` is ``id``."""
        return [e for e in self._entries.values() if e.part_of == id]

    @_lazy
    def affiliates(self, id: str) -> list[ActorEntry]:
        """Actors whose ``affiliate_of`` is ``id`` (ISIS -> its provinces)."""
        return [e for e in self._entries.values() if e.affiliate_of == id]

    @_lazy
    def ambiguity(self, alias: str) -> Ambiguity | None:
        """The ``ambiguous:`` entry for this alias, if the YAML lists one."""
        return self._ambiguous.get(normalise_alias(alias))

    @_lazy
    def ambiguities(self) -> list[Ambiguity]:
        return list(self._ambiguous.values())

    @_lazy
    def search(self, text: str, limit: int = 5, score_cutoff: float = 85.0
               ) -> list[tuple[ActorEntry, float, str]]:
        """Fuzzy candidates as ``(entry, score, alias)``, best first, ties broken by id.

        Scores are rapidfuzz ``token_sort_ratio`` on normalised keys (0-100). Only hand-written
        aliases are searched (derived ones are templates over the same names); case-sensitive
        acronyms only match exactly.
        """
        from rapidfuzz import fuzz, process

        key = normalise_alias(text)
        if not key:
            return []
        choices = {k: rows for k, rows in self._records.items() if any(not r.derived for r in rows)}
        found = process.extract(key, list(choices), scorer=fuzz.token_sort_ratio,
                                score_cutoff=score_cutoff, limit=None)
        best: dict[str, tuple[float, str]] = {}
        for k, score, _ in found:
            for r in choices[k]:
                if r.derived or (r.case_sensitive and len(key) <= 4 and k != key):
                    continue
                if r.actor_id not in best or score > best[r.actor_id][0]:
                    best[r.actor_id] = (score, r.alias)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
        return [(self._entries[i], s, a) for i, (s, a) in ranked]

    # -- checks --------------------------------------------------------------------------------

    @_lazy
    def clashes(self) -> dict[str, tuple[str, ...]]:
        """Normalised aliases, demonyms or capitals naming two actors without an ``ambiguous``
        entry that lists them all, with a rule. Empty when the data is sound."""
        out: dict[str, tuple[str, ...]] = {}
        groups: list[tuple[str, set[str]]] = []
        for key, rows in self._records.items():
            groups.append((key, {r.actor_id for r in rows}))
        for index in (self._demonyms, self._capitals):
            for key, ids in index.items():
                groups.append((key, set(ids)))
        for key, ids in groups:
            if len(ids) < 2:
                continue
            amb = self._ambiguous.get(key)
            if amb and amb.rule and ids <= set(amb.candidates):
                continue
            out[key] = tuple(sorted(ids | set(out.get(key, ()))))
        return out

    @_lazy
    def problems(self) -> list[str]:
        """Everything wrong with the data: unknown kinds and sectors, dangling references,
        countries that are not states, ambiguous entries without a rule or with unknown ids."""
        errs: list[str] = []
        states = {e.id for e in self._entries.values() if e.kind == "state"}
        for e in self._entries.values():
            if e.kind not in KINDS:
                errs.append(f"{e.id}: unknown kind {e.kind!r}")
            if e.sector is not None and e.sector not in SECTORS:
                errs.append(f"{e.id}: unknown sector {e.sector!r}")
            if e.country is not None and e.country not in states:
                errs.append(f"{e.id}: country {e.country!r} is not a state of the registry")
            for attr in ("part_of", "affiliate_of", "predecessor_of"):
                target = getattr(e, attr)
                if target is not None and target not in self._entries:
                    errs.append(f"{e.id}: {attr} {target!r} does not exist")
                if target == e.id:
                    errs.append(f"{e.id}: {attr} points to itself")
            if e.kind == "person" and not e.role:
                errs.append(f"{e.id}: a person needs a role")
            if e.wikidata is not None and not re.fullmatch(r"Q[1-9][0-9]*", str(e.wikidata)):
                errs.append(f"{e.id}: bad wikidata id {e.wikidata!r}")
        for amb in self._ambiguous.values():
            if not amb.rule:
                errs.append(f"ambiguous {amb.alias!r}: no rule")
            if not amb.candidates:
                errs.append(f"ambiguous {amb.alias!r}: no candidates")
            for c in amb.candidates:
                if c not in self._entries:
                    errs.append(f"ambiguous {amb.alias!r}: unknown candidate {c!r}")
            if amb.prefer is not None and amb.prefer not in amb.candidates:
                errs.append(f"ambiguous {amb.alias!r}: prefer {amb.prefer!r} is not a candidate")
        # part_of chains must end
        for e in self._entries.values():
            seen = {e.id}
            cur = e.part_of
            while cur is not None and cur in self._entries:
                if cur in seen:
                    errs.append(f"{e.id}: part_of cycle through {cur!r}")
                    break
                seen.add(cur)
                cur = self._entries[cur].part_of
        return errs

    @_lazy
    def stats(self) -> dict[str, int]:
        """Counts for reports and tests."""
        entries = list(self._entries.values())
        hand = [e for e in entries if not e.derived]
        by_kind: dict[str, int] = {}
        for e in entries:
            by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
        listed = [self._entries[i] for i in self._listed_ids]
        return {
            "actors": len(entries),
            "actors_listed": len(listed),
            "actors_hand_written": len(hand),
            "actors_derived": len(entries) - len(hand),
            "states": len(self._state_ids),
            "groups": sum(1 for e in listed if e.id.startswith("grp:")),
            "people": sum(1 for e in listed if e.kind == "person"),
            "igos": sum(1 for e in listed if e.kind == "igo"),
            "organisations": sum(1 for e in listed if e.id.startswith("org:")),
            "organs": len(entries) - len(listed),
            "organs_overridden": sum(
                1 for e in entries if not e.derived and e.id not in set(self._listed_ids)
            ),
            "aliases": sum(len(e.names) for e in entries),
            "aliases_hand_written": sum(
                1 for rows in self._records.values() for r in rows if not r.derived
            ),
            "alias_keys": len(self._records),
            "case_sensitive_aliases": sum(
                1 for rows in self._records.values() for r in rows if r.case_sensitive
            ),
            "demonyms": sum(len(ids) for ids in self._demonyms.values()),
            **{f"kind_{k}": v for k, v in sorted(by_kind.items())},
        }


def _pycountry(alpha_3: str):
    try:
        import pycountry
    except ImportError:  # pragma: no cover - pycountry is a dependency
        return None
    return pycountry.countries.get(alpha_3=alpha_3)


#: The packaged registry, loaded on first use.
registry = ActorRegistry()
