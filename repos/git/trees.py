"""Files and directories at a commit: the contents API, code owners, pipeline definitions."""

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


def read_blob_at(repo_id: int, sha: str, path: str) -> bytes | None:
    """The content of `path` in commit `sha`, or None if there is no such file."""
    import pygit2

    repo = open_repository(repo_id)
    try:
        tree = repo.get(sha).peel(pygit2.Tree)
        entry = tree[path]
    except (KeyError, ValueError, AttributeError, pygit2.GitError):
        return None
    obj = repo.get(entry.id)
    return obj.data if isinstance(obj, pygit2.Blob) else None


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
        obj = repo.get(entry.id)
    else:
        entry, obj = None, tree
    if isinstance(obj, pygit2.Tree):
        entries = []
        for child in obj:
            kind = {pygit2.enums.FileMode.TREE: "dir", pygit2.enums.FileMode.LINK: "symlink",
                    pygit2.enums.FileMode.COMMIT: "submodule"}.get(child.filemode, "file")
            size = 0
            if kind in ("file", "symlink"):
                size = repo.get(child.id).size
            name = shown(child.name)
            entries.append({"type": kind, "name": name, "path": f"{path}/{name}" if path else name,
                            "sha": str(child.id), "size": size})
        return {"type": "dir", "path": path, "sha": str(obj.id), "entries": entries}
    if not isinstance(obj, pygit2.Blob):  # a submodule entry
        raise PathNotFound(path)
    kind = "symlink" if entry.filemode == pygit2.enums.FileMode.LINK else "file"
    return {"type": kind, "name": entry.name, "path": path, "sha": str(obj.id), "size": obj.size,
            "data": obj.data if obj.size <= max_bytes else None}
