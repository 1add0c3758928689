"""The read stage: every format, every bad input, and the boilerplate rules on invented texts."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from sitrep.errors import ReadError, ReadFailure
from sitrep.model import Document, document_id
from sitrep.read import ReadOptions, read, read_all
from sitrep.read.boilerplate import clean, is_credit, parse_byline
from sitrep.read.dates import iso_date

FIXTURES = Path(__file__).parent / "fixtures" / "read"
SHARED = Path(__file__).parents[2] / "shared"
OPED = SHARED / "corpus" / "magnier-2018-southern-syria.txt"
FAKES = SHARED / "corpus" / "fakes" / "fakes.csv"

ARTICLE = """\
Militias clash near Deir ez-Zor crossing

By Hana Qasim and Omar al-Rifai: @hqasim

Fighting broke out on Monday between two militias near the Euphrates crossing, residents said.

“We stayed indoors all night,” one farmer said. The clashes ended at dawn.

Edited by Lina Saad

If you value this reporting, please consider a small donation to help fund our journalism.

Comments are closed.
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def one(source, options: ReadOptions | None = None) -> Document:
    docs = list(read(source, options))
    assert len(docs) == 1
    return docs[0]


def problem(source) -> str:
    with pytest.raises(ReadError) as err:
        list(read(source))
    return err.value.problem


# ---- plain text -------------------------------------------------------------------------------


def test_text_file_headline_byline_credits_and_trailers(tmp_path):
    doc = one(write(tmp_path, "a.txt", ARTICLE))
    assert doc.title == "Militias clash near Deir ez-Zor crossing"
    assert doc.authors == ["Hana Qasim", "Omar al-Rifai"]
    assert doc.metadata["handles"] == ["@hqasim"]
    assert doc.metadata["credits"] == ["Edited by Lina Saad"]
    assert doc.metadata["dropped"] == [
        "If you value this reporting, please consider a small donation to help fund our "
        "journalism.",
        "Comments are closed.",
    ]
    assert doc.text == (
        "Fighting broke out on Monday between two militias near the Euphrates crossing, residents "
        "said.\n\n“We stayed indoors all night,” one farmer said. The clashes ended at dawn."
    )
    assert doc.id == document_id(doc.text)
    assert doc.origin == str(tmp_path / "a.txt")
    assert doc.language == "en"


def test_markdown_heading_becomes_title(tmp_path):
    path = write(tmp_path, "a.md", "# Truce holds in Eastern Ghouta\n\nThe truce held overnight.\n")
    doc = one(path)
    assert doc.title == "Truce holds in Eastern Ghouta"
    assert doc.text == "The truce held overnight."


def test_paragraphs_and_characters_are_kept(tmp_path):
    raw = "  First para, line one\r\nline two “quoted” – dash  \r\n\r\n\r\n\r\nSecond para’s end. "
    doc = one(write(tmp_path, "a.txt", raw))
    assert doc.title is None  # the first line runs on into the next: not a headline
    assert doc.text == "First para, line one\nline two “quoted” – dash\n\nSecond para’s end."


def test_text_without_blank_lines_has_one_paragraph_per_line(tmp_path):
    text = "Army enters Nawa\nTroops entered the town.\nShare this:\nTwitter\n"
    doc = one(write(tmp_path, "a.txt", text))
    assert doc.title == "Army enters Nawa"
    assert doc.text == "Troops entered the town."
    assert doc.metadata["dropped"] == ["Share this:", "Twitter"]


@pytest.mark.parametrize(
    "first",
    [
        "The army took the town on Monday.",  # a sentence: ends with a full stop
        "the army took the town",  # starts in lower case
        "Syria",  # one word
        "Wed 05 Apr 2017",  # a dateline
        "By Jane Doe",  # a byline
    ],
)
def test_no_headline_guessed(first):
    result = clean(f"{first}\n\nTroops entered the town, residents said.\n")
    assert result.title is None


