"""Text as the AI reads it: words, search terms, passages, the language, a request for a person.

One definition for articles and questions alike, so that a word in a question and the same
word in an article always become the same term. Visitors mix English and Indonesian in
one sentence ("ongkir shipping-nya berapa?"), so no language is guessed before stemming:
a word that Sastrawi (a dictionary-based Indonesian stemmer) recognises as a derived
Indonesian word becomes its root ("pengiriman" → "kirim"); any other word goes through the
English Snowball stemmer ("shipping" → "ship"), which leaves Indonesian roots alone.
Stems are then cut to their first TERM_LENGTH letters, which joins the word families the
stemmers keep apart ("subscribe" → "subscrib", "subscription" → "subscript": both "subscri").
"""

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from assist.stopwords import ENGLISH, INDONESIAN, STOPWORDS

_WORD = re.compile(r"[^\W_]+")
# Indonesian particles glued to English words ("refundnya", "shippingkah").
_PARTICLES = ("nya", "lah", "kah")
# Asking for a person (PROTOCOL section 8: "human", "agent", "manusia", "orang", "CS").
_PERSON_WORDS = frozenset(
    {"human", "humans", "agent", "agents", "person", "operator", "representative", "staff"}
    | {"manusia", "orang", "cs", "petugas"}
)
_PERSON_PHRASES = ("customer service", "real person", "live agent", "layanan pelanggan")

TERM_LENGTH = 7

# A passage is what a suggestion quotes: long enough to answer, short enough to read.
MAX_PASSAGE_CHARS = 700
HEADING_CHARS = 80

# Stemmers keep state while they work: one pair per thread.
_local = threading.local()


def _stemmers():
    if not hasattr(_local, "english"):
        _local.english = snowballstemmer.stemmer("english")
        _local.indonesian = StemmerFactory().create_stemmer()
    return _local.english, _local.indonesian


def words(text: str) -> list[str]:
    """Lower-case words without accents ("Café" → "cafe"); punctuation splits words."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    if not word.isalpha():  # numbers and codes ("4821", "halo10") are kept as they are
        return word[:TERM_LENGTH]
    english, indonesian = _stemmers()
    root = indonesian.stem(word)
    if root and root != word:
        return root[:TERM_LENGTH]
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) > len(particle) + 3:
            word = word[: -len(particle)]
            break
    return english.stemWord(word)[:TERM_LENGTH]


def terms(text: str) -> list[str]:
    """The search terms of a text, in order: stems of the words that carry meaning."""
    return [stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS]


def language(text: str) -> str | None:
    """`en` or `id` when the text's function words say so clearly, else None."""
    found = words(text)
    english = sum(w in ENGLISH for w in found)
    indonesian = sum(w in INDONESIAN for w in found)
    if english == indonesian:
        return None
    return "en" if english > indonesian else "id"


def asks_for_person(text: str) -> bool:
    folded = " ".join(words(text))
    return bool(_PERSON_WORDS.intersection(folded.split())) or any(
        phrase in folded for phrase in _PERSON_PHRASES
    )


def passages(body: str) -> list[str]:
    """An article cut into passages: its paragraphs, a heading (a short line that is not a
    sentence) joined to the paragraph under it, a long paragraph cut between sentences."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    found: list[str] = []
    carry = ""
    for paragraph in paragraphs:
        text = f"{carry}\n{paragraph}" if carry else paragraph
        if len(text) < HEADING_CHARS and not text.endswith((".", "!", "?", "…")):
            carry = text
            continue
        carry = ""
        found.extend(_cut(text))
    if carry:
        if found and len(found[-1]) + len(carry) < MAX_PASSAGE_CHARS:
            found[-1] = f"{found[-1]}\n\n{carry}"
        else:
            found.append(carry)
    return found


def _cut(text: str) -> list[str]:
    if len(text) <= MAX_PASSAGE_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        while len(sentence) > MAX_PASSAGE_CHARS:  # one endless "sentence": cut at a space
            cut = sentence.rfind(" ", 0, MAX_PASSAGE_CHARS)
            cut = cut if cut > 0 else MAX_PASSAGE_CHARS
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > MAX_PASSAGE_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces
