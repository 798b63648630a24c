"""The standalone application's parts: window and tabs (``window``), kernels shared
by tabs (``kernels``), the menu table (``menus``), the status bar (``status``),
dialogs (``dialogs``); warm spare kernels are the library's
:mod:`embedcon.kernels.local.spare`, one pool shared by the tabs.  The command-line
application itself is :class:`embedcon.app.EmbedconApp`; the saved session is
the pure model :mod:`embedcon.models.session_store`.
"""
