"""De-identification (CONTRACT.md, "De-identification"): what is found, what is left, how it is replaced.

Every value here is made up for these tests: the held-out evaluation data is not read.
"""

import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from datasets import load_from_disk
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

from therapy_data_processor import MANIFEST, ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.deid import PHI_TYPES, Deidentifier, KeyFileError, key_id, load_key, load_word_lists, pseudonym
from therapy_pipeline.deid.detect import _NUMBER_WORD_SET as NUMBER_WORDS
from therapy_pipeline.deid.detect import DIGIT_WORDS, FOREIGN_MONTHS, FRENCH_WEEKDAYS, MONTHS
from therapy_pipeline.model import Session, Turn

KEY = b"\x01" * 32
PSEUDONYM = re.compile(r"session-[0-9a-f]{16}")
keys = st.binary(min_size=32, max_size=32)


@pytest.fixture(scope="module")
def lists_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("deid-lists"))


@pytest.fixture(scope="module")
def lists(lists_dir):
    return load_word_lists(lists_dir)


@pytest.fixture(scope="module")
def surrogate(lists):
    return Deidentifier("surrogate", KEY, lists)


@pytest.fixture(scope="module")
def tagger(lists):
    return Deidentifier("tag", KEY, lists)


def make_session(*texts, known=(), session_id="intake-0001"):
    turns = [Turn("client" if i % 2 == 0 else "therapist", text) for i, text in enumerate(texts)]
    return Session(session_id, "raw/intake-0001.json", turns, known_names=tuple(("metadata", k) for k in known))


def texts_of(session):
    return [t.text for t in session.turns]


def occurrences(text, word):
    """(start, end) of every whole-word occurrence of `word` in `text`."""
    return [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text)]


def said(text, word):
    """Whether `word` is still said in `text` (whole word, any case)."""
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.IGNORECASE) is not None


def overlapping(spans, start, end):
    return [s for s in spans if s.start < end and start < s.end]


# ----------------------------------------------------------------------------- recall, by type

