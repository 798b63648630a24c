"""Style sheets and syntax styles for the console (qtconsole's ``styles`` module names).

For ``console.style_sheet`` (a Qt style sheet; ``.in-prompt`` / ``.out-prompt``
``color`` rules colour the prompts) and ``console.syntax_style`` (a pygments
style name)::

    from embedcon import styles
    console.style_sheet = styles.default_dark_style_sheet
    console.syntax_style = styles.default_dark_syntax_style

    # or from any pygments style, with the prompt colours of a light or dark scheme
    console.style_sheet = styles.sheet_from_template("monokai", "linux")

* ``default_light_style_sheet``, ``default_dark_style_sheet``,
  ``default_bw_style_sheet``; ``default_light_syntax_style`` ("default"),
  ``default_dark_syntax_style`` ("monokai"), ``default_bw_syntax_style`` ("bw").
* ``dark_color(colour)``: whether a colour is dark; ``dark_style(name)``: whether a
  pygments style has a dark background; ``get_colors(name)``: its background,
  selection and text colours; ``sheet_from_template(name, colors)``: a style
  sheet with those colours and the prompt colours of ``colors`` ("lightbg",
  "linux" for dark backgrounds, "nocolor" for black and white).
"""

from __future__ import annotations

__all__ = [
    "dark_color", "dark_style", "get_colors", "sheet_from_template",
    "default_light_style_sheet", "default_dark_style_sheet", "default_bw_style_sheet",
    "default_light_syntax_style", "default_dark_syntax_style", "default_bw_syntax_style",
]

default_light_syntax_style = "default"
default_dark_syntax_style = "monokai"
default_bw_syntax_style = "bw"

# prompt and error colours per scheme (names as in qtconsole's ``colors`` option)
_SCHEMES = {
    "lightbg": {"in": "#00a000", "out": "#c00000", "error": "#b22222"},
    "linux": {"in": "#66d966", "out": "#ff6e6e", "error": "#ff5555"},
    "nocolor": {"in": "#000000", "out": "#000000", "error": "#000000"},
}

_TEMPLATE = """\
QPlainTextEdit, QTextEdit {{
    background-color: {bgcolor};
    color: {fgcolor};
    selection-background-color: {select};
}}
.in-prompt {{ color: {in_prompt}; }}
.out-prompt {{ color: {out_prompt}; }}
.error {{ color: {error}; }}
"""


def dark_color(color: str) -> bool:
    """Whether ``color`` (``#rrggbb``, ``#rgb`` or a colour name) is dark
    (relative luminance below one half)."""
    from qtpy import QtGui

    c = QtGui.QColor(color)
    if not c.isValid():
        raise ValueError(f"not a colour: {color!r}")
    luminance = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF()
    return luminance < 0.5


def _style(stylename: str):
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:
        return get_style_by_name(stylename)
    except ClassNotFound as exc:
        raise ValueError(f"unknown pygments style {stylename!r}") from exc


def dark_style(stylename: str) -> bool:
    """Whether the pygments style ``stylename`` has a dark background."""
    return dark_color(get_colors(stylename)["bgcolor"])


def get_colors(stylename: str) -> dict[str, str]:
    """``{"bgcolor", "select", "fgcolor"}`` of the pygments style ``stylename``."""
    from pygments.token import Token

    style = _style(stylename)
    bg = style.background_color or "#ffffff"
    select = style.highlight_color or "#cccccc"
    fg = style.style_for_token(Token.Text).get("color")
    if fg:
        fg = fg if fg.startswith("#") else "#" + fg
    else:
        fg = "#f0f0f0" if dark_color(bg) else "#000000"
    return {"bgcolor": bg, "select": select, "fgcolor": fg}


def sheet_from_template(name: str, colors: str = "lightbg") -> str:
    """A style sheet with the colours of the pygments style ``name`` and the
    prompt colours of the scheme ``colors`` ("lightbg", "linux", "nocolor")."""
    scheme = _SCHEMES.get(colors.lower())
    if scheme is None:
        raise ValueError(f"unknown colour scheme {colors!r}; known: {', '.join(_SCHEMES)}")
    if colors.lower() == "nocolor":
        base = {"bgcolor": "#ffffff", "select": "#cccccc", "fgcolor": "#000000"}
    else:
        base = get_colors(name)
    return _TEMPLATE.format(in_prompt=scheme["in"], out_prompt=scheme["out"],
                            error=scheme["error"], **base)


default_light_style_sheet = sheet_from_template(default_light_syntax_style, "lightbg")
default_dark_style_sheet = sheet_from_template(default_dark_syntax_style, "linux")
default_bw_style_sheet = sheet_from_template(default_bw_syntax_style, "nocolor")
