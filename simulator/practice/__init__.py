"""A practice visit, from start to the care plan: the use cases both the app and the command line call."""
