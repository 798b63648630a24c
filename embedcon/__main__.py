"""``python -m embedcon`` and the ``embedcon`` command: the standalone console.

This module stays light on purpose: with no arguments (a console on a new
default kernel) the kernel's process is launched here, before jupyter_client
and Qt are imported, so that it does its imports while we do ours (see
``embedcon/head_start.py``).
"""

import sys


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if "--help-keys" in args:  # the key reference, from the key map's tables
        from .models.keyref import text_reference

        print(text_reference(), end="")
        return
    head = None
    if not args:
        from . import head_start

        if head_start.start_early("python3") is not None:
            head = head_start.claim_early()
    from .app import EmbedconApp

    try:
        EmbedconApp.launch_instance(args, kernel_head_start=head)
    finally:
        if head is not None:
            head.discard()  # no-op once the kernel manager took it


if __name__ == "__main__":
    main()
