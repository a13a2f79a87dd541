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

It also makes each exercise's title translatable (the Chinese edition): sphinx-exercise builds the
title's node without the source text and place that Sphinx's gettext needs, so titles were
neither extracted nor translated.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, exercise_subtitle, solution_node

import private_apis

SHARED_IDS = {"exercise-content", "solution-content"}


def _outside_solutions(collect_words):
    def collect_words_outside_solutions(self, doctree: nodes.document):
        pruned = doctree.deepcopy()
        for solution in list(pruned.findall(solution_node)):
            solution.parent.remove(solution)
        return collect_words(self, pruned)
    return collect_words_outside_solutions


def _give_contents_their_own_ids(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for block in doctree.findall(lambda n: isinstance(n, (exercise_node, exercise_enumerable_node, solution_node))):
        label = block.get("label") or (block["ids"] or ["exercise"])[0]
        for section in block.findall(nodes.section):
            section["ids"] = [f"{label}-content" if i in SHARED_IDS else i for i in section["ids"]]


def _with_translatable_title(run):
    def run_with_translatable_title(self) -> list[nodes.Node]:
        made = run(self)
        source, line = self.get_source_info()
        for block in made:
            for title in block.findall(exercise_subtitle):
                title.rawsource, title.source, title.line = self.arguments[0], source, line
        return made
    return run_with_translatable_title


class _ExtractExerciseTitles(SphinxPostTransform):
    """For the message catalogs only: sphinx-exercise's post-transform (priority 20) rebuilds
    each title without its source, so just before it, each title is copied into a paragraph that
    only the gettext builder sees. (The translation itself is made when the page is read.)"""

    default_priority = 19
    builders = ("gettext",)

    def run(self) -> None:
        for title in list(self.document.findall(exercise_subtitle)):
            copy = nodes.paragraph(title.rawsource, "", *(child.deepcopy() for child in title.children))
            copy.source, copy.line = title.source, title.line
            copy.uid = ""  # the catalog skips nodes without one (as Sphinx does for toctrees)
            self.document += copy


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    private_apis.wrap_exercise_directive(_with_translatable_title)
    app.add_post_transform(_ExtractExerciseTitles)
    # Sphinx has no setting for leaving nodes out of the search index; its word collector
    # (Sphinx 7.4) is wrapped so that it reads each page without its solutions.
    # tests/test_exercises.py fails if a newer Sphinx indexes them again.
    private_apis.wrap_search_word_collector(_outside_solutions)
    app.connect("doctree-resolved", _give_contents_their_own_ids)
    app.add_js_file("hide_solutions.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
