"""Quotes: direct, partial, indirect and floating, with speakers resolved to actors.

The sentences are invented; the op-ed and the GGT articles come from ../shared (skipped when it
is absent). Sentences are parsed with the project's pipeline (actors run first) and the quotes
are found with ``quotes.find`` on the parsed doc, so the shared pipeline is left as it is.
"""

from __future__ import annotations

import time

import pytest

from sitrep.evaluate import quotes as evaluate
from sitrep.extract import quotes
from sitrep.extract.quotes import Marked, mark_spans, paragraphs

from .conftest import shared_path


# -- the marks, on text alone ---------------------------------------------------------------------

def spans_of(text):
    return [text[m.start:m.end] for m in mark_spans(text)]


def test_straight_and_curly_marks_pair():
    text = 'He said "we will stay" and she said “we will go.”'
    assert spans_of(text) == ['"we will stay"', "“we will go.”"]


def test_a_closing_mark_without_an_opening_one_starts_at_the_paragraph():
    text = "First paragraph.\n\nThe army will stay in the south for now,” said the general."
    (m,) = mark_spans(text)
    assert text[m.start:m.end] == "The army will stay in the south for now,”"
    assert not m.opened and m.closed


def test_a_quotation_open_at_the_end_of_its_paragraph_ends_there():
    text = '"We are ready. We have waited long enough.\n\n"The road is open," he said.'
    assert spans_of(text) == ['"We are ready. We have waited long enough.', '"The road is open,"']
    assert mark_spans(text)[0] == Marked(0, 42, True, False)


def test_marks_by_context_not_count():
    # a curly opening mark typed as a closing one still opens
    assert spans_of('She called it ”a disgrace” on Monday.') == ["”a disgrace”"]
    # typewriter pairs
    assert spans_of("He said ''it is over,'' and left.") == ["''it is over,''"]
    # inches are not quotations
    assert spans_of('He is 6\'2" tall.') == []


def test_paragraphs_split_on_blank_lines_else_on_line_breaks():
    assert paragraphs("a\n\nb\n c") == [(0, 1), (3, 7)]
    assert paragraphs("a\nb") == [(0, 1), (2, 3)]


def test_lexicon_separates_speech_from_framing_and_thought():
    lex = quotes.default_lexicon()
    assert {"say", "tell", "warn", "add", "claim", "insist", "deny"} <= lex.speech
    assert "call" in lex.framing and "call" not in lex.speech
    assert "believe" in lex.thought and "believe" not in lex.cues
    assert ("according", "to") in lex.phrases


# -- quotes in sentences ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def find(nlp):
    def run(text):
        doc = nlp(text)
        found = quotes.find(doc)
        for q in found:
            assert doc.text[q["start"]:q["end"]] == q["text"]
        actors = {a["id"]: a for a in doc._.sitrep.get("actors", [])}
        return found, actors

    return run


def one(found, needle):
    hits = [q for q in found if needle in q["text"]]
    assert len(hits) == 1, (needle, found)
    return hits[0]


def test_direct_quote_with_straight_marks_and_the_speaker_after(find):
    found, actors = find('"The army will not withdraw from the city," said Herzi Halevy, the '
                         "head of Israel's military intelligence.")
    q = one(found, "will not withdraw")
    assert q["kind"] == "direct" and q["cue"] == "said"
    assert q["text"].startswith('"') and q["text"].endswith(',"')
    assert q["speaker_text"] == "Herzi Halevy"
    assert actors[q["speaker"]]["kind"] == "person"


def test_direct_quote_with_curly_marks_and_the_speaker_before(find):
    found, actors = find("Defence Minister Moshe Ya'alon said: “We will respond to every attack "
                         "on our soldiers.”")
    q = one(found, "every attack")
    assert q["kind"] == "direct" and q["cue"] == "said"
    assert "Ya'alon" in actors[q["speaker"]]["name"] or "Ya" in q["speaker_text"]


def test_unbalanced_closing_mark_is_a_quote(find):
    text = ("The report was published on Monday.\n\n"
            "Israel prefers the rebels and does not want to see them defeated,” said Major "
            "General Herzi Halevy.")
    found, actors = find(text)
    q = one(found, "Israel prefers the rebels")
    assert q["text"] == ("Israel prefers the rebels and does not want to see them defeated,”")
    assert q["kind"] == "direct" and q["speaker_text"].endswith("Herzi Halevy")


