"""What every hand-written case shares: the case record, the CSV writer, the export formats of
real lead tools, and the small pools of names, companies and places the builders draw from.

A builder writes 2-6 CSV files into a folder, the way the tools export them, and returns the
truth: (file name, 1-based data row) -> entity id. Rows are counted as the contract counts
them: the header and any preamble above it are not data rows.
"""

from __future__ import annotations

import csv
import random
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Truth = dict[tuple[str, int], str]
Record = dict[str, str]


@dataclass(frozen=True)
class Built:
    """A case written out: its files (in the order they are merged) and the truth."""

    files: list[Path]
    truth: Truth
    values: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)  # for examples


@dataclass(frozen=True)
class Case:
    """One phenomenon: its name, table type, what it tests and the builder that writes it."""

    name: str
    table_type: str  # "people" | "company"
    about: str
    build: Callable[[Path], Built]


# ---- export formats: the tool's header row, how a record fills it, an optional preamble ----


@dataclass(frozen=True)
class Export:
    """A tool's export: its header row, the record key behind each column, lines above it."""

    tool: str
    columns: Sequence[tuple[str, str]]  # (header, record key or "" for a column left empty)
    preamble: Sequence[str] = ()
    fill: Mapping[str, Callable[[Record], str]] = field(default_factory=dict)

    @property
    def header(self) -> list[str]:
        return [h for h, _ in self.columns]

    def row(self, record: Record) -> list[str]:
        out = []
        for header, key in self.columns:
            if header in self.fill:
                out.append(self.fill[header](record))
            else:
                out.append(record.get(key, "") if key else "")
        return out


@dataclass(frozen=True)
class Source:
    """One file of a case: its name, its tool, how often each identifier is filled."""

    name: str
    export: Export
    keep: dict[str, float] = field(default_factory=dict)


HUBSPOT = Export(
    "HubSpot contacts",
    [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("Email", "email"),
        ("Phone Number", "phone"),
        ("Company Name", "company"),
        ("Job Title", "title"),
        ("City", "city"),
        ("State/Region", "state"),
        ("Country/Region", "country"),
        ("Street Address", "street"),
        ("Postal Code", "zip"),
    ],
)
APOLLO = Export(
    "Apollo people",
    [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("Title", "title"),
        ("Company", "company"),
        ("Email", "email"),
        ("Person Linkedin Url", "linkedin"),
        ("Website", "website"),
        ("Company Linkedin Url", "company_linkedin"),
        ("City", "city"),
        ("State", "state"),
        ("Country", "country"),
        ("Corporate Phone", "phone"),
    ],
)
SALESFORCE = Export(
    "Salesforce contacts",
    [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("Account Name", "company"),
        ("Title", "title"),
        ("Email", "email"),
        ("Phone", "phone"),
        ("Mailing Street", "street"),
        ("Mailing City", "city"),
        ("Mailing State/Province", "state"),
        ("Mailing Zip/Postal Code", "zip"),
        ("Mailing Country", "country"),
    ],
)
LINKEDIN_NOTES = (
    "Notes:",
    '"When exporting your connection data, you may notice that some of the email addresses are'
    " missing. You will only see email addresses for connections who have allowed their"
    " connections to see or download their email address using this setting"
    " https://www.linkedin.com/psettings/privacy/email. You can learn more about this setting"
    ' here https://www.linkedin.com/help/linkedin/answer/261"',
    "",
)
LINKEDIN = Export(
    "LinkedIn Connections",
    [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("URL", "linkedin"),
        ("Email Address", "email"),
        ("Company", "company"),
        ("Position", "title"),
        ("Connected On", "connected"),
    ],
    preamble=LINKEDIN_NOTES,
)
ZOOMINFO = Export(
    "ZoomInfo contacts",
    [
        ("First Name", "first"),
        ("Last Name", "last"),
        ("Job Title", "title"),
        ("Email Address", "email"),
        ("Direct Phone Number", "phone"),
        ("Company Name", "company"),
        ("Website", "website"),
        ("LinkedIn Contact Profile URL", "linkedin"),
        ("Person City", "city"),
        ("Person State", "state"),
        ("Country", "country"),
    ],
)
# an event's attendee list: one name column, often "Last, First"
ATTENDEES = Export(
    "event attendee list",
    [
        ("Full Name", "full"),
        ("Organization", "company"),
        ("Job Title", "title"),
        ("Email", "email"),
        ("Phone", "phone"),
        ("City", "city"),
        ("State", "state"),
    ],
)
# a call list kept by hand: name and phone only, no company, no e-mail
CALL_LIST = Export(
    "call list",
    [("Contact Name", "full"), ("Phone", "phone"), ("City", "city"), ("Notes", "notes")],
)

