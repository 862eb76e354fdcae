"""The browser chat UI (Gradio) on top of the assistant's public API."""
