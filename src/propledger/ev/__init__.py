"""ev package."""
