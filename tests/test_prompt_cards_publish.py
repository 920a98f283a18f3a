"""Prompt cards: cached images go into the output as hard links, safely."""

import errno
import os

from plugins.prompt_cards import imagecache, render


def cache_one(tmp_path, text="What do you need?"):
    spec = render.CardSpec(text=text)
    imagecache.ensure_rendered([spec], tmp_path / "cache", workers=1)
    return imagecache.cached_path(tmp_path / "cache", spec)


def test_cached_images_have_the_usual_mode(tmp_path):
    usual = tmp_path / "usual"
    usual.write_bytes(b"")
    assert cache_one(tmp_path).stat().st_mode == usual.stat().st_mode


def test_a_rendering_never_writes_through_a_temporary_file_left_behind(tmp_path):
    """A crash can leave this process's temporary name behind (here: a link to another
    file); rendering replaces it, never writing into the file it names."""
    (tmp_path / "cache").mkdir()
    spec = render.CardSpec(text="What do you need?")
    target = imagecache.cached_path(tmp_path / "cache", spec)
    other = tmp_path / "other.png"
    other.write_bytes(b"someone else's file")
    os.symlink(other, f"{target}.{os.getpid()}.tmp")
    imagecache._render_to(spec, target)
    assert other.read_bytes() == b"someone else's file"
    assert target.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_publish_links_the_cached_image_and_makes_its_folder(tmp_path):
    source = cache_one(tmp_path)
    target = tmp_path / "out" / "prompts" / "card" / "card.png"
    assert imagecache.publish(source, target) is True
    assert os.path.samefile(source, target)
    assert imagecache.publish(source, target) is False
    assert [p.name for p in target.parent.iterdir()] == ["card.png"]  # no temporary left


def test_a_new_rendering_never_changes_a_published_image(tmp_path):
    """The cache writes a new file and renames it: the output keeps the old image until
    publish() replaces its name, and replacing never writes into the old file."""
    source = cache_one(tmp_path)
    target = tmp_path / "out" / "a.png"
    imagecache.publish(source, target)
    before = target.read_bytes()
    imagecache._render_to(render.CardSpec(text="Another card"), source)
    assert target.read_bytes() == before
    assert imagecache.publish(source, target) is True
    assert target.read_bytes() == source.read_bytes() != before
    assert os.path.samefile(source, target)


def test_publishing_another_image_leaves_the_linked_one_alone(tmp_path):
    first = cache_one(tmp_path, "First?")
    second = cache_one(tmp_path, "Second, longer?")
    target = tmp_path / "out" / "a.png"
    imagecache.publish(first, target)
    first_bytes = first.read_bytes()
    assert imagecache.publish(second, target) is True
    assert first.read_bytes() == first_bytes
    assert target.read_bytes() == second.read_bytes()


def test_publish_copies_where_links_fail(tmp_path, monkeypatch):
    source = cache_one(tmp_path)

    def cross_device(*_):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    target = tmp_path / "out" / "a.png"
    assert imagecache.publish(source, target) is True
    assert not os.path.samefile(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_mtime_ns == source.stat().st_mtime_ns
    assert imagecache.publish(source, target) is False


def test_a_temporary_left_by_an_interrupted_build_is_replaced_not_written_through(tmp_path):
    source = cache_one(tmp_path)
    other = cache_one(tmp_path, "Another card?")
    other_bytes = other.read_bytes()
    target = tmp_path / "out" / "a.png"
    target.parent.mkdir()
    os.link(other, f"{target}.{os.getpid()}.tmp")
    assert imagecache.publish(source, target) is True
    assert target.read_bytes() == source.read_bytes()
    assert other.read_bytes() == other_bytes
