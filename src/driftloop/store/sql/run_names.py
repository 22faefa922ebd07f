"""Readable generated run names such as ``"brave-otter-042"``."""

from __future__ import annotations

import secrets

# fmt: off
_ADJECTIVES = (
    "able", "agile", "amber", "ancient", "aqua", "bold", "brave", "bright", "brisk", "calm",
    "clever", "cosmic", "crisp", "curious", "daring", "dapper", "eager", "early", "fancy",
    "fast", "fierce", "gentle", "giddy", "glad", "golden", "grand", "handy", "happy", "honest",
    "humble", "jolly", "keen", "kind", "lively", "loyal", "lucky", "merry", "mighty", "misty",
    "modest", "neat", "nimble", "noble", "patient", "plucky", "polite", "proud", "quick",
    "quiet", "rapid", "rare", "regal", "rustic", "shiny", "silent", "sleek", "smart", "snowy",
    "sunny", "swift", "tidy", "upbeat", "vivid", "warm", "wise", "witty", "zesty",
)
_NOUNS = (
    "ant", "badger", "bass", "bat", "bear", "bee", "bison", "carp", "cat", "colt", "crab",
    "crane", "crow", "deer", "dog", "dove", "duck", "eagle", "eel", "elk", "falcon", "finch",
    "fox", "frog", "gnu", "goat", "goose", "hare", "hawk", "heron", "horse", "ibis", "koala",
    "lark", "lion", "lynx", "mink", "mole", "moose", "moth", "mouse", "newt", "owl", "ox",
    "panda", "pig", "pike", "quail", "ram", "raven", "robin", "seal", "shark", "sloth", "snail",
    "sow", "squid", "stag", "swan", "tern", "tiger", "toad", "trout", "whale", "wolf", "wren",
)
# fmt: on


def generate_run_name() -> str:
    """A random ``<adjective>-<noun>-<3 digits>`` name (not unique; a display name only)."""
    adjective = secrets.choice(_ADJECTIVES)
    noun = secrets.choice(_NOUNS)
    return f"{adjective}-{noun}-{secrets.randbelow(1000):03d}"
