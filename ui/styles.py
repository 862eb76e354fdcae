"""CSS and the small pieces of JavaScript for the conversation and article panels."""

from __future__ import annotations

# Gradio's large-button font takes about 14 px a letter, with 20 px of padding either side.
BUTTON_LETTER_PX, BUTTON_PADDING_PX = 14, 40


def button_min_width(label: str) -> int:
    """The width a button beside a text box keeps for its label; the box gets the rest of the row
    (Gradio's default minimum of 160 px left the box a third of a narrow screen)."""
    return BUTTON_LETTER_PX * len(label) + BUTTON_PADDING_PX


# Both strings pass through Gradio's template engine: no "${", "{{" or backticks in them.
CHAT_CSS = """
.na-chat { display: flex; flex-direction: column; gap: 14px; padding: 4px 2px; }
.na-empty { color: var(--body-text-color-subdued, #666); padding: 24px 8px; }
.na-turn { display: flex; flex-direction: column; gap: 8px; }
.na-bubble { border-radius: 12px; padding: 10px 14px; line-height: 1.5; max-width: 100%;
  border: 1px solid var(--border-color-primary, #ddd); overflow-wrap: anywhere; }
.na-bubble p { margin: 0 0 6px 0; }
.na-user { align-self: flex-end; max-width: 85%;
  background: var(--color-accent-soft, #eef2ff); }
.na-answer-ok { background: var(--background-fill-secondary, #fafafa); }
.na-decline { background: #fff7e6; border: 1px dashed #d48806; color: #5c3b00; }
.na-error { background: #fff1f0; border-color: #cf1322; color: #820014; }
.na-streaming { opacity: 0.85; border-style: dotted; }
.na-pending { border-bottom: 1px dotted var(--border-color-primary, #ccc); margin-bottom: 8px;
  padding-bottom: 6px; }
.na-badge { display: inline-block; font-size: 0.8em; font-weight: 600; letter-spacing: 0.02em;
  text-transform: uppercase; background: #d48806; color: #fff; border-radius: 6px;
  padding: 1px 8px; margin-bottom: 6px; }
.na-searched { font-size: 0.9em; font-style: italic; margin-bottom: 6px;
  color: var(--body-text-color-subdued, #555); }
.na-note { font-size: 0.9em; margin: 6px 0; padding: 4px 8px; border-left: 3px solid #1677ff;
  background: rgba(22, 119, 255, 0.08); }
.na-label { font-weight: 600; font-size: 0.85em; margin-top: 8px; }
.na-lead { font-weight: 600; }
.na-lead .na-answer-span { font-weight: 800; }
.na-sources { margin: 4px 0 0 0; padding-left: 0; list-style: none; }
.na-source { margin: 6px 0; }
.na-cite, .na-article-link, .na-marker { font: inherit; color: inherit; background: none;
  border: none; padding: 0; cursor: pointer; text-align: left; }
.na-cite:hover .na-headline, .na-article-link:hover .na-headline { text-decoration: underline; }
.na-cite:focus-visible, .na-marker:focus-visible, .na-article-link:focus-visible {
  outline: 2px solid #1677ff; outline-offset: 2px; }
.na-marker { color: #1677ff; font-weight: 600; font-size: 0.85em; vertical-align: super; }
.na-num { color: #1677ff; font-weight: 600; }
.na-outlet { font-weight: 600; }
.na-nodate { font-style: italic; }
.na-quote { margin: 2px 0 0 22px !important; padding: 2px 10px !important; font-size: 0.92em;
  border-left: 3px solid var(--border-color-primary, #ccc) !important;
  color: var(--body-text-color, #333) !important; opacity: 0.9; font-style: normal; }
.na-closest ul { margin: 4px 0 0 18px; padding: 0; }
.na-meta { font-size: 0.75em; margin-top: 6px; color: var(--body-text-color-subdued, #888); }
.na-matches { margin: 4px 0 0 0; padding-left: 0; list-style: none; }
.na-match { margin: 8px 0; }
.na-match mark { background: #ffe58f; color: #000; padding: 1px 0; border-radius: 2px; }
.na-kind { font-size: 0.8em; margin-left: 6px; color: var(--body-text-color-subdued, #666); }
.na-copies { font-size: 0.85em; margin: 2px 0 0 22px; }
"""

ARTICLE_CSS = """
.na-article { padding: 4px 2px 4px 2px; }
.na-article-missing, .na-article-empty { color: var(--body-text-color-subdued, #666); }
.na-article-top { position: sticky; top: 0; z-index: 1; padding: 4px 0 6px 0;
  background: var(--background-fill-primary, #fff);
  border-bottom: 1px solid var(--border-color-primary, #eee); margin-bottom: 8px; }
.na-article-head { font-size: 1.05em; margin-bottom: 2px; }
.na-outlet { font-weight: 600; }
.na-nodate { font-style: italic; }
.na-headline { font-weight: 600; }
.na-article-source { font-size: 0.8em; color: var(--body-text-color-subdued, #888); }
.na-article-body { white-space: pre-wrap; line-height: 1.55; font-size: 0.95em; }
.na-article-body mark { background: #ffe58f; color: #000; padding: 1px 0; border-radius: 2px; }
.na-note { font-size: 0.9em; margin: 6px 0; padding: 4px 8px; border-left: 3px solid #d48806; }
.na-back { display: none; }
/* 80vh: most of the window, with the page still showing above, so it reads as a drawer to close. */
.na-drawer { position: fixed; left: 0; right: 0; bottom: 0; height: 80vh; overflow-y: auto;
  z-index: 1000; padding: 0 14px 14px 14px; background: var(--background-fill-primary, #fff);
  border-radius: 14px 14px 0 0; box-shadow: 0 -6px 24px rgba(0, 0, 0, 0.3); }
.na-drawer .na-back { display: inline-block; font: inherit; font-weight: 600; color: #1677ff;
  background: none; border: 1px solid #1677ff; border-radius: 8px; padding: 2px 12px;
  margin: 8px 0 4px 0; cursor: pointer; }
"""

