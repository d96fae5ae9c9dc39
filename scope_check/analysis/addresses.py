"""Text helpers for the anonymity checks: e-mail addresses, URLs (joined across line wraps, merged
with link annotations), who a URL points at, and the sentence around a place on a page.

Pure functions over the document model; nothing here opens, resolves or fetches a URL.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from functools import lru_cache
from typing import Dict, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from scope_check.model.document import Line, Link, Span
from scope_check.model.findings import BBox
from scope_check.model.packed_pages import is_packed
from scope_check.safety.safe_patterns import lazy

# --- e-mail addresses -----------------------------------------------------------------------

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"  # bounded: linear on any token (RFC 5321: 64)
_DOMAIN = r"[A-Za-z0-9-]{1,63}(?:\s?\.\s?[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"  # labels of at most 63
#: jane.doe@uni.edu, {jane,john}@uni.edu, {jane, john}@cs.uni.edu, jane{at}uni.edu, jane [at] uni [dot] edu
EMAIL = lazy(
    r"\{[^{}@]{1,200}\}\s?@\s?" + _DOMAIN                       # {a,b}@domain
    + r"|" + _LOCAL + r"\s?@\s?" + _DOMAIN                        # a@domain
    + r"|" + _LOCAL + r"\s?[\[{(<]\s?at\s?[\]})>]\s?[A-Za-z0-9-]{1,63}"  # a [at] domain [dot] tld
    r"(?:\s?(?:\.|[\[{(<]\s?dot\s?[\]})>])\s?[A-Za-z0-9-]{1,63}){1,8}",
    re.I,
)


def emails(text: str) -> List[str]:
    return [m.group().replace(" ", "") for m in EMAIL.finditer(text)]


# --- URLs in the text layer -----------------------------------------------------------------

#: characters after which LaTeX's url package may break a URL (\UrlBreaks, \UrlBigBreaks)
_URL_BREAKS = "/.-_?&=#+;,!|@:~%"
_URL = lazy(r"(?:https?://|ftp://|www\.)[^\s<>\"'{}|\\^`]+", re.I)
_TRAILING = ".,;:!?)]}'\"\u2019\u201d>"
_MONO = lazy(r"mono|courier|typewriter|cmtt|sfmono|consola|menlo|inconsolata|lmmono", re.I)


class Url(NamedTuple):
    """A URL seen on a page: in the text layer, in a link annotation, or both."""

    url: str  # as written (annotation target when there is one)
    page: int
    bbox: BBox
    line: int  # index of its (first) line in the page's lines, -1 when no text is under it
    offset: int  # character offset of its start in that line's text
    end: int  # character offset, in that line, just past the text it covers (its visible text)
    annotated: bool  # a link annotation carries it
    in_text: bool  # the text layer shows it


def bare_url_pattern(hosts: Iterable[str]) -> Optional["re.Pattern[str]"]:
    """URLs written without a scheme on hosts we care about: `github.com/jdoe/repo`."""
    names = sorted({h.lower() for h in hosts if h}, key=len, reverse=True)
    if not names:
        return None
    alternation = "|".join(re.escape(h) for h in names)
    return re.compile(r"(?<![\w.@/-])(?:[\w-]{1,63}\.){0,10}(?:" + alternation + r")/[^\s<>\"'{}|\\^`]*", re.I)


def may_hold_url(text: str) -> bool:
    """False when `text_urls` finds nothing in `text` for sure: a URL with a scheme holds "://", one
    on a bare host holds "/" after it, and any other starts with "www." (in any case; only "W" and
    "w" lower to "w"). A cheap test that spares most lines (about 97%) both patterns."""
    return "/" in text or "www." in text.lower()


def text_urls(page: int, lines: Sequence[Line], bare: Optional["re.Pattern[str]"] = None) -> List[Url]:
    """URLs in the text of one page's lines, joined across line breaks where `\\url` broke them."""
    found: List[Url] = []
    for i, ln in enumerate(lines):
        if not may_hold_url(ln.text):
            continue
        spans: List[Tuple[int, int]] = []
        for pattern in (_URL, bare):
            if pattern is None:
                continue
            for m in pattern.finditer(ln.text):
                if any(s <= m.start() < e for s, e in spans):
                    continue  # the scheme pattern already has it
                spans.append((m.start(), m.end()))
                url = m.group()
                if m.end() == len(ln.text):
                    url = _join_wrapped(url, ln, i, lines)
                url = trim(url)
                if len(url) < 8:
                    continue
                found.append(Url(url, page, _word_box(ln, m.start()), i, m.start(), m.end(), False, True))
    return found


