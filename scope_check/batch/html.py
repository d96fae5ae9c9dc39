"""report.html: one self-contained page (no network, no CDN, inline CSS and script): counts per
verdict and per code, the table of papers (sortable; filterable by code, track, verdict and text),
each paper's findings, the duplicate pairs and the batch's settings. The table is plain HTML, so
the page reads without its script; the script only sorts and filters."""

from __future__ import annotations

import json
import time
from html import escape
from typing import List, Sequence

from scope_check import __version__
from scope_check import checks as registry
from scope_check.output.base import plural

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2;cursor:pointer;user-select:none}th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
.pass{color:#17702a;font-weight:600}.fail{color:#b00;font-weight:600}.error{color:#808;font-weight:600}
.filters{margin:.8em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center}
details summary{cursor:pointer}ul.findings{margin:.3em 0;padding-left:1.2em}
.sev-error{color:#b00}.sev-warning{color:#a60}.sev-info{color:#067}code{font-size:.95em}
.counts td:last-child{text-align:right}#shown{font-weight:600}
"""

SCRIPT = r"""
(function(){
  var table=document.getElementById('papers'), body=table.tBodies[0];
  var fCode=document.getElementById('code-filter'), fTrack=document.getElementById('track-filter'),
      fVerdict=document.getElementById('verdict-filter'), fText=document.getElementById('text-filter'),
      shown=document.getElementById('shown');
  function apply(){
    var code=fCode.value, track=fTrack.value, verdict=fVerdict.value, text=fText.value.toLowerCase(), n=0;
    Array.prototype.forEach.call(body.rows,function(tr){
      var ok=(!code||(' '+tr.getAttribute('data-codes')+' ').indexOf(' '+code+' ')>=0)
        &&(!track||tr.getAttribute('data-track')===track)
        &&(!verdict||tr.getAttribute('data-verdict')===verdict)
        &&(!text||tr.textContent.toLowerCase().indexOf(text)>=0);
      tr.style.display=ok?'':'none'; if(ok){n++;}
    });
    shown.textContent=String(n);
  }
  [fCode,fTrack,fVerdict].forEach(function(el){el.addEventListener('change',apply);});
  fText.addEventListener('input',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.classList.remove('sorted-asc','sorted-desc');});
      th.classList.add(asc?'sorted-asc':'sorted-desc');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-sort')||a.cells[i].textContent, y=b.cells[i].getAttribute('data-sort')||b.cells[i].textContent;
        var nx=parseFloat(x), ny=parseFloat(y), r;
        if(!isNaN(nx)&&!isNaN(ny)&&String(nx)===x.trim()&&String(ny)===y.trim()){r=nx-ny;}else{r=x.localeCompare(y);}
        return asc?r:-r;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
"""


#: the track filter's value for the papers without a track
NO_TRACK = "(no track)"


def _opt(values: Sequence[str], label: str) -> str:
    return f'<option value="">{escape(label)}</option>' + "".join(
        f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)


def render(rows: Sequence[dict], settings: dict, summary: dict, codes: List[str]) -> str:

    catalogue = registry.checks()
    present = sorted(summary["codes"])
    tracks = sorted({r["track"] for r in rows if r["track"]})
    if any(not r["track"] for r in rows):  # papers the tracks file does not map (or no tracks file)
        tracks.append(NO_TRACK)
    out: List[str] = []
    w = out.append
    w("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
    w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "script-src 'unsafe-inline'\">")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    w(f"<title>scope-check batch report: {plural(summary['files'], 'file')}</title><style>{CSS}</style></head><body>")
    w(f"<h1>scope-check batch report</h1><p>{plural(summary['files'], 'file')} checked against "
      f"{escape(', '.join(sorted({r['rules_name'] for r in rows})) or settings.get('rules', ''))}; "
      f"scope-check {escape(__version__)}; written {escape(time.strftime('%Y-%m-%d %H:%M:%S %Z'))}.</p>")
    # counts
    w("<h2>Verdicts</h2><table class=\"counts\" id=\"verdict-counts\"><tr><th>verdict</th><th>files</th></tr>")
    for v in ("pass", "fail", "error"):
        w(f"<tr><td class=\"{v}\">{v}</td><td>{summary['verdicts'].get(v, 0)}</td></tr>")
    w("</table><h2>Codes</h2><table class=\"counts\" id=\"code-counts\"><tr><th>code</th><th>name</th><th>files</th></tr>")
    for c in sorted(present, key=lambda c: (-summary["codes"][c], c)):
        name = catalogue[c].name if c in catalogue else ""
        w(f"<tr><td><code>{escape(c)}</code></td><td>{escape(name)}</td><td>{summary['codes'][c]}</td></tr>")
    w("</table>")
    # table
    w("<h2>Papers</h2><div class=\"filters\">")
    w(f"<label>code <select id=\"code-filter\">{_opt(present, 'any code')}</select></label>")
    w(f"<label>track <select id=\"track-filter\">{_opt(tracks, 'any track')}</select></label>")
    w(f"<label>verdict <select id=\"verdict-filter\">{_opt(['pass', 'fail', 'error'], 'any verdict')}</select></label>")
    w("<label>text <input id=\"text-filter\" type=\"search\" placeholder=\"id, path, message\"></label>")
    w(f"<span><span id=\"shown\">{len(rows)}</span> of {len(rows)} shown</span></div>")
    w("<table id=\"papers\"><thead><tr><th>id</th><th>title</th><th>path</th><th>track</th><th>verdict</th><th>pages</th>"
      "<th>body pages</th><th>errors</th><th>warnings</th><th>duplicate of</th><th>findings</th></tr></thead><tbody>")
    for r in rows:
        rep = r["file"]
        m = rep.get("measurements", {})
        fcodes = sorted({f["code"] for f in rep.get("findings", [])})
        errors = sorted({f["code"] for f in rep.get("findings", []) if f.get("severity") == "error"})
        warnings = sorted({f["code"] for f in rep.get("findings", []) if f.get("severity") == "warning"})
        sid = r["sid"]
        sort_id = sid if sid.isdigit() else sid
        dups = "; ".join(f"{escape(s)} ({'identical' if k == 'identical' else f'{sim:.2f}'})" for s, _, k, sim in r["duplicates"])
        items = "".join(
            f"<li class=\"sev-{escape(f.get('severity', ''))}\"><code>{escape(f['code'])}</code> "
            f"{escape(f.get('severity', ''))}{' p.' + str(f['page']) if f.get('page') else ''}: {escape(f['message'])}</li>"
            for f in rep.get("findings", []))
        findings = (f"<details><summary>{plural(len(rep.get('findings', [])), 'finding')}</summary><ul class=\"findings\">{items}</ul></details>"
                    if items else "")
        w(f"<tr data-codes=\"{escape(' '.join(fcodes))}\" data-track=\"{escape(r['track'] or NO_TRACK)}\" "
          f"data-verdict=\"{escape(rep['verdict'])}\">"
          f"<td data-sort=\"{escape(sort_id)}\">{escape(sid)}</td><td>{escape(r.get('title') or '')}</td>"
          f"<td>{escape(r['path'])}</td><td>{escape(r['track'])}</td>"
          f"<td class=\"{escape(rep['verdict'])}\">{escape(rep['verdict'])}</td><td>{m.get('pages', '')}</td>"
          f"<td>{'' if m.get('body_pages') is None else m.get('body_pages')}</td><td>{escape(' '.join(errors))}</td>"
          f"<td>{escape(' '.join(warnings))}</td><td>{dups}</td><td>{findings}</td></tr>")
    w("</tbody></table>")
    # duplicates
    pairs = []
    seen = set()
    for r in rows:
        for sid, p, kind, sim in r["duplicates"]:
            key = tuple(sorted((r["path"], p)))
            if key not in seen:
                seen.add(key)
                pairs.append((r["sid"], r["path"], sid, p, kind, sim))
    w(f"<h2>Duplicate submissions</h2><p>{plural(len(pairs), 'pair')}: byte-identical files, or body text with a MinHash "
      f"similarity of at least {settings.get('near_duplicate', 0.8)}.</p>")
    if pairs:
        w("<table id=\"duplicates\"><tr><th>id</th><th>path</th><th>id</th><th>path</th><th>kind</th><th>similarity</th></tr>")
        for a, pa, b, pb, kind, sim in pairs:
            w(f"<tr><td>{escape(a)}</td><td>{escape(pa)}</td><td>{escape(b)}</td><td>{escape(pb)}</td>"
              f"<td>{escape(kind)}</td><td>{sim:.2f}</td></tr>")
        w("</table>")
    canaries = summary.get("canaries") or []
    if canaries:  # hidden text recurring across papers: the venue's, taken out of the papers' reports
        w(f"<h2>Venue canaries</h2><p>{len(canaries)} hidden text{'s' if len(canaries) != 1 else ''} "
          f"recur{'s' if len(canaries) == 1 else ''} across "
          "papers: the venue's own canaries (instructions planted in reviewer copies), not the authors'. Their "
          "findings are left out of the papers' reports.</p><table id=\"canaries\"><tr><th>hidden text</th>"
          "<th>form</th><th>watermark</th><th>papers</th><th>ids</th></tr>")
        for n in canaries:
            w(f"<tr><td>{escape(n['text'])}</td><td>{escape(n.get('form') or '')}</td>"
              f"<td>{escape(n.get('watermark') or '')}</td><td>{n['count']}</td>"
              f"<td>{escape(', '.join(sid for sid, _ in n['papers']))}</td></tr>")
        w("</table>")
    w("<h2>Settings</h2><pre id=\"settings\">" + escape(json.dumps(settings, indent=2, ensure_ascii=False)) + "</pre>")
    w(f"<script>{SCRIPT}</script></body></html>\n")
    return "".join(out)
