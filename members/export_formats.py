"""A member's data export written out: JSON (one document, written section by section) or
CSV (a ZIP archive of one CSV file per section, since the sections are different tables).

Formatting sits here, at the edge, for the "Your data" page and `export_member_data` alike;
what is exported is `members.data_export`'s.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from members.data_export import MemberData

JSON_TYPE = "application/json"
ZIP_TYPE = "application/zip"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)  # UUIDs, and anything else without a JSON form


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_value, ensure_ascii=False)


def json_chunks(data: MemberData) -> Iterator[str]:
    """The export as one JSON object, in pieces: a row at a time."""
    yield "{" + f'"member_id": {_dumps(data.member_id)}, '
    yield f'"exported_at": {_dumps(data.exported_at)}'
    for section in data.sections:
        yield f", {_dumps(section.name)}: "
        if section.single:
            [row] = section.rows()
            yield _dumps(row)
            continue
        yield "["
        for number, row in enumerate(section.rows()):
            yield ("," if number else "") + "\n  " + _dumps(row)
        yield "\n]"
    yield "}\n"


def write_json(data: MemberData, out: IO[str]) -> None:
    for chunk in json_chunks(data):
        out.write(chunk)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _dumps(value)
    return value


def write_csv_zip(data: MemberData, out: IO[bytes]) -> None:
    """`<section>.csv` for each section (UTF-8, a header row, times in ISO 8601 UTC, the event
    payloads as JSON), written into the ZIP archive a row at a time."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in data.sections:
            with archive.open(f"{section.name}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.DictWriter(text, fieldnames=section.columns)
                writer.writeheader()
                for row in section.rows():
                    writer.writerow({key: _cell(value) for key, value in row.items()})
                text.flush()
                text.detach()


def filename(data: MemberData, extension: str) -> str:
    return f"gymbooking-data-{data.exported_at:%Y-%m-%d}.{extension}"