RECALL = {
    "NAME": [
        ("I talked to Priya yesterday about it.", "Priya"),
        ("I ran into Tomasz at the gym.", "Tomasz"),
        ("Then Jonathan Whitfield showed up at the door.", "Jonathan Whitfield"),
        ("I finally met Maria Gonzalez last week.", "Maria Gonzalez"),
        ("Dr. Okafor said I should try the new dose.", "Okafor"),
        ("I saw Mr. Castellanos at the store.", "Castellanos"),
        ("Ms. Abernathy called again.", "Abernathy"),
        ("Mrs. Kowalczyk from next door came by.", "Kowalczyk"),
        ("my sister priya keeps texting me.", "priya"),
        ("my brother dmitri won't talk to me.", "dmitri"),
        ("Okay, Marigold.", "Marigold"),
        ("Honestly, Ezekiel, I don't know.", "Ezekiel"),
        ("my daughter Grace is doing better.", "Grace"),
        ("my son Hunter is fourteen.", "Hunter"),
        ("Hope keeps texting me at night.", "Hope"),
        ("Faith keeps calling me.", "Faith"),
        ("Her name is Oluwaseun.", "Oluwaseun"),
    ],
    "ADDRESS": [
        ("I live at 4821 Maple Avenue, Apt 3B now.", "4821 Maple Avenue, Apt 3B"),
        ("It's 1450 North Elm Street, Apartment 12.", "1450 North Elm Street, Apartment 12"),
        ("I live at 22 Birchwood Lane, Unit 5.", "22 Birchwood Lane, Unit 5"),
        ("Send it to PO Box 1187 please.", "PO Box 1187"),
        ("Mail goes to P.O. Box 88.", "P.O. Box 88"),
    ],
    "LOCATION": [
        ("We moved to Sacramento last year.", "Sacramento"),
        ("After that we moved to Kalamazoo.", "Kalamazoo"),
        ("She moved to Albuquerque.", "Albuquerque"),
        ("We moved to Boise when I was ten.", "Boise"),
    ],
    "ZIP": [
        ("The zip code is 94110.", "94110"),
        ("my zip code is 02139.", "02139"),
        ("I put zip code 60614 on the form.", "60614"),
    ],
    "FACILITY": [
        ("She was at Lakeside General Hospital for a week.", "Lakeside General Hospital"),
        ("He goes to Roosevelt Middle School.", "Roosevelt Middle School"),
        ("He was at Mercy Regional Medical Center.", "Mercy Regional Medical Center"),
        ("I stayed at Oakwood Behavioral Health.", "Oakwood Behavioral Health"),
    ],
    "DATE": [
        ("My birthday is 3/14/1987.", "3/14/1987"),
        ("The appointment was on 2021-10-05.", "2021-10-05"),
        ("It happened on March 14th.", "March 14th"),
        ("It was the 14th of March, right before spring.", "14th of March"),
        ("Her birthday is on September 21st.", "September 21st"),
        ("I was born on May 5th, 1990.", "May 5th"),
        ("We go to court on June 12.", "June 12"),
        ("It was 07/04/2015 when he left.", "07/04/2015"),
    ],
    "AGE": [
        ("My grandma, she's 93 now.", "93"),
        ("He is ninety-two years old.", "ninety-two"),
        ("She's 95 years old and still sharp.", "95"),
        ("My grandpa is ninety-four.", "ninety-four"),
    ],
    "PHONE": [
        ("Call me at (555) 867-5309.", "(555) 867-5309"),
        ("My number is 415-555-0199.", "415-555-0199"),
        ("It's 312.555.0178 at work.", "312.555.0178"),
        ("You can reach me at +1 415 555 0142.", "+1 415 555 0142"),
        ("Call 1-800-555-0123 for the hotline.", "1-800-555-0123"),
        ("Just call me at 4155550199.", "4155550199"),
        ("The office is 555-0142.", "555-0142"),
        ("My fax number is 503-555-0188.", "503-555-0188"),
    ],
    "EMAIL": [
        ("My email is priya.shah@gmail.com okay.", "priya.shah@gmail.com"),
        ("Email me at jdoe1987@yahoo.com.", "jdoe1987@yahoo.com"),
        ("Write to m.okafor@lakesidehealth.org about it.", "m.okafor@lakesidehealth.org"),
    ],
    "URL": [
        ("Look at www.healingspace-blog.com sometimes.", "www.healingspace-blog.com"),
        ("Go to https://example.org/forum/thread/123 please.", "https://example.org/forum/thread/123"),
        ("My blog is at myrecoveryjourney.wordpress.com now.", "myrecoveryjourney.wordpress.com"),
    ],
    "IP": [
        ("The router is 192.168.14.22 at home.", "192.168.14.22"),
        ("He traced it to 73.42.118.9 somehow.", "73.42.118.9"),
    ],
    "SSN": [
        ("My social is 123-45-6789.", "123-45-6789"),
        ("My SSN is 078-05-1120.", "078-05-1120"),
        ("My social security number is 219 09 9999.", "219 09 9999"),
    ],
    "ID": [
        ("My MRN is 44871923.", "44871923"),
        ("My medical record number is 00482917.", "00482917"),
        ("My member ID is XJH448812.", "XJH448812"),
        ("My insurance member ID is W7734-88210.", "W7734-88210"),
        ("My license number is D1234567.", "D1234567"),
        ("My driver's license is S530-4412-8870.", "S530-4412-8870"),
        ("The license plate was 7ABC123.", "7ABC123"),
        ("The plate number was ABC 1234.", "ABC 1234"),
    ],
}
# Said in more of the ways people say them: particles, a surname first, a salute, a name before
# "said", a date in numbers said as words, codes in capitals, the web read aloud, grid addresses.
RECALL["NAME"] += [
    ("I saw Dr. van der Merwe on Tuesday.", "van der Merwe"),
    ("so doctor de la cruz said to wait.", "de la cruz"),
    ("The form says Nakamura, Hiroshi Ken.", "Nakamura"),
    ("Thanks, Tavita, that helps.", "Tavita"),
    ("Hi Bill, good to see you.", "Bill"),
    ("What did Mark say when you told him?", "Mark"),
    ("um rose said she'd pick me up.", "rose"),
    ("my ex, uh, bogdan, he showed up drunk.", "bogdan"),
    ("me and river been friends since third grade.", "river"),
    ("Everyone at work calls me Okonjo.", "Okonjo"),
    ("Please sign here, Ngaire Tapsell, and date it.", "Ngaire Tapsell"),
    ("The patient, R.J. Halvorsen, reports less pain.", "R.J. Halvorsen"),
    ("Okay. Quon, the landlord, says we have to leave.", "Quon"),
    ("coach rahimi benched me all season.", "rahimi"),
    ("mr park won't fix the heat.", "park"),
]
RECALL["ADDRESS"] += [
    ("It's in the 2600 block of Juniper Street.", "2600 block of Juniper Street"),
    ("She lives at 840 East 300 North.", "840 East 300 North"),
    ("Send it to W5410 County Road J please.", "W5410 County Road J"),
    ("we moved to four twelve west ninth street.", "four twelve west ninth street"),
    ("It's Garden suite, 77 Larch Road.", "Garden suite, 77 Larch Road"),
]
RECALL["FACILITY"] += [
    ("She works nights at Harbourview General.", "Harbourview General"),
    ("They took me to St. Anselm's Hospital.", "St. Anselm's Hospital"),
    ("I was confirmed at Our Lady of Lourdes Parish.", "Our Lady of Lourdes Parish"),
]
RECALL["DATE"] += [
    ("My last drink was eleven nine twenty twenty-one.", "eleven nine twenty twenty-one"),
    ("She died four twenty-two ninety-nine.", "four twenty-two ninety-nine"),
    ("My due date is 2/3.", "2/3"),
]
RECALL["AGE"] += [("my great-grandma, she's like 97 now.", "97")]
RECALL["SSN"] += [
    ("My social is 5 4 1 - 2 2 - 8 8 0 3.", "5 4 1 - 2 2 - 8 8 0 3"),
    ("My National Insurance number is JK 41 22 93 B.", "JK 41 22 93 B"),
]
RECALL["URL"] += [
    ("It's on w w w dot marsh creek pottery dot com.", "w w w dot marsh creek pottery dot com"),
    ("My links are at linktr.ee/j.kovac.art.", "linktr.ee/j.kovac.art"),
    ("He posted it at twitter dot com slash dana underscore p.", "twitter dot com slash dana underscore p"),
]
RECALL["ID"] += [
    ("She reported TRKR88 to the police.", "TRKR88"),
    ("My car is the one with HX19 KPD on it.", "HX19 KPD"),
    ("The plate was like NOWAYJO.", "NOWAYJO"),
    ("The pump's serial is QZR-114-77201.", "QZR-114-77201"),
    ("The member ID is p q r four four one nine eight two.", "p q r four four one nine eight two"),
]
RECALL["NAME"] += [
    ("It's the Abernathys, they're fostering him.", "Abernathys"),
    ("we got eggs from the adeyemis down the road.", "adeyemis"),
    ("The Nakashima family moved in next door.", "Nakashima"),
    ("ok so thandiwe and giuseppe were both there.", "thandiwe"),
    ("Dr. Farid al-Rashid is my psychiatrist.", "Farid al-Rashid"),
    ("yeah joy he's my ex, he still calls.", "joy"),
]
RECALL["ADDRESS"] += [
    ("It's Calle Hidalgo 318, Colonia Juárez now.", "Calle Hidalgo 318, Colonia Juárez"),
    ("My mail goes to 9100 US Route 30 now.", "9100 US Route 30"),
    ("I live at apartment 4D at 318 Birch now.", "318 Birch"),
    ("The new address is six fifty Linden.", "six fifty Linden"),
    ("Send it to post office box three-oh-two.", "post office box three-oh-two"),
    ("It's Plot 9 Awolowo Road now.", "Plot 9 Awolowo Road"),
]
RECALL["FACILITY"] += [
    ("I got kicked out of Good Shepherd soup kitchen.", "Good Shepherd soup kitchen"),
    ("She's at Maple Grove nursing home now.", "Maple Grove nursing home"),
]
RECALL["LOCATION"] += [("Send it to Rural Route 2, Tuba City, 86045.", "Tuba City")]
RECALL["NAME"] += [
    ("so pradeep was like you need to chill.", "pradeep"),
    ("um marisol my sponsor she says call first.", "marisol"),
]
RECALL["FACILITY"] += [
    ("I did thirty days at Larkspur Nursing and Rehab.", "Larkspur Nursing and Rehab"),
    ("She works at Nowak's Deli on weekends.", "Nowak's Deli"),
]
RECALL["ADDRESS"] += [
    ("we moved to Lindenstraße 17 after that.", "Lindenstraße 17"),
    ("we moved to 2-8-11 Higashi-Ikebukuro after that.", "2-8-11 Higashi-Ikebukuro"),
    ("my old address was House 9, Road 4, Dhanmondi.", "House 9, Road 4, Dhanmondi"),
]
RECALL["EMAIL"] += [("Send it to j dub four two at gmail dot com.", "j dub four two at gmail dot com")]
RECALL["NAME"] += [
    ("uh my probation officer is wambui something.", "wambui"),
    ("so coach brannigan benched me.", "brannigan"),
    ("the oyelaran family took me in.", "oyelaran"),
    ("okay tomasz let's go back to that.", "tomasz"),
    ("me and willow used to get high.", "willow"),
    ("Precious and her husband are moving.", "Precious"),
]
RECALL["DATE"] += [
    ("My sobriety date is August 2016.", "August 2016"),
    ("He was born March nineteenth, ninety-four.", "March nineteenth, ninety-four"),
]
RECALL["PHONE"] += [
    ("My cell is (919)5550176.", "(919)5550176"),
    ("my number is area code 601, 555-0128 now.", "601, 555-0128"),
]
RECALL["SSN"] += [("I wrote 455–21–7790 on the form.", "455–21–7790")]
RECALL["FACILITY"] += [
    ("I work nights at Grace Tabernacle Church of God in Christ.", "Grace Tabernacle Church of God in Christ")
]
RECALL["ID"] += [("The minivan with ISLNDGRL keeps following me.", "ISLNDGRL")]
RECALL["ADDRESS"] += [
    ("my new address is 9 Ikoyi Crescent, off Bourdillon Road.", "9 Ikoyi Crescent, off Bourdillon Road"),
    ("uh it's 214 1/2 West Main, upstairs, but mail goes elsewhere.", "214 1/2 West Main, upstairs"),
    ("I'm staying at Kungsgatan 22C now.", "Kungsgatan 22C"),
    ("my new address is 3300 North Halsted, number 4.", "3300 North Halsted, number 4"),
]
RECALL["FACILITY"] += [
    ("He's been drinking at The Salty Gull since the arrest.", "Salty Gull"),
    ("Brookfield Prep Academy's intake line kept me on hold.", "Brookfield Prep Academy"),
]
RECALL["SSN"] += [("My social is 521/44/9083.", "521/44/9083")]
RECALL["ID"] += [
    ("Her counseling license is LADC-II 3307.", "LADC-II 3307"),
    ("The monitor is unit 35 611904 227180 4.", "35 611904 227180 4"),
]
RECALL["PHONE"] += [
    ("My number is +52 1 55 4321 8765.", "+52 1 55 4321 8765"),
    ("The account is 000184736251. 602.555.0143, that's my cell.", "602.555.0143"),
]
RECALL["ID"] += [("The number on the device is 00:1B:44:11:3A:B7.", "00:1B:44:11:3A:B7")]
# A run of capitalised words taken whole once a detector took part of it; streets that end before a
# stopword or have no street word; flats said before the house; people in lower-case slots; values
# said character by character.
RECALL["NAME"] += [
    ("The protective order is against Wiremu Many Horses.", "Wiremu Many Horses"),
    ("i told rosalind i couldn't make it.", "rosalind"),
    ("my sponsor before you was marguerite she moved away.", "marguerite"),
    ("there's this guy at work tadeusz and he keeps staring.", "tadeusz"),
    ("everyone at the shop calls him okonkwo even his kids.", "okonkwo"),
    ("and then solange goes you never listen.", "solange"),
    ("then fenwick called and asked about the rent.", "fenwick"),
    ("it's under abernathy, my married name.", "abernathy"),
    ("auntie blossom used to braid my hair.", "blossom"),
    ("i was with dariusz the night it happened.", "dariusz"),
    ("the wojciechowskis next door called the cops.", "wojciechowskis"),
    ("Harmony is the one who drove me home.", "Harmony"),
]
RECALL["FACILITY"] += [
    ("I did two weeks at Silver Lantern Judo Academy last spring.", "Silver Lantern Judo Academy"),
    ("She waits tables at Papa Giorgio's Trattoria on weekends.", "Giorgio's Trattoria"),
    ("He got his GED through Lighthouse Clubhouse.", "Lighthouse Clubhouse"),
    ("My grandma is on the memory ward at St. Brendan's psych unit now.", "St. Brendan's psych unit"),
]
RECALL["LOCATION"] += [("I grew up in Truth or Consequences, believe it or not.", "Truth or Consequences")]
RECALL["ADDRESS"] += [
    ("my brother lives at 2290 Wexford Rd and i drive by it.", "2290 Wexford Rd"),
    ("he stays at 18840 Highway 12 and never answers.", "18840 Highway 12"),
    ("we were at 4100 South Kedzie, unit 3F, for a year.", "4100 South Kedzie, unit 3F"),
    ("it was apartment seven c, three forty Poplar Street.", "apartment seven c, three forty Poplar Street"),
    ("It's 610 Birch Ave, apartment 2 rear, by the alley.", "610 Birch Ave, apartment 2 rear"),
    ("He showed up at two oh nine Harlan Street at midnight.", "two oh nine Harlan Street"),
    ("my aunt lives at 317 Bóthar na Trá now.", "317 Bóthar na Trá"),
    ("It's Route 4 Box 212, past the church.", "Route 4 Box 212"),
    ("We moved to 981 Tamarack Court, Apt. D-2 in May.", "981 Tamarack Court, Apt. D-2"),
    ("He lives at 1740 Rue de la Montagne now.", "1740 Rue de la Montagne"),
    ("we got kicked out of 316 ninth avenue south last winter.", "316 ninth avenue south"),
    ("The office has me at six hundred Fairlane Drive building B.", "six hundred Fairlane Drive building B"),
]
RECALL["DATE"] += [
    ("the hearing was moved to may twenty-third.", "may twenty-third"),
    ("we split up the twelfth of may.", "twelfth of may"),
]
RECALL["AGE"] += [("we threw grandpa a party for 96, the whole block came.", "96")]
RECALL["IP"] += [("it logged in from ::ffff:83.14.207.61 at three a.m.", "::ffff:83.14.207.61")]
RECALL["SSN"] += [("my social security number is 318 - 64 - 2259.", "318 - 64 - 2259")]
RECALL["EMAIL"] += [("my email is r o s a l i n d at yahoo dot com.", "r o s a l i n d at yahoo dot com")]
RECALL["ZIP"] += [("the zip code is 8 7 1 0 4 i think.", "8 7 1 0 4")]  # a ZIP since method 1.4
RECALL["ID"] += [
    ("my member number is T as in Tom 5 5 0 9 1 2 8.", "T as in Tom 5 5 0 9 1 2 8"),
    ("her Medicaid ID is K41 8830 2175 now.", "K41 8830 2175"),
    ("my truck has 7TB H42 on the back.", "7TB H42"),
    ("the police report has my car as R58-WNX.", "R58-WNX"),
]
RECALL["ADDRESS"] += [
    ("my new address is nineteen forty west belmont, for now.", "nineteen forty west belmont"),
    ("the address is four ten Larchmont apartment C as in cat but mail gets lost.",
     "four ten Larchmont apartment C as in cat"),
    ("we lived at Calle de Serrano 88, 2º derecha, for a year.", "Calle de Serrano 88, 2º derecha"),
]
RECALL["LOCATION"] += [
    ("Send it to 41 Orchard St, Apt 2, New York, NY 10002 please.", "New York"),
    ("It's 7 Tui Street, Whanganui 4500 now.", "Whanganui"),
]
RECALL["ZIP"] += [("It's 7 Tui Street, Whanganui 4500 now.", "4500")]
RECALL["EMAIL"] += [
    ("my email is lucky penny twenty at outlook dot com.", "lucky penny twenty at outlook dot com"),
    ("send it to bee at bee keeps bees dot com.", "bee at bee keeps bees dot com"),
]
RECALL["NAME"] += [
    ("and marisol just stood there like nothing happened.", "marisol"),
    ("Bethany, I'm sorry, I didn't mean it.", "Bethany"),
    ("the new guy at work dmitri keeps asking me out.", "dmitri"),
]
RECALL["ADDRESS"] += [
    ("we got evicted from seven seven two Heron Loop last fall.", "seven seven two Heron Loop"),
    ("she stays at 91-1120 Lanakila Street now.", "91-1120 Lanakila Street"),
]
RECALL["LOCATION"] += [
    ("i drove all the way to yavapai county for that.", "yavapai county"),
    ("Send it to 55 Portage Ave, Brandon, MB R7A 1X1.", "MB"),
]
RECALL["DATE"] += [
    ("my last drink was ten slash four slash ninety six.", "ten slash four slash ninety six"),
    ("court got moved to feb twelfth.", "feb twelfth"),
    ("I got my chip in March of '11.", "March of '11"),
]
RECALL["PHONE"] += [
    ("her landline is (03) 5550 8812 if mine's off.", "(03) 5550 8812"),
    ("ring me on 0161 496 0321 after work.", "0161 496 0321"),
]
RECALL["ID"] += [
    ("the camera caught P-L-Q 8 8 2 on the tow truck.", "P-L-Q 8 8 2"),
    ("The card is 4485 0912 3346 7781 and it's not mine.", "4485 0912 3346 7781"),  # no phone inside it
]
RECALL["NAME"] += [
    ("so i told june i couldn't come.", "june"),
    ("yeah tobias from group drove me home.", "tobias"),
    ("it was Marisol who called the cops.", "Marisol"),
    ("i think ingrid is the only person I trust.", "ingrid"),
]
RECALL["AGE"] += [("my grandpa, he's hundred and two.", "hundred and two")]
RECALL["SSN"] += [
    ("my social is 4471 if you need the last four.", "4471"),
    ("my SIN is 130 692 544.", "130 692 544"),
    ("my social's five forty one, two two, eighty eight oh three.", "five forty one, two two, eighty eight oh three"),
]
RECALL["FACILITY"] += [
    ("she works at Our Lady of Mercy Hospice now.", "Our Lady of Mercy Hospice"),
    ("they sent me to the Harbour drop-in center.", "Harbour drop-in center"),
    ("I go to Riverbend Youth Hub on Tuesdays.", "Riverbend Youth Hub"),
]
RECALL["ADDRESS"] += [("i bought from a guy at lot nine, 4410 Creek Road.", "lot nine, 4410 Creek Road")]
RECALL["FACILITY"] += [
    ("she lives at the Willows at Brandermill now.", "Willows at Brandermill"),
    ("i did six weeks at Ridgeview Correctional.", "Ridgeview Correctional"),
    ("we go to Harlan County Drug Court on mondays.", "Harlan County Drug Court"),
    ("When I got out of Harborside Day Treatment I had nowhere to go.", "Harborside Day Treatment"),
]
RECALL["ADDRESS"] += [("the sober house is on the 3100 block of Wabash, by the tracks.", "3100 block of Wabash")]
RECALL["LOCATION"] += [("uh we're out past missoula like where the road ends.", "missoula")]
# Development set 17: partial numbers said as such, spoken addresses, facilities with particles and
# numbers, full names in lower case, names in the sentences only people stand in
RECALL["SSN"] += [
    ("my social is last four are 4821.", "4821"),
    ("my social is ending in 1157.", "1157"),
    ("my mom's social is xxx-xx-3390, she can't remember", "3390"),
    ("the SSN on file is last 4 3019, is that right?", "3019"),
    ("all i remember of my social is the last four digits are two two eight one.", "two two eight one"),
    ("he knows my social, ending in oh oh six two, that's how he got in", "oh oh six two"),
]
RECALL["ID"] += [
    ("what's the account, ending 0375?", "0375"),
    ("i closed ending in 6642 because he had the card", "6642"),
    ("the member number is zee gee pee nine nine one two oh three.", "zee gee pee nine nine one two oh three"),
]
RECALL["ZIP"] += [("the zip code is two one two two three.", "two one two two three")]
RECALL["ID"] += [
    ("the CPAP serial number is 104 882 177.", "104 882 177"),
    ("my pacemaker serial number is PMK 882104 H.", "PMK 882104 H"),
]
RECALL["URL"] += [
    ("my brother's obituary is at instagram dot com slash fatima underscore s.", "instagram dot com slash fatima underscore s"),
]
RECALL["PHONE"] += [("you can reach me at 213 555 0187 extension four after five.", "213 555 0187 extension four")]
RECALL["ADDRESS"] += [
    ("my grandpa's house, uh, one eight three four Cypress Bend, that's where i go", "one eight three four Cypress Bend"),
    ("okay so you're at 14 Orchard Street, second floor, is that right", "14 Orchard Street, second floor"),
]
RECALL["ADDRESS"] += [
    ("we got evicted from twenty one fifteen south halsted in the spring", "twenty one fifteen south halsted"),
    ("he dropped me off at the thirty three hundred block of north halsted", "thirty three hundred block of north halsted"),
    ("um the address is rural route two box forty i think", "rural route two box forty"),
    ("I put a hundred and ten orchard street on the application", "hundred and ten orchard street"),
    ("it's uh eleven forty seven county road three eighteen i think", "eleven forty seven county road three eighteen"),
    ("It's eighteen oh six Lakeview Drive apartment two B, um, the buzzer", "eighteen oh six Lakeview Drive apartment two B"),
    ("we live at nine nine one sandpiper loop", "nine nine one sandpiper loop"),
]
RECALL["FACILITY"] += [
    ("I've been sleeping at St. Vincent de Paul Men's Shelter since the fight", "St. Vincent de Paul Men's Shelter"),
    ("he's being held at Our Lady of the Lakes Hospital until the hearing.", "Our Lady of the Lakes Hospital"),
    ("he's at Cedar Ridge Nursing and Rehabilitation now.", "Cedar Ridge Nursing and Rehabilitation"),
    ("i did my thirty days at Rio Grande Valley Community Health.", "Rio Grande Valley Community Health"),
    ("I got my chip at Elks Lodge 1142", "Elks Lodge 1142"),
]
RECALL["NAME"] += [
    ("so yeah amadou dimaculangan that's my daughter", "amadou dimaculangan"),
    ("um it's malik uh katz, she runs the thursday group", "malik"),
    ("um it's malik uh katz, she runs the thursday group", "katz"),
    ("my granddaughter patience she's the only one who calls", "patience"),
    ("Pat from my DBT group is nice", "Pat"),
    ("my roommate miracle ate all my food again", "miracle"),
    ("i was like, kyle, you can't just show up", "kyle"),
    ("and i said dawn, i love you but i can't", "dawn"),
]
RECALL["FACILITY"] += [
    ("the pharmacy at the CVS on Maple Avenue messed up my prescription", "CVS on Maple Avenue"),
    ("we go to the Rite Aid on Route 22 every sunday", "Rite Aid on Route 22"),
    ("i got my GED through the Walgreens over on Fifth and Main.", "Walgreens over on Fifth and Main"),
]
RECALL["DATE"] += [
    ("we split up right after Easter 2016, it was bad", "Easter 2016"),
    ("he moved out Labor Day, 2011 and never called", "Labor Day, 2011"),
    ("i had my first drink on new year's eve nineteen ninety nine", "new year's eve nineteen ninety nine"),
    ("my son was born feb twenty nineteen", "feb twenty nineteen"),
    ("we came here in october of two thousand twelve", "october of two thousand twelve"),
]
RECALL["ID"] += [
    ("the claim number is seven one three three, for the crash", "seven one three three"),
    ("my acct is fifty one oh nine seventy seven", "fifty one oh nine seventy seven"),
    ("mine is sixty-three twelve eighty-four at the pharmacy", "sixty-three twelve eighty-four"),
]
RECALL["PHONE"] += [
    ("text me at four oh four, seven seventy, eighteen twelve", "four oh four, seven seventy, eighteen twelve"),
]
RECALL["SSN"] += [("the letter had my social on it, 8052", "8052")]
RECALL["FACILITY"] += [
    ("my aunt is a nurse over at saint agnes's, nights mostly", "saint agnes's"),
    ("they took me to st. vincent's after the fight", "st. vincent's"),
]
RECALL["AGE"] += [("my great-aunt turned one oh four in june.", "one oh four")]
RECALL["DATE"] += [("the hearing got moved to oh four oh two ninety one", "oh four oh two ninety one")]
RECALL["ADDRESS"] += [
    ("we moved into 6100 Orchard Lane apartment ten fourteen in may", "6100 Orchard Lane apartment ten fourteen"),
    ("the shelter is at 85 Kemp Street apartment three c, ring twice", "85 Kemp Street apartment three c"),
]
RECALL["FACILITY"] += [  # all in lower case, as speech-to-text writes it
    ("my nephew goes to brookhaven middle school now", "brookhaven middle school"),
    ("she got clean at the detox on wabash avenue", "detox on wabash avenue"),
    ("they moved me to the shelter in tacoma", "shelter in tacoma"),
    ("i picked it up at the rite aid on fourth", "rite aid on fourth"),
    ("after saint jude's rehab i stayed sober a year", "saint jude's rehab"),
]
RECALL["ADDRESS"] += [  # in lower case, where a place is spoken of
    ("we found my brother at 62 tamarack crescent, asleep in the car", "62 tamarack crescent"),
    ("i grew up at flat 2, 19 mulberry close with my gran", "flat 2, 19 mulberry close"),
]
RECALL["ZIP"] += [
    ("the postcode is n7 6qe if you need it", "n7 6qe"),
    ("his postal code is k1a 0b1 i think", "k1a 0b1"),
    ("the zip code is four eight two oh and then the unit", "four eight two oh"),
]
RECALL["NAME"] += [
    ("and tamsin reckons i should just leave", "tamsin"),
    ("i told it all to cormac from my platoon", "cormac"),
    ("i was like siobhan you have to stop calling me", "siobhan"),
]
RECALL["SSN"] += [
    ("my national insurance is TN 31 55 80 D if they ask", "TN 31 55 80 D"),
    ("it's nb 77 12 09 a, that's on my payslip", "nb 77 12 09 a"),
    ("the letter shows xxx xx 6 0 4 2 at the top", "6 0 4 2"),
    ("um sixty-two oh eight, that's my social", "sixty-two oh eight"),
]
RECALL["FACILITY"] += [
    ("my dad did a month at the fort carson va clinic", "fort carson va clinic"),
    ("she lives at brookdale memory care now", "brookdale memory care"),
]
RECALL["ID"] += [("the monitor serial is 41 07 3 9 9 2 5 0 on the strap", "41 07 3 9 9 2 5 0")]
RECALL["URL"] += [
    ("follow her on tiktok dot com slash at maddie dot skates", "tiktok dot com slash at maddie dot skates"),
    ("the page is instagram dot com slash rory dot k seven seven", "instagram dot com slash rory dot k seven seven"),
    ("she put it on whanau-aroha.nz last week", "whanau-aroha.nz"),
]
RECALL["EMAIL"] += [
    ("email me at bev dot t sixty one at gmail dot com", "bev dot t sixty one at gmail dot com"),
    ("it's kaz dot m at bigpond dot com dot au", "kaz dot m at bigpond dot com dot au"),
]
RECALL["ZIP"] += [
    ("we're in Geelong, 3220 now, near the water", "3220"),
    ("the zip is four one oh two if that helps", "four one oh two"),
]
RECALL["ADDRESS"] += [  # method 1.4: in lower case, a street word spelled out needs no place's cue
    ("jot down 318 old quarry road for the intake form", "318 old quarry road"),
    ("my letter says 2270 county highway 40 on it", "2270 county highway 40"),
    ("post it c/o 77 lantern street please", "77 lantern street"),
    ("we ended up at 9 the green behind the pub", "9 the green"),
]
RECALL["FACILITY"] += [  # method 1.4: named by ordinary words in lower case, where a place is spoken of
    ("the nurse at blue heron detox was kind to me", "blue heron detox"),
    ("my cousin lives at silver birch group home now", "silver birch group home"),
    ("they kicked him out of university of eastern plains", "university of eastern plains"),
]
RECALL["ZIP"] += [("the postcode is 4 8 7 0 i think", "4 8 7 0")]
RECALL["ID"] += [
    ("the cop just read out c8812045 off my licence", "c8812045"),
    ("her chart number is b-550913 at the hospital", "b-550913"),
    ("his plate is k for kilo, echo, four one nine", "k for kilo, echo, four one nine"),
    ("that van was sierra tango three three eight alpha", "sierra tango three three eight alpha"),
    ("i gave them last four is 2 2 8 1 at the desk", "2 2 8 1"),
]
RECALL["SSN"] += [
    ("they want your social, mine's forty-two oh six", "forty-two oh six"),
    ("the sin is fifty-one twenty, for the benefits", "fifty-one twenty"),
]
RECALL["NAME"] += [
    ("i told marisol like i can't do this anymore", "marisol"),
    ("i keep wondering what soraya would say about it", "soraya"),
    ("i was talking to deshawn from group about it", "deshawn"),
]
RECALL["ID"] += [  # method 1.4 (developed on set 22): codes in lower case, plates near a vehicle
    ("the serial on the concentrator is qtm551902x", "qtm551902x"),
    ("my medicaid number is kpx 4410 8812 09 on the card", "kpx 4410 8812 09"),
    ("my truck's plate is mwd 4471, it's white", "mwd 4471"),
    ("the car that hit me had plate zr-309-k on it", "zr-309-k"),
]
RECALL["ADDRESS"] += [  # method 1.4: addresses as the Philippines, Mexico and Puerto Rico write them
    ("my lola lives at purok 7, barangay santa elena now", "purok 7, barangay santa elena"),
    ("we moved to block 9 lot 4, phase 3, villa verde homes last year", "block 9 lot 4, phase 3, villa verde homes"),
    ("the house is at carr. 807 km 3.1 near the river", "carr. 807 km 3.1"),
]
RECALL["FACILITY"] += [  # method 1.4
    ("she works nights at hospital regional de tijuana now", "hospital regional de tijuana"),
    ("the caseworker at Casa de la Familia helped me", "Casa de la Familia"),
    ("i been at sweetgrass healing lodge since spring", "sweetgrass healing lodge"),
    ("he drives for Blue Ridge Trucking out of town", "Blue Ridge Trucking"),
    ("she's at our lady of lourdes parish every sunday", "our lady of lourdes parish"),
]
RECALL["DATE"] += [
    ("we lost him right after diwali 2019", "diwali 2019"),
    ("i moved out on lunar new year 2020", "lunar new year 2020"),
]
RECALL["NAME"] += [  # method 1.4: a first name that is also a word, where only a person can stand
    ("tía paz doesn't speak english at all", "paz"),
    ("my ex's new girlfriend journey keeps posting about me", "journey"),
    ("so patience my caseworker said it's fine", "patience"),
    ("when cherish called me from the hospital i cried", "cherish"),
]
RECALL["ADDRESS"] += [  # a unit and a house number written with a slash, as in Australia
    ("send it to Unit 4/38 Banksia Parade, that's mum's", "Unit 4/38 Banksia Parade"),
    ("i'm in a room at 3/12 waratah cres for now", "3/12 waratah cres"),
    ("the new address is flat 3/2, 61 tolland street, top buzzer", "flat 3/2, 61 tolland street"),
]
RECALL["NAME"] += [("and honey said she'd drive me to the meeting", "honey")]
# method 1.5 (developed on set 23)
RECALL["URL"] += [  # a handle named by its platform, typed or said
    ("someone made a fake account, snapchat at kenzie dot xo, using my photos", "kenzie dot xo"),
    ("the screenshots are on roblox user bloxxer_jojo_09 if the lawyer wants them", "bloxxer_jojo_09"),
    ("the fundraiser is at discord mikeyb#4471 if anyone wants it", "mikeyb#4471"),
    ("my handle is insta at bex underscore fitness underscore nz on everything", "bex underscore fitness underscore nz"),
    ("you can venmo at ngozi dash okafor dash four for the gas", "ngozi dash okafor dash four"),
    ("my cashapp is $delroyg18 if you want to pay me back", "$delroyg18"),
]
RECALL["IP"] += [("uh the screen says 203 dot 0 dot 113 dot 9 something", "203 dot 0 dot 113 dot 9")]
RECALL["SSN"] += [("his social's ending in oh two, i have it on the card", "oh two")]
RECALL["ID"] += [
    ("i gave the scammer my card number ending oh two", "oh two"),
    ("i keep seeing mh 12 ab 4471 in my rear view", "mh 12 ab 4471"),
    ("Reg KA 05 MN 2234, red Fiesta.", "KA 05 MN 2234"),
    ("it's registered 1abc 234 under my mum", "1abc 234"),
    ("reg bx19 klm, the silver one", "bx19 klm"),
    ("the statement for gb82 west 1234 5698 7654 32 showed forty charges", "gb82 west 1234 5698 7654 32"),
]
RECALL["DATE"] += [
    ("he passed the seventh of february oh eight, so this time of year is hard", "the seventh of february oh eight"),
    ("we separated on 2 April 98 officially", "2 April 98"),
    ("the last time i used was march of 09.", "march of 09"),
]
RECALL["ADDRESS"] += [
    ("we were renting 21 rathmines park until the landlord sold", "21 rathmines park"),
    ("yeah its 14b tui grove if you need to post the letter", "14b tui grove"),
    ("he turned up at Cottage 3, 90 Gordon Road at three in the morning", "Cottage 3, 90 Gordon Road"),
    ("meetings are behind apartment one oh two, 66 birch street", "apartment one oh two, 66 birch street"),
    ("The sober house is at #4B, 310 Elm Ave, the blue one.", "#4B, 310 Elm Ave"),
]
RECALL["FACILITY"] += [
    ("they transferred him to bluegum aged care after the fall", "bluegum aged care"),
    ("they transferred him to kingsmill general after the fall", "kingsmill general"),
    ("We're meeting at Northgate Community Mental Health Team this week.", "Northgate Community Mental Health Team"),
    ("we met at bellwood family health team for the sleep study", "bellwood family health team"),
    ("I was stationed at St. Jude's Boys' Home for three years.", "St. Jude's Boys' Home"),
    ("i got let go from whitmore barracks after the second no call", "whitmore barracks"),
    ("the va sent me over to sunnybrook manor for the sleep study", "sunnybrook manor"),
]
# method 1.5, developed on set 24
RECALL["URL"] += [
    ("just cash app $kemarpays-example for the rent", "$kemarpays-example"),
    ("Venmo @lupita-hdz-example is fine", "@lupita-hdz-example"),
]
RECALL["ID"] += [
    ("um the reg was 9876 hf i think", "9876 hf"),
    ("uh, lag 447 kja that's the car that follows me", "lag 447 kja"),
    ("it's nab 1234 on the ute", "nab 1234"),
    ("it's b-kj 4471 on the ute", "b-kj 4471"),
    ("my hospital number is luth/psy/2019/0442 on the card", "luth/psy/2019/0442"),
]
RECALL["DATE"] += [
    ("nos casamos el 12 de octubre de 2019 en la iglesia", "el 12 de octubre de 2019"),
    ("fue el doce de octubre cuando se fue", "el doce de octubre"),
    ("ela nasceu em 25 de dezembro de 2018", "25 de dezembro de 2018"),
    ("dia vinte de março a gente mudou", "dia vinte de março"),
    ("am 15. August 2019 war das", "15. August 2019"),
    ("to było 2 lutego 2020", "2 lutego 2020"),
]
RECALL["ADDRESS"] += [
    ("we live at plot 14, adeola odeku street now", "plot 14, adeola odeku street"),
    ("it's house no. 7, ngong road by the shop", "house no. 7, ngong road"),
    ("blk 412 ang mo kio avenue 10, #08-1123 is my mum's flat", "blk 412 ang mo kio avenue 10, #08-1123"),
    ("send it to n6824 highway 57 please", "n6824 highway 57"),
    ("it's 3201 county road 17 out past the church", "3201 county road 17"),
    ("it happened at mile marker 41 on route 9", "mile marker 41 on route 9"),
    ("wir wohnen in der Hauptstraße 45, 2. OG jetzt", "Hauptstraße 45, 2. OG"),
    ("we moved to 27 heol y nant last year", "27 heol y nant"),
]
RECALL["LOCATION"] += [("we moved into 22 awolowo road, ikoyi right before the baby", "ikoyi")]
RECALL["FACILITY"] += [
    ("she was at lagos university teaching hospital for a week", "lagos university teaching hospital"),
    ("I report to Dodge County Probation Office every week", "Dodge County Probation Office"),
    ("he works at greenhill dairy co-op now", "greenhill dairy co-op"),
    ("she was born at Hospital das Clínicas in the city", "Hospital das Clínicas"),
]
RECALL["NAME"] += [
    ("i dont know why sunny would say that about me", "sunny"),
    ("so yeah blessing is the midwife we had for the twins", "blessing"),
]
RECALL["NAME"] += [  # a given name that is also a word, after a relation and before what a person did
    ("my daughter sunny turned sixteen and now she won't talk to me", "sunny"),
    ("my son hunter said he's not coming", "hunter"),
    ("yeah me and faith and his dad went fishing", "faith"),
]
RECALL["DATE"] += [  # method 1.6
    ("i last used on le 12 mars 2020 and i havent touched it", "le 12 mars 2020"),
    ("Admitted vendredi le 9 octobre 2015, discharged", "vendredi le 9 octobre 2015"),
    ("Next court date le premier juillet 2019, client aware.", "le premier juillet 2019"),
    ("the father left two days before Christmas 2016, and the kids", "two days before Christmas 2016"),
    ("she passed the day after Thanksgiving 2019 at home", "the day after Thanksgiving 2019"),
    ("that was ten days after eid ul-adha 2021 no sorry", "ten days after eid ul-adha 2021"),
    ("my dad died first of ramadan 2022 in the hospice", "first of ramadan 2022"),
    ("i last used on hogmanay 2018 and never again", "hogmanay 2018"),
    ("my dad died tết 2018 in the hospice", "tết 2018"),
    ("um it was sept. 30th of '08 i remember", "sept. 30th of '08"),
]
RECALL["AGE"] += [
    ("Age: 95. Lives alone. Declines help.", "95"),
    ("Age: a hundred and four. Lives alone.", "a hundred and four"),
    ("um shes like 98 now and she still calls", "98"),
]
RECALL["PHONE"] += [("If you need me on the boat, try (418) 555-0186 poste 204, ok", "(418) 555-0186 poste 204")]
RECALL["ADDRESS"] += [
    ("can you send the letter to space 41, sunset mobile estates cause", "space 41, sunset mobile estates"),
    ("i'd go to lot 23, whispering pines mobile home park thats where", "lot 23, whispering pines mobile home park"),
    ("can you send the letter to room 218, wolverine lodge please", "room 218, wolverine lodge"),
    ("yeah im out at 4928, rue des érables, app. 3 the one with the dog", "4928, rue des érables, app. 3"),
    ("we got evicted from 1220 avenue dorchester back in the spring", "1220 avenue dorchester"),
]
RECALL["LOCATION"] += [("He says the family lives at 7 Shore Road, Petty Harbour, upstairs.", "Petty Harbour")]
RECALL["NAME"] += [
    ("sorry who is who is kalani again is that your cousin", "kalani"),
    ("and then uh xiaoling from the flats texted me a photo", "xiaoling"),
    ("ok so tunde if you can hear me you're breaking up", "tunde"),
    ("i been sober since before summer was born", "summer"),
    ("mi hija kavita no quiere comer nada", "kavita"),
    ("we buried mary-kate da silva last saturday", "da silva"),
]
RECALL["FACILITY"] += [
    ("Hospice chaplain from the Ocean Meridian rig visited the home twice", "Ocean Meridian rig"),
    ("Records from Red Dirt Trucking terminal received today", "Red Dirt Trucking terminal"),
]
RECALL["ADDRESS"] += [  # method 1.7: an address after its cue, to the clause's end, and one led by its unit
    ("the address for the home visit is site 6 comp 14, rr 3 just past the church", "site 6 comp 14, rr 3"),
    ("Could you confirm your address? Yeah it's No. 23, Jalan SS 2/72.", "No. 23, Jalan SS 2/72"),
    ("it's number nine the crescent, I think. What's your address? it's number nine the crescent.", "number nine"),
    ("I grew up at Flat C, 12/F, Wah Fung Mansion, 88 Shau Kei Wan Road and honestly", "Flat C, 12/F, Wah Fung Mansion"),
    ("he was released to stand 4471, budiriro 5 that's the approved premises", "stand 4471, budiriro 5"),
    ("Dad's farm is 2394 Kaiwaka Road, RD 3, you turn left", "2394 Kaiwaka Road, RD 3"),
    ("he was released to 4410 fm 1960 west that's the approved premises", "4410 fm 1960 west"),
    ("I grew up at 4 Craigentinny Wynd and honestly", "4 Craigentinny Wynd"),
]
RECALL["DATE"] += [
    ("He passed on the 9th of the 10th, 2023, and I haven't been back", "the 9th of the 10th, 2023"),
    ("dob is the thirtieth of the ninth sorry", "the thirtieth of the ninth"),
    ("He passed on 12 Januari 2020, and I haven't been back", "12 Januari 2020"),
]
RECALL["AGE"] += [("She says her grandmother is ninety-nine and three quarters and lives", "ninety-nine and three quarters")]
RECALL["FACILITY"] += [
    ("after the flood they put us all in ysbyty glan dyffryn for a few nights", "ysbyty glan dyffryn"),
    ("I'm ringing from CLSC des Érables, we have your father here", "CLSC des Érables"),
    ("after the flood they put us all in masjid an-noor for a few nights", "masjid an-noor"),
    ("he did two years at mount zion tabernacle and came out worse", "mount zion tabernacle"),
    ("the counsellor at mbare wellness hub told me to phone you guys", "mbare wellness hub"),
    ("after the flood they put us all in harbourview polyclinic for a few nights", "harbourview polyclinic"),
]
RECALL["NAME"] += [
    ("Uh-huh. spelled kasun and then prosser like it sounds yeah", "kasun"),
    ("Uh-huh. spelled kasun and then prosser like it sounds yeah", "prosser"),
    ("hi this is the counselling service calling for efua please call us back", "efua"),
    ("so i rang april and she said mum just come stay with us", "april"),
    ("and then hodan just like olena just walked out and never came back", "olena"),
    ("yeah the social worker it was um baek no wait mcinnes the tall one", "baek"),
    ("client name siân van houten date of birth i'll put in after", "siân van houten"),
    ("Father a/p Muniandy baptised all of us", "a/p Muniandy"),
    ("on his passport it's Sreekumar dela Cruz, the interpreter says.", "dela Cruz"),
]
RECALL["URL"] += [
    ("Resources for families are at rhiannon_xo.", "rhiannon_xo"),
    ("Her account's u/throwaway_mil_spouse22 on Instagram, and she's only thirteen.", "u/throwaway_mil_spouse22"),
    ("he found me through jhunjhun.makeup on insta even after i blocked him", "jhunjhun.makeup"),
]
RECALL["ID"] += [
    ("she keeps seeing lxz 4821 outside her mum's house", "lxz 4821"),
    ("it's sn19 xkd the black one with the tinted windows", "sn19 xkd"),
    ("i think my ramq is u7734 8812 05 it's my mother's maiden name", "u7734 8812 05"),
]
RECALL["SSN"] += [("[chat] my ic number is Y482913(5)", "Y482913(5)")]
RECALL["DATE"] += [("Could you confirm the date? I have Mayo 3, 2019 written here.", "Mayo 3, 2019")]
RECALL["FACILITY"] += [("we do the meeting at saltcoats harbour mission in the back room", "saltcoats harbour mission")]
RECALL["DATE"] += [  # method 1.8: months in more languages, with a day in digits and a year
    ("Pt states last drink 16 ta' Lulju 2019.", "16 ta' Lulju 2019"),
    ("we have the hearing on 17 maggio 2018 right", "17 maggio 2018"),
    ("Court date's 23 Februarie 2021, nine in the morning.", "23 Februarie 2021"),
    ("Date of incident: 25 Μαρτίου 2019.", "25 Μαρτίου 2019"),
    ("Date of incident: tarehe 12 Machi 2020.", "tarehe 12 Machi 2020"),
]
RECALL["AGE"] += [("Her age is listed as 92 on the camp record.", "92")]
RECALL["ADDRESS"] += [
    ("Kerkstraat 41-B, that's my mum's, you can send the letter", "Kerkstraat 41-B"),
    ("Can you put Storgata 14 B as my shore address?", "Storgata 14 B"),
    ("We used to live at Via Garibaldi 22, interno 5, before the water came up", "Via Garibaldi 22, interno 5"),
    ("Outreach contact made at Rua das Flores, 118, 2º esq., client sleeping in a car", "Rua das Flores, 118, 2º esq."),
    ("I'm staying at 42, Triq San Pawl until the insurance comes through.", "42, Triq San Pawl"),
    ("yeah it's uh fjellveien 27, leilighet h0302 no wait that's the old one", "fjellveien 27, leilighet h0302"),
    ("Can you put Caixa Postal 442 as my shore address?", "Caixa Postal 442"),
]
RECALL["FACILITY"] += [
    ("so after cape ray memorial hospital i went back on the boats", "cape ray memorial hospital"),
    ("my counselor at klinik am lindenhof she retired", "klinik am lindenhof"),
    ("my counselor at dar il-wens she retired", "dar il-wens"),
    ("They sent me to Cumberland Ridge Correctional Complex after the incident", "Cumberland Ridge Correctional Complex"),
]
RECALL["NAME"] += [
    ("Last name, KC; first name, Furaha; middle initial, no", "KC"),
    ("Please file under Schneider; first name to follow.", "Schneider"),
    ("Emergency contact: Dorje Watanabe, mother, same address.", "Dorje"),
    ("i work under supervisor caudill on the night crew", "caudill"),
    ("the foreman uh chase he's the one who sent me to the eap", "chase"),
    ("yeah the guy on the platform dieter he he found me in the stairwell", "dieter"),
    ("yeah coral from the drop in she gave me the bus pass", "coral"),
    ("the christodoulou place the one that burned is next to ours", "christodoulou"),
]
# method 1.9
RECALL["AGE"] += [
    ("speaker 2 so she's uh 91 and lives by herself on the farm", "91"),
    ("Great-grandmother, 95 y.o., is the kinship placement.", "95"),
    ("Resident is a woman aged ninety-odd referred for new-onset paranoia.", "ninety-odd"),
    ("Is he ninety-nine and a half or older than that?", "ninety-nine and a half"),
    ("Great-grandmother, a hundred, is the kinship placement.", "a hundred"),
    ("Age colon a hundred comma widowed period", "a hundred"),
    ("Age (guardian): ninety-five", "ninety-five"),
]
RECALL["SSN"] += [
    ("Last four of your social? Is it 4417?", "4417"),
    ("Social security number comma 0063 comma verified with card period", "0063"),
]
RECALL["ZIP"] += [
    ("Postcode comma two one zero three period new line", "two one zero three"),
    ("Eircode is 0810, if that helps the taxi.", "0810"),
    ("ZIP/Postal: zero eight three zero  Country: as above", "zero eight three zero"),
]
RECALL["ADDRESS"] += [
    ("Pt reports living at Apartment 12, The Maltings, Bray Road with two roommates.", "Apartment 12, The Maltings"),
    ("we was living out of the car behind 2290 grand concourse, apt 14g for a month", "2290 grand concourse, apt 14g"),
    ("he showed up at 118 great south road, unit 4 like three times last week", "118 great south road, unit 4"),
    ("one twenty-two East 118th Street, apartment 5C is where my grandma lives", "one twenty-two East 118th Street, apartment 5C"),
]
RECALL["DATE"] += [
    ("DOB: twenty seventh of October comma twenty twenty three", "twenty seventh of October comma twenty twenty three"),
]
RECALL["LOCATION"] += [
    ("he's got family in govan so that's where he'd run to", "govan"),
    ("the baby's buried back home in sparkbrook with my grandfather", "sparkbrook"),
]
RECALL["NAME"] += [
    ("my granddaughter patience drives me to all my appointments now", "patience"),
    ("Sibling's name: Rain. Age: fourteen.", "Rain"),
    ("Name of child: Summer.", "Summer"),
    ("it's under my married name kowalski not my maiden", "kowalski"),
]
# method 1.10
RECALL["FACILITY"] += [
    ("they want to move grandad to rio grande valley perinatal wellness center but it's far", "rio grande valley perinatal wellness center"),
    ("um so i go to wheatland lodge personal care home for my dose every morning", "wheatland lodge personal care home"),
    ("we were sleeping at sri venkateswara geriatric day care no sorry before that", "sri venkateswara geriatric day care"),
    ("okay so the place is called prairie sky recovery centre i think", "prairie sky recovery centre"),
    ("yeah she's at bantay buhay crisis hotline now on the locked unit", "bantay buhay crisis hotline"),
    ("Patient doses daily at Hogar Santa Clara de Mayagüez; last observed dose yesterday.", "Hogar Santa Clara de Mayagüez"),
]
RECALL["ADDRESS"] += [
    ("address uh 12 adeola odeku street, victoria island no sorry that's my old one", "12 adeola odeku street, victoria island"),
    ("okay dictation address house 22, kilimani estate, argwings kodhek road comma yarmouth new paragraph", "house 22, kilimani estate, argwings kodhek road"),
    ("write it down croft 11, north tolsta that's where the camp workers sleep", "croft 11, north tolsta"),
    ("Home visit completed at Erf 4471, Extension 7, Mhluzi; caregiver present", "Erf 4471, Extension 7, Mhluzi"),
    ("my mum's place is plot 33-c, khayaban-e-shahbaz, phase vi that's where i go", "plot 33-c, khayaban-e-shahbaz, phase vi"),
]
RECALL["NAME"] += [
    ("okay uh hi this is faith i'm the chaplain on the unit", "faith"),
    ("yeah hi it's tomasi from the drop-in uh you said to call", "tomasi"),
    ("SPEAKER 2: Hi, I'm Marvel, they/them, I've been coming here about a year", "Marvel"),
    ("my mam named me poppy because i was born after the floods", "poppy"),
    ("Caller identified self as Wisdom, a volunteer firefighter.", "Wisdom"),
    ("her brother you know sipho he drives her to the appointments", "sipho"),
    ("the hospice nurse sky she said it could be days now", "sky"),
    ("first name oksana surname mackinnon date of birth i'll give you", "oksana"),
    ("yeah it's under boudreau the booking should be under stidham", "stidham"),
]
# Shaped values with one obvious type: that type is checked too. For the others (a surname may be
# found as a place) any type removes the value.
TYPED = {"DATE", "AGE", "PHONE", "EMAIL", "URL", "IP", "SSN", "ZIP", "ID"}


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [(kind, text, value) for kind, cases in RECALL.items() for text, value in cases],
    ids=[f"{kind}-{i}" for kind, cases in RECALL.items() for i in range(len(cases))],
)
def test_identifier_is_found(surrogate, kind, text, value):
    joined, spans = surrogate.find(make_session("Okay.", text))
    start = joined.index(value)
    end = start + len(value)
    missed = "".join(c if not c.isspace() and not overlapping(spans, i, i + 1) else "_"
                     for i, c in zip(range(start, end), value))  # fmt: skip
    assert not missed.replace("_", ""), (
        f"not covered in {value!r}: {missed!r}; spans {[joined[s.start : s.end] for s in spans]}"
    )
    if kind in TYPED:
        assert {s.type for s in overlapping(spans, start, end)} == {kind}


