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

Duplicates group transitively; of each group the session with the most words is kept (ties: the first
in input order), the others become Skips whose reason names the kept session by id (a keyed pseudonym
in the manifest). The result does not depend on the order of hashing or of the LSH buckets.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
import string
from collections.abc import Iterable

import numpy as np

from . import deid
from .model import Session, Skip, Stats

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

_WORD = re.compile(r"[^\W_]+")  # a word, for the keep rule's word count
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
    text = "\0".join(f"{turn.speaker}\0{turn.text}" for turn in session.turns)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class _WordHashes(dict):
    """word (UTF-8) -> its 64-bit hash (blake2b: the same in every process and run), each computed once."""

    def __missing__(self, word: bytes) -> int:
        value = self[word] = int.from_bytes(hashlib.blake2b(word, digest_size=8).digest(), "little")
        return value


def shingles(session: Session, hashes: _WordHashes | None = None) -> np.ndarray:
    """The session's word 3-grams as 61-bit hashes, repeats included (np.unique makes the set):
    words lower-cased, punctuation and whitespace dropped; the n-grams run across turns, as people's
    words do."""
    text = " ".join(turn.text for turn in session.turns).lower()
    if not text.isascii():
        text = text.translate(_UNICODE_PUNCTUATION)
    words = text.encode("utf-8", "surrogatepass").translate(_SPLIT_AT).split()
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

    def __init__(self, sessions: list[Session]) -> None:
        self.parent = list(range(len(sessions)))
        self.sessions = sessions

    def rank(self, i: int) -> tuple[int, int]:
        """Lower keeps: the most words, then the first in input order."""
        return -sum(len(_WORD.findall(t.text)) for t in self.sessions[i].turns), i

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


def dedupe_sessions(sessions: list[Session], mode: str) -> tuple[list[Session], list[Skip], Stats]:
    """The sessions without their duplicates (in input order), a Skip for each dropped one, and the
    counts: `duplicate_session` / `near_duplicate_session` exchanges dropped, `sessions_deduplicated`."""
    stats = Stats()
    stats.counts["sessions_deduplicated"] = 0
    if mode == OFF or len(sessions) < 2:
        return sessions, [], stats
    groups = _Groups(sessions)
    keys = [_exact_key(session) for session in sessions]
    exact_first: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        if key in exact_first:
            groups.join(exact_first[key], i)
        else:
            exact_first[key] = i
    if mode == NEAR:
        distinct = sorted(exact_first.values())
        for i, j in _similar_pairs([sessions[i] for i in distinct], distinct):
            groups.join(i, j)
    kept, skips = [], []
    for i, session in enumerate(sessions):
        root = groups.find(i)
        if root == i:
            kept.append(session)
            continue
        exact = keys[i] == keys[root]
        template = DUPLICATE_OF if exact else NEAR_DUPLICATE_OF
        skips.append(Skip(session.source, template.format(session_id=sessions[root].session_id), session.session_id))
        stats.exchanges_dropped["duplicate_session" if exact else "near_duplicate_session"] += len(session.turns)
        stats.counts["sessions_deduplicated"] += 1
    if skips:
        logger.info("dedupe (%s): %d of %d sessions are copies of another, dropped", mode, len(skips), len(sessions))
    return kept, skips, stats


def _similar_pairs(sessions: list[Session], positions: list[int]) -> Iterable[tuple[int, int]]:
    """Pairs (by position) of sessions that are near duplicates (_same_session), in order."""
    from datasketch import MinHashLSH

    signed = _signed(sessions)
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for k, (_, signature) in enumerate(signed):
        if signature is not None:
            lsh.insert(k, signature)
    pairs = set()
    for k, (values, signature) in enumerate(signed):
        if signature is None:
            continue
        for other in lsh.query(signature):
            if other > k and _same_session(values, signed[other][0]):
                pairs.add((k, other))
    for k, other in sorted(pairs):
        yield positions[k], positions[other]


def _signed(sessions: list[Session]) -> list[tuple[np.ndarray, object]]:
    """Per session, its shingles and their MinHash (None if too short to judge); with many turns,
    in forked workers (each session on its own: the same result)."""
    from datasketch import MinHash

    turns = sum(len(s.turns) for s in sessions)
    workers = min(os.cpu_count() or 1, deid.WORKERS) if turns >= deid.PARALLEL_TURNS else 1
    first = MinHash(num_perm=NUM_PERM, seed=1)  # its permutations, drawn once, are everyone's
    global _WORK
    _WORK = (sessions, first.permutations, first.scheme)
    try:
        if workers == 1:
            parts = [_signatures((0, len(sessions)))]
        else:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_signatures, deid.equal_parts(sessions, workers * 4))
    finally:
        _WORK = None
    return [
        (
            values,
            MinHash(num_perm=NUM_PERM, hashvalues=hv, permutations=first.permutations, scheme=first.scheme)
            if hv is not None
            else None,
        )
        for part in parts
        for values, hv in part
    ]


_WORK: tuple | None = None  # what forked workers read, set before the fork


def _signatures(bounds: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    from datasketch import MinHash

    sessions, permutations, scheme = _WORK
    hashes = _WordHashes()  # a corpus has far fewer distinct words than words
    out = []
    for session in sessions[bounds[0] : bounds[1]]:
        values = shingles(session, hashes)
        if values.size < MIN_SHINGLES:
            out.append((values, None))
            continue
        signature = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=permutations, scheme=scheme)
        signature.update_batch((values & np.uint64(0xFFFFFFFF)).tolist())  # its hash values are 32-bit
        out.append((values, signature.hashvalues))
    return out
