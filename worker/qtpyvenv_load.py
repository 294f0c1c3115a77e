# SPDX-License-Identifier: MIT
# Run with -c through a launcher (docs/protocol.md): reads the host's bootstrap frame from stdin,
# byte by byte as far as it goes, so the worker after it finds the channel where it should be.
import json, os
def _read(n):
    data = b""
    while len(data) < n:
        chunk = os.read(0, n - len(data))
        if not chunk:
            raise SystemExit("qtpyvenv: the connection closed before the bootstrap arrived")
        data += chunk
    return data
_frame = json.loads(_read(int.from_bytes(_read(4), "big") & 0x1FFFFFFF))
_space = {"__name__": "qtpyvenv_bootstrap"}
exec(compile(_frame["source"], "qtpyvenv_bootstrap.py", "exec"), _space)
_space["main"](_frame["prepare"])
