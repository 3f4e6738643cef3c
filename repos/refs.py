"""Validation of ref and branch names (git check-ref-format rules, without a subprocess)."""

import re

_BAD = re.compile(r"(^[-/.])|(\.\.)|([\x00-\x20\x7f~^:?*\[\\])|(@\{)|(//)|([/.]$)|(\.lock$)|(/\.)|(\.lock/)")


def is_valid_branch_name(name: str) -> bool:
    if not name or len(name) > 255 or name == "@" or name == "HEAD":
        return False
    return _BAD.search(name) is None
