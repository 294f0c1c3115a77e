# SPDX-License-Identifier: MIT
"""Starts a QtPyVenv worker (docs/protocol.md):

    QTPYVENV_PROTOCOL_FD=FD,PIPE python qtpyvenv_start.py MAX_WORKERS MAX_FRAME_BYTES

Python compiles the script it runs on every start but caches the bytecode of what it imports,
so the worker is imported from here, with its bytecode kept in __pycache__ beside it even where
PYTHONDONTWRITEBYTECODE is set: that saves some 8 ms of every start. The host removes
__pycache__ with the rest of what it made."""
import sys

_writes = sys.dont_write_bytecode
sys.dont_write_bytecode = False
import qtpyvenv_worker  # noqa: E402

sys.dont_write_bytecode = _writes
qtpyvenv_worker.main()