# company exports
HUBSPOT_COMPANIES = Export(
    "HubSpot companies",
    [
        ("Company name", "name"),
        ("Company Domain Name", "domain"),
        ("Phone Number", "phone"),
        ("Street Address", "street"),
        ("City", "city"),
        ("State/Region", "state"),
        ("Postal Code", "zip"),
        ("Country/Region", "country"),
        ("Industry", "industry"),
    ],
)
SALESFORCE_ACCOUNTS = Export(
    "Salesforce accounts",
    [
        ("Account Name", "name"),
        ("Website", "website"),
        ("Phone", "phone"),
        ("Billing Street", "street"),
        ("Billing City", "city"),
        ("Billing State/Province", "state"),
        ("Billing Zip/Postal Code", "zip"),
        ("Billing Country", "country"),
        ("Industry", "industry"),
    ],
)
APOLLO_ACCOUNTS = Export(
    "Apollo accounts",
    [
        ("Company", "name"),
        ("Website", "website"),
        ("Company Linkedin Url", "linkedin"),
        ("Company Street", "street"),
        ("Company City", "city"),
        ("Company State", "state"),
        ("Company Postal Code", "zip"),
        ("Company Country", "country"),
        ("Company Phone", "phone"),
        ("Industry", "industry"),
        ("# Employees", "employees"),
    ],
)
SITE_REGISTRY = Export(
    "site registry",
    [
        ("Site name", "name"),
        ("Address", "street"),
        ("City", "city"),
        ("State", "state"),
        ("Zip", "zip"),
        ("Phone", "phone"),
        ("Website", "website"),
    ],
)
PROVIDER_LIST = Export(
    "provider directory",
    [
        ("Provider Name", "name"),
        ("Address Line 1", "street"),
        ("City", "city"),
        ("State", "state"),
        ("ZIP Code", "zip"),
        ("Phone Number", "phone"),
    ],
)
NAME_ADDRESS = Export(
    "name and address list",
    [("name", "name"), ("address", "street"), ("city", "city"), ("state", "state"), ("zip", "zip")],
)


# ---- writing files and keeping the truth ----


