"""dqclient."""
