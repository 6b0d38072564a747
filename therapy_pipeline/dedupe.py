"""The dedupe step (`dedupe`): sessions that are copies of another session, under other ids and file
names, are dropped and counted, one of each group kept.

A clinic exports the same session twice (a re-transcription, a corrected copy, the same file under two
names); trained twice it weighs double, and split apart it leaks the test set into train.

- `exact`: the same turns (speaker and text), whatever the ids and files.
- `near` (default): also the same words with small edits, a few turns added or missing, whitespace,
  case and punctuation changes. Each session is a set of word 3-grams (shingles) of its normalised
  text; datasketch's MinHash LSH proposes candidate pairs, and a pair is a duplicate only if the exact
  Jaccard similarity of the two shingle sets is at least `NEAR_JACCARD`, or, for a copy cut short or
  extended (a recording stopped early), if one set lies `NEAR_CONTAINMENT` inside the other with
  Jaccard at least `CONTAINED_JACCARD`. Stock phrases that different sessions share make few of their
  shingles, so they reach neither; sessions too short to judge (`MIN_SHINGLES`) are compared exactly
  only. Speakers are not part of the shingles: the same words with the roles swapped (a diarization
  or roles-file mix-up) are the same session.

Duplicates group transitively; of each group the session with the most words (words_of) is kept (ties: the first
in input order), the others become Skips whose reason names the kept session by id (a keyed pseudonym
in the manifest). The result does not depend on the order of hashing or of the LSH buckets.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from . import deid
from .model import Session, Skip, Stats, turns_key

logger = logging.getLogger(__name__)

OFF, EXACT, NEAR = "off", "exact", "near"
MODES = (NEAR, EXACT, OFF)
NEAR_JACCARD = 0.7  # the verified similarity of shingle sets that makes two sessions one
NEAR_CONTAINMENT = 0.9  # or: this share of the smaller set inside the larger ...
CONTAINED_JACCARD = 0.4  # ... and at least this Jaccard (a third of a session missing, at most)
LSH_THRESHOLD = 0.35  # candidates: below both, so LSH misses almost no true pair
NUM_PERM = 64
SHINGLE = 3  # words per shingle
MIN_SHINGLES = 12  # fewer: too short to tell a copy from a session of stock phrases; exact only
DUPLICATE_OF = "duplicate of session {session_id}"
NEAR_DUPLICATE_OF = "near duplicate of session {session_id}"

# Words for the shingles: the UTF-8 text split at whitespace and ASCII punctuation (bytes.translate
# and split: a third of a regex's time); the apostrophe stays, so "don't" is one word. Non-ASCII
# text first has its common punctuation made ASCII, so curly and straight quotes give one word.
_SPLIT_AT = bytes(32 if (chr(i) in string.punctuation and chr(i) != "'") or chr(i).isspace() else i for i in range(256))
_UNICODE_PUNCTUATION = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        **dict.fromkeys("\u201c\u201d\u2013\u2014\u2026\u00a0\u00ab\u00bb\u00bf\u00a1", " "),
    }
)
_PRIME = np.uint64((1 << 61) - 1)


def _exact_key(session: Session) -> bytes:
    return turns_key(session.turns)


@dataclass
class Sketch:
    """What the dedupe decision needs of a session, made where the session is read (a unit): its
    exact key, its words (the keep rule) and turns (the counts), its MinHash hash values (None: too
    short to judge, or not `near`)."""

    key: bytes
    words: int
    turns: int
    signature: np.ndarray | None = None


class _WordHashes(dict):
    """word (UTF-8) -> its 64-bit hash (blake2b: the same in every process and run), each computed once."""

    def __missing__(self, word: bytes) -> int:
        value = self[word] = int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")
        return value


def words_of(session: Session) -> list[bytes]:
    """The session's words, as the shingles and the keep rule count them: lower-cased, split at
    whitespace and punctuation, across turns."""
    text = " ".join(turn.text for turn in session.turns).lower()
    if not text.isascii():
        text = text.translate(_UNICODE_PUNCTUATION)
    return text.encode("utf-8", "surrogatepass").translate(_SPLIT_AT).split()


def shingles(session: Session, hashes: _WordHashes | None = None, words: list[bytes] | None = None) -> np.ndarray:
    """The session's word 3-grams as 61-bit hashes, repeats included (np.unique makes the set):
    words lower-cased, punctuation and whitespace dropped; the n-grams run across turns, as people's
    words do. `words`: words_of(session), if already made."""
    if words is None:
        words = words_of(session)
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    lookup = (hashes if hashes is not None else _WordHashes()).__getitem__
    ids = np.fromiter(map(lookup, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):  # wrapping multiplication is the hash
        grams = ids[: len(ids) - SHINGLE + 1].copy()
        for k in range(1, SHINGLE):
            grams = grams * np.uint64(0x9E3779B97F4A7C15) + ids[k : len(ids) - SHINGLE + 1 + k]
    return grams % _PRIME


def _same_session(a: np.ndarray, b: np.ndarray) -> bool:
    """The decision on a candidate pair, from their shingles: exact, on the sets."""
    a, b = np.unique(a), np.unique(b)
    common = np.intersect1d(a, b, assume_unique=True).size
    jaccard = common / (a.size + b.size - common)
    contained = common / min(a.size, b.size)
    return jaccard >= NEAR_JACCARD or (contained >= NEAR_CONTAINMENT and jaccard >= CONTAINED_JACCARD)


class _Groups:
    """Union-find over session positions; a group's root is its member kept."""

    def __init__(self, sketches: list[Sketch]) -> None:
        self.parent = list(range(len(sketches)))
        self.sketches = sketches

    def rank(self, i: int) -> tuple[int, int]:
        """Lower keeps: the most words, then the first in input order."""
        return -self.sketches[i].words, i

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            keep, drop = (a, b) if self.rank(a) < self.rank(b) else (b, a)
            self.parent[drop] = keep


