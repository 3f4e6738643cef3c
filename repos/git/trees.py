"""Files and directories at a commit: the contents API, code owners, pipeline definitions."""

import itertools

from .store import open_repository


class PathNotFound(Exception):
    pass


def safe_path(path: str) -> str:
    """A repository-relative path, or ValueError for absolute paths, `..`, and control characters."""
    if path.startswith("/") or "\\" in path or "\x00" in path:
        raise ValueError("must be a relative path")
    parts = [p for p in path.split("/") if p not in ("",)]
    if any(p in (".", "..") for p in parts):
        raise ValueError("must not contain '.' or '..' components")
    return "/".join(parts)


def shown(name: str) -> str:
    """A path from a tree or a diff as an API response can carry it. git names are bytes; pygit2 hands a
    name that is not UTF-8 over with surrogate escapes, which no JSON encoder takes: such bytes read as
    U+FFFD (the name shows; it cannot be addressed by it)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


class BlobTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


def header(repo, oid) -> tuple[int, int]:
    """(object type, size) from the object's header: reading a blob reads all of it into memory, and a
    pushed blob may be as large as the push."""
    return repo.odb.read_header(oid)


def read_blob_at(repo_id: int, sha: str, path: str, *, max_bytes: int) -> bytes | None:
    """The content of `path` in commit `sha`, or None if there is no such file (or `sha` names no commit:
    a pushed tag may point at a tree); BlobTooLarge (read no further than its size) when it is over
    `max_bytes`."""
    import pygit2

    repo = open_repository(repo_id)
    try:
        tree = repo.get(sha).peel(pygit2.Commit).tree
        entry = tree[path]
        kind, size = header(repo, entry.id)
    except (KeyError, ValueError, AttributeError, pygit2.GitError):
        return None
    if kind != pygit2.enums.ObjectType.BLOB:
        return None
    if size > max_bytes:
        raise BlobTooLarge(size)
    return repo.get(entry.id).data


# A directory listing's first entries, in git's order, as GitHub's contents API lists at most 1,000: a pushed
# tree may hold millions (each listed entry also costs an object header read).
DIR_ENTRIES_LIMIT = 1000


def read_path(repo_id: int, sha: str, path: str, *, max_bytes: int) -> dict:
    """A file `{type: "file", name, path, sha, size, data|None}` (data None when over max_bytes) or a
    directory `{type: "dir", entries: [{type, name, path, sha, size}]}` at `path` in commit `sha`."""
    import pygit2

    path = safe_path(path)
    repo = open_repository(repo_id)
    tree = repo.get(sha).peel(pygit2.Tree)
    if path:
        try:
            entry = tree[path]
        except KeyError:
            raise PathNotFound(path) from None
        if entry.filemode == pygit2.enums.FileMode.COMMIT:  # a submodule: its commit is in another repository
            raise PathNotFound(path)
        obj = repo.get(entry.id) if entry.filemode == pygit2.enums.FileMode.TREE else None
    else:
        entry, obj = None, tree
    # Sizes from object headers, content only within max_bytes: see header.
    if obj is not None:
        entries = []
        for child in itertools.islice(obj, DIR_ENTRIES_LIMIT):
            kind = {pygit2.enums.FileMode.TREE: "dir", pygit2.enums.FileMode.LINK: "symlink",
                    pygit2.enums.FileMode.COMMIT: "submodule"}.get(child.filemode, "file")
            size = 0
            if kind in ("file", "symlink"):
                size = header(repo, child.id)[1]
            name = shown(child.name)
            entries.append({"type": kind, "name": name, "path": f"{path}/{name}" if path else name,
                            "sha": str(child.id), "size": size})
        return {"type": "dir", "path": path, "sha": str(obj.id), "entries": entries}
    kind = "symlink" if entry.filemode == pygit2.enums.FileMode.LINK else "file"
    size = header(repo, entry.id)[1]
    return {"type": kind, "name": entry.name, "path": path, "sha": str(entry.id), "size": size,
            "data": repo.get(entry.id).data if size <= max_bytes else None}