class Writer:
    """Collects rows per file (with their entity ids) and writes them as the tools do."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: dict[str, tuple[Export, list[tuple[str, list[str]]]]] = {}

    def file(self, name: str, export: Export) -> str:
        self.files[name] = (export, [])
        return name

    def add(self, name: str, entity: str, record: Record) -> None:
        export, rows = self.files[name]
        rows.append((entity, export.row(record)))

    def write(self, rng: random.Random, shuffle: bool = True) -> Built:
        self.out.mkdir(parents=True, exist_ok=True)
        truth: Truth = {}
        values: dict[tuple[str, int], dict[str, str]] = {}
        paths = []
        for name, (export, rows) in self.files.items():
            if shuffle:
                rng.shuffle(rows)
            path = self.out / name
            with path.open("w", encoding="utf-8", newline="") as handle:
                for line in export.preamble:
                    handle.write(line + "\r\n")
                writer = csv.writer(handle)
                writer.writerow(export.header)
                for k, (entity, row) in enumerate(rows, start=1):
                    writer.writerow(row)
                    truth[(name, k)] = entity
                    values[(name, k)] = dict(zip(export.header, row, strict=True))
            paths.append(path)
        return Built(paths, truth, values)


# ---- pools ----

# given names with the nicknames people actually go by (curated, common US usage)
NICKNAMES: dict[str, list[str]] = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "William": ["Bill", "Will", "Billy"],
    "Elizabeth": ["Liz", "Beth", "Betsy"],
    "Charles": ["Chuck", "Charlie"],
    "Bernard": ["Bernie"],
    "Richard": ["Rick", "Dick", "Rich"],
    "James": ["Jim", "Jimmy"],
    "Margaret": ["Maggie", "Peggy"],
    "Katherine": ["Kate", "Kathy", "Katie"],
    "Michael": ["Mike"],
    "Thomas": ["Tom", "Tommy"],
    "Jennifer": ["Jen", "Jenny"],
    "Anthony": ["Tony"],
    "Christopher": ["Chris"],
    "Patricia": ["Pat", "Patty"],
    "Edward": ["Ed", "Ted", "Eddie"],
    "Joseph": ["Joe"],
    "Susan": ["Sue"],
    "Daniel": ["Dan", "Danny"],
    "Rebecca": ["Becky"],
    "Nicholas": ["Nick"],
    "Alexander": ["Alex"],
    "Jonathan": ["Jon"],
    "Theodore": ["Ted", "Teddy"],
    "Deborah": ["Debbie", "Deb"],
    "Kenneth": ["Ken", "Kenny"],
    "Gregory": ["Greg"],
    "Timothy": ["Tim"],
    "Samuel": ["Sam"],
    "Victoria": ["Vicky", "Tori"],
    "Frederick": ["Fred"],
    "Douglas": ["Doug"],
    "Matthew": ["Matt"],
    "Stephen": ["Steve"],
    "Abigail": ["Abby"],
    "Benjamin": ["Ben"],
    "Andrew": ["Andy", "Drew"],
    "Zachary": ["Zach"],
    "Cynthia": ["Cindy"],
    "Lawrence": ["Larry"],
}
FIRST_NAMES = [
    "Aaron", "Adriana", "Aisha", "Alan", "Alicia", "Amanda", "Amir", "Ana", "Angela", "Arjun",
    "Brandon", "Brian", "Caroline", "Carlos", "Chen", "Claire", "Craig", "Dana", "Derek", "Diana",
    "Dylan", "Elena", "Emily", "Eric", "Farah", "Fiona", "Gavin", "Grace", "Hannah", "Hector",
    "Helen", "Ian", "Irene", "Ivan", "Jacob", "Jasmine", "Jason", "Jessica", "Julia", "Kevin",
    "Kim", "Laura", "Leah", "Leon", "Linda", "Lucas", "Maya", "Megan", "Mei", "Melissa", "Nadia",
    "Nathan", "Nina", "Omar", "Olivia", "Oscar", "Paula", "Priya", "Rachel", "Raj", "Rosa",
    "Ryan", "Sandra", "Sarah", "Scott", "Sean", "Sofia", "Tanya", "Tara", "Tyler", "Uma",
    "Vanessa", "Victor", "Wendy", "Yusuf", "Zoe", "Hugo", "Ingrid", "Keith", "Lena", "Marco",
    "Naomi", "Owen", "Paige", "Quinn", "Ruth", "Simone", "Trevor", "Ursula", "Wade", "Yara",
]  # fmt: skip
SURNAMES = [
    "Abbott", "Acosta", "Albright", "Alvarez", "Ashford", "Baker", "Banerjee", "Barlow",
    "Beckett", "Bishop", "Blackwood", "Brennan", "Calloway", "Castillo", "Chandler", "Chowdhury",
    "Connolly", "Crawford", "Dalton", "Delgado", "Donovan", "Drummond", "Eastwood", "Ellison",
    "Fairbanks", "Farrell", "Fitzgerald", "Fletcher", "Gallagher", "Garrison", "Goldberg",
    "Greenfield", "Hadley", "Halvorsen", "Hargrove", "Hawthorne", "Hendricks", "Holloway",
    "Iverson", "Jablonski", "Kaminski", "Kapoor", "Kavanagh", "Kowalczyk", "Lachance",
    "Lindqvist", "Lockhart", "Maddox", "Malhotra", "Mancini", "Marchetti", "McAllister",
    "Mendoza", "Merriweather", "Nakamura", "Novak", "Oakley", "Okafor", "Ostrowski", "Pemberton",
    "Prescott", "Quintero", "Ramirez", "Redfield", "Rinaldi", "Rosenthal", "Sandoval",
    "Schofield", "Sorensen", "Stanton", "Sutherland", "Takahashi", "Thornton", "Underwood",
    "Valdez", "Vanderberg", "Whitaker", "Winslow", "Yamamoto", "Zimmerman", "Ferreira",
    "Gutierrez", "Hoffmann", "Ivanova", "Jorgensen", "Kessler", "Lombardi", "Moreau", "Nguyen",
    "Olsen", "Petrov", "Rasmussen", "Santangelo", "Tremblay", "Ueda", "Varga", "Weatherby",
]  # fmt: skip
# names so common that sharing one says little
COMMON_NAMES = [
    ("John", "Smith"), ("Michael", "Johnson"), ("David", "Lee"), ("Maria", "Garcia"),
    ("James", "Brown"), ("Jennifer", "Williams"), ("Robert", "Jones"), ("Linda", "Miller"),
    ("David", "Kim"), ("Wei", "Zhang"), ("Mohammed", "Khan"), ("Sarah", "Davis"),
]  # fmt: skip
COMPANY_WORDS = [
    "Northwind", "Bluepeak", "Cobalt", "Evergreen", "Ironbridge", "Lumina", "Meridian",
    "Nimbus", "Oakridge", "Pinnacle", "Quarry", "Redwood", "Silverline", "Summit", "Tidewater",
    "Trailhead", "Vantage", "Westbrook", "Brightwater", "Cedarline", "Driftwood", "Foxglove",
    "Granite", "Harborview", "Keystone", "Larkspur", "Mosaic", "Northstar", "Orchard",
    "Parallax", "Riverbend", "Sagebrush", "Stonegate", "Sycamore", "Thistle", "Upland",
    "Willowby", "Yellowfin", "Zephyr", "Amberly", "Beacon", "Copperfield", "Dovetail",
    "Emberline", "Fairhaven", "Gladstone", "Highmark", "Juniper", "Kestrel", "Lakeshore",
]  # fmt: skip
COMPANY_TAILS = [
    "Analytics", "Logistics", "Software", "Health", "Capital", "Robotics", "Foods", "Energy",
    "Labs", "Systems", "Media", "Partners", "Biotech", "Networks", "Consulting", "Freight",
]  # fmt: skip
LEGAL_FORMS_US = ["Inc.", "LLC", "Corp.", "Co.", ""]
# (city, state, country, area codes)
US_CITIES = [
    ("Austin", "TX", "United States", ["512", "737"]),
    ("Denver", "CO", "United States", ["303", "720"]),
    ("Seattle", "WA", "United States", ["206"]),
    ("Boston", "MA", "United States", ["617", "857"]),
    ("Chicago", "IL", "United States", ["312", "773"]),
    ("Atlanta", "GA", "United States", ["404", "678"]),
    ("Portland", "OR", "United States", ["503", "971"]),
    ("Phoenix", "AZ", "United States", ["602", "480"]),
    ("Columbus", "OH", "United States", ["614"]),
    ("Raleigh", "NC", "United States", ["919", "984"]),
]
# UK numbers in Ofcom's ranges kept for drama and examples
UK_CITIES = [
    ("London", "England", "United Kingdom", "20", "7946 0"),
    ("Manchester", "England", "United Kingdom", "161", "496 0"),
    ("Leeds", "England", "United Kingdom", "113", "496 0"),
    ("Bristol", "England", "United Kingdom", "117", "496 0"),
    ("Edinburgh", "Scotland", "United Kingdom", "131", "496 0"),
    ("Glasgow", "Scotland", "United Kingdom", "141", "496 0"),
]
# the first three digits of each city's ZIP codes
ZIP_PREFIXES = {"Austin": "787", "Denver": "802", "Seattle": "981", "Boston": "021",
                "Chicago": "606", "Atlanta": "303", "Portland": "972", "Phoenix": "850",
                "Columbus": "432", "Raleigh": "276"}  # fmt: skip


def us_zip(rng: random.Random, city: str) -> str:
    return f"{ZIP_PREFIXES[city]}{rng.randint(1, 99):02d}"


STREET_NAMES = [
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Lakeview", "Hillcrest", "Washington", "Lincoln",
    "Jefferson", "Franklin", "Madison", "Park", "River", "Sunset", "Highland", "Meadow",
    "Forest", "Spring", "Church", "Mill", "Willow", "Chestnut", "Walnut", "Main", "Market",
    "Broad", "Center", "Union", "Grove", "Ridge", "Valley", "Harbor", "College", "Academy",
]  # fmt: skip
STREET_TYPES = [("Street", "St."), ("Avenue", "Ave."), ("Road", "Rd."), ("Boulevard", "Blvd."),
                ("Drive", "Dr."), ("Lane", "Ln."), ("Parkway", "Pkwy.")]  # fmt: skip
TITLES = [
    "VP of Sales", "Head of Marketing", "Account Executive", "Software Engineer",
    "Director of Operations", "CFO", "Product Manager", "Customer Success Manager",
    "Data Analyst", "Chief Executive Officer", "HR Business Partner", "Procurement Lead",
    "Office Manager", "Sales Development Representative", "Controller", "IT Manager",
]  # fmt: skip
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"]
INDUSTRIES = ["Software", "Healthcare", "Logistics", "Manufacturing", "Retail", "Finance",
              "Education", "Energy", "Media", "Hospitality"]  # fmt: skip


# ---- value makers ----


def slug(text: str) -> str:
    """Lower-case letters and digits only (for domains and handles)."""
    return "".join(c for c in text.lower() if c in string.ascii_lowercase + string.digits)


class Phones:
    """Distinct fictional phone numbers, each as its digits, written in many formats."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def us(self, area: str) -> str:
        """Ten digits: area code, an exchange (not 555, not N11), a line."""
        while True:
            exchange = f"{self.rng.randint(2, 9)}{self.rng.randint(0, 9)}{self.rng.randint(0, 9)}"
            if exchange[1:] == "11" or exchange == "555":
                continue
            number = f"{area}{exchange}{self.rng.randint(0, 9999):04d}"
            if number not in self.used:
                self.used.add(number)
                return number

    def uk(self, area: str, block: str) -> str:
        """National significant number (no trunk 0) in a drama range."""
        while True:
            number = (area + block + f"{self.rng.randint(0, 999):03d}").replace(" ", "")
            if number not in self.used:
                self.used.add(number)
                return number


