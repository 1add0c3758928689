"""The actor registry's data (src/sitrep/data/actors.yaml) and its loader (resolve/registry_data)."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import pycountry
import pytest
import yaml

from sitrep.resolve.registry_data import (
    KINDS,
    ORGAN_RULES,
    SECTORS,
    ActorRegistry,
    RegistryDataError,
    is_case_sensitive,
    normalise_alias,
    registry,
)

DATA = resources.files("sitrep").joinpath("data", "actors.yaml")


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reg() -> ActorRegistry:
    len(registry)  # load once for the module
    return registry


def _write(tmp_path: Path, text: str) -> ActorRegistry:
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    return ActorRegistry(path)


# -- the file ----------------------------------------------------------------------------------


def test_yaml_loads_with_its_three_sections(raw):
    assert set(raw) == {"states", "actors", "ambiguous"}
    assert all(isinstance(raw[k], list) and raw[k] for k in raw)


def test_states_are_exactly_pycountry(raw, reg):
    ids = [s["id"] for s in raw["states"]]
    iso = {c.alpha_3 for c in pycountry.countries}
    assert len(ids) == len(set(ids))
    assert set(ids) == iso
    assert {e.id for e in reg.states()} == iso


def test_ids_are_unique(raw, reg):
    listed = [s["id"] for s in raw["states"]] + [a["id"] for a in raw["actors"]]
    dupes = {i for i in listed if listed.count(i) > 1}
    assert not dupes
    organ_ids = [
        f"{s['id']}.{k}" if not str(k).startswith(s["id"] + ".") else str(k)
        for s in raw["states"] for k in (s.get("organs") or {})
    ]
    assert len(organ_ids) == len(set(organ_ids))
    assert len({e.id for e in reg}) == len(reg)


def test_duplicate_id_is_an_error(tmp_path):
    bad = _write(tmp_path, """
actors:
  - {id: grp:x, name: X, kind: armed_group}
  - {id: grp:x, name: Y, kind: armed_group}
""")
    with pytest.raises(RegistryDataError, match="duplicate id"):
        len(bad)


def test_unknown_key_is_an_error(tmp_path):
    bad = _write(tmp_path, """
actors:
  - {id: grp:x, name: X, kind: armed_group, alaises: [Y]}
""")
    with pytest.raises(RegistryDataError, match="unknown key"):
        len(bad)


def test_no_problems(reg):
    # part_of / affiliate_of / predecessor_of targets exist, kinds and sectors are known,
    # countries are states, people have roles, ambiguous entries have rules and known ids.
    assert reg.problems() == []


def test_references_exist(reg):
    for e in reg:
        for target in (e.part_of, e.affiliate_of, e.predecessor_of):
            assert target is None or target in reg, (e.id, target)


def test_kinds_and_sectors_are_allowed(reg):
    assert {e.kind for e in reg} <= KINDS
    assert {e.sector for e in reg if e.sector is not None} <= SECTORS


def test_countries_are_iso_alpha3_states(reg):
    iso = {c.alpha_3 for c in pycountry.countries} | {"XKX"}  # Kosovo's user-assigned code
    for e in reg:
        assert e.country is None or e.country in iso, (e.id, e.country)


def test_people_have_roles_and_countries(reg):
    people = [e for e in reg if e.kind == "person"]
    assert people
    for p in people:
        assert p.role and p.id.startswith("per:"), p.id
        assert p.country is not None, p.id


# -- clashes -----------------------------------------------------------------------------------


def test_no_alias_names_two_actors_unless_listed_as_ambiguous(reg):
    clashes = reg.clashes()
    assert clashes == {}, "\n".join(f"{k!r}: {v}" for k, v in sorted(clashes.items()))


CLASH = """
actors:
  - {id: grp:a, name: Alpha Front, kind: armed_group, aliases: [Front of Alpha, AF]}
  - {id: grp:b, name: Beta Front, kind: armed_group, aliases: [Front-of-Alpha]}
"""


def test_a_clashing_alias_is_detected(tmp_path):
    assert _write(tmp_path, CLASH).clashes() == {"front of alpha": ("grp:a", "grp:b")}


def test_a_listed_clash_needs_a_rule_and_all_candidates(tmp_path):
    ok = CLASH + """
ambiguous:
  - {alias: Front of Alpha, candidates: [grp:a, grp:b], prefer: grp:a, rule: by context}
