"""Word lists behind the attribution and framing detectors, and the lookups over them.

Where no model serves (hedges, attribution verbs, loaded labels), rules and lexicons do. The lists
are written from general knowledge of news language, grouped by what they signal; the sentiment
part comes from the VADER lexicon (MIT, shipped inside the `vaderSentiment` package) minus words
that are plain reporting vocabulary in news ("killed", "attack", "support").
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Reported speech that keeps a neutral distance: the outlet attributes without judging.
NEUTRAL_ATTRIBUTION = _set(
    """said says say told tells stated states announced announces reported reports added adds
    explained explains noted notes wrote writes testified confirmed confirms declared declares
    replied responded commented remarked"""
)

# Verbs and adverbs that put distance between the outlet and the content it reports.
DISTANCING = _set(
    """claimed claims claiming alleged alleges alleging allegedly insisted insists insisting
    asserted asserts contended contends maintained maintains purported purportedly reportedly
    supposedly ostensibly professed purports accused accuses accusing allegation allegations"""
)

# Modal and epistemic hedges: the content is presented as possible, not as fact.
MODAL_HEDGES = _set(
    """may might could possibly perhaps probably likely unlikely apparently seemingly
    unconfirmed unverified presumably"""
)

# Multi-word attribution and hedge phrases, matched on lower-cased text.
NEUTRAL_PHRASES = ("according to", "in a statement", "told reporters", "said in a")
HEDGE_PHRASES = (
    "appears to",
    "appeared to",
    "appear to",
    "seem to",
    "seems to",
    "seemed to",
    "is said to",
    "are said to",
    "was said to",
    "were said to",
    "is believed to",
    "are believed to",
    "is thought to",
    "are thought to",
    "it is unclear",
    "could not be independently verified",
    "could not be verified",
)

# Names for one actor, place or act, from the plainest to the most loaded. Two outlets using two
# different members of one group for the same thing is the textbook framing divergence.
CONTRAST_GROUPS: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(plain.split()), frozenset(loaded.split()))
    for plain, loaded in (
        (
            "volunteers volunteer rescuers rescuer fighters fighter rebels rebel members "
            "workers activists activist group",
            "terrorists terrorist jihadists jihadist extremists extremist militants militant "
            "insurgents insurgent radicals thugs thug henchmen mercenaries",
        ),
        ("government administration authorities leadership", "regime junta"),
        (
            "protest protests protesters protestors demonstration demonstrations demonstrators "
            "rally rallies gathering crowd",
            "riot riots rioters mob mobs unrest insurrection",
        ),
        (
            "operation intervention deployment incursion strikes campaign",
            "invasion aggression occupation onslaught assault",
        ),
        (
            "criticised criticized criticizes criticises criticism questioned disputed "
            "opposed rejected",
            "slammed slams blasted blasts lambasted assailed excoriated ripped castigated "
            "savaged berated skewered trashed bashed",
        ),
        ("killed died deaths dead", "murdered slaughtered massacred butchered executed"),
        (
            "immigrants immigrant migrants migrant asylum-seekers undocumented refugees",
            "illegals aliens invaders",
        ),
        ("plan program proposal measure policy", "scheme ploy stunt gambit"),
        ("statement message account report", "propaganda rant tirade screed diatribe"),
        ("allies supporters associates aides", "cronies minions acolytes lackeys stooges"),
        ("spokesman spokeswoman spokesperson outlet", "mouthpiece"),
        ("measures response restrictions", "crackdown clampdown purge"),
        ("evacuated moved relocated transferred", "smuggled spirited whisked"),
    )
)

# Loaded words outside any contrast group: judgmental labels, intensifiers, words that cast
# doubt, and verbs of attack or praise (listed by their base form and inflected below).
# Weight 1.0 is unmistakable, 0.6 is mild.
_STRONG = """
phony bogus sham farce fake disgrace disgraceful shameful shameless outrageous outrage
ridiculous absurd ludicrous preposterous laughable pathetic despicable vile heinous
atrocious appalling egregious scandalous notorious infamous reckless radical extremist
draconian tyrannical authoritarian dictator dictatorial fanatic zealot demagogue demagoguery
hypocrite hypocrisy hypocritical corrupt crony cronyism smear hoax witch-hunt rigged
brainwashed puppet stooge lunatic crazy insane unhinged deranged bizarre vicious savage
barbaric brutal monstrous evil sinister nefarious shadowy cabal elitist henchmen lackey
firestorm uproar furor maelstrom debacle fiasco meltdown onslaught bloodbath carnage
gaffe blunder flip-flop pandering grandstanding so-called self-styled self-proclaimed
"""
_STRONG_VERBS = """
slam blast lambaste assail excoriate castigate eviscerate savage berate skewer ridicule
mock deride scoff sneer taunt lash rail rant rage fume seethe pounce hammer trash bash
rip smear demonize vilify
"""
_MILD = """
fierce fiercely ferocious harsh harshly sharp sharply scathing stinging blistering
withering angry angrily furious furiously bitter bitterly testy frosty icy defiant
defiantly brazen brazenly blatant blatantly flagrant shrill strident combative
aggressive aggressively vigorously forcefully adamant adamantly relentless relentlessly
unabashedly unapologetic unapologetically stubborn stubbornly dismissive dismissively
mocking scornful disdainful disdain contempt contemptuous arrogant arrogance smug
hawkish dovish far-left far-right ultra hard-line hardline hardliner militant
controversial embattled beleaguered besieged scandal-plagued gaffe-prone troubled
disastrous catastrophic dire chaotic turmoil mess crisis-ridden
toxic poisonous divisive inflammatory incendiary explosive bombshell stunning shocking
staggering startling astonishing extraordinary remarkable dramatic dramatically
massive sweeping unprecedented
erroneously falsely wrongly conveniently tellingly
bully bullying meddling interference rhetoric tirade diatribe
shenanigans antics stunt ploy charade spectacle theatrics theatrical
hapless inept incompetent clueless naive novice amateurish feckless spineless
pro-abortion anti-life
"""
_MILD_VERBS = """
slash gut hike squeeze grab seize steal raid plunder loot boast brag tout trumpet hail
laud praise cheer herald complain whine grumble moan plead beg demand vow dodge evade
duck sidestep stonewall rebuff snub scold chide lecture meddle bully gloat
"""
# Base forms that are also common nouns ("a rail line", "a duck", "hail"): only inflected.
_AMBIGUOUS_BASES = _set("rail rage rip duck hail trash hammer cheer raid loot gut")


def _short_closed(verb: str) -> bool:
    """slam → slammed: a short verb ending consonant-vowel-consonant doubles its last letter."""
    vowels = "aeiou"
    closed = verb[-1] in "bdgmnpt" and verb[-2] in vowels and verb[-3] not in vowels
    return len(verb) <= 4 and closed


def _inflections(verb: str) -> set[str]:
    """A regular verb's -s, -ed and -ing forms (and the base unless it is a common noun)."""
    if verb.endswith("e"):
        past, ing = verb + "d", verb[:-1] + "ing"
    elif _short_closed(verb):
        past, ing = verb + verb[-1] + "ed", verb + verb[-1] + "ing"
    else:
        past, ing = verb + "ed", verb + "ing"
    third = verb + "es" if verb.endswith(("sh", "ch", "s", "x")) else verb + "s"
    forms = {past, ing, third}
    if verb not in _AMBIGUOUS_BASES:
        forms.add(verb)
    return forms


