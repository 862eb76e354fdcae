"""The pipeline of ask(): the state and runner (state.py), the engine and the steps it runs.

The steps (request, evidence, decline, verify, lead, ...) turn a question into a verified Answer;
`engine.py` builds their list and `state.py` runs it. The state's types are re-exported here.
"""

from assistant.pipeline.state import AskState, NamedStep, Pages, Steps, Trace, cite

__all__ = ["AskState", "NamedStep", "Pages", "Steps", "Trace", "cite"]
