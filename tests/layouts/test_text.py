"""The words of the interface (layouts/text.py): every key in both languages, every
vocabulary key of data/schema.py and every metric of the registry worded."""

from __future__ import annotations

from data import schema
from data.metric_registry import KEYS
from layouts.text import LABELS, METRIC_NAMES, TEXT, label, metric_label


def test_every_text_key_is_in_both_languages():
    assert set(TEXT["zh"]) == set(TEXT["en"])
    assert set(LABELS["zh"]) == set(LABELS["en"])


def test_every_action_has_words_in_both_languages() -> None:
    for lang in ("zh", "en"):
        for action in schema.ACTIONS:
            assert label(action, lang) != action, (lang, action)  # a word, not the key
    # the action words did not overwrite a status, source or level word
    assert label("grid") == "网格" and label("closed") == "已结案"
    assert label("urge") == "督办" and label("return", "en") == "Return"


def test_every_vocabulary_key_has_words():
    keys = (*schema.STATUSES, *schema.CASE_CLASSES, *schema.SOURCES, *schema.RESOLVED_LEVELS,
            *schema.VISIT_RESULTS, *schema.MEDIATION_OUTCOMES, *schema.MEDIATION_KINDS,
            *schema.VISIT_CHANNELS, *schema.OFFICER_ROLES)
    for lang in ("zh", "en"):
        for key in keys:
            assert label(key, lang) != key, (lang, key)
    assert label("no-such-key", "en") == "no-such-key"  # the key itself, never an error
    assert label("closed", "fr") == "已结案"  # an unknown language reads Chinese


def test_every_metric_of_the_registry_has_a_name_in_both_languages():
    for lang in ("zh", "en"):
        assert set(METRIC_NAMES[lang]) == set(KEYS), lang
    assert metric_label("closure_rate") == "结案率"
    assert metric_label("closure_rate", "en") == "Closure rate"