_IRREGULAR = {"steal": {"stole", "stolen"}, "seize": {"seized"}, "plead": {"pleaded", "pled"}}

LOADED_WEIGHTS: dict[str, float] = {
    **{form: 0.6 for verb in _MILD_VERBS.split() for form in _inflections(verb)},
    **{form: 0.6 for forms in _IRREGULAR.values() for form in forms},
    **{word: 0.6 for word in _MILD.split()},
    **{form: 1.0 for verb in _STRONG_VERBS.split() for form in _inflections(verb)},
    **{word: 1.0 for word in _STRONG.split()},
}

# Sentiment words that are the ordinary vocabulary of reporting, not a choice of framing.
NEWS_NEUTRAL = _set(
    """no not like well killed kill kills killing died die dies dying death deaths dead fire
    fired firing attack attacks attacked attacking arrested arrest arrests party parties security
    help helped helping helps murder murdered good best better great prison gun guns justice
    charges charge charged play played plays broke broken support supported supporting
    supporters won win wins winning fight fighting fought clear lost lose losing loss losses
    damage damaged failed fail failure failing protect protected protection problem problems
    accused suspect suspects suspected emergency special struck stop stopped war wars forced
    violence violent natural victims victim free freedom criminal criminals chance risk risks
    safety safe increase increased supreme block blocked care sure guilty agreed agreement
    assault crime crimes injury injuries injured unemployment difficult rescue rescued
    rescues cut cuts missed destroyed destroy threat threats ensure strong approved approve
    approval hurt crisis hand ability critics critic critical ban banned wrong interest
    interests huge low lower lowest denied deny denies friends friend refused refuse
    threatened threaten dangerous danger benefits benefit accident powerful successful success
    hopes hope hoped avoid intelligence protest protests weapon weapons warning warned warn
    energy created create share shared popular champion certainly positive negative argued
    argue argues anger scandal happy kind progress effective harm honor illness pressure
    suspended conspiracy promises promise promised fallen battle ready severe excited pretty
    committed commitment responsible struggling struggled fatally fatal certain relief respect
    unclear alive awards award actively active comfortable superior lack true fear favor
    grant peace peaceful bomb bombs bombing love upset easily easy focused poor suffering
    suffered resignation resigned holiday definitely diamond drop join joined fair secure
    alarm restored restore penalty rejected rejects reject entertainment leak engaged yes
    offense offensive grand integrity collapse collapsed fraud disappointing lose important
    worried worry concern concerns concerned fears feared please thanks thank welcome
    welcomed opposition oppose opposed opposes challenge challenges trust illegal abuse
    abused sexual cancer disease sick dying worse worst tragedy tragic ill sorry
    shooting shot shots wounded wounds hostage hostages terror bombings dispute disputes
    agree agrees killer killers chaos cried cry crying funeral mourn mourning grief
    criticism criticisms
    """
)

