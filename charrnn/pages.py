"""How a panel reaches the page: its markup, its data as JSON, and the scripts of `charrnn/js/`.

A panel's HTML carries its scripts inline, so that it works wherever it is shown: Jupyter,
Colab, the built book, a page saved to disk. Each inline script is marked with the bundle it was
made from (`<script class="charrnn-code" data-bundle="sampler">`; `charrnn/js/bundles.json` lists
each bundle's files in load order). That mark lets the rest of the project treat the scripts as
code, not as output:

- the book build puts the current files in place of whatever a stored output carries
  (`_ext/panels.py`), so the book always runs the scripts in the repository;
- strict nbval leaves the scripts out of its comparison (`tests/nbval_sanitize.cfg`), so an edit
  to a script needs no re-run of a chapter;
- `python scripts/refresh_panels.py` writes the current scripts into the stored outputs, for
  readers who open a notebook without running it (seconds, no training).

A panel's element id comes from its data only, so the same panel gives the same HTML.
"""

import hashlib
import json
import re
from importlib import resources

JS = resources.files("charrnn") / "js"
# Every bundle of scripts, by name, its files in load order (also read by the Node tests).
BUNDLES = {name: files for name, files in json.loads(JS.joinpath("bundles.json").read_text()).items()
           if name != "//"}
SCRIPT_BLOCK = re.compile(r'(<script (?:type="text/plain" )?class="charrnn-code[^"]*" data-bundle="([^"]*)">)'
                          r"[\s\S]*?(</script>)")


def bundle(files: list[str]) -> str:
    """The files of `charrnn/js/` named, one after the other, as one script."""
    sources = []
    for name in files:
        source = JS.joinpath(name).read_text(encoding="utf-8")
        if "</script" in source.lower():  # would end the inline script early
            raise ValueError(f"charrnn/js/{name} contains '</script', which cannot be inlined in a page")
        sources.append(source)
    return "\n".join(sources)


def script_block(name: str, runs: bool = True) -> str:
    """Bundle `name` as an inline script; with runs=False as text that a Web Worker is made from."""
    kind = "" if runs else 'type="text/plain" '
    extra = "" if runs else f" charrnn-{name}"
    return f'<script {kind}class="charrnn-code{extra}" data-bundle="{name}">\n{bundle(BUNDLES[name])}\n</script>'


def refresh_scripts(page: str) -> str:
    """`page` with every marked inline script replaced by the current files of its bundle."""
    return SCRIPT_BLOCK.sub(lambda m: f"{m[1]}\n{bundle(BUNDLES[m[2]])}\n{m[3]}", page)


def panel_html(css_class: str, style: str, controls: str, data: dict, scripts: list[str], mount: str) -> str:
    """A self-contained panel: its markup, its data as JSON, its scripts, and the call that mounts
    it on its element. `scripts` are bundle names (`BUNDLES`), each a script block in order."""
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    panel_id = f"{css_class}-{hashlib.sha1(payload.encode()).hexdigest()[:10]}"
    style = style.replace("#PANEL", f"#{panel_id}")
    blocks = "\n".join(script_block(name, runs=not name.endswith("-worker")) for name in scripts)
    return f"""<div class="{css_class}" id="{panel_id}">
<style>
#{panel_id} {{ border: 1px solid #ccc; border-radius: 6px; padding: 0.8em; font-size: 0.95em; max-width: 100%;
  box-sizing: border-box; }}
{style}@media (max-width: 640px) {{ /* a phone: controls big enough for a finger */
  #{panel_id} button, #{panel_id} select, #{panel_id} input:not([type=radio]),
  #{panel_id} label:has(input[type=radio]) {{
    min-height: 44px; min-width: 44px; box-sizing: border-box; }}
}}</style>
{controls}
<script type="application/json" class="charrnn-data">{payload}</script>
{blocks}
<script>
{mount}(document.getElementById("{panel_id}"),
  JSON.parse(document.querySelector("#{panel_id} .charrnn-data").textContent));
</script>
</div>"""
