"""The demo's requesters: the demo customers' logins first, then people at made-up companies, from a seed."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

ORGANISATIONS = [
    ("Northwind Traders", "northwind.example", "Leeds"),
    ("Harbour & Finch Architects", "harbourfinch.example", "Bristol"),
    ("Bluebell Dental Group", "bluebelldental.example", "Manchester"),
    ("Kestrel Logistics", "kestrel-logistics.example", "Rotterdam"),
    ("Ortega Family Bakery", "ortegabakery.example", "Valencia"),
    ("Lumen Analytics", "lumenanalytics.example", "Berlin"),
    ("Greenway Property", "greenwayproperty.example", "Dublin"),
    ("Sato & Partners", "satopartners.example", "Osaka"),
    ("Meridian Health Clinics", "meridianhealth.example", "Toronto"),
    ("Tidewater Outfitters", "tidewater.example", "Portland"),
    ("Copperleaf Studios", "copperleaf.example", "Lisbon"),
    ("Brightline Schools Trust", "brightline.example", "Glasgow"),
]
FIRST = [
    "Amara", "Ben", "Chloé", "Daniel", "Elena", "Farid", "Grace", "Hiroshi", "Inês", "Jonas", "Kemi", "Liam",
    "Maya", "Nikolai", "Olivia", "Priya", "Quentin", "Rosa", "Samuel", "Tomás", "Ursula", "Viktor", "Wen", "Yusuf",
    "Zara", "Aoife", "Mateo", "Sofia", "Kwame", "Lena",
]  # fmt: skip
LAST = [
    "Okafor", "Schmidt", "Nakamura", "Silva", "Dubois", "Kowalski", "Haddad", "Novak", "Andersson", "Rossi",
    "Murphy", "Patel", "García", "Jensen", "Mensah", "O'Brien", "Costa", "Lindqvist", "Yilmaz", "Fischer",
]  # fmt: skip
CONTACTS = 60


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    organisation: str  # "" for a private customer
    domain: str
    city: str
    vip: bool = False
    login: str = ""  # the demo login (customer, customer2) this contact belongs to

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def people(rng: random.Random, *, logins: dict[str, tuple[str, str]]) -> list[Person]:
    """The demo's requesters: the demo customers first (login -> full name and email), then people at companies."""
    cast = []
    for index, (login, (full_name, email)) in enumerate(logins.items()):
        first, _, last = full_name.partition(" ")
        organisation, domain, city = ORGANISATIONS[index]
        cast.append(Person(first, last, email, organisation, domain, city, login=login))
    taken = set()
    while len(cast) < CONTACTS + len(logins):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        organisation, domain, city = rng.choice(ORGANISATIONS)
        local = _ascii(f"{first}.{last}")
        if (local, domain) in taken:
            continue
        taken.add((local, domain))
        cast.append(Person(first, last, f"{local}@{domain}", organisation, domain, city, vip=rng.random() < 0.1))
    return cast


def _ascii(name: str) -> str:
    table = str.maketrans("éêçãíóúñ'", "eecaioun-")
    return "".join(ch for ch in name.lower().translate(table) if ch in string.ascii_lowercase + ".-")
