"""The word cloud step: words from every phone, counted, moderated and drawn on the projector."""