STATUS_CSS = """
.na-status ul { margin: 4px 0; padding-left: 18px; }
.na-status-error { color: #820014; }
.na-status-warning { color: #7a4a00; }
"""

# Clicks on a source, an [n] marker or a closest article become one 'click' event with data.
# A new question, and its answer once final, are scrolled to the top of the chat panel (and the
# page brought to them), so each new answer starts in view rather than below the fold.
CHAT_JS = """
element.addEventListener('click', function (event) {
  const target = event.target.closest('[data-cite], [data-article]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  if (target.dataset.cite) trigger('click', {cite: target.dataset.cite});
  else trigger('click', {article: target.dataset.article});
});
function chatScroller(node) {
  for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') return box;
  }
  return null;
}
function newestState() {
  const turns = element.querySelectorAll('.na-turn');
  const newest = turns[turns.length - 1];
  const open = newest && newest.querySelector('.na-streaming, .na-pending');
  return {newest: newest, key: turns.length + (open ? ':open' : ':final')};
}
let shownKey = newestState().key;
function showNewest() {
  const state = newestState();
  if (!state.newest || state.key === shownKey) return;
  shownKey = state.key;
  const box = chatScroller(state.newest);
  if (box) {
    const offset = state.newest.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop = box.scrollTop + offset;
  }
  // Below the middle of the window, most of the answer would be out of sight: bring it up.
  const top = state.newest.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight / 2) window.scrollBy(0, top);
}
watch('value', showNewest);
"""

# After the article changes, scroll its panel (not the page) to the highlighted quote, or to the top.
# Where the panel sits below the conversation rather than beside it (narrow screens), an opened
# article slides up as a drawer over the page, closed by its Back button or Escape, so the reader
# never leaves the answer; a click on the source already shown opens the drawer again.
ARTICLE_JS = """
function scroller(node) {
  for (let box = node; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') return box;
  }
  return null;
}
function stacked() {
  const column = element.closest('.column');
  const row = column && column.parentElement;
  if (!column || !row) return false;
  const width = row.getBoundingClientRect().width;
  return width > 0 && column.getBoundingClientRect().width >= width - 1;
}
function closeDrawer() {
  const view = element.querySelector('.na-drawer');
  if (view) view.classList.remove('na-drawer');
}
function openDrawer() {
  const view = element.querySelector('.na-article[data-article]');
  if (!view || !stacked()) return false;
  view.classList.add('na-drawer');
  let back = view.querySelector('.na-back');
  if (!back) {
    back = document.createElement('button');
    back.type = 'button';
    back.className = 'na-back';
    back.textContent = '\u2190 Back';
    back.setAttribute('aria-label', 'Close the article and go back');
    const top = view.querySelector('.na-article-top');
    if (top) top.prepend(back);
    else view.prepend(back);
  }
  back.focus({preventScroll: true});
  return true;
}
function showQuote() {
  const drawer = openDrawer();
  const mark = element.querySelector('mark');
  const box = scroller(mark ? mark.parentElement : element);
  if (!box) {
    if (mark && !drawer) mark.scrollIntoView({block: 'nearest'});
    return;
  }
  if (!mark) {
    box.scrollTop = 0;
    return;
  }
  const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop = box.scrollTop + offset - box.clientHeight / 3;
  if (!drawer) box.scrollIntoView({block: 'nearest'});
}
let changed = 0;
element.addEventListener('click', function (event) {
  if (event.target.closest('.na-back')) closeDrawer();
});
document.addEventListener('keydown', function (event) {
  if (event.key === 'Escape') closeDrawer();
});
document.addEventListener('click', function (event) {
  const source = event.target.closest('[data-cite], [data-article]');
  if (!source || element.contains(source)) return;
  if (source.closest('.tabitem') !== element.closest('.tabitem')) return;
  const clicked = changed;
  // The same source clicked again sends back the same article, and no change follows: open
  // what is shown once the answer to the click has had time to arrive.
  setTimeout(function () { if (changed === clicked) openDrawer(); }, 1000);
});
watch('value', function () {
  changed += 1;
  showQuote();
});
showQuote();
"""

# The page around the components (passed to launch): the corpus table in the body font, with long
# source paths wrapped rather than cut off.
PAGE_CSS = """
#articles .cell-wrap, #articles th { font-family: var(--font); }
#articles .cell-wrap { overflow-wrap: anywhere; }
"""