def trim(url: str) -> str:
    url = url.rstrip(_TRAILING) if not url.endswith(")") or url.count("(") < url.count(")") else url
    return url.rstrip(_TRAILING.replace(")", ""))


def _join_wrapped(url: str, line: Line, index: int, lines: Sequence[Line], depth: int = 0) -> str:
    """Append the start of the next line when the URL was broken at the line end."""
    if depth >= 3:
        return url
    nxt = next_line(lines, index)
    if nxt is None:
        return url
    j, following = nxt
    token = following.text.split(" ", 1)[0] if following.text else ""
    if not token or not _continues(url, line, token, following):
        return url
    joined = url + token
    if token == following.text:  # the whole next line is URL: it may wrap again
        return _join_wrapped(joined, following, j, lines, depth + 1)
    return joined


def _continues(url: str, line: Line, token: str, following: Line) -> bool:
    if re.match(r"(?:https?://|www\.)", token, re.I):
        return False  # a second URL
    mono_end = is_mono(_last_span(line))
    mono_start = is_mono(following.spans[0]) if following.spans else False
    if mono_end and mono_start:
        return True  # \url typesets in typewriter: the piece on the next line is the rest of it
    if mono_end != mono_start:
        return False
    # neither in typewriter (\href text, other engines): join only when the break is evident
    stripped = url.rstrip(_TRAILING)
    return stripped[-1:] in "/-_~=&?#" and bool(re.match(r"[\w~%-]", token)) and not token[:1].isupper()


def _last_span(line: Line) -> Optional[Span]:
    for span in reversed(line.spans):
        if span.text.strip():
            return span
    return None


def is_mono(span: Optional[Span]) -> bool:
    return span is not None and (bool(span.flags & 8) or _mono_font(span.font))


@lru_cache(maxsize=256)
def _mono_font(font: str) -> bool:
    """A typewriter font by its name (asked once a font: a paper sets thousands of lines in a few fonts)."""
    return bool(_MONO.search(font))


def next_line(lines: Sequence[Line], index: int) -> Optional[Tuple[int, Line]]:
    """The line that continues `lines[index]` in its column (the next one below that overlaps it)."""
    current = lines[index]
    size = current.size or 10.0
    for j in range(index + 1, min(len(lines), index + 40)):
        ln = lines[j]
        if ln.bbox[1] <= current.bbox[1] + 0.5 * size:
            continue  # beside it, same baseline
        if ln.bbox[2] <= current.bbox[0] or ln.bbox[0] >= current.bbox[2]:
            continue  # another column
        if ln.baseline - current.baseline > 2.5 * size:
            return None  # a gap: a new block
        return j, ln
    return None


def _word_box(line: Line, offset: int) -> BBox:
    """The box of the word starting at character `offset` of the line (the line's box if unsure)."""
    position = 0
    for word in line.words:
        start = line.text.find(word.text, position)
        if start < 0:
            break
        if start <= offset < start + len(word.text):
            return word.bbox
        position = start + len(word.text)
    return line.bbox


