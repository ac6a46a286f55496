"""Company cases: legal forms, branches, one agency's many sites, one site spelled many ways,
lists with only a name and an address.

A site is one entity: one place with its own phone and street. Sites of one organisation may
share its domain; they are still different entities. A duplicate of a site keeps its phone or
its street (a site with siblings always keeps one of them), so it can be found.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.quality.cases.base import (
    APOLLO_ACCOUNTS,
    COMPANY_TAILS,
    COMPANY_WORDS,
    HUBSPOT_COMPANIES,
    INDUSTRIES,
    NAME_ADDRESS,
    PROVIDER_LIST,
    SALESFORCE_ACCOUNTS,
    SITE_REGISTRY,
    STREET_NAMES,
    US_CITIES,
    US_STYLES,
    Built,
    Case,
    Export,
    Phones,
    Record,
    Source,
    Writer,
    slug,
    street,
    street_text,
    us_phone,
    us_zip,
)


@dataclass
class Site:
    sid: str
    name: str
    spellings: list[str]  # other ways the same site is written
    domain: str
    phone: str  # US: 10 digits; abroad: "+cc national"
    street: tuple[str, str, str]
    city: tuple[str, str, str]
    zip: str
    suite: str = ""
    industry: str = ""
    linkedin: str = ""
    employees: str = ""
    siblings: bool = False  # other sites share its name stem or domain
    full: bool = False


DEFAULT_KEEP = {"domain": 0.75, "phone": 0.75, "street": 0.8, "linkedin": 0.6, "industry": 0.7}
# abroad: (city, region, country, country code, area code, subscriber digits)
ABROAD = {
    "nl": [("Amsterdam", "North Holland", "Netherlands", "31", "20", 7),
           ("Rotterdam", "South Holland", "Netherlands", "31", "10", 7)],
    "de": [("Munich", "Bavaria", "Germany", "49", "89", 7),
           ("Berlin", "Berlin", "Germany", "49", "30", 8)],
    "es": [("Madrid", "Madrid", "Spain", "34", "91", 7)],
    "fr": [("Paris", "Ile-de-France", "France", "33", "1", 8)],
    "uk": [("London", "England", "United Kingdom", "44", "20", 8)],
}  # fmt: skip


def phone_text(phone: str, rng: random.Random) -> str:
    if not phone.startswith("+"):
        return us_phone(phone, rng.randrange(US_STYLES))
    cc, area, rest = phone[1:].split(" ")
    trunk = "" if cc == "34" else "0"
    grouped = " ".join(rest[i : i + 2] for i in range(0, len(rest), 2)) if cc in "3334" else rest
    return rng.choice(
        [f"+{cc} {area} {grouped}", f"{trunk}{area} {grouped}", f"+{cc}{area}{rest}",
         f"00{cc} {area} {rest}", f"+{cc} ({trunk}){area} {rest}"]
    )  # fmt: skip


def render(site: Site, source: Source, rng: random.Random, spelling: str) -> Record:
    keep = {**DEFAULT_KEEP, **source.keep}

    def kept(key: str) -> bool:
        return site.full or rng.random() < keep.get(key, 1.0)

    record: Record = {
        "name": spelling,
        "city": site.city[0],
        "state": site.city[1],
        "country": site.city[2],
        "employees": site.employees,
    }
    phone_kept, street_kept = kept("phone"), kept("street")
    if site.siblings and not (phone_kept or street_kept):
        phone_kept = street_kept = True
    if phone_kept:
        record["phone"] = phone_text(site.phone, rng)
    if street_kept:
        suite = site.suite
        if suite and rng.random() < 0.5:
            suite = rng.choice([suite.replace("Suite", "Ste"), suite.replace("Suite ", "#")])
        record["street"] = street_text(site.street, short=rng.random() < 0.5, suite=suite)
        zip_code = site.zip
        if zip_code.isdigit() and len(zip_code) == 5 and rng.random() < 0.2:
            zip_code = f"{zip_code}-{rng.randint(1000, 9999)}"  # ZIP+4
        record["zip"] = zip_code
    if site.domain and kept("domain"):
        record["domain"] = site.domain
        record["website"] = rng.choice(
            [site.domain, f"www.{site.domain}", f"https://www.{site.domain}/",
             f"http://{site.domain}"]
        )  # fmt: skip
    if site.linkedin and kept("linkedin"):
        record["linkedin"] = f"https://www.linkedin.com/company/{site.linkedin}"
    if site.industry and kept("industry"):
        record["industry"] = site.industry
    return record


class Sites:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones = Phones(rng)
        self.sites: list[Site] = []
        self.streets: set[str] = set()

    def add(
        self,
        name: str,
        spellings: Sequence[str],
        domain: str,
        *,
        city: tuple[str, str, str, list[str]] | None = None,
        abroad: str = "",
        siblings: bool = False,
        full: bool = False,
        suite: str = "",
        street_parts: tuple[str, str, str] | None = None,
    ) -> Site:
        rng = self.rng
        if abroad:
            cname, region, country, cc, area, n = rng.choice(ABROAD[abroad])
            phone = f"+{cc} {area} {rng.randint(10 ** (n - 1), 10**n - 1)}"
            place = (cname, region, country)
            zip_code = f"{rng.randint(1000, 9999)} {rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRS')}"
            if abroad in ("de", "es", "fr"):
                zip_code = f"{rng.randint(10000, 99999)}"
        else:
            c = city or rng.choice(US_CITIES)
            phone = self.phones.us(rng.choice(c[3]))
            place = (c[0], c[1], c[2])
            zip_code = us_zip(rng, c[0])
        parts = street_parts or street(rng, self.streets)
        site = Site(
            sid=f"s{len(self.sites) + 1:05d}",
            name=name,
            spellings=list(spellings),
            domain=domain,
            phone=phone,
            street=parts,
            city=place,
            zip=zip_code,
            suite=suite,
            industry=rng.choice(INDUSTRIES),
            linkedin=slug(name) if domain else "",
            employees=str(rng.choice([5, 12, 40, 85, 150, 320, 1200, 5400])),
            siblings=siblings,
            full=full,
        )
        self.sites.append(site)
        return site


def build_sites(
    out: Path,
    rng: random.Random,
    sites: Sites,
    sources: Sequence[Source],
    *,
    dup_rate: float,
    variant_rate: float = 0.75,
    spell: Callable[[str, random.Random], str] | None = None,
) -> Built:
    writer = Writer(out)
    for source in sources:
        writer.file(source.name, source.export)
    names = [s.name for s in sources]
    for site in sites.sites:
        copies = 1
        if rng.random() < dup_rate:
            copies += 1 if rng.random() < 0.7 else 2
        chosen = rng.sample(names, min(copies, len(names)))
        while len(chosen) < copies:
            chosen.append(rng.choice(names))
        for k, name in enumerate(chosen):
            source = next(s for s in sources if s.name == name)
            spelling = site.name
            if (k > 0 or copies == 1) and rng.random() < variant_rate:
                if site.spellings:
                    spelling = rng.choice(site.spellings)
                if spell is not None:
                    spelling = spell(spelling, rng)
            writer.add(name, site.sid, render(site, source, rng, spelling))
    return writer.write(rng)


def light(name: str, rng: random.Random) -> str:
    """What every export does to a name now and then: case, "&"/"and", a trailing period."""
    x = rng.random()
    if x < 0.15:
        return name.upper()
    if x < 0.25:
        return name.replace(" & ", " and ") if " & " in name else name.replace(" and ", " & ")
    return name


# ---- legal forms ----

LEGAL = {
    "us": [["Inc.", "Inc", "Incorporated", ", Inc."], ["LLC", "L.L.C.", ", LLC"],
           ["Corp.", "Corporation", "Corp"], ["Co.", "Company"]],
    "nl": [["N.V.", "NV"], ["B.V.", "BV", "B.V"]],
    "de": [["GmbH", "G.m.b.H.", "Gmbh"], ["AG"], ["GmbH & Co. KG", "GmbH & Co KG"]],
    "es": [["S.A.", "SA", ", S.A."], ["S.L.", "SL"]],
    "fr": [["S.A.", "SA"], ["SAS", "S.A.S."]],
    "uk": [["Ltd", "Ltd.", "Limited"], ["plc", "PLC"]],
}  # fmt: skip


TLD = {"us": ".com", "nl": ".nl", "de": ".de", "es": ".es", "fr": ".fr", "uk": ".co.uk"}


def legal_forms(out: Path) -> Built:
    rng = random.Random(1401)
    sites = Sites(rng)
    bases = [f"{w} {t}" for w in COMPANY_WORDS for t in COMPANY_TAILS]
    rng.shuffle(bases)

    def forms(base: str, country: str) -> tuple[str, list[str]]:
        options = rng.choice(LEGAL[country])
        canonical = options[0]
        glue = "" if canonical.startswith(",") else " "
        written = [f"{base}{'' if o.startswith(',') else ' '}{o}" for o in options]
        written += [base, f"{base.upper()} {canonical.lstrip(', ').upper().replace('.', '')}"]
        if rng.random() < 0.15:  # "The …"
            return f"The {base}{glue}{canonical}", [f"{base}{glue}{canonical}", f"{base}"] + [
                f"The {base}"
            ]
        return f"{base}{glue}{canonical}", written

    made: list[tuple[str, Site]] = []
    for base in bases[:330]:
        country = rng.choices(list(LEGAL), weights=[6, 1, 1, 1, 1, 1])[0]
        name, spellings = forms(base, country)
        site = sites.add(name, spellings, slug(base) + TLD[country],
                         abroad="" if country == "us" else country)  # fmt: skip
        made.append((base, site))
    # the same words, another company: abroad, other domain, phone and street
    for base, site in rng.sample(made, 30):
        site.full = True
        country = "us" if site.city[2] != "United States" else rng.choice(["de", "nl", "uk"])
        name, spellings = forms(base, country)
        domain = slug(base) + {"us": "-usa.com", "de": "-gruppe.de", "nl": "-groep.nl",
                               "uk": "-group.co.uk"}[country]  # fmt: skip
        sites.add(name, spellings, domain, abroad="" if country == "us" else country, full=True)
    sources = [
        Source("hubspot_companies.csv", HUBSPOT_COMPANIES),
        Source("salesforce_accounts.csv", SALESFORCE_ACCOUNTS),
        Source("apollo_accounts.csv", APOLLO_ACCOUNTS),
    ]
    return build_sites(out, rng, sites, sources, dup_rate=0.4, variant_rate=0.85, spell=light)


# ---- branches ----

BRANCH_KINDS = ["Dental Clinic", "Family Medicine", "Pediatrics", "Physical Therapy",
                "Urgent Care", "Veterinary Hospital", "Pizza", "Auto Repair", "Fitness",
                "Learning Center", "Pharmacy", "Dialysis Center", "Eye Care",
                "Home Health"]  # fmt: skip


def branch_tokens(rng: random.Random, n: int) -> tuple[list[str], Callable[[str], list[str]]]:
    """n branch suffixes of one scheme, and the other ways each one is written."""
    scheme = rng.choice(["roman", "number", "direction", "site"])
    if scheme == "roman":
        tokens = ["I", "II", "III", "IV", "V"][:n]
        return tokens, lambda t: [t]
    if scheme == "number":
        tokens = [f"#{k}" for k in range(1, n + 1)]
        return tokens, lambda t: [t, f"# {t[1:]}", f"No. {t[1:]}", f"#{t[1:]}"]
    if scheme == "direction":
        tokens = rng.sample(["North", "South", "East", "West", "Downtown", "Midtown"], n)
        return tokens, lambda t: [t, f"- {t}", f"({t})", t.upper()]
    tokens = [f"Site {k}" for k in range(1, n + 1)]
    return tokens, lambda t: [t, f"- {t}", t.replace("Site", "Location")]


def branches(out: Path) -> Built:
    rng = random.Random(1402)
    sites = Sites(rng)
    stems: set[str] = set()
    while len(stems) < 170:
        stems.add(f"{rng.choice(COMPANY_WORDS)} {rng.choice(BRANCH_KINDS)}")
    stems_list = sorted(stems)
    rng.shuffle(stems_list)
    for k, stem in enumerate(stems_list):
        city = rng.choice(US_CITIES)
        domain = slug(stem) + rng.choice([".com", ".org", ".net"])
        if k < 80:  # an organisation with branches
            n = rng.randint(2, 4)
            tokens, ways = branch_tokens(rng, n)
            main_unnumbered = rng.random() < 0.3
            for j, token in enumerate(tokens):
                if main_unnumbered and j == 0:
                    sites.add(stem, [stem, stem.upper()], domain, city=city, siblings=True)
                    continue
                name = f"{stem} {token}"
                spellings = [f"{stem} {w}" for w in ways(token)]
                sites.add(name, spellings, domain, city=city, siblings=True)
        else:
            sites.add(stem, [stem, f"{stem} LLC", stem.upper()], domain, city=city)
    sources = [
        Source("provider_directory.csv", PROVIDER_LIST),
        Source("site_registry.csv", SITE_REGISTRY),
        Source("hubspot_companies.csv", HUBSPOT_COMPANIES),
    ]
    return build_sites(out, rng, sites, sources, dup_rate=0.38, spell=light)


# ---- one agency, many sites ----

SCHOOL_NAMES = ["Lincoln", "Washington", "Jefferson", "Roosevelt", "Barton Hills", "Lamar",
                "Oak Hill", "Maplewood", "Cedar Creek", "Riverside", "Pleasant Valley",
                "Highland Park", "Brookside", "Franklin", "Kennedy", "Hillcrest", "Sunset Valley",
                "Eastside", "Westwood", "Pine Ridge", "Garfield", "Madison", "Meadowbrook",
                "Fairview", "Lakeview", "Stonegate", "Willow Springs", "Harrison", "Emerson",
                "Whitman", "Longfellow", "Parkside", "Mountain View", "Clearwater"]  # fmt: skip
LEVELS = [("Elementary School", ["Elementary", "Elem. School", "Elementary Sch", "ES"]),
          ("Middle School", ["Middle", "MS", "Middle Sch."]),
          ("High School", ["High", "HS", "High Sch."]),
          ("Early Learning Center", ["ELC", "Early Learning Ctr"])]  # fmt: skip
AGENCIES = [
    ("Austin Independent School District", "austinisd.org", 0),
    ("Denver Public Schools", "dpsk12.org", 1),
    ("Seattle Public Schools", "seattleschools.org", 2),
    ("Columbus City Schools", "ccsoh.us", 8),
    ("Wake County Public Schools", "wcpss.net", 9),
]
LIBRARY_BRANCHES = ["Roxbury", "Dorchester", "Brighton", "Charlestown", "Jamaica Plain",
                    "South End", "West Roxbury", "Hyde Park", "Mattapan", "East Boston",
                    "North End", "Allston", "Fields Corner", "Egleston Square"]  # fmt: skip
CLINIC_SITES = ["Del Valle", "Manor", "Pflugerville", "Oak Hill", "Northeast", "Southeast",
                "Hornsby Bend", "Jonestown", "Webberville", "Manchaca"]  # fmt: skip


def agency_sites(out: Path) -> Built:
    rng = random.Random(1403)
    sites = Sites(rng)
    for _agency, domain, city_index in AGENCIES:
        city = US_CITIES[city_index]
        schools = rng.sample(
            [(n, lvl) for n in SCHOOL_NAMES for lvl in range(len(LEVELS))], rng.randint(25, 40)
        )
        for school, level in schools:
            long, shorts = LEVELS[level]
            name = f"{school} {long}"
            spellings = [f"{school} {s}" for s in shorts] + [name.upper()]
            sites.add(name, spellings, domain, city=city, siblings=True)
    boston = US_CITIES[3]
    for branch in LIBRARY_BRANCHES:
        name = f"Boston Public Library - {branch} Branch"
        spellings = [f"{branch} Branch Library", f"BPL {branch} Branch", f"{branch} Branch - BPL"]
        sites.add(name, spellings, "bpl.org", city=boston, siblings=True)
    austin = US_CITIES[0]
    for place in CLINIC_SITES:
        name = f"Travis County Community Center - {place}"
        spellings = [f"{place} Community Center", f"Travis Co. Community Ctr ({place})"]
        sites.add(name, spellings, "traviscountytx.gov", city=austin, siblings=True)
    # ordinary companies with their own domain between them
    for _ in range(120):
        base = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TAILS)}"
        if any(s.name.startswith(base) for s in sites.sites):
            continue
        sites.add(f"{base} Inc.", [base, f"{base}, Inc."], slug(base) + ".com")
    sources = [
        Source("site_registry.csv", SITE_REGISTRY),
        Source("hubspot_companies.csv", HUBSPOT_COMPANIES),
        Source("salesforce_accounts.csv", SALESFORCE_ACCOUNTS),
    ]
    return build_sites(out, rng, sites, sources, dup_rate=0.35, spell=light)


# ---- one site written many ways ----

ABBREVIATIONS = [("Saint", "St."), ("Hospital", "Hosp."), ("Medical", "Med."), ("Center", "Ctr."),
                 ("Mount", "Mt."), ("University", "Univ."), ("Fort", "Ft."),
                 ("Associates", "Assoc."), ("Department", "Dept."), ("International", "Intl"),
                 ("Services", "Svcs"), ("Manufacturing", "Mfg."), ("Company", "Co."),
                 ("Brothers", "Bros."), ("Laboratories", "Labs"), ("and", "&"),
                 ("Corporation", "Corp."), ("Community", "Comm."), ("Health", "Hlth")]  # fmt: skip
PATRONS = ["Mary's", "Joseph's", "Luke's", "Vincent's", "Francis", "Elizabeth's", "Jude",
           "Anthony's", "Catherine's", "Peter's", "Michael's", "Agnes"]  # fmt: skip
PLACES = ["Sinai", "Carmel", "Hope", "Vernon", "Pleasant", "Olive", "Auburn", "Ashland"]
SITE_TEMPLATES = [
    "Saint {patron} Hospital", "Saint {patron} Medical Center", "Mount {place} Medical Center",
    "Mount {place} Hospital", "University of {region} Health Center",
    "Fort {town} Dental Associates", "{word} Manufacturing Company", "{word} Brothers Services",
    "{word} International Laboratories", "{word} Community Health Center",
    "Department of Public Works - {town}", "{word} and {word2} Associates",
]  # fmt: skip
REGIONS = ["Northern Colorado", "Southern Texas", "Eastern Ohio", "Western Georgia",
           "Central Arizona", "Coastal Carolina", "Upper Cascadia", "Greater Boston"]  # fmt: skip
TOWNS = ["Collins", "Worth", "Myers", "Wayne", "Smith", "Lauderdale", "Bragg", "Dodge"]


def respell(name: str, rng: random.Random) -> str:
    """Another writing of the same name: some words abbreviated, apostrophes and case lost."""
    out = name
    for long, short in ABBREVIATIONS:
        if rng.random() < 0.6:
            out = re.sub(rf"\b{re.escape(long)}\b", short, out)
        elif rng.random() < 0.3:
            out = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", long, out)
    if rng.random() < 0.4:
        out = out.replace("'", "")
    if rng.random() < 0.2:
        out = out.replace(".", "")
    if rng.random() < 0.15:
        out = out.upper()
    elif rng.random() < 0.1:
        out = out.lower()
    return out


def site_spelling(out: Path) -> Built:
    rng = random.Random(1404)
    sites = Sites(rng)
    names: dict[str, int] = {}
    while len(sites.sites) < 460:
        template = rng.choice(SITE_TEMPLATES)
        name = template.format(
            patron=rng.choice(PATRONS), place=rng.choice(PLACES), region=rng.choice(REGIONS),
            town=rng.choice(TOWNS), word=rng.choice(COMPANY_WORDS), word2=rng.choice(STREET_NAMES),
        )  # fmt: skip
        # a common name (Saint Mary's Hospital) is another site in each city it is found in
        city = rng.choice(US_CITIES)
        key = f"{name}|{city[0]}"
        if key in names:
            continue
        names[key] = 1
        sites.add(name, [], "", city=city, siblings=True)
    per_name: dict[str, int] = {}
    for site in sites.sites:
        per_name[site.name] = per_name.get(site.name, 0) + 1
    for site in sites.sites:
        site.full = per_name[site.name] > 1  # Saint Mary's Hospital in two cities
    sources = [
        Source("provider_directory.csv", PROVIDER_LIST),
        Source("site_registry.csv", SITE_REGISTRY, {"domain": 0.0}),
        Source("salesforce_accounts.csv", SALESFORCE_ACCOUNTS),
    ]
    return build_sites(out, rng, sites, sources, dup_rate=0.35, variant_rate=0.9, spell=respell)


# ---- name and address only ----

BUSINESS_LIST = Export(
    "business license list",
    [("Business Name", "name"), ("Street", "street"), ("City", "city"), ("State", "state"),
     ("Postal Code", "zip")],
)  # fmt: skip
CHAINS = [
    "Bean Scene Coffee",
    "QuickLube Express",
    "Sunny Side Diner",
    "Metro Mattress",
    "Happy Paws Grooming",
    "FreshFold Laundromat",
    "Pixel Phone Repair",
    "Golden Wok",
]
SHOP_KINDS = ["Bakery", "Hardware", "Florist", "Barber Shop", "Tailoring", "Bookstore",
              "Cafe", "Dry Cleaners", "Deli", "Print Shop", "Tire & Wheel", "Nail Salon",
              "Locksmith", "Music Store", "Pet Supply", "Frame Shop"]  # fmt: skip
OWNERS = ["Garcia", "Nguyen", "Patel", "Kowalski", "O'Brien", "Rossi", "Schmidt", "Tanaka",
          "Okafor", "Haddad", "Larsen", "Moreau", "Dubois", "Castillo", "Fischer", "Ivanov",
          "Murphy", "Silva", "Cohen", "Andersen", "Kim", "Novak", "Bianchi",
          "Svensson"]  # fmt: skip


def name_address(out: Path) -> Built:
    rng = random.Random(1405)
    sites = Sites(rng)
    seen: set[str] = set()
    while len(sites.sites) < 380:
        owner, kind = rng.choice(OWNERS), rng.choice(SHOP_KINDS)
        style = rng.random()
        if style < 0.4:
            name = f"{owner}'s {kind}"
        elif style < 0.7:
            name = f"{owner} & Sons {kind}"
        else:
            name = f"{owner} {kind} LLC"
        if name in seen:
            continue
        seen.add(name)
        spellings = [name.replace("'s", "s"), name.replace(" LLC", ""), name.replace("&", "and"),
                     name.replace(" & Sons", " and Sons")]  # fmt: skip
        suite = f"Suite {rng.randint(1, 30) * 10}" if rng.random() < 0.3 else ""
        sites.add(name, spellings, "", suite=suite)
    # one chain at many addresses: the same name, other places
    for chain in CHAINS:
        for _ in range(rng.randint(3, 7)):
            sites.add(chain, [chain.upper(), f"{chain} Inc."], "", siblings=True, full=True)
    # one office building, several tenants: the same street, other suites and names
    for _ in range(12):
        parts = street(rng, sites.streets)
        c = rng.choice(US_CITIES)
        tenants = rng.sample([(o, k) for o in OWNERS for k in ("Law Office", "CPA", "Realty")],
                             rng.randint(2, 4))  # fmt: skip
        for owner, kind in tenants:
            name = f"{owner} {kind}"
            suite = f"Suite {rng.randint(1, 9) * 100 + rng.randint(0, 20)}"
            sites.add(name, [name.upper()], "", city=c, suite=suite, street_parts=parts, full=True)
    keep = {"street": 0.95}
    sources = [
        Source("vendors_2022.csv", NAME_ADDRESS, keep),
        Source("vendors_2024.csv", NAME_ADDRESS, keep),
        Source("business_licenses.csv", BUSINESS_LIST, keep),
    ]
    return build_sites(out, rng, sites, sources, dup_rate=0.38, spell=light)


CASES = [
    Case(
        "company_legal_forms",
        "company",
        "Inc./N.V./B.V./GmbH/S.A./The; namesakes abroad",
        legal_forms,
    ),  # fmt: skip
    Case("company_branches", "company", "Clinic I / II, #2, North/South: other sites", branches),
    Case(
        "company_agency_sites", "company", "one district domain for dozens of sites", agency_sites
    ),  # fmt: skip
    Case(
        "company_site_spelling", "company", "St. Mary's Hosp. = Saint Marys Hospital", site_spelling
    ),  # fmt: skip
    Case(
        "company_name_address",
        "company",
        "only name and address; chains, shared buildings",
        name_address,
    ),  # fmt: skip
]
