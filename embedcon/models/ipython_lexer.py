"""Lexing one line of IPython input with pygments, without importing IPython.

IPython kernels name the ``ipython3`` lexer, a pygments plugin whose lookup
imports IPython into the frontend (0.4 s on the GUI thread).  This lexer
wraps pygments' own Python lexer and adds IPython's syntax, one line at a
time as the highlighter lexes:

* magics: ``%timeit f(x)``, ``%%time``, ``x = %env HOME`` - the magic's name
  is a ``Name.Decorator`` (IPython's escape in ``Operator``), its arguments
  Python;
* shell escapes: ``!ls -l``, ``!!ls``, ``files = !ls`` - the command lexed as
  Bash;
* help: ``obj?``, ``obj??``, ``?obj``, ``%magic?`` - the ``?`` as ``Operator``;
* cell magics: :meth:`IPythonLineLexer.cell_lexer_name` names the lexer for
  the body of a cell that starts with ``%%bash``, ``%%html``,
  ``%%javascript``, ``%%script perl``... (the highlighter lexes the lines
  after the first with it).

Anything else is the Python lexer's.  Pure Python (pygments only).
"""

from __future__ import annotations

import re

__all__ = ["IPythonLineLexer", "is_ipython"]

# the left-hand side of "x = !ls" / "a, b = %sx ls": names, dots, commas
_ASSIGN = re.compile(r"^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)(?=[!%])")
_MAGIC = re.compile(r"^(\s*)(%%?)([A-Za-z_][\w.]*)")
_SHELL = re.compile(r"^(\s*)(!!?)")
_HELP_BEFORE = re.compile(r"^(\s*)(\?\??)(?=[A-Za-z_%])")
_HELP_AFTER = re.compile(r"(\?\??)(\s*)$")
# "obj?" only when what precedes the ? looks like a name (not "a ? b" or a string)
_HELP_TARGET = re.compile(r"^\s*[%*A-Za-z_][\w.*\[\]()'\"]*$")
_CELL = re.compile(r"^\s*%%([A-Za-z_]\w*)(?:[ \t]+(\S+))?")
# cell magic -> pygments lexer of its body (None: the body is Python)
CELL_LEXERS = {
    "bash": "bash", "sh": "bash", "html": "html", "HTML": "html", "javascript": "javascript",
    "js": "javascript", "latex": "latex", "markdown": "markdown", "perl": "perl",
    "ruby": "ruby", "svg": "xml", "writefile": "text", "file": "text", "sql": "sql",
}


def is_ipython(name: str) -> bool:
    """Whether a kernel's lexer name means IPython's syntax (``ipython3``...)."""
    return name.lower().startswith("ipython")


class IPythonLineLexer:
    """``get_tokens(line)`` like a pygments lexer's, IPython syntax included."""

    name = "IPython (embedcon)"

    def __init__(self):
        from pygments.lexers import get_lexer_by_name

        self.python = get_lexer_by_name("python", stripnl=False, ensurenl=False)
        self._bash = None

    def _shell(self):
        if self._bash is None:
            from pygments.lexers import get_lexer_by_name

            self._bash = get_lexer_by_name("bash", stripnl=False, ensurenl=False)
        return self._bash

    def cell_lexer_name(self, first_line: str) -> str | None:
        """The pygments lexer for the body of a cell whose first line is
        ``first_line`` (``%%bash`` -> "bash"); None when the body is Python."""
        m = _CELL.match(first_line)
        if not m:
            return None
        if m.group(1) == "script":
            return CELL_LEXERS.get((m.group(2) or "").rsplit("/", 1)[-1])
        return CELL_LEXERS.get(m.group(1))

    def get_tokens(self, text: str):
        from pygments.token import Name, Operator, Text

        m = _ASSIGN.match(text)
        if m:
            yield from self._python(m.group(1))
            text = text[m.end():]
        m = _SHELL.match(text)
        if m:
            if m.group(1):
                yield Text, m.group(1)
            yield Operator, m.group(2)
            rest = text[m.end():]
            n = len(rest)
            # bash's lexer ends a comment at a line end: lex with one, yield the line only
            for ttype, value in self._shell().get_tokens(rest + "\n"):
                if n <= 0:
                    break
                yield ttype, value[:n]
                n -= len(value)
            return
        m = _HELP_BEFORE.match(text)
        if m:
            if m.group(1):
                yield Text, m.group(1)
            yield Operator, m.group(2)
            text = text[m.end():]
        help_after = None
        h = _HELP_AFTER.search(text)
        if h and _HELP_TARGET.match(text[:h.start()]):
            help_after = h.group(1), h.group(2)
            text = text[:h.start()]
        m = _MAGIC.match(text)
        if m:
            if m.group(1):
                yield Text, m.group(1)
            yield Operator, m.group(2)
            yield Name.Decorator, m.group(3)
            text = text[m.end():]
        yield from self._python(text)
        if help_after is not None:
            yield Operator, help_after[0]
            if help_after[1]:
                yield Text, help_after[1]

    def _python(self, text: str):
        if text:
            yield from self.python.get_tokens(text)
