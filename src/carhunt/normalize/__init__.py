"""Raw records to CAR tables: envelope extraction, mapping, whole-data-set steps."""
