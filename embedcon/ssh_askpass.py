"""The ``SSH_ASKPASS`` program of embedcon's SSH tunnels (run by ``ssh``, not imported).

OpenSSH runs ``$SSH_ASKPASS "prompt"`` when it needs a password or a key
passphrase and reads the answer from the program's standard output (exit
status 0) or takes a non-zero status as "no answer".  :mod:`embedcon.ssh_tunnel`
points ``SSH_ASKPASS`` at a two-line launcher that runs this file with
``python -I`` (isolated: nothing of the environment or of this directory on
``sys.path``).  It relays the prompt to the embedcon process that started
``ssh`` over the Unix socket named by ``EMBEDCON_ASKPASS_SOCKET`` (in a
private 0700 directory) and prints the answer there.  The secret goes from the
embedcon process to this process's stdout, which ssh reads: never into argv,
the environment or a log.

Protocol: one JSON line ``{"prompt": ..., "hint": ...}`` out (``hint`` is
OpenSSH's ``SSH_ASKPASS_PROMPT``); the reply is ``b"1" + answer`` (UTF-8) or
``b"0"`` (no answer), then the socket closes.  Standard library only.
"""

import json
import os
import socket
import sys

SOCKET_VARIABLE = "EMBEDCON_ASKPASS_SOCKET"


def main(argv: list) -> int:
    prompt = argv[1] if len(argv) > 1 else ""
    hint = os.environ.get("SSH_ASKPASS_PROMPT", "")
    if hint == "none":  # a notice ("confirm user presence"): nothing to answer
        return 0
    path = os.environ.get(SOCKET_VARIABLE)
    if not path:
        return 1
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            request = json.dumps({"prompt": prompt, "hint": hint}) + "\n"
            sock.sendall(request.encode("utf-8"))
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
    except OSError:
        return 1
    reply = b"".join(chunks)
    if not reply.startswith(b"1"):
        return 1
    out = sys.stdout.buffer
    out.write(reply[1:] + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
