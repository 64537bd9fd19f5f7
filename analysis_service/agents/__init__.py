"""Profile agents computed from one shared streaming pass.

``base`` defines the interface (see its docstring for how an agent package
looks), ``params`` the typed parameters, ``rules`` the rule tables and their
evaluation, ``registry`` what is implemented, ``runner`` the passes;
``unified_profiler/`` is the first agent package. ``pii`` is the interim PII
estimate the profiler uses.
"""
