from goodwill.network.tests.personas import carol_card, carol_pro, kim  # noqa: F401
