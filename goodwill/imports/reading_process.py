"""The entry point of an import's reading process (`imports.ahead`). A spawned process
starts a new interpreter, which unpickles its target before running it: this module
imports nothing of Django's models at its top, so that the target can set Django up before
the import's modules (and the batch, the user) are loaded."""

import os


def main(settings_module: str | None, payload: bytes, out) -> None:
    import django  # noqa: PLC0415 # Django is set up first, in this new interpreter

    if settings_module:  # the import's own settings (else the environment's, inherited)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    django.setup()
    from goodwill.imports import ahead  # noqa: PLC0415 # needs the apps set up

    ahead.serve(payload, out)
