"""The CAP 1.2 renderer, checked element by element against the OASIS CAP 1.2 text.

The expectations below (element sequences, required elements, enumerations, the dateTime
pattern) are written out from the CAP 1.2 XML schema and data dictionary, not taken from the
module under test, so a renderer that drifts from the standard fails here. The documents are
also read back by an independent consumer, capparselib, which validates them against the CAP
1.2 schema it bundles, and checked against the official OASIS schema with lxml.
"""

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from signage.takeovers.cap import CAP_MEDIA_TYPE, CAP_NAMESPACE, CapAlert, CapArea, render_cap

NS = "{urn:oasis:names:tc:emergency:cap:1.2}"

# The <sequence> of each block in the CAP 1.2 schema (CAP-v1.2.xsd), optional elements included.
ALERT_SEQUENCE = (
    "identifier",
    "sender",
    "sent",
    "status",
    "msgType",
    "source",
    "scope",
    "restriction",
    "addresses",
    "code",
    "note",
    "references",
    "incidents",
    "info",
)
INFO_SEQUENCE = (
    "language",
    "category",
    "event",
    "responseType",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "eventCode",
    "effective",
    "onset",
    "expires",
    "senderName",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "parameter",
    "resource",
    "area",
)
AREA_SEQUENCE = ("areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling")
# The elements without minOccurs="0" in each block.
REQUIRED = {
    "alert": {"identifier", "sender", "sent", "status", "msgType", "scope"},
    "info": {"category", "event", "urgency", "severity", "certainty"},
    "area": {"areaDesc"},
}
ENUMERATIONS = {
    "status": {"Actual", "Exercise", "System", "Test", "Draft"},
    "msgType": {"Alert", "Update", "Cancel", "Ack", "Error"},
    "scope": {"Public", "Restricted", "Private"},
    "category": {
        "Geo",
        "Met",
        "Safety",
        "Security",
        "Rescue",
        "Fire",
        "Health",
        "Env",
        "Transport",
        "Infra",
        "CBRNE",
        "Other",
    },
    "responseType": {
        "Shelter",
        "Evacuate",
        "Prepare",
        "Execute",
        "Avoid",
        "Monitor",
        "Assess",
        "AllClear",
        "None",
    },
    "urgency": {"Immediate", "Expected", "Future", "Past", "Unknown"},
    "severity": {"Extreme", "Severe", "Moderate", "Minor", "Unknown"},
    "certainty": {"Observed", "Likely", "Possible", "Unlikely", "Unknown"},
}
# The schema's pattern for every CAP dateTime: no fractional seconds, always a numeric offset.
CAP_DATETIME = re.compile(r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")
DATETIME_ELEMENTS = ("sent", "effective", "onset", "expires")
# CAP 3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters".
CAP_ID = r"[^\s,<&]+"
REFERENCE = re.compile(rf"{CAP_ID},{CAP_ID},{CAP_DATETIME.pattern}")

BST = timezone(timedelta(hours=1), "BST")
SENT = datetime(2025, 6, 14, 22, 5, 17, 654321, tzinfo=BST)
START = datetime(2025, 6, 14, 22, 30, tzinfo=BST)
END = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)


def walk_away(**changes: Any) -> CapAlert:
    """A realistic takeover: the force's "Walk Away" message over part of a city centre."""
    alert = CapAlert(
        identifier="signage-takeover-3f1c9a52-7d0e-4b8a-9c61-2f4e8d1b0a77",
        sender="signage@signage.example.org",
        sent=SENT,
        msg_type="Alert",
        event="Public safety message",
        headline="Walk Away: it's not worth it",
        description="Reports of disorder near the Clock Tower. If it kicks off, walk away.",
        sender_name="Leicestershire Police",
        effective=START,
        onset=START,
        expires=END,
        area=CapArea(
            description="Leicester city centre",
            geocodes=(("UK-postcode", "LE1 1AA"), ("UK-postcode", "LE1 5YA")),
        ),
    )
    return dataclasses.replace(alert, **changes)


def full_alert() -> CapAlert:
    """Every optional element the interface can produce, with repeats where CAP allows them."""
    return walk_away(
        note="Exported from a screen takeover",
        instruction="Walk away. Call 999 in an emergency.",
        web="https://signage.example.org/takeovers/3f1c9a52",
        category=("Safety", "Security"),
        response_type=("Avoid", "Monitor"),
        references=(("signage@signage.example.org", "signage-takeover-0", START),),
        msg_type="Update",
    )