"""
    reg = _write(tmp_path, ok)
    assert reg.clashes() == {} and reg.problems() == []
    assert [e.id for e in reg.lookup("front of alpha")] == ["grp:a", "grp:b"]

    partial = CLASH + """
ambiguous:
  - {alias: Front of Alpha, candidates: [grp:a], rule: by context}
"""
    assert _write(tmp_path, partial).clashes()

    no_rule = CLASH + """
ambiguous:
  - {alias: Front of Alpha, candidates: [grp:a, grp:b]}
"""
    reg = _write(tmp_path, no_rule)
    assert reg.clashes() and any("no rule" in p for p in reg.problems())


def test_ambiguous_entries_are_well_formed(raw, reg):
    for amb in reg.ambiguities():
        assert amb.rule and amb.candidates
        assert all(c in reg for c in amb.candidates)
        assert amb.prefer is None or amb.prefer in amb.candidates


# -- counts ------------------------------------------------------------------------------------


def test_counts(reg):
    s = reg.stats()
    print(
        f"\nactor registry: {s['actors']} actors ({s['actors_listed']} listed: {s['states']} "
        f"states, {s['groups']} groups, {s['people']} people, {s['igos']} IGOs, "
        f"{s['organisations']} organisations; {s['organs']} organs of which "
        f"{s['organs_overridden']} written by hand), {s['aliases']} aliases "
        f"({s['aliases_hand_written']} hand-written, {s['case_sensitive_aliases']} "
        f"case-sensitive), {s['demonyms']} demonyms"
    )
    assert s["actors_listed"] >= 300  # states and actors, derived organs excluded
    assert s["aliases"] >= 2000  # derived organs included
    assert s["people"] >= 100 and s["groups"] >= 100 and s["igos"] >= 30


# -- states and organs -------------------------------------------------------------------------


def test_every_sovereign_state_has_demonym_capital_and_organs(raw, reg):
    for s in raw["states"]:
        if s.get("sovereign", True) is False:
            continue
        sid = s["id"]
        assert s.get("demonyms"), sid
        assert s.get("capital"), sid
        for rule in ORGAN_RULES:
            organ = reg.get(f"{sid}.{rule.suffix}")
            assert organ is not None, (sid, rule.suffix)
            assert organ.country == sid
            parent = f"{sid}.{rule.parent_suffix}" if rule.parent_suffix else sid
            assert organ.part_of == parent


def test_territories_have_no_organs(reg):
    assert reg.get("GUM").role == "territory"
    assert reg.get("GUM.MIL") is None
    assert reg.get("GUM").part_of == "USA"


def test_state_names_are_common_short_names(reg):
    names = {i: reg.get(i).name for i in ("SYR", "IRN", "RUS", "USA", "GBR", "KOR", "TUR", "PSE")}
    assert names == {
        "SYR": "Syria", "IRN": "Iran", "RUS": "Russia", "USA": "United States",
        "GBR": "United Kingdom", "KOR": "South Korea", "TUR": "Turkey", "PSE": "Palestine",
    }
    # pycountry's comma-free names are added as aliases
    assert "Syrian Arab Republic" in reg.get("SYR").aliases
    assert "Russian Federation" in reg.get("RUS").aliases


def test_organ_accessor(reg):
    assert reg.organ("SYR", "MIL.ARMY").name == "Syrian Arab Army"
    assert reg.organ("syr", "army").id == "SYR.MIL.ARMY"
    assert reg.organ("USA", "foreign ministry").id == "USA.GOV.MFA"
    assert reg.organ("GUM", "army") is None


def test_organ_overrides_and_new_organs(reg):
    irgc = reg.get("IRN.IRGC")
    assert irgc.name == "Islamic Revolutionary Guard Corps" and irgc.part_of == "IRN.MIL"
    assert reg.get("IRN.IRGC.QF").part_of == "IRN.IRGC"
    assert reg.get("USA.INTEL.CIA").part_of == "USA.INTEL"
    assert reg.get("ISR.INTEL.SHINBET").sector == "SPY"
    assert reg.get("SYR.INTEL").derived is False and reg.get("SYR.INTEL.AFI").part_of == "SYR.INTEL"


def test_hand_written_alias_beats_derived_one(reg):
    # "Israeli army" is written on ISR.MIL; the army organ does not derive it.
    assert [e.id for e in reg.lookup_exact("Israeli army")] == ["ISR.MIL"]
    assert [e.id for e in reg.lookup_exact("Lebanese army")] == ["LBN.MIL"]


# -- lookups -----------------------------------------------------------------------------------


def _ids(entries) -> list[str]:
    return [e.id for e in entries]


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Daesh", "grp:isis"),
        ("Da’esh", "grp:isis"),
        ("ISIL", "grp:isis"),
        ("Islamic State of Iraq and the Levant", "grp:isis"),
        ("State Department", "USA.GOV.MFA"),
        ("the US State Department", "USA.GOV.MFA"),
        ("Pentagon", "USA.GOV.MOD"),
        ("the Syrian army", "SYR.MIL.ARMY"),
        ("Syria's army", "SYR.MIL.ARMY"),
        ("Syrian Arab Army", "SYR.MIL.ARMY"),
        ("SAA", "SYR.MIL.ARMY"),
        ("Syrian government", "SYR.GOV"),
        ("Damascus government", "SYR.GOV"),
        ("Ya’alon", "per:moshe-yaalon"),
        ("Moshe Yaalon", "per:moshe-yaalon"),
        ("Herzi Halevy", "per:herzi-halevi"),
        ("Israel’s military intelligence", "ISR.INTEL.AMAN"),
        ("Israeli Air Force", "ISR.MIL.AIR"),
        ("IDF", "ISR.MIL"),
        ("Russian Aerospace Forces", "RUS.MIL.AIR"),
        ("VKS", "RUS.MIL.AIR"),
        ("TSK", "TUR.MIL"),
        ("Mukhabarat", "SYR.INTEL"),
        ("Armed Forces of Ukraine", "UKR.MIL"),
        ("SAF", "SDN.MIL"),
        ("al Qaeda", "grp:al-qaeda"),
        ("al-Qaida", "grp:al-qaeda"),
        ("Nusra Front", "grp:nusra"),
        ("Hay'at Tahrir al-Sham", "grp:hts"),
        ("Hashd al-Shaabi", "grp:pmf"),
        ("Kata'ib Hezbollah", "grp:kataib-hezbollah"),
        ("Ansar Allah", "grp:houthis"),
        ("Haftar's forces", "grp:lna"),
        ("Hemedti", "per:hemedti"),
        ("Abu Mohammad al-Julani", "per:ahmed-al-sharaa"),
        ("Recep Tayyip Erdoğan", "per:recep-tayyip-erdogan"),
        ("Global Coalition to Defeat ISIS", "grp:global-coalition"),
        ("CJTF-OIR", "grp:global-coalition"),
        ("White Helmets", "grp:white-helmets"),
        ("SANA", "org:sana"),
        ("Security Council", "igo:unsc"),
        ("UN", "igo:un"),
        ("U.N.", "igo:un"),
    ],
)
def test_lookup_exact(reg, surface, expected):
    assert _ids(reg.lookup_exact(surface))[0] == expected


def test_jaish_khalid_variants_are_an_isis_affiliate(reg):
    for surface in ("Jaish Khaled bin Al-Waleed", "Jaish Khalid bin al-Waleed",
                    "Khalid ibn al-Walid Army", "Jaysh Khalid ibn al-Walid"):
        (entry,) = reg.lookup_exact(surface)
        assert entry.id == "grp:jaish-khalid-bin-al-waleed"
        assert entry.affiliate_of == "grp:isis"
    assert "grp:jaish-khalid-bin-al-waleed" in _ids(reg.affiliates("grp:isis"))


def test_nusra_is_the_predecessor_of_hts(reg):
    nusra = reg.lookup_exact("Jabhat al-Nusra")[0]
    assert nusra.predecessor_of == "grp:hts" and nusra.affiliate_of == "grp:al-qaeda"
    assert reg.lookup_exact("Jabhat Fateh al-Sham")[0].id == nusra.id


def test_demonyms_and_capitals(reg):
    assert reg.by_demonym("Syrian").id == "SYR"
    assert reg.by_demonym("Syrians").id == "SYR"
    assert reg.by_demonym("Turk").id == "TUR"
    assert reg.by_demonym("American").id == "USA"
    assert reg.by_demonym("Congolese").id == "COD"  # shared with COG; the ambiguous entry prefers COD
    assert reg.by_demonym("Martian") is None
    assert reg.by_capital("Damascus").id == "SYR"
    assert reg.by_capital("Kiev").id == "UKR"
    assert reg.by_capital("Sana'a").id == "YEM"
    assert reg.by_capital("Atlantis") is None
    assert reg.get("SYR").capital == "Damascus" and "Syrian" in reg.get("SYR").demonyms


def test_case_sensitive_acronyms(reg):
    assert is_case_sensitive("IS") and is_case_sensitive("U.S.") and is_case_sensitive("SAA")
    assert not is_case_sensitive("Isis") and not is_case_sensitive("HAMAS")
    assert is_case_sensitive("Sinai Province")  # "North Sinai province" is the governorate
    assert _ids(reg.lookup_exact("Sinai Province")) == ["grp:is-sinai"]
    assert reg.lookup_exact("Sinai province") == []
    assert _ids(reg.lookup_exact("IS")) == ["grp:isis"]
    assert reg.lookup_exact("is") == [] and reg.lookup_exact("Is") == []
    assert _ids(reg.lookup_exact("US")) == ["USA"]
    assert _ids(reg.lookup_exact("the U.S.")) == ["USA"]
    assert reg.lookup_exact("us") == []
    assert reg.lookup_exact("un") == [] and reg.lookup_exact("who") == []
    rows = reg.alias_records("IS")
    assert rows and all(r.case_sensitive for r in rows if r.alias == "IS")
    # lenient lookups are for people typing names
    assert _ids(reg.candidates("is")) == ["grp:isis"]


def test_ambiguous_alias_returns_all_candidates_preferred_first(reg):
    assert _ids(reg.lookup_exact("SNA")) == ["grp:sna", "SOM.MIL.ARMY"]
    assert _ids(reg.lookup_exact("Republican Guard")) == ["SYR.MIL.RG", "IRQ.MIL.RG"]
    assert reg.ambiguity("IS").rule


def test_get_lookup_candidates_contracts(reg):
    assert reg.get("grp:isis").name == "Islamic State"
    assert reg.get("no:such") is None
    sentinel = object()
    assert reg.get("no:such", sentinel) is sentinel
    assert reg.candidates("Nobody At All") == []
    with pytest.raises(LookupError):
        reg.lookup("Nobody At All")
    assert _ids(reg.lookup("SYR")) == ["SYR"]  # ids are looked up too
    assert "grp:hamas" in reg and len(reg) == len(list(reg))


def test_fuzzy_search(reg):
    (entry, score, _alias), *_ = reg.search("Zelenski")
    assert entry.id == "per:volodymyr-zelensky" and score >= 85
    assert reg.search("Khaled ibn Walid Army")[0][0].id == "grp:jaish-khalid-bin-al-waleed"


# -- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ya’alon", "Yaalon"),
        ("Ya'alon", "Ya‘alon"),
        ("Jaish Khaled bin Al-Waleed", "Jaish Khaled bin al Waleed"),
        ("Khalid ibn al-Walid", "Khalid bin Walid"),
        ("al-Nusra", "an-Nusra"),
        ("el-Sisi", "Sisi"),
        ("ash-Sham", "al-Sham"),
        ("Hay'at Tahrir al-Sham", "Hayat Tahrir al Sham"),
        ("the Syrian army", "Syrian army"),
        ("Syria's army", "Syria army"),
        ("U.S.", "US"),
        ("Erdoğan", "Erdogan"),
        ("Popular Mobilisation Forces", "Popular Mobilization Forces"),
        ("defence ministry", "defense ministry"),
        ("Da`esh", "Daesh"),
        ("ʿAmaq", "Amaq"),
    ],
)
def test_normalise_alias_unifies(a, b):
    assert normalise_alias(a) == normalise_alias(b)


def test_normalise_alias_keeps_distinctions():
    assert normalise_alias("Quds Force") != normalise_alias("al-Quds Brigades")
    assert normalise_alias("Sudanese") != normalise_alias("South Sudanese")
    assert normalise_alias("Al") == "al"  # a lone article is kept
    assert normalise_alias("") == ""


# -- loading -----------------------------------------------------------------------------------


def test_default_registry_reads_the_packaged_file():
    fresh = ActorRegistry()
    assert fresh.path is None and not fresh._loaded
    assert fresh.get("SYR").name == "Syria" and fresh._loaded


def test_lazy_loading_is_thread_safe(tmp_path):
    reg = _write(tmp_path, CLASH)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(len(reg))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2] * 8
