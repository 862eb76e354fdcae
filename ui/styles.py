"""CSS and the small pieces of JavaScript for the conversation and article panels."""

from __future__ import annotations

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
.na-article { padding: 22px 2px 4px 2px; }
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
"""

STATUS_CSS = """
.na-status ul { margin: 4px 0; padding-left: 18px; }
.na-status-error { color: #820014; }
.na-status-warning { color: #7a4a00; }
"""

# Clicks on a source, an [n] marker or a closest article become one 'click' event with data.
CHAT_JS = """
element.addEventListener('click', function (event) {
  const target = event.target.closest('[data-cite], [data-article]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  if (target.dataset.cite) trigger('click', {cite: target.dataset.cite});
  else trigger('click', {article: target.dataset.article});
});
"""

# After the article changes, scroll its panel (not the page) to the highlighted quote, or to the top.
ARTICLE_JS = """
function scroller(node) {
  for (let box = node; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') return box;
  }
  return null;
}
function showQuote() {
  const mark = element.querySelector('mark');
  const box = scroller(mark ? mark.parentElement : element);
  if (!box) {
    if (mark) mark.scrollIntoView({block: 'nearest'});
    return;
  }
  if (!mark) {
    box.scrollTop = 0;
    return;
  }
  const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop = box.scrollTop + offset - box.clientHeight / 3;
  box.scrollIntoView({block: 'nearest'});
}
watch('value', showQuote);
showQuote();
"""