def test_headline_followed_directly_by_byline():
    result = clean("Aid reaches Raqqa\nBy Jane Doe\n\nThe first convoy arrived.\n")
    assert result.title == "Aid reaches Raqqa"
    assert result.authors == ["Jane Doe"]
    assert result.body == "The first convoy arrived."


@pytest.mark.parametrize(
    ("line", "authors", "extras"),
    [
        ("By Elena Petrova", ["Elena Petrova"], []),
        ("by Karim J. Nasser: @knasser", ["Karim J. Nasser"], [("handles", "@knasser")]),
        ("By Ann Lee and Bo Chen", ["Ann Lee", "Bo Chen"], []),
        ("Written by Ann Lee, Bo Chen & Dara Kim", ["Ann Lee", "Bo Chen", "Dara Kim"], []),
        ("By Tom Baker in Beirut", ["Tom Baker"], [("byline_places", "Beirut")]),
        ("By Sami Aziz, Cairo desk", ["Sami Aziz"], [("affiliations", "Cairo desk")]),
        ("By John Smith | June 20, 2018 10:42 am EDT", ["John Smith"], []),
        ("Author: Jane Doe (Twitter: @janed)", ["Jane Doe"], [("handles", "@janed")]),
        ("By Abu Hamza al-Masri", ["Abu Hamza al-Masri"], []),
        ("By AFP", [], [("affiliations", "AFP")]),
    ],
)
def test_bylines(line, authors, extras):
    assert parse_byline(line) == (authors, extras)


@pytest.mark.parametrize(
    "line",
    [
        "By the end of the week, the army had taken the town.",
        "By Monday, troops had left",
        "By Land and Sea",
        "By The Way",
        "Nearby villages were shelled",
    ],
)
def test_not_bylines(line):
    assert parse_byline(line) is None


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("Proof read by: Anna Weber", True),
        ("Edited by John Smith.", True),
        ("(Reporting by Tom Baker in Beirut; Editing by Angus Roe)", True),
        ("Translated by Mira Haddad", True),
        ("Research by Human Rights Watch found that 20 people died.", False),
        ("Edited by the ministry, the report was never published", False),
    ],
)
def test_credits(line, credit):
    assert is_credit(line) is credit


def test_wordpress_trailer_and_related_listing_are_dropped():
    text = (
        "Rebels shelled the district on Tuesday, the monitor said.\n\n"
        "The army answered with air strikes.\n\n"
        "Share this:\nTwitter\nFacebook\n\nLike this:\nLike Loading...\n\n"
        "Related\n\nArmy advances in Daraa\nJune 20, 2018\nIn \"Syria\"\n"
    )
    result = clean(text, guess_title=False)
    assert result.body == (
        "Rebels shelled the district on Tuesday, the monitor said.\n\n"
        "The army answered with air strikes."
    )
    dropped = result.metadata["dropped"]
    assert dropped[:5] == ["Share this:", "Twitter", "Facebook", "Like this:", "Like Loading..."]
    assert "Army advances in Daraa" in result.metadata["dropped"]


def test_trailer_lines_anywhere_and_follow_subscribe():
    follow, subscribe = "Follow us on Telegram for updates", "Subscribe to our newsletter"
    text = f"Troops advanced.\n\n{follow}\n\nThey met no resistance.\n\n{subscribe}\n"
    result = clean(text, guess_title=False)
    assert result.body == "Troops advanced.\n\nThey met no resistance."
    assert result.metadata["dropped"] == [follow, subscribe]


def test_look_alikes_of_boilerplate_stay_in_the_body():
    text = (
        "The strikes hit Idlib.\n\n"
        "Twitter\n\n"  # a network name not after "Share this:" is text
        "“Please donate to support our work in Idlib,” the aid group said.\n\n"  # quoted: news
        "Qatar pledged to donate $50m to the relief fund.\n\n"
        "Subscribers to the service lost access.\n"
    )
    result = clean(text, guess_title=False)
    assert result.body.split("\n\n") == [p for p in text.strip().split("\n\n")]
    assert "dropped" not in result.metadata


