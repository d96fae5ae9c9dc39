"""What acts when a reviewer opens the PDF (TEXT004), read in the loader's pass from the PDF's own
dictionaries: JavaScript, Launch, remote go-to, SubmitForm and ImportData actions, web addresses
fetched without a click, rich media and other media players, XFA forms and attached files.

Nothing here runs, opens or resolves any of it: an action's type is a name read from its
dictionary, and what it names (a file, an address, a script) is quoted from its string, cut short;
a script stored as a stream is not even decompressed. The walk reads MuPDF's objects through its
low-level calls (a link-heavy paper's 600 annotations cost under a millisecond), visits each
object once, and stops at the caps below, so a hostile file cannot make it walk for long.

Where it looks: the catalog (/OpenAction, /AA, the /JavaScript and /EmbeddedFiles name trees,
/AcroForm's /XFA and its fields' actions, the bookmarks' actions), each page (/AA) and each
annotation of a page (/A, /AA, and the annotation types that play media or carry a file).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from scope_check.model.document import ActiveContent
from scope_check.safety import limits

#: at most this many items are recorded per document (the finding lists a few and counts the rest)
MAX_ITEMS = 200
#: at most this many dictionaries of a name tree, the bookmarks or the form's field tree are read
MAX_NODES = 10_000
#: an action chain (/Next) is followed at most this deep
MAX_CHAIN = 16
#: characters quoted of what an item names (a file, an address, a script)
DETAIL_CHARS = 80

#: action type -> kind; a URI action only counts when nothing but opening the document (or a page,
#: or hovering) triggers it: a link a reviewer clicks is the reviewer's choice
ACTIONS = {
    "JavaScript": "javascript",
    "Launch": "launch",
    "GoToR": "remote-goto",
    "GoToE": "remote-goto",
    "SubmitForm": "submit-form",
    "ImportData": "import-data",
    "RichMediaExecute": "richmedia",
    "Rendition": "media",
    "Movie": "media",
    "Sound": "media",
}
#: annotation types that play media or hold a file
ANNOTATIONS = {"RichMedia": "richmedia", "Screen": "media", "Movie": "media", "Sound": "media", "3D": "media",
               "FileAttachment": "embedded-file"}

_DOCUMENT_TRIGGERS = {"WC": "before it closes", "WS": "before it is saved", "DS": "after it is saved",
                      "WP": "before it is printed", "DP": "after it is printed"}
_PAGE_TRIGGERS = {"O": "when the page opens", "C": "when the page closes"}
_ANNOT_TRIGGERS = {"E": "when the pointer enters it", "X": "when the pointer leaves it", "D": "when it is clicked",
                   "U": "when it is clicked", "Fo": "when it gets the focus", "Bl": "when it loses the focus",
                   "PO": "when its page opens", "PC": "when its page closes", "PV": "when its page is shown",
                   "PI": "when its page is hidden", "K": "on a keystroke", "F": "when its value is formatted",
                   "V": "when its value is validated", "C": "when its value is calculated"}
#: annotation triggers a click fires (a URI action behind them is a link)
_CLICKS = ("D", "U")


class Scanner:
    """The active content of one open document: `document()` once, `page()` for each page read;
    `found` holds what was found, in that order."""

    def __init__(self, pymupdf, pdf):
        self.pymupdf = pymupdf
        self.m = pymupdf.mupdf
        self.found: List[ActiveContent] = []
        self.more = 0  # items beyond MAX_ITEMS, counted only
        self._seen: set = set()  # object numbers of the dictionaries already read
        try:
            self.doc = self.m.pdf_document_from_fz_document(pdf.this).m_internal
        except Exception:
            self.doc = None

    # --- helpers -----------------------------------------------------------------------------

    def _get(self, obj, key: str):
        return self.m.ll_pdf_dict_gets(obj, key) if obj else None

    def _name(self, obj) -> str:
        try:
            return self.m.ll_pdf_to_name(obj) if obj and self.m.ll_pdf_is_name(obj) else ""
        except Exception:
            return ""

    def _string(self, obj) -> str:
        try:
            if obj and self.m.ll_pdf_is_string(obj):
                return limits.clean_text(self.m.ll_pdf_to_text_string(obj), DETAIL_CHARS)
        except Exception:
            pass
        return ""

    def _once(self, obj) -> bool:
        """True the first time an indirect object is met (direct objects: always)."""
        try:
            if not self.m.ll_pdf_is_indirect(obj):
                return True
            num = self.m.ll_pdf_to_num(obj)
        except Exception:
            return True
        if num in self._seen:
            return False
        self._seen.add(num)
        return True

    def _add(self, kind: str, where: str, page: Optional[int] = None, bbox=None, detail: str = "") -> None:
        if len(self.found) >= MAX_ITEMS:
            self.more += 1
            return
        self.found.append(ActiveContent(kind=kind, where=where, page=page, bbox=bbox, detail=detail))

    def _file(self, obj) -> str:
        """The name a file specification gives (a string, or a dictionary's /UF or /F)."""
        text = self._string(obj)
        if text:
            return text
        if obj and self.m.ll_pdf_is_dict(obj):
            return self._string(self._get(obj, "UF")) or self._string(self._get(obj, "F"))
        return ""

    def _action(self, obj, where: str, page: Optional[int] = None, bbox=None, click: bool = True) -> None:
        """An action and the actions its /Next chain holds."""
        chain = [obj]
        steps = 0
        while chain and steps < MAX_CHAIN:
            a = chain.pop(0)
            steps += 1
            if not a or not self.m.ll_pdf_is_dict(a) or not self._once(a):
                continue
            kind_name = self._name(self._get(a, "S"))
            kind = ACTIONS.get(kind_name)
            if kind == "javascript" or (kind == "media" and self._get(a, "JS")):
                self._add("javascript", where, page, bbox, self._script(self._get(a, "JS")))
            if kind is not None and kind != "javascript":
                detail = self._file(self._get(a, "F"))
                if kind == "richmedia":
                    detail = detail or self._name(self._get(self._get(a, "CMD"), "C"))
                self._add(kind, where, page, bbox, detail)
            elif kind_name == "URI" and not click:
                self._add("uri-on-open", where, page, bbox, self._string(self._get(a, "URI")))
            nxt = self._get(a, "Next")
            if nxt and self.m.ll_pdf_is_array(nxt):
                chain.extend(self.m.ll_pdf_array_get(nxt, i) for i in range(min(self.m.ll_pdf_array_len(nxt), MAX_CHAIN)))
            elif nxt:
                chain.append(nxt)

    def _script(self, js) -> str:
        """The first characters of a script held as a string; a stream is not decompressed."""
        if not js:
            return ""
        if self.m.ll_pdf_is_stream(js):
            return "a script stream"
        return self._string(js)

    def _additional(self, aa, where: str, triggers, page: Optional[int] = None, bbox=None,
                    clicks: Tuple[str, ...] = ()) -> None:
        """The actions of an /AA dictionary, each named by its trigger."""
        if not aa or not self.m.ll_pdf_is_dict(aa):
            return
        for i in range(min(self.m.ll_pdf_dict_len(aa), 32)):
            key = self._name(self.m.ll_pdf_dict_get_key(aa, i))
            when = triggers.get(key, f"on /{limits.clean_text(key, 20)}")
            self._action(self.m.ll_pdf_dict_get_val(aa, i), f"{where} ({when})", page, bbox, click=key in clicks)

    def _names(self, tree, limit: int):
        """(name, value) of the leaves of a name tree, at most `limit` nodes read."""
        stack, nodes = [tree], 0
        while stack and nodes < limit:
            node = stack.pop()
            nodes += 1
            if not node or not self.m.ll_pdf_is_dict(node):
                continue
            names = self._get(node, "Names")
            if names and self.m.ll_pdf_is_array(names):
                n = self.m.ll_pdf_array_len(names)
                for i in range(0, min(n, 2 * limit) - 1, 2):
                    yield self._string(self.m.ll_pdf_array_get(names, i)), self.m.ll_pdf_array_get(names, i + 1)
            kids = self._get(node, "Kids")
            if kids and self.m.ll_pdf_is_array(kids):
                stack.extend(self.m.ll_pdf_array_get(kids, i) for i in range(min(self.m.ll_pdf_array_len(kids), limit)))

    # --- the document --------------------------------------------------------------------------

    def document(self) -> None:
        """The catalog's actions, scripts, attachments, form and bookmarks."""
        if self.doc is None:
            return
        try:
            root = self._get(self.m.ll_pdf_trailer(self.doc), "Root")
            if not root:
                return
            opening = self._get(root, "OpenAction")
            if opening and self.m.ll_pdf_is_dict(opening):  # an array is a destination: where it opens
                self._action(opening, "the document's open action", click=False)
            self._additional(self._get(root, "AA"), "the document's additional actions", _DOCUMENT_TRIGGERS)
            names = self._get(root, "Names")
            for name, value in self._names(self._get(names, "JavaScript"), MAX_NODES):
                where = f"a document-level script '{name}'" if name else "a document-level script"
                self._action(value, where, click=False)
                if value and self.m.ll_pdf_is_dict(value) and not self._name(self._get(value, "S")):
                    self._add("javascript", where, detail=self._script(self._get(value, "JS")))
            for name, value in self._names(self._get(names, "EmbeddedFiles"), MAX_NODES):
                self._add("embedded-file", "the document's attachments (EmbeddedFiles)",
                          detail=name or self._file(value))
            form = self._get(root, "AcroForm")
            if form and self.m.ll_pdf_is_dict(form):
                if self._get(form, "XFA"):
                    self._add("xfa-form", "the document's form (XFA, whose scripts a viewer runs)")
                self._fields(self._get(form, "Fields"))
            self._outline(self._get(self._get(root, "Outlines"), "First"))
        except Exception:  # a damaged catalog: what could be read is kept
            return

    def _fields(self, fields) -> None:
        stack = [fields] if fields else []
        nodes = 0
        while stack and nodes < MAX_NODES:
            node = stack.pop()
            nodes += 1
            if not node:
                continue
            if self.m.ll_pdf_is_array(node):
                stack.extend(self.m.ll_pdf_array_get(node, i) for i in range(min(self.m.ll_pdf_array_len(node), MAX_NODES)))
                continue
            if not self.m.ll_pdf_is_dict(node):
                continue
            title = self._string(self._get(node, "T"))
            where = f"form field '{title}'" if title else "a form field"
            self._action(self._get(node, "A"), where)
            self._additional(self._get(node, "AA"), where, _ANNOT_TRIGGERS, clicks=_CLICKS)
            kids = self._get(node, "Kids")
            if kids:
                stack.append(kids)

    def _outline(self, item) -> None:
        stack, nodes = [item], 0
        while stack and nodes < MAX_NODES:
            node = stack.pop()
            nodes += 1
            if not node or not self.m.ll_pdf_is_dict(node) or not self._once(node):
                continue
            title = self._string(self._get(node, "Title"))
            self._action(self._get(node, "A"), f"bookmark '{title}'" if title else "a bookmark")
            stack.append(self._get(node, "Next"))
            stack.append(self._get(node, "First"))

    # --- a page --------------------------------------------------------------------------------

    def page(self, page, number: int, annots_limit: int) -> None:
        """The page's own actions and its annotations' (at most `annots_limit` annotations)."""
        if self.doc is None:
            return
        try:
            obj = self.m.ll_pdf_lookup_page_obj(self.doc, number - 1)
            self._additional(self._get(obj, "AA"), f"page {number}", _PAGE_TRIGGERS, number)
            annots = self._get(obj, "Annots")
            if not annots or not self.m.ll_pdf_is_array(annots):
                return
            matrix = None
            for i in range(min(self.m.ll_pdf_array_len(annots), annots_limit)):
                a = self.m.ll_pdf_array_get(annots, i)
                if not a or not self.m.ll_pdf_is_dict(a):
                    continue
                subtype = self._name(self._get(a, "Subtype"))
                action, aa = self._get(a, "A"), self._get(a, "AA")
                kind = ANNOTATIONS.get(subtype)
                if kind is None and not (action and self._acts(action)) and not aa:
                    continue  # the common case: a link to a web page or within the document
                if not self._once(a):
                    continue
                if matrix is None:
                    matrix = page.transformation_matrix
                bbox = self._rect(self._get(a, "Rect"), matrix)
                where = f"a {limits.clean_text(subtype, 30) or 'untyped'} annotation"
                if kind is not None:
                    detail = self._file(self._get(a, "FS")) if kind == "embedded-file" else ""
                    self._add(kind, where, number, bbox, detail)
                self._action(action, where, number, bbox)
                self._additional(aa, where, _ANNOT_TRIGGERS, number, bbox, clicks=_CLICKS)
        except Exception:  # a damaged page dictionary: what could be read is kept
            return

    def _acts(self, action) -> bool:
        """Might this action (or its chain) do more than go somewhere on a click?"""
        if not self.m.ll_pdf_is_dict(action):
            return False
        return self._name(self._get(action, "S")) in ACTIONS or bool(self._get(action, "Next"))

    def _rect(self, rect, matrix):
        try:
            if not rect or not self.m.ll_pdf_is_array(rect) or self.m.ll_pdf_array_len(rect) != 4:
                return None
            x0, y0, x1, y1 = (self.m.ll_pdf_to_real(self.m.ll_pdf_array_get(rect, i)) for i in range(4))
            r = self.pymupdf.Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)) * matrix
            return (round(r.x0, 2), round(r.y0, 2), round(r.x1, 2), round(r.y1, 2))
        except Exception:
            return None
