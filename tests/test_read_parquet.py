"""Parquet input: one document per row, columns chosen as for CSV, bad rows and files as failures."""

import datetime

import pytest

from sitrep.errors import ReadFailure
from sitrep.read import ReadOptions, read_all

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow", reason="Parquet needs pyarrow (installed with sitrep[ray])")


def _parquet(path, **columns):
    pd.DataFrame(columns).to_parquet(path, index=False)
    return path


def test_rows_are_documents_like_csv_rows(tmp_path):
    rows = {"title": ["Crossing closed", "Strikes resume"],
            "text": ["Jordan closed the Nasib crossing on Monday.",
                     "Jets struck Idlib province again, residents said."],
            "date": ["2018-07-02", "2018-09-04"], "outlet": ["Wire", "Wire"], "n": [1, 2]}
    pd.DataFrame(rows).to_csv(tmp_path / "a.csv", index=False)
    _parquet(tmp_path / "a.parquet", **rows)
    from_csv = list(read_all([tmp_path / "a.csv"]))
    from_parquet = list(read_all([tmp_path / "a.parquet"]))
    assert [d.origin for d in from_parquet] == [f"{tmp_path / 'a.parquet'}#1",
                                                 f"{tmp_path / 'a.parquet'}#2"]
    strip = [d.model_copy(update={"origin": None}) for d in from_csv]
    assert [d.model_copy(update={"origin": None}) for d in from_parquet] == strip
    assert from_parquet[1].metadata["n"] == "2" and from_parquet[0].published == "2018-07-02"


def test_named_columns_typed_dates_and_bad_rows(tmp_path):
    path = _parquet(tmp_path / "b.parquet", body=["Troops left Daraa on Monday.", "", None],
                    when=[datetime.date(2018, 7, 2), None, None])
    items = list(read_all([path], ReadOptions(text_column="body", date_column="when")))
    assert items[0].published == "2018-07-02" and items[0].text == "Troops left Daraa on Monday."
    assert items[1] == ReadFailure(f"{path}#2", "empty document")
    assert isinstance(items[2], ReadFailure) and items[2].origin == f"{path}#3"


def test_unusable_files_are_one_failure_each_and_the_batch_goes_on(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    no_text = _parquet(tmp_path / "c.parquet", headline=["A title"])
    good = tmp_path / "good.txt"
    good.write_text("Shelling hit Daraa on Monday, residents said.\n", encoding="utf-8")
    items = list(read_all([bad, no_text, tmp_path / "missing.parquet", good]))
    assert [type(i).__name__ for i in items] == ["ReadFailure"] * 3 + ["Document"]
    assert items[0].problem.startswith("not a valid Parquet file")
    assert items[1].problem.startswith("no text column")
    assert items[2].problem == "no such file or directory"
    named = list(read_all([no_text], ReadOptions(text_column="body")))
    assert named[0].problem.startswith("no column 'body' (--text-column)")


def test_folders_include_parquet_files(tmp_path):
    _parquet(tmp_path / "day.parquet", text=["Jets struck Idlib province again on Tuesday."])
    (tmp_path / "notes.xyz").write_text("ignored", encoding="utf-8")
    items = list(read_all([tmp_path]))
    assert len(items) == 1 and items[0].origin.endswith("day.parquet#1")