def sketch_sessions(sessions: list[Session], mode: str, workers: int | None = None) -> tuple[list[Sketch], list]:
    """Each session's Sketch, and (near) its shingles, which the decision reads for candidate pairs
    only. `workers`: forked processes for the shingles (None: as many as pay, by the turns)."""
    if mode == NEAR:
        signed = _signed(sessions, workers)
    else:  # (off: no copy is looked for; the words are not needed)
        signed = [(None, None, len(words_of(s)) if mode == EXACT else 0) for s in sessions]
    sketches = [
        Sketch(_exact_key(s), words, len(s.turns), signature) for s, (_, signature, words) in zip(sessions, signed)
    ]
    return sketches, [values for values, _, _ in signed]


def find_copies(
    sketches: list[Sketch], mode: str, shingles_of: Callable[[int], np.ndarray]
) -> dict[int, tuple[int, bool]]:
    """The sessions (by position) that are copies of another, each with the position of the one kept
    of its group and whether it is an exact copy. `shingles_of(position)`: a session's shingles, read
    for candidate pairs only."""
    if mode == OFF or len(sketches) < 2:
        return {}
    groups = _Groups(sketches)
    exact_first: dict[bytes, int] = {}
    for i, sketch in enumerate(sketches):
        if sketch.key in exact_first:
            groups.join(exact_first[sketch.key], i)
        else:
            exact_first[sketch.key] = i
    if mode == NEAR:
        for i, j in _similar_pairs(sketches, sorted(exact_first.values()), shingles_of):
            groups.join(i, j)
    copies = {}
    for i, sketch in enumerate(sketches):
        root = groups.find(i)
        if root != i:
            copies[i] = (root, sketch.key == sketches[root].key)
    return copies


