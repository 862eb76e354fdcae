"""The assistant's steps as parts of other frameworks (LlamaIndex)."""