def test_metadata_name_is_found_where_said(surrogate):
    lowercase = ("i wrote zelinski on the form.", "zelinski is stubborn.")
    _, without = surrogate.find(make_session(*lowercase))
    assert not without, "the premise: the lowercase surname is no name by itself"
    out, counts = surrogate.session(
        make_session(*lowercase, "My full name is Wren Zelinski.", known=("Wren Zelinski",))
    )
    assert not any(said(t, "zelinski") or said(t, "wren") for t in texts_of(out)), texts_of(out)
    assert counts["NAME"] == 4


# ----------------------------------------------------------------------------- precision

TRAPS = [
    ("I will try to do the worksheet.", "will"),
    ("Will you be there on Thursday?", "Will"),
    ("I hope so, honestly.", "hope"),
    ("Hope is hard right now.", "Hope"),
    ("I think it may help a little.", "may"),
    ("May was a blur for me.", "May"),
    ("I got through it by the grace of God.", "grace"),
    ("Mark my words, it will happen again.", "Mark"),
    ("We meet on Monday and on Friday.", "Monday"),
    ("We meet on Monday and on Friday.", "Friday"),
    ("It started in March, I think.", "March"),
    ("Last September was the worst.", "September"),
    ("That was back in 2019.", "2019"),
    ("Christmas is always hard, and Thanksgiving too.", "Christmas"),
    ("Christmas is always hard, and Thanksgiving too.", "Thanksgiving"),
    ("They started me on Wellbutrin last month.", "Wellbutrin"),
    ("Chantix gave me weird dreams.", "Chantix"),
    ("I keep Narcan in my car.", "Narcan"),
    ("I think the Zoloft is helping.", "Zoloft"),
    ("I started Tai Chi at the community center.", "Tai Chi"),
    ("We watched the Super Bowl together.", "Super Bowl"),
    ("I deleted Facebook and Instagram.", "Facebook"),
    ("I deleted Facebook and Instagram.", "Instagram"),
    ("I pray to God every night.", "God"),
    ("DBT saved my life.", "DBT"),
    ("In group we learned wise mind.", "wise mind"),
    ("Wise Mind is hard to find.", "Wise Mind"),
    ("I did TIPP last night.", "TIPP"),
    ("I used DEAR MAN with my mom.", "DEAR MAN"),
    ("I practiced radical acceptance.", "radical acceptance"),
    ("Radical Acceptance is the skill I need.", "Radical Acceptance"),
    ("I slept 4 hours last night.", "4"),
    ("They upped it to 20 mg.", "20"),
    ("On a scale of 1 to 10 it's a 7.", "1"),
    ("On a scale of 1 to 10 it's a 7.", "10"),
    ("On a scale of 1 to 10 it's a 7.", "7"),
    ("I'm 34 and I feel old.", "34"),
    ("Harmony in the family matters a lot to us.", "Harmony"),
    ("Frank conversations never happen at home.", "Frank"),
    ("I have like 300 unread texts.", "unread"),
    ("They switched me to Wellbutrin XL 150.", "XL 150"),
    ("New Year's Eve is a big trigger for me.", "Eve"),
    ("I went to bed 12 hours ago.", "12"),
    ("I think COVID19 changed everything.", "COVID19"),
    ("The Surgeon General said so on the news.", "Surgeon General"),
    ("I will said nothing and walked out.", "will"),
    ("The rose said it all, honestly.", "rose"),
    ("The Royal family was on the news.", "Royal"),
    ("The miller down the road grinds his own flour.", "miller"),
    ("Like, nobody ever asked me how I was.", "ever"),
    ("McDonald's is where I eat most days.", "McDonald"),
    ("Okay, Great, let's start.", "Great"),
    ("It's 20 Minutes from here.", "20 Minutes"),
    ("Our team scored 12345 points.", "12345"),
    ("The psych ward was scary but it helped.", "ward"),
    ("I've had 3 DUIs.", "DUIs"),
    ("the rose bush my mom planted is still there.", "bush"),
    ("Wells Fargo keeps charging me fees.", "Wells Fargo"),
    ("We watched Fight Club last night.", "Fight Club"),
    ("back in March I felt bad.", "March"),
    ("the whole family came over.", "whole"),
    ("I was SO ANGRY in the car.", "ANGRY"),
    ("okay great let's start.", "great"),
    ("I go to AA. Back to the basics after that.", "Back"),
    ("I got it from Amazon Prime last week.", "Amazon Prime"),
    ("We went to Alcoholics Anonymous together.", "Alcoholics Anonymous"),
    # the rules above must not reach ordinary speech
    ("I told people that I was fine.", "people"),
    ("my dad was good about it.", "good"),
    ("my sister will be there.", "will"),
    ("your aunt may call you later.", "may"),
    ("you may first want to check with him.", "may"),
    ("the meds were working for a while.", "meds"),
    ("the benzos were gone by Friday.", "benzos"),
    ("I walked 3 de la way home.", "de"),
    ("a b c d e, the list goes on.", "a b c d e"),
    ("count 1 2 3 4 5 and breathe.", "1 2 3 4 5"),
    ("I I I I don't know.", "I I I I"),
    ("she calls me baby when she's drunk.", "baby"),
    ("we were at someone else's house.", "else"),
    ("it's under control now.", "control"),
    ("my car needs 2 new tires.", "2"),
    ("I told them Thanksgiving is off.", "Thanksgiving"),
    ("I've changed my address three times this year.", "three"),
    ("My address is the same as before.", "same"),
    ("Honestly, I'm sorry about last week.", "Honestly"),
    ("and time just stood still for a second.", "time"),
    ("I moved to the county last year.", "county"),
    ("I committed a sin, that's how it felt.", "sin"),
    ("that's a sin, 1000 times over.", "1000"),
    ("it's a hundred percent my fault.", "hundred"),
    ("the social worker came six or seven times.", "six"),
    ("nothing from work matters to me now.", "nothing"),
    ("uh we drove out past the mall and kept going.", "mall"),
    # near the rules of development set 17
    ("nicotinic stomatitis is a thing smokers get.", "stomatitis"),
    ("i felt like humpty dumpty after the breakup", "humpty"),
    ("I work at Target on Sundays.", "Target"),
    ("I get coffee at Starbucks on my way to work.", "Starbucks"),
    ("we did Tai Chi on Sunday at the Y.", "Tai"),
    ("and i said okay, you win.", "okay"),
    ("i was like, honey, you need to stop.", "honey"),
    ("i said well, i think so.", "well"),
    ("my brother's obituary is online now.", "obituary"),
    ("the lease is ending in 2025.", "2025"),
    ("it's ending in three weeks.", "three"),
    ("the last four are the hardest.", "four"),
    ("my last four years were hard.", "four"),
    ("we drove two hours south and then one more north.", "two"),
    ("it was one block north of the school.", "one"),
    ("I ate a block of cheese.", "block"),
    ("he walked two miles down the road.", "two"),
    ("it's a two way street.", "two"),
    ("Help from my group is what I need.", "Help"),
    ("Support from the church helped.", "Support"),
    ("I read about Public Health in school.", "Public"),
    ("I was at the hospital 3 times last year.", "3"),
    ("my ex nine one one called", "nine"),
    ("so I told him uh that I was done.", "uh"),
    ("Christmas is hard, and Mother's Day too.", "Christmas"),
    ("every Thanksgiving since I was ten has been a fight.", "Thanksgiving"),
    ("it took like ten, fifteen, twenty minutes to calm down.", "fifteen"),
    ("we did nine thirty, ten thirty, eleven thirty check-ins.", "thirty"),
    ("from nineteen ninety-eight, nineteen ninety-nine, I was using.", "ninety-eight"),
    ("my mom takes St. John's Wort for her mood.", "Wort"),
    ("i tried st john's wort once.", "john's"),
    ("i walked like twenty, thirty, forty laps.", "thirty"),
    ("i went to the gym in the morning and the church on sunday", "gym"),
    ("the clinic in town closed so we drove to the next one", "clinic"),
    ("my med school friends stopped calling", "school"),
    ("the methadone clinic is too far from the bus", "clinic"),
    ("i was in a psych hospital for a week", "hospital"),
    ("i was so high at school that day", "high"),
    ("he's in the county jail again", "jail"),
    ("i met him at the store on my way home", "store"),
    ("i had a shirley temple at the bar", "shirley"),
    ("i take b12 5mg every day now", "5mg"),
    ("i said honey you need to eat something", "honey"),
    ("i was like dude you need to stop", "dude"),
    ("it was like 2 3 times a week", "times"),
    ("we meet 3/4 of the time on main street", "time"),
    ("bread and butter said nothing to me", "butter"),
    ("we were at 3 different places last year", "places"),
    ("i got there at 5 and parked on the street", "street"),
    # method 1.4: lower-case streets, facilities of ordinary words, codes in lower case
    ("i bought a 500 gig hard drive for my laptop", "500 gig hard drive"),
    ("it's a 45 minute drive from here", "45 minute drive"),
    ("i've been in long term recovery since then", "long term recovery"),
    ("she went to a good rehab and then to state prison", "good rehab"),
    ("i was at sunday school and then at bible college", "sunday school"),
    ("i went to the university of life, ha", "university of life"),
    ("i keep thinking about what people would say", "people"),
    ("i did the role play with people like we practiced", "people"),
    ("i told them like i was fine", "them"),
    ("i take b12 and vitamin d3 every day", "d3"),
    ("that's a sin, and the sin is mine", "sin"),
    ("i'm on phase 2 now, block 3 is next", "phase 2"),
    ("we parked in lot 4 and walked a block", "lot 4"),
    ("i drove 200 km in a ford f-150 going 80 mph", "f-150"),
    ("we celebrate diwali and lunar new year every year", "diwali"),
    ("we stayed at casa de mi abuela all summer", "casa"),
    ("my tía always cooks on sundays", "tía"),
    ("i told them i was done", "them"),
    ("when summer came we left town", "summer"),
    ("i went to the inpatient treatment center and then to drug treatment center", "inpatient"),
    ("i was in long term recovery and then at state mental hospital", "state"),
    # method 1.5
    ("i was on snapchat at night and couldn't sleep", "night"),
    ("i watched youtube at 2x speed to get through it", "2x"),
    ("i was on snapchat at 10pm again", "10pm"),
    ("the marriage ending in two weeks was a relief", "two"),
    ("my dad even said it was fine", "even"),
    ("my mom always said i was lazy", "always"),
    ("in general i think it went ok", "general"),
    ("my lasik surgery went fine", "surgery"),
    ("i took 5 xanax close to bedtime", "close"),
    ("it was just me and god and the dog that winter", "god"),
    ("the bike is in the rear at 12 am most nights", "12"),
    ("the car ran 5000 miles before it died", "5000"),
    ("we drove the car 2000 km last summer", "2000"),
    ("we always celebrate cinco de mayo with tacos", "cinco"),
    ("take 5 mg/kg/day of it", "mg/kg/day"),
    ("well hope is the thing that keeps me going", "hope"),
    ("a wee bit has changed since then", "bit"),
    ("i parked the car was 2019 or so", "2019"),
    # method 1.6
    ("and i dont know what to do", "dont"),
    ("and i havent touched it since", "havent"),
    ("theyve said it before", "theyve"),
    ("we had six mars bars on the bus", "mars"),
    ("the week before christmas was hard", "christmas"),
    ("who is responsible for the rota", "responsible"),
    ("ok so if you can hear me nod", "hear"),
    ("Age: 45. Lives alone.", "45"),
    ("after she was born we moved", "born"),
    ("she said desde ayer no come", "desde"),
    ("alors il est parti", "est"),
    ("I'm dusty from the warehouse when I get home.", "dusty"),
    ("i was sore from the camp bed all week", "sore"),
    ("we had 5, place them on the table", "place"),
    ("mi papá trabaja mucho en la obra", "trabaja"),
    ("i bought 12 place settings for the wedding", "place"),
    # method 1.7
    ("the address is on the letter, I think.", "letter"),
    ("my address is the same as before", "same"),
    ("I was in room 12, it was awful and flat 3, my mates were there", "awful"),
    ("house 29, must heard stressed", "heard"),
    ("house 97, 55 of them came", "55"),
    ("room 42, during worried knew house", "during"),
    ("we go to the masjid on fridays and the mission is on a mission", "mission"),
    ("he is on a mission and the space mission failed", "mission"),
    ("we had a school assembly and the secondary school was fine", "assembly"),
    ("it was the first of the month and the second of the three", "second"),
    ("we meet on the 2nd of the 3rd round", "3rd"),
    ("i take 300 mgs and ppm 1000 and phq 9", "ppm"),
    ("i paid 100 usd for it and 200 gbp", "usd"),
    ("it's spelled differently in the book", "differently"),
    ("calling for help, please do not hang up", "help"),
    ("I rang the office and she said no.", "office"),
    ("it was rated 4.5 on tiktok", "4.5"),
    ("client name and number please", "number"),
    # method 1.8
    ("i met 3 julie's friends and 12 mei", "julie's"),
    ("the old place was nice and the same house is for sale", "old"),
    ("the pizza place was good and the burger place", "pizza"),
    ("my supervisor said no and the foreman was angry", "said"),
    ("i work under supervision and under pressure", "supervision"),
    ("first name basis with everyone", "basis"),
    ("Goal couldn't those other ate less took small, month scared", "less"),
    ("we go to the masjid on fridays", "fridays"),
    # method 1.9
    ("is he 100 percent sure about it", "100"),
    ("was she 90 minutes late again", "90"),
    ("she's uh 95 pounds soaking wet", "95"),
    ("room 42, the kitchen is where we meet", "kitchen"),
    ("Client name: Unknown.", "Unknown"),
    ("my dad even drives me nuts", "drives"),
    ("my family in general is supportive", "general"),
    ("she's back home in bed", "bed"),
    ("my social worker is 4417 miles away", "4417"),
    ("I counted one two three four and then the postal worker came", "four"),
    # method 1.10
    ("hi this is crazy i'm so tired", "crazy"),
    ("hi this is hard i'm sorry", "hard"),
    ("this is great from my point of view", "great"),
    ("my dad always he says that", "always"),
    ("they called me crazy because i cried", "crazy"),
    ("it's under the bed", "bed"),
    ("I'm tired, she/her pronouns", "tired"),
    ("i called the crisis line and they helped", "line"),
    ("we went to the day care and my mom's old school", "care"),
]


