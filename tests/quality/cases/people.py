"""People cases: one phenomenon each (a name variant or a kind of trap), exported by real tools.

Every case draws employers and people, lets some people appear in several files (the
duplicates), writes each appearance as its tool exports it, and varies some appearances by the
case's phenomenon. Its traps are people of their own who look like someone else: namesakes at
one employer, common names at other employers, a shared switchboard or role address, another
personal e-mail or LinkedIn profile. A trap always carries the evidence that tells it apart
(other e-mail, phone and profile on every row), and a duplicate always keeps enough to be found:
outside the traps, a surname is used once per employer.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.quality.cases.base import (
    APOLLO,
    ATTENDEES,
    CALL_LIST,
    COMMON_NAMES,
    COMPANY_TAILS,
    COMPANY_WORDS,
    FIRST_NAMES,
    FREE_MAIL,
    HUBSPOT,
    LINKEDIN,
    NICKNAMES,
    SALESFORCE,
    SURNAMES,
    TITLES,
    UK_CITIES,
    UK_STYLES,
    US_CITIES,
    US_STYLES,
    ZOOMINFO,
    Built,
    Case,
    Export,
    Phones,
    Record,
    Source,
    Writer,
    connected_on,
    slug,
    street,
    street_text,
    uk_phone,
    us_phone,
    us_zip,
)


@dataclass
class Org:
    name: str  # without legal form
    legal: str  # "Inc.", "LLC", ... or ""
    domain: str
    switchboard: str  # digits
    country: str  # "us" | "uk"
    city: tuple[str, str, str]
    area: str
    block: str = ""  # UK number block


@dataclass
class Person:
    pid: str
    first: str
    last: str
    org: Org | None
    email: str
    phone: str  # digits (US: 10, UK: national significant number)
    linkedin: str  # handle
    title: str
    city: tuple[str, str, str]
    street: str
    zip: str
    middle: str = ""
    suffix: str = ""  # part of who they are ("Jr." and "Sr." are two people)
    full: bool = False  # every appearance carries every identifier its tool has
    phone_is_switchboard: bool = False
    role_email: bool = False


DEFAULT_KEEP = {"email": 0.55, "phone": 0.55, "linkedin": 0.7, "street": 0.6, "title": 0.8}
Variant = Callable[[Record, Person, random.Random], None]


class People:
    """The population of one case: employers, people and the draws that make them."""

    def __init__(self, rng: random.Random, orgs: int, uk_share: float = 0.0) -> None:
        self.rng = rng
        self.phones = Phones(rng)
        self.persons: list[Person] = []
        self.emails: set[str] = set()
        self.handles: set[str] = set()
        self.surnames_at: dict[str, set[str]] = {}
        self.orgs = [self._org(uk=rng.random() < uk_share) for _ in range(orgs)]

    def _org(self, uk: bool) -> Org:
        rng = self.rng
        while True:
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TAILS)}"
            if all(o.name != name for o in getattr(self, "orgs", [])):
                break
        if uk:
            city, state, country, area, block = rng.choice(UK_CITIES)
            legal = rng.choice(["Ltd", "Limited", "plc", ""])
            domain = slug(name) + ".co.uk"
            board = self.phones.uk(area, block)
            return Org(name, legal, domain, board, "uk", (city, state, country), area, block)
        city, state, country, areas = rng.choice(US_CITIES)
        area = rng.choice(areas)
        legal = rng.choice(["Inc.", "LLC", "Corp.", "Co.", "", ""])
        domain = slug(name) + rng.choice([".com", ".com", ".io", ".co"])
        board = self.phones.us(area)
        return Org(name, legal, domain, board, "us", (city, state, country), area)

    def phone_for(self, org: Org | None, city: tuple[str, str, str]) -> str:
        if org is not None and org.country == "uk":
            return self.phones.uk(org.area, org.block)
        if org is not None:
            return self.phones.us(org.area)
        areas = next(c[3] for c in US_CITIES if c[0] == city[0])
        return self.phones.us(self.rng.choice(areas))

    def email_for(self, first: str, last: str, org: Org | None, personal: bool = False) -> str:
        rng = self.rng
        f, s = slug(ascii_fold(first)), slug(ascii_fold(last))
        for attempt in range(50):
            if personal or org is None:
                local = rng.choice([f"{f}.{s}", f"{f}{s}", f"{f[0]}{s}", f"{f}_{s}"])
                if attempt or rng.random() < 0.4:
                    local += str(rng.randint(1, 99))
                address = f"{local}@{rng.choice(FREE_MAIL)}"
            else:
                local = [f"{f}.{s}", f"{f[0]}{s}", f"{f}{s[0]}"][attempt % 3]
                if attempt >= 3:
                    local += str(attempt)
                address = f"{local}@{org.domain}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        raise AssertionError("no free e-mail address")

    def handle_for(self, first: str, last: str) -> str:
        base = f"{slug(ascii_fold(first))}-{slug(ascii_fold(last))}"
        while True:
            handle = f"{base}-{self.rng.randrange(16**6):06x}" if self.rng.random() < 0.7 else base
            if handle not in self.handles:
                self.handles.add(handle)
                return handle
            base = f"{base}{self.rng.randint(1, 9)}"

    def add(
        self,
        first: str,
        last: str,
        org: Org | None,
        *,
        middle: str = "",
        suffix: str = "",
        full: bool = False,
        personal_email: bool = False,
        city: tuple[str, str, str] | None = None,
    ) -> Person:
        rng = self.rng
        if org is not None:
            city = org.city
        elif city is None:
            c = rng.choice(US_CITIES)
            city = (c[0], c[1], c[2])
        number, name, kind = street(rng)
        zip_code = (
            us_zip(rng, city[0])
            if org is None or org.country == "us"
            else f"{rng.choice(['EC1A', 'M1', 'LS1', 'BS1', 'EH1', 'G1'])} {rng.randint(1, 9)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        person = Person(
            pid=f"p{len(self.persons) + 1:05d}",
            first=first,
            last=last,
            org=org,
            email=self.email_for(first, last, org, personal=personal_email),
            phone=self.phone_for(org, city),
            linkedin=self.handle_for(first, last),
            title=rng.choice(TITLES),
            city=city,
            street=street_text((number, name, kind), short=rng.random() < 0.5),
            zip=zip_code,
            middle=middle,
            suffix=suffix,
            full=full,
        )
        self.persons.append(person)
        if org is not None:
            self.surnames_at.setdefault(org.name, set()).add(last)
        return person

    def draw(self, n: int, firsts: Sequence[str] | None = None, orgless: float = 0.0) -> None:
        """n ordinary people: a surname used once per employer."""
        rng = self.rng
        firsts = list(firsts) if firsts else FIRST_NAMES + list(NICKNAMES)
        for _ in range(n):
            if rng.random() < orgless:
                self.add(rng.choice(firsts), rng.choice(SURNAMES), None, personal_email=True)
                continue
            org = rng.choice(self.orgs)
            taken = self.surnames_at.get(org.name, set())
            last = rng.choice([s for s in SURNAMES if s not in taken])
            self.add(rng.choice(firsts), last, org)


def ascii_fold(text: str) -> str:
    import unicodedata

    special = {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "đ": "d"}
    text = "".join(special.get(c, c) for c in text)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# ---- rendering an appearance ----


def render(person: Person, source: Source, rng: random.Random, keep_all: bool) -> Record:
    """The person as this tool exports them, before the case's variant."""
    keep = {**DEFAULT_KEEP, **source.keep}

    def kept(key: str) -> bool:
        return keep_all or person.full or rng.random() < keep.get(key, 1.0)

    org = person.org
    first = f"{person.first} {person.middle}".strip() if person.middle else person.first
    last = f"{person.last} {person.suffix}".strip() if person.suffix else person.last
    record: Record = {
        "first": person.first,
        "last": last,
        "full": " ".join(p for p in (person.first, person.middle, person.last) if p)
        + (f" {person.suffix}" if person.suffix else ""),
        "title": person.title if kept("title") else "",
        "city": person.city[0],
        "state": person.city[1],
        "country": person.city[2],
        "connected": connected_on(rng),
        "notes": rng.choice(["", "", "call back", "left voicemail", "met at conference"]),
    }
    if person.middle and rng.random() < 0.3:
        record["first"] = first  # "John F." in the first-name field
    if org is not None:
        legal = org.legal if rng.random() < 0.6 else ""
        record["company"] = f"{org.name} {legal}".strip() if legal else org.name
        record["website"] = rng.choice(
            [org.domain, f"www.{org.domain}", f"https://www.{org.domain}", f"http://{org.domain}/"]
        )
        record["company_linkedin"] = f"https://www.linkedin.com/company/{slug(org.name)}"
    if kept("email"):
        record["email"] = person.email
    if kept("phone"):
        if org is not None and org.country == "uk":
            area_len = len(org.area)
            record["phone"] = uk_phone(person.phone, area_len, rng.randrange(UK_STYLES))
        else:
            record["phone"] = us_phone(person.phone, rng.randrange(US_STYLES))
    if kept("linkedin"):
        record["linkedin"] = linkedin_url(person.linkedin, source.export.tool, rng)
    if kept("street"):
        record["street"] = person.street
        record["zip"] = person.zip
    return record


