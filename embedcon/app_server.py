"""The standalone console's ``--server`` mode: kernels behind a Jupyter Server.

``embedcon --server URL`` starts a kernel (``--kernel NAME``, else the
server's default spec) on the Jupyter Server / Enterprise Gateway / JupyterHub
single-user server at URL and opens a console on it; ``--kernel-id ID``
attaches to a running kernel instead; ``--list`` prints the server's kernels
and kernel specs and exits.  The token comes from ``--token``, the URL's
``?token=`` or the ``JUPYTER_TOKEN`` environment variable (the safest: a
command line is visible to other users of the machine); it is sent in a
header only and never printed.  ``--ca-file`` trusts a private CA for https.
Every failure is one line on stderr and exit status 1, within 5 s.
"""

from __future__ import annotations

import sys

from traitlets import Bool, Unicode
from traitlets.config import Configurable

__all__ = ["ServerOptions", "server_aliases", "server_flags", "server_examples"]

server_aliases = {
    "server": "EmbedconApp.server_url",
    "token": "EmbedconApp.server_token",
    "kernel-id": "EmbedconApp.server_kernel_id",
    "ca-file": "EmbedconApp.server_ca_file",
}
server_flags = {
    "list": ({"EmbedconApp": {"server_list": True}},
             "With --server: list the server's kernels and kernel specs, then exit."),
}
server_examples = """
embedcon --server https://host:8888       # a new kernel on a Jupyter Server (token: JUPYTER_TOKEN)
embedcon --server URL --list              # the server's kernels and kernel specs
embedcon --server URL --kernel-id ID      # attach to a kernel running on the server
"""


class ServerOptions(Configurable):
    """The ``--server`` options of :class:`embedcon.app.EmbedconApp` (a mixin)."""

    server_url = Unicode(
        "", config=True,
        help="URL of a Jupyter Server, Enterprise Gateway or JupyterHub single-user server "
             "whose kernel the console uses (instead of a local kernel).")
    server_token = Unicode(
        "", config=True,
        help="The server's token (default: the URL's ?token= or $JUPYTER_TOKEN, which is "
             "safer: a command line is visible to other users).")
    server_kernel_id = Unicode(
        "", config=True, help="With --server: attach to this running kernel instead of "
                              "starting one.")
    server_ca_file = Unicode(
        "", config=True, help="With --server over https: a PEM file of CA certificates to "
                              "trust instead of the system's.")
    server_list = Bool(
        False, config=True, help="With --server: list kernels and kernel specs, then exit.")

    def init_server_kernel(self) -> None:
        """Start or attach to the kernel on the server; set ``kernel_manager``
        and ``kernel_client`` (exits with a one-line error on failure)."""
        from .kernels.server import JupyterServer, ServerError, ServerKernelManager

        try:
            server = JupyterServer(self.server_url, token=self.server_token or None,
                                   ca_file=self.server_ca_file or None)
            if self.server_list:
                self._print_server_listing(server)
                self.exit(0)
            km = ServerKernelManager(server)
            if self.server_kernel_id:
                km.attach(self.server_kernel_id)
            else:
                chosen = self.config.get("JupyterConsoleApp", {}).get("kernel_name")
                km.start_kernel(chosen or None)
        except ServerError as exc:
            self._fail(str(exc))
        self.kernel_manager = km
        self.kernel_client = km.client()
        self.kernel_client.start_channels()

    def _print_server_listing(self, server) -> None:
        specs = server.kernelspecs()
        kernels = server.kernels()
        out = sys.stdout
        default = specs.get("default")
        print("Kernel specs:", file=out)
        for name, spec in sorted(specs["kernelspecs"].items()):
            display = (spec.get("spec") or {}).get("display_name", "") if isinstance(spec, dict) \
                else ""
            mark = " (default)" if name == default else ""
            print(f"  {name:<20} {display}{mark}", file=out)
        print("Running kernels:", file=out)
        if not kernels:
            print("  (none)", file=out)
        for k in kernels:
            print(f"  {k.get('id')}  {k.get('name', ''):<12} {k.get('execution_state', '')}"
                  f"  connections: {k.get('connections', '?')}", file=out)
