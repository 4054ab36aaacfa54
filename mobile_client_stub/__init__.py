"""The officer's app, as a command line: log operations, seizures and arrests offline-first.

Speaks only HTTP to the published API (httpx); never imports Django or the server's code.
Run: `python -m mobile_client_stub --server URL --token TOKEN [--queue PATH] <command>`.
"""

__version__ = "1.0.0"