def linkedin_url(handle: str, tool: str, rng: random.Random) -> str:
    if tool == "LinkedIn Connections":
        return f"https://www.linkedin.com/in/{handle}"
    if tool == "Apollo people":
        return f"http://www.linkedin.com/in/{handle}"
    if tool == "ZoomInfo contacts":
        return f"linkedin.com/in/{handle}"
    return f"https://www.linkedin.com/in/{handle}/"


# ---- a case from a population ----


def build_people(
    out: Path,
    rng: random.Random,
    population: People,
    sources: Sequence[Source],
    *,
    dup_rate: float,
    variant: Variant | None = None,
    variant_rate: float = 0.7,
    same_file: float = 0.08,
) -> Built:
    """Every person placed in one file, some in more; appearances varied by the case."""
    writer = Writer(out)
    for source in sources:
        writer.file(source.name, source.export)
    for person in population.persons:
        copies = 1
        if rng.random() < dup_rate:
            copies += 1 if rng.random() < 0.7 else 2
        names = [s.name for s in sources]
        chosen = rng.sample(names, min(copies, len(names)))
        while len(chosen) < copies:
            chosen.append(rng.choice(names))
        if copies > 1 and rng.random() < same_file:
            chosen[1] = chosen[0]
        for k, name in enumerate(chosen):
            source = next(s for s in sources if s.name == name)
            record = render(person, source, rng, keep_all=False)
            if variant is not None and (k > 0 or copies == 1) and rng.random() < variant_rate:
                variant(record, person, rng)
            writer.add(name, person.pid, record)
    return writer.write(rng)


