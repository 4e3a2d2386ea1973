"""The patient: the scripted engine that decides, disclosure rules, and the voice that words replies."""
