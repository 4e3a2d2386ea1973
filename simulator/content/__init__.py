"""Content files that trainers own: scenarios and rubrics, their formats, loading and checking."""