# ---- traps ----


def namesakes_at_employer(pop: People, n: int, firsts: Sequence[str] | None = None) -> None:
    """Two people with one surname at one employer, first names that are not variants."""
    rng = pop.rng
    candidates = [p for p in pop.persons if p.org is not None and not p.full]
    for base in rng.sample(candidates, n):
        base.full = True
        pool = list(firsts) if firsts else FIRST_NAMES
        other = rng.choice([f for f in pool if f[0] != base.first[0] and f not in variants(base)])
        pop.add(other, base.last, base.org, full=True)


def common_names_elsewhere(pop: People, n: int) -> None:
    """The same common full name at different employers."""
    rng = pop.rng
    for first, last in COMMON_NAMES[:n]:
        orgs = rng.sample(pop.orgs, rng.randint(2, 4))
        for org in orgs:
            pop.add(first, last, org, full=True)


def same_name_other_profile(pop: People, n: int) -> None:
    """Two people with the same full name at one (large) employer: other profile, other e-mail."""
    rng = pop.rng
    candidates = [p for p in pop.persons if p.org is not None and not p.full]
    for base in rng.sample(candidates, n):
        base.full = True
        pop.add(base.first, base.last, base.org, full=True)


def different_personal_emails(pop: People, n: int) -> None:
    """Same name, no employer, each their own personal address and phone."""
    rng = pop.rng
    for _ in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        c = rng.choice(US_CITIES)
        for _ in range(2):
            pop.add(first, last, None, full=True, personal_email=True, city=(c[0], c[1], c[2]))


def shared_switchboard(pop: People, orgs: int, per_org: int) -> None:
    """Several people at one employer listed with its main number."""
    rng = pop.rng
    for org in rng.sample(pop.orgs, orgs):
        staff = [p for p in pop.persons if p.org is org and not p.full][:per_org]
        for person in staff:
            person.phone = org.switchboard
            person.phone_is_switchboard = True


