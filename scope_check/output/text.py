"""Human-readable output: one block per file, one line per finding with its page and a fix hint."""

from __future__ import annotations

from scope_check.output.base import Formatter, Summary
from scope_check.engine.grouping import where as _where
from scope_check.engine.venues import note

_COLOURS = {"error": "31", "warning": "33", "info": "36", "pass": "32", "fail": "31", "bold": "1", "dim": "2"}


class TextFormatter(Formatter):
    def _c(self, what: str, text: str) -> str:
        if not self.color:
            return text
        return f"\033[{_COLOURS[what]}m{text}\033[0m"

    def handle(self, report) -> None:
        if self.quiet and report.verdict == "pass":
            return
        w = self.stream.write
        m = report.measurements
        verdict = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}[report.verdict]
        facts = []
        if "pages" in m:
            facts.append(f"{m['pages']} pages")
        if m.get("body_pages") is not None:
            facts.append(f"{m['body_pages']} before References" if m.get("references_page") else f"{m['body_pages']} counted")
        fact = f" ({', '.join(facts)})" if facts else ""
        skipped = getattr(report, "skipped", ())
        if skipped:  # a filtered report must not read like a full pass
            shown = ", ".join(skipped[:8]) + (", ..." if len(skipped) > 8 else "")
            verdict += f" ({len(skipped)} check{'s' if len(skipped) > 1 else ''} skipped: {shown})"
        auto = getattr(report, "auto", None)
        chosen = f" ({note(auto, report.rules)})" if auto is not None else ""  # --rules auto: how it was chosen
        w(f"{self._c('bold', report.display_path)}: {self._c('pass' if report.verdict == 'pass' else 'fail', verdict)} "
          f"against {report.rules}{fact}{chosen}\n")
        for f in report.findings:
            where = _where(f)
            count = f.data.get("count", 1) if f.data else 1
            times = f" ({count} times)" if count > max(len(f.all_pages), 1) else ""  # a file-level finding has no page
            w(f"  {where:<6} {f.code} {self._c(f.severity, f.severity):<7} {f.message}{times} [{f.name}]\n")
            if f.hint and not self.quiet:
                w(f"         {self._c('dim', 'fix:')} {f.hint}\n")
            if f.source and f.source.get("line"):  # SyncTeX mapped it (scope_check/synctex.py)
                w(f"         {self._c('dim', 'at:')} {f.source['file']}:{f.source['line']}\n")
        if self.verbose:
            for key, value in m.items():
                w(f"         {key}: {value}\n")
            w(f"         checked in {report.elapsed_s:.3f} s\n")

    def finish(self, summary: Summary) -> None:
        if summary.files > 1 or self.quiet:
            self.stream.write(summary.line() + "\n")
