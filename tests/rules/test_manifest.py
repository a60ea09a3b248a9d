"""The manifest family beyond each rule's own examples."""

from __future__ import annotations

import pytest

from dify_lint.examples import manifest
from helpers import lint, only


@pytest.mark.parametrize(
    ("policy", "reported"),
    [
        ("Requests are logged for a day.\n", False),
        ("Nothing you send is stored.\n", False),
        ("See our blog about the technology behind it.\n", True),  # "log" inside a word says nothing
        ("This plugin converts units.\n", True),
    ],
)
def test_a_privacy_policy_says_what_happens_to_data_in_words_not_parts_of_words(tmp_path, policy, reported):
    files = {"manifest.yaml": manifest() + "privacy: PRIVACY.md\n", "PRIVACY.md": policy}
    found = only(lint(tmp_path, files, select=["DPL107"]), "DPL107")
    assert bool(found) is reported, [d.message for d in found]