def test_a_quote_spanning_sentences_is_one_record(find):
    found, _ = find('"We have lost three villages. The roads are cut. Nobody can reach us," '
                    "the mayor told reporters on Tuesday.")
    q = one(found, "three villages")
    assert "Nobody can reach us" in q["text"]
    assert q["kind"] == "direct" and q["cue"] == "told" and q["speaker_text"] == "the mayor"


def test_partial_quotes_take_the_subject_of_their_clause(find):
    found, actors = find("Major General Herzi Halevy was “concerned about the offensives "
                         "against the rebels”. Moshe Ya'alon said “the rebels don't pose a "
                         "threat to Israel” and he would “rather see them rule all of the "
                         "south”. The minister said the border was “a quiet place for now”.")
    concerned = one(found, "concerned about")
    assert concerned["kind"] == "partial"
    assert concerned["speaker_text"] == "Major General Herzi Halevy"
    rather = one(found, "rather see")
    assert rather["kind"] == "partial" and rather["speaker_text"] == "he"
    assert rather["speaker"] is not None and "Ya" in actors[rather["speaker"]]["name"]
    # reported speech carrying marked words is one record: the clause, of kind partial
    border = one(found, "a quiet place for now")
    assert border["kind"] == "partial" and border["cue"] == "said"
    assert border["text"] == "the border was “a quiet place for now”"


def test_indirect_speech_said_that(find):
    found, _ = find("The spokesman of the Syrian army said that the operation would end before "
                    "the summer.")
    q = one(found, "the operation would end")
    assert q["kind"] == "indirect" and q["cue"] == "said"
    assert q["text"] == "that the operation would end before the summer"
    assert "spokesman" in q["speaker_text"]


def test_indirect_speech_warned_that_and_a_clause_before_its_verb(find):
    found, _ = find("Washington warned Damascus on Monday that an offensive would break the "
                    "ceasefire. The offensive will start soon, the minister added.")
    warned = one(found, "would break the ceasefire")
    assert warned["cue"] == "warned" and warned["speaker"] == "USA.GOV"
    added = one(found, "will start soon")
    assert added["cue"] == "added" and added["speaker_text"] == "the minister"
    assert added["text"] == "The offensive will start soon"


def test_according_to(find):
    found, _ = find("According to the Syrian Observatory for Human Rights, twelve civilians were "
                    "killed in the shelling.")
    q = one(found, "twelve civilians")
    assert q["kind"] == "indirect" and q["cue"] == "according to"
    assert "Syrian Observatory" in q["speaker_text"]
    assert q["text"] == "twelve civilians were killed in the shelling"


def test_floating_quote_takes_the_speaker_of_the_quote_before(find):
    found, actors = find('"We have no water and no power," said Ahmed Khalil, a resident of '
                         'Daraa.\n\n"The children are sick. We cannot stay here much longer."')
    first = one(found, "no water")
    floating = one(found, "children are sick")
    assert floating["kind"] == "floating" and floating["cue"] is None
    assert floating["speaker"] == first["speaker"]
    assert floating["speaker_text"] == first["speaker_text"] == "Ahmed Khalil"


def test_pronoun_speakers_resolve_to_the_person_named_before(find):
    found, actors = find("Moshe Ya'alon visited the border on Monday. \"The situation is under "
                         "control,\" he said.")
    q = one(found, "under control")
    assert q["speaker_text"] == "he" and "Ya" in actors[q["speaker"]]["name"]


def test_scare_quotes_slogans_and_titles_are_not_quotes(find):
    found, _ = find("The US does not want to eliminate organisations such as “ISIS” and "
                    "al-Qaeda. The government relies on the principle of “the Army – the "
                    "People – the Resistance” to avoid defeat. Critics watched “The Battle of "
                    "Algiers” again.")
    assert found == []


def test_the_component_writes_records(nlp):
    import spacy

    component = spacy.blank("en").add_pipe("sitrep_quotes")
    doc = nlp('"We will stay," the commander said.')
    component(doc)
    (q,) = doc._.sitrep["quotes"]
    assert q["id"] == "q1" and q["kind"] == "direct" and q["cue"] == "said"
    assert set(q) == {"id", "text", "start", "end", "kind", "speaker", "speaker_text", "cue"}


# -- the scorer ------------------------------------------------------------------------------------

