"""Prompt cards read in an earlier dev build are reused while their article is
unchanged, and a kept mistake still fails the build."""

from tests.sitebuild import content_with, parse, run_build


def build_lines(result):
    summary = result.stderr[result.stderr.index("Build failed:") :].splitlines()[1:]
    return [line for line in summary if line and not line.startswith("(run with --debug")]


def test_a_kept_bad_prompt_still_fails_the_build_and_a_fix_is_read(tmp_path):
    content = content_with(tmp_path, "prompt-cards/unknown-level.md")
    output = tmp_path / "output"
    first = run_build(output, content=content, extra=["--no-lint"])
    second = run_build(output, content=content, extra=["--no-lint"])
    assert (tmp_path / "cache" / "prompt_cards_read.pickle").is_file()
    assert first.returncode == second.returncode == 1
    assert build_lines(second) == build_lines(first)
    assert any('unknown prompt level "deep"' in line for line in build_lines(second))
    post = content / "unknown-level.md"
    post.write_text(post.read_text(encoding="utf-8").replace("- deep |", "- deeper |"), "utf-8")
    third = run_build(output, content=content, extra=["--no-lint"])
    assert third.returncode == 0, third.stderr
    deck = parse(output / "prompts" / "index.html").get_text()
    assert "What do you wish I asked you more often?" in deck
