"""Profile agents computed from one shared streaming pass.

``base`` defines the interface, ``registry`` lists what is implemented,
``runner`` runs the pass and the agents, ``unified_profiler`` is the first
agent.
"""
