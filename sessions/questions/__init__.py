"""Q&A with upvotes: a workshop's questions from the room, open alongside any step."""
