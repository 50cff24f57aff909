"""Fictional but realistic data for the demo and `goodwill simulate`.

People are made up; phones use the 555-01xx range reserved for fiction; emails use the
example.* domains; VINs are built on real manufacturer codes with a correct check digit
(computed by the `vin` package) so they decode like real ones."""

import random
import string

from vin import VIN

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
    "Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly "
    "Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy "
    "George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey "
    "Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna "
    "Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha "
    "Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn "
    "Raymond Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose "
    "Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter "
    "Lauren Kyle Christina Ethan Joan Walter Evelyn Noah Judith Jeremy Megan Carlos Andrea "
    "Luis Cheryl Juan Hannah Miguel Jacqueline Diego Martha Mateo Gloria Ana Lucia Mei Wei "
    "Priya Arjun Aisha Omar Fatima Hiroshi Yuki Minh Linh Sofia Camila Valentina Santiago"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright "
    "Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins "
    "Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez "
    "Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel "
    "Myers Long Ross Foster Jimenez Kowalski Novak Schmidt Weber Okafor Mensah Tanaka Sato "
    "Chen Wang Singh Shah Haddad Nasser Volkov Ivanova Larsen Olsen Lindqvist"
).split()
BUSINESS_WORDS = (
    "Hill Country|Lone Star|Bluebonnet|Pecan|Cedar|Riverbend|Capitol|Mesquite|Longhorn|"
    "Bastrop|Round Rock|Brushy Creek|Onion Creek|Balcones|Lady Bird|Colorado River|Blanco|"
    "Llano"
).split("|")
BUSINESS_KINDS = (
    "Plumbing|Electric|Landscaping|Roofing|HVAC|Courier|Construction|Pest Control|Catering|"
    "Pool Service|Tree Care|Moving|Glass|Fence Co.|Paving|Delivery|Florist|Mobile Vet"
).split("|")
STREETS = (
    "Oak|Elm|Pecan|Cedar|Live Oak|Congress|Lamar|Burnet|Guadalupe|Red River|Manor|Cameron|"
    "Riverside|Slaughter|William Cannon|Parmer|Anderson Mill|Bee Cave|Ranch Road 620|"
    "Brodie"
).split("|")
STREET_KINDS = ("St", "Ave", "Blvd", "Ln", "Dr", "Rd", "Way", "Trail")
CITIES = (
    ("Austin", "787"),
    ("Round Rock", "786"),
    ("Pflugerville", "786"),
    ("Cedar Park", "786"),
    ("Georgetown", "786"),
    ("San Marcos", "786"),
    ("Kyle", "786"),
    ("Leander", "786"),
    ("Bastrop", "786"),
    ("Lakeway", "787"),
)
AREA_CODES = ("512", "737", "254", "830", "361", "210", "979", "325", "432", "903", "940", "956")

# make → (WMIs, models). WMIs are real manufacturer codes for the make.
CATALOG = {
    "Ford": (
        ("1FT", "1FM", "1FA", "3FM"),
        (
            "F-150",
            "F-250",
            "Transit",
            "Explorer",
            "Escape",
            "Bronco",
            "Maverick",
            "E-Series Cutaway",
        ),
    ),
    "Toyota": (
        ("4T1", "5TD", "5TF", "2T3", "JTD"),
        ("Camry", "Tacoma", "RAV4", "Highlander", "Tundra", "Corolla", "Sienna"),
    ),
    "Honda": (
        ("1HG", "5FN", "2HK", "19X"),
        ("Accord", "Civic", "CR-V", "Pilot", "Odyssey", "HR-V"),
    ),
    "Chevrolet": (
        ("1GC", "1G1", "3GN", "1GN"),
        ("Silverado 1500", "Equinox", "Tahoe", "Malibu", "Colorado", "Express"),
    ),
    "Hyundai": (("5NM", "KM8", "5NP"), ("Tucson", "Santa Fe", "Elantra", "Palisade", "Sonata")),
    "Ram": (("1C6", "3C6"), ("1500", "2500", "ProMaster", "3500 Chassis Cab")),
    "Jeep": (("1C4",), ("Wrangler", "Grand Cherokee", "Compass", "Gladiator")),
    "Nissan": (("1N4", "5N1", "1N6"), ("Altima", "Rogue", "Frontier", "Pathfinder", "Sentra")),
    "Subaru": (("4S4", "JF2", "4S3"), ("Outback", "Forester", "Crosstrek", "Ascent")),
    "Kia": (("5XY", "KND", "KNA"), ("Sorento", "Telluride", "Sportage", "Forte")),
    "Tesla": (("5YJ", "7SA"), ("Model 3", "Model Y")),
}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
YEAR_CODES = {2010 + i: c for i, c in enumerate("ABCDEFGHJKLMNPRSTVWXY")}


def fake_vin(rng: random.Random, make: str, year: int) -> str:
    wmi = rng.choice(CATALOG[make][0])
    vds = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    plant = rng.choice(string.ascii_uppercase.replace("I", "").replace("O", "").replace("Q", ""))
    serial = "".join(rng.choice(string.digits) for _ in range(6))
    draft = f"{wmi}{vds}0{YEAR_CODES.get(year, 'N')}{plant}{serial}"
    check = VIN.calculate_check_digit(draft)
    return draft[:8] + check + draft[9:]


def fake_phone(rng: random.Random) -> str:
    return f"+1{rng.choice(AREA_CODES)}5550{rng.randint(100, 199)}"


def fake_person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def fake_business(rng: random.Random) -> str:
    return f"{rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_KINDS)}"


def fake_address(rng: random.Random) -> dict:
    city, zip_prefix = rng.choice(CITIES)
    return {
        "street": f"{rng.randint(100, 19999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
        "city": city,
        "region": "TX",
        "postal_code": f"{zip_prefix}{rng.randint(0, 99):02d}",
    }


def fake_email(rng: random.Random, first: str, last: str, n: int = 0) -> str:
    domain = rng.choice(("example.com", "example.net", "example.org"))
    suffix = str(n) if n else ""
    return f"{first}.{last}{suffix}@{domain}".lower().replace(" ", "")


VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def fake_model_year_vin(rng: random.Random, make: str, year: int) -> str:
    """`fake_vin` whose model year decodes back: from 2010 on, position 7 of a North
    American VIN is a letter (49 CFR 565 uses it to tell 2010-2039 from 1980-2009)."""
    vin = fake_vin(rng, make, year)
    if year >= 2010 and vin[6].isdigit():
        draft = vin[:6] + rng.choice(VIN_LETTERS) + vin[7] + "0" + vin[9:]
        vin = draft[:8] + VIN.calculate_check_digit(draft) + draft[9:]
    return vin
