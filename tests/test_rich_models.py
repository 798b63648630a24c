"""Pure models of rich output: the MIME choice (embedcon/models/mime.py)."""

from embedcon.models.mime import DEFAULT_MIME_PREFERENCE, choose_mime, payload_text, unshown_types


def test_richest_form_first():
    bundle = {"text/plain": "t", "text/html": "<b>h</b>", "image/png": "iVBOR"}
    assert choose_mime(bundle) == "image/png"
    assert choose_mime(bundle, skip={"image/png"}) == "text/html"
    assert choose_mime(bundle, preference=("text/plain", "text/html")) == "text/plain"
    assert choose_mime({"text/markdown": ["# a\n", "b"]}) == "text/markdown"


def test_unusable_payloads_and_bundles():
    assert choose_mime({"image/png": 5, "text/plain": "x"}) == "text/plain"
    assert choose_mime({"application/json": {}}) is None
    assert choose_mime(None) is None and choose_mime([1]) is None
    assert payload_text(["a", 1]) is None


def test_unknown_types_are_named():
    bundle = {"text/plain": "IntSlider(value=0)",
              "application/vnd.jupyter.widget-view+json": {"model_id": "x"}}
    assert unshown_types(bundle) == ["application/vnd.jupyter.widget-view+json"]
    assert unshown_types({"text/html": "x"}) == []
    assert "text/plain" == DEFAULT_MIME_PREFERENCE[-1]
