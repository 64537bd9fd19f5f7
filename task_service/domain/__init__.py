"""TaskService domain: the task entity and its state machine, the use cases,
the dispatcher, and the ports (protocols) the adapters implement."""