_VADER_THRESHOLD = 1.5
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


@lru_cache(maxsize=1)
def sentiment_lexicon() -> dict[str, float]:
    """VADER's word valences (−4..4) above the threshold, news-neutral words removed."""
    raw = files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    valences: dict[str, float] = {}
    for line in raw.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].isalpha():
            continue
        word, valence = parts[0].lower(), float(parts[1])
        if abs(valence) >= _VADER_THRESHOLD and word not in NEWS_NEUTRAL and len(word) > 3:
            valences[word] = valence
    return valences


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[str, ...]:
    """The word and its plausible base forms (slammed → slam, rioters → rioter, sharply → sharp).

    Over-generation is harmless where this is used: deciding whether two texts share a word.
    """
    w = _normal(word)
    forms = [w]
    for suffix, repl in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
        ("ly", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: len(w) - len(suffix)] + repl
            forms.append(stem)
            if len(stem) > 3 and stem[-1] == stem[-2] and repl == "":
                forms.append(stem[:-1])
    return tuple(dict.fromkeys(forms))


def _normal(word: str) -> str:
    w = word.lower().replace("’", "'")
    return w[:-2] if w.endswith("'s") else w


def _lookup_forms(word: str) -> tuple[str, ...]:
    """The word, and its singular when it looks like a plain plural (a lexicon lookup)."""
    w = _normal(word)
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 4:
        return (w, w[:-1])
    return (w,)


_PLAIN_NAMES = frozenset().union(*(plain for plain, _ in CONTRAST_GROUPS))
_LOADED_NAMES = frozenset().union(*(loaded for _, loaded in CONTRAST_GROUPS))
_NOT_FRAMING = NEWS_NEUTRAL | _PLAIN_NAMES | DISTANCING | NEUTRAL_ATTRIBUTION | MODAL_HEDGES


@lru_cache(maxsize=65536)
def loaded_weight(word: str) -> float:
    """How loaded a single word is, in [0, 1]; 0 for plain words."""
    forms = _lookup_forms(word)
    if forms[0] in _NOT_FRAMING:
        return 0.0
    best = 0.0
    for form in forms:
        if form in _LOADED_NAMES:
            return 1.0
        best = max(best, LOADED_WEIGHTS.get(form, 0.0))
    valence = sentiment_lexicon().get(forms[0])
    if valence is not None:
        best = max(best, min(1.0, abs(valence) / 3.0))
    return best


@lru_cache(maxsize=65536)
def contrast_group(word: str) -> tuple[int, bool] | None:
    """(group index, is the loaded member) of the first contrast group naming `word`."""
    for form in _lookup_forms(word):
        for index, (plain, loaded) in enumerate(CONTRAST_GROUPS):
            if form in loaded:
                return index, True
            if form in plain:
                return index, False
    return None


def words(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of `text` with their character offsets."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


# Accusations and grave charges: a claim holding one is contested, so who states it matters.
ACCUSATION_STEMS = (
    "accus",
    "alleg",
    "charged with",
    "guilt",
    "crime",
    "criminal",
    "fraud",
    "corrupt",
    "terror",
    "murder",
    "massacr",
    "genocid",
    "tortur",
    "fabricat",
    "stage",
    "staging",
    "cover-up",
    "collu",
    "conspir",
    "bribe",
    "brib",
    "rigg",
    "abus",
    "assault",
    "harass",
    "lied",
    "lying",
    "war crime",
    "atrocit",
    "executed",
    "kidnap",
    "rape",
    "smuggl",
    "illegal",
    "unlawful",
    "violat",
    "misconduct",
    "negligen",
    "indict",
    "convict",
)

# Words that pass judgment on the very thing the other account names plainly ("the so-called
# reform", "a phony budget"): framing beside an aligned passage even without a contrasting word.
JUDGMENT_WORDS = _set(
    """so-called self-styled self-proclaimed phony bogus sham fake hoax farce purported
    supposed"""
)
# Words after which a loaded label describes a kind of act, not an actor ("terrorist attacks").
LABEL_MODIFIED = _set(
    """attack attacks attacked threat threats plot plots cell cells organization organisation
    organizations organisations designation designations list charges charge financing act
    acts activity activities offences offenses offence offense groups group network networks
    training camp camps"""
)
# Stems of the above that mark an accusation as someone's rather than name what is charged.
ACCUSATION_MARKERS = frozenset(("accus", "alleg", "charged with", "indict"))
