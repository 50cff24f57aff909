from goodwill.network.tests.personas import carol_card, carol_pro  # noqa: F401
