"""Exercises with worked solutions that stay hidden until the reader opens one.

sphinx-exercise draws the numbered, linkable exercise and solution blocks, and
sphinx-togglebutton folds each solution written with `:class: dropdown`. This extension closes
the two ways a folded solution still showed:

- Search. The index leaves solutions out, so a word that only a solution uses finds nothing;
  and `_static/hide_solutions.js` removes solutions from the text the search page cuts its
  previews from, so a preview never shows part of one.
- Anchors. sphinx-exercise gives the content of every block the same id ("exercise-content",
  "solution-content"), so a page with several exercises repeats ids; here each block's content
  takes its block's label instead ("rnn-scratch-detach-content").
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.search import IndexBuilder
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

SHARED_IDS = {"exercise-content", "solution-content"}
_collect_words = IndexBuilder._word_collector


def _collect_words_outside_solutions(self: IndexBuilder, doctree: nodes.document):
    pruned = doctree.deepcopy()
    for solution in list(pruned.findall(solution_node)):
        solution.parent.remove(solution)
    return _collect_words(self, pruned)


def _give_contents_their_own_ids(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for block in doctree.findall(lambda n: isinstance(n, (exercise_node, exercise_enumerable_node, solution_node))):
        label = block.get("label") or (block["ids"] or ["exercise"])[0]
        for section in block.findall(nodes.section):
            section["ids"] = [f"{label}-content" if i in SHARED_IDS else i for i in section["ids"]]


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    # Sphinx has no setting for leaving nodes out of the search index; its word collector
    # (Sphinx 7.4) is wrapped so that it reads each page without its solutions.
    # tests/test_exercises.py fails if a newer Sphinx indexes them again.
    IndexBuilder._word_collector = _collect_words_outside_solutions
    app.connect("doctree-resolved", _give_contents_their_own_ids)
    app.add_js_file("hide_solutions.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
