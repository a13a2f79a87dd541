"""The book runs the panels' scripts as they are in the repository, not as a stored output has them.

A panel's stored output carries its scripts inline, each marked with the bundle of `charrnn/js/`
it was made from (`charrnn/pages.py`). This transform puts the bundle's current files in its
place, so an edit to a script reaches the book at the next build, with no chapter re-run.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from charrnn import pages


class CurrentPanelScripts(SphinxTransform):
    default_priority = 100

    def apply(self) -> None:
        for raw in self.document.findall(nodes.raw):
            if raw.get("format") != "html" or "charrnn-code" not in raw.astext():
                continue
            refreshed = pages.refresh_scripts(raw.astext())
            raw.children = [nodes.Text(refreshed)]
            for match in pages.SCRIPT_BLOCK.finditer(refreshed):
                for name in pages.BUNDLES[match[2]]:  # rebuild this page when one of its scripts changes
                    self.env.note_dependency(str(pages.JS.joinpath(name)))


def setup(app: Sphinx) -> dict:
    app.add_transform(CurrentPanelScripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