@pytest.mark.parametrize(("text", "word"), TRAPS, ids=[f"{w}-{i}" for i, (_, w) in enumerate(TRAPS)])
def test_trap_word_is_kept(surrogate, text, word):
    joined, spans = surrogate.find(make_session("Okay.", text))
    places = occurrences(joined, word)
    assert places, "the premise: the word is in the text"
    for start, end in places:
        hits = overlapping(spans, start, end)
        assert not hits, f"{word!r} in {text!r} taken as {[(joined[s.start : s.end], s.type) for s in hits]}"
    out, _ = surrogate.session(make_session("Okay.", text))
    assert out.turns[1].text == text


@pytest.mark.parametrize(
    "text",
    [
        "My doctor put me on Wellbutrin.",
        "my mom made me go.",
        "The IPv6 address was on the bill.",
        "St. Patrick's Day is the worst day to be sober.",
        "My therapist gave me a worksheet.",
        "my sister ran off again.",
        "I was drinking Sprite and watching Netflix.",
    ],
)  # fmt: skip
def test_sentence_without_identifiers_is_left_alone(surrogate, text):
    _, spans = surrogate.find(make_session(text))
    assert spans == []


# ----------------------------------------------------------------------------- propagation and consistency


def test_name_found_once_is_replaced_everywhere_in_its_case(surrogate):
    texts = ("My sister Priya called me.", "How did it feel when priya called?", "PRIYA, she always shouts.",
             "I told Priya no.")  # fmt: skip
    out, counts = surrogate.session(make_session(*texts))
    assert not any(said(t, "priya") for t in texts_of(out)), texts_of(out)
    assert counts["NAME"] == 4
    first = re.fullmatch(r"My sister (\w+) called me\.", out.turns[0].text).group(1)
    lower = re.fullmatch(r"How did it feel when (\w+) called\?", out.turns[1].text).group(1)
    upper = re.fullmatch(r"(\w+), she always shouts\.", out.turns[2].text).group(1)
    assert lower == first.lower() and upper == first.upper(), "one surrogate, written in the case said"
    assert out.turns[3].text == f"I told {first} no."


