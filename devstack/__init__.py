"""Starts the real parts on 127.0.0.1: SeaweedFS, the three services and
Envoy. ``python -m devstack`` (what ``make run`` calls) runs the whole stack;
the end-to-end tests start the same processes on free ports."""
