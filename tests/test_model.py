"""The CAR model and the Sysmon mapping table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carhunt import coverage
from carhunt.model import car
from carhunt.model.mapping import EVENT_TABLES, MAPPING


def test_mapping_columns_exist_in_model() -> None:
    for row in MAPPING:
        assert row.column in car.BY_TABLE[row.table].column_names, row


def test_mapped_event_ids() -> None:
    assert sorted(EVENT_TABLES) == [1, 2, 3, 5, 6, 7, 8]


def test_ticks_match_sysmon_32_page(corpus: Path) -> None:
    page = json.loads((corpus.parent / "spec" / "sysmon-3.2-coverage.json").read_text())
    expected = {
        f"{obj}/{action}/{name}"
        for obj, body in page["data_model_coverage"].items()
        for action, names in body["actions"].items()
        for name in names
    }
    assert len(expected) == 60
    assert coverage.ticks() == expected


def test_unbacked_ticks_are_the_four_known() -> None:
    unbacked = {
        f"{c.object}/{action}/{name}"
        for c in coverage.model_coverage()
        for (action, name), cell in c.cells.items()
        if cell.mark == coverage.UNBACKED
    }
    assert unbacked == {
        "file/timestomp/user",
        "process/terminate/user",
        "thread/remote_create/user",
        "thread/remote_create/src_tid",
    }


@pytest.mark.parametrize("table", car.OBJECT_ACTIONS, ids=lambda t: t.table)
def test_every_table_has_provenance(table: car.ObjectAction) -> None:
    names = table.column_names
    for column in (car.SOURCE_ID, car.REF, car.EVENT_REF, car.TIME):
        assert column in names
