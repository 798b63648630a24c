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


def test_ansi_colours_are_readable_on_both_themes():
    from embedcon.models.contrast import THEMES, ansi_palette, contrast_ratio
    for name, theme in THEMES.items():
        bg = theme["background"]
        colours = ansi_palette(bg)
        assert len(colours) == 16
        for n, colour in enumerate(colours):
            assert contrast_ratio(colour, bg) >= 4.5, (name, n, colour)
        for key in ("text", "prompt", "out_prompt", "stderr", "notice", "link"):
            assert contrast_ratio(theme[key], bg) >= 4.5, (name, key)


def test_readable_keeps_colours_that_already_read():
    from embedcon.models.contrast import contrast_ratio, readable
    assert readable("#000000", "#ffffff") == "#000000"
    assert contrast_ratio(readable("#ffff00", "#ffffff"), "#ffffff") >= 4.5
    assert contrast_ratio(readable("#000080", "#1e1e1e"), "#1e1e1e") >= 4.5


def test_math_is_found_in_markdown_but_not_in_code():
    from embedcon.widgets.rich_build import split_math
    pieces = split_math("a $x^2$ b `$not$` and $$\\int f$$ costs \\$5")
    assert (True, "x^2", False) in pieces and (True, "\\int f", True) in pieces
    assert not any(is_math and "not" in text for is_math, text, _ in pieces)
    assert split_math("price $5 and $6") == [(False, "price $5 and $6", False)]


def test_app_takes_theme_and_style():
    from embedcon.app import EmbedconApp
    app = EmbedconApp()
    app.parse_command_line(["--theme", "dark", "--style", "monokai"])
    assert app.config.RichJupyterWidget.theme == "dark"
    assert app.config.RichJupyterWidget.syntax_style == "monokai"
    EmbedconApp.clear_instance()
