"""Duplicate submissions within a batch: byte-identical files (same sha256) and near-identical body
text (word 5-shingles, MinHash signatures and locality-sensitive hashing from `datasketch`: the cost
grows with the batch, not with its square).

The signature is computed in the worker that checked the file (the text of its first pages, the
title, abstract and introduction that a resubmission keeps), stored with the result, and compared
when the reports are written, so a merged set of shards is compared as a whole.
"""

from __future__ import annotations

import re
import zlib
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
#: the hash of a shingle before datasketch's permutations: CRC-32 (stdlib zlib, one C call a
#: shingle; datasketch's default SHA-1 took four fifths of the signature's time). datasketch mixes
#: it (murmur3's finaliser) before its affine permutations, and 32 bits hold a paper's ~2,000
#: shingles with a collision chance near 1 in 2,000.
HASHFUNC = zlib.crc32
#: the stored signature begins with this tag; an untagged one was made with SHA-1 (a database of an
#: earlier build): signatures are compared only with those of the same hash
TAG = b"crc32:"
_WORD = re.compile(r"\w+")
_PERMUTATIONS: list = []


def signature(doc, body_pages: Optional[int] = None) -> Optional[bytes]:
    """The MinHash signature of the first body pages' text of a parsed document (the model the
    checks read: no second parse), or None (too little text)."""
    pages = min(MAX_PAGES, body_pages) if body_pages else MAX_PAGES
    text = "\n".join(line.text for page in doc.pages[:pages] for line in page.lines)
    return signature_of_words(_WORD.findall(text.lower()))


def signature_of_words(words: List[str]) -> Optional[bytes]:
    import numpy as np
    from datasketch import MinHash

    if len(words) < MIN_WORDS:
        return None
    shingles = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)))))
    if not _PERMUTATIONS:  # the same for every signature (seed 1): made once a process
        _PERMUTATIONS.append(MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).permutations)
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=HASHFUNC, permutations=_PERMUTATIONS[0])
    m.update_batch([s.encode("utf-8") for s in shingles])
    return TAG + np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


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

    by_hash: Dict[bytes, List[Tuple[str, bytes]]] = defaultdict(list)
    for path, blob in signed:
        tag = TAG if blob.startswith(TAG) else b""
        by_hash[tag].append((path, blob[len(tag):]))
    for group in by_hash.values():
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        hashes = {}
        for path, blob in group:
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