def test_record_bodies_keep_their_first_line_when_the_record_has_a_title(tmp_path):
    record = {"title": "T", "text": "Short first line\n\nBody of the story."}
    doc = one(write(tmp_path, "a.json", json.dumps(record)))
    assert doc.title == "T"
    assert doc.text == "Short first line\n\nBody of the story."


# ---- HTML -------------------------------------------------------------------------------------


def test_html_article():
    doc = one(FIXTURES / "article.html")
    assert doc.title == "Shelling kills five in Daraa countryside"
    assert doc.authors == ["Rania Haddad"]
    assert doc.published == "2018-06-21"
    assert doc.source == "The Levant Ledger"
    assert doc.url == "https://levant-ledger.example/2018/06/21/daraa-shelling"
    assert doc.text.startswith("Shelling on the town of Busra al-Harir")
    assert doc.text.endswith("said its border would remain closed.")
    assert "“The shells fell on the market at noon,”" in doc.text
    for junk in ("Home", "Subscribe", "Most read", "rights reserved", "analytics", "Share this"):
        assert junk not in doc.text
    assert doc.text.count("\n\n") == 3


def test_broken_html_falls_back_to_its_visible_text(tmp_path):
    markup = "<title>Siege</title><p>Unclosed <b>tags <div>and the siege of <i>Homs"
    doc = one(write(tmp_path, "a.html", markup))
    assert "the siege of Homs" in doc.text
    assert doc.title == "Siege"


@pytest.mark.parametrize(
    "markup", ["<html><body><script>var x = 1;</script></body></html>", "<html></html>", "<!-- -->"]
)
def test_html_without_text_fails_clearly(tmp_path, markup):
    assert problem(write(tmp_path, "a.htm", markup)) == "no readable text in the HTML"


# ---- JSON, JSONL, CSV -------------------------------------------------------------------------


def test_json_object_and_list(tmp_path):
    record = {
        "text": "Troops entered Nawa.", "title": "Nawa", "url": "https://x.example/n",
        "published": "2018-07-01T09:00:00Z", "source": "Wire", "authors": "Ann Lee; Bo Chen",
        "desk": "Syria",
    }
    doc = one(write(tmp_path, "a.json", json.dumps(record)))
    assert (doc.title, doc.url) == ("Nawa", "https://x.example/n")
    assert (doc.published, doc.source) == ("2018-07-01", "Wire")
    assert doc.authors == ["Ann Lee", "Bo Chen"]
    assert doc.metadata == {"desk": "Syria"}
    assert doc.origin == str(tmp_path / "a.json")

    records = [{"text": "One."}, {"text": "  "}, 7, {"body": "Three."}]
    path = write(tmp_path, "b.json", json.dumps(records))
    items = list(read_all([path]))
    assert [getattr(i, "text", None) for i in items] == ["One.", None, None, "Three."]
    assert items[1] == ReadFailure(f"{path}#2", "empty document")
    assert items[2] == ReadFailure(f"{path}#3", "expected a JSON object, got a number")


def test_invalid_json_names_the_line(tmp_path):
    path = write(tmp_path, "a.json", '{\n  "text": "x",\n  "title": "y"\n  "url": "z"\n}')
    assert problem(path) == "line 4: invalid JSON (Expecting ',' delimiter)"