DETERMINISM_PROBE = """
import sys
from therapy_pipeline.deid import Deidentifier, load_word_lists
from therapy_pipeline.model import Session, Turn
finder = Deidentifier("surrogate", b"\\x01" * 32, load_word_lists(sys.argv[1]))
text, spans = finder.find(Session("s", "s", [Turn("client", sys.argv[2])]))
print([text[s.start : s.end] for s in spans])
"""


def test_detection_does_not_depend_on_the_hash_seed(lists, lists_dir):
    # "st" and "paul" both start city names; decided in a set's order, "paul" alone was taken under
    # some hash seeds. Python seeds string hashing per process, so each seed is its own process.
    text = "Is it appealing? yeah st. paul is where it all started honestly"
    found = set()
    for seed in ("1", "2", "3", "4", "5", "6"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", DETERMINISM_PROBE, lists_dir, text], env=env,
                             capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
        found.add(run.stdout.strip())
    assert found == {"['st. paul']"}


def test_first_name_and_full_name_share_the_surrogate(surrogate):
    texts = ("My sister Priya called.", "Priya Shah is her full name.", "I told Priya Shah to stop.")
    out, _ = surrogate.session(make_session(*texts))
    first = re.fullmatch(r"My sister (\w+) called\.", out.turns[0].text).group(1)
    full = re.fullmatch(r"(\w+) (\w+) is her full name\.", out.turns[1].text).groups()
    again = re.fullmatch(r"I told (\w+) (\w+) to stop\.", out.turns[2].text).groups()
    assert full[0] == first and again == full
    assert full[1].lower() != "shah" and first.lower() != "priya"


def test_found_surname_is_replaced_where_it_opens_a_sentence(surrogate):
    out, _ = surrogate.session(make_session("Priya Shah is my name.", "Shah family stuff is hard."))
    assert not said(out.turns[1].text, "shah"), texts_of(out)


def test_word_like_name_propagates_only_where_it_is_a_name(surrogate):
    out, _ = surrogate.session(
        make_session("My brother Will is visiting.", "I will try to call.", "Will you be there?", "I hope Will comes.")
    )
    brother = re.fullmatch(r"My brother (\w+) is visiting\.", out.turns[0].text).group(1)
    assert brother != "Will"
    assert out.turns[1:] == [Turn("therapist", "I will try to call."), Turn("client", "Will you be there?"),
                             Turn("therapist", f"I hope {brother} comes.")]  # fmt: skip


@pytest.mark.parametrize("text", ["Mark said he would come.", "Will said no, again.", "Hope keeps texting me."])
def test_word_like_name_opening_a_sentence_before_a_person_verb(surrogate, text):
    _, spans = surrogate.find(make_session(text))
    assert spans and spans[0].start == 0 and spans[0].type == "NAME"


def test_same_value_same_surrogate_across_types(surrogate):
    texts = ("Call 415-555-0199 or text 415-555-0199.", "Write to priya.shah@gmail.com, yes, priya.shah@gmail.com.",
             "We moved to Sacramento.", "Sacramento was lonely.")  # fmt: skip
    out, _ = surrogate.session(make_session(*texts))
    a, b = re.fullmatch(r"Call (\S+) or text (\S+)\.", out.turns[0].text).groups()
    c, d = re.fullmatch(r"Write to (\S+), yes, (\S+)\.", out.turns[1].text).groups()
    city = re.fullmatch(r"We moved to (.+)\.", out.turns[2].text).group(1)
    assert a == b != "415-555-0199" and c == d != "priya.shah@gmail.com"
    assert out.turns[3].text == f"{city} was lonely." and city != "Sacramento"


RAW = {
    "names": ["Priya", "Shah", "Okafor"],
    "values": ["415-555-0199", "priya.shah@gmail.com", "3/14/1987", "94110", "123-45-6789", "XJH448812",
               "Sacramento", "Lakeside", "4821 Maple"],
}  # fmt: skip
RAW_TEXTS = (
    "My sister Priya Shah called me at 415-555-0199.",
    "Dr. Okafor wants me to email priya.shah@gmail.com the forms.",
    "I was born on 3/14/1987 and my zip code is 94110.",
    "My social is 123-45-6789 and my member ID is XJH448812.",
    "We moved to Sacramento, to 4821 Maple Avenue, Apt 3B, near Lakeside General Hospital.",
)


@settings(max_examples=25, deadline=None)
@given(key=keys)
def test_surrogates_are_never_the_original_and_never_tags(lists, key):
    out, counts = Deidentifier("surrogate", key, lists).session(make_session(*RAW_TEXTS))
    text = "\n".join(texts_of(out))
    for raw in RAW["names"] + RAW["values"]:
        assert not said(text, raw), (raw, text)
    assert "[" not in text and "]" not in text
    assert {"NAME", "PHONE", "EMAIL", "DATE", "ZIP", "SSN", "ID", "LOCATION", "ADDRESS", "FACILITY"} <= set(counts)


def test_tag_mode_writes_typed_tags(tagger):
    out, counts = tagger.session(make_session(*RAW_TEXTS))
    assert out.turns[0].text == "My sister [NAME] [NAME] called me at [PHONE]."
    assert out.turns[1].text == "Dr. [NAME] wants me to email [EMAIL] the forms."
    assert out.turns[2].text == "I was born on [DATE] and my zip code is [ZIP]."
    assert out.turns[3].text == "My social is [SSN] and my member ID is [ID]."
    text = "\n".join(texts_of(out))
    assert all(not said(text, raw) for raw in RAW["names"] + RAW["values"]), text
    assert sum(text.count(f"[{kind}]") for kind in PHI_TYPES) == sum(counts.values())


# ----------------------------------------------------------------------------- shapes


def test_spoken_codes_and_addresses_get_surrogates_said_the_same_way(surrogate):
    """A number said in words stays a number said in words, letters said by their names stay letter
    names, a lodge's number changes with its name, and no street word loses a letter."""
    texts = ("the member number is zee gee pee nine nine one two oh three.",
             "it's eleven forty seven county road three eighteen i think",
             "I got my chip at Elks Lodge 1142",
             "we live on Maple Street now")  # fmt: skip
    out, _ = surrogate.session(make_session(*texts))
    member, road, lodge, street = texts_of(out)
    code = re.fullmatch(r"the member number is ((?:\w+ ){3})((?:\w+ ?){6})\.", member)
    assert code, member
    assert code.group(1).split() != ["zee", "gee", "pee"] and all(len(w) <= 3 for w in code.group(1).split()), member
    assert set(code.group(2).split()) <= set(DIGIT_WORDS), member
    said_road = re.fullmatch(r"it's ((?:\w+ ){3})county road ((?:\w+ ?){2}) i think", road)
    assert said_road and road != texts[1], road
    assert all(w in NUMBER_WORDS for w in said_road.group(1).split() + said_road.group(2).split()), road
    assert re.fullmatch(r"I got my chip at \w+ Lodge \d{4}", lodge) and "Elks" not in lodge and "1142" not in lodge, lodge
    assert re.fullmatch(r"we live on \w+ Street now", street) and "Maple" not in street, street


def test_unit_letters_and_hyphenated_house_numbers_keep_their_shape(surrogate):
    """A unit's letter becomes a letter and a house number said with a hyphen stays a number; a
    direction and a half stay."""
    texts = ("we moved to sixty-one hundred orchard lane apartment two f",
             "I live at 12 N Kemp Street Apt C",
             "send it to 604 ½ Locust St")  # fmt: skip
    out, _ = surrogate.session(make_session(*texts))
    spoken, written, half = texts_of(out)
    # "½" is a word character but no word: it stays, and once crashed the address surrogate
    assert re.fullmatch(r"send it to \d{3} ½ [A-Z][\w'-]+ St", half) and "Locust" not in half, half
    said = re.fullmatch(r"we moved to ([a-z]+)-([a-z]+) hundred ([a-z]+) lane apartment ([a-z]+) ([a-z])", spoken)
    assert said and {said.group(1), said.group(2), said.group(4)} <= NUMBER_WORDS, spoken
    assert said.group(3) != "orchard" and spoken != texts[0], spoken
    assert re.fullmatch(r"I live at \d{2} N [A-Z][\w'-]+ Street Apt [A-Z]", written) and "Kemp" not in written, written


def test_address_surrogate_keeps_an_address_words_and_dictated_commas(surrogate):
    """The words that say what a part of an address is ("house", "estate", "road", "Extension") stay, and
    so does a dictated "comma"; the names and numbers change."""
    texts = ("okay dictation address house 22, kilimani estate, argwings kodhek road comma yarmouth new paragraph",
             "Home visit completed at Erf 4471, Extension 7, Mhluzi; caregiver present")  # fmt: skip
    out, _ = surrogate.session(make_session(*texts))
    dictated, erf = texts_of(out)
    said = re.fullmatch(
        r"okay dictation address house (\d+), ([a-z]+) estate, ([a-z]+) ([a-z]+) road comma ([a-z]+) new paragraph",
        dictated,
    )
    assert said, dictated
    assert said.group(1) != "22" and said.group(2) != "kilimani" and "argwings" not in dictated, dictated
    assert "yarmouth" not in dictated, dictated
    said = re.fullmatch(r"Home visit completed at Erf (\d{4}), Extension (\d), ([A-Z][\w'-]+); caregiver present", erf)
    assert said and said.group(1) != "4471" and said.group(3) != "Mhluzi", erf


def test_holidays_numbers_in_groups_and_generic_facilities_get_surrogates_of_their_shape(surrogate):
    """A holiday with its year becomes a shifted date (a weekday rule honoured), a number said in groups
    becomes another said in groups, and a facility named by generic words alone still changes."""
    texts = ("I relapsed on Thanksgiving 2019.",
             "we left on new year's eve nineteen ninety nine",
             "my acct is fifty one oh nine seventy seven",
             "I was at County General for a week")  # fmt: skip
    out, _ = surrogate.session(make_session(*texts))
    holiday, spoken_year, account, general = texts_of(out)
    date = re.fullmatch(r"I relapsed on ([A-Z][a-z]+) (\d{1,2})(?:st|nd|rd|th), (\d{4})\.", holiday)
    assert date, holiday
    shifted = dt.datetime.strptime(" ".join(date.groups()), "%B %d %Y").date()
    assert shifted != dt.date(2019, 11, 28)  # the fourth Thursday of November 2019
    said = re.fullmatch(r"we left on ([a-z]+) ([a-z-]+) ((?:[a-z-]+ ?){2,4})", spoken_year)
    assert said and said.group(1) in MONTHS, spoken_year
    digits = re.fullmatch(r"my acct is ((?:[a-z]+ ?){6})", account)
    assert digits and account != texts[2] and set(digits.group(1).split()) <= NUMBER_WORDS, account
    assert re.fullmatch(r"I was at [A-Z][\w'-]+ County General for a week", general), general


@pytest.mark.parametrize(
    "phone", ["415-555-0199", "(212) 555-0147", "312.555.0178", "+1 415 555 0142", "1-800-555-0123", "555-0142",
              "4155550199", "617 555 0123"],
)  # fmt: skip
def test_phone_surrogate_keeps_separators_and_digit_count(surrogate, phone):
    out, counts = surrogate.session(make_session(f"Call me at {phone} tonight."))
    assert counts == {"PHONE": 1}
    new = re.fullmatch(r"Call me at (.+) tonight\.", out.turns[0].text).group(1)
    assert new != phone
    assert re.sub(r"\d", "9", new) == re.sub(r"\d", "9", phone)


DATES = [("3/14/2021", "%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}"), ("2021-10-05", "%Y-%m-%d", r"\d{4}-\d\d-\d\d"),
         ("March 14, 2021", "%B %d, %Y", r"[A-Z][a-z]+ \d{1,2}, \d{4}"),
         ("12/25/1990", "%m/%d/%Y", r"\d{1,2}/\d{1,2}/\d{4}")]  # fmt: skip


@pytest.mark.parametrize("session_id", ["intake-0001", "intake-0002", "followup-17"])
def test_dates_shift_by_one_offset_per_session_and_keep_their_format(surrogate, session_id):
    texts = [f"It happened on {value} exactly." for value, _, _ in DATES]
    out, counts = surrogate.session(make_session(*texts, session_id=session_id))
    assert counts == {"DATE": len(DATES)}
    shifts = set()
    for (value, fmt, shape), turn in zip(DATES, out.turns):
        new = re.fullmatch(r"It happened on (.+) exactly\.", turn.text).group(1)
        assert re.fullmatch(shape, new), (value, new)
        shifts.add(dt.datetime.strptime(new, fmt) - dt.datetime.strptime(value, fmt))
    assert len(shifts) == 1, shifts
    assert shifts.pop() != dt.timedelta(0)


@pytest.mark.parametrize("session_id", ["intake-0001", "intake-0002", "followup-17"])
def test_date_said_as_numbers_shifts_with_the_session_and_stays_said(surrogate, session_id):
    from therapy_pipeline.deid.detect import SPOKEN_NUMERIC_DATE_RX, spoken_year, words_number

    texts = ["It happened on 3/14/2021 exactly.", "It happened on three fourteen twenty twenty-one exactly."]
    out, counts = surrogate.session(make_session(*texts, session_id=session_id))
    assert counts == {"DATE": 2}
    written = re.fullmatch(r"It happened on (.+) exactly\.", out.turns[0].text).group(1)
    spoken = re.fullmatch(r"It happened on (.+) exactly\.", out.turns[1].text).group(1)
    m = SPOKEN_NUMERIC_DATE_RX.fullmatch(spoken)
    assert m, spoken  # still a date said as three numbers
    said = dt.date(spoken_year(m.group("y")), words_number(m.group("m")), words_number(m.group("d")))
    assert said == dt.datetime.strptime(written, "%m/%d/%Y").date() != dt.date(2021, 3, 14)


# ----------------------------------------------------------------------------- keys and pseudonyms

NAMED = ("My sister Priya Shah called me at 415-555-0199.", "priya said she was sorry.")


@settings(max_examples=25, deadline=None)
@given(key=keys)
def test_same_key_same_output(lists, key):
    session = make_session(*NAMED)
    first, counts = Deidentifier("surrogate", key, lists).session(session)
    second, again = Deidentifier("surrogate", key, lists).session(session)
    assert first == second and counts == again
    assert PSEUDONYM.fullmatch(first.session_id)


@settings(max_examples=25, deadline=None)
@given(key=keys, other=keys)
def test_another_key_other_surrogates(lists, key, other):
    assume(key != other)
    session = make_session(*NAMED)
    a, _ = Deidentifier("surrogate", key, lists).session(session)
    b, _ = Deidentifier("surrogate", other, lists).session(session)
    assert texts_of(a) != texts_of(b) and a.session_id != b.session_id


@settings(max_examples=25, deadline=None)
@given(key=keys, other=keys, session_id=st.text(min_size=1, max_size=40))
def test_pseudonym_is_keyed_and_deterministic(key, other, session_id):
    name = pseudonym(key, "session", session_id)
    assert PSEUDONYM.fullmatch(name) and name == pseudonym(key, "session", session_id)
    if key != other:
        assert pseudonym(other, "session", session_id) != name


def test_load_key_creates_a_private_key_once(tmp_path):
    path = tmp_path / "keys" / "deid.key"
    key = load_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", text) and bytes.fromhex(text) == key and len(key) == 32
    assert load_key(str(path)) == key
    assert load_key(tmp_path / "other.key") != key


@pytest.mark.parametrize(
    "content", ["not a key\n", "ab" * 31 + "\n", "zz" * 32 + "\n", "AB" * 32 + "\n", b"\xff\xfe" * 32, ""]
)
def test_invalid_key_file_is_an_error_naming_it(tmp_path, content):
    path = tmp_path / "bad.key"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(KeyFileError, match=re.escape(str(path))):
        load_key(path)


def test_unreadable_key_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(KeyFileError, match=re.escape(str(tmp_path))):
        load_key(tmp_path)  # a directory
    (tmp_path / "file").write_text("x")
    with pytest.raises(KeyFileError, match=re.escape(str(tmp_path / "file"))):
        load_key(tmp_path / "file" / "deid.key")  # its parent is a file


# ----------------------------------------------------------------------------- the pipeline

SESSIONS = {
    "shah_priya_intake.json": {
        "session_id": "priya-shah-0314",
        "client_name": "Priya Shah",
        "dialogue": [
            ("Therapist", "Hi Priya, welcome back. How was your week?"),
            ("Client", "Hard. My sister Anjali called me at 415-555-0199 on March 14th and yelled at me."),
            ("Therapist", "That sounds painful. Did you send the letter to anjali.verma@gmail.com like we planned?"),
            ("Client", "No. My birthday was 3/14/1987 and birthdays make everything worse."),
            ("Therapist", "Let's use wise mind here. What would you tell Anjali if you felt calm?"),
            ("Client", "That I love her but I need space. Our family rules are hard."),
            ("Therapist", "That is a clear and kind boundary, Priya. Let's practice saying it."),
        ],
    },
    "okafor_followup.json": {
        "session_id": "okafor-0921",
        "dialogue": [
            ("Client", "Dr. Okafor told me to call the clinic at (212) 555-0147 when I panic."),
            ("Therapist", "Did you call them after the appointment on 2021-10-05?"),
            ("Client", "Yes, and I emailed m.okafor@lakesidehealth.org too, my name is Tobias Lindqvist."),
            ("Therapist", "Good. Let's try TIPP when the panic starts, Tobias."),
            ("Client", "Okay, I can try that this week."),
            ("Therapist", "Great. We'll check in next session about how it went."),
        ],
    },
}  # fmt: skip
RAW_IDS = ["priya-shah-0314", "okafor-0921"]
RAW_PATHS = list(SESSIONS) + ["shah_priya_intake", "okafor_followup"]
RAW_VALUES = ["Priya", "Shah", "Anjali", "Okafor", "Tobias", "Lindqvist", "415-555-0199", "(212) 555-0147",
              "anjali.verma@gmail.com", "m.okafor@lakesidehealth.org", "3/14/1987", "2021-10-05", "March 14th"]  # fmt: skip


def run_pipeline(root: Path, cache: str, out: str, **overrides) -> tuple[dict, Path]:
    corpus = root / "in"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, doc in SESSIONS.items():
        turns = [{"speaker": speaker, "text": text} for speaker, text in doc["dialogue"]]
        (corpus / name).write_text(json.dumps({**doc, "dialogue": turns}))
    values = {"input_data_dir": str(corpus), "output_dir": str(root / out), "cache_dir": cache,
              "deid_key_file": str(root / "keys" / "deid.key"), **overrides}  # fmt: skip
    return TherapyDataProcessor(ProcessingConfig.from_dict(values)).run(), root / out


def rows_of(out: Path) -> list[dict]:
    ds = load_from_disk(str(out))
    return [row for name in ("train", "validation", "test") for row in ds[name]]


def message_text(rows: list[dict]) -> str:
    return "\n".join(m["content"] for row in rows for m in row["messages"])


@pytest.fixture(scope="module")
def deidentified(tmp_path_factory, tokenizer_cache):
    root = tmp_path_factory.mktemp("deid-pipeline")
    manifest, out = run_pipeline(root, tokenizer_cache, "out")
    return root, manifest, out


def test_pipeline_output_holds_no_raw_value(deidentified):
    _, _, out = deidentified
    rows = rows_of(out)
    assert rows
    text = message_text(rows)
    for raw in RAW_VALUES:
        assert not said(text, raw), raw
    assert "wise mind" in text and "TIPP" in text, "therapy terms stay"
    assert "[" not in text


def test_pipeline_session_ids_are_keyed_pseudonyms(deidentified):
    root, manifest, out = deidentified
    key = load_key(root / "keys" / "deid.key")
    ids = {row["session_id"] for row in rows_of(out)}
    assert ids == {pseudonym(key, "session", raw) for raw in RAW_IDS}
    assert all(PSEUDONYM.fullmatch(i) for i in ids)
    assert {i for split in manifest["splits"].values() for i in split} == ids


def test_pipeline_manifest_holds_no_raw_value_path_id_or_key(deidentified):
    root, manifest, out = deidentified
    text = (out / MANIFEST).read_text()
    assert json.loads(text) == manifest
    for raw in RAW_VALUES + RAW_IDS + RAW_PATHS:
        assert raw.lower() not in text.lower(), raw
    key = load_key(root / "keys" / "deid.key")
    assert key.hex() not in text
    method = manifest["deidentification"]
    assert method["mode"] == "surrogate" and method["key_id"] == key_id(key)
    assert not any("key" in name and name != "key_id" for name in method)
    assert all(entry["path"].startswith("file-") for entry in manifest["inputs"])
    replaced = manifest["counts"]["phi_replaced"]
    assert set(replaced) <= set(PHI_TYPES) and all(isinstance(n, int) and n > 0 for n in replaced.values())
    assert {"NAME", "PHONE", "EMAIL", "DATE"} <= set(replaced)
    assert replaced["PHONE"] == 2 and replaced["EMAIL"] == 2


def test_pipeline_same_key_gives_identical_messages(deidentified, tokenizer_cache):
    root, _, out = deidentified
    _, again = run_pipeline(root, tokenizer_cache, "again")
    first, second = load_from_disk(str(out)), load_from_disk(str(again))
    for split in ("train", "validation", "test"):
        a, b = [row["messages"] for row in first[split]], [row["messages"] for row in second[split]]
        assert json.dumps(a, ensure_ascii=False).encode() == json.dumps(b, ensure_ascii=False).encode()
        assert first[split]["session_id"] == second[split]["session_id"]


def test_pipeline_input_ids_render_the_deidentified_messages(deidentified):
    _, _, out = deidentified
    tokenizer = AutoTokenizer.from_pretrained(str(out / "tokenizer"))
    for row in rows_of(out):
        assert tokenizer.apply_chat_template(row["messages"], tokenize=False) == tokenizer.decode(row["input_ids"])


def test_pipeline_with_deidentification_off_keeps_text_and_ids(tmp_path, tokenizer_cache):
    manifest, out = run_pipeline(tmp_path, tokenizer_cache, "out", deidentify="off")
    rows = rows_of(out)
    text = message_text(rows)
    assert "415-555-0199" in text and "anjali.verma@gmail.com" in text and "Anjali" in text
    assert {row["session_id"] for row in rows} == set(RAW_IDS)
    assert manifest["deidentification"]["mode"] == "off"


def test_forked_workers_give_the_sequential_output(surrogate):
    """Large corpora are de-identified in forked workers; each session alone, so the output is the
    same, in the same order, as one process gives."""
    texts = ("Hi, I'm Priya Shah, call me at (415) 555-0199.", "Okay, Priya. When did Marcus leave?",
             "On March 3rd, from 44 Elm Street.", "I hope so.")  # fmt: skip
    sessions = [make_session(*texts, session_id=f"s{i:03d}") for i in range(40)]
    sequential = list(surrogate.sessions(sessions, workers=1))
    forked = list(surrogate.sessions(sessions, workers=2))
    assert forked == sequential
    assert [s.session_id for s, _ in forked] == [surrogate.session(s)[0].session_id for s in sessions]
    assert all("Priya" not in " ".join(texts_of(s)) for s, _ in forked)


REPO = Path(__file__).resolve().parent.parent

# The fictional PHI planted in the sample corpus (data/training_data/README.md, "Fictional PHI"),
# and ordinary words planted beside it that must stay.
SAMPLE_PHI = ["Marigold", "Fenwick", "Quill", "Philippa", "Lysander", "Okonkwo-Reyes", "zoe.penhallow@example.org",
              "Ottilie", "6/14", "dmitri", "Wrenhallow", "Larkspur", "Pellory", "555-0142", "Fallowmere",
              "2023-11-05", "Grace next door", "daughter Hope", "22nd of April", "QZX448812", "00419", "Juniper",
              "Thistlewood", "Cedar Hollow", "Tobias", "Edwina", "Marchbanks", "Saltmarrow", "Noor", "Zoë", "Priya",
              "Tomasz", "Renée", "March 7th", "She's 93"]  # fmt: skip
SAMPLE_KEPT = ["I will try", "I hope it helps", "with grace", "Wellbutrin", "Chantix", "Narcan", "Tai Chi", "Facebook",
               "God", "Christmas", "Mum's birthday", "DEAR MAN", "TIPP", "wise mind"]  # fmt: skip


def test_sample_corpus_output_holds_none_of_its_fictional_phi(tmp_path, tokenizer_cache):
    """The first run a new user makes: every planted value is gone, the ordinary words are kept."""
    config = ProcessingConfig.from_dict({"input_data_dir": str(REPO / "data" / "training_data"),
                                         "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
                                         "deid_key_file": str(tmp_path / "deid.key")})  # fmt: skip
    manifest = TherapyDataProcessor(config).run()
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "data" / "training_data").rglob("*.*")
                       if p.suffix in (".json", ".jsonl", ".csv", ".txt"))  # fmt: skip
    output = "\n".join(m["content"] for row in rows_of(tmp_path / "out") for m in row["messages"])
    for value in SAMPLE_PHI:
        assert value.lower() in corpus.lower(), f"the sample corpus no longer says {value!r}"
        assert value.lower() not in output.lower(), value
    for words in SAMPLE_KEPT:
        assert words in corpus and words in output, words
    assert set(manifest["counts"]["phi_replaced"]) >= {"NAME", "DATE", "PHONE", "EMAIL", "ADDRESS", "FACILITY", "AGE"}


