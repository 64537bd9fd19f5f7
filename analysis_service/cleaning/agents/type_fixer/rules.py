"""type-fixer's rules: the decision cut-offs and the rule ids (used in
``Change.rule`` / ``Removed.rule``). The finding tables are in
:mod:`.findings`.

How a column's type is decided (whole column, every non-null value):

* its *support* for a type = the values that convert to it exactly;
* support >= :data:`TYPE_SHARE` of the non-null values: the column is of
  that type (the rest is reported value by value);
* :data:`MIXED_SHARE` <= support < :data:`TYPE_SHARE`: *mixed*. With
  ``preserve_mixed_types`` the column is left unchanged and reported;
  otherwise it is converted like the others (the rest reported);
* below :data:`MIXED_SHARE`: text. Low-cardinality text (at least
  :data:`CATEGORY_MIN_VALUES` values, at most :data:`CATEGORY_MAX_DISTINCT`
  distinct, at most :data:`CATEGORY_MAX_RATIO` of the values distinct) is
  marked ``category`` under ``auto_convert_category``: no value changes.

A column holding digit strings with a leading zero ("02134") or phone
numbers ("+41791234567") is a code column: never numeric. Integer vs
float: the column is ``float`` as soon as one of its numbers is not whole
("1.0" is whole). Booleans are gated by ``auto_convert_category`` (a
boolean is a two-valued category), numbers by ``auto_convert_numeric``,
dates by ``auto_convert_datetime``.
"""

from __future__ import annotations

#: The types a column can be converted to (``target_type``).
TARGETS = ("integer", "float", "boolean", "datetime")
#: Share of the non-null values that must convert for a column to be typed.
TYPE_SHARE = 0.95
#: Below TYPE_SHARE but at least this share: a mixed column.
MIXED_SHARE = 0.5
CATEGORY_MIN_VALUES = 10
CATEGORY_MAX_DISTINCT = 20
CATEGORY_MAX_RATIO = 0.5
#: Sample values per column (upstream: the first 5).
SAMPLES = 5
#: (row, value) examples kept per column and value class for row-level issues.
EXAMPLES = 100
#: An alert fires when more than this share of the columns has type issues.
HIGH_ISSUE_COLUMN_SHARE = 0.3

#: The parameter that allows converting a column to each type.
GATES = {
    "integer": "auto_convert_numeric",
    "float": "auto_convert_numeric",
    "datetime": "auto_convert_datetime",
    "boolean": "auto_convert_category",
}

#: The ``suggested_type`` names of the result (upstream's "numeric" for float).
SUGGESTED_NAMES = {"float": "numeric"}

#: Change.rule of a converted cell, per target type.
RULE_CONVERT = {target: f"convert_to_{target}" for target in TARGETS}
#: Removed.rule of a row quarantined under strict_types.
RULE_FAILED = "type_conversion_failed"

#: The type every column has when it arrives (CSV is text; Polars' name).
CURRENT_TYPE = "String"