def shared_role_email(pop: People, orgs: int, per_org: int) -> None:
    """Several people at a small employer listed with its info@/sales@ address."""
    rng = pop.rng
    for org in rng.sample(pop.orgs, orgs):
        role = f"{rng.choice(['info', 'sales', 'office', 'hello', 'contact'])}@{org.domain}"
        staff = [p for p in pop.persons if p.org is org and not p.full][:per_org]
        for person in staff:
            person.email = role
            person.role_email = True


def variants(person: Person) -> set[str]:
    """The first names this person may go by."""
    out = {person.first}
    for formal, nicks in NICKNAMES.items():
        if person.first == formal or person.first in nicks:
            out |= {formal, *nicks}
    return out


# ---- the cases ----


def _sources(*items: tuple[str, Export] | tuple[str, Export, dict[str, float]]) -> list[Source]:
    return [Source(*item) for item in items]


def nicknames(out: Path) -> Built:
    rng = random.Random(1301)
    pop = People(rng, orgs=45)
    pop.draw(420, firsts=list(NICKNAMES) * 3 + FIRST_NAMES)
    # similar-looking given names that are other people: Robert / Roberta, Daniel / Danielle
    lookalikes = [
        ("Robert", "Roberta"), ("Daniel", "Danielle"), ("Frederick", "Frederica"),
        ("Alexander", "Alexandra"), ("Christopher", "Christina"), ("Samuel", "Samantha"),
        ("Bernard", "Bernadette"), ("Charles", "Charlotte"), ("William", "Wilhelmina"),
        ("Nicholas", "Nicole"), ("Stephen", "Stephanie"), ("Joseph", "Josephine"),
    ]  # fmt: skip
    for a, b in lookalikes:
        org = rng.choice(pop.orgs)
        last = rng.choice([s for s in SURNAMES if s not in pop.surnames_at.get(org.name, set())])
        pop.add(a, last, org, full=True)
        pop.add(b, last, org, full=True)
    namesakes_at_employer(pop, 12, firsts=list(NICKNAMES))

    def nickname(record: Record, person: Person, rng: random.Random) -> None:
        nicks = NICKNAMES.get(person.first)
        if nicks:
            record["first"] = rng.choice(nicks)
            record["full"] = record["full"].replace(person.first, record["first"], 1)

    sources = _sources(
        ("hubspot_contacts.csv", HUBSPOT),
        ("salesforce_contacts.csv", SALESFORCE),
        ("apollo_people.csv", APOLLO),
        ("Connections.csv", LINKEDIN, {"email": 0.1}),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=nickname, variant_rate=0.8)


SUFFIXES = ["Jr.", "Jr", "III", "II", "Sr."]
HONORIFICS = ["Dr.", "Dr", "Prof.", "Prof"]  # titles that say nothing of gender
POSTNOMINALS = ["PhD", "Ph.D.", "MD", "M.D.", "CPA", "MBA", "Esq.", "PE"]


def suffixes(out: Path) -> Built:
    rng = random.Random(1302)
    pop = People(rng, orgs=45)
    pop.draw(430)
    for person in rng.sample([p for p in pop.persons if not p.full], 90):
        person.suffix = rng.choice(["Jr.", "III", "II"])
    # father and son at the family firm: "Sr." and "Jr." are two people
    for _ in range(10):
        org = rng.choice(pop.orgs)
        last = rng.choice([s for s in SURNAMES if s not in pop.surnames_at.get(org.name, set())])
        first = rng.choice(["Thomas", "Richard", "James", "William", "Robert", "Edward"])
        pop.add(first, last, org, suffix="Sr.", full=True)
        pop.add(first, last, org, suffix="Jr.", full=True)
    namesakes_at_employer(pop, 10)

    def decorate(record: Record, person: Person, rng: random.Random) -> None:
        kind = rng.random()
        if person.suffix and kind < 0.45:  # the suffix dropped, or written another way
            if person.suffix in ("Jr.", "Sr."):
                spelled = rng.choice(["", person.suffix.rstrip("."), f", {person.suffix}"])
            else:
                spelled = rng.choice(["", f", {person.suffix}"])
            suffix = spelled if spelled.startswith(",") or not spelled else f" {spelled}"
            record["last"] = f"{person.last}{suffix}"
            record["full"] = f"{person.first} {person.last}{suffix}"
        elif kind < 0.75:  # an honorific before the name
            hon = rng.choice(HONORIFICS)
            record["first"] = f"{hon} {record['first']}"
            record["full"] = f"{hon} {record['full']}"
        else:  # letters after the name
            post = rng.choice(POSTNOMINALS)
            sep = rng.choice([" ", ", "])
            record["last"] = f"{record['last']}{sep}{post}"
            record["full"] = f"{record['full']}{sep}{post}"

    sources = _sources(
        ("salesforce_contacts.csv", SALESFORCE),
        ("hubspot_contacts.csv", HUBSPOT),
        ("zoominfo_export.csv", ZOOMINFO),
        ("conference_attendees.csv", ATTENDEES),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=decorate, variant_rate=0.8)


