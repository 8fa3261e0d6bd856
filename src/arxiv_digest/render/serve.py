"""`demo --serve`: the site on 127.0.0.1 with the standard library's static file server."""

from __future__ import annotations

import functools
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import DigestError


def serve_dir(root: Path, port: int, announce: Callable[[str], None]) -> None:
    """Serve `root` until interrupted; loopback only, the site needs no server-side code."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise DigestError(f"cannot serve on 127.0.0.1:{port}: {e.strerror}; try --port 0") from None
    with server:
        host, bound = server.server_address[:2]
        announce(f"http://{host!s}:{bound}/")
        server.serve_forever()