def cancel_alert() -> CapAlert:
    return walk_away(
        msg_type="Cancel",
        references=(
            ("signage@signage.example.org", "signage-takeover-1", SENT),
            ("signage@signage.example.org", "signage-takeover-2", END),
        ),
    )


VARIANTS: dict[str, Callable[[], CapAlert]] = {
    "minimal": walk_away,
    "full": full_alert,
    "cancel": cancel_alert,
    "utc": lambda: walk_away(sent=SENT.astimezone(UTC), area=CapArea("Leicester")),
}


def local(element: ET.Element) -> str:
    assert element.tag.startswith(NS), f"{element.tag} is outside the CAP 1.2 namespace"
    return element.tag[len(NS) :]


def names(element: ET.Element) -> list[str]:
    return [local(child) for child in element]


def text(parent: ET.Element, name: str) -> str:
    found = parent.find(f"{NS}{name}")
    assert found is not None, f"<{name}> is missing"
    assert found.text is not None
    return found.text


def parse(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def blocks(document: bytes) -> tuple[ET.Element, ET.Element, ET.Element]:
    alert = parse(document)
    info = alert.find(f"{NS}info")
    assert info is not None
    area = info.find(f"{NS}area")
    assert area is not None
    return alert, info, area


def assert_in_schema_order(children: list[str], sequence: tuple[str, ...]) -> None:
    unknown = [name for name in children if name not in sequence]
    assert not unknown, f"not in the CAP 1.2 schema here: {unknown}"
    positions = [sequence.index(name) for name in children]
    assert positions == sorted(positions), f"{children} is out of the schema's order"


# The document itself


def test_constants_are_cap_12s() -> None:
    assert CAP_NAMESPACE == "urn:oasis:names:tc:emergency:cap:1.2"
    assert CAP_MEDIA_TYPE == "application/cap+xml"


def test_utf8_xml_with_a_declaration_and_the_cap_namespace() -> None:
    document = render_cap(walk_away(headline="Café closing: £5 taxis"))

    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "Café closing: £5 taxis".encode() in document
    alert = parse(document)
    assert alert.tag == f"{NS}alert"
    assert all(element.tag.startswith(NS) for element in alert.iter())


# Element order and required elements


def test_every_element_in_the_schemas_order() -> None:
    alert, info, area = blocks(render_cap(full_alert()))

    assert names(alert) == [
        "identifier",
        "sender",
        "sent",
        "status",
        "msgType",
        "scope",
        "note",
        "references",
        "info",
    ]
    assert names(info) == [
        "language",
        "category",
        "category",
        "event",
        "responseType",
        "responseType",
        "urgency",
        "severity",
        "certainty",
        "effective",
        "onset",
        "expires",
        "senderName",
        "headline",
        "description",
        "instruction",
        "web",
        "area",
    ]
    assert names(area) == ["areaDesc", "geocode", "geocode"]
    for geocode in area.findall(f"{NS}geocode"):
        assert names(geocode) == ["valueName", "value"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_block_in_schema_order_with_its_required_elements(variant: str) -> None:
    alert, info, area = blocks(render_cap(VARIANTS[variant]()))

    for element, sequence, block in (
        (alert, ALERT_SEQUENCE, "alert"),
        (info, INFO_SEQUENCE, "info"),
        (area, AREA_SEQUENCE, "area"),
    ):
        assert_in_schema_order(names(element), sequence)
        assert REQUIRED[block] <= set(names(element)), f"<{block}> lacks a required element"
        for child in element:
            if len(child) == 0:
                assert child.text, f"<{local(child)}> is empty"


def test_optional_elements_are_left_out_when_unset() -> None:
    alert, info, _area = blocks(render_cap(walk_away()))

    assert alert.find(f"{NS}note") is None
    assert alert.find(f"{NS}references") is None
    assert info.find(f"{NS}instruction") is None
    assert info.find(f"{NS}web") is None


# Values and formats


@pytest.mark.parametrize("variant", VARIANTS)
def test_enumerated_elements_take_only_caps_values(variant: str) -> None:
    alert = parse(render_cap(VARIANTS[variant]()))

    seen = set()
    for element in alert.iter():
        allowed = ENUMERATIONS.get(local(element))
        if allowed is not None:
            assert element.text in allowed, f"<{local(element)}>{element.text}"
            seen.add(local(element))
    assert seen == set(ENUMERATIONS)


def test_the_takeovers_values() -> None:
    alert, info, area = blocks(render_cap(walk_away()))

    assert text(alert, "identifier") == "signage-takeover-3f1c9a52-7d0e-4b8a-9c61-2f4e8d1b0a77"
    assert text(alert, "sender") == "signage@signage.example.org"
    assert (text(alert, "status"), text(alert, "msgType"), text(alert, "scope")) == (
        "Actual",
        "Alert",
        "Public",
    )
    assert text(info, "language") == "en-GB"
    assert [c.text for c in info.findall(f"{NS}category")] == ["Safety"]
    assert [r.text for r in info.findall(f"{NS}responseType")] == ["Avoid"]
    assert text(info, "event") == "Public safety message"
    assert (text(info, "urgency"), text(info, "severity"), text(info, "certainty")) == (
        "Immediate",
        "Moderate",
        "Observed",
    )
    assert text(info, "senderName") == "Leicestershire Police"
    assert text(info, "headline") == "Walk Away: it's not worth it"
    assert text(area, "areaDesc") == "Leicester city centre"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_datetime_matches_caps_pattern(variant: str) -> None:
    document = render_cap(VARIANTS[variant]())
    alert = parse(document)

    values = [e.text for e in alert.iter() if local(e) in DATETIME_ELEMENTS]
    assert len(values) == len(DATETIME_ELEMENTS)
    for value in values:
        assert value is not None
        assert CAP_DATETIME.fullmatch(value), value
    assert b"Z<" not in document


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # The specification's own example: 24 May 2002 at 16:49 PDT.
        (
            datetime(2002, 5, 24, 16, 49, tzinfo=timezone(timedelta(hours=-7))),
            "2002-05-24T16:49:00-07:00",
        ),
        # "The timezone for UTC MUST be represented as '-00:00'", never as "Z".
        (datetime(2025, 1, 3, 23, 59, 59, tzinfo=UTC), "2025-01-03T23:59:59-00:00"),
        (datetime(2025, 6, 14, 22, 5, 17, 654321, tzinfo=BST), "2025-06-14T22:05:17+01:00"),
        (
            datetime(2025, 6, 14, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2025-06-14T09:00:00+05:30",
        ),
        (
            datetime(2025, 6, 14, 9, 0, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
            "2025-06-14T09:00:00-03:30",
        ),
        (
            datetime(2025, 6, 14, 9, 0, tzinfo=timezone(timedelta(hours=14))),
            "2025-06-14T09:00:00+14:00",
        ),
    ],
)
def test_datetime_format(moment: datetime, expected: str) -> None:
    alert, info, _area = blocks(
        render_cap(walk_away(sent=moment, effective=moment, onset=moment, expires=moment))
    )

    assert [text(alert, "sent")] + [text(info, n) for n in ("effective", "onset", "expires")] == [
        expected
    ] * 4


def test_the_area_block_with_its_geocodes() -> None:
    _alert, _info, area = blocks(render_cap(walk_away()))

    assert text(area, "areaDesc") == "Leicester city centre"
    pairs = [(text(g, "valueName"), text(g, "value")) for g in area.findall(f"{NS}geocode")]
    assert pairs == [("UK-postcode", "LE1 1AA"), ("UK-postcode", "LE1 5YA")]


def test_an_area_without_geocodes_is_just_its_description() -> None:
    _alert, _info, area = blocks(render_cap(walk_away(area=CapArea("Leicester"))))

    assert names(area) == ["areaDesc"]


def test_a_cancel_references_the_earlier_messages() -> None:
    alert = parse(render_cap(cancel_alert()))

    assert text(alert, "msgType") == "Cancel"
    references = text(alert, "references")
    triples = references.split()
    assert all(REFERENCE.fullmatch(triple) for triple in triples), references
    assert references == (
        "signage@signage.example.org,signage-takeover-1,2025-06-14T22:05:17+01:00 "
        "signage@signage.example.org,signage-takeover-2,2025-06-15T03:00:00-00:00"
    )


def test_ampersand_and_less_than_in_text_are_escaped() -> None:
    description = 'Bar & Grill <Granby St> closing: "last orders" ]]> now'
    document = render_cap(walk_away(description=description, headline="Fish & chips < 2am"))

    assert b"Bar &amp; Grill &lt;Granby St&gt; closing" in document
    assert b"Fish &amp; chips &lt; 2am" in document
    assert b"Bar & Grill" not in document
    assert b"<Granby" not in document
    _alert, info, _area = blocks(document)
    assert text(info, "description") == description
    assert text(info, "headline") == "Fish & chips < 2am"


# What CAP forbids: refused, never silently escaped


@pytest.mark.parametrize(
    "changes",
    [
        {"identifier": "signage takeover 1"},
        {"identifier": "signage,takeover"},
        {"identifier": "signage<takeover"},
        {"identifier": "signage&takeover"},
        {"identifier": "signage\ttakeover"},
        {"identifier": ""},
        {"sender": "Leicestershire Police"},
        {"sender": "police,signage"},
        {"sender": "a&b@example.org"},
        {"sender": "<signage@example.org>"},
        {"sender": ""},
    ],
    ids=repr,
)
def test_forbidden_characters_in_identifier_and_sender_are_refused(
    changes: dict[str, str],
) -> None:
    with pytest.raises(ValueError, match="identifier|sender"):
        render_cap(walk_away(**changes))


@pytest.mark.parametrize(
    "reference",
    [
        ("police signage", "signage-takeover-1", SENT),
        ("signage@example.org", "takeover,1", SENT),
        ("signage@example.org", "takeover&1", SENT),
        ("signage@example.org", "signage-takeover-1", SENT.replace(tzinfo=None)),
    ],
    ids=repr,
)
def test_a_malformed_reference_is_refused(reference: tuple[str, str, datetime]) -> None:
    with pytest.raises(ValueError, match="references"):
        render_cap(walk_away(msg_type="Cancel", references=(reference,)))


@pytest.mark.parametrize("msg_type", ["Update", "Cancel"])
def test_an_update_or_cancel_without_references_is_refused(msg_type: str) -> None:
    with pytest.raises(ValueError, match="reference"):
        render_cap(walk_away(msg_type=msg_type))


@pytest.mark.parametrize("field", DATETIME_ELEMENTS)
def test_a_naive_datetime_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_cap(walk_away(**{field: datetime(2025, 6, 14, 22, 0)}))


@pytest.mark.parametrize(
    "offset",
    [timedelta(hours=1, seconds=15), timedelta(hours=14, minutes=1), -timedelta(hours=15)],
    ids=str,
)
def test_an_offset_cap_cannot_write_is_refused(offset: timedelta) -> None:
    with pytest.raises(ValueError, match="offset"):
        render_cap(walk_away(sent=datetime(2025, 6, 14, 22, 0, tzinfo=timezone(offset))))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"scope": "Private"}, "scope"),  # <addresses> is REQUIRED when scope is Private
        ({"scope": "Restricted"}, "scope"),  # <restriction> says who may see it
        ({"status": "Live"}, "status"),
        ({"category": ()}, "category"),
        ({"category": ("Police",)}, "category"),
        ({"response_type": ("WalkAway",)}, "responseType"),
        ({"urgency": "Now"}, "urgency"),
        ({"severity": "High"}, "severity"),
        ({"certainty": "Certain"}, "certainty"),
        ({"event": ""}, "event"),
        ({"language": "en_GB"}, "language"),
        ({"web": "/takeovers/3f1c9a52"}, "web"),
        ({"web": "https://example.org/walk away"}, "web"),
        ({"area": CapArea("")}, "area"),
        ({"area": CapArea("Leicester", (("UK-postcode", ""),))}, "geocode"),
        ({"description": "bell \x07 character"}, "description"),
        ({"headline": "form feed \x0c"}, "headline"),
    ],
    ids=repr,
)
def test_values_outside_cap_are_refused(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        render_cap(walk_away(**changes))


# An independent consumer, and the OASIS schema


@pytest.fixture
def capparselib_read() -> Callable[[bytes], dict[str, Any]]:
    """capparselib's CAPParser: it parses with a validating parser (its bundled CAP 1.2
    schema, with OASIS's patterns for identifier, sender and references added), raising on
    an invalid document, and returns one dict per alert."""
    parsers = pytest.importorskip(
        "capparselib.parsers", reason="capparselib (and lxml) are not installed"
    )

    def read(document: bytes) -> dict[str, Any]:
        alerts = parsers.CAPParser(document.decode("utf-8")).as_dict()
        assert len(alerts) == 1
        alert: dict[str, Any] = alerts[0]
        return alert

    return read


@pytest.fixture
def cap_schemas() -> dict[str, Any]:
    """The official OASIS CAP-v1.2.xsd, and capparselib's stricter copy, as lxml validators."""
    etree = pytest.importorskip("lxml.etree", reason="lxml is not installed")
    capparselib = pytest.importorskip("capparselib", reason="capparselib is not installed")
    folder = Path(capparselib.__file__).parent / "schema"
    return {
        name: etree.XMLSchema(etree.parse(str(folder / name)))
        for name in ("CAP-v1.2.xsd", "cap12_extended.xsd")
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_valid_against_the_cap_12_schema(variant: str, cap_schemas: dict[str, Any]) -> None:
    from lxml import etree

    document = etree.fromstring(render_cap(VARIANTS[variant]()))
    for name, schema in cap_schemas.items():
        assert schema.validate(document), f"{name}: {schema.error_log}"


def test_the_schema_check_can_fail(cap_schemas: dict[str, Any]) -> None:
    from lxml import etree

    good = render_cap(walk_away())
    broken = {
        "Z for UTC": good.replace(b"-00:00</expires>", b"Z</expires>"),
        "fractional seconds": good.replace(b"+01:00</sent>", b".5+01:00</sent>"),
        "scope before msgType": re.sub(
            rb"(<msgType>\w+</msgType>)(\s*)(<scope>\w+</scope>)", rb"\3\2\1", good
        ),
        "no areaDesc": re.sub(rb"<areaDesc>.*?</areaDesc>", b"", good),
    }
    for what, document in broken.items():
        assert document != good, what
        for name, schema in cap_schemas.items():
            assert not schema.validate(etree.fromstring(document)), f"{name} accepted {what}"


def test_capparselib_reads_back_every_field(
    capparselib_read: Callable[[bytes], dict[str, Any]],
) -> None:
    alert = capparselib_read(render_cap(full_alert()))

    assert str(alert["cap_id"]) == "signage-takeover-3f1c9a52-7d0e-4b8a-9c61-2f4e8d1b0a77"
    assert str(alert["cap_sender"]) == "signage@signage.example.org"
    assert str(alert["cap_sent"]) == "2025-06-14T22:05:17+01:00"
    assert str(alert["cap_status"]) == "Actual"
    assert str(alert["cap_message_type"]) == "Update"
    assert str(alert["cap_scope"]) == "Public"
    assert str(alert["cap_note"]) == "Exported from a screen takeover"
    assert str(alert["cap_references"]) == (
        "signage@signage.example.org,signage-takeover-0,2025-06-14T22:30:00+01:00"
    )
    [info] = alert["cap_info"]
    assert str(info["cap_language"]) == "en-GB"
    # objectify gives the first of repeated elements; iterating it walks its siblings.
    assert [str(c) for c in info["cap_category"]] == ["Safety", "Security"]
    assert [str(r) for r in info["cap_response_type"]] == ["Avoid", "Monitor"]
    assert str(info["cap_event"]) == "Public safety message"
    assert str(info["cap_urgency"]) == "Immediate"
    assert str(info["cap_severity"]) == "Moderate"
    assert str(info["cap_certainty"]) == "Observed"
    assert str(info["cap_effective"]) == "2025-06-14T22:30:00+01:00"
    assert str(info["cap_onset"]) == "2025-06-14T22:30:00+01:00"
    assert str(info["cap_expires"]) == "2025-06-15T03:00:00-00:00"
    assert str(info["cap_sender_name"]) == "Leicestershire Police"
    assert str(info["cap_headline"]) == "Walk Away: it's not worth it"
    assert str(info["cap_instruction"]) == "Walk away. Call 999 in an emergency."
    assert str(info["cap_link"]) == "https://signage.example.org/takeovers/3f1c9a52"
    [area] = info["cap_area"]
    assert str(area["area_description"]) == "Leicester city centre"
    assert [(str(g["valueName"]), str(g["value"])) for g in area["geocodes"]] == [
        ("UK-postcode", "LE1 1AA"),
        ("UK-postcode", "LE1 5YA"),
    ]


def test_capparselib_reads_a_cancel_and_escaped_text(
    capparselib_read: Callable[[bytes], dict[str, Any]],
) -> None:
    description = "Bar & Grill <Granby St> is closed"
    alert = capparselib_read(
        render_cap(dataclasses.replace(cancel_alert(), description=description))
    )

    assert str(alert["cap_message_type"]) == "Cancel"
    references = str(alert["cap_references"]).split()
    assert [r.split(",")[1] for r in references] == ["signage-takeover-1", "signage-takeover-2"]
    [info] = alert["cap_info"]
    assert str(info["cap_description"]) == description


def test_capparselib_refuses_what_cap_forbids(
    capparselib_read: Callable[[bytes], dict[str, Any]],
) -> None:
    good = render_cap(walk_away())
    capparselib_read(good)

    for broken in (
        good.replace(b"-00:00</expires>", b"Z</expires>"),
        good.replace(b"<sender>signage@", b"<sender>signage &amp; co@"),
        good.replace(b"<status>Actual</status>", b"<status>Live</status>"),
    ):
        with pytest.raises(Exception, match="objectifying"):
            capparselib_read(broken)
