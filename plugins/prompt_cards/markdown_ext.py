"""A Markdown extension that takes ```prompts blocks out of the article body.

The cards are shown after the body by the theme (partials/prompt_deck.html), so the
block itself must not render as a code block. Removing it before Python-Markdown's
fenced-code step means no other extension (code highlighting, TOC ...) ever sees it.
The plugin reads the cards from the source file itself (see generator.attach_cards), so
cached builds, which skip Markdown entirely, get them too.
"""

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from .parse import strip_blocks

# After `meta` (27) has removed the header, before `fenced_code_block` (25).
PRIORITY = 26


class StripPromptBlocks(Preprocessor):
    def run(self, lines):
        return strip_blocks(lines)


class PromptBlockExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(StripPromptBlocks(md), "prompt_cards", PRIORITY)
