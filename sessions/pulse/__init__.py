"""The closing pulse: usefulness 1-5 and one word per delegate."""
