"""MedRef's benchmark: the harness, its settings and URLs, the floor view and the dataset."""
