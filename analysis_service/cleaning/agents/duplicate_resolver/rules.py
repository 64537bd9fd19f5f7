"""duplicate-resolver's rules (ids used in Removed.rule / Change.rule)."""

RULE_DUPLICATE = "duplicate_row"
RULE_MERGED = "merge_smart_fill"
#: Groups held in memory before the index spills to SQLite on disk.
MEMORY_GROUPS = 1_000_000