def last_first(out: Path) -> Built:
    rng = random.Random(1303)
    pop = People(rng, orgs=45)
    pop.draw(420)
    namesakes_at_employer(pop, 12)
    common_names_elsewhere(pop, 6)

    def inverted(record: Record, person: Person, rng: random.Random) -> None:
        last = record["last"]
        style = rng.random()
        if style < 0.6:
            record["full"] = f"{last}, {record['first']}"
        elif style < 0.8:
            record["full"] = f"{last.upper()}, {record['first']}"
        else:
            record["full"] = f"{last},{record['first']}"

    sources = _sources(
        ("webinar_registrants.csv", ATTENDEES),
        ("trade_show_leads.csv", ATTENDEES),
        ("hubspot_contacts.csv", HUBSPOT),
        ("apollo_people.csv", APOLLO),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=inverted, variant_rate=0.85)


def middle_names(out: Path) -> Built:
    rng = random.Random(1304)
    pop = People(rng, orgs=45)
    pop.draw(430)
    middles = ["Anne", "Marie", "James", "Lee", "Michael", "Grace", "Joseph", "Ray", "Elizabeth",
               "Thomas", "Louise", "Edward", "Rose", "Alan", "Jean", "Paul"]  # fmt: skip
    for person in pop.persons:
        if rng.random() < 0.7:
            person.middle = rng.choice(middles)
    # two people at one employer told apart by their middle initial (and e-mail, phone)
    for _ in range(10):
        org = rng.choice(pop.orgs)
        last = rng.choice([s for s in SURNAMES if s not in pop.surnames_at.get(org.name, set())])
        first = rng.choice(FIRST_NAMES)
        m1, m2 = rng.sample([m for m in middles if m[0] not in "AEIOU"], 2)
        while m1[0] == m2[0]:
            m1, m2 = rng.sample(middles, 2)
        pop.add(first, last, org, middle=m1, full=True)
        pop.add(first, last, org, middle=m2, full=True)
    namesakes_at_employer(pop, 10)

    def middle(record: Record, person: Person, rng: random.Random) -> None:
        if not person.middle:
            return
        style = rng.random()
        if style < 0.35:  # initial only
            m = f"{person.middle[0]}."
        elif style < 0.5:
            m = person.middle[0]
        elif style < 0.8:
            m = ""
        else:
            m = person.middle
        record["first"] = (
            f"{person.first} {m}".strip() if m and rng.random() < 0.6 else person.first
        )
        record["full"] = " ".join(x for x in (person.first, m, record["last"]) if x)
        if m and record["first"] == person.first and rng.random() < 0.5:
            record["last"] = f"{m} {record['last']}"  # "F. Kennedy" in the surname field

    sources = _sources(
        ("hubspot_contacts.csv", HUBSPOT),
        ("salesforce_contacts.csv", SALESFORCE),
        ("registrants.csv", ATTENDEES),
        ("zoominfo_export.csv", ZOOMINFO),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=middle, variant_rate=0.9)


