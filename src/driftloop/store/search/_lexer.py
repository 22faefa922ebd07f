"""Tokenizer shared by the filter and order_by parsers.

It knows nothing about the grammar: it splits text into words, numbers, quoted strings,
operators and punctuation, and unquotes strings. Errors are :class:`SearchSyntaxError`, which
the public parsers turn into ``InvalidFilterError`` quoting the offending clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

TokenKind = Literal["word", "number", "sq", "dq", "bt", "op", "(", ")", ","]

# Unquoted words are identifiers, keywords (AND, LIKE, IS ...) and keys after the first dot,
# which may contain dots and dashes (``metrics.val-loss``, ``tags.mlflow.runName``).
_TOKEN_RE: Final = re.compile(
    r"""
    (?P<ws>\s+)
    |(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<word>[^\W\d][\w.\-]*)
    |(?P<sq>'(?:[^'\\]|\\.|'')*')
    |(?P<dq>"(?:[^"\\]|\\.|"")*")
    |(?P<bt>`(?:[^`]|``)*`)
    |(?P<op>!=|<>|>=|<=|==|[=<>])
    |(?P<punct>[(),])
    """,
    re.VERBOSE | re.DOTALL,
)
_BACKSLASH_ESCAPE: Final = r"\\([\\'\"])"
_KINDS: Final[dict[str, TokenKind]] = {
    "word": "word",
    "number": "number",
    "sq": "sq",
    "dq": "dq",
    "bt": "bt",
    "op": "op",
    "(": "(",
    ")": ")",
    ",": ",",
}


class SearchSyntaxError(Exception):
    """Why some search text does not parse; the public parsers add the quoted clause."""


@dataclass(frozen=True, slots=True)
class Token:
    """One token with its position in the source text.

    Attributes:
        kind: ``sq``/``dq``/``bt`` are single-, double- and backtick-quoted text.
        text: The token exactly as written (quotes included).
        value: The unquoted, unescaped content for quoted tokens; ``text`` otherwise.
        start: Offset of the first character in the source.
        end: Offset just past the last character.
    """

    kind: TokenKind
    text: str
    value: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """True if this is an unquoted word equal to one of ``words`` (ignoring case)."""
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, dropping whitespace.

    Raises:
        SearchSyntaxError: On an unterminated quote or a character no token starts with.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise SearchSyntaxError(_describe_bad_character(text, pos))
        if match.lastgroup != "ws":
            tokens.append(_make_token(match))
        pos = match.end()
    return tokens


def _describe_bad_character(text: str, pos: int) -> str:
    char = text[pos]
    if char in "'\"`":
        return f"unterminated {char} quote starting at position {pos}"
    return f"unexpected character {char!r} at position {pos}"


def _make_token(match: re.Match[str]) -> Token:
    text = match.group()
    group = match.lastgroup or ""
    kind = _KINDS[text if group == "punct" else group]
    value = text
    if kind == "sq":
        value = _unescape(text[1:-1], "'")
    elif kind == "dq":
        value = _unescape(text[1:-1], '"')
    elif kind == "bt":
        value = text[1:-1].replace("``", "`")
    return Token(kind, text, value, match.start(), match.end())


def _unescape(body: str, quote: str) -> str:
    """Undo SQL quote doubling (``''``) and backslash escapes of quotes and backslashes."""
    return re.sub(f"{_BACKSLASH_ESCAPE}|{quote}{quote}", lambda m: m.group(1) or quote, body)
