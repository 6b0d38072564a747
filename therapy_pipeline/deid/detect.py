"""Finding protected health information in speech: one detector per identifier type, in order.

`PhiFinder.find(text)` returns the spans of one session's text (its turns joined by NUL, which no
pattern crosses). The detectors run in the order of `DETECTORS`, and a span is kept only where no
earlier one lies, so the order is the order of decisions: kept phrases first ("Tai Chi"), then
shaped values (an email's name is not a person's name, an address's number is not an ID), then
places, then names, then every value found is looked for again in the whole session.

Speed: a session's text is scanned whole only by a few cheap patterns (its words, its digits);
every other pattern runs in small windows around the places those point to (a digit, an "@", a
month, a facility word, a candidate name). Most text holds no PHI and costs almost nothing.

Names are found by what people say around them, not only by lists:
- lists (Faker's names of every Latin-script locale), decided by case and position: a name that is
  not an ordinary word ("Priya", "jessica") is a name anywhere; one that is ("Grace", "Will") only
  where it is capitalised inside a sentence or where the context says so;
- context: titles ("Dr. Okafor", "aunt grace"), relations ("my sister priya"), naming ("her name is
  ..."), vocatives ("Okay, Marigold."), a person's verb after a word-like name ("Hope keeps texting
  me"), and full names (a name followed by a surname);
- a capitalised word inside a sentence that is not a common word, a kept word (drugs, brands, DBT
  terms, holidays: `keep_words.txt`) or a place is taken as a name: unknown proper nouns in a
  therapy session are far more often people than anything else.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import phonenumbers

from .wordlists import KEEP_FILE, WORDLIKE_NAMES, WordLists

NAME = "NAME"
ADDRESS = "ADDRESS"
LOCATION = "LOCATION"
ZIP = "ZIP"
FACILITY = "FACILITY"
DATE = "DATE"
AGE = "AGE"
PHONE = "PHONE"
EMAIL = "EMAIL"
URL = "URL"
IP = "IP"
SSN = "SSN"
ID = "ID"
PHI_TYPES = (NAME, ADDRESS, LOCATION, ZIP, FACILITY, DATE, AGE, PHONE, EMAIL, URL, IP, SSN, ID)

SEPARATOR = "\x00"  # between turns: no pattern crosses it
SPOKEN = "spoken"  # Span.detail of a number said as words ("five five five, oh one four two")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    type: str
    # NAME: "first", "last" or "" (not known); DATE: (style, match); a spoken number: SPOKEN
    detail: object = None


# ----------------------------------------------------------------------------- vocabulary

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_ORDINAL_WORDS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
]  # fmt: skip
ORDINALS = {word: i + 1 for i, word in enumerate(_ORDINAL_WORDS)}
for _i, _word in enumerate(_ORDINAL_WORDS[:9], 21):
    for _joint in ("-", " ", ""):
        ORDINALS[f"twenty{_joint}{_word}"] = _i
ORDINALS["thirtieth"] = 30
# Months and days in the other languages clients speak, for dates said in them ("12 de octubre de 2019",
# "el doce de octubre", "25 de dezembro de 2018", "15. August 2019", "2 lutego 2020"): each month's
# names by language, in order; a language's day words from one to thirty-one
FOREIGN_MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre|setiembre",
           "octubre", "noviembre", "diciembre"),
    "pt": ("janeiro", "fevereiro", "março|marco", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "de": ("januar|jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"),
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września|wrzesnia",
           "października|pazdziernika", "listopada", "grudnia"),
    "fr": ("janvier", "février|fevrier", "mars", "avril", "mai", "juin", "juillet", "août|aout", "septembre",
           "octobre", "novembre", "décembre|decembre"),
    # Indonesian and Malay (and Dutch, which spells most of them so), with a day in digits: "12 Januari 2020"
    "id": ("januari", "februari", "maret|maart", "april", "mei", "juni", "juli|julai", "agustus|augustus|ogos",
           "september", "oktober", "november", "desember|disember"),
    # and, said the same way with a day in digits and a year: Italian, Afrikaans, Swahili, Maltese ("16 ta'
    # Lulju 2019") and Greek, whose months after a day are in the genitive ("25 Μαρτίου 2019")
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
           "novembre", "dicembre"),
    "af": ("januarie", "februarie", "maart", "april", "mei", "junie", "julie", "augustus", "september", "oktober",
           "november", "desember"),
    "sw": ("januari", "februari", "machi", "aprili", "mei", "juni", "julai", "agosti", "septemba", "oktoba",
           "novemba", "desemba"),
    "mt": ("jannar", "frar", "marzu", "april", "mejju", "ġunju|gunju", "lulju", "awwissu", "settembru", "ottubru",
           "novembru", "diċembru|dicembru"),
    "el": ("ιανουαρίου", "φεβρουαρίου", "μαρτίου", "απριλίου", "μαΐου|μαιου", "ιουνίου", "ιουλίου", "αυγούστου",
           "σεπτεμβρίου", "οκτωβρίου", "νοεμβρίου", "δεκεμβρίου"),
}  # fmt: skip
_DIGIT_DAY_LANGUAGES = ("id", "it", "af", "sw", "mt", "el")  # their months only with a day in digits and a year
FOREIGN_DAY_WORDS = {
    "es": ("uno|primero", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce",
           "trece", "catorce", "quince", "dieciséis|dieciseis", "diecisiete", "dieciocho", "diecinueve", "veinte",
           "veintiuno", "veintidós|veintidos", "veintitrés|veintitres", "veinticuatro", "veinticinco",
           "veintiséis|veintiseis", "veintisiete", "veintiocho", "veintinueve", "treinta", "treinta y uno"),
    "pt": ("um|primeiro", "dois", "três|tres", "quatro", "cinco", "seis", "sete", "oito", "nove", "dez", "onze", "doze",
           "treze", "catorze|quatorze", "quinze", "dezesseis|dezasseis", "dezessete|dezassete", "dezoito",
           "dezenove|dezanove", "vinte", "vinte e um", "vinte e dois", "vinte e três|vinte e tres", "vinte e quatro",
           "vinte e cinco", "vinte e seis", "vinte e sete", "vinte e oito", "vinte e nove", "trinta", "trinta e um"),
    "fr": ("premier|1er", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
           "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf", "vingt", "vingt et un",
           "vingt-deux", "vingt-trois", "vingt-quatre", "vingt-cinq", "vingt-six", "vingt-sept", "vingt-huit",
           "vingt-neuf", "trente", "trente et un"),
}  # fmt: skip
FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
for _joint in ("-", " ", ""):
    ORDINALS[f"thirty{_joint}first"] = 31
UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DIGIT_WORDS = {"zero": 0, "oh": 0, "o": 0, **{w: i + 1 for i, w in enumerate(UNITS)}}
_GROUP_UNIT = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"  # a digit said, not "o"
_NUMBER_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    "thousand|double|triple"
)
_NUMBER_WORD_SET = frozenset(_NUMBER_WORDS.split("|"))

# Function words: never a name by themselves.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "if",
        "then",
        "than",
        "that",
        "this",
        "these",
        "those",
        "there",
        "here",
        "it",
        "its",
        "it's",
        "i",
        "i'm",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "we",
        "us",
        "our",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "not",
        "only",
        "own",
        "same",
        "too",
        "very",
        "can",
        "just",
        "should",
        "now",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "would",
        "could",
        "might",
        "must",
        "shall",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "from",
        "up",
        "down",
        "out",
        "off",
        "over",
        "under",
        "again",
        "further",
        "once",
        "also",
        "like",
        "um",
        "uh",
        "oh",
        "yeah",
        "yes",
        "okay",
        "ok",
        "well",
        "really",
        "actually",
        "maybe",
        "even",
        "still",
        "kind",
        "sort",
        "lot",
        "gonna",
        "wanna",
        "said",
        "says",
        "told",
        "tells",
        "asked",
        "called",
        "texted",
        "keeps",
        "kept",
        "wants",
        "thinks",
        "thought",
        "came",
        "went",
        "goes",
        "got",
        "gets",
        "left",
        "isn't",
        "wasn't",
        "didn't",
        "doesn't",
        "don't",
        "won't",
        "can't",
        "who's",
        "that's",
        "what's",
        "i'll",
        "i've",
        "i'd",
        "you're",
        "you've",
        "he's",
        "she's",
        "we're",
        "they're",
        "let's",
    ]
)
# Words that are names only where the context says so, whatever their case ("Will you ...?").
CONTEXT_ONLY = frozenset({"will", "may", "can", "june", "april", "august", "march", "bill", "mark", "sue", "pat"})
RELATIONS = (
    "sister|brother|sis|bro|mom|mum|mommy|mother|mama|momma|dad|daddy|father|papa|pop|son|daughter|"
    "husband|wife|hubby|spouse|partner|boyfriend|girlfriend|bf|gf|fianc[ée]e?|friend|bestie|bff|"
    "cousin|aunt|auntie|aunty|uncle|niece|nephew|grandma|grandmother|granny|nana|grandpa|grandfather|"
    "granddad|granddaughter|grandson|grandchild|grandkid|grandbaby|kid|child|baby|stepson|stepdaughter|"
    "stepmom|stepmother|stepdad|stepfather|stepsister|stepbrother|boss|manager|supervisor|coworker|"
    "co-worker|colleague|roommate|housemate|flatmate|neighbou?r|landlord|landlady|teacher|coach|"
    "therapist|psychiatrist|psychologist|doctor|pediatrician|counsel+or|nurse|sponsor|caseworker|"
    "case\\s+worker|social\\s+worker|lawyer|attorney|pastor|priest|rabbi|imam|ex|pal|buddy|mentor|tutor|"
    "babysitter|nanny|classmate|probation\\s+officer|parole\\s+officer|officer|twin|in-law|"
    "(?:mother|father|sister|brother|son|daughter)-in-law|godmother|godfather|goddaughter|godson|"
    "dog|cat|puppy|kitten|sweetheart|crush|date|worker|advocate|psych|doc|pcp|gp|provider|clinician"
)
_TITLE_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "mx", "prof", "rev", "fr", "sgt", "capt", "lt", "det", "ofc", "atty", "hon")  # fmt: skip
_TITLE_ABBR = r"(?:" + "|".join(_TITLE_ABBREVIATIONS) + r")\.?"
_TITLE_WORDS = (
    "doctor|nurse|professor|officer|detective|pastor|reverend|father|sister|brother|aunt|auntie|"
    "aunty|uncle|grandma|grandpa|granny|nana|coach|judge|miss|mister|madam|rabbi|imam|bishop|"
    "sheriff|deputy|sergeant|captain|lieutenant|principal|dean|cousin|attorney|supervisor|foreman|skipper"
)
_SURNAME_TITLES = {"dr", "mr", "mrs", "ms", "mx", "prof", "doctor", "professor", "officer", "detective", "coach", "attorney",
                   "judge", "sergeant", "captain", "lieutenant", "mister", "sheriff", "deputy", "sgt",
                   "capt", "lt", "det", "ofc", "atty", "principal", "supervisor", "foreman", "skipper"}  # fmt: skip
PERSON_VERBS = (
    "said|says|told|tells|asked|asks|called|calls|texted|texts|keeps|kept|wants|wanted|thinks|"
    "thought|came|comes|went|goes|yelled|yells|screamed|left|leaves|got|gets|knows|knew|hugged|"
    "cried|laughed|lives|lived|works|worked|loves|loved|hates|hated|refuses|refused|promised|"
    "started|stopped|moved|broke|drove|picked|dropped|sent|messaged|emailed|posted|blocked|"
    "ghosted|cheated|hit|hurt|helped|invited|visited|stayed|slept|passed|died|showed|shows|"
    "won't|doesn't|didn't|isn't|wasn't|and\\s+i|and\\s+me|is\\s+my|was\\s+my|steals|stole|owes|owed|threatened|"
    "threatens|punched|slapped|stalks|stalked|follows|followed|lied|lies|borrowed|screams|shouted|ignores|ignored|"
    "found|caught|noticed|heard|realized|realised|discovered|decided|tried|says|ate|bought|wrote|drank|lent|"
    "relapsed|overdosed|grabbed|pushed|threw|kissed|married|adopted|kicked|benched|reported|testified|reckons|reckoned"
)
FACILITY_KINDS = (
    "Hospital|Clinic|Medical Center|Medical Centre|Health Center|Health Centre|Health System|"
    "Behavioral Health|Behavioural Health|Mental Health Center|Mental Health|Counseling Center|Counselling Centre|"
    "Center|Centre|Elementary School|Elementary|Middle School|High School|Junior High|High|School|"
    "Academy|College|University|Institute|Church|Cathedral|Chapel|Temple|Mosque|Synagogue|Shelter|"
    "Hospice|Rehab|Recovery|Treatment Center|Treatment Facility|Pharmacy|Prison|Jail|"
    "Correctional Complex|Correctional Facility|Facility|Detention Center|Nursing Home|Care Home|Retirement Home|"
    "Assisted Living|Home|House|Ministries|YMCA|Program|Services|Associates|Wellness|Village|Manor|"
    "Lodge|Residence|Preschool|Daycare|Day Care|Kindergarten|Library|Infirmary|Sanatorium|Ward|Unit|"
    "Practice|Apartments|Towers|Gardens|Pediatrics|Psychiatry|Medicine|Dental|Group|Hall|Detox|Sober Living|"
    "Urgent Care|Care|Ranch|Counseling|Counselling|Therapy|Partners|Foundation|Mobile Home Park|Trailer Park|"
    "Pantry|Food Bank|Mission|Outreach|Emergency Room|ER|ICU|Soup Kitchen|Kitchen|Refuge|Fellowship|"
    "Transitional Housing|Housing|Surgery|Halfway House|Sober House|Service|PICU|NICU|General|Diner|Cafe|Café|"
    "Restaurant|Grill|Bakery|Market|Motel|Hotel|Inn|Courthouse|Precinct|Gym|Salon|Parish|Station|Plant|Warehouse|"
    "Dialysis|Shipyard|Buffet|Bar|Pub|Tavern|Lounge|Auto Parts|Motors|Garage|Factory|Mill|Depot|Laundromat|Head Start|"
    "Montessori|Brewery|Tabernacle|Casino|Cannery|Refinery|Dairy|Orchard|Nursery|Club|Deli|Spa|Detention|Packing|"
    "Auto Body|Body Shop|Barbershop|Dealership|Hardware|Pizza|Pizzeria|Taqueria|Cantina|Laundry|Cleaners|Fitness|"
    "Gurdwara|Mandir|Masjid|Kingdom Hall|Meeting House|Ashram|Monastery|Convent|Seminary|Clubhouse|Dojo|"
    "Martial Arts|Karate|Boxing|Pawn|Trattoria|Bistro|Steakhouse|Logistics|Distribution Center|Fulfillment Center|"
    "Call Center|Processing|Marae|Yeshiva|Madrasa|Store|Shop|Supply|Storage|Farms|Foods|Industries|Manufacturing|"
    "IOP|PHP|Drop-In|Drop-in Center|Youth Drop-In|Hub|Mental Health Team|Crisis Team|Correctional|Drug Court|"
    "Intensive|Day Treatment|Residential Treatment|Treatment|Rehabilitation|Nursing|Community Health|Health|"
    "Healthcare|Trucking|Packers|Poultry|Construction|Transport|Meats|Barracks|Boys' Home|Girls' Home|"
    "Children's Home|De-addiction Centre|De-addiction Center|Grammar|Probation Office|Probation Department|"
    "Probation Services|Co-op|IHS|Postpartum Unit|Teaching Hospital|Rig|Yard|Terminal|Mine|Colliery|Quarry|"
    "Deaf Services|Polyclinic|Surau|Pentecostal Assembly|Secondary|Basic School|Multipurpose Service|Wellbeing Hub|"
    "Programme|Resort|Charities|Drilling|Shipping|Fisheries|Platform"
)
_FACILITY_KIND_WORDS = {w.lower() for w in re.split(r"[| ]", FACILITY_KINDS)}
# Words of a facility's name that say what it is, not which one: kept by its surrogate.
FACILITY_GENERIC = _FACILITY_KIND_WORDS | {
    "the", "of", "and", "for", "on", "at", "in", "st", "st.", "saint", "&", "general", "memorial", "regional",
    "team", "trust", "aged", "living",
    "community", "county", "city", "state", "national", "university", "medical", "mental", "health", "behavioral",
    "behavioural", "children's", "women's", "men's", "veterans", "nursing", "rehabilitation", "wellness",
    "services", "treatment", "urgent", "emergency", "room", "food", "residential", "adolescent", "technical",
    "recovery", "masjid", "congregation", "gurdwara", "camp", "pediatric", "family", "outpatient", "inpatient",
    "addiction", "youth", "senior",
}  # fmt: skip
STREET_SUFFIXES = (
    "street|st|avenue|ave|av|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|place|pl|way|terrace|"
    "ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|row|crescent|cres|close|"
    "alley|path|pike|run|ridge|hollow|heights|grove|gardens|mews|walk|plaza|turnpike|expressway|"
    "freeway|route|rte|point|crossing|commons|bend|cove|glen|meadows?|view|estates|landing|concourse|broadway|"
    "parade|wharf|green|rise|park|apartments|apts|towers|wynd"
)
_STRONG_SUFFIXES = frozenset(
    {
        "street",
        "st",
        "avenue",
        "ave",
        "road",
        "rd",
        "drive",
        "dr",
        "lane",
        "ln",
        "boulevard",
        "blvd",
        "highway",
        "hwy",
        "parkway",
        "pkwy",
        "court",
        "ct",
        "terrace",
        "circle",
    }
)
STREET_SUFFIX_WORDS = frozenset(STREET_SUFFIXES.replace("?", "").split("|")) | {"meadows"}
_STREET_PREFIXES = r"(?:calle|rue|via|viale|avenida|av\.|rua|camino|paseo|strasse|straße|chemin|boulevard|ulica|ul\.|carrera|jalan|jl\.|avenue\s+de|allée|piazza|plaza)"
_UNIT = r"(?:apt\.?|apartment|unit|suite|ste\.?|#|flat|room|rm\.?|floor|fl\.?|building|bldg\.?|lot|space|trlr|trailer|rear|front|upper|lower|basement|number)"
DIRECTION = r"(?:north|south|east|west|northeast|northwest|southeast|southwest|n|s|e|w|ne|nw|se|sw)\.?"
_AMOUNT_UNITS = re.compile(
    r"\s*(?:%|percent|dollars?|bucks|cents?|euros?|pounds?|lbs?|kg|kilos?|grams?|mg|mcg|ml|"
    r"miles?|km|feet|foot|ft|inches|steps|calories|cals|people|times|words|views|followers|likes|"
    r"years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|degrees?|points?|votes?|"
    r"drinks?|beers?|pills?|cigarettes?|hits?|reps?|units?|grand|k)\b",
    re.IGNORECASE,
)
STATES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|hawaii|"
    "idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|"
    "minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico|"
    "new york|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|"
    "south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|west virginia|"
    "wisconsin|wyoming|ontario|quebec|british columbia|alberta|manitoba|nova scotia"
)
_STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|ON|QC|BC|AB"
)


def _rx(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(pattern, flags)


_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_CAP_WORD = r"[^\W\d_a-z][^\W\d_]*(?:['’-][^\W\d_]+)*"
WORD_RX = re.compile(_WORD)
_DIGITS = re.compile(r"\d+")
# A full stop after a title's abbreviation ("Mr. Castellanos") ends no sentence.
_ABBREVIATIONS = (*_TITLE_ABBREVIATIONS, "st", "mt", "jr", "sr")
_OPENING = "[ \t\r\n\"'“‘(\\[*_]*"  # what may stand between a sentence's end and its first word
_SENTENCE_END = re.compile(
    r"(?:\." + "".join(rf"(?<!\b(?i:{a})\.)" for a in _ABBREVIATIONS) + r"|[!?…:;\x00—–-])" + _OPENING
)
_TEXT_OPENING = re.compile(_OPENING)
_END = operator.methodcaller("end")
_CAP_SCAN = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-Ž][^\W\d_]*(?:['’-][^\W\d_]+)*")

# ----------------------------------------------------------------------------- shaped values

_TLD = (
    r"(?:com|org|net|edu|gov|io|co|us|uk|ca|me|info|biz|app|dev|ly|tv|health|online|site|blog|"
    r"example|page|link|xyz|ai|au|nz|ie|de|fr|nl|za|mx|br|eu|sg|ph)"
)
_TLDS = tuple("." + t for t in _TLD.strip("(?:)").split("|"))
EMAIL_RX = _rx(r"(?<![\w.%+'-])[\w.%+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w@-]|\.\w)")
HANDLE_RX = re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,29})(?<![.-])(?![\w@])")  # "@lupita-hdz"
_SAID_DIGITS = (
    r"(?:\s+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b)*"
)  # "nana dot gladys forty nine at gmail dot com", "kyle dot b oh two"
SPOKEN_EMAIL_RX = _rx(
    r"\b[a-z0-9][\w.-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][\w-]*)*"
    + _SAID_DIGITS
    + r"\s+at\s+[a-z0-9][\w-]*"
    r"(?:\s+(?!dot\b|at\b)[a-z0-9][\w-]*){0,2}(?:\s+dot\s+[a-z0-9][\w-]*)*\s+dot\s+" + _TLD + r"\b"
)
URL_RX = _rx(
    r"(?<![\w@.-])(?:(?:https?://|www\.)[^\s<>\"'\x00]+|(?:[a-z0-9-]+\.)+" + _TLD + r"(?:[/:][^\s<>\"'\x00]*)?"
    r"|(?:[a-z0-9-]+\.)+[a-z]{2}/[^\s<>\"'\x00]+)"  # "linktr.ee/saoirse.art": any country's domain, with a path
    r"(?![\w@-]|\.\w)"
)
_SPOKEN_PATH = (
    r"(?:\s+slash\s+(?:at\s+(?:sign\s+)?)?[\w@-]+(?:\s+(?:dot|underscore|dash|hyphen)\s+[\w-]+)*" + _SAID_DIGITS + r")*"
)  # "tiktok dot com slash at lexi dot vibes", "snapchat dot com slash add slash kyle dot b oh two"
SPOKEN_URL_RX = _rx(
    r"\b(?:(?:https?|www)\s+(?:colon\s+slash\s+slash\s+)?(?:dot\s+)?)?[a-z0-9][\w-]*(?:\s+dot\s+[a-z0-9][\w-]*)*"
    r"\s+dot\s+" + _TLD + r"\b" + _SPOKEN_PATH
)
# A handle named by its platform or as a handle ("snapchat at kenzie dot xo", "roblox user bloxxer_jojo_09",
# "discord mikeyb#4471", "my gamertag is xx_reaper_xx"): typed, it holds "_", "#", a digit or an inner dot;
# said, its parts are joined by "dot", "underscore" or "dash". A word alone ("on snapchat at night") is no handle.
HANDLE = "handle"  # Span.detail of such a handle: its platform words and joints stay in the surrogate
_PLATFORMS = (
    "snap(?:chat)?", "insta(?:gram)?", "ig", r"tik\s?tok", "discord", "roblox", "twitter", "twitch", "youtube",
    "reddit", "telegram", "kik", "steam", "xbox", "psn", "playstation", "venmo", r"cash\s?app", "paypal",
    r"only\s?fans", "fortnite", "minecraft", "facebook", "fb", "messenger", "linkedin", "pinterest", "tumblr",
    "bereal", "whatsapp", "threads", "bluesky", "grindr", "tinder", "hinge", "bumble", "spotify", "soundcloud",
)  # fmt: skip
_HANDLE_CUES = (r"user\s?name", "handle", r"gamer\s?tag", r"screen\s?name")
_PLATFORM = "(?:" + "|".join(_PLATFORMS) + ")"
# the letters every platform and cue begins with: found by substring search, faster than the pattern
_PLATFORM_STEMS = tuple(re.match(r"[a-z]+", p).group() for p in _PLATFORMS + _HANDLE_CUES)
PLATFORM_HANDLE_RX = _rx(
    r"(?<![\w:./@#-])(?:" + _PLATFORM + r"(?:'s|’s)?|" + "|".join(_HANDLE_CUES) + r")"
    r"(?:\s+(?:is|was|at|user(?:name)?|handle|name|id|tag|account|it's|its|it’s|dollar\s+sign))*(?:[:,]?\s+|(?=[@$]))"
    r"(?P<v>[@$][a-z0-9][\w.-]*[a-z0-9]|[@$]?(?=[\w.#-]*[a-z])(?![\w.#-]*(?:am|pm)\b|\d+(?:x|k|p|th|st|nd|rd)\b)(?:(?=[\w.#-]*[_#\d])[a-z0-9][\w.#-]*[a-z0-9]|"
    r"[a-z0-9][\w#-]*\.[\w.#-]*[a-z0-9])"
    r"|(?!(?:dot|slash|com|at)\b)[a-z0-9][\w-]*(?:\s+(?:dot|underscore|dash|hyphen)\s+[a-z0-9][\w-]*)+"
    + _SAID_DIGITS
    + r")"
    r"(?![\w@#/-])"
)
# "w w w dot thibodeaux family dot com": after "www" the name may be said as separate words
SPOKEN_WWW_RX = _rx(
    r"\b(?:(?:h\s+t\s+t\s+p(?:\s+s)?|https?)\s+colon\s+slash\s+slash\s+(?:(?:w\s+w\s+w|www)\s+dot\s+)?|"
    r"(?:w\s+w\s+w|www|double[\s-]?u\s+double[\s-]?u\s+double[\s-]?u|triple\s+w)\s+dot\s+)"
    r"[a-z0-9][\w-]*(?:\s+[a-z0-9][\w-]*){0,3}?(?:\s+dot\s+[a-z0-9][\w-]*)*\s+dot\s+" + _TLD + r"\b" + _SPOKEN_PATH
)
IPV4_RX = _rx(
    r"(?<![\w.:])(?:::ffff:)?(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?::\d{1,5}|/\d{1,2})?(?![\w]|\.\d)"
)
IPV6_CANDIDATE_RX = _rx(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:/\d{1,3})?(?![\w:])")
_SPOKEN_OCTET = r"(?:(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:and\s+)?(?:" + _NUMBER_WORDS + r")){0,3})"
# an octet in words or in digits: "ten dot zero dot zero dot twelve", "203 dot 0 dot 113 dot 9"
_SAID_OCTET = r"(?:" + _SPOKEN_OCTET + r"|(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]))"
SPOKEN_IP_RX = _rx(r"(?<![\w.])" + _SAID_OCTET + r"(?:\s+(?:dot|point)\s+" + _SAID_OCTET + r"){3}\b")
SSN_RX = _rx(
    r"(?<![\w./–-])(?!000|666)\d{3}( ?[-./–—] ?| )(?!00)\d{2}\1(?!0000)\d{4}(?![\w–-]|\.\d)"
)  # 9xx: an ITIN, as private
_SSN_CUE = r"\b(?:social(?:\s+security)?(?:\s+(?:number|no\.?|#))?|ssn|ss#|ss\s+number|social's)\b"
SSN_CUED_RX = _rx(_SSN_CUE + r"[^\x00\d]{0,30}?(?P<v>\d{3}[\s.-]?\d{2}[\s.-]?\d{4})(?![\w-])")
# after "my social is", "SIN:", "ssn": its last four ("my social is 7720"), a SIN in three groups, or the
# number said in words ("six twenty three, forty four, ten ninety eight")
SSN_TAIL_RX = re.compile(
    r"(?:" + _SSN_CUE + r"|(?-i:\bSIN\b)|\bsin(?=\s+(?:is|number|no\.?|#)\b))(?i:'s|’s|:|,|\?)?"
    r"(?i:\s+(?:is|was|number|num\s+ber|no\.?|on\s+file\s+is|it's|it’s|is\s+it|ends\s+in|on\s+(?:it|there)|"
    r"mine's|mine’s|mine\s+is|you\s+said|comma))*"
    r"(?i:\s+(?:the\s+)?last\s+four(?:\s+is)?)?,?\s+(?P<v>\d{3}[\s-]\d{3}[\s-]\d{3}(?![\w-])|\d{4}(?![\w-])|"
    r"(?i:(?:" + _NUMBER_WORDS + r")\b(?:(?:,?\s+|-)(?:" + _NUMBER_WORDS + r")\b){2,12}))",
    re.IGNORECASE,
)
PHONE_CANDIDATE_RX = _rx(
    r"(?<![A-Za-z0-9#-])(?:\+\s?)?\(?\d[\d().\s/–-]{5,}\d(?![A-Za-z0-9])(?:,?\s*(?:ext\.?|extension|x)\s*\d{1,5})?"
)
VANITY_PHONE_RX = re.compile(r"(?<![\w-])(?:1-)?8[0-9]{2}-[0-9A-Z]{3}-[A-Z]{4}(?![\w-])")
_EXTENSION_RX = _rx(
    r",?\s*(?:(?:ext\.?|extension|x|poste|durchwahl|ramal|anexo)\s*\d{1,5}\b|(?:ext\.?|extension)\s+(?:zero|oh|one|two|three|four|five|six|seven|"
    r"eight|nine)(?:[\s-]+(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)){0,4}\b)"
)
INTERNATIONAL_PHONE_RX = re.compile(r"\+\s?\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,6}")
_AREA_CODE_BEFORE = _rx(r"\barea\s+code\s+(\(?\d{3}\)?)[,\s]+$")

_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DAY_WORD = "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_SPOKEN_YEAR = (
    r"(?:nineteen|twenty)[\s-]+(?:oh[\s-]+)?(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:" + _NUMBER_WORDS + r"))?"
    r"|two\s+thousand(?:\s+and)?(?:[\s-]+(?:" + _NUMBER_WORDS + r")){0,2}"
)
_SHORT_SPOKEN_YEAR = (
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[\s-](?:one|two|three|four|five|six|seven|eight|nine)"
)
# a year in two digits after a day and a month: "2 April 98", "the seventh of february oh eight"; not one
# from 10 to 29 ("the 3rd of June 20 people came")
_TWO_DIGIT_YEAR = r"(?:0\d|[3-9]\d)(?![\w:%]|[.,]\d|\s+(?:am|pm|percent|people|of)\b)|oh[\s-](?:one|two|three|four|five|six|seven|eight|nine)\b"
_YEAR = r"(?:\d{4}|'\d{2}|" + _SPOKEN_YEAR + "|" + _SHORT_SPOKEN_YEAR + r")"
_DAY_MONTH_YEAR = r"(?:\d{4}|'\d{2}|" + _SPOKEN_YEAR + "|" + _SHORT_SPOKEN_YEAR + "|" + _TWO_DIGIT_YEAR + r")"
DATE_MONTH_DAY_RX = _rx(
    r"\b(?P<month>" + _MONTH + r")\s+(?:the\s+)?(?P<day>" + _DAY + r"|" + _DAY_WORD + r")\b"
    r"(?:(?:,|\s+comma)?\s+(?:of\s+(?=\d|['’]))?(?P<year>" + _YEAR + r"))?(?![\w:]|[/.-]\d)"
)  # "Sept. 30th of '08"; "comma" as dictation says it
# a month with its year is a date's element too ("my sobriety date is August 2016"); a month alone is not
DATE_MONTH_YEAR_RX = _rx(
    r"\b(?P<month>"
    + _MONTH
    + r")\s+(?:of\s+)?(?P<year>\d{4}|['’]\d{2}|"
    + _SPOKEN_YEAR
    + r"|(?<=of\s)0\d)(?![\w/-]|[.,]\d)"
)  # "march of 09" too
DATE_DAY_MONTH_RX = _rx(
    r"\b(?:the\s+)?(?P<day>" + _DAY + r"|" + _DAY_WORD + r")\s+(?:of\s+)?(?P<month>" + _MONTH + r")"
    r"(?:(?:,|\s+comma)?\s+(?P<year>" + _DAY_MONTH_YEAR + r"))?(?![\w]|[/.-]\d)"
)
_ENGLISH_TOO = frozenset({"april", "august", "september", "november"})  # months English spells the same
_FOREIGN_DAY = "|".join(
    sorted(
        (w for lang in ("es", "pt") for day in FOREIGN_DAY_WORDS[lang] for w in day.split("|")), key=len, reverse=True
    )
)
_FRENCH_DAY = "|".join(sorted((w for day in FOREIGN_DAY_WORDS["fr"] for w in day.split("|")), key=len, reverse=True))
_FRENCH_MONTH = "|".join(sorted((w for m in FOREIGN_MONTHS["fr"] for w in m.split("|")), key=len, reverse=True))
# German months only after a day with its full stop ("15. August 2019"): "Mai", "April" are English too
_FOREIGN_MONTH = "|".join(
    sorted(
        {w for lang in ("es", "pt", "pl", *_DIGIT_DAY_LANGUAGES) for m in FOREIGN_MONTHS[lang] for w in m.split("|")}
        - _ENGLISH_TOO,
        key=len,
        reverse=True,
    )
)
_GERMAN_MONTH = "|".join(sorted((w for m in FOREIGN_MONTHS["de"] for w in m.split("|")), key=len, reverse=True))
FOREIGN_DATE_RX = _rx(
    r"(?<![\w-])(?:(?:el|o|dia|día|tarehe)\s+)?(?P<day>[12]\d|3[01]|0?[1-9]|"
    + _FOREIGN_DAY
    + r")\s+(?:de\s+|ta['’]\s*)?"
    r"(?P<month>" + _FOREIGN_MONTH + r")(?:,?\s+(?:de\s+|del\s+)?(?P<year>(?:19|20)\d\d))?(?![\w-])"
    # the month first, as English says it, with its year: "Mayo 3, 2019"
    r"|(?<![\w-])(?P<smonth>"
    + _FOREIGN_MONTH
    + r")\s+(?P<sday>[12]\d|3[01]|0?[1-9]),?\s+(?P<syear>(?:19|20)\d\d)(?![\w-])"
    r"|(?<![\w.-])(?P<gday>[12]\d|3[01]|0?[1-9])\.\s+(?P<gmonth>"
    + _GERMAN_MONTH
    + r")(?:\s+(?P<gyear>(?:19|20)\d\d))?(?![\w-])"
    # French: "le 12 mars 2020", "vendredi le 9 octobre 2015", "le premier juillet", "le 1er mai 2019"
    r"|(?<![\w-])(?:(?P<fwday>" + "|".join(FRENCH_WEEKDAYS) + r")\s+)?(?P<fle>le\s+)?"
    r"(?P<fday>1er|[12]\d|3[01]|0?[1-9]|" + _FRENCH_DAY + r")\s+(?P<fmonth>" + _FRENCH_MONTH + r")"
    r"(?:,?\s+(?P<fyear>(?:19|20)\d\d))?(?![\w'’-])"
)
DATE_NUMERIC_RX = _rx(
    r"(?<![\w/.-])(?:(?P<a>\d{1,2})(?P<s>[/.-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})"
    r"|(?P<iy>\d{4})(?P<is>[/.-])(?P<im>\d{1,2})(?P=is)(?P<id>\d{1,2})(?:T\d{2}:\d{2}(?::\d{2})?)?)"
    r"(?![\w/]|[.-]\d)"
)
# "4-22" is a date only where a date is spoken of ("my court date is 4-22"); "4/22" always is.
DATE_DASH_RX = _rx(
    r"\b(?:date|dob|birthday|born|on|since|until|till|by|due|court|anniversary|appointment|before|after)(?:'s|’s)?"
    r"\W{1,12}(?:is\s+|was\s+)?(?P<a>0?[1-9]|1[0-2])-(?P<b>0?[1-9]|[12]\d|3[01])(?![\w/-]|\.\d)"
)
BIRTHDAY_DAY_RX = _rx(
    r"\bbirthday(?:'s|’s|\s+is|\s+was)?\s+(?:on\s+)?the\s+(?P<day>"
    + "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
    + r"|(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b"
)
_DATE_CUE = re.compile(
    r"\b(?:on|since|until|by|date|dob|born|birthday|due|before|after)(?:\W+(?:is|was|of))?\b\W*$", re.IGNORECASE
)
DATE_SHORT_RX = _rx(r"(?<![\w/.$-])(?P<a>0?[1-9]|1[0-2])/(?P<b>0?[1-9]|[12]\d|3[01])(?![\w/]|[.-]\d)")
_NOT_A_DAY_AFTER = (
    r"(?!\s+(?:day|days|time|times|week|weeks|month|year|years|step|steps|thing|things|floor|grade|place|one|ones|"
    r"session|sessions|page|chapter|round|try|attempt|of|half|hole|person|people|kid|child|baby|row|line|level|"
    r"inning|period|quarter|draft|part|reason|drink|cigarette|hit|glass|beer|shot)\b)"
)
# a day of the month said alone: "on the 12th", "the 16th is when" (digits), "on the twelfth" (after a cue)
DATE_ON_THE_RX = _rx(
    r"\b(?:(?:on|by|until|till|since|before|after|was|is|from|through)\s+|(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+|^|"
    r"(?<=[.!?\x00]\s))?the\s+(?P<day>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b" + _NOT_A_DAY_AFTER
)
DATE_WORD_DAY_RX = _rx(
    r"\b(?:on|by|until|till|since|before|after|was|is|date\s+is|(?:mon|tues|wednes|thurs|fri|satur|sun)day,?)\s+the\s+"
    r"(?P<day>"
    + "|".join(sorted((w for w in ORDINALS if ORDINALS[w] >= 3), key=len, reverse=True))
    + r")\b"
    + _NOT_A_DAY_AFTER
)
# "six eighteen twenty twenty", "ten twelve ninety-eight": month, day and year said as numbers
_UNIT_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
# "oh three oh nine ninety": a month and a day said with their zeros
_MONTH_NUMBER = r"(?:(?:oh[\s-]+)?(?:one|two|three|four|five|six|seven|eight|nine)|ten|eleven|twelve)"
_DAY_NUMBER = (
    r"(?:(?:twenty|thirty)(?:[\s-]" + _UNIT_WORD + r")?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|(?:oh[\s-]+)?" + _UNIT_WORD + r")"
)
_TEEN_WORDS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_WORDS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]" + _UNIT_WORD + r")?"
_YEAR_WORDS = (
    r"(?:nineteen|twenty)[\s-]+(?:" + _TENS_WORDS + "|" + _TEEN_WORDS + r"|oh[\s-]+" + _UNIT_WORD + r")"
    r"|two\s+thousand(?:\s+and)?(?:[\s-]+(?:" + _TEEN_WORDS + "|" + _TENS_WORDS + "|" + _UNIT_WORD + r"))?"
    r"|" + _TENS_WORDS  # "ninety-eight"; not "oh nine" ("one five oh nine" is a number said digit by digit)
)
SPOKEN_NUMERIC_DATE_RX = _rx(
    r"\b(?P<m>" + _MONTH_NUMBER + r")[\s,/-]+(?P<d>" + _DAY_NUMBER + r")[\s,/-]+(?P<y>" + _YEAR_WORDS + r")\b"
    r"(?![\s-]+(?:" + _NUMBER_WORDS + r")\b)"
)
_RATING_BEFORE = re.compile(r"(?:scale|rate|rated|rating|a|an|like|about|maybe|is|was|it's|at|out)\W*$", re.IGNORECASE)

_AGE_WORD = (
    r"(?:ninety(?:[\s-]?(?:"
    + "|".join(UNITS)
    + r")|[\s-](?:odd|something)|ish)?|(?:(?:a|one)\s+)?hundred(?:\s+and)?(?:\s+(?:"
    + "|".join(UNITS + ["ten", "eleven", "twelve"])
    + r"))?|one\s+oh\s+(?:"
    + "|".join(UNITS)
    + r"))"
)  # "one oh one": 101; "ninety-odd"
_AGE_NUMBER = r"(?:9\d|1[01]\d)"
AGE_AFTER_RX = _rx(
    r"\b(?P<v>" + _AGE_NUMBER + "|" + _AGE_WORD + r")(?=\s*(?:-|\s)?\s*(?:years?|yrs?|yo|y/o|y\.\s?o)\b|"
    r"(?:th|st|nd|rd)?\s+birthday)"
)
AGE_BEFORE_RX = _rx(
    r"(?:\b(?:age(?:\s+is|\s+was)?\s+(?:listed|given|recorded|documented|noted)\s+as|age[d:]?|"
    r"age\s*(?:\([^()\n]{1,30}\)\s*)?(?::|\s+colon)|turned|turning|turns|turn|she\s+is|he\s+is|shes|hes|i\s+am|"
    r"(?:is|was)\s+(?:he|she)|is(?:\s+now)?|was|were|are|lived\s+to(?:\s+be)?|"
    r"made\s+it\s+to|all\s+of|reached|hit|to\s+be|at|be|being|(?:party|cake|candles)\s+for)|'s|’s|'m|’m|'re|’re)\s+"
    r"(?:(?:almost|nearly|over|about|like|only|just|already|probably|maybe|around|easily|at\s+least|gonna\s+be|"
    r"uh|um|er|erm|uhh|umm)\s+){0,2}"
    r"(?P<v>(?:"
    + _AGE_NUMBER
    + "|"
    + _AGE_WORD
    + r")(?:\s+and\s+(?:a\s+half|a\s+quarter|three\s+quarters)|½)?)\b(?!\s*(?:%|percent|degrees|dollars|bucks|pounds|lbs|kg|mg|minutes|"
    r"mins|times|days|weeks|miles|points|cents|mph|over|out\s+of))"
)
# an age set off by commas after the person it is of: "Great-grandmother, ninety-nine, is the placement" (the
# person is checked before the first comma: `_apposed_age`)
AGE_APPOSED_RX = _rx(r",\s+(?P<v>" + _AGE_NUMBER + "|" + _AGE_WORD + r"),")
_APPOSED_TO = re.compile(r"([^\W\d_]+)\s*$")

# "staying at ninety-one Willow Bend Road": a house number, not an age
# "it's 108 1/2 East Main", "at 95 Orchard Street": a house number, not an age
_HOUSE_STREET_WORDS = (
    r"(?:street|st|road|rd|avenue|ave|drive|dr|lane|ln|way|court|ct|boulevard|blvd|place|terrace|circle)"
)
_HOUSE_AHEAD = re.compile(
    r"\s*(?:1/2|½)|\s+(?:(?i:north|south|east|west|[NSEW]\.?)\s+)?[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){0,2}"
    r"\s+(?i:" + _HOUSE_STREET_WORDS + r")\b"
    r"|\s+(?:(?i:north|south|east|west)\s+)[A-Z]"
)
_NUMBER_GOES_ON = _rx(r"-(?:one|two|three|four|five|six|seven|eight|nine|oh)\b")
_STREET_AHEAD = _rx(r"\s+(?:[\w'’-]+\s+){1,3}" + _HOUSE_STREET_WORDS + r"\b")

STREET_RX = _rx(
    r"\b(?:\d{1,4}\s?/\s?\d{1,5}[a-z]?|\d{1,6}[a-z]?(?:-\d{1,4}|-[a-z]\b|\s+1/2|½)?|[nsew]\d{2,5}(?:\s+[nsew]\d{2,5})?)\s+(?:"
    + DIRECTION
    + r"\s+)?"
    r"(?P<words>(?:[\w'’.-]+\s+){0,4})"
    r"(?:(?:road|route|highway|hwy|rte|rd|pike)\b\.?(?:\s+\d{1,4}[a-z]?\b|(?-i:\s+[A-Z]{1,2}\b))?|(?:"
    + STREET_SUFFIXES
    + r")\b\.?)"
    r"(?:\s+" + DIRECTION + r"(?![\w']))?"
    r"(?:,?\s*"
    + _UNIT
    + r"\s*(?:number\s+|no\.?\s*)?#?\s*(?:(?:"
    + _UNIT_WORD
    + r"|ten|eleven|twelve)(?:[\s-]+(?:"
    + _NUMBER_WORDS
    + r")){0,2}(?:\s+[b-hj-z](?![\w’'-]))?\b"
    r"|[a-z]-\d{1,4}[a-z]?\b|[a-z]?\d*[a-z]?\b)|,?\s*(?:\d{1,3}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|top|ground|basement)\s+floor\b)*"
)
# a house number, a compass direction and a capitalised name, with no street word: "3900 West Fullerton"
DIRECTED_STREET_RX = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?i:north|south|east|west|northeast|northwest|southeast|southwest|[NSEW]\.|NE|NW|SE|SW)"
    r"\s+(?P<name>[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){0,2})"
)
STREET_PREFIX_RX = _rx(
    r"\b\d{1,6},?\s+(?:"
    + _STREET_PREFIXES
    + r"|avenue|cul-de-sac|impasse|rang|montée)\s+(?:(?:de|del|della|di|la|las|le|les|los|du|des|da|das|do|dos)\s+)*[^\W\d_]+(?:-[^\W\d_]+)*"
    r"(?:\s+(?:ouest|est|nord|sud|norte|sur|oeste))?(?:,?\s*(?:app|apt|apartment|unit|suite|piso)\.?\s*#?\s*\d+[a-z]?\b)?"
)
# the number after the name, as much of the world writes it: "Calle Morelos 245, Colonia Centro",
# "Avenida Insurgentes Sur 1602, depto 8", "ulica Floriańska 12, mieszkanie 5"
STREET_PREFIX_FIRST_RX = _rx(
    r"\b" + _STREET_PREFIXES + r"\s+(?:(?:de|del|della|di|la|las|le|les|los|du|des|da|das|do|dos)\s+)*"
    r"[^\W\d_]+(?:[\s-][^\W\d_]+){0,3}?\s+\d{1,5}[a-z]?(?:/\d{1,4})?\b"
    r"(?:,?\s*(?:depto|dpto|apto|apt|app|piso|int|interior|mieszkanie|m\.|lok|wohnung|whg)\.?\s*#?\s*\d+[a-z]?\b)?"
    r"(?:,?\s*(?:colonia|col\.|barrio|bairro|fraccionamiento|fracc\.)\s+[^\W\d_]+(?:\s+[^\W\d_]+)?)?"
)
# A number and a name where an address is spoken of: "apartment 5C at 212 Elm", "It's 6200 E. Speedway",
# "we moved to four twenty Maple"
_ADDRESS_CUE_WORDS = (
    r"address(?:\s+is|'s|’s)?|live\s+at|lives\s+at|living\s+at|lived\s+at|staying\s+at|stay\s+at|"
    r"moved\s+(?:in)?to|move\s+(?:in)?to|mail\s+goes\s+to|send\s+(?:it|them|the\s+\w+)\s+to|house\s+at|place\s+at|"
    r"we're\s+at|i'm\s+at|outside(?:\s+of)?|feet\s+of|(?:apartment|apt|unit|suite)\s+\w{1,4}\s+at|"
    r"(?:live|lives|lived|living)\s+on|(?:house|place|address)\s+(?:is|was)|showed\s+up\s+at|"
    r"(?:mail|send)\s+(?:\w+\s+)?to"
)
_ADDRESS_CUE = r"(?i:\b(?:" + _ADDRESS_CUE_WORDS + r")\s+)"
_ADDRESS_CUE_FIRST = frozenset({"address", "live", "lives", "living", "lived", "staying", "stay", "moved", "move", "mail",
                                "send", "house", "place", "we're", "i'm", "outside", "feet", "apartment", "apt", "unit",
                                "suite", "showed"})  # fmt: skip
CUED_HOUSE_RX = re.compile(
    r"(?i:\b(?:" + _ADDRESS_CUE_WORDS + r"|at|it's|it’s)\s+)"
    r"(?P<v>\d{1,6}[A-Za-z]?(?:\s+1/2|½)?\s+(?:(?i:north|south|east|west|[NSEW])\.?\s+)?[A-ZÀ-Þ][a-zß-ÿ][\w'’-]*"
    r"(?:\s+(?:(?:na|an|de|del|la|le|da|di|du|dos|van|von|y)\s+)?[A-ZÀ-Þ][\w'’-]*){0,2})"
)
SPOKEN_HOUSE_RX = re.compile(
    r"(?:"
    + _ADDRESS_CUE
    + r"|(?i:\b(?:at|from)\s+))(?P<v>(?i:(?:"
    + _NUMBER_WORDS
    + r")(?:[\s-]+(?:"
    + _NUMBER_WORDS
    + r")){1,4})\s+"
    r"(?:(?i:north|south|east|west)\s+)?[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){0,2})"
)
SPOKEN_BOX_RX = _rx(
    r"\b(?:p\.?\s*o\.?\s*|post\s+office\s+)box\s+(?:number\s+)?(?:"
    + _NUMBER_WORDS
    + r")(?:[\s-]+(?:"
    + _NUMBER_WORDS
    + r"))*\b"
)
# "Hauptstraße 41", "3-14-2 Nishi-Shinjuku", "4410 FM 1960 West", "Plot 22, Adeola Odeku Street",
# "House 17, Road 11, Banani"
WORLD_STREET_RX = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ufer|gracht|laan|straat|vej|gatan|gata|veien)"
    r"\s+\d{1,4}[A-Za-z]?(?:/\d{1,4})?\b"
    r"|\b\d{1,2}-\d{1,2}-\d{1,3}(?:-\d{1,4})?\s+[A-Z][\w'’]*(?:-[A-Z][\w'’]*)?"
    r"|\b\d{1,6}\s+(?:FM|RM|SR|CR|US|I-?)\s*\d{1,4}[A-Z]?(?:\s+(?:North|South|East|West|N|S|E|W)\b)?"
    r"|(?i:\b(?:plot|house|stand|erf|flat)\s+)\d{1,4}[A-Za-z]?,?\s+(?:(?:[A-Z][\w'’-]*\s+){1,3}(?:Street|St\.?|Road|Rd\.?|"
    r"Avenue|Ave\.?|Close|Crescent|Way|Lane|Drive)\b|(?i:road|street|lane|block|sector)\s+\d{1,4}[A-Za-z]?\b)"
    r"(?:,\s+(?i:road|street|lane|block|sector)\s+\d{1,4}[A-Za-z]?\b)?(?:,\s+[A-Z][\w'’-]+(?:\s+(?:[IVX]+|[A-Z][\w'’-]+))?)?"
)
_STREET_WORD_BEFORE = _rx(r"(?:straße|strasse|str\.|weg|gasse|allee|platz|straat|laan|vej|gatan|gata|veien)\s+$")
_PLOT_BEFORE = _rx(r"\b(?:plot|stand|erf|lot|block)\s+$")
# "8800 US Route 40", "4040 State Route 9W", "County Road 112, mile marker 9"
ROUTE_RX = re.compile(
    r"\b(?:\d{1,6}\s+)?(?:US|U\.S\.|State|County|Interstate|Farm\s+to\s+Market|FM|SR|CR)\s+(?:Route|Road|Highway|Hwy|Rd|Rte)\.?"
    r"\s+\d{1,4}[A-Z]?\b(?:,?\s+(?i:mile\s+marker)\s+\d{1,4})?"
)
# "the corner of Garfield and 8th": two streets that meet.
CORNER_RX = re.compile(
    r"\b(?i:corner\s+of)\s+(?:" + _CAP_WORD + r"(?:\s+" + _CAP_WORD + r")?|\d+(?:st|nd|rd|th))\s+(?:and|&)\s+"
    r"(?:" + _CAP_WORD + r"(?:\s+" + _CAP_WORD + r")?|\d+(?:st|nd|rd|th))"
)
_SPOKEN_HOUSE_NUMBER = _rx(r"(?:\b(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:" + _NUMBER_WORDS + r"))*)\s+$")
NAMED_STREET_RX = re.compile(
    r"\b(?:" + _CAP_WORD + r"\s+){1,3}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Drive|Lane|Ln\.?|Boulevard|"
    r"Blvd\.?|Court|Place|Way|Terrace|Circle|Parkway|Highway|Trail|Crescent|Close|Pike|Turnpike)\b"
    r"(?:\s+(?:North|South|East|West)\b)?"
)
UNIT_RX = _rx(
    r"\b(?:(?:apt\.?|apartment|unit|suite|building|bldg\.?|room|rm\.?)(?:\s*(?:number\s+|no\.?\s*)?#?\s*\d+[a-z]?|"
    r"\s+(?:number\s+|no\.?\s*)?#?\s*[a-z]|\s*#\s*[a-z])|(?:lot|trailer|space|flat|caravan|cabin|site|slip|ward|pod|wing|dorm)"
    r"\s*#?\s*\d+[a-z]?)\b"
    r"(?![\w:-]|\s\d{3})"  # not "unit 35 209911 482913 6" (an IMEI) or "unit 3C:22:FB:..." (a MAC)
)
# "Basement suite, 1145 Elgin Ave": where in the house, said before the address
_UNIT_BEFORE = _rx(
    r"(?:basement|upper|lower|rear|front|back|garden|attic|top|ground)[\s-]+(?:floor\s+)?(?:suite|unit|apartment|flat|apt)\.?\s*,?\s*$"
)
_DASHED_UNIT = re.compile(r"#?\s*\d{1,4}[A-Za-z]?\s*-\s*$")  # "#6 - 2240 Kingsway Ave", "12-450 Main St"
# "4400 block of Cedar Avenue", "1250 West 400 South" (a grid address)
BLOCK_NAMED_RX = re.compile(r"\b\d{2,6}\s+(?i:block)\s+(?i:of)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?")
BLOCK_RX = _rx(
    r"\b\d{1,6}\s+block\s+of\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,3}?(?:" + STREET_SUFFIXES + r")\b\.?"
    r"|\b\d{1,6}\s+(?:north|south|east|west|[nsew]\.?)\s+\d{1,5}\s+(?:north|south|east|west|[nsew])\b\.?"
)
# a UK National Insurance number: two letters, three pairs of digits and a letter of A to D ("PK 90 44 17 B",
# "jt 48 20 19 a" as speech-to-text writes it)
NINO_RX = re.compile(r"(?<![\w'’-])(?i:[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d])(?![\w'’-])")
HKID_RX = re.compile(r"(?<![\w'’-])(?i:[a-z]{1,2}\d{6}\s?\([0-9a]\))")  # "Y482913(5)"
# digits said with a space between each: "6 2 8 - 3 1 - 9 9 0 4"
SPACED_DIGITS_RX = re.compile(r"(?<![\w.,/-])\d(?:(?: | ?- ?)\d){6,14}(?![\w/-]|[.,]\d)")
PO_BOX_RX = _rx(
    r"\b(?:(?:(?:rural\s+)?route\s+\d+,?\s+)?(?:p\.?\s*o\.?\s*|post\s+office\s+)?box\s*#?\s*\d+[a-z]?|"
    r"rural\s+route\s+\d+|r\.?r\.?\s+\d+|(?:caixa\s+postal|apartado(?:\s+postal)?|casilla|postfach|postboks|"
    r"bo[iî]te\s+postale)\s*#?\s*\d+|"
    r"general\s+delivery|hc\s+\d+)\b"
)
ZIP_CUED_RX = re.compile(
    r"(?:(?i:\b(?:zip(?:\s*code)?|zip's|zipcode|postal\s+code|post\s+code|postcode)\b)[^\x00\d]{0,20}?|"
    r"\b(?i:" + STATES + r")\.?,?\s+|,\s*(?:" + _STATE_CODES + r")\.?,?\s+)"  # "Boise, ID 83702"; not "ID 77120 38841"
    r"(?P<v>\d{5}(?:-\d{4})?)(?![\w-]|\s\d)"
)
# a four-digit postcode (Australia, New Zealand, much of Europe) only where a postcode is spoken of
POSTCODE_4_RX = re.compile(
    r"(?i:\b(?:postal\s+code|post\s+code|postcode|zip(?:\s*code)?|eircode)\b)[^\x00\d]{0,20}?(?P<v>\d{4}|\d(?: \d){3,4})"
    r"(?![\w-]| \d)"
)  # "the zip is 3 2 0 0": said digit by digit too
UK_POSTCODE_RX = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
EIRCODE_RX = re.compile(r"\b[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}\b")
CA_POSTCODE_RX = re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b")
# the same in lower case, as speech-to-text writes them: "m14 5rh", "m4c 1b5", "h91 e2w4" (the UK's and
# Ireland's with their space; an inward code's letters are never c, i, k, m, o or v: not "b12 5mg", "b12 3rd")
LOWER_POSTCODE_RX = re.compile(
    r"(?<![\w'’-])(?:[a-z]{1,2}\d[a-z\d]?\s(?!\d(?:st|nd|rd|th)\b)\d[abd-hjlnp-uw-z]{2}|[a-z]\d[a-z]\s?\d[a-z]\d|"
    r"[ac-fhknprtv-y]\d{2}\s(?=[0-9a-z]*\d)(?=[0-9a-z]*[a-z])[0-9ac-fhknprtv-y]{4})(?![\w'’-])"
)
_ID_CUE = (
    r"(?:medical\s+record|record|chart|mrn|mr#|patient\s+id|patient|member(?:ship)?|policy|group|subscriber|"
    r"insurance|medicaid|medicare|account|acct|card|routing|licen[cs]e|driver'?s\s+licen[cs]e|dl|cdl|"
    r"plates?|tags?|registration|vin|serial|imei|device|pump|implant|pacemaker|case|claim|confirmation|"
    r"reference|ref|badge|employee|student|passport|visa|certificate|permit|id|i\.d\.|number|under|#|"
    r"ticket|order|tracking|docket|file|client|cpap)"
)
ID_CUED_RX = re.compile(
    r"(?i:\b" + _ID_CUE + r"(?:\s+(?:number|no\.?|num|#|id|code))?)"
    r"(?:\s*(?:is\b|was\b|:|=|'s|’s|reads|says|ends\s+in|starting\s+with|it's|it’s|of\b|like\b|um\b|uh\b|i\s+think|on\s+it|"
    r"there|here)[,\s]*){0,3}[,\s]*"
    r"\s*#?\s*(?P<v>(?:[A-Za-z]{0,5}\d[A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*|[A-Z]{1,5}(?=[\s-]\d)|[A-Z]{2,6}-[A-Z0-9]{1,4}(?=[\s-]\d))"
    r"(?:(?:\s|-|,\s)(?:[A-Z]{0,5}\d[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|[A-Z]{1,5}(?=[\s-]\d)|[A-Z]{2,5}\b(?!['’])|"
    r"(?<=\d )[B-HJ-Z]\b(?!['’.]\w)))*)"  # "PMK 882104 H": a last letter after the digits
    r"(?![\w-])"
)
ID_SHAPE_RX = re.compile(
    r"(?<![\w@/.-])(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w@/-]|\.\w)"
)
DIGITS_ID_RX = re.compile(
    r"(?<![\w$.,/-])\d{5,}(?:[ -]\d{2,})*(?:-\d)?(?![\w/-]|[.,]\d)|"
    r"(?<![\w$.,/-])\d{2,}(?:[- ]\d{2,}){1,5}(?:-\d)?(?![\w/-]|[.,]\d)"
)
# Licence plates in their common shapes: "4GHT 772", "7ABC123", "KXR 4821", "YR19 KWB" (UK).
PLATE_RX = re.compile(
    r"(?<![\w-])(?:[A-Z]{2}[ -]?\d{1,2}[ -]?[A-Z]{1,3}[ -]?\d{4}|[A-Z]{2} \d{2} [A-Z]{3}|[A-Z]{2,4}[ -]\d{3,4} [B-HJ-Z]|"
    r"\d[A-Z]{3}[ -]?\d{3}|[A-Z]{2,4}[ -]\d{3,4}|[A-Z]{2}\d{2}[ -]?[A-Z]{3}|\d{3}[ -][A-Z]{3}|"
    r"[A-Z]{3}[ -]\d{2,3}[A-Z]|[A-Z][ -]\d{3,4}[ -][A-Z]{2,3}|\d[ -][A-Z]{3}[ -]\d{3}|[A-Z]{2,3}[ -]\d[A-Z]\d{1,2})(?![\w-])"
)
# a code in lower case, as speech-to-text writes it: up to three letters and five digits or more
LOWER_CODE_RX = re.compile(r"(?<![\w@/.-])[a-z]{1,3}-?\d{5,}(?:-\d+)*(?![\w@/-]|\.\w)")
# a code of letters and digits in lower case, as speech-to-text writes it (four digits at least)
LOWER_ID_SHAPE_RX = re.compile(
    r"(?<![\w@/.-])(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*(?![\w@/-]|\.\w)"
)
# what is no code: "1990s", "500mg", "10000steps", "i-405"
_NOT_A_LOWER_CODE = re.compile(
    r"\d+(?:st|nd|rd|th|s|am|pm|mg|mcg|ml|g|kg|k|km|mi|mph|lb|lbs|gb|tb|mb|hz|x|yo|yrs?|ish|steps|cals?)|"
    r"(?:i|us|sr|hwy|route|rt|a|m|n)-?\d{1,4}|\d+(?:-\d+)*-(?:ish|something|odd)"
)
# a vanity plate or a code in capitals with a digit: "GRAMMA1", "LUV2RUN", "4EVRYNG"
CAPS_CODE_RX = re.compile(
    r"(?<![\w-])(?=[A-Z0-9]{5,8}(?![\w-]))(?=[A-Z0-9]*\d)(?=(?:[0-9]*[A-Z]){3})[A-Z0-9]+(?![\w-])"
)
PLATE_CUED_RX = re.compile(
    r"(?i:\b(?:plates?|plate's|tag\s+number|tags?|license\s+plate))\b[^\w\x00]{0,3}"
    r"(?:(?i:is|was|were|reads|said|says|like|number|um|uh|it's|it’s|i\s+think)[\s,]+){0,3}"
    r"(?:(?i:i\s+said)\s+)?(?P<v>(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,8}(?:[ -][A-Z0-9]{1,4})?)(?![\w'’-])"
)
IBAN_RX = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w-])")
# a hospital's or a court's number in parts joined by slashes: "LUTH/PSY/2019/0442", "cr/22/00417"
SLASH_CODE_RX = _rx(r"(?<![\w/])[a-z]{2,6}(?:/[a-z0-9]{1,6}){2,4}(?![\w/])")
LOWER_IBAN_RX = re.compile(r"(?<![\w-])[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){2,7}(?: ?[a-z0-9]{1,3})?(?![\w-])")  # captions
MAC_RX = _rx(r"(?<![\w:-])(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}(?![\w:-])")
# A code's letters said next to it: "XEH 77120 4459", "CADC-II 44710", plates "BN21 XYZ".
_CODE_BEFORE = re.compile(r"(?<![\w-])(?:[A-Z]{1,5}#?|[A-Z][A-Za-z]*-[A-Z]+|[A-Z]{1,3}\d{1,4})[ -]$")
_DIGIT_GROUPS_BEFORE = re.compile(r"(?<![\w.,$/-])\d{1,4}(?: \d{1,4}){0,2} $")
_CODE_AFTER = re.compile(r"[ -](?:[A-Z]{2,4}|\d{1,4})(?![\w'’-])")
_SPOKEN_LETTER = (
    r"[b-hj-z]\s+(?:as\s+in|for)\s+[a-z]+|x\s+ray|[b-hj-z]|alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|"
    r"juliet|kilo|lima|mike|november|oscar|papa|quebec|romeo|sierra|tango|uniform|victor|whiskey|x-ray|xray|yankee|zulu"
)
SPOKEN_DIGITS_RX = _rx(
    r"(?<!['’])\b(?:area\s+code\s+)?(?:(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|hundred|dash|"
    + _SPOKEN_LETTER
    + r")(?:[\s,.-]+(?=\w)|\b)){4,}(?:(?:extension|ext)\s+(?:"
    + _NUMBER_WORDS
    + r")(?:[\s-]+(?:"
    + _NUMBER_WORDS
    + r"))*)?"
)
_PHONE_CUE = re.compile(r"(?:phone|number|cell|call|text|fax|line|reach|contact|mobile|landline|dial)\W", re.IGNORECASE)
_SSN_CUE_RX = re.compile(_SSN_CUE, re.IGNORECASE)
_ZIP_CUE = re.compile(r"\bzip|\bpostal|\bpostcode", re.IGNORECASE)

# ----------------------------------------------------------------------------- names and places

_AFTER_VOCATIVE = re.compile(r"\s*(?:[.!?…]|\x00|$)")
_PLACE_BEFORE = _rx(
    r"\b(?:in|from|to|near|outside|around|at|of|visit|visiting|moved\s+to|live\s+in|lives\s+in|"
    r"living\s+in|grew\s+up\s+in|back\s+to|toward|towards|downtown|uptown|up\s+in|down\s+in|over\s+in|"
    r"out\s+in|drive\s+to|flew\s+to|trip\s+to|born\s+in|raised\s+in|stationed\s+in|leaving|left|leave|out\s+past|"
    r"out\s+by|just\s+past|still\s+back\s+in|place\s+of\s+birth\s*:|birthplace\s*:)\s+$"
)
_TOWN_BEFORE_ZIP = re.compile(
    r"(?<![\w'’.-])((?:[A-Z][^\W\d_]+[ -]){0,2}[A-Z][^\W\d_]+),?\s+\d{5}(?:-\d{4})?(?![\w-]|\s\d)"
)
_ID_CUE_WORDS = frozenset({"policy", "member", "account", "group", "id", "mrn", "number", "card", "plan", "case", "claim",
                           "room", "box", "route", "suite", "unit", "apt", "apartment", "lot", "code", "pin"})  # fmt: skip
_STRONG_PLACE_BEFORE = _rx(
    r"\b(?:moved\s+to|move\s+to|moving\s+to|flew\s+(?:in\s+)?(?:from|to)|drove\s+(?:up\s+|down\s+)?(?:from|to)|"
    r"(?:live|lives|living|lived|grew\s+up|born|raised|stationed)\s+in|visiting|trip\s+to|came\s+from|comes\s+from|"
    r"back\s+to|up\s+in|down\s+in|over\s+in|out\s+in|out\s+past|out\s+by|family\s+in|home\s+in|buried\s+in|"
    r"place\s+of\s+birth\s*:|birthplace\s*:)\s+$"
)
_PLACE_AFTER_WHERE = re.compile(r"[^\W\d_]+(?:[\s'’.-]+[^\W\d_]+){0,3}\s+(?:is|was)\s+where\b")
_PLACE_AFTER = re.compile(
    r"(?:'s|’s)?(?:,?\s+(?:(?i:" + STATES + r")|" + _STATE_CODES + r")\b|\s+(?i:is|was)\s+where|\s+where)"
)
_CITY_PARTICLES = {"upon", "on", "de", "la", "le", "du", "del", "of", "the", "in", "under", "sur", "am", "or"}
FACILITY_RX = re.compile(
    r"(?:\b(?:St\.?|Saint|Mount|Mt\.?)\s+)?\b(?P<name>(?:(?:"
    + _CAP_WORD
    + r"|(?:St|Mt|Ft|Jr|Sr|Dr)\.)\s+(?:(?:of\s+the|de\s+la|of|the|and|&|for|on|de|del|la)\s+)?){1,5})"
    r"(?P<kind>"
    + FACILITY_KINDS
    + r")\b(?:\s+(?:and\s+|&\s+)?(?:Nursing|Rehabilitation|Rehab|Recovery|Wellness|Health|"
    r"Care|Services|Treatment|Team|Trust)\b)*"
    r"(?:\s+(?:of|for|at|in)\s+(?:the\s+)?" + _CAP_WORD + r"(?:\s+" + _CAP_WORD + r"){0,3}){0,2}"
)
# A name and what it is, said in lower case: "Shepherd's Table soup kitchen", "the Harbor House shelter"
_LOWER_KINDS = (
    "soup kitchen|food pantry|food bank|nursing home|group home|halfway house|sober house|care home|shelter|parish|"
    "church|clinic|hospital|elementary|high school|middle school|school|academy|daycare|center|centre|rehab|detox|"
    "motel|hotel|bar|pub|diner|buffet|restaurant|cafe|gym|jail|prison|pharmacy|library|mosque|temple|synagogue|"
    "dialysis|unit|ward|hospice|treatment center|recovery center|health center|medical center|drop-in center|"
    "drop-in centre|youth center|methadone clinic|youth hub"
)
_WEAK_KINDS = frozenset({"club", "bar", "spa", "deli", "pub", "gym", "grill", "cafe", "café", "lounge", "pizza", "kitchen",
                         "market", "station", "plant", "unit", "ward", "health", "treatment", "nursing",
                         "rehabilitation", "healthcare"})  # fmt: skip
# weak only when one word names them ("Public Health"; not "Rosewood Manor Nursing and Rehabilitation")
_CARE_KINDS = frozenset({"health", "treatment", "nursing", "rehabilitation", "healthcare"})
_LOWER_KIND_WORDS = frozenset(w for k in _LOWER_KINDS.split("|") for w in k.split())
FACILITY_LOWER_RX = re.compile(
    r"\b(?P<name>(?:(?:"
    + _CAP_WORD
    + r"|(?:St|Mt|Ft)\.)\s+(?:(?:of|the|and|&)\s+)?){1,4})(?P<kind>"
    + _LOWER_KINDS
    + r")\b"
)
FACILITY_PREFIX_RX = re.compile(
    r"\b(?:(?:University|College|Hospital|Academy|Institute|School|Church|Our\s+Lady)\s+of\s+(?:the\s+)?"
    r"|(?:Masjid|Congregation|Temple|Gurdwara|Synagogue|Camp|Kingdom\s+Hall\s+of)\s+)"
    + _CAP_WORD
    + r"(?:\s+(?:of\s+the\s+)?"
    + _CAP_WORD
    + r"){0,3}"
)
SAINT_RX = re.compile(r"\b(?:St\.|Saint)\s+" + _CAP_WORD)
COUNTY_RX = re.compile(r"\b(?:" + _CAP_WORD + r"\s+){1,3}(?:County|Parish|Borough|Township)\b")
_GATE_WORDS_FACILITY = set(_FACILITY_KIND_WORDS) | {"university", "college", "st", "saint", "mount", "mt", "masjid",
                                                     "congregation", "gurdwara", "camp", "county", "borough",
                                                     "township"}  # fmt: skip
_STREET_NAMED_GATE = {"street", "avenue", "ave", "road", "rd", "drive", "lane", "ln", "boulevard", "blvd", "court",
                      "place", "way", "terrace", "circle", "parkway", "highway", "trail", "crescent", "close",
                      "pike", "turnpike"}  # fmt: skip
# Words near a lone small number that make it part of an address ("88 Birch Ln", "unit 4"). A day
# next to a month is found by the dates in words, which come first.
_TINY_CONTEXT_WORDS = frozenset() | {"apt", "apartment", "unit", "suite", "box", "route", "building", "floor",
                                           "calle", "rue", "via", "avenida", "rua", "chemin", "ulica", "strasse", "straße",
                                           "camino", "paseo", "carrera", "jalan", "viale", "piazza", "plot", "mieszkanie",
                                           "depto", "colonia", "born", "birthday", "dob", "since",
                                           "zip", "st", "nd", "rd", "th", "plate", "plates", "tag"} | STREET_SUFFIX_WORDS  # fmt: skip


def _word_set(alternation: str) -> frozenset[str]:
    return frozenset(w.replace("\\s+", " ").replace("\\", "") for w in alternation.split("|"))


_RELATION_WORDS = frozenset(
    w for w in _word_set(RELATIONS) if "(" not in w and "[" not in w and "?" not in w and "+" not in w
) | {"fiance", "fiancé", "fiancee", "fiancée", "neighbor", "neighbour", "counselor", "counsellor",
     "mother-in-law", "father-in-law", "sister-in-law", "brother-in-law", "son-in-law", "daughter-in-law"}  # fmt: skip
_DETERMINERS = frozenset(["my", "his", "her", "our", "their", "your", "the", "a", "this", "that"])
_RELATION_ADJECTIVES = frozenset(
    [
        "little",
        "older",
        "younger",
        "big",
        "baby",
        "twin",
        "best",
        "ex",
        "step",
        "new",
        "old",
        "oldest",
        "youngest",
        "middle",
        "late",
        "former",
        "current",
        "eldest",
        "favorite",
        "favourite",
        "biological",
        "adoptive",
        "foster",
        "online",
        "work",
        "school",
        "childhood",
        "close",
    ]
)
_TITLES = frozenset(_word_set(_TITLE_WORDS)) | {a for w in _TITLE_ABBREVIATIONS for a in (w, w + ".")}
_NAMING_ONE = frozenset({"named", "called", "name's", "nicknamed"})
_NAMING_TWO = frozenset({"name is", "name was", "names are", "goes by", "known as", "call me", "call him",
                         "call her", "call them", "myself as", "you to", "named her", "named him", "named them",
                         "calls me", "called me", "calls him", "calls her", "called him", "called her"})  # fmt: skip
_WEAK_ONE = frozenset(
    [
        "and",
        "with",
        "for",
        "to",
        "from",
        "ask",
        "asked",
        "tell",
        "told",
        "text",
        "texted",
        "call",
        "called",
        "see",
        "saw",
        "love",
        "miss",
        "hate",
        "met",
        "meet",
        "date",
        "dating",
        "married",
        "marry",
        "visit",
        "hug",
        "hugged",
        "like",
        "i'm",
        "thanks",
        "hi",
        "hey",
        "hello",
        "bye",
        "sorry",
        "okay",
        "ok",
        "listen",
        "look",
        "about",
        "of",
        "by",
        "at",
        "is",
        "was",
    ]
)
_WEAK_TWO = frozenset({"me and", "this is", "it's", "thank you"})
_GREETINGS = frozenset(["hi", "hey", "hello", "thanks", "bye", "goodbye", "morning", "night", "welcome", "congrats", "sorry", "okay", "ok", "alright", "yes", "no", "sure", "listen", "look", "right", "so", "well", "now"])  # fmt: skip
_PERSON_ONE = frozenset(
    w for w in PERSON_VERBS.replace("\\s+", " ").split("|") if " " not in w and "'" not in w[:1] and "’" not in w[:1]
)
_PERSON_TWO = frozenset({"and i", "and me", "is my", "was my", "next door", "from work", "from church", "from school",
                         "from group", "down the", "across the", "from next", "was like", "is like", "goes like",
                         "was all", "and her", "and his", "and their"})  # fmt: skip
_POSSESSED = frozenset(
    [
        "face",
        "voice",
        "name",
        "eyes",
        "hand",
        "grave",
        "ashes",
        "stuff",
        "things",
        "son",
        "daughter",
        "baby",
        "dog",
        "cat",
        "apartment",
        "family",
        "memorial",
        "death",
        "overdose",
        "birthday",
        "mom",
        "mum",
        "dad",
        "mother",
        "father",
        "house",
        "place",
        "party",
        "wedding",
        "funeral",
        "kid",
        "kids",
        "husband",
        "wife",
        "boyfriend",
        "girlfriend",
        "parents",
        "room",
        "phone",
        "number",
        "car",
        "school",
        "brother",
        "sister",
    ]
)


def _words_before(low: str, start: int) -> list[str]:
    """The (up to) four words before `start`, lowercase, trailing commas taken off."""
    window = low[max(0, start - 56) : start].rsplit(SEPARATOR, 1)[-1]  # never the turn before
    words = [w.strip(',;:"“”') for w in window.split()]
    return [w for w in words if w not in _FILLERS][-4:]  # "my ex, uh, taras": the filler says nothing


def _before_title(words: list[str]) -> str | None:
    return words[-1] if words and words[-1] in _TITLES else None


def _before_relation(words: list[str]) -> bool:
    if not words:
        return False
    i = len(words) - 1
    if words[i] in _NAMING_ONE and i > 0:  # "my friend named ..."
        i -= 1
    word = words[i]
    if word.endswith(("'s", "’s")):
        return False  # "my ex's house": what follows is the relation's, not a name
    if word.startswith(("ex-", "step-")) and word.split("-", 1)[1] in _RELATION_WORDS:
        word = word.split("-", 1)[1]  # "my ex-husband"
    if i > 0 and f"{words[i - 1]} {word}" in _RELATION_WORDS:  # "case worker", "probation officer"
        i -= 1
    elif word not in _RELATION_WORDS:
        return False
    i -= 1
    while i >= 0 and words[i] in _RELATION_ADJECTIVES:
        i -= 1
    return i >= 0 and words[i] in _DETERMINERS


def _before_naming(words: list[str]) -> bool:
    return bool(words) and (words[-1] in _NAMING_ONE or " ".join(words[-2:]) in _NAMING_TWO)


def _before_strong(words: list[str]) -> bool:
    return _before_title(words) is not None or _before_relation(words) or _before_naming(words)


_MODALS = frozenset({"will", "may", "can"})
_KIN_NAMES = frozenset({"mum", "mom", "mommy", "mummy", "ma", "mam", "dad", "daddy", "pa", "papa", "nana", "nan", "gran",
                        "granny", "grandma", "grandpa", "grandad", "granddad", "gramps", "auntie", "aunty", "bubbe",
                        "abuela", "abuelo", "mama", "baba", "amma", "appa", "tía", "tío", "abuelita", "abuelito",
                        "mija", "mijo", "kuya"})  # fmt: skip
_ASKED_AFTER = re.compile(r"(?:[,.!?]|\s+(?:to|if|about|that|and|for|what|why|how|when|whether)\b)", re.IGNORECASE)
_FOLLOWS_A_PERSON = frozenset({"is", "was", "has", "had", "and", "who", "just", "always", "never", "she", "he", "they",
                               "keeps", "been", "i", "she's", "he's", "she’s", "he’s"})  # fmt: skip


def _clause_goes_on_as_a_person(text: str, end: int) -> bool:
    """After a relation and a word that may be a name ("my sister hope"): the sentence goes on as it
    would after a person (a person's verb, "is", "who", a comma, the end), not as after a verb."""
    after = text[end : end + 30]
    if not after or after[0] in ",.!?;\x00" or after[:2] in ("'s", "’s"):
        return True
    rest = after.lower().split()
    return _after_person(text, end) or bool(rest) and rest[0] in _FOLLOWS_A_PERSON


_ASKED = frozenset({"asked", "told", "texted", "called", "seen", "met", "hugged", "married", "thank"})
_PERSON_BEFORE = frozenset(["tell", "ask", "text", "call", "seen", "told", "asked", "texted", "called", "met", "saw", "love", "loved", "miss", "missed", "hate", "hated", "hug", "hugged", "married", "dating", "marry", "visited", "visit"])  # fmt: skip


_PERSON_BEFORE_TWO = frozenset({"me and", "and i", "who is", "work for", "works for", "with my", "looked up", "seeing", "things with",
                                "talk to", "talked to", "talking to", "spoke to", "spoke with", "speak to", "speak with",
                                "out with", "up with", "fight with", "fighting with", "fought with", "living with",
                                "lives with", "live with", "stay with", "staying with", "stayed with"})  # fmt: skip


def _before_person(words: list[str]) -> bool:
    if len(words) >= 3 and words[-1] in ("is", "was") and _before_relation(words[:-1]):
        return True  # "my dad is khanh park"
    return bool(words) and (words[-1] in _PERSON_BEFORE or " ".join(words[-2:]) in _PERSON_BEFORE_TWO)


def _before_weak(words: list[str]) -> bool:
    return bool(words) and (words[-1] in _WEAK_ONE or " ".join(words[-2:]) in _WEAK_TWO)


_STRONG_PERSON = frozenset(["said", "says", "told", "tells", "asked", "asks", "texted", "texts", "called", "calls", "yelled", "screamed", "hugged", "cried", "laughed"])  # fmt: skip


def _after_strong_person(text: str, end: int) -> bool:
    """What only a person does after the word: "said", "texted", "and I", "'s birthday"."""
    after = text[end : end + 30]
    if after[:2] in ("'s", "’s"):
        return _after_person(text, end)
    rest = after.lower().split()
    return bool(rest) and (rest[0].strip(".,!?") in _STRONG_PERSON or " ".join(rest[:2]) in ("and i", "and me"))


_ASKED_YOU = re.compile(
    r", (?:can|could|would|will|do|did|are|have|what|how|where|when|why|tell|let's|you)\b", re.IGNORECASE
)
_HIS_OR_HER = re.compile(
    r",? (?:he's|she's|he is|she is|he was|she was|they're|they were) (?:my|our|the one)\b", re.IGNORECASE
)
# what may stand before a name that opens a clause ("yeah joy he's my ex", "i think ivy my caseworker")
_CLAUSE_OPENERS = frozenset({"so", "yeah", "and", "but", "like", "think", "guess", "mean", "well", "okay", "ok", "oh",
                             "because", "cause", "then", "now", "know", "honestly", "actually", "said", "yes", "no"})  # fmt: skip
_RELATION_AFTER = re.compile(r",? (?:my|our) (?:" + RELATIONS + r")\b(?! (?:is|was) (?:a|an|the|my)\b)", re.IGNORECASE)
_SPOKEN_TO_AFTER = frozenset({"okay", "ok", "alright", "hey", "hi", "so", "well", "thanks", "now", "right", "yes", "um",
                              "uh"})  # fmt: skip
_LETS = re.compile(r",? (?:let's|lets|can you|could you|would you|will you|what do you|how do you|do you|tell me|i want you|"
                   r"if you can)\b",
                   re.IGNORECASE)  # fmt: skip
_NEXT_TWO = re.compile(r"\s+(\S+)(?:\s+(\S+))?")
_ADVERBS = frozenset({"really", "just", "always", "never", "actually", "finally", "still", "also", "literally",
                      "totally", "basically", "kind", "kinda", "sort", "even", "already", "probably", "definitely"})  # fmt: skip


def _after_person(text: str, end: int) -> bool:
    """Whether what follows a word is what follows a person: a person's verb ("said", "texted"),
    "and I", a possessed thing ("'s mom"), an apposition (", the landlord,")."""
    c = text[end : end + 1]
    if c in ("'", "’"):
        if text[end + 1 : end + 2] != "s":
            return False
        m = _NEXT_TWO.match(text, end + 2, end + 42)
        return bool(m) and m.group(1).strip(".,!?") in _POSSESSED
    if c == ",":
        return bool(_APPOSITION.match(text, end, end + 40))  # "Liang, the landlord, says"
    if not c.isspace():
        return False
    m = _NEXT_TWO.match(text, end, end + 40)
    while m and m.group(2) and m.group(1).lower() in _ADVERBS:  # "Lake really hurt you", "Kou just doesn't listen"
        m = _NEXT_TWO.match(text, m.start(2) - 1, m.start(2) + 40)
    if not m:
        return False
    first = m.group(1).lower()
    return (
        first.strip(".,!?") in _PERSON_ONE
        or (m.group(2) is not None and f"{first} {m.group(2).lower()}" in _PERSON_TWO)
        or first == "from"
        and bool(_FROM_A_GROUP.match(text, m.start(1) - 1, m.start(1) + 60))
    )


# where people know one another from: "Pat from my DBT group", "Will from the shelter"
_FROM_A_GROUP = re.compile(
    r"(?i: from (?:my|our|the) (?:[\w-]+ )?(?:group|work|church|school|class|job|meetings?|program|shelter|team|unit|"
    r"building|gym|mosque|temple|synagogue|halfway house|year|platoon|squad|company|crew|cohort|ward|wing|block|flats|"
    r"estate|camp|barracks|base|reserve|rez|village)\b)"
)


_TITLE_ABBR_WORDS = frozenset({"dr", "mr", "mrs", "ms", "mx", "prof"})
_POINT_TITLES = _TITLE_ABBR_WORDS | frozenset(_SURNAME_TITLES)  # the word after these is looked at, whatever it is
_APPOSITION = re.compile(r", (?:the|my|our|his|her|their|your) (?:" + RELATIONS + r")\b,", re.IGNORECASE)
# after these a word is a surname whatever it is ("mr park", "Dr. Good"); not "ms" alone (the illness)
_SURE_TITLES = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms.", "mx.", "prof."})
_FILLERS = frozenset({"uh", "um", "umm", "uhm", "er", "erm", "uhh", "ah"})
# said to someone: "Thanks, Mele, that's ...", "Hi Bill, good to see you"
_SALUTES = frozenset({"hi", "hey", "hello", "thanks", "bye", "goodbye", "morning", "afternoon", "evening", "night",
                      "welcome", "congrats", "congratulations", "cheers", "sorry"})  # fmt: skip
_AUX = frozenset({"did", "does", "do", "would", "will", "could", "should", "can", "has", "had", "didn't", "doesn't"})
_BARE_PERSON_VERBS = frozenset({"say", "said", "think", "feel", "want", "know", "tell", "mean", "react", "ask", "get",
                                "do", "respond", "take", "find", "hear", "like", "need", "agree", "come", "go"})  # fmt: skip
_AFTER_MODAL = frozenset({"you", "i", "we", "he", "she", "they", "it", "be", "not", "have", "do", "go", "get", "this",
                          "that", "there", "someone", "anyone", "the", "a", "my", "your", "ever", "always", "just",
                          "really", "also", "still", "never", "try", "help", "make", "take", "see"})  # fmt: skip


def _greeted(before: list[str], text: str, end: int) -> bool:
    """A salute just before the word and a comma or a sentence's end just after it."""
    return (
        bool(before)
        and (before[-1] in _SALUTES or before[-2:] == ["thank", "you"])
        and text[end : end + 1] in (",", ".", "!", "?", "\x00", "")
    )


def _aux_person(before: list[str], text: str, end: int) -> bool:
    """ "What did Bill say", "how would June feel": a person between an auxiliary and a verb."""
    if not before or before[-1] not in _AUX:
        return False
    nxt = _NEXT_WORD.match(text, end, end + 20)
    return bool(nxt) and nxt.group(1).lower() in _BARE_PERSON_VERBS


def _mid_sentence_name(lower: str, before: list[str], text: str, end: int) -> bool:
    """A capitalised "Bill", "Mark", "Will" inside a sentence: a name unless it is a thing ("the
    Bill") or a question's verb ("... and Will you ...")."""
    if before and before[-1] in _DETERMINERS:
        return False
    if lower in _MODALS:
        nxt = _NEXT_WORD.match(text, end, end + 20)
        return not (nxt and nxt.group(1).lower() in _AFTER_MODAL)
    return lower not in MONTHS


class _Claims:
    """The characters already given to a span: a later detector may not take them."""

    def __init__(self, length: int) -> None:
        self.taken = bytearray(length)
        self.spans: list[Span] = []

    def free(self, start: int, end: int) -> bool:
        return start < end and self.taken.find(1, start, end) == -1

    def block(self, start: int, end: int) -> None:
        """Characters no detector may take (a kept phrase: "Tai Chi", "New York"); phrases may overlap
        ("new year", "new year's eve")."""
        self.taken[start:end] = b"\x01" * (end - start)

    def add(self, start: int, end: int, kind: str, detail: object = None) -> bool:
        if not self.free(start, end):
            return False
        self.taken[start:end] = b"\x01" * (end - start)
        self.spans.append(Span(start, end, kind, detail))
        return True

    def overlapping(self, start: int, end: int) -> list[Span]:
        return [s for s in self.spans if s.start < end and start < s.end]

    def drop(self, spans: list[Span]) -> None:
        """Spans taken back: their characters are free again."""
        for span in spans:
            self.taken[span.start : span.end] = bytes(span.end - span.start)
        self.spans[:] = [s for s in self.spans if s not in spans]

    def replace(self, spans: list[Span], start: int, end: int, kind: str) -> None:
        """One span over [start, end) in place of `spans`, which lie inside it."""
        self.drop(spans)
        self.taken[start:end] = b"\x01" * (end - start)
        self.spans.append(Span(start, end, kind))

    def widen(self, index: int, start: int, end: int, kind: str | None = None) -> None:
        """The span at `index` over [start, end); with `kind`, of that kind (and no detail)."""
        span = self.spans[index]
        self.taken[start:end] = b"\x01" * (end - start)
        self.spans[index] = Span(start, end, span.type, span.detail) if kind is None else Span(start, end, kind)


class _Text:
    """One session's text, with what the detectors share: its lowercase form, its words, its
    digit runs, and the claims made so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        low = text.lower()
        if len(low) != len(text):  # "İ" lowercases to two characters: keep offsets aligned
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        self.low = low
        self.claims = _Claims(len(text))

    @cached_property
    def words(self) -> set[str]:
        return set(WORD_RX.findall(self.text))

    @cached_property
    def cap_tokens(self) -> list[tuple[int, str]]:
        """(start, word) of every capitalised word."""
        return [(m.start(), m.group()) for m in _CAP_SCAN.finditer(self.text)]

    @cached_property
    def sentence_starts(self) -> set[int]:
        """Where a sentence (or a turn) begins: after . ! ? and the like, not after a title's full stop."""
        return {_TEXT_OPENING.match(self.text).end(), *map(_END, _SENTENCE_END.finditer(self.text))}

    @cached_property
    def lower_words(self) -> set[str]:
        return set(map(str.lower, self.words))

    @cached_property
    def digit_runs(self) -> list[tuple[int, int]]:
        return [m.span() for m in _DIGITS.finditer(self.text)]

    def occurrences(self, needle: str, low: bool = True) -> list[int]:
        """Start of every occurrence of `needle` as a whole word."""
        hay = self.low if low else self.text
        out, i, n = [], hay.find(needle), len(needle)
        while i != -1:
            before = hay[i - 1] if i else " "
            after = hay[i + n] if i + n < len(hay) else " "
            if not (before.isalnum() or before in "_'’") and not (after.isalnum() or after == "_"):
                out.append(i)
            i = hay.find(needle, i + n)
        return out

    def window(self, start: int, end: int, before: int, after: int) -> tuple[int, int]:
        """[start - before, end + after], clipped to the turn (no pattern crosses a turn)."""
        lo = self.text.rfind(SEPARATOR, max(0, start - before), start) + 1 or max(0, start - before)
        hi = self.text.find(SEPARATOR, end, end + after)
        return lo, (hi if hi != -1 else min(len(self.text), end + after))

    def add(self, start: int, end: int, kind: str, detail: object = None) -> bool:
        return self.claims.add(start, end, kind, detail)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def two_digit_words(n: int) -> str:
    if n < 10:
        return ["zero", *UNITS][n]
    if n < 20:
        return _TEENS[n - 10]
    return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + UNITS[n % 10 - 1])


def words_number(words: str) -> int | None:
    """0-99 said in words ("ninety-nine", "oh five" as 5), or None."""
    parts = [p for p in re.split(r"[\s-]+", words.lower()) if p and p != "and"]
    if parts and parts[0] == "oh":
        parts = parts[1:]
    value = 0
    for p in parts:
        if p in DIGIT_WORDS and p != "oh":
            value += DIGIT_WORDS[p]
        elif p in _TEENS:
            value += 10 + _TEENS.index(p)
        elif p in _TENS:
            value += 10 * _TENS.index(p)
        else:
            return None
    return value if parts else None


def spoken_year(text: str) -> int | None:
    """ "nineteen ninety-nine" -> 1999, "two thousand and three" -> 2003, "twenty twenty-one" -> 2021."""
    low = " ".join(text.lower().split())
    m = re.match(r"two thousand(?: and)?(?:[ -](.+))?$", low)
    if m:
        rest = words_number(m.group(1)) if m.group(1) else 0
        return None if rest is None else 2000 + rest
    head, _, tail = low.partition(" ")
    century = words_number(head)
    rest = words_number(tail) if tail else None
    if century is None or rest is None:
        return None
    return century * 100 + rest


def year_words(year: int) -> str:
    if 2000 <= year < 2010:
        return "two thousand" + ("" if year == 2000 else " and " + UNITS[year - 2001])
    century, rest = divmod(year, 100)
    return f"{two_digit_words(century)} " + (
        f"oh {UNITS[rest - 1]}" if 0 < rest < 10 else "hundred" if rest == 0 else two_digit_words(rest)
    )


def _digit_count(s: str) -> int:
    return sum(c.isdigit() for c in s)


# ----------------------------------------------------------------------------- shaped detectors


# a spoken local part goes on to the left over digits and letters said one by one: "t bone six six at ..."
_SAID_CHARACTER_BEFORE = re.compile(
    r"(?:\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)|\b[a-z])\s+[a-z]+\s+$"
)


_EMAIL_CUE_WORDS = frozenset({"email", "e-mail", "account", "address", "gmail", "is", "to", "new", "fake"})
_EMAIL_CUE_BEFORE = re.compile(
    r"\b(?:e-?mail(?:'s| is| was| address is)?|account|send (?:it|them|the \w+) to),?\s+(?:\w+\s+){0,4}$"
)


_SLASH_AFTER = re.compile(r"\s+slash\b")


def _emails_and_handles(t: _Text, lists: WordLists) -> None:
    text = t.text
    if "@" in text:
        at = [i for i, c in enumerate(text) if c == "@"] if text.count("@") < 200 else [0]
        for lo, hi in _merged([t.window(i, i + 1, 64, 80) for i in at]):
            for m in EMAIL_RX.finditer(text, lo, hi):
                t.add(m.start(), m.end(), EMAIL)
            for m in HANDLE_RX.finditer(text, lo, hi):
                t.add(m.start(), m.end(), ID)
    if " dot " in t.low and " at " in t.low:
        for lo, hi in _merged([t.window(i, i + 5, 80, 60) for i in t.occurrences("dot")]):
            for m in SPOKEN_EMAIL_RX.finditer(text, lo, hi):
                own = re.split(r"\s+at\s+", t.low[m.start() : m.end()], maxsplit=1)[0]
                if own in STOPWORDS or _SLASH_AFTER.match(t.low, m.end()):
                    continue  # "his obituary is at instagram dot com slash ...": a page, and "is" no mailbox
                start = m.start()
                # the local part may be several short words: "kayleigh b 2009 at yahoo dot com"
                for _ in range(5):
                    prev = re.search(r"([a-z0-9][\w.-]{0,11})\s+$", t.low[lo:start])
                    said = bool(prev) and (prev.group(1) in DIGIT_WORDS or len(prev.group(1)) == 1)  # "t bone six six"
                    before_said = bool(_SAID_CHARACTER_BEFORE.search(t.low, lo, start)) or bool(
                        _EMAIL_CUE_BEFORE.search(t.low, max(lo, start - 40), start)
                    )  # "I made a new email, big dawg seven seven at aol dot com"
                    if (
                        not prev
                        or prev.group(1) in _EMAIL_CUE_WORDS
                        or prev.group(1) in STOPWORDS
                        and not said
                        or prev.group(1) in lists.common
                        and len(prev.group(1)) > 2
                        and not said
                        and not before_said
                    ):
                        break
                    start = lo + prev.start(1)
                local = re.split(r"\s+at\s+", t.low[start : m.end()], maxsplit=1)[0]
                if local in STOPWORDS or local in lists.common and len(local) > 2:
                    continue  # "pictures up at instagram dot com slash ...": a place on the web, no address
                t.add(start, m.end(), EMAIL)


def _platform_handles(t: _Text, lists: WordLists) -> None:
    low = t.low
    points = [i for stem in _PLATFORM_STEMS if stem in low for i in _finds(low, stem)]
    if not points:
        return
    matches = (
        m
        for lo, hi in _merged([t.window(i, i, 1, 90) for i in points])
        for m in PLATFORM_HANDLE_RX.finditer(t.text, lo, hi)
    )
    for m in matches:
        if "." in m.group("v") and (m.group("v").lower().startswith("www") or URL_RX.fullmatch(m.group("v"))):
            continue  # "my insta is www.site.com": a link, which the links' detector takes whole
        t.add(m.start("v"), m.end("v"), URL, HANDLE)


# a handle no platform is named before: a Reddit user ("u/throwaway_mil_spouse22"), a name joined by an
# underscore ("rhiannon_xo"), and one said before its platform ("jhunjhun.makeup on insta")
_BARE_HANDLE_RX = re.compile(
    r"(?<![\w@/.:#$-])(?:u/[A-Za-z0-9_-]{3,30}|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9])(?![\w@/-])"
)
_HANDLE_ON_RX = _rx(
    r"(?<![\w@/.:#$-])(?P<v>[a-z0-9][\w.]*[._\d][\w.]*[a-z0-9]) on (?:insta|instagram|ig|tiktok|snapchat|snap|twitter|"
    r"fb|facebook|discord|twitch|threads)\b"
)


_HANDLE_ON_PLATFORMS = ("insta", "ig", "tiktok", "snap", "twitter", "fb", "facebook", "discord", "twitch", "threads")


def _bare_handles(t: _Text, lists: WordLists) -> None:
    if "_" in t.text or "u/" in t.text:
        for m in _BARE_HANDLE_RX.finditer(t.text):
            t.add(m.start(), m.end(), URL, HANDLE)
    points = [i for p in _HANDLE_ON_PLATFORMS if p in t.low for i in _finds(t.low, " on " + p)]
    for lo, hi in _merged([t.window(i, i + 4, 40, 16) for i in points]):
        for m in _HANDLE_ON_RX.finditer(t.text, lo, hi):
            if not re.fullmatch(r"[\d.]+", m.group("v")):  # "3.5 on tiktok": a rating
                t.add(m.start("v"), m.end("v"), URL, HANDLE)


def _urls(t: _Text, lists: WordLists) -> None:
    low = t.low
    points = [i for tld in _TLDS for i in _finds(low, tld)] + _finds(low, "www") + _finds(low, "http")
    points += [i for i in _finds(low, "/") if low[i - 3 : i - 2] == "."]  # "linktr.ee/..."
    for lo, hi in _merged([t.window(i, i + 4, 120, 120) for i in points]):
        for m in URL_RX.finditer(t.text, lo, hi):
            end = m.end()
            while end > m.start() and t.text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            t.add(m.start(), end, URL)
    if " dot " in low:
        for lo, hi in _merged([t.window(i, i + 3, 80, 100) for i in t.occurrences("dot")]):
            for m in SPOKEN_WWW_RX.finditer(t.text, lo, hi):
                t.add(m.start(), m.end(), URL)
            for m in SPOKEN_URL_RX.finditer(t.text, lo, hi):
                t.add(m.start(), m.end(), URL)


def _finds(hay: str, needle: str) -> list[int]:
    out, i = [], hay.find(needle)
    while i != -1 and len(out) < 1000:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def _spoken_ips(t: _Text, lists: WordLists) -> None:
    if " dot " in t.low or " point " in t.low:
        points = t.occurrences("dot") + t.occurrences("point")
        for lo, hi in _merged([t.window(i, i + 5, 60, 80) for i in points]):
            for m in SPOKEN_IP_RX.finditer(t.text, lo, hi):
                t.add(m.start(), m.end(), IP)


def _number_windows(t: _Text) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Windows around the digits that may be part of an identifier, and windows around lone
    numbers of 90 to 99 that can only be an age. A lone number of one or two digits ("I slept 4
    hours") is part of an identifier only next to letters, a "#" or "/", or near a street or unit word."""
    runs = t.digit_runs
    if not runs:
        return [], []
    text = t.text
    clusters: list[list[int]] = []
    for start, end in runs:
        gap = text[clusters[-1][1] : start] if clusters else ""
        if clusters and len(gap) <= 3 and all(c in " -./():+–x#" for c in gap) and ". " not in gap:
            clusters[-1][1] = end
            clusters[-1][2] += end - start
        else:
            clusters.append([start, end, end - start])
    windows, ages = [], []
    low = t.low
    for start, end, digits in clusters:
        lone = digits <= 2 and end - start == digits
        if lone and not (
            text[end : end + 1].isalpha() or text[start - 1 : start].isalpha() or text[start - 1 : start] in ("#", "/")
        ):
            lo, hi = t.window(start, end, 24, 48)
            near = low[lo:hi]
            words = {w.strip(".,;:!?()'\"") for w in near.split()}
            if not (
                words & _TINY_CONTEXT_WORDS
                or "/" in near
                or "#" in near
                or _STREET_WORD_BEFORE.search(text, max(0, start - 24), start)
            ):
                if int(text[start:end]) >= 90:
                    ages.append(t.window(start, end, 48, 24))
                continue
        windows.append(t.window(start, end, 64, 64))
    return _merged(windows), _merged(ages)


_DASH_DIGIT = re.compile(r"[-–]\d")  # "94-1032 Kaiewa Street": a house number, not an age
# a phone written the way Australia, the UK, Ireland and New Zealand write their own: "(02) 5550 1234",
# "0161 496 0732", "021 555 0199"
LOCAL_PHONE_RX = re.compile(
    r"(?<![\w(])(?<!\d[ -])(?:\(0\d{1,4}\)\s?|0\d{1,4}[\s-])\d{3,4}[\s-]?\d{3,4}(?![\w-]|[.,]\d|[ -]\d)"
)  # not inside a longer run of digit groups (a card, an IBAN)


_DIGIT_WORD = "(?:" + "|".join(DIGIT_WORDS) + ")"  # zero, oh, o, one ... nine
# the last digits of a number, said as such: "last four are 4821", "ending in oh oh six two", "last 4 3019"
LAST_DIGITS_RX = _rx(
    r"\b(?:(?:the\s+)?last\s+(?:four|4)(?:\s+digits)?(?:\s+(?:of\s+(?:my|his|her|their|your|the)\s+[\w-]+))?"
    r"(?:\s+(?:are|is|were|was))?|ending(?:\s+in)?|ends\s+in|ends\s+with|ending\s+with)[:,]?\s+"
    r"(?P<v>(?!(?:19|20)\d\d\b)\d{4}(?![\w-])|\d(?: \d){3}(?![\w-]| \d)|"
    + _DIGIT_WORD
    + r"(?:[\s-]+"
    + _DIGIT_WORD
    + r"){3}\b)"
)
# after "ending" alone, fewer digits said one by one are the number's end too ("his social's ending in
# oh two", "my card ending six one"), unless a unit follows ("ending in two two weeks" is no number)
ENDING_DIGITS_RX = _rx(
    r"\b(?:ending|ends)(?:\s+(?:in|with))?[:,]?\s+(?P<v>" + _DIGIT_WORD + r"(?:[\s-]+" + _DIGIT_WORD + r"){1,2}\b)"
    r"(?![\s-]+(?:" + _DIGIT_WORD + r"|days?|weeks?|months?|years?|hours?|minutes?|times?|o'clock|am|pm|percent)\b)"
)
# a number with all but its last digits masked: "xxx-xx-3390", "***-**-1234", "XXXX XXXX XXXX 4417"
MASKED_DIGITS_RX = re.compile(
    r"(?<![\w*-])(?:(?:[xX]{2,4}|\*{2,4})[\s-]){1,3}(?P<v>\d{4}|\d(?: \d){3})(?![\w-])"
)  # "xxx xx 8 1 5 0" too


def _cued_ssns(t: _Text, lists: WordLists) -> None:
    """What follows "my social is", "SSN", "SIN": the last four, a SIN, or the number said in words
    (before the dates said in words take its numbers); the last digits of any number said as such
    ("ending in 1157", "last four are 4821", "xxx-xx-3390"): an SSN after an SSN's cue, else an ID."""
    low = t.low
    if "social" in low or "ssn" in low or "SIN" in t.text or "sin is" in low or "sin number" in low:
        for m in SSN_TAIL_RX.finditer(t.text):
            t.add(m.start("v"), m.end("v"), SSN, SPOKEN if not m.group("v")[0].isdigit() else None)
    cues = t.lower_words & _LAST_DIGITS_CUES
    if cues:
        for lo, hi in _merged([t.window(i, i + len(w), 4, 80) for w in cues for i in t.occurrences(w)]):
            for m in LAST_DIGITS_RX.finditer(t.text, lo, hi):
                _last_digits(t, m)
            if "ending" in cues or "ends" in cues:
                for m in ENDING_DIGITS_RX.finditer(t.text, lo, hi):
                    _last_digits(t, m)
    if "xx" in low or "**" in low:
        for m in MASKED_DIGITS_RX.finditer(t.text):
            _last_digits(t, m)
            t.claims.block(m.start(), m.start("v"))  # the mask is no one's name: "xxx xx"


_LAST_DIGITS_CUES = frozenset({"last", "ending", "ends"})


def _last_digits(t: _Text, m: re.Match) -> None:
    lo, _ = t.window(m.start(), m.end(), 80, 0)
    kind = SSN if _SSN_CUE_RX.search(t.text, lo, m.start()) or m.group()[:3].lower() == "xxx" else ID
    t.add(m.start("v"), m.end("v"), kind, SPOKEN if not m.group("v")[0].isdigit() else None)


def _shaped(t: _Text, lists: WordLists) -> None:
    """Everything with digits, in the order of decisions: IPs, SSNs, phones, dates, ages,
    addresses, ZIP codes, then any other identifying number or code."""
    windows, ages = _number_windows(t)
    text = t.text
    for lo, hi in ages:
        for m in _age_matches(text, lo, hi):
            if _is_age(text, m):
                t.add(m.start("v"), m.end("v"), AGE)
    for lo, hi in windows:
        for m in IPV4_RX.finditer(text, lo, hi):
            t.add(m.start(), m.end(), IP)
        if ":" in text[lo:hi]:
            for m in IPV6_CANDIDATE_RX.finditer(text, lo, hi):
                try:
                    ipaddress.IPv6Network(m.group(), strict=False)
                except ValueError:
                    continue
                t.add(m.start(), m.end(), IP)
        for m in SSN_RX.finditer(text, lo, hi):
            t.add(m.start(), m.end(), SSN)
        for m in SSN_CUED_RX.finditer(text, lo, hi):
            t.add(m.start("v"), m.end("v"), SSN)
        for m in NINO_RX.finditer(text, lo, hi):  # a UK National Insurance number
            t.add(m.start(), m.end(), SSN)
        for m in HKID_RX.finditer(text, lo, hi):  # a Hong Kong identity card number and its check digit
            t.add(m.start(), m.end(), SSN)
        for m in SPACED_DIGITS_RX.finditer(text, lo, hi):
            digits = _digit_count(m.group())
            cued = _SSN_CUE_RX.search(text, max(lo, m.start() - 60), m.start())
            groups = [_digit_count(g) for g in m.group().split("-")]
            kind = SSN if digits == 9 and (cued or groups == [3, 2, 4]) else PHONE if digits in (10, 11) else ID
            t.add(m.start(), m.end(), kind)
        for m in BLOCK_RX.finditer(text, lo, hi):
            t.add(m.start(), m.end(), ADDRESS)
        for m in BLOCK_NAMED_RX.finditer(text, lo, hi):  # "the 4800 block of Fullerton"
            if not any(w.lower() in lists.keep for w in WORD_RX.findall(m.group())):
                t.add(m.start(), m.end(), ADDRESS)
        _numeric_dates(t, lo, hi)
        for m in LOCAL_PHONE_RX.finditer(text, lo, hi):
            t.add(m.start(), m.end(), PHONE)
        _phones(t, lo, hi)
        for m in _age_matches(text, lo, hi):
            if _is_age(text, m):
                t.add(m.start("v"), m.end("v"), AGE)
        _street_addresses(t, lists, lo, hi)
        for rx in (WORLD_STREET_RX, STREET_PREFIX_RX, STREET_PREFIX_FIRST_RX, ROUTE_RX, PO_BOX_RX):
            for m in rx.finditer(text, lo, hi):
                t.add(m.start(), m.end(), ADDRESS)
        for m in CUED_HOUSE_RX.finditer(text, lo, hi):
            _cued_house(t, lists, m)
        for m in THE_STREET_RX.finditer(text, lo, hi):  # "i grew up at 12 the crescent"
            if _PLACE_SAID_BEFORE.search(text, max(lo, m.start() - 24), m.start()):
                t.add(m.start(), m.end(), ADDRESS)
        for m in DIRECTED_STREET_RX.finditer(text, lo, hi):  # "3900 West Fullerton", "105 E. Main"
            if not any(w.lower() in lists.keep or w.lower() in MONTHS for w in WORD_RX.findall(m.group("name"))):
                t.add(m.start(), m.end(), ADDRESS)
        for m in UNIT_RX.finditer(text, lo, hi):
            t.add(m.start(), m.end(), ADDRESS)
        for m in ZIP_CUED_RX.finditer(text, lo, hi):
            t.add(m.start("v"), m.end("v"), ZIP)
        for m in POSTCODE_4_RX.finditer(text, lo, hi):
            t.add(m.start("v"), m.end("v"), ZIP)
        for rx in (UK_POSTCODE_RX, CA_POSTCODE_RX, EIRCODE_RX, LOWER_POSTCODE_RX):
            for m in rx.finditer(text, lo, hi):
                if _digit_count(m.group()) >= 2 or rx is not EIRCODE_RX:
                    t.add(m.start(), m.end(), ZIP)
    for lo, hi in windows:
        for m in SLASH_CODE_RX.finditer(text, lo, hi):
            if _digit_count(m.group()) >= 3:
                t.add(m.start(), m.end(), ID)
        for rx in (IBAN_RX, MAC_RX, LOWER_IBAN_RX):  # before the cued ids: "the device is 00:1A:2B:..." is one value
            for m in rx.finditer(text, lo, hi):
                if rx is not LOWER_IBAN_RX or _digit_count(m.group()) >= 10:
                    t.add(m.start(), m.end(), ID)
        for m in ID_CUED_RX.finditer(text, lo, hi):
            value = m.group("v")
            if _digit_count(value) >= 2 and not _AMOUNT_UNITS.match(text, m.end("v")):
                t.add(m.start("v"), m.end("v"), ID)
        for m in ID_SHAPE_RX.finditer(text, lo, hi):
            value = m.group()
            if (
                len(value) >= 5
                and _digit_count(value) >= 3
                and not re.fullmatch(r"\d+(?:st|nd|rd|th|s|am|pm|mg|k)", value, re.IGNORECASE)
            ):
                t.add(m.start(), m.end(), ID)
        for m in PLATE_CUED_RX.finditer(text, lo, hi):
            t.add(m.start("v"), m.end("v"), ID)
        for m in PLATE_RX.finditer(text, lo, hi):
            if not any(part.lower() in lists.keep for part in re.split(r"[ -]", m.group())):  # not "ER 911", "AA 12"
                t.add(m.start(), m.end(), ID)
        for m in CAPS_CODE_RX.finditer(text, lo, hi):
            if m.group().lower() not in lists.keep:  # not "COVID19"
                t.add(m.start(), m.end(), ID)
        for m in LOWER_CODE_RX.finditer(text, lo, hi):  # "a12345678", "b7734120", "a-447812"
            t.add(m.start(), m.end(), ID)
        for m in LOWER_ID_SHAPE_RX.finditer(text, lo, hi):  # "pjn604419s", "eld-7731-kx92", "w224-819-330"
            value = m.group()
            if (
                len(value) >= 6
                and _digit_count(value) >= 4
                and not _NOT_A_LOWER_CODE.fullmatch(value)
                and value not in lists.keep
            ):
                t.add(m.start(), m.end(), ID)
        for m in DIGITS_ID_RX.finditer(text, lo, hi):
            groups = re.split(r"[ -]", m.group())
            if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
                continue  # years: "1995-2001"
            if _digit_count(m.group()) < 5 or _AMOUNT_UNITS.match(text, m.end()):
                continue
            if not t.add(m.start(), m.end(), ID):  # "Suite 210 77036": the ZIP after the unit is free
                for g in re.finditer(r"\d{5,}", m.group()):
                    t.add(m.start() + g.start(), m.start() + g.end(), ID)
    _extend_codes(t, lists)


# a number's cue just before it: "the serial number is 104 882 177" is no age
_NUMBER_CUE_BEFORE = _rx(
    r"\b(?:serial|imei|device|record|mrn|member|policy|account|id|number|#)(?:\s+(?:number|no\.?|#|id))?"
    r"\s*(?:is|was|:|=)?\s*$"
)


_APPOSED_PERSONS = _RELATION_WORDS | {"resident", "patient", "pt", "client", "veteran", "widow", "widower", "woman",
                                      "man", "lady", "gentleman"}  # fmt: skip


def _apposed_age(text: str, m: re.Match) -> bool:
    """The word before an age set off by commas is the person it is of ("Great-grandmother, 95, is")."""
    before = _APPOSED_TO.search(text, max(0, m.start() - 30), m.start())
    return bool(before) and before.group(1).lower() in _APPOSED_PERSONS


def _age_matches(text: str, lo: int, hi: int) -> Iterator[re.Match]:
    """The matches of every age's pattern in [lo, hi): after its unit, after its cue, and set off by commas
    after the person it is of, in that order."""
    yield from AGE_AFTER_RX.finditer(text, lo, hi)
    yield from AGE_BEFORE_RX.finditer(text, lo, hi)
    yield from (m for m in AGE_APPOSED_RX.finditer(text, lo, hi) if _apposed_age(text, m))


def _street_name_ahead(text: str, end: int) -> bool:
    """A street's name and kind right after a number: "118 great south road"; not "97 and walks the way"."""
    m = _STREET_AHEAD.match(text, end)
    return bool(m) and not any(w.lower() in STOPWORDS for w in WORD_RX.findall(m.group())[:-1])


def _is_age(text: str, m: re.Match) -> bool:
    """An age's match that is an age: no house number after it ("is 94 Elm"), no dash ("94-1032"),
    no number's cue before it."""
    start = m.start("v")
    return (
        not _HOUSE_AHEAD.match(text, m.end("v"))
        and not _street_name_ahead(text, m.end("v"))  # "he showed up at 118 great south road"
        and not _DASH_DIGIT.match(text, m.end("v"))
        and not _NUMBER_CUE_BEFORE.search(text, max(0, start - 40), start)
    )


def _extend_codes(t: _Text, lists: WordLists) -> None:
    """An identifier's letters said beside its digits belong to it ("XEH 77120 4459"), in lower case
    too when no word list holds them ("mdcd 7718 2290 44", "4839 201 774 kt")."""
    text = t.text
    spans = t.claims.spans
    for index, span in enumerate(spans):
        if span.type not in (ID, SSN, PHONE):
            continue
        start, end = span.start, span.end
        before = _CODE_BEFORE.search(text, max(0, start - 12), start)
        lower = None if before else _LOWER_LETTERS_BEFORE.search(text, max(0, start - 8), start)
        joined = None if before or lower else _LOWER_CODE_BEFORE.search(text, max(0, start - 10), start)
        if before and before.group().strip(" -") not in ("I", "A") and t.claims.free(before.start(), start):
            start = before.start()
        elif joined and joined.group(1) not in _NOT_CODE_LETTERS and t.claims.free(joined.start(), start):
            start = joined.start()
        elif lower and _code_letters(lower.group(1), lists) and t.claims.free(lower.start(), start):
            start = lower.start()
        elif " " in text[start:end] and text[start].isdigit():  # "23 19 4 4 8 8 1 2 6": every group said with it
            groups = _DIGIT_GROUPS_BEFORE.search(text, max(0, start - 16), start)
            if groups and t.claims.free(groups.start(), start):
                start = groups.start()
        for _ in range(4):  # "NY 4471 0982 11": every group said with it
            after = _CODE_AFTER.match(text, end)
            if not (after and t.claims.free(end, after.end()) and not _AMOUNT_UNITS.match(text, end)):
                break
            end = after.end()
        after = _LOWER_LETTERS_AFTER.match(text, end)
        if after and _code_letters(after.group(1), lists) and t.claims.free(end, after.end()):
            end = after.end()
        if (start, end) != (span.start, span.end):
            t.claims.widen(index, start, end)


_LOWER_LETTERS_BEFORE = re.compile(r"(?<![\w'’.-])([a-z]{1,4})[ -]$")
_LOWER_CODE_BEFORE = re.compile(r"(?<![\w'’.-])([a-z]{1,3})\d{2,6}[ -]$")  # "u7734 8812 05", "w238 4471 902"
_LOWER_LETTERS_AFTER = re.compile(r"[ -]([a-z]{1,2})(?![\w'’-])")
# labels and words that stand before a number without being part of it
_NOT_CODE_LETTERS = frozenset({"id", "mrn", "dl", "cdl", "vin", "no", "num", "nr", "ssn", "sin", "imei", "dob", "apt", "ste",
                               "rm", "po", "ext", "tel", "ph", "fax", "acct", "pin", "ref", "reg", "sn", "mr", "ur", "nhs",
                               "nhi", "npi", "dea", "bsb", "ni", "ss", "um", "uh", "er", "eh", "ah", "oh", "mm", "hmm",
                               "ok", "okay", "yeah", "ya", "yep", "nah", "lol", "like", "its", "im", "am", "pm", "hr",
                               "hrs", "min", "mins", "mg", "ml", "kg", "lb", "lbs", "yo", "yr", "yrs", "x", "v", "vs",
                               "st", "rd", "th", "nd", "ave", "dr", "ln", "ct", "hwy", "rte", "box", "unit", "flat"})  # fmt: skip


def _code_letters(letters: str, lists: WordLists) -> bool:
    """Letters in lower case beside a code that are part of it: no word, label or filler."""
    return (
        letters not in STOPWORDS
        and letters not in _NOT_CODE_LETTERS
        and letters not in lists.ordinary
        and letters not in lists.common
        and letters not in lists.keep
        and letters not in MONTHS
        and letters not in DIGIT_WORDS
    )


def _street_addresses(t: _Text, lists: WordLists, lo: int, hi: int) -> None:
    """A number, the words of a street name and a street word ("921 Holly Ridge Road, Apt 4B").
    A rejected match is searched again from its next character: "3 at 1720 Grove" holds "1720 Grove"."""
    text = t.text
    m = STREET_RX.search(text, lo, hi)
    while m:
        words = m.group("words").split()
        stop = next((w for w in words if w.lower().strip(".,") in STOPWORDS), None)
        if stop is not None:
            # "1844 Alberta St and i drive past it": the street ends before "and", not at "drive"
            cut = text.find(" " + stop + " ", m.start("words") - 1)
            shorter = STREET_RX.match(text, m.start(), cut) if cut != -1 else None
            if shorter:
                m, words = shorter, shorter.group("words").split()
        # "3 miles down the road": the words between number and suffix must name a street
        bare_suffix = not words and text[m.end("words")].isupper()  # "1720 Grove", "88 Broadway"
        amount = bool(words) and words[0].islower() and _AMOUNT_UNITS.fullmatch(" " + words[0])  # "3 points"
        named = (
            (words or bare_suffix)
            and not amount
            and not any(
                w.lower().strip(".,") in STOPWORDS
                for w in words
                if w.lower() not in _HOUSE_PARTICLES or not any(v[0].isupper() for v in words)
            )
        )  # "1801 Ponce de Leon Ave"; not "3 de la way"
        suffix_word = WORD_RX.match(text, m.end("words"))
        suffix = suffix_word.group().lower() if suffix_word else ""
        capitalised = all(w[0].isupper() or w[0].isdigit() or w in _HOUSE_PARTICLES for w in words) and (
            not words or not all(w in _HOUSE_PARTICLES for w in words)
        )
        # "52 walk their way": common words after a number are no street unless a street word ends them
        street_like = (
            capitalised
            or bare_suffix
            or words
            and all(w.lower() in ORDINALS for w in words)
            and suffix in _STRONG_SUFFIXES  # "425 seventh avenue"
            or suffix in _STRONG_SUFFIXES
            and not any(w.lower() in lists.common for w in words)
            # in lower case, a house number of two digits or more, a name of up to three words and a
            # street word spelled out: "45 old mill road", "415 mission street"; not "a 500 gig hard drive"
            or suffix in _SPELLED_STRONG_SUFFIXES
            and 0 < len(words) <= 3
            and m.group()[:2].isdigit()
            and words[-1].lower() not in _NOT_A_STREET_BEFORE_SUFFIX
            and not any(w.lower() in lists.keep or _AMOUNT_UNITS.fullmatch(w) for w in words)
            # in lower case, as speech-to-text writes it, where a place is spoken of: "we found dad at 14
            # kowhai place", "i grew up at 77 harbor view drive"
            # in lower case, a name no one says as a word before any street word: "21 rathmines park", "88
            # kowhai crescent"; not "37 mindful way"
            or suffix in _STREET_SUFFIX_SET
            and 0 < len(words) <= 2
            and len(words[0]) >= 3
            and all(w.isalpha() for w in words)
            and not any(w.lower() in lists.familiar or w.lower() in lists.keep for w in words)
            or suffix in _STREET_SUFFIX_SET
            and 0 < len(words) <= 3
            and not any(w.lower() in lists.keep for w in words)
            and (
                _PLACE_SAID_BEFORE.search(text, max(lo, m.start() - 24), m.start()) is not None
                or _FLAT_BEFORE.search(text, max(lo, m.start() - 30), m.start()) is not None
                or "/" in m.group()
                and _UNIT_WORD_BEFORE.search(text, max(lo, m.start() - 12), m.start()) is not None
            )
        )
        if named and street_like:
            unit = (
                _UNIT_BEFORE.search(text, max(lo, m.start() - 40), m.start())
                or _FLAT_BEFORE.search(text, max(lo, m.start() - 30), m.start())
                or (_UNIT_WORD_BEFORE.search(text, max(lo, m.start() - 12), m.start()) if "/" in m.group() else None)
                or _DASHED_UNIT.search(text, max(lo, m.start() - 12), m.start())
                or _PLOT_BEFORE.search(text, max(lo, m.start() - 8), m.start())
            )
            start = unit.start() if unit else m.start()
            said = t.claims.overlapping(start, m.end())
            if said and all(
                (s.type == ADDRESS or s.type == DATE and "/" in text[s.start : s.end])
                and s.start >= start
                and s.end <= m.end()
                for s in said
            ):  # "room 9, 2200 airport boulevard"; "Unit 7/22 Bellbird Street" (a unit and house, not a date)
                t.claims.replace(said, start, m.end(), ADDRESS)  # "room 9, 2200 airport boulevard": one address
            else:
                t.add(start, m.end(), ADDRESS)
            m = STREET_RX.search(text, m.end(), hi)
        else:
            m = STREET_RX.search(text, m.start() + 1, hi)


# the unit before a unit-and-house number: "Unit 7/22 Bellbird Street", "shop 3 / 18 beach rd"
_UNIT_WORD_BEFORE = re.compile(r"\b(?:unit|flat|shop|apartment|apt\.?|suite|villa|townhouse)\s+$", re.IGNORECASE)
# the flat or floor said before the house: "apartment 3b, 77 harbor view drive", "5th floor, 250 queen street"
_FLAT_BEFORE = re.compile(
    r"(?:\b(?:apartment|apt\.?|unit|suite|flat|room|rm\.?|lot|space|trailer|building|bldg\.?|shop|cottage|"
    r"barracks|villa|cabin)\s*#?\s*"
    r"(?:\d[a-z0-9/-]{0,4}|[a-z]-?\d[a-z0-9-]{0,3}|[a-z])|"  # "apartment 3b", "flat 2/1", "unit c"; not "room at"
    r"\b(?:apartment|apt\.?|unit|suite|flat)\s+(?:" + _GROUP_UNIT + r"\s+){1,3}" + _GROUP_UNIT + r"|"
    # "apartment one oh two, 66 birch street"
    r"(?<![\w#])#\d[a-z0-9-]{0,4}|"  # "#4B, 310 Elm Ave"
    r"\b(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|top|ground)\s+floor),?\s+$",
    re.IGNORECASE,
)
# the spelled-out street words of _STRONG_SUFFIXES, and the words before one that make it no street
_SPELLED_STRONG_SUFFIXES = frozenset(
    {"street", "avenue", "road", "drive", "lane", "boulevard", "highway", "parkway", "court", "terrace"}
)
_NOT_A_STREET_BEFORE_SUFFIX = frozenset({
    "hard", "flash", "thumb", "usb", "disk", "disc", "test", "sex", "back", "food", "toy", "blood", "car", "long", "short",
    "dirt", "gravel", "one", "two", "way", "lane", "step", "gig", "gigs", "gb", "tb", "terabyte", "gigabyte", "county",
    "high", "main", "open", "fast", "slow", "bus", "express", "toll", "private", "mile", "yard", "night", "day", "court",
    "family", "drug", "traffic", "tennis", "basketball", "moving", "hour", "minute", "ring", "bowling",
})  # fmt: skip
# a house on a street the British and Irish name with "the": "12 the crescent", "4 The Green"
THE_STREET_RX = re.compile(
    r"(?<![\w.,/-])\d{1,4}[a-z]?,?\s+the\s+(?:crescent|close|green|grove|mews|parade|terrace|square|row|walk|"
    r"drive|avenue|rise|glade|paddock|meadows|boulevard|strand|mall|oval|chase|spinney|causeway)\b",
    re.IGNORECASE,
)
_PLACE_SAID_BEFORE = re.compile(
    r"(?:\b(?:at|to|on|from|is|was|address|near|outside|behind|says|said|down|c/o)|\b(?:live|lives|living|lived|staying|moved|found\s+\w+)"
    r"\s+(?:at|on|to|in))(?:\s+(?:like|um|uh))?[,\s]+$",
    re.IGNORECASE,
)  # "at", "live on", "moved to", "the address is"
_VEHICLE_WORDS = frozenset({"plate", "plates", "tag", "tags", "car", "truck", "van", "minivan", "suv", "vehicle", "parked",
                            "registered", "registration", "drives", "drove", "driving", "jeep", "pickup", "sedan",
                            "parking", "rearview", "chevy", "camry", "civic", "motorcycle", "drive", "camera", "tow",
                            "towed", "ute", "rego", "hit-and-run", "reg", "rear", "motorbike", "scooter", "moped",
                            "lorry", "taxi", "cab", "bike", "trailer", "caravan", "boat", "motorhome", "rv"})  # fmt: skip
_CAPS_WORD_RX = re.compile(r"(?<![\w'’-])[A-Z]{6,8}(?![\w'’-])")


# a plate of letters and digits near a vehicle: "2GX C81", "F73-JRK", "B-MK 4721", "4GVN"
def _lower_plate(t: _Text, lists: WordLists, m: re.Match) -> None:
    """A plate in lower case near a vehicle: its letters are no word ("abk 3390"), or are joined to
    its digits ("le19 xkp", "ehr-382-a"); a word after it is not part of it ("cbkr 417 and ...")."""
    code = m.group()
    tail = re.search(r" ([a-z]{1,3})$", code)
    if tail and not _code_letters(tail.group(1), lists):
        code = code[: tail.start()]  # "cbkr 417 and": the plate ends before "and"
    groups = re.findall(r"(?:^|(?<=[- ]))[a-z]+(?=[- ]|$)", code)  # letters standing apart from digits
    letters = re.findall(r"[a-z]+", code)
    if not letters or len(letters) == 1 and len(letters[0]) < 2 and not re.search(r"\d[a-z]|[a-z]\d", code):
        return  # "f 150"
    if len(letters) == 1 and len(letters[0]) == 1 and not tail and not code[-1].isalpha():
        return  # "f-150", "b12": a model, a vitamin
    if any(g in _NOT_PLATE_LETTERS for g in letters):
        return  # "2000 km", "30 mph"
    shaped = (
        bool(_PLATE_OF_WORDS.fullmatch(code))
        and letters[0] not in STOPWORDS
        and letters[0] not in _VEHICLE_WORDS
        and not _AMOUNT_UNITS.match(t.text, m.start() + len(code))
    )
    if shaped or all(_code_letters(g, lists) or code.endswith("-" + g) for g in groups):
        _absorb(t, m.start(), m.start() + len(code), ID)  # "abk 3390", "lnx-4829", "ehr-382-a", "le19 xkp"


# a plate in lower case, as speech-to-text writes it: letters and digits, or the UK's shape
_LOWER_PLATE_RX = re.compile(
    r"(?<![\w'’-])(?:[a-z]{2}[- ]?\d{1,2}[- ]?[a-z]{1,3}[- ]?\d{4}|"  # India's: "mh 12 ab 4471"
    r"[a-z]-[a-z]{1,2} \d{1,4}|[a-z]{2,3} \d[a-z]\d{2}|\d{3,4} [a-z]{2}|"  # "b-kj 4471", "abc 1d23", "9876 hf"
    r"[a-z]{1,4}[- ]?\d{2,4}(?:[- ]\d{2,4})?(?:[- ]?[a-z]{1,3})?|\d[a-z]{2,3} ?\d{2,3}|[a-z]{2}\d{2} ?[a-z]{3})"
    r"(?![\w'’-])"
)
# plates whose letters may spell a word, by their shape alone: "lag 447 kja" (Nigeria), "nab 1234" near a
# vehicle; not before a unit ("ran 5000 miles")
_PLATE_OF_WORDS = re.compile(r"[a-z]{3} \d{3} [a-z]{2,3}|[a-z]{3} (?!(?:19|20)\d\d)\d{4}|[a-z]-[a-z]{1,2} \d{1,4}")
_NOT_PLATE_LETTERS = frozenset({"km", "mi", "hp", "cc", "kg", "lb", "lbs", "mg", "ml", "am", "pm", "st", "nd", "rd", "th",
                                "mph", "kph", "hrs", "min", "mins", "sec", "ft", "yd", "oz", "gb", "mb", "tb", "ad", "bc",
                                # units and currencies said before a number: "ppm 1000", "usd 100"
                                "mgs", "ppm", "bpm", "rpm", "kms", "yrs", "cal", "usd", "gbp", "eur", "aud", "cad",
                                "nzd", "inr", "php", "ngn", "kes", "zar", "jmd", "ttd", "ghs", "mxn", "sgd", "myr",
                                "pkr", "lkr", "bdt", "npr", "aed", "sar", "ugx", "tzs", "rwf", "etb", "btc", "dsm",
                                "icd", "cpt", "phq", "gad", "pcl", "bdi", "bai"})  # fmt: skip
# the shapes of a plate in lower case that no other number has: "lxz 4821", "sn19 xkd", "f42 bkd", "912 klt"
_BARE_PLATE_RX = re.compile(
    r"(?<![\w'’./$-])(?:[a-z]{3} ?\d{3,4}(?: ?[a-z])?|[a-z]{2}\d{2} ?[a-z]{3}|[a-z]\d{2,3} [a-z]{3})"
    r"(?![\w'’-]|[.,]\d)"
)
_PLATE_CODE_RX = re.compile(r"(?<![\w'’-])[A-Z0-9]{1,4}(?:[- ][A-Z0-9]{1,4}){0,6}(?![\w'’-])")


_HOUSE_PARTICLES = frozenset({"na", "an", "de", "del", "la", "le", "da", "di", "du", "dos", "van", "von", "y"})


def _cued_house(t: _Text, lists: WordLists, m: re.Match) -> None:
    """A house number and a name after an address cue, unless the name is a kept word, a month, a
    weekday or a number ("at 9 Tuesday", "it's 7 Eleven")."""
    name = re.search(r"[A-Z][a-z].*", m.group("v")).group()
    words = [w.lower() for w in WORD_RX.findall(name)]
    said = [w for w in words[1:-1] if w not in _HOUSE_PARTICLES] + [words[0], words[-1]]  # "3 Cnoc na Gréine"
    if any(w in lists.keep or w in MONTHS or w in STOPWORDS or w in _NUMBER_WORD_SET or w in _TITLES for w in said):
        return
    if _AMOUNT_UNITS.match(" " + words[0]) or words[0] in lists.common and len(words) == 1:
        return  # "at 20 Minutes", "it's 2 Pills"; not "212 Elm"
    unit = _UNIT_AFTER.match(t.text, m.end("v"))
    if not (unit and t.add(m.start("v"), unit.end(), ADDRESS)):
        t.add(m.start("v"), m.end("v"), ADDRESS)  # the unit may be taken already ("apartment B")


# a number said in words, with "a hundred and ten" ("a" and "and" inside it)
def _spoken_number(more: str) -> str:
    """A number said in words: one word and `more` ("{1,4}") after it."""
    return r"(?:a\s+)?(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:and\s+)?(?:" + _NUMBER_WORDS + r"))" + more


# a house number in words, a compass direction and the street's name, no street word: "two oh one south
# main", "twenty one fifteen south halsted"; the block said in words: "the thirty three hundred block of
# north halsted"; a rural route in words: "rural route two box forty"
SPOKEN_DIRECTED_RX = _rx(
    r"\b(?P<v>" + _spoken_number("{1,5}") + r"\s+(?:block\s+of\s+)?(?:north|south|east|west)\s+(?P<name>[a-z][a-z'’-]+)"
    r"(?:\s+(?:" + STREET_SUFFIXES + r")\b\.?)?)\b"
    r"|\b(?P<b>" + _spoken_number("{1,5}") + r"\s+block\s+of\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)"
    r"|\b(?P<r>rural\s+route\s+" + _spoken_number("{0,3}") + r"(?:,?\s+box\s+" + _spoken_number("{0,4}") + r")?)\b"
)
# a house number in words and a capitalised street of any kind: "one eight three four Cypress Bend"
SPOKEN_NAMED_STREET_RX = re.compile(
    r"\b(?i:" + _spoken_number("{1,5}") + r")\s+(?:[A-Z][a-z][\w'’-]*\s+){1,2}"
    r"(?:" + "|".join(w.capitalize() for w in STREET_SUFFIXES.replace("?", "").split("|") if len(w) > 3) + r")\b"
)
_DIRECTION_TAILS = frozenset({"side", "bound", "end", "coast", "wing", "tower", "entrance", "exit", "lot", "gate"})
_SPOKEN_DIRECTED_GATE = frozenset({"north", "south", "east", "west", "block", "route"})


# a chain's store by its street: "the CVS on Maple Avenue", "the Rite Aid on Route 22", "the Walgreens
# over on Fifth and Main" (the brand alone names no place; with its street it names one store)
_STORE_STREET = (
    r"(?:Route|Highway|Hwy|Rt\.?)\s+\d{1,4}\b"
    r"|(?:[A-Z][\w'’-]*|\d{1,3}(?:st|nd|rd|th))(?:\s+(?:and|&)\s+(?:[A-Z][\w'’-]*|\d{1,3}(?:st|nd|rd|th)))?"
    r"(?:\s+(?i:" + STREET_SUFFIXES + r")\b\.?)?"
)
CHAIN_STORE_RX = re.compile(
    r"\b(?P<brand>[A-Z][\w'’&.-]*(?:\s+[A-Z][\w'’&.-]*){0,2})(?:\s+(?i:pharmacy|store|supermarket|branch|location))?"
    r"\s+(?i:(?:over|down|up|out)\s+)?(?i:on|off)\s+(?P<street>" + _STORE_STREET + r")"
)
_STORE_GATE = frozenset({"on", "off"})


def _chain_stores(t: _Text, lists: WordLists) -> None:
    """A kept brand with the street of its store: the store is a facility, brand and street."""
    if not t.lower_words & _STORE_GATE:
        return
    text = t.text
    kept, firsts = _brands()
    brands = [(i, w) for w in t.words if w[0].isupper() and w.lower() in firsts for i in t.occurrences(w, low=False)]
    for lo, hi in _merged([t.window(i, i + len(w), 0, 70) for i, w in brands]):
        for m in CHAIN_STORE_RX.finditer(text, lo, hi):
            brand, street = m.group("brand"), m.group("street")
            if brand.lower() not in kept and brand.split()[-1].lower() not in kept:
                continue  # a brand of keep_words.txt's brands, not "Tai Chi on Main Street"
            street_words = [w.lower() for w in WORD_RX.findall(street)]
            if all(w in lists.keep or w in MONTHS or w in _WEEKDAYS or w in STOPWORDS for w in street_words):
                continue  # "Target on Sunday", "Walmart on Black Friday"
            said = t.claims.overlapping(m.start("street"), m.end("street"))
            street_like = (
                street_words[-1] in _STREET_SUFFIX_SET
                or street_words[0] in ("route", "highway", "hwy", "rt")
                or all(w in _ORDINAL_STREETS or w == "and" or w[:1].isdigit() for w in street_words)
                or any(s.type in (LOCATION, ADDRESS) and s.start == m.start("street") for s in said)
            )
            if not street_like or t.claims.overlapping(m.start(), m.start("street")):
                continue  # the brand is free (a kept phrase's characters are blocked, not claimed)
            if any(s.type not in (LOCATION, ADDRESS) or s.start < m.start("street") or s.end > m.end() for s in said):
                continue
            t.claims.replace(said, m.start(), max([m.end()] + [s.end for s in said]), FACILITY)


# A place named by its kind and where it stands, in lower case as speech-to-text writes it: "the suboxone
# clinic on broad street", "the walgreens on cicero", "the mosque on haldon street", "the women's refuge in
# ponsonby". Where it stands must say which: a street, a numbered street or a corner, a town, or a word no
# dictionary holds ("the clinic on monday", "the gym in the morning", "the church in town" stay).
_PLACE_KINDS = (
    r"clinic|hospital|shelter|mission|church|mosque|temple|synagogue|ymca|ywca|library|pharmacy|chemist|detox|"
    r"rehab|refuge|cent(?:er|re)|school|high\s+school|jail|motel|hotel|diner|laundromat|food\s+bank|soup\s+kitchen|"
    r"methadone\s+clinic|meeting\s+hall|hall|drop-in|halfway\s+house|sober\s+house|group\s+home|surgery|"
    r"gp|practice|station|precinct|courthouse|store|shop|supermarket|mall"
)
_AFTER_PLACE_RX = re.compile(r"\s+(?:on|in|off|at)\s+(?:the\s+)?(?=[a-z])")
_PLACE_KIND_WORDS = frozenset(re.findall(r"[a-z-]+", _PLACE_KINDS.replace("(?:er|re)", "er"))) | {"centre"}
_PLACE_KIND_RX = re.compile(r"\b(?:" + _PLACE_KINDS + r")\b")


def _located_places(t: _Text, lists: WordLists) -> None:
    words = t.lower_words
    brands = words & _brands()[1]
    kinds = words & _PLACE_KIND_WORDS
    if not (words & {"on", "in", "off", "at"}) or not (kinds or brands):
        return
    text = t.text
    heads = []  # (start, end) of each kind word or brand said in lower case
    for w in kinds | brands:
        for i in t.occurrences(w, low=False):
            kind = _PLACE_KIND_RX.match(text, i)
            if kind:
                heads.append((i, kind.end()))
            else:  # a brand: "walgreens", "rite aid"
                said = [b for b in _brands_by_first().get(w, ()) if t.low.startswith(b, i)]
                if said:
                    heads.append((i, i + len(max(said, key=len))))
    for head, head_end in heads:
        after = _AFTER_PLACE_RX.match(text, head_end)
        if not after:
            continue
        hi = t.window(after.end(), after.end(), 0, 50)[1]
        place = _where(text, after.end(), hi, lists)
        if place is None:
            continue
        start = head  # up to two words of the name before the kind: "salvation army shelter", "women's refuge"
        for _ in range(2):
            before = re.search(r"([a-z][a-z'’&.-]*)\s+$", text[max(0, start - 30) : start])
            if not before or before.group(1) in STOPWORDS or before.group(1) in _NOT_A_NAME_BEFORE_KIND:
                break
            start -= len(before.group())
        said = t.claims.overlapping(start, place)
        if any(s.type not in (LOCATION, ADDRESS, FACILITY) or s.start < start or s.end > place for s in said):
            continue
        t.claims.replace(said, start, place, FACILITY)


# words before a kind that are not part of its name: "went to the clinic", "my old school"
_NOT_A_NAME_BEFORE_KIND = frozenset({"went", "go", "goes", "going", "gone", "got", "get", "old", "new", "local", "same",
                                     "other", "nearest", "closest", "big", "little", "only", "first", "last", "one",
                                     "free", "behind", "outside", "inside", "near", "by", "like", "um", "uh", "back",
                                     "down", "up", "over", "out", "from", "into", "toward", "towards", "called"})  # fmt: skip


def _where(text: str, start: int, end: int, lists: WordLists) -> int | None:
    """The end of a street, a corner or a town said in lower case from `start`, or None."""
    words = list(WORD_RX.finditer(text, start, end))
    if not words:
        return None
    lows = [w.group().lower() for w in words]
    first = lows[0]
    if (
        first in STOPWORDS
        or first in MONTHS
        or first in _WEEKDAYS
        or first in lists.keep
        and first not in _ORDINAL_STREETS
    ):
        return None
    for n in range(min(4, len(lows)), 0, -1):  # a street: "broad street", "haldon street", "skid row"
        if lows[n - 1] in _STREET_SUFFIX_SET and n > 1 and not any(w in STOPWORDS for w in lows[: n - 1]):
            return words[n - 1].end()
    if first in _ORDINAL_STREETS:  # "on third", "on elm and fifth" is below
        return words[0].end()
    if len(lows) >= 3 and lows[1] == "and" and (lows[2] in _ORDINAL_STREETS or lows[0] in _ORDINAL_STREETS):
        return words[2].end()  # a corner: "elm and fifth"
    for n in (3, 2, 1):  # a town: "in ponsonby", "in pueblo"
        if len(lows) >= n and " ".join(lows[:n]) in lists.cities and (n > 1 or lows[0] not in lists.common):
            return words[n - 1].end()
    if _distinctive(first, lists) and first not in lists.first:
        return words[0].end()  # "on cicero", "on lakeshore"
    return None


@functools.cache
def _brands_by_first() -> dict[str, tuple[str, ...]]:
    """The brands of `_brands()` by their first word."""
    out: dict[str, list[str]] = {}
    for brand in _brands()[0]:
        out.setdefault(brand.split()[0], []).append(brand)
    return {first: tuple(sorted(brands)) for first, brands in out.items()}


@functools.cache
def _brands() -> tuple[frozenset[str], frozenset[str]]:
    """The brands and companies of keep_words.txt (its "[brands" section), and their first words."""
    brands, inside = set(), False
    for line in KEEP_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip().lower()
        if line.startswith("["):
            inside = line.startswith("[brands")
        elif inside and line and not line.startswith("#"):
            brands.add(line)
    return frozenset(brands), frozenset(b.split()[0] for b in brands)


_STREET_SUFFIX_SET = frozenset(STREET_SUFFIXES.replace("?", "").split("|"))
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekends",
                       "weekdays"})  # fmt: skip
_ORDINAL_STREETS = frozenset({"main", "broadway", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                              "eighth", "ninth", "tenth"})  # fmt: skip


def _spoken_houses(t: _Text, lists: WordLists) -> None:
    """A house number said in words after an address cue ("we moved to four twenty Maple"), a box
    said in words ("post office box two-oh-nine")."""
    if "box" in t.low:
        for m in SPOKEN_BOX_RX.finditer(t.text):
            t.add(m.start(), m.end(), ADDRESS)
    if t.lower_words & _NUMBER_WORD_SET and any(w[0].isupper() and w.lower() in _STREET_SUFFIX_SET for w in t.words):
        for m in SPOKEN_NAMED_STREET_RX.finditer(t.text):
            if not any(w.lower() in lists.keep or w.lower() in MONTHS for w in WORD_RX.findall(m.group())[-3:-1]):
                unit = _UNIT_AFTER.match(t.text, m.end())  # "... Lakeview Drive apartment two B"
                t.add(m.start(), unit.end() if unit else m.end(), ADDRESS)
    gates = t.lower_words & _SPOKEN_DIRECTED_GATE
    if gates and t.lower_words & _NUMBER_WORD_SET:
        for lo, hi in _merged([t.window(i, i + len(w), 90, 60) for w in gates for i in t.occurrences(w)]):
            for m in SPOKEN_DIRECTED_RX.finditer(t.text, lo, hi):
                name = (m.group("name") or "").lower()
                if name in STOPWORDS or name in lists.keep or name in MONTHS or name in _NUMBER_WORD_SET:
                    continue  # "two miles south of", "one block north"
                if m.group("name") and name in _DIRECTION_TAILS:
                    continue
                group = "v" if m.group("v") else "b" if m.group("b") else "r"
                t.add(m.start(group), m.end(group), ADDRESS)
    cues = t.lower_words & (_ADDRESS_CUE_FIRST | {"at", "from"})  # "evicted from nine nine one Sandpiper Loop"
    if not cues or not t.lower_words & _NUMBER_WORD_SET:
        return
    for lo, hi in _merged([t.window(i, i + len(w), 0, 90) for w in cues for i in t.occurrences(w)]):
        for m in SPOKEN_HOUSE_RX.finditer(t.text, lo, hi):
            _cued_house(t, lists, m)


def _cued_plates(t: _Text, lists: WordLists) -> None:
    """A plate said after "plate" or "tag", letters only too ("plate LUVMYKDS"); a vanity plate in
    capitals no dictionary knows, in a sentence about a vehicle ("the minivan with ISLNDGRL")."""
    if _VEHICLE_WORDS & t.lower_words and any(6 <= len(w) <= 8 and w.isupper() for w in t.words):
        for m in _CAPS_WORD_RX.finditer(t.text):
            low = m.group().lower()
            if low in lists.ordinary or low in lists.keep or low in lists.familiar or low in lists.cities:
                continue
            lo, hi = t.window(m.start(), m.end(), 80, 80)
            if _VEHICLE_WORDS & set(re.findall(r"[a-z]+", t.low[lo:hi])):
                t.add(m.start(), m.end(), ID)
    vehicles = _VEHICLE_WORDS & t.lower_words
    if vehicles and t.digit_runs:
        windows = _merged([t.window(i, i + len(w), 80, 80) for w in vehicles for i in t.occurrences(w)])
        for m in (m for lo, hi in windows for m in _PLATE_CODE_RX.finditer(t.text, lo, hi)):
            code = m.group()
            plain = code.replace("-", "").replace(" ", "")
            if not (any(c.isdigit() for c in plain) and any(c.isalpha() for c in plain)) or len(plain) < 4:
                continue  # "F-150" is a truck, "4x4" a kind of one
            if code.lower() in lists.keep or re.fullmatch(r"[A-Z]-?\d{2,3}|\d{1,2}[A-Z]{1,2}|[A-Z]{1,2}\d", plain):
                continue
            t.add(m.start(), m.end(), ID)
        for m in (m for lo, hi in windows for m in _LOWER_PLATE_RX.finditer(t.text, lo, hi)):
            lead = re.match(r"([a-z]+) (?=\d)", m.group())
            if lead and lead.group(1) in STOPWORDS:  # "the reg was 9876 hf": the plate begins after "was"
                m = _LOWER_PLATE_RX.match(t.text, m.start() + lead.end(), m.end()) or m
            _lower_plate(t, lists, m)
    if t.digit_runs:  # a plate by its shape alone, where its letters are no word: "she keeps seeing lxz 4821"
        windows = _merged([t.window(a, b, 9, 9) for a, b in t.digit_runs])
        for m in (m for lo, hi in windows for m in _BARE_PLATE_RX.finditer(t.text, lo, hi)):
            groups = [g for g in re.findall(r"[a-z]+", m.group()) if len(g) == 3]
            if all(
                _code_letters(g, lists) and g not in _NOT_PLATE_LETTERS and not re.search(r"[aeiou]{2}", g)
                for g in groups
            ):
                t.add(m.start(), m.end(), ID)
    cues = (
        [i for w in ("plate", "plates", "tag", "tags") for i in t.occurrences(w)]
        if "plate" in t.low or "tag" in t.low
        else []
    )
    for lo, hi in _merged([t.window(i, i + 6, 0, 48) for i in cues]):
        for m in PLATE_CUED_RX.finditer(t.text, lo, hi):
            value = m.group("v")
            if value.lower() not in lists.keep and not (value.isalpha() and len(value) < 4):
                t.add(m.start("v"), m.end("v"), ID)


# Characters said one by one, five or more: "3 3 1 2 7", "6 H J K 2 1 9", "t m c a l l i s t e r",
# "W as in William 4 4 1 9 0 2 7 7 3"; spelled letters before "at hotmail" are an email.
_SPELLED_UNIT = r"(?:[A-Z] as in [A-Z][a-z]+|[A-Za-z0-9])"
SPELLED_RX = re.compile(r"(?<![\w'’@.-])(?:" + _SPELLED_UNIT + r"(?: | - )){4,}" + _SPELLED_UNIT + r"(?![\w'’@-])")
_SPELLED_AT = _rx(r" at [a-z][\w-]*(?: dot [a-z]{2,6}){0,3}\b")
# a code of letters and digits and its groups of digits: "R22 9931 0047", "XJP 4410 2291"
GROUPED_CODE_RX = re.compile(r"(?<![\w-])[A-Z]{1,3}\d{1,4}(?:[ -]\d{3,5}){1,3}(?![\w-])")


def _spelled(t: _Text, lists: WordLists) -> None:
    text = t.text
    runs = t.digit_runs
    if any(b - a == 1 for a, b in runs) or any(len(w) == 1 and w not in "IaA" for w in t.words):
        _spelled_out(t, text)
    for lo, hi in _merged([t.window(a, b, 8, 20) for a, b in runs if b - a >= 3]):
        for m in GROUPED_CODE_RX.finditer(text, lo, hi):
            _absorb(t, m.start(), m.end(), ID, keep_type=False)


def _spelled_out(t: _Text, text: str) -> None:
    for m in SPELLED_RX.finditer(text):
        units = re.findall(_SPELLED_UNIT, m.group())
        if len({u.lower() for u in units}) < 2 or all(u.lower() in ("i", "a") for u in units):
            continue  # "I I I", a stammer
        codes = [ord(u.lower()) for u in units if len(u) == 1]
        if all(b - a == 1 for a, b in itertools.pairwise(codes)):
            continue  # "a b c d e", "1 2 3 4 5": counting, the alphabet
        email = _SPELLED_AT.match(text, m.end()) if all(u.isalpha() for u in units) else None
        if email:
            _absorb(t, m.start(), email.end(), EMAIL)
        else:
            _absorb(t, m.start(), m.end(), ID)


def _absorb(t: _Text, start: int, end: int, kind: str, keep_type: bool = True) -> None:
    """One span over [start, end) in place of the spans inside it ("T as in Tom" and its digits,
    already a number; the letters before "s a l i n d at yahoo dot com"): none may reach outside it.
    One shaped span inside keeps its type (a phone said digit by digit stays a phone)."""
    inside = t.claims.overlapping(start, end)
    if any(s.start < start or s.end > end for s in inside):
        if len(inside) == 1 and inside[0].type == kind and inside[0].end >= end and inside[0].start > start:
            end = inside[0].end  # the spelled letters run on into the email found after them
        else:
            return
    types = {s.type for s in inside}
    if keep_type and len(types) == 1 and next(iter(types)) in (PHONE, SSN, ZIP, EMAIL, ID):
        kind = next(iter(types))
    t.claims.replace(inside, start, end, kind)


def _phones(t: _Text, lo: int, hi: int) -> None:
    text = t.text
    for m in VANITY_PHONE_RX.finditer(text, lo, hi):  # "1-800-555-HELP", before its digits are taken
        t.add(m.start(), m.end(), PHONE)
    pieces = []
    for candidate in PHONE_CANDIDATE_RX.finditer(text, lo, hi):
        # a sentence's end is no separator: "account 000183726459. 818.555.0191" holds two numbers
        cursor = candidate.start()
        for stop in re.finditer(r"\.\s+", candidate.group()):
            pieces.append((cursor, candidate.start() + stop.start()))
            cursor = candidate.start() + stop.end()
        pieces.append((cursor, candidate.end()))
    for start, end in pieces:
        if _digit_count(text[start:end]) < 7:
            continue
        window = text[start:end].replace("–", "-").replace("/", "-")
        international = INTERNATIONAL_PHONE_RX.fullmatch(window.rstrip(" .,"))
        if international and 8 <= _digit_count(window) <= 15:
            t.add(start, start + len(window.rstrip(" .,")), PHONE)  # "+52 1 33 9876 5432": any country's number
            continue
        for region in ("US", "GB"):
            found = False
            for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.POSSIBLE):
                raw = m.raw_string
                if region == "GB" and not (raw.startswith(("0", "+")) and _digit_count(raw) >= 10):
                    continue  # only UK national shapes: the GB matcher also takes "2019 2020"
                if _digit_count(raw) < 10 and not re.search(r"\d[\s.–-]\d", raw):
                    continue  # seven bare digits are a record number more often than a phone
                if _digit_count(window) > _digit_count(raw) + 1:
                    continue  # part of a longer number: a card or an account ("6011 0045 8821 3390")
                groups = [len(g) for g in re.findall(r"\d+", raw.split("x")[0].split("ext")[0])]
                if (
                    region == "US"
                    and not raw.startswith("+")
                    and groups[-3:] not in ([3, 3, 4], [3, 4], [3, 7])
                    and groups[-1:] != [10]
                ):
                    continue  # no North American shape: "9920 1184 03" is a member number
                ext = _EXTENSION_RX.match(text, start + m.end)
                found |= t.add(start + m.start, ext.end() if ext else start + m.end, PHONE)
            if found:
                break
    for m in LOCAL_PHONE_RX.finditer(text, lo, hi):
        ext = _EXTENSION_RX.match(text, m.end())
        t.add(m.start(), ext.end() if ext else m.end(), PHONE)
    for index, span in enumerate(t.claims.spans):  # "area code 601, 555-0128": the code belongs to the number
        if span.type == PHONE and lo <= span.start < hi:
            code = _AREA_CODE_BEFORE.search(text, max(lo, span.start - 24), span.start)
            if code and t.claims.free(code.start(1), span.start):
                t.claims.widen(index, code.start(1), span.end)


def _numeric_dates(t: _Text, lo: int, hi: int) -> None:
    text = t.text
    for m in DATE_NUMERIC_RX.finditer(text, lo, hi):
        if m.group("a"):
            a, b = int(m.group("a")), int(m.group("b"))
            if not ((1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)):
                continue
        elif not (1 <= int(m.group("im")) <= 12 and 1 <= int(m.group("id")) <= 31):
            continue
        t.add(m.start(), m.end(), DATE, ("numeric", m))
    for m in DATE_SHORT_RX.finditer(text, lo, hi):
        if m.group("b") in ("10", "5") and _RATING_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue  # "a 7/10": a rating
        if m.group() in ("1/2", "1/3", "2/3", "1/4", "3/4") and (
            text[m.start() - 2 : m.start() - 1].isdigit()
            or not _DATE_CUE.search(text, max(0, m.start() - 24), m.start())
        ):
            continue  # "211 1/2 Front St", "1/2 a pill": a fraction
        t.add(m.start(), m.end(), DATE, ("short", m))
    for m in DATE_DASH_RX.finditer(text, lo, hi):
        t.add(m.start("a"), m.end("b"), DATE, ("short", m))
    for m in DATE_ON_THE_RX.finditer(text, lo, hi):
        t.add(m.start("day"), m.end("day"), DATE, ("day", m))


_DAY_NEAR = re.compile(
    r"\d|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|teenth|"
    r"twentieth|thirtieth)\b|\b(?:nineteen|twenty|two\s+thousand)\s"
)  # a day, or a year said in words ("august of twenty eighteen")


_FOREIGN_GATE = frozenset(w for months in FOREIGN_MONTHS.values() for m in months for w in m.split("|")) - _ENGLISH_TOO


_DIGITS_ONLY_MONTHS = frozenset(
    w for lang in _DIGIT_DAY_LANGUAGES for m in FOREIGN_MONTHS[lang] for w in m.split("|")
) - frozenset(w for lang in ("es", "pt", "pl") for m in FOREIGN_MONTHS[lang] for w in m.split("|"))
_GERMAN_MONTHS = frozenset(w for m in FOREIGN_MONTHS["de"] for w in m.split("|"))
_FRENCH_IN_ENGLISH = frozenset({"mars", "mai"})  # a planet and a bar; German and French "mai"
_GERMAN_DAY = re.compile(r"\d\.\s+[A-ZÄÖÜa-zäöü]")


def _foreign_dates(t: _Text, lists: WordLists) -> None:
    """Dates said in Spanish, Portuguese, Polish, German, French, Indonesian or Malay, with a day: "12 de octubre de 2019",
    "el doce de octubre", "dia vinte de março", "2 lutego 2020", "15. August 2019", "le 12 mars 2020"."""
    months = t.lower_words & _FOREIGN_GATE
    german = t.lower_words & _GERMAN_MONTHS
    if german and _GERMAN_DAY.search(t.text):
        months |= german
    if not months:
        return
    points = [(i, len(w)) for w in months for i in t.occurrences(w)]
    windows = _merged([t.window(i, i + n, 24, 12) for i, n in points])
    for m in (m for lo, hi in windows for m in FOREIGN_DATE_RX.finditer(t.text, lo, hi)):
        if m.group("gday") and not (m.group("gyear") or m.group("gmonth").lower() in _FOREIGN_GATE):
            continue  # "at 15. April was ...": a German date needs its year or a German month
        bare_french = m.group("fday") and not (m.group("fyear") or m.group("fle") or m.group("fwday"))
        if bare_french and (m.group("fmonth").lower() in _FRENCH_IN_ENGLISH or not m.group("fday")[0].isdigit()):
            continue  # "six mars bars", "sept mai ...": a French date needs "le", a weekday or a year there
        if (
            m.group("month")
            and m.group("month").lower() in _DIGITS_ONLY_MONTHS
            and not (m.group("day").isdigit() and m.group("year"))
        ):
            continue  # "12 Januari 2020", not "met 3 julie": these months with a day in digits and a year
        t.add(m.start(), m.end(), DATE, ("foreign", m))


# A date whose month is said as an ordinal too, as much of the UK and Ireland say it: "the 9th of the 10th,
# 2023", "the thirtieth of the ninth"
_MONTH_ORDINAL = r"(?:0?[1-9]|1[0-2])(?:st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS[:12])
DATE_ORDINAL_MONTH_RX = _rx(
    r"\bthe\s+(?P<day>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)|" + _DAY_WORD + r")\s+of\s+the\s+"
    r"(?P<month>" + _MONTH_ORDINAL + r")(?:,?\s+(?P<year>" + _DAY_MONTH_YEAR + r"))?(?![\w'’-])"
    r"(?!\s+(?:time|times|round|rounds|grade|floor|day|week|month|year|one|ones|of|place|page|chapter|step|kid|child)\b)"
)


def _ordinal_month_dates(t: _Text, lists: WordLists) -> None:
    points = [i for i in _finds(t.low, " of the ") if t.low[i - 2 : i] in ("th", "st", "nd", "rd")]
    for m in (
        m
        for lo, hi in _merged([t.window(i, i, 24, 40) for i in points])
        for m in DATE_ORDINAL_MONTH_RX.finditer(t.text, lo, hi)
    ):
        t.add(m.start("day") - len("the "), m.end(), DATE, ("ordinal_month", m))


def _word_dates(t: _Text, lists: WordLists) -> None:
    """Dates with a month name ("March 14th", "the fifth of june", "14 March 2019")."""
    months = t.lower_words & MONTHS.keys()
    if not months:
        return
    low = t.low
    points = [
        (i, len(m)) for m in months for i in t.occurrences(m) if _DAY_NEAR.search(low, max(0, i - 26), i + len(m) + 22)
    ]
    text = t.text
    for lo, hi in _merged([t.window(i, i + n, 40, 48) for i, n in points]):
        for rx in (DATE_MONTH_DAY_RX, DATE_DAY_MONTH_RX, DATE_MONTH_YEAR_RX):
            for m in rx.finditer(text, lo, hi):
                if rx is DATE_MONTH_YEAR_RX:
                    bare = m.group("month").rstrip(".").lower()
                    if m.group("month")[0].islower() and (
                        bare in ("may", "mar") or bare in ("march", "jan", "dec", "sept") and m.group("year")[0] in "'’"
                    ):
                        continue  # lower-case words first: "you may 2019 ..."; but "since jan twenty twenty"
                    year = m.group("year")
                    if year.isdigit() and not (1900 <= int(year) <= 2099 or len(year) == 2):  # "march of 09"
                        continue
                    t.add(m.start(), m.end(), DATE, ("month", m))
                    continue
                month = m.group("month")
                bare = month.rstrip(".").lower()
                day = m.group("day").lower()
                if bare == "may" and month[0].islower() and rx is DATE_MONTH_DAY_RX and day in ("first", "second"):
                    continue  # "you may first ...", "you may second-guess it": a verb; not "may seventeenth"
                if (
                    bare in ("mar", "jan", "dec")
                    and month.islower()
                    and not (m.group("day")[0].isdigit() and (bare != "mar" or m.group("year")))
                    and not (bare != "mar" and m.group("day").lower() in ORDINALS)  # "jan tenth"
                ):
                    continue  # "mar" is a verb; abbreviations are written capitalised, but "since jan 9" is a date
                if day[0].isdigit() and not 1 <= int(re.sub(r"\D", "", day)) <= 31:
                    continue
                t.add(m.start(), m.end(), DATE, ("words", m))


_SLASH_PART = r"(?:" + _NUMBER_WORDS + r")(?:[\s-]+(?:" + _NUMBER_WORDS + r")){0,2}"
SPOKEN_SLASH_DATE_RX = _rx(r"\b" + _SLASH_PART + r"\s+slash\s+" + _SLASH_PART + r"\s+slash\s+" + _SLASH_PART + r"\b")
# a county said in lower case after a place word: "we drove down to maricopa county", "back to kern county"
_LOWER_COUNTY_RX = re.compile(
    r"\b(?:to|from|in|of|into|outside|near|through)\s+(?P<v>(?:[a-z][a-z'’.-]+\s+){1,2}(?:county|parish))\b"
)


def _lower_counties(t: _Text, lists: WordLists) -> None:
    if "county" not in t.low and "parish" not in t.low:
        return
    for m in _LOWER_COUNTY_RX.finditer(t.text):
        words = [_bare(w) for w in m.group("v").split()[:-1]]
        if any(w in STOPWORDS or w in lists.keep for w in words) or all(w in lists.common for w in words):
            continue  # "in the county", "to my county", "orange county" said as words
        t.add(m.start("v"), m.end("v"), LOCATION)


def _spoken_numeric_dates(t: _Text, lists: WordLists) -> None:
    """ "six eighteen twenty twenty", "ten twelve ninety-eight": a date said as three numbers."""
    low = t.low
    if " slash " in low:  # "twelve slash nine slash ninety eight"
        for m in SPOKEN_SLASH_DATE_RX.finditer(t.text):
            t.add(m.start(), m.end(), DATE, SPOKEN)
    years = [
        w for w in ("twenty", "nineteen", "thousand", "eighty", "ninety", "seventy", "sixty", "fifty", "oh") if w in low
    ]
    if not years:
        return
    points = [(i, len(w)) for w in years for i in t.occurrences(w)]
    for lo, hi in _merged([t.window(i, i + n, 40, 30) for i, n in points]):
        for m in SPOKEN_NUMERIC_DATE_RX.finditer(t.text, lo, hi):
            if _NUMBER_WORD_BEFORE.search(t.text, max(lo, m.start() - 12), m.start()) or _COUNTED_AFTER.match(
                t.text, m.end()
            ):
                continue  # part of a longer number ("three twelve, five fifty-five, ..."), or a count
            day = words_number(m.group("d"))
            if day and 1 <= day <= 31:
                t.add(m.start(), m.end(), DATE, ("spoken", m))


# a holiday with its year is a date ("Halloween 2009", "Thanksgiving of twenty twenty-one"); without one it
# stays (a holiday is said every year). The day each names, for the surrogate: a movable one by its rule
# ((month, weekday, n): the n-th weekday of the month, -1 the last) or near its usual day.
HOLIDAY_DAYS: dict[str, tuple[int, int] | tuple[int, int, int]] = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "xmas": (12, 25),
    "new year's eve": (12, 31), "new year's day": (1, 1), "new year's": (1, 1), "new years": (1, 1),
    "halloween": (10, 31), "valentine's day": (2, 14), "valentine's": (2, 14), "independence day": (7, 4),
    "fourth of july": (7, 4), "july fourth": (7, 4), "july 4th": (7, 4), "juneteenth": (6, 19),
    "veterans day": (11, 11), "st. patrick's day": (3, 17), "st patrick's day": (3, 17),
    "saint patrick's day": (3, 17), "boxing day": (12, 26), "thanksgiving day": (11, 3, 4),
    "thanksgiving": (11, 3, 4), "mother's day": (5, 6, 2), "father's day": (6, 6, 3), "memorial day": (5, 0, -1),
    "labor day": (9, 0, 1), "labour day": (9, 0, 1), "black friday": (11, 4, 4), "easter sunday": (4, 10),
    "easter": (4, 10), "good friday": (4, 8), "passover": (4, 15), "hanukkah": (12, 15), "chanukah": (12, 15),
    "mardi gras": (2, 25), "diwali": (11, 1), "lunar new year": (2, 1), "chinese new year": (2, 1),
    "eid al-fitr": (4, 21), "eid al-adha": (6, 28), "eid": (4, 21), "holi": (3, 18), "rosh hashanah": (9, 16),
    "yom kippur": (9, 25), "kwanzaa": (12, 26), "canada day": (7, 1), "anzac day": (4, 25), "australia day": (1, 26),
    "bonfire night": (11, 5), "guy fawkes night": (11, 5), "cinco de mayo": (5, 5), "día de los muertos": (11, 2),
    "dia de los muertos": (11, 2), "nochebuena": (12, 24), "three kings day": (1, 6), "día de reyes": (1, 6),
    "remembrance day": (11, 11), "presidents day": (2, 0, 3), "martin luther king day": (1, 0, 3),
    "eid ul-fitr": (4, 21), "eid ul-adha": (6, 28), "hari raya": (4, 21), "ramadan": (3, 23), "hogmanay": (12, 31),
    "burns night": (1, 25), "st. andrew's day": (11, 30), "st. david's day": (3, 1), "tết": (2, 1), "tet": (2, 1),
    "seollal": (2, 1), "chuseok": (9, 17), "songkran": (4, 13), "vesak": (5, 15), "deepavali": (11, 1),
    "vaisakhi": (4, 14), "baisakhi": (4, 14), "pongal": (1, 14), "onam": (9, 1), "la saint-jean": (6, 24),
    "saint-jean-baptiste": (6, 24), "fête nationale": (6, 24), "waitangi day": (2, 6), "emancipation day": (8, 1),
}  # fmt: skip
# what a holiday's date may be said from ("two days before Christmas 2016", "the monday after easter
# 2018", "first of ramadan 2022"): the span takes it, the surrogate keeps it before the shifted day
_HOLIDAY_FROM = (
    r"(?:(?:the\s+)?(?:day|night|morning|evening|week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|(?:a|one|two|three|four|five|"
    r"six|seven|eight|nine|ten|a\s+few|a\s+couple\s+of|\d{1,2})\s+(?:days?|weeks?|nights?))\s+(?:before|after)"
    r"|(?:the\s+)?(?:first|second|third|last|end|start|middle|beginning)\s+(?:day\s+|week\s+|night\s+)?of"
)
_HOLIDAY = "|".join(
    re.escape(h).replace("'", "['’]?").replace(r"\ ", r"\s+").replace(r"\.", r"\.?").replace(r"\-", r"[\s-]?")
    for h in sorted(HOLIDAY_DAYS, key=len, reverse=True)
)
HOLIDAY_YEAR_RX = _rx(
    r"\b(?:(?P<from>"
    + _HOLIDAY_FROM
    + r")\s+)?(?:the\s+)?(?P<holiday>"
    + _HOLIDAY
    + r")(?:\s+(?:weekend|night|morning|eve))?,?\s+(?:of\s+)?"
    r"(?P<year>(?:19|20)\d\d|['’]\d\d|" + _SPOKEN_YEAR + r")\b(?![\w/-]|[.,]\d)"
)
# the words that say which holiday ("new" and "good" do not): where the pattern is tried
_HOLIDAY_WORDS = frozenset({"christmas", "xmas", "thanksgiving", "easter", "passover", "hanukkah", "chanukah", "halloween",
                            "juneteenth", "valentine's", "valentines", "valentine", "mardi", "year's", "years", "mother's",
                            "mothers", "father's", "fathers", "memorial", "labor", "labour", "veterans", "independence",
                            "july", "boxing", "patrick's", "patricks", "friday", "diwali", "lunar", "chinese", "eid",
                            "holi", "rosh", "yom", "kwanzaa", "canada", "anzac", "australia", "bonfire", "fawkes",
                            "cinco", "muertos", "nochebuena", "kings", "reyes", "remembrance", "presidents",
                            "king", "hari", "ramadan", "hogmanay", "burns", "andrew's", "david's", "tết", "tet",
                            "seollal", "chuseok", "songkran", "vesak", "deepavali", "vaisakhi", "baisakhi", "pongal",
                            "onam", "saint-jean", "saint-jean-baptiste", "fête", "waitangi", "emancipation"})  # fmt: skip


def holiday_key(said: str) -> str:
    """The key of HOLIDAY_DAYS for a holiday as said ("New Year’s  Day" -> "new year's day")."""
    key = re.sub(r"\s+", " ", said.lower().replace("’", "'"))
    if key in HOLIDAY_DAYS:
        return key
    bare = re.sub(r"['.\s-]", "", key)
    return next(h for h in HOLIDAY_DAYS if re.sub(r"['.\s-]", "", h) == bare)


_YEAR_AHEAD = re.compile(r"\b(?:19|20)\d\d\b|['’]\d\d\b|\b(?:nineteen|twenty|thousand)\b")


def _holiday_dates(t: _Text) -> None:
    words = t.lower_words & _HOLIDAY_WORDS
    if not words:
        return
    low = t.low
    points = [(i, len(w)) for w in words for i in t.occurrences(w) if _YEAR_AHEAD.search(low, i, i + len(w) + 50)]
    for m in (
        m
        for lo, hi in _merged([t.window(i, i + n, 30, 50) for i, n in points])
        for m in HOLIDAY_YEAR_RX.finditer(t.text, lo, hi)
    ):
        year = m.group("year")
        if year.isdigit() and not 1900 <= int(year) <= 2099:
            continue
        t.add(m.start(), m.end(), DATE, ("holiday", m))


_NUMBER_WORD_BEFORE = _rx(r"\b(?:" + _NUMBER_WORDS + r")(?:,?\s+|-)$")
# what is counted after numbers said in words: "ten, fifteen, twenty minutes"
_COUNTED_AFTER = _rx(
    r"[\s,]+(?:minutes?|mins?|hours?|days?|weeks?|months?|years?|times|pounds|lbs|kilos|dollars|bucks|grand|"
    r"percent|milligrams|mg|people|miles|drinks|beers|shots|cigarettes|pills|calories|steps|reps|sessions)\b"
)


def _birthdays(t: _Text, lists: WordLists) -> None:
    """A day said alone: after "birthday" ("my birthday's the nineteenth"), or in words after a
    word that dates something ("on the twelfth", "was the twenty-second")."""
    if "birthday" in t.low:
        for lo, hi in _merged([t.window(i, i + 8, 0, 48) for i in t.occurrences("birthday")]):
            for m in BIRTHDAY_DAY_RX.finditer(t.text, lo, hi):
                t.add(m.start("day"), m.end("day"), DATE, ("day", m))
    ordinals = [w for w in t.lower_words if ORDINALS.get(w, 0) >= 3 or w.startswith(("twenty", "thirty"))]
    if ordinals and " the " in t.low:
        points = [i for w in ordinals for i in t.occurrences(w)]
        for lo, hi in _merged([t.window(i, i + 14, 30, 20) for i in points]):
            for m in DATE_WORD_DAY_RX.finditer(t.text, lo, hi):
                t.add(m.start("day"), m.end("day"), DATE, ("day", m))


def _spoken_numbers(t: _Text, lists: WordLists) -> None:
    """Numbers said digit by digit ("five five five, oh one four two"): typed by what is said
    before them (a social, a phone, a ZIP), else an identifying number."""
    # and the letters of the NATO alphabet: "charlie delta four four two bravo"
    rare = t.lower_words & {"zero", "oh", "five", "six", "seven", "eight", "nine", "double", "triple"} | (
        t.lower_words & _NATO_WORDS
    )
    cues = t.lower_words & _SPOKEN_DIGITS_CUES  # "the zip code is two one two two three": no rare digit in it
    if not rare and not cues:
        return
    points = [(i, len(w)) for w in rare for i in t.occurrences(w)]
    windows = [t.window(i, i + n, 80, 80) for i, n in points]
    windows += [t.window(i, i + len(w), 0, 120) for w in cues for i in t.occurrences(w)]
    for lo, hi in _merged(windows):
        for m in SPOKEN_DIGITS_RX.finditer(t.text, lo, hi):
            if not t.claims.free(m.start(), m.start() + 1):  # "County Highway K seven eight ...": after the K
                free = t.claims.taken.find(0, m.start(), m.end())
                m = SPOKEN_DIGITS_RX.search(t.text, free, m.end()) if free != -1 else None
                if m is None:
                    continue
            words = re.findall(r"[a-z]+", re.sub(r"\b(?:as\s+in|for)\s+[a-z]+|(?<=x)\s+ray\b", "", m.group().lower()))
            digits = [w for w in words if w in DIGIT_WORDS]
            letters = len(words) - len(digits)  # "k x r four eight two one": a plate
            before = t.text[max(lo, m.start() - 60) : m.start()]
            postcode = len(digits) == 4 and not letters and _ZIP_CUE.search(before)  # "postcode, two one zero three"
            if len(digits) < 5 and not (len(digits) >= 3 and letters >= 2) and not postcode:
                continue
            values = [DIGIT_WORDS[w] for w in digits]
            if not letters and values == list(range(values[0], values[0] + len(values))):
                continue  # counting: "one, two, three, four, five"
            end = m.end()
            while t.text[end - 1] in " ,.-":
                end -= 1
            kind = (
                SSN
                if _SSN_CUE_RX.search(before)
                else ZIP
                if _ZIP_CUE.search(before) and len(digits) in (4, 5, 9)
                else (PHONE if len(digits) >= 7 and _PHONE_CUE.search(before) or len(digits) in (7, 10, 11) else ID)
            )
            letter_names = _LETTER_NAMES_BEFORE.search(t.text, max(lo, m.start() - 40), m.start())
            start = (
                letter_names.start() if letter_names and t.claims.free(letter_names.start(), m.start()) else m.start()
            )
            t.add(start, end, kind, SPOKEN)  # "zee gee pee nine nine one two oh three": the letters belong


_NATO_WORDS = frozenset({"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
                         "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
                         "victor", "whiskey", "x-ray", "xray", "yankee", "zulu"})  # fmt: skip
_SPOKEN_DIGITS_CUES = frozenset({"zip", "zipcode", "postal", "postcode", "number", "id", "account", "social", "ssn",
                                 "policy", "record", "mrn", "member", "phone", "cell", "serial", "imei", "license",
                                 "licence", "plate"})  # fmt: skip
# letters said by their names before the digits of a code: "zee gee pee", "kay ex jay" (two at least)
_LETTER_NAME = r"(?:ay|bee|cee|dee|ef|gee|aitch|jay|kay|el|em|en|pee|cue|ar|ess|tee|vee|ex|zee|zed)"
_LETTER_NAMES_BEFORE = _rx(r"\b" + _LETTER_NAME + r"(?:[\s-]+" + _LETTER_NAME + r"){1,5}[\s,-]+$")


NUMBER_WORDS_DETAIL = "number words"  # Span.detail of a number said in groups ("ninety-one forty-four sixty-two")
_TENS_WORD = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_TEEN_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_NUMBER_GROUP = (
    r"(?:" + _TENS_WORD + r"(?:[\s-]+" + _GROUP_UNIT + r"\b)?|" + _TEEN_WORD
    + r"|(?:double|triple)[\s-]+" + _GROUP_UNIT + r"|" + _GROUP_UNIT + r")"
)  # fmt: skip
# a number said in groups of words: "ninety-one forty-four sixty-two", "three twelve, five fifty-five, oh one
# four nine"; not next to "hundred", "thousand" or "and" (an amount, an age)
SPOKEN_GROUPS_RX = _rx(
    r"(?<![\w'’-])(?<!hundred )(?<!thousand )(?<!and )" + _NUMBER_GROUP + r"(?:(?:,?\s+|-)" + _NUMBER_GROUP
    + r")+\b(?![-'’]\w|\s+(?:and\s+(?:a\s+)?(?:" + _NUMBER_WORDS + r"|half)|hundred|thousand|point)\b)"
)  # fmt: skip
_GROUP_RX = _rx(_NUMBER_GROUP)
# what may stand between an identifier's cue and its number said in words ("account number is", "MRN")
_CUE_BEFORE_WORDS = _rx(
    r"(?:\b"
    + _ID_CUE
    + r"(?:\s+(?:number|no\.?|num|id|code))?|"
    + _SSN_CUE
    + r"|\b(?:zip|postal|post)\s+code|\b(?:postcode|zip|eircode))"
    r"(?:['’]s)?(?:[\s,:]+(?:is|was|it's|it’s|um|uh|like|as|on\s+it|i\s+think))*[\s,:#]*$"
)
# the cue said after the number: "thirty-one oh two, that's my social"
_SSN_AFTER = re.compile(
    r",?\s+(?:that's|that’s|that\s+is|it's|it’s)\s+(?:my|his|her|the)\s+(?:social|ssn|sin)\b", re.IGNORECASE
)
_HOUR_WORDS = frozenset(UNITS) | {"ten", "eleven", "twelve"}
_ROUND_GROUPS = frozenset(
    {"ten", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)


def _group_digits(group: str) -> tuple[int, bool]:
    """How many digits a group of number words says, and whether it is one digit word."""
    words = group.lower().replace("-", " ").split()
    if words[0] in ("double", "triple"):
        return (2 if words[0] == "double" else 3), False
    if words[0] in DIGIT_WORDS:
        return 1, True
    return 2, False


def _spoken_groups(t: _Text, lists: WordLists) -> None:
    """Numbers said in groups of words, not digit by digit: six digits or more in three groups at
    least ("ninety-one forty-four sixty-two", "three twelve, five fifty-five, oh one four nine"), or
    four digits or more right after an identifier's cue ("account number is six two seven seven",
    "acct eighty eight forty one oh two"). Not years in a row, round numbers or counting
    ("ten, fifteen, twenty minutes", "nineteen ninety-eight, nineteen ninety-nine")."""
    pairs = {w for w in t.lower_words if w.partition("-")[0] in _PAIR_NUMBER_WORDS}
    cues = t.lower_words & _SPOKEN_DIGITS_CUES
    if not pairs and not cues:
        return
    points = [i for w in pairs | cues for i in t.occurrences(w)]
    text = t.text
    for lo, hi in _merged([t.window(i, i + 1, 60, 100) for i in points]):
        for m in SPOKEN_GROUPS_RX.finditer(text, lo, hi):
            inside = t.claims.overlapping(m.start(), m.end())
            if any(s.start < m.start() or s.end > m.end() or s.detail != SPOKEN for s in inside):
                continue  # a date, an address, an age: only digits said one by one become part of it
            groups = _GROUP_RX.findall(m.group())
            counted = [_group_digits(g) for g in groups]
            digits = sum(n for n, _ in counted)
            cued = _CUE_BEFORE_WORDS.search(text, max(lo, m.start() - 40), m.start()) or _SSN_AFTER.match(text, m.end())
            if cued:
                if digits < 4 or len(groups) < 2:
                    continue
            else:
                if digits < 6 or len(groups) < 3 or all(single for _, single in counted):
                    continue  # digit words alone: `_spoken_numbers` reads those
                lows = [g.lower().replace("-", " ") for g in groups]
                if all(g in _ROUND_GROUPS for g in lows):
                    continue  # "ten, fifteen, twenty minutes"
                if len(lows) % 2 == 0 and all(g in ("nineteen", "twenty") for g in lows[0::2]):
                    continue  # years: "nineteen ninety-eight, nineteen ninety-nine"
                if len(lows) % 2 == 0 and all(
                    h in _HOUR_WORDS and (mm in _ROUND_GROUPS or mm.startswith(("oh ", "forty ")))
                    for h, mm in zip(lows[0::2], lows[1::2])
                ):
                    continue  # times: "nine thirty, ten thirty, eleven forty-five"
                if _COUNTED_AFTER.match(text, m.end()):
                    continue
            before = text[max(lo, m.start() - 60) : m.start()]
            kind = (
                SSN
                if _SSN_CUE_RX.search(before) or _SSN_AFTER.match(text, m.end())
                else ZIP
                if _ZIP_CUE.search(before) and digits in (4, 5, 9)
                else PHONE
                if digits in (10, 11) or digits == 7 and _PHONE_CUE.search(before)
                else ID
            )
            detail = SPOKEN if all(single for _, single in counted) else NUMBER_WORDS_DETAIL
            if inside and detail == SPOKEN:
                continue
            t.claims.drop(inside)  # "... five, oh one four nine": the end of it, read digit by digit
            t.add(m.start(), m.end(), kind, detail)


_PAIR_NUMBER_WORDS = frozenset(
    {"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
     "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)  # fmt: skip


def _ages_in_words(t: _Text, lists: WordLists) -> None:
    if "ninety" in t.low or "hundred" in t.low or "one oh " in t.low:
        points = [i for w in ("ninety", "hundred", "one oh") for i in t.occurrences(w)]
        for lo, hi in _merged([t.window(i, i + 7, 48, 48) for i in points]):
            for m in _age_matches(t.text, lo, hi):
                if not _NUMBER_GOES_ON.match(t.text, m.end("v")) and not _STREET_AHEAD.match(t.text, m.end("v")):
                    t.add(m.start("v"), m.end("v"), AGE)


# ----------------------------------------------------------------------------- places


_FACILITY_GATE = _GATE_WORDS_FACILITY | _LOWER_KIND_WORDS
_CAPITAL_BEFORE = re.compile(r"[A-Z][^\s]*\s+$")


def _facilities(t: _Text, lists: WordLists) -> None:
    hits = {_bare(w) for w in t.lower_words} & _FACILITY_GATE
    if not hits:
        return
    gate = {
        w
        for w in t.words
        if _bare(w.lower()) in hits
        and (w[0].isupper() and _bare(w.lower()) in _GATE_WORDS_FACILITY or w[0].islower() and w in _LOWER_KIND_WORDS)
    }
    if not gate:
        return
    text = t.text
    # a lower-case kind ("shelter", "bar") names a place only after a capitalised name: "the Harbor House shelter"
    points = [
        (i, len(w))
        for w in gate
        for i in t.occurrences(w, low=False)
        if w[0].isupper() or _CAPITAL_BEFORE.search(text, max(0, i - 30), i)
    ]
    for lo, hi in _merged([t.window(i, i + n, 100, 70) for i, n in points]):
        for rx in (FACILITY_LOWER_RX, FACILITY_RX, FACILITY_PREFIX_RX, COUNTY_RX):
            for m in rx.finditer(text, lo, hi):
                start = m.start()
                first = WORD_RX.match(text, start)
                while (
                    first
                    and first.group().lower() in STOPWORDS
                    and first.end() < m.end()
                    and not text.startswith("Our Lady", start)
                ):
                    start = first.end()
                    while start < m.end() and text[start] == " ":
                        start += 1
                    first = WORD_RX.match(text, start)
                kinded = rx is FACILITY_RX or rx is FACILITY_LOWER_RX
                for stop in _SENTENCE_STOP.finditer(text, start, m.start("kind") if kinded else m.end()):
                    if stop.group(1).lower() not in _ABBREVIATIONS:
                        start = stop.end()  # "a Diner. Secret Service": a name never runs across a sentence's end
                if start >= m.end() or kinded and start >= m.start("kind"):
                    continue
                words = [w.lower() for w in WORD_RX.findall(text, start, m.end())]
                named = [w for w in words if w not in FACILITY_GENERIC and w not in STOPWORDS]
                if not named:
                    continue  # "the High School": no name
                if all(w in lists.keep or w in MONTHS for w in named):
                    continue  # "Wednesday Group", "Christmas Program"
                if start in t.sentence_starts and len(named) == 1 and named[0] in lists.common:
                    continue  # "Good Home" opening a sentence
                name_part = WORD_RX.findall(text, start, m.start("kind")) if kinded else []
                if rx is FACILITY_LOWER_RX and (
                    start in t.sentence_starts
                    and len(name_part) == 1
                    or all(w.lower() in lists.keep for w in name_part)
                ):
                    continue  # "Christmas shelter", "Then school": a name must say which one
                kind = m.group("kind").lower() if kinded else ""
                if (
                    kind in _WEAK_KINDS
                    and len(named) == 1
                    and _NameRules.familiar_word(lists, named[0])
                    and (kind not in _CARE_KINDS or len(name_part) == 1)
                ):
                    continue  # "a Book Club", "Fight Club": one ordinary word and a weak kind name no place
                if len(named) == 1 and any(w.lower() in STOPWORDS and w.lower() != "and" for w in name_part):
                    continue  # "the Good of the Home": function words in a one-word name
                t.add(start, m.end(), LOCATION if rx is COUNTY_RX else FACILITY)
        for m in SAINT_RX.finditer(text, lo, hi):
            place = re.search(r"([A-Z][^\W\d_]+) $", text[max(0, m.start() - 16) : m.start()])
            said = f"{place.group(1)} {m.group()}".lower() if place else ""
            if said and (said in lists.cities or said.replace("st.", "saint") in lists.cities):
                continue  # "Port St. Lucie": a city, found with the cities
            after = text[m.end() : m.end() + 12].lower()
            if not re.match(r"(?:'s|’s)?\s+day\b", after) and m.group().split()[-1].lower() not in lists.keep:
                end = m.end() + (2 if after.startswith(("'s", "’s")) else 0)
                t.add(m.start(), end, FACILITY)


_FACILITY_JOINER = re.compile(r" (?:de|del|de la|la|du|des|of|von|van) ")
_FACILITY_NUMBER = re.compile(
    r" (?:#|No\.? ?)?(?!(?:19|20)\d\d\b)\d{1,5}\b(?![:.,/-]\d)"
)  # "Elks Lodge 1142", "Post No. 57"


# A facility said all in lower case, as speech-to-text writes it: "riverbend recovery center", "westfield
# high", "monroe county jail". The kind must be one that names a place, and one word of the name before it
# must say which: a word no dictionary holds, or a name or a town ("the county jail", "a psych hospital",
# "the methadone clinic" name no one place).
_ALL_LOWER_KINDS = (
    r"(?:university\s+teaching\s+hospital|teaching\s+hospital|perinatal\s+program(?:me)?|postpartum\s+unit|"
    r"mother\s+and\s+baby\s+unit|probation\s+(?:office|department)|refugee\s+support\s+hub|youth\s+drop-in|"
    r"(?:dairy\s+)?co-op|lgbtq\+?\s+cent(?:er|re)|regional\s+health\s+care|ihs|"
    r"(?:mental\s+)?health\s+team|(?:va\s+)?(?:medical|health|treatment|recovery|counsel+ing|detention|community|youth|wellness|care|"
    r"rehab(?:ilitation)?)\s+cent(?:er|re)|va\s+(?:clinic|hospital)|memory\s+care|assisted\s+living|food\s+bank|"
    r"food\s+pantry|soup\s+kitchen|behaviou?ral\s+health|mental\s+health(?:\s+cent(?:er|re))?|treatment\s+facility|"
    r"correctional(?:\s+facility|\s+institution)?|high\s+school|middle\s+school|junior\s+high|primary(?:\s+school)?|"
    r"elementary(?:\s+school)?|group\s+home|care\s+home|nursing\s+home|retirement\s+home|halfway\s+house|"
    r"sober\s+living|hospital|infirmary|clinic|detox|rehab|recovery|academy|college|university|church|chapel|"
    r"cathedral|mosque|synagogue|temple|jail|prison|penitentiary|shelter|hospice|refuge|pharmacy|high|school|"
    r"cent(?:er|re)|institute|sanitarium|medical|health|healing\s+lodge|lodge|parish|dialysis(?:\s+cent(?:er|re))?|"
    r"farms|ranch|packers|poultry|trucking|cannery|dairy|gurdwara|mandir|aged\s+care|senior\s+living|"
    r"old\s+age\s+home|(?:boys|girls)['’]?\s+home|de-addiction\s+cent(?:er|re)|casino|barracks|grammar|manor|"
    r"general|polyclinic|tabernacle|pentecostal\s+assembly|surau|(?:wellness|wellbeing)\s+hub|secondary(?:\s+school)?|"
    r"basic\s+school|multipurpose\s+service|friendship\s+cent(?:er|re)|mission|correctional\s+complex|"
    r"elder\s+cent(?:er|re)|athletic\s+club|relay\s+cent(?:er|re)|halfway\s+home|adolescent\s+unit|"
    r"community\s+services|fisheries\s+plant|offshore\s+drilling|recovery\s+programme|recovery\s+program|"
    r"day\s+care|personal\s+care\s+home|crisis\s+(?:hotline|line)|hotline|annex|peer\s+support\s+team|"
    r"nursing\s+and\s+rehabilitation|perinatal\s+unit)"
)
_LOWER_LETTER = r"[^\W\d_A-Z]"  # a letter not in capitals: "whangārei"
ALL_LOWER_FACILITY_RX = re.compile(
    r"(?<![\w'’.-])(?P<name>(?:" + _LOWER_LETTER + r"(?:[^\W\d_A-Z]|['’-])*\.?\s+){1,4}?)(?P<kind>" + _ALL_LOWER_KINDS
    + r")(?![\w'’-])"
)  # fmt: skip
# words that begin a place's name before the word that says which: "fort hollis", "st. agnes", "mount hope"
_NAME_PREFIXES = frozenset({"fort", "ft", "st", "saint", "mount", "mt", "port", "lake", "glen", "north", "south", "east",
                            "west", "new", "upper", "lower", "little", "great", "greater", "san", "santa", "el", "la",
                            "los", "rio", "sri"})  # fmt: skip
_ALL_LOWER_GATE = frozenset(
    re.findall(r"[a-z]+", _ALL_LOWER_KINDS.replace("(?:", " ").replace("er|re", "er centre").replace("+", ""))
)


# what kind of school or clinic, said in short: "med school", "grad school", "peds clinic"
_KIND_MODIFIERS = frozenset({"med", "grad", "undergrad", "prep", "peds", "ob", "obgyn", "gyn", "ortho", "derm", "neuro",
                             "onc", "psych", "vet", "uni", "poly", "sped", "montessori", "ged"})  # fmt: skip


def _distinctive(lower: str, lists: WordLists) -> bool:
    """A word that says which place: one no dictionary holds, or a name or a town's, not said every day."""
    bare = _bare(lower)
    if len(bare) < 3 or bare in STOPWORDS or bare in FACILITY_GENERIC or bare in lists.keep or bare in MONTHS:
        return False
    if bare in _KIND_MODIFIERS:
        return False
    if _NameRules.familiar_word(lists, bare):
        return False
    if bare in lists.first or bare in lists.last or bare in lists.cities:
        return True
    return not _in_vocabulary(bare, lists.ordinary, lists.common)


# a place named in Spanish by its kind first: "Hospital General de Zona 35", "clínica de la comunidad",
# "casa de esperanza", "Centro de Salud San Pedro"; not "casa de mi abuela"
SPANISH_FACILITY_RX = re.compile(
    r"(?<![\w'’-])(?:hospital|cl[íi]nica|centro|casa|escuela|colegio|iglesia|parroquia|instituto|sanatorio|albergue|"
    r"refugio|hogar)(?:\s+(?:general|regional|municipal|comunitari[oa]|infantil|civil|universitario))?\s+"
    r"(?:de(?:l|\s+la|\s+los|\s+las)?|das|dos|do|da|san|santa|santo|nuestra\s+señora\s+de(?:l|\s+la)?)\s+"
    r"(?!(?:mi|mis|tu|tus|su|sus|la|el|los|las|un|una|nuestra|nuestro|abuel[oa]|mam[áa]|pap[áa]|t[íi][oa]|my|the|a)\b)"
    r"[^\W\d_]{3,}(?![\w'’-])",
    re.IGNORECASE,
)
_SPANISH_NAME_MORE = re.compile(r"\s+(?:(?:de(?:l|\s+la)?|y)\s+)?([^\W\d_]{3,})(?![\w'’-])", re.IGNORECASE)
_SPANISH_NUMBER = re.compile(r"\s+(?:no\.\s*)?\d{1,3}(?![\w'’-]|[.,]\d)")
_SPANISH_KIND_WORDS = frozenset({"hospital", "clínica", "clinica", "centro", "casa", "escuela", "colegio", "iglesia",
                                 "parroquia", "instituto", "sanatorio", "albergue", "refugio", "hogar"})  # fmt: skip


_SPANISH_JOINERS = frozenset({"de", "del", "san", "santa", "santo", "das", "dos", "do", "da"})


def _spanish_facilities(t: _Text, lists: WordLists) -> None:
    if not t.lower_words & _SPANISH_KIND_WORDS or not t.lower_words & _SPANISH_JOINERS:
        return
    text = t.text
    for m in SPANISH_FACILITY_RX.finditer(text):
        first = WORD_RX.findall(m.group())[-1]
        if first.lower() in STOPWORDS or first.lower() in lists.common:
            continue
        end = m.end()
        for _ in range(2):  # "de Zona 35", "de la Comunidad Latina": two words more at most, not "let me go"
            more = _SPANISH_NAME_MORE.match(text, end)
            if not more or more.group(1).lower() in STOPWORDS or more.group(1).lower() in lists.common:
                break
            if more.group(1)[0].isupper() != first[0].isupper():
                break
            end = more.end()
        number = _SPANISH_NUMBER.match(text, end)
        end = number.end() if number else end
        said = t.claims.overlapping(m.start(), end)
        if all(s.type in (NAME, LOCATION, FACILITY, ID) and s.start >= m.start() and s.end <= end for s in said):
            if said:
                t.claims.replace(said, m.start(), end, FACILITY)
            else:
                t.add(m.start(), end, FACILITY)


_CLAUSE_GOES_ON = (
    "the|a|an|and|or|for|to|in|on|at|after|before|with|when|is|was|i|we|he|she|they|it|you|but|so|that|this|then|now|"
    "because|if|like|um|uh|last|next|every"
)
# a place named in Welsh, Malay, Arabic or Quebec French by its kind first: "ysbyty glan dyffryn", "canolfan
# gobaith newydd", "masjid an-noor", "CLSC des Érables"; the words after the kind, up to the clause's next word
_KINDS_FIRST = ("ysbyty", "canolfan", "masjid", "surau", "clsc", "ysgol", "klinik")
_KIND_FIRST_RX = _rx(
    r"(?<![\w'’-])(?:(?:" + "|".join(_KINDS_FIRST) + r")\s+|dar\s+(?=(?:il|al|el|ta)-))"
    r"(?P<name>(?:(?:des|de|du|la|le|y|yr|al|an|ar|el|il|ta|am|an\s+der|im|zum|zur)[\s-]+)?"
    r"[^\W\d_][\w'’-]*(?:\s+(?!(?:" + _CLAUSE_GOES_ON + r")\b)[^\W\d_][\w'’-]*){0,2})"
)
_KIND_FIRST_GATE = frozenset({*_KINDS_FIRST, "dar"})


def _kind_first_facilities(t: _Text, lists: WordLists) -> None:
    if not t.lower_words & _KIND_FIRST_GATE:
        return
    for m in _KIND_FIRST_RX.finditer(t.text):
        words = [w.lower() for w in WORD_RX.findall(m.group("name"))]
        if words[0] in STOPWORDS and not (len(words) > 1 and words[0] in ("am", "an", "im", "el", "al", "la", "le")):
            continue  # "masjid on friday"; not "klinik am lindenhof"
        said = t.claims.overlapping(m.start(), m.end())
        if not said:
            t.add(m.start(), m.end(), FACILITY)
        elif all(s.type in (NAME, LOCATION, FACILITY) and s.start >= m.start() and s.end <= m.end() for s in said):
            t.claims.replace(said, m.start(), m.end(), FACILITY)


def _lower_facilities(t: _Text, lists: WordLists) -> None:
    kinds = t.lower_words & _ALL_LOWER_GATE
    if not kinds:
        return
    text = t.text
    points = [(i, len(w)) for w in kinds for i in t.occurrences(w, low=False)]
    for lo, hi in _merged([t.window(i, i + n, 60, 30) for i, n in points]):
        for m in ALL_LOWER_FACILITY_RX.finditer(text, lo, hi):
            # the name: the words right before the kind, from the first that says which place
            words = list(WORD_RX.finditer(text, m.start("name"), m.end("name")))
            stops = [i for i, w in enumerate(words) if w.group() in STOPWORDS]
            words = words[stops[-1] + 1 :] if stops else words  # "my meds at westfield high"
            first = 0
            while first < len(words) and not _distinctive(words[first].group(), lists):
                first += 1
            if first == len(words):
                if not _ordinary_words_name(t, lists, words, m.group("kind")):
                    continue
                first = 0
            elif first and _ordinary_words_name(t, lists, words[:first] + [words[first]], m.group("kind")):
                first = 0  # "at hope springs treatment center": the name's ordinary words before its own
            while first and words[first - 1].group().lower() in _NAME_PREFIXES:
                first -= 1  # "fort hollis va clinic", "st. agnes primary"
            start, end = words[first].start(), m.end()
            more = _KIND_AFTER_KIND.match(text, end)  # "lakeside behavioral health hospital"
            end = more.end() if more else end
            lady = _OUR_LADY_BEFORE.search(text, max(0, start - 14), start)  # "our lady of guadalupe parish"
            start = lady.start() if lady else start
            said = t.claims.overlapping(start, end)
            if said and all(s.type in (NAME, LOCATION) and s.start >= start and s.end <= end for s in said):
                t.claims.replace(said, start, end, FACILITY)  # "oakridge memory care"
            else:
                t.add(start, end, FACILITY)
    if "of" in t.lower_words and t.lower_words & _OF_KINDS:
        for m in _LOWER_OF_FACILITY_RX.finditer(text):
            words = m.group("name").split()
            if words[0] in STOPWORDS or words[0] in lists.keep or words[0] in MONTHS or words[0] in _NOT_A_NAME_WORD:
                continue  # "the university of life" is kept: "life" is an ordinary word alone
            end = m.start("name") + len(words[0])
            if len(words) > 1 and words[1] not in STOPWORDS and words[1] not in _NOT_A_NAME_WORD:
                end = m.end("name")
            elif not _distinctive(words[0], lists) and words[0] not in lists.cities:
                continue
            t.add(m.start(), end, FACILITY)


# a lower-case place named by ordinary words, said where a place is: "the psych at new dawn detox",
# "my son goes to hope house halfway house"; not "in long term recovery", "to a good rehab"
_KIND_AFTER_KIND = re.compile(
    r" (?:hospital|clinic|center|centre|unit|program|facility|(?:personal\s+)?care\s+home|nursing\s+home)(?![\w'’-])"
)
_OUR_LADY_BEFORE = re.compile(r"\bour lady of (?:the )?$")
# kinds that alone name no place, even after two ordinary words ("in long term recovery")
_AMBIGUOUS_KINDS = frozenset({"recovery", "high", "medical", "health", "center", "centre", "primary", "elementary",
                              "institute", "ranch", "farms", "dairy", "lodge", "school", "behavioral health",
                              "behavioural health", "mental health", "memory care"})  # fmt: skip
_PLACE_CUE_WORDS = frozenset({"at", "to", "from", "into", "behind", "outside", "near", "in", "leaving", "left", "towards",
                              "after", "since", "called"})  # fmt: skip
_NOT_A_NAME_WORD = frozenset({
    "long", "term", "short", "early", "full", "partial", "intensive", "inpatient", "outpatient", "residential", "day",
    "night", "weekend", "summer", "sunday", "bible", "drug", "alcohol", "psych", "mental", "state", "county", "federal",
    "private", "public", "local", "nearby", "nearest", "closest", "same", "different", "another", "other", "every",
    "get", "go", "going", "went", "start", "started", "finish", "try", "see", "visit", "work", "stay", "come", "back",
    "home", "real", "actual", "proper", "big", "huge", "tiny", "fancy", "crappy", "shitty", "nice", "bad", "free",
    "cheap", "expensive", "christian", "catholic", "jewish", "muslim", "womens", "grade",
    "mens", "kids", "teen", "adult", "juvenile", "military", "army", "navy", "vet", "vets", "community", "city", "town",
    "med", "medical", "dental", "animal", "dog", "pet", "cat", "general", "regional", "university", "life", "hard",
    "knocks", "choice", "medicine", "nursing", "law", "arts", "art", "music", "science", "sciences", "education",
})  # fmt: skip


def _ordinary_words_name(t: _Text, lists: WordLists, words: list[re.Match], kind: str) -> bool:
    """Two or three ordinary words right after a place's cue and before an unambiguous kind of place
    name one place: "at second chance sober living", "to maple grove group home"."""
    kind = " ".join(kind.split())
    if not words or kind in _AMBIGUOUS_KINDS:
        return False
    if len(words) < 2 and (" " not in kind or words[0].group().lower() in FACILITY_GENERIC):
        return False  # one word names a place only before a kind of two: "at sunrise treatment center"
    said = [w.group().lower() for w in words]
    if any(w in STOPWORDS or w in MONTHS or w in _KIND_MODIFIERS for w in said):
        return False
    if said[0] in lists.keep or said[0] in _NOT_A_NAME_WORD:
        return False  # "long term recovery", "state mental hospital"; not "tri-county juvenile detention center"
    if all(w in FACILITY_GENERIC for w in said):
        return False
    before = _words_before(t.low, words[0].start())
    return bool(before) and before[-1] in _PLACE_CUE_WORDS


_OF_KINDS = frozenset({"university", "college", "academy", "institute"})
# "university of northern ridge", "the college of st. rose": a school named after "of", in lower case
_LOWER_OF_FACILITY_RX = re.compile(
    r"(?<![\w'’-])(?:university|college|academy|institute)\s+of\s+(?:the\s+)?(?P<name>[a-z]{3,}(?:\s+[a-z]{3,})?)(?![\w'’-])"
)


# a saint's place said in lower case: "she works nights at st joe's", "over at saint mary's"
_LOWER_SAINT_RX = re.compile(
    r"\b(?:at|to|from|in|into|by|outside|near|over\s+at|down\s+at|up\s+at)\s+(?:the\s+)?"
    r"(?P<v>(?:st\.?|saint)\s+[a-z]+['’]s)(?!\s+(?:day|wort|eve)\b)(?![\w'’-])"
)


_LOWER_SAINT_KIND_RX = re.compile(
    r"\b(?:st\.?|saint)\s+[a-z]+['’]s\s+(?:(?!(?:and|or|but|so|then|to|the|a|my|i|we|was|is)\b)[a-z]+\s+){0,2}(?:"
    + _ALL_LOWER_KINDS
    + r"|a&e|er|secondary|primary|catholic|parish)(?![\w'’-])"
)  # "after saint michael's detox", "st. vincent's a&e"


def _lower_saints(t: _Text, lists: WordLists) -> None:
    if "st" in t.lower_words or "saint" in t.lower_words:
        for m in _LOWER_SAINT_KIND_RX.finditer(t.text):
            t.add(m.start(), m.end(), FACILITY)
        for m in _LOWER_SAINT_RX.finditer(t.text):
            t.add(m.start("v"), m.end("v"), FACILITY)


def _facility_tails(t: _Text, lists: WordLists) -> None:
    """A facility's name goes on over a particle ("St. Vincent de Paul Men's Shelter") and over the
    number of its lodge, post or local ("Elks Lodge 1142", "American Legion Post 57")."""
    spans = sorted((s for s in t.claims.spans if s.type == FACILITY), key=lambda s: s.start)
    if not spans:
        return
    text = t.text
    joined = spans[0]
    for span in spans[1:]:
        if _FACILITY_JOINER.fullmatch(text, joined.end, span.start):
            t.claims.replace([joined, span], joined.start, span.end, FACILITY)
            joined = Span(joined.start, span.end, FACILITY)
        else:
            joined = span
    for index, span in enumerate(t.claims.spans):
        if span.type != FACILITY:
            continue
        m = _FACILITY_NUMBER.match(text, span.end)
        if m and t.claims.free(span.end, m.end()) and not _AMOUNT_UNITS.match(text, m.end()):
            t.claims.widen(index, span.start, m.end())


# "six oh nine east fourth avenue": a street said in words, lower case as speech-to-text writes it
_SPOKEN_STREET_WORDS = ("street", "avenue", "road", "drive", "lane", "boulevard", "court", "terrace", "circle", "place",
                        "way", "trail", "loop", "parkway", "highway", "crescent", "pike")  # fmt: skip
_SPOKEN_STREET_GATE = frozenset(_SPOKEN_STREET_WORDS)
SPOKEN_STREET_RX = _rx(
    r"\b" + _spoken_number("{1,5}") + r"\s+(?:" + DIRECTION + r"\s+)?"
    r"(?P<words>(?:[a-z'’]+\s+){1,2}?)(?P<kind>" + "|".join(_SPOKEN_STREET_WORDS) + r")\b"
    r"(?:\s+(?:north|south|east|west)\b(?!\s+of\b))?"  # "seventeen oh five Lincoln Way East"
)
# the number of a county road, said in words: "eleven forty seven county road three eighteen"
_ROAD_NUMBER = _rx(r"\s+" + _spoken_number("{0,3}") + r"\b")
_UNIT_AFTER = _rx(
    r",?\s*(?:(?:apartment|apt\.?|unit|suite|flat|building|bldg\.?|number|#)\s*(?:[a-z]-?\d{1,4}|[a-z]|\d{1,4}[a-z]?|"
    r"(?:"
    + _UNIT_WORD
    + r"|ten|eleven|twelve)(?:[\s-]+(?:"
    + _NUMBER_WORDS
    + r")){0,2}(?:\s+[b-hj-z]\b(?![’'-]))?"  # "apartment two B", "apartment eleven twelve"
    r")\b|(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|"
    r"fourth|fifth|top|ground|upper|lower|basement)\s+floor\b)"
)
_SENTENCE_STOP = re.compile(r"(\w+)[.!?]\s+")


def _streets(t: _Text, lists: WordLists) -> None:
    text = t.text
    if "corner" in t.low:
        for lo, hi in _merged([t.window(i, i + 6, 0, 60) for i in t.occurrences("corner")]):
            for m in CORNER_RX.finditer(text, lo, hi):
                t.add(m.start(), m.end(), LOCATION)
    suffixes = t.lower_words & _SPOKEN_STREET_GATE
    if suffixes and any(
        n in t.low
        for n in (
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "twen",
            "thir",
            "teen",
            "hundred",
        )
    ):
        points = [i for w in suffixes for i in t.occurrences(w)]
        for lo, hi in _merged([t.window(i, i + 10, 90, 30) for i in points]):
            for m in SPOKEN_STREET_RX.finditer(text, lo, hi):
                words = m.group("words").split()
                if words and (_AMOUNT_UNITS.fullmatch(" " + words[0]) or any(w in STOPWORDS for w in words)):
                    continue  # "a forty five minute drive"
                end = m.end()
                if words and words[-1].lower() in ("county", "state", "farm") and m.group("kind").lower() == "road":
                    number = _ROAD_NUMBER.match(text, end)
                    end = number.end() if number else end
                unit = _UNIT_AFTER.match(text, end)
                t.add(m.start(), unit.end() if unit else end, ADDRESS)
    if not any(w.lower() in _STREET_NAMED_GATE and w[0].isupper() for w in t.words):
        return
    points = [
        i for w in t.words if w.lower() in _STREET_NAMED_GATE and w[0].isupper() for i in t.occurrences(w, low=False)
    ]
    for lo, hi in _merged([t.window(i, i + 10, 70, 12) for i in points]):
        for m in NAMED_STREET_RX.finditer(text, lo, hi):
            start = m.start()
            first = WORD_RX.match(text, start)
            while (
                first
                and (
                    first.group().lower() in STOPWORDS
                    or start in t.sentence_starts
                    and first.group().lower() in lists.common
                )
                and first.end() < m.end() - 4
            ):
                start = first.end() + 1
                first = WORD_RX.match(text, start)
            names = [w.lower() for w in WORD_RX.findall(text, start, m.end())][:-1]
            house = _SPOKEN_HOUSE_NUMBER.search(text, max(lo, start - 40), start)
            if house and names and not all(w in lists.keep for w in names):
                unit = _UNIT_AFTER.match(text, m.end())
                t.add(house.start(), unit.end() if unit else m.end(), ADDRESS)  # "one twenty-two Elm Street"
                continue
            if names and not all(w in lists.keep for w in names):
                t.add(start, m.end(), LOCATION)


# After an address, what says where in or near it: ", upstairs", ", off Admiralty Way"
_ADDRESS_TAIL = re.compile(
    r",?\s+(?:(?i:upstairs|downstairs|out\s+back|in\s+back|in\s+the\s+back|around\s+back)\b|"
    r"(?i:off|near|by|behind)\s+(?:[A-Z][\w'’-]*\s+){1,3}(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Way|Drive|Dr\.?|Lane|"
    r"Boulevard|Blvd\.?|Crescent|Court|Highway|Hwy\.?|Parkway|Pike)\b)"
)


# the flat said before the house ("apartment six b, two twelve Orchard Street", "Apt 4B, 212 Elm St"),
# and the side of the house after the flat ("apartment 1 north", "unit 3 rear")
_UNIT_SAID_BEFORE = _rx(
    r"\b(?:apartment|apt\.?|unit|suite|flat|lot|space|trailer)\s*(?:number\s+|no\.?\s*|#\s*)?(?:\d{1,4}[a-z]?|[a-z]|(?:"
    + _NUMBER_WORDS
    + r")(?:[\s-]+[a-z])?)\s*,?\s+$"
)
_UNIT_ENDS = _rx(r"(?:apartment|apt\.?|unit|suite|flat|#)\s*(?:number\s+)?[\w-]{1,5}$")
_UNIT_NEXT = _rx(
    r",?\s+(?:building|bldg\.?|unit|apartment|apt\.?|number)\s+(?:[a-z]-?\d{0,4}|\d{1,4}[a-z]?|"
    + _UNIT_WORD
    + r"|ten|eleven|twelve)\b"
)
_UNIT_SIDE = _rx(r"\s+(?:north|south|east|west|rear|front|upstairs|downstairs|left|right)\b")
# after an address: a flat said "B as in boy", a floor and side ("3º izquierda"), and the town with its
# state or its four-digit postcode ("New York, NY 10027", "Palmerston North 4410")
_LETTER_AS_IN = re.compile(r" as in [a-z]+\b", re.IGNORECASE)
_FLOOR_AFTER = re.compile(r",?\s+\d{1,2}\s?[º°ª]\s*(?:[A-Z]\b|izquierda|derecha|izq\.?|dcha\.?)?")
_TOWN_STATE_AFTER = re.compile(
    r",\s+((?:[A-Z][\w'’.-]*\s+){0,2}[A-Z][\w'’.-]*)(?:,\s+(?:"
    + _STATE_CODES
    + r")\b|,?\s+(AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)\b"
    r"|\s+(\d{4}|(?<=Dublin )\d{1,2}W?)(?![\w-]))"
)


# what is said after "my address is": up to the clause's end, when it starts with a number in digits
# or words ("my new address is twenty one fifteen south halsted, Mississauga")
_ADDRESS_IS = re.compile(
    r"\b(?i:address(?:'s|’s|\s+is|\s+was|\s+would\s+be|\s+will\s+be|\s+now\s+is|:))\s+(?:(?i:um|uh|like)\s+)?"
    r"(?P<v>(?:\d{1,6}[a-z]?|(?i:" + _NUMBER_WORDS + r"))\b[^,.;!?\x00]{3,60}?)"
    r"(?=\s*(?:[,.;!?\x00]|$)|\s+(?i:and|but|so|because|if|until|now|for\s+now|in\s+the|last|since)\b)"
)


def _address_is(t: _Text, lists: WordLists) -> None:
    if "address" not in t.low:
        return
    for m in _ADDRESS_IS.finditer(t.text):
        words = WORD_RX.findall(m.group("v"))
        if not words or any(w.lower() in _AMOUNT_WORDS for w in words):
            continue
        start, end = m.start("v"), m.end("v")
        inside = t.claims.overlapping(start, end)
        if any(s.start < start or s.end > end or s.type not in (ADDRESS, LOCATION, NAME, ID, ZIP) for s in inside):
            continue
        t.claims.replace(inside, start, end, ADDRESS)


_AMOUNT_WORDS = frozenset({"times", "days", "weeks", "months", "years", "minutes", "hours", "dollars", "percent",
                           "people", "miles", "emails", "letters", "different"})  # fmt: skip


# The parts of an address as much of the world writes it: numbered ("block 5", "lot 12", "purok 3",
# "casa 14", "int. 3", "carr. 2", "km 47.3", "phường 2") and named ("barangay san isidro", "privada los
# olivos", "colonia roma", "sector la loma", "urb. villa carolina")
_NUMBERED_PART = (
    r"(?:block|blk|lot|purok|casa|plot|space|phase|int\.?|interior|app\.?|apto\.?|depto\.?|piso|manzana|mz\.?|"
    r"lote|km|kil[óo]metro|bloque|edificio|torre|rr|r\.r\.|ph[ưu][ờo]ng|carr\.?|carretera)\s*#?\s*\d{1,4}(?:\.\d)?[a-z]?"
)
_NAMED_PART = (
    r"(?:barangay|brgy\.?|privada|urb\.|urbanizaci[óo]n|colonia|col\.|sector|bo\.|barrio|sitio|fracc\.|"
    r"fraccionamiento|calle|avenida|av\.)\s+(?!(?:the|a|an|my|of|in|and|is|was|jobs?|work)\b)"
    r"[^\W\d_][\w'’.-]*(?:\s+(?!(?:the|a|an|my|of|in|and|is|was|so|but|now|back|with|for|to|it|that|"
    r"right|where)\b)[^\W\d_][\w'’.-]*){0,2}"
)
_WORLD_PART_RX = re.compile(r"(?<![\w'’-])(?:" + _NUMBERED_PART + r"|" + _NAMED_PART + r")(?![\w'’-])", re.IGNORECASE)
_WORLD_GATE = frozenset({"block", "blk", "lot", "purok", "casa", "plot", "space", "phase", "int", "interior", "app",
                         "apto", "depto", "piso", "manzana", "mz", "lote", "km", "kilómetro", "kilometro", "bloque",
                         "edificio", "torre", "rr", "phường", "phuong", "carr", "carretera", "barangay", "brgy",
                         "privada", "urb", "urbanización", "colonia", "col", "sector", "bo", "barrio", "sitio",
                         "fracc", "fraccionamiento", "calle", "avenida", "av"})  # fmt: skip
# parts that are an address on their own after a place's cue: "my abuela's house at purok 3"
_STRONG_PARTS = ("purok", "barangay", "brgy", "privada", "colonia", "urb", "casa", "phường", "phuong", "carr",
                 "carretera", "fracc", "fraccionamiento", "bloque")  # fmt: skip
_PART_JOINT = re.compile(r",?\s+")
# "block 5 lot 12, phase 2, camella homes": a subdivision's name said after its parts
_SUBDIVISION_AFTER = re.compile(
    r",\s+((?:[^\W\d_][\w'’-]*\s+){0,2}(?:homes|subdivision|village|heights|estates|residences))\b", re.IGNORECASE
)


# Address shapes of other places: a house or plot number with a comma before its street ("plot 14, adeola
# odeku street", "house no. 7, ngong road", "blk 412 ang mo kio avenue 10, #08-1123", "lp 44 eastern main
# road"), rural routes ("n6824 highway 57", "3201 county road 17", "mile marker 41 on route 9"), German
# streets ("Hauptstraße 45, 2. OG", "lindenallee 9a") and Welsh ones ("27 heol y nant")
_PREFIXED_STREET_RX = _rx(
    r"\b(?:house\s+(?:no\.?|number)|plot|lot|no\.|lp|blk|block)\s*#?\s*\d{1,5}[a-z]?,?\s+"
    r"(?P<name>(?:[^\W\d_][\w'’-]*\s+){1,3}?)(?:" + STREET_SUFFIXES + r")\b\.?"
    r"(?:\s+(?:east|west|north|south)\b|\s+\d{1,3}\b(?![:.,]?\d))?(?:,?\s+#\d{1,3}-\d{1,5}\b)?"
)
_RURAL_ROUTE_RX = _rx(
    r"(?<![\w-])[nsew]?\d{3,5}\s+(?:county\s+road|state\s+route|highway|hwy|route|farm\s+road|fm|cr)\s+\d{1,4}[a-z]?\b"
    r"(?:\s+(?:east|west|north|south)\b)?"
    r"|\bmile\s+marker\s+\d{1,4}(?:\s+on\s+(?:route|highway|hwy|interstate|i-?)\s*\d{1,4})?\b"
)
_STREET_WORD_ENDS = ("straße", "strasse", "str.", "weg", "allee", "platz", "gasse", "straat", "gracht", "laan", "plein",
                     "kade", "singel", "veien", "vei", "gata", "gaten", "gatan", "vägen", "vagen", "vej", "gade")  # fmt: skip
# a street whose kind ends its one word, then its number, in German, Dutch and Scandinavian: "Hauptstraße 45,
# 2. OG", "Kerkstraat 41-B", "Prinsengracht 212-huis", "Storgata 14 B", "fjellveien 27"
_GERMAN_STREET_RX = _rx(
    r"(?<![\w-])[^\W\d_][\w-]*(?:" + "|".join(re.escape(e) for e in _STREET_WORD_ENDS) + r")\s+\d{1,4}[a-z]?\b"
    r"(?:-[a-z]{1,4}\b|\s[b-hj-z]\b(?!['’]))?(?:,\s*\d{1,2}\.\s*(?:og|stock|etage)\b)?"
)
# a street said by its kind first, then its number, in Portuguese, Italian, Maltese, Hebrew, Greek and Spanish:
# "Rua das Flores, 118", "Via Garibaldi 22", "Triq San Pawl 42", "Rehov HaNarkis 9", "odos ermou 45"
_STREET_KINDS_FIRST = ("rua", "via", "viale", "corso", "piazza", "largo", "travessa", "triq", "rehov", "odos", "strada",
                       "ulica", "ul.", "carrer", "avinguda", "rruga", "bulevardi", "sokak", "caddesi")  # fmt: skip
_KIND_FIRST_STREET_RX = _rx(
    r"(?<![\w-])(?:(?P<before>\d{1,4}[a-z]?),?\s+)?(?:"
    + "|".join(map(re.escape, _STREET_KINDS_FIRST))
    + r")\s+(?:(?:das|dos|da|do|de|del|della|di|san|santa|sant|ha|la|el|il-|ta['’])\s*)?"
    r"(?!(?:" + _CLAUSE_GOES_ON + r")\b)[^\W\d_][\w'’-]*(?:\s+(?!(?:" + _CLAUSE_GOES_ON + r"|until|till|since|where)\b)"
    r"[^\W\d_][\w'’-]*)?(?:,?\s+(?:n[º°o]\.?\s*)?\d{1,4}[a-z]?(?![\w/-])|(?(before)(?![\w'’-])|(?!)))"
)  # the number after the street, or before it: "42, Triq San Pawl"
_KIND_FIRST_STREET_GATE = frozenset(k.rstrip(".") for k in _STREET_KINDS_FIRST)
# the flat or floor said after a house's number, in other languages: "Via Garibaldi 22, interno 5", "Rua das
# Flores, 118, 2º esq.", "fjellveien 27, leilighet h0302"
_FOREIGN_UNIT_AFTER = _rx(
    r",?\s+(?:(?:interno|int\.|scala|piano|leilighet|lgh|piso|andar|apto\.?|app\.?|etage|stock|dira|bayit|diros)\s*"
    r"[a-z]?\d{1,5}[a-z]?|\d{1,2}(?:\.|º|ª|°)\s*(?:og|stock|etage|esq\.?|dto\.?|dir\.?|andar|piano|izq\.?)(?:\s|$|(?=[,;]))?)"
)
_WELSH_STREET_RX = _rx(r"(?<![\w/-])\d{1,4}[a-z]?,?\s+(?:heol|ffordd|stryd|lôn)\s+(?:(?:y|yr)\s+)?[^\W\d_][\w'’-]*")
_OTHER_ADDRESS_GATE = frozenset({"house", "plot", "lot", "no", "lp", "blk", "block", "county", "highway", "hwy", "route",
                                 "fm", "cr", "marker", "heol", "ffordd", "stryd", "lôn"})  # fmt: skip
# a town or a suburb in lower case after an address and its comma: "22 awolowo road, ikoyi"; not the
# chat and fillers no dictionary holds ("12 main street, haha", "..., innit")
_NOT_A_TOWN_AFTER = frozenset({"lol", "lmao", "lmfao", "innit", "yknow", "yanno", "mhm", "hmm", "hmmm", "umm", "uhh",
                               "ummm", "uhm", "okey", "alright", "yeh", "yup", "nah", "omg", "idk", "tbh"})  # fmt: skip
_LAUGH = re.compile(r"(?:ha|he|hah|heh)+h?")
_TOWN_AFTER_ADDRESS = re.compile(r",\s+([a-zà-ÿ][a-zà-ÿ'’-]{3,})(?=[\s.,;:!?\x00]|$)")
# a town in capitals after an address and its comma, where the clause ends: "7 Shore Road, Petty Harbour."
_CAPITAL_TOWN_AFTER = re.compile(
    r",\s+([A-Z][a-zà-ÿ'’]+(?:[\s-][A-Z][a-zà-ÿ'’]+){0,2})(?=\s*(?:[.,;:!?\x00]|$)|\s+[a-z])"
)  # where the clause ends, or before a word in lower case after two words: "..., Viejo San Juan for my mail"
# the park, estate or lodge after a flat, a lot or a room: "space 41, sunset mobile estates", "lot 23,
# whispering pines mobile home park", "Building 4 Apt 17, Harbor View Homes"
COMPLEX_KINDS = ("estate", "estates", "park", "court", "homes", "lodge", "village", "manor", "apartments", "towers",
                 "terrace", "gardens", "flats", "mansions", "complex", "residences", "heights", "motel", "inn",
                 "hostel", "camp", "commons", "place")  # fmt: skip
_COMPLEX_AFTER_UNIT = _rx(r",\s+((?:[^\W\d_][\w'’-]*\s+){1,4}?(?:" + "|".join(COMPLEX_KINDS) + r"))(?![\w'’-])")
_ENDS_IN_UNIT = _rx(
    r"\b(?:apt\.?|apartment|unit|flat|lot|space|room|rm\.?|trailer|site|bunkhouse|shack|cabin|building|bldg\.?)\s*"
    r"(?:number\s+|no\.?\s*|#\s*)?(?:\d{1,4}[a-z]?|[a-z]|" + _NUMBER_WORDS + r")$"
)


_RURAL_DELIVERY_AFTER = re.compile(r",?\s+(?:RD|R\.D\.|rd|RR|R\.R\.|rr)\s*\d{1,2}(?![\w'’-])")


def _other_addresses(t: _Text, lists: WordLists) -> None:
    text, low = t.text, t.low
    found = []
    gates = t.lower_words & _OTHER_ADDRESS_GATE
    if gates and t.digit_runs:
        # only where a gate word has a number near: "a lot", "no one", "the county" are most of them
        points = [i for w in gates for i in t.occurrences(w) if _DIGITS.search(text, max(0, i - 12), i + 40)]
        windows = _merged([t.window(i, i, 12, 110) for i in points])
        for m in (m for lo, hi in windows for m in _PREFIXED_STREET_RX.finditer(text, lo, hi)):
            if any(w.lower() in STOPWORDS or w.lower() in lists.keep for w in m.group("name").split()):
                continue  # "lot 4 and walked the street"
            found.append((m.start(), m.end()))
        for rx in (_RURAL_ROUTE_RX, _WELSH_STREET_RX):
            found += [(m.start(), m.end()) for lo, hi in windows for m in rx.finditer(text, lo, hi)]
    if any(k in low for k in _STREET_WORD_ENDS):
        found += [(m.start(), m.end()) for m in _GERMAN_STREET_RX.finditer(text)]
    if t.lower_words & _KIND_FIRST_STREET_GATE and t.digit_runs:
        for m in _KIND_FIRST_STREET_RX.finditer(text):
            words = [w.lower() for w in WORD_RX.findall(m.group())[1:]]
            if m.group("before") and words and words[-1] in STOPWORDS:
                continue  # "42, via the"
            if not any(w in STOPWORDS and w not in ("da", "do", "de", "la", "el", "di", "san") for w in words):
                found.append((m.start(), m.end()))  # not "via the 2 train", "via email 3"
    for start, end in found:
        inside = t.claims.overlapping(start, end)
        if all(s.type in (ADDRESS, NAME, LOCATION, ID, DATE) and start <= s.start and s.end <= end for s in inside):
            t.claims.replace(inside, start, end, ADDRESS)
    for span in [s for s in t.claims.spans if s.type == ADDRESS]:
        delivery = _RURAL_DELIVERY_AFTER.match(text, span.end)  # "2394 Kaiwaka Road, RD 3"
        if not delivery and text[span.end - 1 : span.end].isdigit():
            delivery = _FOREIGN_UNIT_AFTER.match(text, span.end)  # "Via Garibaldi 22, interno 5"
        if delivery and t.claims.free(span.end, delivery.end()):
            t.claims.widen(t.claims.spans.index(span), span.start, delivery.end())
            continue
        place = _ENDS_IN_UNIT.search(text, max(0, span.end - 24), span.end) and _COMPLEX_AFTER_UNIT.match(
            text, span.end
        )
        if place and not any(w.lower() in STOPWORDS for w in place.group(1).split()[:-1]):
            inside = t.claims.overlapping(span.end, place.end())
            if all(s.type in (NAME, LOCATION, ADDRESS, FACILITY) for s in inside):
                t.claims.replace([span, *inside], span.start, place.end(), ADDRESS)
                continue
        town = _TOWN_AFTER_ADDRESS.match(text, span.end)
        if town:
            word = town.group(1)
            if not (
                word in lists.familiar
                or word in lists.keep
                or word in STOPWORDS
                or word in _NOT_A_TOWN_AFTER
                or _LAUGH.fullmatch(word)
            ):
                t.add(town.start(1), town.end(1), LOCATION)
            continue
        town = _CAPITAL_TOWN_AFTER.match(text, span.end)
        if town and text[town.end(1) : town.end(1) + 1] == " " and " " not in town.group(1).replace("-", " "):
            town = None  # "12 Elm Street, Mom said": one word before the clause goes on is no town
        if town and not any(
            w.lower() in STOPWORDS or w.lower() in lists.keep or w.lower() in _SALUTES or w.lower() in _NOT_A_TOWN_AFTER
            for w in town.group(1).split()
        ):
            inside = t.claims.overlapping(town.start(1), town.end(1))  # "Viejo San Juan": a town found in part
            if all(s.type in (NAME, LOCATION) and town.start(1) <= s.start and s.end <= town.end(1) for s in inside):
                t.claims.replace(inside, town.start(1), town.end(1), LOCATION)


# An address said after its cue, to where the clause ends, commas and all: "the address for the home visit
# is site 6 comp 14, rr 3 just past the church", "current address? Yeah it's Flat 2, 19 Heol y Felin."; and one
# led by a flat, a house, a pitch or a stand, with the parts after its commas: "Flat C, 12/F, Wah Fung
# Mansion, 88 Shau Kei Wan Road", "stand 4471, budiriro 5", "pitch 6, shorebank holiday park"
_ADDRESS_CUE_RX = _rx(
    r"\baddress(?:\s+(?:for|of|on)\s+[^,.;:!?\x00]{1,40}?)?(?:'s|’s|\s+is|\s+was|\s+would\s+be|\s+will\s+be|:)\s+"
    r"|\baddress\b[^.!?\x00]{0,40}\?[\s\x00]*(?:(?:yeah|yes|sure|ok|okay|so|um|uh)[\s,]+){0,2}(?:it's|it’s|it\s+is)\s+"
)
_UNIT_LEADS = ("flat", "house", "site", "stand", "berth", "pitch", "plot", "block", "blk", "unit", "apartment", "apt",
               "caravan", "cabin", "room", "bungalow", "villa", "lot", "croft", "erf")  # fmt: skip
_UNIT_LED_RX = _rx(
    r"(?<![\w'’-])(?:house\s+(?:no\.?|number)|no\.|apt\.|"
    + "|".join(_UNIT_LEADS)
    + r")\s*#?\s*(?:\d{1,5}(?:[/-]\d{1,4})?(?:-?[a-z])?|[a-z]\d?(?:\s+\d{1,4}(?:/\d{1,4})?)?)"
    r"(?=,|\s)"
)
_ADDRESS_STOP_RX = re.compile(
    r"[,;!?\x00]|\.(?=\s|$)|(?i:\s+(?:comma|period|full\s+stop|new\s+(?:line|paragraph))\b)"
)  # and dictation's: "house 22, kilimani estate, argwings kodhek road comma yarmouth"
_SHORT_WORD_BEFORE = re.compile(r"(?:^|(?<=[\s.]))([^\W\d_]{1,4})$")
_ADDRESS_ABBREVIATIONS = frozenset({"no", "urb", "apt", "st", "rd", "ave", "blk", "mt", "o", "jln", "bldg", "hse"})
# words that end an address said in a clause: "... barker street just past the church", "... rr 3 sorry i ..."
_ADDRESS_ENDS = frozenset({"just", "sorry", "that's", "thats", "that’s", "and", "but", "so", "because", "if", "for",
                           "when", "until", "near", "past", "then", "now", "you", "i", "i'm", "we", "he", "she", "they",
                           "it", "it's", "is", "was", "with", "where", "which", "who", "like", "yeah", "okay", "ok",
                           "right", "in", "on", "at", "to", "from", "the", "a", "an", "my", "his", "her", "our",
                           "their", "your", "not", "no", "or", "can", "could", "will", "would", "please", "thanks",
                           "since", "before", "after", "by", "there", "here", "off", "of", "um", "uh"})  # fmt: skip
ADDRESS_WORDS = frozenset({"house", "flat", "farm", "manse", "cottage", "croft", "erf", "caravan", "pitch", "berth", "site",
                            "stand", "block", "plot", "lot", "unit", "apartment", "apt", "estate", "estates", "mansion",
                            "bungalow", "villa", "rr", "box", "sector", "street", "road", "lane", "crescent", "close",
                            "wynd", "brae", "terrace", "drive", "avenue", "way", "place", "court", "park"})  # fmt: skip


def _address_part(words: list[str], lists: WordLists) -> bool:
    """Words that may be a part of an address: a number, an address's word, or a name no dictionary holds;
    not a number alone ("house 97, 55") nor words a function word opens ("room 42, during ...")."""
    if len(words) > 1 and words[0].lower() == "the":
        words = words[1:]  # "Apartment 12, The Maltings, Bray Road"; not "room 42, the kitchen"
    if not any(c.isalpha() for w in words for c in w) or words[0].lower() in STOPWORDS:
        return False
    for word in words:
        low = word.lower().strip(".,'’")
        if any(c.isdigit() for c in low) or low in ADDRESS_WORDS or low in STREET_SUFFIX_WORDS:
            return True
        if low in COMPLEX_KINDS or low not in lists.ordinary and low not in lists.common and low not in STOPWORDS:
            return True
    return False


def _address_parts(text: str, start: int, lists: WordLists, head: int = 0) -> tuple[int, int]:
    """The address that begins at `start` (past the fillers there): its parts over commas, each of one to
    six words, up to the word where the clause goes on; (start, start) when no word is there. Every part
    after the first, and the first's words past `head`, must be address-like (`_address_part`)."""
    lead = re.match(r"(?:(?:um|uh|erm|er|like)[\s,]+)*", text[start : start + 24], re.IGNORECASE)
    start += lead.end()
    end, position, first = start, start, True
    while True:
        stop = _ADDRESS_STOP_RX.search(text, position)
        while stop and stop.group() == ".":  # not the full stop of "No. 23", "Urb.", "p.o."
            short = _SHORT_WORD_BEFORE.search(text, max(position, stop.start() - 6), stop.start())
            if not short or short.group(1).lower() not in _ADDRESS_ABBREVIATIONS:
                break
            stop = _ADDRESS_STOP_RX.search(text, stop.end())
        part_end = stop.start() if stop else len(text)
        words = list(re.finditer(r"\S+", text[position:part_end]))
        kept = 0
        for i, w in enumerate(words):
            low = w.group().lower()
            said_the = low == "the" and (
                i == 0
                and (first or len(words) > 1)  # "Apartment 12, The Maltings, Bray Road"
                or i > 0
                and re.fullmatch(r"\d+\w*|" + _NUMBER_WORDS, words[i - 1].group().lower())
            )
            if low in _ADDRESS_ENDS and not said_the and not (first and i == 0 and low == "number"):
                break
            kept = i + 1
        if kept == 0 or kept > 6:
            break
        if first and head:
            tail = [w.group() for w in words[:kept] if position + w.start() >= head]
            if tail and not _address_part(tail, lists):
                kept = next((i for i, w in enumerate(words) if position + w.start() >= head), kept)
                end = position + words[kept - 1].end() if kept else end
                break  # "room 89 calm, ...": the unit alone
        elif not first and not _address_part([w.group() for w in words[:kept]], lists):
            break
        end = position + words[kept - 1].end()
        if kept < len(words) or not stop or stop.group().strip().lower() not in (",", "comma"):
            break
        position, first = stop.end(), False
    return start, end


# the street before its unit: "2290 grand concourse, apt 14g", "one twenty-two East 118th Street, apartment 5C"
_BEFORE_UNIT_RX = re.compile(
    r"(?:^|(?<=[\s(\"“:\x00]))(?:\d{1,5}[a-z]?|(?i:" + _NUMBER_WORDS + r")(?:[\s-]+(?i:" + _NUMBER_WORDS + r")){0,3})"
    r"\s+(?P<words>(?:[^\W_][\w.'’-]*\s+){0,3}[^\W_][\w.'’-]*),\s*$"
)


def _address_values(t: _Text, lists: WordLists) -> None:
    text, low = t.text, t.low
    found = []
    if "address" in low:
        for m in _ADDRESS_CUE_RX.finditer(text):
            begin, end = _address_parts(text, m.end(), lists)
            value = text[begin:end]
            words = [w.lower() for w in WORD_RX.findall(value)]
            if not words or any(w in _AMOUNT_WORDS for w in words):
                continue
            said = (
                bool(_DIGITS.search(value)) or words[0] in _NUMBER_WORD_SET or words[0] == "number" and len(words) > 1
            )
            if said or any(w in ADDRESS_WORDS for w in words) and len(words) >= 2:
                found.append((begin, end))
    leads = [i for word in t.lower_words.intersection(_UNIT_LEADS) for i in t.occurrences(word)]
    leads += [i for i in _finds(low, "no.") if not i or not low[i - 1].isalnum()]  # "No. 23, Jalan SS 2/72"
    for i in leads:
        m = _UNIT_LED_RX.match(text, i)
        if not m:
            continue
        _, end = _address_parts(text, m.start(), lists, head=m.end())
        if end > m.end() and "," in text[m.end() : end]:
            found.append((m.start(), end))
    for unit in [s for s in t.claims.spans if s.type == ADDRESS and UNIT_RX.match(text, s.start)]:
        lo, _ = t.window(unit.start, unit.end, 90, 0)
        m = _BEFORE_UNIT_RX.search(text, lo, unit.start)
        if m:
            words = m.group("words").split()
            if not any(w.lower() in STOPWORDS for w in words) and _address_part(words, lists):
                found.append((m.start(), unit.end))
    for start, end in found:
        while end > start and text[end - 1] in " ,'’\"":
            end -= 1
        inside = t.claims.overlapping(start, end)
        if any(s.start < start for s in inside):
            continue
        crossing = [s for s in inside if s.end > end]
        if crossing:
            end = min(s.start for s in crossing)
            inside = [s for s in inside if s.end <= end]
        if any(s.type in (PHONE, EMAIL, URL, IP, SSN, AGE) for s in inside):
            continue
        taken = [s for s in inside if s.type in (NAME, ADDRESS, ID)]
        pieces, cursor = [], start  # the address between the places, postcodes and facilities found in it
        for s in sorted([*(s for s in inside if s not in taken), Span(end, end, "")], key=lambda s: s.start):
            piece = text[cursor : s.start]
            lead = len(piece) - len(piece.lstrip(" ,"))
            piece = piece.strip(" ,")
            if re.search(r"\d", piece) or any(w.lower() not in STOPWORDS for w in WORD_RX.findall(piece)):
                pieces.append((cursor + lead, cursor + lead + len(piece)))
            cursor = max(cursor, s.end)
        if pieces:
            t.claims.drop(taken)
            for a, b in pieces:
                t.add(a, b, ADDRESS)


# the locality after a street address, up to where the clause goes on: "12 greenwich park road, spanish
# town which is where", "12 adeola odeku street, victoria island no sorry", "no. 5 ogbunike close,
# independence layout that's where i go"
_LOCALITY_ENDS = frozenset({"um", "uh", "no", "now", "that's", "thats", "that’s", "which", "where", "near", "and", "so",
                            "is", "was", "it's", "for", "until", "i", "we", "comma", "period", "new"})  # fmt: skip
_LOCALITY_AFTER = re.compile(
    r",\s*(?P<v>[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,2})"
    r"(?=\s*(?:[,.;:!?—\x00]|$)|\s+(?i:"
    + "|".join(re.escape(w) for w in sorted(_LOCALITY_ENDS - {"new"}, key=len, reverse=True))
    + r"|new\s+(?:line|paragraph))\b)"
)
LOCALITY_WORDS = frozenset({"town", "city", "island", "hills", "hill", "estate", "district", "layout", "phase", "village",
                             "extension", "nagar", "colony", "sector", "heights", "gardens", "garden", "valley", "vale",
                             "bay", "beach", "springs", "junction", "township", "barrio", "barangay"})  # fmt: skip


def _localities(t: _Text, lists: WordLists) -> None:
    """The locality said after a street address, as part of it: a word no dictionary holds, or ending in a
    locality's kind ("spanish town", "victoria island", "banjara hills")."""
    text = t.text
    for span in [s for s in t.claims.spans if s.type == ADDRESS]:
        if not _STREET_KIND_IN.search(text, span.start, span.end):
            continue
        m = _LOCALITY_AFTER.match(text, span.end, span.end + 40)
        if not m:
            continue
        said_words = list(re.finditer(r"\S+", m.group("v")))
        cut = next((i for i, w in enumerate(said_words) if w.group().lower() in _LOCALITY_ENDS), len(said_words))
        if not cut:
            continue
        end = m.start("v") + said_words[cut - 1].end()  # "khayelitsha which is where": up to "which"
        words = [w.group().lower().strip(".") for w in said_words[:cut]]
        if any(w in STOPWORDS or w in _FILLERS or w in lists.keep or w in MONTHS for w in words):
            continue
        if words[-1] not in LOCALITY_WORDS and (
            any(w in lists.ordinary or w in lists.common for w in words)
            or any(w in lists.first or w in lists.last for w in words)  # "12 Main Street, Jessica.": said to her
        ):
            continue
        said = t.claims.overlapping(m.start("v"), end)
        if all(s.type in (NAME, LOCATION) and s.start >= m.start("v") and s.end <= end for s in said):
            t.claims.drop(said)
            t.claims.widen(t.claims.spans.index(span), span.start, end)


_STREET_KIND_IN = re.compile(r"(?i:\b(?:" + STREET_SUFFIXES + r")\b\.?)")


def _world_addresses(t: _Text, lists: WordLists) -> None:
    """Address parts said together ("block 5 lot 12, phase 2, camella homes"), beside an address found
    already, or a strong one after a place's cue, are one address."""
    if not t.lower_words & _WORLD_GATE:
        return
    text = t.text
    gates = t.lower_words & _WORLD_GATE
    # "a lot", "the private sector": look only where a gate word has a number or a name after it
    points = [i for w in gates for i in t.occurrences(w) if _WORLD_PART_RX.match(text, i)]
    if not points:
        return
    windows = _merged([t.window(i, i + 1, 0, 160) for i in points])
    parts = [m for lo, hi in windows for m in _WORLD_PART_RX.finditer(text, lo, hi)]
    runs: list[list[re.Match]] = []
    for m in parts:
        if runs and _PART_JOINT.fullmatch(text, runs[-1][-1].end(), m.start()):
            runs[-1].append(m)
        else:
            runs.append([m])
    for run in runs:
        start, end = run[0].start(), run[-1].end()
        lead = run[0].group().lower()
        cue = _PLACE_SAID_BEFORE.search(text, max(0, start - 24), start)
        near = [s for s in t.claims.spans if s.type == ADDRESS and (0 <= start - s.end <= 2 or 0 <= s.start - end <= 2)]
        if not (len(run) > 1 or near or cue and lead.startswith(_STRONG_PARTS)):
            continue
        for s in near:
            start, end = min(start, s.start), max(end, s.end)
        tail = _SUBDIVISION_AFTER.match(text, end)
        end = tail.end() if tail else end
        inside = t.claims.overlapping(start, end)
        if all(s.start >= start and s.end <= end and s.type in (NAME, LOCATION, FACILITY, ID, ADDRESS) for s in inside):
            if inside:
                t.claims.replace(inside, start, end, ADDRESS)
            else:
                t.add(start, end, ADDRESS)


def _address_tails(t: _Text, lists: WordLists) -> None:
    spans = t.claims.spans
    text = t.text
    for index, span in enumerate(spans):
        if span.type != ADDRESS:
            continue
        start, end = span.start, span.end
        before = _UNIT_SAID_BEFORE.search(text, max(0, start - 40), start)
        if before and t.claims.free(before.start(), start):
            start = before.start()
        after = _UNIT_NEXT.match(text, end)  # "Oakmont Drive building C", "Tupelo Street, Apt. C-4"
        if after and t.claims.free(end, after.end()):
            end = after.end()
        side = _UNIT_ENDS.search(text, max(span.start, end - 20), end) and _UNIT_SIDE.match(text, end)
        if side and t.claims.free(end, side.end()):
            end = side.end()
        for rx in (_LETTER_AS_IN, _FLOOR_AFTER):
            if rx is _LETTER_AS_IN and not (text[end - 1 : end].isalpha() and text[end - 2 : end - 1] == " "):
                continue  # "apartment B as in boy": only after a flat's letter
            more = rx.match(text, end)
            if more and t.claims.free(end, more.end()):
                end = more.end()
        if (start, end) != (span.start, span.end):
            t.claims.widen(index, start, end)
        town = _TOWN_STATE_AFTER.match(text, end)
        if town and not any(s.start < town.end(1) and town.start(1) < s.end for s in spans):
            # a town named after a state or a country is kept as a phrase ("New York"): after an
            # address it is the town
            t.claims.taken[town.start(1) : town.end(1)] = b"\x01" * (town.end(1) - town.start(1))
            spans.append(Span(town.start(1), town.end(1), LOCATION))
        if town and town.group(2) and t.claims.free(town.start(2), town.end(2)):
            t.add(town.start(2), town.end(2), LOCATION)  # a province: "Winnipeg, MB"
        if town and town.group(3) and t.claims.free(town.start(3), town.end(3)):
            t.add(town.start(3), town.end(3), ZIP)
    for span in [s for s in spans if s.type == ADDRESS]:
        m = _ADDRESS_TAIL.match(t.text, span.end, span.end + 60)
        if not m:
            continue
        inside = [s for s in spans if s.start >= span.end and s.end <= m.end() and s.type in (LOCATION, NAME, ADDRESS)]
        taken = sum(s.end - s.start for s in inside)
        if t.claims.taken.count(1, span.end, m.end()) != taken:
            continue  # something else said there
        for s in inside:
            spans.remove(s)
        t.claims.taken[span.end : m.end()] = b"\x01" * (m.end() - span.end)
        spans[spans.index(span)] = Span(span.start, m.end(), ADDRESS, span.detail)


def _cities(
    t: _Text,
    lists: WordLists,
    names: frozenset[str],
    firsts: dict[str, int],
    seconds: dict[str, frozenset[str]],
    kinds: dict[str, str | None],
) -> None:
    """City and town names: a run of capitalised words (or, after "moved to", "live in" and the
    like, lowercase ones) in the gazetteer. A name that is also an ordinary word ("Hope", "Mobile")
    needs a place word before it or a state after it."""
    text, low = t.text, t.low
    opens = t.sentence_starts
    points = []
    for start, token in t.cap_tokens:
        if _kept_possessive(token, lists):
            continue  # "McDonald's"
        kind = _city_kind(token, firsts, lists, kinds)
        if kind and not (kind == "word" and start in opens and not _PLACE_AFTER.match(text, start + len(token))):
            points.append((start, token))
    for word in t.lower_words & firsts.keys():
        if word in STOPWORDS:
            continue
        # a lowercase word starts a city's name only if the word after it can follow ("red" + "deer")
        single = word in lists.cities and word not in lists.common
        if word not in lists.ordinary or single or t.lower_words & seconds.get(word, frozenset()):
            points.extend((i, word) for i in t.occurrences(word, low=False))
    for start, word in sorted(points):  # in the text's order: a set's order would change the claims run to run
        bare = _bare(word.lower())
        cap = word[0].isupper()
        if not t.claims.free(start, start + len(bare)):
            continue
        before_words = _words_before(low, start)
        if before_words and (before_words[-1] in _TITLES or before_words[-1] in lists.first and cap):
            continue  # "Mr. Castellanos", "Jonathan Whitfield": a person's name, decided with the names
        if not cap and not (
            _PLACE_BEFORE.search(low, max(0, start - 24), start) or _PLACE_AFTER_WHERE.match(low, start)
        ):
            continue
        tokens, end, best = [bare], start + len(bare), None
        for _ in range(firsts[bare]):
            name = " ".join(tokens)
            if name in names:
                best = (end, name)
            m = _NEXT_CITY_WORD.match(text, end, end + 30)
            if not m:
                break
            nxt = m.group(1)
            elided = nxt[:2].lower() in ("d'", "l'", "d’", "l’")  # "Coeur d'Alene"
            if cap and not (nxt[0].isupper() or nxt.lower() in _CITY_PARTICLES or elided):
                break
            tokens.append(_bare(nxt.lower()))
            end = m.start(1) + len(tokens[-1])
        if best is None:
            continue
        end, name = best
        ordinary = all(w in lists.ordinary or w in lists.common or w in _CITY_PARTICLES for w in name.split())
        before = _PLACE_BEFORE.search(low, max(0, start - 24), start)
        after = _PLACE_AFTER.match(text, end)
        several = " " in name  # "moved to fort collins": two words that name a city, after a place word
        rare = not any(w in lists.common for w in name.split())  # "moved to providence"; not "in reading"
        inside = cap and several and start not in t.sentence_starts  # "It sounds like Moose Jaw holds ..."
        if (
            ordinary
            and not (before or after or inside)
            or not cap
            and ordinary
            and not (after or (several or rare) and before)
        ):
            continue
        if cap and ordinary and start in opens and not after:
            continue
        if " " not in name and name in lists.first and not (before or after):
            continue  # "Dara", "Austin": a person unless a place is meant
        t.add(start, end, LOCATION)
    zips = [(a, b) for a, b in t.digit_runs if b - a == 5 and not text[a - 1 : a].isdigit()]
    for m in (
        m
        for lo, hi in _merged([t.window(a, b, 48, 6) for a, b in zips])
        for m in _TOWN_BEFORE_ZIP.finditer(text, lo, hi)
    ):
        words = [w.lower() for w in WORD_RX.findall(m.group(1))]
        if any(w in lists.keep or w in STOPWORDS or w in MONTHS or w in _ID_CUE_WORDS for w in words):
            continue
        if len(words) == 1 and words[0] in lists.common:
            continue  # "Team 12345"
        t.add(m.start(1), m.end(1), LOCATION)
    # a lowercase word no list knows, where only a place can be: "my sister flew in from whangārei"
    unknown = [
        w for w in t.lower_words if w[0].islower() and w not in lists.ordinary and w not in lists.keep and len(w) > 2
    ]
    for i, word in sorted((i, w) for w in unknown for i in t.occurrences(w, low=False)):  # in the text's order
        if _STRONG_PLACE_BEFORE.search(low, max(0, i - 30), i) and t.claims.free(i, i + len(word)):
            t.add(i, i + len(_bare(word)), LOCATION)


# a postcode of four or five digits, or said digit by digit, right after a town: "so it's Wollongong, 2650",
# "red deer alberta, two eight seven oh", "Dubbo, NSW 2830"
_POSTCODE_AFTER_TOWN = re.compile(
    r",?\s+(?:(?:" + STATES + r"|" + _STATE_CODES + r"|nsw|vic|qld|tas|act|wa|sa|nt)\s*,?\s+)?"
    r"(?P<v>\d{4,5}(?![\w-]|[.,]\d)|"
    + _DIGIT_WORD
    + r"(?:\s+"
    + _DIGIT_WORD
    + r"){3,4}\b(?!\s+"
    + _DIGIT_WORD
    + r"\b))",
    re.IGNORECASE,
)


def _postcodes_after_towns(t: _Text) -> None:
    for span in [s for s in t.claims.spans if s.type == LOCATION]:
        m = _POSTCODE_AFTER_TOWN.match(t.text, span.end)
        if not m or m.group("v").isdigit() and len(m.group("v")) == 4 and 1900 <= int(m.group("v")) <= 2099:
            continue  # "we lived in Boston, 2019 was rough": a year
        said = t.claims.overlapping(m.start("v"), m.end("v"))
        if not said:
            t.add(m.start("v"), m.end("v"), ZIP)
        elif all(s.start >= m.start() and s.end <= m.end() and s.type in (ID, ZIP) for s in said):
            t.claims.replace(said, m.start("v"), m.end("v"), ZIP)  # "NSW 2830" read as a code: the state stays


# A place named by capitalised words after "at", "to", "from" ("He's been at The Rusty Anchor since",
# "I work at Lakeshore Ford"), once people and cities have been taken: a bar, a shop, a workplace.
_NAMED_PLACE_RX = re.compile(
    r"\b(?i:at|to|from|into|outside|inside|near|across\s+from)\s+(?:the\s+|The\s+)?"
    r"((?:[A-Z][\w'’&-]*\s+(?:(?:of|the|and|&|on|in)\s+)?){1,4}[A-Z][\w'’-]*)"
)


_PLACE_PREPOSITION_ENDS = ("at", "to", "from", "into", "side", "near", "the")
_PLACE_PREPOSITION_BEFORE = re.compile(r"\b(?i:at|to|from|into|outside|inside|near)\s+(?:the\s+)?$")


def _named_places(t: _Text, lists: WordLists) -> None:
    text = t.text
    done = -1
    matches = []
    for start, token in t.cap_tokens:  # only where a preposition stands before a capitalised word
        if start < done or text[start - 1 : start] != " " or not t.claims.free(start, start + 1):
            continue
        before = text[max(0, start - 5) : start - 1].lower()
        if not before.endswith(_PLACE_PREPOSITION_ENDS):
            continue
        prep = _PLACE_PREPOSITION_BEFORE.search(text, max(0, start - 24), start)
        m = _NAMED_PLACE_RX.match(text, prep.start()) if prep else None
        if m:
            matches.append(m)
            done = m.end()
    for m in matches:
        start, end = m.start(1), m.end(1)
        if text[end - 2 : end] in ("'s", "’s"):
            end -= 2
        words = [w.lower() for w in WORD_RX.findall(text, start, end)]
        if len(words) < 2 or "i" in words or not t.claims.free(start, end):
            continue
        if " ".join(words) in lists.keep or all(w in lists.keep or w in STOPWORDS or w in MONTHS for w in words):
            continue
        if any(w in MONTHS or w in lists.kept_places for w in words):
            continue  # "to Texas in May", "from Mexico City": dates and kept places are decided elsewhere
        t.add(start, end, FACILITY)


def _city_kind(token: str, firsts: dict[str, int], lists: WordLists, known: dict[str, str | None]) -> str | None:
    """None: no city starts with this word; "word": only a one-word city that is a dictionary word
    ("Hope"), so not where it opens a sentence; "name": worth looking at anywhere. Cached in `known`."""
    kind = known.get(token, "")
    if kind == "":
        bare = _bare(token.lower())
        kind = None if bare not in firsts else "word" if firsts[bare] == 1 and bare in lists.ordinary else "name"
        known[token] = kind
    return kind


_NEXT_WORD = re.compile(r"\s+([^\W\d_]+(?:['’.-][^\W\d_]+)*)")
_NEXT_CITY_WORD = re.compile(r"\.?\s+([^\W\d_]+(?:['’.-][^\W\d_]+)*)")  # "St. Cloud": the full stop belongs


def _bare(lower: str) -> str:
    return lower[:-2] if lower.endswith(("'s", "’s")) else lower


# ----------------------------------------------------------------------------- names


_BRITISH = (("ise", "ize"), ("isi", "izi"), ("our", "or"), ("yse", "yze"), ("tre", "ter"), ("ogue", "og"),
            ("lled", "led"), ("lling", "ling"), ("ence", "ense"), ("mme", "m"))  # fmt: skip


_ACRONYMS = re.compile(r"[A-Z]{2,}(?:s|'s|’s)")
_CONTRACTED = frozenset({"t", "s", "re", "ve", "ll", "d", "m", "all", "em", "cause", "n"})
_INFLECTIONS = (("ies", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ing", ("", "e")), ("ed", ("", "e")),
                ("ly", ("", "le")), ("er", ("", "e")), ("ers", ("", "e")))  # fmt: skip


def _in_vocabulary(lower: str, words: frozenset[str], common: frozenset[str], any_doubling: bool = False) -> bool:
    """Whether a lowercase word is in `words` (or `common`) as written or as an inflection, a British
    spelling, a contraction or a hyphenated compound of words in it. Webster's lists no inflections
    ("weeks", "texting"); `any_doubling` takes a doubled last consonant before any ending, not only
    "-ing" and "-ed"."""
    if lower in words or lower in common:
        return True
    if "-" in lower:  # "self-validation", "eighty-five"
        return all(_in_vocabulary(part, words, common, any_doubling) for part in lower.split("-") if part)
    head, _, tail = lower.partition("'")  # "don't", "we'll"; not "ma'ake"
    if tail in _CONTRACTED and head in words:
        return True
    for british, american in _BRITISH:
        if british in lower and lower.replace(british, american) in words:
            return True  # "apologise", "colour", "centre"
    for suffix, replacements in _INFLECTIONS:
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem = lower[: -len(suffix)]
            if any(stem + r in words for r in replacements):
                return True
            doubling = any_doubling or suffix in ("ing", "ed") and len(stem) > 2
            if doubling and stem[-1:] == stem[-2:-1] and stem[:-1] in words:
                return True
    return False


class _NameRules:
    """The decisions about one word: cached per word, since a corpus says the same words again."""

    def __init__(self, lists: WordLists) -> None:
        self.lists = lists
        self.names = lists.first | lists.last
        self.first = lists.first
        # the words worth looking at: names, and words no list knows
        self.pure = frozenset(
            n
            for n in self.names
            if n not in lists.ordinary and n not in lists.common and n not in lists.keep and len(n) >= 3
        )
        self._candidates: dict[str, bool] = {}
        self.slot_roles: dict[str, str | None] = {}  # _slot_word, by word
        self.strong_slots: dict[str, bool] = {}  # _strong_slot_word, by word
        self._lower_candidates: dict[str, bool] = {}
        self._facts: dict[str, tuple[str, bool, bool, bool, bool]] = {}
        self._familiar: dict[str, bool] = {}

    def base(self, token: str) -> str:
        lower = token.lower().replace("’", "'")
        if lower.endswith("'s") and len(lower) > 3:
            return lower[:-2]
        return lower[:-1] if lower.endswith("s'") else lower

    def ordinary(self, lower: str) -> bool:
        return _in_vocabulary(lower, self.lists.ordinary, self.lists.common)

    def familiar(self, lower: str) -> bool:
        """An ordinary word people say (the subtitle counts hold it), not one only Webster's knows:
        "begay", "kou", "mele" are in Webster's and are names where the context says so."""
        known = self._familiar.get(lower)
        if known is None:
            known = self._familiar[lower] = self.ordinary(lower) and _in_vocabulary(
                lower, self.lists.familiar, self.lists.common, any_doubling=True
            )
        return known

    @staticmethod
    def familiar_word(lists: WordLists, lower: str) -> bool:
        return lower in lists.familiar or lower in lists.common

    def listed(self, lower: str) -> bool:
        return lower in self.names or ("-" in lower and any(p in self.names for p in lower.split("-") if len(p) > 2))

    def facts(self, token: str) -> tuple[str, bool, bool, bool, bool]:
        """(lowercase base, listed, ordinary, common, first name) of a word, cached."""
        known = self._facts.get(token)
        if known is None:
            lower = self.base(token)
            known = self._facts[token] = (
                lower,
                self.listed(lower),
                self.ordinary(lower),
                lower in self.lists.common,
                lower in self.first,
            )
        return known

    def lower_candidate(self, token: str) -> bool:
        """A lowercase word worth a look: a name that is no dictionary word, a first name that is not a
        common word ("maya"), or a word no list knows; not "good" or "house" (surnames as well)."""
        known = self._lower_candidates.get(token)
        if known is None:
            _, _, ordinary, _, first = self.facts(token)
            # a first name that is also a common word ("grace", "mark") only after a relation: decided there
            known = self._lower_candidates[token] = self.candidate(token) and (
                not ordinary or first or not self.familiar(self.base(token))
            )
        return known

    def quiet_opening(self, token: str) -> bool:
        """A dictionary word that, opening a sentence, is a name only if something says so."""
        _, listed, ordinary, common, first = self.facts(token)
        return ordinary and not (listed and not common and first)

    def candidate(self, token: str) -> bool:
        known = self._candidates.get(token)
        if known is None:
            known = self._candidates[token] = self._candidate(token)
        return known

    def _candidate(self, token: str) -> bool:
        lower = self.base(token)
        if len(lower) < 2 or lower in STOPWORDS and lower not in CONTEXT_ONLY or lower in _TITLES:
            return False
        if lower in _RELATION_WORDS or lower in _KIN_NAMES:
            return False  # "Mum's birthday", "Grandma said": what a person is called in a family, not a name
        if token[0].isupper():
            # an acronym ("DBT", "DEAR MAN") is no name; a common word is one only by its place or context
            return not (token.isupper() and len(token) > 1 or _ACRONYMS.fullmatch(token))  # "DBT", "DUIs"
        return self.listed(lower) or not self.familiar(lower)


def _names(t: _Text, lists: WordLists, rules: _NameRules) -> None:
    text = t.text
    # lowercase "will", "may", "can" are never names by themselves: not even looked at
    lower_candidates = [w for w in t.words if w[0].islower() and w not in _MODALS and rules.lower_candidate(w)]
    opens = t.sentence_starts
    quiet = rules.quiet_opening
    points = [
        (start, token)
        for start, token in t.cap_tokens
        if rules.candidate(token)
        and not _kept_possessive(token, lists)  # "McDonald's", "Lowe's": a brand; "McDonald" a name
        and not text[start + len(token) : start + len(token) + 1].isdigit()  # "IPv6", "MP3": codes, not names
        and not (start in opens and quiet(token) and _nothing_names(text, start + len(_bare_name(token))))
    ]
    for word in lower_candidates:
        points.extend((i, word) for i in t.occurrences(word, low=False))
    # any word after a title's abbreviation ("dr. smith", "ms. good")
    for title in t.lower_words & _POINT_TITLES:
        for i in t.occurrences(title):
            nxt = _NEXT_WORD.match(text, i + len(title) + (text[i + len(title) : i + len(title) + 1] == "."), i + 40)
            if nxt and nxt.group(1)[0].islower():
                points.append((nxt.start(1), nxt.group(1)))
    for i in sorted(
        i for title in t.lower_words & _PARTICLE_TITLES for i in t.occurrences(title)
    ):  # "Dr. dos Santos", "doctor van der berg"
        m = _TITLED_PARTICLES.match(text, i)
        if m and m.group(2).lower() not in STOPWORDS:
            t.add(m.start(1), m.end(2) - (2 if m.group(2).endswith(("'s", "’s")) else 0), NAME, "last")
    for start, token in sorted(set(points)):
        end = start + len(token)
        if token.endswith(("'s", "’s")) and len(token) > 3:
            end -= 2
        elif token.endswith(("'", "’")):
            end -= 1
        if not t.claims.free(start, end):
            continue
        role = _decide(t, rules, text[start:end], start, end)
        if role is None:
            continue
        t.add(start, end, NAME, role)
        _surname_after(t, rules, start, end)
    _full_names(t, rules)


# a surname's particles: "van der Berg", "dos Santos", "De la Rosa", "st. clair", "te whata", "ó murchú"
_PARTICLES = r"(?:van|von|der|den|de|del|della|dei|degli|dal|di|da|das|dos|do|du|la|las|le|los|bin|binti|bint|ibn|al|el|te|ter|ten|ó|ni|ní|nic|ua|mac|mc|st\.?|san|abu|ap|ab|ben|af|zu|op|dela|a/[lp]|[sd]/o)"
_SURNAME_AFTER = re.compile(r" ((?i:" + _PARTICLES + r" ){0,3})([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_PARTICLE_TITLE_WORDS = ("doctor", "coach", "officer", "nurse", "professor", "judge", "pastor", "detective", "mister",
                         "miss", "aunt", "uncle")  # fmt: skip
_TITLED_PARTICLES = re.compile(
    r"(?i:\b(?:" + _TITLE_ABBR + "|" + "|".join(_PARTICLE_TITLE_WORDS) + r")"
    r"\s+)((?i:" + _PARTICLES + r" ){1,3})([^\W\d_]+(?:['’-][^\W\d_]+)*)"
)
_PARTICLE_TITLES = frozenset(_TITLE_ABBREVIATIONS + _PARTICLE_TITLE_WORDS)  # the words a title's match starts with
_WORD_BEFORE = re.compile(r"(?:^|(?<=[\s(\"“]))((?:[A-Z]\.){1,3}|(?i:st\.)|[^\W\d_]+(?:['’.-][^\W\d_]+)*) $")
_PARTICLE = re.compile(_PARTICLES)
_LAST_FIRST = re.compile(r"(?:^|(?<=[\s(\"“:]))([A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*(?: [A-Z][^\W\d_]+)?), $")


def _surname_after(t: _Text, rules: _NameRules, start: int, end: int) -> None:
    """A surname after a name: "Grace Miller", "adaeze baker", "Kou van der Berg", "tavita te whata"."""
    text, lists = t.text, rules.lists
    nxt = _SURNAME_AFTER.match(text, end, end + 60)
    if nxt and not nxt.group(1) and nxt.group(2) in _FILLERS:  # "malik uh katz": the filler is no surname
        nxt = _SURNAME_AFTER.match(text, nxt.end(), nxt.end() + 60)
    if not nxt:
        return
    surname, particles = nxt.group(2), nxt.group(1)
    s_start = nxt.start(1) if particles else nxt.start(2)
    s_end = nxt.end(2) - (2 if surname.endswith(("'s", "’s")) else 0)
    lower = rules.base(surname)
    particled = bool(
        re.match(r"(?i:al|el|bin|ibn|abu|d|o|de|di|da|du|la|le|mc|mac)[-'’][^\W\d_]", surname)
    )  # "al-Hakim"
    if surname[0].isupper() != text[start].isupper() and not particled or lower in STOPWORDS:
        return
    if particled:
        t.add(s_start, s_end, NAME, "last")
        return
    if lower in lists.keep and not (lower in lists.kept_places and lower in lists.last):
        return  # a kept word; but "Solveig Washington": a place that is a surname, after a first name
    if particles:
        t.add(s_start, s_end, NAME, "last")  # the particles say it: a surname follows
        return
    if surname[0].isupper():
        mid_sentence = start not in t.sentence_starts or rules.facts(text[start:end])[1]
        if lower not in MONTHS and (
            lower in lists.last or not rules.familiar(lower) or mid_sentence and lower not in lists.common
        ):
            t.add(s_start, s_end, NAME, "last")
    elif (
        lower in lists.last
        and (lower not in lists.common or _clause_goes_on_as_a_person(text, s_end))
        or not rules.familiar(lower)
    ):
        t.add(s_start, s_end, NAME, "last")  # "adaeze baker", "so it was yuna cook who found him"


_PAIR_BEFORE = re.compile(r"(?:^|(?<=[\s,]))([^\W\d_]+(?:['’-][^\W\d_]+)*) and $")
_PAIR_AFTER = re.compile(r" and ([^\W\d_]+(?:['’-][^\W\d_]+)*)")


def _paired_name(t: _Text, rules: _NameRules, span: Span) -> None:
    """The other of two names said together: "ok so amir and giuseppe were both there"."""
    text, lists = t.text, rules.lists
    for m, at in (
        (_PAIR_BEFORE.search(text, max(0, span.start - 30), span.start), "before"),
        (_PAIR_AFTER.match(text, span.end, span.end + 30), "after"),
    ):
        if not m or m.group(1)[0].isupper() != text[span.start].isupper():
            continue
        word = m.group(1)
        lower = rules.base(word)
        if (
            lower in STOPWORDS
            or lower in lists.keep
            or lower in _RELATION_WORDS
            or lower in _KIN_NAMES
            or lower in _TITLES
        ):
            continue
        if not (rules.listed(lower) and lower not in lists.common or not rules.familiar(lower)):
            continue
        if at == "before" and m.start(1) in t.sentence_starts and rules.ordinary(lower) and not rules.listed(lower):
            continue
        start = m.start(1)
        if t.claims.free(start, start + len(_bare_name(word))):
            t.add(start, start + len(_bare_name(word)), NAME, "first" if lower in rules.first else "")


_FAMILY_WORD_RX = re.compile(
    r"\b(?i:the) ((?:(?i:"
    + _PARTICLES
    + r")[ -]){0,3}[^\W\d_]+(?:['’-][^\W\d_]+)*) (?i:family|families|household|kids|clan)\b"
)
_FAMILY_RX = re.compile(
    r"\b(?i:the) ((?:(?i:" + _PARTICLES + r") ){0,3}[^\W\d_][^\W\d_'’]*(?:['’][^\W\d_]+)?s)\b(?!['’])"
)


def _families(t: _Text, rules: _NameRules) -> None:
    """A family by its surname: "the Singhs", "the van der Bergs", "the Moores"."""
    if "the " not in t.low:
        return
    lists = rules.lists
    plurals = [
        w
        for w in t.lower_words
        if w.endswith("s") and (w[:-1] in lists.last or w[:-2] in lists.last) and w not in lists.keep
    ]
    windows = _merged([t.window(i, i + len(w), 40, 1) for w in plurals for i in t.occurrences(w)])
    for m in (m for lo, hi in windows for m in _FAMILY_RX.finditer(t.text, lo, hi)):
        said = m.group(1).split()[-1]
        plural = said.lower()
        bases = [plural[:-1]] + ([plural[:-2]] if plural.endswith("es") else [])
        if any(b in lists.keep for b in bases) or plural in lists.keep:
            continue
        if said[0].islower() and (rules.familiar(plural) or any(b in lists.common for b in bases)):
            continue  # "the rivers", "the browns"; but "the okafors down the road"
        if any(b in lists.last and (b not in lists.common or " " in m.group(1)) for b in bases):
            t.add(m.start(1), m.end(), NAME, "last")
    kin = t.lower_words & {"family", "families", "household", "kids", "clan"}
    windows = _merged([t.window(i, i + len(w), 50, 1) for w in kin for i in t.occurrences(w)])
    for m in (m for lo, hi in windows for m in _FAMILY_WORD_RX.finditer(t.text, lo, hi)):  # "The Wong family moved in"
        said = m.group(1).split()[-1]
        surname = rules.base(said)
        if surname in lists.keep or surname in STOPWORDS or surname in MONTHS:
            continue
        if said[0].islower() and (surname in lists.common or rules.familiar(surname) and surname not in lists.last):
            continue  # "the whole family", "the host family"; but "the kealoha family", "the sandhu family"
        if surname in lists.last or not rules.familiar(surname) or "-" in surname:
            t.add(m.start(1), m.end(1), NAME, "last")


def _full_names(t: _Text, rules: _NameRules) -> None:
    """The rest of a full name around a name found: a first name before it ("Ma'ake Ochoa", "J.R.
    Katz"), a surname said first ("It's Vang, Yekaterina Thao"), particles after a title ("Dr. dos
    Santos")."""
    text, lists = t.text, rules.lists
    for span in [s for s in t.claims.spans if s.type == NAME]:
        start = span.start
        for _ in range(4):  # "Mai Yer Boateng", "jianguo van der berg": the words before the surname
            m = _WORD_BEFORE.search(text, max(0, start - 30), start)
            if not m:
                break
            word = m.group(1)
            lower = rules.base(word)
            if _PARTICLE.fullmatch(lower) and t.claims.free(m.start(1), m.end(1)):
                t.add(m.start(1), m.end(1), NAME, "last")
                start = m.start(1)
                continue
            first_part = _PARTICLE.fullmatch(text[start : start + 4].split(" ")[0].lower())
            if not ((first_part or word[0].isupper() == text[start].isupper()) and t.claims.free(m.start(1), m.end(1))):
                break
            month_name = (lower in MONTHS or lower in lists.keep and lower[:3] in MONTHS) and lower in rules.first
            if (
                lower in STOPWORDS
                or lower in _TITLES
                or lower in _SALUTES
                or (lower in lists.keep or lower in MONTHS)
                and not month_name
            ):
                break
            if lower in _RELATION_WORDS or lower in _KIN_NAMES or lower in _FILLERS:
                break
            initials = bool(re.fullmatch(r"(?:[A-Z]\.){1,3}", word))
            listed = rules.listed(lower) and lower not in lists.common
            if not (initials or listed or not rules.familiar(lower)):
                break
            if m.start(1) in t.sentence_starts and not (initials or listed or not rules.ordinary(lower)):
                break
            t.add(m.start(1), m.end(1), NAME, "first")
            start = m.start(1)
        _paired_name(t, rules, span)
        m = _LAST_FIRST.search(text, max(0, start - 40), start)
        if m and text[start].isupper() and t.claims.free(m.start(1), m.end(1)):
            words = m.group(1).split()
            lows = [rules.base(w) for w in words]
            said_first = re.search(
                r"(?i)(?:\bit's|\bit’s|\bis|\bname|\bfirst|:)\s*$", text[max(0, m.start(1) - 12) : m.start(1)]
            )
            plausible = all(
                w not in STOPWORDS and w not in lists.keep and w not in _SALUTES and w not in _TITLES
                and w not in _RELATION_WORDS and w not in _KIN_NAMES
                for w in lows
            )  # fmt: skip
            if plausible and (
                said_first or all(rules.listed(w) and w not in lists.common or not rules.familiar(w) for w in lows)
            ):
                t.add(m.start(1), m.end(1), NAME, "last")


def _kept_possessive(token: str, lists: WordLists) -> bool:
    """A brand kept with its "'s" ("McDonald's", "Denny's"), though the name without it is a name."""
    if not token.endswith(("'s", "’s")):
        return False
    return token.lower().replace("’", "'") in lists.keep


def _bare_name(token: str) -> str:
    return token[:-2] if token.endswith(("'s", "’s")) and len(token) > 3 else token


def _relation_names(t: _Text, rules: _NameRules) -> None:
    """The lowercase word after a relation ("my grandbaby patience is ...", "my ex, clover, keeps") or
    after "me and" ("me and lake been friends"): a name when the sentence goes on as after a person,
    even a word no name list holds. Capitalised words are decided with the other names."""
    relations = t.lower_words & _RELATION_WORDS
    if not relations and "me and" not in t.low:
        return
    text, lists = t.text, rules.lists
    points = [i + len(w) for w in relations for i in t.occurrences(w)] + [i + 6 for i in _finds(t.low, "me and")]
    for end in sorted(points):
        m = _NEXT_WORD.match(text, end, end + 40) or _AFTER_COMMA.match(text, end, end + 40)
        if m is None:
            continue
        if m.group(1).lower() in _FILLERS:  # "my ex uh taras"
            m = _NEXT_WORD.match(text, m.end(1), m.end(1) + 40) or _AFTER_COMMA.match(text, m.end(1), m.end(1) + 40)
            if m is None:
                continue
        start = m.start(1)
        word = m.group(1)
        stop = start + len(_bare_name(word))
        lower = word.lower()
        if not word[0].islower() or lower in STOPWORDS or lower in lists.keep or lower in _LOWER_KIND_WORDS:
            continue  # "the psych ward was scary": a place, not a name
        if not t.claims.free(start, stop):
            continue
        before = _words_before(t.low, start)
        me_and = before[-2:] == ["me", "and"]
        nxt = _NEXT_WORD.match(text, stop, stop + 20)
        after = nxt.group(1).lower() if nxt is not None else ""
        with_me = me_and and (after in _AFTER_ME_AND or after == "and" and lower in rules.first)
        # a common word only in "me and lake been friends" (nothing but a person goes there), or as a
        # given name before what a person did ("my daughter sunny turned sixteen")
        if (
            lower in lists.common
            and not with_me
            and not (
                lower in rules.first
                and lower not in _ADVERBS
                and lower not in _NOT_NAMES_BEFORE_A_VERB
                and after in _DONE_BY_A_PERSON
                and _before_relation(before)
            )
        ):
            continue
        if with_me:
            t.add(start, stop, NAME, "first" if lower in rules.first else "")  # "me and daisy used to get high"
        elif (_before_relation(before) or me_and) and (
            _clause_goes_on_as_a_person(text, stop) or after in _DONE_BY_A_PERSON and lower in rules.first
        ):
            t.add(start, stop, NAME, "first" if lower in rules.first else "")


# what a person did, said right after a relation and a given name that is also a word: "my daughter sunny
# turned sixteen", "my son hunter said"; not after a word that also tells how ("my dad even said")
_DONE_BY_A_PERSON = frozenset({"turned", "said", "told", "texted", "called", "passed", "died", "moved", "left", "came",
                               "went", "started", "stopped", "asked", "gave", "took", "married", "broke", "kept",
                               "wanted", "tried", "found", "got", "graduated", "dropped", "ran", "lives", "lived",
                               "he's", "she's", "he’s", "she’s", "attended", "drives", "drove", "says", "tells",
                               "texts", "calls", "takes", "helps", "picks", "works", "worked", "keeps", "wants",
                               "goes", "comes", "knows", "thinks"})  # fmt: skip
_NOT_NAMES_BEFORE_A_VERB = frozenset({"even", "ever", "still", "also", "only", "then", "now", "again", "once", "finally",
                                      "actually", "literally", "basically", "probably", "obviously", "already", "soon",
                                      "early", "late", "first", "last", "next", "young", "old", "new", "little", "big",
                                      "baby", "oldest", "youngest", "eldest", "middle", "real", "own", "step", "half"})  # fmt: skip
_AFTER_COMMA = re.compile(r",\s*(?:(?:uh|um|er|erm|like),?\s+)?([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_AFTER_ME_AND = frozenset({"been", "were", "are", "went", "used", "have", "had", "got", "hung", "always", "never", "go",
                           "talked", "talk", "broke", "grew", "met", "started", "hang", "did", "do", "was"})  # fmt: skip
_SAYS = frozenset({"said", "says", "told", "tells", "asked", "asks", "texted", "texts", "yelled", "screamed", "called",
                   "calls", "messaged", "emailed", "phoned", "facetimed"})  # fmt: skip
_SAID = frozenset(verb for verb in _SAYS if verb.endswith(("ed", "old", "aid")))  # the past tenses
# what a person is said to say: "said she'd", "told me", "said he would"
_PERSON_SAID_AFTER = re.compile(
    r"[a-z]+\s+(?:she|he)(?:['’](?:d|ll|s))?\b|[a-z]+\s+(?:me|us)\b(?!\s+(?:to|about)\s+(?:it|that|this)\b)"
)
_NOT_BEFORE_SAYER = _DETERMINERS | {"an", "every", "some", "no", "any", "of", "to", "in", "on", "at", "for", "with", "and",
                                    "or", "your", "its", "which", "what", "whose", "one", "own", "i", "you", "we",
                                    "they", "he", "she", "it", "who", "that"}  # fmt: skip


def _sayers(t: _Text, rules: _NameRules) -> None:
    """A lowercase given name before "said", "told", "asked" ("um chase said she'd drive me",
    "then will told me"): a person, unless a determiner makes it a thing ("the rose said")."""
    verbs = t.lower_words & _SAYS
    if not verbs:
        return
    text, lists = t.text, rules.lists
    for i in sorted(i for verb in verbs for i in t.occurrences(verb, low=False)):
        m = re.search(r"(?:^|(?<=[\s,]))([a-z][a-z'’-]+) $", text[max(0, i - 30) : i])
        if not m:
            continue
        word = m.group(1)
        start = max(0, i - 30) + m.start(1)
        lower = rules.base(word)
        # "then tesfaye called": a word no list knows, before a past tense ("unread texts" is no person)
        unknown = not rules.familiar(lower) and len(lower) > 2 and text[i : i + 9].split()[0] in _SAID
        if (
            lower not in rules.first
            and not unknown
            or lower in STOPWORDS
            and lower not in CONTEXT_ONLY
            or lower in lists.keep
        ):
            continue
        if lower in _RELATION_WORDS or lower in _KIN_NAMES or lower in _TITLES:
            continue
        if lower in lists.common and lower not in WORDLIKE_NAMES and lower not in CONTEXT_ONLY:
            continue  # "nobody ever asked me": "Ever" is a name in some lists, "ever" a word here
        before = _words_before(t.low, start)
        if not t.claims.free(start, start + len(lower)):
            continue
        if (
            before
            and before[-1] in _NOT_BEFORE_SAYER
            and not (before[-1] == "and" and lower in rules.first and _PERSON_SAID_AFTER.match(text, i))
        ):
            continue  # "the rose said"; but "and grace said she'd pick me up": a person, said of as one
        t.add(start, start + len(lower), NAME, "first")


# Where only a person can stand, in lower case too: the word there is a name when a name list
# knows it or no list knows it ("i told trinity i couldn't", "my counselor before you was willow",
# "there's this girl at work zaylee and", "kat is my stepdad", "everybody calls him park",
# "and then mercy goes you always", "so i called battle's office").
_RELATION_SET = _RELATION_WORDS | {w for w in RELATIONS.split("|") if w.isalpha()}  # the words RELATIONS matches
# (pattern, the words one of which it holds: without one the pattern is not tried)
_PERSON_SLOTS: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(triggers.split()) if isinstance(triggers, str) else triggers)
    for pattern, triggers in (
        (
            (
                r"\b(?:told|tell|tells|telling|asked|ask|asks|texted|messaged|hugged|thanked|warned|promised|begged|invited)"
                r" (?P<n>[a-z][a-z'’-]+) (?=(?:i|that|about|to|we|he|she|they|if|how|what|not|and i|and she|and he|like i|"
                r"like mate|like you|you)\b)"
            ),
            "told tell tells telling asked ask asks texted messaged hugged thanked warned promised begged invited",
        ),
        (  # "the guillory place, the one that burned": a family's house by its surname
            r"\bthe (?P<f>[a-z][a-z'’-]+) (?=(?:place|farm|ranch|homestead|house)\b(?! (?:of|for|to|is|was)\b))",
            "place farm ranch homestead house",
        ),
        (  # "yeah chastity from the drop in she gave me the bus pass"
            (
                r"(?:^|(?<=[\s,]))(?P<n>[a-z][a-z'’-]+) from the (?:drop[- ]in|shelter|hostel|mission|food bank|rig|"
                r"platform) (?=(?:she|he|they|gave|said|told|was|is|who)\b)"
            ),
            "drop shelter hostel mission bank rig platform",
        ),
        (  # "i rang efua and she said", "phoned tendai about it"
            r"\b(?:rang|rung|phoned|rang up|phoned up) (?P<n>[a-z][a-z'’-]+) (?=(?:and she|and he|about|to|again|back)\b)",
            "rang rung phoned",
        ),
        (  # a voicemail: "this is the counselling service calling for efua please call us back"
            r"\b(?:calling|message|messages|calls) for (?P<n>[a-z][a-z'’-]+)(?= (?:please|it's|it’s|this is|we|can|could|if)\b|[,.])",
            "calling message messages calls",
        ),
        (  # "so jordan and i, we're not talking", "knowledge and i were together"
            r"(?:^|(?<=[\s,]))(?P<n>[A-Za-z][a-z'’-]+) and i(?:,| (?:were|went|got|used to|broke up|split|both|have been|had been)\b)",
            "i",
        ),
        (  # "i keep thinking about what river would say": what a person would say or think
            r"\bwhat (?P<n>[a-z][a-z'’-]+) (?:would|will|might|'d|’d) (?:say|think|do|want|tell)\b",
            "would will might",
        ),
        (  # "i was talking to jess from group", "i hang out with tyrone at lunch"
            (
                r"\b(?:talking|talked|talk|spoke|speaking|chatting|chatted|hanging out|hung out|hangs out|fighting|fought|"
                r"arguing|argued|dating|texting|broke up|breaking up|living|staying|stayed|met up|meeting up|sat|sitting|"
                r"did (?:the|a|my|our) [a-z]+(?: [a-z]+)?) (?:to|with) (?P<n>[a-z][a-z'’-]+)"
                r"(?= (?:from|at|like|about|and i|again|yesterday|last|for|who|but)\b|[,.])"
            ),
            (
                "talking talked talk spoke speaking chatting chatted out fighting fought arguing argued dating "
                "texting up living staying stayed sat sitting did"
            ),
        ),
        (
            r"\b(?:my|his|her|our|their) (?:" + RELATIONS + r")(?: before you| at the time| back then| growing up)?"
            r" (?:is|was|'s|’s) (?P<n>[a-z][a-z'’-]+)\b(?!['’-])",
            _RELATION_SET,
        ),
        (
            (
                r"\b(?:this|that|a|one|the) (?:girl|guy|boy|kid|lady|woman|man|dude|friend|coworker|co-worker|neighbor|"
                r"neighbour|foreman|deckhand|skipper|medic)"
                r"(?: (?:at|from|in|on) (?:work|school|church|group|class|the \w+|my \w+))?(?: uh| um)? (?P<n>[a-z][a-z'’-]+)"
                r"(?= (?:and|who|that|is|was|she|he)\b|,)"
            ),
            "girl guy boy kid lady woman man dude friend coworker co-worker neighbor neighbour foreman deckhand skipper medic",
        ),
        (
            r"(?:^|(?<=[\s,]))(?P<n>[A-Za-z][a-z'’-]+) (?:is|was) (?:the one who|the only (?:one|friend|person)\b|"
            r"my (?:" + RELATIONS + r"))\b",
            _RELATION_SET | {"one", "only"},
        ),
        (
            r"\b(?:calls?|called|calling) (?:him|her|me|them) (?P<n>[a-z][a-z'’-]+)\b|\bgoes by (?P<m>[a-z][a-z'’-]+)\b",
            "call calls called calling goes",
        ),
        (
            (
                r"\b(?:and then|then|so|and) (?P<n>[a-z][a-z'’-]+) (?:goes|went|was like|is like)"
                r"(?= (?:you|i|oh|well|um|no|yeah|okay|what|like|to me)\b|,)"
            ),
            "goes went like",
        ),
        (
            (
                r"(?:^|(?<=[\s,]))(?P<n>[a-z][a-z-]+)['’]s (?:office|clinic|practice|house|place|apartment|car|truck|kids|"
                r"wife|husband|mom|dad|girlfriend|boyfriend|phone|number)\b"
            ),
            (
                "office clinic practice house place apartment car truck kids wife husband mom dad girlfriend boyfriend phone "
                "number"
            ),
        ),
        (
            (
                r"(?:^|(?<=[\s,]))(?P<n>[a-z][a-z'’-]+), (?:my|his|her|our) (?:married|maiden|last|legal|middle|first|real|birth|"
                r"old|new|full|given) name\b|\b(?:it's|it’s|its|it is|it was|put it|listed|booked) under (?P<m>[a-z][a-z'’-]+)\b"
            ),
            "name under",
        ),
        (
            r"\b(?:uncle|aunt|auntie|aunty|cousin|grandma|grandpa|granny|nana|papa|brother|sister) (?P<n>[a-z][a-z'’-]+)\b",
            "uncle aunt auntie aunty cousin grandma grandpa granny nana papa brother sister",
        ),
        (
            r"\b(?:it's|it’s|its|that's|that’s|thats|this is) (?P<n>[a-z][a-z'’-]+),? (?:my|our|his|her) (?:"
            + RELATIONS
            + r")\b",
            _RELATION_SET,
        ),
        (
            r"\bwith (?P<n>[a-z][a-z'’-]+) (?=(?:the night|that night|last night|all night|when|the day|that day)\b)",
            "with",
        ),
        (
            (
                r"(?:^|(?<=[\s,]))(?P<n>[a-z][a-z'’-]+) from (?:group|work|school|church|class|meetings|the meeting|"
                r"the group|my group|next door|down the street|aa|na|my (?:year|platoon|squad|unit|crew|cohort))\b|\bit (?:was|is|'s|’s) (?P<m>[A-Za-z][a-z'’-]+) who\b"
            ),
            "from who",
        ),
        (
            (
                r"\b(?:and|then|but|so|like) (?P<n>[a-z][a-z'’-]+) (?:just |never |always |finally |still |literally )?"
                r"(?:stood|sat|stared|looked|laughed|walked|left|cried|yelled|screamed|smiled|nodded|shrugged|froze|"
                r"hugged|kissed|slapped|grabbed|pushed|hung up|showed up|picked up|drove off|took off)\b"
            ),
            (
                "stood sat stared looked laughed walked left cried yelled screamed smiled nodded shrugged froze hugged "
                "kissed slapped grabbed pushed hung showed picked drove took"
            ),
        ),
        (
            (
                r"(?:^|(?<=[.!?] )|(?<=\x00))(?P<n>[A-Z][a-z'’-]+), (?=(?:i'm|i’m|i am|i know|i think|i hear|i get|you|"
                r"you're|you’re|listen|look|please|thanks|thank you|sorry|we|can you|let's|let’s)\b)"
            ),
            "i'm i’m i you you're you’re listen look please thanks thank sorry we can let's let’s",
        ),
        (
            (
                r"\b(?:i|and i|she|he) (?:said|says|was like|am like|'m like|’m like|go|goes|went|told (?:him|her|them))"
                r",? (?P<n>[a-z][a-z'’-]+),? (?=(?:you|you're|you’re|i|i'm|i’m|we|please|listen|stop|don't|why|what|"
                r"look|come on|can you)\b)"
            ),
            "said says like go goes went told",
        ),
        (
            (
                r"\b(?:the|my|this|a) new (?:girl|guy|kid|lady|nurse|teacher|neighbor|neighbour|coworker|co-worker)"
                r"(?: (?:at|from|in) (?:work|school|church|group|class|the \w+|my \w+))? (?P<n>[a-z][a-z'’-]+)\b"
            ),
            "new",
        ),
        (
            (
                r"\bthe (?P<p>[a-z][a-z'’-]+?(?:e?s)) (?=(?:own|owns|owned|next door|down the street|across the street|took|"
                r"live|lived|moved|called|said|were|are|have|had)\b)"
            ),
            "the",
        ),
    )
)
_FAMILY_AFTER = re.compile(r" (?:own|owns|owned|next door|down the street|across the street|moved|live|lived)\b")
_SOMEONE = frozenset({"someone", "somebody", "anyone", "anybody", "everyone", "everybody", "no", "nobody", "no-one"})
_NOT_A_PET_NAME = frozenset({"baby", "babe", "honey", "sweetie", "sweetheart", "dear", "darling", "buddy", "boss",
                             "sir", "kiddo", "champ", "names", "stupid", "crazy", "sugar", "angel", "princess"})  # fmt: skip


def _slot_word(rules: _NameRules, lower: str) -> str | None:
    """The role of a word that may stand in a person's slot: a name list knows it ("first",
    "last") or no list knows it (""); None for any other word."""
    lists = rules.lists
    if (
        len(lower) < 2
        or lower in STOPWORDS
        and lower not in CONTEXT_ONLY
        or lower in lists.keep
        and lower not in CONTEXT_ONLY
    ):
        return None
    if lower in _RELATION_WORDS or lower in _KIN_NAMES or lower in _TITLES or lower in _NOT_A_PET_NAME:
        return None
    if lower in MONTHS and lower not in CONTEXT_ONLY:
        return None
    familiar = rules.familiar(lower)
    if lower in rules.first and (lower not in lists.common or lower in WORDLIKE_NAMES or lower in CONTEXT_ONLY):
        return "first"  # "trinity", "willow"; not "good" or "long", which a surname list holds too
    if not familiar:
        return "last" if lower in lists.last else ""
    return None


_KIN_TITLES = (
    r"t[íi]a|t[íi]o|prima|primo|abuela|abuelo|abuelita|abuelito|lola|lolo|tita|tito|ate|kuya|madrina|padrino|"
    r"comadre|compadre|nonna|nonno|auntie|aunty|aunt|uncle|cousin|mamaw|papaw|meemaw|memaw|pawpaw|grandmama|granny"
)
# Places only a person stands in, where a first name that is also a word is a name ("i told chance i
# wasn't going back", "so april my caseworker said", "tía mercy doesn't speak english")
_MI = "mi"
_AFTER_A_SPANISH_NAME = re.compile(
    r"\s*(?:[,.!?\x00]|$)|\s+(?:no|dice|dijo|es|está|esta|estaba|era|tiene|tenía|quiere|se|me|le|y|que|siempre|nunca|ya)\b"
)  # "mi hija kavita no quiere", not "mi papá trabaja mucho"
_STRONG_PERSON_SLOTS: tuple[tuple[re.Pattern, frozenset[str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), frozenset(triggers.split()))
    for pattern, triggers in (
        (
            (
                r"\b(?:told|asked|texted|messaged|hugged|thanked|warned|promised|begged|reminded) (?P<n>[a-z][a-z'’-]+)"
                r" (?=(?:i|that|we|he|she|they)\b)"
            ),
            "told asked texted messaged hugged thanked warned promised begged reminded",
        ),
        (
            r"\b(?:so|and|but|then|um|uh|well|yeah|honestly)(?: um| uh)? (?P<n>[a-z][a-z'’-]+),? (?:my|our)(?: my| our)? (?:"
            + RELATIONS
            + r"|case\s+manager|midwife|key\s+worker|support\s+worker)"
            r" (?:said|says|told|tells|is|was|called|texted|she|he|picked|keeps)\b",
            "caseworker counselor counsellor therapist sponsor probation case boss teacher coach nurse doctor manager "
            "midwife worker " + " ".join(_RELATION_SET),
        ),
        (  # "i dont know why sunny would say that": what a person would say
            r"\b(?:why|what) (?P<n>[a-z][a-z'’-]+) (?:would|'d|’d) (?:say|think|do|want|tell)\b",
            "would",
        ),
        (  # "so yeah blessing is the midwife we had": a person and the role they have
            (
                r"(?:^|(?<=[\s,.]))(?P<n>[a-z][a-z'’-]+) (?:is|was) (?:the|my|our) (?:midwife|nurse|doctor|"
                r"social worker|caseworker|case worker|case manager|counsel+or|therapist|teacher|sponsor|"
                r"probation officer|chaplain|pastor|coach|psychiatrist|psychologist|health visitor|key worker|"
                r"support worker|interpreter)\b"
            ),
            (
                "midwife nurse doctor social caseworker case counselor counsellor therapist teacher sponsor probation "
                "chaplain pastor coach psychiatrist psychologist health key support interpreter"
            ),
        ),
        (  # "so wee folasade has been greetin": Scots "wee" before a child's name
            r"\bwee (?P<n>[a-z][a-z'’-]+) (?:has|is|was|keeps|said|says|had|got|cried|won't|doesn't)\b",
            "wee",
        ),
        (r"(?:^|(?<=[\s,.]))(?P<n>[a-z][a-z'’-]+) and me (?:we|were|went|got|used)\b", "were went got used"),
        (  # "mi hija kavita no quiere": a relation said in Spanish before a name
            (
                r"\bmi (?:hija|hijo|hermana|hermano|esposa|esposo|novia|novio|sobrina|sobrino|nieta|nieto|mam[áa]|"
                r"pap[áa]|t[íi]a|t[íi]o|prima|primo|abuela|abuelo|suegra|suegro|cuñada|cuñado) (?P<n>[a-z][a-z'’-]+)"
            ),
            _MI,
        ),
        (  # "so i rang april and she said come stay": only a person is rung and answers
            r"\b(?:rang|rung|phoned|called|texted|messaged) (?P<n>[a-z][a-z'’-]+) and (?:she|he) (?:said|says|told|goes|was|is)\b",
            "rang rung phoned called texted messaged",
        ),
        (  # "i been sober since before summer was born": only a person is born
            r"\b(?:before|after|since|when|until|till) (?P<n>[a-z][a-z'’-]+) (?:was|got) born\b",
            "born",
        ),
        (
            r"\bwhen (?P<n>[a-z][a-z'’-]+) (?:called|texted|messaged|hung up on|yelled at|dumped|left) (?:me|us)\b",
            "called texted messaged hung yelled dumped left",
        ),
        (
            r"\b(?:"
            + _KIN_TITLES
            + r") (?P<n>[a-z][a-z'’-]+)(?= (?:doesn't|does|is|was|said|says|called|lives|and)\b)",
            (
                "tía tia tío tio prima primo abuela abuelo abuelita abuelito lola lolo tita tito ate kuya madrina padrino "
                "comadre compadre nonna nonno auntie aunty aunt uncle cousin mamaw papaw meemaw memaw pawpaw grandmama "
                "granny"
            ),
        ),
        (
            (
                r"\b(?:my|his|her|their) (?:ex's |ex’s )?(?:new |old |current )?(?:girlfriend|boyfriend|wife|husband|"
                r"partner|fianc[ée]e?) (?P<n>[a-z][a-z'’-]+)(?= (?:keeps|is|was|said|says|texted|called|and|who)\b)"
            ),
            "girlfriend boyfriend wife husband partner fiance fiancé fiancee fiancée",
        ),
    )
)


def _strong_slot_word(rules: _NameRules, lower: str) -> bool:
    """A first name that may stand in a strong person's slot, even where it is also a word."""
    lists = rules.lists
    if lower not in rules.first or len(lower) < 3 or lower in _MODALS or lower in STOPWORDS:
        return False
    if lower in _RELATION_WORDS or lower in _KIN_NAMES or lower in _TITLES or lower in _NOT_A_PET_NAME:
        return False
    return not (lower in lists.keep and lower not in CONTEXT_ONLY and lower not in MONTHS)


_AND_I_AFTER = re.compile(r"(?:,| (?:were|went|got|used to|broke up|split|both|have been|had been)\b)")


def _and_i(t: _Text, rules: _NameRules) -> None:
    """A first name before "and I" and what the two did: "so Jordan and I, we're not talking", "lily and i
    were close"."""
    low, i = t.low, t.low.find(" and i")
    while i != -1:
        if _AND_I_AFTER.match(low, i + 6):
            m = re.search(r"(?<=[a-z,] )[A-Za-z][a-z'’-]+$", t.text[max(0, i - 24) : i])
            if m:
                start = max(0, i - 24) + m.start()
                word = m.group()
                if _strong_slot_word(rules, rules.base(word)):
                    t.add(start, start + len(word), NAME, "first")
        i = low.find(" and i", i + 6)


def _strong_person_slots(t: _Text, rules: _NameRules) -> None:
    _and_i(t, rules)
    known = rules.strong_slots
    for rx, triggers in _STRONG_PERSON_SLOTS:
        words = t.lower_words & triggers
        if not words:
            continue
        for lo, hi in _merged([t.window(i, i + len(w), 60, 60) for w in words for i in t.occurrences(w)]):
            for m in rx.finditer(t.text, lo, hi):
                word = m.group("n")
                ok = known.get(word)
                if ok is None:
                    ok = known[word] = _strong_slot_word(rules, rules.base(word))
                if not ok and not (
                    triggers == {_MI}
                    and not rules.familiar(rules.base(word))
                    and _AFTER_A_SPANISH_NAME.match(t.low, m.end())
                ):
                    continue  # after "mi hija", a word no dictionary holds, before what a person does, is a name
                start = m.start("n")
                end = start + len(word) - (2 if word.endswith(("'s", "’s")) else 0)
                t.add(start, end, NAME, "first")


def _person_slots(t: _Text, rules: _NameRules) -> None:
    roles = rules.slot_roles
    candidates = []
    for word in t.lower_words - _MODALS:  # "i told will that ...": too rare to look around every "will"
        role = roles.get(word, False)
        if role is False:
            role = roles[word] = _slot_word(rules, rules.base(word))
        if role is not None:
            candidates.append(word)
    if not candidates:
        return
    # only around the words that could be a person's name: they are few
    windows = _merged([t.window(i, i + len(w), 90, 70) for w in candidates for i in t.occurrences(w)])
    for rx, triggers in _PERSON_SLOTS:
        if not t.lower_words & triggers:
            continue
        for m in (m for lo, hi in windows for m in rx.finditer(t.text, lo, hi)):
            group = next((g for g in ("n", "m", "p", "f") if g in rx.groupindex and m.group(g) is not None), None)
            if group is None:
                continue
            word, start = m.group(group), m.start(group)
            if group == "p":  # "the kowalczyks next door": a family, by its surname
                stems = [word[:-1]] + ([word[:-2]] if word.endswith("es") else [])
                roles = [_slot_word(rules, stem) for stem in stems if len(stem) > 3 and stem not in rules.first]
                # a surname list's word, or one no list knows where only a family can be ("the benzos were")
                family = _FAMILY_AFTER.match(t.low, m.end(group))
                role = "last" if "last" in roles or "" in roles and family else None
            else:
                role = None if word.lower() in _MODALS else _slot_word(rules, rules.base(word))
            if role is None:
                continue
            before = _words_before(t.low, start)
            if group not in ("p", "f") and before and (before[-1] in _DETERMINERS or before[-1] in _SOMEONE):
                continue  # "the doctor's office", "someone else's house"
            end = start + len(word) - (2 if word.endswith(("'s", "’s")) else 0)
            t.add(start, end, NAME, role)


def _nothing_names(text: str, end: int) -> bool:
    """Nothing after a word that opens a sentence says it is a name: no ", ", no capitalised word
    after it, no person's verb, no possessive."""
    after = text[end : end + 2]
    if after[:1] in ("'", "’") or after == ", " or after[:1] == " " and after[1:2].isupper():
        return False
    return not _after_person(text, end)


# not "like": "i felt like humpty dumpty" is a comparison
_NAME_PAIR_OPENERS = (_CLAUSE_OPENERS - {"like"}) | {"it's", "it’s", "is", "was"}


def _unknown_word_after(t: _Text, rules: _NameRules, end: int) -> bool:
    m = _NEXT_WORD.match(t.text, end, end + 30)
    if m and m.group(1) in _FILLERS:  # "malik uh katz"
        m = _NEXT_WORD.match(t.text, m.end(), m.end() + 30)
    if not m or not m.group(1)[0].islower():
        return False
    lower, listed, _, common, _ = rules.facts(m.group(1))
    return not rules.familiar(lower) or listed and not common and lower in rules.lists.last


def _decide(t: _Text, rules: _NameRules, token: str, start: int, end: int) -> str | None:
    """The role ("first", "last", "") if this occurrence is a name, else None."""
    lists = rules.lists
    text = t.text
    lower, listed, ordinary, common, first = rules.facts(token)
    cap = token[0].isupper()
    role = "first" if first else ""
    opens = cap and start in t.sentence_starts
    quiet_opening = opens and ordinary and text[end : end + 2] != ", " and not _after_person(text, end)
    if (
        quiet_opening
        and not (listed and not common and first)
        and not (text[end : end + 1] == " " and text[end + 1 : end + 2].isupper())
    ):
        return None  # a dictionary word opening a sentence, nothing naming it: most of them
    before = [] if opens else _words_before(t.low, start)
    if _before_strong(before):
        # "my cousin destiny": a relation, though "cousin" can be a title ("Cousin Vinny")
        title = None if _before_relation(before) else _before_title(before)
        if title and title.rstrip(".") in _SURNAME_TITLES:
            role = "last"
        if not cap and (lower in STOPWORDS or lower in _LOWER_KIND_WORDS):
            return None  # "my psych ward": a place after a relation word
        if title in _SURE_TITLES:
            return role  # "mr park", "Dr. Good": a surname whatever word it is
        if title and title.rstrip(".") in _SURNAME_TITLES and not cap and lower not in lists.common:
            return "last"  # "coach crumpler benched me", "attorney khoury"
        if cap or not rules.familiar(lower):
            return role
        if (
            title
            and title.rstrip(".") in _SURNAME_TITLES
            and lower in lists.last
            and _clause_goes_on_as_a_person(text, end)
        ):
            return "last"  # "sergeant wood who wrote the report", "coach price benched me"
        if listed and not common and (not title or title.rstrip(".") in _SURNAME_TITLES or first):
            return role  # "my sister priya", "dr. smith"; not "sister day" (a title word before a word)
        if first and not title and _clause_goes_on_as_a_person(text, end):
            return role  # "my sponsor mark says", "my cousin destiny, she's the one"; not "my mom made me go"
        return None
    if not cap and lower in CONTEXT_ONLY:
        if first and before and before[-1] in _ASKED and text[end : end + 4] == " to ":
            return role  # "i asked june to pick up the kids"
        return None  # "mark", "sue", "bill" are verbs and nouns unless a relation names them
    person = _after_person(text, end)
    if lower in lists.keep or lower.endswith("s") and lower[:-1] in lists.keep:  # "Sundays"
        # "Jordan", "Georgia": places unless someone does something or is spoken to; "Elvis" stays
        greeted = before and before[-1] in _GREETINGS and text[end : end + 1] in (",", ".", "!", "?")
        place_or_month = lower in lists.kept_places or lower in MONTHS and first
        said_to = lower in MONTHS and not opens and (_before_person(before) or _aux_person(before, text, end))
        evidence = person or greeted or said_to  # "I told April I'd call"; not "I miss Iran"
        return role if lower in rules.names and place_or_month and evidence else None
    weak = _before_weak(before)
    if cap:
        # said to someone: ", Marigold." (not one of a list: "Describe, Express, Assert, ...")
        vocative = (
            (not opens)
            and text[start - 2 : start] == ", "
            and (_AFTER_VOCATIVE.match(text, end) or _ASKED_YOU.match(text, end) and lower not in lists.common)
        )  # "Okay, Marigold." "Okay, Ezekiel, can you rate it?"; not "Okay, Great, can you ..."
        greeted = not opens and _greeted(before, text, end)
        if lower in CONTEXT_ONLY or lower in MONTHS:  # "Will said no", not "Will you ...?"
            if person and (not opens or first) or vocative or greeted or _aux_person(before, text, end):
                return role
            if not opens and (_before_person(before) or _mid_sentence_name(lower, before, text, end)):
                return role
            return None
        if listed and not ordinary:
            return role
        if before and before[-1] in ("the", "a", "an") and ordinary and not _after_strong_person(text, end):
            return None  # "The Trinity is central to my faith", "a Rose Bowl party"
        if not opens:
            # inside a sentence a capital says "name", but a dictionary word needs more than that
            # ("Fair, Apologies, Truthful" lists skills): someone does something, or is spoken to
            if not rules.familiar(lower) or first or greeted and lower not in lists.common:
                return role
            return role if _before_person(before) or vocative or person else None
        if (
            listed
            and (first or not common)
            and (person or not common and first and (not ordinary or _clause_goes_on_as_a_person(text, end)))
        ):
            return role  # "Hope keeps texting me", "Priya called"; not "Good worked", "Sage advice", "Harmony in"
        if (
            lower in rules.first
            and not common
            and text[end : end + 2] == ", "
            and not (before and before[-1] in _GREETINGS)
        ):
            return role  # "Grace, can you ...": a name opening a sentence, said to someone
        if not listed and not ordinary and len(lower) > 2 and lower not in lists.cities:
            return role
        if not rules.familiar(lower) and person:
            return role  # "Liang, the landlord, says", "Kou just doesn't listen": a word only Webster's knows
        if (not common or listed and first) and _after_strong_person(text, end):
            return role  # "Temperance and I", "Blessing's birthday", "Lake texted me"
        nxt = re.match(r" ([A-Z][^\W\d_]+)", text[end : end + 30])
        if listed and nxt and rules.base(nxt.group(1)) in lists.last and rules.base(nxt.group(1)) not in lists.common:
            return role
        return None
    # lowercase
    if before and (before[-1][:1].isdigit() or before[-1] in ("the", "a", "an", "every", "each", "this", "that")):
        return None  # "300 unread texts", "the miller down the road": a thing or a trade, not a person
    if lower in rules.pure:
        return role
    if (
        first
        and (_HIS_OR_HER.match(text, end) or _RELATION_AFTER.match(text, end))
        and (not before or before[-1] in _CLAUSE_OPENERS)
    ):
        return role  # "yeah joy he's my ex", "um heather my sponsor she says"
    if person and (listed and not common or not rules.familiar(lower)):
        return role  # "so then rivka goes", "caroline said", "kou and i"
    asked = first and before and before[-1] in _ASKED and _ASKED_AFTER.match(text, end)
    if asked and (lower not in CONTEXT_ONLY or text[end : end + 4] == " to "):
        return role  # "i asked grace to pick up the kids", "i asked june to"
    # "so warsame castañeda from my old unit": a first name and a surname no dictionary knows; a word
    # only Webster's knows opening a clause too ("so yeah amadou dimaculangan that's my daughter")
    opening = before and before[-1] in _NAME_PAIR_OPENERS and not rules.familiar(lower)
    if (listed and not common or not ordinary or opening) and _unknown_word_after(t, rules, end):
        return role
    weak_name = weak and listed and not common and (not ordinary or _after_person(text, end))
    if lower not in CONTEXT_ONLY and (weak_name or not rules.familiar(lower) and _before_person(before)):
        return role
    if listed and not common and before and before[-1] in _GREETINGS and _AFTER_VOCATIVE.match(text, end):
        return role
    spoken_to = before and before[-1] in _SPOKEN_TO_AFTER and _LETS.match(text, end)
    if spoken_to and (listed and not common or not rules.familiar(lower)):
        return role  # "okay kanya let's go back to that", "alright tyrone can you"
    return None


# ----------------------------------------------------------------------------- the finder

_PROPAGATED = (NAME, LOCATION, FACILITY, ADDRESS, ZIP, PHONE, EMAIL, URL, IP, SSN, ID)
_TITLE_TOKEN = re.compile(r"(?i)^(?:" + _TITLE_ABBR + "|" + _TITLE_WORDS + r")$")


# Words a run of capitalised words may hold between two of its words: "Big Al's Pawn and Gold",
# "Sisters of Mercy", "Casa de la Paz"; a person's name holds none ("Ben and Jerry" are two people).
_RUN_JOINERS = frozenset({"of", "and", "&", "the", "de", "del", "la", "las", "los", "da", "do", "dos", "e", "y", "na",
                          "an", "on"})  # fmt: skip


# particles that stand only before a surname: "a/p Muniandy", "bin" and "binti", Welsh "ap Gruffydd", Irish "Ní
# Bhriain", Filipino "dela Cruz"
_SURE_PARTICLE_BEFORE = re.compile(r"(?<![\w/'’-])(?i:a/[lp]|[sd]/o|binti|bint|ap|ab|ní|nic|dela)\s$")


# a name read out of a form, up to the form's next field: "client name pei shan mcallister date of birth ...",
# "patient name: siân van houten, dob ..."
_FORM_NAME_RX = _rx(
    r"\b(?:(?:client|patient|pt|child's|child’s|baby's|baby’s|mother's|mother’s|father's|father’s|full|legal|"
    r"caller's|caller’s|resident's|resident’s|last|first|middle|given|family|sur|married|maiden|preferred|"
    r"(?:sibling|sister|brother|son|daughter|partner|husband|wife|spouse|guardian|parent|carer|caregiver)['’]s)"
    r"\s*name(?:\s+is|:|,)?|name\s+of\s+(?:the\s+)?(?:child|baby|patient|client|mother|father|parent|guardian|sibling|"
    r"spouse|partner|caller|resident)\s*:|"
    r"emergency\s+contact(?:\s+is|:|,)|next\s+of\s+kin(?:\s+is|:|,)|signed,|file\s+(?:it\s+)?under)\s+(?P<v>[^\W\d_][\w'’/-]*(?:\s+[^\W\d_][\w'’/-]*){0,3}?)"
    r"(?=\s*(?:[,.;:\x00]|$)|\s+(?:date|dob|d\.o\.b|age|aged|born|address|phone|nhs|mrn|gp|ref|id|and|who|is|was|not|"
    r"surname|first\s+name|last\s+name|middle\s+name)\b)"
)
_PARTICLE_RX = re.compile(_PARTICLES + r"$", re.IGNORECASE)
# what a form's field holds when it holds no name: "Client name: Unknown."
_NO_VALUE = frozenset({"unknown", "none", "n/a", "na", "pending", "withheld", "declined", "redacted", "same", "anonymous",
                       "not", "tbd", "blank", "missing", "unnamed", "deceased", "refused", "illegible"})  # fmt: skip


# a name, spelled: "spelled kasun and then prosser like it sounds"; not "spelled wrong", "spelled with a k"
_SPELLED_NAME_RX = _rx(
    r"\bspel(?:led|t)(?:\s+it)?(?:\s+as)?,?\s+(?P<n>[a-z][a-z'’-]+)(?:,?\s+(?:and\s+then|then|and)\s+(?P<m>[a-z][a-z'’-]+))?\b"
)


def _spelled_names(t: _Text, rules: _NameRules) -> None:
    if "spelled" not in t.lower_words and "spelt" not in t.lower_words:
        return
    lists = rules.lists
    for m in _SPELLED_NAME_RX.finditer(t.text):
        for group in ("n", "m"):
            word = m.group(group)
            if word is None:
                break
            low = rules.base(word.lower())
            if (
                low in STOPWORDS
                or low in _FILLERS
                or (low in lists.ordinary or low in lists.common)
                and (_slot_word(rules, low) is None)
            ):
                break  # "spelled wrong", "spelled with two ls"
            t.add(m.start(group), m.end(group), NAME)


def _form_names(t: _Text, rules: _NameRules) -> None:
    cues = [w for w in ("name", "surname", "contact", "kin", "signed", "under") if w in t.lower_words]
    if not cues:
        return
    text = t.text
    windows = _merged([t.window(i, i + len(w), 24, 90) for w in cues for i in t.occurrences(w)])
    for m in (m for lo, hi in windows for m in _FORM_NAME_RX.finditer(text, lo, hi)):
        words = list(re.finditer(r"\S+", m.group("v")))
        lows = [rules.base(w.group().lower()) for w in words]
        names = [w for w, low in zip(words, lows) if not _PARTICLE_RX.match(low)]
        # a field's capitalised value after its colon is a name, even a word's ("Sibling's name: Rain.")
        field = ":" in text[m.start() : m.start("v")] and all(w.group()[0].isupper() for w in names)
        if not names or any(
            low in STOPWORDS
            or low in _FILLERS
            or low in _NO_VALUE
            or not field
            and rules.familiar(low)
            and low not in rules.first
            and low not in rules.lists.last
            for low, w in zip(lows, words)
            if not _PARTICLE_RX.match(low)
        ):
            continue  # "client name and number", "the patient name is on the chart"
        base = m.start("v")
        start = None
        for w, low in zip(words, lows):
            if start is None:
                start = base + w.start()
            if not _PARTICLE_RX.match(low):  # a particle goes with the word after it: "van houten"
                t.add(start, base + w.end(), NAME)
                start = None


# a name said in place of another: "it was um baek no wait dissanayake", "siddiqui, sorry, baptiste"
_CORRECTION = r"(?:,?\s+(?:no\s+wait|no\s+sorry|sorry|i\s+mean|no)[,.]?\s+)"
_CORRECTED_AFTER = re.compile(_CORRECTION + r"([a-z][a-z'’-]+)(?![\w'’-])")
_CORRECTED_BEFORE = re.compile(r"(?<![\w'’-])([a-z][a-z'’-]+)" + _CORRECTION + r"$")


def _beside_names(t: _Text, rules: _NameRules) -> None:
    """The particle before a surname, and a name said in place of a name found ("um baek no wait dissanayake")."""
    found = []
    for index, span in enumerate(t.claims.spans):
        if span.type != NAME:
            continue
        m = _SURE_PARTICLE_BEFORE.search(t.text, max(0, span.start - 7), span.start)
        if m and t.claims.free(m.start(), span.start):
            t.claims.widen(index, m.start(), span.end)
        after = _CORRECTED_AFTER.match(t.text, span.end)
        before = _CORRECTED_BEFORE.search(t.text, max(0, span.start - 40), span.start)
        found += [(w.start(1), w.end(1)) for w in (after, before) if w]
    for start, end in found:
        word = t.text[start:end]
        if word not in STOPWORDS and word not in _FILLERS and not rules.familiar(rules.base(word)):
            t.add(start, end, NAME)


# what goes before a name given ("my mam named me ...") and before a booking's name ("the booking should be under ...")
_NAMED_ONE = r"(?:named|calls|called)\s+(?:me|her|him|them|the\s+baby)"
_UNDER_SAID = r"(?:booking|booked|reservation|appointment|it['’]s|its|listed|filed)(?:\s+should\s+be|\s+is)?"
_NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)?"
# a name by how it is introduced: "hi this is faith i'm the chaplain", "yeah hi it's tomasi from the drop-in", "Hi,
# I'm Marvel, they/them", "my mam named me poppy", "Caller identified self as Wisdom", "her brother you know sipho
# he drives her", "the hospice nurse sky she said", "the booking should be under stidham"
_INTRODUCED_RX = _rx(
    r"\b(?:(?:hi|hello|hey)[\s,]+(?:(?:uh|um|yeah)[\s,]+)?(?:this\s+is|it['’]s|its)\s+(?P<a>" + _NAME_WORD + r")"
    r"(?=[\s,]+(?:i['’]m|im|i\s+am|from|calling|here|speaking|with|again)\b)"
    r"|(?:this\s+is|it['’]s)\s+(?P<b>"
    + _NAME_WORD
    + r")(?=\s+(?:from\s+(?:the|your)|calling\s+(?:from|about|for|back))\b)"
    r"|\bi['’]?m\s+(?P<c>" + _NAME_WORD + r"),?\s+(?=(?:they/them|she/her|he/him|she/they|he/they|they/she|they/he)\b)"
    r"|" + _NAMED_ONE + r"\s+(?P<d>" + _NAME_WORD + r")"
    r"(?=\s+(?:because|after|which|but|and|since)\b|\s*[,.;!?\x00]|$)"
    r"|identified\s+(?:self|herself|himself|themselves|themself)\s+as\s+(?P<e>" + _NAME_WORD + r")"
    r"|" + _UNDER_SAID + r"\s+under\s+"
    r"(?P<f>" + _NAME_WORD + r")(?=\s*[,.;!?\x00]|$|\s+(?:not|no|and|but|so|i|for)\b))"
)
_HELLOS = frozenset({"hi", "hello", "hey"})
_UNDER_CUE = re.compile(_UNDER_SAID + r"$")
_INTRODUCING_WORDS = frozenset({"named", "calls", "called", "identified"})
_INTRODUCING = re.compile(_NAMED_ONE + r"\s|identified\s")
_RESUMED_RX = re.compile(  # a relation, the name, and the pronoun that takes it up again
    r"(?:(?:you\s+know|like|uh|um)[\s,]+)?(?P<n>" + _NAME_WORD + r")(?:[\s,]+(?:uh|um))?[\s,]+(?:he|she)"
    r"(?P<s>['’]s\b|\s+(?P<v>[\w'’]+))",
    re.IGNORECASE,
)
# what the pronoun after a name that is also a word must go on with: "the hospice nurse sky she said"
_RESUMED_VERBS = frozenset({"said", "says", "told", "tells", "texted", "called", "drives", "drove", "came", "went", "left",
                            "passed", "died", "asked", "wants", "wanted", "gave", "took", "works", "worked", "lives",
                            "lived", "is", "was", "got", "found", "helped", "helps", "brought", "picks", "picked"})  # fmt: skip


def _introduced_names(t: _Text, rules: _NameRules) -> None:
    low = t.low
    # only around the words an introduction needs: the greeting, "from the" and "calling", the pronouns,
    # "named" and "called", "identified", "under"
    points = [i for w in t.lower_words & _HELLOS for i in t.occurrences(w)]
    points += [i for w in t.lower_words & _INTRODUCING_WORDS for i in t.occurrences(w) if _INTRODUCING.match(low, i)]
    points += [
        i
        for cue in (" from the ", " from your ", " calling ")
        for i in _finds(low, cue)
        if "this is" in low[max(0, i - 40) : i]
        or "it's" in low[max(0, i - 40) : i]
        or "it’s" in low[max(0, i - 40) : i]
    ]
    points += [i for cue in ("/them", "/her", "/him", "/they") for i in _finds(low, cue)]
    points += [i for i in _finds(low, " under ") if _UNDER_CUE.search(low, max(0, i - 24), i)]
    windows = _merged([t.window(i, i, 48, 64) for i in points])
    for m in (m for lo, hi in windows for m in _INTRODUCED_RX.finditer(t.text, lo, hi)):
        group = next(g for g in "abcdef" if m.group(g) is not None)
        word, start = m.group(group), m.start(group)
        base = rules.base(word.lower())
        if base in STOPWORDS or base in _FILLERS or base in _NO_VALUE or base in _MODALS:
            continue
        # a word people say is a name here only where the list of given names holds it ("this is faith
        # i'm the chaplain"; not "this is crazy i'm") or it is capitalised after "as" / "I'm"
        if rules.familiar(base) and base not in rules.first and not (group in "ce" and word[0].isupper()):
            continue
        t.add(start, start + len(word), NAME, "first" if base in rules.first else "")
    relations = t.lower_words & _RELATION_WORDS
    if relations and (" he " in low or " she " in low or " he's" in low or " she's" in low):
        for i in sorted(i + len(w) for w in relations for i in t.occurrences(w)):
            near = low[i : i + 44]
            if not (" he" in near or " she" in near) or t.text[i : i + 1] != " ":
                continue
            m = _RESUMED_RX.match(t.text, i + 1)
            if not m:
                continue
            word, start = m.group("n"), m.start("n")
            base = rules.base(word.lower())
            if base in STOPWORDS or base in _FILLERS or base in _RELATION_WORDS or base in _ADVERBS:
                continue
            if base in _NOT_NAMES_BEFORE_A_VERB or base in _MODALS or base in rules.lists.keep:
                continue
            if rules.familiar(base) and (
                base not in rules.first or m.group("v") is None or m.group("v").lower() not in _RESUMED_VERBS
            ):
                continue  # "my dad always he ...", "my dad long he goes"
            t.add(start, start + len(word), NAME, "first" if base in rules.first else "")


def _runs(t: _Text) -> list[list[tuple[int, str, str | None]]]:
    """Runs of capitalised words one space apart, in the text's order, as (start, word, joiner
    before it): "Golden Dragon Martial Arts", "Big Al's Pawn and Gold"."""
    runs: list[list[tuple[int, str, str | None]]] = []
    text, previous_end = t.text, -2
    for start, word in t.cap_tokens:
        gap = text[previous_end:start] if previous_end >= 0 else ""
        if gap == " ":
            runs[-1].append((start, word, None))
        elif len(gap) > 2 and gap[0] == gap[-1] == " " and gap[1:-1].lower() in _RUN_JOINERS:
            runs[-1].append((start, word, gap[1:-1]))
        else:
            runs.append([(start, word, None)])
        previous_end = start + len(word)
    return [run for run in runs if len(run) > 1]


def _close_runs(t: _Text, rules: _NameRules) -> None:
    """A run of capitalised words that a detector took in part is taken whole: the words of a
    name, a place or a facility that no list knows go with the words a list knew ("Tane Two
    Bulls", "Golden Dragon Martial Arts", "Mama Lucia's Trattoria"). A person's other words become
    surnames; a run that held a place or a kind word ("Gym", "Trattoria") becomes one facility.
    Kept words, titles, relation words, acronyms and a sentence's first word end a run."""
    lists = rules.lists
    by_start = {span.start: span for span in t.claims.spans}
    taken = t.claims.taken
    opens = t.sentence_starts
    for run in _runs(t):
        if not any(start in by_start for start, _, _ in run):
            continue  # no detector took a word of it
        pieces: list[list[tuple[int, str, str | None]]] = [[]]
        for start, word, joiner in run:
            lower = _bare(word.lower())
            stop = (
                lower in lists.keep
                or lower in STOPWORDS
                or lower in _TITLES
                or lower in _RELATION_WORDS
                or lower in _KIN_NAMES
                or lower in MONTHS
                or word.isupper()
                and len(word) > 1
                or start in opens
                or len(lower) < 3  # "As and Bs": grades
            )
            if stop and not taken[start]:
                pieces.append([])
            elif taken[start] and start not in by_start:
                pieces.append([])  # inside a longer span (an address): leave it to its detector
            else:
                if joiner is not None and not pieces[-1]:
                    joiner = None
                pieces[-1].append((start, word, joiner))
        for piece in pieces:
            _close_piece(t, piece, by_start)
    if " at " in t.text:
        _residences(t, lists)
    _kind_tails(t)


# what a place's name may be followed by in lower case: "St. Vincent's psych unit", "the Ridgeline Foods
# plant", "Crossroads IOP", "Pathways day treatment"
_KIND_TAIL = re.compile(
    r"(?: (?:psych|psychiatric|detox|rehab|behavioral|behavioural|mental health|treatment|recovery|day treatment|"
    r"inpatient|outpatient|residential|distribution|processing|packing))?"
    r" (?:unit|ward|wing|plant|center|centre|clinic|program|programme|facility|shelter|warehouse|factory|campus|"
    r"hospital|school|home|house|office|branch|location|IOP|PHP|rig|yard|terminal|mine|depot|mill|quarry)\b"
)


# "the Pines at Whitmore", "the Arbors at Cedar Hollow": a residence or campus named by a plural and a place
_THE_X_AT_Y = re.compile(r"\b[Tt]he ([A-Z][a-z]+s at [A-Z][\w'’-]*(?: [A-Z][\w'’-]*){0,2})")


def _residences(t: _Text, lists: WordLists) -> None:
    """ "the Pines at Whitmore": a plural and a place a detector took part of, as one facility."""
    for m in _THE_X_AT_Y.finditer(t.text):
        start, end = m.span(1)
        words = [_bare(w.lower()) for w in m.group(1).split()]
        if any(w in lists.keep or w in MONTHS for w in words):
            continue  # "the Smiths at Thanksgiving", a team a list holds
        place = start + m.group(1).index(" at ") + 4
        inside = t.claims.overlapping(start, end)
        if not any(s.end > place for s in inside) or any(
            s.start < start or s.end > end or s.type not in (NAME, LOCATION, FACILITY) for s in inside
        ):
            continue
        t.claims.replace(inside, start, end, FACILITY)


def _kind_tails(t: _Text) -> None:
    spans = t.claims.spans
    for index, span in enumerate(spans):
        if span.type == FACILITY and t.text.startswith("Lady", span.start) and t.text.endswith("Our ", 0, span.start):
            t.claims.widen(index, span.start - 4, span.end)  # "Our Lady of Perpetual Help"
            span = spans[index]
        if span.type not in (FACILITY, LOCATION, NAME) or span.end >= len(t.text):
            continue
        if span.type == NAME and not t.text[span.end : span.end + 2] in ("'s", "’s"):
            continue  # a person's name runs on into a facility's only through a possessive ("St. Vincent's")
        at = span.end + (2 if t.text[span.end : span.end + 2] in ("'s", "’s") else 0)
        m = _KIND_TAIL.match(t.text, at)
        if (
            m
            and t.claims.free(at, m.end())
            and not (span.type == NAME and m.group().strip() in ("house", "home", "office"))
        ):
            t.claims.widen(index, span.start, m.end(), FACILITY)


def _close_piece(t: _Text, piece: list[tuple[int, str, str | None]], by_start: dict[int, Span]) -> None:
    spans = [by_start[start] for start, _, _ in piece if start in by_start]
    if not spans or len(spans) == len(piece):
        return
    if any(span.type not in (NAME, LOCATION, FACILITY) for span in spans):
        return
    for span in spans:  # a span that reaches past its word ("Elk Grove Village") must end at a word of the run
        if not any(
            span.end == start + len(_bare_name(word)) or span.end == start + len(word) for start, word, _ in piece
        ):
            return
    kinds = {span.type for span in spans}
    kind_word = any(_bare(word.lower()) in _FACILITY_KIND_WORDS for _, word, _ in piece)
    joined = any(joiner is not None for _, _, joiner in piece)
    person = by_start.get(piece[0][0])
    if person is not None and person.type == NAME and not kind_word and not joined:
        # "Tane Two Bulls": a person's name goes on in surnames, whatever else a list took them for
        t.claims.drop([span for span in spans if span.type != NAME])
        for start, word, _ in piece:
            if start not in by_start or by_start[start].type != NAME:
                t.add(start, start + len(_bare_name(word)), NAME, "last")
        return
    first, (last, word, _) = piece[0][0], piece[-1]
    end = last + len(word)
    kind = LOCATION if kinds == {LOCATION} and not kind_word else FACILITY
    t.claims.replace(spans, first, end, kind)


def seed_tokens(known: Iterable[tuple[str, str]], rules: _NameRules) -> list[str]:
    """Name tokens of a session's known identifiers: its metadata names (every word, titles aside)
    and the speaker labels that are names ("Dr. Lee", "Marisol"; not "Member" or "SPEAKER_00")."""
    tokens = []
    for source, value in known:
        after_title = False
        for part in WORD_RX.findall(value):
            if _TITLE_TOKEN.match(part) or len(part) < 2:
                after_title = bool(_TITLE_TOKEN.match(part))
                continue
            lower = rules.base(part)
            name_like = rules.listed(lower) or not rules.ordinary(lower)
            wanted = source == "metadata" or after_title or name_like
            if wanted and lower not in STOPWORDS and lower not in rules.lists.keep and lower != "fictional":
                tokens.append(part)
            after_title = False
    return tokens


def _propagate(t: _Text, seeds: list[str], lists: WordLists) -> None:
    """A value found once is replaced everywhere in the session, in any case; a name that is also
    a common word ("Will", "Hope") only where it is capitalised."""
    text = t.text
    values: dict[str, tuple[str, object]] = {}
    known = {token.lower() for token in seeds}  # named by the file itself: replaced wherever said
    for token in seeds:
        values.setdefault(token.lower(), (NAME, "first"))
    for span in t.claims.spans:
        if span.type in _PROPAGATED and span.detail != SPOKEN:
            value = " ".join(text[span.start : span.end].split()).lower()
            if len(value) >= 2:
                values.setdefault(value, (span.type, span.detail if span.type == NAME else None))
    if not values:
        return
    present = [v for v in values if v in t.low or " " in v]
    if not present:
        return
    pattern = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in sorted(present, key=len, reverse=True))
    for m in re.finditer(r"(?<![\w'’@.-])(?:" + pattern + r")(?![\w@-]|['’](?!s\b)|\.\w)", text, re.IGNORECASE):
        found = m.group()
        lower = " ".join(found.split()).lower()
        kind, detail = values.get(lower, (None, None))
        if kind is None:
            continue
        word_place = kind == LOCATION and " " not in lower and (lower in lists.ordinary or lower in lists.common)
        if word_place and not found[0].isupper():
            continue  # "Boundary" the town, "boundary" the word
        if kind == NAME and lower not in known:
            common = lower in lists.common or lower in CONTEXT_ONLY
            if (common or lower in lists.ordinary) and not found[0].isupper():
                continue  # "grace" the word
            if common and m.start() in t.sentence_starts:
                continue  # "Will" opening a question; a rarer word ("Shah") is the name wherever capitalised
            if lower in lists.keep:
                continue  # "Solveig Washington" said once does not make every "Washington" a name
        t.add(m.start(), m.end(), kind, detail)


Detector = Callable[[_Text, WordLists], None]
# The order of decisions. Kept phrases come before all of these, names after all of these.
DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("handles named by their platform", _platform_handles),
    ("emails and handles", _emails_and_handles),
    ("urls", _urls),
    ("handles with no platform before them", _bare_handles),
    ("spoken ips", _spoken_ips),
    ("social security numbers after their cue", _cued_ssns),
    ("dates in Spanish, Portuguese, Polish, German, French, Indonesian and Malay", _foreign_dates),
    ("dates in words", _word_dates),
    ("dates whose month is an ordinal", _ordinal_month_dates),
    ("a birthday's day", _birthdays),
    ("dates said as numbers", _spoken_numeric_dates),
    ("numbers: ip, ssn, phone, date, age, address, zip, id", _shaped),
    ("characters said one by one, codes in groups", _spelled),
    ("plates said after 'plate'", _cued_plates),
    ("house numbers in words", _spoken_houses),
    ("numbers in words", _spoken_numbers),
    ("numbers in groups of words", _spoken_groups),
    ("ages in words", _ages_in_words),
    ("facilities and counties", _facilities),
    ("a facility's name over a particle and its number", _facility_tails),
    ("a saint's place in lower case", _lower_saints),
    ("a facility named in Spanish by its kind first", _spanish_facilities),
    ("a facility all in lower case", _lower_facilities),
    ("a facility named by its kind first, in Welsh, Malay, Arabic or Quebec French", _kind_first_facilities),
    ("counties in lower case", _lower_counties),
    ("streets by name", _streets),
    ("what is said after 'my address is'", _address_is),
    ("what is said after an address", _address_tails),
    ("a chain's store by its street", _chain_stores),
    ("a place by its kind and where it stands, in lower case", _located_places),
    ("addresses as the Philippines, Mexico, Puerto Rico and Vietnam write them", _world_addresses),
    ("addresses in other shapes: plots, blocks, rural routes, German and Welsh streets", _other_addresses),
    ("an address said after its cue, or led by its flat or house, over its commas", _address_values),
    ("the locality said after a street address", _localities),
)


class PhiFinder:
    """Runs every detector over a session's text, then finds their values again everywhere in it."""

    def __init__(self, lists: WordLists) -> None:
        self.lists = lists
        self.rules = _NameRules(lists)
        phrases = [k for k in lists.keep if " " in k]
        # kept phrases by their first word as the text's words are found ("st. patrick's day" under "st")
        self.phrase_first: dict[str, list[str]] = {}
        for p in phrases:
            self.phrase_first.setdefault(WORD_RX.findall(p)[0].lower(), []).append(p)
        self.city_kinds: dict[str, str | None] = {}
        # a city as said: without its full stops ("st cloud"), and "saint"/"sainte" as "st"/"ste"
        variants = set(lists.cities)
        for city in lists.cities:
            plain = city.replace(".", "")
            variants.add(plain)
            variants.add(re.sub(r"\bsainte\b", "ste", re.sub(r"\bsaint\b", "st", plain)))
        self.city_names = frozenset(variants)
        seconds: dict[str, set[str]] = {}
        for city in self.city_names:
            words = city.split()
            if len(words) > 1:
                seconds.setdefault(words[0], set()).add(words[1])
        self.city_second = {first: frozenset(words) for first, words in seconds.items()}
        self.city_first: dict[str, int] = {}
        for city in self.city_names:
            first, size = city.split()[0], len(city.split())
            self.city_first[first] = max(self.city_first.get(first, 0), size)

    def find(self, text: str, known: Iterable[tuple[str, str]] = ()) -> list[Span]:
        t = _Text(text)
        _holiday_dates(t)  # before the kept phrases: "Mother's Day" stays, "Mother's Day 2021" is a date
        for first in t.lower_words & self.phrase_first.keys():
            for phrase in self.phrase_first[first]:
                if all(w.lower() in t.lower_words for w in WORD_RX.findall(phrase)):
                    for i in t.occurrences(phrase):
                        t.claims.block(i, i + len(phrase))
        for _, detector in DETECTORS:
            detector(t, self.lists)
        _cities(t, self.lists, self.city_names, self.city_first, self.city_second, self.city_kinds)
        _postcodes_after_towns(t)
        _names(t, self.lists, self.rules)
        _named_places(t, self.lists)
        _relation_names(t, self.rules)
        _sayers(t, self.rules)
        _person_slots(t, self.rules)
        _strong_person_slots(t, self.rules)
        _families(t, self.rules)
        _form_names(t, self.rules)
        _spelled_names(t, self.rules)
        _beside_names(t, self.rules)
        _introduced_names(t, self.rules)
        _close_runs(t, self.rules)
        _propagate(t, seed_tokens(known, self.rules), self.lists)
        return sorted(t.claims.spans, key=lambda s: s.start)
