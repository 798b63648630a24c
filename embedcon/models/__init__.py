"""Console models: pure Python, no widgets (ANSI parsing, history, kill ring, key map)."""
