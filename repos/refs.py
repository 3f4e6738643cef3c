"""Validation of ref and branch names (git check-ref-format rules, without a subprocess)."""

import re

_BAD = re.compile(r"(^[-/.])|(\.\.)|([\x00-\x20\x7f~^:?*\[\\])|(@\{)|(//)|([/.]$)|(\.lock$)|(/\.)|(\.lock/)")


def is_valid_branch_name(name: str) -> bool:
    """Also UTF-8 text: git takes any bytes in a ref name, but no API answer (JSON) or event can carry
    one that is not; a pushed name's undecodable bytes arrive as surrogate escapes (read_commands)."""
    if not name or len(name) > 255 or name == "@" or name == "HEAD":
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return _BAD.search(name) is None