def copy_skips(
    copies: dict[int, tuple[int, bool]], sketches: list[Sketch], ids: list[str], sources: list[str], mode: str
) -> tuple[list[Skip], Stats]:
    """A Skip for each copy (in input order), naming the kept session by id, and the counts:
    `duplicate_session` / `near_duplicate_session` exchanges dropped, `sessions_deduplicated`."""
    stats = Stats()
    stats.counts["sessions_deduplicated"] = len(copies)
    skips = []
    for i in sorted(copies):
        root, exact = copies[i]
        template = DUPLICATE_OF if exact else NEAR_DUPLICATE_OF
        skips.append(Skip(sources[i], template.format(session_id=ids[root]), ids[i]))
        stats.exchanges_dropped["duplicate_session" if exact else "near_duplicate_session"] += sketches[i].turns
    if skips:
        logger.info("dedupe (%s): %d of %d sessions are copies of another, dropped", mode, len(skips), len(sketches))
    return skips, stats


def dedupe_sessions(sessions: list[Session], mode: str) -> tuple[list[Session], list[Skip], Stats]:
    """The sessions without their duplicates (in input order), a Skip for each dropped one, and the
    counts: `duplicate_session` / `near_duplicate_session` exchanges dropped, `sessions_deduplicated`."""
    if mode == OFF or len(sessions) < 2:
        stats = Stats()
        stats.counts["sessions_deduplicated"] = 0
        return sessions, [], stats
    sketches, shingled = sketch_sessions(sessions, mode)
    copies = find_copies(sketches, mode, shingled.__getitem__)
    ids, sources = [s.session_id for s in sessions], [s.source for s in sessions]
    skips, stats = copy_skips(copies, sketches, ids, sources, mode)
    return [s for i, s in enumerate(sessions) if i not in copies], skips, stats


def _similar_pairs(
    sketches: list[Sketch], positions: list[int], shingles_of: Callable[[int], np.ndarray]
) -> Iterable[tuple[int, int]]:
    """Pairs (by position, among `positions`) of sessions that are near duplicates (_same_session), in order."""
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    scheme = MinHash(num_perm=NUM_PERM, seed=1).scheme
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    signed = [
        (p, LeanMinHash(seed=1, hashvalues=sketches[p].signature, scheme=scheme))
        for p in positions
        if sketches[p].signature is not None
    ]
    for p, signature in signed:
        lsh.insert(p, signature)
    pairs = set()
    for p, signature in signed:
        for other in lsh.query(signature):
            if other > p and _same_session(shingles_of(p), shingles_of(other)):
                pairs.add((p, other))
    yield from sorted(pairs)


def _signed(sessions: list[Session], workers: int | None = None) -> list[tuple[np.ndarray, np.ndarray | None, int]]:
    """Per session, its shingles, their MinHash hash values (None if too short to judge) and its
    words (words_of); with
    many turns, in forked workers (each session on its own: the same result)."""
    from datasketch import MinHash

    if workers is None:
        turns = sum(len(s.turns) for s in sessions)
        workers = min(os.cpu_count() or 1, deid.WORKERS) if turns >= deid.PARALLEL_TURNS else 1
    first = MinHash(num_perm=NUM_PERM, seed=1)  # its permutations, drawn once, are everyone's
    global _WORK
    _WORK = (sessions, first.permutations, first.scheme)
    try:
        if workers <= 1 or len(sessions) < 2 * workers:
            parts = [_signatures((0, len(sessions)))]
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_signatures, deid.equal_parts(sessions, workers * 4))
    finally:
        _WORK = None
    return [item for part in parts for item in part]


_WORK: tuple | None = None  # what forked workers read, set before the fork


def _signatures(bounds: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray | None, int]]:
    from datasketch import MinHash

    sessions, permutations, scheme = _WORK
    hashes = _WordHashes()  # a corpus has far fewer distinct words than words
    out = []
    for session in sessions[bounds[0] : bounds[1]]:
        words = words_of(session)
        values = shingles(session, hashes, words)
        if values.size < MIN_SHINGLES:
            out.append((values, None, len(words)))
            continue
        signature = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=permutations, scheme=scheme)
        signature.update_batch((values & np.uint64(0xFFFFFFFF)).tolist())  # its hash values are 32-bit
        out.append((values, signature.hashvalues, len(words)))
    return out
