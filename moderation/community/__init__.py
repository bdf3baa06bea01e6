"""The community tools: readers' reports of comments, the desk's standing decisions about
authors, verified readers, and telling commenters what became of their comments."""
