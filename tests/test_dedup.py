"""The batch's near-duplicate search (scope_check/batch/dedup.py): a MinHash of its own in the
standard library, bit for bit the signatures earlier builds made with datasketch, and the same LSH
bands, so stored signatures compare with new ones and the same pairs are flagged."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zlib

import pytest

from conftest import ROOT, fixture_path
from scope_check.batch import dedup

M32 = 0xFFFFFFFF


def plain_minhash(hashes):
    """The definition, one value at a time: murmur3's finaliser, then min over a*h + b mod 2^32."""
    def fmix(h):
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & M32
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & M32
        return h ^ (h >> 16)

    mixed = [fmix(h) for h in hashes]
    return [min((a * h + b) & M32 for h in mixed) for a, b in zip(*dedup.permutations())]


def test_the_mersenne_twister_gives_the_reference_outputs():
    # MT19937's reference: the first output for init_genrand(5489) and the 10,000th (C++ std::mt19937)
    draws = dedup._mt19937(5489, 10000)
    assert draws[0] == 3499211612 and draws[-1] == 4123659995


def test_the_permutations_are_bijections():
    a, b = dedup.permutations()
    assert len(a) == len(b) == dedup.NUM_PERM == len(set(a))
    assert all(x % 2 == 1 and 0 < x <= M32 for x in a) and all(0 <= x <= M32 for x in b)


@pytest.mark.parametrize("n", [1, 2, 31, 32, 33, 34, 63, 64, 65, 100, 513, 2047, 2048, 2049])
def test_the_vector_minhash_is_the_definition(n):
    rng = random.Random(n)
    hashes = [rng.getrandbits(32) for _ in range(n)]
    hashes[rng.randrange(n)] = M32  # the largest value and zero too, at random places
    hashes[rng.randrange(n)] = 0
    assert dedup.minhash(hashes) == plain_minhash(hashes)


def test_the_signatures_are_those_of_earlier_builds():
    """datasketch 2 (scheme affine32, seed 1, CRC-32) made the stored signatures: where it is
    installed, the same words give the same bytes."""
    datasketch = pytest.importorskip("datasketch")
    np = pytest.importorskip("numpy")
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(500)]
    for _ in range(5):
        words = [rng.choice(vocab) for _ in range(rng.randint(60, 3000))]
        shingles = set(map(" ".join, zip(*(words[i:] for i in range(dedup.SHINGLE)))))
        m = datasketch.MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=zlib.crc32)
        m.update_batch([s.encode("utf-8") for s in shingles])
        assert dedup.signature_of_words(words) == dedup.TAG + np.asarray(m.hashvalues, dtype=np.uint64).tobytes()
    from datasketch.lsh import _optimal_param

    for threshold in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95):
        assert dedup.bands(threshold) == tuple(_optimal_param(threshold, 128, 0.5, 0.5))


def test_the_bands_are_those_of_the_threshold():
    b, r = dedup.bands(0.8)
    assert (b, r) == (9, 13) and b * r <= dedup.NUM_PERM
    # the S-curve's steepest point, (1/b)^(1/r), lies near the threshold, and moves with it
    assert abs((1 / b) ** (1 / r) - 0.8) < 0.1
    lower, higher = dedup.bands(0.5), dedup.bands(0.95)
    assert (1 / lower[0]) ** (1 / lower[1]) < 0.8 < (1 / higher[0]) ** (1 / higher[1])


def test_gauss_legendre_integrates_polynomials_exactly():
    nodes = dedup._gauss_legendre(66)
    for k in (0, 1, 7, 64, 128, 131):
        assert dedup._integral(1, k, 0.0, 0.8, nodes, positive=True) == pytest.approx(0.8 ** (k + 1) / (k + 1), rel=1e-10)


def test_the_similarity_estimates_the_jaccard_index():
    rng = random.Random(3)
    words = [f"w{rng.randrange(10**6)}" for _ in range(3000)]
    sig = dedup.signature_of_words(words)
    same = dedup.signature_of_words(list(words))
    assert sig == same and dedup.similarity(sig[len(dedup.TAG):], same[len(dedup.TAG):]) == 1.0
    # the second half replaced: 1,496 of 2,996 shingles shared out of 4,496, Jaccard 0.33
    other = dedup.signature_of_words(words[:1500] + [f"x{rng.randrange(10**6)}" for _ in range(1500)])
    estimate = dedup.similarity(sig[len(dedup.TAG):], other[len(dedup.TAG):])
    assert abs(estimate - 1496 / 4496) < 0.15
    assert dedup.signature_of_words(words[:dedup.MIN_WORDS - 1]) is None


def test_near_duplicates_are_found_and_others_are_not():
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(5000)]
    base = [rng.choice(vocab) for _ in range(900)]
    edited = list(base)
    for i in rng.sample(range(900), 9):  # 1 % of the words changed: about 5 % of the shingles
        edited[i] = rng.choice(vocab)
    rows = [{"path": "a.pdf", "sha256": "1", "signature": dedup.signature_of_words(base)},
            {"path": "b.pdf", "sha256": "2", "signature": dedup.signature_of_words(edited)},
            {"path": "c.pdf", "sha256": "3", "signature": dedup.signature_of_words([rng.choice(vocab) for _ in range(900)])},
            {"path": "d.pdf", "sha256": "1", "signature": dedup.signature_of_words(base)}]
    found = dedup.find(rows)
    assert found["a.pdf"][0] == ("d.pdf", "identical", 1.0)
    assert [(p, kind) for p, kind, _ in found["b.pdf"]] == [("a.pdf", "near"), ("d.pdf", "near")]
    assert 0.8 <= found["b.pdf"][0][2] < 1.0
    assert "c.pdf" not in found
    assert dedup.find(rows, 0) == {"a.pdf": [("d.pdf", "identical", 1.0)], "d.pdf": [("a.pdf", "identical", 1.0)]}


def test_signatures_of_another_hash_are_not_compared():
    words = [f"w{i}" for i in range(200)]
    sig = dedup.signature_of_words(words)
    rows = [{"path": "new.pdf", "signature": sig}, {"path": "old.pdf", "signature": sig[len(dedup.TAG):]}]
    assert dedup.find(rows) == {}


def test_the_signature_needs_neither_numpy_nor_scipy():
    code = ("import sys, json\nfrom scope_check.batch import dedup\n"
            "s = dedup.signature_of_words([f'w{i}' for i in range(300)])\n"
            "dedup.find([{'path': 'a', 'signature': s}, {'path': 'b', 'signature': s}])\n"
            "print(json.dumps(sorted(m for m in ('numpy', 'scipy', 'datasketch') if m in sys.modules)))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == []


def test_a_papers_signature_is_made_from_its_first_body_pages():
    from scope_check.checks import load_rules
    from scope_check.engine import runner

    docs = []
    report = runner.check_file(fixture_path("pages/main_refs_top_p6.pdf"), load_rules("scope2025-main"),
                               on_document=docs.append)
    sig = dedup.signature(docs[0], report.measurements.get("body_pages"))
    assert sig.startswith(dedup.TAG) and len(sig) == len(dedup.TAG) + 8 * dedup.NUM_PERM
    assert sig == dedup.signature(docs[0], report.measurements.get("body_pages"))
