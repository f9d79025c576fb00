"""CBV vocabularies and their four spellings."""

from __future__ import annotations

import pytest

from livetrace.epcis import cbv


@pytest.mark.parametrize(
    ("vocabulary", "word", "urn", "web"),
    [
        (
            cbv.BIZ_STEP,
            "shipping",
            "urn:epcglobal:cbv:bizstep:shipping",
            "https://ref.gs1.org/cbv/BizStep-shipping",
        ),
        (
            cbv.DISPOSITION,
            "in_transit",
            "urn:epcglobal:cbv:disp:in_transit",
            "https://ref.gs1.org/cbv/Disp-in_transit",
        ),
        (
            cbv.BIZ_TRANSACTION_TYPE,
            "po",
            "urn:epcglobal:cbv:btt:po",
            "https://ref.gs1.org/cbv/BTT-po",
        ),
        (
            cbv.SOURCE_DEST_TYPE,
            "owning_party",
            "urn:epcglobal:cbv:sdt:owning_party",
            "https://ref.gs1.org/cbv/SDT-owning_party",
        ),
        (
            cbv.ERROR_REASON,
            "did_not_occur",
            "urn:epcglobal:cbv:er:did_not_occur",
            "https://ref.gs1.org/cbv/ER-did_not_occur",
        ),
    ],
)
def test_forms(vocabulary: cbv.Vocabulary, word: str, urn: str, web: str) -> None:
    curie = web.replace("https://ref.gs1.org/cbv/", "cbv:")
    for form in (word, urn, web, curie):
        assert vocabulary.to_bare(form) == word
    assert vocabulary.to_urn(word) == urn
    assert vocabulary.to_web_uri(word) == web


def test_list_sizes() -> None:
    assert len(cbv.BIZ_STEPS) == 41
    assert len(cbv.DISPOSITIONS) == 33
    assert len(cbv.BIZ_TRANSACTION_TYPES) == 13
    assert len(cbv.MEASUREMENT_TYPES) == 72


def test_measurement_types_use_gs1_voc() -> None:
    assert cbv.MEASUREMENT_TYPE.to_bare("gs1:Temperature") == "Temperature"
    assert cbv.MEASUREMENT_TYPE.to_bare("https://gs1.org/voc/Temperature") == "Temperature"
    assert cbv.MEASUREMENT_TYPE.to_urn("Temperature") == "gs1:Temperature"


def test_unknown_values_untouched() -> None:
    assert cbv.BIZ_STEP.to_bare("https://example.com/milling") == "https://example.com/milling"
    assert not cbv.BIZ_STEP.is_standard("transforming")
    assert cbv.is_reserved_cbv_uri("urn:epcglobal:cbv:bizstep:flying")
