"""Benchmarks: speed, memory and scale of the assistant, beside a plain LlamaIndex pipeline."""
