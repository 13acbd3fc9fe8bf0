"""Synthetic people for the demo clinic: names, birth dates, contact details, body weight.

Every value is made up from built-in lists; phone numbers use the 555-01xx range reserved for
fiction and e-mail addresses the reserved example.org domain, so no real person is reachable.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta
from typing import Any

from sclero.patients.queries import mrn_of


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


FEMALE_NAMES = _names(
    "Anna, Maria, Sophie, Laura, Julia, Emma, Sarah, Lisa, Hannah, Lena, Claire, Camille, "
    "Chloé, Léa, Manon, Inès, Lucía, Carmen, Elena, Sofia, Giulia, Francesca, Chiara, Olivia, "
    "Emily, Jessica, Rachel, Rebecca, Amy, Charlotte, Grace, Ella, Mia, Zoe, Nora, Ingrid, "
    "Astrid, Eva, Katarzyna, Agnieszka, Ana, Beatriz, Mariana, Fatima, Aisha, Leila, Yasmin, "
    "Priya, Ananya, Mei, Yuki, Hana, Ngozi, Amara, Chiamaka, Isabel, Patricia, Susan, Karen, "
    "Linda, Barbara, Monika, Petra, Sabine, Ursula, Heike"
)
MALE_NAMES = _names(
    "Thomas, Michael, Andreas, Stefan, Daniel, Lukas, Jonas, Paul, Felix, Jan, Pierre, Louis, "
    "Hugo, Marco, Luca, Giovanni, Carlos, Javier, Pablo, David, James, John, Robert, William, "
    "Oliver, Jack, Henry, Lars, Erik, Piotr, Tomasz, João, Pedro, Omar, Ahmed, Karim, Rahul, "
    "Arjun, Wei, Kenji, Chinedu, Kwame"
)
LAST_NAMES = _names(
    "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch, "
    "Richter, Klein, Wolf, Neumann, Schwarz, Braun, Zimmermann, Martin, Bernard, Dubois, "
    "Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Rossi, Russo, Ferrari, Esposito, "
    "Bianchi, Romano, Colombo, García, Fernández, González, Rodríguez, López, Martínez, "
    "Sánchez, Pérez, Silva, Santos, Oliveira, Costa, Smith, Jones, Williams, Brown, Taylor, "
    "Davies, Evans, Wilson, Johnson, Walker, Wright, Robinson, Thompson, White, Hughes, Green, "
    "Hall, Wood, Clarke, Jansen, de Vries, van Dijk, Bakker, Visser, Nowak, Kowalski, "
    "Wiśniewski, Novák, Horváth, Nielsen, Hansen, Andersson, Johansson, Larsen, Kaya, Yılmaz, "
    "Demir, Haddad, Khan, Patel, Sharma, Singh, Nguyen, Tran, Kim, Lee, Park, Chen, Wang, Li, "
    "Tanaka, Sato, Okafor, Mensah, Adeyemi"
)
STREETS = _names(
    "Linden Street, Station Road, Church Lane, Market Square, Mill Road, Park Avenue, Garden "
    "Way, River Walk, School Street, Oak Close, Meadow Lane, Harbour View"
)
TOWNS = ("Springfield", "Riverton", "Lakeside", "Greenhill", "Fairview", "Oakridge", "Millbrook")
AREA_CODES = ("201", "303", "415", "512", "617", "702", "808", "919")


def _ascii(text: str) -> str:
    """`text` without accents and spaces, lower case, for an e-mail address."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == "-"))
    return kept.lower() or "patient"


def birth_date_for(rng: random.Random, today: date) -> date:
    """Mostly 25–70 years old, a few younger adults, older people and minors (whose treatment a
    physician decides and whose consent a parent signs)."""
    roll = rng.random()
    if roll < 0.02:
        age = rng.randint(14, 17)
    elif roll < 0.05:
        age = rng.randint(18, 24)
    elif roll < 0.93:
        age = rng.randint(25, 69)
    else:
        age = rng.randint(70, 84)
    return today - timedelta(days=age * 365 + rng.randint(0, 364))


def weight_for(rng: random.Random, sex: str) -> float:
    mean = 68.0 if sex == "female" else 84.0
    return round(min(110.0, max(50.0, rng.gauss(mean, 11.0))), 1)


def make_person(rng: random.Random, patient_id: int, today: date) -> dict[str, Any]:
    """The `patients` row of one synthetic person (timestamps are filled in by the caller)."""
    sex = "female" if rng.random() < 0.85 else "male"
    if rng.random() < 0.003:
        sex = "other"
    first = rng.choice(MALE_NAMES if sex == "male" else FEMALE_NAMES)
    last = rng.choice(LAST_NAMES)
    address = None
    if rng.random() < 0.7:
        address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
    return {
        "id": patient_id,
        "mrn": mrn_of(patient_id),
        "first_name": first,
        "last_name": last,
        "birth_date": birth_date_for(rng, today),
        "sex": sex,
        "weight_kg": weight_for(rng, sex),
        "phone": f"+1 {rng.choice(AREA_CODES)} 555-01{rng.randint(0, 99):02d}",
        "email": (
            f"{_ascii(first)}.{_ascii(last)}{patient_id}@example.org"
            if rng.random() < 0.85
            else None
        ),
        "address": address,
        "notes": None,
    }


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
