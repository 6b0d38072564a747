"""Surrogates and pseudonyms, chosen through a keyed hash: realistic, typed, one per real value.

Every choice is `HMAC-SHA256(key, session, type, value)`: the same key and input give the same
output, and without the key nobody can test a guess ("was the client called Priya?") against a
surrogate. Shapes are kept (a phone stays a phone with the same separators, a date a date in the
same style, shifted by one offset per session) and a surrogate is never the original value nor
another real value of the session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
from pathlib import Path

from . import detect
from .detect import MONTHS, ORDINALS, Span
from .wordlists import WordLists

KEY_BYTES = 32
_FULL_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december"]  # fmt: skip
_SHORT_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_ORDINAL_OF = {}
for _word, _day in ORDINALS.items():
    _ORDINAL_OF.setdefault((_day, "-" if "-" in _word else " " if " " in _word else ""), _word)
# Mail providers name no one: kept, so a surrogate address still reads as one.
_PUBLIC_MAIL = {"gmail", "yahoo", "hotmail", "outlook", "icloud", "aol", "proton", "protonmail", "live", "msn",
                "me", "mail", "gmx", "comcast", "verizon", "att"}  # fmt: skip
_AGE_WORDS = ["ninety", "ninety-one", "ninety-two", "ninety-three", "ninety-four", "ninety-five", "ninety-six",
              "ninety-seven", "ninety-eight", "ninety-nine"]  # fmt: skip
TAGS = {t: f"[{t}]" for t in detect.PHI_TYPES}
_DIGIT = re.compile(r"\d")
# number words by kind, each replaced by another of its kind; "oh", "hundred" and the like stay
_NUMBER_GROUPS = (
    ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"),
)
_NUMBER_WORD_RX = re.compile(r"(?i)\b(?:" + "|".join(w for g in _NUMBER_GROUPS for w in g) + r")\b")
_NUMBER_WORDS = frozenset(detect._NUMBER_WORD_SET)
# letters said by their names ("zee gee pee"): each replaced by another letter's name
_LETTER_NAMES = ("bee", "cee", "dee", "ef", "gee", "jay", "kay", "el", "em", "en", "pee", "cue", "ar", "ess", "tee",
                 "vee", "ex", "zee")  # fmt: skip
_NATO = dict(zip("abcdefghijklmnopqrstuvwxyz", ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"]))  # fmt: skip


class KeyFileError(Exception):
    """The key file cannot be read or made; the message names it."""


def load_key(path: str | Path) -> bytes:
    """The secret key in `path`, created (mode 0600) with 32 random bytes on first use."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # made meanwhile by another run
            return load_key(path)
        except OSError as err:
            raise KeyFileError(f"{path}: cannot create the de-identification key: {err.strerror}") from None
        text = os.urandom(KEY_BYTES).hex()
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(text + "\n")
    except (OSError, UnicodeDecodeError) as err:
        raise KeyFileError(f"{path}: cannot read the de-identification key: {getattr(err, 'strerror', err)}") from None
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise KeyFileError(f"{path}: not a de-identification key (expected 64 hex digits)")
    return bytes.fromhex(text)


def digest(key: bytes, *parts: str) -> bytes:
    return hmac.new(key, "\x1f".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256).digest()


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """A keyed pseudonym: the same value always gives the same one under one key."""
    return f"{kind}-{digest(key, 'pseudonym', kind, value).hex()[:16]}"


def key_id(key: bytes) -> str:
    """Names the key in the manifest without revealing it."""
    return digest(key, "key-id").hex()[:12]


