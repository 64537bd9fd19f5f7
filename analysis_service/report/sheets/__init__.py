"""The workbook's sheets: ``cells`` (typed cells and tables), ``charts`` (the
chart helper), ``summary``, ``standard`` (the merged sheets) and one module
per agent, found through ``registry``."""
