"""Fixed reference tables the generator draws from: places, populations, cities, names.

Everything here is static data, so the generator's output depends only on the seed.
"""

from __future__ import annotations

# US states, DC and territories with their 2017 resident population.
# Source: U.S. Census Bureau, "Annual Estimates of the Resident Population for the United
# States, Regions, States, and Puerto Rico: April 1, 2010 to July 1, 2017" (NST-EST2017-01,
# Vintage 2017, July 1 2017 column); Guam and the U.S. Virgin Islands from the Census
# Bureau International Database, 2017 mid-year estimates (rounded).
# Each row: code, name, population, ((city, ZIP3 prefix), ...). The ZIP3 prefixes are the
# USPS sectional-centre prefixes of those cities, so a generated ZIP matches its state.
US_PLACES: tuple[tuple[str, str, int, tuple[tuple[str, str], ...]], ...] = (
    ("AL", "Alabama", 4874747, (("Birmingham", "352"), ("Montgomery", "361"))),
    ("AK", "Alaska", 739795, (("Anchorage", "995"), ("Juneau", "998"))),
    ("AZ", "Arizona", 7016270, (("Phoenix", "850"), ("Tucson", "857"))),
    ("AR", "Arkansas", 3004279, (("Little Rock", "722"), ("Fayetteville", "727"))),
    ("CA", "California", 39536653, (("Los Angeles", "900"), ("San Diego", "921"),
                                    ("San Jose", "951"), ("Sacramento", "958"))),
    ("CO", "Colorado", 5607154, (("Denver", "802"), ("Colorado Springs", "809"))),
    ("CT", "Connecticut", 3588184, (("Bridgeport", "066"), ("Hartford", "061"))),
    ("DE", "Delaware", 961939, (("Wilmington", "198"), ("Dover", "199"))),
    ("DC", "District of Columbia", 693972, (("Washington", "200"),)),
    ("FL", "Florida", 20984400, (("Jacksonville", "322"), ("Miami", "331"),
                                 ("Tampa", "336"), ("Orlando", "328"))),
    ("GA", "Georgia", 10429379, (("Atlanta", "303"), ("Savannah", "314"))),
    ("HI", "Hawaii", 1427538, (("Honolulu", "968"), ("Hilo", "967"))),
    ("ID", "Idaho", 1716943, (("Boise", "837"), ("Idaho Falls", "834"))),
    ("IL", "Illinois", 12802023, (("Chicago", "606"), ("Springfield", "627"))),
    ("IN", "Indiana", 6666818, (("Indianapolis", "462"), ("Fort Wayne", "468"))),
    ("IA", "Iowa", 3145711, (("Des Moines", "503"), ("Cedar Rapids", "524"))),
    ("KS", "Kansas", 2913123, (("Wichita", "672"), ("Topeka", "666"))),
    ("KY", "Kentucky", 4454189, (("Louisville", "402"), ("Lexington", "405"))),
    ("LA", "Louisiana", 4684333, (("New Orleans", "701"), ("Baton Rouge", "708"))),
    ("ME", "Maine", 1335907, (("Portland", "041"), ("Augusta", "043"))),
    ("MD", "Maryland", 6052177, (("Baltimore", "212"), ("Annapolis", "214"))),
    ("MA", "Massachusetts", 6859819, (("Boston", "021"), ("Worcester", "016"))),
    ("MI", "Michigan", 9962311, (("Detroit", "482"), ("Grand Rapids", "495"))),
    ("MN", "Minnesota", 5576606, (("Minneapolis", "554"), ("Saint Paul", "551"))),
    ("MS", "Mississippi", 2984100, (("Jackson", "392"), ("Gulfport", "395"))),
    ("MO", "Missouri", 6113532, (("Kansas City", "641"), ("St. Louis", "631"))),
    ("MT", "Montana", 1050493, (("Billings", "591"), ("Helena", "596"))),
    ("NE", "Nebraska", 1920076, (("Omaha", "681"), ("Lincoln", "685"))),
    ("NV", "Nevada", 2998039, (("Las Vegas", "891"), ("Reno", "895"))),
    ("NH", "New Hampshire", 1342795, (("Manchester", "031"), ("Concord", "033"))),
    ("NJ", "New Jersey", 9005644, (("Newark", "071"), ("Jersey City", "073"))),
    ("NM", "New Mexico", 2088070, (("Albuquerque", "871"), ("Santa Fe", "875"))),
    ("NY", "New York", 19849399, (("New York", "100"), ("Buffalo", "142"),
                                  ("Rochester", "146"), ("Albany", "122"))),
    ("NC", "North Carolina", 10273419, (("Charlotte", "282"), ("Raleigh", "276"))),
    ("ND", "North Dakota", 755393, (("Fargo", "581"), ("Bismarck", "585"))),
    ("OH", "Ohio", 11658609, (("Columbus", "432"), ("Cleveland", "441"), ("Cincinnati", "452"))),
    ("OK", "Oklahoma", 3930864, (("Oklahoma City", "731"), ("Tulsa", "741"))),
    ("OR", "Oregon", 4142776, (("Portland", "972"), ("Salem", "973"))),
    ("PA", "Pennsylvania", 12805537, (("Philadelphia", "191"), ("Pittsburgh", "152"))),
    ("RI", "Rhode Island", 1059639, (("Providence", "029"), ("Warwick", "028"))),
    ("SC", "South Carolina", 5024369, (("Columbia", "292"), ("Charleston", "294"))),
    ("SD", "South Dakota", 869666, (("Sioux Falls", "571"), ("Pierre", "575"))),
    ("TN", "Tennessee", 6715984, (("Nashville", "372"), ("Memphis", "381"))),
    ("TX", "Texas", 28304596, (("Houston", "770"), ("San Antonio", "782"),
                               ("Dallas", "752"), ("Austin", "787"))),
    ("UT", "Utah", 3101833, (("Salt Lake City", "841"), ("Provo", "846"))),
    ("VT", "Vermont", 623657, (("Burlington", "054"), ("Montpelier", "056"))),
    ("VA", "Virginia", 8470020, (("Virginia Beach", "234"), ("Richmond", "232"))),
    ("WA", "Washington", 7405743, (("Seattle", "981"), ("Spokane", "992"))),
    ("WV", "West Virginia", 1815857, (("Charleston", "253"), ("Huntington", "257"))),
    ("WI", "Wisconsin", 5795483, (("Milwaukee", "532"), ("Madison", "537"))),
    ("WY", "Wyoming", 579315, (("Cheyenne", "820"), ("Casper", "826"))),
    ("PR", "Puerto Rico", 3337177, (("San Juan", "009"), ("Ponce", "007"))),
    ("GU", "Guam", 164229, (("Hagatna", "969"), ("Dededo", "969"))),
    ("VI", "U.S. Virgin Islands", 107268, (("Charlotte Amalie", "008"), ("Christiansted", "008"))),
)

