"""Figures that travel with their notebook: Markdown images `![alt](attachment:NAME.png)`.

A notebook opened alone (Colab opens one from the repository) cannot reach `../figures/x.svg`,
so each chapter carries its figures as PNG cell attachments, which Jupyter and Colab draw
(`figures/make_figures.py` renders them). MyST-NB does not read attachments; this transform
points such an image at the sharper `figures/NAME.svg` of the book's source instead.
"""

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

PREFIX = "attachment:"


class AttachmentsFromFigures(SphinxTransform):
    # After the Chinese edition's translations (priority 20) have put their images in place.
    default_priority = 100

    def apply(self) -> None:
        for image in self.document.findall(nodes.image):
            uri = image["uri"]
            if uri.startswith(PREFIX):
                svg = Path(uri.removeprefix(PREFIX)).with_suffix(".svg").name
                if not (Path(self.env.srcdir) / "figures" / svg).is_file():
                    raise ValueError(f"{self.env.docname}: no figures/{svg} for the image {uri!r}")
                image["uri"] = f"/figures/{svg}"


def setup(app: Sphinx) -> dict:
    app.add_transform(AttachmentsFromFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
