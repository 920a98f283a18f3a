"""PRACTICE blocks for the reply and booking tests: complete, filled-in values."""

import copy
import json

FILLED = {
    "name": "Yasmine Binghalib",
    "credentials": "LMFT",
    "email": "yasmine@example.com",
    "booking_url": "https://yasmine.clientsecure.me/",
    "consultation": "A free 15-minute video consultation",
    "fees": ["Couples sessions (80 minutes): $250", "Individual sessions (50 minutes): $180"],
    "states": {
        "california": {
            "name": "California",
            "title": "Licensed Marriage and Family Therapist",
            "abbreviation": "LMFT",
            "number": "LMFT 123456",
            "board": "California Board of Behavioral Sciences",
            "lookup_url": "https://search.dca.ca.gov/",
            "telehealth_law": "16 CCR §1815.5 and Bus. & Prof. Code §2290.5",
        },
        "connecticut": {
            "name": "Connecticut",
            "title": "Licensed Marital and Family Therapist",
            "abbreviation": "LMFT",
            "number": "004321",
            "board": "Connecticut Department of Public Health",
            "lookup_url": "https://www.elicense.ct.gov/Lookup/LicenseLookup.aspx",
        },
    },
}


def practice(*edits):
    """A deep copy of FILLED with edits applied: (("states", "california", "number"), value).

    A value of DELETE removes the key instead.
    """
    block = copy.deepcopy(FILLED)
    for path, value in edits:
        *parents, last = path
        target = block
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return block


DELETE = object()


def set_practice(block):
    """run_build(extra=...) arguments that replace PRACTICE with the given block."""
    return ["--set", "PRACTICE=" + json.dumps(block)]