US_CODES: tuple[str, ...] = tuple(p[0] for p in US_PLACES)
US_NAMES: dict[str, str] = {p[0]: p[1] for p in US_PLACES}

#: Share of affected people living abroad, split over these countries (weights).
ABROAD_SHARE = 0.03
ABROAD: tuple[tuple[str, float], ...] = (
    ("GB", 0.40), ("CA", 0.30), ("DE", 0.06), ("FR", 0.06),
    ("IE", 0.05), ("ES", 0.05), ("IT", 0.04), ("NL", 0.04),
)

#: Abroad cities: country -> ((city, region or "", postal-code pattern), ...).
#: Pattern: # = digit 0-9, % = digit 1-9, ^ = letter; other characters are kept.
ABROAD_CITIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "GB": (("London", "", "SW% #^^"), ("Manchester", "", "M% #^^"), ("Leeds", "", "LS% #^^")),
    "CA": (("Toronto", "ON", "M#^ #^#"), ("Montreal", "QC", "H#^ #^#"), ("Vancouver", "BC", "V#^ #^#")),
    "DE": (("Berlin", "", "10%##"), ("Munich", "", "80%##")),
    "FR": (("Paris", "", "7500%"), ("Lyon", "", "6900%")),
    "IE": (("Dublin", "", "D0% ^#^#"),),
    "ES": (("Madrid", "", "2800%"), ("Barcelona", "", "0800%")),
    "IT": (("Rome", "", "001%#"), ("Milan", "", "201%#")),
    "NL": (("Amsterdam", "", "10%# ^^"),),
}

ABROAD_STREETS: dict[str, tuple[str, ...]] = {
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road"),
    "CA": ("Main Street", "King Street", "Church Street", "Park Avenue"),
    "DE": ("Hauptstraße", "Gartenweg", "Lindenallee", "Schulstraße"),
    "FR": ("rue de la Paix", "avenue Victor Hugo", "rue Lafayette", "boulevard Voltaire"),
    "IE": ("Main Street", "Pearse Street", "Dame Street"),
    "ES": ("Calle Mayor", "Calle de Alcalá", "Avenida Diagonal"),
    "IT": ("Via Roma", "Via Garibaldi", "Corso Italia"),
    "NL": ("Kerkstraat", "Prinsengracht", "Damrak"),
}

US_STREETS: tuple[str, ...] = (
    "Maple", "Oak", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
    "Sunset", "Ridge", "Willow", "Highland", "Jefferson", "Lincoln", "Meadow", "River",
    "Forest", "Spring", "Church", "Mill", "Walnut", "Chestnut", "Magnolia", "Dogwood",
)
US_STREET_SUFFIXES: tuple[str, ...] = ("St", "Ave", "Rd", "Ln", "Dr", "Blvd", "Ct", "Way", "Pl")

# Name parts are common given names and surnames; combined at random, the people are
# fictional. Some carry accents on purpose: letters that differ from the register only by
# accent or case must still count as a match.
FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
    "Anthony", "Sandra", "Mark", "Ashley", "Donald", "Kimberly", "Steven", "Emily", "Paul",
    "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kenneth", "Amanda", "Kevin", "Melissa",
    "Brian", "Deborah", "George", "Stephanie", "Timothy", "Rebecca", "José", "María", "Zoë",
    "Chloé", "Renée", "André", "Ramón", "Inés", "Björn", "Siobhán", "Noël", "Raúl",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Phillips", "Evans", "Turner",
    "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "García", "Martínez",
    "Rodríguez", "Hernández", "López", "González", "Pérez", "Sánchez", "Müller", "Peña",
    "Núñez", "Ibáñez", "Lefèvre",
)
EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com",
    "comcast.net", "att.net",
)
