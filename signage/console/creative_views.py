"""How a creative is shown in the console: its status tag, orientation and validity, in the
visitor's language (the campaign page and the approvals queue show them alike)."""

from dataclasses import dataclass
from datetime import datetime

from signage.console.i18n import N_, Translator
from signage.creatives.models import Creative, CreativeKind, CreativeStatus

STATUS_TAGS: dict[CreativeStatus, tuple[str, str]] = {
    CreativeStatus.pending: (N_("Waiting for approval"), "govuk-tag--yellow"),
    CreativeStatus.approved: (N_("Approved"), "govuk-tag--green"),
    CreativeStatus.rejected: (N_("Rejected"), "govuk-tag--red"),
}


@dataclass(frozen=True)
class CreativeView:
    id: str
    name: str
    kind: str  # translated
    status: str  # the CreativeStatus value
    status_text: str
    status_class: str
    rejection_reason: str | None
    size: str  # "1920 × 1080"
    orientation: str
    duration: str
    validity: str
    validity_note: str | None  # "Expired" or "Not valid yet", when it is so now
    alt_text: str | None
    thumbnail_url: str
    uploaded_by: str


def orientation(width: int, height: int) -> str:
    """Landscape, portrait or square: which screens it suits (a portrait poster on a
    landscape screen plays letterboxed)."""
    if width > height:
        return N_("Landscape")
    if width < height:
        return N_("Portrait")
    return N_("Square")


def _instant(t: Translator, instant: datetime) -> str:
    return f"{t.date(instant)} {t.time(instant)}"


def validity(t: Translator, valid_from: datetime | None, valid_until: datetime | None) -> str:
    if valid_from is None and valid_until is None:
        return t.gettext("No start or end date")
    if valid_until is None:
        assert valid_from is not None
        return t.gettext("From %(start)s") % {"start": _instant(t, valid_from)}
    if valid_from is None:
        return t.gettext("Until %(end)s") % {"end": _instant(t, valid_until)}
    return t.gettext("%(start)s to %(end)s") % {
        "start": _instant(t, valid_from),
        "end": _instant(t, valid_until),
    }


def validity_note(
    valid_from: datetime | None, valid_until: datetime | None, *, now: datetime
) -> str | None:
    if valid_until is not None and valid_until <= now:
        return N_("Expired")
    if valid_from is not None and valid_from > now:
        return N_("Not valid yet")
    return None


def creative_view(
    creative: Creative, t: Translator, *, now: datetime, uploaded_by: str = ""
) -> CreativeView:
    status = CreativeStatus(creative.status)
    text, tag_class = STATUS_TAGS[status]
    note = validity_note(creative.valid_from, creative.valid_until, now=now)
    seconds = creative.duration_ms / 1000
    return CreativeView(
        id=creative.id,
        name=creative.name,
        kind=t.gettext(N_("Video") if creative.kind == CreativeKind.video else N_("Image")),
        status=status.value,
        status_text=t.gettext(text),
        status_class=tag_class,
        rejection_reason=creative.rejection_reason,
        size=f"{creative.width} × {creative.height}",
        orientation=t.gettext(orientation(creative.width, creative.height)),
        duration=t.ngettext("%(num)s second", "%(num)s seconds", round(seconds))
        % {"num": f"{seconds:g}"},
        validity=validity(t, creative.valid_from, creative.valid_until),
        validity_note=t.gettext(note) if note else None,
        alt_text=creative.alt_text,
        thumbnail_url=f"/console/creatives/{creative.id}/thumbnail",
        uploaded_by=uploaded_by,
    )


def page_count(items: int, page_size: int) -> int:
    return max(1, -(-items // page_size))