ACCENTED = [
    # (written, transliterated (German style), plain ASCII)
    ("José", "Jose", "Jose"), ("François", "Francois", "Francois"), ("Jürgen", "Juergen", "Jurgen"),
    ("Zoë", "Zoe", "Zoe"), ("Søren", "Soeren", "Soren"), ("Łukasz", "Lukasz", "Lukasz"),
    ("Renée", "Renee", "Renee"), ("Andrés", "Andres", "Andres"), ("Björn", "Bjoern", "Bjorn"),
    ("Inés", "Ines", "Ines"), ("Agnès", "Agnes", "Agnes"), ("Ülkü", "Uelkue", "Ulku"),
    ("Chloé", "Chloe", "Chloe"), ("Noémie", "Noemie", "Noemie"), ("Jörg", "Joerg", "Jorg"),
    ("Małgorzata", "Malgorzata", "Malgorzata"), ("Sébastien", "Sebastien", "Sebastien"),
]  # fmt: skip
ACCENTED_SURNAMES = [
    ("Müller", "Mueller", "Muller"), ("García", "Garcia", "Garcia"), ("Núñez", "Nunez", "Nunez"),
    ("Lefèvre", "Lefevre", "Lefevre"), ("Sørensen", "Soerensen", "Sorensen"),
    ("Wójcik", "Wojcik", "Wojcik"), ("Çelik", "Celik", "Celik"), ("Schäfer", "Schaefer", "Schafer"),
    ("Ångström", "Aangstroem", "Angstrom"), ("Hernández", "Hernandez", "Hernandez"),
    ("Gößling", "Goessling", "Gossling"), ("Dvořák", "Dvorak", "Dvorak"),
    ("Kovačević", "Kovacevic", "Kovacevic"), ("Pérez", "Perez", "Perez"),
    ("Jäger", "Jaeger", "Jager"), ("Öztürk", "Oeztuerk", "Ozturk"), ("Béland", "Beland", "Beland"),
    ("Björklund", "Bjoerklund", "Bjorklund"), ("Łęcki", "Lecki", "Lecki"),
    ("Fernández", "Fernandez", "Fernandez"), ("Ruiz-Díaz", "Ruiz-Diaz", "Ruiz-Diaz"),
    ("Möller", "Moeller", "Moller"), ("Weiß", "Weiss", "Weiss"), ("Gonçalves", "Goncalves",
    "Goncalves"),
]  # fmt: skip


def accents(out: Path) -> Built:
    rng = random.Random(1305)
    pop = People(rng, orgs=40)
    firsts = {a: (b, c) for a, b, c in ACCENTED}
    lasts = {a: (b, c) for a, b, c in ACCENTED_SURNAMES}
    for _ in range(430):
        org = rng.choice(pop.orgs)
        taken = pop.surnames_at.setdefault(org.name, set())
        accented = rng.random() < 0.75
        pool = list(lasts) if accented else SURNAMES
        choices = [s for s in pool if s not in taken and ascii_fold(s) not in taken]
        if not choices:
            choices = [s for s in SURNAMES if s not in taken]
        last = rng.choice(choices)
        first = rng.choice(list(firsts) if rng.random() < 0.6 else FIRST_NAMES)
        pop.add(first, last, org)
        taken.add(ascii_fold(last))
    # René and Renée, Müller and Möller: other people at the same employer
    pairs = [("René", "Renée"), ("Andrés", "Andrea"), ("Jörg", "Jürgen"), ("Inés", "Inge")]
    for a, b in pairs * 2:
        org = rng.choice(pop.orgs)
        last = rng.choice([s for s in lasts if s not in pop.surnames_at.get(org.name, set())])
        pop.add(a, last, org, full=True)
        pop.add(b, last, org, full=True)
    for a, b in [("Müller", "Möller"), ("Jäger", "Jagger")] * 3:
        org = rng.choice([o for o in pop.orgs if not {a, b} & pop.surnames_at.get(o.name, set())])
        first = rng.choice(FIRST_NAMES)
        pop.add(first, a, org, full=True)
        pop.add(first, b, org, full=True)
    firsts["René"] = ("Rene", "Rene")
    firsts["Andrea"] = ("Andrea", "Andrea")
    firsts["Inge"] = ("Inge", "Inge")
    lasts["Jagger"] = ("Jagger", "Jagger")

    def folded(record: Record, person: Person, rng: random.Random) -> None:
        style = 1 if rng.random() < 0.5 else 0  # German transliteration or plain ASCII
        first = firsts.get(person.first, (person.first, person.first))[style]
        last = lasts.get(person.last, (person.last, person.last))[style]
        record["first"], record["last"] = first, last
        record["full"] = f"{first} {last}"

    sources = _sources(
        ("salesforce_contacts.csv", SALESFORCE),
        ("apollo_people.csv", APOLLO),
        ("hubspot_contacts.csv", HUBSPOT),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.38, variant=folded, variant_rate=0.8)


