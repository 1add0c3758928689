"""Knowledge written by the project: registries, gazetteer additions, lexicons (YAML)."""
