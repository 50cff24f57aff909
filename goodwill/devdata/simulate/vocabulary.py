"""The words of the simulated world: metros, franchises, names, streets and notes."""

from __future__ import annotations

from dataclasses import dataclass

from goodwill.devdata import fake

# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metro:
    name: str
    state: str
    region: str
    lat: float
    lon: float
    area_codes: tuple[str, ...]
    zip_prefixes: tuple[str, ...]
    cities: tuple[str, ...]
    weight: float


# name | state | region | lat | lon | area codes | ZIP prefixes | weight | cities
_METRO_TABLE = """
Austin|TX|South Central|30.267|-97.743|512 737|787 786|3|Austin, Round Rock, Pflugerville, Cedar Park, Georgetown, Kyle, Leander
Dallas-Fort Worth|TX|South Central|32.777|-96.797|214 469 972 817 682|752 750 761 760|6|Dallas, Fort Worth, Plano, Arlington, Irving, Frisco, McKinney, Denton
Houston|TX|South Central|29.76|-95.37|713 281 832 346|770 773 774 775|6|Houston, Katy, Sugar Land, The Woodlands, Pasadena, Pearland, Humble
San Antonio|TX|South Central|29.424|-98.494|210 726 830|782 781|3|San Antonio, New Braunfels, Schertz, Boerne, Converse
Oklahoma City|OK|South Central|35.468|-97.516|405|731 730|1.5|Oklahoma City, Edmond, Norman, Moore, Yukon
Phoenix|AZ|Southwest|33.448|-112.074|602 480 623|850 852 853|5|Phoenix, Mesa, Chandler, Scottsdale, Glendale, Gilbert, Tempe, Peoria
Tucson|AZ|Southwest|32.222|-110.975|520|857|1.2|Tucson, Oro Valley, Marana, Sahuarita
Las Vegas|NV|Southwest|36.17|-115.14|702 725|891 890|2.5|Las Vegas, Henderson, North Las Vegas, Summerlin
Albuquerque|NM|Southwest|35.084|-106.651|505|871|1|Albuquerque, Rio Rancho, Los Lunas, Bernalillo
Denver|CO|Mountain|39.739|-104.99|303 720|802 801|3.5|Denver, Aurora, Lakewood, Littleton, Westminster, Thornton, Parker
Salt Lake City|UT|Mountain|40.761|-111.891|801 385|841 840|2|Salt Lake City, West Valley City, Sandy, Murray, Orem, Draper
Boise|ID|Mountain|43.615|-116.202|208|837|1|Boise, Meridian, Nampa, Eagle, Caldwell
Atlanta|GA|Southeast|33.749|-84.388|404 678 770 470|303 300 301|5.5|Atlanta, Marietta, Alpharetta, Decatur, Roswell, Sandy Springs, Duluth
Charlotte|NC|Southeast|35.227|-80.843|704 980|282 281|2.5|Charlotte, Concord, Gastonia, Huntersville, Matthews, Mooresville
Raleigh|NC|Southeast|35.78|-78.639|919 984|276 275|2|Raleigh, Durham, Cary, Apex, Wake Forest, Chapel Hill
Nashville|TN|Southeast|36.163|-86.781|615 629|372 370|2|Nashville, Franklin, Murfreesboro, Brentwood, Hendersonville
Tampa|FL|Southeast|27.951|-82.457|813 727|336 337|3|Tampa, St. Petersburg, Clearwater, Brandon, Largo, Wesley Chapel
Orlando|FL|Southeast|28.538|-81.379|407 321|328 327|2.5|Orlando, Kissimmee, Sanford, Winter Park, Oviedo, Clermont
Miami|FL|Southeast|25.762|-80.192|305 786 954|331 330 333|5|Miami, Hialeah, Fort Lauderdale, Hollywood, Pembroke Pines, Doral
Chicago|IL|Midwest|41.878|-87.63|312 773 630 847 708|606 600 601 604|7|Chicago, Naperville, Aurora, Joliet, Schaumburg, Evanston, Elgin
Columbus|OH|Midwest|39.961|-82.999|614 380|432 430|2|Columbus, Dublin, Westerville, Grove City, Hilliard, Delaware
Minneapolis|MN|Midwest|44.978|-93.265|612 651 763 952|554 553 551|3|Minneapolis, St. Paul, Bloomington, Eden Prairie, Plymouth, Maple Grove
Kansas City|MO|Midwest|39.1|-94.578|816 913|641 662|2|Kansas City, Overland Park, Olathe, Independence, Lee's Summit
Detroit|MI|Midwest|42.331|-83.046|313 248 586|482 480 481|4|Detroit, Troy, Dearborn, Warren, Sterling Heights, Novi, Livonia
Indianapolis|IN|Midwest|39.768|-86.158|317|462 461|2|Indianapolis, Carmel, Fishers, Greenwood, Noblesville
Seattle|WA|Northwest|47.606|-122.332|206 425 253|981 980 984|4|Seattle, Bellevue, Tacoma, Everett, Kent, Renton, Redmond
Portland|OR|Northwest|45.515|-122.679|503 971|972 970|2.5|Portland, Beaverton, Gresham, Hillsboro, Tigard, Vancouver
Sacramento|CA|West|38.582|-121.494|916 279|958 956|2.5|Sacramento, Elk Grove, Roseville, Folsom, Citrus Heights
Philadelphia|PA|Northeast|39.953|-75.165|215 267 610|191 190 194|5|Philadelphia, King of Prussia, Norristown, Media, Doylestown, Bensalem
Pittsburgh|PA|Northeast|40.441|-79.996|412|152 150|2|Pittsburgh, Monroeville, Bethel Park, Cranberry Township, McKeesport
Boston|MA|Northeast|42.36|-71.058|617 857 781|021 024 018|4.5|Boston, Cambridge, Quincy, Newton, Framingham, Waltham, Woburn
"""  # noqa: E501