def email_variants(out: Path) -> Built:
    rng = random.Random(1306)
    pop = People(rng, orgs=45)
    pop.draw(420, orgless=0.25)
    shared_role_email(pop, orgs=10, per_org=4)
    different_personal_emails(pop, 20)

    def cased(record: Record, person: Person, rng: random.Random) -> None:
        email = record.get("email") or person.email
        if person.role_email:
            record["email"] = email.upper() if rng.random() < 0.3 else email
            return
        local, domain = email.split("@")
        style = rng.random()
        if style < 0.4:
            local = ".".join(p.capitalize() for p in local.split("."))
            domain = domain.capitalize() if rng.random() < 0.5 else domain.upper()
        elif style < 0.8:
            local = f"{local}+{rng.choice(['crm', 'hubspot', 'news', 'leads', 'events'])}"
        else:
            local = local.upper()
        record["email"] = f"{local}@{domain}"

    # every file has the e-mail: the phenomenon is how it is written
    keep = {"email": 1.0, "phone": 0.3, "linkedin": 0.3}
    sources = _sources(
        ("hubspot_contacts.csv", HUBSPOT, keep),
        ("salesforce_contacts.csv", SALESFORCE, keep),
        ("newsletter_signups.csv", ATTENDEES, keep),
        ("zoominfo_export.csv", ZOOMINFO, keep),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=cased, variant_rate=0.85)


def phone_formats(out: Path) -> Built:
    rng = random.Random(1307)
    pop = People(rng, orgs=45, uk_share=0.35)
    pop.draw(430)
    shared_switchboard(pop, orgs=10, per_org=5)
    # John Smith in the call list twice: two numbers, two people
    for first, last in COMMON_NAMES[:8]:
        for org in rng.sample(pop.orgs, 2):
            pop.add(first, last, org, full=True)

    def reformatted(record: Record, person: Person, rng: random.Random) -> None:
        digits = person.phone
        org = person.org
        if org is not None and org.country == "uk":
            record["phone"] = uk_phone(digits, len(org.area), rng.randrange(UK_STYLES))
        else:
            record["phone"] = us_phone(digits, rng.randrange(US_STYLES))

    keep = {"email": 0.25, "phone": 0.9, "linkedin": 0.3}
    sources = _sources(
        ("hubspot_contacts.csv", HUBSPOT, keep),
        ("salesforce_contacts.csv", SALESFORCE, keep),
        ("zoominfo_export.csv", ZOOMINFO, keep),
        ("call_list.csv", CALL_LIST, {"phone": 1.0}),
    )
    return build_people(
        out, rng, pop, sources, dup_rate=0.35, variant=reformatted, variant_rate=0.9
    )


def namesakes(out: Path) -> Built:
    rng = random.Random(1308)
    pop = People(rng, orgs=40)
    pop.draw(360)
    namesakes_at_employer(pop, 25)
    common_names_elsewhere(pop, 12)
    same_name_other_profile(pop, 15)
    different_personal_emails(pop, 15)
    sources = _sources(
        ("apollo_people.csv", APOLLO),
        ("zoominfo_export.csv", ZOOMINFO),
        ("Connections.csv", LINKEDIN, {"email": 0.15}),
        ("hubspot_contacts.csv", HUBSPOT),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35)


def linkedin_preamble(out: Path) -> Built:
    rng = random.Random(1309)
    pop = People(rng, orgs=45, uk_share=0.2)
    pop.draw(430)
    same_name_other_profile(pop, 12)
    namesakes_at_employer(pop, 10)

    def url(record: Record, person: Person, rng: random.Random) -> None:
        if not record.get("linkedin"):
            return
        handle = person.linkedin
        record["linkedin"] = rng.choice(
            [
                f"https://www.linkedin.com/in/{handle}/",
                f"http://linkedin.com/in/{handle}",
                f"linkedin.com/in/{handle}",
                f"https://uk.linkedin.com/in/{handle}",
                f"https://www.linkedin.com/in/{handle}?originalSubdomain=uk",
                f"www.linkedin.com/in/{handle}",
            ]
        )

    sources = _sources(
        ("Connections.csv", LINKEDIN, {"email": 0.1, "linkedin": 1.0}),
        ("Connections (1).csv", LINKEDIN, {"email": 0.1, "linkedin": 1.0}),
        ("apollo_people.csv", APOLLO, {"linkedin": 0.8}),
        ("zoominfo_export.csv", ZOOMINFO, {"linkedin": 0.8}),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.35, variant=url, variant_rate=0.6)


