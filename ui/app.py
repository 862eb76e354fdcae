"""The Gradio app: chat with verified citations, the article viewer, and the corpus panel."""

from __future__ import annotations

import sys

import gradio as gr

from assistant import Settings, list_articles
from ui.busy import busy_middleware
from ui.compare_view import compare_tab
from ui.corpus import (
    TABLE_HEADERS,
    UPLOAD_TYPES,
    CorpusHandlers,
    article_rows,
    articles_chart,
    outlet_names,
)
from ui.handlers import EMPTY_ARTICLE, ChatHandlers, export_button, generator_choices
from ui.health import HEALTH_PATH, Readiness, add_health_route
from ui.memory import limit_malloc_arenas
from ui.render import render_conversation
from ui.source_view import FIND_SOURCE_LABEL, offer_source
from ui.styles import ARTICLE_CSS, ARTICLE_JS, CHAT_CSS, CHAT_JS, PAGE_CSS, STATUS_CSS, button_min_width

# Gradio cuts an example's text after 60 characters, so each is kept shorter than that.
EXAMPLES = [
    "How many observation posts did Turkey set up in Idlib?",
    "What did Peskov say about a ceasefire in Syria?",
    "What did Putin say about ties between Moscow and Ankara?",
    "Did Russia and the US agree to coordinate more on Syria?",
]
INTRO = (
    "# News assistant\n"
    "Answers come only from the indexed articles. Every quote is checked word for word against "
    "its article and credited to the outlet and date; questions the articles do not answer are "
    "declined."
)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_app(settings: Settings) -> gr.Blocks:
    """The whole UI as a Blocks app (queued), ready to launch."""
    chat = ChatHandlers(settings)
    corpus = CorpusHandlers(settings)
    articles = list_articles(settings)
    with gr.Blocks(title="News assistant", analytics_enabled=False) as app:
        gr.Markdown(INTRO)
        turns = gr.State([])
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    conversation = gr.HTML(
                        render_conversation([]),
                        css_template=CHAT_CSS,
                        js_on_load=CHAT_JS,
                        elem_id="conversation",
                        autoscroll=False,  # CHAT_JS scrolls to each new answer's start
                        min_height=320,
                        max_height=640,
                        container=True,
                        padding=True,
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            placeholder="Ask about the articles…",
                            show_label=False,
                            elem_id="question",
                            scale=5,
                            max_lines=4,
                        )
                        width = button_min_width("Ask")
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=width, elem_id="ask")
                    find_source = gr.Button(
                        FIND_SOURCE_LABEL, visible=False, elem_id="find-source", size="sm"
                    )
                    gr.Examples(EXAMPLES, inputs=question, label="Example questions")
                    with gr.Row():
                        new_chat = gr.Button("New chat", elem_id="new-chat", size="sm")
                        export_md = export_button("Export Markdown", elem_id="export-md")
                        export_json = export_button("Export JSON", elem_id="export-json")
                with gr.Column(scale=2, min_width=320):
                    with gr.Accordion("Filters and generator", open=True):
                        outlets = gr.Dropdown(
                            choices=outlet_names(articles),
                            multiselect=True,
                            label="Outlets (none chosen = all)",
                            elem_id="outlets",
                        )
                        with gr.Row():
                            since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD")
                            until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD")
                        llm = gr.Radio(
                            generator_choices(settings),
                            value=settings.llm,
                            label="Generator",
                            elem_id="generator",
                        )
                        top_k = gr.Slider(
                            1, 50, value=settings.top_k, step=1, label="Number of sources (top_k)"
                        )
                    article = gr.HTML(
                        EMPTY_ARTICLE,
                        css_template=ARTICLE_CSS,
                        js_on_load=ARTICLE_JS,
                        elem_id="article-view",
                        show_label=False,
                        max_height=560,
                        container=True,
                        padding=True,
                    )
            with gr.Tab("Compare outlets", id="compare"):
                compare_tab(settings, outlet_names(articles))
            with gr.Tab("Corpus", id="corpus"):
                table = gr.Dataframe(
                    value=article_rows(articles),
                    headers=TABLE_HEADERS,
                    interactive=False,
                    wrap=True,
                    label="Articles",
                    elem_id="articles",
                )
                chart = gr.Plot(articles_chart(articles), label="Articles per outlet over time")
                with gr.Row():
                    files = gr.File(
                        file_count="multiple",
                        file_types=list(UPLOAD_TYPES),
                        type="filepath",
                        label=f"Add articles: .txt, .html, .jsonl (≤ {settings.max_upload_mb} MB)",
                        elem_id="upload",
                    )
                    index_button = gr.Button("Index uploaded files", elem_id="index-uploads")
                status = gr.HTML("", css_template=STATUS_CSS, js_on_load=None, elem_id="upload-status")

        ask_inputs = [question, turns, outlets, since, until, llm, top_k]
        ask_outputs = [conversation, turns, question, export_md, export_json]
        for trigger in (question.submit, send.click):
            trigger(
                chat.respond,
                ask_inputs,
                ask_outputs,
                concurrency_id="answer",
                api_visibility="private",
            )
        question.change(offer_source, question, find_source, queue=False, show_progress="hidden",
                        api_visibility="private")  # fmt: skip
        find_source.click(
            chat.respond_source, ask_inputs, ask_outputs, concurrency_id="answer", api_visibility="private"
        )
        conversation.click(chat.show_source, [turns], [article], api_visibility="private")
        new_chat.click(
            chat.new_chat,
            None,
            [conversation, turns, article, export_md, export_json, question],
            api_visibility="private",
        )
        index_button.click(
            corpus.upload,
            [files],
            [status, table, chart, outlets],
            concurrency_limit=1,
            api_visibility="private",
        )
        app.load(corpus.refresh, None, [table, chart, outlets], api_visibility="private")
        gr.api(chat.ask_api, api_name="ask", concurrency_id="answer")
        gr.api(chat.ask_events, api_name="ask_stream", concurrency_id="answer")
    app.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
    return app


def login(settings: Settings) -> tuple[str, str] | None:
    """The (username, password) pair when both are set; ConfigError (from Settings) when only one is."""
    return settings.login()


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the chat UI on host:port (loopback unless told otherwise) until interrupted."""
    auth = login(settings)
    if host not in LOOPBACK and auth is None:
        print(
            f"warning: serving on {host} without a login; set ASSISTANT_UI_USERNAME and "
            "ASSISTANT_UI_PASSWORD to require one.",
            file=sys.stderr,
        )
    limit_malloc_arenas()  # before the server's request threads start
    app = build_app(settings)
    readiness = Readiness(settings)
    app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        max_file_size=f"{settings.max_upload_mb}mb",
        share=False,
        show_error=False,
        css=PAGE_CSS,
        app_kwargs={"middleware": busy_middleware(app, settings)},
        prevent_thread_lock=True,
        quiet=True,
    )
    add_health_route(app, readiness)
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    print(f"Loading the index and the models before the first question ({url}{HEALTH_PATH[1:]} says when)",
          flush=True)  # fmt: skip
    readiness.warm_up()
    report = readiness.report()
    print(f"Ready: {url} (models loaded in {report['loaded_in_s']:.1f} s; summaries: {report['summaries']})",
          flush=True)  # fmt: skip
    app.block_thread()