def annotation_urls(page: int, links: Sequence[Link], lines: Sequence[Line]) -> List[Url]:
    """The web targets of link annotations, placed on the line(s) they cover."""
    found = []
    for link in links:
        target = link.uri.strip()
        if link.kind not in ("uri", "launch", "remote") or not re.match(r"(?:https?://|ftp://|www\.)", target, re.I):
            continue
        index, offset, end = _covered(link.bbox, lines)
        found.append(Url(target, page, link.bbox, index, offset, end, True, False))
    return found


def _covered(box: BBox, lines: Sequence[Line]) -> Tuple[int, int, int]:
    """Index of the first line under `box`, and the offsets of the first word under it and just
    past the last one (its visible text)."""
    x0, y0, x1, y1 = box
    best = (-1, 0, 0)
    best_overlap = 0.0
    for i, ln in enumerate(lines):
        b = ln.bbox
        if b[3] <= y0 or b[1] >= y1:
            continue  # above or below the box (most lines): no overlap, told without computing it
        overlap = min(y1, b[3]) - max(y0, b[1])
        if overlap <= 0 or b[2] < x0 or b[0] > x1:
            continue
        if overlap > best_overlap + 0.5:
            first, last, position = None, 0, 0
            for word in ln.words:
                start = ln.text.find(word.text, position)
                if start < 0:
                    break
                position = start + len(word.text)
                if word.bbox[2] > x0 + 0.5 and word.bbox[0] < x1 - 0.5:
                    first = start if first is None else first
                    last = position
            if first is None:
                first, last = 0, len(ln.text)
            best, best_overlap = (i, first, last), overlap
    return best


def merge(text: Sequence[Url], annotated: Sequence[Url]) -> List[Url]:
    """One entry per URL and page: an annotation absorbs the text occurrences of its target
    (including a piece of it, when the text wrap could not be joined)."""
    out: Dict[Tuple[int, str], Url] = {}
    for u in annotated:
        key = (u.page, canonical(u.url))
        if key not in out:
            out[key] = u
    # the annotated targets of each page, sorted, with their order in `out`: the first annotation
    # whose target starts with a text URL is found by bisection, not by a walk over every link
    keys = list(out)
    targets: Dict[int, _Prefixes] = {}
    for order, ((page, target), a) in enumerate(out.items()):
        if a.annotated:
            targets.setdefault(page, _Prefixes()).add(target, order)
    for u in text:
        key = (u.page, canonical(u.url))
        order = targets[u.page].first(key[1]) if u.page in targets else None
        if order is not None:
            page, target = keys[order]
            a = out[(page, target)]
            if not a.in_text:
                # keep the annotation's target and box, take the text's place for the context
                out[(page, target)] = Url(a.url, page, a.bbox, u.line, u.offset, u.end, True, True)
        elif key not in out:
            out[key] = u
    return sorted(out.values(), key=lambda u: (u.page, u.bbox[1], u.bbox[0]))


class _Prefixes:
    """Strings with their insertion order; `first(prefix)` is the earliest one starting with
    `prefix`, in O(log n) once built (the strings with a prefix are one run of the sorted list, and
    a sparse table holds the earliest order of every run)."""

    def __init__(self):
        self.items: List[Tuple[str, int]] = []
        self.table: Optional[List[List[int]]] = None

    def add(self, target: str, order: int) -> None:
        self.items.append((target, order))
        self.table = None

    def _build(self) -> None:
        self.items.sort()
        self.keys = [t for t, _ in self.items]
        table = [[o for _, o in self.items]]
        span = 1
        while 2 * span <= len(self.items):
            prev = table[-1]
            table.append([min(prev[i], prev[i + span]) for i in range(len(prev) - span)])
            span *= 2
        self.table = table

    def first(self, prefix: str) -> Optional[int]:
        if self.table is None:
            self._build()
        keys = self.keys
        lo = bisect_left(keys, prefix)
        hi = bisect_left(keys, True, lo, key=lambda t: not t.startswith(prefix))
        if hi <= lo:
            return None
        k = (hi - lo).bit_length() - 1
        return min(self.table[k][lo], self.table[k][hi - (1 << k)])


# --- who a URL points at --------------------------------------------------------------------


