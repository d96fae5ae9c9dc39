"""A self-contained HTML page for one or more papers: the verdict, the findings, and a rendered
thumbnail of each page that has a finding with the boxes drawn on it.

Nothing is fetched: the CSS is inline, the thumbnails are PNG data URIs, there is no script, and
a Content-Security-Policy forbids everything else. Only pages with findings are rendered (at
THUMB_DPI), so the page costs little beyond the check itself. Every text from the PDF or a
finding is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from typing import Dict, List

from scope_check import __version__
from scope_check.output.base import Formatter, Summary, plural, rule_url, where
from scope_check.output.base import finding_pages, occurrences
from scope_check.output.annotate import places
from scope_check.engine.runner import UNOPENABLE
from scope_check.safety import limits

#: thumbnail resolution (dots per inch): a US Letter page is 612 x 792 pixels
THUMB_DPI = 72
#: at most this many thumbnails per paper (a 2,000-page file with a finding on each page)
MAX_THUMBS = 40
COLOURS = {"error": "#c00d0d", "warning": "#d97300", "info": "#1a66d9"}

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.5rem;word-break:break-all}
.verdict{display:inline-block;padding:.1rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.pass{background:#1f7a3a}.fail{background:#c00d0d}.error{background:#7a4b00}
table{border-collapse:collapse;width:100%;margin:.8rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.code{font-family:ui-monospace,monospace;white-space:nowrap}
.sev-error{color:#c00d0d;font-weight:600}.sev-warning{color:#b35f00;font-weight:600}.fix{color:#444;font-size:.9em}
.pages{display:flex;flex-wrap:wrap;gap:1rem}.pages figure{margin:0;border:1px solid #ccc;background:#fff}
.pages figcaption{font-size:.85em;padding:.2rem .4rem;background:#f4f4f4}svg{display:block}
"""


def _pages_of(finding):
    """Every page a finding is on, font findings' listed pages and grouped occurrences included."""

    pages = set(finding_pages(finding)) | {p for p, _, _ in occurrences(finding) if p}
    listed = (finding.data or {}).get("pages") if finding.code == "FONT003" else None
    if isinstance(listed, (list, tuple)):
        pages |= {p for p in listed if isinstance(p, int)}
    return pages


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


class HtmlFormatter(Formatter):
    def start(self) -> None:
        self.stream.write(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>scope-check report ({_e(self.rules)})</title><style>{CSS}</style></head><body>\n"
            f"<h1>scope-check against {_e(self.rules)}</h1>\n"
        )

    def handle(self, report) -> None:
        if self.quiet and report.verdict == "pass":
            return
        w = self.stream.write
        w(f"<section class=\"paper\" data-path=\"{_e(report.display_path)}\" data-verdict=\"{_e(report.verdict)}\">\n")
        w(f"<h2>{_e(report.display_path)} <span class=\"verdict {_e(report.verdict)}\">{_e(report.verdict.upper())}</span></h2>\n")
        m = report.measurements or {}
        facts = [plural(report.errors, "error"), plural(report.warnings, "warning")]
        if m.get("pages") is not None:
            facts.append(f"{m['pages']} pages")
        if m.get("body_pages") is not None:
            facts.append(f"{m['body_pages']} before References")
        w(f"<p>{_e(', '.join(facts))}</p>\n")
        if report.findings:
            w("<table class=\"findings\"><thead><tr><th>where</th><th>code</th><th>severity</th>"
              "<th>finding</th><th>source</th></tr></thead><tbody>\n")
            for f in report.findings:
                src = f"{f.source.get('file')}:{f.source.get('line')}" if f.source else ""
                w(f"<tr class=\"finding\" data-code=\"{_e(f.code)}\" data-severity=\"{_e(f.severity)}\">"
                  f"<td>{_e(where(f))}</td>"
                  f"<td class=\"code\"><a href=\"{_e(rule_url(f.code, f.name))}\">{_e(f.code)}</a><br>{_e(f.name)}</td>"
                  f"<td class=\"sev-{_e(f.severity)}\">{_e(f.severity)}</td>"
                  f"<td>{_e(f.message)}" + (f"<div class=\"fix\">Fix: {_e(f.hint)}</div>" if f.hint else "") + "</td>"
                  f"<td class=\"code\">{_e(src)}</td></tr>\n")
            w("</tbody></table>\n")
        else:
            w("<p>No findings.</p>\n")
        w(self._thumbnails(report))
        w("</section>\n")

    def _thumbnails(self, report) -> str:

        if not any(f.page for f in report.findings) or any(f.code in UNOPENABLE for f in report.findings):
            return ""
        import pymupdf


        try:
            with limits.opened(report.path) as fh:  # any file name, valid UTF-8 or not
                pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
        except Exception:
            return ""
        out: List[str] = []
        try:
            listed = sorted({p for f in report.findings for p in _pages_of(f) if 1 <= p <= pdf.page_count})
            shown = set(listed[:MAX_THUMBS])  # only these pages are looked at and rendered
            boxes: Dict[int, List] = {}
            for f in report.findings:
                for number, bbox, _ in places(pdf, f, only=shown):
                    if number in shown:
                        boxes.setdefault(number, []).append((f, bbox))
            numbers = sorted(boxes)
            for number in numbers:
                page = pdf[number - 1]
                pix = page.get_pixmap(dpi=THUMB_DPI, annots=False)
                data = base64.b64encode(pix.tobytes("png")).decode("ascii")
                wpt, hpt = page.rect.width, page.rect.height
                rects = []
                for f, bbox in boxes[number]:
                    colour = COLOURS.get(f.severity, COLOURS["info"])
                    if bbox:
                        x0, y0, x1, y1 = bbox
                        x0, y0 = max(x0 - 2, 0), max(y0 - 2, 0)
                        x1, y1 = min(x1 + 2, wpt), min(y1 + 2, hpt)
                    else:
                        x0, y0, x1, y1 = 4, 4, 24, 24
                    rects.append(
                        f"<rect class=\"box\" data-code=\"{_e(f.code)}\" x=\"{x0:.1f}\" y=\"{y0:.1f}\" "
                        f"width=\"{max(x1 - x0, 1):.1f}\" height=\"{max(y1 - y0, 1):.1f}\" fill=\"none\" "
                        f"stroke=\"{colour}\" stroke-width=\"2.5\"><title>{_e(f.code)}: {_e(f.message)}</title></rect>"
                    )
                codes = ", ".join(sorted({f.code for f, _ in boxes[number]}))
                out.append(
                    f"<figure data-page=\"{number}\"><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{pix.width}\" "
                    f"height=\"{pix.height}\" viewBox=\"0 0 {wpt:.1f} {hpt:.1f}\" role=\"img\" "
                    f"aria-label=\"page {number}\"><image href=\"data:image/png;base64,{data}\" x=\"0\" y=\"0\" "
                    f"width=\"{wpt:.1f}\" height=\"{hpt:.1f}\"/>{''.join(rects)}</svg>"
                    f"<figcaption>page {number}: {_e(codes)}</figcaption></figure>"
                )
            more = len(listed) - len(numbers)
        finally:
            pdf.close()
        tail = f"<p>{more} more pages with findings are not shown.</p>" if more > 0 else ""
        return "<div class=\"pages\">" + "".join(out) + "</div>" + tail + "\n"

    def finish(self, summary: Summary) -> None:
        self.stream.write(
            f"<footer><p class=\"summary\">{_e(summary.line())}</p><p class=\"tool\">scope-check {_e(__version__)}</p>"
            "</footer></body></html>\n"
        )