def _metro(line: str) -> Metro:
    name, state, region, lat, lon, codes, zips, weight, cities = line.split("|")
    return Metro(
        name,
        state,
        region,
        float(lat),
        float(lon),
        tuple(codes.split()),
        tuple(zips.split()),
        tuple(cities.split(", ")),
        float(weight),
    )


METROS = tuple(_metro(line) for line in _METRO_TABLE.strip().splitlines())

# Franchises: (makes sold, possible specialties, how common). Makes in fake.CATALOG get
# vehicles with decodable VINs; the others (Lincoln, Buick, GMC, ...) are real makes a
# store sells alongside them.
FRANCHISES = (
    (("Ford",), ("commercial", "upfitted trucks", "fleet", "used", "EV"), 10),
    (("Ford", "Lincoln"), ("commercial", "luxury", "used"), 3),
    (("Toyota",), ("hybrid", "used", "certified pre-owned", "fleet"), 10),
    (("Honda",), ("used", "first car", "certified pre-owned"), 8),
    (("Chevrolet",), ("commercial", "fleet", "trucks", "used", "EV"), 8),
    (("Chevrolet", "Buick", "GMC"), ("commercial", "upfitted trucks", "trucks"), 4),
    (("Hyundai",), ("EV", "value", "used"), 6),
    (("Hyundai", "Genesis"), ("EV", "luxury"), 2),
    (
        ("Chrysler", "Dodge", "Jeep", "Ram"),
        ("commercial", "upfitted trucks", "off-road", "used"),
        7,
    ),
    (("Jeep", "Ram"), ("off-road", "commercial", "upfitted trucks"), 2),
    (("Nissan",), ("used", "fleet", "EV"), 6),
    (("Nissan", "INFINITI"), ("luxury", "used"), 1),
    (("Subaru",), ("outdoor", "certified pre-owned", "used"), 5),
    (("Kia",), ("EV", "value", "used"), 6),
    (("Kia", "Mazda"), ("value", "used"), 1),
    (("Tesla",), ("EV",), 1),
    (("Ford", "Chevrolet", "Toyota", "Honda"), ("used", "certified pre-owned", "value"), 2),
)
STORE_WORDS = (
    "Capitol",
    "Summit",
    "Heritage",
    "Legacy",
    "Parkway",
    "Gateway",
    "Pioneer",
    "Northside",
    "Southside",
    "Eastside",
    "Westside",
    "Lakeside",
    "Valley",
    "Crossroads",
    "Liberty",
    "Frontier",
    "Landmark",
    "Premier",
    "Hometown",
    "Riverside",
)
BUSINESS_WORDS = (
    "Summit",
    "Pioneer",
    "Metro",
    "Northside",
    "Southside",
    "Eagle",
    "Keystone",
    "Liberty",
    "Heritage",
    "Red Oak",
    "Prairie",
    "Harbor",
    "Canyon",
    "Blue Ridge",
    "Cedar",
    "Riverbend",
    "Lakeside",
    "Frontier",
    "Granite",
    "Evergreen",
    "Ironwood",
    "Silver Creek",
    "Twin Oaks",
    "Bluebird",
    "Copper",
    "Maple Leaf",
    "Sunrise",
    "Golden Gate",
    "Great Plains",
    "Old Town",
)
GENERIC_STREETS = (
    "Main",
    "Oak",
    "Maple",
    "Washington",
    "Park",
    "Lincoln",
    "Cedar",
    "Elm",
    "Pine",
    "Lake",
    "Hill",
    "Jefferson",
    "Highland",
    "Sunset",
    "Meadow",
    "Ridge",
    "Church",
    "Mill",
    "Spring",
    "Willow",
    "Commerce",
    "Industrial",
    "Market",
    "Franklin",
    "Madison",
    "Walnut",
    "Cherry",
    "Chestnut",
    "Forest",
    "River",
    "Center",
    "Union",
    "Broadway",
    "Airport",
    "Railroad",
)
STORE_STREETS = (
    "Auto Mall Dr",
    "Motorway Blvd",
    "Frontage Rd",
    "Commerce Pkwy",
    "Dealer Row",
    "Interstate Dr",
    "Highway 50",
    "Business Loop",
    "Gateway Blvd",
    "Auto Plaza Dr",
)
# More surnames so that a big store's list looks like a real phone book. ASCII only.
EXTRA_LAST_NAMES = (
    "Abbott Acosta Aguilar Ali Andrade Armstrong Arnold Atkinson Baptiste Barnes Becker Bell "
    "Bianchi Bishop Black Blake Bond Bowman Boyd Bradley Brennan Burke Burns Bush Byrne Cabrera "
    "Caldwell Calhoun Cameron Cardenas Carlson Carroll Carson Castro Chambers Chang Chapman "
    "Choi Clarke Cohen Cole Coleman Conway Cortez Crawford Cunningham Daniels Dawson Delgado "
    "Dixon Doyle Duncan Dunn Estrada Ferguson Fernandez Fischer Fitzgerald Fleming Fletcher "
    "Ford Fox Francis Franco Fuller Gallagher Garza Gibson Gilbert Gordon Graham Grant Graves "
    "Greene Gregory Griffin Guerrero Gupta Hamilton Hansen Hardy Harper Hart Hawkins Hayes "
    "Henderson Henry Hoffman Holland Holmes Hopkins Hudson Hunt Hunter Ibrahim Jacobs Jensen "
    "Johnston Jordan Joseph Kaur Keller Kennedy Khan Knight Kowalczyk Kozlowski Kumar Lambert "
    "Lane Lawrence Lawson Le Lin Little Liu Lynch Mack Maldonado Marshall Mason Matthews "
    "McCarthy McDonald Medina Mejia Meyer Miranda Molina Montgomery Moreno Mueller Murray Nash "
    "Navarro Newman Nichols Nowak O'Brien O'Connor Oliver Olson Owens Palmer Park Patterson "
    "Pearson Pena Perkins Perry Pham Pierce Porter Powell Quinn Ray Reynolds Rice Richards "
    "Riley Rios Robertson Romero Rose Russell Ryan Salazar Sandoval Santos Schneider Schultz "
    "Shaw Silva Simmons Simpson Snyder Soto Spencer Stephens Stone Sullivan Sutton Tran Tucker "
    "Valdez Vargas Vasquez Vega Wagner Wallace Walsh Warren Washington Weaver Webb Wells West "
    "Wheeler Williamson Wolf Wong Woods Wu Yang Yilmaz Zhang Zimmerman"
).split()
EXTRA_FIRST_NAMES = (
    "Abigail Adrian Alan Albert Alejandro Alexis Alicia Allison Alyssa Amber Andre Angel Angelica "
    "Antonio Ariana Austin Ava Bailey Blake Bradley Brittany Bruce Bryan Caleb Cameron Carmen "
    "Chloe Cody Cole Connor Craig Crystal Dakota Dale Dante Darius Derek Destiny Devin Dominic "
    "Dylan Elena Elijah Ella Emmanuel Erica Erin Evan Gabriel Gavin Grace Hailey Hector Hunter "
    "Ian Isaac Isabella Isaiah Ivan Jada Jaden Jasmine Javier Jenna Jesse Jordan Julian Kayla "
    "Keith Kendall Lamar Landon Leah Leo Liam Logan Lucas Luke Madison Malik Marcus Mason Maya "
    "Mia Morgan Natalie Nina Oscar Paige Parker Quinn Rafael Ricardo Riley Roberto Ruby Sean "
    "Sergio Seth Shane Sierra Spencer Sydney Taylor Trevor Troy Vanessa Vincent Wyatt Xavier "
    "Yasmin Zoe Aaliyah Deshawn Imani Jamal Keisha Tyrone Darnell Ngozi Kwame Thanh Quang Huong "
    "Jin Soo Hana Ravi Deepa Anil Sunita Kenji Aiko Tomasz Agnieszka Piotr Katarzyna Lars Ingrid"
).split()
COLORS = ("White", "Black", "Silver", "Gray", "Blue", "Red", "Green", "Brown", "Beige", "Orange")
CUSTOMER_NOTES = (
    "",
    "",
    "",
    "",
    "",
    "",
    "Prefers texts after 5pm.",
    "Asked about trade-in value.",
    "Referred by a friend.",
    "Lease ends next spring.",
    "Wants a call before any service visit.",
    "Works nights; mornings are best.",
    "Interested in an extended warranty.",
)
FLEET_NOTES = (
    "",
    "",
    "Fleet account; PO required.",
    "Net 30 terms.",
    "Upfit quotes go to the office manager.",
    "Wants all units serviced on Saturdays.",
)
# Work trucks and vans for fleets, per make (others draw from the whole catalog).
FLEET_MODELS = {
    "Ford": ("Transit", "F-250", "F-150", "E-Series Cutaway", "Maverick"),
    "Chevrolet": ("Silverado 1500", "Express", "Colorado"),
    "Ram": ("ProMaster", "2500", "3500 Chassis Cab", "1500"),
    "Toyota": ("Tacoma", "Tundra", "Sienna"),
    "Nissan": ("Frontier",),
}
CONSENT_WORDING = "Okay to contact me about my vehicle and offers."
SHARE_WORDING = "Okay to share my name and phone with a partner dealership you recommend."
# channel: (probability of a consent, label)
CONSENT_CHANNELS = (
    ("email", 0.40, "Email"),
    ("text", 0.45, "Text message"),
    ("phone", 0.30, "Phone call"),
    ("share", 0.12, "Share with a partner dealership"),
)
CONSENT_METHODS = (
    ("in_person", "In person, spoken"),
    ("paper", "Signed form"),
    ("web", "Web form"),
    ("phone", "On the phone"),
)
RELATIONSHIPS = ("customer", "prospect", "partner", "friend", "pro")
RELATIONSHIP_CUM = (55, 85, 92, 97, 100)