def canonical(url: str) -> str:
    """host/path?query, lower-case host, no scheme, no `www.`, no trailing slash or fragment."""
    text = url.strip()
    if not re.match(r"[a-z][a-z0-9+.-]*://", text, re.I):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:  # a malformed URL ("http://[x"): compare it as written
        return url.strip().lower()
    if host.startswith("www."):
        host = host[4:]
    path = re.sub(r"/+", "/", parts.path).rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


class Target(NamedTuple):
    kind: str  # anonymous | neutral | owner | personal | institution | other
    owner: str  # who it names: "github.com/jdoe", "jdoe.github.io", "cs.uni.edu/~jdoe"; "" if nobody
    reason: str  # for the message


def classify(url: str, options: Mapping) -> Target:
    """Who can be identified from the URL alone (nothing is fetched)."""
    where = canonical(url)
    host, _, rest = where.partition("/")
    path = rest.split("?", 1)[0]
    segments = [s for s in path.split("/") if s]
    for pattern in options["anonymous_links"]:
        if re.search(pattern, where, re.I):
            return Target("anonymous", "", "an anonymising service")
    if _host_in(host, options["neutral_hosts"]):
        return Target("neutral", "", "a venue or archive that names nobody")
    anonymous_owner = options["anonymous_owner"]
    for owner_host, skip in options["owner_hosts"].items():
        if _host_in(host, (owner_host,)):
            rest_segments = list(segments)
            while rest_segments and rest_segments[0].lower() in {s.lower() for s in skip}:
                rest_segments.pop(0)
            if not rest_segments:
                return Target("other", "", f"a page on {host}")
            owner = rest_segments[0]
            if anonymous_owner and re.search(anonymous_owner, owner, re.I):
                return Target("anonymous", "", "an anonymous account")
            return Target("owner", f"{owner_host}/{owner}", f"the account {owner!r} on {owner_host}")
    for suffix in options["personal_hosts"]:
        suffix = suffix.lower()
        if host == suffix and segments:
            # sites.google.com/view/NAME, sites.google.com/site/NAME
            owner = segments[1] if segments[0] in ("view", "site") and len(segments) > 1 else segments[0]
            if anonymous_owner and re.search(anonymous_owner, owner, re.I):
                return Target("anonymous", "", "an anonymous page")
            return Target("personal", f"{host}/{segments[0]}" + (f"/{owner}" if owner != segments[0] else ""),
                          f"a personal site on {host}")
        if host.endswith("." + suffix):
            owner = host[: -len(suffix) - 1]
            if anonymous_owner and re.search(anonymous_owner, owner, re.I):
                return Target("anonymous", "", "an anonymous page")
            return Target("personal", host, f"a personal site ({owner!r} on {suffix})")
    tilde = next((s for s in segments if s.startswith("~") and len(s) > 1), None)
    if tilde:
        return Target("personal", f"{host}/{tilde}", f"a personal home page ({tilde} on {host})")
    for pattern in options["institution_hosts"]:
        if re.search(pattern, host, re.I):
            return Target("institution", host, f"an institution's site ({host})")
    return Target("other", host, f"a site ({host})")


def _host_in(host: str, names: Iterable[str]) -> bool:
    return any(host == n.lower() or host.endswith("." + n.lower()) for n in names)


# --- running text ---------------------------------------------------------------------------

#: a page is read as two columns when this many lines stand wholly on each side of its middle
TWO_COLUMN_MIN_LINES = 10


