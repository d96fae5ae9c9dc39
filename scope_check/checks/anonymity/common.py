"""What the ANON checks (and the SUPP checks, which apply ANON's rules to the supplementary
material) share: how a person's name is told from other words, where a section starts, what a
claim of one's own code sounds like, which metadata fields name someone, and where the References
run. Public names only: each check module imports from here, never from a sibling."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check.analysis import addresses
from scope_check.analysis.structure import Structure, analyse, token
from scope_check.config.rules import RuleSet
from scope_check.model.document import Document, Line
from scope_check.model.packed_pages import is_packed
from scope_check.safety.safe_patterns import compile_pattern, lazy

#: e-mail addresses and home paths that name nobody (ANON001's defaults; the supplementary-material
#: checks SUPP002/SUPP003 declare the same defaults as their own parameters)
GENERIC_EMAIL_LOCALS = [
    "contact", "info", "support", "help", "admin", "team", "hello", "office", "data", "dataset", "datasets", "mail",
    "noreply", "no-reply", "webmaster", "postmaster", "abuse", "security", "privacy", "press", "feedback",
    "questions", "licensing", "maintainers"]
PLACEHOLDER_EMAIL_DOMAINS = [
    "example.com", "example.org", "example.net", "example", "invalid", "test", "localhost", "anonymous.com",
    "anonymous.org", "anon.com", "email.com", "domain.com"]
GENERIC_USERS = [
    "user", "username", "user_name", "usr", "your_user", "yourname", "your_name", "yourusername", "you", "me", "name",
    "myname", "ubuntu", "debian", "centos", "ec2-user", "admin", "administrator", "root", "guest", "nobody", "runner",
    "runneradmin", "jovyan", "vscode", "codespace", "gitpod", "docker", "app", "work", "workspace", "dev", "developer",
    "default", "public", "shared", "all users", "xxx", "xxxx", "foo", "bar", "anon", "anonymous", "anonymized",
    "anonymised", "author", "authors", "home", "login", "colab", "kaggle", "travis", "circleci", "gitlab-runner",
    "jenkins", "build", "buildbot", "test"]


# --- from author_block ---
SHOWN = 4


ABSTRACT = lazy(r"^abstract\b", re.I)


SECTION = lazy(r"^(?:\d+|[IVX]+)\.?\s+\S")


MARKS = lazy(r"[*\u2217\u2020\u2021\u00a7\u00b6#\u2016\u2032\u22c6\u2605]+")


NAME_SEPARATORS = lazy(r"\s{0,8}(?:[,;&|\u00b7\u2022]|\band\b)\s{0,8}")  # bounded: linear on any text


NAME_PARTICLES = frozenset(
    "de del della der den di da das do dos du la le van von ten ter bin binti al el y zu".split()
)


NAME_TOKEN = lazy(r"^(?:[^\W\d_][.]|[^\W\d_][^\W\d_'\u2019.\-]*(?:[-'\u2019][^\W\d_]+)*\.?)$")


def person_names(text: str) -> List[str]:
    """Person names in an author line: 2 to 6 capitalised words per segment, footnote marks and
    superscript digits removed ("Jane Doe1*, John Q. Smith2 and Ann Lee")."""
    text = MARKS.sub(" , ", text)
    text = re.sub(r"(?<=[^\W\d_])\d+", " ", text)  # superscript affiliation numbers glued to a name
    text = re.sub(r"(?<!\S)\d+(?!\S)", " , ", text)
    text = re.sub(r"\([^()]*\)", " , ", text)  # "(Invited Paper)", "(equal contribution)"
    text = " ".join(text.split())
    names = []
    for segment in NAME_SEPARATORS.split(text):
        tokens = segment.split()
        if not 2 <= len(tokens) <= 6:
            continue
        capitalised = 0
        ok = True
        for t in tokens:
            if t.lower() in NAME_PARTICLES:
                continue
            if not NAME_TOKEN.match(t) or not t[0].isupper() or (len(t) > 2 and t.isupper()):
                ok = False
                break
            capitalised += 1
        if ok and capitalised >= 2:
            names.append(" ".join(tokens))
    return names


@lru_cache(maxsize=16)
def word_pattern(words: Tuple[str, ...]):
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # whole words among Latin letters (a CJK affiliation mark may touch the word)
    return compile_pattern(r"(?<![A-Za-z\u00c0-\u024f])(?:" + alternation + r")(?![A-Za-z\u00c0-\u024f])", re.I)


#: the characters a letter matches when case is ignored (re.IGNORECASE on str): the letter in either
#: case, and for i, s and k one or two more (dotless i, long s, the Kelvin sign)
CASE_VARIANTS = {"i": "iI\u0130\u0131", "s": "sS\u017f", "k": "kK\u212a"}


def first_letters(words: Sequence[str]) -> str:
    """A class of the characters that the first letters of `words` match when case is ignored:
    matched case-sensitively, as the first item of a pattern, it lets the matcher skip at C speed to
    the next character that can start a match (re.IGNORECASE turns that skip off, so a pattern whose
    first item ignores case, or is a lookahead, is tried at every character: about 2 to 3 times slower
    over running text)."""
    chars = "".join(CASE_VARIANTS.get(w[0].lower(), w[0].lower() + w[0].upper()) for w in words)
    return "[" + "".join(sorted(set(chars))) + "]"


def after_first(words: Sequence[str]) -> str:
    """The alternation of `words` (regexes, each starting with a letter) after its first letter is
    matched by `first_letters`: each word's first letter is checked behind, its rest matched ahead
    ("our", "my" -> "(?:(?<=o)ur|(?<=m)y)"). Put inside "(?i:...)": the letter behind is then read
    ignoring case, as the word would be."""
    return "(?:" + "|".join(f"(?<={w[0]}){w[1:]}" for w in words) + ")"


def word_start(words: Sequence[str]) -> str:
    """`\\b(?:word|...)` ignoring case, written to be a pattern's first item (`first_letters`,
    then the word boundary checked behind that letter, then `after_first`):
    `word_start(["our", "my"])` matches what "(?i:\\b(?:our|my))" matches, at the same places."""
    return first_letters(words) + r"(?<!\w.)(?i:" + after_first(words) + ")"


_PUNCTUATION = lazy(r"[^\w\s()]")


def plain(text: str) -> str:
    """Case and punctuation ignored: how placeholders and anonymous values are matched."""
    return " ".join(_PUNCTUATION.sub(" ", text).split()).casefold()


def clean_name(text: str) -> str:
    text = re.sub(r"^\s*\d+(?=[^\W\d_])", "", MARKS.sub(" ", text))  # a leading affiliation number
    return " ".join(text.split()).strip(" ,;")


def some(noun: str, items: Sequence[str]) -> str:
    shown = ", ".join(f'"{v}"' for v in items[:SHOWN]) + (f", ... ({len(items)} in all)" if len(items) > SHOWN else "")
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{plural if len(items) > 1 else noun} {shown}"


# --- from links ---
FOOTNOTE_SIZE_RATIO = 0.95


CLAIM_NEAR = 80


NOUN = (
    r"(?:source[\s-]+code|code(?:[\s-]?base)?|implementations?|repositor(?:y|ies)|repos?|project[\s-]+(?:page|website|site)|"
    r"web[\s-]?(?:site|page)|home[\s-]?page|demos?|checkpoints?|weights|models?|data[\s-]?sets?|data|benchmarks?|"
    r"librar(?:y|ies)|toolkits?|packages?|software|scripts?|artifacts?|artefacts?|materials?|tools?)"
)


AVAILABLE = (
    r"(?:is|are|will\s+be|can\s+be|could\s+be|may\s+be|has\s+been|have\s+been|becomes?|was|were)\s+"
    r"(?:\w+\s+){0,2}?(?:available|found|accessed|downloaded|released|hosted|obtained|accessible|published|"
    r"open[\s-]?sourced|provided|shared|viewed|seen)"
)


#: what may stand between "we" and the verb: auxiliaries and adverbs ("we will also release"), not
#: another verb ("we use the code released by")
AUX = (
    r"(?:(?:will|would|shall|can|also|have|has|hereby|further|additionally|publicly|fully|now|then|thus|therefore|"
    r"plan\s+to|intend\s+to|are\s+happy\s+to|are\s+glad\s+to|do|did)\s+){0,3}"
)


#: the sentence before the URL claims it as the paper's own material
CLAIMS = tuple(
    lazy(p, re.I)
    for p in (
        # "our code is available at", "our full implementation can be found at", "my project page:"
        r"\b(?:our|my)\s+(?:[\w-]+\s+){0,3}?" + NOUN + r"\b(?:\s+[\w-]+){0,8}?\s+" + AVAILABLE,
        # "our code: URL", "our code at URL", "our models (URL)", "our repository URL"
        r"\b(?:our|my)\s+(?:[\w-]+\s+){0,3}?" + NOUN + r"\s*(?:[:(\-\u2013\u2014]|\bat\b|\bon\b|\bin\b|\bhere\b|\bvia\b)?[\s.,;:)]*$",
        # "we release", "we will open-source", "we make the code publicly available", "we provide our code"
        r"\bwe\s+" + AUX + r"(?:release[sd]?|releasing|open[\s-]?sourc(?:e|ed|ing))\b",
        r"\bwe\s+" + AUX + r"(?:make|made|provide[sd]?|share[sd]?|publish(?:ed)?|host(?:ed)?|upload(?:ed)?|put)\s+"
        r"(?:[\w-]+\s+){0,4}?(?:" + NOUN + r"|(?:publicly\s+)?available|public)\b",
        # sentence start: "Code is available at", "The code and data are available at", "Code: URL", "Project page:"
        r"^\W*(?:the\s+|all\s+)?" + NOUN + r"\b(?:(?!\s+(?:of|from|by|their|its)\b)\s+[\w-]+){0,10}?\s+" + AVAILABLE,
        r"^\W*" + NOUN + r"(?:\s*(?:,|and|&)\s*" + NOUN + r")*\s*(?::|\bat\b|\bavailable\b|\bhere\b)",
        # "code for this paper / for reproducing our results"
        r"\b" + NOUN + r"\s+(?:for|of|accompanying|behind|to\s+reproduce)\s+(?:\w+\s+){0,3}?(?:this|our|the\s+present)\s+"
        r"(?:paper|work|submission|study|experiments|results|method|approach|project)\b",
    )
)


def claim_phrase(text: str, near: Optional[int] = None) -> Optional[str]:
    """The phrase by which `text` (a sentence up to a URL, or up to a footnote mark) presents the
    link as the paper's own material, or None. The phrase must end within `near` characters of
    the end of `text`: a claim about something else earlier in a long sentence does not count."""
    limit = CLAIM_NEAR if near is None else near
    for pattern in CLAIMS:
        for m in pattern.finditer(text):
            if len(text) - m.end() <= limit:
                return " ".join(m.group().split())[:80]
    return None


#: a footnote's mark: a number, an asterisk, a dagger, a section or a pilcrow sign
_MARK = lazy(r"\d{1,2}|[*\u2217\u2020\u2021\u00a7\u00b6]")


def leading_marker(ln: Line) -> Optional[str]:
    first = next((sp for sp in ln.spans if sp.text.strip()), None)
    if first is None:
        return None
    token = first.text.strip()
    if (first.flags & 1 or first.size < 0.8 * ln.size) and _MARK.fullmatch(token):
        return token
    return None


# --- from metadata ---
# elements found by xmp_elements (one linear pass, even over a packet that never closes them)
XMP_CREATOR = (lazy(r"<dc:creator\b[^>]{0,200}>", re.I), lazy(r"</dc:creator>", re.I))


XMP_LI = (lazy(r"<rdf:li\b[^>]{0,200}>", re.I), lazy(r"</rdf:li>", re.I))


XMP_PDF_AUTHOR = (lazy(r"<pdf:Author\b[^>]{0,200}>", re.I), lazy(r"</pdf:Author>", re.I))


XMP_AUTHOR = lazy(r"\bpdf:Author\s{0,8}=\s{0,8}[\"']([^\"']{0,2000})[\"']", re.I)


def xmp_elements(text: str, tags) -> List[str]:
    """The contents of each element opened by tags[0] and closed by tags[1], like the lazy
    `<x>(.*?)</x>` but linear: once no closing tag follows, none can follow a later opening."""
    opening, closing = tags
    out = []
    pos = 0
    while True:
        m = opening.search(text, pos)
        if m is None:
            break
        c = closing.search(text, m.end())
        if c is None:
            break
        out.append(text[m.end():c.start()])
        pos = c.end()
    return out


TAGS = lazy(r"<[^>]+>")


def metadata_author_values(doc: Document) -> List[Tuple[str, str]]:
    out = []
    author = (doc.metadata.get("author") or "").strip()
    if author:
        out.append(("/Author", author))
    if doc.xmp:
        for block in xmp_elements(doc.xmp, XMP_CREATOR):
            items = xmp_elements(block, XMP_LI) or [block]
            for item in items:
                value = html.unescape(TAGS.sub("", item)).strip()
                if value and value != author:
                    out.append(("XMP dc:creator", value))
        for value in xmp_elements(doc.xmp, XMP_PDF_AUTHOR) + XMP_AUTHOR.findall(doc.xmp):
            value = html.unescape(TAGS.sub("", value)).strip()
            if value and value != author:
                out.append(("XMP pdf:Author", value))
    return list(dict.fromkeys(out))


# --- from self_citation ---
def references_range(s: Structure) -> Optional[Tuple[Tuple[int, float], Optional[Tuple[int, float]]]]:
    """(start, stop) positions (page, y) of the reference list: from the References heading to the
    next heading (an appendix), or to the end (stop None)."""
    refs = s.references
    if refs is None:
        return None
    start = (refs.page, refs.bbox[1])
    after = [(h.page, h.bbox[1]) for h in s.headings if (h.page, h.bbox[1]) > (refs.page, refs.bbox[1] + 1)]
    return start, min(after, default=None)


def in_range(span, page: int, ln: Line) -> bool:
    if span is None:
        return False
    here = (page, ln.bbox[1])
    start, stop = span
    return here >= start and (stop is None or here < stop)


def outside(span, page: int, lines: Sequence[Line]) -> Sequence[Line]:
    """The lines of `page` not `in_range` of `span`: told for the whole page at once where the
    range neither starts nor stops on it (all of them before or after it, none on a page within)."""
    if span is None:
        return lines
    start, stop = span
    if page < start[0] or (stop is not None and page > stop[0]):
        return lines
    if page > start[0] and (stop is None or page < stop[0]):
        return ()
    return [ln for ln in lines if not in_range(span, page, ln)]


# --- shared by ANON002, ANON003 and ANON004 ---
def reading_pages(doc: Document, rules: RuleSet) -> Sequence[Sequence[Line]]:
    """Each page's body lines (the structure under `rules`) in reading order
    (addresses.reading_order): the checks that read the running text all ask for them, so they are
    put in order once per document and structure (the memo's key is the structure's). A packed long
    document's pages are put in order on each reading, page by page: a memo would keep every page's
    lines alive (scope_check/model/packed_pages.py)."""
    s = analyse(doc, rules)
    if is_packed(doc):
        return _InReadingOrder(doc, s)
    return doc.derived(("reading-order", token(rules.template), token(rules.structure)),
                       lambda: tuple(tuple(lines) for lines in _InReadingOrder(doc, s)))


class _InReadingOrder:
    """The pages' body lines in reading order (a sequence, by page index), each page put in order
    when read."""

    def __init__(self, doc: Document, s: Structure):
        self.doc, self.s = doc, s

    def __len__(self) -> int:
        return len(self.s.body_lines)

    def __getitem__(self, index: int) -> List[Line]:
        return addresses.reading_order(self.s.body_lines[index], self.doc.pages[index].width)

    def __iter__(self) -> Iterator[List[Line]]:
        return (self[i] for i in range(len(self)))
