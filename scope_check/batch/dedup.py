"""Duplicate submissions within a batch: byte-identical files (same sha256) and near-identical body
text (word 5-shingles, MinHash signatures and locality-sensitive hashing from `datasketch`: the cost
grows with the batch, not with its square).

The signature is computed in the worker that checked the file (the text of its first pages, the
title, abstract and introduction that a resubmission keeps), stored with the result, and compared
when the reports are written, so a merged set of shards is compared as a whole.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

NUM_PERM = 128
SHINGLE = 5
MIN_WORDS = 60
#: pages whose text makes the signature (body pages only, at most this many)
MAX_PAGES = 2
DEFAULT_THRESHOLD = 0.8
#: datasketch's hashing scheme, fixed so that stored signatures stay comparable
SCHEME = "affine32"
_WORD = re.compile(r"\w+")


def signature(doc, body_pages: Optional[int] = None) -> Optional[bytes]:
    """The MinHash signature of the first body pages' text of a parsed document (the model the
    checks read: no second parse), or None (too little text)."""
    pages = min(MAX_PAGES, body_pages) if body_pages else MAX_PAGES
    words: List[str] = []
    for page in doc.pages[:pages]:
        for line in page.lines:
            words.extend(_WORD.findall(line.text.lower()))
    return signature_of_words(words)


def signature_of_words(words: List[str]) -> Optional[bytes]:
    import numpy as np
    from datasketch import MinHash

    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    m.update_batch(list(shingles))
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def find(rows: Sequence[dict], threshold: float = DEFAULT_THRESHOLD) -> Dict[str, List[Tuple[str, str, float]]]:
    """path -> [(other path, "identical" | "near", similarity)] for every row with a duplicate."""
    out: Dict[str, List[Tuple[str, str, float]]] = defaultdict(list)
    by_sha: Dict[str, List[str]] = defaultdict(list)
    for r in rows:
        if r.get("sha256"):
            by_sha[r["sha256"]].append(r["path"])
    identical = set()
    for paths in by_sha.values():
        for p in paths:
            for q in paths:
                if p != q:
                    out[p].append((q, "identical", 1.0))
                    identical.add((p, q))
    if threshold and threshold > 0:
        signed = [(r["path"], r["signature"]) for r in rows if r.get("signature")]
        if len(signed) > 1:
            for p, q, sim in _near(signed, threshold):
                if (p, q) not in identical:
                    out[p].append((q, "near", sim))
                    out[q].append((p, "near", sim))
    for p in out:
        out[p].sort(key=lambda t: (t[1] != "identical", -t[2], t[0]))
    return dict(out)


def _near(signed, threshold: float):
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes = {}
    for path, blob in signed:
        values = np.frombuffer(blob, dtype=np.uint64)
        if values.size != NUM_PERM:
            continue
        hashes[path] = LeanMinHash(seed=1, hashvalues=values, scheme=SCHEME)
        lsh.insert(path, hashes[path])
    seen = set()
    for path, m in hashes.items():
        for other in lsh.query(m):
            if other == path or (other, path) in seen:
                continue
            seen.add((path, other))
            sim = float(m.jaccard(hashes[other]))
            if sim >= threshold:
                yield path, other, round(sim, 3)