def _styled(surrogate: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return surrogate.upper()
    if original.islower():
        return surrogate.lower()
    return surrogate[:1].upper() + surrogate[1:]


def _ordinal_suffix(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


# the words of an address that say what its parts are, not whose they are: kept by its surrogate
_ADDRESS_KEPT = frozenset(detect.STREET_SUFFIX_WORDS) | {"apt", "apartment", "unit", "suite", "ste", "flat", "room",
                                                         "rm", "floor", "fl", "building", "bldg", "lot", "space",
                                                         "number", "no", "p", "o", "po", "box", "post", "office", "rural",
                                                         "route", "rr", "general", "delivery", "hc", "block", "county",
                                                         "state", "mobile", "home", "trailer", *detect.COMPLEX_KINDS,
                                                         *detect.ADDRESS_WORDS, *detect.LOCALITY_WORDS, "comma"} | (
    _NUMBER_WORDS  # a number said in words ("eleven forty seven county road") is a number, not a name
)  # fmt: skip


class SessionSurrogates:
    """The surrogates of one session: memoised, so one real value gets one surrogate."""

    def __init__(self, key: bytes, lists: WordLists, session_key: str, real_names: set[str],
                 real_places: set[str]) -> None:  # fmt: skip
        self.key = key
        self.lists = lists
        self.session_key = session_key
        self.real_names = real_names
        self.real_places = real_places
        self.memo: dict[tuple[str, str], str] = {}
        self.used_names: set[str] = set()
        days = int.from_bytes(digest(key, session_key, "date-shift")[:4], "big") % 364 + 1
        self.date_shift = dt.timedelta(days=days)

    def _number(self, *parts: str) -> int:
        return int.from_bytes(digest(self.key, self.session_key, *parts)[:8], "big")

    def _pick(self, pool: tuple[str, ...], kind: str, value: str, reject: set[str]) -> str:
        for attempt in range(64):
            choice = pool[self._number(kind, value, str(attempt)) % len(pool)]
            if choice.lower() not in reject:
                return choice
        return pool[self._number(kind, value, "last") % len(pool)] + "a"  # pools are large: unreachable in practice

    # ------------------------------------------------------------------ names and places

    def name(self, token: str, role: str) -> str:
        lower = token.lower()
        memo_key = ("NAME", lower)
        if memo_key not in self.memo:
            parts = lower.split("-")
            out = []
            for part in parts:
                out.append(self._name_part(part, role if len(parts) == 1 else "last"))
            self.memo[memo_key] = "-".join(out)
        surrogate = self.memo[memo_key]
        return "-".join(_styled(s, o) for s, o in zip(surrogate.split("-"), token.split("-")))

    def _name_part(self, lower: str, role: str) -> str:
        lists = self.lists
        if not role:
            role = "last" if lower in lists.last and lower not in lists.first else "first"
        if role == "last":
            pool = lists.surrogate_last
        elif lower in lists.first_female and lower not in lists.first_male:
            pool = lists.surrogate_female
        elif lower in lists.first_male and lower not in lists.first_female:
            pool = lists.surrogate_male
        else:
            pool = lists.surrogate_female if self._number("gender", lower) % 2 else lists.surrogate_male
        choice = self._pick(pool, "name", lower, self.real_names | self.used_names | {lower})
        self.used_names.add(choice.lower())
        return choice

    def _word(self, token: str) -> str:
        """A distinctive word of a street or facility name: a surname, keyed by the word."""
        base, possessive = (token[:-2], token[-2:]) if token[-2:] in ("'s", "’s") else (token, "")
        lower = base.lower()
        if ("WORD", lower) not in self.memo:
            self.memo[("WORD", lower)] = self._pick(self.lists.surrogate_last, "word", lower, self.real_names | {lower})
        return _styled(self.memo[("WORD", lower)], base) + possessive

    def _words_except(self, text: str, generic: set[str], unit_letters: bool = False) -> str:
        """`text` with each distinctive word replaced; with `unit_letters`, a letter alone (a unit's:
        "apartment two f") by a keyed letter."""

        def swap(m: re.Match) -> str:
            token = m.group()
            if not any(c.isalpha() for c in token):
                return token  # the "½" of "604 ½ Locust St": a word character, not a word
            bare = token.lower().rstrip(".").removesuffix("'s").removesuffix("’s")
            if (
                unit_letters
                and len(token) == 1
                and bare not in ("a", "i", "p", "o")
                and not re.fullmatch(detect.DIRECTION, token, re.IGNORECASE)
            ):
                return self.characters(token, "UNIT", text)
            if (
                bare in generic
                or token.lower() in generic  # "women's"
                or bare in detect.STOPWORDS
                or re.fullmatch(detect.DIRECTION, token, re.IGNORECASE)
                or "-" in bare
                and all(part in generic for part in bare.split("-"))  # "eighty-two"
            ):
                return token
            return self._word(token)

        return re.sub(r"(?<![\w-])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w-])", swap, text)

    def location(self, value: str) -> str:
        lower = " ".join(value.lower().split())
        if lower in self.lists.cities or lower.replace("’", "'") in self.lists.cities:
            memo_key = ("CITY", lower)
            if memo_key not in self.memo:
                self.memo[memo_key] = self._pick(self.lists.surrogate_cities, "city", lower, self.real_places | {lower})
            city = self.memo[memo_key]
            return city.lower() if value.islower() else city.upper() if value.isupper() else city
        generic = set(detect.STREET_SUFFIX_WORDS) | {"county", "parish", "borough", "township", "st."}
        return self._words_except(value, generic)

    def facility(self, value: str) -> str:
        # brands and kept words stay: "the walgreens on cicero" becomes another street's walgreens
        kept = {w for w in re.findall(r"[\w'’&-]+", value.lower()) if w in self.lists.keep}
        streets = set(detect.STREET_SUFFIX_WORDS) if re.search(r"(?i)\s(?:on|off)\s", value) else set()
        words = self._words_except(value, detect.FACILITY_GENERIC | {"mt", "mount"} | kept | streets)
        if words.lower() == value.lower():  # "County General": generic words alone still name one place
            the = re.match(r"(?i)the\s+", value)
            head = the.end() if the else 0
            word = self._word(value[head:].split()[0] + " " + value.lower())  # keyed by the whole name
            words = value[:head] + _styled(word, value[head:].split()[0]) + " " + value[head:]
        # "Elks Lodge 1142": the lodge's number too
        return (
            self.characters(words, "FACILITY", value, letters=False, original=value) if _DIGIT.search(words) else words
        )

    def address(self, value: str) -> str:
        words = self._words_except(self.number_words(value, "ADDRESS"), _ADDRESS_KEPT, unit_letters=True)
        return (
            self.characters(words, "ADDRESS", value, letters=False, original=value) if _DIGIT.search(words) else words
        )

    def number_words(self, value: str, kind: str) -> str:
        """Each number word replaced by a keyed one of its kind (a unit by a unit, a teen by a teen, a ten
        by a ten): "eleven forty seven" becomes another number said the same way."""
        stream = digest(self.key, self.session_key, "number words", kind, value.lower())
        counter = 0

        def swap(m: re.Match) -> str:
            nonlocal counter
            word = m.group().lower()
            group = next(g for g in _NUMBER_GROUPS if word in g)
            counter += 1
            others = [w for w in group if w != word]
            return _styled(others[stream[counter % 32] % len(others)], m.group())

        return _NUMBER_WORD_RX.sub(swap, value)

    # ------------------------------------------------------------------ shaped values

    def characters(
        self, value: str, kind: str, memo_value: str | None = None, letters: bool = True, original: str | None = None
    ) -> str:
        """Each digit (and letter) replaced by a keyed one; separators and case kept. `original`: what the
        result must differ from, where `value` has new words already ("7 Shore Road" as "7 Wyatt Road":
        the same house number is no copy)."""
        stream = digest(self.key, self.session_key, "chars", kind, memo_value or value)
        out = []
        for i, c in enumerate(value):
            r = stream[i % len(stream)] ^ (i // len(stream))
            if c.isdigit():
                lead = i == 0 or not value[i - 1].isdigit()
                digit = r % 10
                if lead and c != "0":
                    digit = 1 + r % 9  # no new leading zero: "0419" and "419" stay that long
                out.append(str(digit))
            elif letters and c.isascii() and c.isalpha():
                letter = chr(ord("a") + r % 26)
                out.append(letter.upper() if c.isupper() else letter)
            else:
                out.append(c)
        result = "".join(out)
        changeable = [i for i, c in enumerate(value) if c.isdigit() or letters and c.isalpha()]
        if result == (original or value) and changeable:
            # one chance in millions: change the last digit
            last = changeable[-1]
            c = value[last]
            swap = str((int(c) + 1) % 10) if c.isdigit() else ("b" if c.lower() == "a" else "a")
            result = result[:last] + (swap.upper() if c.isupper() else swap) + result[last + 1 :]
        return result

    def spoken(self, value: str, kind: str) -> str:
        """A number said digit by digit, each digit word replaced by a keyed one."""
        stream = digest(self.key, self.session_key, "spoken", kind, value.lower())
        # not "zero" ("oh" reads as it) and not "o", which the letters below would take for a letter
        words = [w for w in detect.DIGIT_WORDS if w not in ("zero", "o")]
        counter = 0

        def swap(m: re.Match) -> str:
            nonlocal counter
            counter += 1
            word = words[stream[counter % 32] % len(words)]
            return _styled(word, m.group())

        out = re.sub(r"(?i)\b(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine)\b", swap, value)

        def swap_letter(m: re.Match) -> str:  # letters said one by one, or in the NATO alphabet
            nonlocal counter
            counter += 1
            letter = chr(ord("b") + stream[counter % 32] % 24)
            letter = "j" if letter == "i" else letter
            return _styled(_NATO.get(letter, letter) if len(m.group()) > 1 else letter, m.group())

        out = re.sub(
            r"(?i)\b(?:x[\s-]ray|[b-hj-z]|" + "|".join(_NATO.values()) + r")\b(?:\s+(?:as\s+in|for)\s+\w+)?",
            swap_letter,
            out,
        )  # "p for papa", "x ray" too

        def swap_letter_name(m: re.Match) -> str:
            nonlocal counter
            counter += 1
            others = [w for w in _LETTER_NAMES if w != m.group().lower()]
            return _styled(others[stream[counter % 32] % len(others)], m.group())

        out = re.sub(r"(?i)\b(?:zed|ay|aitch|" + "|".join(_LETTER_NAMES) + r")\b", swap_letter_name, out)
        return (
            out
            if out.lower() != value.lower()
            else re.sub(r"(?i)\b\w+$", "four" if not value.lower().endswith("four") else "two", out)
        )

    def ssn(self, value: str) -> str:
        out = self.characters(value, "SSN")
        digits = re.sub(r"\D", "", out)
        if digits[:3] in ("000", "666") or digits[0] == "9" or digits[3:5] == "00" or digits[5:] == "0000":
            first = str(1 + int(digits[0]) % 8)
            out = re.sub(r"\d", first, out, count=1)
            out = re.sub(r"(?<=\D)00(?=\D)", "11", out)
        return out

    def ipv6(self, value: str) -> str:
        stream = digest(self.key, self.session_key, "ipv6", value.lower())
        out = "".join(
            "0123456789abcdef"[stream[i % 32] % 16] if c not in ":" else c for i, c in enumerate(value.lower())
        )
        return out if out != value.lower() else out[:-1] + ("1" if out[-1] != "1" else "2")

    def spoken_ip(self, value: str) -> str:
        """An IPv4 address said with "dot": each octet said in digits gets keyed digits, each said in
        words other number words of the same kind ("ten dot zero dot zero dot twelve")."""
        counter = 0

        def octet(m: re.Match) -> str:
            nonlocal counter
            counter += 1
            new = str(1 + self._number("spoken ip", value.lower(), str(counter)) % 254)
            return new if new != m.group() else str(int(new) % 254 + 1)

        return self.number_words(re.sub(r"\d+", octet, value), "IP")

    def ipv4(self, value: str) -> str:
        octets = [str(1 + self._number("ip", value, str(i)) % 254) for i in range(4)]
        out = ".".join(octets)
        return out if out != value else ".".join(octets[:3] + [str(int(octets[3]) % 254 + 1)])

    def email(self, value: str) -> str:
        spoken = "@" not in value
        if spoken:
            local, domain = re.split(r"\s+at\s+", value, maxsplit=1, flags=re.IGNORECASE)
        else:
            local, domain = value.rsplit("@", 1)
        first = self._pick(self.lists.surrogate_female + self.lists.surrogate_male, "email-first", value.lower(),
                           self.real_names).lower()  # fmt: skip
        last = self._pick(self.lists.surrogate_last, "email-last", value.lower(), self.real_names).lower()
        separator = " dot " if spoken else "."
        new_local = f"{first}{separator}{last}" if re.search(r"\.|dot", local) else f"{first[0]}{last}"
        labels = re.split(r"\s+dot\s+|\.", domain)
        if labels[0].lower() not in _PUBLIC_MAIL:
            labels[0] = self._word(labels[0]).lower()
        new_domain = (" dot " if spoken else ".").join(labels)
        return f"{new_local} at {new_domain}" if spoken else f"{new_local}@{new_domain}"

    def handle(self, value: str) -> str:
        """A handle or a link's path, typed or said: each word a keyed surname, each number keyed
        digits; its joints ("dot", "underscore", "_", "#") and an "@" stay."""

        def swap(m: re.Match) -> str:
            token = m.group()
            if token.lower() in _WEB_GLUE or _NUMBER_WORD_RX.fullmatch(token):
                return token
            if any(c.isdigit() for c in token):
                return self.characters(token, "URL-path", value)
            return self._word(token).lower() if token.islower() else self._word(token)

        out = re.sub(r"[^\W_]+", swap, value)
        out = self.number_words(out, "URL") if _NUMBER_WORD_RX.search(out) else out
        return out if out.lower() != value.lower() else out + "1"

    def url(self, value: str) -> str:
        m = re.match(r"(?i)(https?://)?(www\.|www\s+dot\s+)?(.*)$", value)
        scheme, www, rest = m.group(1) or "", m.group(2) or "", m.group(3)
        said = _SAID_SLASH.search(rest)
        if said and "/" not in rest:  # a path said: "youtube dot com slash at kaydenplays"
            host, path = rest[: said.start()], rest[said.start() :]
            return f"{scheme}{www}{self._host(host, keep_public=True)}{self.handle(path)}"
        host, slash, path = rest.partition("/")
        bare_host, colon, port = host.partition(":")
        if re.fullmatch(r"(?:\d{1,3}\.){3}\d{1,3}", bare_host):  # an address by number: a keyed one
            new_path = self.characters(path, "URL-path", value) if path else ""
            return f"{scheme}{www}{self.ipv4(bare_host)}{colon}{port}{slash}{new_path}"
        new_path = self.characters(path, "URL-path", value) if path else ""
        return f"{scheme}{www}{self._host(host, keep_public=bool(new_path))}{slash}{new_path}"

    def _host(self, host: str, keep_public: bool = False) -> str:
        """The host with its registered name replaced; with `keep_public`, a public site's name stays
        ("youtube dot com slash at ...": the path says whose page it is)."""
        labels = re.split(r"(\s+dot\s+|\.)", host)
        # the registered name: every label but the last (the top-level domain) and the separators
        swapped = [
            part
            if keep_public and part.lower() in _PUBLIC_SITES
            else self._word(part).lower()
            if i % 2 == 0 and i < len(labels) - 1 and part
            else part
            for i, part in enumerate(labels)
        ]
        return "".join(swapped)

    def age(self, value: str) -> str:
        number = 90 + self._number("age", value.lower()) % 15
        if re.fullmatch(r"\d+", value):
            return str(number) if str(number) != value else str(90 + (number - 89) % 15)
        words = (
            _AGE_WORDS[number - 90]
            if number < 100
            else "a hundred"
            + ("" if number == 100 else f" and {detect.UNITS[number - 101]}" if number < 110 else " and ten")
        )
        if words.lower() == value.lower():
            words = "ninety" if value.lower() != "ninety" else "ninety-one"
        return _styled(words, value)

    # ------------------------------------------------------------------ dates

    def date(self, span: Span, text: str) -> str:
        style, m = span.detail
        value = text[span.start : span.end]
        if style == "words":
            return self._date_words(m, span, text)
        if style == "foreign":
            return self._foreign_date(m, span, text)
        if style == "ordinal_month":  # "the 9th of the 10th, 2023": day and month said as ordinals
            year_text = m.group("year")
            year = _said_year(year_text) if year_text else None
            day, month = _ordinal_value(m.group("day")), _ordinal_value(m.group("month"))
            new = self._shift(year, month, day)
            pieces = {
                "day": _ordinal_as_said(new.day, m.group("day")),
                "month": _ordinal_as_said(new.month, m.group("month")),
            }
            if year_text:
                pieces["year"] = _year_as_said(new.year, year_text, year)
            return _with_groups(m, pieces, span, text)
        if style == "numeric":
            if m.group("iy"):
                year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
                new = self._shift(year, month, day)
                sep = m.group("is")
                return sep.join(
                    [str(new.year), _pad(new.month, m.group("im"), True), _pad(new.day, m.group("id"), True)]
                )
            a, b, y = int(m.group("a")), int(m.group("b")), m.group("y")
            year = _said_year(y)
            day_first = a > 12
            month, day = (b, a) if day_first else (a, b)
            new = self._shift(year, month, day)
            sep = m.group("s")
            first, second = (new.day, new.month) if day_first else (new.month, new.day)
            return sep.join([_pad(first, m.group("a")), _pad(second, m.group("b")), _year_as_said(new.year, y, year)])
        if style == "month":  # "August 2016": the month and year of the shifted middle of that month
            said_year = m.group("year")
            year = _said_year(said_year)
            month_text = m.group("month")
            bare = month_text.rstrip(".")
            new = self._shift(year, MONTHS[bare.lower()], 15)
            if year is not None and (new.year, new.month) == (year, MONTHS[bare.lower()]):
                new = self._shift(year, MONTHS[bare.lower()], 15) + dt.timedelta(days=31)  # never the original
            names = _FULL_MONTHS if bare.lower() in _FULL_MONTHS else _SHORT_MONTHS
            new_month = _styled(names[new.month - 1], bare) + ("." if month_text.endswith(".") else "")
            new_year = _year_as_said(new.year, said_year, year)
            return (
                text[span.start : m.start("month")] + new_month + text[m.end("month") : m.start("year")] + new_year
                + text[m.end("year") : span.end]
            )  # fmt: skip
        if style == "spoken":  # "six eighteen twenty twenty": the shifted date said the same way
            said_year = m.group("y")
            year = detect.spoken_year(said_year)
            two_digits = year is None or year < 1900
            if two_digits:
                short = detect.words_number(said_year) or 0
                year = short + (2000 if short < 50 else 1900)
            new = self._shift(year, detect.words_number(m.group("m")), detect.words_number(m.group("d")))
            new_year = (
                detect.two_digit_words(max(20, new.year % 100))  # said in tens, as the original was
                if two_digits
                else detect.year_words(new.year)
            )
            pieces = {"m": detect.two_digit_words(new.month), "d": detect.two_digit_words(new.day), "y": new_year}
            out, cursor = [], m.start()
            for group in ("m", "d", "y"):
                out += [text[cursor : m.start(group)], _styled(pieces[group], m.group(group))]
                cursor = m.end(group)
            return "".join(out) + text[cursor : span.end]
        if style == "holiday":  # "Halloween 2009": the shifted day, said as a month and a day
            said_year = m.group("year")
            year = _said_year(said_year) or 2000
            new = self._shift(year, *_holiday_day(detect.HOLIDAY_DAYS[detect.holiday_key(m.group("holiday"))], year))
            month = _styled(_FULL_MONTHS[new.month - 1], m.group("holiday"))
            # what it is said from stays before the day ("two days before December 30th, 2016")
            said_from = m.group("from") if m.group("from") and m.start("from") >= span.start else ""
            if re.search(r"(?i)\bof$", said_from):  # "first of ramadan 2022": the shifted day itself
                said_from = ""
            if said_from:
                said_from += text[m.end("from") : m.start("holiday")].removesuffix("the ").removesuffix("The ")
            if said_year.isdigit():
                return f"{said_from}{month} {new.day}{_ordinal_suffix(new.day)}, {new.year}"
            if said_year[0] in "'’":
                return f"{said_from}{month} {new.day}{_ordinal_suffix(new.day)} '{new.year % 100:02d}"
            return f"{said_from}{month} {_ORDINAL_OF[(new.day, '')]} {detect.year_words(new.year)}"
        if style == "short":
            new = self._shift(None, int(m.group("a")), int(m.group("b")))
            separator = text[m.end("a")]
            return f"{_pad(new.month, m.group('a'))}{separator}{_pad(new.day, m.group('b'))}"
        # a day alone ("on the 5th", "birthday's the nineteenth"): another day, said the same way
        word = value.lower()
        day = ORDINALS.get(word) or int(re.sub(r"\D", "", value))
        new_day = (day - 1 + self.date_shift.days) % 28 + 1
        if word in ORDINALS:
            joint = "-" if "-" in word else " " if " " in word else ""
            return _styled(_ORDINAL_OF.get((new_day, joint)) or _ORDINAL_OF[(new_day, "")], value)
        return f"{new_day}{_ordinal_suffix(new_day)}"

    def _shift(self, year: int | None, month: int, day: int) -> dt.date:
        base = year if year else 2000  # a leap year, so "February 29th" has a place
        try:
            original = dt.date(base, month, day)
        except ValueError:
            original = dt.date(base, month, 28)
        return original + self.date_shift

    def _foreign_date(self, m: re.Match, span: Span, text: str) -> str:
        """A date said in Spanish, Portuguese, Polish, German, French or another language, shifted and said in the same
        language and the same way (the day in digits or in words; a French weekday for the new day)."""
        branch = next((b for b in ("g", "f", "s") if m.group(b + "day") is not None), "")
        day_text, month_text, year_text = m.group(branch + "day"), m.group(branch + "month"), m.group(branch + "year")
        low, said_day = month_text.lower(), day_text.lower()
        others = ("es", "pt", "pl", *detect._DIGIT_DAY_LANGUAGES)
        languages = {"g": ("de",), "f": ("fr",), "s": others, "": others}[branch]

        def day_of(lang: str) -> int | None:
            words = detect.FOREIGN_DAY_WORDS.get(lang, ())
            return next((i + 1 for i, names in enumerate(words) if said_day in names.split("|")), None)

        # the language whose months hold the month and whose day words hold the day ("vinte de agosto":
        # Portuguese, though "agosto" is Spanish too)
        lang, month = next(
            (lang, i + 1)
            for lang in languages
            for i, names in enumerate(detect.FOREIGN_MONTHS[lang])
            if low in names.split("|") and (said_day.isdigit() or day_of(lang) is not None)
        )
        words = detect.FOREIGN_DAY_WORDS.get(lang, ())
        word_day = None if said_day == "1er" else day_of(lang)
        day = word_day or int(said_day.rstrip("er"))
        new = self._shift(int(year_text) if year_text else None, month, day)
        new_month = _styled(detect.FOREIGN_MONTHS[lang][new.month - 1].split("|")[0], month_text)
        if word_day is not None:
            new_day = _styled(words[new.day - 1].split("|")[0], day_text)
        elif said_day == "1er":
            new_day = "1er" if new.day == 1 else str(new.day)
        else:
            new_day = _pad(new.day, day_text)
        pieces = {branch + "day": new_day, branch + "month": new_month}
        if year_text:
            pieces[branch + "year"] = str(new.year)
        if branch == "f" and m.group("fwday"):
            said = m.group("fwday")
            weekday = detect.FRENCH_WEEKDAYS[new.weekday()] if year_text else said.lower()
            pieces["fwday"] = _styled(weekday, said)
        return _with_groups(m, pieces, span, text)

    def _date_words(self, m: re.Match, span: Span, text: str) -> str:
        year_text = m.group("year")
        year = None
        if year_text:
            year = _said_year(year_text)
        month = MONTHS[m.group("month").rstrip(".").lower()]
        day_text = m.group("day")
        day = _ordinal_value(day_text)
        new = self._shift(year, month, day)
        month_text = m.group("month")
        bare = month_text.rstrip(".")
        names = _FULL_MONTHS if bare.lower() in _FULL_MONTHS else _SHORT_MONTHS
        new_month = names[new.month - 1]
        if bare.lower() == "sept":
            new_month = "sept" if new.month == 9 else new_month
        new_month = _styled(new_month, bare) + ("." if month_text.endswith(".") else "")
        pieces = {"month": new_month, "day": _ordinal_as_said(new.day, day_text)}
        if year_text:
            pieces["year"] = _year_as_said(new.year, year_text, year)
        return _with_groups(m, pieces, span, text)


def _ordinal_value(said: str) -> int:
    """The number an ordinal says: "9th", "09th", "thirtieth", "twenty-first"."""
    return ORDINALS.get(said.lower()) or int(re.sub(r"\D", "", said))


def _ordinal_as_said(number: int, like: str) -> str:
    """`number` as a day or month written as `like` was: in digits (with its suffix where `like` has one), or
    in words; a day said in one word keeps one word ("twentyseventh"), "seventh" shifted to the 27th becomes
    "twenty-seventh"."""
    if like[0].isdigit():
        digits = _pad(number, re.sub(r"\D", "", like))
        return digits if like[-1].isdigit() else digits + _ordinal_suffix(number)
    compound = ORDINALS.get(like.lower(), 0) > 20 and ORDINALS.get(like.lower()) not in (30,)
    joint = "-" if "-" in like else " " if " " in like else "" if compound else "-"
    return _styled(_ORDINAL_OF.get((number, joint)) or _ORDINAL_OF[(number, "")], like)


def _with_groups(m: re.Match, pieces: dict[str, str], span: Span, text: str) -> str:
    """The span's text with each named group of `m` replaced by its piece (groups before the span,
    as a "the" the span leaves out, stay as they are)."""
    out, cursor = [], span.start
    for name in sorted(pieces, key=lambda g: m.start(g)):
        if m.start(name) < span.start:
            continue
        out.append(text[cursor : m.start(name)])
        out.append(pieces[name])
        cursor = m.end(name)
    out.append(text[cursor : span.end])
    return "".join(out)


def _said_year(said: str) -> int | None:
    """The year a date's year says: "2016", "'98" and "98", "oh eight", "nineteen ninety-nine"."""
    digits = said.lstrip("'’")
    if digits.isdigit():
        return int(digits) if len(digits) == 4 else int(digits) + (2000 if int(digits) < 50 else 1900)
    if re.fullmatch(r"(?i)oh[\s-]\w+", said):  # "the seventh of february oh eight"
        unit = detect.words_number(said.split()[-1].split("-")[-1])
        return None if unit is None else 2000 + unit
    return detect.spoken_year(said)


def _year_as_said(new_year: int, said: str, year: int | None) -> str:
    """`new_year` written as `said` was: four digits, two ("'98", "98"), or in words."""
    digits = said.lstrip("'’")
    if digits.isdigit():
        return str(new_year) if len(digits) == 4 else said[: len(said) - len(digits)] + f"{new_year % 100:02d}"
    if year is None or new_year == year:
        return said
    if re.fullmatch(r"(?i)oh[\s-]\w+", said) and 2001 <= new_year <= 2009:
        return _styled(f"oh {detect.UNITS[new_year - 2001]}", said)
    return _styled(detect.year_words(new_year), said)


def _holiday_day(rule: tuple[int, ...], year: int) -> tuple[int, int]:
    """(month, day) of a holiday in `year`: a fixed day, or the n-th (-1: last) weekday of a month."""
    if len(rule) == 2:
        return rule[0], rule[1]
    month, weekday, n = rule
    if n > 0:
        first = dt.date(year, month, 1)
        return month, 1 + (weekday - first.weekday()) % 7 + 7 * (n - 1)
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return month, last.day - (last.weekday() - weekday) % 7


# the words of a link or a handle said aloud that say how it is written, not whose it is
_WEB_GLUE = frozenset({"dot", "slash", "at", "sign", "underscore", "dash", "hyphen", "colon", "www", "http", "https",
                       "com", "org", "net", "add", "u", "user", "profile", "groups", "group", "channel", "watch"})  # fmt: skip
_SAID_SLASH = re.compile(r"(?i)\s+slash\s+")
# Sites whose name says only where a page is: kept before a path that is replaced
_PUBLIC_SITES = frozenset({"youtube", "tiktok", "instagram", "facebook", "fb", "twitter", "x", "reddit", "discord",
                           "snapchat", "twitch", "gofundme", "venmo", "linkedin", "linktr", "spotify", "soundcloud",
                           "pinterest", "tumblr", "roblox", "steamcommunity", "etsy", "medium", "substack",
                           "patreon", "github", "threads", "bsky", "open", "www", "m"})  # fmt: skip


def _pad(number: int, like: str, always: bool = False) -> str:
    """`number` written as `like` is: with a leading zero where `like` has one (or `always`, ISO)."""
    return f"{number:02d}" if len(like) == 2 and (like.startswith("0") or always) else str(number)