ROLE_LABELS = {"sales": "Salesperson", "service": "Service advisor"}
# Staff roles: every store has these four, then more drawn from all roles.
CORE_ROLES = ("sales", "sales_mgr", "advisor", "admin")
EXTRA_ROLES = ("sales", "sales", "sales", "bdc", "fails", "service_mgr", "advisor", "sales")
SELLER_WEIGHTS = {"sales": 5, "sales_mgr": 1, "bdc": 1, "fails": 1}
ADVISOR_ROLES = ("advisor", "service_mgr")

DAY = 86400
HISTORY_DAYS = 6 * 365  # customers were created over the last six years


def _check_vocabulary() -> None:
    """COPY text format: the vocabulary must hold no tab, newline, backslash or quote."""
    words = [
        *fake.FIRST_NAMES,
        *fake.LAST_NAMES,
        *fake.BUSINESS_KINDS,
        *fake.STREETS,
        *EXTRA_FIRST_NAMES,
        *EXTRA_LAST_NAMES,
        *BUSINESS_WORDS,
        *GENERIC_STREETS,
        *STORE_WORDS,
        *STORE_STREETS,
        *CUSTOMER_NOTES,
        *FLEET_NOTES,
        *COLORS,
        CONSENT_WORDING,
        SHARE_WORDING,
    ]
    for metro in METROS:
        words += [metro.name, *metro.cities]
    for _, (_, models) in fake.CATALOG.items():
        words += list(models)
    for word in words:
        assert not set(word) & set('\t\n\r\\"'), word  # nosec B101 # checks our own word lists


_check_vocabulary()

LAST_NAMES = tuple(dict.fromkeys(fake.LAST_NAMES + EXTRA_LAST_NAMES))
FIRST_NAMES = tuple(dict.fromkeys(fake.FIRST_NAMES + EXTRA_FIRST_NAMES))


def _zipf_cum(n: int, s: float = 0.9, offset: int = 8) -> list[float]:
    """Cumulative weights: the first names of a list are the most common (Smith, Johnson…)."""
    total, out = 0.0, []
    for rank in range(n):
        total += 1.0 / (rank + offset) ** s
        out.append(total)
    return out


LAST_CUM = _zipf_cum(len(LAST_NAMES))
FIRST_CUM = _zipf_cum(len(FIRST_NAMES), s=0.7, offset=15)


def slug_of(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())
