"""Domain rules: the only home of validation and time conversion."""
