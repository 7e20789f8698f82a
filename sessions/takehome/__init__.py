"""A delegate's take-home page once the workshop has finished."""