def six_tools(out: Path) -> Built:
    """All the variants at once, people exported by every tool."""
    rng = random.Random(1310)
    pop = People(rng, orgs=55, uk_share=0.15)
    pop.draw(600, firsts=list(NICKNAMES) + FIRST_NAMES)
    for person in rng.sample(pop.persons, 60):
        person.middle = rng.choice(["Anne", "James", "Lee", "Marie", "Paul"])
    for person in rng.sample([p for p in pop.persons if not p.middle], 30):
        person.suffix = rng.choice(["Jr.", "III"])
    namesakes_at_employer(pop, 15)
    common_names_elsewhere(pop, 8)
    shared_switchboard(pop, orgs=6, per_org=4)
    shared_role_email(pop, orgs=6, per_org=3)

    def anything(record: Record, person: Person, rng: random.Random) -> None:
        rng.choice([_nick, _honorific, _inverted, _case_email, _drop_middle_or_suffix])(
            record, person, rng
        )

    sources = _sources(
        ("hubspot_contacts.csv", HUBSPOT),
        ("apollo_people.csv", APOLLO),
        ("salesforce_contacts.csv", SALESFORCE),
        ("Connections.csv", LINKEDIN, {"email": 0.1}),
        ("zoominfo_export.csv", ZOOMINFO),
        ("event_attendees.csv", ATTENDEES),
    )
    return build_people(out, rng, pop, sources, dup_rate=0.3, variant=anything, variant_rate=0.7)


def _nick(record: Record, person: Person, rng: random.Random) -> None:
    nicks = NICKNAMES.get(person.first)
    if nicks:
        record["first"] = rng.choice(nicks)
        record["full"] = record["full"].replace(person.first, record["first"], 1)


def _honorific(record: Record, person: Person, rng: random.Random) -> None:
    hon = rng.choice(["Dr.", "Prof."])
    record["first"] = f"{hon} {record['first']}"
    record["full"] = f"{hon} {record['full']}"


def _inverted(record: Record, person: Person, rng: random.Random) -> None:
    record["full"] = f"{record['last']}, {record['first']}"


def _case_email(record: Record, person: Person, rng: random.Random) -> None:
    if record.get("email") and not person.role_email:
        local, domain = record["email"].split("@")
        record["email"] = f"{local.title()}@{domain.upper()}"


def _drop_middle_or_suffix(record: Record, person: Person, rng: random.Random) -> None:
    record["last"] = person.last
    record["first"] = person.first
    record["full"] = f"{person.first} {person.last}"


CASES = [
    Case("people_nicknames", "people", "Bob/Robert, Liz/Elizabeth; Robert vs Roberta", nicknames),
    Case("people_suffixes", "people", "Jr., III, Dr., PhD; Sr. and Jr. at one firm", suffixes),
    Case("people_last_first", "people", '"Last, First" full names beside split names', last_first),
    Case("people_middle_names", "people", "middle names and initials; A. vs B.", middle_names),
    Case("people_accents", "people", "José/Jose, Müller/Mueller; René vs Renée", accents),
    Case(
        "people_email_variants",
        "people",
        "e-mail case, plus-addressing; role e-mails",
        email_variants,
    ),  # fmt: skip
    Case("people_phone_formats", "people", "US/UK phone formats; switchboards", phone_formats),
    Case("people_namesakes", "people", "namesakes, common names, other profiles", namesakes),
    Case(
        "people_linkedin_preamble",
        "people",
        "LinkedIn Connections with its Notes: preamble",
        linkedin_preamble,
    ),  # fmt: skip
    Case("people_six_tools", "people", "six tools' exports, every variant", six_tools),
]
