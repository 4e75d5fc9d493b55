"""Demo data for `flask demo load [--large]`: see loader.load_demo and large.load_large."""