def test_matching_needs_overlap_of_both_spans_and_is_one_to_one():
    gold = [evaluate.GoldQuote([(0, 100)]), evaluate.GoldQuote([(200, 210)])]
    pred = [evaluate.Predicted(0, 40), evaluate.Predicted(10, 90), evaluate.Predicted(150, 215)]
    # (0, 40) covers 0.4 of gold 0 but gold 0 is taken by the better (10, 90); (150, 215) covers
    # all of gold 1 but gold 1 is only 10/65 of it
    assert evaluate.match(gold, pred) == [(0, 1)]


def test_speaker_names_share_a_word_but_not_a_pronoun():
    assert evaluate.same_speaker(("Herzi Halevi", "Major General Herzi Halevy"), ("Halevy",))
    assert not evaluate.same_speaker((None, "she"), ("Darian Lonechild", "she"))
    assert not evaluate.same_speaker(("the army",), ("the government",))


def test_polnear_brat_relations_with_discontinuous_content():
    text = "“We win,” he said. “Always.”"
    ann = ("T1\tContent 0 9;19 28\t“We win,” “Always.”\nT2\tSource 10 12\the\n"
           "T3\tCue 13 17\tsaid\nT4\tAttribution 13 17\tsaid\n"
           "E1\tAttribution:T4 Content:T1 Cue:T3 Source:T2\n")
    (g,) = evaluate.parse_brat(ann, text)
    assert g.spans == [(0, 9), (19, 28)] and g.names == ("he",) and g.cue == "said"
    assert evaluate.overlap(g, 0, 9) == 9


# -- real texts ------------------------------------------------------------------------------------

def analyze(pipeline, document):
    """A Report with the quotes, without adding the component to the shared pipeline."""
    from sitrep.pipeline import to_report

    doc = pipeline.nlp(document.text)
    quotes.QuoteFinder()(doc)
    return to_report(document, doc)


@pytest.mark.slow
def test_the_oped_has_its_six_quotes_with_their_speakers(pipeline):
    from sitrep.read import read

    path = shared_path("corpus", "magnier-2018-southern-syria.txt")
    report = analyze(pipeline, next(iter(read(path))))
    assert report.span_errors() == []
    by_speaker = {}
    for q in report.quotes:
        by_speaker.setdefault(q.speaker, []).append(q)

    def said(speaker, words):
        return any(words in q.text for q in by_speaker.get(speaker, []))

    halevy = next(a.id for a in report.actors if "Halev" in a.name)
    yaalon = next(a.id for a in report.actors if "alon" in a.name and a.kind == "person")
    assert said(halevy, "Israel prefers ISIS and does not want to see it defeated")
    assert said(halevy, "concerned about the offensives against ISIS")
    assert said(yaalon, "doesn’t pose a threat to Israel")
    assert said(yaalon, "rather see ISIS rule all of Syria")
    assert said("SYR.MIL.ARMY", "expel the terrorists")
    assert said("USA.GOV.MFA", "de-escalation zone negotiated between the US")
    assert len(report.quotes) == 6  # and no scare quote ("ISIS") or slogan ("the Army - ...")


@pytest.mark.slow
def test_ggt_smoke(pipeline):
    from sitrep.model import Document, document_id

    path = shared_path("eval", "quotes", "ggt", "ggt_quotes_gold-dev.jsonl")
    docs, _ = evaluate.load_ggt(path)

    def predict(text):
        report = analyze(pipeline, Document(id=document_id(text), text=text))
        assert report.span_errors() == []
        names = {a.id: a.name for a in report.actors}
        return [evaluate.Predicted(q.start, q.end, (names.get(q.speaker or ""), q.speaker_text),
                                   q.cue, q.kind) for q in report.quotes]

    started = time.perf_counter()
    scores = evaluate.score(docs[:4], predict)
    assert time.perf_counter() - started < 120
    assert scores.gold > 30 and scores.predicted > 20
    assert scores.f1 > 0.6 and scores.speaker_accuracy > 0.6
    assert "speaker accuracy" in evaluate.format_scores("ggt", scores)


@pytest.mark.slow
def test_quotes_cost_little_next_to_the_parse(nlp):
    path = shared_path("eval", "quotes", "ggt", "ggt_quotes_gold-dev.jsonl")
    docs, _ = evaluate.load_ggt(path)
    texts = [d.text for d in docs[:6]]
    started = time.perf_counter()
    parsed = [nlp(t) for t in texts]
    parse = time.perf_counter() - started
    started = time.perf_counter()
    for doc in parsed:
        quotes.find(doc)
    assert time.perf_counter() - started < 0.15 * parse
