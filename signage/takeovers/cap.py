"""A takeover as an OASIS Common Alerting Protocol 1.2 alert, for other public-warning systems.

Pure: the standard library only, so the renderer can be tested (and reused) without the app.
Every rule enforced here is cited to the CAP 1.2 OASIS Standard (01 July 2010): the data
dictionary (section 3.2), its implementation notes (section 3.3) and its XML schema (3.4).
"""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from urllib.parse import urlsplit

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_MEDIA_TYPE = "application/cap+xml"

# The schema's enumerations, as types so that mypy catches a misspelt value at the call site;
# render_cap checks them again at run time, since values mapped from the database are not
# checked by mypy.
Status = Literal["Actual", "Exercise", "System", "Test", "Draft"]
MsgType = Literal["Alert", "Update", "Cancel"]
Scope = Literal["Public", "Restricted", "Private"]
Category = Literal[
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
]
ResponseType = Literal[
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
]
Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]


@dataclass(frozen=True)
class CapArea:
    """The <area> block: where recipients should heed the message (not where an incident is)."""

    description: str
    # (valueName, value): valueName names the code's domain, e.g. ("UK-postcode", "LE1 1AA").
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CapAlert:
    """One CAP message (the <alert> block) with the single <info> block a takeover needs."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType
    event: str
    headline: str
    description: str
    sender_name: str
    effective: datetime
    onset: datetime
    expires: datetime
    area: CapArea
    status: Status = "Actual"
    scope: Scope = "Public"
    # (sender, identifier, sent) of each earlier message an Update or Cancel supersedes.
    references: tuple[tuple[str, str, datetime], ...] = ()
    note: str | None = None
    instruction: str | None = None
    web: str | None = None
    language: str = "en-GB"
    category: tuple[Category, ...] = ("Safety",)
    urgency: Urgency = "Immediate"
    severity: Severity = "Moderate"
    certainty: Certainty = "Observed"
    # "Avoid" is CAP's "avoid the subject event as per the <instruction>", which is what walking
    # away from a confrontation asks. "Shelter" and "Evacuate" mean staying in or leaving a
    # place, "Execute" means a pre-planned activity and "Monitor" means following the news.
    response_type: tuple[ResponseType, ...] = ("Avoid",)


def render_cap(alert: CapAlert) -> bytes:
    """The alert as a CAP 1.2 document: UTF-8 XML, with a declaration, in the schema's order.

    Text is escaped as XML requires (``&`` becomes ``&amp;``, ``<`` becomes ``&lt;``), so
    headlines, descriptions and other free text may contain any character XML 1.0 can carry.

    Raises ``ValueError``, and never escapes, where CAP forbids the value itself: escaping
    would only change the markup, and the parsed value would still carry the forbidden
    character. That covers:

    - ``identifier`` and ``sender``, in the alert and in each reference: empty, or containing
      whitespace, ``,``, ``<`` or ``&`` (CAP 3.2.1: they "MUST NOT include spaces, commas or
      restricted characters"; ``references`` is split on the whitespace and commas);
    - a naive datetime, an offset that is not whole minutes, or one beyond 14 hours (CAP
      dateTime needs an explicit ``+hh:mm``/``-hh:mm`` offset);
    - an Update or Cancel with no ``references`` (CAP 3.2.1 ``msgType``: they act on "the
      earlier message(s) identified in <references>");
    - ``scope`` "Restricted" or "Private": CAP then needs ``<restriction>`` (the rule that
      limits distribution) or ``<addresses>`` (REQUIRED for "Private"), which this interface
      cannot carry;
    - values outside the schema's enumerations, no ``category``, an empty ``event``, area
      description or geocode part, a ``language`` that is not an RFC 3066 tag, a ``web``
      that is not a full absolute URI, and characters XML 1.0 cannot represent at all
      (most control characters), which no escaping can make well-formed.

    Fractional seconds are dropped, since CAP's dateTime pattern has none; a UTC offset is
    written ``-00:00``, since CAP says "The timezone for UTC MUST be represented as '-00:00'"
    (and never ``Z``).
    """
    _check_alert(alert)
    root = ET.Element(_q("alert"))
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", _cap_datetime(alert.sent, "sent"))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "scope", alert.scope)
    if alert.note is not None:
        _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", _references(alert.references))

    info = ET.SubElement(root, _q("info"))
    _add(info, "language", alert.language)
    for category in alert.category:
        _add(info, "category", category)
    _add(info, "event", alert.event)
    for response_type in alert.response_type:
        _add(info, "responseType", response_type)
    _add(info, "urgency", alert.urgency)
    _add(info, "severity", alert.severity)
    _add(info, "certainty", alert.certainty)
    _add(info, "effective", _cap_datetime(alert.effective, "effective"))
    _add(info, "onset", _cap_datetime(alert.onset, "onset"))
    _add(info, "expires", _cap_datetime(alert.expires, "expires"))
    _add(info, "senderName", alert.sender_name)
    _add(info, "headline", alert.headline)
    _add(info, "description", alert.description)
    if alert.instruction is not None:
        _add(info, "instruction", alert.instruction)
    if alert.web is not None:
        _add(info, "web", alert.web)

    area = ET.SubElement(info, _q("area"))
    _add(area, "areaDesc", alert.area.description)
    for value_name, value in alert.area.geocodes:
        geocode = ET.SubElement(area, _q("geocode"))
        _add(geocode, "valueName", value_name)
        _add(geocode, "value", value)

    ET.indent(root)
    body = ET.tostring(root, encoding="unicode", default_namespace=CAP_NAMESPACE)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.encode("utf-8") + b"\n"


# CAP 3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted characters
# (< and &)". Any whitespace, not just the space, since references are split on whitespace.
_FORBIDDEN_IN_ID = re.compile(r"[\s,<&]")
# The Char production of XML 1.0: anything else cannot appear in a document, escaped or not.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The lexical form of xs:language, which the schema gives <language> (an RFC 3066 tag).
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*")
# xs:dateTime allows offsets up to 14 hours; Python allows nearly 24.
_MAX_OFFSET = timedelta(hours=14)


def _q(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str) -> None:
    match = _NOT_XML_CHAR.search(text)
    if match:
        raise ValueError(
            f"<{name}> has {match.group()!r}, which XML 1.0 cannot carry, escaped or not"
        )
    ET.SubElement(parent, _q(name)).text = text


def _cap_datetime(value: datetime, field: str) -> str:
    """CAP's dateTime: "2002-05-24T16:49:00-07:00", no fractional seconds, no "Z"."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{field} must be timezone-aware: CAP needs an explicit UTC offset")
    if offset % timedelta(minutes=1):
        raise ValueError(f"{field} has an offset of {offset}: CAP offsets are hh:mm")
    if abs(offset) > _MAX_OFFSET:
        raise ValueError(f"{field} has an offset of {offset}: xs:dateTime allows 14 hours at most")
    minutes = int(offset.total_seconds()) // 60
    # CAP 3.3.2: "The timezone for UTC MUST be represented as '-00:00'", so zero takes "-".
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    local = value.replace(microsecond=0, tzinfo=None).isoformat()
    return f"{local}{sign}{hours:02d}:{minutes:02d}"


def _references(references: Iterable[tuple[str, str, datetime]]) -> str:
    # CAP 3.2.1: each is "sender,identifier,sent", and several are separated by whitespace.
    return " ".join(
        f"{sender},{identifier},{_cap_datetime(sent, 'references: sent')}"
        for sender, identifier, sent in references
    )


def _check_id(value: str, field: str) -> None:
    if not value:
        raise ValueError(f"{field} is empty: CAP requires it")
    match = _FORBIDDEN_IN_ID.search(value)
    if match:
        raise ValueError(
            f"{field} {value!r} has {match.group()!r}: CAP forbids whitespace, ',', '<' and '&'"
        )


def _check_enum(value: str, allowed: object, field: str) -> None:
    choices = get_args(allowed)
    if value not in choices:
        raise ValueError(f"{field} {value!r} is not one of CAP's {', '.join(choices)}")


def _check_alert(alert: CapAlert) -> None:
    _check_id(alert.identifier, "identifier")
    _check_id(alert.sender, "sender")
    _check_enum(alert.status, Status, "status")
    _check_enum(alert.msg_type, MsgType, "msgType")
    _check_enum(alert.scope, Scope, "scope")
    if alert.scope != "Public":
        raise ValueError(
            f"scope {alert.scope!r} needs CAP's <restriction> or <addresses>, "
            "which CapAlert does not carry"
        )
    if alert.msg_type in ("Update", "Cancel") and not alert.references:
        raise ValueError(f"a {alert.msg_type} must reference the messages it acts on")
    for sender, identifier, _sent in alert.references:
        _check_id(sender, "references: sender")
        _check_id(identifier, "references: identifier")

    if not alert.category:
        raise ValueError("category is empty: CAP requires at least one")
    for category in alert.category:
        _check_enum(category, Category, "category")
    for response_type in alert.response_type:
        _check_enum(response_type, ResponseType, "responseType")
    _check_enum(alert.urgency, Urgency, "urgency")
    _check_enum(alert.severity, Severity, "severity")
    _check_enum(alert.certainty, Certainty, "certainty")
    if not alert.event:
        raise ValueError("event is empty: CAP requires it")
    if not _LANGUAGE.fullmatch(alert.language):
        raise ValueError(f"language {alert.language!r} is not an RFC 3066 tag")
    if alert.web is not None:
        parts = urlsplit(alert.web)
        # CAP 3.2.2: <web> is "a full, absolute URI".
        if not (parts.scheme and parts.netloc) or re.search(r"\s", alert.web):
            raise ValueError(f"web {alert.web!r} is not a full, absolute URI")

    if not alert.area.description:
        raise ValueError("area description is empty: CAP requires <areaDesc>")
    for value_name, value in alert.area.geocodes:
        if not value_name or not value:
            raise ValueError(f"geocode ({value_name!r}, {value!r}) needs a valueName and a value")
