"""The command as a user meets it: help, output formats, and one clear line for every bad input."""

import json

import pytest

from sitrep.model import SCHEMA_VERSION

from .conftest import EXAMPLES, shared_path

pytestmark = pytest.mark.slow


def test_help_lists_every_verb_with_its_help(run_cli):
    from sitrep.cli import app

    result = run_cli("--help")
    assert result.returncode == 0
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert name in result.stdout
        assert command.callback.__doc__, f"{name} has no help text"


def test_analyze_text_report(run_cli):
    result = run_cli("analyze", str(EXAMPLES / "daraa-crossing.txt"))
    assert result.returncode == 0, result.stderr
    assert "Jordan reopens Nasib crossing" in result.stdout
    assert "Places" in result.stdout and "Amman" in result.stdout
    assert "Traceback" not in result.stderr


def test_analyze_json_validates_against_the_schema(run_cli, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from .conftest import ROOT

    out = tmp_path / "r.json"
    result = run_cli("analyze", str(EXAMPLES / "idlib-strikes.html"), "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)
    assert report["document"]["title"].startswith("Air strikes hit market town in Idlib")
    assert report["document"]["authors"] == ["Omar Khalil"]


def test_jsonl_and_md_formats(run_cli):
    result = run_cli("analyze", str(EXAMPLES / "briefs.jsonl"), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3 and all(json.loads(line)["schema"] == SCHEMA_VERSION for line in lines)
    md = run_cli("analyze", str(EXAMPLES / "briefs.jsonl"), "--format", "md")
    assert md.stdout.count("\n# ") + md.stdout.startswith("# ") == 3


def test_stdin(run_cli):
    result = run_cli("analyze", "-", "--format", "json",
                     input="Shelling hit the town of Tafas in Daraa province on Monday.\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["document"]["origin"] == "<stdin>"


@pytest.mark.parametrize("name, content, problem", [
    ("empty.txt", b"", "empty document"),
    ("blob.txt", bytes(range(256)) * 4, "binary file"),
    ("broken.jsonl", b'{"text": "Fighting in Homs."}\n{"text": broken\n', "invalid JSON"),
])
def test_bad_input_is_one_line_and_the_batch_goes_on(run_cli, tmp_path, name, content, problem):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = EXAMPLES / "daraa-crossing.txt"
    result = run_cli("analyze", str(bad), str(good), "--format", "jsonl")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("sitrep:")]
    assert any(name in line and problem in line for line in lines), result.stderr
    ids = [json.loads(line)["document"]["title"] for line in result.stdout.splitlines()]
    assert "Jordan reopens Nasib crossing as Syrian army reinforces Daraa province" in ids


def test_nothing_readable_exits_2(run_cli, tmp_path):
    result = run_cli("analyze", str(tmp_path / "missing.txt"))
    assert result.returncode == 2
    assert "missing.txt" in result.stderr and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_huge_file_is_refused_clearly(run_cli, tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    result = run_cli("analyze", str(big))
    assert result.returncode == 2
    assert "big.txt" in result.stderr and "MB" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_the_oped_as_the_issue_asks(run_cli):
    path = shared_path("corpus", "magnier-2018-southern-syria.txt")
    result = run_cli("analyze", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    doc = report["document"]
    assert doc["authors"] == ["Elijah J. Magnier"]
    assert doc["title"].startswith("The US will not allow the elimination of al-Qaeda")
    assert "Comments are closed" not in doc["text"]
    assert "contribute and help fund" not in doc["text"]
    from sitrep.model import Report

    assert Report.from_dict(report).span_errors() == []


def test_geocode_verb(run_cli):
    line = json.dumps({"text": "Shelling hit Deraa and Homs.", "spans": [[13, 18], [23, 27]]})
    result = run_cli("geocode", "-", input=line + "\n")
    assert result.returncode == 0, result.stderr
    places = json.loads(result.stdout)["places"]
    assert [p["country"] for p in places] == ["SY", "SY"]
