"""Private utilities: the lowest layer of the package (validation, replicate summaries, time,
operand conversion, version). Imports nothing from the rest of ``divergence`` except ``_core``."""