def test_jsonl_bad_line_does_not_stop_the_good_ones(tmp_path):
    lines = [
        json.dumps({"text": "First.", "authors": ["Ann Lee"]}),
        '{"text": "broken" "title": 1}',
        "",
        json.dumps({"html": "<html><body><p>Third, from HTML.</p></body></html>", "title": "3"}),
        json.dumps({"title": "no body"}),
        json.dumps(["not", "an", "object"]),
    ]
    path = write(tmp_path, "a.jsonl", "\n".join(lines))
    items = list(read_all([path]))
    assert [i.text for i in items if isinstance(i, Document)] == ["First.", "Third, from HTML."]
    assert items[0].origin == f"{path}:1" and items[0].authors == ["Ann Lee"]
    assert items[2].origin == f"{path}:4" and items[2].title == "3"
    failures = [i for i in items if isinstance(i, ReadFailure)]
    assert failures == [
        ReadFailure(f"{path}:2", "line 2: invalid JSON (Expecting ',' delimiter)"),
        ReadFailure(f"{path}:5", "no text or html field (fields: title)"),
        ReadFailure(f"{path}:6", "expected a JSON object, got a list"),
    ]
    # read() yields every good document, then raises for the first bad record.
    seen = []
    expected = r"a\.jsonl:2: line 2: invalid JSON .*\(and 2 more bad records\)"
    with pytest.raises(ReadError, match=expected):
        for doc in read(path):
            seen.append(doc.text)
    assert seen == ["First.", "Third, from HTML."]


def test_csv_columns_metadata_and_bad_rows(tmp_path):
    text = (
        ",Headline,Article_Content,Date,Outlet,Link,region\n"
        '0,Strikes on Ariha,"Jets struck Ariha.\n\nFive died.",4/5/17,SANA,https://s.ex/1,Idlib\n'
        "1,Empty,,4/6/17,SANA,,Idlib\n"
        "2,Third,Shelling in Daraa.,2017-12-25,,,Daraa\n"
    )
    path = write(tmp_path, "a.csv", text)
    items = list(read_all([path]))
    first, bad, third = items
    assert (first.title, first.published) == ("Strikes on Ariha", "2017-04-05")
    assert (first.source, first.url) == ("SANA", "https://s.ex/1")
    assert first.text == "Jets struck Ariha.\n\nFive died."
    assert first.metadata == {"region": "Idlib"}  # the unnamed index column is left out
    assert first.origin == f"{path}#1"
    assert bad == ReadFailure(f"{path}#2", "empty document")
    assert third.published == "2017-12-25" and third.source is None


def test_csv_named_columns(tmp_path):
    path = write(tmp_path, "a.csv", "story,name,when\nTroops left.,Withdrawal,1/2/18\n")
    doc = one(path, ReadOptions(text_column="STORY", title_column="name", date_column="when"))
    assert (doc.text, doc.title, doc.published) == ("Troops left.", "Withdrawal", "2018-01-02")
    assert problem(path) == (
        "no text column (looked for text, content, article_content, body, html; "
        "columns are: story, name, when); name one with --text-column"
    )
    with pytest.raises(ReadError) as err:
        list(read(path, ReadOptions(text_column="story", title_column="missing")))
    columns = "columns are: story, name, when"
    assert err.value.problem == f"no column 'missing' (--title-column); {columns}"


def test_csv_header_only(tmp_path):
    assert problem(write(tmp_path, "a.csv", "text,title\n")) == "no rows after the header"


# ---- gzip, folders, stdin, streams ---------------------------------------------------------


def test_gzip(tmp_path):
    doc = one(write(tmp_path, "a.txt.gz", gzip.compress(ARTICLE.encode())))
    assert doc.authors == ["Hana Qasim", "Omar al-Rifai"]
    path = write(tmp_path, "b.jsonl.gz", gzip.compress(b'{"text": "A."}\n{"text": "B."}\n'))
    assert [d.origin for d in read(path)] == [f"{path}:1", f"{path}:2"]
    bad = write(tmp_path, "c.txt.gz", b"not gzip at all")
    assert problem(bad).startswith("not a valid gzip file")


def test_gzip_inflating_over_the_limit(tmp_path):
    path = write(tmp_path, "big.txt.gz", gzip.compress(b"a" * 5000))
    with pytest.raises(ReadError) as err:
        list(read(path, ReadOptions(max_bytes=1000)))
    assert err.value.problem == "uncompressed content is over the 0.001 MB limit (--max-bytes)"


