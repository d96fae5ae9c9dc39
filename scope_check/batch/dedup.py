"""Duplicate submissions within a batch: byte-identical files (same sha256) and near-identical body
text (word 5-shingles, MinHash signatures and locality-sensitive hashing: the cost grows with the
batch, not with its square).

The signature is computed in the worker that checked the file (the text of its first pages, the
title, abstract and introduction that a resubmission keeps), stored with the result, and compared
when the reports are written, so a merged set of shards is compared as a whole.

The MinHash is this module's own, in the standard library alone (no numpy, no scipy: an author's
install stays small). It is bit for bit the one earlier builds made with datasketch 2 (scheme
"affine32", seed 1, 128 permutations), so signatures stored by those builds compare with new ones:
each shingle is hashed with CRC-32, mixed with MurmurHash3's 32-bit finaliser, then permuted by
h -> a*h + b mod 2^32 (a odd: a bijection) for 128 pairs (a, b) drawn from MT19937 seeded with 1,
as numpy's RandomState(1) draws them; the signature keeps each permutation's minimum. The 128
minima over a paper's ~2,000 shingles are taken with Python's big integers as vectors (every
shingle a 64-bit lane of one integer): about 4 ms a paper.
"""

from __future__ import annotations

import functools
import math
import re
import struct
import sys
import zlib
from array import array
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

NUM_PERM = 128
SHINGLE = 5
MIN_WORDS = 60
#: pages whose text makes the signature (body pages only, at most this many)
MAX_PAGES = 2
DEFAULT_THRESHOLD = 0.8
#: the seed of the permutations, fixed so that stored signatures stay comparable
SEED = 1
#: the hash of a shingle before the permutations: CRC-32 (stdlib zlib, one C call a shingle), mixed
#: (murmur3's finaliser) before the affine permutations; 32 bits hold a paper's ~2,000 shingles with
#: a collision chance near 1 in 2,000
HASHFUNC = zlib.crc32
#: the stored signature begins with this tag; an untagged one was made with SHA-1 (a database of an
#: earlier build): signatures are compared only with those of the same hash
TAG = b"crc32:"
#: the locality-sensitive hashing's weights of false positives and false negatives when it picks its
#: bands for a threshold (datasketch's defaults: the same bands as earlier builds)
WEIGHTS = (0.5, 0.5)
_WORD = re.compile(r"\w+")
_M32 = 0xFFFFFFFF
_LANE = 64  # bits per shingle in the vector: a*h + b < 2^64 never carries into the next lane
_SIGNATURE = struct.Struct(f"<{NUM_PERM}Q")


def signature(doc, body_pages: Optional[int] = None) -> Optional[bytes]:
    """The MinHash signature of the first body pages' text of a parsed document (the model the
    checks read: no second parse), or None (too little text)."""
    pages = min(MAX_PAGES, body_pages) if body_pages else MAX_PAGES
    text = "\n".join(line.text for page in doc.pages[:pages] for line in page.lines)
    return signature_of_words(_WORD.findall(text.lower()))


def signature_of_words(words: List[str]) -> Optional[bytes]:
    """TAG and the 128 minima as little-endian 64-bit integers, or None (fewer than MIN_WORDS words)."""
    if len(words) < MIN_WORDS:
        return None
    shingles = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)))))
    hashes = [HASHFUNC(s.encode("utf-8")) & _M32 for s in shingles]
    return TAG + _SIGNATURE.pack(*minhash(hashes))


def minhash(hashes: Sequence[int]) -> List[int]:
    """Each permutation's minimum over the 32-bit `hashes` (at least one)."""
    n = len(hashes)
    ones = _vector([1] * n)
    mask = ones * _M32
    x = _vector(hashes)
    # murmur3's 32-bit finaliser on every lane at once (a shift's bits from the next lane are masked off)
    x ^= (x >> 16) & mask
    x = (x * 0x85EBCA6B) & mask
    x ^= (x >> 13) & mask
    x = (x * 0xC2B2AE35) & mask
    x ^= (x >> 16) & mask
    folds = _folds(n, ones)
    rest = (_fold_lanes(n) * _LANE) // 8
    out = []
    for a, b in zip(*permutations()):
        y = (x * a + b * ones) & mask
        for shift, low, one, high_bit, pad in folds:
            # the lane-wise minimum of the lower and the upper half: bit 32 of (lo | 2^32) - hi is set
            # where lo >= hi, and becomes a mask choosing hi there
            hi = (y >> shift) | pad
            lo = y & low
            take_hi = ((((lo | high_bit) - hi) >> 32) & one) * _M32
            y = lo ^ ((lo ^ hi) & take_hi)
        out.append(min(memoryview(y.to_bytes(rest, "little")).cast("Q")))
    return out


#: lanes left when the halving stops; the last few are compared one by one
_FOLD_STOP = 32


def _fold_lanes(n: int) -> int:
    while n > _FOLD_STOP:
        n = (n + 1) // 2
    return n


def _folds(n: int, ones: int) -> List[Tuple[int, int, int, int, int]]:
    """The halvings of an n-lane vector: (shift of the upper half, mask of the lower half, its lanes'
    ones, their bit 32, the all-ones lane padding an upper half one lane short)."""
    out = []
    while n > _FOLD_STOP:
        keep = (n + 1) // 2
        other = n - keep
        low = (1 << (keep * _LANE)) - 1
        one = ones & low
        out.append((keep * _LANE, low, one, one << 32, (_M32 << (other * _LANE)) if other < keep else 0))
        n = keep
    return out


