"""Fitting the shipped models on a dev set's tuning half (`news-assistant fit`, `fit-lead`).

It sits above evaluation, the public API and the engine: it asks through the real pipeline.
"""
