"""Personas of the feedback tests: the network pros (kim, not on Goodwill) for referral surveys."""

from goodwill.network.tests.personas import carol_card, carol_pro, kim  # noqa: F401
