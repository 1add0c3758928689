"""Actors linked to the registry, with metonymy, demonyms, roles and coreference."""

import pytest

from sitrep.model import Document, document_id

from .conftest import shared_path

pytestmark = pytest.mark.slow


def analyze(pipeline, text):
    return pipeline.analyze(Document(id=document_id(text), text=text))


def by_mention(report):
    return {m.text: a for a in report.actors for m in a.mentions}


def test_aliases_link_whatever_spacy_labels_them(pipeline):
    report = analyze(pipeline, "Daesh fighters attacked the town. The Islamic State later "
                               "said it had withdrawn, while ISIS supporters celebrated.")
    ids = {a.id for a in report.actors}
    assert "grp:isis" in ids
    isis = next(a for a in report.actors if a.id == "grp:isis")
    assert {m.text for m in isis.mentions} >= {"Daesh", "Islamic State", "ISIS"}
    assert isis.linked and isis.kind == "armed_group"


def test_an_islamic_state_province_is_the_group_only_as_its_name_is_written(pipeline):
    report = analyze(pipeline, "Gunmen attacked a mosque in Egypt's North Sinai province. "
                               "Sinai Province later claimed the attack.")
    sinai = [m.text for a in report.actors if a.id == "grp:is-sinai" for m in a.mentions]
    assert sinai == ["Sinai Province"]


def test_capital_as_subject_is_the_government_not_a_place(pipeline):
    report = analyze(pipeline, "Washington warned Damascus on Monday. The meeting was held "
                               "in Washington.")
    actors = by_mention(report)
    assert actors["Washington"].id == "USA.GOV"
    place_texts = {m.text for p in report.places for m in p.mentions}
    # the second Washington (a meeting place) is a place; the first is not
    assert sum(1 for p in report.places for m in p.mentions if m.text == "Washington") == 1
    assert report.places and "Washington" in place_texts


def test_demonyms_name_nationalities_and_roles_come_from_the_text(pipeline):
    text = ("Russian and Turkish observers secured the road. Major General Amos Yadlin, the "
            "former head of Israel's military intelligence, said the move was expected. "
            "Yadlin added that talks would continue.")
    report = analyze(pipeline, text)
    ids = {a.id for a in report.actors}
    assert {"RUS", "TUR"} <= ids
    person = next(a for a in report.actors if a.kind == "person" and "Yadlin" in a.name)
    assert "head of Israel's military intelligence" in person.role
    assert person.country == "ISR"
    assert {m.text for m in person.mentions} >= {"Yadlin"}  # the short name joins the full one


def test_the_army_refers_to_the_last_army_named(pipeline):
    report = analyze(pipeline, "The Syrian army moved south. The army then shelled the town.")
    army = next(a for a in report.actors if a.id == "SYR.MIL.ARMY")
    assert [m.text for m in army.mentions] == ["Syrian army", "army"]
    assert report.span_errors() == []


def test_oped_actors(pipeline):
    from sitrep.read import read

    doc = next(read(shared_path("corpus", "magnier-2018-southern-syria.txt")))
    report = pipeline.analyze(doc)
    ids = {a.id for a in report.actors}
    for expected in ("SYR.MIL.ARMY", "USA.GOV.MFA", "grp:isis", "grp:al-qaeda",
                     "grp:jaish-khalid-bin-al-waleed", "RUS", "TUR", "IRN",
                     "per:herzi-halevi", "per:moshe-yaalon", "IRQ.MIL.AIR"):
        assert expected in ids, expected
    jkbw = next(a for a in report.actors if a.id == "grp:jaish-khalid-bin-al-waleed")
    assert jkbw.mentions[0].text == "Jaish Khaled bin Al-Waleed"
    halevy = next(a for a in report.actors if a.id == "per:herzi-halevi")
    assert "military intelligence" in halevy.role
    assert "Halevy" in {m.text for m in halevy.mentions}
    # "the Army – the People – the Resistance" is a slogan, not three actors
    assert not any(a.name in {"Army", "People", "Resistance", "Population"} for a in report.actors)
    # Washington is an actor here, never a place
    assert not any(m.text == "Washington" for p in report.places for m in p.mentions)
    assert report.span_errors() == []


@pytest.mark.parametrize("text, name, actor", [
    # a state receiving, regarded, or standing ready is an agent, not a place
    ("The UN gave Yemen ten tonnes of food.", "Yemen", "YEM.GOV"),
    ("Vietnam sees Russia as a partner in the region.", "Russia", "RUS.GOV"),
    ("Germany is willing to provide aid to the refugees.", "Germany", "DEU.GOV"),
    # its institutions, even when the small model tags them PROPN
    ("China’s health ministry sent a team of doctors to the hospital.", "China", "CHN.GOV"),
    # the partner "with" whom one holds talks (the noun's lemma is "talk")
    ("Iran held talks with Iraq on Monday.", "Iraq", "IRQ.GOV"),
    # the parties "between" whom a truce or fighting is, the second of them too
    ("Egypt brokered a truce between Israel and Hamas.", "Israel", "ISR.GOV"),
    ("Fighting between Armenia and Azerbaijan killed 50 soldiers.", "Azerbaijan", "AZE.GOV"),
])
def test_states_that_act_in_other_ways_than_speaking(pipeline, text, name, actor):
    report = analyze(pipeline, text)
    assert by_mention(report)[name].id == actor
    assert name not in {m.text for p in report.places for m in p.mentions}


