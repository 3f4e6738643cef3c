"""Refs a client can push that name no commit: a tag (lightweight or annotated) may point at a tree or a
blob, and git accepts it. Every endpoint that takes a ref reads such a tag as an unknown ref (404, or the
pipeline trigger's "unknown ref" 422), never a 500 (docs/api.md §7)."""

import pytest

from .test_push_commits import Bare

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(world, make_repo, api):
    bare = Bare(make_repo(world.org, "tagged", visibility="public"))
    bare.root = bare.commit("root")
    bare.set("refs/heads/main", bare.root)
    blob = bare.run("hash-object", "-w", "--stdin", input=b"x\n")
    bare.set("refs/tags/on-tree", bare.tree)
    bare.set("refs/tags/on-blob", blob)
    bare.run("tag", "-m", "a tree", "annotated-on-tree", bare.tree)
    bare.client, bare.base = api(world.tokens["writer"]), f"/repos/{world.org.login}/tagged"
    return bare


TAGS = ["on-tree", "on-blob", "annotated-on-tree", "refs/tags/on-tree"]


@pytest.mark.parametrize("tag", TAGS)
def test_a_tag_on_a_tree_or_blob_is_an_unknown_ref(tagged, tag):
    client, base = tagged.client, tagged.base
    for url in (f"{base}/contents?ref={tag}", f"{base}/contents/x?ref={tag}", f"{base}/commits?sha={tag}",
                f"{base}/commits/{tag}"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code, response.content[:300])
    assert client.get(f"{base}/contents?ref=main").status_code == 200  # the repository itself reads


@pytest.mark.parametrize("tag", TAGS[:2])
def test_a_pipeline_at_a_tag_on_a_tree_is_refused(tagged, tag):
    response = tagged.client.post(f"{tagged.base}/pipelines", {"ref": tag})
    assert response.status_code == 422, response.content[:300]
    assert response.json()["error"]["details"]["ref"] == [f"unknown ref {tag!r}"]
