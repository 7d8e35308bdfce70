"""The data dictionary is generated from the schema, and every comment is bilingual."""

from __future__ import annotations

import re
from pathlib import Path

from warehouse.dictionary import DICTIONARY_PATH, main, render
from warehouse.schema import TABLES, VIEWS

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_committed_dictionary_is_up_to_date() -> None:
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render(), (
        "docs/data-dictionary.md is stale: run `make dictionary` and commit the result"
    )


def test_command_writes_the_dictionary(tmp_path: Path) -> None:
    target = tmp_path / "dictionary.md"
    assert main(["--output", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text == render()
    for name in [*TABLES, *VIEWS]:
        assert f"### `{name}`" in text
    assert "| `raw` | TEXT | Raw values as JSON | 元データ |" in text


def test_every_table_view_and_column_is_explained_in_english_and_japanese() -> None:
    comments = {name: view.comment for name, view in VIEWS.items()}
    for table in TABLES.values():
        comments[table.name] = table.comment
        comments.update({f"{table.name}.{c.name}": c.comment for c in table.columns})
    for name, comment in comments.items():
        english, separator, japanese = (comment or "").rpartition(" / ")
        assert separator and re.search("[A-Za-z]", english), name
        assert JAPANESE.search(japanese), name