def _vector(values: Sequence[int]) -> int:
    """One integer holding each value in a 64-bit lane (the first value lowest)."""
    lanes = array("Q", values)
    if sys.byteorder != "little":
        lanes.byteswap()
    return int.from_bytes(lanes.tobytes(), "little")


@functools.lru_cache(maxsize=1)
def permutations() -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """The 128 (a, b) pairs: a = 2 * (draw mod 2^31) + 1 for the first 128 draws of MT19937 seeded with
    SEED, b the next 128 draws (numpy RandomState's randint, as datasketch 2 draws them)."""
    draws = _mt19937(SEED, 2 * NUM_PERM)
    return (tuple(((d & 0x7FFFFFFF) << 1 | 1) & _M32 for d in draws[:NUM_PERM]), tuple(draws[NUM_PERM:]))


def _mt19937(seed: int, count: int) -> List[int]:
    """The first `count` 32-bit outputs of the Mersenne Twister MT19937 seeded with init_genrand(seed)."""
    mt = [seed & _M32]
    for i in range(1, 624):
        mt.append((1812433253 * (mt[-1] ^ (mt[-1] >> 30)) + i) & _M32)
    out: List[int] = []
    index = 624
    while len(out) < count:
        if index == 624:
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            index = 0
        y = mt[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        out.append(y)
    return out


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


def similarity(a: bytes, b: bytes) -> float:
    """The MinHash estimate of the Jaccard similarity of two signatures (without their tag): the
    share of the permutations whose minima agree."""
    x, y = array("Q", a), array("Q", b)
    return sum(1 for u, v in zip(x, y) if u == v) / NUM_PERM


def _near(signed: Iterable[Tuple[str, bytes]], threshold: float):
    """(path, other path, similarity) of each pair of signatures of the same hash whose similarity
    reaches `threshold`, each pair once. Candidates are the pairs that agree on every value of a band
    (LSH: `bands(threshold)`), so the cost grows with the batch, not with its square."""
    by_hash: Dict[bytes, List[Tuple[str, bytes]]] = defaultdict(list)
    for path, blob in signed:
        tag = TAG if blob.startswith(TAG) else b""
        values = bytes(blob[len(tag):])
        if len(values) == NUM_PERM * 8:
            by_hash[tag].append((path, values))
    count, rows = bands(threshold)
    width = rows * 8
    for group in by_hash.values():
        buckets: List[Dict[bytes, List[int]]] = [defaultdict(list) for _ in range(count)]
        for i, (_, values) in enumerate(group):
            for band, bucket in enumerate(buckets):
                bucket[values[band * width:(band + 1) * width]].append(i)
        for i, (path, values) in enumerate(group):
            candidates = set()
            for band, bucket in enumerate(buckets):
                candidates.update(bucket[values[band * width:(band + 1) * width]])
            for j in sorted(candidates):
                if j <= i:
                    continue  # itself, or a pair already compared
                sim = similarity(values, group[j][1])
                if sim >= threshold:
                    yield path, group[j][0], round(sim, 3)


@functools.lru_cache(maxsize=16)
def bands(threshold: float, num_perm: int = NUM_PERM, weights: Tuple[float, float] = WEIGHTS) -> Tuple[int, int]:
    """(bands, rows per band) for `threshold`: the pair minimising the weighted probabilities of a
    false positive (a pair below the threshold that shares a band) and a false negative (one above
    it that shares none), integrated over the similarity (datasketch's choice, so the same pairs are
    compared as in earlier builds). The integrands are polynomials of degree at most `num_perm`:
    Gauss-Legendre quadrature of enough points integrates them exactly."""
    nodes = _gauss_legendre(num_perm // 2 + 2)
    best, chosen = math.inf, (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(b, r, 0.0, threshold, nodes, positive=True)
            fn = _integral(b, r, threshold, 1.0, nodes, positive=False)
            error = fp * weights[0] + fn * weights[1]
            if error < best:
                best, chosen = error, (b, r)
    return chosen


def _integral(b: int, r: int, lo: float, hi: float, nodes: Sequence[Tuple[float, float]], positive: bool) -> float:
    """The integral over [lo, hi] of the probability that two sets of similarity s share a band of
    b bands of r rows (positive) or share none (not positive)."""
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    total = 0.0
    for x, w in nodes:
        none = (1 - (mid + half * x) ** r) ** b
        total += w * (1 - none if positive else none)
    return half * total


@functools.lru_cache(maxsize=4)
def _gauss_legendre(n: int) -> Tuple[Tuple[float, float], ...]:
    """The n nodes and weights of Gauss-Legendre quadrature on [-1, 1] (Newton's method on the
    Legendre polynomial from its three-term recurrence); exact for polynomials of degree < 2n."""
    out = []
    for i in range(1, n + 1):
        x = math.cos(math.pi * (i - 0.25) / (n + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for k in range(2, n + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = n * (x * p1 - p0) / (x * x - 1)
            step = p1 / dp
            x -= step
            if abs(step) < 1e-15:
                break
        p0, p1 = 1.0, x
        for k in range(2, n + 1):
            p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        dp = n * (x * p1 - p0) / (x * x - 1)
        out.append((x, 2 / ((1 - x * x) * dp * dp)))
    return tuple(out)
