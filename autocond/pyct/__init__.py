"""Python-code tools: parsing, templates, annotations, names and loading."""