def us_phone(digits: str, style: int) -> str:
    """Ten US digits in one of the ways exports write them."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return [
        f"+1 {a}-{b}-{c}",
        f"({a}) {b} {c}",
        f"{a}{b}{c}",
        f"({a}) {b}-{c}",
        f"{a}-{b}-{c}",
        f"+1 ({a}) {b}-{c}",
        f"1-{a}-{b}-{c}",
        f"{a}.{b}.{c}",
        f"+1{a}{b}{c}",
    ][style]


US_STYLES = 9


def uk_phone(national: str, area_len: int, style: int) -> str:
    """A UK number (without trunk 0) in one of the ways exports write them."""
    area, rest = national[:area_len], national[area_len:]
    cut = 4 if area_len == 2 else 3  # 20 7946 0958, 161 496 0123
    rest = f"{rest[:cut]} {rest[cut:]}"
    return [
        f"+44 {area} {rest}",
        f"0{area} {rest}",
        f"+44 (0){area} {rest}",
        f"0{area}{rest.replace(' ', '')}",
        f"+44{area}{rest.replace(' ', '')}",
    ][style]


UK_STYLES = 5


def street(rng: random.Random, used: set[str] | None = None) -> tuple[str, str, str]:
    """(number, street name, street type index) of a new address."""
    while True:
        number = str(rng.randint(1, 9800))
        name = rng.choice(STREET_NAMES)
        kind = str(rng.randrange(len(STREET_TYPES)))
        key = f"{number} {name} {kind}"
        if used is None or key not in used:
            if used is not None:
                used.add(key)
            return number, name, kind


def street_text(parts: tuple[str, str, str], short: bool, suite: str = "") -> str:
    number, name, kind = parts
    long_type, short_type = STREET_TYPES[int(kind)]
    text = f"{number} {name} {short_type if short else long_type}"
    return f"{text}, {suite}" if suite else text


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def connected_on(rng: random.Random) -> str:
    """LinkedIn's "Connected On" date, e.g. 14 Mar 2021."""
    month = rng.choice(MONTHS)
    return f"{rng.randint(1, 28):02d} {month} {rng.randint(2012, 2024)}"


def pick_weighted(rng: random.Random, options: Sequence[tuple[Any, float]]) -> Any:
    total = sum(w for _, w in options)
    x = rng.random() * total
    for value, weight in options:
        x -= weight
        if x <= 0:
            return value
    return options[-1][0]