def test_folders_are_walked_sorted_skipping_hidden_and_unknown(tmp_path):
    write(tmp_path, "b.txt", "Second file body.")
    write(tmp_path, "a/z.md", "Nested file body.")
    write(tmp_path, "c.jsonl", '{"text": "From JSONL."}')
    write(tmp_path, ".hidden.txt", "Hidden.")
    write(tmp_path, ".git/config.txt", "Hidden folder.")
    write(tmp_path, "notes.pdf", b"%PDF-1.4")
    write(tmp_path, "empty.txt", "   \n")
    items = list(read_all([tmp_path]))
    assert [Path(i.origin).name for i in items] == ["z.md", "b.txt", "c.jsonl:1", "empty.txt"]
    assert items[-1] == ReadFailure(str(tmp_path / "empty.txt"), "empty document")
    (tmp_path / "none").mkdir()
    [empty] = read_all([tmp_path / "none"])
    assert empty.problem.startswith("no readable files in this folder")


def test_read_all_takes_a_lone_path_and_never_raises(tmp_path):
    good = write(tmp_path, "good.txt", "A body.")
    assert [d.text for d in read_all(good)] == ["A body."]
    items = list(read_all([tmp_path / "missing.txt", good, tmp_path / "missing.csv"]))
    assert items[0] == ReadFailure(str(tmp_path / "missing.txt"), "no such file or directory")
    assert items[1].text == "A body."
    assert items[2].problem == "no such file or directory"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("Plain words from a pipe.\n", "text"),
        ("  <html><body><p>From a page on stdin.</p></body></html>", "html"),
        ('{"text": "Line one."}\n{"text": "Line two."}\n', "jsonl"),
        ('{\n  "text": "Pretty-printed."\n}\n', "json"),
    ],
)
def test_stdin(monkeypatch, content, kind):
    monkeypatch.setattr(sys, "stdin", io.StringIO(content))
    docs = list(read_all(["-"]))
    expected = {
        "text": ["Plain words from a pipe."], "html": ["From a page on stdin."],
        "jsonl": ["Line one.", "Line two."], "json": ["Pretty-printed."],
    }[kind]
    assert [d.text for d in docs] == expected
    assert docs[0].origin == ("<stdin>:1" if kind == "jsonl" else "<stdin>")


def test_stdin_bytes_are_decoded(monkeypatch):
    raw = "Caf\xe9 in M\xfcnchen.".encode("latin-1")
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    assert one("-").text == "Café in München."


def test_gzipped_stdin(monkeypatch):
    stream = io.TextIOWrapper(io.BytesIO(gzip.compress(b'{"text": "Zipped."}\n')))
    monkeypatch.setattr(sys, "stdin", stream)
    assert one("-").text == "Zipped."


def test_file_without_extension_is_sniffed(tmp_path):
    path = write(tmp_path, "article", '{"text": "From JSONL."}')
    assert one(path).origin == f"{path}:1"
    assert one(write(tmp_path, "page", "<p>From HTML.</p>")).text == "From HTML."


def test_read_a_stream():
    assert one(io.BytesIO(b"From a stream.")).origin == "<stream>"


# ---- bad inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", b"\xef\xbb\xbf\n"])
def test_empty_file(tmp_path, content):
    assert problem(write(tmp_path, "a.txt", content)) == "empty document"


def test_only_boilerplate_is_empty(tmp_path):
    assert problem(write(tmp_path, "a.txt", "Comments are closed.\n")).startswith("empty document")


CONTROLS = bytes(range(1, 32)) * 9  # no NUL byte, but nothing a text would contain


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", CONTROLS])
def test_binary_file(tmp_path, content):
    assert problem(write(tmp_path, "a.txt", content)) == "binary file, not text"


def test_iso_8859_1(tmp_path):
    raw = "Le caf\xe9 de J\xfcrgen M\xfcller \xe0 Alep, na\xefve.\n".encode("latin-1")
    assert one(write(tmp_path, "a.txt", raw)).text == "Le café de Jürgen Müller à Alep, naïve."


def test_windows_1252_quotes(tmp_path):
    raw = "He said \u201cno\u201d \u2013 and left.".encode("cp1252")
    assert one(write(tmp_path, "a.txt", raw)).text == "He said “no” – and left."


