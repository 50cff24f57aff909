from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """The top layer: fictional data for the demo (`goodwill demo`) and for benchmarks
    (`goodwill simulate`). Nothing imports it; it imports whatever it seeds."""

    name = "goodwill.devdata"
    label = "devdata"
    verbose_name = "Demo and simulated data"