def test_a_state_that_things_happen_in_stays_a_place(pipeline):
    report = analyze(pipeline, "Refugees fled to Jordan. Aid was sent to Syria.")
    assert {m.text for p in report.places for m in p.mentions} == {"Jordan", "Syria"}
    assert not report.actors


@pytest.mark.parametrize("text, actor, place", [
    # the one an act is "by", the partner "with" whom a state has ties, what a state holds to
    ("The dispute began with an investigation by the United States.", "United States", None),
    ("Hanoi valued its friendship with Russia.", "Russia", None),
    ("Lawyers exposed China's lies about its courts.", "China", None),
    # ...while a place stays a place, and a language is neither
    ("Aleppo was shelled on Monday.", None, "Aleppo"),
    ("Pupils learn English and another language.", None, None),
])
def test_states_that_act_and_places_that_are_acted_on(pipeline, text, actor, place):
    report = analyze(pipeline, text)
    actors = {m.text for a in report.actors for m in a.mentions}
    places = {m.text for p in report.places for m in p.mentions}
    if actor:
        assert actor in actors and actor not in places
    if place:
        assert place in places
    assert "English" not in places | actors


@pytest.mark.parametrize("text, actor", [
    ("Government forces bombed the market.", "gen:government-forces"),
    ("Regime forces shelled the town.", "gen:government-forces"),
    ("Pro-government militias attacked the village.", "gen:pro-government-militias"),
    ("Syrian government forces bombed the market.", "SYR.MIL"),  # the country's own, when named
])
def test_forces_named_by_what_they_are(pipeline, text, actor):
    report = analyze(pipeline, text)
    assert actor in {a.id for a in report.actors}
    assert any(actor in e.source for e in report.events)


def test_a_place_that_stays_calm_is_still_a_place(pipeline):
    report = analyze(pipeline, "The Red Sea stayed calm on Monday.")
    assert "Red Sea" in {m.text for p in report.places for m in p.mentions}


@pytest.mark.parametrize("text, source, target", [
    ("The German president met the Polish head of state in Warsaw.", "DEU.GOV", "POL.GOV"),
    ("The Iranian foreign minister visited his Iraqi counterpart.", "IRN.GOV", "IRQ.GOV"),
])
def test_an_office_named_by_its_people_is_that_states_government(pipeline, text, source, target):
    report = analyze(pipeline, text)
    assert {source, target} <= {a.id for a in report.actors}
    assert any(source in e.source and target in e.target for e in report.events)


def test_a_head_that_is_not_of_state_is_no_office(pipeline):
    report = analyze(pipeline, "The Russian head coach praised the players.")
    assert not any(a.id.startswith("RUS") for a in report.actors)


def test_each_of_a_list_of_subjects_acts(pipeline):
    """"ISRO and Britain and Germany signed": Germany, the third of the list, signs too."""
    report = analyze(pipeline, "The Indian Space Research Organization and Britain and Germany "
                               "signed the accord.")
    assert {"GBR.GOV", "DEU.GOV"} <= {a.id for a in report.actors}


@pytest.mark.parametrize("text, actors", [
    ("Police fired tear gas at protesters in Basra.", {"gen:security-forces", "gen:protesters"}),
    ("Iraqi police fired tear gas at demonstrators.", {"IRQ.COP", "gen:protesters"}),
    ("Gunmen killed five civilians near Kaduna.", {"gen:gunmen", "gen:civilians"}),
    ("An angry mob burned the police station.", {"gen:rioters"}),
    ("Security forces in Guinea detained 20 protesters.", {"GIN.COP", "gen:protesters"}),
    ("Government forces in Syria shelled the town.", {"SYR.MIL"}),
])
def test_unnamed_police_protesters_rioters_and_civilians(pipeline, text, actors):
    """ACLED's actor types: a named country's police stays that country's."""
    ids = {a.id for a in analyze(pipeline, text).actors}
    assert actors <= ids
    assert not ({"IRQ.COP", "GIN.COP"} & ids and "gen:security-forces" in ids)
    assert not ("SYR.MIL" in ids and "gen:government-forces" in ids)


def test_the_border_between_two_states_stays_a_place(pipeline):
    report = analyze(pipeline, "The border between Syria and Turkey was closed.")
    assert {"Syria", "Turkey"} <= {m.text for p in report.places for m in p.mentions}
