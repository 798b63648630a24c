"""The standalone application's parts: window and tabs (``window``), kernels shared
by tabs (``kernels``), the menu table (``menus``), the status bar (``status``),
dialogs (``dialogs``) and warm spare kernels (``spare``).  The command-line
application itself is :class:`embedcon.app.EmbedconApp`; the saved session is
the pure model :mod:`embedcon.models.session_store`.
"""