def test_no_pattern_or_constant_is_defined_twice():
    """A second top-level definition silently replaces the first for every function that reads it at run
    time, while patterns built between the two keep the first: each name is assigned once."""
    import ast

    for module in ("detect.py", "surrogates.py", "wordlists.py", "__init__.py"):
        tree = ast.parse((Path(__file__).parents[1] / "therapy_pipeline" / "deid" / module).read_text())
        names = [
            target.id
            for node in tree.body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        ]
        twice = sorted({n for n in names if names.count(n) > 1})
        assert not twice, f"{module}: {twice}"


@pytest.mark.parametrize(
    "text", ["the office is at one oh one Pine Street", "my address is one oh seven cedar court",
             "it's one oh one West Main"],
)  # fmt: skip
def test_a_house_number_said_one_oh_one_is_an_address_not_an_age(surrogate, text):
    joined, spans = surrogate.find(make_session(text))
    start = joined.index("one oh")
    assert [s.type for s in overlapping(spans, start, start + 6)] == ["ADDRESS"], spans


def test_an_age_said_one_oh_one_is_an_age(surrogate):
    joined, spans = surrogate.find(make_session("my grandpa is like one oh one and he still drives"))
    assert [(joined[s.start : s.end], s.type) for s in spans] == [("one oh one", "AGE")]