def test_invalid_utf8_falls_back_to_a_detected_encoding(tmp_path):
    text = "Сирийская армия начала наступление на юге страны, сообщили источники."
    raw = text.encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert one(write(tmp_path, "a.txt", raw)).text == text


def test_declared_html_charset_is_honoured(tmp_path):
    html = (
        '<html><head><meta charset="windows-1256"></head>'
        "<body><p>قالت وكالة الأنباء إن القصف استمر طوال الليل.</p></body></html>"
    )
    doc = one(write(tmp_path, "a.html", html.encode("cp1256")))
    assert "القصف" in doc.text


def test_byte_order_marks(tmp_path):
    assert one(write(tmp_path, "a.txt", "\ufeffWith a BOM.".encode())).text == "With a BOM."
    assert one(write(tmp_path, "b.txt", "UTF-16 text.".encode("utf-16"))).text == "UTF-16 text."


def test_missing_path_and_folder_given_to_read(tmp_path):
    assert problem(tmp_path / "nope.txt") == "no such file or directory"
    assert problem(tmp_path) == "is a directory (read_all reads folders)"


def test_over_max_bytes(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(50_000_000)  # sparse: no 50 MB is written
    assert problem(path) == "file is 50.0 MB, over the 20 MB limit (--max-bytes)"


def test_unsupported_extension(tmp_path):
    assert problem(write(tmp_path, "a.pdf", b"%PDF")).startswith("unsupported file type '.pdf'")


# ---- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("4/5/17", "2017-04-05"),
        ("12/31/2016", "2016-12-31"),
        ("25/12/2017", "2017-12-25"),
        ("2018-06-20T10:00:00Z", "2018-06-20"),
        ("2018/06/20", "2018-06-20"),
        ("Wed 05 Apr 2017", "2017-04-05"),
        ("Wed, 05 Apr 2017 10:00:00 +0000", "2017-04-05"),
        ("April 5, 2017", "2017-04-05"),
        ("5th April 2017", "2017-04-05"),
        ("Sept. 3 2016", "2016-09-03"),
        ("last spring", "last spring"),
        ("13/13/2017", "13/13/2017"),
        ("  ", None),
        (None, None),
    ],
)
def test_iso_date(raw, iso):
    assert iso_date(raw) == iso


# ---- the real corpus ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not OPED.exists(), reason=f"shared corpus not present: {OPED}")
def test_real_oped():
    doc = one(OPED)
    assert doc.authors == ["Elijah J. Magnier"]
    assert doc.title == OPED.read_text(encoding="utf-8").splitlines()[0].strip()
    assert doc.metadata["handles"] == ["@ejmalrai"]
    assert doc.metadata["credits"] == ["Proof read by: Maurice Brasher"]
    assert "Comments are closed" not in doc.text
    assert "contribute and help fund" not in doc.text
    assert doc.text.startswith("The Syrian Army is gathering its forces")
    assert doc.text.endswith("mirroring what Lebanon did in May 2000?")
    assert "\n\n\n" not in doc.text and "’" in doc.text


@pytest.mark.slow
@pytest.mark.skipif(not FAKES.exists(), reason=f"FA-KES corpus not present: {FAKES}")
def test_fakes_csv():
    items = list(read_all([FAKES]))
    assert [i for i in items if isinstance(i, ReadFailure)] == []
    assert len(items) == 804
    first = items[0]
    assert first.title == "Syria attack symptoms consistent with nerve agent use WHO"
    assert first.published == "2017-04-05"
    assert first.origin == f"{FAKES}#1"
    assert all(d.published and len(d.published) == 10 for d in items)
    # The file is ISO-8859-1 / Windows-1252: byte 0xB5 is the micro sign, 0x95 a bullet, and no
    # C1 control characters or replacement characters are left in any body.
    assert sum("•µ" in d.text for d in items) == 2
    assert not any(c in d.text for d in items for c in ("\ufffd", "\x81", "\x95"))
