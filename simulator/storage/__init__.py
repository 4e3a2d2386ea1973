"""What is kept on disk about a consultation: the transcript's event log and the care plan record."""
