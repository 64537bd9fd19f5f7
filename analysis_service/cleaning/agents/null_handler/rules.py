"""null-handler's rules (ids used in Change.rule / Removed.rule)."""

RULE_DROP_ROW = "drop_rows"
RULE_FILL = "impute_{strategy}"
#: Strategies the agent applies today; backward_fill and knn_imputation exist
#: as logic (logic.backward_fill, logic.KnnSample) but are not wired yet.
WIRED = ("mean", "median", "mode", "forward_fill", "constant", "drop_column")
