"""clean-my-data: the chain of cleaning agents (interface in :mod:`.model`)."""