def reading_order(lines: Sequence[Line], width: float) -> List[Line]:
    """The lines in reading order: on a two-column page, the left column of each band between
    full-width lines before its right column; on a one-column page, unchanged (top to bottom)."""
    middle = width / 2
    left = [ln.bbox[2] <= middle + 2 for ln in lines]
    right = [ln.bbox[0] >= middle - 2 for ln in lines]
    if sum(left) < TWO_COLUMN_MIN_LINES or sum(right) < TWO_COLUMN_MIN_LINES:
        return list(lines)
    out: List[Line] = []
    band_left: List[Line] = []
    band_right: List[Line] = []
    for ln, is_left, is_right in zip(lines, left, right):
        if is_left:
            band_left.append(ln)
        elif is_right:
            band_right.append(ln)
        else:  # spans both columns: the band ends
            out.extend(band_left + band_right)
            band_left, band_right = [], []
            out.append(ln)
    out.extend(band_left + band_right)
    return out



class Flow(NamedTuple):
    """The running text of a sequence of lines, with each line's start offset, so that a match in
    the text can be traced back to its line."""

    text: str
    starts: Sequence[int]  # offset of each line's first character in `text` (an array of int64)
    lines: Tuple[Line, ...]

    def line_at(self, offset: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def offset_of(self, line: int, column: int) -> int:
        return self.starts[line] + min(column, len(self.lines[line].text))


_HYPHEN_END = lazy(r"[a-z]-$")


def flow(lines: Sequence[Line]) -> Flow:
    """Join lines into running text; a word hyphenated at the line end is rejoined
    ("pre-" + "vious" -> "previous"). Offsets are kept so matches map back to lines."""
    parts: List[str] = []
    starts = array("q")  # compact: a whole document's lines may be joined
    length = 0
    previous: Optional[str] = None
    for ln in lines:
        if previous is not None:
            # endswith: a cheap exact test first ("$" matches at the end or before a final newline)
            if previous.endswith(("-", "-\n")) and _HYPHEN_END.search(previous) and ln.text[:1].islower():
                parts[-1] = parts[-1][:-1]  # drop the hyphen, no space
                length -= 1
            else:
                parts.append(" ")
                length += 1
        starts.append(length)
        parts.append(ln.text)
        length += len(ln.text)
        previous = ln.text
    return Flow("".join(parts), starts, tuple(lines))


#: a long document's running text is read in windows of about this many characters of its own,
#: each with FLOW_CONTEXT_CHARS of the text before and after it (so that memory stays flat); a
#: document whose pages are not packed is one window (`flow_window`)
FLOW_WINDOW_CHARS = 100_000
FLOW_CONTEXT_CHARS = 20_000


def flow_window(doc) -> Optional[int]:
    """The window a document's running text is read in (`windows`): the whole text at once,
    unless its pages are packed (scope_check/packed_pages.py)."""

    return FLOW_WINDOW_CHARS if is_packed(doc) else None


class Window(NamedTuple):
    """A stretch of a document's running text: `flow` joins its lines (the window's own and its
    context on either side), `pages[i]` is the page of its line i, `first` the number of that line
    in the whole text, and the window's own text is `flow.text[lo:hi]`."""

    flow: Flow
    pages: Sequence[int]
    first: int
    lo: int
    hi: int


def windows(pages_lines: Iterable[Tuple[int, Sequence[Line]]], size: Optional[int] = None,
            context: Optional[int] = None) -> Iterator[Window]:
    """The running text of `pages_lines` ((page, lines) in reading order) in windows of `size`
    characters (None: one window). Each window's flow reads exactly as that stretch of the whole
    text's flow (the joining of a line depends on the line before only) up to its last line."""
    context = FLOW_CONTEXT_CHARS if context is None else context
    items = iter(pages_lines)
    before: List[Tuple[int, Sequence[Line]]] = []
    ahead: List[Tuple[int, Sequence[Line]]] = []
    done = False
    first = 0  # number of the first line of `before` in the whole text

    def chars(lines) -> int:
        return sum(len(ln.text) + 1 for ln in lines)

    def pull():
        nonlocal done
        item = None if done else next(items, None)
        done = done or item is None
        return item

    def take():
        return ahead.pop(0) if ahead else pull()

    while True:
        core: List[Tuple[int, Sequence[Line]]] = []
        n = 0
        while size is None or n < size:
            item = take()
            if item is None:
                break
            core.append(item)
            if size is not None:
                n += chars(item[1])
        if not core:
            return
        extra = sum(chars(lines) for _, lines in ahead)
        while size is not None and extra < context and not done:
            item = pull()
            if item is None:
                break
            ahead.append(item)
            extra += chars(item[1])
        groups = before + core + ahead
        lines = [ln for _, group in groups for ln in group]
        pages = [page for page, group in groups for _ in group]
        text = flow(lines)
        n_before = sum(len(group) for _, group in before)
        n_core = sum(len(group) for _, group in core)
        if n_core:
            lo = text.starts[n_before]
            hi = text.starts[n_before + n_core] if n_before + n_core < len(lines) else len(text.text) + 1
            yield Window(text, pages, first, lo, hi)
        del text, lines
        if size is None:
            return  # the one window held the whole text
        tail: List[Tuple[int, Sequence[Line]]] = []
        kept = 0
        for item in reversed(before + core):
            if kept >= context:
                break
            tail.insert(0, item)
            kept += chars(item[1])
        first += n_before + n_core - sum(len(group) for _, group in tail)
        before = tail


class Scanner:
    """Matches of patterns in the whole running text, as `finditer` over the whole text finds them
    (leftmost, not overlapping), read window by window: a match belongs to the window its start
    lies in, and in the next window the pattern goes on after the end of its last match."""

    def __init__(self):
        self.resume: Dict[object, Tuple[int, int]] = {}  # pattern -> (line in the whole text, column)

    def finditer(self, pattern, w: Window, key: object = None):
        key = pattern if key is None else key
        pos = w.lo
        resume = self.resume.get(key)
        if resume is not None:
            local = resume[0] - w.first
            if 0 <= local < len(w.flow.starts):
                pos = max(pos, w.flow.starts[local] + resume[1])
        starts = w.flow.starts
        for m in pattern.finditer(w.flow.text, pos):
            if m.start() >= w.hi:
                break
            end_line = w.flow.line_at(m.end())
            self.resume[key] = (w.first + end_line, m.end() - starts[end_line])
            yield m


#: a sentence ends at . ! ? followed by space and a capital, unless the period ends an abbreviation.
#: The mark is matched first and the abbreviations looked for behind it (each lookbehind one character
#: longer, the mark itself: "(?<!\bFig)[.!?]" reads as "[.!?](?<!\bFig.)"): the same matches, but the
#: matcher skips to the next mark instead of trying eleven lookbehinds at every character
_SENTENCE_END = lazy(r"[.!?](?<!\bet al.)(?<!\be\.g.)(?<!\bi\.e.)(?<!\bcf.)(?<!\bFig.)(?<!\bEq.)(?<!\bSec.)"
                     r"(?<!\bvs.)(?<!\bal.)(?<!\bNo.)(?<![A-Z].)[\"'\u201d)]?\s+(?=[A-Z0-9\[(\u201c])")


def sentence(text: str, offset: int, back: int = 300, ahead: int = 200) -> Tuple[str, int]:
    """The sentence around `offset`, and where it starts in `text`."""
    lo = max(0, offset - back)
    start = lo
    for m in _SENTENCE_END.finditer(text, lo, offset):
        start = m.end()
    hi = min(len(text), offset + ahead)
    m = _SENTENCE_END.search(text, offset, hi)
    end = m.start() + 1 if m else hi
    return text[start:end], start


# --- identity outside the author block: e-mail policy, user paths, URLs in plain text ---------
# Shared by ANON001 (e-mail addresses and user paths anywhere in the paper) and the
# supplementary-material checks (scope_check/supplement).

#: a "{a,b}@domain" group or "a [at] b [dot] c" spelling, normalised to a plain address
_OBFUSCATED_AT = lazy(r"\s?[\[{(<]\s?at\s?[\]})>]\s?", re.I)
_OBFUSCATED_DOT = lazy(r"\s?[\[{(<]\s?dot\s?[\]})>]\s?", re.I)


def email_parts(address: str) -> Tuple[str, str]:
    """(local part, domain) of an address as `emails` returns it, lower-case."""
    plain = _OBFUSCATED_DOT.sub(".", _OBFUSCATED_AT.sub("@", address))
    local, _, domain = plain.rpartition("@")
    return local.strip("{}").lower(), domain.lower().strip(".")


def email_names_nobody(address: str, generic_locals: Iterable[str], placeholder_domains: Iterable[str]) -> bool:
    """An address that identifies no person: a placeholder domain (example.com, *.example,
    *.invalid: RFC 2606), or a role mailbox (contact@, info@, support@) of a dataset or project,
    or an `anonymous` mailbox. A `{jane,john}@` group always names people."""
    local, domain = email_parts(address)
    if _host_in(domain, placeholder_domains):
        return True
    if "," in local:
        return False
    if "anonym" in local:
        return True
    return local in {g.lower() for g in generic_locals}


#: an absolute home-folder path: /home/NAME/, /Users/NAME/, C:\Users\NAME\ (also with doubled
#: backslashes, as in JSON and notebook outputs, or forward slashes). NAME is bounded in length.
USER_PATH = lazy(
    r"(?<![\w.\-])(?:/(?:home|Users|users)/"
    r"|[A-Za-z]:(?:\\{1,2}|/)(?:Users|users|Documents and Settings)(?:\\{1,2}|/))"
    r"([^\s/\\\"'<>:|*?,;()\[\]{}]{1,64})(?=[/\\])"
)


def user_paths(text: str, generic_users: Iterable[str]) -> List[Tuple[int, str, str]]:
    """(offset, user, path prefix) of each home-folder path naming a real user in `text`;
    placeholders pass (user, USERNAME, ubuntu, jovyan, $USER, <user>, anything "anonym...")."""
    generic = {g.casefold() for g in generic_users}
    out = []
    for m in USER_PATH.finditer(text):
        user = m.group(1)
        folded = user.casefold()
        if folded in generic or "anonym" in folded or user[:1] in "$%<{~" or user.startswith("."):
            continue
        out.append((m.start(), user, m.group()))
    return out


_URL_REST = lazy(r"[^\s<>\"'{}|\\^`]{0,2000}")


@lru_cache(maxsize=8)
def _host_pattern(hosts: Tuple[str, ...]) -> Optional["re.Pattern[str]"]:
    names = sorted({h.lower() for h in hosts if h}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?:" + "|".join(re.escape(h) for h in names) + r")/", re.I)


def plain_urls(text: str, hosts: Iterable[str] = ()) -> List[Tuple[int, str]]:
    """(offset, URL) of each URL in plain text (a file of the supplementary material): with a
    scheme or `www.`, and scheme-less ones on `hosts` (`github.com/jdoe/x`, `jdoe.github.io/`).
    Linear in the text: a host is found as a literal, then its token is widened by a bounded scan
    (`bare_url_pattern`'s leading subdomain group is quadratic in a long word)."""
    found: List[Tuple[int, str]] = []
    taken: List[Tuple[int, int]] = []
    for m in _URL.finditer(text):
        taken.append((m.start(), m.end()))
        url = trim(m.group())
        if len(url) >= 8:
            found.append((m.start(), url))
    pattern = _host_pattern(tuple(hosts))
    if pattern is not None:
        for m in pattern.finditer(text):
            start = m.start()
            while start > 0 and m.start() - start < 100 and (text[start - 1].isalnum() or text[start - 1] in "._-"):
                start -= 1
            if start > 0 and text[start - 1] in "@/":
                continue  # inside a URL with a scheme (found above) or an e-mail address
            if any(a <= start < b for a, b in taken):
                continue
            end = _URL_REST.match(text, m.end()).end()
            taken.append((start, end))
            url = trim(text[start:end])
            if len(url) >= 8:
                found.append((start, url))
    return sorted(found)
