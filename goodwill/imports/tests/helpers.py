from pathlib import Path

from goodwill.imports import actions

FILES = Path(__file__).parent / "files"


def upload_bytes(store, user, name, data: bytes, **kw):
    return actions.upload(
        store, acting_user=user, filename=name, chunks=[data], size=len(data), **kw
    )


def upload_file(store, user, name):
    return upload_bytes(store, user, name, (FILES / name).read_bytes())
