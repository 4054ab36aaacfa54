"""Where the API token is kept: its own file beside the queue, readable by the officer only.

The queue file holds records and is copied for support; the token is a credential, so it is
not in it. The file is created with mode 0600 (owner read/write) and replaced atomically.
On a phone this would be the platform's keystore; a 0600 file is the simple equivalent here.
"""

import os
from pathlib import Path


def token_path(queue_path: Path) -> Path:
    return queue_path.with_name(queue_path.name + ".token")


def load_token(queue_path: Path) -> str | None:
    path = token_path(queue_path)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return token or None


def save_token(queue_path: Path, token: str) -> Path:
    path = token_path(queue_path)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the file already existed with wider rights
        os.write(fd, token.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return path


def forget_token(queue_path: Path) -> None:
    token_path(queue_path).unlink(missing_ok=True)
