"""The JSON documents of the REST contract that are built in Python rather
than printed from protobuf by the gateway: the tool catalog, the report,
and the REST error bodies."""
