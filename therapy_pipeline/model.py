"""The canonical session model every step after loading works on, and the run's counters."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Self

THERAPIST = "therapist"
CLIENT = "client"


class InputError(Exception):
    """A problem with one input file or session that a user can fix; the message is one line."""

    def __init__(self, path: str, reason: str, session_id: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.session_id = session_id
        where = f"{path} (session {session_id})" if session_id else path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)  # slots: a million turns fit in a third less memory
class Turn:
    """One exchange: who spoke and what they said (stripped). Nothing else survives loading."""

    speaker: str  # THERAPIST or CLIENT
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def turns_key(turns: list[Turn]) -> bytes:
    """A digest that two sessions share exactly when their turns (speaker and text) are the same."""
    text = "\0".join(f"{turn.speaker}\0{len(turn.text)}\0{turn.text}" for turn in turns)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


@dataclass
class Session:
    session_id: str
    source: str  # file path relative to the input dir
    turns: list[Turn]
    # (where, value): names the file gives for this session, in its metadata ("metadata") or as
    # speaker labels ("speaker"). Read only by de-identification, as identifiers known in advance.
    known_names: tuple[tuple[str, str], ...] = ()
    # Whose session it is (the file's client_id / patient_id), for split_by client; None: its own client.
    client_id: str | None = None


@dataclass(frozen=True)
class Skip:
    """A file, a line or a session that was not used, and why (no transcript text)."""

    path: str
    reason: str
    session_id: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        if self.session_id:
            where += f" (session {self.session_id})"
        return f"{where}: {self.reason}"


@dataclass
class Stats:
    """Counts by reason: each step returns its own, `run()` adds them up into the manifest's `counts`."""

    counts: Counter = field(default_factory=Counter)
    exchanges_dropped: Counter = field(default_factory=Counter)
    examples_dropped: Counter = field(default_factory=Counter)
    targets_excluded: Counter = field(default_factory=Counter)

    def __iadd__(self, other: Stats) -> Self:
        """Add another step's counts to these (a count that is a map is added key by key)."""
        for key, value in other.counts.items():
            if isinstance(value, dict):
                merged = Counter(self.counts.get(key, {}))
                merged.update(value)
                self.counts[key] = dict(sorted(merged.items()))
            else:
                self.counts[key] += value
        self.exchanges_dropped.update(other.exchanges_dropped)
        self.examples_dropped.update(other.examples_dropped)
        self.targets_excluded.update(other.targets_excluded)
        return self

    @classmethod
    def total(cls, *parts: Stats) -> Stats:
        """The run's counts: every step's, added up."""
        total = cls()
        for part in parts:
            total += part
        return total

    def as_dict(self) -> dict:
        return {
            **dict(sorted(self.counts.items())),
            "exchanges_dropped": dict(sorted(self.exchanges_dropped.items())),
            "examples_dropped": dict(sorted(self.examples_dropped.items())),
            "targets_excluded": dict(sorted(self.targets_excluded.items())),
        }
