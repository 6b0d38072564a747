"""Near-duplicate sessions: recall on planted copies, false merges among distinct sessions, speed.

    python benchmarks/bench_dedupe.py INPUT_DIR [--copies 0.3] [--seed 0] [--json]
    python benchmarks/bench_dedupe.py --synthetic 200000 --json

Loads the sessions of INPUT_DIR (any structure the pipeline reads; or, with --synthetic N, the
pipeline benchmark's generated corpus of N exchanges), then plants copies of a seeded share of them,
each changed in one of the ways a clinic's second export differs from the first:

- `exact`: the same turns under another id and file name;
- `format`: whitespace, case and punctuation changed (as a re-export or a caption tool does);
- `edits`: 3% of the words substituted, deleted or inserted (a corrected transcript);
- `turns`: 1-3 turns removed or added from another session (a clipped or longer recording);
- `mixed`: format, 2% edits and one turn removed.

It runs `dedupe_sessions(..., "near")` on originals plus copies and reports, per kind, the share of
copies dropped as a duplicate of their own original (recall), how many originals were dropped or
merged with another original (false merges; every original is distinct), and the seconds taken.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from therapy_pipeline.dedupe import dedupe_sessions
from therapy_pipeline.loaders import load_corpus
from therapy_pipeline.model import Session, Turn

KINDS = ("exact", "format", "edits", "turns", "mixed")
FILLER = ["really", "just", "like", "um", "so", "kind", "of", "you", "know", "actually", "maybe", "then"]


def reformat(text: str, rng: random.Random) -> str:
    words = text.split()
    out = []
    for w in words:
        if rng.random() < 0.1:
            w = w.strip(string.punctuation) or w
        if rng.random() < 0.05:
            w = w.upper() if rng.random() < 0.5 else w.lower()
        out.append(w)
    return ("  " if rng.random() < 0.5 else " ").join(out) + (" " if rng.random() < 0.3 else "")


def edit(text: str, rng: random.Random, share: float) -> str:
    words = text.split()
    out = []
    for w in words:
        roll = rng.random()
        if roll < share / 3:
            continue  # deleted
        if roll < 2 * share / 3:
            out.append(rng.choice(FILLER))  # substituted
            continue
        out.append(w)
        if roll < share:
            out.append(rng.choice(FILLER))  # inserted
    return " ".join(out) or text


def planted(original: Session, kind: str, rng: random.Random, donors: list[Session], number: int) -> Session:
    turns = list(original.turns)
    if kind in ("format", "mixed"):
        turns = [Turn(t.speaker, reformat(t.text, rng)) for t in turns]
    if kind in ("edits", "mixed"):
        turns = [Turn(t.speaker, edit(t.text, rng, 0.03 if kind == "edits" else 0.02)) for t in turns]
    if kind == "turns":
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.5 and len(turns) > 4:
                del turns[rng.randrange(len(turns))]
            else:
                donor = rng.choice(donors)
                turns.insert(rng.randrange(len(turns) + 1), rng.choice(donor.turns))
    if kind == "mixed" and len(turns) > 4:
        del turns[rng.randrange(len(turns))]
    return Session(f"copy-{number}", f"copies/copy-{number}.json", turns)


def measure(sessions: list[Session], share: float, seed: int) -> dict:
    rng = random.Random(seed)
    originals = [Session(f"orig-{i}", s.source, s.turns) for i, s in enumerate(sessions)]
    copies, truth = [], {}
    for number, original in enumerate(rng.sample(originals, max(1, round(share * len(originals))))):
        kind = KINDS[number % len(KINDS)]
        copy = planted(original, kind, rng, originals, number)
        truth[copy.session_id] = (original.session_id, kind)
        copies.append(copy)
    corpus = originals + copies
    rng.shuffle(corpus)  # copies before and after their originals
    start = time.perf_counter()
    kept, skips, stats = dedupe_sessions(corpus, "near")
    seconds = time.perf_counter() - start
    kept_ids = {s.session_id for s in kept}
    found, per_kind = Counter(), Counter(kind for _, kind in truth.values())
    false_merges = 0
    for skip in skips:
        other = skip.reason.rsplit(" ", 1)[1]
        dropped = skip.session_id
        pair = {dropped, other}
        # a copy and its original, whichever of the two was kept
        match = next((kind for copy, (orig, kind) in truth.items() if pair == {copy, orig}), None)
        if match:
            found[match] += 1
        else:
            false_merges += 1
    originals_lost = sum(1 for s in originals if s.session_id not in kept_ids and not any(
        orig == s.session_id and copy in kept_ids for copy, (orig, _) in truth.items()))
    return {
        "sessions": len(originals), "copies": len(copies), "turns": sum(len(s.turns) for s in corpus),
        "recall": round(sum(found.values()) / len(copies), 4),
        "recall_by_kind": {k: round(found[k] / per_kind[k], 4) for k in KINDS if per_kind[k]},
        "false_merges": false_merges, "originals_lost": originals_lost,
        "dedupe_seconds": round(seconds, 3), "dropped": len(skips),
        "exchanges_dropped": dict(stats.exchanges_dropped),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input_dir", nargs="?")
    parser.add_argument("--synthetic", type=int, metavar="EXCHANGES", help="the pipeline benchmark's corpus instead")
    parser.add_argument("--copies", type=float, default=0.3, help="share of sessions copied (0.3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.synthetic:
        from bench_pipeline import write_corpus

        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp), args.synthetic, args.seed)
            sessions = load_corpus(tmp).sessions
    elif args.input_dir:
        sessions = load_corpus(args.input_dir).sessions
    else:
        parser.error("give INPUT_DIR or --synthetic N")
    result = measure(sessions, args.copies, args.seed)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
