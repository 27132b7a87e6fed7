"""The Outsmart Playout rules for a digital file, written from the standard's own text
(Outsmart-OOH/PlayoutReportingStandard: `Playout/playout-digital-file-format.md` v1.7 for the
fields, `Playout/playout-field-validation.md` v2.0 for the checks), not from our exporter.

`check_file` returns the errors Playout would report for a file, one string per failed rule,
each naming the rule by its section in the validation document.
"""

import csv
import io
import re
from datetime import datetime, timedelta

# (name, type, mandatory) in the file format's order. "?" fields are conditionally mandatory.
FIELDS: list[tuple[str, str, str]] = [
    ("frameid", "INT4", "*"),
    ("startdate", "TIMESTAMP", "?"),
    ("startutcoffset", "TZ_OFFSET", "?"),
    ("enddate", "TIMESTAMP", "?"),
    ("endutcoffset", "TZ_OFFSET", "?"),
    ("spotlength", "INT8", "?"),
    ("shareoftime", "DECIMAL(5,2)", "?"),
    ("orderid", "TEXT(256)", "*"),
    ("lineid", "TEXT(36)", "?"),
    ("spacebuyerid", "INT4", "*"),
    ("spaceagencyid", "INT4", ""),
    ("spacebrandid", "INT4", "*"),
    ("buyercampaignref", "TEXT(64)", ""),
    ("creativeid", "TEXT(64)", "*"),
    ("creativename", "TEXT(128)", "*"),
    ("thirdpartycreativeref", "TEXT(128)", ""),
    ("creativetriggerevent", "TEXT(64)", ""),
    ("playerref", "TEXT(36)", ""),
    ("mediaownerplayoutref", "TEXT(48)", "*"),
]
INT4_MAX = 2_147_483_647
INT8_MAX = 9_223_372_036_854_775_807
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$")
_OFFSET = re.compile(r"^(Z|[+\-–](\d{2}):(\d{2}))$")
_DECIMAL = re.compile(r"^\d+(\.\d{1,2})?$")
SUBMISSION_WINDOW = timedelta(days=14)
OVERLAP_TOLERANCE = timedelta(seconds=1.5)


def _type_error(kind: str, value: str) -> str | None:
    """4. Field type rules."""
    if kind in ("INT4", "INT8"):
        limit = INT4_MAX if kind == "INT4" else INT8_MAX
        if not value.isdigit() or int(value) > limit:
            return f"must be a non-negative integer up to {limit}"
    elif kind == "TIMESTAMP":
        if not _TIMESTAMP.match(value):
            return "must be yyyy-mm-ddThh:mm:ss.sss"
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            return "is not a valid ISO 8601 date and time"
    elif kind == "TZ_OFFSET":
        found = _OFFSET.match(value)
        if not found or (found.group(2) and (int(found.group(2)) > 23 or int(found.group(3)) > 59)):
            return "must be Z or +hh:mm / -hh:mm"
    elif kind == "DECIMAL(5,2)":
        if not _DECIMAL.match(value) or float(value) > 100:
            return "must be a number with at most two decimals, at most 100.00"
    elif kind.startswith("TEXT("):
        limit = int(kind[5:-1])
        if len(value) > limit:
            return f"must be at most {limit} characters"
    return None


def _instant(date_text: str, offset_text: str) -> datetime:
    # startdate is UTC; its offset only says the local time zone then.
    del offset_text
    return datetime.strptime(date_text, "%Y-%m-%dT%H:%M:%S.%f")


def check_file(body: bytes, *, now: datetime) -> list[str]:
    """Every rule a file breaks; `now` is the moment of submission (naive UTC)."""
    errors: list[str] = []
    try:
        text = body.decode("utf-8")  # File specification 3: UTF-8
    except UnicodeDecodeError:
        return ["file: not UTF-8"]
    if text and not text.endswith("\n"):
        errors.append("file: the last record must end with LF (File specification 5)")
    if "\r" in text:
        errors.append("file: records end with LF only (File specification 5)")
    lines = text.split("\n")[:-1] if text else []
    if any(line == "" for line in lines):
        errors.append("file: no empty lines (File specification 4)")
    frames: dict[str, list[tuple[datetime, datetime]]] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        where = f"record {number}"
        if len(row) != len(FIELDS):
            errors.append(f"{where}: {len(row)} fields, the format has {len(FIELDS)}")
            continue
        values = dict(zip((f[0] for f in FIELDS), row, strict=True))
        for (name, kind, mandatory), value in zip(FIELDS, row, strict=True):
            if value != value.strip():
                errors.append(f"{where}: {name} is padded (File specification 8)")
            if not value:
                if mandatory == "*":
                    errors.append(f"{where}: {name} is mandatory (2. Mandatory field rules)")
                continue
            problem = _type_error(kind, value)
            if problem:
                errors.append(f"{where}: {name} {problem} (4. Field type rules)")
        # 5. Field-specific rules: frameid.
        if values["frameid"] and not re.fullmatch(r"\d{10}", values["frameid"]):
            errors.append(f"{where}: frameid must be exactly 10 digits (5. Field-specific rules)")
        # 3. Date/time rules: two of start, end and length, each date with its offset.
        has = {k: bool(values[k]) for k in ("startdate", "enddate", "spotlength")}
        if sum(has.values()) < 2 or not (has["startdate"] or has["enddate"]):
            errors.append(f"{where}: needs start/end, start/length or end/length (3.)")
            continue
        for date_field, offset_field in (
            ("startdate", "startutcoffset"),
            ("enddate", "endutcoffset"),
        ):
            if values[date_field] and not values[offset_field]:
                errors.append(f"{where}: {date_field} needs {offset_field} (3. Date/time rules)")
        if _type_error("TIMESTAMP", values["startdate"] or values["enddate"]):
            continue
        length = timedelta(milliseconds=int(values["spotlength"] or 0))
        if values["startdate"]:
            start = _instant(values["startdate"], values["startutcoffset"])
            end = start + length  # all three given: enddate is ignored and recalculated
        else:
            end = _instant(values["enddate"], values["endutcoffset"])
            start = end - length
        if values["startdate"] and values["enddate"] and has["spotlength"]:
            given_end = _instant(values["enddate"], values["endutcoffset"])
            if given_end < start:
                errors.append(f"{where}: end before start (5. Field-specific rules)")
        if start > now or end > now:
            errors.append(f"{where}: in the future (5. Field-specific rules)")
        if end < start:
            errors.append(f"{where}: end before start (5. Field-specific rules)")
        if now - start > SUBMISSION_WINDOW:
            errors.append(f"{where}: started more than 14 days ago (3. Date/time rules)")
        # 6. Overlapping play rule, with its 1.5 s tolerance; the earlier play stands.
        frame = values["frameid"]
        for other_start, other_end in frames.get(frame, []):
            overlap = min(end, other_end) - max(start, other_start)
            if overlap > OVERLAP_TOLERANCE:
                errors.append(f"{where}: overlaps a play on frame {frame} (6. Overlapping play)")
                break
        else:
            frames.setdefault(frame, []).append((start, end))
    return errors
