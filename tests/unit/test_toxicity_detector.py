"""The toxicity detector on its own: offsets that index the text as written, storage
without pickle, learning from verdicts, the bound on the work, and the cache of the
model trained from the shipped data. A tiny model trained here keeps most tests fast;
the shipped one (built or loaded once per run by conftest) checks real words."""
import io

import numpy as np
import pytest

from moderation.toxicity import default, training
from moderation.toxicity.detector import MAX_CHARS, Detector
from moderation.toxicity.features import Words, tokenize

TOXIC = ["you are an idiot", "what a moron you are", "shut up you stupid fool",
         "idiot politicians again", "this writer is a moron", "stupid people everywhere"]
CIVIL = ["the council approved the budget", "thanks for the thoughtful article",
         "I disagree with the mayor on taxes", "great reporting on the school board",
         "the bridge repair starts monday", "voters will decide in november"]
INSULTS = ("idiot", "moron", "stupid", "fool")


def offsets(text):
    return [i for word in INSULTS if (start := text.find(word)) >= 0
            for i in range(start, start + len(word))]


@pytest.fixture(scope="module")
def tiny():
    return training.train(TOXIC + CIVIL, [True] * 6 + [False] * 6,
                          [offsets(t) for t in TOXIC] + [[]] * 6, bits=16, doc_C=10.0,
                          token_C=10.0)


def test_scores_rank_and_offsets_index_the_text_as_written(tiny):
    assert tiny.score("The council meets on Monday") < tiny.score("You absolute IDIOT, go away")
    text = "  Well…  you’re an 😀 IDIOOOOT 😀 and a moron!"
    score, found = tiny.analyse(text)
    assert 0 <= score <= 1 and found
    shown = {text[start:end] for start, end, _ in found}
    assert "IDIOOOOT" in shown  # runs cut: read as "idioot"
    assert shown <= {"IDIOOOOT", "moron", "you’re", "an", "and", "a"}


def test_words_of_a_text_hash_the_same_wherever_they_stand():
    one = Words(["idiot"], 20)
    many = Words([t[2] for t in tokenize("you are an idiot, an idiot")], 20)
    assert list(many.own[many.owner == 3]) == list(one.own) == list(many.own[many.owner == 5])
    assert Words([], 20).document().size == 0


def test_stored_as_plain_arrays_and_read_back_alike(tiny):
    data = tiny.dumps()
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:  # no pickle needed
        assert set(stored.files) >= {"version", "config", "idf", "doc_w", "doc_b", "tok_w",
                                     "tok_b"}
    again = Detector.loads(data)
    for text in TOXIC + CIVIL + ["", "   ", "!!!"]:
        assert again.analyse(text) == tiny.analyse(text)


def test_a_model_of_other_features_is_refused(tiny):
    buffer = io.BytesIO()
    np.savez(buffer, version=np.array([0]), config=np.zeros(2, np.uint8), **tiny.a)
    with pytest.raises(ValueError, match="features v0"):
        Detector.loads(buffer.getvalue())


def test_update_moves_the_score_and_leaves_the_original(tiny):
    text = "you people are the reason this country is failing"
    before = tiny.score(text)
    changed = tiny.copy().update([text, "people of this country vote"], [True, False],
                                 rate=0.5, epochs=5)
    assert changed.score(text) > before == tiny.score(text)
    assert changed.config["updates"] == 2


def test_work_is_bounded_to_the_first_characters(tiny):
    head = "the council approved the budget " * (MAX_CHARS // 32 + 1)
    score, found = tiny.analyse(head + "you idiot " * 1000)
    assert (score, found) == tiny.analyse(head[:MAX_CHARS])  # the tail is never read


def test_the_shipped_model_scores_insults_and_highlights_the_word(toxicity_model):
    text = "The mayor is an idiot."
    score, found = toxicity_model.analyse(text)
    assert score >= 0.75 and [text[s:e] for s, e, _ in found] == ["idiot"]
    assert toxicity_model.score("The council approved the budget on Monday.") < 0.3


def test_the_cache_is_named_by_what_the_model_is_made_of(tmp_path, monkeypatch):
    first = default.cache_path(tmp_path)
    assert first.parent == tmp_path and first.name.startswith("toxicity-")
    monkeypatch.setitem(training.SETTINGS, "doc_C", 1.0)
    default.cache_key.cache_clear()
    try:
        assert default.cache_path(tmp_path) != first  # other settings: another build
    finally:
        monkeypatch.undo()
        default.cache_key.cache_clear()
    assert default.default_detector(tmp_path, build=False) is None  # never trains unasked


def test_a_damaged_cache_file_is_not_loaded(tmp_path):
    path = default.cache_path(tmp_path)
    path.write_bytes(b"not a model")
    assert default.default_detector(tmp_path, build=False) is None
