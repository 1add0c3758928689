"""How the text presents an event: as fact, as someone's report, an intention, a condition...

``classify(trigger, context)`` walks the dependency path from an event's trigger up to the root
of its sentence and reads the words that govern it:

- question: the clause is a question ("Could the resistance recover ...?");
- hypothetical: a conditional ("if", "unless", "whether"), a modal ("would", "could", "may",
  "should"), a verb of prevention ("prevent", "avoid": the event is kept from happening), a hedge
  ("seems to", "it appears that"), a noun of possibility ("the threat of an attack");
- negated: "not", "never", "no attacks", "without", or a governor that denies it ("refused to",
  "failed to", "denied");
- intended: the event is the goal of a decision, plan, demand or promise ("decided to",
  "plans to", "called on X to", "threatened to"), a purpose clause ("gathering its forces to
  liberate"), or the future ("will");
- reported: it sits inside a quotation or in the complement of a verb of saying ("X said (that)
  ...", "according to X", "accused X of ..."): attributed to the speaker;
- asserted: none of these; the author states it.
When several apply, the first in that order wins (a reported conditional is hypothetical), but
the attribution to a speaker is kept whatever the modality. Relative clauses and participles
("the forces deployed in the north") carry their own modality: markers above them do not reach
down, only questions and quotations do.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from .spans import span_text

ORDER = ("question", "hypothetical", "negated", "intended", "reported", "asserted")

#: Modal auxiliaries of possibility and condition.
HYPOTHETICAL_AUX = {"would", "could", "might", "may", "should", "can", "must", "ought", "'d",
                    "wo", "ca"}
FUTURE_AUX = {"will", "shall", "'ll"}
CONDITIONAL_MARKS = {"if", "unless", "whether", "lest"}
#: Verbs whose complement (or object) is a goal, not a fact.
INTENT_VERBS = {
    "decide", "plan", "intend", "aim", "seek", "want", "wish", "hope", "prepare", "vow",
    "pledge", "promise", "offer", "propose", "agree", "threaten", "warn", "try", "attempt",
    "expect", "resolve", "determine", "mean", "aspire", "strive", "endeavour", "endeavor",
    "volunteer", "call", "urge", "ask", "demand", "request", "appeal", "order", "command",
    "instruct", "direct", "press", "push", "encourage", "invite", "implore", "beg", "plead",
    "advise", "recommend", "authorize", "authorise", "approve", "consider", "weigh", "mull",
    "contemplate", "prefer", "like", "need", "require", "insist", "lobby", "petition",
    "exhort", "vote", "look", "schedule", "choose", "elect", "opt", "tell", "pressure",
    "pressurize", "pressurise", "dream", "long", "set", "gear", "pray",
}
#: ...of which these also take the event as their object ("planned attacks", "ordered the
#: withdrawal", "agreed on a truce") or a prepositional object ("called for a ceasefire").
INTENT_OBJECT_VERBS = {
    "plan", "order", "urge", "demand", "request", "seek", "want", "propose", "promise",
    "pledge", "offer", "threaten", "prepare", "consider", "discuss", "debate", "approve",
    "authorize", "authorise", "vow", "intend", "expect", "await", "envisage", "mull", "weigh",
    "contemplate", "agree", "recommend", "advocate", "schedule",
}
INTENT_PREP_VERBS = INTENT_OBJECT_VERBS | {"call", "ask", "appeal", "press", "push", "lobby",
                                           "plead", "petition", "warn", "hope", "wait", "pray"}
#: Verbs that call off the event they govern: "called off the strike", "suspended the talks".
CANCEL_VERBS = {"cancel", "abandon", "postpone", "suspend", "halt", "end", "stop", "lift",
                "scrap", "drop", "abort", "shelve", "defer", "delay", "freeze"}
#: ...but these make their complement happen (or be happening): "managed to", "allowed X to".
IMPLICATIVE_VERBS = {
    "manage", "continue", "begin", "start", "resume", "allow", "permit", "let", "help",
    "succeed", "use", "keep", "proceed", "dare", "bother", "happen", "tend", "come", "cause",
    "enable", "make", "go", "remain", "stay", "see", "watch", "hear", "witness", "leave",
    "carry", "end", "finish", "stop", "cease", "quit", "force", "compel", "oblige", "get",
    "persuade", "convince", "drive", "lead", "prompt", "provoke", "trigger", "spur",
}
#: Verbs whose object or complement is kept from happening.
PREVENT_VERBS = {"prevent", "avoid", "deter", "thwart", "foil", "avert", "forestall", "preclude",
                 "stop", "block", "halt", "frustrate", "hinder", "impede", "obstruct", "resist",
                 "oppose", "forbid", "prohibit", "discourage", "dissuade", "prevent", "reject",
                 "rule", "veto", "repel", "repulse"}
NEGATING_VERBS = {"refuse", "fail", "decline", "deny", "neglect", "omit", "forgo", "forego",
                  "abstain", "refrain"}
HEDGE_VERBS = {"seem", "appear", "suppose", "rumour", "rumor"}
#: Verbs of saying and thinking: their complement is the speaker's, not the author's.
SPEECH_VERBS = {
    "say", "tell", "state", "claim", "announce", "report", "add", "note", "insist", "confirm",
    "allege", "remind", "stress", "explain", "argue", "assert", "declare", "maintain", "write",
    "tweet", "post", "reply", "respond", "answer", "acknowledge", "admit", "concede", "reveal",
    "disclose", "indicate", "suggest", "estimate", "believe", "think", "fear", "suspect",
    "assume", "warn", "accuse", "blame", "charge", "deny", "boast", "brag", "emphasise",
    "emphasize", "underline", "underscore", "point", "observe", "comment", "remark", "recall",
    "testify", "inform", "notify", "assure", "promise", "vow", "swear", "pledge", "threaten",
    "predict", "forecast", "speculate", "hint", "imply", "contend", "complain", "lament",
    "quote", "cite", "conclude", "find", "mention", "reiterate", "repeat", "signal", "proclaim",
    "pronounce", "shout", "chant", "cry", "scream", "whisper", "joke", "quip", "caution",
    "document", "record", "count", "tally", "verify",
}
#: Verbs that only report (a gerund under them, "reported fighting", is not their subject's act,
#: as it is under "denied attacking" or "admitted shooting").
REPORTING_VERBS = {"say", "report", "tell", "state", "add", "note", "announce", "write",
                   "confirm", "document", "record", "count", "tally"}
#: Speech verbs whose prepositional object is a report ("accused X of attacking", "claimed
#: responsibility for the bombing", "warned of strikes").
SPEECH_PREP_VERBS = {"accuse", "blame", "charge", "suspect", "allege", "warn", "claim", "deny",
                     "report", "confirm", "admit", "acknowledge", "testify", "inform", "tell"}
#: Speech verbs whose object is itself a report ("denied the attack", "claimed the bombing").
SPEECH_OBJECT_VERBS = {"deny", "claim", "allege", "report", "confirm", "acknowledge", "admit",
                       # monitors: "the Observatory documented the killing of 20 civilians"
                       "document", "record", "count", "tally", "verify"}
#: Adjectives that make the clause they govern hypothetical or intended.
HYPOTHETICAL_ADJ = {"possible", "likely", "unlikely", "impossible", "difficult", "hard",
                    "easy", "able", "unable", "potential", "conceivable", "probable",
                    "imaginable", "feasible", "expected"}
INTENT_ADJ = {"ready", "willing", "determined", "set", "poised", "eager", "keen", "prepared",
              "intent", "resolved", "due", "about", "unwilling", "reluctant"}
#: Nouns whose "to"-clause or "of"-object is a goal or a possibility.
INTENT_NOUNS = {"decision", "plan", "intention", "bid", "attempt", "effort", "order", "call",
                "promise", "pledge", "offer", "proposal", "readiness", "willingness",
                "determination", "goal", "aim", "objective", "mission", "ultimatum", "push",
                "drive", "campaign", "demand", "request", "appeal", "vow", "commitment",
                "right", "option", "choice", "permission", "authorization", "authorisation",
                "mandate", "preparation", "preparations", "move", "scheme", "plot", "way",
                "strategy", "ambition", "desire", "need", "attempts", "efforts", "plans"}
HYPOTHETICAL_NOUNS = {"threat", "risk", "possibility", "prospect", "danger", "fear", "fears",
                      "spectre", "specter", "likelihood", "chance", "chances", "scenario",
                      "warning", "warnings", "rumour", "rumours", "rumor", "rumors", "hypothesis",
                      "speculation", "idea", "suggestion"}
HYPOTHETICAL_AMOD = {"possible", "potential", "likely", "expected", "planned", "proposed",
                     "imminent", "future", "prospective", "hypothetical", "would-be",
                     "impending", "looming", "anticipated", "threatened", "feared"}
REPORTED_ADVERBS = {"reportedly", "allegedly", "purportedly", "supposedly", "apparently",
                    "ostensibly"}
NEGATIVE_DETS = {"no", "neither", "nor"}
NEG_WORDS = {"not", "n't", "never", "no", "neither", "nor", "nt"}
#: Dependencies through which a governor's meaning reaches its complement.
COMPLEMENT_DEPS = {"xcomp", "ccomp", "advcl", "acl", "pcomp", "dobj", "pobj", "prep", "conj",
                   "attr", "oprd", "nsubjpass", "parataxis", "relcl"}
#: Dependencies that start a clause of its own: markers above it do not apply below.
SCOPE_BOUNDARIES = {"relcl", "acl", "appos"}
QUOTE_CHARS = "\"“”«»„‟"


@dataclass
class Reading:
    modality: str = "asserted"
    speaker: Token | None = None     # the head of the speaker's noun phrase, when one is found
    speaker_id: str | None = None    # set by the caller when the speaker is a known actor
    cue: str | None = None           # the governing word that decided it
    uncertain: bool = False


def is_question(sent: Span) -> bool:
    """A question: it ends with "?" (quotes aside), or opens with an inverted auxiliary
    ("Should we understand that ...", "Could the resistance ...")."""
    text = span_text(sent).rstrip().rstrip(QUOTE_CHARS + "’' )").rstrip()
    if text.endswith("?"):
        return True
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is None or first.tag_ != "MD" or first.lower_ in {"will", "would"}:
        return False
    # "Should we ...": the modal comes before its own subject.
    head = first.head
    subj = next((c for c in head.children if c.dep_ in {"nsubj", "nsubjpass", "expl"}), None)
    return first.dep_ == "aux" and subj is not None and subj.i > first.i


def _own_markers(tok: Token, found: dict[str, str]) -> None:
    """Markers that sit on ``tok`` itself: negation, modal and future auxiliaries, 'if'."""
    for c in tok.children:
        dep = c.dep_
        low = c.lower_
        if dep == "neg" or (dep in {"advmod", "preconj", "cc"} and low in {"never", "neither",
                                                                           "nor"}):
            found.setdefault("negated", low)
        elif dep in {"aux", "auxpass"}:
            if low in HYPOTHETICAL_AUX or c.lemma_.lower() in {"could", "might", "may", "should",
                                                              "would", "can", "must"}:
                found.setdefault("hypothetical", low)
            elif low in FUTURE_AUX or c.lemma_.lower() == "will":
                found.setdefault("intended", low)
        elif dep == "mark" and low in CONDITIONAL_MARKS:
            found.setdefault("hypothetical", low)
        elif dep == "advmod" and low in REPORTED_ADVERBS:
            found.setdefault("reported", low)
        elif dep == "det" and low in NEGATIVE_DETS and tok.pos_ in {"NOUN", "PROPN"}:
            found.setdefault("negated", low)
        elif dep == "amod" and c.lemma_.lower() in HYPOTHETICAL_AMOD and tok.pos_ == "NOUN":
            found.setdefault("hypothetical", low)
        elif dep == "advcl" and tok.pos_ in {"VERB", "AUX"} and _conditional_clause(c):
            found.setdefault("hypothetical", "if")
    # "going to attack"
    if tok.dep_ == "xcomp" and tok.head.lower_ == "going" and any(
            c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children):
        found.setdefault("intended", "going to")


def _conditional_clause(clause: Token) -> bool:
    """An adverbial clause opened by a bare 'if'/'unless' ("even if", "as if" do not count)."""
    for c in clause.children:
        if c.dep_ == "mark" and c.lower_ in {"if", "unless"}:
            before = clause.doc[c.i - 1] if c.i > 0 else None
            return before is None or before.lower_ not in {"even", "as", "only"}
    return False


def _has_to(tok: Token) -> bool:
    return any(c.dep_ == "aux" and c.tag_ == "TO" for c in tok.children)


def classify(trigger: Token, inside_quote: bool = False, question: bool | None = None) -> Reading:
    """The modality of the event whose trigger is ``trigger`` (see the module docstring).

    ``inside_quote`` says the trigger is inside quotation marks (the caller knows the quotes);
    the speaker of a quote is the caller's to find, the speaker of reported speech is found here.
    """
    found: dict[str, str] = {}
    speaker: Token | None = None
    sent = trigger.sent
    if question if question is not None else is_question(sent):
        found["question"] = "?"
    if inside_quote:
        found["reported"] = "quote"

    child, tok = None, trigger
    scoped = True   # markers still apply (no relative clause or participle crossed yet)
    steps = 0
    while True:
        steps += 1
        if scoped:
            _own_markers(tok, found)
        if child is not None:
            lemma = tok.lemma_.lower()
            via = child.dep_
            if via in COMPLEMENT_DEPS and via not in {"relcl", "conj"}:
                verb = tok.pos_ in {"VERB", "AUX"}
                if verb and lemma in SPEECH_VERBS and (
                        via in {"ccomp", "parataxis", "xcomp"}
                        or via in {"pcomp", "prep"} and lemma in SPEECH_PREP_VERBS
                        or via == "dobj" and lemma in SPEECH_OBJECT_VERBS):
                    found.setdefault("reported", lemma)
                    if speaker is None:
                        speaker = subject_of(tok)
                if scoped:
                    if verb and lemma in NEGATING_VERBS:
                        found.setdefault("negated", lemma)
                    elif verb and via in {"dobj", "nsubjpass"} and trigger.pos_ == "NOUN" and (
                            lemma in CANCEL_VERBS or lemma == "call" and any(
                                c.dep_ == "prt" and c.lower_ == "off" for c in tok.children)):
                        found.setdefault("negated", lemma)
                    elif verb and lemma in PREVENT_VERBS and via != "advcl":
                        found.setdefault("hypothetical", lemma)
                    elif verb and lemma in HEDGE_VERBS:
                        found.setdefault("hypothetical", lemma)
                    elif verb and lemma in INTENT_VERBS and (
                            via in {"xcomp", "ccomp"} and (_has_to(child) or lemma not in
                                                            SPEECH_VERBS)
                            or via in {"dobj", "nsubjpass"} and lemma in INTENT_OBJECT_VERBS
                            or via in {"prep", "pcomp"} and lemma in INTENT_PREP_VERBS):
                        found.setdefault("intended", lemma)
                    elif tok.pos_ == "VERB" and via in {"xcomp", "advcl", "ccomp"} and _has_to(
                            child) and lemma not in IMPLICATIVE_VERBS and tok.dep_ != "amod":
                        found.setdefault("intended", "to")
                    elif tok.pos_ == "ADJ" and steps <= 3:
                        if lemma in HYPOTHETICAL_ADJ:
                            found.setdefault("hypothetical", lemma)
                        elif lemma in INTENT_ADJ:
                            found.setdefault("intended", lemma)
                    elif tok.pos_ in {"NOUN", "PROPN"}:
                        if lemma in INTENT_NOUNS and via in {"acl", "prep", "pcomp"} and (
                                via != "prep" or child.lower_ in {"for", "to", "of"}):
                            found.setdefault("intended", lemma)
                        elif lemma in HYPOTHETICAL_NOUNS and via == "prep" and child.lower_ in {
                                "of", "for"}:
                            found.setdefault("hypothetical", lemma)
            if via == "prep" and child.lower_ == "without":
                if scoped:
                    found.setdefault("negated", "without")
            if via == "prep" and child.lower_ in {"instead", "rather"}:
                if scoped:
                    found.setdefault("negated", child.lower_)
        # "according to X": the clause is X's
        if speaker is None:
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "according":
                    obj = next((g for g in c.subtree if g.dep_ == "pobj"), None)
                    if obj is not None:
                        found.setdefault("reported", "according to")
                        speaker = obj
        if tok.dep_ == "ROOT" or tok.head == tok or steps > 40:
            break
        if tok.dep_ in SCOPE_BOUNDARIES and tok != trigger or (
                tok == trigger and tok.dep_ in {"relcl", "acl"} and tok.pos_ in {"VERB", "AUX"}):
            # The head of a relative clause or participle is outside the event's scope, except
            # for a noun of intention or possibility ("the decision to liberate").
            head = tok.head
            if head.lemma_.lower() in INTENT_NOUNS and _has_to(tok) and scoped:
                found.setdefault("intended", head.lemma_.lower())
            elif head.lemma_.lower() in HYPOTHETICAL_NOUNS and _has_to(tok) and scoped:
                found.setdefault("hypothetical", head.lemma_.lower())
            elif _has_to(tok) and scoped and tok.dep_ == "acl":
                found.setdefault("intended", "to")
            scoped = False
        child, tok = tok, tok.head

    modality = next(m for m in ORDER if m in found or m == "asserted")
    reading = Reading(modality=modality, speaker=speaker, cue=found.get(modality))
    if modality != "reported" and "reported" in found:
        reading.cue = found[modality]
    return reading


_RELATIVE = {"who", "which", "that", "whom", "whose"}
_CONTROL_BY_OBJECT = {"urge", "ask", "order", "force", "allow", "permit", "tell", "call",
                      "persuade", "convince", "invite", "encourage", "instruct", "command",
                      "direct", "compel", "oblige", "pressure", "press", "push", "help",
                      "enable", "authorize", "authorise", "warn", "advise", "beg", "implore",
                      "request", "require", "get", "let", "make", "expect", "want", "need",
                      "remind", "appeal", "lead"}


def subject_of(verb: Token, depth: int = 0) -> Token | None:
    """The head of ``verb``'s subject: its own, or the one it shares with the clause above it
    (controlled infinitives, participles, conjoined verbs, relative clauses)."""
    if depth > 6:
        return None
    for c in verb.children:
        if c.dep_ in {"nsubj", "csubj"}:
            if c.lower_ in _RELATIVE and verb.dep_ == "relcl":
                return verb.head
            return c
        if c.dep_ == "nsubjpass":
            agent = next((a for a in verb.children if a.dep_ == "agent"), None)
            if agent is not None:
                return next((p for p in agent.children if p.dep_ == "pobj"), None)
            return None
    dep = verb.dep_
    head = verb.head
    if head == verb:
        return None
    if dep == "relcl":
        return head
    if dep == "acl":
        if verb.tag_ == "VBG":
            return head
        agent = next((a for a in verb.children if a.dep_ == "agent"), None)
        return next((p for p in agent.children if p.dep_ == "pobj"), None) if agent else None
    if dep in {"xcomp", "ccomp"} and head.lemma_.lower() in _CONTROL_BY_OBJECT:
        obj = object_controller(head)
        if obj is not None:
            return obj
    if dep in {"xcomp", "advcl", "conj", "ccomp", "pcomp"} and head.pos_ in {"VERB", "AUX"}:
        if dep == "ccomp" and not _has_to(verb):
            return None
        if dep == "xcomp" and not _has_to(verb) and head.lemma_.lower() in REPORTING_VERBS:
            return None  # "The Observatory reported fighting in Aleppo": it did not fight
        return subject_of(head, depth + 1)
    if dep == "xcomp" and head.dep_ == "acomp" and head.head.pos_ in {"VERB", "AUX"}:
        return subject_of(head.head, depth + 1)  # "X is willing to provide", "ready to talk"
    if dep == "pcomp" or (dep == "pobj" and verb.tag_ == "VBG"):
        # "prevent X from doing": X does it; "by doing": the subject of the verb above.
        prep = head
        gov = prep.head
        if (prep.lower_ == "from" and gov.lemma_.lower() in PREVENT_VERBS | {"stop", "ban", "bar"}
                or prep.lower_ in {"of", "for", "with"} and gov.lemma_.lower() in
                OBJECT_SUBJECT_VERBS):
            obj = next((c for c in gov.children if c.dep_ == "dobj"), None)
            if obj is not None:
                return obj
        if gov.pos_ in {"VERB", "AUX"}:
            return subject_of(gov, depth + 1)
    return None


#: Verbs whose object does what their "of/for/with" clause says ("accused Israel of
#: attacking", "blamed the rebels for shelling", "charged him with planning").
OBJECT_SUBJECT_VERBS = {"accuse", "suspect", "blame", "charge", "convict", "acquit", "praise",
                        "thank", "criticize", "criticise", "condemn", "fault", "punish",
                        "sanction", "reward", "congratulate", "commend", "clear", "fine",
                        "indict", "sentence", "reprimand", "rebuke", "credit", "hail"}


def object_controller(verb: Token) -> Token | None:
    """The object that controls an infinitive: "urged Damascus to", "called on citizens to"."""
    for c in verb.children:
        if c.dep_ in {"dobj", "iobj", "dative"} and c.pos_ in {"NOUN", "PROPN", "PRON"}:
            return c
    for c in verb.children:
        if c.dep_ == "prep" and c.lower_ in {"on", "upon"}:
            obj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if obj is not None:
                return obj
    return None
