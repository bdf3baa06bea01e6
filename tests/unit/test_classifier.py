import pytest

from moderation.spam.classifier import Classifier, default_classifier

SPAM = [
    "check out my channel http://bit.ly/abc and subscribe",
    "free gift cards, click http://free-cards.example.com now",
    "subscribe to my channel please, new videos every day",
    "win money fast, visit www.cashnow.biz",
    "check out my new song on my channel and subscribe",
    "earn $500 a day from home http://earn.example.net",
]
HAM = [
    "this song is so good, I listen to it every morning",
    "the chorus at the end gave me chills",
    "who else is watching this in 2015?",
    "her voice is amazing in this live version",
    "I remember dancing to this at my cousin's wedding",
    "the video is funny, the dog steals the show",
]


def test_learns_a_separable_set():
    model = Classifier.train(SPAM + HAM, ["spam"] * len(SPAM) + ["ham"] * len(HAM))

    assert model.spam_probability("subscribe to my channel http://bit.ly/xyz") > 0.5
    assert model.spam_probability("this song gave me chills, amazing voice") < 0.5


def test_accepts_bool_labels_and_rejects_unknown_ones():
    Classifier.train(SPAM + HAM, [True] * len(SPAM) + [False] * len(HAM))
    with pytest.raises(ValueError):
        Classifier.train(SPAM + HAM, ["spam"] * len(SPAM) + ["maybe"] * len(HAM))


def test_learn_moves_a_new_kind_of_spam_upward():
    model = Classifier.train(SPAM + HAM, ["spam"] * len(SPAM) + ["ham"] * len(HAM))
    new_spam = "cheap replica watches, best prices, order today"
    before = model.spam_probability(new_spam)

    decisions = [f"replica watches {n}, best prices, order today" for n in range(30)]
    # Interleave ham so the update cannot just raise every score.
    texts = [t for pair in zip(decisions, HAM * 5) for t in pair]
    labels = ["spam", "ham"] * len(decisions)
    model.learn(texts, labels)

    assert model.spam_probability(new_spam) > max(0.5, before + 0.2)
    assert model.spam_probability(HAM[0]) < 0.5


def test_single_text_scoring_matches_batch_features():
    model = Classifier.train(SPAM + HAM, ["spam"] * len(SPAM) + ["ham"] * len(HAM))
    texts = ["Caf&eacute; <a href=\"http://x.example.com/p\">link</a> &amp; more", "plain words"]

    assert [model.logit(t) for t in texts] == pytest.approx(list(model.logits(texts)))


def test_dumps_loads_round_trip_is_exact():
    model = Classifier.train(SPAM + HAM, ["spam"] * len(SPAM) + ["ham"] * len(HAM))
    model.learn(["buy followers cheap"], ["spam"])

    restored = Classifier.loads(model.dumps())

    for text in SPAM + HAM + ["something else entirely"]:
        assert restored.spam_probability(text) == model.spam_probability(text)


def test_default_classifier_separates_obvious_spam_from_ham():
    model = default_classifier()

    spam = model.spam_probability("Check out my channel and subscribe! http://www.youtube.com/watch?v=abc123")
    ham = model.spam_probability("I love this song, it reminds me of summer 2012")
    assert spam > 0.8
    assert ham < 0.2
