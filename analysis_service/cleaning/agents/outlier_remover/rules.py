"""outlier-remover's rules (ids used in Change.rule / Removed.rule)."""

RULE_REMOVED = "outlier_removed"
RULE_IMPUTED = "outlier_imputed"
#: A column is numeric when at least this share of its non-null cells are numbers.
NUMERIC_SHARE = 0.9