def test_a_year_after_a_town_is_no_postcode(surrogate):
    joined, spans = surrogate.find(make_session("we lived in Boston, 2019 was the worst year"))
    assert [(joined[s.start : s.end], s.type) for s in spans] == [("Boston", "LOCATION")]


def test_spoken_ip_handle_and_spoken_link_get_surrogates_said_the_same_way(surrogate):
    """Method 1.5: an IP said with "dot" stays said (digits as digits, words as words); a handle keeps
    its platform and joints; a link's path said with "slash" is replaced too (it used to stay)."""
    cases = {
        "uh the screen says 203 dot 0 dot 113 dot 9 something": ("203", "113"),
        "it said new sign in from ten dot zero dot zero dot twelve and": ("ten dot zero dot zero dot twelve",),
        "someone made a fake account, snapchat at kenzie dot xo, using my photos": ("kenzie", "xo"),
        "the screenshots are on roblox user bloxxer_jojo_09 if the lawyer wants them": ("bloxxer", "jojo"),
        "my channel is youtube dot com slash at kaydenplays now": ("kaydenplays",),
    }
    for text, gone in cases.items():
        new = surrogate.session(make_session(text))[0].turns[0].text
        assert new != text and not any(said(new, g) for g in gone), new
        if " dot " in text and "youtube" not in text:
            assert new.count(" dot ") == text.count(" dot "), new
    ip = surrogate.session(make_session("uh the screen says 203 dot 0 dot 113 dot 9 something"))[0].turns[0].text
    assert re.fullmatch(r"uh the screen says \d+ dot \d+ dot \d+ dot \d+ something", ip), ip
    handle = surrogate.session(make_session("the screenshots are on roblox user bloxxer_jojo_09 ok"))[0].turns[0].text
    assert re.fullmatch(r"the screenshots are on roblox user [a-z]+_[a-z]+_\d\d ok", handle), handle


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("it was el doce de octubre when he left", r"it was el [a-zé]+(?: y [a-z]+)? de [a-z]+ when he left"),
        ("we married on 12 de octubre de 2019 at home", r"we married on \d{1,2} de [a-z]+ de 20\d\d at home"),
        ("she was born 25 de dezembro de 2018", r"she was born \d{1,2} de [a-zç]+ de 20\d\d"),
        ("it was vinte de agosto de 2019 ok", r"it was [a-zê]+(?: e [a-zê]+)? de [a-zç]+ de 20\d\d ok"),
        ("am 15. August 2019 war das", r"am \d{1,2}\. [A-ZÄ][a-zä]+ 20\d\d war das"),
        ("to było 2 lutego 2020 tak", r"to było \d{1,2} [a-ząćęłńóśźż]+ 20\d\d tak"),
        ("we separated on 2 April 98 officially", r"we separated on \d{1,2} [A-Z][a-z]+ \d\d officially"),
        ("the last time i used was march of 09.", r"the last time i used was [a-z]+ of \d\d\."),
        ("it was August '98 and", r"it was [A-Z][a-z]+ '\d\d and"),
        ("he passed the seventh of february oh eight, so", r"he passed the [a-z-]+ of [a-z]+ [a-z -]+, so"),
        ("i last used on le 12 mars 2020 ok", r"i last used on le \d{1,2} [a-zéû]+ 20\d\d ok"),
        ("Admitted vendredi le 9 octobre 2015, ok", r"Admitted [a-z]+ le \d{1,2} [a-zéû]+ 20\d\d, ok"),
        ("le premier juillet 2019 ok", r"le [a-z-]+(?: et un)? [a-zéû]+ 20\d\d ok"),
        ("two days before Christmas 2016, and", r"two days before [A-Z][a-z]+ \d{1,2}(?:st|nd|rd|th), 20\d\d, and"),
        ("my dad died first of ramadan 2022 in", r"my dad died [a-z]+ \d{1,2}(?:st|nd|rd|th), 20\d\d in"),
        ("He passed on the 9th of the 10th, 2023, and", r"He passed on the \d{1,2}(?:st|nd|rd|th) of the \d{1,2}(?:st|nd|rd|th), 20\d\d, and"),
        ("dob is the thirtieth of the ninth sorry", r"dob is the [a-z-]+ of the [a-z]+ sorry"),
        ("He passed on 12 Januari 2020, and", r"He passed on \d{1,2} [A-Z][a-z]+ 20\d\d, and"),
        ("I have Mayo 3, 2019 written here.", r"I have [A-Z][a-z]+ \d{1,2}, 20\d\d written here\."),
        ("Pt states last drink 16 ta' Lulju 2019.", r"Pt states last drink \d{1,2} ta' [A-ZĠ][a-zġċ]+ 20\d\d\."),
        ("Date of incident: 25 Μαρτίου 2019.", r"Date of incident: \d{1,2} [Α-Ω][α-ωάέήίόύώϊΐ]+ 20\d\d\."),
    ],
)
def test_a_date_in_another_language_or_with_a_two_digit_year_keeps_its_shape(surrogate, text, shape):
    new = surrogate.session(make_session(text))[0].turns[0].text
    assert new != text and re.fullmatch(shape, new), new
    if "vendredi" in text:  # the French weekday of the shifted day
        weekday, day, month, year = re.search(r"(\w+) le (\d+) ([a-zéû]+) (\d{4})", new).groups()
        months = [m.split("|")[0] for m in FOREIGN_MONTHS["fr"]]
        date = dt.date(int(year), months.index(month) + 1, int(day))
        assert FRENCH_WEEKDAYS[date.weekday()] == weekday, new
    assert "twentyseventh" not in new and "twentyfirst" not in new


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("we moved into 22 awolowo road, ikoyi right before the baby", "ikoyi"),
        ("i live at 12 main street, haha, don't visit", None),
        ("it's 9 elm road, innit, the one by the shop", None),
        ("the family lives at 7 Shore Road, Petty Harbour, upstairs.", "Petty Harbour"),
        ("send it to 44 Main Street, Okay?", None),
        ("I live at 12 Elm Street, Ohio.", None),
        ("My cousin lets me use Calle Luna 57, Viejo San Juan for my mail", "Viejo San Juan"),
        ("send it to 12 Elm Street, Mom said so", None),
    ],
)
def test_a_lower_case_word_after_an_address_is_its_town_unless_it_is_chat(surrogate, text, town):
    """Method 1.5: "22 awolowo road, ikoyi": a word no dictionary holds after an address's comma is its
    suburb; laughter and fillers are not. Method 1.6: so are words in capitals where the clause ends
    ("Petty Harbour"), but not a greeting or a state, which Safe Harbor keeps."""
    joined, spans = surrogate.find(make_session(text))
    found = [(joined[s.start : s.end], s.type) for s in spans]
    assert found[0][1] == "ADDRESS", found
    assert found[1:] == ([(town, "LOCATION")] if town else []), found


