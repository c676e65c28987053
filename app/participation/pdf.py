"""The certificate as a PDF: one A4 landscape page written with fpdf2 (pure Python), DejaVu Sans embedded
(Latin, Cyrillic, Georgian, Armenian) and the verification URL as a QR code drawn in vector squares (segno)."""

import os

import segno
from flask_babel import force_locale, format_date

from app import timezones
from app.i18n import _
from app.participation.certificates import certificate_locale, rule_for, session_dates, verification_url
from app.participation.models import RULE_MINUTES, Certificate

FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static", "fonts")
FONT = "DejaVu"


def _pdf_class():
    # Imported here so that pages without certificates never load the PDF library.
    from fpdf import FPDF

    return FPDF


def certificate_pdf(certificate: Certificate, locale: str | None = None) -> bytes:
    """The PDF of ``certificate`` in ``locale`` (by default the language certificate_locale gives)."""
    locale = locale or certificate_locale(certificate.registration)
    with force_locale(locale):
        return _render(certificate)


def _render(certificate: Certificate) -> bytes:
    event = certificate.event
    rule = rule_for(event)
    pdf = _pdf_class()(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_("Certificate of participation"))
    pdf.set_author(rule.organiser if rule and rule.organiser else event.desk.name)
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", os.path.join(FONT_DIR, "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w - 40

    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    pdf.set_xy(20, 24)
    pdf.set_font(FONT, "B", 26)
    pdf.set_text_color(40, 70, 120)
    pdf.cell(width, 12, _("Certificate of participation"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 13)
    pdf.set_x(20)
    pdf.cell(width, 10, _("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 24)
    pdf.set_x(20)
    pdf.cell(width, 14, certificate.name, align="C", new_x="LMARGIN", new_y="NEXT")
    if certificate.organisation:
        pdf.set_font(FONT, "", 12)
        pdf.set_x(20)
        pdf.cell(width, 7, certificate.organisation, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 13)
    pdf.set_x(20)
    pdf.cell(width, 10, _("took part in"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 16)
    pdf.set_x(20)
    pdf.multi_cell(width, 8, event.title, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    for title, start in session_dates(certificate):
        local = timezones.utc_to_local(start, event.timezone)
        pdf.set_x(20)
        pdf.cell(
            width, 6, f"{title} · {format_date(local.date(), format='long')}", align="C", new_x="LMARGIN", new_y="NEXT"
        )
    # Minutes come from platform reports only: printed when the rule is about minutes, not to look short.
    if certificate.minutes and rule is not None and rule.kind == RULE_MINUTES:
        pdf.set_x(20)
        pdf.cell(
            width,
            6,
            _("%(minutes)s minutes in the sessions", minutes=certificate.minutes),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if rule and rule.text:
        pdf.ln(2)
        pdf.set_x(30)
        pdf.multi_cell(width - 20, 6, rule.text, align="C", new_x="LMARGIN", new_y="NEXT")

    # Bottom: organiser and signatory on the left, the verification code and QR code on the right.
    organiser = rule.organiser if rule and rule.organiser else event.desk.name
    pdf.set_xy(20, pdf.h - 52)
    pdf.set_font(FONT, "", 10)
    pdf.cell(150, 6, _("Organised by %(organiser)s", organiser=organiser), new_x="LMARGIN", new_y="NEXT")
    if rule and rule.signatory:
        pdf.set_x(20)
        pdf.cell(150, 6, rule.signatory, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    issued = timezones.utc_to_local(certificate.issued_at, event.timezone).date()
    pdf.cell(150, 6, _("Issued on %(date)s", date=format_date(issued, format="long")), new_x="LMARGIN", new_y="NEXT")
    url = verification_url(certificate)
    pdf.set_x(20)
    pdf.cell(150, 6, _("Verification code: %(code)s", code=certificate.code), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font(FONT, "", 8)
    pdf.cell(150, 5, _("Check it at %(url)s", url=url), link=url, new_x="LMARGIN", new_y="NEXT")

    _qr(pdf, url, x=pdf.w - 20 - 34, y=pdf.h - 20 - 34, size=34)
    return bytes(pdf.output())


def _qr(pdf, data: str, *, x: float, y: float, size: float) -> None:
    """The QR code of ``data`` as filled squares (no image, so it stays sharp and searchable readers skip it)."""
    code = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        start = None
        for col_index, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                # One rectangle per dark run keeps the file small.
                pdf.rect(x + start * module, y + row_index * module, (col_index - start) * module, module, style="F")
                start = None
