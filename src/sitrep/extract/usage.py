"""How a name is used in its sentence: the place itself, or an actor standing behind it.

Shared by the places and actors extractors (the metonymy rule): "Washington warned", "in
coordination with Moscow" and "Moscow's support" make the name an actor, "US forces" a
nationality, while "Syrian territory" and "Daraa province" keep it a place.
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from .spans import dateline

#: Nouns whose possessor is an actor: "Moscow's support".
AGENT_NOUNS = {"support", "decision", "policy", "position", "warning", "attitude", "stance",
               "response", "government", "officials", "administration", "interests",
               "interest", "demand", "plan", "strategy", "intervention", "involvement", "view",
               "role", "ally", "allies", "envoy", "ambassador", "embassy", "foreign", "move",
               # its institutions, which the small model often tags PROPN ("China's health
               # ministry", "Russia's Defence Ministry")
               "ministry", "army", "military", "forces", "troops", "navy", "police", "president",
               "minister", "parliament", "court", "authorities", "leader", "leaders",
               "spokesman", "spokesperson", "regime", "cabinet", "delegation", "mission",
               "party", "leadership", "diplomacy", "sanctions", "veto", "offensive", "threat",
               "threats", "demands", "proposal", "offer", "request", "efforts", "campaign",
               # what a state says, does or holds to ("China's lies", "DPRK's security concerns")
               "lies", "claims", "accusations", "concerns", "practices", "actions", "conduct",
               "behaviour", "behavior", "commitment", "commitments", "obligations",
               "intentions", "ambitions", "relations", "cooperation", "partnership"}
#: Verbs whose first object receives: "giving Russia a chance", "offered Jordan aid".
GIVING_VERBS = {"give", "offer", "grant", "send", "sell", "provide", "lend", "award", "hand",
                "promise", "deny", "allow"}
#: "X sees Y as a partner": regard verbs, and the roles that make both sides agents.
REGARD_VERBS = {"see", "regard", "view", "consider", "treat", "describe", "recognise",
                "recognize", "brand", "label"}
ROLE_NOUNS = {"partner", "ally", "friend", "enemy", "threat", "rival", "adversary", "foe",
              "competitor", "sponsor", "mediator", "guarantor", "aggressor", "occupier",
              "priority", "neighbour", "neighbor", "customer", "supplier"}
#: "Germany is willing to provide", "Iran is ready to talk": an agent's stance, not a place's.
AGENT_STANCES = {"willing", "ready", "prepared", "determined", "eager", "unwilling",
                 "reluctant", "keen", "committed", "able", "unable", "poised", "set"}
#: Nouns that keep a modifying place name literal: "Syrian territory", "Daraa province".
GEO_HEADS = {"town", "city", "village", "border", "territory", "land", "coast", "coastline",
             "capital", "soil", "side", "region", "province", "countryside", "desert", "waters",
             "water", "airspace", "mountain", "forest", "river", "valley", "north", "south",
             "east", "west", "northeast", "northwest", "southeast", "southwest", "part", "area",
             "street", "suburb", "outskirts", "frontier", "enclave", "port", "airport", "centre",
             "center", "camp", "heartland", "interior", "highway", "road", "route", "motorway",
             "governorate", "steppe", "plain", "hill", "heights", "crossing", "island",
             "peninsula", "gulf", "sea", "lake", "county", "district", "neighborhood",
             "neighbourhood", "quarter", "triangle", "line", "zone", "pocket", "pockets",
             "countryside", "shore", "bank", "strip", "oblast", "state", "corridor", "front",
             "frontline", "basin", "delta", "plateau", "mainland", "coastline", "province",
             "governorates", "provinces", "towns", "cities", "villages", "borders", "areas"}
#: Verbs whose subject stays a place: "Daraa lies south of Damascus".
STATIVE_VERBS = {"be", "lie", "border", "remain", "stay", "become", "sit", "stretch", "extend",
                 "host", "include", "contain", "see", "experience", "suffer", "receive",
                 "straddle", "overlook"}
#: Verbs whose object is an actor: "Slovenia beat Spain", "urged Damascus to".
OBJECT_AGENT_VERBS = {"beat", "defeat", "play", "face", "urge", "accuse", "warn", "sanction",
                      "criticise", "criticize", "blame", "condemn", "thank", "ask", "tell",
                      "support", "back", "oppose", "call", "pressure", "persuade", "join"}

#: Nouns of an act whose "by X" names the one who acts: "an investigation by the United States".
NOMINAL_ACTS = {"investigation", "attack", "attacks", "strike", "strikes", "invasion",
                "occupation", "decision", "ban", "sanction", "offensive", "bombardment",
                "bombing", "shelling", "recognition", "annexation", "blockade", "intervention",
                "request", "proposal", "statement", "announcement", "move", "threat",
                "pressure", "support", "veto", "visit"}


def modified_noun(tok: Token) -> Token | None:
    """The noun a modifier belongs to, through chains of modifiers and conjuncts ("Russian,
    Turkish and Iranian observers" -> observers)."""
    for _ in range(6):
        if tok.dep_ not in {"amod", "compound", "nmod", "conj", "poss", "cc"} or tok.head is tok:
            return None
        tok = tok.head
        if tok.pos_ in {"NOUN", "PROPN"} and tok.dep_ not in {"compound", "amod", "conj"}:
            return tok
    return tok if tok.pos_ in {"NOUN", "PROPN"} else None


#: Nouns of a relation with a partner: the state "with" whom one has them acts ("talks with
#: Iraq", "ties with Qatar"); singular and plural, as the word is written or as its lemma.
WITH_RELATIONS = frozenset({
    "coordination", "cooperation", "talk", "talks", "agreement", "agreements", "relations",
    "ties", "deal", "deals", "negotiation", "negotiations", "dialogue", "contact", "contacts",
    "partnership", "friendship", "alliance", "relationship", "rivalry", "dispute", "disputes",
    "war", "conflict", "tension", "tensions", "trade", "consultation", "consultations",
    "engagement", "summit", "meeting", "meetings", "discussion", "discussions"})
#: Conflict and diplomacy "between" parties: "a truce between Israel and Hamas", "talks
#: between Damascus and Ankara" (not "an agreement between Rock Hill and Fort Mill", where
#: the towns stay places).
BETWEEN_RELATIONS = frozenset({
    "talk", "talks", "negotiation", "negotiations", "war", "fighting", "clash", "clashes",
    "conflict", "hostilities", "truce", "ceasefire", "cease-fire", "armistice", "peace",
    "mediation", "tension", "tensions", "relations", "rivalry", "dispute", "disputes",
    "rapprochement", "reconciliation", "normalisation", "normalization", "standoff", "summit"})


def _party_of(tok: Token, prep: str, relations: frozenset[str]) -> bool:
    """``tok`` is the object of ``prep`` after one of the relation nouns ("talks with X")."""
    if tok.dep_ != "pobj" or tok.head.lower_ != prep:
        return False
    noun = tok.head.head
    return noun.lower_ in relations or noun.lemma_.lower() in relations


def usage(span: Span) -> str:
    """How a name is used: 'literal' (the place itself), 'metonymic' (a government, team or
    people standing behind it: "Washington warned", "Moscow's support") or 'modifier' (it
    qualifies something that is not a place: "US forces", "Chinese company")."""
    found = dateline(span.doc) if span.start < 12 else None
    if found and found[0] <= span.start_char and span.end_char <= found[1]:
        return "literal"  # "Hanoi (VNA) - Vietnam ...": where the story was filed
    root = span.root
    head = root.head
    if root.dep_ in {"amod", "compound", "nmod", "poss"} or (
            root.dep_ == "conj" and head.dep_ in {"amod", "compound", "nmod", "poss"}):
        noun = modified_noun(root)
        if noun is None:
            return "literal"
        lemma = noun.lemma_.lower()
        if lemma in GEO_HEADS or noun.lower_ in GEO_HEADS:
            return "literal"
        if root.dep_ == "poss" or head.dep_ == "poss":
            # "Moscow's support" acts; "Mexico's production", "Syria's jails" belong to the land
            return "metonymic" if lemma in AGENT_NOUNS or noun.lower_ in AGENT_NOUNS else (
                "literal")
        return "modifier"
    first = root  # the first of a list: "ISRO and Britain and Germany signed"
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    subject = first if first.dep_ in {"nsubj", "nsubjpass"} else None
    if subject is not None:
        verb = subject.head
        if subject.dep_ == "nsubj" and verb.pos_ in {"VERB", "AUX"} and (
                verb.lemma_.lower() not in STATIVE_VERBS):
            return "metonymic"
        if verb.lemma_.lower() == "be" and any(
                c.dep_ == "acomp" and c.lower_ in AGENT_STANCES
                and any(x.dep_ == "xcomp" for x in c.children) for c in verb.children):
            return "metonymic"
        return "literal"
    if _party_of(root, "with", WITH_RELATIONS):
        return "metonymic"
    # "a truce between Israel and Hamas", "talks between Damascus and Ankara": the parties
    if _party_of(first, "between", BETWEEN_RELATIONS):
        return "metonymic"
    # "an investigation by the United States", "was shelled by Russia": the one who acts
    if root.dep_ == "pobj" and head.lower_ == "by" and (
            head.dep_ == "agent" or head.head.lemma_.lower() in NOMINAL_ACTS):
        return "metonymic"
    if root.dep_ == "dobj" and head.lemma_.lower() in OBJECT_AGENT_VERBS:
        return "metonymic"
    # "giving Russia a chance", "sold Egypt jets": the one who receives
    if root.dep_ == "dative" or (root.dep_ == "dobj" and head.lemma_.lower() in GIVING_VERBS
                                 and any(c.dep_ == "dobj" and c.i > root.i
                                         for c in head.children)):
        return "metonymic"
    # "Vietnam sees Russia as a partner": both sides of a regard are agents
    if head.lemma_.lower() in REGARD_VERBS and root.dep_ in {"dobj", "nsubj"} and any(
            c.lower_ == "as" and any(g.lemma_.lower() in ROLE_NOUNS for g in c.subtree)
            for c in head.children):
        return "metonymic"
    # "Russia, which brokered a ceasefire, called on..." (the small model often hangs the main
    # verb on the name as acl): a name whose own clause makes it act.
    for child in root.children:
        if child.dep_ == "relcl" and any(c.dep_ == "nsubj" and c.lower_ in {"which", "who", "that"}
                                         for c in child.children):
            if child.lemma_.lower() not in STATIVE_VERBS:
                return "metonymic"
        if child.dep_ == "acl" and child.tag_ in {"VBD", "VBZ", "VBP"} and root.dep_ == "ROOT":
            return "metonymic"
    return "literal"