def test_a_code_said_in_the_nato_alphabet_is_replaced_said_the_same_way(surrogate):
    """Method 1.4: "p for papa, x ray, seven nine one" is one spoken code; its surrogate keeps the
    shape (letters as NATO words, digits as digit words) and none of the letters or digits."""
    text = "the car's rego is p for papa, x ray, seven nine one"
    out, _ = surrogate.session(make_session(text))
    new = out.turns[0].text
    assert new.startswith("the car's rego is ")
    code = new.removeprefix("the car's rego is ")
    assert "papa" not in code and "ray" not in code and "seven nine one" not in code, code
    words = [w.strip(",") for w in code.split()]
    assert len([w for w in words if w in ("zero", "oh", "one", "two", "three", "four", "five", "six", "seven",
                                          "eight", "nine")]) == 3, code  # fmt: skip


def test_a_street_whose_house_number_stays_keeps_its_words_whole(surrogate):
    """Method 1.6: where the keyed digits give the house number back ("7 Shore Road" as "7 Wyatt
    Road"), the street's new name already makes it another address; the suffix used to be mangled
    instead ("7 Wyatt Roaa")."""
    texts = [f"He lives at {n} Shore Road, Springfield." for n in range(1, 101)]
    out, _ = surrogate.session(make_session(*texts))
    news = [t.text for t in out.turns]
    assert all(re.fullmatch(r"He lives at \d+ [A-Z][a-z]+ Road, [A-Z][\w .'-]+\.", new) for new in news), news
    assert all(new != text for new, text in zip(news, texts))
    assert any(new.startswith(f"He lives at {n} ") for n, new in zip(range(1, 101), news)), "the premise"
